#include <algorithm>

#include <catch2/catch.hpp>

#include "shortrun/core/log_grid.hpp"

TEST_CASE("log grids hold 0 and k and t_max in increasing order without repeats", "[log_grid]") {
  const auto t = shortrun::log_grid(1000, 20, true, {37});
  CHECK(t.front() == 0);
  CHECK(t.back() == 1000);
  CHECK(std::find(t.begin(), t.end(), 37) != t.end());
  CHECK(std::find(t.begin(), t.end(), 1) != t.end());
  CHECK(std::adjacent_find(t.begin(), t.end(), [](auto a, auto b) { return a >= b; }) == t.end());
  CHECK(t.size() <= 22);
}

TEST_CASE("checkpoint grids end at the last update and never exceed the requested count", "[log_grid]") {
  for (shortrun::Index updates : {1, 2, 7, 100, 12345}) {
    const auto c = shortrun::log_grid(updates, 10, false);
    CHECK(c.back() == updates);
    CHECK(c.front() >= 1);
    CHECK(static_cast<shortrun::Index>(c.size()) <= std::min<shortrun::Index>(10, updates));
  }
}
