// shortrun measure RUN.h5: the dynamics-versus-equilibrium measurement again, from the run file's
// stored checkpoints, without retraining.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "shortrun/app/cli_args.hpp"
#include "shortrun/app/commands.hpp"
#include "shortrun/app/config_parser.hpp"
#include "shortrun/app/measure_run.hpp"
#include "shortrun/app/run.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/io/dataset_docs.hpp"
#include "shortrun/io/run_file.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace shortrun::cli {
namespace {

constexpr const char* kMeasureUsage = R"(usage: shortrun measure RUN.h5 [--checkpoint last|all|STEP] [--set measure.KEY=VALUE]... [--quiet]

Measures a completed run again from its stored checkpoints (no retraining), e.g. with a larger
measure.t_max or more measure.chains, and replaces the run file's /dynamics and /equilibrium
groups atomically (the new file is written beside it and renamed over it; other groups are kept).
Under mpirun all ranks form one team and share the chains.

With the settings the run was trained with, the measurement is the same bit for bit (random
streams are addressed by run.seed, the checkpoint's update and the chain, never by rank), for
the same number of ranks.

--checkpoint: last (the final parameters), all (every stored checkpoint) or one update number;
default: the run's measure.at. --set takes measure.* keys only (shortrun train --help lists
them); the settings used are stored as attributes of /dynamics and /equilibrium; the root
attribute `config` keeps the training configuration.

Exit codes: 0 measured, 2 bad input (not a completed run file, unknown checkpoint, a key outside
[measure]), 1 internal error.

options)";

struct MeasureArgs {
  std::string path;
  std::string checkpoint;
  std::vector<std::string> sets;
  bool quiet = false;
};

std::optional<MeasureArgs> parse_measure_args(int argc, char** argv, bool print) {
  MeasureArgs args;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "checkpoint", po::value<std::string>(&args.checkpoint), "last, all or an update number (default: measure.at)")(
      "set", po::value<std::vector<std::string>>(&args.sets)->composing(), "override a measure key, measure.KEY=VALUE (repeatable)")(
      "quiet,q", po::bool_switch(&args.quiet), "no progress lines");
  const po::variables_map vm = parse_command_line(argc, argv, opts, "run", args.path, "measure");
  if (vm.count("help")) {
    if (print) std::cout << kMeasureUsage << "\n" << opts;
    return std::nullopt;
  }
  if (args.path.empty()) throw BadInput("shortrun measure: missing RUN.h5 (see shortrun measure --help)");
  for (const auto& s : args.sets)
    if (s.rfind("measure.", 0) != 0)
      throw BadInput("--set " + s + ": shortrun measure changes measure.* keys only (retrain to change the others)");
  return args;
}

/// What every rank needs: the configuration, its data, and the checkpoints to measure.
struct Job {
  PreparedRun run;
  std::vector<std::pair<Index, Vector>> checkpoints;
  std::vector<std::pair<Index, Vector>> trajectory;  ///< measure.equilibrium = ptt: all stored checkpoints
};

