#include "shortrun/app/config_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <optional>
#include <type_traits>

#include <boost/program_options.hpp>

#include "shortrun/core/error.hpp"
#include "shortrun/families/composition.hpp"

namespace po = boost::program_options;

namespace shortrun::cli {
namespace {

/// The most configurations of one sweep (README, Errors: caps).
constexpr std::size_t kMaxGridPoints = 100'000;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// A config line as one printable line of a message: bytes outside ASCII 32-126 as \xNN, at most
/// 80 of its characters (then "...").
std::string printable_excerpt(const std::string& line) {
  constexpr std::size_t kMax = 80;
  std::string out;
  for (std::size_t i = 0; i < line.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  if (line.size() > kMax) out += "...";
  return out;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  for (char c : s) {
    if (c == ',') {
      out.push_back(trim(item));
      item.clear();
    } else {
      item += c;
    }
  }
  out.push_back(trim(item));
  return out;
}

void parse(const std::string&, const std::string& text, std::string& out) { out = text; }

void parse(const std::string& key, const std::string& text, std::int64_t& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size())
    throw BadInput(key + ": expected an integer, got '" + text + "'");
}

void parse(const std::string& key, const std::string& text, double& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size())
    throw BadInput(key + ": expected a number, got '" + text + "'");
}

template <NamedEnum E>
void parse(const std::string& key, const std::string& text, E& out) {
  out = parse_name<E>(key, text);
}

/// An empty value leaves a choice unset (its model-dependent default).
template <NamedEnum E>
void parse(const std::string& key, const std::string& text, std::optional<E>& out) {
  if (text.empty()) out.reset();
  else out = parse_name<E>(key, text);
}

void parse(const std::string& key, const std::string& text, std::vector<double>& out) {
  out.clear();
  if (text.empty()) return;
  for (const auto& item : split_list(text)) {
    double v = 0;
    parse(key, item, v);
    out.push_back(v);
  }
}

/// Most values one range may expand to (a guard against typos such as 1:100000000).
constexpr std::int64_t kMaxRangeValues = 10000;

/// An integer sweep key's list with ranges expanded: "1:4" -> "1,2,3,4", "0:10:5" -> "0,5,10"
/// (first:last[:step], inclusive, step > 0); items without ':' stay as they are.
std::string expand_ranges(const std::string& key, const std::string& text) {
  std::string out;
  for (const auto& item : split_list(text)) {
    if (item.find(':') == std::string::npos) {
      out += (out.empty() ? "" : ",") + item;
      continue;
    }
    std::vector<std::string> parts;
    std::string part;
    for (char ch : item) {
      if (ch == ':') {
        parts.push_back(trim(part));
        part.clear();
      } else {
        part += ch;
      }
    }
    parts.push_back(trim(part));
    std::int64_t v[3] = {0, 0, 1};
    bool ok = parts.size() == 2 || parts.size() == 3;
    for (std::size_t i = 0; ok && i < parts.size(); ++i) {
      const auto r = std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), v[i]);
      ok = !parts[i].empty() && r.ec == std::errc() && r.ptr == parts[i].data() + parts[i].size();
    }
    ok = ok && v[0] <= v[1] && v[2] >= 1 && (v[1] - v[0]) / v[2] < kMaxRangeValues;
    if (!ok)
      throw BadInput(key + ": expected a range first:last or first:last:step of integers with first <= last, step >= 1 "
                     "and at most " + std::to_string(kMaxRangeValues) + " values, got '" + item + "'");
    for (std::int64_t x = v[0]; x <= v[1]; x += v[2]) out += (out.empty() ? "" : ",") + std::to_string(x);
  }
  return out;
}

/// key -> raw text, from the file and then the --set overrides.
std::map<std::string, std::string> read_raw(const ConfigSource& source, const RunConfig& keys) {
  po::options_description desc;
  keys.visit([&](const std::string& key, const auto&, const char* help, Sweep, Identity) {
    desc.add_options()(key.c_str(), po::value<std::string>(), help);
  });
  std::ifstream file;
  std::istringstream text(source.text);
  if (source.text.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(source.path, ec))
      throw BadInput(source.path + ": is a directory; expected an INI config file");
    file.open(source.path);
    if (!file) throw BadInput(source.path + ": cannot open the config file");
  }
  std::istream& in = source.text.empty() ? static_cast<std::istream&>(file) : text;
  po::variables_map vm;
  try {
    po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
  } catch (const po::unknown_option& e) {
    throw BadInput(source.path + ": unknown key '" + e.get_option_name() +
                   "' (shortrun train --help lists the keys)");
  } catch (const po::invalid_config_file_syntax& e) {
    // Not e.what(): Boost 1.74 substitutes the line into its message template until no
    // "%invalid_line%" is left, which never ends when the line itself contains that text (found by
    // fuzz_config).
    throw BadInput(source.path + ": invalid line '" + printable_excerpt(e.tokens()) +
                   "': expected KEY = VALUE, [section] or a # comment");
  } catch (const po::error& e) {
    throw BadInput(source.path + ": " + e.what());
  }
  std::map<std::string, std::string> raw;
  for (const auto& [key, value] : vm) raw[key] = trim(value.as<std::string>());
  for (const auto& set : source.sets) {
    const auto eq = set.find('=');
    if (eq == std::string::npos)
      throw BadInput("--set " + set + ": expected SECTION.KEY=VALUE");
    const std::string key = trim(set.substr(0, eq));
    if (key.empty() || key.find('.') == std::string::npos)
      throw BadInput("--set " + set + ": expected SECTION.KEY=VALUE");
    if (desc.find_nothrow(key, /*approx=*/false) == nullptr)
      throw BadInput("--set " + set + ": unknown key '" + key + "'");
    raw[key] = trim(set.substr(eq + 1));
  }
  // Integer sweep axes may be given as ranges (run.seed = 1:8): from here on they are lists.
  keys.visit([&](const std::string& key, const auto& field, const char*, Sweep sweep, Identity) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::int64_t>) {
      const auto it = raw.find(key);
      if (sweep == Sweep::yes && it != raw.end() && it->second.find(':') != std::string::npos)
        it->second = expand_ranges(key, it->second);
    }
  });
  return raw;
}

