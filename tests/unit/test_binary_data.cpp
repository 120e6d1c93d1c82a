// Synthetic binary data sets: independent spins, bars and stripes, and Ising teachers, against
// their exact laws (closed forms and enumeration). Fixed seeds; tolerances in standard errors.
#include <cmath>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "shortrun/core/error.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/data/bars_stripes.hpp"
#include "shortrun/data/ising_data.hpp"
#include "shortrun/data/spins_data.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

using namespace shortrun;

namespace {

/// Largest |empirical - exact| of the means and of the second moments, each in units of its
/// standard error sqrt(var / n) for independent samples.
double worst_z_score(const Dataset& d, const exact::SpinMoments& m) {
  const double n = static_cast<double>(d.n_samples());
  const Matrix second = d.second_moment();
  double worst = 0;
  for (Index i = 0; i < d.dim(); ++i) {
    const double var = std::max(1.0 - m.mean[i] * m.mean[i], 1e-12);  // pm1 units: s^2 = 1
    worst = std::max(worst, std::abs(d.mean[i] - m.mean[i]) / std::sqrt(var / n));
    for (Index j = i + 1; j < d.dim(); ++j) {
      const double var_ij = std::max(1.0 - m.second(i, j) * m.second(i, j), 1e-12);
      worst = std::max(worst, std::abs(second(i, j) - m.second(i, j)) / std::sqrt(var_ij / n));
    }
  }
  return worst;
}

/// Upper 1e-4 quantile of chi-square with 13 degrees of freedom (14 images of side 3).
constexpr double kChiSquare13At1e4 = 40.87;

bool is_bars_or_stripes(const Eigen::Ref<const Vector>& img, Index side) {
  bool stripes = true, bars = true;
  for (Index r = 0; r < side; ++r)
    for (Index c = 0; c < side; ++c) {
      stripes = stripes && img[r * side + c] == img[r * side];
      bars = bars && img[r * side + c] == img[c];
    }
  return stripes || bars;
}

}  // namespace

TEST_CASE("spins data have the stated magnetisations in both conventions", "[data][spins]") {
  SpinsDataSpec spec;
  spec.magnetization = Vector(4);
  spec.magnetization << 0.8, -0.5, 0.0, 1.0;
  spec.n_samples = 20000;
  spec.seed = 3;
  const Dataset pm1 = make_spins_data(spec);
  REQUIRE(pm1.x.rows() == 4);
  REQUIRE(pm1.x.cols() == 20000);
  CHECK((pm1.x.array().abs() == 1.0).all());
  for (Index i = 0; i < 4; ++i) {
    const double m = spec.magnetization[i], se = std::sqrt((1 - m * m) / 20000.0);
    CHECK(std::abs(pm1.mean[i] - m) <= 5 * se + 1e-15);
  }
  CHECK(pm1.x.row(3).minCoeff() == 1.0);  // m = 1: always up

  spec.spin = Spin::zero_one;
  const Dataset zo = make_spins_data(spec);
  CHECK(zo.x == ((1.0 + pm1.x.array()) / 2.0).matrix());  // same draws, other encoding

  spec.n_samples = 0;
  const Dataset pop = make_spins_data(spec);
  CHECK(pop.population);
  CHECK(pop.mean.isApprox(Vector((1.0 + spec.magnetization.array()) / 2.0)));
  CHECK(pop.cov(0, 0) == Approx(0.9 * 0.1));
  CHECK(pop.cov(0, 1) == 0.0);
}

TEST_CASE("spins data are a function of the seed", "[data][spins]") {
  SpinsDataSpec spec;
  spec.magnetization = Vector::Constant(5, 0.2);
  spec.n_samples = 50;
  const Matrix a = make_spins_data(spec).x;
  CHECK(make_spins_data(spec).x == a);
  spec.seed = 2;
  CHECK(make_spins_data(spec).x != a);
}

