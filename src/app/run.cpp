#include "shortrun/app/run.hpp"

#include <cstdio>
#include <filesystem>

#include "shortrun/app/binary_run.hpp"
#include "shortrun/app/convnet_run.hpp"
#include "shortrun/app/gaussian_run.hpp"
#include "shortrun/app/measure_run.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/io/resume_file.hpp"

namespace fs = std::filesystem;

namespace shortrun::cli {

PreparedRun prepare_run(const RunConfig& config, const std::string& run_id) {
  PreparedRun run;
  run.config = config;
  run.run_id = run_id;
  const fs::path folder = fs::path(config.run_out) / "runs";
  run.path = (folder / (run_id + ".h5")).string();
  run.resume_path = (folder / (run_id + ".ckpt.h5")).string();
  if (config.model_type == "convnet") run.data.data = make_convnet_data(config).data;
  else if (config.binary()) run.data.data = make_binary_data(config);
  else run.data = make_gaussian_data(config);
  check_measurement(config, run.data.data.dim());
  return run;
}

void ensure_output_folder(const std::string& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw BadInput(folder + ": cannot create the output folder: " + ec.message());
  const fs::path probe = fs::path(folder) / ".shortrun-write-test";
  FILE* f = std::fopen(probe.c_str(), "w");
  if (f == nullptr) throw BadInput(folder + ": the output folder is not writable");
  std::fclose(f);
  fs::remove(probe, ec);
}

bool agree_on_bad_input(const mpi::Communicator& world, const std::function<void()>& phase1) {
  std::string error;
  try {
    phase1();
  } catch (const BadInput& e) {
    error = e.what();
  } catch (const h5::Error& e) {
    error = e.what();
  }
  const int first_bad = world.min(error.empty() ? world.size() : world.rank());
  if (first_bad == world.size()) return false;
  world.broadcast(error, first_bad);
  if (world.rank() == 0) std::fprintf(stderr, "shortrun: error: %s\n", error.c_str());
  return true;
}

OnDisk inspect_on_disk(const std::string& run_path, const std::string& resume_path,
                       const RunConfig& config, bool force) {
  std::error_code ec;
  fs::remove(run_path + ".tmp", ec);  // a run file whose writing was killed: nothing in it counts
  fs::remove(resume_path + ".tmp", ec);
  const std::string mine = config.to_ini();
  auto refuse_or_delete = [&](const std::string& path, const std::string& why) {
    if (!force)
      throw BadInput(path + ": " + why + "; use another --out or run.name, or --force to replace it");
    fs::remove(path, ec);
  };
  if (fs::exists(resume_path)) {
    std::string config_text;
    try {
      config_text = io::read_resume_state(resume_path).config_text;
    } catch (const h5::Error& e) {
      refuse_or_delete(resume_path, std::string("unreadable resume checkpoint (") + e.what() + ")");
    }
    if (!config_text.empty() && config_text != mine) refuse_or_delete(resume_path, "resume checkpoint of another configuration");
    if (fs::exists(resume_path)) return OnDisk::resumable;
  }
  if (!fs::exists(run_path)) return OnDisk::nothing;
  std::string status, config_text;
  try {
    h5::File f(run_path, h5::File::Mode::read);
    io::check_run_schema(f);
    status = f.attr_string("status");
    config_text = f.attr_string("config");
  } catch (const h5::Error& e) {
    refuse_or_delete(run_path, std::string("exists and is not a readable run file (") + e.what() + ")");
    return OnDisk::nothing;
  } catch (const BadInput& e) {
    refuse_or_delete(run_path, "exists and is not a shortrun run file");
    return OnDisk::nothing;
  }
  if (config_text != mine) {
    refuse_or_delete(run_path, "exists with another configuration");
    return OnDisk::nothing;
  }
  if (status == "completed" || status == "diverged") return OnDisk::completed;
  return OnDisk::nothing;  // interrupted or failed without a checkpoint: run again from the start
}

namespace {

/// The leader's resume state, sent to the team (what every rank needs to continue).
void broadcast_resume(io::ResumeState& s, const mpi::Communicator& team) {
  std::int64_t dims[7] = {s.step, s.params.size(), s.chains.rows(), s.chains.cols(),
                          s.moments_mean.size(), s.chains_started ? 1 : 0, s.optimizer.size()};
  for (auto& d : dims) team.broadcast(d, 0);
  s.step = dims[0];
  s.params.resize(dims[1]);
  s.chains.resize(dims[2], dims[3]);
  s.moments_mean.resize(dims[4]);
  s.moments_cov.resize(dims[4], dims[4]);
  s.chains_started = dims[5] != 0;
  s.optimizer.resize(dims[6]);
  auto bcast = [&](auto& m) { team.broadcast({m.data(), static_cast<std::size_t>(m.size())}, 0); };
  bcast(s.params);
  bcast(s.chains);
  bcast(s.moments_mean);
  bcast(s.moments_cov);
  bcast(s.optimizer);
  team.broadcast({&s.elapsed_s, 1}, 0);
}

void write_run_file(const PreparedRun& run, const ModelOutcome& out, const std::string& status,
                    const std::string& reason, int mpi_ranks,
                    const std::vector<CheckpointMeasurement>& measurements) {
  io::RunWriter writer(run.path, run.config, io::RunMeta{run.run_id, mpi_ranks});
  try {
    writer.write_data(run.data.data);
    if (run.config.model_type == "convnet") {
      h5::Group data_group = writer.file().open_group("data");
      write_image_examples(data_group, run.data.data, 64);
    }
    for (const auto& [step, params] : out.record.checkpoints) writer.write_checkpoint(step, out.layout, params);
    writer.write_train_log(out.record.log);
    const bool completed = status == "completed";
    if (run.config.model_type == "gaussian") {
      const Matrix J = out.block("J");
      write_gaussian_theory(writer.file(), run.config, run.data, completed ? &J : nullptr);
    } else if (run.config.model_type == "spins") {
      const Vector h = out.block("h");
      write_spins_theory(writer.file(), run.config, run.data.data, completed ? &h : nullptr);
    }
    if (!measurements.empty()) write_measurements(writer.file(), run.config, run.data.data.dim(), measurements);
    writer.finish(status, reason);
  } catch (...) {
    writer.discard();
    throw;
  }
}

}  // namespace

RunResult execute_run(const PreparedRun& run, mpi::Communicator& team, const RunContext& context) {
  const bool leader = team.rank() == 0;
  std::int64_t resuming = leader && fs::exists(run.resume_path) ? 1 : 0;
  team.broadcast(resuming, 0);
  io::ResumeState resume;
  if (resuming != 0) {
    if (leader) resume = io::read_resume_state(run.resume_path);
    broadcast_resume(resume, team);
  }

  TrainHooks hooks;
  hooks.show_progress = context.show_progress;
  hooks.stop = context.stop;
  hooks.tick = context.tick;
  hooks.resume = resuming != 0 ? &resume : nullptr;
  hooks.save = [&](const io::ResumeState& state) { io::write_resume_state(run.resume_path, state); };
  const ModelOutcome model =
      run.config.model_type == "convnet"
          ? train_convnet(run.config, run.data.data, team, hooks)
      : run.config.binary() ? train_binary(run.config, run.data.data, team, hooks)
                            : train_gaussian(run.config, run.data, team, hooks);
  const TrainRecord& out = model.record;

  RunResult result;
  switch (out.train.status) {
    case TrainOutcome::Status::completed: result.status = "completed"; break;
    case TrainOutcome::Status::diverged: result.status = "diverged"; break;
    case TrainOutcome::Status::interrupted: result.status = "interrupted"; break;
  }
  result.reason = out.train.reason;
  if (out.train.status == TrainOutcome::Status::interrupted && context.stop != nullptr)
    result.reason += " (" + context.stop->stop_reason() + ")";
  result.updates_done = out.train.last_step;
  result.wall_s = out.wall_s;
  if (result.status == "completed") {
    if (run.config.model_type == "gaussian")
      result.table = gaussian_summary_table(run.config, run.data, model.block("J"), &result.theory_gap);
    else if (run.config.model_type == "spins")
      result.table = spins_summary_table(run.config, run.data.data, model.block("h"), &result.theory_gap);
  }
  // The measurement runs on the whole team after a completed training (the status is the same on
  // every rank: it comes from the all-reduced gradient).
  std::vector<CheckpointMeasurement> measurements;
  if (result.status == "completed") {
    std::vector<std::pair<Index, Vector>> measured;
    if (run.config.measure_at == "all") measured = out.checkpoints;
    else measured.emplace_back(out.train.last_step, model.params);
    measurements = measure_checkpoints(run.config, run.data, measured, team, context.show_progress, run.run_id);
    result.table += measurement_summary(run.config, measurements);
    if (!measurements.empty()) {
      const MeasuredErrors e = measured_errors(run.config, measurements.back());
      result.err_k = e.at_k;
      result.err_min = e.min;
      result.err_eq = e.equilibrium;
    }
  }
  if (leader) {
    write_run_file(run, model, result.status, result.reason, team.size(), measurements);
    std::error_code ec;
    if (result.status != "interrupted") fs::remove(run.resume_path, ec);
  }
  return result;
}

}  // namespace shortrun::cli
