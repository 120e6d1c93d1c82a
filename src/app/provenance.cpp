#include "shortrun/app/provenance.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "shortrun/core/matrix_backend.hpp"
#include "shortrun/version.hpp"

namespace shortrun::cli {
namespace {
std::string& stored_command_line() {
  static std::string line;
  return line;
}
}  // namespace

void set_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool quote = arg.empty() || arg.find_first_of(" \t'\"") != std::string::npos;
    line += (i ? " " : "") + (quote ? "'" + arg + "'" : arg);
  }
  stored_command_line() = line;
}

const std::string& command_line() { return stored_command_line(); }

io::Provenance app_provenance(const mpi::Communicator& team, const std::string& started) {
  char buf[256] = {};
  std::string mine = gethostname(buf, sizeof buf - 1) == 0 ? buf : "unknown";
  std::vector<std::string> hosts;
  for (int r = 0; r < team.size(); ++r) {
    std::string name = mine;
    team.broadcast(name, r);
    if (std::find(hosts.begin(), hosts.end(), name) == hosts.end()) hosts.push_back(name);
  }
  std::string list;
  for (const auto& h : hosts) list += (list.empty() ? "" : ",") + h;
  io::Provenance p = {{"argv", command_line()}, {"hosts", list}, {"mpi_library", mpi::library_version()},
                      {"started", started}};
  for (const char* var : {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"}) {
    if (const char* v = std::getenv(var)) {
      std::string key = var;
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      p.emplace_back(key, v);
    }
  }
  return p;
}

std::string training_setup(int ranks) {
  const char* dirty = kGitDirty == 1 ? " dirty" : kGitDirty < 0 ? " (tree state unknown)" : "";
  return std::to_string(ranks) + (ranks == 1 ? " rank, " : " ranks, ") + matrix_backend() + ", shortrun " + kVersion +
         " git " + kGitSha + dirty + " (" + kBuildFlags + ", " + kCompiler + ")";
}

void reset_peak_memory() {
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

double peak_memory_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB
  return 0;
}

}  // namespace shortrun::cli
