#include "shortrun/core/config.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <charconv>

#include "shortrun/core/error.hpp"

namespace shortrun {
namespace {

void expect(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw BadInput(key + ": expected " + what);
}

void expect_one_of(const std::string& key, const std::string& value,
                   std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (value == a) return;
    list += list.empty() ? a : std::string(", ") + a;
  }
  throw BadInput(key + ": expected one of " + list + ", got '" + value + "'");
}

bool valid_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         });
}

/// The convnet's keys (image data, channel list, Langevin, sampled chains only).
void validate_convnet(const RunConfig& c) {
  expect_one_of("data.source", c.data_source, {"fashion-mnist", "idx", "blobs"});
  if (c.data_source == "idx") expect(!c.data_path.empty(), "data.path", "an IDX file");
  if (c.data_source == "blobs")
    expect(c.n_samples >= 1, "data.n_samples",
           "at least 1 blobs image (an empty data set cannot be trained on), got " + std::to_string(c.n_samples));
  if (c.data_source != "blobs") {
    expect(c.downscale == 1 || c.downscale == 2 || c.downscale == 4, "data.downscale", "1, 2 or 4");
    expect(c.binarize < 1, "data.binarize", "a threshold in [0, 1), or < 0 for grey levels");
  }
  std::string list;
  bool integers = !c.channels.empty();
  for (double ch : c.channels) {
    list += (list.empty() ? "" : ",") + format_value(ch);
    integers = integers && std::isfinite(ch) && ch >= 1 && ch <= 1024 && ch == std::floor(ch);
  }
  expect(integers && c.channels.size() <= 8, "model.channels",
         "a list of 1 to 8 integers in [1, 1024] (channels per conv layer, e.g. 16,32,64), got '" + list + "'");
  expect_one_of("model.activation", c.activation, {"silu", "leaky-relu"});
  expect_one_of("sampler.type", c.sampler_type, {"langevin"});
  expect_one_of("init.type", c.init_type, {"uniform", "gaussian"});
  expect(c.scheme != "exact" && c.moments == "sampled", c.scheme != "exact" ? "train.moments" : "train.scheme",
         "sampled chains for the convnet (rdm, cd or pcd): it has no exact moments");
}

}  // namespace

void RunConfig::resolve_defaults() {
  const bool gaussian = model_type == "gaussian";
  const bool convnet = model_type == "convnet";
  if (data_source.empty()) data_source = gaussian ? "gaussian" : convnet ? "fashion-mnist" : "spins";
  if (sampler_type.empty())
    sampler_type = gaussian || convnet ? "langevin" : model_type == "rbm" ? "block-gibbs" : "gibbs";
  if (init_type.empty()) init_type = gaussian ? "gaussian" : "uniform";
  if (spin.empty() && binary()) spin = model_type == "rbm" ? "01" : "pm1";
}

