#!/usr/bin/python3
"""Error of the trained model's samples against the data versus sampling time t, with the
equilibrium level (THEORY.md section 5): the picture of the short-run claim."""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shortrun_analysis import STATS, load_measurements  # noqa: E402
from shortrun_analysis.cli import make_out, print_figures, run_main, step_spec  # noqa: E402
from shortrun_analysis.plotting import colour, pyplot, save, time_axis  # noqa: E402

PROG = "plot_dynamics.py"

DESCRIPTION = """\
Plots the dynamics-versus-equilibrium measurement of run files (/dynamics and /equilibrium,
docs/hdf5-schema.md; THEORY.md section 5): fresh chains of the trained model, started from the
training p0 and moved by the training sampler, compared with the data at every sampling time t.
Writes into --out:
  error_<stat>_vs_t.png  the error against the data versus t, one colour per run (legend: run id,
                         scheme, k, measured step), a diamond at t = k on each curve, and the
                         run's equilibrium value of the same error as a dashed line in its colour
                         (the legend says when a run has no equilibrium, e.g. an unstable Gaussian
                         mode, and an x ends a curve whose chains overflowed). <stat> is
                         `default` when the runs default to different statistics
  energy_vs_t.png        one panel per run: the mean energy <E>_t of the samples against the
                         data's mean energy <E>_D under the same parameters (dashed, attribute
                         data_energy) and at equilibrium (dotted, where known), diamond at t = k.
                         For rdm training of an energy linear in its parameters (exponential
                         family, ConvNet with a linear last layer) the two meet at t = k
--stat: corr_err (rms over i<j of C_ij(t) - C_ij^D), mean_err (rms over i of m_i(t) - m_i^D),
energy (|<E>_t - <E>_D|), h_err or vh_err (RBM hidden-unit statistics); default: corr_err, or
mean_err for independent spins and N = 1 (their sufficient statistics are the means).
The t axis is symlog (linear on [0, 1], logarithmic above) so that t = 0, the noise p0, is shown
at its true place; the error axis is logarithmic.

How to read it: for an rdm run the curve dips to its minimum near t = k (the data's statistics
are reproduced by the dynamics after k steps) and the equilibrium line lies above it; for a pcd
or cd run the curve falls towards the equilibrium line, which lies low.

Runs that diverged or were interrupted have no measurement: they are left out with a warning.

Exit status: 0 done, 2 bad input (not a shortrun run file, no /dynamics: run `shortrun measure
FILE`, a step that was not measured, no measured run at all); the error is one line
`plot_dynamics.py: error: <file>: <what>`.
Run it with /usr/bin/python3 (Debian's h5py, numpy, matplotlib)."""

EPILOG = """\
example:
  build/shortrun train jobs/configs/bm-ising.ini --set train.moments=sampled --set run.name=rdm --out results/bm
  build/shortrun train jobs/configs/bm-ising.ini --set train.moments=sampled --set run.name=pcd \\
      --set train.scheme=pcd --out results/bm
  analysis/plot_dynamics.py results/bm/runs/*.h5 --out results/bm/figures"""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5",
                        help="measured run files (schema shortrun.run with /dynamics)")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG files, created if needed (default: %(default)s)")
    parser.add_argument("--stat", choices=list(STATS), metavar="STAT",
                        help="error to plot: " + ", ".join(STATS) + " (default: per run, see above)")
    parser.add_argument("--step", default="last", type=step_spec, metavar="last|STEP",
                        help="measured training step of every file: last (default) or an update number")
    parser.add_argument("--dpi", type=int, default=120, help="PNG resolution (default: %(default)s)")
    return parser.parse_args(argv)


def positive(y):
    """y with values <= 0 (or non-finite) masked: the error axis is logarithmic."""
    y = np.asarray(y, dtype=float).copy()
    y[~(np.isfinite(y) & (y > 0))] = np.nan
    return y


