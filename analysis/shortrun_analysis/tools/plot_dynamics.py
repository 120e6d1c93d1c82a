"""Error of the trained model's samples against the data versus sampling time t, with the
equilibrium level (docs/theory.md section 5): the picture of the short-run claim."""
import argparse
import os
import sys

from .. import STATS
from ..cli import (add_dpi_argument, add_format_argument, argv_or_default, make_out, measured_runs, print_figures,
                  prog, run_files, run_main, running, step_spec)
from ..plotting import set_formats
from ..figures import plot_energy, plot_errors
from ..seeds import average_over_seeds, distinguish, drop_copies

PROG = "plot_dynamics.py"

DESCRIPTION = """\
Plots the dynamics-versus-equilibrium measurement of run files (/dynamics and /equilibrium,
docs/hdf5-schema.md; docs/theory.md section 5): fresh chains of the trained model, started from the
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
Inputs may be sweep folders (or their sweep.h5): every run file they list. Runs that differ only
in run.seed are one curve, the mean over the seeds with error bars of one standard error and n in
the legend (--seeds each: one curve per run).

Exit status: 0 done, 2 bad input (not a shortrun run file or of another schema_version, no
/dynamics: run `shortrun measure FILE`, a step that was not measured, no measured run at all); the
error is one line
`%(prog)s: error: <file>: <what>`."""

EPILOG = """\
example:
  build/shortrun train jobs/configs/bm-ising.ini --set train.moments=sampled --set run.name=rdm --out results/bm
  build/shortrun train jobs/configs/bm-ising.ini --set train.moments=sampled --set run.name=pcd \\
      --set train.scheme=pcd --out results/bm
  %(prog)s results/bm/runs/*.h5 --out results/bm/figures

""" + running("plot_dynamics")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=prog(PROG), description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5|SWEEP_DIR",
                        help="measured run files (schema shortrun.run with /dynamics); a sweep folder (or its sweep.h5)"
                             " stands for its run files")
    parser.add_argument("--out", default="figures", metavar="DIR",
                        help="folder for the PNG files, created if needed (default: %(default)s)")
    parser.add_argument("--stat", choices=list(STATS), metavar="STAT",
                        help="error to plot: " + ", ".join(STATS) + " (default: per run, see above)")
    parser.add_argument("--step", default="last", type=step_spec, metavar="last|STEP",
                        help="measured training step of every file: last (default) or an update number")
    parser.add_argument("--seeds", choices=("average", "each"), default="average",
                        help="average: one curve per configuration, the mean over the runs that differ only "
                             "in run.seed with standard-error bars and n in the legend (default); each: one "
                             "curve per run")
    add_dpi_argument(parser)
    add_format_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv_or_default(argv))
    set_formats(args.format)

    def body():
        measured = measured_runs(run_files(args.runs, prog(PROG)), prog(PROG))
        if args.seeds == "average":
            measured = [avg for avg, _ in average_over_seeds(measured)]
        else:
            measured = drop_copies(measured)
        distinguish(measured)  # curves of different configurations with one run id: labelled apart
        items = []
        for m in measured:
            stat = m.check_stat(args.stat or m.default_stat)
            items.append((m, m.step(args.step), stat))
        out = make_out(args.out)
        name = args.stat or (items[0][2] if len({s for _, _, s in items}) == 1 else "default")
        figures = [plot_errors(items, os.path.join(out, f"error_{name}_vs_t.png"), args.dpi)]
        # A ConvNet's energy has no fixed scale: each seed's model its own, so each seed its own panel.
        energies = [(r, r.step(args.step), stat) for m, step, stat in items
                    for r in (m.members if m.model == "convnet" else [m])]
        if any("energy_mean" in m.dynamics[step].arrays for m, step, _ in energies):
            figures.append(plot_energy(energies, os.path.join(out, "energy_vs_t.png"), args.dpi))
        notes = []
        for m, step, _ in items:
            d, e = m.dynamics[step], m.equilibrium[step]
            if not e.exists:
                notes.append(f"{m.path}: step {step}: {e.note or 'no equilibrium (' + e.method + ')'}")
            if d.overflow_t is not None:
                notes.append(f"{m.path}: chains overflowed after t = {int(d.t[-1])} (by t = {d.overflow_t})")
        print_figures(figures, notes)
        return 0

    return run_main(prog(PROG), body)


if __name__ == "__main__":
    sys.exit(main())
