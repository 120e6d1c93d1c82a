#!/usr/bin/env python3
"""Measure sweep throughput on 1 and 2 MPI ranks, and the speed-up of one configuration trained by
a team of 2 ranks against 1 rank (same total chains), side by side in one invocation.

Runs `shortrun sweep` under mpirun and reads the wall times the run files record. The sweep is a
grid of 8 small Gaussian runs; the team benchmarks are one RBM (jobs/configs/bench-rbm.ini: 196 x 200,
k = 10, 2000 chains, Adam), whose all-reduced gradient is 317 KB per update, and the RBM of issue 8's
targets (784 x 500 on 28 x 28 bars-and-stripes, k = 10, 1000 chains and a 1000-image minibatch,
SGD; 3.1 MB all-reduced per update), timed by its training log alone (updates per second between
the first and last rows of /train, so start-up and the measurement do not count).

Usage:  python3 analysis/bench_sweep.py [--shortrun build/shortrun] [--repeats 3]
Prints one table; the numbers are medians over --repeats repetitions. Needs 2 free cores to mean
anything: timings on a loaded machine vary by 20-30 %.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

# Run as a script, this file's folder is first on sys.path: the package next to it is imported.
from shortrun_analysis.cli import run_main
from shortrun_analysis.schema import RUN_SCHEMA, SWEEP_SCHEMA, check_schema

HERE = os.path.dirname(os.path.abspath(__file__))

PROG = "bench_sweep.py"
CONFIG = os.path.join(HERE, "..", "jobs", "configs", "gaussian.ini")
RBM_CONFIG = os.path.join(HERE, "..", "jobs", "configs", "bench-rbm.ini")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
TEAM = []
# Issue 8's RBM: measurement reduced to almost nothing, since only training is timed.
BIG_RBM = ["--set", "model.n_visible=784", "--set", "model.n_hidden=500", "--set", "train.chains=1000",
           "--set", "train.batch=1000", "--set", "train.optimizer=sgd", "--set", "train.updates=12",
           "--set", "train.log_every=1", "--set", "measure.chains=10", "--set", "measure.t_max=2",
           "--set", "measure.t_points=3", "--set", "measure.equilibrium=none", "--set", "measure.ais_runs=0",
           "--set", "measure.samples=0"]
GRID = ["--set", "run.seed=1,2,3,4", "--set", "train.k=2,4", "--set", "train.updates=200",
        "--set", "train.chains=500"]


def sweep(shortrun, ranks, per_run, extra, config=CONFIG, log=None):
    """Runs one sweep; returns (wall seconds of the whole command, per-run wall seconds), or with
    log = RUN_ID that run's training rate in updates per second instead of its wall seconds."""
    with tempfile.TemporaryDirectory() as out:
        cmd = ["mpirun", "-np", str(ranks), shortrun, "sweep", config, "--out", out, "--quiet",
               "--ranks-per-run", str(per_run)] + extra
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        manifest = os.path.join(out, "sweep.h5")
        with h5py.File(manifest, "r") as m:
            check_schema(m, manifest, SWEEP_SCHEMA)
            runs = list(m["runs/wall_s"][()])
        if log is not None:
            run_file = os.path.join(out, "runs", log + ".h5")
            with h5py.File(run_file, "r") as r:
                check_schema(r, run_file, RUN_SCHEMA)
                step, t = r["train/step"][()], r["train/wall_s"][()]
            runs = [(step[-1] - step[0]) / (t[-1] - t[0])]
        return wall, runs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shortrun", default=os.path.join(HERE, "..", "build", "shortrun"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not os.access(args.shortrun, os.X_OK):
        sys.exit(f"{PROG}: error: {args.shortrun}: not an executable (build first)")

    rows = []
    grid = {1: [], 2: []}
    team = {1: [], 2: []}
    big = {1: [], 2: []}
    for _ in range(args.repeats):
        for ranks in (1, 2):
            wall, runs = sweep(args.shortrun, ranks, 1, GRID)
            grid[ranks].append(len(runs) / wall)
            _, runs = sweep(args.shortrun, ranks, ranks, TEAM, RBM_CONFIG)
            team[ranks].append(runs[0])
            _, runs = sweep(args.shortrun, ranks, ranks, BIG_RBM, RBM_CONFIG, log="bench-rbm")
            big[ranks].append(runs[0])
    g1, g2 = statistics.median(grid[1]), statistics.median(grid[2])
    t1, t2 = statistics.median(team[1]), statistics.median(team[2])
    rows.append(("sweep of 8 small runs, 1 rank", f"{g1:.2f} runs/s", ""))
    rows.append(("sweep of 8 small runs, 2 ranks (2 teams of 1)", f"{g2:.2f} runs/s", f"x{g2 / g1:.2f}"))
    rows.append(("one RBM run (196 x 200, k = 10, 2000 chains), team of 1", f"{t1:.2f} s", ""))
    rows.append(("same RBM run, team of 2 ranks (same total chains)", f"{t2:.2f} s", f"x{t1 / t2:.2f}"))
    b1, b2 = statistics.median(big[1]), statistics.median(big[2])
    rows.append(("RBM 784 x 500 (k = 10, 1000 chains) training, team of 1", f"{b1:.3f} upd/s", ""))
    rows.append(("same RBM training, team of 2 ranks (same total chains)", f"{b2:.3f} upd/s", f"x{b2 / b1:.2f}"))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median':>12}  {'speed-up':>8}   ({args.repeats} repeats)")
    for name, value, ratio in rows:
        print(f"{name:<{width}}  {value:>12}  {ratio:>8}")


if __name__ == "__main__":
    # Files of another schema or schema_version (a shortrun newer than this script): one line, exit 2.
    sys.exit(run_main(PROG, main))
