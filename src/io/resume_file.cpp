#include "shortrun/io/resume_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "shortrun/core/error.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/io/run_file.hpp"

namespace shortrun::io {

void write_state(h5::Group& group, const State& state) {
  for (const StateBlock& b : state.blocks()) {
    group.write(b.name, b.value);
    if (b.split) group.attr("split:" + b.name, std::int64_t{1});
  }
}

State read_state(const h5::Group& group) {
  State s;
  for (const auto& name : group.children()) {
    Matrix value = group.read_matrix(name);
    if (group.has_attr("split:" + name)) {
      const Index cols = value.cols();
      s.add_split(name, std::move(value), 0, cols);
    } else {
      s.add(name, std::move(value));
    }
  }
  return s;
}

void write_resume_state(const std::string& path, const ResumeState& s) {
  const std::string tmp = path + ".tmp";
  {
    h5::File f(tmp, h5::File::Mode::create);
    f.attr("schema", kResumeSchema);
    f.attr("schema_version", kResumeSchemaVersion);
    f.attr("config", s.config_text);
    f.attr("step", static_cast<std::int64_t>(s.step));
    f.attr("elapsed_s", s.elapsed_s);
    f.attr("started", s.started);
    f.attr("segments", s.segments);
    f.attr("written", utc_now());
    f.write("params", s.params);
    h5::Group est = f.create_group("estimator");
    write_state(est, s.estimator);
    h5::Group opt = f.create_group("optimizer");
    write_state(opt, s.optimizer);
    h5::Group log = f.create_group("log");
    write_train_log(log, s.log);
    h5::Group ck = f.create_group("checkpoints");
    // The earlier checkpoints are copied from the file this one replaces, file to file: none of
    // them passes through this process's vectors.
    std::optional<h5::File> previous;
    for (const Index step_k : s.checkpoint_steps) {
      const std::string name = std::to_string(step_k);
      if (step_k == s.step) {
        ck.write(name, s.params);
        continue;
      }
      if (!previous) {
        if (!std::filesystem::exists(path))
          throw std::logic_error(path + ": no earlier resume checkpoint to copy checkpoint " + name + " from");
        previous.emplace(path, h5::File::Mode::read);
      }
      if (!previous->exists("checkpoints/" + name))
        throw std::logic_error(path + ": the earlier resume checkpoint lacks checkpoint " + name);
      ck.copy_from(*previous, "checkpoints/" + name, name);
    }
    previous.reset();
    f.close();
  }
  std::filesystem::rename(tmp, path);
}

ResumeState read_resume_state(const std::string& path) {
  h5::File f(path, h5::File::Mode::read);
  check_schema(f, kResumeSchema, kResumeSchemaVersion);
  ResumeState s;
  s.config_text = f.attr_string("config");
  s.step = f.attr_int("step");
  s.elapsed_s = f.attr_double("elapsed_s");
  if (f.has_attr("started")) s.started = f.attr_string("started");
  if (f.has_attr("segments")) s.segments = f.attr_string("segments");
  s.params = f.read_vector("params");
  s.estimator = read_state(f.open_group("estimator"));
  s.optimizer = read_state(f.open_group("optimizer"));
  const auto step = f.read_ints("log/step");
  const Vector wall = f.read_vector("log/wall_s"), grad = f.read_vector("log/grad_norm"),
               param = f.read_vector("log/param_norm");
  const auto rows = static_cast<Index>(step.size());
  if (wall.size() != rows || grad.size() != rows || param.size() != rows)
    throw BadInput(path + ": the columns of /log differ in length; expected one value per logged step");
  for (std::size_t i = 0; i < step.size(); ++i) {
    const auto j = static_cast<Index>(i);
    s.log.push_back({step[i], wall[j], grad[j], param[j]});
  }
  const h5::Group ck = f.open_group("checkpoints");
  for (const auto& name : ck.children()) {
    Index step_k = -1;
    const auto r = std::from_chars(name.data(), name.data() + name.size(), step_k);
    if (name.empty() || r.ec != std::errc() || r.ptr != name.data() + name.size())
      throw BadInput(path + ": /checkpoints/" + name + " is not named by an update number");
    s.checkpoint_steps.push_back(step_k);
  }
  std::sort(s.checkpoint_steps.begin(), s.checkpoint_steps.end());
  return s;
}

Vector read_resume_checkpoint(const std::string& path, Index step) {
  const h5::File f(path, h5::File::Mode::read);
  const std::string name = "checkpoints/" + std::to_string(step);
  if (!f.exists(name)) throw BadInput(path + ": no /" + name + " in the resume checkpoint");
  return f.read_vector(name);
}

void check_resume_state(const ResumeState& s, Index updates, Index n_params, const std::string& path) {
  const auto bad = [&](const std::string& what) { return BadInput(path + ": resume checkpoint " + what); };
  if (s.step < 0 || s.step > updates)
    throw bad("at step " + std::to_string(s.step) + ", outside [0, train.updates = " + std::to_string(updates) + "]");
  if (!std::isfinite(s.elapsed_s) || s.elapsed_s < 0) throw bad("with elapsed_s " + std::to_string(s.elapsed_s));
  if (s.params.size() != n_params)
    throw bad("with " + std::to_string(s.params.size()) + " parameters; the model has " + std::to_string(n_params));
  if (!s.params.allFinite()) throw bad("with a NaN or Inf parameter");
  Index previous = -1;
  for (const Index step : s.checkpoint_steps) {
    if (step < 0 || step > s.step || step == previous)
      throw bad("with a checkpoint at step " + std::to_string(step) + " (resumed at " + std::to_string(s.step) + ")");
    previous = step;
    const Vector params = read_resume_checkpoint(path, step);
    if (params.size() != n_params || !params.allFinite())
      throw bad("with a bad checkpoint at step " + std::to_string(step) + " (length or values)");
  }
  for (const auto& row : s.log)
    if (row.step < 0 || row.step > s.step) throw bad("with a log row at step " + std::to_string(row.step));
  for (const StateBlock& b : s.optimizer.blocks())
    if (b.value.size() > 1 && b.value.size() != n_params)
      throw bad("with an optimizer block " + b.name + " of " + std::to_string(b.value.size()) +
                " values; the model has " + std::to_string(n_params) + " parameters");
  for (const State* state : {&s.estimator, &s.optimizer})
    for (const StateBlock& b : state->blocks())
      if (!b.value.allFinite()) throw bad("with a NaN or Inf in its state block " + b.name);
}

}  // namespace shortrun::io
