// shortrun train CONFIG.ini: one configuration, all ranks form one team.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "shortrun/app/commands.hpp"
#include "shortrun/app/config_parser.hpp"
#include "shortrun/app/run.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace shortrun::cli {
namespace {

constexpr const char* kUsage = R"(usage: shortrun train CONFIG.ini [--set SECTION.KEY=VALUE]... [--out DIR] [--force] [--quiet]

Trains one configuration. Under mpirun all ranks form one team: they split the chains and
the minibatch and sum gradients with one MPI_Allreduce per update; results do not depend on
the number of ranks beyond floating-point summation order.

Writes <run.out>/runs/<run.name>.h5 (docs/hdf5-schema.md), first as <...>.h5.tmp, renamed
when the run ends; its root attribute `status` is completed or diverged.

Exit codes: 0 completed, 2 bad input (config, arguments, output folder), 3 diverged,
1 internal error.

Config keys (INI: [section] then key = value; `--set section.key=value` overrides):
)";

struct TrainArgs {
  ConfigSource source;
  bool force = false;
  bool quiet = false;
};

/// Parses the command line; returns nullopt after printing --help.
std::optional<TrainArgs> parse_args(int argc, char** argv, bool print) {
  TrainArgs args;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>(&args.source.sets)->composing(),
      "override a config key, SECTION.KEY=VALUE (repeatable)")(
      "out", po::value<std::string>(&args.source.out), "output folder (overrides run.out)")(
      "force", po::bool_switch(&args.force), "overwrite an existing run file of the same name")(
      "quiet,q", po::bool_switch(&args.quiet), "no progress lines");
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>(&args.source.path));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw BadInput(std::string("shortrun train: ") + e.what() + " (see shortrun train --help)");
  }
  if (vm.count("help")) {
    if (print) {
      std::cout << kUsage;
      RunConfig defaults;
      defaults.visit([](const std::string& key, const auto& value, const char* help, Sweep sweep) {
        const std::string def = format_value(value);
        std::printf("  %-22s %s%s%s\n", key.c_str(), help, sweep == Sweep::yes ? " (sweepable)" : "",
                    def.empty() ? "" : (" [default: " + def + "]").c_str());
      });
      std::cout << "\n" << opts;
    }
    return std::nullopt;
  }
  if (args.source.path.empty()) throw BadInput("shortrun train: missing CONFIG.ini (see shortrun train --help)");
  return args;
}

}  // namespace

int cmd_train(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  mpi::Communicator world = mpi::Communicator::world();
  const bool leader = world.rank() == 0;

  // Phase 1: everything that can be bad input, on every rank, then agreed collectively so every
  // rank exits 2 together (no rank is left waiting in a collective).
  std::string error;
  std::optional<TrainArgs> args;
  PreparedRun run;
  std::optional<io::RunWriter> writer;
  try {
    args = parse_args(argc, argv, leader);
    if (args) {
      const RunConfig config = load_run_config(args->source, "train");
      run = prepare_run(config, config.run_name);
      if (leader) {
        if (fs::exists(run.path) && !args->force)
          throw BadInput(run.path + ": run file exists; remove it, choose another run.name or --out, or pass --force");
        writer.emplace(open_run_writer(run, world.size()));
      }
    }
  } catch (const BadInput& e) {
    error = e.what();
  } catch (const h5::Error& e) {
    error = e.what();
  }
  const int first_bad = world.min(error.empty() ? world.size() : world.rank());
  if (first_bad < world.size()) {
    if (writer) writer->discard();
    world.broadcast(error, first_bad);
    if (leader) std::fprintf(stderr, "shortrun: error: %s\n", error.c_str());
    return kExitBadInput;
  }
  if (!args) return kExitOk;  // --help

  // Phase 2: training. An exception here on any rank aborts the job (mpi::Environment) after the
  // leader marked the run file failed, so nothing looks complete.
  try {
    const RunResult result = execute_run(run, world, writer ? &*writer : nullptr, leader && !args->quiet);
    if (leader) {
      std::printf("run %s: %s after %lld updates in %.2fs -> %s\n", run.run_id.c_str(),
                  result.status == "completed" ? "completed" : ("diverged: " + result.reason).c_str(),
                  static_cast<long long>(result.updates_done), result.wall_s, run.path.c_str());
      std::fputs(result.table.c_str(), stdout);
      std::fflush(stdout);
    }
    return result.status == "completed" ? kExitOk : kExitDiverged;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shortrun: internal error on rank %d: %s\n", world.rank(), e.what());
    throw;
  }
}

}  // namespace shortrun::cli
