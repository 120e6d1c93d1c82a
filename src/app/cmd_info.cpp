// shortrun info FILE.h5: a readable summary of a run file or a sweep manifest, or typed JSON.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <type_traits>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "shortrun/app/cli_args.hpp"
#include "shortrun/app/commands.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/io/manifest.hpp"
#include "shortrun/io/run_file.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace shortrun::cli {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order written (the file's attribute order)

constexpr const char* kInfoUsage = R"(usage: shortrun info FILE.h5 [--json]

Summarises a run file (root attribute schema = "shortrun.run") or a sweep manifest (schema =
"shortrun.sweep"); any other file is refused (exit 2).

Text (default):
  run file   status, config, data, checkpoints, training log and, for solvable models, the
             trained parameters against theory;
  manifest   name, status, n_runs, axes, the number of runs in each status, and the /runs table
             one row per configuration (run_id, status, team, wall_s, theory_gap, err_k, err_min,
             err_eq, their standard errors err_k_se, err_min_se, err_eq_se, and the axis values).

--json: one JSON object with typed values:
  - every root attribute under its own name: strings as strings, int64 as integers, float64 as
    numbers, float64 lists as arrays; a non-finite float (NaN, inf) is null;
  - "config": the configuration as an object of sections, {"run": {"seed": 1, ...}, "train":
    {"lr": 0.1, ...}, ...}, each value typed as its key is (integers, floats, strings, lists as
    arrays); a manifest's swept keys hold the array of their axis values;
    "config_text": the root attribute config, the resolved INI text;
  - run file: "checkpoints": the stored checkpoint steps, as integers;
  - manifest: "axes" as an array of keys, and "runs": the /runs table as an array of row objects
    ({"run_id": "k1", "status": "completed", "team": 0, "wall_s": 1.2, "train.k": 1, ...}).

)";

// ---- typed values -------------------------------------------------------------------------------

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

/// An attribute as a typed JSON value (see kInfoUsage).
Json attr_json(const h5::Object& o, const std::string& name) {
  const auto shape = o.attr_shape(name);
  switch (o.attr_type(name)) {
    case h5::TypeClass::string: return shape.empty() ? Json(o.attr_string(name)) : Json(o.attr_as_text(name));
    case h5::TypeClass::integer:
      if (shape.empty()) return o.attr_int(name);
      return o.attr_as_text(name);
    case h5::TypeClass::real: {
      const auto v = o.attr_doubles(name);
      if (shape.empty()) return number(v.at(0));
      Json a = Json::array();
      for (double x : v) a.push_back(number(x));
      return a;
    }
    case h5::TypeClass::other: break;
  }
  return o.attr_as_text(name);
}

/// "section.key" -> {"section": {"key": value}}.
void put_key(Json& sections, const std::string& key, Json value) {
  const auto dot = key.find('.');
  const std::string section = dot == std::string::npos ? "" : key.substr(0, dot);
  sections[section][dot == std::string::npos ? key : key.substr(dot + 1)] = std::move(value);
}

enum class Kind { integer, real, list, text };

/// The type of every configuration key (RunConfig's fields), for typing INI text.
const std::map<std::string, Kind>& config_kinds() {
  static const std::map<std::string, Kind> kinds = [] {
    std::map<std::string, Kind> m;
    RunConfig c;
    c.visit([&](const std::string& key, const auto& field, const char*, Sweep, Identity) {
      using T = std::decay_t<decltype(field)>;
      if constexpr (std::is_same_v<T, std::int64_t>) m[key] = Kind::integer;
      else if constexpr (std::is_same_v<T, double>) m[key] = Kind::real;
      else if constexpr (std::is_same_v<T, std::vector<double>>) m[key] = Kind::list;
      else m[key] = Kind::text;
    });
    return m;
  }();
  return kinds;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

/// One INI value typed as `key` is; text that does not parse as its type stays a string.
Json typed_value(const std::string& key, const std::string& text) {
  const auto it = config_kinds().find(key);
  const Kind kind = it == config_kinds().end() ? Kind::text : it->second;
  auto as_real = [](const std::string& s) -> Json {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) return s;
    return number(v);
  };
  switch (kind) {
    case Kind::integer: {
      std::int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (!text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size()) return v;
      return text;
    }
    case Kind::real: return as_real(text);
    case Kind::list: {
      Json a = Json::array();
      std::istringstream items(text);
      std::string item;
      while (std::getline(items, item, ',')) a.push_back(as_real(trim(item)));
      return a;
    }
    case Kind::text: break;
  }
  return text;
}

