// shortrun sweep CONFIG.ini: a grid of configurations over teams of MPI ranks.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <unordered_set>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "shortrun/app/cli_args.hpp"
#include "shortrun/app/commands.hpp"
#include "shortrun/app/config_parser.hpp"
#include "shortrun/app/folder_lock.hpp"
#include "shortrun/app/measure_run.hpp"
#include "shortrun/app/progress.hpp"
#include "shortrun/app/provenance.hpp"
#include "shortrun/app/run.hpp"
#include "shortrun/app/stop_control.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/core/progress_tick.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/io/manifest.hpp"
#include "shortrun/parallel/teams.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace shortrun::cli {
namespace {

constexpr const char* kSweepUsage = R"(usage: shortrun sweep CONFIG.ini [--set SECTION.KEY=VALUE]... [--out DIR] [--ranks-per-run P]
                      [--shard i/n] [--walltime HH:MM:SS] [--force] [--wait] [--quiet]

Runs every configuration of a grid. Each sweepable key given a comma-separated list is an axis
(`k = 1,5,20,100`); integer keys also take ranges first:last[:step] (`run.seed = 1:8`). The grid
is their Cartesian product, axes in the order the keys are listed by `shortrun train --help`
(run.seed, model.n_hidden, sampler.type, sampler.step, init.sigma, train.scheme, train.k,
train.lr), the last varying fastest.

The MPI world is split into teams of P ranks (P must divide the number of ranks). A team trains one
configuration at a time, its ranks sharing chains and minibatch and summing gradients; teams take
configurations from a shared atomic counter, most expensive first (cost: training, updates x k x
chains sweeps, plus the measurement, t_max x measure.chains sweeps and the equilibrium reference's
and AIS's; docs/design.md, section 9), so no team idles while work is left and no rank is spent on
scheduling. Results do not depend on which team runs a configuration, nor on the order.

Output (<out> = --out, or run.out, or results/<run.name>):
  <out>/runs/<run_id>.h5   one run file per configuration; run_id from the swept values, e.g. k20_lr0.1
  <out>/sweep.h5           the manifest: /runs table (run_id, file, status, team, wall_s,
                           theory_gap and one column per axis) and /links/<run_id> to the run files;
                           rewritten atomically as runs finish, readable while the sweep runs.
SIGTERM, SIGINT, SIGUSR1 or the --walltime limit (or the SLURM job's time left) make every team
finish its current update, write its resume checkpoint (<run_id>.ckpt.h5) and stop taking work;
the manifest says interrupted and the exit code is 75 (0 when every run had already completed).
Running the same command again resumes the interrupted runs, runs the ones never started and skips
completed ones; a run file of the same name with another configuration is refused unless --force,
and so is a manifest that lists runs the grid does not have (another sweep's: --force keeps it as
<name>.replaced-<UTC time>.h5).

One sweep at a time per manifest: a sweep holds an advisory lock (flock) on <manifest>.lock (e.g.
<out>/sweep.h5.lock, which names the holder's host, pid and start time) until it exits, and then
removes it. A second sweep on the same folder (and shard) is refused with exit 2 naming the
holder, or with --wait waits for it; so is the whole grid's sweep while a --shard sweep runs in the
folder, a shard while the whole grid's sweep runs (shards of one grid run side by side), and a
sweep while `shortrun train` trains one of its runs (train holds <out>/runs/<run_id>.h5.lock; a
train started in a folder where a sweep runs is refused in turn). The lock dies with its process:
the kernel releases it when the holder exits or is killed, so a stale lock file of a dead process
is simply taken over; across nodes sharing an NFS file system the server releases a dead node's
lock when its lease expires (about 90 s). On a file system without locks (flock fails with ENOLCK
or EOPNOTSUPP) the sweep warns and runs unlocked.

--shard i/n runs only the grid points whose index (in grid order, from 0) modulo n is i, for job
arrays that share one output folder; its manifest is <out>/sweep-shard<i>of<n>.h5. A final sweep
without --shard skips every completed run and writes <out>/sweep.h5 for the whole grid.

World rank 0 prints a progress line every 5 s (stderr: runs done, where the first 4 running runs
are, from the last rows of their training logs, and an ETA from the finished runs' whole times,
measurement included), also while its own team measures a run, and a summary table at the end
(stdout).
Exit codes: 0 all runs completed, 3 some runs diverged (recorded in their files and the manifest;
the summary says how many and why), 75 stopped early (resume by running the same command), 2 bad
input (nothing is run), 1 internal error. Under mpirun or srun only world rank 0 exits 3 or 75, the
other ranks exit 0: the launcher passes the code on, and Open MPI's note that "1 process returned
a non-zero exit code" then refers to that report, not to a crash (README, "Exit codes").

)";

struct SweepArgs {
  ConfigSource source;
  int ranks_per_run = 1;
  std::int64_t shard = 0, n_shards = 1;  ///< --shard i/n: grid points with index % n == i
  bool force = false;
  bool quiet = false;
  bool wait = false;  ///< --wait: wait for another sweep's lock on the folder instead of refusing
  double walltime_s = 0;
};

std::optional<SweepArgs> parse_sweep_args(int argc, char** argv, bool print) {
  SweepArgs args;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>(&args.source.sets)->composing(),
      "override a config key, SECTION.KEY=VALUE (repeatable, the last of one key wins; a list makes an axis)")(
      "out", po::value<std::string>(&args.source.out), "output folder (overrides run.out)")(
      "ranks-per-run", po::value<int>(&args.ranks_per_run)->default_value(1),
      "P: ranks per team; must divide the number of MPI ranks")(
      "force", po::bool_switch(&args.force), "replace run files of the same name made with another configuration")(
      "walltime", po::value<std::string>(), "D-HH:MM:SS, HH:MM:SS, MM:SS or seconds (at most 366 days): stop in time (checkpoints, exit 75) before this limit; default: the SLURM job's time left")(
      "shard", po::value<std::string>(), "i/n: run only the grid points whose index modulo n is i (job arrays); its manifest is sweep-shard<i>of<n>.h5")(
      "wait", po::bool_switch(&args.wait), "wait for another sweep that holds this folder's lock (default: exit 2 naming it)")(
      "quiet,q", po::bool_switch(&args.quiet), "no progress lines");
  const po::variables_map vm = parse_command_line(argc, argv, opts, "config", args.source.path, "sweep");
  if (vm.count("help")) {
    if (print) std::cout << kSweepUsage << opts;
    return std::nullopt;
  }
  if (args.source.path.empty()) throw BadInput("shortrun sweep: missing CONFIG.ini (see shortrun sweep --help)");
  if (vm.count("out") && args.source.out.empty())
    throw BadInput("--out: empty; expected an output folder (leave --out out for run.out)");
  if (vm.count("walltime")) args.walltime_s = parse_duration(vm["walltime"].as<std::string>(), "--walltime");
  if (vm.count("shard")) {
    const std::string text = vm["shard"].as<std::string>();
    const auto slash = text.find('/');
    const auto to_int = [&](const std::string& part) {
      std::int64_t v = -1;
      const auto r = std::from_chars(part.data(), part.data() + part.size(), v);
      if (part.empty() || r.ec != std::errc() || r.ptr != part.data() + part.size()) return std::int64_t{-1};
      return v;
    };
    if (slash != std::string::npos) {
      args.shard = to_int(text.substr(0, slash));
      args.n_shards = to_int(text.substr(slash + 1));
    }
    if (slash == std::string::npos || args.n_shards < 1 || args.shard < 0 || args.shard >= args.n_shards)
      throw BadInput("--shard: expected i/n with 0 <= i < n, got '" + text + "'");
  }
  return args;
}

/// The manifest's file name in the output folder.
std::string manifest_name(std::int64_t shard, std::int64_t n_shards) {
  return n_shards == 1 ? std::string("sweep.h5")
                       : "sweep-shard" + std::to_string(shard) + "of" + std::to_string(n_shards) + ".h5";
}

/// The whole grid's sweep and a --shard sweep must not run at once in one folder: they would train
/// the same runs. Called with this sweep's own manifest lock held, so whichever starts second sees
/// the first: the whole grid's sweep takes every shard's lock too (into `held`, until it ends), a
/// shard checks that the whole grid's lock is free.
void exclude_other_parts(const std::string& out, const SweepArgs& args, std::vector<FolderLock>& held) {
  const fs::path folder(out);
  const std::string advice = "wait for it to end, pass --wait, or use another --out";
  if (args.n_shards == 1) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("sweep-shard") && name.ends_with(".h5.lock"))
        held.emplace_back(entry.path().string(), args.wait, "a --shard sweep runs in this output folder", advice);
    }
    return;
  }
  check_not_locked((folder / manifest_name(0, 1)).string() + ".lock", args.wait,
                   "the whole grid's sweep runs in this output folder", advice);
}


