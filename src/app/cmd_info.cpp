// shortrun info FILE.h5: a readable summary of a run file.
#include <cmath>
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "shortrun/app/cli_args.hpp"
#include "shortrun/app/commands.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/io/run_file.hpp"

namespace po = boost::program_options;

namespace shortrun::cli {
namespace {

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

void print_json(const h5::File& f) {
  std::printf("{\"file\": \"%s\"", json_escape(f.file_path()).c_str());
  for (const auto& a : f.attr_names())
    std::printf(", \"%s\": \"%s\"", json_escape(a).c_str(), json_escape(f.attr_as_text(a)).c_str());
  std::printf(", \"checkpoints\": [");
  const auto steps = io::checkpoint_steps(f);
  for (std::size_t i = 0; i < steps.size(); ++i) std::printf("%s%lld", i ? ", " : "", static_cast<long long>(steps[i]));
  std::printf("]}\n");
}

void print_text(const h5::File& f) {
  auto attr = [&](const char* name) { return f.has_attr(name) ? f.attr_as_text(name) : std::string("?"); };
  std::printf("%s\n", f.file_path().c_str());
  std::printf("  schema     %s v%s (shortrun %s, git %s%s%s)\n", attr("schema").c_str(),
              attr("schema_version").c_str(), attr("shortrun_version").c_str(), attr("git_sha").c_str(),
              f.has_attr("matrix_products") ? ", products: " : "",
              f.has_attr("matrix_products") ? attr("matrix_products").c_str() : "");
  std::printf("  status     %s%s%s\n", attr("status").c_str(), attr("status_reason").empty() ? "" : ": ",
              attr("status_reason").c_str());
  std::printf("  created    %s  finished %s  on %s, %s MPI rank(s)\n", attr("created").c_str(),
              attr("finished").c_str(), attr("host").c_str(), attr("mpi_ranks").c_str());
  const h5::Group cfg = f.open_group("config");
  std::printf("  config    ");
  for (const char* key : {"model.type", "train.scheme", "train.k", "train.lr", "train.updates",
                          "train.moments", "sampler.step", "init.type", "run.seed"})
    if (cfg.has_attr(key)) std::printf(" %s=%s", key, cfg.attr_as_text(key).c_str());
  std::printf("\n");
  if (f.exists("data/mean"))
    std::printf("  data       N = %llu, n_samples = %s\n",
                static_cast<unsigned long long>(f.shape("data/mean")[0]),
                f.open_group("data").attr_as_text("n_samples").c_str());
  const auto steps = io::checkpoint_steps(f);
  std::printf("  checkpoints %zu:", steps.size());
  for (auto s : steps) std::printf(" %lld", static_cast<long long>(s));
  std::printf("%s\n", f.exists("final") ? ("  (final -> " + f.link_target("final") + ")").c_str() : "");
  if (f.exists("train/step")) {
    const auto step = f.read_ints("train/step");
    const Vector wall = f.read_vector("train/wall_s");
    const Vector grad = f.read_vector("train/grad_norm");
    if (!step.empty())
      std::printf("  train      %zu log rows; last: update %lld, %.3gs, |grad| = %.3g\n", step.size(),
                  static_cast<long long>(step.back()), wall[wall.size() - 1], grad[grad.size() - 1]);
  }
  if (f.exists("theory/J_star")) {
    const h5::Group th = f.open_group("theory");
    const Vector c = th.read_vector("c"), js = th.read_vector("J_star"), je = th.read_vector("J_eq");
    const bool trained = th.exists("J_trained");
    const Vector jt = trained ? th.read_vector("J_trained") : Vector();
    std::printf("  theory     expected fixed point: %s\n", th.attr_as_text("expected").c_str());
    std::printf("  %6s %10s %12s %12s %12s\n", "mode", "c_alpha", "J_trained", "J*(k)", "J_eq");
    for (Index a = 0; a < c.size(); ++a)
      std::printf("  %6lld %10.4g %12.6g %12.6g %12.6g\n", static_cast<long long>(a + 1), c[a],
                  trained ? jt[a] : std::nan(""), js[a], je[a]);
  }
}

}  // namespace

int cmd_info(int argc, char** argv) {
  std::string path;
  bool json = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("json", po::bool_switch(&json),
                                                 "print root attributes and checkpoints as JSON");
  const po::variables_map vm = parse_command_line(argc, argv, opts, "file", path, "info");
  if (vm.count("help")) {
    std::cout << "usage: shortrun info FILE.h5 [--json]\n\nSummarises a run file: status, config, data, "
                 "checkpoints, training log and, for solvable\nmodels, trained parameters against theory.\n\n"
              << opts;
    return kExitOk;
  }
  if (path.empty()) throw BadInput("shortrun info: missing FILE.h5 (see shortrun info --help)");
  std::unique_ptr<h5::File> file;
  try {
    file = std::make_unique<h5::File>(path, h5::File::Mode::read);
  } catch (const h5::Error& e) {
    throw BadInput(path + ": cannot open as HDF5 (" + e.what() + ")");
  }
  io::check_run_schema(*file);
  // A run file is written whole and renamed into place; one missing its groups is not one.
  for (const char* group : {"config"})
    if (!file->exists(group))
      throw BadInput(path + ": no /" + group + " group; expected a complete run file (docs/hdf5-schema.md)");
  try {
    if (json) print_json(*file);
    else print_text(*file);
  } catch (const h5::Error& e) {
    std::fflush(stdout);
    throw BadInput(path + ": not a complete run file (" + e.what() + ")");
  }
  return kExitOk;
}

}  // namespace shortrun::cli
