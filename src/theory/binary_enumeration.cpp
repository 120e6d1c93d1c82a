#include "shortrun/theory/binary_enumeration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace shortrun::exact {

namespace {

constexpr Index kEnumerationChunk = 4096;  // states per block of the enumeration (bounds the memory at N = 20)

Index n_states(Index n) {
  if (n > kMaxEnumerableUnits)
    throw std::invalid_argument("exact enumeration over " + std::to_string(n) + " units; at most " +
                                std::to_string(kMaxEnumerableUnits));
  return Index{1} << n;
}

double log_sum_exp(const Vector& x) {
  const double top = x.maxCoeff();
  return top + std::log((x.array() - top).exp().sum());
}

Matrix sigmoid_of(const Matrix& x) { return x.unaryExpr([](double y) { return sigmoid(y); }); }

}  // namespace

Matrix states(Index n, Spin spin, Index first, Index count) {
  const double low = spin_low(spin);
  Matrix s(n, count);
  for (Index c = 0; c < count; ++c)
    for (Index i = 0; i < n; ++i) s(i, c) = ((first + c) >> i) & 1 ? 1.0 : low;
  return s;
}

Index state_index(const Eigen::Ref<const Vector>& s, Spin spin) {
  const double low = spin_low(spin);
  Index c = 0;
  for (Index i = 0; i < s.size(); ++i) {
    if (s[i] == 1.0)
      c |= Index{1} << i;
    else if (s[i] != low)
      throw std::invalid_argument("state_index: a unit is neither low nor up");
  }
  return c;
}

Vector log_weights(const PairwiseModel& m) {
  const Index n = m.dim(), total = n_states(n);
  Vector out(total);
  for (Index first = 0; first < total; first += kEnumerationChunk) {
    const Index count = std::min(kEnumerationChunk, total - first);
    const Matrix s = states(n, m.spin, first, count);
    const Matrix js = m.J * s;
    out.segment(first, count) =
        s.transpose() * m.h + 0.5 * (s.array() * js.array()).colwise().sum().matrix().transpose();
  }
  return out;
}

double log_partition(const PairwiseModel& m) {
  if (m.dim() > kMaxEnumerableUnits) return streamed_pairwise(m, false).log_z;
  return log_sum_exp(log_weights(m));
}

Vector boltzmann_law(const PairwiseModel& m) {
  const Vector lw = log_weights(m);
  Vector p = (lw.array() - lw.maxCoeff()).exp();
  return p / p.sum();
}

double log_likelihood(const PairwiseModel& m, const Matrix& data) {
  const Matrix js = m.J * data;
  const Vector minus_e =
      data.transpose() * m.h + 0.5 * (data.array() * js.array()).colwise().sum().matrix().transpose();
  return minus_e.mean() - log_partition(m);
}

SpinMoments law_moments(const Vector& p, Index n, Spin spin) {
  const Index total = n_states(n);
  if (p.size() != total) throw std::invalid_argument("law_moments: law of the wrong size");
  SpinMoments out{Vector::Zero(n), Matrix::Zero(n, n)};
  for (Index first = 0; first < total; first += kEnumerationChunk) {
    const Index count = std::min(kEnumerationChunk, total - first);
    const Matrix s = states(n, spin, first, count);
    const auto w = p.segment(first, count);
    out.mean.noalias() += s * w;
    out.second.noalias() += (s.array().rowwise() * w.transpose().array()).matrix() * s.transpose();
  }
  return out;
}

Vector empirical_law(const Matrix& data, Spin spin) {
  Vector p = Vector::Zero(n_states(data.rows()));
  for (Index j = 0; j < data.cols(); ++j) p[state_index(data.col(j), spin)] += 1.0;
  return p / static_cast<double>(data.cols());
}

Vector product_law(const Vector& prob_up) {
  Vector p = Vector::Ones(n_states(prob_up.size()));
  Index len = 1;
  for (Index i = 0; i < prob_up.size(); ++i, len *= 2) {
    // States below 2^i so far; bit i splits each into low (first half) and up (second half).
    p.segment(len, len) = p.head(len) * prob_up[i];
    p.head(len) *= 1.0 - prob_up[i];
  }
  return p;
}

