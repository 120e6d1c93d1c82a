#include "shortrun/app/config_parser.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>

#include <boost/program_options.hpp>

#include "shortrun/core/error.hpp"

namespace po = boost::program_options;

namespace shortrun::cli {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
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

void parse(const std::string& key, const std::string& text, std::vector<double>& out) {
  out.clear();
  if (text.empty()) return;
  for (const auto& item : split_list(text)) {
    double v = 0;
    parse(key, item, v);
    out.push_back(v);
  }
}

/// key -> raw text, from the file and then the --set overrides.
std::map<std::string, std::string> read_raw(const ConfigSource& source, const RunConfig& keys) {
  po::options_description desc;
  keys.visit([&](const std::string& key, const auto&, const char* help, Sweep) {
    desc.add_options()(key.c_str(), po::value<std::string>(), help);
  });
  std::ifstream in(source.path);
  if (!in) throw BadInput(source.path + ": cannot open the config file");
  po::variables_map vm;
  try {
    po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
  } catch (const po::unknown_option& e) {
    throw BadInput(source.path + ": unknown key '" + e.get_option_name() +
                   "' (shortrun train --help lists the keys)");
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
    if (desc.find_nothrow(key, /*approx=*/false) == nullptr)
      throw BadInput("--set " + set + ": unknown key '" + key + "'");
    raw[key] = trim(set.substr(eq + 1));
  }
  return raw;
}

}  // namespace

RunConfig load_run_config(const ConfigSource& source, const std::string& command) {
  RunConfig config;
  const auto raw = read_raw(source, config);
  config.visit([&](const std::string& key, auto& field, const char*, Sweep sweep) {
    const auto it = raw.find(key);
    if (it == raw.end()) return;
    if (sweep == Sweep::yes && it->second.find(',') != std::string::npos)
      throw BadInput(key + ": 'shortrun " + command + "' takes one value, got the list '" +
                     it->second + "' (lists make sweep axes)");
    parse(key, it->second, field);
  });
  if (config.run_name.empty()) config.run_name = std::filesystem::path(source.path).stem().string();
  if (!source.out.empty()) config.run_out = source.out;
  if (config.run_out.empty()) config.run_out = "results/" + config.run_name;
  config.validate();
  return config;
}

}  // namespace shortrun::cli
