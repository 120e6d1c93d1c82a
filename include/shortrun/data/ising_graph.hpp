#pragma once
/// data.graph: the coupling graph of the Ising teacher (data.source = ising).
namespace shortrun {

enum class IsingGraph { curie_weiss, square, sk };

}  // namespace shortrun
