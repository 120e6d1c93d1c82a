"""The measurement figures that the scripts (plot_dynamics.py, plot_dynamics_heatmap.py,
plot_samples.py) and make_figures.py share, so that a study's figure is the same drawing as the
per-run one. Each function takes loaded Measurements (measurement.py) and writes one PNG.

  plot_errors   error against the data vs sampling time t, one curve per (run, step, stat), the
                t = k diamond and the run's equilibrium level
  plot_energy   one panel per run: mean energy of the samples vs the data's mean energy
  plot_heatmap  the error over (training checkpoint, t) of one run measured at every checkpoint
  plot_samples  image samples at t = k/4, k, 4k and at equilibrium (or t_max)

A Measurement that averages seeds (seeds.SeedAverage) is drawn as its mean with error bars of one
standard error over the seeds (plot_errors, plot_energy), its legend or title giving n.
Figures are written in every format of plotting.set_formats (the tools' --format).

matplotlib is imported on the first figure (plotting.pyplot), not when this module is imported.
"""
from __future__ import annotations

import math

import numpy as np

from .measurement import STATS
from .plotting import TIME_LABEL, colour, pyplot, save, time_axis, write
from .runfile import SchemaError

ERRORS_TITLE = "error of the trained model's samples against the data vs sampling time"
ENERGY_TITLE = "mean energy of the samples vs the data's (RBM: free energy)"


def positive(y):
    """y with values <= 0 (or non-finite) masked: the error axis is logarithmic."""
    y = np.asarray(y, dtype=float).copy()
    y[~(np.isfinite(y) & (y > 0))] = np.nan
    return y


def no_equilibrium(e):
    """Legend text for a run without an equilibrium line (the printed notes give the reason)."""
    if e.exists and e.converged is False:
        return f"equilibrium {e.describe()}: not drawn"
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


def plot_errors(items, path, dpi, title=ERRORS_TITLE):
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
        se = d.curve_se(stat_i)
        if se is not None:
            # Log axis: a lower bar reaching 0 or below is drawn to 5 % of the value instead.
            low = np.where(np.isfinite(se), np.minimum(se, 0.95 * y), np.nan)
            ax.errorbar(t, y, yerr=[low, np.where(np.isfinite(se), se, np.nan)], fmt="-o", color=col, lw=1.5,
                        ms=3, elinewidth=1, capsize=2, label=label)
        else:
            ax.plot(t, y, "-o", color=col, lw=1.5, ms=3, label=label)
        ik = d.index_of(m.k)
        if ik is not None and np.isfinite(y[ik]):
            ax.plot([m.k], [y[ik]], "D", color=col, ms=9, mec="black", mew=1, zorder=5)
        if d.overflow_t is not None and t.size:
            ax.plot([t[-1]], [y[-1]], "x", color=col, ms=12, mew=2.5, zorder=5)
        if eq is not None and eq > 0:
            ax.axhline(eq, color=col, ls="--", lw=1.3)
            eq_se = e.level_se(stat_i, d.data_energy)
            if eq_se is not None and math.isfinite(eq_se):
                ax.axhspan(max(eq - eq_se, 0.05 * eq), eq + eq_se, color=col, alpha=0.12, lw=0)
    time_axis(ax, t_max)
    ax.set_yscale("log")
    limits = error_limits(items)
    if limits:
        ax.set_ylim(*limits)
    ax.set_ylabel("error against the data (statistic per run in the legend)" if mixed else STATS[items[0][2]])
    ax.set_title(title, fontsize=10)
    styles = [plt.Line2D([], [], color="grey", marker="o", ms=3, ls="-", label="dynamics from p0"),
              plt.Line2D([], [], color="grey", marker="D", ls="", mec="black", label="t = k"),
              plt.Line2D([], [], color="grey", ls="--", label="equilibrium")]
    if any(m.dynamics[step].overflow_t is not None for m, step, _ in items):
        styles.append(plt.Line2D([], [], color="grey", marker="x", ls="", mew=2, label="overflow after this t"))
    if any(m.n_seeds > 1 for m, _, _ in items):
        styles.append(plt.Line2D([], [], color="grey", marker="|", ms=8, ls="",
                                 label="mean ± 1 s.e. over n seeds"))
    ax.add_artist(ax.legend(handles=styles, loc="upper right", fontsize=8, framealpha=0.8))
    legend_below(ax, len(items))
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, path, dpi)


def energy_limits(m, step):
    """y range of one energy panel: the data and equilibrium energies and the curve up to t = 2k
    (an unstable model's energy runs away later and would flatten everything else)."""
    d, e = m.dynamics[step], m.equilibrium[step]
    values = [d.data_energy,
              float(e.attrs.get("energy_mean", math.nan)) if e.trusted else math.nan]
    values.extend(d.arrays["energy_mean"][d.t <= 2 * m.k])
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    lo, hi = values.min(), values.max()
    pad = 0.1 * (hi - lo) if hi > lo else 0.5 * max(1.0, abs(lo))
    return lo - pad, hi + pad


