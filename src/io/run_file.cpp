#include "shortrun/io/run_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <variant>

#include "shortrun/core/error.hpp"
#include "shortrun/core/matrix_backend.hpp"
#include "shortrun/data/bars_stripes.hpp"
#include "shortrun/io/dataset_docs.hpp"
#include "shortrun/version.hpp"

namespace shortrun::io {

std::vector<std::int64_t> checkpoint_steps(const h5::File& file) {
  std::vector<std::int64_t> steps;
  if (!file.exists("checkpoints")) return steps;
  for (const auto& name : file.open_group("checkpoints").children()) {
    std::int64_t step = -1;
    const auto r = std::from_chars(name.data(), name.data() + name.size(), step);
    if (name.empty() || r.ec != std::errc() || r.ptr != name.data() + name.size() || step < 0)
      throw BadInput(file.path() + ": /checkpoints/" + name + " is not named by an update number");
    steps.push_back(step);
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {
std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}
}  // namespace

RunWriter::RunWriter(std::string final_path, const RunConfig& config, const RunMeta& meta)
    : final_path_(std::move(final_path)),
      tmp_path_(final_path_ + ".tmp"),
      file_(tmp_path_, h5::File::Mode::create) {
  file_.attr("schema", kRunSchema);
  file_.attr("schema_version", kRunSchemaVersion);
  file_.attr("shortrun_version", kVersion);
  file_.attr("git_sha", kGitSha);
  file_.attr("run_id", meta.run_id);
  file_.attr("created", utc_now());
  file_.attr("finished", "");
  file_.attr("status", "running");
  file_.attr("status_reason", "");
  file_.attr("config", config.to_ini());
  file_.attr("mpi_ranks", static_cast<std::int64_t>(meta.mpi_ranks));
  file_.attr("host", host_name());
  write_provenance(file_, meta.provenance);
  h5::Group cfg = file_.create_group("config");
  config.visit([&](const std::string& key, const auto& value, const char*, Sweep, Identity) {
    if (key == "run.max_memory") return;  // a resource limit of this machine, not of the run (as in to_ini)
    cfg.attr(key, attr_value(value));
  });
}

void RunWriter::write_data(const Dataset& data) {
  h5::Group g = file_.create_group("data");
  g.write("mean", data.mean);
  if (data.dim() <= kMaxStoredCovDim) g.write("cov", data.cov);
  g.attr("n_samples", static_cast<std::int64_t>(data.n_samples()));
  g.attr("population", static_cast<std::int64_t>(data.population ? 1 : 0));
}

void RunWriter::write_checkpoint(Index step, const Layout& layout, const Vector& params) {
  file_.require_group("checkpoints");  // explicitly, so that it lists its steps in the order written
  h5::Group g = file_.create_group("checkpoints/" + std::to_string(step) + "/params");
  for (const Block& b : layout.blocks()) {
    if (b.cols == 1) g.write(b.name, Vector(view(params, b)));
    else g.write(b.name, Matrix(view(params, b)));
  }
  file_.open_group("checkpoints/" + std::to_string(step)).attr("step", static_cast<std::int64_t>(step));
  last_checkpoint_ = step;
  file_.flush();
}

void write_train_log(h5::Group& g, const std::vector<TrainLogRow>& rows) {
  std::vector<std::int64_t> step;
  std::vector<double> wall, grad, param;
  for (const auto& r : rows) {
    step.push_back(r.step);
    wall.push_back(r.wall_s);
    grad.push_back(r.grad_norm);
    param.push_back(r.param_norm);
  }
  g.write("step", step);
  g.write("wall_s", wall);
  g.write("grad_norm", grad);
  g.write("param_norm", param);
}

void RunWriter::write_train_log(const std::vector<TrainLogRow>& rows) {
  h5::Group g = file_.require_group("train");
  io::write_train_log(g, rows);
}

void RunWriter::write_image_examples(const Dataset& data, Index n) {
  h5::Group g = file_.open_group("data");
  const Index kept = std::min(n, data.n_samples());
  const auto side = static_cast<hsize_t>(square_side(data.dim(), "model.n_visible"));
  // Sample columns of L L pixels (row-major) are, in memory, the C-order array [n, L, L].
  g.write_array("examples", std::vector<double>(data.x.data(), data.x.data() + kept * data.dim()),
                {static_cast<hsize_t>(kept), side, side});
  g.attr("height", static_cast<std::int64_t>(side));
  g.attr("width", static_cast<std::int64_t>(side));
}

void write_theory(h5::Group& parent, const TheoryTables& tables) {
  h5::Group g = parent.create_group("theory");
  // Pairs, not structured bindings: clang 14 (the fuzz build) cannot capture those in a lambda.
  for (const auto& attr : tables.attrs) std::visit([&](const auto& v) { g.attr(attr.first, v); }, attr.second);
  for (const auto& ds : tables.datasets) std::visit([&](const auto& v) { g.write(ds.first, v); }, ds.second);
}

void RunWriter::finish(RunStatus status, const std::string& reason) {
  file_.attr("status", name_of(status));
  file_.attr("status_reason", reason);
  file_.attr("finished", utc_now());
  if (last_checkpoint_ >= 0) file_.soft_link("final", "/checkpoints/" + std::to_string(last_checkpoint_));
  describe_datasets(file_);  // units, description, dimension scales: the file explains itself
  file_.close();
  std::error_code ec;
  std::filesystem::rename(tmp_path_, final_path_, ec);
  if (ec) throw h5::Error("cannot rename " + tmp_path_ + " to " + final_path_ + ": " + ec.message());
}

void RunWriter::discard() {
  try {
    file_.close();
  } catch (const h5::Error&) {
    // Deleting it anyway.
  }
  std::error_code ec;
  std::filesystem::remove(tmp_path_, ec);
}

void check_schema(const h5::File& file, const char* schema, std::int64_t version) {
  if (!file.has_attr("schema") || file.attr_string("schema") != schema)
    throw BadInput(file.file_path() + ": not a shortrun " +
                   (std::string(schema) == kRunSchema ? std::string("run file") : std::string(schema) + " file") +
                   " (root attribute schema != '" + schema + "')");
  const std::int64_t found = file.has_attr("schema_version") ? file.attr_int("schema_version") : -1;
  if (found != version)
    throw BadInput(file.file_path() + ": schema_version " +
                   (found < 0 ? std::string("missing") : std::to_string(found)) + " of " + schema +
                   ", but this shortrun reads version " + std::to_string(version));
}

void check_run_schema(const h5::File& file) { check_schema(file, kRunSchema, kRunSchemaVersion); }

Vector read_checkpoint_params(const h5::File& file, Index step, const Layout& layout) {
  const std::string group = "checkpoints/" + std::to_string(step) + "/params";
  Vector params(layout.size());
  for (const Block& b : layout.blocks()) {
    const std::string name = group + "/" + b.name;
    if (!file.exists(name)) throw BadInput(file.file_path() + ": no /" + name + " (not a checkpoint of this model)");
    const auto shape = file.shape(name);
    const bool ok = b.cols == 1 ? shape.size() == 1 && static_cast<Index>(shape[0]) == b.rows
                                : shape.size() == 2 && static_cast<Index>(shape[0]) == b.rows &&
                                      static_cast<Index>(shape[1]) == b.cols;
    if (!ok)
      throw BadInput(file.file_path() + ": /" + name + " has the wrong shape for the configuration's model (" +
                     std::to_string(b.rows) + " x " + std::to_string(b.cols) + " expected)");
    if (b.cols == 1) view(params, b) = file.read_vector(name);
    else view(params, b) = file.read_matrix(name);
  }
  return params;
}

}  // namespace shortrun::io
