// Streamed enumeration over 2^N states (include/shortrun/theory/binary_enumeration.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "shortrun/core/threads.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun::exact {

namespace {

constexpr Index kStreamPairwiseBits = 12;  // states per chunk 2^b (bm, spins): tiny per-state work
constexpr Index kStreamRbmBits = 10;       // RBM: the other layer's inputs of a chunk stay in cache
constexpr Index kStreamProductRows = 1000;  // factors in [1, 2] per product: below 2^1000
constexpr Index kStreamSegmentStates = Index{1} << 16;  // states per segment (a unit of thread work)
constexpr double kStreamNan = std::numeric_limits<double>::quiet_NaN();

/// Sums over states of exp(-E - shift) times moments, plus the weighted mean and M2 of the energy.
struct StreamSums {
  double shift = -std::numeric_limits<double>::infinity();
  double z = 0;       // sum of weights
  double e_mean = 0;  // weighted mean of the energy
  double e_m2 = 0;    // weighted sum of squared deviations from e_mean
  std::vector<Matrix> m;

  void rescale(double new_shift) {
    if (z > 0) {
      const double f = std::exp(shift - new_shift);
      z *= f;
      e_m2 *= f;
      for (Matrix& x : m) x *= f;
    }
    shift = new_shift;
  }
  /// Energy moments of a chunk of total weight w (same shift): Chan et al.'s pairwise update.
  void add_energy(double w, double mean, double m2) {
    if (!(w > 0)) return;
    const double total = z + w, delta = mean - e_mean;
    e_mean += delta * w / total;
    e_m2 += m2 + delta * delta * z * w / total;
    z = total;
  }
  void merge(const StreamSums& o) {
    if (!(o.z > 0)) return;
    if (!(z > 0)) {
      *this = o;
      return;
    }
    const double s = std::max(shift, o.shift);
    const double fb = std::exp(o.shift - s);
    rescale(s);
    for (std::size_t k = 0; k < m.size(); ++k) m[k] += fb * o.m[k];
    add_energy(o.z * fb, o.e_mean, o.e_m2 * fb);
  }
  double log_z() const { return shift + std::log(z); }
};

/// Raises the shift to the chunk's largest -E, returns the chunk's weights exp(-E - shift) and adds
/// its energy moments.
Vector stream_weights(StreamSums& acc, const Vector& minus_e) {
  const double top = minus_e.maxCoeff();
  if (top > acc.shift) acc.rescale(top);
  const Vector w = (minus_e.array() - acc.shift).exp().matrix();
  const double wsum = w.sum();
  if (wsum > 0) {
    const double mean = -w.dot(minus_e) / wsum;
    const double m2 = w.dot((minus_e.array() + mean).square().matrix());
    acc.add_energy(wsum, mean, m2);
  }
  return w;
}

/// Runs kernel.segment(k) for every segment k (in waves of one segment per thread) and merges
/// the results in segment order.
template <class Kernel>
StreamSums stream_segments(const Kernel& kernel, Index n_units, Index n_segments) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last = start;
  bool printed = false;
  StreamSums total = kernel.zero();
  const Index wave = std::max(1, max_threads());
  std::vector<StreamSums> part(static_cast<std::size_t>(wave));
  for (Index first = 0; first < n_segments; first += wave) {
    const Index count = std::min(wave, n_segments - first);
    SHORTRUN_PARALLEL_FOR
    for (Index j = 0; j < count; ++j) part[static_cast<std::size_t>(j)] = kernel.segment(first + j);
    for (Index j = 0; j < count; ++j) total.merge(part[static_cast<std::size_t>(j)]);
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (elapsed > 2.0 && std::chrono::duration<double>(now - last).count() > 2.0 && first + count < n_segments) {
      const double done = static_cast<double>(first + count) / static_cast<double>(n_segments);
      std::fprintf(stderr, "exact enumeration of 2^%lld states: %.0f %% after %.1f s, about %.0f s to go\n",
                   static_cast<long long>(n_units), 100.0 * done, elapsed, elapsed * (1.0 - done) / done);
      last = now;
      printed = true;
    }
  }
  if (printed)
    std::fprintf(stderr, "exact enumeration of 2^%lld states: done in %.1f s\n", static_cast<long long>(n_units),
                 std::chrono::duration<double>(Clock::now() - start).count());
  return total;
}

Index stream_segment_count(Index n, Index bits) {
  const Index chunks = Index{1} << (n - bits);
  const Index per_segment = std::max<Index>(1, kStreamSegmentStates >> bits);
  return (chunks + per_segment - 1) / per_segment;
}

void check_streamable(Index n, const char* what) {
  if (n > kMaxStreamedUnits)
    throw std::invalid_argument(std::string(what) + ": exact enumeration over " + std::to_string(n) +
                                " units; at most " + std::to_string(kMaxStreamedUnits));
}

