// shortrun train CONFIG.ini: one configuration, all ranks form one team.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "shortrun/app/cli_args.hpp"
#include "shortrun/app/commands.hpp"
#include "shortrun/app/config_parser.hpp"
#include "shortrun/app/folder_lock.hpp"
#include "shortrun/app/run.hpp"
#include "shortrun/app/stop_control.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace shortrun::cli {
namespace {

constexpr const char* kTrainUsage = R"(usage: shortrun train CONFIG.ini [--set SECTION.KEY=VALUE]... [--out DIR] [--walltime HH:MM:SS] [--force] [--quiet]

Trains one configuration. Under mpirun all ranks form one team: they split the chains and
the minibatch and sum gradients with one MPI_Allreduce per update; results do not depend on
the number of ranks beyond floating-point summation order.

Writes <run.out>/runs/<run.name>.h5 (docs/hdf5-schema.md) when the run ends (first as
<...>.h5.tmp, then renamed); its root attribute `status` is completed, diverged or interrupted.
While training, <run.name>.ckpt.h5 holds a resume checkpoint (at the train.checkpoints steps and
every run.checkpoint_every seconds, replaced atomically). It holds an advisory lock on
<run.name>.h5.lock until it exits: a second train of the run, a train into a folder where a
`shortrun sweep` runs, and a sweep of that folder that would train this run, are refused with
exit 2 naming the holder.

SIGTERM, SIGINT, SIGUSR1 or the --walltime limit (or the SLURM job's time left) stop every rank
after the current update with a checkpoint written; the run file says interrupted and the exit
code is 75. Running the same command again resumes from the checkpoint and gives the same final
parameters as an uninterrupted run; on a completed run it does nothing. A run's identity is its
result keys: the keys marked (operational) below (output folder, run name, checkpoint interval,
memory cap, log interval, measure.*) may change between the interrupt and the resume, so a moved
output folder resumes. A run file or checkpoint whose result keys differ is refused, naming each
differing key with both values, unless --force: then a run file is kept as
<run.name>.replaced-<UTC time>.h5 beside the new one (never deleted) and a checkpoint is discarded.

Exit codes: 0 completed (or already completed), 2 bad input (config, arguments, output folder),
3 diverged, now or in an earlier run of the same command (recorded in the run file: status =
diverged, status_reason says why), 75 interrupted
(resume by running the same command), 1 internal error. Under mpirun or srun only rank 0 exits 3
or 75 and the other ranks exit 0, so the launcher passes the code on and reports one process.

Config keys (INI: [section] then key = value; `--set section.key=value` overrides):
)";

struct TrainArgs {
  ConfigSource source;
  bool force = false;
  bool quiet = false;
  double walltime_s = 0;
};

/// Parses the command line; returns nullopt after printing --help.
std::optional<TrainArgs> parse_train_args(int argc, char** argv, bool print) {
  TrainArgs args;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>(&args.source.sets)->composing(),
      "override a config key, SECTION.KEY=VALUE (repeatable; the last of one key wins)")(
      "out", po::value<std::string>(&args.source.out), "output folder (overrides run.out)")(
      "force", po::bool_switch(&args.force), "replace a run file or checkpoint of the same name made with another configuration")(
      "walltime", po::value<std::string>(), "D-HH:MM:SS, HH:MM:SS, MM:SS or seconds (at most 366 days): stop in time (checkpoint, exit 75) before this limit; default: the SLURM job's time left")(
      "quiet,q", po::bool_switch(&args.quiet), "no progress lines");
  const po::variables_map vm = parse_command_line(argc, argv, opts, "config", args.source.path, "train");
  if (vm.count("help")) {
    if (print) {
      std::cout << kTrainUsage;
      RunConfig defaults;
      defaults.visit([](const std::string& key, const auto& value, const char* help, Sweep sweep, Identity identity) {
        const std::string def = format_value(value);
        std::printf("  %-22s %s%s%s%s\n", key.c_str(), help, sweep == Sweep::yes ? " (sweepable)" : "",
                    identity == Identity::operational ? " (operational)" : "",
                    def.empty() ? "" : (" [default: " + def + "]").c_str());
      });
      std::cout << "\n" << opts;
    }
    return std::nullopt;
  }
  if (args.source.path.empty()) throw BadInput("shortrun train: missing CONFIG.ini (see shortrun train --help)");
  if (vm.count("out") && args.source.out.empty())
    throw BadInput("--out: empty; expected an output folder (leave --out out for run.out)");
  if (vm.count("walltime")) args.walltime_s = parse_duration(vm["walltime"].as<std::string>(), "--walltime");
  return args;
}

}  // namespace

