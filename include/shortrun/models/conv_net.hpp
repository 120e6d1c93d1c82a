#pragma once
/// ConvNet energy on images (docs/theory.md section 4; Nijkamp et al. 2019's short-run EBM, smaller):
///   a_0 = x                                   (one channel, H x W pixels, values in [-1, 1])
///   a_l = phi(W_l * a_{l-1} + b_l),  l = 1..L  (3 x 3 convolution, stride 2, zero padding 1,
///                                             c_l channels: H x W -> ceil(H/2) x ceil(W/2))
///   E(x) = sum_{c,p} w_out[c, p] a_L[c, p]    (a linear last layer to one scalar, no bias)
/// phi is SiLU or LeakyReLU(0.2) (conv_layers.hpp). The last layer is linear in its parameters,
/// so a converged rdm run matches <E>_data = <E>_{p_k} (docs/theory.md section 1). It has no bias: a
/// constant energy offset leaves p_theta unchanged and its NLL gradient is zero.
///
/// Parameters, one flat double vector (trainer, MPI reduction and checkpoints rely on it), blocks
/// in this order (column-major, rows x cols):
///   conv<l>_W  (c_l x 9 c_{l-1}), column (ky 3 + kx) c_{l-1} + ci   (c_0 = 1)
///   conv<l>_b  (c_l)
///   out_w      (c_L x h_L w_L), column y w_L + x                    (h_L x w_L: last conv output)
/// Computation runs in Scalar (float for speed, double for the finite-difference tests) on working
/// copies of the blocks refreshed from the flat vector at every call, so whoever changes params()
/// (optimizer, resume) is seen at once. Batches are processed in chunks of chunk() images with
/// im2col + Eigen matrix products over the whole chunk (many chains at once); a chunk's largest
/// activation array is about kChunkBytes, so the backward pass works in cache (at 28 x 28 with 16
/// first-layer channels, 100 images at once made dE/dx 2x slower than chunks of 20).
///
/// With OpenMP (SHORTRUN_OPENMP) the chunks run on the threads, each in its own workspace; every
/// chunk computes what it computes serially and the parameter gradient adds the chunks' sums in
/// chunk order, so results are bitwise the same for any thread count.
///
/// Sign convention: gradients are of the NLL; accumulate_grad_energy adds weight * sum_j dE/dtheta(x_j).
/// Scratch space is mutable: one object must not be used from two loops at once.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "shortrun/core/error.hpp"
#include "shortrun/core/parameters.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/conv_layers.hpp"

namespace shortrun {

/// Most conv layers and channels per layer accepted (model.channels).
inline constexpr Index kMaxConvLayers = 8;
inline constexpr Index kMaxConvChannels = 1024;

/// Shapes of the network: input image, channels per conv layer, nonlinearity.
struct ConvNetShape {
  Index height = 0;
  Index width = 0;
  std::vector<Index> channels{16, 32, 64};
  conv::Activation activation = conv::Activation::silu;

  Index layers() const { return static_cast<Index>(channels.size()); }
  /// Geometry of conv layer l = 0 .. L-1.
  conv::Geometry layer(Index l) const {
    conv::Geometry g;
    g.c_in = l == 0 ? 1 : channels[static_cast<std::size_t>(l - 1)];
    g.c_out = channels[static_cast<std::size_t>(l)];
    g.h_in = height;
    g.w_in = width;
    for (Index i = 0; i < l; ++i) {
      g.h_in = conv::out_side(g.h_in);
      g.w_in = conv::out_side(g.w_in);
    }
    return g;
  }
  Index out_height() const { return layer(layers() - 1).h_out(); }
  Index out_width() const { return layer(layers() - 1).w_out(); }
  /// Inputs of the last linear layer: c_L h_L w_L.
  Index features() const { return channels.back() * out_height() * out_width(); }