// A run's status in the work queue's records, which hold doubles (an MPI window): pending and
// running as the queue's own states, the final ones from kFirstFinal on.
constexpr double kCompleted = mpi::WorkQueue::kFirstFinal;
constexpr double kDiverged = kCompleted + 1;
constexpr double kInterrupted = kCompleted + 2;

double queue_state(RunStatus s) {
  switch (s) {
    case RunStatus::pending: return mpi::WorkQueue::kPending;
    case RunStatus::running: return mpi::WorkQueue::kRunning;
    case RunStatus::completed: return kCompleted;
    case RunStatus::diverged: return kDiverged;
    case RunStatus::interrupted: return kInterrupted;
    case RunStatus::failed: break;
  }
  return kInterrupted + 1;
}

RunStatus status_of(double state) {
  for (RunStatus s : {RunStatus::pending, RunStatus::running, RunStatus::completed, RunStatus::diverged,
                      RunStatus::interrupted})
    if (queue_state(s) == state) return s;
  return RunStatus::failed;
}

/// A manifest already at `manifest` that lists runs this sweep (this shard of its grid) does not
/// have would lose them when rewritten: BadInput, or with --force it is kept as
/// <name>.replaced-<UTC time>.h5 (a manifest is a result: never deleted). The same grid resumes.
void set_aside_other_manifest(const std::string& manifest, const SweepPlan& plan, const SweepArgs& args) {
  if (!fs::exists(manifest)) return;
  std::string why;
  try {
    h5::File f(manifest, h5::File::Mode::read);
    std::unordered_set<std::string> mine;  // this shard's runs (up to 10^5: no search per row)
    for (std::size_t i = 0; i < plan.run_ids.size(); ++i)
      if (static_cast<std::int64_t>(i) % args.n_shards == args.shard) mine.insert(plan.run_ids[i]);
    std::vector<std::string> missing;
    for (const std::string& id : f.read_strings("runs/run_id"))
      if (!mine.contains(id)) missing.push_back(id);
    if (!missing.empty())
      why = "lists " + std::to_string(missing.size()) + " run(s) this grid does not have (" + missing.front() +
            (missing.size() > 1 ? ", ..." : "") + "): the manifest of another sweep";
  } catch (const h5::Error& e) {
    why = std::string("exists and is not a readable sweep manifest (") + e.what() + ")";
  }
  if (!why.empty())
    set_aside_result(manifest, "manifest", why, args.force,
                     "use another --out, or --force to keep it under another name");
}

