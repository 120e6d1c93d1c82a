#include "shortrun/app/run.hpp"

#include <cmath>
#include <cstdio>
#include <memory>
#include <filesystem>

#include "shortrun/app/measure_run.hpp"
#include "shortrun/app/provenance.hpp"
#include "shortrun/app/train_loop.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/families/composition.hpp"
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
  run.data = families::make_data(config);
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
    } catch (const BadInput& e) {
      refuse_or_delete(resume_path, std::string("unusable resume checkpoint (") + e.what() + ")");
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
    refuse_or_delete(run_path, std::string("exists and is not a run file this shortrun reads (") + e.what() + ")");
    return OnDisk::nothing;
  }
  if (config_text != mine) {
    refuse_or_delete(run_path, "exists with another configuration");
    return OnDisk::nothing;
  }
  const auto s = find_name<RunStatus>(status);
  if (s == RunStatus::completed || s == RunStatus::diverged) return OnDisk::completed;
  return OnDisk::nothing;  // interrupted or failed without a checkpoint: run again from the start
}

State gather_state(State state, mpi::Communicator& team) {
  for (StateBlock& b : state.blocks()) {
    if (!b.split) continue;
    Matrix all = Matrix::Zero(b.value.rows(), b.total_columns);
    all.middleCols(b.first_column, b.value.cols()) = b.value;
    team.sum_inplace({all.data(), static_cast<std::size_t>(all.size())});
    b.value = std::move(all);
    b.first_column = 0;
  }
  return state;
}

State local_state(const State& team_state, const State& mine) {
  State out;
  for (const StateBlock& b : team_state.blocks()) {
    const StateBlock* local = mine.find(b.name);
    if (b.split && local != nullptr && local->split) {
      if (b.value.cols() != local->total_columns) continue;  // another chain count: not this run's
      out.add_split(b.name, b.value.middleCols(local->first_column, local->value.cols()), local->first_column,
                    local->total_columns);
    } else {
      out.add(b.name, b.value);
    }
  }
  return out;
}

std::string log_path(const PreparedRun& run) {
  const fs::path p(run.path);
  return (p.parent_path() / (p.stem().string() + ".log.jsonl")).string();
}

namespace {

void broadcast_state(State& s, const mpi::Communicator& team) {
  std::int64_t n = static_cast<std::int64_t>(s.blocks().size());
  team.broadcast(n, 0);
  s.blocks().resize(static_cast<std::size_t>(n));
  for (StateBlock& b : s.blocks()) {
    team.broadcast(b.name, 0);
    std::int64_t dims[3] = {b.value.rows(), b.value.cols(), b.split ? 1 : 0};
    for (auto& d : dims) team.broadcast(d, 0);
    b.value.resize(dims[0], dims[1]);
    b.split = dims[2] != 0;
    b.total_columns = dims[1];
    team.broadcast({b.value.data(), static_cast<std::size_t>(b.value.size())}, 0);
  }
}

/// The leader's resume state, sent to the team (what every rank needs to continue).
void broadcast_resume(io::ResumeState& s, const mpi::Communicator& team) {
  std::int64_t dims[2] = {s.step, s.params.size()};
  for (auto& d : dims) team.broadcast(d, 0);
  s.step = dims[0];
  s.params.resize(dims[1]);
  team.broadcast({s.params.data(), static_cast<std::size_t>(s.params.size())}, 0);
  broadcast_state(s.estimator, team);
  broadcast_state(s.optimizer, team);
  team.broadcast({&s.elapsed_s, 1}, 0);
}

void write_run_file(const PreparedRun& run, const ModelOutcome& out, const RunResult& result, const io::RunMeta& meta,
                    const std::vector<CheckpointMeasurement>& measurements) {
  const RunStatus status = result.status;
  const std::string& reason = result.reason;
  io::RunWriter writer(run.path, run.config, meta);
  try {
    // The distance to the closed-form fixed point (NaN: no theory or not completed; inf: no fixed
    // point), kept so that a re-run sweep's manifest reads it back instead of losing it.
    writer.file().attr("theory_gap", result.theory_gap);
    writer.write_data(run.data);
    const Index side = image_side(run.config, run.data.dim());
    if (const Index n = families::example_images(run.config); n > 0) writer.write_image_examples(run.data, n);
    for (const auto& [step, params] : out.record.checkpoints) writer.write_checkpoint(step, out.layout, params);
    writer.write_train_log(out.record.log);
    const bool completed = status == RunStatus::completed;
    if (const auto theory = families::theory_tables(run.config, run.data, completed ? &out.params : nullptr))
      writer.write_theory(*theory);
    if (!measurements.empty()) writer.write_measurements(run.config, side, measurements);
    writer.finish(status, reason);
  } catch (...) {
    writer.discard();
    throw;
  }
}

/// Trains the run's configuration on `team` through the composition (collective).
ModelOutcome train_run(const PreparedRun& run, mpi::Communicator& team, const TrainHooks& hooks) {
  const RunConfig& c = run.config;
  const families::TeamPosition position{team.rank(), team.size()};
  return families::with_run_types(c, run.data, position,
                                  [&](auto, auto& model, const auto&, const auto&, auto& estimator, auto& optimizer) {
                                    using Scalar = ScalarOf<std::remove_cvref_t<decltype(estimator)>>;
                                    DataTermOf<Scalar> data_term(run.data, c.batch, static_cast<std::uint64_t>(c.seed),
                                                                 team.rank(), team.size());
                                    data_term.set_noise(c.data_noise);
                                    TrainRecord record =
                                        train_with_hooks(model, data_term, estimator, optimizer, team, c, hooks);
                                    return ModelOutcome{std::move(record), model.layout(), model.params()};
                                  });
}

}  // namespace

