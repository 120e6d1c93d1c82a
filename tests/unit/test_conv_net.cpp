// The ConvNet energy against finite differences (the oracle): every layer's input and parameter
// gradients, then the whole network's dE/dx (Langevin) and dE/dtheta (training), in double with
// tight tolerances; float32, the production type, against double; shapes and bad shapes.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/thread_invariance.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/models/conv_net.hpp"
#include "shortrun/samplers/langevin.hpp"

using namespace shortrun;
using conv::Activation;
using MatD = conv::Mat<double>;
using VecD = conv::Vec<double>;

namespace {

MatD random_matrix(Index rows, Index cols, std::uint64_t index, double scale = 1.0) {
  Stream s(99, Purpose::data, index);
  MatD m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = scale * (2.0 * s.uniform() - 1.0);
  return m;
}

/// Central difference of f at entry i of v (v is restored).
template <class F>
double central_difference(double* v, F&& f, double h = 1e-6) {
  const double keep = *v;
  *v = keep + h;
  const double up = f();
  *v = keep - h;
  const double down = f();
  *v = keep;
  return (up - down) / (2 * h);
}

/// Largest |analytic - numeric| over entries, relative to max(1, largest |analytic|).
double worst_relative(const MatD& analytic, const MatD& numeric) {
  return (analytic - numeric).cwiseAbs().maxCoeff() / std::max(1.0, analytic.cwiseAbs().maxCoeff());
}

ConvNetShape shape_of(Index h, Index w, std::vector<Index> channels, Activation f) {
  ConvNetShape s;
  s.height = h;
  s.width = w;
  s.channels = std::move(channels);
  s.activation = f;
  return s;
}

/// Images with pixels in [-1, 1], as the model sees them.
Matrix random_images(Index n_pixels, Index n, std::uint64_t index) {
  Stream s(7, Purpose::data, index);
  Matrix x(n_pixels, n);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = 2.0 * s.uniform() - 1.0;
  return x;
}

}  // namespace

TEST_CASE("im2col and col2im are adjoint and im2col places the padded 3x3 stride-2 patches", "[convnet]") {
  for (const auto& [h, w] : {std::pair<Index, Index>{5, 6}, {7, 7}, {4, 3}, {1, 1}}) {
    conv::Geometry g;
    g.c_in = 2;
    g.c_out = 3;
    g.h_in = h;
    g.w_in = w;
    const Index n = 2;
    CHECK(g.h_out() == (h + 1) / 2);
    CHECK(g.w_out() == (w + 1) / 2);
    const MatD a = random_matrix(g.c_in, g.s_in() * n, 1);
    MatD cols(g.patch(), g.s_out() * n);
    conv::im2col<double>(g, n, a.data(), cols);
    // Entry by entry against the definition.
    for (Index j = 0; j < n; ++j)
      for (Index oy = 0; oy < g.h_out(); ++oy)
        for (Index ox = 0; ox < g.w_out(); ++ox)
          for (Index ky = 0; ky < 3; ++ky)
            for (Index kx = 0; kx < 3; ++kx)
              for (Index ci = 0; ci < g.c_in; ++ci) {
                const Index y = 2 * oy + ky - 1, x = 2 * ox + kx - 1;
                const bool inside = y >= 0 && y < h && x >= 0 && x < w;
                const double expected = inside ? a(ci, j * g.s_in() + y * w + x) : 0.0;
                CHECK(cols((ky * 3 + kx) * g.c_in + ci, (j * g.h_out() + oy) * g.w_out() + ox) == expected);
              }
    const MatD b = random_matrix(cols.rows(), cols.cols(), 2);
    MatD back(g.c_in, g.s_in() * n);
    conv::col2im<double>(g, n, b, back.data());
    CHECK(std::abs((cols.array() * b.array()).sum() - (a.array() * back.array()).sum()) < 1e-12);
  }
}

