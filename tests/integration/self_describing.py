#!/usr/bin/python3
"""Files explain themselves (docs/hdf5-schema.md, "Units, descriptions and dimension scales"):
tiny runs of every model family (gaussian, spins, bm, rbm, convnet) with their measurement, a small
sweep, a re-measurement and two theory files; every dataset of every file written must carry the
string attributes `units` and `description` from shortrun's table (not the fallback of an
undocumented dataset), the curves must have their time axis attached as an HDF5 dimension scale,
and `shortrun info --json` must give typed values for a run file and a sweep manifest.

Usage: self_describing.py SHORTRUN MPIEXEC   (ctest integration.self_describing; a few seconds)
"""
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import h5py

shortrun = sys.argv[1]
repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
configs = os.path.join(repo, "jobs", "configs")
FALLBACK_UNITS = "unknown"  # io/dataset_docs.hpp kUndocumentedUnits


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(*args, ok=(0,)):
    p = subprocess.run([shortrun, *args], capture_output=True, text=True)
    if p.returncode not in ok:
        fail(f"shortrun {' '.join(args)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    if "has no entry in the dataset table" in p.stderr:
        fail(f"shortrun {' '.join(args)} warned of an undocumented dataset:\n{p.stderr}")
    return p.stdout


def s(*pairs):
    out = []
    for p in pairs:
        out += ["--set", p]
    return out


work = tempfile.mkdtemp(prefix="shortrun_selfdesc_")
quiet = ["--quiet"]
# --- one tiny run per family, each measured after training -----------------------------------------
run("train", f"{configs}/gaussian.ini", "--out", f"{work}/gaussian", *quiet,
    *s("train.updates=30", "train.chains=100", "data.n_samples=500", "measure.chains=100", "measure.t_points=8"))
run("train", f"{configs}/spins.ini", "--out", f"{work}/spins", *quiet, *s("train.updates=200", "measure.t_points=8"))
run("train", f"{configs}/bm-ising.ini", "--out", f"{work}/bm", *quiet,
    *s("train.updates=30", "data.n_samples=300", "model.n_visible=6", "measure.t_points=8"))
# 10 x 10 visible units (> 64: covariances projected on /dynamics/components), 24 hidden (long-run
# equilibrium with mean_se, AIS log Z)
run("train", f"{configs}/bench-rbm.ini", "--out", f"{work}/rbm", *quiet,
    *s("model.n_visible=100", "model.n_hidden=24", "data.n_samples=100", "train.updates=10", "train.batch=50",
       "train.chains=40", "train.k=3", "measure.chains=40", "measure.t_max=20", "measure.t_points=6",
       "measure.equilibrium_sweeps=10", "measure.ais_runs=4", "measure.ais_temperatures=20"))
# images: /data/examples, /dynamics samples and sample_t, long-run equilibrium samples
run("train", f"{configs}/convnet-tiny.ini", "--out", f"{work}/convnet", *quiet,
    *s("model.channels=2,4", "data.n_samples=40", "train.updates=6", "train.chains=10", "train.k=4",
       "train.checkpoints=2", "measure.chains=10", "measure.t_points=6", "measure.equilibrium_sweeps=10",
       "measure.samples=2"))
# --- a sweep with an int, a float and a string axis ---------------------------------------------------
run("sweep", f"{configs}/gaussian.ini", "--out", f"{work}/sweep", *quiet,
    *s("train.scheme=rdm,cd", "train.k=1,2", "train.lr=0.1,0.2", "train.updates=20", "train.chains=50",
       "data.n_samples=300", "measure.chains=50", "measure.t_points=6"))
# --- shortrun measure rewrites /dynamics and /equilibrium; theory files ----------------------------
remeasured = f"{work}/gaussian/runs/gaussian.h5"
run("measure", remeasured, "--quiet", *s("measure.t_max=60", "measure.chains=50"))
run("theory", f"{configs}/gaussian.ini", "--out", f"{work}/gaussian-theory.h5")
run("theory", f"{configs}/spins.ini", "--out", f"{work}/spins-theory.h5")

files = sorted(glob.glob(f"{work}/*/runs/*.h5")) + [f"{work}/sweep/sweep.h5"] + sorted(glob.glob(f"{work}/*-theory.h5"))
files = [f for f in files if not f.endswith(".ckpt.h5")]
if len(files) < 5 + 8 + 3:
    fail(f"expected 5 run files, 8 sweep runs, a manifest and 2 theory files, found {files}")

# --- every dataset: units and description from the table ---------------------------------------------
# Each curve and the axis its first dimension must carry (docs/hdf5-schema.md).
AXES = {**{n: "t" for n in ("mean", "cov", "mean_err", "corr_err", "energy_mean", "energy_std", "h_mean",
                            "h_err", "vh_err", "mode_var", "mean_err_se", "corr_err_se", "energy_mean_se",
                            "energy_std_se", "h_err_se", "vh_err_se", "mean_err_corrected", "corr_err_corrected")},
        "mode_var_theory": "theory_t", "mean_theory": "theory_t", "samples": "sample_t"}
THEORY_CURVES = ("v_theory", "m_theory", "v_trained")
TRAIN_COLUMNS = ("wall_s", "grad_norm", "param_norm")
seen = set()        # dataset names met, to prove the families' datasets were all walked
n_scales = 0


def check_scale(ds, axis, path):
    global n_scales
    dim = ds.dims[0]
    if len(dim) != 1:
        fail(f"{path}: {len(dim)} dimension scales on dimension 0, expected 1 ({axis})")
    scale = dim[0]
    want = ds.name.rsplit("/", 1)[0] + "/" + axis
    if not scale.name.endswith("/" + axis) or scale.name != want:
        fail(f"{path}: dimension 0 has scale {scale.name}, expected {want}")
    if not h5py.h5ds.is_scale(scale.id):
        fail(f"{path}: {scale.name} is not a dimension scale")
    if scale.shape[0] != ds.shape[0]:
        fail(f"{path}: scale {scale.name} has {scale.shape[0]} values for {ds.shape[0]} rows")
    n_scales += 1


for path in files:
    with h5py.File(path, "r") as f:
        datasets = []
        f.visititems(lambda name, obj: datasets.append(obj) if isinstance(obj, h5py.Dataset) else None)
        if not datasets:
            fail(f"{path}: no datasets")
        for ds in datasets:
            where = f"{path}:{ds.name}"
            for key in ("units", "description"):
                if key not in ds.attrs:
                    fail(f"{where}: no attribute {key}")
                v = ds.attrs[key]
                if not isinstance(v, str) or not v.strip():
                    fail(f"{where}: {key} = {v!r}, expected a non-empty string")
            if ds.attrs["units"] == FALLBACK_UNITS or ds.attrs["description"].startswith("undocumented"):
                fail(f"{where}: the fallback of an undocumented dataset: {ds.attrs['description']!r}")
            parts = ds.name.split("/")
            name = parts[-1]
            seen.add(name)
            if parts[1] == "dynamics" and len(parts) == 4 and name in AXES:
                check_scale(ds, AXES[name], where)
            if parts[1] == "theory" and name in THEORY_CURVES:
                check_scale(ds, "t", where)
            if parts[1] == "train" and name in TRAIN_COLUMNS:
                check_scale(ds, "step", where)
            if name in ("t", "theory_t", "sample_t", "step") and parts[1] in ("dynamics", "train"):
                if not h5py.h5ds.is_scale(ds.id):
                    fail(f"{where}: not a dimension scale")
            if ds.attrs["units"] == "sweeps" and name not in ("t", "theory_t", "sample_t", "train.k", "iat"):
                fail(f"{where}: units sweeps on a dataset that is not a time")

# The walk met every family's datasets (else the checks above proved less than they claim).
expected = {"mean", "cov", "step", "wall_s", "grad_norm", "param_norm", "J", "h", "W", "a", "b", "conv1_W",
            "conv1_b", "conv2_W", "out_w", "examples", "t", "corr_err", "mean_err", "energy_mean", "energy_std",
            "h_mean", "h_err", "vh_err", "mode_var", "theory_t", "mode_var_theory", "mean_theory", "samples",
            "sample_t", "components", "mean_se", "c", "basis", "J_star", "J_eq", "J_ml", "h_star", "v_theory",
            "J_trained", "v_trained", "m_data", "h_ml", "h_trained", "m_theory", "run_id", "file", "status",
            "team", "theory_gap", "err_k", "err_min", "err_eq", "train.k", "train.lr", "train.scheme",
            "mean_err_se", "corr_err_se", "energy_mean_se", "energy_std_se", "h_err_se", "vh_err_se",
            "mean_err_corrected", "corr_err_corrected", "err_k_se", "err_min_se", "err_eq_se"}
if expected - seen:
    fail(f"datasets never met (a family's run or the sweep did not write them): {sorted(expected - seen)}")
if n_scales < 30:
    fail(f"only {n_scales} curves with an attached scale")

# --- shortrun info --json: typed values ---------------------------------------------------------------
def info_json(path):
    try:
        return json.loads(run("info", "--json", path))
    except json.JSONDecodeError as e:
        fail(f"info --json {path}: not JSON ({e})")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


for name in ("gaussian", "bm"):
    path = glob.glob(f"{work}/{name}/runs/*.h5")[0]
    j = info_json(path)
    if not isinstance(j.get("config"), dict) or not all(isinstance(v, dict) for v in j["config"].values()):
        fail(f"info --json {path}: config is not an object of sections: {j.get('config')!r}")
    cfg = j["config"]
    checks = [("config.run.seed is an int", is_int(cfg["run"]["seed"])),
              ("config.train.lr is a float", isinstance(cfg["train"]["lr"], float)),
              ("config.train.k is an int", is_int(cfg["train"]["k"])),
              ("config.model.type is a str", isinstance(cfg["model"]["type"], str)),
              ("status is a str", isinstance(j["status"], str) and j["status"] == "completed"),
              ("schema_version is an int", is_int(j["schema_version"])),
              ("mpi_ranks is an int", is_int(j["mpi_ranks"])),
              ("config_text is the INI text", isinstance(j["config_text"], str) and "[train]" in j["config_text"]),
              ("checkpoints are ints", j["checkpoints"] and all(is_int(c) for c in j["checkpoints"]))]
    with h5py.File(path, "r") as f:
        gap = float(f.attrs["theory_gap"])
        checks.append(("checkpoints as in the file", sorted(int(s) for s in f["checkpoints"]) == j["checkpoints"]))
        checks.append(("seed as in the file", cfg["run"]["seed"] == int(f["config"].attrs["run.seed"])))
    checks.append(("theory_gap: a number, or null for NaN",
                   j["theory_gap"] is None if math.isnan(gap) else j["theory_gap"] == gap))
    if name == "gaussian":
        checks.append(("data.spectrum is an array of numbers",
                       isinstance(cfg["data"]["spectrum"], list) and len(cfg["data"]["spectrum"]) == 4
                       and all(isinstance(x, float) for x in cfg["data"]["spectrum"])))
    if name == "bm":
        checks.append(("bm: theory_gap NaN -> null", math.isnan(gap) and j["theory_gap"] is None))
    for what, ok in checks:
        if not ok:
            fail(f"info --json {path}: {what}: {json.dumps(j)[:2000]}")

manifest = f"{work}/sweep/sweep.h5"
j = info_json(manifest)
cfg, rows = j.get("config"), j.get("runs")
checks = [("schema", j.get("schema") == "shortrun.sweep"),
          ("status is a str", isinstance(j.get("status"), str)),
          ("n_runs is an int equal to the rows", is_int(j.get("n_runs")) and j["n_runs"] == len(rows or []) == 8),
          ("axes in grid order", j.get("axes") == ["train.scheme", "train.k", "train.lr"]),
          ("config is an object of sections", isinstance(cfg, dict) and all(isinstance(v, dict) for v in cfg.values())),
          ("config.run.seed is an int", is_int(cfg["run"]["seed"])),
          ("config.train.updates is an int", cfg["train"]["updates"] == 20),
          ("config.sampler.step is a float", isinstance(cfg["sampler"]["step"], float)),
          ("axis train.k: ints", cfg["train"]["k"] == [1, 2] and all(is_int(v) for v in cfg["train"]["k"])),
          ("axis train.lr: floats", cfg["train"]["lr"] == [0.1, 0.2]
           and all(isinstance(v, float) for v in cfg["train"]["lr"])),
          ("axis train.scheme: strs", cfg["train"]["scheme"] == ["rdm", "cd"])]
for r in rows or []:
    checks += [(f"row {r}: typed", isinstance(r["run_id"], str) and isinstance(r["status"], str)
                and is_int(r["team"]) and is_int(r["train.k"]) and isinstance(r["train.lr"], float)
                and isinstance(r["train.scheme"], str)
                and all(r[c] is None or isinstance(r[c], float) for c in ("wall_s", "theory_gap", "err_k")))]
with h5py.File(manifest, "r") as f:
    ids = [x.decode() if isinstance(x, bytes) else x for x in f["runs/run_id"][()]]
    checks.append(("rows in the file's order", [r["run_id"] for r in rows] == ids))
    checks.append(("err_k as in the file", all(
        (r["err_k"] is None and math.isnan(e)) or r["err_k"] == e for r, e in zip(rows, f["runs/err_k"][()]))))
for what, ok in checks:
    if not ok:
        fail(f"info --json {manifest}: {what}: {json.dumps(j)[:3000]}")

text = run("info", manifest)
for want in ["shortrun.sweep", "n_runs     8", "completed 8", "train.scheme,train.k,train.lr", *ids]:
    if want not in text:
        fail(f"info {manifest}: no {want!r} in\n{text}")

subprocess.run(["rm", "-rf", work], check=False)
print(f"ok: {len(files)} files, {len(seen)} dataset names, {n_scales} curves with their scale")