def plot_energy(items, path, dpi, title=ENERGY_TITLE):
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
        se = d.array_se("energy_mean")
        if se is not None:
            ax.errorbar(t, y, yerr=se, fmt="-o", color=col, lw=1.5, ms=3, elinewidth=1, capsize=2)
        else:
            ax.plot(t, y, "-o", color=col, lw=1.5, ms=3)
        ik = d.index_of(m.k)
        if ik is not None:
            ax.plot([m.k], [y[ik]], "D", color=col, ms=9, mec="black", mew=1, zorder=5)
        ed = d.data_energy
        if math.isfinite(ed):
            ax.axhline(ed, color="black", ls="--", lw=1.2)
        # A reference that failed its convergence check is no equilibrium: not drawn.
        eq_energy = float(e.attrs.get("energy_mean", math.nan)) if e.trusted else math.nan
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
              plt.Line2D([], [], color="black", ls=":", label="equilibrium (where converged)"),
              plt.Line2D([], [], color="grey", marker="D", ls="", mec="black", label="t = k")]
    fig.legend(handles=styles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return write(fig, path, dpi)


def log_edges(values, offset):
    """Cell edges around sorted values, midway in log(value + offset), the outer ones mirrored."""
    x = np.log(np.asarray(values, dtype=float) + offset)
    if x.size == 1:
        mid = np.array([x[0] - 0.5, x[0] + 0.5])
    else:
        inner = 0.5 * (x[1:] + x[:-1])
        mid = np.concatenate([[x[0] - (inner[0] - x[0])], inner, [x[-1] + (x[-1] - inner[-1])]])
    return np.exp(mid) - offset


def heatmap_grid(m, stat):
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


def plot_heatmap(m, stat, path, dpi):
    plt = pyplot()
    from matplotlib.colors import LogNorm
    steps, times, err, eq = heatmap_grid(m, stat)
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
    return write(fig, path, dpi)


def sample_panels(m, step):
    """[(title, images [S,H,W])] in the order k/4, k, 4k, equilibrium (or t_max)."""
    d, e = m.dynamics[step], m.equilibrium[step]
    if "samples" not in d.arrays or "sample_t" not in d.arrays or d.arrays["samples"].size == 0:
        raise SchemaError(f"{m.path}: /dynamics/{step} holds no image samples (image data with "
                          "measure.samples > 0 only)")
    samples, sample_t = d.arrays["samples"], [int(t) for t in d.arrays["sample_t"]]
    k, t_max = m.k, int(m.dynamics_attrs.get("t_max", max(sample_t)))
    out = []
    for t, name in ((max(1, k // 4), "k/4"), (k, "k"), (4 * k, "4k")):
        if t in sample_t and all(t != shown for shown, _, _ in out):
            out.append((t, f"t = {name} = {t}", samples[sample_t.index(t)]))
    if "samples" in e.arrays and e.arrays["samples"].size:
        if "burn_in" in e.attrs and "window" in e.attrs:
            what = f"{e.method}, {int(e.attrs['burn_in']) + int(e.attrs['window'])} sweeps"
        else:
            what = e.method
        conv = "" if e.converged is not False else ", not converged"
        out.append((None, f"equilibrium ({what}{conv})", e.arrays["samples"]))
    elif t_max in sample_t:
        why = e.note if not e.exists and e.note else f"method {e.method}"
        if all(t_max != shown for shown, _, _ in out):
            out.append((t_max, f"t = t_max = {t_max}\n(no equilibrium samples: {why})", samples[sample_t.index(t_max)]))
    return [(title, images) for _, title, images in out]


def mosaic(images, n):
    """The first n images [S,H,W] tiled on a near-square grid, NaN between tiles."""
    images = images[:n]
    s, h, w = images.shape
    cols = int(math.ceil(math.sqrt(s)))
    rows = int(math.ceil(s / cols))
    tile = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        tile[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = img
    return tile


def plot_samples(m, step, n, path, dpi):
    plt = pyplot()
    shown = sample_panels(m, step)
    spin = m.config.get("model.spin")
    if spin == "01":
        vmin, vmax = 0.0, 1.0
    elif spin == "pm1" or m.config.get("model.type") == "convnet":  # ConvNet pixels: [-1, 1] (chains may leave it)
        vmin, vmax = -1.0, 1.0
    else:
        values = np.concatenate([images.ravel() for _, images in shown])
        vmin, vmax = float(np.nanmin(values)), float(np.nanmax(values))
    fig, axes = plt.subplots(1, len(shown), figsize=(2.8 * len(shown), 3.4), squeeze=False)
    cmap = plt.get_cmap("gray").copy()
    cmap.set_bad("tab:blue")  # the gaps between tiles
    for ax, (title, images) in zip(axes[0], shown):
        ax.imshow(np.ma.masked_invalid(mosaic(images, n)), cmap=cmap, vmin=vmin, vmax=vmax,
                  interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{m.label}, step {step}: samples from p0", fontsize=10)
    return save(fig, path, dpi)
