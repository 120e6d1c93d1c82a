#include "shortrun/app/run.hpp"

#include <filesystem>

#include "shortrun/app/gaussian_run.hpp"
#include "shortrun/core/error.hpp"

namespace fs = std::filesystem;

namespace shortrun::cli {

PreparedRun prepare_run(const RunConfig& config, const std::string& run_id) {
  PreparedRun run;
  run.config = config;
  run.run_id = run_id;
  run.path = (fs::path(config.run_out) / "runs" / (run_id + ".h5")).string();
  run.data = make_gaussian_data(config);
  return run;
}

io::RunWriter open_run_writer(const PreparedRun& run, int mpi_ranks) {
  std::error_code ec;
  fs::create_directories(fs::path(run.path).parent_path(), ec);
  if (ec) throw BadInput(run.config.run_out + ": cannot create the output folder: " + ec.message());
  io::RunWriter writer(run.path, run.config, io::RunMeta{run.run_id, mpi_ranks});
  writer.write_data(run.data.data);
  return writer;
}

RunResult execute_run(const PreparedRun& run, mpi::Communicator& team, io::RunWriter* writer,
                      bool show_progress, const std::function<void()>& tick) {
  try {
    const GaussianOutcome out = train_gaussian(run.config, run.data, team, writer, show_progress, tick);
    const bool ok = out.train.status == TrainOutcome::Status::completed;
    RunResult result;
    result.status = ok ? "completed" : "diverged";
    result.reason = out.train.reason;
    result.updates_done = out.train.last_step;
    result.wall_s = out.wall_s;
    if (ok) result.table = gaussian_summary_table(run.config, run.data, out.J, &result.theory_gap);
    if (writer != nullptr) {
      write_gaussian_theory(writer->file(), run.config, run.data, ok ? &out.J : nullptr);
      writer->finish(result.status, result.reason);
    }
    return result;
  } catch (const std::exception& e) {
    // Leave nothing that looks complete; the caller's exception then aborts the job.
    if (writer != nullptr) {
      try {
        writer->finish("failed", e.what());
      } catch (...) {
      }
    }
    throw;
  }
}

}  // namespace shortrun::cli