int cmd_train(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  mpi::Communicator world = mpi::Communicator::world();
  const bool leader = world.rank() == 0;

  // Phase 1: everything that can be bad input, on every rank, then agreed collectively so every
  // rank exits 2 together (no rank is left waiting in a collective).
  std::optional<TrainArgs> args;
  PreparedRun run;
  std::int64_t on_disk = 0;
  std::optional<FolderLock> lock;  // the leader's, on <run file>.lock, until the command returns
  const int bad = agree_on_bad_input(world, [&] {
    args = parse_train_args(argc, argv, leader);
    if (args) {
      const RunConfig config = load_run_config(args->source, "train");
      run = prepare_run(config, config.run_name);
      if (leader) {
        ensure_output_folder(fs::path(run.path).parent_path().string());
        // Two trains of one run at once would write the same checkpoint and run file.
        lock.emplace(run.path + ".lock", false, "another `shortrun train` of this run is running",
                     "wait for it to end, or use another --out or run.name");
        // A sweep in this output folder may train this run id: no train beside it (it checks
        // this run's lock in turn, so of the two the one that starts second is refused).
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(fs::path(run.path).parent_path().parent_path(), ec)) {
          const std::string name = entry.path().filename().string();
          if (name.starts_with("sweep") && name.ends_with(".h5.lock"))
            check_not_locked(entry.path().string(), false, "a sweep runs in this output folder",
                             "wait for it to end, or use another --out");
        }
        on_disk = static_cast<std::int64_t>(inspect_on_disk(run.path, run.resume_path, config, args->force, [&] {
          return families::model_layout(config, run.data).size();
        }));
      }
    }
  });
  if (bad) return bad;
  if (!args) return kExitOk;  // --help
  if (const int differ = agree_on_one_configuration(world, run.config.to_ini())) return differ;
  world.broadcast(on_disk, 0);
  if (static_cast<OnDisk>(on_disk) == OnDisk::completed) {
    if (leader) std::printf("run %s: already completed -> %s (nothing to do)\n", run.run_id.c_str(), run.path.c_str());
    return kExitOk;
  }
  if (static_cast<OnDisk>(on_disk) == OnDisk::diverged) {  // the same report as when it diverged
    if (leader)
      std::printf("run %s: already diverged -> %s (nothing to do; its status_reason says why)\n",
                  run.run_id.c_str(), run.path.c_str());
    return leader ? kExitDiverged : kExitOk;
  }
  StopControl stop(world, args->walltime_s, run.config.checkpoint_every);

  // Phase 2: training. An exception here on any rank ends the job with one line and its exit code
  // (fail_job); no run file claims to be complete, and the last resume checkpoint stays.
  try {
    inject_fault_for_tests();
    TrainHooks hooks;
    hooks.show_progress = leader && !args->quiet;
    hooks.stop = &stop;
    if (leader && static_cast<OnDisk>(on_disk) == OnDisk::resumable && !args->quiet)
      std::fprintf(stderr, "[train %s] resuming from %s\n", run.run_id.c_str(), run.resume_path.c_str());
    const RunResult result = execute_run(run, world, hooks);
    if (leader) {
      std::printf("run %s: %s after %lld updates in %.2fs -> %s\n", run.run_id.c_str(),
                  result.status == RunStatus::completed ? "completed"
                                                        : (std::string(name_of(result.status)) + ": " + result.reason).c_str(),
                  static_cast<long long>(result.updates_done), result.wall_s, run.path.c_str());
      if (result.status == RunStatus::interrupted)
        std::printf("  resume: run the same command again (checkpoint %s)\n", run.resume_path.c_str());
      std::fputs(result.table.c_str(), stdout);
      std::fflush(stdout);
    }
    // The leader alone reports an interrupted or diverged run (exit 75 or 3; the other ranks exit
    // 0), so the launcher passes the code on without counting every rank as failed.
    if (result.status == RunStatus::completed || !leader) return kExitOk;
    return result.status == RunStatus::interrupted ? kExitInterrupted : kExitDiverged;
  } catch (const std::exception& e) {
    return fail_job(e);
  }
}

}  // namespace shortrun::cli
