#include "shortrun/core/progress_tick.hpp"

#include <utility>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace shortrun {
namespace {
std::function<void()>& installed() {
  static std::function<void()> hook;
  return hook;
}
}  // namespace

void progress_tick() {
#ifdef _OPENMP
  if (omp_in_parallel()) return;
#endif
  if (const auto& hook = installed()) hook();
}

ScopedProgressHook::ScopedProgressHook(std::function<void()> hook) : previous_(std::exchange(installed(), std::move(hook))) {}

ScopedProgressHook::~ScopedProgressHook() { installed() = std::move(previous_); }

}  // namespace shortrun
