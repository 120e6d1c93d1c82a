#include "shortrun/data/ising_data.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "shortrun/core/error.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun {

const char* ising_graph_name(IsingGraph g) {
  switch (g) {
    case IsingGraph::curie_weiss: return "curie-weiss";
    case IsingGraph::square: return "2d";
    case IsingGraph::sk: return "sk";
  }
  return "?";
}

namespace {

void check_spec(const IsingDataSpec& spec) {
  const std::string graph = ising_graph_name(spec.graph);
  if (spec.n_visible < 2)
    throw BadInput("model.n_visible: " + std::to_string(spec.n_visible) + "; ising " + graph +
                   " data need at least 2 units");
  if (spec.graph == IsingGraph::square) {
    const auto side = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(spec.n_visible))));
    if (side * side != spec.n_visible || side < 3)
      throw BadInput("model.n_visible: " + std::to_string(spec.n_visible) +
                     "; ising 2d data need L^2 units with L >= 3 (periodic L x L lattice)");
  }
  if (!std::isfinite(spec.beta))
    throw BadInput("data.beta: " + std::to_string(spec.beta) + "; expected a finite number");
  if (!std::isfinite(spec.field))
    throw BadInput("ising field: " + std::to_string(spec.field) + "; expected a finite number");
  if (spec.n_samples < 0)
    throw BadInput("data.n_samples: " + std::to_string(spec.n_samples) + "; expected >= 0");
  if (spec.n_samples == 0 && spec.graph != IsingGraph::curie_weiss &&
      spec.n_visible > exact::kMaxEnumerableUnits)
    throw BadInput("data.n_samples: 0 (exact population moments) for ising " + graph + " with N = " +
                   std::to_string(spec.n_visible) + " > " + std::to_string(exact::kMaxEnumerableUnits) +
                   " units; expected n_samples > 0");
  if (spec.mcmc.burn_in_sweeps < 0 || spec.mcmc.thin_sweeps < 1 || spec.mcmc.chains < 1)
    throw BadInput("ising mcmc: burn_in_sweeps >= 0, thin_sweeps >= 1 and chains >= 1 expected");
}

/// log P(k up) + const for the Curie-Weiss model, k = 0 .. N.
Vector curie_weiss_log_pk(Index n, double beta, double field) {
  Vector lp(n + 1);
  const double nn = static_cast<double>(n);
  for (Index k = 0; k <= n; ++k) {
    const double kk = static_cast<double>(k), m = 2.0 * kk - nn;
    lp[k] = std::lgamma(nn + 1) - std::lgamma(kk + 1) - std::lgamma(nn - kk + 1) +
            beta * (m * m - nn) / (2.0 * nn) + field * m;
  }
  return lp;
}

/// Normalised cumulative law from log weights.
Vector cumulative_from_log(const Vector& lw) {
  Vector p = (lw.array() - lw.maxCoeff()).exp();
  std::partial_sum(p.begin(), p.end(), p.begin());
  return p / p[p.size() - 1];
}

/// Smallest index c with cdf[c] >= u (u in (0, 1]).
Index inverse_cdf(const Vector& cdf, double u) {
  const auto it = std::lower_bound(cdf.begin(), cdf.end(), u);
  return std::min<Index>(static_cast<Index>(it - cdf.begin()), cdf.size() - 1);
}

void sample_curie_weiss(const IsingDataSpec& spec, Matrix& x) {
  const Index n = spec.n_visible;
  const Vector cdf = cumulative_from_log(curie_weiss_log_pk(n, spec.beta, spec.field));
  std::vector<Index> sites(static_cast<std::size_t>(n));
  for (Index s = 0; s < x.cols(); ++s) {
    Stream rng(spec.seed, Purpose::data, static_cast<std::uint64_t>(s));
    const Index k = inverse_cdf(cdf, rng.uniform());
    std::iota(sites.begin(), sites.end(), Index{0});
    x.col(s).setConstant(-1.0);
    // Partial Fisher-Yates: the first k sites of a uniform permutation are a uniform k-subset.
    for (Index i = 0; i < k; ++i) {
      const Index j = i + rng.below(n - i);
      std::swap(sites[static_cast<std::size_t>(i)], sites[static_cast<std::size_t>(j)]);
      x(sites[static_cast<std::size_t>(i)], s) = 1.0;
    }
  }
}

