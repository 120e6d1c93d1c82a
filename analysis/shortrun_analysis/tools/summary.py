"""The headline numbers of measured run files, one row per run or per group of seeds: the error of
the samples against the data at t = k, its minimum over t and where, and at equilibrium
(docs/theory.md section 5). Console script: shortrun-summary."""
import argparse
import json
import math
import os
import sys

from ..cli import argv_or_default, prog, run_files, run_main, running
from ..measurement import STATS, load_measurements, summarize, summarize_unfinished
from ..seeds import average_over_seeds, distinguish, drop_copies

PROG = "summary.py"

DESCRIPTION = """\
Prints, for each measured run file (/dynamics, /equilibrium; docs/hdf5-schema.md), an aligned
table row: run id, model, scheme, k, the measured training step, the statistic, its value at
t = k, its minimum over the recorded t and the t where it is reached, its equilibrium value and
how the equilibrium was obtained (theory, exact enumeration, long-run chains; `none` when the
model has none, e.g. an unstable Gaussian mode), n (how many seeds the row stands for) and notes
(overflow, long run not converged).
A run that diverged or was interrupted is never measured: its row has no numbers and says so.
Inputs are run files, sweep folders (the --out of `shortrun sweep`, with sweep.h5) or manifests:
a sweep stands for every run file it lists.
One run's numbers carry +- the standard error of its file (jackknife over its measured chains;
none where the law is exact).
Seeds: runs that differ only in run.seed (a run.seed axis, or runs trained with other seeds) are
one row, named by the run id without its seed part: err(t=k) and the equilibrium value are the
means over the seeds that have them, +- their standard error over them (sd / sqrt(n)); the
minimum is that of the mean curve (the one plot_dynamics draws), at its t, +- the seeds' standard
error there; n says how many runs. A file named twice, or a copy of a run (the same configuration
and run.seed), counts once, with a warning. --seeds each prints every run on its own row instead.
A converged rdm run has err(k) near the minimum, at t_min near k, far below equilibrium;
pcd and cd runs are lowest at equilibrium.
--stat: corr_err (rms over i<j of C_ij(t) - C_ij^D), mean_err (rms over i of m_i(t) - m_i^D),
energy (|<E>_t - <E>_D|), h_err, vh_err (RBM); default: corr_err, or mean_err for independent
spins and N = 1. --json prints a JSON list of the same records instead (numbers unrounded; null
where a value does not exist; n_seeds, seeds, run_ids, and the standard errors at_k_se,
minimum_se, equilibrium_se described above).

Exit status: 0 done, 2 bad input (not a shortrun run file or of another schema_version; no
/dynamics: run `shortrun measure FILE`; a step that was not measured; a folder without sweep.h5);
one line `%(prog)s: error: <file>: <what>`."""

EPILOG = """\
examples:
  %(prog)s results/demo/runs/*.h5
  %(prog)s results/demo/gaussian            # a sweep folder: every run, seeds averaged
  %(prog)s results/demo/runs/*.h5 --step all --json

""" + running("summary")

COLUMNS = [("run", "<"), ("model", "<"), ("scheme", "<"), ("k", ">"), ("step", ">"), ("stat", "<"),
           ("err(t=k)", ">"), ("min over t", ">"), ("at t", ">"), ("equilibrium", ">"), ("method", "<"),
           ("n", ">"), ("note", "<")]


def step_arg(value):
    if value not in ("last", "all") and not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected last, all or an update number, got {value!r}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=prog(PROG), description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5|SWEEP_DIR",
                        help="measured run files (schema shortrun.run with /dynamics), sweep folders or "
                             "their sweep.h5")
    parser.add_argument("--seeds", choices=("average", "each"), default="average",
                        help="average: one row per configuration, mean +- standard error over the runs "
                             "that differ only in run.seed (default); each: one row per run")
    parser.add_argument("--stat", choices=list(STATS), metavar="STAT",
                        help="error to tabulate: " + ", ".join(STATS) + " (default: per run, see above)")
    parser.add_argument("--step", default="last", type=step_arg, metavar="last|all|STEP",
                        help="measured training step(s): last (default), all, or an update number")
    parser.add_argument("--json", action="store_true", help="print JSON records instead of the table")
    return parser.parse_args(argv)


def number(x, se=None):
    """x to 4 digits, with +-se to 2 where a standard error exists (no spaces: one table cell)."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.4g}" + (f"±{se:.2g}" if se is not None and math.isfinite(se) else "")


def row(s):
    notes = []
    if s.overflow_t is not None:
        notes.append(f"overflow by t = {s.overflow_t}")
    if s.note:
        notes.append(s.note)
    return [s.run_id or os.path.basename(s.path), s.model, s.scheme, str(s.k), "-" if s.step is None else str(s.step),
            s.stat,
            number(s.at_k, s.at_k_se), number(s.minimum, s.minimum_se), "-" if s.t_min is None else str(s.t_min),
            "none" if s.equilibrium is None and s.step is not None else number(s.equilibrium, s.equilibrium_se),
            s.method or "-", str(s.n_seeds), "; ".join(notes)]


def print_table(rows):
    widths = [max(len(name), *(len(r[i]) for r in rows)) for i, (name, _) in enumerate(COLUMNS)]

    def line(cells):
        return "  ".join(f"{c:{align}{w}}" for c, (_, align), w in zip(cells, COLUMNS, widths)).rstrip()

    print(line([name for name, _ in COLUMNS]))
    for r in rows:
        print(line(r))


def seed_groups(runs, how):
    """(Measurement to summarize or None, the group's runs that were not measured) per row group:
    averaged over seeds (seeds.average_over_seeds) or one per run."""
    if how == "each":
        groups = [(m, []) if m.steps else (None, [m]) for m in drop_copies(runs)]
    else:
        groups = average_over_seeds(runs)
    # Rows of different configurations with one run id (two sweeps' k1): named apart.
    distinguish([m for m, _ in groups if m is not None] + [u for m, unmeasured in groups if m is None
                                                           for u in unmeasured])
    return groups


def main(argv=None):
    args = parse_args(argv_or_default(argv))
    name = prog(PROG)

    def body():
        runs = load_measurements(run_files(args.runs, name), unfinished_ok=True)
        for m in runs:
            m.check_stat(args.stat or m.default_stat)
        summaries = []
        for m, unmeasured in seed_groups(runs, args.seeds):
            if m is None:
                summaries.extend(summarize_unfinished(u, args.stat or u.default_stat) for u in unmeasured)
                continue
            stat = args.stat or m.default_stat
            steps = m.steps if args.step == "all" else [m.step(args.step)]
            for step in steps:
                s = summarize(m, step, stat)
                if unmeasured:
                    why = ", ".join(f"{u.run_id or u.path} {u.status}" for u in unmeasured)
                    s.note = "; ".join(x for x in (s.note, f"not measured, left out of the mean: {why}") if x)
                summaries.append(s)
        if args.json:
            # NaN is not JSON: summarize() already gives None for values that do not exist.
            print(json.dumps([s.as_dict() for s in summaries], indent=1, allow_nan=False))
        else:
            print_table([row(s) for s in summaries])
        return 0

    return run_main(name, body)


if __name__ == "__main__":
    sys.exit(main())