namespace {

/// -F over the enumerated (smaller) layer of the RBM, with what the moments need.
struct RbmEnumeration {
  bool over_visible = true;  // which layer the states are
  Index n = 0;               // units in that layer
  Vector minus_f;            // -F(state), (2^n)
  double log_z = 0;
};

RbmEnumeration enumerate_rbm(const BernoulliRbm& rbm) {
  RbmEnumeration e;
  e.over_visible = rbm.n_visible() <= rbm.n_hidden();
  e.n = e.over_visible ? rbm.n_visible() : rbm.n_hidden();
  const Index total = n_states(e.n);
  e.minus_f.resize(total);
  for (Index first = 0; first < total; first += kEnumerationChunk) {
    const Index count = std::min(kEnumerationChunk, total - first);
    const Matrix s = states(e.n, Spin::zero_one, first, count);
    // -F(v) = a^T v + sum_k softplus((b + W^T v)_k); -F(h) = b^T h + sum_i softplus((a + W h)_i).
    const Matrix in = e.over_visible ? rbm.hidden_input(s) : rbm.visible_input(s);
    const Vector bias = e.over_visible ? Vector(rbm.a()) : Vector(rbm.b());
    Vector mf = s.transpose() * bias;
    for (Index c = 0; c < count; ++c)
      for (Index k = 0; k < in.rows(); ++k) mf[c] += softplus(in(k, c));
    e.minus_f.segment(first, count) = mf;
  }
  e.log_z = log_sum_exp(e.minus_f);
  return e;
}

}  // namespace

double rbm_log_partition(const BernoulliRbm& rbm) {
  if (std::min(rbm.n_visible(), rbm.n_hidden()) > kMaxEnumerableUnits)
    return streamed_rbm(rbm, RbmStreamed::log_z).log_z;
  return enumerate_rbm(rbm).log_z;
}

RbmMoments rbm_moments(const BernoulliRbm& rbm) {
  if (std::min(rbm.n_visible(), rbm.n_hidden()) > kMaxEnumerableUnits)
    return streamed_rbm(rbm, RbmStreamed::moments).moments;
  const RbmEnumeration e = enumerate_rbm(rbm);
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden(), total = e.minus_f.size();
  RbmMoments m{Vector::Zero(nv), Vector::Zero(nh), Matrix::Zero(nv, nh)};
  for (Index first = 0; first < total; first += kEnumerationChunk) {
    const Index count = std::min(kEnumerationChunk, total - first);
    const Matrix s = states(e.n, Spin::zero_one, first, count);
    const Vector p = (e.minus_f.segment(first, count).array() - e.log_z).exp().matrix();
    // The other layer enters through its conditional mean given the enumerated one.
    const Matrix other = sigmoid_of(e.over_visible ? rbm.hidden_input(s) : rbm.visible_input(s));
    const Matrix& v = e.over_visible ? s : other;
    const Matrix& hid = e.over_visible ? other : s;
    m.v_mean.noalias() += v * p;
    m.h_mean.noalias() += hid * p;
    m.vh.noalias() += (v.array().rowwise() * p.transpose().array()).matrix() * hid.transpose();
  }
  return m;
}

double rbm_log_likelihood(const BernoulliRbm& rbm, const Matrix& v) {
  return -rbm.energy(v).mean() - rbm_log_partition(rbm);
}

Vector rbm_visible_law(const BernoulliRbm& rbm) {
  const Index nv = rbm.n_visible(), total = n_states(nv);
  const Vector minus_f = -rbm.energy(states(nv, Spin::zero_one, 0, total));
  return (minus_f.array() - log_sum_exp(minus_f)).exp().matrix();
}

Matrix rbm_block_gibbs_matrix(const BernoulliRbm& rbm) {
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden();
  if (nv > 12 || nh > 12) throw std::invalid_argument("rbm_block_gibbs_matrix: at most 12 units per layer");
  const Matrix v = states(nv, Spin::zero_one, 0, Index{1} << nv);
  const Matrix hid = states(nh, Spin::zero_one, 0, Index{1} << nh);
  const Matrix p_h = sigmoid_of(rbm.hidden_input(v));   // (Nh x 2^Nv)
  const Matrix p_v = sigmoid_of(rbm.visible_input(hid));  // (Nv x 2^Nh)
  Matrix h_given_v(v.cols(), hid.cols()), v_given_h(hid.cols(), v.cols());
  for (Index c = 0; c < v.cols(); ++c) h_given_v.row(c) = product_law(p_h.col(c)).transpose();
  for (Index c = 0; c < hid.cols(); ++c) v_given_h.row(c) = product_law(p_v.col(c)).transpose();
  return h_given_v * v_given_h;
}

}  // namespace shortrun::exact
