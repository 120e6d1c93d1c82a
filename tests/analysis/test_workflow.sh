#!/usr/bin/env bash
# The researcher's workflow end to end, as a user runs it (README, "On a cluster" and "Analysis
# package"):
#   1. a fresh virtual environment on Debian's python3 (--system-site-packages, so that Debian's
#      numpy, h5py, matplotlib, pandas and xarray are used) and `pip install --no-index
#      --no-build-isolation ./analysis`, offline, with Debian's setuptools;
#   2. every console script of analysis/pyproject.toml is installed and answers --help;
#   3. a tiny Gaussian sweep with two seeds (run.seed = 1:2 x train.k = 1,3) run as two shards
#      (--shard 0/2, 1/2, as a job array does) and then merged by a plain sweep: the merged manifest
#      equals, column by column and bit for bit, that of the same sweep run unsharded in another
#      folder (nothing lost in the merge); every dataset of the manifest and the run files has
#      units and a description, and `shortrun info --json` of the manifest and of a run file parses
#      with json.load into typed values; then, with the installed package (run from outside the
#      checkout):
#      - load_sweep(...).to_dataframe(): one row per run, dtypes (int axes int64, reals float64,
#        strings str, err_*_se columns present and finite), values equal to what h5py reads;
#      - Sweep.seed_average(): one row per k, mean and standard error over the two seeds (for
#        n = 2 the standard error is |a - b| / 2);
#      - load_run(...).to_xarray(): dimensions and values of the curves;
#      - shortrun-summary on the sweep folder: seeds averaged, n = 2, the same means and errors (the
#        minimum: the mean curve's, at its t); --seeds each: each run's jackknife error at t = k;
#      - shortrun-make-figures and shortrun-plot-dynamics with --format png,pdf / pdf,svg: the files
#        exist and are PDF, SVG and PNG files;
#      - mixed inputs: a folder of shard manifests only (the error names them), one shard given to
#        make_figures (a warning), the same sweep twice (each run counted once, averaged or with
#        --seeds each; make_figures warns that the second is a copy), one run id in two
#        configurations (named apart by the differing key), an axis study 1 does not keep apart;
#   4. a run stopped by SIGTERM (exit 75), its output folder moved, resumed from the new folder with
#      operational keys changed (run.checkpoint_every, measure.t_points): the final parameters and
#      training log are bitwise those of an uninterrupted run; a changed result key (train.lr) is
#      refused with exit 2 naming the key and both values; --force keeps the old run file as
#      <run_id>.replaced-<time>.h5;
#   5. the checkout's wrappers need neither /usr/bin/python3 nor a sys.path change: no file of
#      analysis/ hard-codes either, analysis/summary.py runs directly, and
#      `python3 -m shortrun_analysis.tools.summary` runs in analysis/.
# About 30 s on 2 cores (the virtual environment, pip and the runs take most of it).
# Usage: test_workflow.sh PATH/TO/shortrun
set -euo pipefail

shortrun=$(realpath "${1:?usage: test_workflow.sh PATH/TO/shortrun}")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
python=/usr/bin/python3  # Debian's python3 with its packages (a python3 earlier on PATH may lack them)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
t0=$SECONDS

# --- 1. install -----------------------------------------------------------------------------------
"$python" -m venv --system-site-packages "$tmp/venv" >"$tmp/venv.log" 2>&1 ||
  { cat "$tmp/venv.log" >&2; fail "python3 -m venv (Debian: apt-get install python3-venv)"; }
venv=$tmp/venv/bin
# pip builds in the source folder (build/, *.egg-info): install from a copy, so that the checkout
# stays clean and tests running in parallel never share a build folder.
mkdir "$tmp/src"
tar -C "$repo" --exclude=__pycache__ --exclude=build --exclude='*.egg-info' -cf - analysis | tar -C "$tmp/src" -xf -
(cd "$tmp/src" && "$venv/pip" install --no-index --no-build-isolation --disable-pip-version-check ./analysis) \
  >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log" >&2; fail "pip install --no-index --no-build-isolation ./analysis"; }
