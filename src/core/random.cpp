#include "shortrun/core/random.hpp"

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

namespace shortrun {

Stream::Stream(std::uint64_t seed, Purpose purpose, std::uint64_t index, std::uint64_t time,
               std::uint64_t sub) {
  key_ = {{seed, static_cast<std::uint64_t>(purpose)}};
  ctr_ = {{index, time, sub, 0}};
}

std::uint64_t Stream::next_word() {
  if (used_ == 4) {
    out_ = Philox()(ctr_, key_);
    ++ctr_[3];
    used_ = 0;
  }
  return out_[static_cast<std::size_t>(used_++)];
}

double Stream::uniform() { return r123::u01<double>(next_word()); }

double Stream::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  const std::uint64_t a = next_word();
  const std::uint64_t b = next_word();
  const r123::double2 z = r123::boxmuller(a, b);
  spare_normal_ = z.y;
  has_spare_normal_ = true;
  return z.x;
}

Index Stream::below(Index n) {
  __extension__ using u128 = unsigned __int128;
  const auto word = static_cast<u128>(next_word());
  return static_cast<Index>((word * static_cast<u128>(n)) >> 64);
}

void Stream::fill_normal(Eigen::Ref<Vector> x) {
  for (Index i = 0; i < x.size(); ++i) x[i] = normal();
}

}  // namespace shortrun
