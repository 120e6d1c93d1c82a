#pragma once
/// A process-wide hook that the measurement's long loops call between units of work (one sweep
/// of the chains along t, one sweep of a long run or a tempering round, one AIS temperature), so
/// that whoever runs the measurement can keep its own bookkeeping current meanwhile: the sweep's
/// world rank 0 refreshes the manifest and its progress lines while its own team measures a run.
/// The core only calls progress_tick(); an application installs a hook for a scope
/// (ScopedProgressHook). A hook must be cheap when nothing is due (it is called once per sweep)
/// and must not communicate with the other ranks of its team: it may run on one rank only.
#include <functional>

namespace shortrun {

/// Calls the installed hook, if any; does nothing inside an OpenMP parallel region.
void progress_tick();

/// Installs `hook` until destruction, then restores the hook it replaced.
class ScopedProgressHook {
 public:
  explicit ScopedProgressHook(std::function<void()> hook);
  ~ScopedProgressHook();
  ScopedProgressHook(const ScopedProgressHook&) = delete;
  ScopedProgressHook& operator=(const ScopedProgressHook&) = delete;

 private:
  std::function<void()> previous_;
};

}  // namespace shortrun