echo "ok: pip install --no-index --no-build-isolation ./analysis in a fresh venv (+$((SECONDS - t0)) s)"

# --- 2. console scripts -----------------------------------------------------------------------------
# The names come from the installed package's metadata, and must be those the tools name themselves.
cd "$tmp"  # away from the checkout: only the installed package can be imported
mapfile -t scripts < <("$venv/python" - <<'PY'
import importlib.metadata as md
import os
import shortrun_analysis
from shortrun_analysis.cli import CONSOLE_SCRIPTS
assert "site-packages" in shortrun_analysis.__file__, shortrun_analysis.__file__
assert md.version("shortrun-analysis") == shortrun_analysis.__version__, md.version("shortrun-analysis")
eps = {e.name: e.value for e in md.entry_points(group="console_scripts") if e.name.startswith("shortrun-")}
want = {name: f"shortrun_analysis.tools.{tool}:main" for tool, name in CONSOLE_SCRIPTS.items()}
assert eps == want, (eps, want)
print("\n".join(sorted(eps)))
PY
) || fail "console scripts in the package metadata"
((${#scripts[@]} == 7)) || fail "expected 7 console scripts, got ${scripts[*]}"
for s in "${scripts[@]}"; do
  [[ -x $venv/$s ]] || fail "$s not installed in $venv"
  "$venv/$s" --help >"$tmp/help.txt" 2>&1 || { cat "$tmp/help.txt" >&2; fail "$s --help"; }
  grep -q "^usage: $s " "$tmp/help.txt" || { head -3 "$tmp/help.txt" >&2; fail "$s --help does not name $s"; }
done
echo "ok: ${scripts[*]} installed, --help works"

# --- 3. a sweep with two seeds as two shards plus the merge, read with the installed package -------
# sigma0 = 3 lies above every data variance, so every mode has J* > 0 and an equilibrium (err_eq).
sweep_args=(--quiet --set run.seed=1:2 --set train.k=1,3 --set init.sigma=3 --set data.n_samples=2000
            --set train.updates=200 --set train.chains=200 --set train.checkpoints=3 --set measure.chains=500
            --set measure.t_points=8)
for shard in 0/2 1/2; do
  "$shortrun" sweep "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/sweep" --shard "$shard" "${sweep_args[@]}" \
    >"$tmp/shard.log" 2>&1 || { cat "$tmp/shard.log" >&2; fail "shortrun sweep --shard $shard"; }
done
"$shortrun" sweep "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/sweep" "${sweep_args[@]}" \
  >"$tmp/sweep.log" 2>&1 || { cat "$tmp/sweep.log" >&2; fail "shortrun sweep (the merge)"; }
"$shortrun" sweep "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/unsharded" "${sweep_args[@]}" \
  >"$tmp/unsharded.log" 2>&1 || { cat "$tmp/unsharded.log" >&2; fail "shortrun sweep (unsharded)"; }
"$venv/python" - "$tmp/sweep/sweep.h5" "$tmp/unsharded/sweep.h5" <<'PY' || fail "the merged manifest lost data"
import sys
import h5py
import numpy as np
merged, whole = (h5py.File(p, "r") for p in sys.argv[1:])
assert sorted(merged["runs"]) == sorted(whole["runs"]), (sorted(merged["runs"]), sorted(whole["runs"]))
for column in whole["runs"]:
    a, b = merged["runs"][column][()], whole["runs"][column][()]
    if column in ("team", "wall_s"):  # who ran it and how long: -1 and the run file's time after a merge
        assert a.shape == b.shape, column
        continue
    if a.dtype.kind == "f":
        assert np.isfinite(b).all(), (column, b)  # every run completed and measured
        assert np.array_equal(a, b), (column, a, b)
    else:
        assert list(a) == list(b), (column, a, b)
assert np.isfinite(merged["runs/wall_s"][()]).all(), merged["runs/wall_s"][()]
assert merged.attrs["status"] == "completed", merged.attrs["status"]
print(f"merge of two shards: {len(merged['runs/run_id'])} rows, every column equal to the unsharded sweep's")
PY
# The merged files are self-describing: units and description on every dataset, and `info --json`
# of the manifest and of a run file parses with typed values.
"$shortrun" info --json "$tmp/sweep/sweep.h5" >"$tmp/info-sweep.json" || fail "shortrun info --json sweep.h5"
run_files=("$tmp"/sweep/runs/*.h5)
"$shortrun" info --json "${run_files[0]}" >"$tmp/info-run.json" || fail "shortrun info --json ${run_files[0]}"
"$venv/python" - "$tmp/sweep" "$tmp/info-sweep.json" "$tmp/info-run.json" <<'PY' || fail "self-describing files"
import glob, json, os, sys
import h5py
folder, info_sweep, info_run = sys.argv[1:]
checked = 0
for path in [os.path.join(folder, "sweep.h5")] + sorted(glob.glob(os.path.join(folder, "runs", "*.h5"))):
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            global checked
            if isinstance(obj, h5py.Dataset):
                units, text = obj.attrs.get("units"), obj.attrs.get("description")
                assert isinstance(units, str) and units and units != "unknown", (path, name, units)
                assert isinstance(text, str) and text and not text.startswith("undocumented"), (path, name, text)
                checked += 1
        f.visititems(visit)
sweep, run = json.load(open(info_sweep)), json.load(open(info_run))
assert isinstance(sweep["config"], dict) and isinstance(sweep["config"]["train"], dict), sweep["config"]
assert isinstance(sweep["n_runs"], int) and sweep["n_runs"] == 4 and isinstance(sweep["runs"], list), sweep
assert isinstance(run["config"]["run"]["seed"], int) and isinstance(run["config"]["train"]["lr"], float), run["config"]
assert isinstance(run["status"], str) and all(isinstance(s, int) for s in run["checkpoints"]), run
print(f"units and description on all {checked} datasets; info --json typed for the manifest and a run file")
PY

"$venv/shortrun-summary" "$tmp/sweep" --json >"$tmp/summary.json" 2>"$tmp/err.txt" ||
  { cat "$tmp/err.txt" >&2; fail "shortrun-summary SWEEP_DIR"; }
"$venv/shortrun-summary" "$tmp/sweep/sweep.h5" --seeds each --json >"$tmp/each.json" 2>"$tmp/err.txt" ||
  { cat "$tmp/err.txt" >&2; fail "shortrun-summary sweep.h5 --seeds each"; }
"$venv/shortrun-summary" "$tmp/sweep" >"$tmp/summary.txt" 2>"$tmp/err.txt" ||
  { cat "$tmp/err.txt" >&2; fail "shortrun-summary table"; }

"$venv/python" - "$tmp/sweep" "$tmp/summary.json" "$tmp/each.json" "$tmp/summary.txt" <<'PY' || fail "DataFrame, Dataset and seed averages"
import json, math, os, sys
import h5py
import numpy as np
import pandas as pd
import xarray as xr
from shortrun_analysis import load_run, load_sweep

folder, summary_json, each_json, table = sys.argv[1:]

def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)

with h5py.File(os.path.join(folder, "sweep.h5"), "r") as f:
    raw = {name: f["runs"][name][()] for name in f["runs"]}
n = len(raw["run_id"])
assert n == 4, raw["run_id"]

# --- to_dataframe: one row per run, typed columns -------------------------------------------------
sweep = load_sweep(folder)
df = sweep.to_dataframe()
assert isinstance(df, pd.DataFrame) and len(df) == n, df
assert load_sweep(os.path.join(folder, "sweep.h5")).to_dataframe().equals(df)
want = {"run.seed": "int64", "train.k": "int64", "team": "int64", "wall_s": "float64", "theory_gap": "float64",
        "err_k": "float64", "err_min": "float64", "err_eq": "float64",
        "err_k_se": "float64", "err_min_se": "float64", "err_eq_se": "float64"}
for column, dtype in want.items():
    assert str(df[column].dtype) == dtype, (column, df[column].dtype, dtype)
for column in ("run_id", "file", "path", "status", "manifest_status"):
    assert all(type(v) is str for v in df[column]), (column, [type(v) for v in df[column]])
assert list(df["status"]) == ["completed"] * n, df["status"]
assert list(df["run_id"]) == [text(v) for v in raw["run_id"]]
for column in ("run.seed", "train.k", "team"):
    assert np.array_equal(df[column].to_numpy(), raw[column]), column
for column in ("err_k", "err_min", "err_eq", "theory_gap", "wall_s"):
    assert np.array_equal(df[column].to_numpy(), raw[column], equal_nan=True), column
assert np.isfinite(df[["err_k", "err_min", "err_eq", "theory_gap"]].to_numpy()).all(), df
# The standard errors of the manifest (jackknife over chain groups; 0 for an exact law) are read as
# written: finite and >= 0 wherever the error is.
for column in ("err_k_se", "err_min_se", "err_eq_se"):
    assert np.array_equal(df[column].to_numpy(), raw[column], equal_nan=True), column
    assert (np.isfinite(df[column]) & (df[column] >= 0)).all(), df[column]
assert sorted(df["run.seed"]) == [1, 1, 2, 2] and sorted(df["train.k"]) == [1, 1, 3, 3]

# --- seed_average: one row per k, mean and standard error over the two seeds -----------------------
avg = sweep.seed_average(df)
assert list(avg["train.k"]) == [1, 3] and str(avg["train.k"].dtype) == "int64", avg
assert list(avg["n_seeds"]) == [2, 2] and str(avg["n_seeds"].dtype) == "int64", avg
for _, row in avg.iterrows():
    part = df[df["train.k"] == row["train.k"]]
    assert sorted(part["run.seed"]) == sorted(row["seeds"]) == [1, 2], (row, part)
    for column in ("err_k", "err_min", "err_eq", "theory_gap"):
        a, b = part[column].to_numpy()
        assert math.isclose(row[column], (a + b) / 2, rel_tol=1e-12), (column, row[column], a, b)
        # n = 2: sd = |a - b| / sqrt(2), se = sd / sqrt(2) = |a - b| / 2.
        assert math.isclose(row[f"{column}_se"], abs(a - b) / 2, rel_tol=1e-9), (column, row[f"{column}_se"], a, b)
        assert row[f"{column}_n"] == 2 and str(avg[f"{column}_se"].dtype) == "float64"

# --- to_xarray: the curves of one run with named dimensions ---------------------------------------
path = df["path"][0]
ds = load_run(path).to_xarray()
assert isinstance(ds, xr.Dataset), type(ds)
with h5py.File(path, "r") as f:
    steps = sorted(int(s) for s in f["dynamics"] if s.isdigit())
    d = f[f"dynamics/{steps[-1]}"]
    t, corr, mode_var = d["t"][()], d["corr_err"][()], d["mode_var"][()]
    n_modes = f["theory/c"].shape[0]
    theory_t, v_theory = f["theory/t"][()], f["theory/v_theory"][()]
    log_steps = f["train/step"][()]
    checkpoints = sorted(int(s) for s in f["checkpoints"])
    k = int(f["config"].attrs["train.k"])
for dim, size in (("step", len(steps)), ("t", t.size), ("mode", n_modes), ("unit", n_modes),
                  ("theory_t", theory_t.size), ("update", log_steps.size), ("checkpoint", len(checkpoints))):
    assert ds.sizes[dim] == size, (dim, ds.sizes.get(dim), size)
assert ds["corr_err"].dims == ("step", "t") and ds["mode_var"].dims == ("step", "t", "mode")
assert ds["mean"].dims == ("step", "t", "unit") and ds["cov"].dims == ("step", "t", "unit", "unit_b")
assert ds["v_theory"].dims == ("theory_t", "mode") and ds["J_trained"].dims == ("mode",)
assert ds["params_J"].dims == ("checkpoint", "unit", "unit_b") and ds["grad_norm"].dims == ("update",)
assert ds["eq_corr_err"].dims == ("step",) and ds["eq_mode_var"].dims == ("step", "mode")
assert ds["t"].dtype == np.int64 and list(ds["checkpoint"].values) == checkpoints
assert np.array_equal(ds["corr_err"].sel(step=steps[-1]).values, corr)
assert np.array_equal(ds["mode_var"].sel(step=steps[-1]).values, mode_var)
assert np.array_equal(ds["v_theory"].values, v_theory, equal_nan=True)
assert float(ds["corr_err"].sel(step=steps[-1], t=k)) == df["err_k"][0]
assert ds.attrs["train.k"] == k and ds.attrs["run_id"] == df["run_id"][0] and ds.attrs["status"] == "completed"

# --- shortrun-summary on the folder: seeds averaged ------------------------------------------------
records = json.load(open(summary_json))
assert [r["run_id"] for r in records] == ["k1", "k3"], [r["run_id"] for r in records]
for r in records:
    part = df[df["train.k"] == r["k"]]
    assert r["n_seeds"] == 2 and sorted(r["seeds"]) == [1, 2] and sorted(r["run_ids"]) == sorted(part["run_id"]), r
    for key, column in (("at_k", "err_k"), ("equilibrium", "err_eq")):
        a, b = part[column].to_numpy()
        assert math.isclose(r[key], (a + b) / 2, rel_tol=1e-12), (key, r[key], a, b)
        assert math.isclose(r[f"{key}_se"], abs(a - b) / 2, rel_tol=1e-9), (key, r[f"{key}_se"], a, b)
    # The minimum over t of the mean curve (the curve plot_dynamics draws), at the t it names, with
    # the seeds' standard error there: not the mean of each seed's own minimum (biased low).
    curves = []
    for path in part["path"]:
        with h5py.File(path, "r") as f:
            last = max(int(s) for s in f["dynamics"] if s.isdigit())
            curves.append((f[f"dynamics/{last}/t"][()], f[f"dynamics/{last}/corr_err"][()]))
    assert np.array_equal(curves[0][0], curves[1][0]), "the seeds record the same t"
    mean_curve = (curves[0][1] + curves[1][1]) / 2
    i = int(np.argmin(mean_curve))
    assert r["t_min"] == int(curves[0][0][i]) and math.isclose(r["minimum"], mean_curve[i], rel_tol=1e-12), r
    assert math.isclose(r["minimum_se"], abs(curves[0][1][i] - curves[1][1][i]) / 2, rel_tol=1e-9), r
    assert r["minimum"] >= part["err_min"].mean() - 1e-15, (r, "at least the mean of the seeds' own minima")
each = json.load(open(each_json))
assert sorted(r["run_id"] for r in each) == sorted(df["run_id"]) and all(r["n_seeds"] == 1 for r in each), each
for r in each:
    # One run: its value and the file's own standard error (jackknife over its chains) at t = k.
    assert r["at_k"] == float(df.loc[df["run_id"] == r["run_id"], "err_k"].iloc[0]), r
    with h5py.File(r["path"], "r") as f:
        d = f[f"dynamics/{r['step']}"]
        assert r["at_k_se"] == float(d["corr_err_se"][list(d["t"][()]).index(r["k"])]) > 0, r
# The table: run model scheme k step stat err(t=k) min-over-t at-t equilibrium method n note.
lines = open(table).read().splitlines()
assert lines[0].split()[:7] == ["run", "model", "scheme", "k", "step", "stat", "err(t=k)"], lines[0]
rows = {l.split()[0]: l.split() for l in lines[1:]}
assert sorted(rows) == ["k1", "k3"], lines
for name, cells in rows.items():
    r = records[["k1", "k3"].index(name)]
    assert cells[6] == f"{r['at_k']:.4g}±{r['at_k_se']:.2g}" and cells[11] == "2", (cells, r)
print("DataFrame dtypes and values, seed averages (n = 2), xarray dims and values, summary: ok")
PY

# --- figures: PNG + PDF (make_figures), PDF + SVG (plot_dynamics) ---------------------------------
"$venv/shortrun-make-figures" "$tmp/sweep" --out "$tmp/fig" --format png,pdf >"$tmp/fig.log" 2>&1 ||
  { cat "$tmp/fig.log" >&2; fail "shortrun-make-figures --format png,pdf"; }
"$venv/shortrun-plot-dynamics" "$tmp/sweep" --out "$tmp/dyn" --format pdf,svg >"$tmp/dyn.log" 2>&1 ||
  { cat "$tmp/dyn.log" >&2; fail "shortrun-plot-dynamics --format pdf,svg"; }
"$venv/python" - "$tmp/fig" "$tmp/dyn" <<'PY' || fail "figure files"
import json, os, sys
fig, dyn = sys.argv[1:]

def head(path, n=8):
    assert os.path.isfile(path), f"{path} missing"
    assert os.path.getsize(path) > 3000, f"{path}: {os.path.getsize(path)} bytes"
    return open(path, "rb").read(n)

assert head(f"{fig}/study1_J_vs_k.png") == b"\x89PNG\r\n\x1a\n"
assert head(f"{fig}/study1_J_vs_k.pdf", 5) == b"%PDF-"
assert not os.path.exists(f"{fig}/study1_J_vs_k.svg")
(study,) = json.load(open(f"{fig}/summary.json"))["studies"]
assert study["figures"] == ["study1_J_vs_k.png"], study["figures"]
assert sorted(study["files"]) == ["study1_J_vs_k.pdf", "study1_J_vs_k.png"], study["files"]
assert [row["seeds_per_point"] for row in study["rows"]] == [[2]], study["rows"]
md = open(f"{fig}/summary.md").read()
assert "| seeds per k |" in md and "![study1_J_vs_k.png](study1_J_vs_k.png)" in md, md
assert head(f"{dyn}/error_corr_err_vs_t.pdf", 5) == b"%PDF-"
svg = open(f"{dyn}/error_corr_err_vs_t.svg").read()
assert svg.startswith("<?xml") and "<svg" in svg, svg[:200]
assert not os.path.exists(f"{dyn}/error_corr_err_vs_t.png")
print("figures: PNG and PDF (make_figures), PDF and SVG (plot_dynamics, seeds averaged): ok")
PY

# --- mixed inputs: shards, copies, one run id in two configurations, an axis a study does not keep apart
# A folder of shard manifests without the merge: the error names them.
mkdir -p "$tmp/shards-only"
cp -r "$tmp/sweep/runs" "$tmp/sweep/sweep-shard0of2.h5" "$tmp/sweep/sweep-shard1of2.h5" "$tmp/shards-only/"
rc=0
"$venv/shortrun-summary" "$tmp/shards-only" >/dev/null 2>"$tmp/err.txt" || rc=$?
[[ $rc -eq 2 ]] && grep -qF "the folder holds the shard manifests sweep-shard0of2.h5, sweep-shard1of2.h5" "$tmp/err.txt" ||
  fail "summary on a folder of shard manifests: exit $rc, $(cat "$tmp/err.txt")"
# One shard's manifest given to make_figures: drawn, with a warning that it is part of the grid.
"$venv/shortrun-make-figures" "$tmp/sweep/sweep-shard0of2.h5" --out "$tmp/fig-shard" >/dev/null 2>"$tmp/err.txt" &&
  grep -qF "this manifest is shard 0 of 2" "$tmp/err.txt" || fail "make_figures on a shard: $(cat "$tmp/err.txt")"
# The unsharded sweep is the same configurations and seeds as the merged one: summarised together,
# each run counts once (n = 2 per k, not 4), with a warning per copy.
"$venv/shortrun-summary" "$tmp/sweep" "$tmp/unsharded" --json >"$tmp/both.json" 2>"$tmp/err.txt" ||
  fail "summary of two copies of one sweep"
[[ $(grep -c "the same configuration and run.seed" "$tmp/err.txt") -eq 4 ]] || fail "copies: $(cat "$tmp/err.txt")"
"$venv/shortrun-summary" "$tmp/sweep" "$tmp/unsharded" --seeds each --json >"$tmp/both-each.json" 2>"$tmp/err.txt" ||
  fail "summary --seeds each of two copies of one sweep"
[[ $(grep -c "the same configuration and run.seed" "$tmp/err.txt") -eq 4 ]] || fail "copies, each: $(cat "$tmp/err.txt")"
"$venv/shortrun-make-figures" "$tmp/sweep" "$tmp/unsharded" --out "$tmp/fig-two" >/dev/null 2>"$tmp/err.txt" &&
  grep -qF "$tmp/unsharded/sweep.h5: the same grid as $tmp/sweep/sweep.h5" "$tmp/err.txt" ||
  fail "make_figures on two copies of one study: $(cat "$tmp/err.txt")"
"$venv/python" - "$tmp/both.json" "$tmp/sweep" "$tmp/both-each.json" <<'PY' || fail "run ids of two configurations, study warnings"
import json, os, sys
from shortrun_analysis import load_sweep
from shortrun_analysis.measurement import load_measurement
from shortrun_analysis.seeds import distinguish
from shortrun_analysis.tools.make_figures import study_warnings
both, folder, both_each = sys.argv[1:]
assert [(r["run_id"], r["n_seeds"]) for r in json.load(open(both))] == [("k1", 2), ("k3", 2)], both
each = json.load(open(both_each))
assert len(each) == 4 and all(r["path"].startswith(folder + "/") for r in each), each
# One run id in two configurations (two sweeps' seed1_k1, one at another lr): named apart by the key.
sweep = load_sweep(folder)
a, b = (load_measurement(sweep.run_path(0)) for _ in range(2))
b.config["train.lr"] = "0.5"
name, lr = a.run_id, a.config["train.lr"]
distinguish([a, b])
assert (a.run_id, b.run_id) == (f"{name}[train.lr={lr}]", f"{name}[train.lr=0.5]"), (a.run_id, b.run_id)
# Differing in more than two keys (two studies' k1): named by the folder each comes from.
c, d = (load_measurement(sweep.run_path(0)) for _ in range(2))
for key in ("train.lr", "train.updates", "data.n_samples"):
    d.config[key] = "7"
d.path = "/elsewhere/other-study/runs/k.h5"
distinguish([c, d])
assert (c.run_id, d.run_id) == (f"{name}[{os.path.basename(folder)}]", f"{name}[other-study]"), (c.run_id, d.run_id)
# Study 1 keeps init.sigma, train.scheme and train.k apart and averages run.seed: this sweep is fine,
# the same with a second sampler.step is not.
assert study_warnings(1, sweep) == [], study_warnings(1, sweep)
sweep.attrs["axes"] += ",sampler.step"
sweep.axis_values["sampler.step"] = ["0.02", "0.1"]
(warning,) = study_warnings(1, sweep)
assert warning.startswith("axis sampler.step (0.02, 0.1) is not one that study 1's figures keep apart"), warning
print("shards, copies, run ids of two configurations, an axis study 1 does not separate: ok")
PY

# --- 4. a stopped run, its folder moved, resumed bit-exactly; identity keys ----------------------------
one_run=(--quiet --set run.seed=3 --set train.scheme=pcd --set train.k=5 --set train.updates=4000
         --set train.chains=300 --set data.n_samples=2000 --set measure.chains=200 --set measure.t_points=6)
"$shortrun" train "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/whole" "${one_run[@]}" >/dev/null 2>&1 ||
  fail "the uninterrupted run"
"$shortrun" train "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/first" "${one_run[@]}" \
  --set run.checkpoint_every=0.05 >"$tmp/first.log" 2>&1 &
pid=$!
for _ in $(seq 600); do [[ -e $tmp/first/runs/demo.ckpt.h5 ]] && break; sleep 0.05; done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[[ $rc -eq 75 ]] || { cat "$tmp/first.log" >&2; fail "SIGTERM: exit $rc, expected 75 (the run may be too short)"; }
mv "$tmp/first" "$tmp/moved"
"$shortrun" train "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/moved" "${one_run[@]}" \
  --set run.checkpoint_every=30 --set measure.t_points=10 >"$tmp/moved.log" 2>&1 ||
  { cat "$tmp/moved.log" >&2; fail "resume in the moved folder with other operational keys"; }
"$venv/python" - "$tmp/whole/runs/demo.h5" "$tmp/moved/runs/demo.h5" <<'PY' || fail "the resumed run differs"
import sys
import h5py
import numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
assert a.attrs["status"] == b.attrs["status"] == "completed"
assert list(a["checkpoints"]) == list(b["checkpoints"]), (list(a["checkpoints"]), list(b["checkpoints"]))
for step in a["checkpoints"]:
    for name in a[f"checkpoints/{step}/params"]:
        assert np.array_equal(a[f"checkpoints/{step}/params/{name}"][()], b[f"checkpoints/{step}/params/{name}"][()])
for column in ("step", "grad_norm", "param_norm"):
    assert np.array_equal(a[f"train/{column}"][()], b[f"train/{column}"][()]), column
print("moved folder: resumed bitwise equal to the uninterrupted run")
PY
rc=0
"$shortrun" train "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/moved" "${one_run[@]}" --set train.lr=0.2 \
  >"$tmp/other.log" 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "a changed train.lr on a completed run: exit $rc, expected 2"
grep -q "train.lr = 0.15 (now 0.2)" "$tmp/other.log" || { cat "$tmp/other.log" >&2; fail "the message does not name train.lr with both values"; }
"$shortrun" train "$repo/jobs/configs/demo-gaussian.ini" --out "$tmp/moved" "${one_run[@]}" --set train.lr=0.2 \
  --set train.updates=50 --force >"$tmp/forced.log" 2>&1 || { cat "$tmp/forced.log" >&2; fail "--force"; }
replaced=("$tmp"/moved/runs/demo.replaced-*.h5)
[[ -f ${replaced[0]} ]] || fail "--force left no demo.replaced-<time>.h5"
"$venv/python" -c "import h5py,sys; f=h5py.File(sys.argv[1]); assert 'lr = 0.15' in f.attrs['config'], 'not the old run'" \
  "${replaced[0]}" || fail "the kept file is not the replaced run"
echo "ok: moved folder resumed bit-exactly; train.lr change refused naming both values; --force kept ${replaced[0]##*/}"

# --- 5. the checkout: no /usr/bin/python3, no sys.path change; wrappers and -m work ---------------
cd "$repo"
if grep -n -e '^#!/usr/bin/python3' -e 'sys\.path\.\(insert\|append\)' -e 'sys\.path *=' \
     analysis/*.py analysis/baselines/*.py analysis/shortrun_analysis/*.py analysis/shortrun_analysis/tools/*.py; then
  fail "the lines above hard-code /usr/bin/python3 or change sys.path"
fi
analysis/summary.py "$tmp/sweep" >"$tmp/wrapper.txt" 2>"$tmp/err.txt" ||
  { cat "$tmp/err.txt" >&2; fail "analysis/summary.py run directly"; }
cmp -s "$tmp/wrapper.txt" "$tmp/summary.txt" || fail "analysis/summary.py and shortrun-summary differ"
(cd analysis && "$python" -m shortrun_analysis.tools.summary "$tmp/sweep") >"$tmp/module.txt" 2>"$tmp/err.txt" ||
  { cat "$tmp/err.txt" >&2; fail "python3 -m shortrun_analysis.tools.summary"; }
cmp -s "$tmp/module.txt" "$tmp/summary.txt" || fail "python3 -m shortrun_analysis.tools.summary differs"
echo "ok: wrappers run directly and with -m, without /usr/bin/python3 or sys.path changes"

echo "PASS: analysis package installed offline, console scripts, DataFrame/xarray/seed averages, PDF/SVG in $((SECONDS - t0)) s"