def no_equilibrium(e):
    """Legend text for a run without an equilibrium line (the printed notes give the reason)."""
    return f"no equilibrium ({e.method})" if e.method != "none" else "equilibrium not measured"


def error_limits(items):
    """y range of the error figure: everything down to the smallest error, but up to the largest
    error at t <= 4k or at equilibrium only, so that a model without equilibrium, whose samples run
    away for t >> k, does not flatten the rest."""
    low, high = [], []
    for m, step, stat in items:
        d, e = m.dynamics[step], m.equilibrium[step]
        y = positive(d.curve(stat))
        low.extend(y[np.isfinite(y)])
        high.extend(y[(d.t <= 4 * m.k) & np.isfinite(y)])
        level = e.level(stat, d.data_energy)
        if level is not None and level > 0:
            low.append(level)
            high.append(level)
    if not low or not high:
        return None
    return min(low) / 3, max(high) * 5


def legend_below(ax, n):
    """The per-run legend under the axes, so that it never hides a curve."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, ncol=1 if n < 4 else 2,
              frameon=False)


def plot_errors(items, path, dpi):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    mixed = len({s for _, _, s in items}) > 1
    t_max = 1
    for i, (m, step, stat_i) in enumerate(items):
        d, e = m.dynamics[step], m.equilibrium[step]
        col = colour(i)
        y = positive(d.curve(stat_i))
        t = d.t.astype(float)
        t_max = max(t_max, t.max() if t.size else 1)
        eq = e.level(stat_i, d.data_energy)
        label = f"{m.label}, step {step}" + (f", {stat_i}" if mixed else "")
        label += f"; equilibrium: {e.describe()}" if eq is not None else f"; {no_equilibrium(e)}"
        if d.overflow_t is not None and t.size:
            label += f"; overflow after t = {int(t[-1])}"
        ax.plot(t, y, "-o", color=col, lw=1.5, ms=3, label=label)
        ik = d.index_of(m.k)
        if ik is not None and np.isfinite(y[ik]):
            ax.plot([m.k], [y[ik]], "D", color=col, ms=9, mec="black", mew=1, zorder=5)
        if d.overflow_t is not None and t.size:
            ax.plot([t[-1]], [y[-1]], "x", color=col, ms=12, mew=2.5, zorder=5)
        if eq is not None and eq > 0:
            ax.axhline(eq, color=col, ls="--", lw=1.3)
    time_axis(ax, t_max)
    ax.set_yscale("log")
    limits = error_limits(items)
    if limits:
        ax.set_ylim(*limits)
    ax.set_ylabel("error against the data (statistic per run in the legend)" if mixed else STATS[items[0][2]])
    ax.set_title("error of the trained model's samples against the data vs sampling time", fontsize=10)
    styles = [plt.Line2D([], [], color="grey", marker="o", ms=3, ls="-", label="dynamics from p0"),
              plt.Line2D([], [], color="grey", marker="D", ls="", mec="black", label="t = k"),
              plt.Line2D([], [], color="grey", ls="--", label="equilibrium")]
    if any(m.dynamics[step].overflow_t is not None for m, step, _ in items):
        styles.append(plt.Line2D([], [], color="grey", marker="x", ls="", mew=2, label="overflow after this t"))
    ax.add_artist(ax.legend(handles=styles, loc="upper right", fontsize=8, framealpha=0.8))
    legend_below(ax, len(items))
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, path, dpi)


def energy_limits(m, step):
    """y range of one energy panel: the data and equilibrium energies and the curve up to t = 2k
    (an unstable model's energy runs away later and would flatten everything else)."""
    d, e = m.dynamics[step], m.equilibrium[step]
    values = [d.data_energy, float(e.attrs.get("energy_mean", math.nan)) if e.exists else math.nan]
    values.extend(d.arrays["energy_mean"][d.t <= 2 * m.k])
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    lo, hi = values.min(), values.max()
    pad = 0.1 * (hi - lo) if hi > lo else 0.5 * max(1.0, abs(lo))
    return lo - pad, hi + pad


def plot_energy(items, path, dpi):
    """One panel per run: energies of different models and parameters are not on one scale."""
    plt = pyplot()
    items = [(i, m, step) for i, (m, step, _) in enumerate(items) if "energy_mean" in m.dynamics[step].arrays]
    cols = min(3, len(items))
    rows = (len(items) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols + 0.6, 3.4 * rows + 0.8), squeeze=False)
    for ax in axes.ravel()[len(items):]:
        ax.set_visible(False)
    for ax, (i, m, step) in zip(axes.ravel(), items):
        d, e = m.dynamics[step], m.equilibrium[step]
        col = colour(i)
        t, y = d.t.astype(float), d.arrays["energy_mean"]
        ax.plot(t, y, "-o", color=col, lw=1.5, ms=3)
        ik = d.index_of(m.k)
        if ik is not None:
            ax.plot([m.k], [y[ik]], "D", color=col, ms=9, mec="black", mew=1, zorder=5)
        ed = d.data_energy
        if math.isfinite(ed):
            ax.axhline(ed, color="black", ls="--", lw=1.2)
        eq_energy = float(e.attrs.get("energy_mean", math.nan)) if e.exists else math.nan
        if math.isfinite(eq_energy):
            ax.axhline(eq_energy, color="black", ls=":", lw=1.2)
        time_axis(ax, t.max() if t.size else 1, label="t (sweeps from p0, symlog)")
        limits = energy_limits(m, step)
        if limits:
            ax.set_ylim(*limits)
        gap = f", E(k) - E_D = {y[ik] - ed:.3g}" if ik is not None and math.isfinite(ed) else ""
        unknown = "" if math.isfinite(ed) else " (data energy unknown)"
        ax.set_title(f"{m.label}, step {step}{unknown}\n{gap.lstrip(', ')}", fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(r"mean energy $\langle E\rangle$")
    styles = [plt.Line2D([], [], color="grey", marker="o", ms=3, ls="-", label=r"samples $\langle E\rangle_t$"),
              plt.Line2D([], [], color="black", ls="--", label=r"data $\langle E\rangle_D$, same parameters"),
              plt.Line2D([], [], color="black", ls=":", label="equilibrium (where known)"),
              plt.Line2D([], [], color="grey", marker="D", ls="", mec="black", label="t = k")]
    fig.legend(handles=styles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle("mean energy of the samples vs the data's (RBM: free energy)", fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def main(argv):
    args = parse_args(argv)

    def body():
        runs = load_measurements(args.runs, unfinished_ok=True)
        if not any(m.steps for m in runs):
            load_measurements(args.runs)  # raises the one-line error of the first file
        for m in runs:
            if not m.steps:
                print(f"{PROG}: warning: {m.path}: status {m.status}, not measured; left out", file=sys.stderr)
        items = []
        for m in (m for m in runs if m.steps):
            stat = m.check_stat(args.stat or m.default_stat)
            items.append((m, m.step(args.step), stat))
        out = make_out(args.out)
        name = args.stat or (items[0][2] if len({s for _, _, s in items}) == 1 else "default")
        figures = [plot_errors(items, os.path.join(out, f"error_{name}_vs_t.png"), args.dpi)]
        if any("energy_mean" in m.dynamics[step].arrays for m, step, _ in items):
            figures.append(plot_energy(items, os.path.join(out, "energy_vs_t.png"), args.dpi))
        notes = []
        for m, step, _ in items:
            d, e = m.dynamics[step], m.equilibrium[step]
            if not e.exists:
                notes.append(f"{m.path}: step {step}: {e.note or 'no equilibrium (' + e.method + ')'}")
            if d.overflow_t is not None:
                notes.append(f"{m.path}: chains overflowed after t = {int(d.t[-1])} (by t = {d.overflow_t})")
        print_figures(figures, notes)
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
