#pragma once
/// measure.equilibrium: how the equilibrium reference of a measurement is obtained.
///   automatic: theory (gaussian, spins), exact enumeration (bm up to 26 units, rbm up to 20 or 26: exact::rbm_auto_enumerates), else pt (bm,
///   rbm) or long-run (convnet)
///   theory: closed form; exact: enumeration; long_run: long persistent chains; pt: parallel
///   tempering (replica exchange, binary models); ptt: parallel trajectory tempering (replica
///   exchange along the run's training checkpoints instead of temperatures); none: skipped.
namespace shortrun {

enum class EquilibriumMethod { automatic, theory, exact, long_run, pt, ptt, none };

/// Replica exchange: along temperatures (pt) or along training checkpoints (ptt).
constexpr bool is_tempered(EquilibriumMethod m) { return m == EquilibriumMethod::pt || m == EquilibriumMethod::ptt; }
/// A reference from sampled chains (long-run or tempering), with convergence checks and errors.
constexpr bool is_sampled(EquilibriumMethod m) { return m == EquilibriumMethod::long_run || is_tempered(m); }

}  // namespace shortrun