/// What world rank 0 keeps of the sweep: the manifest rows and the progress line.
/// A manifest row of a run completed (or diverged) in an earlier invocation, from its run file:
/// status, training wall time, and the measured errors; the team is -1 (not run now).
void fill_from_run_file(io::ManifestRow& row, const std::string& path) {
  row.status = RunStatus::completed;
  try {
    h5::File f(path, h5::File::Mode::read);
    row.status = find_name<RunStatus>(f.attr_string("status")).value_or(RunStatus::failed);
    if (f.has_attr("theory_gap")) row.theory_gap = f.attr_double("theory_gap");
    if (f.exists("train/wall_s")) {
      const Vector wall = f.read_vector("train/wall_s");
      if (wall.size() > 0) row.wall_s = wall[wall.size() - 1];
    }
    const MeasuredErrors e = stored_measured_errors(f, *row.config);
    row.err_k = e.at_k;
    row.err_min = e.min;
    row.err_eq = e.equilibrium;
    row.err_k_se = e.at_k_se;
    row.err_min_se = e.min_se;
    row.err_eq_se = e.equilibrium_se;
  } catch (const std::exception&) {
    // inspect_on_disk() read it a moment ago; a file that vanished since stays a bare row.
  }
}

/// The summary's last lines when runs diverged: how many, each one's reason (its run file's
/// status_reason), and what exit code 3 means, so that an expected divergence is not read as a crash.
void print_divergences(const SweepPlan& plan, const std::vector<io::ManifestRow>& rows) {
  std::vector<const io::ManifestRow*> diverged;
  for (const auto& r : rows)
    if (r.status == RunStatus::diverged) diverged.push_back(&r);
  if (diverged.empty()) return;
  std::printf("sweep %s: %zu of %zu runs diverged (exit code 3; their run files and the manifest say "
              "status = diverged; the other runs are complete):\n",
              plan.name.c_str(), diverged.size(), rows.size());
  for (const io::ManifestRow* r : diverged) {
    std::string reason = "reason not readable";
    try {
      const h5::File f((fs::path(plan.out) / r->file).string(), h5::File::Mode::read);
      reason = f.attr_string("status_reason");
    } catch (const std::exception&) {
    }
    std::printf("  %s: %s\n", r->run_id.c_str(), reason.c_str());
  }
}