/// Population moments of the Curie-Weiss law by exchangeability: <s_i> = <M>/N and, for i != j,
/// <s_i s_j> = (<M^2> - N) / (N (N - 1)).
void curie_weiss_moments(const IsingDataSpec& spec, Dataset& d) {
  const Index n = spec.n_visible;
  const Vector lp = curie_weiss_log_pk(n, spec.beta, spec.field);
  const Vector p = (lp.array() - lp.maxCoeff()).exp() / (lp.array() - lp.maxCoeff()).exp().sum();
  const double nn = static_cast<double>(n);
  double m1 = 0, m2 = 0;
  for (Index k = 0; k <= n; ++k) {
    const double m = 2.0 * static_cast<double>(k) - nn;
    m1 += p[k] * m;
    m2 += p[k] * m * m;
  }
  const double mean = m1 / nn, pair = (m2 - nn) / (nn * (nn - 1.0));
  d.mean = Vector::Constant(n, mean);
  Matrix second = Matrix::Constant(n, n, pair);
  second.diagonal().setOnes();
  d.cov = second - d.mean * d.mean.transpose();
}

void sample_enumeration(const IsingDataSpec& spec, const BoltzmannMachine& teacher, Matrix& x) {
  const Index n = spec.n_visible;
  const Vector cdf = cumulative_from_log(exact::log_weights(exact::pairwise(teacher)));
  for (Index s = 0; s < x.cols(); ++s) {
    Stream rng(spec.seed, Purpose::data, static_cast<std::uint64_t>(s));
    x.col(s) = exact::states(n, Spin::pm1, inverse_cdf(cdf, rng.uniform()), 1);
  }
}

void sample_mcmc(const IsingDataSpec& spec, const BoltzmannMachine& teacher, Matrix& x) {
  const Index n = spec.n_visible, n_samples = x.cols();
  const Index chains = std::min(spec.mcmc.chains, n_samples);
  Matrix state(n, chains), work;
  const ChainStreams rng{spec.seed, Purpose::data, 0, 0, 0};
  BinaryP0::uniform(Spin::pm1, n).draw(state, rng);
  std::uint64_t t = 0;
  auto sweep = [&] { Gibbs{}.step(teacher, state, rng.with_time(++t), work); };
  for (Index b = 0; b < spec.mcmc.burn_in_sweeps; ++b) sweep();
  for (Index first = 0; first < n_samples; first += chains) {
    for (Index k = 0; k < spec.mcmc.thin_sweeps; ++k) sweep();
    const Index count = std::min(chains, n_samples - first);
    x.middleCols(first, count) = state.leftCols(count);
  }
}

struct Bond {
  Index i, j;
  double p_active;  ///< 1 - exp(-2 J_ij)
};

Index find_root(std::vector<Index>& parent, Index i) {
  while (parent[static_cast<std::size_t>(i)] != i) {
    const Index up = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(i)])];
    parent[static_cast<std::size_t>(i)] = up;  // path halving
    i = up;
  }
  return i;
}

/// One Swendsen-Wang update of the pm1 state s (couplings J >= 0, no field): each bond between
/// aligned units is active with probability 1 - exp(-2 J_ij); every cluster of units joined by
/// active bonds flips with probability 1/2. Draws: one uniform per aligned bond in bond order,
/// then one per cluster in the order of its first unit.
void swendsen_wang_update(const std::vector<Bond>& bonds, Eigen::Ref<Vector> s, Stream& rng,
                          std::vector<Index>& parent, std::vector<signed char>& flip) {
  const auto n = static_cast<std::size_t>(s.size());
  parent.resize(n);
  std::iota(parent.begin(), parent.end(), Index{0});
  for (const Bond& b : bonds)
    if (s[b.i] == s[b.j] && rng.uniform() < b.p_active) {
      const Index ri = find_root(parent, b.i), rj = find_root(parent, b.j);
      if (ri != rj) parent[static_cast<std::size_t>(std::max(ri, rj))] = std::min(ri, rj);
    }
  flip.assign(n, -1);  // -1: the cluster's coin is not drawn yet
  for (Index i = 0; i < s.size(); ++i) {
    signed char& coin = flip[static_cast<std::size_t>(find_root(parent, i))];
    if (coin < 0) coin = rng.uniform() < 0.5 ? 1 : 0;
    if (coin == 1) s[i] = -s[i];
  }
}

void sample_swendsen_wang(const IsingDataSpec& spec, const BoltzmannMachine& teacher, Matrix& x) {
  const Index n = spec.n_visible, n_samples = x.cols();
  const Index chains = std::min(spec.mcmc.chains, n_samples);
  std::vector<Bond> bonds;
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j)
      if (teacher.J()(i, j) > 0) bonds.push_back({i, j, -std::expm1(-2.0 * teacher.J()(i, j))});
  Matrix state(n, chains);
  const ChainStreams rng{spec.seed, Purpose::data, 0, 0, 0};
  BinaryP0::uniform(Spin::pm1, n).draw(state, rng);
  std::vector<Index> parent;
  std::vector<signed char> flip;
  // Chain j's update t (t >= 1) draws from Stream(seed, data, j, t).
  for (Index j = 0; j < chains; ++j) {
    std::uint64_t t = 0;
    auto sweep = [&] {
      Stream r = rng.with_time(++t).chain(j);
      swendsen_wang_update(bonds, state.col(j), r, parent, flip);
    };
    for (Index b = 0; b < spec.mcmc.burn_in_sweeps; ++b) sweep();
    for (Index first = j; first < n_samples; first += chains) {
      for (Index k = 0; k < spec.mcmc.thin_sweeps; ++k) sweep();
      x.col(first) = state.col(j);
    }
  }
}

}  // namespace

