// Chain statistics against data (docs/theory.md section 5): the flat sums against direct formulas,
// a measurement split over 2 or 3 shares against one rank, and same-seed reproducibility.
#include <cmath>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "../support/recording_team.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/observables/chain_statistics.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"

using namespace shortrun;

namespace {

Matrix random_binary(Index n, Index count, std::uint64_t seed) {
  Matrix x(n, count);
  for (Index j = 0; j < count; ++j) {
    Stream s(seed, Purpose::data, static_cast<std::uint64_t>(j));
    for (Index i = 0; i < n; ++i) x(i, j) = s.uniform() <= 0.2 + 0.12 * static_cast<double>(i) ? 1.0 : 0.0;
  }
  return x;
}

Dataset dataset_of(const Matrix& x) {
  Dataset d;
  d.x = x;
  compute_moments(d);
  return d;
}

using shortrun::testing::RecordingTeam;
static_assert(Reducer<RecordingTeam>);

}  // namespace

TEST_CASE("chain statistics from flat sums equal the direct formulas", "[observables]") {
  const Index nv = 5, nh = 3;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 17, 0.8);
  const Dataset data = dataset_of(random_binary(nv, 300, 2));
  const DataReference ref = make_reference(rbm, data);
  const Matrix x = random_binary(nv, 200, 9);

  // Two halves added separately and summed give the same sums as all at once.
  ChainSums whole(ref), left(ref), right(ref);
  accumulate_chains(rbm, x, ref, whole);
  accumulate_chains(rbm, x.leftCols(77), ref, left);
  accumulate_chains(rbm, x.rightCols(123), ref, right);
  left += right;
  CHECK((left.flat() - whole.flat()).cwiseAbs().maxCoeff() < 1e-12);

  const ChainStatistics s = finish(whole, ref);
  const double r = 200;
  const Vector mean = x.rowwise().mean();
  const Matrix centred = x.colwise() - mean;
  const Matrix cov = centred * centred.transpose() / r;
  double pair_sq = 0;
  for (Index j = 1; j < nv; ++j)
    for (Index i = 0; i < j; ++i) pair_sq += std::pow(cov(i, j) - data.cov(i, j), 2);
  const Vector e = rbm.energy(x);
  const Matrix hbar = rbm.hidden_input(x).unaryExpr([](double y) { return sigmoid(y); });
  const Vector h_mean = hbar.rowwise().mean();
  const Matrix vh = x * hbar.transpose() / r;

  CHECK(s.n_chains == r);
  CHECK(s.finite);
  CHECK(s.cov_components == 0);
  CHECK((s.mean - mean).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((s.cov - cov).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(s.mean_err == Approx(std::sqrt((mean - data.mean).squaredNorm() / nv)).epsilon(1e-12));
  CHECK(s.corr_err == Approx(std::sqrt(pair_sq / (nv * (nv - 1) / 2.0))).epsilon(1e-12));
  CHECK(s.energy_mean == Approx(e.mean()).epsilon(1e-12));
  CHECK(s.energy_std == Approx(std::sqrt((e.array() - e.mean()).square().mean())).epsilon(1e-10));
  CHECK((s.h_mean - h_mean).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(s.h_err == Approx(std::sqrt((h_mean - ref.h_mean).squaredNorm() / nh)).epsilon(1e-12));
  CHECK(s.vh_err == Approx(std::sqrt((vh - ref.vh).squaredNorm() / (nv * nh))).epsilon(1e-12));
  // The data against themselves: every error vanishes.
  const ChainStatistics self = finish([&] { ChainSums d(ref); accumulate_chains(rbm, data.x, ref, d); return d; }(), ref);
  CHECK(self.mean_err < 1e-14);
  CHECK(self.corr_err < 1e-14);
  CHECK(self.h_err < 1e-14);
  CHECK(self.vh_err < 1e-14);
  CHECK(self.energy_mean == Approx(ref.energy_mean).epsilon(1e-13));
}

TEST_CASE("above 64 units the covariance is returned projected on the data's top components", "[observables]") {
  const Index n = 70;
  Dataset data = dataset_of(random_binary(n, 500, 3));
  const DataReference ref = make_reference(data, 5);
  REQUIRE(ref.components.cols() == 5);
  const Matrix x = random_binary(n, 100, 4);
  ChainSums sums(ref);
  sums.add(x, Vector::Zero(100), ref);
  const ChainStatistics s = finish(sums, ref);
  CHECK(s.cov_components == 5);
  CHECK(s.cov.rows() == 5);
  const Matrix centred = x.colwise() - x.rowwise().mean();
  const Matrix cov = centred * centred.transpose() / 100.0;
  CHECK((s.cov - ref.components.transpose() * cov * ref.components).cwiseAbs().maxCoeff() < 1e-12);
  // The components are the data's largest: the first carries the largest variance.
  const Vector v = mode_variances(data.cov, ref.components);
  CHECK(v[0] >= v[4]);
}

TEST_CASE("a measurement split over 2 or 3 shares sums to the one-rank result", "[observables][measure]") {
  const Index nv = 5, nh = 3;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 23, 0.9);
  const Dataset data = dataset_of(random_binary(nv, 400, 5));
  const DataReference ref = make_reference(rbm, data);
  DynamicsSpec spec;
  spec.n_chains = 301;
  spec.times = {0, 1, 2, 5, 9, 20};
  spec.seed = 11;
  spec.measurement = 4;
  spec.sample_times = {0, 5, 20};
  spec.n_kept = 7;
  const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, nv);

  RecordingTeam one;
  const DynamicsResult full = measure_dynamics(rbm, BlockGibbs{}, p0, ref, spec, one);
  REQUIRE(full.t == spec.times);
  REQUIRE(full.samples.size() == 3);

  for (int size : {2, 3}) {
    std::vector<RecordingTeam> team(static_cast<std::size_t>(size));
    for (int r = 0; r < size; ++r) {
      team[static_cast<std::size_t>(r)].rank_ = r;
      team[static_cast<std::size_t>(r)].size_ = size;
      measure_dynamics(rbm, BlockGibbs{}, p0, ref, spec, team[static_cast<std::size_t>(r)]);
    }
    REQUIRE(team[0].sent.size() == one.sent.size());
    for (std::size_t c = 0; c < one.sent.size(); ++c) {
      Vector sum = Vector::Zero(one.sent[c].size());
      for (const auto& member : team) sum += member.sent[c];
      INFO("team size " << size << " reduction " << c);
      CHECK((sum - one.sent[c]).cwiseAbs().maxCoeff() < 1e-12 * std::max(1.0, one.sent[c].cwiseAbs().maxCoeff()));
    }
    // The statistics finished from the summed sums agree to 1e-12.
    // (The first reduction is the group sums at t = 0; their total is the sums of all chains.)
    GroupedChainSums groups(ref);
    for (const auto& member : team) groups.flat() += member.sent[0];
    ChainSums summed(ref);
    groups.total(summed);
    const ChainStatistics a = finish(summed, ref);
    CHECK(std::abs(a.corr_err - full.stats[0].corr_err) < 1e-12);
    CHECK(std::abs(a.mean_err - full.stats[0].mean_err) < 1e-12);
  }

  // Same seed, same team: bitwise identical.
  RecordingTeam again;
  const DynamicsResult repeat = measure_dynamics(rbm, BlockGibbs{}, p0, ref, spec, again);
  REQUIRE(repeat.t == full.t);
  for (std::size_t c = 0; c < one.sent.size(); ++c) CHECK((again.sent[c].array() == one.sent[c].array()).all());
  for (std::size_t i = 0; i < full.t.size(); ++i) {
    CHECK(repeat.stats[i].corr_err == full.stats[i].corr_err);
    CHECK(repeat.stats[i].energy_mean == full.stats[i].energy_mean);
    CHECK((repeat.stats[i].mean.array() == full.stats[i].mean.array()).all());
  }
  for (std::size_t i = 0; i < full.samples.size(); ++i)
    CHECK((repeat.samples[i].x.array() == full.samples[i].x.array()).all());
  // Another measurement index draws other chains.
  spec.measurement = 5;
  RecordingTeam other;
  const DynamicsResult different = measure_dynamics(rbm, BlockGibbs{}, p0, ref, spec, other);
  CHECK(different.stats[3].corr_err != full.stats[3].corr_err);
}

