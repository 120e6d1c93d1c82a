#pragma once
/// train.scheme: where the negative chains start at every update (rdm: p0, cd: the minibatch, pcd:
/// where they ended), or exact model averages without chains.
namespace shortrun {

enum class Scheme { rdm, cd, pcd, exact };

}  // namespace shortrun
