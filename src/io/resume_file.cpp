#include "shortrun/io/resume_file.hpp"

#include <algorithm>
#include <filesystem>

#include "shortrun/io/h5.hpp"
#include "shortrun/io/run_file.hpp"

namespace shortrun::io {

void write_resume_state(const std::string& path, const ResumeState& s) {
  const std::string tmp = path + ".tmp";
  {
    h5::File f(tmp, h5::File::Mode::create);
    f.attr("schema", kResumeSchema);
    f.attr("schema_version", std::int64_t{1});
    f.attr("config", s.config_text);
    f.attr("step", static_cast<std::int64_t>(s.step));
    f.attr("elapsed_s", s.elapsed_s);
    f.attr("chains_started", static_cast<std::int64_t>(s.chains_started ? 1 : 0));
    f.attr("written", utc_now());
    f.write("params", s.params);
    f.write("chains", s.chains);
    f.write("moments_mean", s.moments_mean);
    f.write("moments_cov", s.moments_cov);
    f.write("optimizer", s.optimizer);
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
  if (!f.has_attr("schema") || f.attr_string("schema") != kResumeSchema)
    throw h5::Error("HDF5: " + path + " is not a shortrun resume checkpoint");
  ResumeState s;
  s.config_text = f.attr_string("config");
  s.step = f.attr_int("step");
  s.elapsed_s = f.attr_double("elapsed_s");
  s.chains_started = f.attr_int("chains_started") != 0;
  s.params = f.read_vector("params");
  s.chains = f.read_matrix("chains");
  s.moments_mean = f.read_vector("moments_mean");
  s.moments_cov = f.read_matrix("moments_cov");
  s.optimizer = f.read_vector("optimizer");
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