Job prepare(const MeasureArgs& args) {
  h5::File file(args.path, h5::File::Mode::read);
  io::check_run_schema(file);
  const std::string status = file.attr_string("status");
  if (find_name<RunStatus>(status) != RunStatus::completed)
    throw BadInput(args.path + ": the run's status is " + status + "; only completed runs are measured");
  ConfigSource source;
  source.path = args.path;
  source.text = file.attr_string("config");
  source.sets = args.sets;
  const RunConfig config = load_run_config(source, "measure");
  Job job;
  job.run = prepare_run(config, file.has_attr("run_id") ? file.attr_string("run_id") : config.run_name);
  const Layout layout = families::model_layout(config, job.run.data);
  const auto steps = io::checkpoint_steps(file);
  if (steps.empty()) throw BadInput(args.path + ": no /checkpoints to measure");
  // A completed run's last checkpoint is its final update (train.updates): a file without it was
  // damaged or edited, and "last" would silently measure another update.
  if (steps.back() != config.updates)
    throw BadInput(args.path + ": completed after " + std::to_string(config.updates) +
                   " updates but its last checkpoint is update " + std::to_string(steps.back()) +
                   " (/checkpoints/" + std::to_string(config.updates) + " missing: a damaged or edited run file)");
  const std::string which = args.checkpoint;
  const std::optional<MeasureAt> at = which.empty() ? config.measure_at : find_name<MeasureAt>(which);
  std::vector<std::int64_t> chosen;
  if (at == MeasureAt::all) chosen = steps;
  else if (at == MeasureAt::last) chosen = {steps.back()};
  else {
    std::int64_t step = -1;
    try {
      std::size_t used = 0;
      step = std::stoll(which, &used);
      if (used != which.size()) step = -1;
    } catch (const std::exception&) {
    }
    if (std::find(steps.begin(), steps.end(), step) == steps.end()) {
      std::string list;
      for (auto s : steps) list += (list.empty() ? "" : ", ") + std::to_string(s);
      throw BadInput("--checkpoint " + which + ": expected last, all or a stored update (" + list + ")");
    }
    chosen = {step};
  }
  for (auto s : chosen) job.checkpoints.emplace_back(s, io::read_checkpoint_params(file, s, layout));
  if (config.equilibrium == EquilibriumMethod::ptt)  // the ladder: every stored checkpoint
    for (auto s : steps) job.trajectory.emplace_back(s, io::read_checkpoint_params(file, s, layout));
  return job;
}

/// Copies the run file, replaces its measurement groups, and renames the copy over the original.
void replace_measurements(const std::string& path, const RunConfig& config, Index side,
                          const std::vector<CheckpointMeasurement>& measurements) {
  const std::string tmp = path + ".tmp";
  fs::copy_file(path, tmp, fs::copy_options::overwrite_existing);
  try {
    h5::File f(tmp, h5::File::Mode::read_write);
    if (f.exists("dynamics")) f.remove("dynamics");
    if (f.exists("equilibrium")) f.remove("equilibrium");
    io::write_measurements(f, config, side, measurements);
    io::describe_datasets(f);  // the new groups' units, descriptions and dimension scales
    f.attr("measured", io::utc_now());
    f.close();
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, path);
}

}  // namespace

int cmd_measure(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  mpi::Communicator world = mpi::Communicator::world();
  const bool leader = world.rank() == 0;
  std::optional<MeasureArgs> args;
  Job job;
  const int bad = agree_on_bad_input(world, [&] {
    args = parse_measure_args(argc, argv, leader);
    if (args) {
      // The run file is replaced by a copy renamed over it: both must be possible before measuring.
      if (leader) check_output_file(args->path, /*must_be_writable=*/true);
      job = prepare(*args);
    }
  });
  if (bad) return bad;
  if (!args) return kExitOk;
  if (const int differ = agree_on_one_configuration(
          world, job.run.config.to_ini() + "[arguments]\nfile = " + args->path + "\ncheckpoint = " + args->checkpoint + "\n"))
    return differ;
  try {
    const RunConfig& config = job.run.config;
    const auto measurements =
        measure_checkpoints(config, job.run.data, job.checkpoints, job.trajectory, world, leader && !args->quiet,
                            job.run.run_id);
    if (leader) {
      replace_measurements(args->path, config, image_side(config, job.run.data.dim()), measurements);
      std::printf("measured %s: %zu checkpoint(s) -> %s\n", job.run.run_id.c_str(), measurements.size(),
                  args->path.c_str());
      std::fputs(measurement_summary(config, measurements).c_str(), stdout);
      std::fflush(stdout);
    }
    return kExitOk;
  } catch (const std::exception& e) {
    return fail_job(e);
  }
}

}  // namespace shortrun::cli
