"""Image samples of a trained model along the dynamics from p0 (t = k/4, k, 4k) and at equilibrium:
a short-run model's samples look like data at t = k, not necessarily after it."""
import argparse
import sys

from .. import SchemaError
from ..cli import (add_dpi_argument, add_format_argument, argv_or_default, figure_per_run, measured_runs, prog,
                  run_files, run_main, running, step_spec)
from ..plotting import set_formats
from ..figures import plot_samples, sample_panels

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

Exit status: 0 done, 2 bad input (not a shortrun run file or of another schema_version; no
/dynamics: run `shortrun measure FILE`; no image samples); one line `%(prog)s: error: <file>: <what>`."""

EPILOG = """\
example:
  build/shortrun train jobs/configs/rbm-fashion-mnist.ini --set measure.equilibrium=long-run --out results/rbm
  %(prog)s results/rbm/runs/rbm-fashion-mnist.h5 --out results/rbm/figures

""" + running("plot_samples")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=prog(PROG), description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5|SWEEP_DIR",
                        help="measured run files on image data; a sweep folder (or its sweep.h5)"
                             " stands for its run files")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG files, created if needed (default: %(default)s)")
    parser.add_argument("--step", default="last", type=step_spec, metavar="last|STEP",
                        help="measured training step: last (default) or an update number")
    parser.add_argument("--n", type=int, default=16, metavar="S",
                        help="samples per panel, at most those kept (default: %(default)s)")
    add_dpi_argument(parser)
    add_format_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv_or_default(argv))
    set_formats(args.format)

    def body():
        if args.n < 1:
            raise SchemaError(f"--n {args.n}: expected an integer >= 1")
        return figure_per_run(measured_runs(run_files(args.runs, prog(PROG)), prog(PROG)), args.step,
                              args.out, "samples", sample_panels,
                              lambda m, step, path: plot_samples(m, step, args.n, path, args.dpi))

    return run_main(prog(PROG), body)


if __name__ == "__main__":
    sys.exit(main())