TEST_CASE("spins data reject impossible magnetisations naming the key", "[data][spins][bad_input]") {
  SpinsDataSpec spec;
  spec.n_samples = 10;
  CHECK_THROWS_WITH(make_spins_data(spec), Catch::Contains("data.magnetization"));
  spec.magnetization = Vector::Constant(3, 1.5);
  CHECK_THROWS_AS(make_spins_data(spec), BadInput);
  spec.magnetization[0] = std::nan("");
  CHECK_THROWS_WITH(make_spins_data(spec), Catch::Contains("data.magnetization"));
  spec.magnetization.setZero();
  spec.n_samples = -1;
  CHECK_THROWS_WITH(make_spins_data(spec), Catch::Contains("data.n_samples"));
}

TEST_CASE("all bars-stripes images are distinct and valid and have mean one half", "[data][bars_stripes]") {
  for (Index side : {1, 2, 3, 4}) {
    const Matrix x = all_bars_stripes(side);
    REQUIRE(x.cols() == (Index{2} << side) - 2);
    std::set<std::vector<double>> seen;
    for (Index j = 0; j < x.cols(); ++j) {
      CHECK(is_bars_or_stripes(x.col(j), side));
      seen.insert(std::vector<double>(x.col(j).data(), x.col(j).data() + x.rows()));
    }
    CHECK(static_cast<Index>(seen.size()) == x.cols());
    BarsStripesSpec spec;
    spec.side = side;
    const Dataset d = make_bars_stripes_data(spec);
    CHECK((d.mean.array() - 0.5).abs().maxCoeff() < 1e-15);
  }
  CHECK(all_bars_stripes(2, Spin::pm1).minCoeff() == -1.0);
}

TEST_CASE("drawn bars-stripes images follow the generative law by chi-square", "[data][bars_stripes]") {
  constexpr Index kDraws = 40000;
  BarsStripesSpec spec;
  spec.side = 3;
  spec.n_samples = kDraws;
  spec.seed = 11;
  const Dataset d = make_bars_stripes_data(spec);
  const Matrix all = all_bars_stripes(3);
  Vector counts = Vector::Zero(all.cols());
  for (Index s = 0; s < kDraws; ++s) {
    Index match = -1;
    for (Index j = 0; j < all.cols() && match < 0; ++j)
      if (all.col(j) == d.x.col(s)) match = j;
    REQUIRE(match >= 0);
    counts[match] += 1;
  }
  // Empty (first stripe) and full (last stripe) images: 2^-3; the other 12: 2^-4.
  Vector p = Vector::Constant(all.cols(), 1.0 / 16.0);
  p[0] = p[7] = 1.0 / 8.0;
  const double r = static_cast<double>(kDraws);
  const double chi2 = ((counts - r * p).array().square() / (r * p.array())).sum();
  CHECK(chi2 < kChiSquare13At1e4);
}

TEST_CASE("bars-stripes reject sides out of range and non-square sizes", "[data][bars_stripes][bad_input]") {
  CHECK_THROWS_AS(all_bars_stripes(13), BadInput);
  CHECK_THROWS_AS(all_bars_stripes(0), BadInput);
  CHECK(square_side(49) == 7);
  CHECK_THROWS_WITH(square_side(50), Catch::Contains("model.n_visible"));
  BarsStripesSpec spec;
  spec.side = 20;
  CHECK_THROWS_WITH(make_bars_stripes_data(spec), Catch::Contains("model.n_visible"));
  spec.n_samples = 5;
  CHECK(make_bars_stripes_data(spec).x.rows() == 400);
}