/// A manifest's config text ([section] blocks of `key = value`, then `# axis KEY = v1,v2` lines)
/// as sections of typed values; a swept key holds the array of its axis values.
Json config_from_ini(const std::string& ini) {
  Json sections = Json::object();
  std::istringstream lines(ini);
  std::string line, section;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (line.rfind("# axis ", 0) == 0) {
      const std::string rest = line.substr(7);
      const auto eq = rest.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = trim(rest.substr(0, eq));
      Json values = Json::array();
      std::istringstream items(trim(rest.substr(eq + 1)));
      std::string item;
      while (std::getline(items, item, ',')) values.push_back(typed_value(key, trim(item)));
      put_key(sections, key, std::move(values));
      continue;
    }
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = section + "." + trim(line.substr(0, eq));
    put_key(sections, key, typed_value(key, trim(line.substr(eq + 1))));
  }
  return sections;
}

/// The root attributes, typed; the INI text `config` goes to "config_text" (the key "config"
/// holds the sections).
void put_root_attrs(Json& j, const h5::File& f) {
  for (const auto& a : f.attr_names()) {
    if (a == "config") j["config_text"] = attr_json(f, a);
    else j[a] = attr_json(f, a);
  }
}

// ---- the /runs table of a manifest --------------------------------------------------------------

struct Column {
  std::string name;
  h5::TypeClass type = h5::TypeClass::other;
  std::vector<std::int64_t> ints;
  std::vector<double> reals;
  std::vector<std::string> strings;
  std::size_t size() const {
    return type == h5::TypeClass::integer ? ints.size() : type == h5::TypeClass::real ? reals.size() : strings.size();
  }
  Json json(std::size_t i) const {
    switch (type) {
      case h5::TypeClass::integer: return ints.at(i);
      case h5::TypeClass::real: return number(reals.at(i));
      default: return strings.at(i);
    }
  }
  std::string text(std::size_t i) const {
    switch (type) {
      case h5::TypeClass::integer: return std::to_string(ints.at(i));
      case h5::TypeClass::real: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.4g", reals.at(i));
        return buf;
      }
      default: return strings.at(i);
    }
  }
};

/// The columns of /runs: the fixed ones in schema order, then the axes, then anything else.
std::vector<Column> read_runs(const h5::File& f) {
  const h5::Group runs = f.open_group("runs");
  std::vector<std::string> names = {"run_id", "status", "team", "wall_s", "theory_gap", "err_k", "err_min", "err_eq",
                                    "err_k_se", "err_min_se", "err_eq_se"};
  std::istringstream axes(f.has_attr("axes") ? f.attr_string("axes") : "");
  std::string axis;
  while (std::getline(axes, axis, ','))
    if (!axis.empty()) names.push_back(axis);
  for (const auto& c : runs.children())
    if (c != "file" && std::find(names.begin(), names.end(), c) == names.end()) names.push_back(c);
  std::vector<Column> cols;
  for (const auto& name : names) {
    if (!runs.exists(name)) continue;
    Column c;
    c.name = name;
    c.type = runs.type_class(name);
    if (c.type == h5::TypeClass::integer) c.ints = runs.read_ints(name);
    else if (c.type == h5::TypeClass::real) {
      const Vector v = runs.read_vector(name);
      c.reals.assign(v.data(), v.data() + v.size());
    } else if (c.type == h5::TypeClass::string) c.strings = runs.read_strings(name);
    else continue;
    cols.push_back(std::move(c));
  }
  return cols;
}

// ---- output -------------------------------------------------------------------------------------

