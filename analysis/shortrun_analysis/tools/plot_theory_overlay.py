"""Measured dynamics of the solvable models against their closed-form curves: Gaussian mode
variances v_alpha(t) (docs/theory.md section 2) and independent-spin magnetisations m_i(t) (section 3)."""
import argparse
import math
import sys

import numpy as np

from .. import SchemaError
from ..cli import (add_dpi_argument, add_format_argument, argv_or_default, figure_per_run, measured_runs, prog,
                  run_files, run_main, running, step_spec)
from ..plotting import colour, pyplot, save, set_formats, time_axis

PROG = "plot_theory_overlay.py"

DESCRIPTION = """\
Overlays the measured dynamics of a solvable model (/dynamics/<step>, docs/hdf5-schema.md) on the
closed-form curve of the same parameters that the run file stores beside it. One figure per run,
<run id>_theory.png in --out:
  gaussian  per eigenmode alpha of the data covariance (one colour each, modes numbered 1..N by
            increasing c_alpha): measured v_alpha(t) = diag(U^T C(t) U) (dots, with one standard
            error v sqrt(2/(R-1)) for R chains), the exact v_alpha(t) of these parameters (line;
            mode_var_theory at theory_t), the data variance c_alpha (/theory/c, dotted) and t = k
            (grey). A converged rdm run meets every c_alpha at t = k; a mode with J < 0 has no
            equilibrium and its theory curve stops where the exact law overflows.
  spins     per site i: measured m_i(t) (dots, standard error sqrt(1 - m^2)/sqrt(R) for +-1 spins,
            sqrt(m(1 - m)/R) for 0/1), the closed form m_i(t) (line; mean_theory), the data
            magnetisation m_i^D (dotted) and t = k (grey): rdm meets m_i^D at t = k and overshoots
            to m_i^D / (1 - q^k) at equilibrium for random-site Gibbs.
The exact measurement path (measure.moments = exact) has no sampling error: its dots lie on the line.
The t axis is symlog (linear on [0, 1], logarithmic above) so that t = 0, the noise p0, shows.

Exit status: 0 done, 2 bad input (not a shortrun run file or of another schema_version; no
/dynamics: run `shortrun measure FILE`; a model without theory curves: bm, rbm); one line `%(prog)s: error: <file>: <what>`."""

EPILOG = """\
example:
  build/shortrun train jobs/configs/gaussian.ini --set train.moments=exact --set measure.moments=sampled --out results/g
  build/shortrun train jobs/configs/spins.ini --set measure.moments=sampled --out results/s
  %(prog)s results/g/runs/gaussian.h5 results/s/runs/spins.h5 --out figures

""" + running("plot_theory_overlay")

MAX_DEFAULT_LINES = 10


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=prog(PROG), description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5|SWEEP_DIR",
                        help="measured run files of model gaussian or spins; a sweep folder (or its sweep.h5)"
                             " stands for its run files")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG files, created if needed (default: %(default)s)")
    parser.add_argument("--step", default="last", type=step_spec, metavar="last|STEP",
                        help="measured training step: last (default) or an update number")
    parser.add_argument("--units", metavar="LIST",
                        help="comma-separated modes (gaussian) or sites (spins), 1-based, e.g. 1,2,4 "
                             f"(default: all when at most {MAX_DEFAULT_LINES}, else {MAX_DEFAULT_LINES} "
                             "spread from first to last)")
    add_dpi_argument(parser)
    add_format_argument(parser)
    return parser.parse_args(argv)


def unit_list(spec, n):
    if not spec:
        if n <= MAX_DEFAULT_LINES:
            return list(range(n))
        return sorted(set(np.linspace(0, n - 1, MAX_DEFAULT_LINES).round().astype(int).tolist()))
    try:
        units = [int(u) - 1 for u in spec.split(",") if u.strip()]
    except ValueError:
        units = [-1]
    if not units or any(u < 0 or u >= n for u in units):
        raise SchemaError(f"--units {spec}: expected comma-separated numbers in 1..{n}")
    return units