/// The step of the last complete row of a training log (<run_id>.log.jsonl, which the team leader
/// appends as the run trains), or -1 when it has none yet. Read from the file's last 4 KB, so a
/// progress line costs no MPI traffic and never waits on a training rank.
long long last_logged_step(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return -1;
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 4096);
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  in.seekg(from);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  const std::size_t end = tail.rfind('\n');  // a row being written has no newline yet
  if (end == std::string::npos || end == 0) return -1;
  const std::size_t before = tail.rfind('\n', end - 1);
  const std::size_t begin = before == std::string::npos ? 0 : before + 1;
  const auto row = nlohmann::json::parse(tail.substr(begin, end - begin), nullptr, /*allow_exceptions=*/false);
  if (row.is_discarded() || !row.contains("step") || !row["step"].is_number_integer()) return -1;
  return row["step"].get<long long>();
}

class SweepMonitor {
 public:
  SweepMonitor(const SweepPlan& plan, std::vector<std::size_t> todo, std::vector<double> costs,
               io::ManifestMeta meta, int n_teams, bool progress, std::int64_t shard, std::int64_t n_shards)
      : plan_(plan), todo_(std::move(todo)), costs_(std::move(costs)), meta_(std::move(meta)),
        n_teams_(n_teams), progress_(progress), start_(std::chrono::steady_clock::now()), last_print_(start_) {
    for (std::size_t i = 0; i < plan.configs.size(); ++i) {
      if (static_cast<std::int64_t>(i) % n_shards != shard) continue;
      index_of_.push_back(i);
      io::ManifestRow row;
      row.run_id = plan.run_ids[i];
      row.file = "runs/" + plan.run_ids[i] + ".h5";
      row.config = &plan.configs[i];
      rows_.push_back(row);
    }
    std::vector<bool> to_run(rows_.size(), false);
    for (std::size_t item : todo_) to_run[row_index(item)] = true;
    // Runs finished by an earlier invocation keep their status and numbers from their files.
    for (std::size_t r = 0; r < rows_.size(); ++r)
      if (!to_run[r]) fill_from_run_file(rows_[r], (fs::path(plan.out) / rows_[r].file).string());
    path_ = (fs::path(plan.out) / manifest_name(shard, n_shards)).string();
  }

