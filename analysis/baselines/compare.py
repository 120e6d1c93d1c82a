#!/usr/bin/env python3
"""shortrun against PyTorch, side by side in one run: the RBM rdm update and the ConvNet Langevin
step, parameter gradient and rdm update (issue 8), at equal thread counts.

Each round runs `shortrun bench --json --what rbm|convnet --repeats R` and then the PyTorch
versions of the same entries (torch_rbm.py, torch_convnet.py; R timed repeats after one untimed
warm-up, as the bench does), alternating which side goes first from round to round, so both see
the same machine load. The sizes of the PyTorch runs are read from the bench's JSON, so --quick
shrinks both sides alike. Reported per benchmark: the median over rounds of each side's
per-round median, ratio = PyTorch median / shortrun median (> 1: shortrun is faster), the range
of the per-round ratios, the thread counts and the machine.

What users run: --what rbm-train,convnet-train times `shortrun train` itself instead of the
bench. Each round trains the same update as the bench entry (the RBM: 784 x 500 on 28 x 28
bars-and-stripes, 1000 chains, rdm k = 10, batch 1000, SGD, model.precision = float32; the
ConvNet: 16, 32, 64 channels on 28 x 28 blobs, 100 chains, rdm k = 20, batch 100, Adam) for
--updates updates with train.log_every = 1, and takes the per-update time from the run file's
own training log: the median of diff(/train/wall_s) over the updates after the first
--warmup (set-up, first-touch allocations and checkpoint writes are then left out or damped by
the median). The PyTorch side times the same update as for the bench entries. The binary's
threads: OMP_NUM_THREADS = --threads (an OpenMP build; a serial build runs 1).

Usage:
  python3 analysis/baselines/compare.py [--shortrun build/shortrun] [--threads 1]
      [--rounds 5] [--repeats 3] [--what rbm,convnet,rbm-train,convnet-train] [--quick] [--json]
      [--shortrun-only] [--updates 25] [--warmup 5]

Needs Debian's python3-torch and libopenblas0-pthread, optional packages (SHORTRUN_WITH_TORCH=1
jobs/local/install-deps.sh; docs/performance.md);
exits 2 with one line if torch or the shortrun binary is missing. OPENBLAS_CORETYPE is set here
when unset (SkylakeX on AVX-512 machines, Haswell on AVX2 ones): OpenBLAS 0.3.21
does not recognise newer CPUs and would run generic kernels several times slower.
--shortrun-only runs the shortrun side alone through the same rounds and report (PyTorch columns
null), for machines without torch.
"""
import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
PROG = "compare.py"

# shortrun bench entries with a PyTorch counterpart, by the bench's `kernel` and `precision`.
BENCHMARKS = {
    "rbm": [("rbm.rdm_update", "float32")],
    "convnet": [("convnet.ula_step", "float32"), ("convnet.param_grad", "float32"),
                ("convnet.rdm_update", "float32")],
}

# `shortrun train` runs timed against the PyTorch update of the same sizes: the config, its
# --set overrides (full size, then --quick size) and the PyTorch baseline's kernel and sizes.
TRAIN = {
    "rbm-train": dict(
        name="train.rbm_rdm.f32", kernel="rbm.rdm_update", config="jobs/configs/bench-rbm.ini",
        sets=["model.n_visible=784", "model.n_hidden=500", "data.n_samples=2000", "train.chains=1000",
              "train.batch=1000", "train.k=10", "train.optimizer=sgd", "train.lr=0.01", "model.precision=float32"],
        quick=["model.n_visible=196", "model.n_hidden=100", "data.n_samples=200", "train.chains=100",
               "train.batch=100", "train.k=5", "train.optimizer=sgd", "train.lr=0.01", "model.precision=float32"],
        torch=dict(n_visible=784, n_hidden=500, chains=1000, k=10, batch=1000, n_data=2000),
        torch_quick=dict(n_visible=196, n_hidden=100, chains=100, k=5, batch=100, n_data=200)),
    "convnet-train": dict(
        name="train.convnet_rdm", kernel="convnet.rdm_update", config="jobs/configs/convnet-tiny.ini",
        sets=["model.n_visible=784", "model.channels=16,32,64", "data.n_samples=1000", "train.chains=100",
              "train.batch=100", "train.k=20", "train.optimizer=adam", "train.lr=1e-4"],
        quick=["model.n_visible=196", "model.channels=8,16", "data.n_samples=200", "train.chains=20",
               "train.batch=20", "train.k=5", "train.optimizer=adam", "train.lr=1e-4"],
        torch=dict(side=28, channels=(16, 32, 64), n=100, k=20, batch=100),
        torch_quick=dict(side=14, channels=(8, 16), n=20, k=5, batch=20)),
}


