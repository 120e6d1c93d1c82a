#include "shortrun/app/stop_control.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <vector>

#include "shortrun/core/error.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::cli {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) { g_signal = sig; }

/// SLURM's time left for this job in seconds, or a negative number when unknown.
double slurm_seconds_left() {
  // In a job array SLURM_JOB_ID names this task's own job, but `squeue -j` on the array's first
  // task id expands to every task: ask for <array job>_<task> instead.
  const char* job = std::getenv("SLURM_JOB_ID");
  if (job == nullptr) return -1;
  std::string id = job;
  const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* array_task = std::getenv("SLURM_ARRAY_TASK_ID");
  if (array_job != nullptr && array_task != nullptr) id = std::string(array_job) + "_" + array_task;
  const std::string cmd = "squeue -h -j " + id + " -o %L 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[64] = {};
  const bool got = std::fgets(buf, sizeof buf, p) != nullptr;
  pclose(p);
  if (!got) return -1;
  std::string text(buf);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  try {
    return parse_duration(text, "squeue time left");
  } catch (const BadInput&) {
    return -1;  // UNLIMITED, NOT_SET, or an unknown format: no deadline
  }
}

}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT, SIGUSR1}) sigaction(sig, &sa, nullptr);
}

int stop_signal() { return g_signal; }

double parse_duration(const std::string& text, const std::string& what) {
  const auto bad = [&](const std::string& why) {
    return BadInput(what + ": " + why + "; expected a duration D-HH:MM:SS, HH:MM:SS, MM:SS or seconds, > 0 and at most " +
                    std::to_string(static_cast<long long>(kMaxDurationS / 86400)) + " days, got '" + text + "'");
  };
  // One field: digits with an optional fraction; no sign, exponent, inf or nan (std::stod takes those).
  const auto field_value = [&](const std::string& field) {
    if (field.empty() || field.size() > 20) throw bad("malformed");
    bool dot = false;
    for (char c : field) {
      if (c == '.' && !dot) dot = true;
      else if (c < '0' || c > '9') throw bad("malformed");
    }
    if (field == ".") throw bad("malformed");
    return std::stod(field);
  };
  double days = 0;
  std::string rest = text;
  const auto dash = rest.find('-');
  if (dash != std::string::npos) {
    days = field_value(rest.substr(0, dash));
    rest = rest.substr(dash + 1);
  }
  std::vector<std::string> fields;
  for (std::size_t pos = 0;;) {
    const auto colon = rest.find(':', pos);
    fields.push_back(rest.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos));
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  if (fields.size() > 3) throw bad("too many fields");
  double s = 0;
  for (const auto& f : fields) s = 60 * s + field_value(f);
  s += 86400 * days;
  if (!std::isfinite(s) || !(s > 0)) throw bad("not a positive duration");
  if (s > kMaxDurationS) throw bad("above the cap");
  return s;
}

StopControl::StopControl(const mpi::Communicator& world, double walltime_s, double checkpoint_every_s)
    : checkpoint_every_s_(checkpoint_every_s), last_save_(clock::now()) {
  install_stop_signals();
  std::int64_t limit_ms = walltime_s > 0 ? static_cast<std::int64_t>(walltime_s * 1000) : -1;
  if (limit_ms < 0 && world.rank() == 0) {
    const double left = slurm_seconds_left();
    if (left > 0) limit_ms = static_cast<std::int64_t>(left * 1000);
  }
  world.broadcast(limit_ms, 0);
  if (limit_ms > 0) {
    // Stop with time to spare for the last update, the checkpoint and the run files: 5 % of the
    // limit, at least 5 s, at most 5 minutes.
    const double limit = static_cast<double>(limit_ms) / 1000.0;
    const double margin = std::min(300.0, std::max(5.0, 0.05 * limit));
    deadline_ = clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>((limit - margin) * 1000));
  }
}

bool StopControl::stop_requested() const {
  return g_signal != 0 || (deadline_ && clock::now() >= *deadline_);
}

std::string StopControl::stop_reason() const {
  if (g_signal == SIGTERM) return "SIGTERM";
  if (g_signal == SIGINT) return "SIGINT";
  if (g_signal == SIGUSR1) return "SIGUSR1";
  if (g_signal != 0) return "signal " + std::to_string(g_signal);
  return "wall-time limit";
}

unsigned StopControl::requests() const {
  unsigned r = kRequestNone;
  if (stop_requested()) r |= kRequestStop;
  if (checkpoint_every_s_ > 0 &&
      std::chrono::duration<double>(clock::now() - last_save_).count() >= checkpoint_every_s_)
    r |= kRequestSave;
  return r;
}

void StopControl::saved() { last_save_ = clock::now(); }

double StopControl::seconds_left() const {
  if (!deadline_) return std::numeric_limits<double>::infinity();
  return std::chrono::duration<double>(*deadline_ - clock::now()).count();
}

}  // namespace shortrun::cli
