#pragma once
/// measure.equilibrium: how the equilibrium reference of a measurement is obtained.
///   automatic: theory (gaussian, spins), exact enumeration (bm, rbm up to 20 units), else pt (bm,
///   rbm) or long-run (convnet)
///   theory: closed form; exact: enumeration; long_run: long persistent chains; pt: parallel
///   tempering (replica exchange, binary models); none: skipped.
namespace shortrun {

enum class EquilibriumMethod { automatic, theory, exact, long_run, pt, none };

}  // namespace shortrun