TEST_CASE("conv layer input weight and bias gradients match finite differences", "[convnet]") {
  conv::Geometry g;
  g.c_in = 2;
  g.c_out = 3;
  g.h_in = 5;
  g.w_in = 4;
  const Index n = 2;
  MatD a = random_matrix(g.c_in, g.s_in() * n, 3);
  MatD W = random_matrix(g.c_out, g.patch(), 4);
  VecD b = random_matrix(g.c_out, 1, 5);
  const MatD r = random_matrix(g.c_out, g.s_out() * n, 6);  // L = sum r .* z
  auto loss = [&] {
    MatD cols(g.patch(), g.s_out() * n), z(g.c_out, g.s_out() * n);
    conv::conv_forward<double>(g, n, a.data(), W, b, cols, z);
    return (r.array() * z.array()).sum();
  };
  MatD cols(g.patch(), g.s_out() * n), z(g.c_out, g.s_out() * n), dcols(g.patch(), g.s_out() * n);
  conv::conv_forward<double>(g, n, a.data(), W, b, cols, z);
  MatD dW = MatD::Zero(W.rows(), W.cols());
  VecD db = VecD::Zero(b.size());
  conv::conv_backward_params<double>(r, cols, dW, db);
  MatD da(a.rows(), a.cols());
  conv::conv_backward_input<double>(g, n, W, r, dcols, da.data());

  MatD num_a(a.rows(), a.cols()), num_W(W.rows(), W.cols()), num_b(b.size(), 1);
  for (Index i = 0; i < a.size(); ++i) num_a.data()[i] = central_difference(a.data() + i, loss);
  for (Index i = 0; i < W.size(); ++i) num_W.data()[i] = central_difference(W.data() + i, loss);
  for (Index i = 0; i < b.size(); ++i) num_b.data()[i] = central_difference(b.data() + i, loss);
  // The loss is linear in each argument: central differences are exact up to rounding (~1e-10).
  CHECK(worst_relative(da, num_a) < 1e-8);
  CHECK(worst_relative(dW, num_W) < 1e-8);
  CHECK(worst_relative(db, num_b) < 1e-8);
}

TEST_CASE("activation gradients match finite differences (silu and leaky-relu)", "[convnet]") {
  for (const Activation f : {Activation::silu, Activation::leaky_relu}) {
    INFO(conv::activation_name(f));
    MatD z = random_matrix(3, 40, 7, 4.0);
    // Keep LeakyReLU's kink out of the difference stencil.
    for (Index i = 0; i < z.size(); ++i)
      if (std::abs(z.data()[i]) < 1e-3) z.data()[i] = 0.5;
    const MatD r = random_matrix(3, 40, 8);
    auto loss = [&] {
      MatD y(z.rows(), z.cols());
      conv::activate<double>(f, z, y);
      return (r.array() * y.array()).sum();
    };
    MatD G = r;
    conv::activation_backward<double>(f, z, G);
    MatD num(z.rows(), z.cols());
    for (Index i = 0; i < z.size(); ++i) num.data()[i] = central_difference(z.data() + i, loss);
    CHECK(worst_relative(G, num) < 1e-8);
  }
}

TEST_CASE("fused activation with derivative equals activate and activation_backward", "[convnet]") {
  for (const Activation f : {Activation::silu, Activation::leaky_relu}) {
    INFO(conv::activation_name(f));
    // More columns than one block of the fused sweep (256), and an odd count.
    const MatD z = random_matrix(5, 601, 21, 6.0);
    const MatD D = random_matrix(5, 601, 22);
    MatD y(z.rows(), z.cols()), y_fused(z.rows(), z.cols()), dphi(z.rows(), z.cols());
    conv::activate<double>(f, z, y);
    conv::activate_with_derivative<double>(f, z, y_fused, dphi);
    CHECK((y - y_fused).cwiseAbs().maxCoeff() < 1e-14);
    MatD G = D;
    conv::activation_backward<double>(f, z, G);
    CHECK((G.array() - D.array() * dphi.array()).abs().maxCoeff() < 1e-14);
  }
  // float32: Eigen's rational logistic against the double reference, a few ulp.
  const conv::Mat<float> zf = random_matrix(3, 300, 23, 10.0).cast<float>();
  conv::Mat<float> yf(zf.rows(), zf.cols()), df(zf.rows(), zf.cols());
  conv::activate_with_derivative<float>(Activation::silu, zf, yf, df);
  const MatD zd = zf.cast<double>();
  const MatD s = (1.0 / (1.0 + (-zd.array()).exp())).matrix();
  CHECK((yf.cast<double>().array() - zd.array() * s.array()).abs().maxCoeff() < 1e-5);
  CHECK((df.cast<double>().array() - s.array() * (1.0 + zd.array() * (1.0 - s.array()))).abs().maxCoeff() < 1e-5);
}