class BadInput(Exception):
    """Reported as one line, exit code 2."""


def fail(message, code=2):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(code)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def configure_openblas(threads):
    """Sets OPENBLAS_CORETYPE (when unset) and the BLAS thread counts before torch is imported:
    OpenBLAS reads them when it is loaded. Returns a note for the report, or None."""
    note = None
    flags = cpu_flags()
    core = "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else None
    if "OPENBLAS_CORETYPE" not in os.environ:
        if core:
            os.environ["OPENBLAS_CORETYPE"] = core
            note = f"OPENBLAS_CORETYPE was unset: set to {core} for this run (README, Performance)"
    elif core and os.environ["OPENBLAS_CORETYPE"] != core:
        note = (f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} from the environment is kept; "
                f"{core} suits this CPU and may make the PyTorch side faster")
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    return note


def import_torch():
    try:
        import torch  # noqa: F401  (imported for its side effect of failing early)
    except (ImportError, OSError) as e:
        raise BadInput(f"PyTorch is not usable by {sys.executable} ({type(e).__name__}: {e}); install it with "
                       "SHORTRUN_WITH_TORCH=1 jobs/local/install-deps.sh (python3-torch, "
                       "libopenblas0-pthread), or pass --shortrun-only") from None
    return torch


def parse_sizes(kernel, sizes):
    """The sizes of a bench entry from its `sizes` string (cmd_bench.cpp's rbm_sizes and
    conv_sizes), as keyword arguments of the PyTorch baseline."""
    if kernel == "rbm.rdm_update":
        m = re.fullmatch(r"Nv=(\d+) Nh=(\d+) chains=(\d+) k=(\d+) batch=(\d+)", sizes)
        if m:
            nv, nh, chains, k, batch = map(int, m.groups())
            return dict(n_visible=nv, n_hidden=nh, chains=chains, k=k, batch=batch, n_data=2 * batch)
    else:
        m = re.fullmatch(r"(\d+)x(\d+) channels=([\d,]+) n=(\d+)(?: k=(\d+) batch=(\d+))?", sizes)
        if m and m.group(1) == m.group(2):
            out = dict(side=int(m.group(1)), channels=tuple(int(c) for c in m.group(3).split(",")),
                       n=int(m.group(4)))
            if m.group(5):
                out.update(k=int(m.group(5)), batch=int(m.group(6)))
            return out
    raise RuntimeError(f"cannot read the sizes of {kernel} from shortrun bench: '{sizes}'")


def make_baseline(kernel, size):
    """The PyTorch callable that does one repeat of `kernel` (imports torch). torch_convnet and
    torch_rbm lie next to this script, whose folder Python puts first on sys.path."""
    import torch_convnet
    import torch_rbm
    if kernel == "rbm.rdm_update":
        return torch_rbm.RbmRdmUpdate(**size)
    args = dict(side=size["side"], channels=size["channels"])
    if kernel == "convnet.ula_step":
        return torch_convnet.ConvUlaStep(chains=size["n"], **args)
    if kernel == "convnet.param_grad":
        return torch_convnet.ConvParamGrad(batch=size["n"], **args)
    if kernel == "convnet.rdm_update":
        return torch_convnet.ConvRdmUpdate(chains=size["n"], k=size["k"], batch=size["batch"], **args)
    raise RuntimeError(f"no PyTorch baseline for {kernel}")


