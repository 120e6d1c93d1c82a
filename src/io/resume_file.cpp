#include "shortrun/io/resume_file.hpp"

#include <algorithm>
#include <filesystem>

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
    f.attr("written", utc_now());
    f.write("params", s.params);
    h5::Group est = f.create_group("estimator");
    write_state(est, s.estimator);
    h5::Group opt = f.create_group("optimizer");
    write_state(opt, s.optimizer);
    h5::Group log = f.create_group("log");
    write_train_log(log, s.log);
    h5::Group ck = f.create_group("checkpoints");
    for (const auto& [step_k, params] : s.checkpoints) ck.write(std::to_string(step_k), params);
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
  s.params = f.read_vector("params");
  s.estimator = read_state(f.open_group("estimator"));
  s.optimizer = read_state(f.open_group("optimizer"));
  const auto step = f.read_ints("log/step");
  const Vector wall = f.read_vector("log/wall_s"), grad = f.read_vector("log/grad_norm"),
               param = f.read_vector("log/param_norm");
  for (std::size_t i = 0; i < step.size(); ++i) {
    const auto j = static_cast<Index>(i);
    s.log.push_back({step[i], wall[j], grad[j], param[j]});
  }
  const h5::Group ck = f.open_group("checkpoints");
  std::vector<std::pair<Index, Vector>> checkpoints;
  for (const auto& name : ck.children()) checkpoints.emplace_back(std::stoll(name), ck.read_vector(name));
  std::sort(checkpoints.begin(), checkpoints.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  s.checkpoints = std::move(checkpoints);
  return s;
}

}  // namespace shortrun::io