void print_run_json(const h5::File& f) {
  Json j;
  j["file"] = f.file_path();
  put_root_attrs(j, f);
  Json sections = Json::object();
  const h5::Group cfg = f.open_group("config");
  for (const auto& key : cfg.attr_names()) put_key(sections, key, attr_json(cfg, key));
  j["config"] = std::move(sections);
  j["checkpoints"] = io::checkpoint_steps(f);
  std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void print_manifest_json(const h5::File& f) {
  Json j;
  j["file"] = f.file_path();
  put_root_attrs(j, f);
  Json axes = Json::array();
  {
    std::istringstream in(f.has_attr("axes") ? f.attr_string("axes") : "");
    std::string a;
    while (std::getline(in, a, ','))
      if (!a.empty()) axes.push_back(a);
  }
  j["axes"] = std::move(axes);
  j["config"] = config_from_ini(f.has_attr("config") ? f.attr_string("config") : "");
  const auto cols = read_runs(f);
  Json rows = Json::array();
  const std::size_t n = cols.empty() ? 0 : cols.front().size();
  for (std::size_t i = 0; i < n; ++i) {
    Json row = Json::object();
    for (const auto& c : cols)
      if (i < c.size()) row[c.name] = c.json(i);
    rows.push_back(std::move(row));
  }
  j["runs"] = std::move(rows);
  std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void print_manifest_text(const h5::File& f) {
  auto attr = [&](const char* name) { return f.has_attr(name) ? f.attr_as_text(name) : std::string("?"); };
  std::printf("%s\n", f.file_path().c_str());
  std::printf("  schema     %s v%s (shortrun %s, git %s)\n", attr("schema").c_str(), attr("schema_version").c_str(),
              attr("shortrun_version").c_str(), attr("git_sha").c_str());
  std::printf("  name       %s\n", attr("name").c_str());
  std::printf("  status     %s\n", attr("status").c_str());
  std::printf("  created    %s  updated %s, %s MPI rank(s), %s per run\n", attr("created").c_str(),
              attr("updated").c_str(), attr("mpi_ranks").c_str(), attr("ranks_per_run").c_str());
  std::printf("  axes       %s\n", attr("axes").c_str());
  const auto cols = read_runs(f);
  std::map<std::string, int> counts;
  std::vector<std::string> order;
  for (const auto& c : cols)
    if (c.name == "status")
      for (const auto& s : c.strings) {
        if (counts[s]++ == 0) order.push_back(s);
      }
  std::printf("  n_runs     %s:", attr("n_runs").c_str());
  for (std::size_t i = 0; i < order.size(); ++i)
    std::printf("%s %s %d", i ? "," : "", order[i].c_str(), counts[order[i]]);
  std::printf("\n");
  const std::size_t n = cols.empty() ? 0 : cols.front().size();
  std::vector<std::size_t> width;
  for (const auto& c : cols) {
    std::size_t w = c.name.size();
    for (std::size_t i = 0; i < n && i < c.size(); ++i) w = std::max(w, c.text(i).size());
    width.push_back(w);
  }
  std::printf(" ");
  for (std::size_t k = 0; k < cols.size(); ++k) std::printf(" %-*s", static_cast<int>(width[k]), cols[k].name.c_str());
  std::printf("\n");
  for (std::size_t i = 0; i < n; ++i) {
    std::printf(" ");
    for (std::size_t k = 0; k < cols.size(); ++k)
      std::printf(" %-*s", static_cast<int>(width[k]), i < cols[k].size() ? cols[k].text(i).c_str() : "");
    std::printf("\n");
  }
}

void print_run_text(const h5::File& f) {
  auto attr = [&](const char* name) { return f.has_attr(name) ? f.attr_as_text(name) : std::string("?"); };
  std::printf("%s\n", f.file_path().c_str());
  std::printf("  schema     %s v%s (shortrun %s, git %s%s%s)\n", attr("schema").c_str(),
              attr("schema_version").c_str(), attr("shortrun_version").c_str(), attr("git_sha").c_str(),
              f.has_attr("matrix_products") ? ", products: " : "",
              f.has_attr("matrix_products") ? attr("matrix_products").c_str() : "");
  std::printf("  status     %s%s%s\n", attr("status").c_str(), attr("status_reason").empty() ? "" : ": ",
              attr("status_reason").c_str());
  std::printf("  created    %s  finished %s  on %s, %s MPI rank(s)\n", attr("created").c_str(),
              attr("finished").c_str(), attr("host").c_str(), attr("mpi_ranks").c_str());
  // A resumed run's segments, when there are several (one is the line above).
  const std::string seg = f.has_attr("train_segments") ? attr("train_segments") : "";
  if (seg.find('\n') != std::string::npos)
    for (std::size_t at = 0, end = 0; end != std::string::npos; at = end + 1) {
      end = seg.find('\n', at);
      std::printf("  segment    %s\n", seg.substr(at, end - at).c_str());
    }
  const h5::Group cfg = f.open_group("config");
  std::printf("  config    ");
  for (const char* key : {"model.type", "model.precision", "train.scheme", "train.k", "train.lr",
                          "train.updates", "train.moments", "sampler.step", "init.type", "run.seed"})
    if (cfg.has_attr(key)) std::printf(" %s=%s", key, cfg.attr_as_text(key).c_str());
  std::printf("\n");
  if (f.exists("data/mean"))
    std::printf("  data       N = %llu, n_samples = %s\n",
                static_cast<unsigned long long>(f.shape("data/mean")[0]),
                f.open_group("data").attr_as_text("n_samples").c_str());
  const auto steps = io::checkpoint_steps(f);
  std::printf("  checkpoints %zu:", steps.size());
  for (auto s : steps) std::printf(" %lld", static_cast<long long>(s));
  std::printf("%s\n", f.exists("final") ? ("  (final -> " + f.link_target("final") + ")").c_str() : "");
  if (f.exists("train/step")) {
    const auto step = f.read_ints("train/step");
    const Vector wall = f.read_vector("train/wall_s");
    const Vector grad = f.read_vector("train/grad_norm");
    if (!step.empty())
      std::printf("  train      %zu log rows; last: update %lld, %.3gs, |grad| = %.3g\n", step.size(),
                  static_cast<long long>(step.back()), wall[wall.size() - 1], grad[grad.size() - 1]);
  }
  if (f.exists("theory/J_star")) {
    const h5::Group th = f.open_group("theory");
    const Vector c = th.read_vector("c"), js = th.read_vector("J_star"), je = th.read_vector("J_eq");
    const bool trained = th.exists("J_trained");
    const Vector jt = trained ? th.read_vector("J_trained") : Vector();
    std::printf("  theory     expected fixed point: %s\n", th.attr_as_text("expected").c_str());
    std::printf("  %6s %10s %12s %12s %12s\n", "mode", "c_alpha", "J_trained", "J*(k)", "J_eq");
    for (Index a = 0; a < c.size(); ++a)
      std::printf("  %6lld %10.4g %12.6g %12.6g %12.6g\n", static_cast<long long>(a + 1), c[a],
                  trained ? jt[a] : std::nan(""), js[a], je[a]);
  }
}

}  // namespace

int cmd_info(int argc, char** argv) {
  std::string path;
  bool json = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "json", po::bool_switch(&json),
      "print the file as one JSON object with typed values (root attributes, config sections, "
      "checkpoints; manifest: axes and /runs rows)");
  const po::variables_map vm = parse_command_line(argc, argv, opts, "file", path, "info");
  if (vm.count("help")) {
    std::cout << kInfoUsage << opts;
    return kExitOk;
  }
  if (path.empty()) throw BadInput("shortrun info: missing FILE.h5 (see shortrun info --help)");
  if (fs::is_directory(path))
    throw BadInput(path + ": a directory; expected a run file (<out>/runs/<run_id>.h5) or a sweep manifest (<out>/sweep.h5)");
  std::unique_ptr<h5::File> file;
  try {
    file = std::make_unique<h5::File>(path, h5::File::Mode::read);
  } catch (const h5::Error& e) {
    throw BadInput(path + ": cannot open as HDF5 (" + e.what() + ")");
  }
  const bool manifest = file->has_attr("schema") && file->attr_type("schema") == h5::TypeClass::string &&
                        file->attr_string("schema") == io::kSweepSchema;
  if (manifest) io::check_schema(*file, io::kSweepSchema, io::kSweepSchemaVersion);
  else io::check_run_schema(*file);
  // Files are written whole and renamed into place; one missing its groups is not one.
  const char* group = manifest ? "runs" : "config";
  const char* what = manifest ? "sweep manifest" : "run file";
  if (!file->exists(group))
    throw BadInput(path + ": no /" + group + " group; expected a complete " + what + " (docs/hdf5-schema.md)");
  try {
    if (manifest) json ? print_manifest_json(*file) : print_manifest_text(*file);
    else json ? print_run_json(*file) : print_run_text(*file);
  } catch (const h5::Error& e) {
    std::fflush(stdout);
    throw BadInput(path + ": not a complete " + std::string(what) + " (" + e.what() + ")");
  }
  return kExitOk;
}

}  // namespace shortrun::cli