/// -E(s) = h^T s + 1/2 s^T J s with s = (low, high): the low units' part is tabled, the cross term
/// is (J_lh s_h)^T s_l, the high units' part a constant per chunk.
struct PairwiseStreamKernel {
  const PairwiseModel& model;
  bool with_moments;
  Index n, bits, high;
  Matrix low_states;  // bits x 2^bits
  Vector low_minus_e; // 2^bits

  PairwiseStreamKernel(const PairwiseModel& m, bool moments)
      : model(m), with_moments(moments), n(m.dim()), bits(std::min(n, kStreamPairwiseBits)), high(n - bits) {
    low_states = states(bits, m.spin, 0, Index{1} << bits);
    const Matrix js = m.J.topLeftCorner(bits, bits) * low_states;
    low_minus_e = low_states.transpose() * m.h.head(bits) +
                  0.5 * (low_states.array() * js.array()).colwise().sum().matrix().transpose();
  }
  StreamSums zero() const {
    StreamSums s;
    if (with_moments) s.m = {Matrix::Zero(n, 1), Matrix::Zero(n, n)};
    return s;
  }
  Index segments() const { return stream_segment_count(n, bits); }
  StreamSums segment(Index k) const {
    StreamSums acc = zero();
    const Index per_segment = std::max<Index>(1, kStreamSegmentStates >> bits);
    const Index chunks = Index{1} << high;
    const Index end = std::min(chunks, (k + 1) * per_segment);
    for (Index c = k * per_segment; c < end; ++c) {
      const Vector sh = states(high, model.spin, c, 1).col(0);
      const Vector g = model.J.topRightCorner(bits, high) * sh;
      const double c0 = model.h.tail(high).dot(sh) + 0.5 * sh.dot(model.J.bottomRightCorner(high, high) * sh);
      const Vector minus_e = (low_minus_e + low_states.transpose() * g).array() + c0;
      const Vector w = stream_weights(acc, minus_e);
      if (!with_moments) continue;
      const double wsum = w.sum();
      const Vector ml = low_states * w;
      Matrix& mean = acc.m[0];
      Matrix& second = acc.m[1];
      mean.col(0).head(bits) += ml;
      mean.col(0).tail(high) += wsum * sh;
      second.topLeftCorner(bits, bits).noalias() +=
          (low_states.array().rowwise() * w.transpose().array()).matrix() * low_states.transpose();
      second.topRightCorner(bits, high).noalias() += ml * sh.transpose();
      second.bottomRightCorner(high, high).noalias() += wsum * sh * sh.transpose();
    }
    return acc;
  }
};

/// The RBM summed over one layer s (n units, bias d) with the other layer o (m units, inputs
/// c + Wt s, Wt = W^T over the visible layer, W over the hidden): -F(s) = d^T s + sum softplus(c + Wt s).
struct RbmStreamKernel {
  bool over_visible;
  RbmStreamed what;
  Index n, m, bits, high;
  Matrix wt;          // m x n
  Vector c, d;
  Matrix low_states;  // bits x 2^bits
  Matrix low_input;   // m x 2^bits: Wt_low times the low states
  Vector low_minus_f; // 2^bits: d_low^T s_low