TEST_CASE("col2im with a scale is col2im times the scale and conv_forward adds the bias", "[convnet]") {
  for (const auto& [h, w] : {std::pair<Index, Index>{5, 6}, {7, 7}, {4, 3}, {1, 1}, {2, 9}}) {
    for (const Index c_in : {Index{1}, Index{3}}) {
      conv::Geometry g;
      g.c_in = c_in;
      g.c_out = 2;
      g.h_in = h;
      g.w_in = w;
      const Index n = 3;
      const MatD dcols = random_matrix(g.patch(), g.s_out() * n, 24);
      const MatD scale = random_matrix(g.c_in, g.s_in() * n, 25);
      MatD plain(g.c_in, g.s_in() * n), scaled(g.c_in, g.s_in() * n);
      plain.setConstant(7.0);  // col2im overwrites: nothing of this may survive
      conv::col2im<double>(g, n, dcols, plain.data());
      conv::col2im<double>(g, n, dcols, scaled.data(), scale.data());
      CHECK((scaled.array() - plain.array() * scale.array()).abs().maxCoeff() < 1e-14);
      // Against the scatter-add definition of the adjoint of im2col.
      MatD scatter = MatD::Zero(g.c_in, g.s_in() * n);
      for (Index j = 0; j < n; ++j)
        for (Index oy = 0; oy < g.h_out(); ++oy)
          for (Index ox = 0; ox < g.w_out(); ++ox)
            for (Index ky = 0; ky < 3; ++ky)
              for (Index kx = 0; kx < 3; ++kx) {
                const Index y = 2 * oy + ky - 1, x = 2 * ox + kx - 1;
                if (y < 0 || y >= h || x < 0 || x >= w) continue;
                for (Index ci = 0; ci < g.c_in; ++ci)
                  scatter(ci, j * g.s_in() + y * w + x) +=
                      dcols((ky * 3 + kx) * g.c_in + ci, (j * g.h_out() + oy) * g.w_out() + ox);
              }
      CHECK((scatter - plain).cwiseAbs().maxCoeff() < 1e-14);
    }
  }
  conv::Geometry g;
  g.c_in = 2;
  g.c_out = 3;
  g.h_in = 5;
  g.w_in = 4;
  const MatD a = random_matrix(g.c_in, g.s_in() * 2, 26), W = random_matrix(g.c_out, g.patch(), 27);
  const VecD b = random_matrix(g.c_out, 1, 28);
  MatD cols(g.patch(), g.s_out() * 2), z(g.c_out, g.s_out() * 2);
  z.setConstant(5.0);  // overwritten, not accumulated into
  conv::conv_forward<double>(g, 2, a.data(), W, b, cols, z);
  CHECK(((W * cols).colwise() + b - z).cwiseAbs().maxCoeff() < 1e-13);
}

TEST_CASE("whole ConvNet dE/dx and dE/dtheta match finite differences in double", "[convnet]") {
  for (const Activation f : {Activation::silu, Activation::leaky_relu}) {
    INFO(conv::activation_name(f));
    // 9 x 11 images (odd sides exercise the padding): 9x11 -> 5x6 -> 3x3 -> 2x2.
    ConvNet<double> net(shape_of(9, 11, {3, 4, 2}, f));
    net.init_params(3);
    net.params() *= 3.0;  // larger weights: activations off their linear regime
    Matrix x = random_images(net.dim(), 3, 11);
    const double weight = 0.7;

    // dE/dx, every pixel of every image.
    Matrix gx;
    net.grad_x(x, gx);
    Matrix num_x(x.rows(), x.cols());
    for (Index i = 0; i < x.size(); ++i)
      num_x.data()[i] = central_difference(x.data() + i, [&] { return net.energy(x)[i / x.rows()]; });
    CHECK(worst_relative(gx, num_x) < 1e-7);

    // weight * sum_j dE(x_j)/dtheta, every parameter (the last block is the linear layer).
    Vector g = Vector::Zero(net.params().size());
    net.accumulate_grad_energy(x, weight, g);
    Vector num(net.params().size());
    for (Index i = 0; i < num.size(); ++i)
      num[i] = central_difference(net.params().data() + i, [&] { return weight * net.energy(x).sum(); });
    CHECK(worst_relative(g, num) < 1e-7);
    // Accumulating adds.
    Vector twice = g;
    net.accumulate_grad_energy(x, weight, twice);
    CHECK((twice - 2 * g).cwiseAbs().maxCoeff() < 1e-12 * std::max(1.0, g.cwiseAbs().maxCoeff()));
    // The linear layer's gradient is the last activation: with out_w scaled by s, E scales by s.
    const Block out = net.layout().block("out_w");
    const Vector e = net.energy(x);
    view(net.params(), out) *= 2.0;
    CHECK((net.energy(x) - 2 * e).cwiseAbs().maxCoeff() < 1e-12 * std::max(1.0, e.cwiseAbs().maxCoeff()));
  }
}