TEST_CASE("ising couplings on the three graphs", "[data][ising]") {
  const Matrix cw = ising_couplings(IsingGraph::curie_weiss, 5, 0.8, 1);
  CHECK(cw(0, 1) == Approx(0.16));
  CHECK(cw.diagonal().isZero());
  const Matrix sq = ising_couplings(IsingGraph::square, 16, 0.4, 1);
  CHECK(sq == sq.transpose());
  for (Index i = 0; i < 16; ++i) CHECK(sq.col(i).sum() == Approx(4 * 0.4));  // four neighbours
  CHECK(sq(0, 3) == 0.4);   // periodic in the row
  CHECK(sq(0, 12) == 0.4);  // periodic in the column
  CHECK(sq(0, 5) == 0.0);   // no diagonal neighbour
  const Matrix sk = ising_couplings(IsingGraph::sk, 200, 1.5, 4);
  CHECK(sk == sk.transpose());
  CHECK(sk == ising_couplings(IsingGraph::sk, 200, 1.5, 4));
  CHECK(sk != ising_couplings(IsingGraph::sk, 200, 1.5, 5));
  // 19900 couplings of variance beta^2/N: their mean square is within 5 % of it.
  const double mean_sq = sk.squaredNorm() / (200.0 * 199.0);
  CHECK(mean_sq == Approx(1.5 * 1.5 / 200).epsilon(0.05));
}