  /// Reads the queue's records; rewrites the manifest when something changed (or `force`), and
  /// prints a progress line at most every 5 s.
  void refresh(mpi::WorkQueue& queue, bool force = false) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_check_ < std::chrono::milliseconds(500)) return;
    last_check_ = now;
    const auto records = queue.snapshot();
    bool changed = force;
    running_since_.resize(records.size(), -1.0);
    for (std::size_t item = 0; item < records.size(); ++item) {
      // When this rank first saw the run running (within the 0.5 s between reads): its elapsed time
      // for the ETA.
      if (records[item].state == mpi::WorkQueue::kRunning && running_since_[item] < 0) running_since_[item] = elapsed_s();
      io::ManifestRow& row = row_of(todo_[item]);
      const RunStatus status = status_of(records[item].state);
      if (status != row.status) changed = true;
      row.status = status;
      row.team = records[item].state == mpi::WorkQueue::kPending ? -1 : static_cast<std::int64_t>(records[item].team);
      if (records[item].state >= kCompleted) {
        row.wall_s = records[item].wall_s;
        row.theory_gap = records[item].value;
        row.err_k = records[item].err_k;
        row.err_min = records[item].err_min;
        row.err_eq = records[item].err_eq;
        row.err_k_se = records[item].err_k_se;
        row.err_min_se = records[item].err_min_se;
        row.err_eq_se = records[item].err_eq_se;
      }
    }
    if (changed) io::write_manifest(path_, meta_, plan_.axes, rows_);
    if (progress_ && (now - last_print_ > std::chrono::seconds(5))) {
      last_print_ = now;
      print_progress(records);
    }
  }

  /// Every item taken so far has finished (completed, diverged or interrupted). Called after
  /// rank 0's own team stopped taking work; items never taken (after a stop) stay pending.
  bool all_taken_finished(mpi::WorkQueue& queue) {
    std::int64_t taken = 0;
    const auto records = queue.snapshot(&taken);
    // Item numbers are handed out in order, so the taken ones are 0 .. taken-1.
    for (std::int64_t i = 0; i < taken; ++i)
      if (records[static_cast<std::size_t>(i)].state < kCompleted) return false;
    return true;
  }

  /// An error ended the sweep: the manifest says failed (the runs keep their last states).
  void fail(mpi::WorkQueue& queue) {
    meta_.status = "failed";
    refresh(queue, /*force=*/true);
  }

  void finish(mpi::WorkQueue& queue) {
    const auto records = queue.snapshot();
    bool any_diverged = false, any_unfinished = false;
    for (const auto& r : records) {
      any_diverged = any_diverged || r.state == kDiverged;
      any_unfinished = any_unfinished || r.state == kInterrupted || r.state < kCompleted;
    }
    // Runs finished by an earlier invocation are rows only (not queue items): a diverged one
    // counts too, or a re-run of a sweep with a diverged run would say completed.
    for (const auto& row : rows_) any_diverged = any_diverged || row.status == RunStatus::diverged;
    meta_.status = any_unfinished ? "interrupted" : any_diverged ? "finished_with_failures" : "completed";
    refresh(queue, /*force=*/true);
  }

  const std::vector<io::ManifestRow>& rows() const { return rows_; }
  const std::string& path() const { return path_; }
  double elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  /// The manifest row of grid point `index` (a shard lists only its own points).
  std::size_t row_index(std::size_t index) const {
    return static_cast<std::size_t>(std::find(index_of_.begin(), index_of_.end(), index) - index_of_.begin());
  }
  io::ManifestRow& row_of(std::size_t index) { return rows_[row_index(index)]; }

  void print_progress(const std::vector<mpi::ItemStatus>& records) {
    // ETA: a team's throughput (work estimate per second) from the finished runs' whole times
    // (set-up, training, measurement, files) gives each run's predicted time; the pending runs'
    // predicted times and what is left of each running one's (its prediction less the time since
    // it started, at least 0) are spread over the teams.
    int done = 0, running = 0, diverged = 0;
    double cost_done = 0, wall_done = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].state >= kCompleted) {
        ++done;
        cost_done += costs_[i];
        wall_done += records[i].run_s;  // training, measurement and files: what the ETA waits for
        if (records[i].state != kCompleted) ++diverged;
      } else if (records[i].state == mpi::WorkQueue::kRunning) {
        ++running;
      }
    }
    const double t = elapsed_s();
    const double team_rate = wall_done > 0 ? cost_done / wall_done : 0.0;
    double team_s_left = 0;
    for (std::size_t i = 0; i < records.size() && team_rate > 0; ++i) {
      if (records[i].state >= kCompleted) continue;
      const double predicted = costs_[i] / team_rate;
      team_s_left += records[i].state == mpi::WorkQueue::kRunning ? std::max(0.0, predicted - (t - running_since_[i]))
                                                                   : predicted;
    }
    // "overdue": only running runs are left and each has taken longer than predicted.
    const std::string eta = team_rate <= 0                        ? "?"
                            : team_s_left <= 0 && running > 0 ? "overdue"
                                                              : format_duration(team_s_left / static_cast<double>(n_teams_));
    std::fprintf(stderr, "[sweep %s] %d/%zu runs done (%d diverged), %d running%s, elapsed %s, ETA %s\n",
                 plan_.name.c_str(), done, records.size(), diverged, running, running_detail(records).c_str(),
                 format_duration(t).c_str(), eta.c_str());
    std::fflush(stderr);
  }

  /// " (k10 3150/10000 updates, k50 measuring, +3 more)": where the first running runs are, from
  /// the last rows of their training logs; "" when none runs.
  std::string running_detail(const std::vector<mpi::ItemStatus>& records) const {
    constexpr int kListed = 4;
    std::string out;
    int listed = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].state != mpi::WorkQueue::kRunning) continue;
      if (listed++ >= kListed) continue;
      const std::size_t index = todo_[i];
      const std::string log = log_path((fs::path(plan_.out) / rows_[row_index(index)].file).string());
      const long long step = last_logged_step(log), total = plan_.configs[index].updates;
      out += (out.empty() ? " (" : ", ") + plan_.run_ids[index] + " " +
             (step < 0 ? std::string("starting")
                       : step >= total ? std::string("measuring")
                                       : std::to_string(step) + "/" + std::to_string(total) + " updates");
    }
    if (listed > kListed) out += ", +" + std::to_string(listed - kListed) + " more";
    return out.empty() ? out : out + ")";
  }

  const SweepPlan& plan_;
  std::vector<std::size_t> todo_;
  std::vector<double> costs_;
  std::vector<double> running_since_;  ///< per item: elapsed_s() when first seen running; -1 before
  io::ManifestMeta meta_;
  int n_teams_;
  bool progress_;
  std::vector<io::ManifestRow> rows_;
  std::vector<std::size_t> index_of_;  // grid index of each row
  std::string path_;
  std::chrono::steady_clock::time_point start_, last_print_, last_check_{};
};

}  // namespace

