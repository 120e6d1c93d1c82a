#pragma once
/// What only the app knows of a run's provenance (io/provenance.hpp writes it): the command line,
/// the hosts of the team, the MPI library, the SLURM job, array and task ids when present, and when
/// the run (or sweep) started.
#include <string>

#include "shortrun/io/provenance.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli {

/// Remembers the process's command line (main calls it first).
void set_command_line(int argc, char** argv);
/// The command line, arguments separated by spaces (quoted where they hold spaces).
const std::string& command_line();

/// Collective over `team`: argv, hosts (the team's distinct host names, comma-separated, in rank
/// order), mpi_library, started, and slurm_job_id, slurm_array_job_id, slurm_array_task_id where the
/// environment has them.
io::Provenance app_provenance(const mpi::Communicator& team, const std::string& started);

/// What decides the last bits of a training run besides its configuration, as one line: the team's
/// rank count, the matrix-product library and kernel, and the binary (version, commit, build flags,
/// compiler), e.g. "1 rank, OpenBLAS 0.3.21 SkylakeX, shortrun 0.1.0 git 0453b5d6a0b6 (Release
/// -march=native EIGEN_USE_BLAS, GNU 12.2.0)". A resumed run is bit for bit an uninterrupted one
/// when every segment of it trained with the same line (the run file's `train_segments`).
std::string training_setup(int ranks);

/// Resets this process's peak resident memory (VmHWM; Linux: "5" to /proc/self/clear_refs) to the
/// current one, so that the next peak_memory_mb() is the peak of what ran since.
void reset_peak_memory();
/// VmHWM of /proc/self/status in MiB: the peak resident memory (0 when unreadable).
double peak_memory_mb();

}  // namespace shortrun::cli