TEST_CASE("curie-weiss exact population moments equal enumeration", "[data][ising][exact]") {
  IsingDataSpec spec;
  spec.graph = IsingGraph::curie_weiss;
  spec.n_visible = 10;
  spec.beta = 1.3;
  spec.field = 0.05;
  const IsingData data = make_ising_data(spec);
  REQUIRE(data.data.population);
  const exact::SpinMoments m =
      exact::law_moments(exact::boltzmann_law(exact::pairwise(data.teacher)), 10, Spin::pm1);
  CHECK((data.data.mean - m.mean).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((data.data.cov - m.cov()).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("exactly sampled ising data match the enumerated moments within 5 standard errors", "[data][ising]") {
  IsingDataSpec spec;
  spec.n_samples = 20000;
  spec.seed = 5;
  for (IsingGraph graph : {IsingGraph::curie_weiss, IsingGraph::square, IsingGraph::sk}) {
    spec.graph = graph;
    spec.n_visible = graph == IsingGraph::square ? 9 : 12;
    spec.beta = graph == IsingGraph::curie_weiss ? 1.2 : 0.4;
    spec.field = 0.1;
    const IsingData data = make_ising_data(spec);
    INFO(ising_graph_name(graph) << " " << data.method);
    CHECK(data.method == (graph == IsingGraph::curie_weiss ? "exact-magnetization" : "exact-enumeration"));
    const exact::SpinMoments m = exact::law_moments(exact::boltzmann_law(exact::pairwise(data.teacher)),
                                                    spec.n_visible, Spin::pm1);
    CHECK(worst_z_score(data.data, m) < 5.0);
  }
}

TEST_CASE("mcmc-sampled 2d ising data match the enumerated moments within 5 standard errors", "[data][ising][mcmc]") {
  IsingDataSpec spec;
  spec.graph = IsingGraph::square;
  spec.n_visible = 16;
  spec.beta = 0.3;  // paramagnetic: heat-bath autocorrelation of a few sweeps, so thin = 10 decorrelates
  spec.n_samples = 8000;
  spec.seed = 9;
  spec.force_mcmc = true;
  spec.mcmc = {500, 10, 64, false};
  const IsingData data = make_ising_data(spec);
  CHECK(data.method == "mcmc");
  const exact::SpinMoments m =
      exact::law_moments(exact::boltzmann_law(exact::pairwise(data.teacher)), 16, Spin::pm1);
  CHECK(worst_z_score(data.data, m) < 5.0);
}

TEST_CASE("swendsen-wang-sampled 2d ising data match the enumerated moments in the ordered phase", "[data][ising][mcmc]") {
  // beta = 0.6 > beta_c = 0.4407: every pair correlation is large (about 0.8), and the law is
  // symmetric under s -> -s; the samples must hold both ordered states in the right proportion.
  for (const double beta : {0.3, 0.6}) {
    IsingDataSpec spec;
    spec.graph = IsingGraph::square;
    spec.n_visible = 16;
    spec.beta = beta;
    spec.n_samples = 8000;
    spec.seed = 4;
    spec.force_mcmc = true;
    spec.mcmc = {200, 10, 64};
    const IsingData data = make_ising_data(spec);
    CHECK(data.method == "swendsen-wang");
    const exact::SpinMoments m =
        exact::law_moments(exact::boltzmann_law(exact::pairwise(data.teacher)), 16, Spin::pm1);
    CHECK(worst_z_score(data.data, m) < 5.0);
  }
}

TEST_CASE("swendsen-wang chains tunnel between the ordered states of an 8 x 8 lattice below beta_c", "[data][ising][mcmc]") {
  // Heat-bath chains stay in the ordered state they fall into (flip time far beyond 10 sweeps at
  // L = 8, beta = 0.5), so successive samples of one chain would share the sign of the
  // magnetisation. Swendsen-Wang updates flip the whole lattice's cluster: the sign of chain j's sample r + 1
  // is independent of sample r's, and each sign is +-1 with probability 1/2 (symmetry).
  IsingDataSpec spec;
  spec.graph = IsingGraph::square;
  spec.n_visible = 64;
  spec.beta = 0.5;
  spec.n_samples = 4000;
  spec.seed = 2;
  const IsingData data = make_ising_data(spec);
  REQUIRE(data.method == "swendsen-wang");
  const Index chains = data.mcmc.chains, n = spec.n_samples;
  const Vector sign = data.data.x.colwise().sum().transpose().unaryExpr([](double m) { return m > 0 ? 1.0 : -1.0; });
  const Vector abs_m = data.data.x.colwise().sum().transpose().cwiseAbs() / 64.0;
  double same = 0;
  for (Index s = chains; s < n; ++s) same += sign[s] * sign[s - chains];  // chain j's r-th and (r-1)-th
  const double pairs = static_cast<double>(n - chains);
  CHECK(std::abs(same / pairs) < 5.0 / std::sqrt(pairs));
  CHECK(std::abs(sign.mean()) < 5.0 / std::sqrt(static_cast<double>(n)));
  // Ordered: the mean |m| of an 8 x 8 lattice at beta = 0.5 lies near Onsager's infinite-lattice
  // m = (1 - sinh(2 beta)^-4)^(1/8) = 0.911 (finite-size corrections of a few per cent).
  CHECK(abs_m.mean() == Approx(std::pow(1.0 - std::pow(std::sinh(1.0), -4.0), 0.125)).margin(0.05));
}

TEST_CASE("ising data in 01 are the pm1 data recoded and the 01 teacher has the same law", "[data][ising]") {
  IsingDataSpec spec;
  spec.graph = IsingGraph::sk;
  spec.n_visible = 8;
  spec.beta = 1.0;
  spec.field = 0.2;
  spec.n_samples = 100;
  const IsingData pm1 = make_ising_data(spec);
  spec.spin = Spin::zero_one;
  const IsingData zo = make_ising_data(spec);
  CHECK(zo.data.x == ((1.0 + pm1.data.x.array()) / 2.0).matrix());
  CHECK(zo.teacher.spin() == Spin::zero_one);
  // Both laws index state c the same way (bit i set: unit i up).
  const Vector p_pm1 = exact::boltzmann_law(exact::pairwise(pm1.teacher));
  const Vector p_zo = exact::boltzmann_law(exact::pairwise(zo.teacher));
  CHECK((p_pm1 - p_zo).cwiseAbs().maxCoeff() < 1e-14);
  spec.n_samples = 0;
  const IsingData pop = make_ising_data(spec);
  CHECK(pop.data.mean.isApprox(exact::law_moments(p_zo, 8, Spin::zero_one).mean, 1e-12));
}

TEST_CASE("ising mcmc runs on a lattice too large to enumerate", "[data][ising][mcmc]") {
  IsingDataSpec spec;
  spec.graph = IsingGraph::square;
  spec.n_visible = 36;
  spec.beta = 0.2;
  spec.n_samples = 2000;
  const IsingData data = make_ising_data(spec);
  CHECK(data.method == "swendsen-wang");
  CHECK(data.mcmc.burn_in_sweeps == 5000);
  CHECK(data.data.x.cols() == 2000);
  // High-temperature series: nearest-neighbour <s_i s_j> = tanh(beta) + O(tanh^3) = 0.197 + ~0.015.
  const Matrix second = data.data.second_moment();
  double nn = 0;
  for (Index r = 0; r < 6; ++r)
    for (Index c = 0; c < 6; ++c) nn += second(r * 6 + c, r * 6 + (c + 1) % 6) / 36.0;
  CHECK(nn == Approx(std::tanh(0.2)).margin(0.05));
}

TEST_CASE("ising data reject bad sizes and parameters naming the key", "[data][ising][bad_input]") {
  IsingDataSpec spec;
  spec.n_samples = 10;
  spec.graph = IsingGraph::square;
  spec.n_visible = 10;
  CHECK_THROWS_WITH(make_ising_data(spec), Catch::Contains("model.n_visible"));
  spec.n_visible = 4;  // L = 2: too small for a periodic lattice
  CHECK_THROWS_WITH(make_ising_data(spec), Catch::Contains("model.n_visible"));
  spec.n_visible = 9;
  spec.beta = std::nan("");
  CHECK_THROWS_WITH(make_ising_data(spec), Catch::Contains("data.beta"));
  spec.beta = 0.3;
  spec.graph = IsingGraph::sk;
  spec.n_visible = 30;
  spec.n_samples = 0;
  CHECK_THROWS_WITH(make_ising_data(spec), Catch::Contains("data.n_samples"));
}

TEST_CASE("compute_moments sums the centred columns a block at a time without changing the moments",
          "[data][moments]") {
  // Oracle 1, exact: every vector of {0, 1}^d once has mean 1/2 and covariance I / 4 (the units are
  // independent fair bits), whatever the blocks; all intermediate sums are exact in double.
  constexpr Index d = 6, n = Index{1} << d;
  Dataset all;
  all.x.resize(d, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < d; ++i) all.x(i, j) = static_cast<double>((j >> i) & 1);
  for (Index block : {Index{1}, Index{5}, Index{7}, Index{64}, Index{0}}) {
    compute_moments(all, block);
    INFO("block columns " << block);
    CHECK(all.mean == Vector::Constant(d, 0.5));
    CHECK(all.cov == 0.25 * Matrix::Identity(d, d));
  }
  // Oracle 2: random grey levels against the two-pass formula written out as loops, in blocks
  // that do not divide n (13 columns of 200) and in one block; agreement to rounding.
  Dataset grey;
  grey.x.resize(5, 200);
  for (Index j = 0; j < grey.x.cols(); ++j) {
    Stream s(11, Purpose::data, static_cast<std::uint64_t>(j), 0);
    for (Index i = 0; i < grey.x.rows(); ++i) grey.x(i, j) = 3.0 * s.uniform() + static_cast<double>(i);
  }
  Vector mean = Vector::Zero(5);
  for (Index j = 0; j < 200; ++j) mean += grey.x.col(j) / 200.0;
  Matrix cov = Matrix::Zero(5, 5);
  for (Index j = 0; j < 200; ++j)
    for (Index a = 0; a < 5; ++a)
      for (Index b = 0; b < 5; ++b) cov(a, b) += (grey.x(a, j) - mean(a)) * (grey.x(b, j) - mean(b)) / 200.0;
  for (Index block : {Index{13}, Index{0}}) {
    compute_moments(grey, block);
    INFO("block columns " << block);
    CHECK((grey.mean - mean).cwiseAbs().maxCoeff() <= 1e-13);
    CHECK((grey.cov - cov).cwiseAbs().maxCoeff() <= 1e-13);
  }
}
