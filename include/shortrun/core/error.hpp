#pragma once
/// Exceptions of the core. The app turns them into exit codes (docs/design.md section 2): BadInput -> 2,
/// everything else -> 1. Numerical divergence is not an exception: it is a run status.
#include <stdexcept>
#include <string>
#include <string_view>

namespace shortrun {

/// Bad configuration, data file or argument. The message names the key or file and what was
/// expected, in one line.
class BadInput : public std::runtime_error {
 public:
  /// Line breaks in `message` (a library's multi-line text quoted in it) become "; ".
  explicit BadInput(const std::string& message) : std::runtime_error(one_line(message)) {}
  explicit BadInput(const char* message) : BadInput(std::string(message)) {}

  /// `text` with every run of line breaks (and the blanks that follow them) replaced by "; ", and
  /// none at the end.
  static std::string one_line(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\n' && text[i] != '\r') {
        out += text[i];
        continue;
      }
      while (i + 1 < text.size() && std::string_view("\n\r \t").find(text[i + 1]) != std::string_view::npos) ++i;
      if (i + 1 < text.size()) out += "; ";
    }
    return out;
  }
};

}  // namespace shortrun