def time_repeats(once, repeats):
    """Median wall time of `repeats` calls after one untimed call, as shortrun bench times."""
    once()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_help(shortrun):
    return subprocess.run([shortrun, "bench", "--help"], capture_output=True, text=True).stdout


def run_shortrun(shortrun, group, repeats, quick, threads_option):
    cmd = [shortrun, "bench", "--json", "--what", group, "--repeats", str(repeats)]
    if quick:
        cmd.append("--quick")
    cmd += threads_option
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"'{' '.join(cmd)}' exited with {p.returncode}: {last}")
    return cmd, json.loads(p.stdout)


def run_train(shortrun, group, quick, threads, updates, warmup, workdir):
    """One `shortrun train` of TRAIN[group]; returns (command, per-update median seconds, sizes, the
    run file's build attributes)."""
    import h5py  # Debian's python3-h5py: only the train benchmarks need it
    import numpy as np
    spec = TRAIN[group]
    sets = (spec["quick"] if quick else spec["sets"]) + [
        f"train.updates={updates}", "train.log_every=1", "train.checkpoints=1", "measure.equilibrium=none",
        "measure.ais_runs=0", "measure.chains=10", "run.name=bench", f"run.out={workdir}"]
    cmd = [shortrun, "train", os.path.join(REPO, spec["config"]), "--force", "--quiet"]
    for kv in sets:
        cmd += ["--set", kv]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"'{' '.join(cmd)}' exited with {p.returncode}: {last}")
    with h5py.File(os.path.join(workdir, "runs", "bench.h5"), "r") as f:
        wall = np.asarray(f["train/wall_s"][:], dtype=float)
        steps = np.asarray(f["train/step"][:])
        build = {key: str(f.attrs[name]) for key, name in (("build_flags", "build_flags"), ("git_sha", "git_sha"),
                 ("matrix_products", "matrix_products")) if name in f.attrs}
    per_update = np.diff(wall) / np.diff(steps)
    kept = per_update[min(warmup, len(per_update) - 1):]
    return cmd, float(np.median(kept)), " ".join(spec["quick"] if quick else spec["sets"]), build


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def parse_args(argv):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--shortrun", default=os.path.join(REPO, "build", "shortrun"),
                    help="the shortrun binary (default: build/shortrun of this repository)")
    ap.add_argument("--threads", type=int, default=1, help="threads of both sides (default 1)")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5; 2 with --quick)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats per side and round (default 3; 2 with --quick)")
    ap.add_argument("--what", default="rbm,convnet,rbm-train,convnet-train",
                    help="comma-separated: rbm, convnet (bench entries), rbm-train, convnet-train (`shortrun train` "
                         "itself; default all four)")
    ap.add_argument("--quick", action="store_true", help="the bench's --quick sizes on both sides (checks that it runs)")
    ap.add_argument("--json", action="store_true", help="print a JSON object instead of the table")
    ap.add_argument("--shortrun-only", action="store_true", help="no PyTorch: the shortrun side alone")
    ap.add_argument("--updates", type=int, default=25,
                    help="updates of each timed `shortrun train` (rbm-train, convnet-train; default 25, 8 with --quick)")
    ap.add_argument("--warmup", type=int, default=5,
                    help="first updates of each training left out of its per-update median (default 5, 2 with --quick)")
    args = ap.parse_args(argv)
    if args.quick:
        if "--rounds" not in " ".join(argv):
            args.rounds = 2
        if "--repeats" not in " ".join(argv):
            args.repeats = 2
        if "--updates" not in " ".join(argv):
            args.updates = 8
        if "--warmup" not in " ".join(argv):
            args.warmup = 2
    groups = [g for g in args.what.split(",") if g]
    bad = [g for g in groups if g not in BENCHMARKS and g not in TRAIN]
    if bad or not groups:
        raise BadInput(f"--what: expected a comma-separated list of rbm, convnet, rbm-train, convnet-train, "
                       f"got '{args.what}'")
    args.groups = groups
    for name in ("threads", "rounds", "repeats", "updates"):
        if getattr(args, name) < 1:
            raise BadInput(f"--{name}: expected an integer >= 1, got {getattr(args, name)}")
    if args.warmup < 0 or args.warmup >= args.updates - 1:
        raise BadInput(f"--warmup: expected an integer from 0 to --updates - 2, got {args.warmup}")
    return args


