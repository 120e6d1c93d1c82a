"""Trained Gaussian EBMs against the theory of short-run training (docs/theory.md section 2)."""
import argparse
import math
import os
import sys

import numpy as np

from .. import SchemaError, load_run
from ..cli import add_dpi_argument, add_format_argument, argv_or_default, print_figures, prog, run_files, running
from ..plotting import pyplot, set_formats, write

plt = None  # matplotlib.pyplot, imported by main() once the files are checked

PROG = "plot_gaussian.py"

DESCRIPTION = """\
Compares Gaussian EBMs trained by `shortrun train` with the closed-form theory stored in each
run file's /theory group (docs/hdf5-schema.md). Everything is per eigenmode alpha of the data
covariance C = sum_alpha c_alpha u_alpha u_alpha^T, modes numbered 1..N by increasing c_alpha.

Give several run files that differ only in train.k (e.g. one per k, same data, sampler and p0).
Writes into --out:
  J_vs_k.png          trained eigenvalues J_alpha = (U^T J U)_alpha,alpha (dots) against k, one
                      colour per mode; the rdm fixed point J*_alpha(k) of each file (crosses
                      joined by a line); J_eq (dashed: cd, pcd, k -> infinity) and
                      J_ml = T / c_alpha (dotted: exact Boltzmann gradient)
  variance_<run>.png  per run, the variance v_alpha(t) of each mode after t sampler steps from
                      p0: trained model (solid), theory model J* (dashed), the data's c_alpha
                      (dotted), and t = k (grey). A converged rdm run meets c_alpha at t = k.
and prints, per run, a table: k, mode, c_alpha, J_trained, J*(k), J_eq and the distance of
J_trained from the fixed point the scheme should reach (the /theory attribute `expected`:
J_star for rdm, J_eq for cd/pcd, J_ml for exact).

Exit status: 0 done, 2 bad input (a file that is not a shortrun run file, is of another
schema_version, or lacks /theory);
the error is one line `%(prog)s: error: <file>: <what>`."""

EPILOG = """\
example:
  for k in 1 5 20 100; do
    build/shortrun train jobs/configs/gaussian.ini --set train.k=$k --set run.name=k$k --out results/g
  done
  %(prog)s results/g/runs/*.h5 --out results/g/figures

""" + running("plot_gaussian")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=prog(PROG), description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5|SWEEP_DIR",
                        help="run files written by `shortrun train` (schema shortrun.run); a sweep folder (or its sweep.h5)"
                             " stands for its run files")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG files, created if needed (default: %(default)s)")
    parser.add_argument("--modes", metavar="LIST",
                        help="comma-separated mode numbers (1-based) to plot, e.g. 1,2,4 "
                             "(default: all; the table always lists all)")
    add_dpi_argument(parser)
    add_format_argument(parser)
    return parser.parse_args(argv)


def load(paths):
    """Loads every run; a file that is not usable here raises SchemaError naming it."""
    runs = []
    for path in paths:
        run = load_run(path)
        theory = run.require_theory()
        if theory.attrs.get("model") != "gaussian":
            raise SchemaError(f"{path}: /theory is for model {theory.attrs.get('model')!r}, "
                              f"expected 'gaussian'")
        runs.append(run)
    runs.sort(key=lambda r: (r.theory.k, r.run_id))
    return runs


def check_comparable(runs):
    """Warns when the runs do not share data, sampler and p0: then J*(k) is not one curve."""
    ref = runs[0].theory
    for run in runs[1:]:
        th = run.theory
        same = (th.c.shape == ref.c.shape and np.allclose(th.c, ref.c, rtol=1e-9, atol=0)
                and all(th.attrs[a] == ref.attrs[a] for a in ("eta", "temperature", "sigma0")))
        if not same:
            print(f"{prog(PROG)}: warning: {run.path}: data spectrum, step, temperature or sigma0 differ "
                  f"from {runs[0].path}; J*(k) of these runs is not one curve", file=sys.stderr)