  /// Smallest image side every layer accepts: each conv layer's input must be at least as large as
  /// its 3 x 3 kernel, otherwise it would mostly see padding. 2^L + 1 for L layers.
  static Index min_side(Index n_layers) {
    Index side = conv::kKernel;
    for (Index l = 1; l < n_layers; ++l) side = conv::kStride * (side - 1) + 1;
    return side;
  }

  /// Throws BadInput naming model.channels when the channel list is impossible or the images are
  /// too small for it.
  void check() const {
    std::string list;
    for (Index c : channels) list += (list.empty() ? "" : ",") + std::to_string(c);
    if (channels.empty() || layers() > kMaxConvLayers ||
        std::any_of(channels.begin(), channels.end(), [](Index c) { return c < 1 || c > kMaxConvChannels; }))
      throw BadInput("model.channels: expected 1 to " + std::to_string(kMaxConvLayers) +
                     " channel counts in [1, " + std::to_string(kMaxConvChannels) + "], got '" + list + "'");
    const Index need = min_side(layers());
    if (height < need || width < need)
      throw BadInput("model.channels: " + std::to_string(layers()) + " stride-2 conv layers (" + list +
                     ") need images of at least " + std::to_string(need) + " x " + std::to_string(need) +
                     " pixels, the data's are " + std::to_string(height) + " x " + std::to_string(width) +
                     " (fewer layers, or a smaller data.downscale)");
  }
};

/// Floating-point operations per image of the matrix products (multiply and add counted
/// separately), for benchmarks.
struct ConvNetFlops {
  double forward = 0;      ///< E(x): W cols of every layer and the read-out
  double input_grad = 0;   ///< W^T G of every layer (dE/dx needs all of them)
  double param_grad = 0;   ///< G cols^T of every layer
  double first_input = 0;  ///< the first layer's W^T G, which a parameter gradient skips
  /// grad_x(): forward and backward to the input (what a Langevin step computes).
  double langevin() const { return forward + input_grad; }
  /// accumulate_grad_energy(): forward and backward to every parameter.
  double parameter_gradient() const { return forward + param_grad + input_grad - first_input; }
};

template <class Scalar = float>
class ConvNet {
 public:
  using Mat = conv::Mat<Scalar>;
  using Vec = conv::Vec<Scalar>;
  /// Bytes of the largest activation array of a chunk (see the class comment): chunks stay in a
  /// core's L2 cache, and scratch memory is bounded whatever the batch (the whole data set for the
  /// data energy), while the matrix products keep hundreds of columns.
  static constexpr Index kChunkBytes = 256 * 1024;
  static constexpr const char* kName = "convnet";
  /// Langevin noise in the network's precision (samplers/langevin.hpp): in float32 the noise is a
  /// vectorised float Box-Muller fill (Stream::fill_float_normal) instead of double normals drawn
  /// one at a time, which took 30 % of a float32 Langevin step.
  using LangevinNoise = Scalar;
  /// Its own working copy in its precision (models/working_precision.hpp): with model.precision =
  /// float32 the chains, grad_x and the statistics' inputs are MatrixOf<float>, read without a
  /// conversion; the parameter gradient is added to the double gradient as with double chains.
  template <class S>
  static constexpr bool kComputesIn = std::is_same_v<S, Scalar>;

  /// Parameters start at zero (init_params draws them). Throws BadInput from shape.check().
  explicit ConvNet(ConvNetShape shape) : shape_(std::move(shape)) {
    shape_.check();
    for (Index l = 0; l < shape_.layers(); ++l) {
      const conv::Geometry g = shape_.layer(l);
      geometry_.push_back(g);
      const std::string name = "conv" + std::to_string(l + 1);
      layout_.add(name + "_W", g.c_out, g.patch());
      layout_.add(name + "_b", g.c_out);
    }
    layout_.add("out_w", shape_.channels.back(), shape_.out_height() * shape_.out_width());
    theta_ = Vector::Zero(layout_.size());
    Index widest = dim();
    for (const conv::Geometry& g : geometry_) widest = std::max(widest, g.c_out * g.s_out());
    chunk_ = std::clamp<Index>(kChunkBytes / (widest * static_cast<Index>(sizeof(Scalar))), 8, 256);
    for (const conv::Geometry& g : geometry_) {
      W_.emplace_back(g.c_out, g.patch());
      b_.emplace_back(g.c_out);
    }
  }

