// shortrun theory CONFIG.ini: closed-form predictions of a solvable model, as a table.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <boost/program_options.hpp>

#include "shortrun/app/cli_args.hpp"
#include "shortrun/app/commands.hpp"
#include "shortrun/app/config_parser.hpp"
#include "shortrun/app/run.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/io/dataset_docs.hpp"
#include "shortrun/io/run_file.hpp"
#include "shortrun/version.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace shortrun::cli {

inline constexpr const char* kTheorySchema = "shortrun.theory";
inline constexpr std::int64_t kTheorySchemaVersion = 1;

namespace {

int theory_on_leader(int argc, char** argv) {
  ConfigSource source;
  std::string out;
  bool force = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>(&source.sets)->composing(),
      "override a config key, SECTION.KEY=VALUE (repeatable; the last of one key wins)")(
      "out", po::value<std::string>(&out), "also write the /theory group to this HDF5 file")(
      "force", po::bool_switch(&force), "overwrite the --out file if it exists");
  const po::variables_map vm = parse_command_line(argc, argv, opts, "config", source.path, "theory");
  if (vm.count("help")) {
    std::cout << "usage: shortrun theory CONFIG.ini [--set SECTION.KEY=VALUE]... [--out FILE.h5 [--force]]\n\n"
                 "Prints the closed-form fixed points of a solvable model for the data of\n"
                 "CONFIG.ini. The two solvable models:\n\n"
                 "gaussian, per mode alpha of the data covariance:\n"
                 "  c_alpha   data variance of the mode\n"
                 "  J*(k)     rdm fixed point: the root of v(k; J) = c_alpha (equation F1)\n"
                 "  J_eq      cd / pcd / k -> infinity fixed point (ULA stationary variance = c_alpha)\n"
                 "  J_ml      exact-gradient fixed point T / c_alpha\n"
                 "  v_inf(J*) where the rdm-trained model's samples relax to (inf: no equilibrium)\n\n"
                 "spins (independent binary units), per site i:\n"
                 "  m_data    data magnetisation (in the model's unit convention)\n"
                 "  h*(k)     rdm fixed point of the configured sampler and p0 (nan: none exists, the\n"
                 "            field runs away during training)\n"
                 "  h_ml      cd / pcd / exact fixed point (the equilibrium mean equals m_data)\n"
                 "  m_k(h*)   the mean after k sweeps from p0 under h* (equals m_data)\n"
                 "  m_inf(h*) the equilibrium mean under h*, where long samples relax to\n\n"
                 "Other models (bm, rbm, convnet) have no closed form: exit code 2.\n\n"
              << opts;
    return kExitOk;
  }
  const bool out_given = vm.count("out") != 0;
  if (source.path.empty()) throw BadInput("shortrun theory: missing CONFIG.ini (see shortrun theory --help)");
  const RunConfig config = load_run_config(source, "theory");
  if (out_given && out.empty()) throw BadInput("--out: empty; expected FILE.h5");
  if (!out.empty()) {
    if (fs::exists(out) && !force) throw BadInput(out + ": file exists; remove it or pass --force");
    check_output_file(out);
  }
  check_memory(config, config.n_visible > 0 ? config.n_visible : static_cast<Index>(config.spectrum.size()));
  const Dataset data = families::make_data(config);
  const std::string table = families::theory_table(config, data);
  if (table.empty())
    throw BadInput(std::string("model.type: shortrun theory has closed forms for gaussian and spins, not ") +
                   name_of(config.model()) + " (its equilibrium comes from `shortrun measure`)");
  std::fputs(table.c_str(), stdout);
  if (!out.empty()) {
    const std::string tmp = out + ".tmp";
    try {
      h5::File file(tmp, h5::File::Mode::create);
      file.attr("schema", kTheorySchema);
      file.attr("schema_version", kTheorySchemaVersion);
      file.attr("shortrun_version", kVersion);
      file.attr("git_sha", kGitSha);
      file.attr("created", io::utc_now());
      file.attr("config", config.to_ini());
      io::write_theory(file, *families::theory_tables(config, data, nullptr));
      io::describe_datasets(file);
      file.close();
      fs::rename(tmp, out);
    } catch (const h5::Error& e) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw BadInput(out + ": cannot write the theory file (" + e.what() + ")");
    }
    std::printf("wrote %s\n", out.c_str());
  }
  return kExitOk;
}

}  // namespace

int cmd_theory(int argc, char** argv) {
  // Under mpirun or srun every rank runs the command: rank 0 alone reads, prints and writes --out
  // (no two ranks race for the file), and every rank exits with the same code.
  mpi::Environment env(argc, argv);
  const mpi::Communicator world = mpi::Communicator::world();
  std::int64_t rc = kExitOk;
  const int bad = agree_on_bad_input(world, [&] {
    if (world.rank() == 0) rc = theory_on_leader(argc, argv);
  });
  if (bad != 0) return bad;
  world.broadcast(rc, 0);
  return static_cast<int>(rc);
}

}  // namespace shortrun::cli