def main(argv):
    try:
        args = parse_args(argv)
        shortrun = args.shortrun
        if not (os.path.isfile(shortrun) and os.access(shortrun, os.X_OK)):
            raise BadInput(f"shortrun binary not found or not executable: {shortrun} (build it, or pass --shortrun PATH)")
        notes = []
        torch = None
        if not args.shortrun_only:
            note = configure_openblas(args.threads)
            torch = import_torch()
            if note:
                notes.append(note)
                print(f"{PROG}: {note}", file=sys.stderr)
            torch.set_num_threads(args.threads)
    except BadInput as e:
        fail(str(e))

    # shortrun bench times one thread unless it takes --threads (an OpenMP build may add it).
    threads_option = ["--threads", str(args.threads)] if "--threads" in bench_help(shortrun) else []
    load_start = load_average()
    per = {}  # name -> dict(kernel, sizes, shortrun=[...], torch=[...])
    baselines = {}
    commands = []
    machine = None
    for r in range(args.rounds):
        for group in args.groups:
            sides = ["shortrun", "torch"] if r % 2 == 0 else ["torch", "shortrun"]
            for side in sides:
                if group in TRAIN:
                    spec = TRAIN[group]
                    entry = per.setdefault(spec["name"], dict(kernel=spec["kernel"], sizes="", group=group,
                                                              shortrun=[], torch=[], shortrun_threads=args.threads))
                    if side == "shortrun":
                        print(f"{PROG}: round {r + 1}/{args.rounds}: shortrun train ({group}, {args.updates} updates)",
                              file=sys.stderr)
                        with tempfile.TemporaryDirectory(prefix="compare-train-") as workdir:
                            cmd, per_update, entry["sizes"], build = run_train(
                                shortrun, group, args.quick, args.threads, args.updates, args.warmup, workdir)
                        machine = machine or dict(build, cpu_model=cpu_model())
                        shown = [c if not c.startswith("run.out=") else "run.out=<tmp>" for c in cmd]
                        if shown not in commands:
                            commands.append(shown)
                        entry["shortrun"].append(per_update)
                    elif torch is not None:
                        if spec["name"] not in baselines:
                            size = spec["torch_quick"] if args.quick else spec["torch"]
                            baselines[spec["name"]] = make_baseline(spec["kernel"], size)
                        print(f"{PROG}: round {r + 1}/{args.rounds}: PyTorch {spec['name']}", file=sys.stderr)
                        entry["torch"].append(time_repeats(baselines[spec["name"]], args.repeats))
                    continue
                if side == "shortrun":
                    print(f"{PROG}: round {r + 1}/{args.rounds}: shortrun bench --what {group}", file=sys.stderr)
                    cmd, rows = run_shortrun(shortrun, group, args.repeats, args.quick, threads_option)
                    if cmd not in commands:
                        commands.append(cmd)
                    for row in rows:
                        if (row["kernel"], row["precision"]) not in BENCHMARKS[group]:
                            continue
                        machine = machine or row["machine"]
                        entry = per.setdefault(row["name"], dict(kernel=row["kernel"], sizes=row["sizes"],
                                                                 group=group, shortrun=[], torch=[],
                                                                 shortrun_threads=row["machine"].get("threads", 1)))
                        entry["shortrun"].append(row["median_s"])
                elif torch is not None:
                    for name, entry in per.items():
                        if entry["group"] != group:
                            continue
                        if name not in baselines:
                            baselines[name] = make_baseline(entry["kernel"], parse_sizes(entry["kernel"], entry["sizes"]))
                        print(f"{PROG}: round {r + 1}/{args.rounds}: PyTorch {name}", file=sys.stderr)
                        entry["torch"].append(time_repeats(baselines[name], args.repeats))
    load_end = load_average()

    results = []
    for name, e in per.items():
        s_med = statistics.median(e["shortrun"])
        t_med = statistics.median(e["torch"]) if e["torch"] else None
        ratios = [t / s for s, t in zip(e["shortrun"], e["torch"])]
        results.append(dict(name=name, sizes=e["sizes"], shortrun_median_s=s_med, torch_median_s=t_med,
                            ratio=(t_med / s_med) if t_med else None,
                            ratio_min=min(ratios) if ratios else None, ratio_max=max(ratios) if ratios else None,
                            shortrun_threads=e["shortrun_threads"], torch_threads=args.threads if torch else None,
                            shortrun_rounds_s=e["shortrun"], torch_rounds_s=e["torch"]))
    report = dict(
        shortrun=os.path.abspath(shortrun), commands=[" ".join(c) for c in commands],
        rounds=args.rounds, repeats=args.repeats, quick=args.quick, threads=args.threads,
        torch_version=torch.__version__ if torch else None,
        openblas_coretype=os.environ.get("OPENBLAS_CORETYPE") if torch else None,
        machine=dict(hostname=socket.gethostname(), cpu_model=(machine or {}).get("cpu_model"),
                     cpus=os.cpu_count(), load_average_start=load_start, load_average_end=load_end,
                     shortrun_build_flags=(machine or {}).get("build_flags"),
                     shortrun_git_sha=(machine or {}).get("git_sha"),
                     shortrun_matrix_products=(machine or {}).get("matrix_products"), python=platform.python_version()),
        notes=notes, results=results)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