  Index dim() const { return shape_.height * shape_.width; }
  /// Images per chunk of work, in [8, 256].
  Index chunk() const { return chunk_; }
  const ConvNetShape& shape() const { return shape_; }
  const Layout& layout() const { return layout_; }
  Vector& params() { return theta_; }
  const Vector& params() const { return theta_; }

  /// PyTorch's default initialisation: every entry of conv<l>_W and conv<l>_b uniform in
  /// +-1/sqrt(9 c_{l-1}), out_w uniform in +-1/sqrt(c_L h_L w_L); one Stream(seed, model_init, 0)
  /// drawn in layout order.
  void init_params(std::uint64_t seed) {
    Stream s(seed, Purpose::model_init, 0);
    const auto& blocks = layout_.blocks();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      // Blocks 2l and 2l + 1 are conv layer l's W and b; the last is out_w.
      const bool out = i + 1 == blocks.size();
      const auto fan_in = static_cast<double>(out ? shape_.features() : geometry_[i / 2].patch());
      const double bound = 1.0 / std::sqrt(fan_in);
      for (Index j = 0; j < blocks[i].size(); ++j)
        theta_[blocks[i].offset + j] = bound * (2.0 * s.uniform() - 1.0);
    }
  }

  ConvNetFlops flops_per_image() const {
    ConvNetFlops f;
    for (std::size_t l = 0; l < geometry_.size(); ++l) {
      const double macs = geometry_[l].forward_macs();
      f.forward += 2 * macs;
      f.input_grad += 2 * macs;  // W^T G (also on the first layer, for dE/dx)
      f.param_grad += 2 * macs;  // G cols^T
    }
    f.first_input = 2 * geometry_.front().forward_macs();
    f.forward += 2.0 * static_cast<double>(shape_.features());
    return f;
  }

  /// E(x) of each column of x (N x n) -> (n).
  Vector energy(const Matrix& x) const {
    Vector e(x.cols());
    for_each_forward_chunk(x, [&](Workspace& w, Index j0, Index m) {
      e.segment(j0, m) = energies(w, m).template cast<double>();
    });
    return e;
  }

  /// dE/dx for each column; grad gets the shape of x (x and grad in double or float).
  template <class Derived>
  void grad_x(const Eigen::MatrixBase<Derived>& x, MatrixOf<typename Derived::Scalar>& grad) const {
    using In = typename Derived::Scalar;
    grad.resize(x.rows(), x.cols());
    for_each_forward_chunk(x, [&](Workspace& w, Index j0, Index m) {
      backward(w, m, /*want_input=*/true, /*want_params=*/false);
      grad.middleCols(j0, m) = w.input_grad.leftCols(m).template cast<In>();
    });
  }

