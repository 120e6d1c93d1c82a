#include "shortrun/config/run_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include "shortrun/core/error.hpp"

namespace shortrun {
namespace {

void expect(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw BadInput(key + ": expected " + what);
}

bool valid_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         });
}

}  // namespace

void RunConfig::validate_common() const {
  expect(valid_name(run_name), "run.name",
         "letters, digits, '-', '_' and '.' only (and not '.' or '..'), got '" + run_name + "'");
  expect(seed >= 0, "run.seed", "an integer >= 0");
  expect(std::isfinite(checkpoint_every) && checkpoint_every >= 0, "run.checkpoint_every", "seconds >= 0");
  if (!model_type) throw BadInput("model.type: missing; expected one of " + names_list<ModelType>());
  expect(n_visible >= 0, "model.n_visible", "an integer >= 1");
  expect(data_seed >= 0, "data.seed", "an integer >= 0");
  expect(n_samples >= 0, "data.n_samples", "an integer >= 0 (0: exact population moments)");
  expect(std::isfinite(step) && step > 0, "sampler.step", "a number > 0");
  expect(std::isfinite(temperature) && temperature > 0, "sampler.temperature", "a number > 0");
  expect(std::isfinite(init_sigma) && init_sigma >= 0, "init.sigma", "a number >= 0");
  expect(k >= 1, "train.k", "an integer >= 1, got " + std::to_string(k));
  expect(std::isfinite(lr) && lr > 0, "train.lr", "a number > 0");
  expect(std::isfinite(momentum) && momentum >= 0 && momentum < 1, "train.momentum", "a number in [0, 1)");
  expect(std::isfinite(l2) && l2 >= 0, "train.l2", "a number >= 0");
  expect(batch >= 0, "train.batch", "an integer >= 0 (0: all data)");
  expect(chains >= 1, "train.chains", "an integer >= 1");
  expect(updates >= 1, "train.updates", "an integer >= 1");
  expect(checkpoints >= 1, "train.checkpoints", "an integer >= 1");
  expect(std::isfinite(max_memory_gib) && max_memory_gib >= 0, "run.max_memory", "GiB >= 0 (0: automatic)");
  // Caps (README, "Errors"): counts beyond these are typing slips, and would otherwise fail late
  // (an allocation after training) or run for ever.
  const auto cap = [](std::int64_t value, std::int64_t max, const std::string& key) {
    if (value > max)
      throw BadInput(key + ": " + std::to_string(value) + " is above the cap " + std::to_string(max) +
                     " (README, Errors: caps)");
  };
  cap(n_visible, kMaxUnits, "model.n_visible");
  cap(n_hidden, kMaxUnits, "model.n_hidden");
  cap(n_samples, kMaxSamples, "data.n_samples");
  cap(k, kMaxSweeps, "train.k");
  cap(batch, kMaxSamples, "train.batch");
  cap(chains, kMaxChains, "train.chains");
  cap(updates, kMaxUpdates, "train.updates");
  cap(checkpoints, kMaxCheckpoints, "train.checkpoints");
  cap(t_max, kMaxSweeps, "measure.t_max");
  cap(t_points, kMaxTimePoints, "measure.t_points");
  cap(measure_chains, kMaxChains, "measure.chains");
  cap(equilibrium_sweeps, kMaxSweeps, "measure.equilibrium_sweeps");
  cap(measure_samples, kMaxChains, "measure.samples");
  cap(ais_runs, kMaxChains, "measure.ais_runs");
  cap(ais_temperatures, kMaxAisTemperatures, "measure.ais_temperatures");
  cap(static_cast<std::int64_t>(spectrum.size()), kMaxUnits, "data.spectrum");
  if (log_every > 0 && updates / log_every > kMaxLogRows)
    throw BadInput("train.log_every: " + std::to_string(log_every) + " gives " + std::to_string(updates / log_every) +
                   " rows of /train, above the cap " + std::to_string(kMaxLogRows) + " (README, Errors: caps)");
  expect(log_every >= 0, "train.log_every", "an integer >= 0");
  expect(std::isfinite(init_coupling), "train.init_coupling", "a finite number");
  expect(t_max >= 0, "measure.t_max", "an integer >= 0");
  expect(t_points >= 2, "measure.t_points", "an integer >= 2");
  expect(measure_chains >= 2, "measure.chains", "an integer >= 2");
  expect(equilibrium_sweeps >= 0, "measure.equilibrium_sweeps", "an integer >= 0 (0: max(1000, 10 t_max))");
  expect(measure_samples >= 0, "measure.samples", "an integer >= 0");
  expect(pt_replicas >= 1 && pt_replicas <= kMaxReplicas, "measure.pt_replicas",
         "an integer in [1, " + std::to_string(kMaxReplicas) + "]");
  expect(std::isfinite(pt_beta_min) && pt_beta_min > 0 && pt_beta_min < 1, "measure.pt_beta_min", "a number in (0, 1)");
  if (!pt_betas.empty()) {
    bool ladder = pt_betas.back() == 1.0 && static_cast<std::int64_t>(pt_betas.size()) <= kMaxReplicas;
    for (std::size_t r = 0; r < pt_betas.size(); ++r)
      ladder = ladder && std::isfinite(pt_betas[r]) && pt_betas[r] > 0 && (r == 0 || pt_betas[r] > pt_betas[r - 1]);
    expect(ladder, "measure.pt_betas", "increasing inverse temperatures in (0, 1], the last equal to 1, at most " +
                                           std::to_string(kMaxReplicas));
  }
  if (equilibrium == EquilibriumMethod::ptt) {
    expect(checkpoints >= 2, "train.checkpoints",
           "at least 2 with measure.equilibrium = ptt (its ladder is the run's earlier checkpoints)");
    expect(pt_replicas >= 2, "measure.pt_replicas",
           "at least 2 with measure.equilibrium = ptt (rungs of the ladder: up to pt_replicas - 1 earlier checkpoints and the measured one)");
  }
  expect(ais_runs == 0 || ais_runs >= 2, "measure.ais_runs", "0 (off) or an integer >= 2");
  expect(ais_temperatures >= 1, "measure.ais_temperatures", "an integer >= 1");
  expect(std::isfinite(data_noise) && data_noise >= 0, "data.noise", "a standard deviation >= 0");
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
  visit([&](const std::string& key, const auto& field, const char*, Sweep, Identity) {
    if (key == "run.max_memory") return;  // a resource limit, not part of what is computed
    const std::string sec = key.substr(0, key.find('.'));
    if (sec != section) {
      out += (section.empty() ? "[" : "\n[") + sec + "]\n";
      section = sec;
    }
    out += key.substr(key.find('.') + 1) + " = " + format_value(field) + "\n";
  });
  return out;
}

std::vector<std::string> RunConfig::differences(const std::string& stored, Identity which) const {
  // `stored` is to_ini() output: "[section]" lines and "key = value" lines, nothing else.
  std::map<std::string, std::string> old;
  std::istringstream in(stored);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
    } else if (const auto eq = line.find(" = "); eq != std::string::npos) {
      old[section + "." + line.substr(0, eq)] = line.substr(eq + 3);
    }
  }
  std::vector<std::string> out;
  visit([&](const std::string& key, const auto& field, const char*, Sweep, Identity identity) {
    if (identity != which || key == "run.max_memory") return;  // run.max_memory: not in to_ini()
    const std::string now = format_value(field);
    const auto it = old.find(key);
    const std::string before = it == old.end() ? "(absent)" : it->second;
    if (before != now) out.push_back(key + " = " + before + " (now " + now + ")");
  });
  return out;
}

}  // namespace shortrun
