#pragma once
/// The layers of the ConvNet energy (conv_net.hpp), templated on the scalar type so that a double
/// instantiation can be checked tightly against finite differences while float32 runs fast.
///
/// Activations of a batch of n images with c channels of h x w pixels are a (c x h w n) matrix,
/// column j S + y w + x (S = h w) holding the c channels of pixel (y, x) of image j. An input image
/// batch (H W x n, pixel (y, x) at row y W + x, as samples are stored) is therefore already the
/// (1 x H W n) activation of one channel, with the same memory.
///
/// Convolution: 3 x 3 kernel, stride 2, zero padding 1, so an h x w input gives
/// ceil(h/2) x ceil(w/2) outputs. By im2col (Chellapilla et al. 2006) it is one matrix product over
/// the whole batch:
///   cols = im2col(a)   (9 c_in x S_out n),  row (ky 3 + kx) c_in + ci of output pixel (oy, ox)
///                      holds a[ci, (2 oy + ky - 1, 2 ox + kx - 1)], 0 outside the image;
///   z = W cols + b     W (c_out x 9 c_in), b (c_out).
/// Backward, for a loss L with G = dL/dz:
///   dL/dW = G cols^T,  dL/db = sum over columns of G,  dL/da = col2im(W^T G),
/// col2im being the adjoint of im2col (scatter-add back onto the input pixels).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include "shortrun/core/types.hpp"
#include "shortrun/models/activation.hpp"