  /// grad += weight * sum over columns of dE/dtheta(x). Chunks go in rounds of one per thread;
  /// each round's float sums are added to the double gradient in chunk order, so rounding does
  /// not grow with n and does not depend on the thread count.
  template <class Derived>
  void accumulate_grad_energy(const Eigen::MatrixBase<Derived>& x, double weight, Vector& grad) const {
    using In = typename Derived::Scalar;
    check_rows(x);
    sync();
    const Index chunks = chunks_of(x.cols());
    const Index round = std::max<Index>(1, std::min<Index>(chunks, max_threads()));
    prepare_workspaces(round);
    const auto& blocks = layout_.blocks();
    for (Index c0 = 0; c0 < chunks; c0 += round) {
      const Index in_round = std::min(round, chunks - c0);
      SHORTRUN_PARALLEL_FOR
      for (Index t = 0; t < in_round; ++t) {
        Workspace& w = workspace_[static_cast<std::size_t>(t)];
        const Index j0 = (c0 + t) * chunk_, m = std::min(chunk_, x.cols() - j0);
        for (std::size_t l = 0; l < W_.size(); ++l) {
          w.dW[l].setZero();
          w.db[l].setZero();
        }
        forward<In>(w, x.middleCols(j0, m));
        backward(w, m, /*want_input=*/false, /*want_params=*/true);
        w.out_sum = Eigen::Map<const Mat>(w.a.back().data(), shape_.features(), m).rowwise().sum();
      }
      for (Index t = 0; t < in_round; ++t) {
        const Workspace& w = workspace_[static_cast<std::size_t>(t)];
        for (std::size_t l = 0; l < W_.size(); ++l) {
          view(grad, blocks[2 * l]) += weight * w.dW[l].template cast<double>();
          view(grad, blocks[2 * l + 1]) += weight * w.db[l].template cast<double>();
        }
        Eigen::Map<Vector>(grad.data() + blocks.back().offset, shape_.features()) +=
            weight * w.out_sum.template cast<double>();
      }
    }
  }

 private:
  /// Scratch of one chunk of work, allocated once per thread: a chunk of m images uses the first
  /// columns of each array.
  struct Workspace {
    std::vector<Mat> dW;
    std::vector<Vec> db;
    Vec out_sum;     ///< the chunk's sum of a_L over images (the out_w gradient)
    Mat input;
    std::vector<Mat> cols;  ///< patches; the backward pass reuses them for W^T G
    std::vector<Mat> z;
    std::vector<Mat> a;
    std::vector<Mat> dphi;  ///< phi'(z) of the last forward pass
    std::vector<Mat> D;
    Mat input_grad;
  };

  Index chunks_of(Index n) const { return (n + chunk_ - 1) / chunk_; }

  /// The forward pass of each chunk of x's columns in its thread's workspace, then
  /// use(workspace, first column, columns), which writes only those columns' results.
  template <class Derived, class Use>
  void for_each_forward_chunk(const Eigen::MatrixBase<Derived>& x, Use&& use) const {
    using In = typename Derived::Scalar;
    check_rows(x);
    sync();
    const Index chunks = chunks_of(x.cols());
    prepare_workspaces(max_threads());  // indexed by thread
    SHORTRUN_PARALLEL_FOR
    for (Index c = 0; c < chunks; ++c) {
      Workspace& w = workspace_[static_cast<std::size_t>(thread_index())];
      const Index j0 = c * chunk_, m = std::min(chunk_, x.cols() - j0);
      forward<In>(w, x.middleCols(j0, m));
      use(w, j0, m);
    }
  }

  /// At least `count` workspaces (called outside parallel loops).
  void prepare_workspaces(Index count) const {
    while (static_cast<Index>(workspace_.size()) < count) {
      Workspace& w = workspace_.emplace_back();
      for (const conv::Geometry& g : geometry_) {
        w.dW.emplace_back(g.c_out, g.patch());
        w.db.emplace_back(g.c_out);
        w.cols.emplace_back(g.patch(), g.s_out() * chunk_);
        w.z.emplace_back(g.c_out, g.s_out() * chunk_);
        w.a.emplace_back(g.c_out, g.s_out() * chunk_);
        w.dphi.emplace_back(g.c_out, g.s_out() * chunk_);
        w.D.emplace_back(g.c_out, g.s_out() * chunk_);
      }
      w.input.resize(dim(), chunk_);
      w.input_grad.resize(dim(), chunk_);
    }
  }

  template <class Derived>
  void check_rows(const Eigen::MatrixBase<Derived>& x) const {
    if (x.rows() != dim())
      throw std::invalid_argument("ConvNet: images of " + std::to_string(x.rows()) + " pixels, expected " +
                                  std::to_string(dim()));
  }

