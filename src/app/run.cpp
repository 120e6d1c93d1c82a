#include "shortrun/app/run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>

#include "shortrun/app/commands.hpp"
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
  // Memory first from the declared size (before the data are drawn), then from the data's own.
  const Index declared = config.n_visible > 0 ? config.n_visible : static_cast<Index>(config.spectrum.size());
  check_memory(config, declared);
  run.data = families::make_data(config);
  check_memory(config, run.data.dim());
  return run;
}

namespace {

/// Whether the permission bits let anybody write (root ignores them, but a folder or file made
/// read-only is meant to stay so).
bool mode_writable(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return false;
  return (st.st_mode & 0222) != 0 && ::access(p.c_str(), W_OK) == 0;
}

/// The first number in a file (cgroup limits, "max" for none), or a negative one.
double read_number(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word)) return -1;
  char* end = nullptr;
  const double v = std::strtod(word.c_str(), &end);
  return end != word.c_str() && std::isfinite(v) && v > 0 ? v : -1;
}

double physical_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  double kib = 0;
  while (in >> key >> kib >> unit)
    if (key == "MemTotal:") return kib * 1024;
  return -1;
}

}  // namespace

void ensure_output_folder(const std::string& folder) {
  if (folder.empty()) throw BadInput("the output folder is empty; expected a folder (--out or run.out)");
  std::error_code ec;
  if (fs::exists(folder, ec) && !fs::is_directory(folder, ec))
    throw BadInput(folder + ": exists and is not a folder; expected an output folder (--out or run.out)");
  // The nearest folder that exists must be writable for the rest to be created in it.
  for (fs::path p = fs::absolute(folder, ec); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p, ec)) {
      if (fs::is_directory(p, ec) && !mode_writable(p))
        throw BadInput(folder + ": the output folder is not writable (" + p.string() + " is read-only)");
      break;
    }
    if (p == p.parent_path()) break;
  }
  fs::create_directories(folder, ec);
  if (ec) throw BadInput(folder + ": cannot create the output folder: " + ec.message());
  if (!mode_writable(folder)) throw BadInput(folder + ": the output folder is not writable");
  const fs::path probe = fs::path(folder) / ".shortrun-write-test";
  FILE* f = std::fopen(probe.c_str(), "w");
  if (f == nullptr) throw BadInput(folder + ": the output folder is not writable");
  std::fclose(f);
  fs::remove(probe, ec);
}

void check_output_file(const std::string& path, bool must_be_writable) {
  std::error_code ec;
  if (path.empty()) throw BadInput("an empty output path; expected a file name");
  const auto st = fs::status(path, ec);
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw BadInput(path + ": exists and is not a regular file (a directory?); expected a file to write");
  if (must_be_writable && fs::exists(st) && !mode_writable(path))
    throw BadInput(path + ": is read-only; make it writable (chmod u+w) to update it");
  const fs::path parent = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(parent, ec)) throw BadInput(path + ": its folder " + parent.string() + " does not exist");
  if (!mode_writable(parent)) throw BadInput(path + ": its folder " + parent.string() + " is not writable");
}

double memory_limit_bytes(const RunConfig& config) {
  if (config.max_memory_gib > 0) return config.max_memory_gib * 1024.0 * 1024.0 * 1024.0;
  double limit = physical_memory_bytes();
  for (const char* cg : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const double v = read_number(cg);
    if (v > 0 && (limit <= 0 || v < limit)) limit = v;
  }
  if (limit <= 0) return std::numeric_limits<double>::infinity();
  for (const char* var : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"})
    if (const char* v = std::getenv(var)) {
      const double ranks = std::strtod(v, nullptr);
      if (ranks >= 1) return limit / ranks;
    }
  return limit;
}

void check_memory(const RunConfig& config, Index dim) {
  const families::MemoryEstimate m = families::memory_estimate(config, dim);
  const double limit = memory_limit_bytes(config);
  if (m.bytes <= limit) return;
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  const bool model = m.model_bytes > limit;  // the model alone is too large: its size is the cause
  char buf[256];
  std::snprintf(buf, sizeof buf, ": the configuration needs about %.3g GiB per rank (%.3g GiB of it for %s), "
                "more than the %.3g GiB a rank may use",
                m.bytes / kGiB, (model ? m.model_bytes : m.key_bytes) / kGiB,
                model ? "the model, its optimizer and gradient statistics" : "this key", limit / kGiB);
  throw BadInput((model ? m.size_key : m.key) + buf + (config.max_memory_gib > 0 ? " (run.max_memory)" : " (cgroup limit or physical memory over the node's ranks; run.max_memory sets it)"));
}

int agree_on_bad_input(const mpi::Communicator& world, const std::function<void()>& phase1) {
  std::string error;
  int code = 0;
  try {
    phase1();
  } catch (const BadInput& e) {
    error = std::string("shortrun: error: ") + e.what();
    code = kExitBadInput;
  } catch (const h5::Error& e) {
    error = std::string("shortrun: error: ") + BadInput::one_line(e.what());
    code = kExitBadInput;
  } catch (const std::bad_alloc&) {
    error = "shortrun: internal error on rank " + std::to_string(world.rank()) +
            ": out of memory before training (a configuration larger than the memory estimate; set run.max_memory)";
    code = kExitInternal;
  } catch (const std::exception& e) {
    error = "shortrun: internal error on rank " + std::to_string(world.rank()) + ": " + BadInput::one_line(e.what());
    code = kExitInternal;
  }
  const int first_bad = world.min(error.empty() ? world.size() : world.rank());
  if (first_bad == world.size()) return 0;
  world.broadcast(error, first_bad);
  std::int64_t agreed = code;
  world.broadcast(agreed, first_bad);
  if (world.rank() == 0) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::fflush(stderr);
  }
  return static_cast<int>(agreed);
}

