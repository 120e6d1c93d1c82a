#include <string>

#include <catch2/catch.hpp>

#include "shortrun/core/error.hpp"

// Bad input is reported as one line (README, Errors): a library's multi-line text quoted in a
// BadInput message is folded into it.
TEST_CASE("BadInput messages are one line", "[error]") {
  using shortrun::BadInput;
  CHECK(std::string(BadInput("data.h5: cannot open\n  HDF5-DIAG: error #000\r\n\n  major: file\n").what()) ==
        "data.h5: cannot open; HDF5-DIAG: error #000; major: file");
  CHECK(std::string(BadInput("train.k: expected an integer >= 1, got 0").what()) ==
        "train.k: expected an integer >= 1, got 0");
  CHECK(BadInput::one_line("\n") == "");
  CHECK(BadInput::one_line("a\n\tb") == "a; b");
}