  /// Working copies of the blocks in Scalar.
  void sync() const {
    const auto& blocks = layout_.blocks();
    for (std::size_t l = 0; l < W_.size(); ++l) {
      W_[l] = view(theta_, blocks[2 * l]).template cast<Scalar>();
      b_[l] = view(theta_, blocks[2 * l + 1]).col(0).template cast<Scalar>();
    }
    w_out_ = Eigen::Map<const Vector>(theta_.data() + blocks.back().offset, shape_.features()).template cast<Scalar>();
  }

  /// Forward pass of m images (columns of x) in workspace w, keeping what the backward pass needs.
  template <class In>
  void forward(Workspace& w, const Eigen::Ref<const MatrixOf<In>>& x) const {
    const Index m = x.cols();
    w.input.leftCols(m) = x.template cast<Scalar>();
    for (std::size_t l = 0; l < W_.size(); ++l) {
      const Index cols = geometry_[l].s_out() * m;
      const Scalar* in = l == 0 ? w.input.data() : w.a[l - 1].data();
      conv::conv_forward<Scalar>(geometry_[l], m, in, W_[l], b_[l], w.cols[l].leftCols(cols), w.z[l].leftCols(cols));
      conv::activate_with_derivative<Scalar>(shape_.activation, w.z[l].leftCols(cols), w.a[l].leftCols(cols),
                                             w.dphi[l].leftCols(cols));
    }
  }

  /// E of the m images of w's last forward pass.
  Vec energies(const Workspace& w, Index m) const {
    const Eigen::Map<const Mat> a_last(w.a.back().data(), shape_.features(), m);
    return a_last.transpose() * w_out_;
  }

  /// Backward pass of dE_j/d(.) for every image j of w's last forward pass: parameter gradients
  /// summed over the images into w.dW, w.db (want_params), input gradients into w.input_grad.
  /// w.D[l] holds G_l = dE/dz_l: phi' is applied as each layer's input gradient is written.
  void backward(Workspace& w, Index m, bool want_input, bool want_params) const {
    const auto last = W_.size() - 1;
    // G_L = w_out phi'(z_L) for every image (dE/da_L = w_out).
    const Index f = shape_.features();
    for (Index j = 0; j < m; ++j)
      Eigen::Map<Vec>(w.D[last].data() + j * f, f).array() =
          w_out_.array() * Eigen::Map<const Vec>(w.dphi[last].data() + j * f, f).array();
    for (std::size_t l = W_.size(); l-- > 0;) {
      const Index cols = geometry_[l].s_out() * m;
      const auto G = w.D[l].leftCols(cols);
      if (want_params) conv::conv_backward_params<Scalar>(G, w.cols[l].leftCols(cols), w.dW[l], w.db[l]);
      if (l == 0 && !want_input) break;
      // G_{l-1} = col2im(W^T G_l) phi'(z_{l-1}) into the previous layer's D (dE/dx for the first
      // layer); the patches are no longer needed and hold W^T G_l.
      conv::conv_backward_input<Scalar>(geometry_[l], m, W_[l], G, w.cols[l].leftCols(cols),
                                        l > 0 ? w.D[l - 1].data() : w.input_grad.data(),
                                        l > 0 ? w.dphi[l - 1].data() : nullptr);
    }
  }

  ConvNetShape shape_;
  std::vector<conv::Geometry> geometry_;
  Index chunk_ = 1;
  Layout layout_;
  Vector theta_;
  // Working copies of the parameters (read by every thread) and one workspace per thread
  // (mutable: energy and gradients are const).
  mutable std::vector<Mat> W_;
  mutable std::vector<Vec> b_;
  mutable Vec w_out_;
  mutable std::vector<Workspace> workspace_;
};

}  // namespace shortrun