Matrix ising_couplings(IsingGraph graph, Index n_visible, double beta, std::uint64_t seed) {
  const Index n = n_visible;
  Matrix j = Matrix::Zero(n, n);
  switch (graph) {
    case IsingGraph::curie_weiss:
      j.setConstant(beta / static_cast<double>(n));
      break;
    case IsingGraph::square: {
      const auto side = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(n))));
      for (Index r = 0; r < side; ++r)
        for (Index c = 0; c < side; ++c) {
          const Index i = r * side + c, right = r * side + (c + 1) % side, down = ((r + 1) % side) * side + c;
          j(i, right) = j(right, i) = beta;
          j(i, down) = j(down, i) = beta;
        }
      break;
    }
    case IsingGraph::sk: {
      const double scale = beta / std::sqrt(static_cast<double>(n));
      for (Index i = 0; i < n; ++i) {
        Stream rng(seed, Purpose::teacher, static_cast<std::uint64_t>(i));
        for (Index k = i + 1; k < n; ++k) j(i, k) = j(k, i) = scale * rng.normal();
      }
      break;
    }
  }
  j.diagonal().setZero();
  return j;
}

IsingData make_ising_data(const IsingDataSpec& spec) {
  check_spec(spec);
  const Index n = spec.n_visible;
  IsingData out;
  BoltzmannMachine pm1(n, Spin::pm1);
  pm1.J() = ising_couplings(spec.graph, n, spec.beta, spec.seed);
  pm1.h().setConstant(spec.field);

  enum class Method { mcmc, cluster, magnetization, enumeration };
  // Cluster updates need ferromagnetic couplings and no field: the 2d lattice (beta >= 0) as configured.
  const bool cluster = spec.mcmc.cluster && spec.graph == IsingGraph::square && spec.field == 0.0 && spec.beta >= 0.0;
  const Method chain = cluster ? Method::cluster : Method::mcmc;
  const Method method = spec.force_mcmc && spec.n_samples > 0      ? chain
                        : spec.graph == IsingGraph::curie_weiss ? Method::magnetization
                        : n <= exact::kMaxEnumerableUnits       ? Method::enumeration
                                                                : chain;
  out.method = method == Method::magnetization ? "exact-magnetization"
               : method == Method::enumeration ? "exact-enumeration"
               : method == Method::cluster       ? "swendsen-wang"
                                               : "mcmc";
  Dataset& d = out.data;
  if (spec.n_samples == 0) {
    d.population = true;
    if (spec.graph == IsingGraph::curie_weiss) {
      curie_weiss_moments(spec, d);
    } else {
      const exact::SpinMoments m =
          exact::law_moments(exact::boltzmann_law(exact::pairwise(pm1)), n, Spin::pm1);
      d.mean = m.mean;
      d.cov = m.cov();
    }
  } else {
    d.x.resize(n, spec.n_samples);
    if (method == Method::magnetization)
      sample_curie_weiss(spec, d.x);
    else if (method == Method::enumeration)
      sample_enumeration(spec, pm1, d.x);
    else {
      if (method == Method::cluster) sample_swendsen_wang(spec, pm1, d.x);
      else sample_mcmc(spec, pm1, d.x);
      out.mcmc = spec.mcmc;
    }
  }

  if (spec.spin == Spin::zero_one) {
    // v = (1 + s)/2: <v> = (1 + <s>)/2, cov_v = cov_s / 4; J01 = 4 J, h01 = 2 h - 2 J 1.
    if (d.population) {
      d.mean = ((1.0 + d.mean.array()) / 2.0).matrix();
      d.cov /= 4.0;
    } else {
      d.x = ((1.0 + d.x.array()) / 2.0).matrix();
    }
    BoltzmannMachine zo(n, Spin::zero_one);
    zo.J() = 4.0 * pm1.J();
    zo.h() = 2.0 * pm1.h() - 2.0 * pm1.J() * Vector::Ones(n);
    out.teacher = zo;
  } else {
    out.teacher = pm1;
  }
  if (!d.population) compute_moments(d);
  return out;
}

}  // namespace shortrun
