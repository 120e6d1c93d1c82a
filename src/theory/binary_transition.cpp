#include "shortrun/theory/binary_transition.hpp"

#include <stdexcept>
#include <string>

namespace shortrun::exact {

SweepKernel::SweepKernel(const PairwiseModel& model, SiteDynamics dynamics)
    : n_(model.dim()), dynamics_(dynamics) {
  if (n_ > kMaxPropagatedUnits)
    throw std::invalid_argument("exact law propagation over " + std::to_string(n_) +
                                " units; at most " + std::to_string(kMaxPropagatedUnits));
  const Index total = Index{1} << n_;
  const Matrix s = states(n_, model.spin, 0, total);
  Matrix fields = model.J * s;
  fields.colwise() += model.h;
  move_.resize(total, n_);
  for (Index i = 0; i < n_; ++i)
    for (Index c = 0; c < total; ++c)
      move_(c, i) = move_probability(dynamics.rule, model.spin, s(i, c), fields(i, c));
}

Matrix SweepKernel::site_matrix(Index i) const {
  const Index total = n_states(), bit = Index{1} << i;
  Matrix k = Matrix::Zero(total, total);
  for (Index c = 0; c < total; ++c) {
    k(c, c) = 1.0 - move_(c, i);
    k(c, c ^ bit) = move_(c, i);
  }
  return k;
}

Matrix SweepKernel::sweep_matrix() const {
  const Index total = n_states();
  Matrix p = Matrix::Identity(total, total);
  if (dynamics_.order == SiteOrder::sequential) {
    for (Index i = 0; i < n_; ++i) p = p * site_matrix(i);
    return p;
  }
  Matrix average = Matrix::Zero(total, total);
  for (Index i = 0; i < n_; ++i) average += site_matrix(i);
  average /= static_cast<double>(n_);
  for (Index u = 0; u < n_; ++u) p = p * average;
  return p;
}

void SweepKernel::apply_site(Vector& p, Index i) const {
  const Index total = n_states(), bit = Index{1} << i;
  for (Index c = 0; c < total; ++c) {
    if (c & bit) continue;
    const Index c1 = c | bit;
    const double p0 = p[c], p1 = p[c1], a0 = move_(c, i), a1 = move_(c1, i);
    p[c] = p0 * (1.0 - a0) + p1 * a1;
    p[c1] = p1 * (1.0 - a1) + p0 * a0;
  }
}

void SweepKernel::apply_sweep(Vector& p) const {
  if (dynamics_.order == SiteOrder::sequential) {
    for (Index i = 0; i < n_; ++i) apply_site(p, i);
    return;
  }
  // One random-site update: p'(c) = p(c) + (1/N) sum_i [p(c ^ 2^i) a(c ^ 2^i, i) - p(c) a(c, i)].
  const Index total = n_states();
  const double inv_n = 1.0 / static_cast<double>(n_);
  Vector next(total);
  for (Index u = 0; u < n_; ++u) {
    for (Index c = 0; c < total; ++c) {
      double flow = 0.0;
      for (Index i = 0; i < n_; ++i) {
        const Index other = c ^ (Index{1} << i);
        flow += p[other] * move_(other, i) - p[c] * move_(c, i);
      }
      next[c] = p[c] + inv_n * flow;
    }
    p.swap(next);
  }
}

Vector SweepKernel::propagate(Vector p, Index t) const {
  if (p.size() != n_states()) throw std::invalid_argument("SweepKernel::propagate: law of the wrong size");
  for (Index s = 0; s < t; ++s) apply_sweep(p);
  return p;
}

}  // namespace shortrun::exact
