#pragma once
// Thread-count invariance check shared by the sampler and ConvNet tests (OpenMP builds split work
// over threads in fixed chunks, so results must not change with the thread count; without OpenMP
// every count runs the same serial loops and the check holds trivially).
#include <vector>

#include <catch2/catch.hpp>

#include "binary_fixtures.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/core/types.hpp"

namespace shortrun::test {

/// run() computes a list of results on the current thread count; each result on 2, 3 and 4
/// threads must equal the 1-thread one bit for bit. The thread count is restored afterwards.
template <class Run>
void check_bitwise_same_on_any_thread_count(Run&& run) {
  const int before = max_threads();
  set_thread_count(1);
  const std::vector<Matrix> one = run();
  for (int threads : {2, 3, 4}) {
    INFO(threads << " threads");
    set_thread_count(threads);
    const std::vector<Matrix> many = run();
    REQUIRE(many.size() == one.size());
    for (std::size_t i = 0; i < one.size(); ++i) CHECK(bitwise_equal(one[i], many[i]));
  }
  set_thread_count(before);
}

}  // namespace shortrun::test
