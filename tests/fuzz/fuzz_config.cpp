// libFuzzer target: the INI file and --set parser (app/config_parser.cpp), single runs and sweeps.
// Input: the INI text, then optionally a 0 byte and --set arguments, one per line.
// Accepted outcomes: a configuration, or BadInput. Anything else (a crash, another exception, a
// sanitizer report, a huge allocation) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "shortrun/app/config_parser.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/families/composition.hpp"

// The families' checks are stubbed: the target is the parser and the shared checks (validate_common);
// the families' own checks run in the hostile-input table (tests/integration/hostile.sh).
namespace shortrun::families {
void resolve_defaults(RunConfig&) {}
void resolve_and_validate(RunConfig& c) { c.validate_common(); }
}  // namespace shortrun::families

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const auto nul = all.find('\0');
  shortrun::cli::ConfigSource source;
  source.path = "fuzz.ini";
  source.text = all.substr(0, nul);
  if (source.text.empty()) source.text = "\n";  // an empty text would read source.path instead
  if (nul != std::string::npos) {
    std::string rest = all.substr(nul + 1), item;
    for (char c : rest) {
      if (c == '\n') {
        source.sets.push_back(item);
        item.clear();
      } else {
        item += c;
      }
    }
    if (!item.empty()) source.sets.push_back(item);
  }
  try {
    (void)shortrun::cli::load_run_config(source, "train");
  } catch (const shortrun::BadInput&) {
  }
  try {
    (void)shortrun::cli::load_sweep(source);
  } catch (const shortrun::BadInput&) {
  }
  return 0;
}