void RunConfig::validate() const {
  expect(valid_name(run_name), "run.name",
         "letters, digits, '-', '_' and '.' only (and not '.' or '..'), got '" + run_name + "'");
  expect(seed >= 0, "run.seed", "an integer >= 0");
  expect(std::isfinite(checkpoint_every) && checkpoint_every >= 0, "run.checkpoint_every", "seconds >= 0");
  if (model_type.empty()) throw BadInput("model.type: missing; expected one of gaussian, spins, bm, rbm, convnet");
  expect_one_of("model.type", model_type, {"gaussian", "spins", "bm", "rbm", "convnet"});
  expect(n_visible >= 0, "model.n_visible", "an integer >= 1");
  if (model_type == "rbm") expect(n_hidden >= 1, "model.n_hidden", "an integer >= 1 for the rbm");
  if (binary()) {
    expect_one_of("model.spin", spin, {"pm1", "01"});
    if (model_type == "rbm") expect(spin == "01", "model.spin", "01 for the rbm (Bernoulli units)");
    expect_one_of("data.source", data_source, {"spins", "ising", "bars-stripes", "idx", "hdf5", "fashion-mnist"});
    if (data_source == "idx" || data_source == "hdf5")
      expect(!data_path.empty(), "data.path", data_source == "idx" ? "an IDX file" : "file.h5:/dataset");
    if (data_source == "idx" || data_source == "fashion-mnist") {
      expect(binarize >= 0 && binarize < 1, "data.binarize", "a threshold in [0, 1): binary models need binary images");
      expect(downscale == 1 || downscale == 2 || downscale == 4, "data.downscale", "1, 2 or 4");
    }
    if (data_source == "ising") {
      expect(std::isfinite(beta), "data.beta", "a finite inverse temperature");
      expect_one_of("data.graph", graph, {"curie-weiss", "2d", "sk"});
      expect(n_visible >= 2, "model.n_visible", "the number of spins of the ising teacher (>= 2)");
    }
    if (data_source == "bars-stripes") expect(n_visible >= 1, "model.n_visible", "L^2 pixels of the L x L bars-and-stripes images");
    expect_one_of("init.type", init_type, {"uniform", "zeros", "data-mean"});
    if (model_type == "rbm") expect_one_of("sampler.type", sampler_type, {"block-gibbs"});
    else expect_one_of("sampler.type", sampler_type, {"gibbs", "gibbs-random", "metropolis", "metropolis-random"});
  } else if (model_type == "convnet") {
    validate_convnet(*this);
  } else {
    expect_one_of("data.source", data_source, {"gaussian"});
    expect_one_of("sampler.type", sampler_type, {"langevin"});
    expect_one_of("init.type", init_type, {"gaussian", "zeros"});
  }
  if (data_source == "spins") {
    expect(!magnetization.empty(), "data.magnetization", "one value or a list of magnetisations");
    const auto n = static_cast<std::int64_t>(magnetization.size());
    expect(n > 1 || n_visible > 0, "model.n_visible", "the number of units when data.magnetization is one value");
    expect(n_visible == 0 || n == 1 || n == n_visible, "model.n_visible",
           "the number of data.magnetization values (" + std::to_string(n) + ")");
    // In pm1 terms whatever model.spin says: unit i is up with probability (1 + m_i) / 2.
    for (double m : magnetization)
      expect(std::isfinite(m) && m > -1.0 && m < 1.0, "data.magnetization", "values in (-1, 1) (pm1 terms)");
  }
  expect(data_seed >= 0, "data.seed", "an integer >= 0");
  expect(n_samples >= 0, "data.n_samples", "an integer >= 0 (0: exact population moments)");
  if (data_source == "gaussian") {
    expect(!spectrum.empty(), "data.spectrum", "a list of covariance eigenvalues, e.g. 0.2,0.8,2,5");
    for (double c : spectrum)
      expect(std::isfinite(c) && c > 0, "data.spectrum", "positive finite eigenvalues");
    const auto n = static_cast<std::int64_t>(spectrum.size());
    expect(n_visible == 0 || n_visible == n || n == 1, "model.n_visible",
           "the number of data.spectrum values (" + std::to_string(n) + ") or 0, got " +
               std::to_string(n_visible));
    const std::int64_t dim = n == 1 && n_visible > 0 ? n_visible : n;
    expect(data_mean.empty() || data_mean.size() == 1 ||
               static_cast<std::int64_t>(data_mean.size()) == dim,
           "data.mean", "one value or " + std::to_string(dim) + " values");
    for (double m : data_mean) expect(std::isfinite(m), "data.mean", "finite values");
  }
  expect(std::isfinite(step) && step > 0, "sampler.step", "a number > 0");
  expect(std::isfinite(temperature) && temperature > 0, "sampler.temperature", "a number > 0");
  expect(std::isfinite(init_sigma) && init_sigma >= 0, "init.sigma", "a number >= 0");
  expect_one_of("train.scheme", scheme, {"rdm", "cd", "pcd", "exact"});
  expect(k >= 1, "train.k", "an integer >= 1, got " + std::to_string(k));
  expect(std::isfinite(lr) && lr > 0, "train.lr", "a number > 0");
  expect_one_of("train.optimizer", optimizer, {"sgd", "adam"});
  expect(std::isfinite(momentum) && momentum >= 0 && momentum < 1, "train.momentum", "a number in [0, 1)");
  expect(std::isfinite(l2) && l2 >= 0, "train.l2", "a number >= 0");
  expect(batch >= 0, "train.batch", "an integer >= 0 (0: all data)");
  expect(chains >= 1, "train.chains", "an integer >= 1");
  expect(updates >= 1, "train.updates", "an integer >= 1");
  expect_one_of("train.moments", moments, {"sampled", "exact"});
  expect(checkpoints >= 1, "train.checkpoints", "an integer >= 1");
  expect(log_every >= 0, "train.log_every", "an integer >= 0");
  expect(std::isfinite(init_coupling), "train.init_coupling", "a finite number");
  expect(t_max >= 0, "measure.t_max", "an integer >= 0");
  expect(t_points >= 2, "measure.t_points", "an integer >= 2");
  expect(measure_chains >= 2, "measure.chains", "an integer >= 2");
  expect_one_of("measure.moments", measure_moments, {"auto", "sampled", "exact"});
  expect_one_of("measure.equilibrium", equilibrium, {"auto", "theory", "exact", "long-run", "none"});
  expect(equilibrium_sweeps >= 0, "measure.equilibrium_sweeps", "an integer >= 0 (0: max(1000, 10 t_max))");
  expect_one_of("measure.at", measure_at, {"last", "all"});
  expect(measure_samples >= 0, "measure.samples", "an integer >= 0");
  expect(ais_runs == 0 || ais_runs >= 2, "measure.ais_runs", "0 (off) or an integer >= 2");
  expect(ais_temperatures >= 1, "measure.ais_temperatures", "an integer >= 1");
  expect(std::isfinite(data_noise) && data_noise >= 0, "data.noise", "a standard deviation >= 0");
  if (data_noise > 0 && model_type != "convnet")
    throw BadInput("data.noise: only the convnet adds noise to its data; expected 0 for model.type = " + model_type);
  // The convnet's image files read with data.n_samples = 0 load every image (validate_convnet).
  if (model_type != "convnet" && moments == "sampled" && scheme != "exact" && n_samples == 0)
    throw BadInput("data.n_samples: 0 (population moments) needs train.moments = exact; give a sample size");
}

std::string format_value(const std::string& v) { return v; }
std::string format_value(std::int64_t v) { return std::to_string(v); }
std::string format_value(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
  return std::string(buf, r.ptr);
}
std::string format_value(const std::vector<double>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + format_value(v[i]);
  return out;
}

std::string RunConfig::to_ini() const {
  std::string out, section;
  visit([&](const std::string& key, const auto& field, const char*, Sweep) {
    const std::string sec = key.substr(0, key.find('.'));
    if (sec != section) {
      out += (section.empty() ? "[" : "\n[") + sec + "]\n";
      section = sec;
    }
    out += key.substr(key.find('.') + 1) + " = " + format_value(field) + "\n";
  });
  return out;
}

}  // namespace shortrun
