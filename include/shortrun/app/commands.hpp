#pragma once
/// The subcommands. Each parses its own arguments (Boost.Program_options), answers --help, and
/// returns the process exit code (docs/design.md section 2): 0 ok, 2 bad input, 3 diverged, 1 internal error.
namespace shortrun::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitDiverged = 3;
inline constexpr int kExitInterrupted = 75;  ///< EX_TEMPFAIL: checkpoints written, run again

int cmd_train(int argc, char** argv);
int cmd_sweep(int argc, char** argv);
int cmd_theory(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_measure(int argc, char** argv);
int cmd_bench(int argc, char** argv);

}  // namespace shortrun::cli
