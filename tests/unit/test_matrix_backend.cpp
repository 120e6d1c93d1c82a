// The matrix-product back end (core/matrix_backend.hpp): the build says which library it uses,
// and the product shapes the samplers use (transposed operands, blocks of columns, float and
// double) agree with a plain triple loop, so a build with -DSHORTRUN_BLAS=ON computes the same
// products as Eigen's own GEMM up to rounding.
#include <string>

#include <catch2/catch.hpp>

#include "shortrun/core/matrix_backend.hpp"
#include "shortrun/core/types.hpp"

namespace {

/// C = op(A) op(B) summed in long double, the reference for one product.
template <class Scalar>
shortrun::MatrixOf<Scalar> backend_reference_product(const shortrun::MatrixOf<Scalar>& a, const shortrun::MatrixOf<Scalar>& b) {
  shortrun::MatrixOf<Scalar> c(a.rows(), b.cols());
  for (shortrun::Index i = 0; i < a.rows(); ++i)
    for (shortrun::Index j = 0; j < b.cols(); ++j) {
      long double s = 0;
      for (shortrun::Index l = 0; l < a.cols(); ++l) s += static_cast<long double>(a(i, l)) * b(l, j);
      c(i, j) = static_cast<Scalar>(s);
    }
  return c;
}

template <class Scalar>
void check_backend_products(double tolerance) {
  using Mat = shortrun::MatrixOf<Scalar>;
  const Mat w = Mat::Random(37, 23), v = Mat::Random(37, 150), h = Mat::Random(23, 150);
  // h | v: W^T v on a block of columns (the samplers' chunks of chains).
  Mat field(23, 64);
  field.noalias() = w.transpose() * v.middleCols(40, 64);
  const Mat ref_field = backend_reference_product<Scalar>(w.transpose(), v.middleCols(40, 64));
  CHECK((field - ref_field).cwiseAbs().maxCoeff() <= tolerance);
  // v | h: W h.
  Mat back(37, 150);
  back.noalias() = w * h;
  CHECK((back - backend_reference_product<Scalar>(w, h)).cwiseAbs().maxCoeff() <= tolerance);
  // The weight gradient: v h^T, accumulated with a weight.
  Mat grad = Mat::Zero(37, 23);
  grad.noalias() += Scalar(0.5) * v * h.transpose();
  const Mat ref_grad = Scalar(0.5) * backend_reference_product<Scalar>(v, Mat(h.transpose()));
  CHECK((grad - ref_grad).cwiseAbs().maxCoeff() <= tolerance * 150);
}

}  // namespace

TEST_CASE("matrix backend names the library of this build", "[matrix_backend]") {
  const std::string name = shortrun::matrix_backend();
  INFO(name);
#ifdef EIGEN_USE_BLAS
  CHECK(name.rfind("OpenBLAS ", 0) == 0);
#else
  CHECK(name.rfind("Eigen 3.", 0) == 0);
#endif
}

TEST_CASE("matrix backend products agree with a plain loop", "[matrix_backend]") {
  shortrun::set_product_threads(1);
  // Sums of <= 150 terms of size <= 1: rounding stays far below these bounds.
  check_backend_products<double>(1e-12);
  check_backend_products<float>(1e-4);
}