/// Typed config from raw text; lists in sweepable keys are refused with `command` named.
RunConfig from_raw(const std::map<std::string, std::string>& raw, const ConfigSource& source,
                   const std::string& command) {
  RunConfig config;
  config.visit([&](const std::string& key, auto& field, const char*, Sweep sweep, Identity) {
    const auto it = raw.find(key);
    if (it == raw.end()) return;
    const bool list = it->second.find(',') != std::string::npos;
    if (list && sweep == Sweep::yes)
      throw BadInput(key + ": 'shortrun " + command + "' takes one value, got the list '" +
                     it->second + "' (lists make sweep axes)");
    if (list && !std::is_same_v<std::decay_t<decltype(field)>, std::vector<double>>)
      throw BadInput(key + ": takes one value (it is not a sweep axis), got '" + it->second + "'");
    parse(key, it->second, field);
  });
  if (config.run_name.empty()) config.run_name = std::filesystem::path(source.path).stem().string();
  if (!source.out.empty()) config.run_out = source.out;
  if (config.run_out.empty()) config.run_out = "results/" + config.run_name;
  families::resolve_defaults(config);
  return config;
}

/// Short label of an axis in run ids: train.k -> "k", run.seed -> "seed"; train.scheme -> "" (its
/// values, rdm/cd/pcd/exact, speak for themselves; so do sampler.type values).
std::string axis_label(const std::string& key) {
  if (key == "train.scheme" || key == "sampler.type") return "";
  if (key == "init.sigma") return "sigma";
  if (key == "model.n_hidden") return "nh";
  return key.substr(key.find('.') + 1);
}

}  // namespace

RunConfig load_run_config(const ConfigSource& source, const std::string& command) {
  RunConfig config = from_raw(read_raw(source, RunConfig{}), source, command);
  families::resolve_and_validate(config);
  return config;
}

SweepPlan load_sweep(const ConfigSource& source) {
  const auto raw = read_raw(source, RunConfig{});
  SweepPlan plan;
  std::vector<std::vector<std::string>> values;  // per axis, as text
  RunConfig{}.visit([&](const std::string& key, const auto& field, const char*, Sweep sweep, Identity) {
    const auto it = raw.find(key);
    if (sweep == Sweep::no || it == raw.end() || it->second.find(',') == std::string::npos) return;
    std::vector<std::string> items = split_list(it->second);
    std::vector<std::string> canonical;
    for (const auto& item : items) {
      if (item.empty()) throw BadInput(key + ": empty value in the list '" + it->second + "'");
      auto typed = field;
      parse(key, item, typed);
      const std::string text = format_value(typed);
      if (std::find(canonical.begin(), canonical.end(), text) != canonical.end())
        throw BadInput(key + ": value " + item + " appears twice in the list '" + it->second + "'");
      canonical.push_back(text);
    }
    plan.axes.push_back(key);
    values.push_back(canonical);
  });
  const RunConfig base = from_raw([&] {
    auto single = raw;
    for (const auto& key : plan.axes) single.erase(key);
    return single;
  }(), source, "sweep");
  plan.name = base.run_name;
  plan.out = base.run_out;
  plan.config_text = base.to_ini();
  for (std::size_t a = 0; a < plan.axes.size(); ++a) {
    std::string list;
    for (const auto& v : values[a]) list += (list.empty() ? "" : ",") + v;
    plan.config_text += "# axis " + plan.axes[a] + " = " + list + "\n";
  }

  // Cartesian product, last axis fastest; its size capped before anything is built.
  std::size_t n = 1;
  for (std::size_t a = 0; a < values.size(); ++a) {
    n *= values[a].size();
    if (n > kMaxGridPoints)
      throw BadInput(plan.axes[a] + ": the grid has more than " + std::to_string(kMaxGridPoints) +
                     " configurations, the cap (README, Errors: caps)");
  }
  for (std::size_t index = 0; index < n; ++index) {
    auto point = raw;
    std::string run_id;
    std::size_t rest = index;
    std::vector<std::string> parts(plan.axes.size());
    for (std::size_t a = plan.axes.size(); a-- > 0;) {
      const std::string& v = values[a][rest % values[a].size()];
      rest /= values[a].size();
      point[plan.axes[a]] = v;
      // A file stem keeps letters, digits, '-', '_' and '.': 1e+06 becomes 1e06.
      std::string label = v;
      std::erase(label, '+');
      parts[a] = axis_label(plan.axes[a]) + label;
    }
    for (const auto& p : parts) run_id += (run_id.empty() ? "" : "_") + p;
    if (run_id.empty()) run_id = base.run_name;
    RunConfig config = from_raw(point, source, "sweep");
    config.run_name = run_id;
    config.run_out = plan.out;
    try {
      families::resolve_and_validate(config);
    } catch (const BadInput& e) {
      throw BadInput(std::string(e.what()) + " (in run " + run_id + ")");
    }
    plan.configs.push_back(std::move(config));
    plan.run_ids.push_back(run_id);
  }
  return plan;
}

}  // namespace shortrun::cli
