"""Error against the data over (training checkpoint, sampling time t), for a run measured at every
checkpoint (measure.at = all): where along the dynamics the model matches the data, as it trains."""
import argparse
import sys

from .. import STATS, SchemaError, load_measurement
from ..cli import (add_dpi_argument, add_format_argument, argv_or_default, figure_path, make_out, print_figures,
                  prog, run_main, running)
from ..plotting import set_formats
from ..figures import plot_heatmap

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

Exit status: 0 done, 2 bad input (not a shortrun run file or of another schema_version; no
/dynamics: run `shortrun measure FILE`; fewer than two measured checkpoints); one line `%(prog)s: error: <file>: <what>`."""

EPILOG = """\
example:
  build/shortrun train jobs/configs/bm-ising.ini --set train.moments=sampled --set measure.at=all --out results/bm
  %(prog)s results/bm/runs/bm-ising.h5 --out results/bm/figures

""" + running("plot_dynamics_heatmap")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=prog(PROG), description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", metavar="RUN.h5", help="a run file measured at every checkpoint")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG file, created if needed (default: %(default)s)")
    parser.add_argument("--stat", choices=list(STATS), metavar="STAT",
                        help="error to show: " + ", ".join(STATS) + " (default: see above)")
    add_dpi_argument(parser)
    add_format_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv_or_default(argv))
    set_formats(args.format)

    def body():
        m = load_measurement(args.run)
        stat = m.check_stat(args.stat or m.default_stat)
        if len(m.steps) < 2:
            raise SchemaError(f"{m.path}: only step {m.steps[0]} was measured, a heat map needs every "
                              f"checkpoint: run `shortrun measure {m.path} --checkpoint all`")
        out = make_out(args.out)
        print_figures([plot_heatmap(m, stat, figure_path(out, m, f"heatmap_{stat}", set()), args.dpi)])
        return 0

    return run_main(prog(PROG), body)


if __name__ == "__main__":
    sys.exit(main())