TEST_CASE("sampled RBM dynamics follow the exact block-Gibbs law within 5 standard errors", "[observables][measure][rbm]") {
  const Index nv = 4, nh = 3;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 29, 1.0);
  const Dataset data = dataset_of(random_binary(nv, 300, 6));
  const DataReference ref = make_reference(rbm, data);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, nv);
  DynamicsSpec spec;
  spec.n_chains = 20000;
  spec.times = {0, 1, 2, 4, 8, 30};
  spec.seed = 3;
  LocalReducer team;
  const DynamicsResult sampled = measure_dynamics(rbm, BlockGibbs{}, p0, ref, spec, team);
  const DynamicsResult exact = rbm_exact_dynamics(rbm, p0, spec.times, ref);
  REQUIRE(sampled.t == exact.t);
  CHECK(exact.n_chains == 0);
  // Units and hbar are in [0, 1]: every mean, second moment and covariance has variance <= 1/4
  // per chain, so a standard error <= 0.5 / sqrt(R).
  const double tol = 5 * 0.5 / std::sqrt(static_cast<double>(spec.n_chains));
  for (std::size_t i = 0; i < exact.t.size(); ++i) {
    INFO("t = " << exact.t[i]);
    CHECK((sampled.stats[i].mean - exact.stats[i].mean).cwiseAbs().maxCoeff() < tol);
    CHECK((sampled.stats[i].cov - exact.stats[i].cov).cwiseAbs().maxCoeff() < tol);
    CHECK((sampled.stats[i].h_mean - exact.stats[i].h_mean).cwiseAbs().maxCoeff() < tol);
  }
}

