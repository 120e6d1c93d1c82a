// shortrun theory CONFIG.ini: closed-form predictions of a solvable model, as a table.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <boost/program_options.hpp>

#include "shortrun/app/cli_args.hpp"
#include "shortrun/app/commands.hpp"
#include "shortrun/app/config_parser.hpp"
#include "shortrun/app/gaussian_run.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/io/run_file.hpp"
#include "shortrun/version.hpp"

namespace po = boost::program_options;

namespace shortrun::cli {

int cmd_theory(int argc, char** argv) {
  ConfigSource source;
  std::string out;
  bool force = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>(&source.sets)->composing(),
      "override a config key, SECTION.KEY=VALUE (repeatable)")(
      "out", po::value<std::string>(&out), "also write the /theory group to this HDF5 file")(
      "force", po::bool_switch(&force), "overwrite the --out file if it exists");
  const po::variables_map vm = parse_command_line(argc, argv, opts, "config", source.path, "theory");
  if (vm.count("help")) {
    std::cout << "usage: shortrun theory CONFIG.ini [--set SECTION.KEY=VALUE]... [--out FILE.h5 [--force]]\n\n"
                 "Prints the closed-form fixed points of a solvable model (THEORY.md) for the data of\n"
                 "CONFIG.ini, per mode alpha of the data covariance (gaussian model):\n"
                 "  c_alpha   data variance of the mode\n"
                 "  J*(k)     rdm fixed point: the root of v(k; J) = c_alpha (equation F1)\n"
                 "  J_eq      cd / pcd / k -> infinity fixed point (ULA stationary variance = c_alpha)\n"
                 "  J_ml      exact-gradient fixed point T / c_alpha\n"
                 "  v_inf(J*) where the rdm-trained model's samples relax to (inf: no equilibrium)\n\n"
              << opts;
    return kExitOk;
  }
  if (source.path.empty()) throw BadInput("shortrun theory: missing CONFIG.ini (see shortrun theory --help)");
  const RunConfig config = load_run_config(source, "theory");
  if (!out.empty() && std::filesystem::exists(out) && !force)
    throw BadInput(out + ": file exists; remove it or pass --force");
  const GaussianData data = make_gaussian_data(config);
  const auto ula = ula_of(config);
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;
  const auto fp = gaussian_theory::fixed_points(data.data, static_cast<double>(config.k), sigma0, ula);
  std::printf("gaussian model, ULA eta = %g, T = %g, p0 sigma0 = %g, k = %lld, %s data\n", config.step,
              config.temperature, sigma0, static_cast<long long>(config.k),
              data.data.population ? "population" : (std::to_string(data.data.n_samples()) + "-sample").c_str());
  std::printf("%4s %12s %14s %14s %14s %14s\n", "mode", "c_alpha", "J*(k)", "J_eq", "J_ml", "v_inf(J*)");
  for (Index a = 0; a < fp.c.size(); ++a)
    std::printf("%4lld %12.6g %14.8g %14.8g %14.8g %14.6g\n", static_cast<long long>(a + 1), fp.c[a],
                fp.j_star[a], fp.j_eq[a], fp.j_ml[a],
                gaussian_theory::stationary_variance(fp.j_star[a], ula));
  if (!out.empty()) {
    const std::string tmp = out + ".tmp";
    h5::File file(tmp, h5::File::Mode::create);
    file.attr("schema", "shortrun.theory");
    file.attr("schema_version", std::int64_t{1});
    file.attr("shortrun_version", kVersion);
    file.attr("git_sha", kGitSha);
    file.attr("created", io::utc_now());
    file.attr("config", config.to_ini());
    write_gaussian_theory(file, config, data, nullptr);
    file.close();
    std::filesystem::rename(tmp, out);
    std::printf("wrote %s\n", out.c_str());
  }
  return kExitOk;
}

}  // namespace shortrun::cli