def mode_list(spec, n):
    if not spec:
        return list(range(n))
    try:
        modes = [int(m) - 1 for m in spec.split(",") if m.strip()]
    except ValueError:
        modes = [-1]
    if not modes or any(m < 0 or m >= n for m in modes):
        raise SchemaError(f"--modes {spec}: expected comma-separated mode numbers in 1..{n}")
    return modes


def colour(alpha):
    return plt.get_cmap("tab10")(alpha % 10)


def save_with_two_legends(fig, ax, styles, styles_loc, path, dpi):
    """One legend for the line styles (at styles_loc), one for the modes (lower right), a grid;
    writes the figure to path and closes it."""
    first = ax.legend(handles=styles, loc=styles_loc, fontsize=8)
    ax.add_artist(first)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return write(fig, path, dpi)


def plot_j_vs_k(runs, modes, path, dpi):
    fig, ax = plt.subplots(figsize=(7, 5))
    ks = np.array([r.theory.k for r in runs], dtype=float)
    ref = runs[0].theory
    for a in modes:
        col = colour(a)
        j_star = np.array([r.theory.J_star[a] for r in runs])
        ax.plot(ks, j_star, "x-", color=col, lw=1, label=f"mode {a + 1}, c = {ref.c[a]:.3g}")
        trained = [(r.theory.k, r.theory.J_trained[a]) for r in runs if r.theory.J_trained is not None]
        if trained:
            ax.plot(*zip(*trained), "o", color=col, ms=7, mfc=col, mec="black", mew=0.5)
        ax.axhline(ref.J_eq[a], color=col, ls="--", lw=0.8)
        ax.axhline(ref.J_ml[a], color=col, ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("k (sampler steps per update)")
    ax.set_ylabel(r"$J_\alpha = (U^T J U)_{\alpha\alpha}$")
    ax.set_title(rf"Gaussian EBM, ULA $\eta$ = {ref.attrs['eta']:g}, T = {ref.attrs['temperature']:g}, "
                 rf"$\sigma_0$ = {ref.attrs['sigma0']:g}")
    # One legend for the line styles, one for the modes.
    styles = [plt.Line2D([], [], color="grey", marker="o", ls="", mec="black", mew=0.5, label="trained"),
              plt.Line2D([], [], color="grey", marker="x", ls="-", label="J*(k), rdm fixed point"),
              plt.Line2D([], [], color="grey", ls="--", label="J_eq (cd, pcd, k→∞)"),
              plt.Line2D([], [], color="grey", ls=":", label="J_ml = T/c")]
    return save_with_two_legends(fig, ax, styles, "upper right", path, dpi)


def plot_variance(run, modes, path, dpi):
    th = run.theory
    t = th.t.astype(float)
    fig, ax = plt.subplots(figsize=(7, 5))
    for a in modes:
        col = colour(a)
        if th.v_trained is not None:
            ax.plot(t, th.v_trained[:, a], "-", color=col, lw=1.5, label=f"mode {a + 1}")
        ax.plot(t, th.v_theory[:, a], "--", color=col, lw=1.2,
                label=None if th.v_trained is not None else f"mode {a + 1}")
        ax.axhline(th.c[a], color=col, ls=":", lw=1)
    ax.axvline(th.k, color="grey", lw=1)
    # t = 0 is on the grid: symlog is linear on [0, 1] and logarithmic above.
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, t.max())
    ax.set_yscale("log")
    # Modes with J* < 0 blow up for t > k: keep the axis on the data's scale.
    scale = [th.c[a] for a in modes] + [th.attrs["sigma0"] ** 2]
    scale = [s for s in scale if s > 0]
    if scale:
        ax.set_ylim(min(scale) / 3, max(scale) * 10)
    ax.set_xlabel("t (sampler steps from p0)")
    ax.set_ylabel(r"$v_\alpha(t) = (U^T \Sigma_t U)_{\alpha\alpha}$")
    status = "" if run.status == "completed" else f" [{run.status}]"
    ax.set_title(f"{run.run_id or os.path.basename(run.path)}: k = {th.k}, "
                 f"scheme {run.config.get('train.scheme', '?')}{status}")
    styles = [plt.Line2D([], [], color="grey", ls="-", label="trained model"),
              plt.Line2D([], [], color="grey", ls="--", label="theory J*(k)"),
              plt.Line2D([], [], color="grey", ls=":", label=r"data $c_\alpha$"),
              plt.Line2D([], [], color="grey", lw=1, label="t = k")]
    return save_with_two_legends(fig, ax, styles, "upper left", path, dpi)


