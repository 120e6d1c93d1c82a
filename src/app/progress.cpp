#include "shortrun/app/progress.hpp"

#include <cstdio>

namespace shortrun::cli {

std::string format_duration(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) % 3600) / 60);
  return buf;
}

Progress::Progress(bool enabled, std::string label, double interval_s)
    : enabled_(enabled),
      label_(std::move(label)),
      interval_s_(interval_s),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(Index done, Index total, const std::string& detail) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() < interval_s_) return;
  last_ = now;
  print(done, total, detail);
}

void Progress::print(Index done, Index total, const std::string& detail) {
  // After a resume only the updates of this process count towards the rate.
  const double t = elapsed_s();
  const double rate = t > 0 ? static_cast<double>(done - first_done_) / t : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
  std::fprintf(stderr, "[%s] update %lld/%lld (%3.0f%%)  %.4g updates/s  elapsed %s  ETA %s%s%s\n",
               label_.c_str(), static_cast<long long>(done), static_cast<long long>(total),
               100.0 * static_cast<double>(done) / static_cast<double>(total), rate,
               format_duration(t).c_str(), format_duration(eta).c_str(), detail.empty() ? "" : "  ",
               detail.c_str());
  std::fflush(stderr);
}

void Progress::finish(Index done, Index total) {
  if (!enabled_) return;
  const double t = elapsed_s();
  std::fprintf(stderr, "[%s] %lld/%lld updates in %s\n", label_.c_str(), static_cast<long long>(done),
               static_cast<long long>(total), format_duration(t).c_str());
  std::fflush(stderr);
}

}  // namespace shortrun::cli