TEST_CASE("float32 ConvNet agrees with double and chunks of a large batch add up", "[convnet]") {
  const ConvNetShape shape = shape_of(14, 14, {16, 32, 64}, Activation::silu);
  ConvNet<double> ref(shape);
  ConvNet<float> fast(shape);
  ref.init_params(5);
  fast.params() = ref.params();
  // More images than one chunk, so energies and gradients cross a chunk boundary.
  const Index n = 3 * fast.chunk() + 44;
  const Matrix x = random_images(ref.dim(), n, 12);
  const Vector e_ref = ref.energy(x), e_fast = fast.energy(x);
  const double e_scale = e_ref.cwiseAbs().maxCoeff();
  CHECK((e_ref - e_fast).cwiseAbs().maxCoeff() < 1e-5 * e_scale);
  Matrix gx_ref, gx_fast;
  ref.grad_x(x, gx_ref);
  fast.grad_x(x, gx_fast);
  CHECK((gx_ref - gx_fast).cwiseAbs().maxCoeff() < 1e-4 * gx_ref.cwiseAbs().maxCoeff());
  Vector g_ref = Vector::Zero(ref.params().size()), g_fast = g_ref;
  ref.accumulate_grad_energy(x, 1.0 / static_cast<double>(n), g_ref);
  fast.accumulate_grad_energy(x, 1.0 / static_cast<double>(n), g_fast);
  CHECK((g_ref - g_fast).norm() < 1e-4 * g_ref.norm());
  // Column by column equals the batch (chunking changes nothing but rounding).
  Vector g_cols = Vector::Zero(ref.params().size());
  for (Index j = 0; j < n; j += 97) {
    const Index m = std::min<Index>(97, n - j);
    ref.accumulate_grad_energy(x.middleCols(j, m), 1.0 / static_cast<double>(n), g_cols);
  }
  CHECK((g_cols - g_ref).norm() < 1e-12 * g_ref.norm());
}

TEST_CASE("float32 chains: the ConvNet reads float images as their double values and ULA steps them in float",
          "[convnet][precision]") {
  // model.precision = float32 keeps the convnet's chains in float: the network converts its input
  // to float either way, so dE/dx and dE/dtheta of float chains are bitwise those of the same
  // values in double; the Langevin update x += -eta g + sqrt(2 eta T) xi (the same float noise)
  // is rounded to float once more, ~6e-8 relative to the pixels' scale (1), so within 1e-6.
  const ConvNetShape shape = shape_of(14, 14, {8, 16}, Activation::silu);
  ConvNet<float> net(shape);
  net.init_params(3);
  const Index n = 2 * net.chunk() + 5;
  const MatrixOf<float> xf = random_images(net.dim(), n, 41).cast<float>();
  const Matrix xd = xf.cast<double>();
  MatrixOf<float> gf;
  Matrix gd;
  net.grad_x(xf, gf);
  net.grad_x(xd, gd);
  CHECK(gf == gd.cast<float>());
  Vector thf = Vector::Zero(net.params().size()), thd = thf;
  net.accumulate_grad_energy(xf, 0.25, thf);
  net.accumulate_grad_energy(xd, 0.25, thd);
  CHECK(thf == thd);
  CHECK(thf.norm() > 0);
  MatrixOf<float> chains_f = xf, work_f;
  Matrix chains_d = xd, work_d;
  const Langevin ula(0.01, 1.0);
  const ChainStreams rng{6, Purpose::sampler, 0, 0, 0};
  ula.step(net, chains_f, rng.with_time(1, 0), work_f);
  ula.step(net, chains_d, rng.with_time(1, 0), work_d);
  const double moved = (chains_d - xd).cwiseAbs().maxCoeff();
  CHECK(moved > 0.05);  // the step moved the chains (noise sqrt(0.02) = 0.14 per pixel)
  CHECK((chains_f.cast<double>() - chains_d).cwiseAbs().maxCoeff() < 1e-6);
}

