#pragma once
/// How a team splits n items (chains, minibatch entries) over its ranks: contiguous, balanced,
/// by global index, so the union over ranks is the same set whatever the team size.
#include "shortrun/core/types.hpp"

namespace shortrun {

struct Share {
  Index begin = 0;
  Index count = 0;
};

inline Share share_of(Index n, int rank, int size) {
  const Index base = n / size, extra = n % size, r = rank;
  return {r * base + (r < extra ? r : extra), base + (r < extra ? 1 : 0)};
}

}  // namespace shortrun