namespace shortrun::conv {

template <class Scalar>
using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <class Scalar>
using Vec = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

inline constexpr Index kKernel = 3;
inline constexpr Index kStride = 2;
inline constexpr Index kPad = 1;

/// Output side of a convolution layer on an input side `in`: floor((in + 2 pad - kernel)/stride) + 1.
constexpr Index out_side(Index in) { return (in + 2 * kPad - kKernel) / kStride + 1; }

/// Shapes of one convolution layer.
struct Geometry {
  Index c_in = 1;
  Index c_out = 1;
  Index h_in = 1;
  Index w_in = 1;
  Index h_out() const { return out_side(h_in); }
  Index w_out() const { return out_side(w_in); }
  Index s_in() const { return h_in * w_in; }
  Index s_out() const { return h_out() * w_out(); }
  Index patch() const { return kKernel * kKernel * c_in; }  ///< rows of cols, columns of W
  /// Multiply-adds of the forward product W cols per image.
  double forward_macs() const {
    return static_cast<double>(c_out) * static_cast<double>(patch()) * static_cast<double>(s_out());
  }
};

namespace detail {

/// Calls f(kernel_row, y, x) for the 9 taps of output pixel (oy, ox): kernel_row = ky 3 + kx, and
/// (y, x) the input pixel, or y = -1 for a tap in the zero padding.
template <class F>
inline void for_taps(const Geometry& g, Index oy, Index ox, F&& f) {
  for (Index ky = 0; ky < kKernel; ++ky) {
    const Index y = kStride * oy + ky - kPad;
    for (Index kx = 0; kx < kKernel; ++kx) {
      const Index x = kStride * ox + kx - kPad;
      const bool inside = y >= 0 && y < g.h_in && x >= 0 && x < g.w_in;
      f(ky * kKernel + kx, inside ? y : Index{-1}, x);
    }
  }
}

/// im2col with the channel count C known at compile time (C = 0: runtime g.c_in). The first layer
/// has one channel, where a runtime inner loop of length 1 would cost more than the copy.
template <Index C, class Scalar>
void im2col_impl(const Geometry& g, Index n, const Scalar* a, Scalar* cols) {
  const Index c = C > 0 ? C : g.c_in, ho = g.h_out(), wo = g.w_out(), patch = kKernel * kKernel * c;
  for (Index j = 0; j < n; ++j) {
    const Scalar* image = a + j * g.s_in() * c;
    for (Index oy = 0; oy < ho; ++oy)
      for (Index ox = 0; ox < wo; ++ox) {
        Scalar* out = cols + ((j * ho + oy) * wo + ox) * patch;
        for_taps(g, oy, ox, [&](Index tap, Index y, Index x) {
          Scalar* o = out + tap * c;
          if (y < 0) {
            for (Index ci = 0; ci < c; ++ci) o[ci] = Scalar(0);
          } else {
            const Scalar* in = image + (y * g.w_in + x) * c;
            for (Index ci = 0; ci < c; ++ci) o[ci] = in[ci];
          }
        });
      }
  }
}

/// col2im: zeroes da, scatter-adds every patch entry onto the pixel it was read from, then
/// multiplies by scale (same layout as da) when given. C as in im2col_impl. (A gather form that
/// writes each pixel once was tried: its per-pixel tap bookkeeping made it slower.)
template <Index C, class Scalar>
void col2im_impl(const Geometry& g, Index n, const Scalar* dcols, Scalar* da, const Scalar* scale) {
  const Index c = C > 0 ? C : g.c_in, ho = g.h_out(), wo = g.w_out(), patch = kKernel * kKernel * c;
  const Index size = c * g.s_in() * n;
  std::fill(da, da + size, Scalar(0));
  for (Index j = 0; j < n; ++j) {
    Scalar* image = da + j * g.s_in() * c;
    for (Index oy = 0; oy < ho; ++oy)
      for (Index ox = 0; ox < wo; ++ox) {
        const Scalar* in = dcols + ((j * ho + oy) * wo + ox) * patch;
        for_taps(g, oy, ox, [&](Index tap, Index y, Index x) {
          if (y < 0) return;
          const Scalar* i = in + tap * c;
          Scalar* o = image + (y * g.w_in + x) * c;
          for (Index ci = 0; ci < c; ++ci) o[ci] += i[ci];
        });
      }
  }
  if (scale != nullptr)
    for (Index i = 0; i < size; ++i) da[i] *= scale[i];
}

}  // namespace detail

/// cols (9 c_in x S_out n, sized by the caller) from activations a (c_in x S_in n).
template <class Scalar>
void im2col(const Geometry& g, Index n, const Scalar* a, Eigen::Ref<Mat<Scalar>> cols) {
  if (cols.rows() != g.patch() || cols.cols() != g.s_out() * n) throw std::invalid_argument("im2col: cols shape");
  if (g.c_in == 1) detail::im2col_impl<1>(g, n, a, cols.data());
  else detail::im2col_impl<0>(g, n, a, cols.data());
}

/// da (c_in x S_in n, overwritten) = col2im(dcols): the adjoint of im2col; times `scale`
/// elementwise (an array of da's layout) when given, e.g. phi' to turn dL/da into dL/dz.
template <class Scalar>
void col2im(const Geometry& g, Index n, const Eigen::Ref<const Mat<Scalar>>& dcols, Scalar* da,
            const Scalar* scale = nullptr) {
  if (dcols.rows() != g.patch() || dcols.cols() != g.s_out() * n) throw std::invalid_argument("col2im: dcols shape");
  if (g.c_in == 1) detail::col2im_impl<1>(g, n, dcols.data(), da, scale);
  else detail::col2im_impl<0>(g, n, dcols.data(), da, scale);
}

/// dst += lhs rhs, a slice of dst's columns at a time: Eigen packs a product's operands into
/// buffers on the stack when they fit EIGEN_STACK_ALLOCATION_LIMIT and on the heap otherwise;
/// slices of at most kPackBytes per packed block keep the Langevin step free of allocations.
template <class Scalar, class Dst, class Lhs, class Rhs>
void add_product_in_slices(Dst&& dst, const Lhs& lhs, const Rhs& rhs) {
  constexpr Index kPackBytes = 96 * 1024;
  const Index depth = std::max<Index>(lhs.cols(), 1);
  const Index slice = std::max<Index>(16, kPackBytes / (depth * static_cast<Index>(sizeof(Scalar))));
  for (Index j0 = 0; j0 < dst.cols(); j0 += slice) {
    const Index n = std::min(slice, dst.cols() - j0);
    dst.middleCols(j0, n).noalias() += lhs * rhs.middleCols(j0, n);
  }
}

// The layer functions below write into views the caller has sized (the model keeps fixed
// buffers: resizing them chunk by chunk returned pages to the OS and made dE/dx 20x slower).

/// Forward of one convolution layer: cols = im2col(a), z = W cols + b; cols (9 c_in x S_out n),
/// z (c_out x S_out n).
template <class Scalar>
void conv_forward(const Geometry& g, Index n, const Scalar* a, const Mat<Scalar>& W, const Vec<Scalar>& b,
                  Eigen::Ref<Mat<Scalar>> cols, Eigen::Ref<Mat<Scalar>> z) {
  im2col(g, n, a, cols);
  // The bias first, then the product added: Eigen zeroes the destination of a plain product,
  // so this saves a pass over z.
  z.colwise() = b;
  add_product_in_slices<Scalar>(z, W, cols);
}

/// Parameter gradients of one convolution layer: dW += G cols^T, db += row sums of G.
template <class Scalar>
void conv_backward_params(const Eigen::Ref<const Mat<Scalar>>& G, const Eigen::Ref<const Mat<Scalar>>& cols,
                          Mat<Scalar>& dW, Vec<Scalar>& db) {
  dW.noalias() += G * cols.transpose();
  db.noalias() += G.rowwise().sum();
}

/// Input gradient of one convolution layer: da = col2im(W^T G) (times `scale` elementwise when
/// given, see col2im); dcols (9 c_in x S_out n) is scratch.
template <class Scalar>
void conv_backward_input(const Geometry& g, Index n, const Mat<Scalar>& W, const Eigen::Ref<const Mat<Scalar>>& G,
                         Eigen::Ref<Mat<Scalar>> dcols, Scalar* da, const Scalar* scale = nullptr) {
  dcols.setZero();
  add_product_in_slices<Scalar>(dcols, W.transpose(), G);
  col2im<Scalar>(g, n, dcols, da, scale);
}


inline constexpr double kLeakySlope = 0.2;

inline const char* activation_name(Activation a) { return a == Activation::silu ? "silu" : "leaky-relu"; }

/// y = phi(z), elementwise, y of z's shape; y may not alias z.
template <class Scalar>
void activate(Activation f, const Eigen::Ref<const Mat<Scalar>>& z, Eigen::Ref<Mat<Scalar>> y) {
  if (f == Activation::silu) {
    y.array() = z.array() * z.array().logistic();
  } else {
    const Scalar slope = static_cast<Scalar>(kLeakySlope);
    y.array() = (z.array() > Scalar(0)).select(z.array(), slope * z.array());
  }
}

/// G = dL/dz from D = dL/dy, y = phi(z): G = D phi'(z), in place on D.
///   silu: phi'(z) = s (1 + z (1 - s)), s = sigmoid(z)
template <class Scalar>
void activation_backward(Activation f, const Eigen::Ref<const Mat<Scalar>>& z, Eigen::Ref<Mat<Scalar>> D) {
  if (f == Activation::silu) {
    const auto s = z.array().logistic();
    D.array() *= s * (Scalar(1) + z.array() * (Scalar(1) - s));
  } else {
    const Scalar slope = static_cast<Scalar>(kLeakySlope);
    D.array() *= (z.array() > Scalar(0)).template cast<Scalar>() * (Scalar(1) - slope) + slope;
  }
}

/// The forward pass's pointwise work in one sweep over z (c x S n, bias included), a block of
/// columns at a time while it is in cache: y = phi(z) and dphi = phi'(z), kept so that the
/// backward pass multiplies (G = D dphi) instead of evaluating the sigmoids again. y and dphi
/// have z's shape; neither may alias z. Sigmoids use Eigen's vectorised logistic (in float a
/// rational approximation, accurate to a few ulp).
template <class Scalar>
void activate_with_derivative(Activation f, const Eigen::Ref<const Mat<Scalar>>& z, Eigen::Ref<Mat<Scalar>> y,
                              Eigen::Ref<Mat<Scalar>> dphi) {
  const Scalar slope = static_cast<Scalar>(kLeakySlope);
  constexpr Index kBlock = 256;  // columns per block: the three arrays stay in L1
  for (Index j0 = 0; j0 < z.cols(); j0 += kBlock) {
    const Index n = std::min(kBlock, z.cols() - j0);
    const auto zb = z.middleCols(j0, n).array();
    auto yb = y.middleCols(j0, n).array();
    auto db = dphi.middleCols(j0, n).array();
    if (f == Activation::silu) {
      yb = zb.logistic();                             // s
      db = yb * (Scalar(1) + zb * (Scalar(1) - yb));  // s (1 + z (1 - s))
      yb *= zb;                                       // z s
    } else {
      db = (zb > Scalar(0)).select(Mat<Scalar>::Ones(zb.rows(), n).array(), slope);
      yb = zb * db;
    }
  }
}

}  // namespace shortrun::conv
