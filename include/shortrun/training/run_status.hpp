#pragma once
/// How a run stands or ended: the one status type from the trainer to the run file and the sweep
/// manifest (names in config/names.hpp: the run file's `status` attribute).
///   running: the run file is being written (never left at the final name)
///   completed, diverged (no finite fixed point; recorded, not hidden), interrupted (a signal or the
///   wall time; resume by running again), failed (an error after the run file was started),
///   pending (a sweep's configuration not started yet).
namespace shortrun {

enum class RunStatus { running, completed, diverged, interrupted, failed, pending };

}  // namespace shortrun