TEST_CASE("the rbm's data terms of a reference are the same a block of columns at a time", "[observables]") {
  // Oracle: the direct formulas over all columns at once, written out here; blocks of 7 and 64
  // columns (not dividing 300) and the default (one block) agree with them to rounding.
  const Index nv = 5, nh = 3;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 17, 0.8);
  const Dataset data = dataset_of(random_binary(nv, 300, 2));
  const Matrix hbar = rbm.hidden_input(data.x).unaryExpr([](double y) { return sigmoid(y); });
  const Vector h_mean = hbar.rowwise().mean();
  const Matrix vh = data.x * hbar.transpose() / 300.0;
  const double energy_mean = rbm.energy(data.x).mean();
  for (Index block : {Index{7}, Index{64}, Index{0}}) {
    INFO("block columns " << block);
    const DataReference ref = add_model_terms(rbm, data, make_reference(data), block);
    CHECK((ref.h_mean - h_mean).cwiseAbs().maxCoeff() < 1e-14);
    CHECK((ref.vh - vh).cwiseAbs().maxCoeff() < 1e-14);
    CHECK(ref.energy_mean == Approx(energy_mean).epsilon(1e-14));
  }
}

TEST_CASE("group sums: clear leaves what a fresh object holds, total is the groups' sum", "[observables]") {
  // clear and total skip the strict upper triangles of sum d d^T (never written, kept at 0):
  // after adding, clearing and adding other chains, the group sums must be bit for bit those of
  // a fresh object given only the second chains, and total the plain sum of the groups in order.
  const Index nv = 9, nh = 4;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 31, 0.8);
  const DataReference ref = make_reference(rbm, dataset_of(random_binary(nv, 300, 6)));
  // The second set has fewer chains than groups: two groups must come out of clear as zeros.
  const Matrix first = random_binary(nv, 57, 7), second = random_binary(nv, 3, 8);
  GroupedChainSums reused(ref, 5), fresh(ref, 5);
  accumulate_chains(rbm, first, ref, reused, 3);
  reused.clear();
  accumulate_chains(rbm, second, ref, reused, 11);
  accumulate_chains(rbm, second, ref, fresh, 11);
  CHECK((reused.flat().array() == fresh.flat().array()).all());

  ChainSums total(ref), by_group = reused.group(0);
  reused.total(total);
  for (Index g = 1; g < reused.groups(); ++g) by_group += reused.group(g);
  CHECK((total.flat().array() == by_group.flat().array()).all());
  const Matrix dd = total.sum_dd();
  CHECK(dd.triangularView<Eigen::StrictlyUpper>().toDenseMatrix().cwiseAbs().maxCoeff() == 0.0);
  CHECK(dd.diagonal().sum() > 0.0);  // the chains were added (units 7 and 8 are always 1: d = 0)
  CHECK(total.count() == 3.0);
}