TEST_CASE("ConvNet layout names every tensor and bad shapes name model.channels", "[convnet]") {
  const ConvNet<float> net(shape_of(28, 28, {16, 32, 64}, Activation::silu));
  // 28 -> 14 -> 7 -> 4.
  CHECK(net.shape().out_height() == 4);
  const std::vector<std::string> names{"conv1_W", "conv1_b", "conv2_W", "conv2_b", "conv3_W", "conv3_b", "out_w"};
  REQUIRE(net.layout().blocks().size() == names.size());
  for (std::size_t i = 0; i < names.size(); ++i) CHECK(net.layout().blocks()[i].name == names[i]);
  CHECK(net.layout().block("conv2_W").rows == 32);
  CHECK(net.layout().block("conv2_W").cols == 9 * 16);
  CHECK(net.layout().block("out_w").rows == 64);
  CHECK(net.layout().block("out_w").cols == 16);
  CHECK(net.params().size() == 16 * 9 + 16 + 32 * 144 + 32 + 64 * 288 + 64 + 64 * 16);

  CHECK(ConvNetShape::min_side(1) == 3);
  CHECK(ConvNetShape::min_side(3) == 9);
  auto message = [](const ConvNetShape& s) {
    try {
      s.check();
    } catch (const BadInput& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // 8 x 8 through three layers: 8 -> 4 -> 2, the third layer's input is smaller than its kernel.
  CHECK(message(shape_of(8, 8, {4, 4, 4}, Activation::silu)).rfind("model.channels: 3 stride-2 conv layers", 0) == 0);
  CHECK(message(shape_of(9, 9, {4, 4, 4}, Activation::silu)).empty());
  CHECK(message(shape_of(28, 28, {}, Activation::silu)).rfind("model.channels: expected", 0) == 0);
  CHECK(message(shape_of(28, 28, {16, 0}, Activation::silu)).rfind("model.channels: expected", 0) == 0);
  CHECK_THROWS_AS(ConvNet<float>(shape_of(4, 4, {16, 32, 64}, Activation::silu)), BadInput);
}

TEST_CASE("ConvNet energies gradients and Langevin steps are bitwise the same on 1 to 4 threads", "[convnet][threads]") {
  // A build with SHORTRUN_OPENMP=ON runs the chunks (and the Langevin noise of each chain) on the
  // threads; without OpenMP every thread count runs the same serial loops and this holds trivially.
  // 64 first-layer channels keep the chunks small (about 20 images), so 5 chunks stay cheap.
  const ConvNetShape shape = shape_of(14, 14, {64, 8}, Activation::silu);
  ConvNet<float> net(shape);
  net.init_params(9);
  REQUIRE(net.chunk() <= 32);
  const Index n = 5 * net.chunk() + 3;  // several rounds of chunks, a short last one
  const Matrix x = random_images(net.dim(), n, 31);
  const ChainStreams rng{4, Purpose::sampler, 0, 0, 0};
  auto run = [&] {
    std::vector<Matrix> out;
    out.push_back(net.energy(x));
    Matrix gx;
    net.grad_x(x, gx);
    out.push_back(gx);
    Vector g = Vector::Zero(net.params().size());
    net.accumulate_grad_energy(x, 0.5, g);
    out.push_back(g);
    Matrix chains = x, work;
    const Langevin ula(0.01, 1.0);
    for (std::uint64_t s = 0; s < 3; ++s) ula.step(net, chains, rng.with_time(1, s), work);
    out.push_back(chains);
    MatrixOf<float> chains32 = x.cast<float>(), work32;  // model.precision = float32
    for (std::uint64_t s = 0; s < 3; ++s) ula.step(net, chains32, rng.with_time(1, s), work32);
    out.push_back(chains32.cast<double>());
    return out;
  };
  test::check_bitwise_same_on_any_thread_count(run);
}
