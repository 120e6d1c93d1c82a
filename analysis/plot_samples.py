#!/usr/bin/python3
"""Image samples of a trained model along the dynamics from p0 (t = k/4, k, 4k) and at equilibrium:
a short-run model's samples look like data at t = k, not necessarily after it."""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shortrun_analysis import SchemaError, load_measurements  # noqa: E402
from shortrun_analysis.cli import figure_path, make_out, print_figures, run_main, step_spec  # noqa: E402
from shortrun_analysis.plotting import pyplot, save  # noqa: E402

PROG = "plot_samples.py"

DESCRIPTION = """\
Grids of image samples from run files on image data (data.source = idx or fashion-mnist,
measure.samples > 0; docs/hdf5-schema.md). One figure per run, <run id>_samples.png in --out, with
one panel per time: the first --n kept chains at t = k/4, k and 4k sweeps from p0
(/dynamics/<step>/samples at sample_t; those beyond t_max are not recorded), then the final states
of the long equilibrium runs (/equilibrium/<step>/samples, measure.equilibrium = long-run). Where
no equilibrium samples exist (another method, or none), the last panel is t = t_max instead,
labelled as such. Pixels are grey levels from the model's spin convention (0/1: black 0, white 1;
+-1: black -1, white +1). The same chains are shown in every dynamics panel.

Exit status: 0 done, 2 bad input (not a shortrun run file; no /dynamics: run `shortrun measure
FILE`; no image samples); one line `plot_samples.py: error: <file>: <what>`.
Run it with /usr/bin/python3 (Debian's h5py, numpy, matplotlib)."""

EPILOG = """\
example:
  build/shortrun train jobs/configs/rbm-fashion-mnist.ini --set measure.equilibrium=long-run --out results/rbm
  analysis/plot_samples.py results/rbm/runs/rbm-fashion-mnist.h5 --out results/rbm/figures"""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5", help="measured run files on image data")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG files, created if needed (default: %(default)s)")
    parser.add_argument("--step", default="last", type=step_spec, metavar="last|STEP",
                        help="measured training step: last (default) or an update number")
    parser.add_argument("--n", type=int, default=16, metavar="S",
                        help="samples per panel, at most those kept (default: %(default)s)")
    parser.add_argument("--dpi", type=int, default=120, help="PNG resolution (default: %(default)s)")
    return parser.parse_args(argv)


def panels(m, step):
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


def plot(m, step, n, path, dpi):
    plt = pyplot()
    shown = panels(m, step)
    spin = m.config.get("model.spin")
    if spin == "01":
        vmin, vmax = 0.0, 1.0
    elif spin == "pm1":
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


def main(argv):
    args = parse_args(argv)

    def body():
        if args.n < 1:
            raise SchemaError(f"--n {args.n}: expected an integer >= 1")
        runs = load_measurements(args.runs)
        steps = [m.step(args.step) for m in runs]
        for m, step in zip(runs, steps):
            panels(m, step)  # every file checked before any figure is written
        out = make_out(args.out)
        used = set()
        figures = []
        for m, step in zip(runs, steps):
            figures.append(plot(m, step, args.n, figure_path(out, m, "samples", used), args.dpi))
        print_figures(figures)
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
