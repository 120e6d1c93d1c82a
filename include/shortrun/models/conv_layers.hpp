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

/// cols (9 c_in x S_out n) from activations a (c_in x S_in n).
template <class Scalar>
void im2col(const Geometry& g, Index n, const Scalar* a, Mat<Scalar>& cols) {
  const Index ho = g.h_out(), wo = g.w_out(), c = g.c_in;
  cols.resize(g.patch(), g.s_out() * n);
  for (Index j = 0; j < n; ++j) {
    const Scalar* image = a + j * g.s_in() * c;
    for (Index oy = 0; oy < ho; ++oy)
      for (Index ox = 0; ox < wo; ++ox) {
        Scalar* out = cols.data() + ((j * ho + oy) * wo + ox) * g.patch();
        for (Index ky = 0; ky < kKernel; ++ky) {
          const Index y = kStride * oy + ky - kPad;
          for (Index kx = 0; kx < kKernel; ++kx, out += c) {
            const Index x = kStride * ox + kx - kPad;
            if (y < 0 || y >= g.h_in || x < 0 || x >= g.w_in) {
              for (Index ci = 0; ci < c; ++ci) out[ci] = Scalar(0);
            } else {
              const Scalar* in = image + (y * g.w_in + x) * c;
              for (Index ci = 0; ci < c; ++ci) out[ci] = in[ci];
            }
          }
        }
      }
  }
}

/// da (c_in x S_in n, overwritten) = col2im(dcols): the adjoint of im2col.
template <class Scalar>
void col2im(const Geometry& g, Index n, const Mat<Scalar>& dcols, Scalar* da) {
  const Index ho = g.h_out(), wo = g.w_out(), c = g.c_in;
  std::fill(da, da + c * g.s_in() * n, Scalar(0));
  for (Index j = 0; j < n; ++j) {
    Scalar* image = da + j * g.s_in() * c;
    for (Index oy = 0; oy < ho; ++oy)
      for (Index ox = 0; ox < wo; ++ox) {
        const Scalar* in = dcols.data() + ((j * ho + oy) * wo + ox) * g.patch();
        for (Index ky = 0; ky < kKernel; ++ky) {
          const Index y = kStride * oy + ky - kPad;
          for (Index kx = 0; kx < kKernel; ++kx, in += c) {
            const Index x = kStride * ox + kx - kPad;
            if (y < 0 || y >= g.h_in || x < 0 || x >= g.w_in) continue;
            Scalar* out = image + (y * g.w_in + x) * c;
            for (Index ci = 0; ci < c; ++ci) out[ci] += in[ci];
          }
        }
      }
  }
}

/// Forward of one convolution layer: cols = im2col(a), z = W cols + b.
template <class Scalar>
void conv_forward(const Geometry& g, Index n, const Scalar* a, const Mat<Scalar>& W, const Vec<Scalar>& b,
                  Mat<Scalar>& cols, Mat<Scalar>& z) {
  im2col(g, n, a, cols);
  z.resize(g.c_out, cols.cols());
  z.noalias() = W * cols;
  z.colwise() += b;
}

/// Parameter gradients of one convolution layer: dW += G cols^T, db += row sums of G.
template <class Scalar>
void conv_backward_params(const Mat<Scalar>& G, const Mat<Scalar>& cols, Mat<Scalar>& dW, Vec<Scalar>& db) {
  dW.noalias() += G * cols.transpose();
  db.noalias() += G.rowwise().sum();
}

/// Input gradient of one convolution layer: da = col2im(W^T G); dcols is scratch.
template <class Scalar>
void conv_backward_input(const Geometry& g, Index n, const Mat<Scalar>& W, const Mat<Scalar>& G,
                         Mat<Scalar>& dcols, Scalar* da) {
  dcols.resize(W.cols(), G.cols());
  dcols.noalias() = W.transpose() * G;
  col2im(g, n, dcols, da);
}

/// Pointwise nonlinearity between layers.
///   silu:       phi(z) = z sigmoid(z)           (smooth: the Langevin drift is continuous)
///   leaky-relu: phi(z) = z (z > 0), 0.2 z (z <= 0)
enum class Activation { silu, leaky_relu };

inline constexpr double kLeakySlope = 0.2;

inline Activation activation_from_name(const std::string& name) {
  if (name == "silu") return Activation::silu;
  if (name == "leaky-relu") return Activation::leaky_relu;
  throw std::invalid_argument("unknown activation " + name + " (expected silu or leaky-relu)");
}
inline const char* activation_name(Activation a) { return a == Activation::silu ? "silu" : "leaky-relu"; }

/// y = phi(z), elementwise; y may not alias z.
template <class Scalar>
void activate(Activation f, const Mat<Scalar>& z, Mat<Scalar>& y) {
  y.resize(z.rows(), z.cols());
  if (f == Activation::silu) {
    y.array() = z.array() / (Scalar(1) + (-z.array()).exp());
  } else {
    const Scalar slope = static_cast<Scalar>(kLeakySlope);
    y.array() = (z.array() > Scalar(0)).select(z.array(), slope * z.array());
  }
}

/// G = dL/dz from D = dL/dy, y = phi(z): G = D phi'(z), in place on D.
///   silu: phi'(z) = s (1 + z (1 - s)), s = sigmoid(z)
template <class Scalar>
void activation_backward(Activation f, const Mat<Scalar>& z, Mat<Scalar>& D) {
  if (f == Activation::silu) {
    const auto s = (Scalar(1) / (Scalar(1) + (-z.array()).exp()));
    D.array() *= s * (Scalar(1) + z.array() * (Scalar(1) - s));
  } else {
    const Scalar slope = static_cast<Scalar>(kLeakySlope);
    D.array() *= (z.array() > Scalar(0)).template cast<Scalar>() * (Scalar(1) - slope) + slope;
  }
}

}  // namespace shortrun::conv
