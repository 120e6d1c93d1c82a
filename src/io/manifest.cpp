#include "shortrun/io/manifest.hpp"

#include <filesystem>
#include <type_traits>

#include "shortrun/io/dataset_docs.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/io/run_file.hpp"
#include "shortrun/version.hpp"

namespace shortrun::io {
namespace {

/// Writes column `key` of the axis values, typed as the RunConfig field is.
void write_axis_column(h5::Group& g, const std::string& key, const std::vector<ManifestRow>& rows) {
  std::vector<std::int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string> strings;
  int kind = -1;
  for (const auto& row : rows) {
    row.config->visit([&](const std::string& k, const auto& field, const char*, Sweep, Identity) {
      if (k != key) return;
      using T = std::decay_t<decltype(field)>;
      if constexpr (std::is_same_v<T, std::int64_t>) {
        ints.push_back(field);
        kind = 0;
      } else if constexpr (std::is_same_v<T, double>) {
        doubles.push_back(field);
        kind = 1;
      } else if constexpr (std::is_same_v<T, std::string>) {
        strings.push_back(field);
        kind = 2;
      } else if constexpr (NamedEnum<T> || kIsOptional<T>) {
        strings.push_back(format_value(field));
        kind = 2;
      }
    });
  }
  if (kind == 0) g.write(key, ints);
  if (kind == 1) g.write(key, doubles);
  if (kind == 2) g.write(key, strings);
}

}  // namespace

void write_manifest(const std::string& path, const ManifestMeta& meta,
                    const std::vector<std::string>& axes, const std::vector<ManifestRow>& rows) {
  const std::string tmp = path + ".tmp";
  {
    h5::File f(tmp, h5::File::Mode::create);
    f.attr("schema", kSweepSchema);
    f.attr("schema_version", kSweepSchemaVersion);
    f.attr("shortrun_version", kVersion);
    f.attr("git_sha", kGitSha);
    f.attr("name", meta.name);
    f.attr("created", meta.created);
    f.attr("updated", utc_now());
    f.attr("status", meta.status);
    f.attr("config", meta.config_text);
    f.attr("mpi_ranks", meta.mpi_ranks);
    f.attr("ranks_per_run", meta.ranks_per_run);
    write_provenance(f, meta.provenance);
    std::string axes_text;
    for (const auto& a : axes) axes_text += (axes_text.empty() ? "" : ",") + a;
    f.attr("axes", axes_text);
    f.attr("n_runs", static_cast<std::int64_t>(rows.size()));

    h5::Group runs = f.create_group("runs");
    std::vector<std::string> id, file, status;
    std::vector<std::int64_t> team;
    std::vector<double> wall, gap, err_k, err_min, err_eq, err_k_se, err_min_se, err_eq_se;
    for (const auto& r : rows) {
      id.push_back(r.run_id);
      file.push_back(r.file);
      status.push_back(name_of(r.status));
      team.push_back(r.team);
      wall.push_back(r.wall_s);
      gap.push_back(r.theory_gap);
      err_k.push_back(r.err_k);
      err_min.push_back(r.err_min);
      err_eq.push_back(r.err_eq);
      err_k_se.push_back(r.err_k_se);
      err_min_se.push_back(r.err_min_se);
      err_eq_se.push_back(r.err_eq_se);
    }
    runs.write("run_id", id);
    runs.write("file", file);
    runs.write("status", status);
    runs.write("team", team);
    runs.write("wall_s", wall);
    runs.write("theory_gap", gap);
    runs.write("err_k", err_k);
    runs.write("err_min", err_min);
    runs.write("err_eq", err_eq);
    runs.write("err_k_se", err_k_se);
    runs.write("err_min_se", err_min_se);
    runs.write("err_eq_se", err_eq_se);
    for (const auto& key : axes) write_axis_column(runs, key, rows);

    h5::Group links = f.create_group("links");
    const auto folder = std::filesystem::path(path).parent_path();
    for (const auto& r : rows)
      if (std::filesystem::exists(folder / r.file)) links.external_link(r.run_id, r.file, "/");
    describe_datasets(f);
    f.close();
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace shortrun::io