int cmd_sweep(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  mpi::Communicator world = mpi::Communicator::world();
  const bool root = world.rank() == 0;

  // Phase 1: all bad input, agreed collectively (every rank exits 2, nobody hangs).
  std::optional<SweepArgs> args;
  SweepPlan plan;
  std::string todo_text;  // comma-separated indices, decided by world rank 0
  std::optional<FolderLock> lock;  // world rank 0, until the sweep returns
  std::vector<FolderLock> shard_locks;  // the whole grid's sweep: every shard's too
  const int bad = agree_on_bad_input(world, [&] {
    args = parse_sweep_args(argc, argv, root);
    if (args) {
      plan = load_sweep(args->source);
      if (args->ranks_per_run < 1 || world.size() % args->ranks_per_run != 0)
        throw BadInput("--ranks-per-run: " + std::to_string(args->ranks_per_run) +
                       " does not divide the " + std::to_string(world.size()) + " MPI ranks");
      if (root) {
        ensure_output_folder((fs::path(plan.out) / "runs").string());
        const std::string manifest = (fs::path(plan.out) / manifest_name(args->shard, args->n_shards)).string();
        check_output_file(manifest);
        lock.emplace(manifest + ".lock", args->wait);
        exclude_other_parts(plan.out, *args, shard_locks);
        set_aside_other_manifest(manifest, plan, *args);
        for (std::size_t i = 0; i < plan.configs.size(); ++i) {
          if (static_cast<std::int64_t>(i) % args->n_shards != args->shard) continue;
          // Everything phase 2 would find wrong with this grid point, found now: its data and
          // the checks that need their size, and its memory estimate (prepare_run).
          PreparedRun prepared;
          try {
            prepared = prepare_run(plan.configs[i], plan.run_ids[i]);
          } catch (const BadInput& e) {
            throw BadInput(std::string(e.what()) + " (in run " + plan.run_ids[i] + ")");
          }
          // A `train` of this run holds its lock (it took it before checking this sweep's).
          check_not_locked(prepared.path + ".lock", args->wait,
                           "a `shortrun train` of run " + plan.run_ids[i] + " is running",
                           "wait for it to end, pass --wait, or use another --out");
          const OnDisk state = inspect_on_disk(prepared.path, prepared.resume_path, plan.configs[i], args->force, [&] {
            return families::model_layout(prepared.config, prepared.data).size();
          });
          if (state != OnDisk::completed && state != OnDisk::diverged) todo_text += std::to_string(i) + ",";
        }
      }
    }
  });
  if (bad) return bad;
  if (!args) return kExitOk;
  if (const int differ = agree_on_one_configuration(
          world, plan.config_text + "[arguments]\nranks-per-run = " + std::to_string(args->ranks_per_run) +
                     "\nshard = " + std::to_string(args->shard) + "/" + std::to_string(args->n_shards) + "\n"))
    return differ;
  // Everything after phase 1 ends, on an error, through the one error path (fail_job).
  try {
    StopControl stop(world, args->walltime_s, plan.configs.empty() ? 0.0 : plan.configs[0].checkpoint_every);

    world.broadcast(todo_text, 0);
    std::vector<std::size_t> todo;
    for (std::size_t pos = 0; pos < todo_text.size();) {
      const std::size_t comma = todo_text.find(',', pos);
      todo.push_back(std::stoul(todo_text.substr(pos, comma - pos)));
      pos = comma + 1;
    }
    // Most expensive first; ties in grid order. Identical on every rank.
    std::vector<double> cost_of(plan.configs.size());
    for (std::size_t i = 0; i < plan.configs.size(); ++i) cost_of[i] = families::work_estimate(plan.configs[i], plan.configs[i].declared_dim());
    std::stable_sort(todo.begin(), todo.end(), [&](std::size_t a, std::size_t b) { return cost_of[a] > cost_of[b]; });
    std::vector<double> todo_costs;
    for (std::size_t i : todo) todo_costs.push_back(cost_of[i]);

    mpi::Teams teams(world, args->ranks_per_run);
    mpi::WorkQueue queue(world, static_cast<std::int64_t>(todo.size()));
    std::optional<SweepMonitor> monitor;
    const std::string started = io::utc_now();
    const io::Provenance provenance = app_provenance(world, started);  // collective: every rank
    if (root) {
      io::ManifestMeta meta{plan.name, plan.config_text, started, "running", world.size(), args->ranks_per_run,
                            provenance};
      monitor.emplace(plan, todo, todo_costs, meta, teams.n_teams, !args->quiet, args->shard, args->n_shards);
      const std::size_t mine = monitor->rows().size();
      std::fprintf(stderr, "[sweep %s] %zu configurations%s (%zu to run, %zu already completed) on %d team(s) of %d rank(s) -> %s\n",
                   plan.name.c_str(), mine,
                   args->n_shards > 1 ? (" in shard " + std::to_string(args->shard) + "/" + std::to_string(args->n_shards)).c_str() : "",
                   todo.size(), mine - todo.size(), teams.n_teams, args->ranks_per_run, plan.out.c_str());
      monitor->refresh(queue, /*force=*/true);
    }
    const std::function<void()> tick = [&] {
      if (monitor) monitor->refresh(queue);
    };

    // Phase 2: take configurations until none is left. An exception ends the job with one line and
    // its exit code (fail_job); no run file claims to be complete.
    // A team stops taking work once a stop was requested (signal or wall time); its leader decides.
    TrainHooks hooks;
    hooks.stop = &stop;
    // Ticked between updates and, while measuring, once per sweep (world rank 0 running its own
    // team's run keeps the manifest and its progress lines current).
    const ScopedProgressHook monitor_tick(tick);
    bool interrupted = false;
    try {
      inject_fault_for_tests();
      while (true) {
        std::int64_t item = teams.leader() ? (stop.stop_requested() ? queue.size() : queue.take()) : 0;
        teams.team.broadcast(item, 0);
        if (item >= queue.size()) break;
        const std::size_t index = todo[static_cast<std::size_t>(item)];
        if (teams.leader())
          queue.report(item, {.state = queue_state(RunStatus::running), .team = static_cast<double>(teams.team_index)});
        const auto run_start = std::chrono::steady_clock::now();
        const PreparedRun run = prepare_run(plan.configs[index], plan.run_ids[index]);
        const RunResult result = execute_run(run, teams.team, hooks);
        const double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
        const double state = queue_state(result.status);
        interrupted = interrupted || result.status == RunStatus::interrupted;
        if (teams.leader())
          queue.report(item, {state, static_cast<double>(teams.team_index), result.wall_s, result.theory_gap,
                              result.err_k, result.err_min, result.err_eq, result.err_k_se, result.err_min_se,
                              result.err_eq_se, run_s});
        tick();
      }
    } catch (const std::exception& e) {
      // One error path (fail_job): the manifest, when this rank keeps it, says failed first.
      if (monitor) {
        try {
          monitor->fail(queue);
        } catch (const std::exception&) {
        }
      }
      return fail_job(e);
    }

    // World rank 0 keeps the manifest and progress current until every team is done.
    if (root) {
      while (!monitor->all_taken_finished(queue)) {
        monitor->refresh(queue);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    world.barrier();  // every team is out of its loop: the records are final
    if (root) monitor->finish(queue);
    // A stop leaves the items nobody took pending; the sweep then exits 75 like an interrupted run.
    const bool stopped = world.min(stop.stop_requested() || interrupted ? 0 : 1) == 0;

    bool all_completed = true;
    if (root) {
      std::printf("sweep %s: %zu runs in %s -> %s\n", plan.name.c_str(), monitor->rows().size(),
                  format_duration(monitor->elapsed_s()).c_str(), monitor->path().c_str());
      // Each error with its standard error (jackknife over chain groups; 0 for an exact law).
      std::printf("  %-28s %-10s %5s %9s %12s %10s %-9s %10s %-9s %10s %-9s\n", "run_id", "status", "team", "wall_s",
                  "|J-theory|", "err(t=k)", " +- se", "min_t err", " +- se", "err(eq)", " +- se");
      for (const auto& r : monitor->rows()) {
        std::printf("  %-28s %-10s %5lld %9.2f %12.3g %10.3g +- %-6.2g %10.3g +- %-6.2g %10.3g +- %-6.2g\n",
                    r.run_id.c_str(), name_of(r.status), static_cast<long long>(r.team), r.wall_s, r.theory_gap,
                    r.err_k, r.err_k_se, r.err_min, r.err_min_se, r.err_eq, r.err_eq_se);
        all_completed = all_completed && r.status == RunStatus::completed;
      }
      const auto& rows = monitor->rows();
      if (std::any_of(rows.begin(), rows.end(), [](const io::ManifestRow& r) { return std::isinf(r.theory_gap); }))
        std::printf("  |J-theory| = inf: some mode or site has no closed-form fixed point for its scheme and k, so "
                    "its trained parameter runs away (docs/theory.md sections 2 and 3)\n");
      print_divergences(plan, rows);
      std::fflush(stdout);
    }
    const bool every_run_completed = world.all(all_completed);
    // A stop that came after the last run completed (or on a sweep already complete) leaves
    // nothing to resume: exit 0, or a requeueing job script would start the sweep again forever.
    if (stopped && every_run_completed) {
      if (root)
        std::printf("sweep %s: every run completed; the stop (%s) came after the last one\n", plan.name.c_str(),
                    stop.stop_reason().c_str());
      return kExitOk;
    }
    if (stopped) {
      if (root)
        std::printf("sweep %s: stopped (%s); run the same command again to resume\n", plan.name.c_str(),
                    stop.stop_reason().c_str());
      return root ? kExitInterrupted : kExitOk;  // one rank reports it, as for exit 3
    }
    // One rank reports a diverged run (see the usage text): the launcher's exit code is 3, and
    // only one process counts as having "returned a non-zero exit code".
    return every_run_completed || !root ? kExitOk : kExitDiverged;
  } catch (const std::exception& e) {
    return fail_job(e);
  }
}

}  // namespace shortrun::cli