def what_to_plot(m, step):
    """(measured [T,N], theory_t [T'], theory [T',N], data level [N], standard error [T,N] or None,
    y label, unit name, log y axis); SchemaError for a model without theory curves."""
    d = m.dynamics[step]
    chains = int(d.attrs.get("n_chains", 0))
    if m.model == "gaussian":
        if int(d.attrs.get("cov_components", 0)) > 0:
            raise SchemaError(f"{m.path}: /dynamics/{step} holds covariances projected on principal components "
                              "(N > 64), so no per-mode variances mode_var to compare with theory")
        need = ("mode_var", "theory_t", "mode_var_theory")
        missing = [n for n in need if n not in d.arrays]
        if missing or "c" not in m.theory:
            what = ", ".join(missing + ([] if "c" in m.theory else ["/theory/c"]))
            raise SchemaError(f"{m.path}: /dynamics/{step} lacks {what} (gaussian theory overlay; "
                              f"run `shortrun measure {m.path}`)")
        v = d.arrays["mode_var"]
        # abs: near an overflow the sampled variance can lose all digits, and even its sign.
        se = np.abs(v) * math.sqrt(2.0 / (chains - 1)) if chains > 1 else None
        return (v, d.arrays["theory_t"], d.arrays["mode_var_theory"], np.asarray(m.theory["c"]), se,
                r"$v_\alpha(t) = (U^T C(t) U)_{\alpha\alpha}$", "mode", True)
    if m.model == "spins":
        missing = [n for n in ("mean", "theory_t", "mean_theory") if n not in d.arrays]
        if missing:
            raise SchemaError(f"{m.path}: /dynamics/{step} lacks {', '.join(missing)} (spins theory overlay; "
                              f"run `shortrun measure {m.path}`)")
        mean = d.arrays["mean"]
        data = m.theory.get("m_data")
        if data is None:
            raise SchemaError(f"{m.path}: no /theory/m_data (the data magnetisations)")
        se = None
        if chains > 1:
            var = mean * (1 - mean) if m.config.get("model.spin") == "01" else 1 - mean ** 2
            se = np.sqrt(np.clip(var, 0, None) / chains)
        return (mean, d.arrays["theory_t"], d.arrays["mean_theory"], np.asarray(data), se,
                r"$m_i(t) = \langle s_i \rangle_t$", "site", False)
    raise SchemaError(f"{m.path}: model {m.model} has no closed-form dynamics; theory overlays exist for "
                      "gaussian and spins (plot_dynamics.py shows any model)")


def plot(m, step, spec, path, dpi):
    plt = pyplot()
    measured, theory_t, theory, level, se, ylabel, unit, log_y = what_to_plot(m, step)
    d = m.dynamics[step]
    t = d.t.astype(float)
    units = unit_list(spec, measured.shape[1])
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for j, a in enumerate(units):
        col = colour(j)
        name = f"{unit} {a + 1}" + (f", c = {level[a]:.3g}" if unit == "mode" else f", m^D = {level[a]:.3g}")
        ax.plot(theory_t.astype(float), theory[:, a], "-", color=col, lw=1.3)
        if se is not None:
            ax.errorbar(t, measured[:, a], yerr=se[:, a], fmt="o", color=col, ms=3.5, elinewidth=1, capsize=2,
                        label=name)
        else:
            ax.plot(t, measured[:, a], "o", color=col, ms=3.5, label=name)
        ax.axhline(level[a], color=col, ls=":", lw=1.2)
    ax.axvline(m.k, color="grey", lw=1.2)
    time_axis(ax, t.max() if t.size else 1)
    if log_y:
        ax.set_yscale("log")
        # A mode without equilibrium grows without bound for t > k: keep the scale of the data and p0.
        scale = [x for x in list(level[units]) + list(measured[0, units]) if np.isfinite(x) and x > 0]
        if scale:
            ax.set_ylim(min(scale) / 3, max(scale) * 10)
    ax.set_ylabel(ylabel)
    path_name = "exact law" if d.attrs.get("n_chains", 0) == 0 else f"{int(d.attrs['n_chains'])} chains"
    overflow = f", overflow after t = {int(t[-1])}" if d.overflow_t is not None else ""
    ax.set_title(f"{m.label}, step {step}: measured ({path_name}) vs theory{overflow}", fontsize=10)
    styles = [plt.Line2D([], [], color="grey", marker="o", ls="", ms=3.5, label="measured"),
              plt.Line2D([], [], color="grey", ls="-", label="theory, these parameters"),
              plt.Line2D([], [], color="grey", ls=":", label="data" + (r" $c_\alpha$" if unit == "mode" else r" $m_i^D$")),
              plt.Line2D([], [], color="grey", lw=1.2, label="t = k")]
    first = ax.legend(handles=styles, loc="upper left", fontsize=8)
    ax.add_artist(first)
    ax.legend(loc="lower right", fontsize=7, ncol=2 if len(units) > 5 else 1)
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, path, dpi)


def main(argv=None):
    args = parse_args(argv_or_default(argv))
    set_formats(args.format)

    def body():
        return figure_per_run(measured_runs(run_files(args.runs, prog(PROG)), prog(PROG)), args.step,
                              args.out, "theory", what_to_plot,
                              lambda m, step, path: plot(m, step, args.units, path, args.dpi))

    return run_main(prog(PROG), body)


if __name__ == "__main__":
    sys.exit(main())
