#pragma once
/// p0: the law chains start from (every update for rdm, once for pcd, and for measurements).
#include <stdexcept>
#include <string>

#include "shortrun/core/random.hpp"
#include "shortrun/core/types.hpp"

namespace shortrun {

class P0 {
 public:
  enum class Kind { gaussian, zeros, uniform };

  /// gaussian: N(0, sigma^2 I); zeros: x = 0; uniform: every coordinate uniform on [-1, 1]
  /// (images; sigma is ignored).
  P0(Kind kind, double sigma) : kind_(kind), sigma_(kind == Kind::gaussian ? sigma : 0.0) {}

  /// Fills every column of x (N x chains) with an independent draw. Scalar float (model.precision =
  /// float32 chains): the same draws as in double, each rounded to float once.
  template <class Scalar>
  void draw(MatrixOf<Scalar>& x, const ChainStreams& rng) const {
    if (kind_ == Kind::zeros) {
      x.setZero();
      return;
    }
    for (Index j = 0; j < x.cols(); ++j) {
      Stream s = rng.chain(j);
      if (kind_ == Kind::uniform) {
        for (Index i = 0; i < x.rows(); ++i) x(i, j) = static_cast<Scalar>(2.0 * s.uniform() - 1.0);
      } else {
        for (Index i = 0; i < x.rows(); ++i) x(i, j) = static_cast<Scalar>(sigma_ * s.normal());
      }
    }
  }

  Kind kind() const { return kind_; }
  /// Mean 0; isotropic variance sigma^2 (gaussian), 0 (zeros), 1/3 (uniform).
  double sigma() const { return sigma_; }

 private:
  Kind kind_;
  double sigma_;
};

}  // namespace shortrun
