#!/usr/bin/python3
"""The headline numbers of measured run files, one row per run: the error of the samples against
the data at t = k, its minimum over t and where, and at equilibrium (THEORY.md section 5)."""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shortrun_analysis import STATS, load_measurements, summarize, summarize_unfinished  # noqa: E402
from shortrun_analysis.cli import run_main  # noqa: E402

PROG = "summary.py"

DESCRIPTION = """\
Prints, for each measured run file (/dynamics, /equilibrium; docs/hdf5-schema.md), an aligned
table row: run id, model, scheme, k, the measured training step, the statistic, its value at
t = k, its minimum over the recorded t and the t where it is reached, its equilibrium value and
how the equilibrium was obtained (theory, exact enumeration, long-run chains; `none` when the
model has none, e.g. an unstable Gaussian mode), and notes (overflow, long run not converged).
A run that diverged or was interrupted is never measured: its row has no numbers and says so.
A converged rdm run has err(k) near the minimum, at t_min near k, far below equilibrium;
pcd and cd runs are lowest at equilibrium.
--stat: corr_err (rms over i<j of C_ij(t) - C_ij^D), mean_err (rms over i of m_i(t) - m_i^D),
energy (|<E>_t - <E>_D|), h_err, vh_err (RBM); default: corr_err, or mean_err for independent
spins and N = 1. --json prints a JSON list of the same records instead (numbers unrounded; null
where a value does not exist).

Exit status: 0 done, 2 bad input (not a shortrun run file or of another schema_version; no
/dynamics: run `shortrun measure FILE`; a step that was not measured); one line `summary.py: error: <file>: <what>`.
Run it with /usr/bin/python3 (Debian's h5py, numpy)."""

EPILOG = """\
example:
  analysis/summary.py results/demo/runs/*.h5
  analysis/summary.py results/demo/runs/*.h5 --step all --json"""

COLUMNS = [("run", "<"), ("model", "<"), ("scheme", "<"), ("k", ">"), ("step", ">"), ("stat", "<"),
           ("err(t=k)", ">"), ("min over t", ">"), ("at t", ">"), ("equilibrium", ">"), ("method", "<"),
           ("note", "<")]


def step_arg(value):
    if value not in ("last", "all") and not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected last, all or an update number, got {value!r}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN.h5",
                        help="measured run files (schema shortrun.run with /dynamics)")
    parser.add_argument("--stat", choices=list(STATS), metavar="STAT",
                        help="error to tabulate: " + ", ".join(STATS) + " (default: per run, see above)")
    parser.add_argument("--step", default="last", type=step_arg, metavar="last|all|STEP",
                        help="measured training step(s): last (default), all, or an update number")
    parser.add_argument("--json", action="store_true", help="print JSON records instead of the table")
    return parser.parse_args(argv)


def number(x):
    return "-" if x is None or not math.isfinite(x) else f"{x:.4g}"


def row(s):
    notes = []
    if s.overflow_t is not None:
        notes.append(f"overflow by t = {s.overflow_t}")
    if s.note:
        notes.append(s.note)
    return [s.run_id or os.path.basename(s.path), s.model, s.scheme, str(s.k), "-" if s.step is None else str(s.step),
            s.stat,
            number(s.at_k), number(s.minimum), "-" if s.t_min is None else str(s.t_min),
            "none" if s.equilibrium is None and s.step is not None else number(s.equilibrium), s.method or "-",
            "; ".join(notes)]


def print_table(rows):
    widths = [max(len(name), *(len(r[i]) for r in rows)) for i, (name, _) in enumerate(COLUMNS)]

    def line(cells):
        return "  ".join(f"{c:{align}{w}}" for c, (_, align), w in zip(cells, COLUMNS, widths)).rstrip()

    print(line([name for name, _ in COLUMNS]))
    for r in rows:
        print(line(r))


def main(argv):
    args = parse_args(argv)

    def body():
        runs = load_measurements(args.runs, unfinished_ok=True)
        summaries = []
        for m in runs:
            stat = m.check_stat(args.stat or m.default_stat)
            if not m.steps:
                summaries.append(summarize_unfinished(m, stat))
                continue
            steps = m.steps if args.step == "all" else [m.step(args.step)]
            summaries.extend(summarize(m, step, stat) for step in steps)
        if args.json:
            # NaN is not JSON: summarize() already gives None for values that do not exist.
            print(json.dumps([s.as_dict() for s in summaries], indent=1, allow_nan=False))
        else:
            print_table([row(s) for s in summaries])
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