def print_table(rep):
    m = rep["machine"]
    torch_desc = (f"PyTorch {rep['torch_version']} (OPENBLAS_CORETYPE={rep['openblas_coretype']})"
                  if rep["torch_version"] else "no PyTorch (--shortrun-only)")
    print(f"shortrun ({rep['shortrun']}, git {m['shortrun_git_sha']}, products: "
          f"{m.get('shortrun_matrix_products') or 'Eigen'}) vs {torch_desc}")
    print(f"machine: {m['hostname']}: {m['cpu_model']}, {m['cpus']} CPUs, load average "
          f"{m['load_average_start']:.1f} at start, {m['load_average_end']:.1f} at end")
    print(f"{rep['rounds']} alternating rounds x {rep['repeats']} repeats per side; medians over rounds of "
          f"per-round medians; ratio = PyTorch / shortrun (> 1: shortrun faster)")
    for c in rep["commands"]:
        print(f"  {c}")
    print(f"{'benchmark':<26} {'shortrun_s':>10} {'torch_s':>10} {'ratio':>7} {'per-round':>13} {'threads':>8}  sizes")
    for r in rep["results"]:
        t = f"{r['torch_median_s']:10.4g}" if r["torch_median_s"] is not None else f"{'-':>10}"
        ratio = f"{r['ratio']:7.2f}" if r["ratio"] is not None else f"{'-':>7}"
        span = f"{r['ratio_min']:.2f}-{r['ratio_max']:.2f}" if r["ratio_min"] is not None else "-"
        threads = f"{r['shortrun_threads']}/{r['torch_threads'] if r['torch_threads'] else '-'}"
        print(f"{r['name']:<26} {r['shortrun_median_s']:10.4g} {t} {ratio} {span:>13} {threads:>8}  {r['sizes']}")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RuntimeError as e:
        fail(str(e), code=1)