RunResult execute_run(const PreparedRun& run, mpi::Communicator& team, TrainHooks hooks) {
  const bool leader = team.rank() == 0;
  std::int64_t resuming = leader && fs::exists(run.resume_path) ? 1 : 0;
  team.broadcast(resuming, 0);
  io::ResumeState resume;
  if (resuming != 0) {
    if (leader) resume = io::read_resume_state(run.resume_path);
    broadcast_resume(resume, team);
  }

  hooks.resume = resuming != 0 ? &resume : nullptr;
  const std::string started = resuming != 0 && !resume.started.empty() ? resume.started : io::utc_now();
  const io::Provenance provenance = app_provenance(team, started);  // collective: every rank
  hooks.save = [&](const io::ResumeState& state) {
    io::ResumeState with_start = state;
    with_start.started = started;
    io::write_resume_state(run.resume_path, with_start);
  };
  // The training log as JSON lines, one object per logged update, flushed at once so that it can
  // be followed while the run goes on (tail -f); a resumed run appends to it.
  std::unique_ptr<FILE, int (*)(FILE*)> live(nullptr, &std::fclose);
  if (leader) {
    live.reset(std::fopen(log_path(run).c_str(), resuming != 0 ? "a" : "w"));
    if (!live) throw BadInput(log_path(run) + ": cannot write the training log");
    hooks.log = [&](const TrainLogRow& row) {
      const auto number = [](double v) {
        char b[32];
        if (!std::isfinite(v)) return std::string("null");
        std::snprintf(b, sizeof b, "%.17g", v);
        return std::string(b);
      };
      std::fprintf(live.get(), "{\"step\": %lld, \"wall_s\": %s, \"grad_norm\": %s, \"param_norm\": %s}\n",
                   static_cast<long long>(row.step), number(row.wall_s).c_str(), number(row.grad_norm).c_str(),
                   number(row.param_norm).c_str());
      std::fflush(live.get());
    };
  }
  const ModelOutcome model = train_run(run, team, hooks);
  const TrainRecord& out = model.record;

  RunResult result;
  result.status = out.train.status;
  result.reason = out.train.reason;
  if (out.train.status == RunStatus::interrupted && hooks.stop != nullptr)
    result.reason += " (" + hooks.stop->stop_reason() + ")";
  result.updates_done = out.train.last_step;
  result.wall_s = out.wall_s;
  // The measurement runs on the whole team after a completed training (the status is the same on
  // every rank: it comes from the all-reduced gradient).
  std::vector<CheckpointMeasurement> measurements;
  if (result.status == RunStatus::completed) {
    result.table = families::summary_table(run.config, run.data, model.params, &result.theory_gap);
    std::vector<std::pair<Index, Vector>> measured;
    if (run.config.measure_at == MeasureAt::all) measured = out.checkpoints;
    else measured.emplace_back(out.train.last_step, model.params);
    measurements = measure_checkpoints(run.config, run.data, measured, team, hooks.show_progress, run.run_id);
    result.table += measurement_summary(run.config, measurements);
    if (!measurements.empty()) {
      const MeasuredErrors e = measured_errors(run.config, measurements.back());
      result.err_k = e.at_k;
      result.err_min = e.min;
      result.err_eq = e.equilibrium;
    }
  }
  if (leader) {
    write_run_file(run, model, result, io::RunMeta{run.run_id, team.size(), provenance}, measurements);
    std::error_code ec;
    if (result.status != RunStatus::interrupted) fs::remove(run.resume_path, ec);
  }
  return result;
}

}  // namespace shortrun::cli