int agree_on_one_configuration(const mpi::Communicator& world, const std::string& text) {
  std::string leaders = text;
  world.broadcast(leaders, 0);
  return agree_on_bad_input(world, [&] {
    if (text == leaders) return;
    // The first differing line, named "section.key" from the [section] above it.
    std::istringstream mine(text), theirs(leaders);
    std::string a, b, section;
    while (true) {
      const bool more_a = static_cast<bool>(std::getline(mine, a));
      const bool more_b = static_cast<bool>(std::getline(theirs, b));
      if (!more_a) a = "(nothing)";
      if (!more_b) b = "(nothing)";
      if (a != b || (!more_a && !more_b)) break;
      if (a.starts_with('[')) section = a.substr(1, a.find(']') - 1) + ".";
    }
    throw BadInput("rank " + std::to_string(world.rank()) + " was started with another configuration than rank 0 ('" +
                   section + a + "' against rank 0's '" + section + b +
                   "'): every rank of the job must be given the same command, config file and --set overrides");
  });
}

void inject_fault_for_tests() {
  if (const char* fault = std::getenv("SHORTRUN_INJECT_FAULT");
      fault != nullptr && std::atoi(fault) == mpi::Communicator::world().rank())
    throw std::runtime_error("injected fault (SHORTRUN_INJECT_FAULT)");
}

int fail_job(const std::exception& e) {
  const mpi::Communicator world = mpi::Communicator::world();
  const bool bad_input = dynamic_cast<const BadInput*>(&e) != nullptr;
  const int code = bad_input ? kExitBadInput : kExitInternal;
  if (bad_input) std::fprintf(stderr, "shortrun: error: %s\n", e.what());
  else if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr)
    std::fprintf(stderr, "shortrun: internal error on rank %d: out of memory (set run.max_memory to the memory a rank may use)\n",
                 world.rank());
  else
    std::fprintf(stderr, "shortrun: internal error on rank %d: %s\n", world.rank(), BadInput::one_line(e.what()).c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  if (world.size() > 1) MPI_Abort(MPI_COMM_WORLD, code);  // the other ranks may wait in a collective
  return code;
}

namespace {

/// "a; b; c": the differing keys of a configuration, on one line.
std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : "; ") + item;
  return out;
}

/// "<stem>.replaced-<UTC time>.h5" beside `path`, a name not yet taken.
std::string replaced_name(const std::string& path) {
  const fs::path p(path);
  std::string stamp = io::utc_now();  // 2026-12-05T18:34:08Z
  std::erase(stamp, ':');
  for (int n = 0;; ++n) {
    const fs::path candidate = p.parent_path() / (p.stem().string() + ".replaced-" + stamp +
                                                  (n > 0 ? "-" + std::to_string(n) : "") + p.extension().string());
    if (!fs::exists(candidate)) return candidate.string();
  }
}

}  // namespace

void set_aside_result(const std::string& path, const std::string& what, const std::string& why, bool force,
                      const std::string& advice) {
  if (!force) throw BadInput(path + ": " + why + "; " + advice);
  const std::string kept = replaced_name(path);
  std::error_code ec;
  fs::rename(path, kept, ec);
  if (ec) throw BadInput(path + ": cannot be renamed to " + kept + " (" + ec.message() + ")");
  std::fprintf(stderr, "shortrun: --force: kept the previous %s as %s (%s)\n", what.c_str(), kept.c_str(),
               why.c_str());
}

void validate_resume(const io::ResumeState& s, const RunConfig& config, Index n_params, const std::string& path) {
  if (const std::vector<std::string> diff = config.differences(s.config_text); !diff.empty())
    throw BadInput(path + ": resume checkpoint of another configuration (" + join(diff) + ")");
  io::check_resume_state(s, config.updates, n_params, path);
}

