#!/usr/bin/python3
"""Error against the data over (training checkpoint, sampling time t), for a run measured at every
checkpoint (measure.at = all): where along the dynamics the model matches the data, as it trains."""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shortrun_analysis import STATS, SchemaError, load_measurement  # noqa: E402
from shortrun_analysis.cli import figure_path, make_out, print_figures, run_main  # noqa: E402
from shortrun_analysis.plotting import TIME_LABEL, pyplot  # noqa: E402

PROG = "plot_dynamics_heatmap.py"

DESCRIPTION = """\
Heat map of the dynamics measurement of one run file over (training checkpoint, sampling time t):
colour = the error of the samples against the data (log colour scale), rows = measured training
steps (log axis), columns = t (symlog axis: linear on [0, 1], logarithmic above, so t = 0 shows).
A vertical line marks t = k, a white dot in each row its minimum over t, and the narrow column at
the right the equilibrium error of that checkpoint (blank where none exists). For an rdm run the
minimum settles at t = k as training converges; for pcd it moves to large t.
Needs a run measured at every checkpoint: measure.at = all when training, or
`shortrun measure FILE --checkpoint all`. Writes <run id>_heatmap_<stat>.png into --out.
--stat: corr_err, mean_err, energy (|<E>_t - <E>_D|), h_err, vh_err (RBM); default corr_err,
mean_err for independent spins and N = 1.

Exit status: 0 done, 2 bad input (not a shortrun run file; no /dynamics: run `shortrun measure
FILE`; fewer than two measured checkpoints); one line `plot_dynamics_heatmap.py: error: <file>: <what>`.
Run it with /usr/bin/python3 (Debian's h5py, numpy, matplotlib)."""

EPILOG = """\
example:
  build/shortrun train jobs/configs/bm-ising.ini --set train.moments=sampled --set measure.at=all --out results/bm
  analysis/plot_dynamics_heatmap.py results/bm/runs/bm-ising.h5 --out results/bm/figures"""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", metavar="RUN.h5", help="a run file measured at every checkpoint")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG file, created if needed (default: %(default)s)")
    parser.add_argument("--stat", choices=list(STATS), metavar="STAT",
                        help="error to show: " + ", ".join(STATS) + " (default: see above)")
    parser.add_argument("--dpi", type=int, default=120, help="PNG resolution (default: %(default)s)")
    return parser.parse_args(argv)


def log_edges(values, offset):
    """Cell edges around sorted values, midway in log(value + offset), the outer ones mirrored."""
    x = np.log(np.asarray(values, dtype=float) + offset)
    if x.size == 1:
        mid = np.array([x[0] - 0.5, x[0] + 0.5])
    else:
        inner = 0.5 * (x[1:] + x[:-1])
        mid = np.concatenate([[x[0] - (inner[0] - x[0])], inner, [x[-1] + (x[-1] - inner[-1])]])
    return np.exp(mid) - offset


def grid(m, stat):
    """(steps [S], times [T], error [S,T] with NaN where a time was not recorded, equilibrium [S])."""
    steps = m.steps
    times = np.unique(np.concatenate([m.dynamics[s].t for s in steps]))
    err = np.full((len(steps), times.size), np.nan)
    eq = np.full(len(steps), np.nan)
    for r, s in enumerate(steps):
        d = m.dynamics[s]
        err[r, np.searchsorted(times, d.t)] = d.curve(stat)
        level = m.equilibrium[s].level(stat, d.data_energy)
        eq[r] = np.nan if level is None else level
    return np.asarray(steps), times, err, eq


def plot(m, stat, path, dpi):
    plt = pyplot()
    from matplotlib.colors import LogNorm
    steps, times, err, eq = grid(m, stat)
    good = np.concatenate([err[np.isfinite(err) & (err > 0)], eq[np.isfinite(eq) & (eq > 0)]])
    if good.size == 0:
        raise SchemaError(f"{m.path}: no positive finite {stat} to show")
    norm = LogNorm(vmin=good.min(), vmax=good.max())
    shown = np.ma.masked_invalid(np.where(err > 0, err, np.nan))

    fig = plt.figure(figsize=(9, 5.5))
    gs = fig.add_gridspec(1, 3, width_ratios=[14, 0.8, 0.5], wspace=0.08)
    ax, ax_eq, ax_cb = fig.add_subplot(gs[0]), fig.add_subplot(gs[1]), fig.add_subplot(gs[2])
    # t = 0 is a column: edges in log(t + 1) put it at [0, ~0.4] on the symlog axis.
    t_edges = np.maximum(log_edges(times, 1.0), 0)
    s_edges = log_edges(steps, 0.0)
    mesh = ax.pcolormesh(t_edges, s_edges, shown, norm=norm, cmap="viridis", shading="flat")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_yscale("log")
    ax.set_xlim(t_edges[0], t_edges[-1])
    ax.set_ylim(s_edges[0], s_edges[-1])
    ax.axvline(m.k, color="red", lw=1.5, ls="--", label=f"t = k = {m.k}")
    rows = np.isfinite(err).any(axis=1)
    tmin = np.array([times[np.nanargmin(row)] if ok else np.nan for row, ok in zip(err, rows)])
    ax.plot(tmin, steps, "o", color="white", mec="black", ms=6, label="minimum over t")
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("training step (update) of the measured checkpoint")
    ax.set_title(f"{m.label}: {stat}")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)

    ax_eq.pcolormesh([0, 1], s_edges, np.ma.masked_invalid(eq[:, None]), norm=norm, cmap="viridis")
    ax_eq.set_yscale("log")
    ax_eq.set_ylim(s_edges[0], s_edges[-1])
    ax_eq.set_xticks([0.5])
    ax_eq.set_xticklabels(["eq"])
    ax_eq.tick_params(axis="y", labelleft=False)
    for r, s in enumerate(steps):
        if not math.isfinite(eq[r]):
            ax_eq.text(0.5, s, "none", ha="center", va="center", fontsize=6, rotation=90)
    fig.colorbar(mesh, cax=ax_cb, label=STATS[stat])
    fig.subplots_adjust(left=0.09, right=0.9, bottom=0.11, top=0.93)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def main(argv):
    args = parse_args(argv)

    def body():
        m = load_measurement(args.run)
        stat = m.check_stat(args.stat or m.default_stat)
        if len(m.steps) < 2:
            raise SchemaError(f"{m.path}: only step {m.steps[0]} was measured, a heat map needs every "
                              f"checkpoint: run `shortrun measure {m.path} --checkpoint all`")
        out = make_out(args.out)
        print_figures([plot(m, stat, figure_path(out, m, f"heatmap_{stat}", set()), args.dpi)])
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
