#pragma once
/// When to save and when to stop: SIGTERM, SIGINT and SIGUSR1 (SLURM's --signal), a wall-time limit
/// (--walltime, or the SLURM job's time left), and periodic saves every run.checkpoint_every
/// seconds. Each rank asks; the trainer combines the requests over the team with the gradient's
/// all-reduce, so all ranks of a team act on the same update.
#include <chrono>
#include <optional>
#include <string>

#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli {

/// Installs the handlers (they only set a flag). Idempotent.
void install_stop_signals();
/// The signal received, 0 if none.
int stop_signal();

/// The longest --walltime (README, Errors: caps): 366 days.
inline constexpr double kMaxDurationS = 366.0 * 86400.0;

/// Parses D-HH:MM:SS, HH:MM:SS, MM:SS or SS into seconds (fields: digits and an optional fraction),
/// > 0 and at most kMaxDurationS; BadInput naming `what` otherwise (inf, nan, signs, overflow).
double parse_duration(const std::string& text, const std::string& what);

class StopControl {
 public:
  /// `walltime_s` <= 0: none given; then, under SLURM, world rank 0 asks squeue for the job's time
  /// left and broadcasts it. Collective over `world`.
  StopControl(const mpi::Communicator& world, double walltime_s, double checkpoint_every_s);

  /// A signal arrived or the deadline (limit minus a safety margin) has passed.
  bool stop_requested() const;
  /// Why, for status_reason and the log.
  std::string stop_reason() const;
  /// TrainRequest bits for this rank now.
  unsigned requests() const;
  /// A save happened: restart the periodic-save clock.
  void saved();
  /// Seconds until the deadline (infinity when there is none).
  double seconds_left() const;

 private:
  using clock = std::chrono::steady_clock;
  std::optional<clock::time_point> deadline_;
  double checkpoint_every_s_;
  clock::time_point last_save_;
};

}  // namespace shortrun::cli
