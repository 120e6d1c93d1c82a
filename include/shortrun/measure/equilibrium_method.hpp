#pragma once
/// measure.equilibrium: how the equilibrium reference of a measurement is obtained.
///   automatic: theory (gaussian, spins), exact enumeration (bm, rbm up to 20 units), else long-run
///   theory: closed form; exact: enumeration; long_run: long persistent chains; none: skipped.
namespace shortrun {

enum class EquilibriumMethod { automatic, theory, exact, long_run, none };

}  // namespace shortrun