def fmt(x, width, spec):
    return f"{x:{width}{spec}}" if x is not None and math.isfinite(x) else f"{'nan':>{width}}"


def print_table(run):
    th = run.theory
    name = th.expected_name
    scheme = run.config.get("train.scheme", "?")
    reason = run.attrs.get("status_reason", "")
    print(f"== run {run.run_id} ({run.path}): k = {th.k}, scheme {scheme}, status {run.status}"
          f"{': ' + reason if reason else ''}; expected fixed point {name}")
    last = f"|J_trained-{name}|"
    print(f"{'k':>6} {'mode':>5} {'c_alpha':>10} {'J_trained':>12} {'J*(k)':>12} {'J_eq':>12} {last:>20}")
    for a in range(th.c.size):
        trained = None if th.J_trained is None else float(th.J_trained[a])
        err = None if trained is None else abs(trained - float(th.expected[a]))
        print(f"{th.k:>6} {a + 1:>5} {fmt(th.c[a], 10, '.4g')} {fmt(trained, 12, '.6g')} "
              f"{fmt(th.J_star[a], 12, '.6g')} {fmt(th.J_eq[a], 12, '.6g')} {fmt(err, 20, '.3g')}")
    if th.J_trained is not None and th.attrs.get("J_trained_offdiag_max", 0) > 1e-6:
        print(f"   note: max |off-diagonal of U^T J U| = {th.attrs['J_trained_offdiag_max']:.3g} "
              "(J_trained is only the diagonal)")


def main(argv=None):
    args = parse_args(argv_or_default(argv))
    set_formats(args.format)
    global plt
    name = prog(PROG)
    try:
        runs = load(run_files(args.runs, name))
        modes = mode_list(args.modes, runs[0].theory.c.size)
        if any(r.theory.c.size != runs[0].theory.c.size for r in runs):
            bad = next(r for r in runs if r.theory.c.size != runs[0].theory.c.size)
            raise SchemaError(f"{bad.path}: N = {bad.theory.c.size} modes, expected "
                              f"{runs[0].theory.c.size} like {runs[0].path}")
    except SchemaError as e:
        print(f"{name}: error: {str(e).splitlines()[0] if str(e) else 'bad input'}", file=sys.stderr)
        return 2
    plt = pyplot()
    check_comparable(runs)
    for run in runs:
        if run.theory.J_trained is None:
            print(f"{prog(PROG)}: warning: {run.path}: status {run.status}, no trained J in /theory; "
                  "plotted as theory only", file=sys.stderr)

    os.makedirs(args.out, exist_ok=True)
    figures = [plot_j_vs_k(runs, modes, os.path.join(args.out, "J_vs_k.png"), args.dpi)]
    used = set()
    for run in runs:
        stem = run.run_id or os.path.splitext(os.path.basename(run.path))[0]
        while stem in used:  # two files with one run_id: keep both figures
            stem += "_"
        used.add(stem)
        figures.append(plot_variance(run, modes, os.path.join(args.out, f"variance_{stem}.png"), args.dpi))

    for i, run in enumerate(runs):
        if i:
            print()
        print_table(run)
    print()
    print_figures(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