  RbmStreamKernel(const BernoulliRbm& rbm, RbmStreamed w) : what(w) {
    over_visible = rbm.n_visible() <= rbm.n_hidden();
    const Matrix weights = rbm.W();
    wt = over_visible ? Matrix(weights.transpose()) : weights;
    c = over_visible ? Vector(rbm.b()) : Vector(rbm.a());
    d = over_visible ? Vector(rbm.a()) : Vector(rbm.b());
    n = wt.cols();
    m = wt.rows();
    bits = std::min(n, kStreamRbmBits);
    high = n - bits;
    low_states = states(bits, Spin::zero_one, 0, Index{1} << bits);
    low_input = wt.leftCols(bits) * low_states;
    low_minus_f = low_states.transpose() * d.head(bits);
  }
  bool own_second() const { return what == RbmStreamed::with_second && over_visible; }
  bool other_second() const { return what == RbmStreamed::with_second && !over_visible; }
  StreamSums zero() const {
    StreamSums s;
    if (what != RbmStreamed::log_z) {
      s.m = {Matrix::Zero(n, 1), Matrix::Zero(m, 1), Matrix::Zero(n, m)};
      if (own_second()) s.m.push_back(Matrix::Zero(n, n));
      if (other_second()) s.m.push_back(Matrix::Zero(m, m));
    }
    return s;
  }
  Index segments() const { return stream_segment_count(n, bits); }
  StreamSums segment(Index k) const {
    StreamSums acc = zero();
    const Index per_segment = std::max<Index>(1, kStreamSegmentStates >> bits);
    const Index chunks = Index{1} << high, size = Index{1} << bits;
    const Index end = std::min(chunks, (k + 1) * per_segment);
    Eigen::ArrayXXd x(m, size), e(m, size), sig(m, size);
    for (Index ch = k * per_segment; ch < end; ++ch) {
      const Vector sh = states(high, Spin::zero_one, ch, 1).col(0);
      const Vector offset = c + wt.rightCols(high) * sh;
      x = low_input.array().colwise() + offset.array();
      e = (-x.abs()).exp();
      // sum_i softplus(x_i) = sum_i max(x_i, 0) + log prod_i (1 + e_i), e = exp(-|x|): one exp per
      // unit and one log per state (each factor is in [1, 2], so a product of kStreamProductRows
      // factors cannot overflow).
      sig = 1.0 + e;
      Eigen::ArrayXd log_prod = Eigen::ArrayXd::Zero(size);
      for (Index r0 = 0; r0 < m; r0 += kStreamProductRows)
        log_prod += sig.middleRows(r0, std::min(kStreamProductRows, m - r0)).colwise().prod().log().transpose();
      const Vector minus_f =
          (low_minus_f.array() + d.tail(high).dot(sh) + x.max(0.0).colwise().sum().transpose() + log_prod).matrix();
      const Vector w = stream_weights(acc, minus_f);
      if (what == RbmStreamed::log_z) continue;
      // sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) below.
      sig = (x >= 0.0).select(1.0 / sig, e / sig);
      const double wsum = w.sum();
      const Matrix sw = (sig.rowwise() * w.transpose().array()).matrix();
      const Vector other_mean = sw.rowwise().sum();
      const Vector ml = low_states * w;
      acc.m[0].col(0).head(bits) += ml;
      acc.m[0].col(0).tail(high) += wsum * sh;
      acc.m[1].col(0) += other_mean;
      acc.m[2].topRows(bits).noalias() += (low_states.array().rowwise() * w.transpose().array()).matrix() *
                                          sig.matrix().transpose();
      acc.m[2].bottomRows(high).noalias() += sh * other_mean.transpose();
      if (own_second()) {
        Matrix& second = acc.m[3];
        second.topLeftCorner(bits, bits).noalias() +=
            (low_states.array().rowwise() * w.transpose().array()).matrix() * low_states.transpose();
        second.topRightCorner(bits, high).noalias() += ml * sh.transpose();
        second.bottomRightCorner(high, high).noalias() += wsum * sh * sh.transpose();
      }
      if (other_second()) {
        Matrix& second = acc.m[3];
        second.selfadjointView<Eigen::Lower>().rankUpdate((sig.rowwise() * w.transpose().array().sqrt()).matrix());
        second.diagonal() += (sw.array() * (1.0 - sig)).rowwise().sum().matrix();
      }
    }
    return acc;
  }
};

/// Fills the lower-left block of a second moment summed as upper-left, upper-right and lower-right blocks.
Matrix stream_symmetric_from_blocks(Matrix second, Index bits) {
  const Index high = second.rows() - bits;
  second.bottomLeftCorner(high, bits) = second.topRightCorner(bits, high).transpose();
  return second;
}

}  // namespace

StreamedPairwise streamed_pairwise(const PairwiseModel& m, bool with_moments) {
  check_streamable(m.dim(), "streamed_pairwise");
  const PairwiseStreamKernel kernel(m, with_moments);
  const StreamSums sums = stream_segments(kernel, m.dim(), kernel.segments());
  StreamedPairwise out;
  out.log_z = sums.log_z();
  out.energy_mean = sums.e_mean;
  out.energy_std = std::sqrt(std::max(0.0, sums.e_m2 / sums.z));
  if (with_moments) {
    out.moments.mean = sums.m[0].col(0) / sums.z;
    out.moments.second = stream_symmetric_from_blocks(sums.m[1] / sums.z, kernel.bits);
  }
  return out;
}

StreamedRbm streamed_rbm(const BernoulliRbm& rbm, RbmStreamed what) {
  check_streamable(std::min(rbm.n_visible(), rbm.n_hidden()), "streamed_rbm");
  const RbmStreamKernel kernel(rbm, what);
  const StreamSums sums = stream_segments(kernel, kernel.n, kernel.segments());
  StreamedRbm out;
  out.over_visible = kernel.over_visible;
  out.log_z = sums.log_z();
  out.free_energy_mean = kernel.over_visible ? sums.e_mean : kStreamNan;
  out.free_energy_std = kernel.over_visible ? std::sqrt(std::max(0.0, sums.e_m2 / sums.z)) : kStreamNan;
  if (what == RbmStreamed::log_z) return out;
  const Vector own = sums.m[0].col(0) / sums.z, other = sums.m[1].col(0) / sums.z;
  const Matrix cross = sums.m[2] / sums.z;  // <s o^T>
  out.moments.v_mean = kernel.over_visible ? own : other;
  out.moments.h_mean = kernel.over_visible ? other : own;
  out.moments.vh = kernel.over_visible ? cross : Matrix(cross.transpose());
  if (kernel.own_second()) out.v_second = stream_symmetric_from_blocks(sums.m[3] / sums.z, kernel.bits);
  if (kernel.other_second()) {
    const Matrix lower = sums.m[3] / sums.z;
    out.v_second = lower.selfadjointView<Eigen::Lower>();
  }
  return out;
}

}  // namespace shortrun::exact
