#include "shortrun/io/dataset_docs.hpp"

#include <cstdio>

namespace shortrun::io {

const std::vector<DatasetDoc>& dataset_docs() {
  // Paths as docs/hdf5-schema.md lists them; keep the two in step.
  static const std::vector<DatasetDoc> table = {
      // ---- run file: /data -----------------------------------------------------------------------
      {"/data/mean", "1", "Data mean mu_D per unit (coordinate, spin or pixel), in the model's convention."},
      {"/data/cov", "1", "Data covariance C (connected, 1/n normalised), [N, N]."},
      {"/data/examples", "1", "convnet: the first data images as the model sees them, pixels in [-1, 1], [n, H, W]."},
      // ---- /train: the training log, one row per logging interval -------------------------------------
      {"/train/step", "updates", "Update number (1-based) of each row of the training log."},
      {"/train/wall_s", "s", "Seconds since the start of training on the leader's clock.", "step"},
      {"/train/grad_norm", "1", "Euclidean norm of the team-summed gradient estimate of the NLL over all parameters.", "step"},
      {"/train/param_norm", "1", "Euclidean norm of the parameter vector after the update.", "step"},
      // ---- /checkpoints/<step>/params/<block> -----------------------------------------------------------
      {"/checkpoints/*/params/J", "1", "Coupling matrix J after this update (symmetric; bm: zero diagonal), original coordinates, [N, N]."},
      {"/checkpoints/*/params/h", "1", "Fields h after this update, original coordinates, [N]."},
      {"/checkpoints/*/params/W", "1", "rbm: visible-hidden weights W after this update, [Nv, Nh]."},
      {"/checkpoints/*/params/a", "1", "rbm: visible biases a after this update, [Nv]."},
      {"/checkpoints/*/params/b", "1", "rbm: hidden biases b after this update, [Nh]."},
      {"/checkpoints/*/params/conv*_W", "1", "convnet: weights of a 3x3 stride-2 conv layer after this update, [c_l, 9 c_(l-1)] (reshape to [c_l, 3, 3, c_(l-1)])."},
      {"/checkpoints/*/params/conv*_b", "1", "convnet: biases of a conv layer after this update, [c_l]."},
      {"/checkpoints/*/params/out_w", "1", "convnet: weights of the linear energy read-out after this update, [c_L, h_L w_L]."},
      // ---- /theory: closed forms (run files and theory files) ------------------------------------------
      {"/theory/c", "1", "gaussian: eigenvalues c_alpha of the data covariance, ascending."},
      {"/theory/basis", "1", "gaussian: unit eigenvectors u_alpha of the data covariance as columns, original coordinates, [N, N]."},
      {"/theory/J_star", "1", "gaussian: rdm-k fixed point J*_alpha per mode (NaN where none exists)."},
      {"/theory/J_eq", "1", "gaussian: cd/pcd (k to infinity) fixed point per mode (NaN where none exists)."},
      {"/theory/J_ml", "1", "gaussian: exact-gradient (Boltzmann) fixed point T / c_alpha per mode."},
      {"/theory/h_star", "1", "rdm-k fixed-point fields h*(k) (gaussian: original coordinates; spins: per site); NaN where none exists."},
      {"/theory/t", "sweeps", "Sampling times of the theory curves, in sampler sweeps from p0."},
      {"/theory/v_theory", "1", "gaussian: variance v_alpha(t) per mode of the model J* from p0, [T, N].", "t"},
      {"/theory/J_trained", "1", "gaussian: diag(U^T J U) of the final J, per mode."},
      {"/theory/v_trained", "1", "gaussian: exact variance per mode after t steps from p0 with the trained J, [T, N].", "t"},
      {"/theory/m_data", "1", "spins: data means in the model's convention."},
      {"/theory/h_ml", "1", "spins: the cd/pcd/exact fixed point of the fields."},
      {"/theory/h_trained", "1", "spins: the trained fields."},
      {"/theory/m_theory", "1", "spins: means m_i(t) of the trained fields from p0 (closed form), [T, N].", "t"},
      // ---- /dynamics: fresh chains from p0 after training ------------------------------------------------
      {"/dynamics/components", "1", "The data's top-m principal components (columns, largest first) the covariances are projected on when N > 64, [N, m]."},
      {"/dynamics/*/t", "sweeps", "Sampling times of the measurement, in sampler sweeps from p0."},
      {"/dynamics/*/mean", "1", "Means m_i(t) of the chains at each sampling time, [T, N].", "t"},
      {"/dynamics/*/cov", "1", "Connected covariance C(t) of the chains (1/R normalisation), full or projected on /dynamics/components, [T, N, N] or [T, m, m].", "t"},
      {"/dynamics/*/mean_err", "1", "Root-mean-square distance of the chains' means to the data's at each sampling time.", "t"},
      {"/dynamics/*/corr_err", "1", "Root-mean-square distance of the chains' pair correlations (i < j) to the data's at each sampling time.", "t"},
      {"/dynamics/*/energy_mean", "1", "Mean energy E over the chains at each sampling time (rbm: free energy F(v)).", "t"},
      {"/dynamics/*/energy_std", "1", "Standard deviation of the energy E over the chains at each sampling time (rbm: of F(v)).", "t"},
      {"/dynamics/*/h_mean", "1", "rbm: mean hidden activation <sigmoid(b + W^T v)> of the chains at each sampling time, [T, Nh].", "t"},
      {"/dynamics/*/h_err", "1", "rbm: error of the chains' <h> against the data's at each sampling time.", "t"},
      {"/dynamics/*/vh_err", "1", "rbm: error of the chains' <v h^T> against the data's at each sampling time.", "t"},
      {"/dynamics/*/mean_err_se", "1", "Standard error of mean_err at each sampling time: delete-a-group jackknife over 20 groups of chains (global chain index mod 20); 0 for the exact law.", "t"},
      {"/dynamics/*/corr_err_se", "1", "Standard error of corr_err at each sampling time (jackknife over 20 chain groups; 0 for the exact law).", "t"},
      {"/dynamics/*/energy_mean_se", "1", "Standard error of energy_mean at each sampling time (jackknife over 20 chain groups; 0 for the exact law).", "t"},
      {"/dynamics/*/energy_std_se", "1", "Standard error of energy_std at each sampling time (jackknife over 20 chain groups; 0 for the exact law).", "t"},
      {"/dynamics/*/h_err_se", "1", "rbm: standard error of h_err at each sampling time (jackknife over 20 chain groups; 0 for the exact law).", "t"},
      {"/dynamics/*/vh_err_se", "1", "rbm: standard error of vh_err at each sampling time (jackknife over 20 chain groups; 0 for the exact law).", "t"},
      {"/dynamics/*/mean_err_corrected", "1", "mean_err with the chains' sampling noise removed: sqrt(max(0, mean_err^2 - mean_i Var(m_i))), Var the jackknife's; equal to mean_err for the exact law.", "t"},
      {"/dynamics/*/corr_err_corrected", "1", "corr_err with the chains' sampling noise removed: sqrt(max(0, corr_err^2 - mean_{i<j} Var(C_ij))), Var the jackknife's; equal to corr_err for the exact law.", "t"},
      {"/dynamics/*/mode_var", "1", "gaussian: measured variance per data eigenmode, diag(U^T C(t) U), [T, N].", "t"},
      {"/dynamics/*/theory_t", "sweeps", "Sampling times of the theory curve (those where the exact law stays finite)."},
      {"/dynamics/*/mode_var_theory", "1", "gaussian: variance v_alpha(t) per mode of the exact law for these parameters, [T', N].", "theory_t"},
      {"/dynamics/*/mean_theory", "1", "spins: means m_i(t) of the closed form for these fields and this sampler, [T', N].", "theory_t"},
      {"/dynamics/*/sample_t", "sweeps", "Sampling times of the stored images, in sampler sweeps from p0."},
      {"/dynamics/*/samples", "1", "Image data: the images of chains 0 .. S-1 at the times sample_t, [T_s, S, H, W].", "sample_t"},
      // ---- /equilibrium: the equilibrium reference of the same parameters -------------------------------
      {"/equilibrium/*/mean", "1", "Equilibrium means of the checkpoint's parameters, [N]."},
      {"/equilibrium/*/cov", "1", "Equilibrium connected covariance, full or projected on /dynamics/components, [N, N] or [m, m]."},
      {"/equilibrium/*/h_mean", "1", "rbm: equilibrium mean hidden activation, [Nh]."},
      {"/equilibrium/*/mode_var", "1", "gaussian: stationary variance per data eigenmode, [N]."},
      {"/equilibrium/*/mean_se", "1", "long-run, pt and ptt: standard errors of the equilibrium means, [N]."},
      {"/equilibrium/*/samples", "1", "long-run on image data: the final images of chains 0 .. S-1, [S, H, W]."},
      {"/equilibrium/*/diagnostic_names", "none", "long-run, pt and ptt: names of the diagnosed statistics (energy, magnetisation, units, pairs), the order of rhat, ess and iat."},
      {"/equilibrium/*/rhat", "1", "long-run, pt and ptt: rank-normalised split R-hat of each diagnosed statistic (the larger of bulk and folded), over both chain sets."},
      {"/equilibrium/*/ess", "1", "long-run, pt and ptt: bulk effective sample size of each diagnosed statistic, pooled over chains."},
      {"/equilibrium/*/pt_betas", "1", "pt: the inverse temperatures of each chain's replica ladder, increasing, the last = 1 (the model's own law); ptt: all 1, [R]."},
      {"/equilibrium/*/ptt_steps", "updates", "ptt: the training update of each rung's checkpoint, oldest first, the last the measured checkpoint, [R]."},
      {"/equilibrium/*/pt_acceptance", "1", "pt, ptt: swap acceptance rate of each neighbour pair (rungs k, k+1) over the window, pooled over chains, [R - 1]."},
      {"/equilibrium/*/iat", "sweeps", "long-run, pt and ptt: integrated autocorrelation time of each diagnosed statistic (Geyer's initial monotone sequence)."},
      {"/equilibrium/*/pt_bridge_log_ratio", "1", "pt, ptt: bridge-sampling estimate of log Z(rung k+1) / Z(rung k) (nats) for each neighbour pair of the ladder extended by beta_0 = 0 (all parameters times 0), the first from it to rung 1; their sum plus pt_bridge_log_z_base is pt_bridge_log_z, [R]."},
      // ---- sweep manifest: the /runs table, one row per configuration ----------------------------------
      {"/runs/run_id", "none", "File stem of the run."},
      {"/runs/file", "none", "Path of the run file relative to the manifest's folder."},
      {"/runs/status", "none", "State of the run: pending, running, completed, diverged or interrupted."},
      {"/runs/team", "1", "Team that ran the configuration (-1: pending, or completed by an earlier invocation)."},
      {"/runs/wall_s", "s", "Training wall time (NaN until finished, or when completed earlier)."},
      {"/runs/theory_gap", "1", "Largest distance of a trained parameter to the closed-form fixed point of its scheme (inf: none exists; NaN: no closed form or not completed)."},
      {"/runs/err_k", "1", "corr_err (mean_err for spins) of fresh chains at t = k for the last measured checkpoint (NaN when not measured)."},
      {"/runs/err_min", "1", "Minimum over the recorded t of corr_err (mean_err for spins) for the last measured checkpoint (NaN when not measured)."},
      {"/runs/err_eq", "1", "corr_err (mean_err for spins) at equilibrium for the last measured checkpoint (NaN when not measured or no equilibrium)."},
      {"/runs/err_k_se", "1", "Standard error of err_k (jackknife over 20 chain groups; 0 for the exact law; NaN when err_k is)."},
      {"/runs/err_min_se", "1", "Standard error of err_min: that of the error at the t where the minimum is reached (biased low as a minimum of noisy values; NaN when err_min is)."},
      {"/runs/err_eq_se", "1", "Standard error of err_eq (long-run: jackknife over 20 chain groups; theory or exact: 0; NaN when err_eq is)."},
      // Axis columns, one per sweepable key (RunConfig::visit, Sweep::yes).
      {"/runs/run.seed", "1", "Axis run.seed: the row's master seed."},
      {"/runs/model.n_hidden", "1", "Axis model.n_hidden: the row's number of hidden units."},
      {"/runs/sampler.type", "none", "Axis sampler.type: the row's MCMC kernel."},
      {"/runs/sampler.step", "1", "Axis sampler.step: the row's Langevin step eta."},
      {"/runs/init.sigma", "1", "Axis init.sigma: the row's standard deviation sigma0 of p0."},
      {"/runs/train.scheme", "none", "Axis train.scheme: the row's gradient estimator."},
      {"/runs/train.k", "sweeps", "Axis train.k: the row's sampler steps per update."},
      {"/runs/train.lr", "1", "Axis train.lr: the row's learning rate."},
  };
  return table;
}

bool path_matches(std::string_view pattern, std::string_view path) {
  // Glob on one component: '*' matches any run of characters (no '/' reaches here).
  auto glob = [](std::string_view p, std::string_view s) {
    std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
    while (si < s.size()) {
      if (pi < p.size() && p[pi] == '*') {
        star = pi++;
        mark = si;
      } else if (pi < p.size() && p[pi] == s[si]) {
        ++pi;
        ++si;
      } else if (star != std::string_view::npos) {
        pi = star + 1;
        si = ++mark;
      } else {
        return false;
      }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
  };
  while (true) {
    const std::size_t pe = pattern.find('/'), se = path.find('/');
    if (!glob(pattern.substr(0, pe), path.substr(0, se))) return false;
    if (pe == std::string_view::npos || se == std::string_view::npos) return pe == se;
    pattern.remove_prefix(pe + 1);
    path.remove_prefix(se + 1);
  }
}

const DatasetDoc* find_dataset_doc(std::string_view path) {
  for (const DatasetDoc& d : dataset_docs())
    if (path_matches(d.pattern, path)) return &d;
  return nullptr;
}

std::vector<std::string> describe_datasets(h5::Group& root) {
  std::vector<std::string> undocumented;
  const std::vector<std::string> paths = root.dataset_paths();
  for (const std::string& rel : paths) {
    const std::string path = "/" + rel;
    const DatasetDoc* doc = find_dataset_doc(path);
    h5::Object ds = root.open_dataset(rel);
    ds.attr("units", doc != nullptr ? doc->units : kUndocumentedUnits);
    ds.attr("description", doc != nullptr ? doc->description : kUndocumentedDescription);
    if (doc == nullptr) {
      undocumented.push_back(path);
      std::fprintf(stderr, "shortrun: warning: %s: dataset %s has no entry in the dataset table (units '%s')\n",
                   root.path().c_str(), path.c_str(), kUndocumentedUnits);
    }
  }
  // Axes after every dataset has its attributes: a scale is attached where the first dimension
  // has the axis's length (a dataset of another length is left without one rather than failing).
  for (const std::string& rel : paths) {
    const DatasetDoc* doc = find_dataset_doc("/" + rel);
    if (doc == nullptr || doc->axis == nullptr) continue;
    const std::size_t slash = rel.find_last_of('/');
    const std::string axis = (slash == std::string::npos ? "" : rel.substr(0, slash + 1)) + doc->axis;
    if (!root.exists(axis)) continue;
    const auto shape = root.shape(rel), axis_shape = root.shape(axis);
    if (shape.empty() || axis_shape.size() != 1 || shape[0] != axis_shape[0]) continue;
    root.set_scale(axis, doc->axis);
    root.attach_scale(rel, axis, 0);
  }
  return undocumented;
}

}  // namespace shortrun::io