OnDisk inspect_on_disk(const std::string& run_path, const std::string& resume_path,
                       const RunConfig& config, bool force, const std::function<Index()>& n_params) {
  check_output_file(run_path);
  check_output_file(resume_path);
  check_output_file(log_path(run_path));  // phase 1 finds it, not the team that trains the run
  std::error_code ec;
  fs::remove(run_path + ".tmp", ec);  // a run file whose writing was killed: nothing in it counts
  fs::remove(resume_path + ".tmp", ec);
  for (const std::string& tmp : {run_path + ".tmp", resume_path + ".tmp"})
    if (fs::exists(tmp, ec))
      throw BadInput(tmp + ": exists and cannot be removed (a directory?); remove it");
  const std::string advice = "use another --out or run.name, or --force to replace it";
  if (fs::exists(resume_path)) {
    std::string why;
    try {
      validate_resume(io::read_resume_state(resume_path), config, n_params(), resume_path);
    } catch (const h5::Error& e) {
      why = std::string("unreadable resume checkpoint (") + e.what() + ")";
    } catch (const BadInput& e) {
      why = std::string("unusable (") + e.what() + ")";
    }
    if (!why.empty()) {
      if (!force) throw BadInput(resume_path + ": " + why + "; " + advice);
      fs::remove(resume_path, ec);  // a checkpoint is not a result: --force discards it
      std::fprintf(stderr, "shortrun: --force: removed %s (%s)\n", resume_path.c_str(), why.c_str());
    }
    if (fs::exists(resume_path)) return OnDisk::resumable;
  }
  if (!fs::exists(run_path)) return OnDisk::nothing;
  // A run file is a result: --force keeps it under another name, it never deletes one.
  const auto set_aside = [&](const std::string& why) {
    set_aside_result(run_path, "run file", why, force, advice);
    return OnDisk::nothing;
  };
  std::string status, config_text;
  try {
    h5::File f(run_path, h5::File::Mode::read);
    io::check_run_schema(f);
    status = f.attr_string("status");
    config_text = f.attr_string("config");
  } catch (const h5::Error& e) {
    return set_aside(std::string("exists and is not a readable run file (") + e.what() + ")");
  } catch (const BadInput& e) {
    return set_aside(std::string("exists and is not a run file this shortrun reads (") + e.what() + ")");
  }
  if (const std::vector<std::string> diff = config.differences(config_text); !diff.empty())
    return set_aside("exists with another configuration (" + join(diff) + ")");
  const auto s = find_name<RunStatus>(status);
  if (s == RunStatus::completed || s == RunStatus::diverged) {
    // Only operational keys differ: nothing to train; a changed measure.* key does not re-measure.
    std::vector<std::string> changed;
    std::string sets;
    for (const std::string& d : config.differences(config_text, Identity::operational)) {
      if (!d.starts_with("measure.")) continue;
      changed.push_back(d);
      const std::size_t now = d.rfind("(now ");
      sets += " --set " + d.substr(0, d.find(' ')) + "=" + d.substr(now + 5, d.size() - now - 6);
    }
    if (!changed.empty())
      std::fprintf(stderr, "shortrun: note: %s keeps its measurement (%s); `shortrun measure %s%s` measures it again\n",
                   run_path.c_str(), join(changed).c_str(), run_path.c_str(), sets.c_str());
    return s == RunStatus::diverged ? OnDisk::diverged : OnDisk::completed;
  }
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

std::string log_path(const std::string& run_file) {
  const fs::path p(run_file);
  return (p.parent_path() / (p.stem().string() + ".log.jsonl")).string();
}

std::string log_path(const PreparedRun& run) { return log_path(run.path); }

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

/// `segments` with the segment "updates from-to: setup" as its last line (unchanged when the
/// segment is empty: a run stopped again before its first update).
std::string with_segment(const std::string& segments, Index from, Index to, const std::string& setup) {
  if (to <= from) return segments;
  const std::string line = "updates " + std::to_string(from) + "-" + std::to_string(to) + ": " + setup;
  return segments.empty() ? line : segments + "\n" + line;
}

/// Says (one line on stderr) when a resumed run continues with another setup than the one its
/// checkpoint's last segment trained with: its bits then differ from an uninterrupted run's.
void warn_if_setup_changed(const std::string& resume_path, const std::string& segments, const std::string& setup) {
  const std::string last = segments.substr(segments.rfind('\n') + 1);  // npos + 1 == 0: the only line
  const std::size_t colon = last.find(": ");
  if (colon == std::string::npos || last.compare(colon + 2, std::string::npos, setup) == 0) return;
  std::fprintf(stderr,
               "shortrun: warning: %s: %s were trained with %s; resuming with %s: the result is not bit for bit "
               "an uninterrupted run's (the run file's train_segments lists both)\n",
               resume_path.c_str(), last.substr(0, colon).c_str(), last.substr(colon + 2).c_str(), setup.c_str());
}

/// The scheduled checkpoints at `steps`, read by the leader from the resume checkpoint and sent to
/// every rank of the team (collective).
std::vector<std::pair<Index, Vector>> read_checkpoints(const std::string& resume_path, const std::vector<Index>& steps,
                                                       const mpi::Communicator& team) {
  std::vector<std::pair<Index, Vector>> out;
  for (const Index step : steps) {
    Vector params;
    std::int64_t n = 0;
    if (team.rank() == 0) {
      params = io::read_resume_checkpoint(resume_path, step);
      n = params.size();
    }
    team.broadcast(n, 0);
    params.resize(n);
    team.broadcast({params.data(), static_cast<std::size_t>(n)}, 0);
    out.emplace_back(step, std::move(params));
  }
  return out;
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
    writer.file().attr("train_peak_rss_mb", result.train_peak_rss_mb);
    writer.write_data(run.data);
    const Index side = image_side(run.config, run.data.dim());
    if (const Index n = families::example_images(run.config); n > 0) writer.write_image_examples(run.data, n);
    // The scheduled checkpoints, from the resume checkpoint that training kept them in, one at a time.
    for (const Index step : out.record.checkpoint_steps)
      writer.write_checkpoint(step, out.layout, io::read_resume_checkpoint(run.resume_path, step));
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
  io::Provenance provenance = app_provenance(team, started);  // collective: every rank
  // Training segments (the leader's): what trained updates first..step, after those before.
  const std::string setup = training_setup(team.size());
  const Index first = resuming != 0 ? resume.step : 0;
  const std::string before = resuming == 0 || !resume.segments.empty() || first == 0
                                 ? resume.segments
                                 : "updates 0-" + std::to_string(first) + ": not recorded (an older checkpoint)";
  if (leader && resuming != 0) warn_if_setup_changed(run.resume_path, resume.segments, setup);
  hooks.save = [&](io::ResumeState& state) {
    state.started = started;  // not a copy: the state's parameters and checkpoints are lent
    state.segments = with_segment(before, first, state.step, setup);
    io::write_resume_state(run.resume_path, state);
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
  reset_peak_memory();  // the peak of training alone (a sweep runs several runs in one process)
  const ModelOutcome model = train_run(run, team, hooks);
  const TrainRecord& out = model.record;
  const double train_peak_rss_mb = peak_memory_mb();

  RunResult result;
  result.status = out.train.status;
  result.reason = out.train.reason;
  if (out.train.status == RunStatus::interrupted && hooks.stop != nullptr)
    result.reason += " (" + hooks.stop->stop_reason() + ")";
  result.updates_done = out.train.last_step;
  result.wall_s = out.wall_s;
  result.train_peak_rss_mb = train_peak_rss_mb;
  // The measurement runs on the whole team after a completed training (the status is the same on
  // every rank: it comes from the all-reduced gradient).
  std::vector<CheckpointMeasurement> measurements;
  if (result.status == RunStatus::completed) {
    result.table = families::summary_table(run.config, run.data, model.params, &result.theory_gap);
    // Every scheduled checkpoint is read back only when the measurement visits them all or tempers
    // along them (ptt); otherwise the final parameters are all it needs.
    const bool all = run.config.measure_at == MeasureAt::all;
    const bool ptt = run.config.equilibrium == EquilibriumMethod::ptt;
    std::vector<std::pair<Index, Vector>> stored, measured;
    if (all || ptt) stored = read_checkpoints(run.resume_path, out.checkpoint_steps, team);
    if (all) measured = ptt ? stored : std::move(stored);  // copied only when ptt also needs them
    else measured.emplace_back(out.train.last_step, model.params);
    if (!ptt) stored.clear();
    measurements = measure_checkpoints(run.config, run.data, measured, stored, team, hooks.show_progress, run.run_id);
    result.table += measurement_summary(run.config, measurements);
    if (!measurements.empty()) {
      const MeasuredErrors e = measured_errors(run.config, measurements.back());
      result.err_k = e.at_k;
      result.err_min = e.min;
      result.err_eq = e.equilibrium;
      result.err_k_se = e.at_k_se;
      result.err_min_se = e.min_se;
      result.err_eq_se = e.equilibrium_se;
    }
  }
  if (leader) {
    provenance.emplace_back("train_segments", with_segment(before, first, out.train.last_step, setup));
    write_run_file(run, model, result, io::RunMeta{run.run_id, team.size(), provenance}, measurements);
    std::error_code ec;
    if (result.status != RunStatus::interrupted) fs::remove(run.resume_path, ec);
  }
  return result;
}

}  // namespace shortrun::cli
