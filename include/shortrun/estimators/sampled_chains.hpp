#pragma once
/// Negative (model) phase estimated with Markov chains: grad -= (1/R) sum_chains dE/dtheta(x_k),
/// x_k after k sampler steps. The scheme decides where chains start at every update
/// (docs/theory.md section 1):
///   rdm: fresh draws from p0 (non-persistent short runs);  cd: the data minibatch;
///   pcd: where they ended at the previous update (p0 at the first).
/// k, the chain state and the persistence belong here, never to the model.
#include <cstdint>
#include <string>
#include <utility>

#include "shortrun/core/random.hpp"
#include "shortrun/core/state.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/estimators/scheme.hpp"
#include "shortrun/samplers/p0.hpp"

namespace shortrun {


/// Start: the p0 type (P0 for continuous models, BinaryP0 for binary ones); it needs
/// draw(MatrixOf<Scalar>& x, const ChainStreams&). Scalar: the working precision of the chains and
/// of their gradient statistics (model.precision); the sampler steps the model's working copy in
/// that precision (models/working_precision.hpp).
template <class Sampler, class Start = P0, class ScalarType = double>
class SampledChains {
 public:
  using Scalar = ScalarType;
  using Mat = MatrixOf<Scalar>;

  /// n_chains: for the whole team (ignored by cd, whose chains are the minibatch).
  SampledChains(Scheme scheme, Index k, Index n_chains, Index dim, Start p0, Sampler sampler,
                std::uint64_t seed, int rank, int size)
      : scheme_(scheme), k_(k), p0_(std::move(p0)), sampler_(std::move(sampler)) {
    n_chains_ = n_chains;
    const Share s = share_of(n_chains, rank, size);
    chains_.resize(dim, s.count);
    streams_.seed = seed;
    streams_.first_chain = static_cast<std::uint64_t>(s.begin);
    first_chain_ = s.begin;
  }

  Index k() const { return k_; }

  template <class Model>
  void accumulate(const Model& model, std::uint64_t update, DataTermOf<Scalar>& data, Vector& grad) {
    Index n_total = n_chains_;
    ChainStreams rng = streams_;
    switch (scheme_) {
      case Scheme::rdm:
        p0_.draw(chains_, rng.with_purpose(Purpose::p0).with_time(update));
        break;
      case Scheme::pcd:
        if (!started_) p0_.draw(chains_, rng.with_purpose(Purpose::p0).with_time(0));
        started_ = true;
        break;
      case Scheme::cd:
        chains_ = data.local_batch(update);
        n_total = data.global_batch();
        // Minibatch positions are the chain indices, so cd too is independent of the team size.
        rng.first_chain = static_cast<std::uint64_t>(data.local_share().begin);
        break;
      case Scheme::exact:
        throw std::logic_error("exact scheme has no chains");
    }
    work_.resize(chains_.rows(), chains_.cols());
    const auto& working = working_precision<Scalar>(model);
    for (Index s = 0; s < k_; ++s)
      sampler_.step(working, chains_, rng.with_time(update, static_cast<std::uint64_t>(s)), work_);
    working.accumulate_grad_energy(chains_, -1.0 / static_cast<double>(n_total), grad);
  }

  const Mat& chains() const { return chains_; }

  /// Persistent state for a resume checkpoint (pcd only; rdm and cd keep nothing between updates):
  /// "chains", this rank's columns of the team's chains (split), and "started", whether they have
  /// been drawn from p0 yet.
  State state() const {
    State s;
    if (scheme_ != Scheme::pcd) return s;
    // Stored in double: exact for float chains too.
    s.add_split("chains", started_ ? Matrix(chains_.template cast<double>()) : Matrix::Zero(chains_.rows(), chains_.cols()),
                first_chain_, n_chains_);
    s.add_scalar("started", started_ ? 1.0 : 0.0);
    return s;
  }
  /// Puts back state() (this rank's columns of "chains").
  void restore(const State& state) {
    const StateBlock* chains = state.find("chains");
    if (scheme_ != Scheme::pcd || chains == nullptr || chains->value.cols() != chains_.cols()) return;
    chains_ = chains->value.template cast<Scalar>();
    started_ = state.scalar("started").value_or(0.0) != 0.0;
  }

 private:
  Scheme scheme_;
  Index k_;
  Index n_chains_ = 0;
  Index first_chain_ = 0;
  Start p0_;
  Sampler sampler_;
  ChainStreams streams_;
  Mat chains_;
  Mat work_;
  bool started_ = false;
};

}  // namespace shortrun
