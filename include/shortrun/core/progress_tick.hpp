#pragma once
/// A process-wide hook called between units of long work: the trainer's progress callback after
/// every update (app/train_loop.hpp) and the measurement's loops once per sweep (the chains along
/// t, a long run or tempering round, an AIS temperature), so that whoever runs them can keep its
/// own bookkeeping current meanwhile: the sweep's world rank 0 refreshes the manifest and its
/// progress lines while its own team trains or measures a run. The core only calls
/// progress_tick(); an application installs a hook for a scope (ScopedProgressHook). A hook must be
/// cheap when nothing is due and must not communicate with the other ranks of its team: it may run
/// on one rank only.
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
