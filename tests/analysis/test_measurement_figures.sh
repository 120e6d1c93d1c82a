#!/usr/bin/env bash
# The measurement scripts of analysis/ (plot_dynamics, plot_dynamics_heatmap, plot_theory_overlay,
# plot_samples, summary) end to end on tiny runs trained here:
#   g    gaussian rdm, exact p_k training, sampled measurement (no equilibrium: a mode has J* < 0)
#   s    independent spins rdm, exact training, sampled measurement (theory equilibrium)
#   bm   Boltzmann machine rdm, exact training and exact measurement at every checkpoint
#   rbm  RBM on Fashion-MNIST downscaled to 7 x 7, binarized, long-run equilibrium with samples
#   d    spins rdm with k = 1: a site has no fixed point, the run diverges and is not measured
# Every PNG must exist, be over 5 kB and load with matplotlib; summary.py's numbers must equal
# what h5py reads from the files; files of the wrong schema must give exit 2 and one line naming
# the file (and `shortrun measure FILE` where /dynamics is missing).
# Usage: test_measurement_figures.sh PATH/TO/shortrun
set -euo pipefail

shortrun=${1:?usage: test_measurement_figures.sh PATH/TO/shortrun}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
analysis=$repo/analysis
configs=$repo/jobs/configs
python=/usr/bin/python3  # Debian's h5py, numpy, matplotlib (a python3 earlier on PATH may lack them)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
runs=$tmp/out/runs

train() {  # CONFIG NAME --set ...
  local config=$1 name=$2
  shift 2
  "$shortrun" train "$config" --out "$tmp/out" --quiet --set run.name="$name" "$@" >/dev/null \
    || fail "shortrun train $name"
}
train "$configs/gaussian.ini" g --set train.moments=exact --set data.n_samples=0 --set train.updates=300 \
  --set train.k=5 --set measure.moments=sampled --set measure.chains=400 --set measure.t_points=15
train "$configs/spins.ini" s --set train.updates=500 --set measure.moments=sampled --set measure.chains=4000 \
  --set measure.t_points=15
train "$configs/bm-ising.ini" bm --set train.updates=200 --set train.k=3 --set sampler.type=gibbs-random \
  --set train.checkpoints=4 --set measure.at=all --set measure.t_max=40 --set measure.t_points=12
# Fashion-MNIST from Debian's dataset-fashion-mnist (the setup scripts install it); without it, 200
# generated 28 x 28 images of bars in the same IDX format, so the test does not depend on it.
images=()
if [[ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz &&
      ! -e /usr/local/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  "$python" "$repo/tests/support/bars_idx.py" "$tmp/bars-idx3-ubyte" 200 ||
    fail "making IDX images"
  images=(--set data.source=idx --set data.path="$tmp/bars-idx3-ubyte")
fi
train "$configs/rbm-fashion-mnist.ini" rbm "${images[@]}" --set data.downscale=4 --set data.n_samples=200 \
  --set model.n_hidden=8 --set train.k=4 --set train.updates=30 --set train.batch=100 --set train.chains=100 \
  --set train.checkpoints=2 --set measure.chains=64 --set measure.t_max=20 --set measure.t_points=8 \
  --set measure.equilibrium=long-run --set measure.equilibrium_sweeps=20 --set measure.samples=9

rc=0
"$shortrun" train "$configs/spins.ini" --out "$tmp/out" --quiet --set run.name=d --set train.k=1 >/dev/null || rc=$?
[[ $rc -eq 3 ]] || fail "shortrun train d: exit $rc, expected 3 (diverged)"

run_script() {  # SCRIPT ARGS...: must exit 0
  local script=$1 rc=0
  shift
  "$python" "$analysis/$script" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  [[ $rc -eq 0 ]] || { cat "$tmp/stderr" >&2; fail "$script $* exited with $rc"; }
}
fig=$tmp/fig
run_script plot_dynamics.py "$runs/g.h5" "$runs/s.h5" "$runs/bm.h5" "$runs/rbm.h5" "$runs/d.h5" --out "$fig"
grep -qF "plot_dynamics.py: warning: $runs/d.h5: status diverged, not measured; left out" "$tmp/stderr" \
  || fail "plot_dynamics.py: no warning for the diverged run"
run_script plot_dynamics.py "$runs/bm.h5" --stat energy --step 1 --out "$fig/energy"
run_script plot_dynamics_heatmap.py "$runs/bm.h5" --out "$fig"
run_script plot_theory_overlay.py "$runs/g.h5" "$runs/s.h5" --out "$fig"
run_script plot_samples.py "$runs/rbm.h5" --out "$fig"
# A diverged run among measured ones: the per-run figures of the others, and a warning naming it.
run_script plot_theory_overlay.py "$runs/s.h5" "$runs/d.h5" --out "$fig/with-diverged"
grep -qF "plot_theory_overlay.py: warning: $runs/d.h5: status diverged, not measured; left out" "$tmp/stderr" &&
  [[ -s "$fig/with-diverged/s_theory.png" ]] || fail "plot_theory_overlay.py with a diverged run"
# One run named twice, or copied under another name (same configuration and run.seed), is one run:
# counted once with a warning, not a second seed that would shrink the standard error.
cp "$runs/s.h5" "$tmp/s_copy.h5"
run_script summary.py "$runs/s.h5" "$runs/s.h5" "$tmp/s_copy.h5" --json
grep -qF "summary.py: warning: $runs/s.h5: named twice" "$tmp/stderr" &&
  grep -qF "summary.py: warning: $tmp/s_copy.h5: the same configuration and run.seed" "$tmp/stderr" ||
  { cat "$tmp/stderr" >&2; fail "summary.py: no warning for a run named twice or copied"; }
"$python" -c "import json, sys; r = json.load(open(sys.argv[1])); assert len(r) == 1 and r[0]['n_seeds'] == 1, r" \
  "$tmp/stdout" || fail "summary.py counted a run twice"
rc=0
"$python" "$analysis/plot_dynamics.py" "$runs/s.h5" --dpi 0 --out "$tmp/dpi" 2>"$tmp/dpi.err" || rc=$?
[[ $rc -eq 2 ]] && grep -qF "argument --dpi: expected a positive integer, got '0'" "$tmp/dpi.err" ||
  fail "--dpi 0: exit $rc, $(cat "$tmp/dpi.err")"
run_script summary.py "$runs/g.h5" "$runs/s.h5" "$runs/bm.h5" "$runs/rbm.h5" "$runs/d.h5"
cp "$tmp/stdout" "$tmp/summary.txt"
run_script summary.py "$runs/g.h5" "$runs/s.h5" "$runs/bm.h5" "$runs/rbm.h5" "$runs/d.h5" --json
cp "$tmp/stdout" "$tmp/summary.json"
run_script summary.py "$runs/bm.h5" --step all --stat mean_err --json
cp "$tmp/stdout" "$tmp/summary-all.json"

# Figures: present, > 5 kB, and images matplotlib can read (not blank: several grey levels).
"$python" - "$fig" <<'PY' || fail "figures"
import os, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.image as mpimg
import numpy as np
fig = sys.argv[1]
expected = ["error_default_vs_t.png", "energy_vs_t.png", "energy/error_energy_vs_t.png", "energy/energy_vs_t.png", "bm_heatmap_corr_err.png",
            "g_theory.png", "s_theory.png", "rbm_samples.png"]
for name in expected:
    path = os.path.join(fig, name)
    assert os.path.isfile(path), f"{name} missing"
    size = os.path.getsize(path)
    assert size > 5000, f"{name}: {size} bytes"
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200, (name, img.shape)
    grey = (img[..., :3] @ np.array([0.3, 0.6, 0.1]) * 255).astype(np.uint8)
    assert np.bincount(grey.ravel(), minlength=256).astype(bool).sum() > 20, f"{name}: nearly uniform"
print(f"{len(expected)} figures ok")
PY

# summary.py against the files: recompute every number with h5py.
"$python" - "$tmp/summary.json" "$tmp/summary-all.json" "$tmp/summary.txt" <<'PY' || fail "summary.py numbers"
import json, sys
import h5py
import numpy as np

def expected(path, step, stat):
    with h5py.File(path, "r") as f:
        d, e = f[f"dynamics/{step}"], f[f"equilibrium/{step}"]
        k = int(f["dynamics"].attrs["k"])
        t, y = d["t"][()], d[stat][()]
        # A long run with converged = 0 is no reference: summary.py gives no equilibrium number for it.
        usable = e.attrs["exists"] and int(e.attrs.get("converged", 1)) == 1
        eq = float(e.attrs[stat]) if usable else None
        # The file's own standard errors (jackknife over its chains; none for an exact law).
        se = d[f"{stat}_se"][()] if f"{stat}_se" in d else None
        at = lambda i: None if se is None or not se[i] > 0 else float(se[i])
        eq_se = float(e.attrs[f"{stat}_se"]) if usable and f"{stat}_se" in e.attrs else None
        return dict(k=k, at_k=float(y[list(t).index(k)]), minimum=float(y.min()), t_min=int(t[np.argmin(y)]),
                    equilibrium=eq, method=e.attrs["method"], at_k_se=at(list(t).index(k)),
                    minimum_se=at(int(np.argmin(y))), equilibrium_se=eq_se if eq_se else None)

def last_step(path):
    with h5py.File(path, "r") as f:
        return max(int(s) for s in f["dynamics"] if s.isdigit())

records = json.load(open(sys.argv[1]))
assert [r["run_id"] for r in records] == ["g", "s", "bm", "rbm", "d"], records
diverged = records.pop()
assert diverged["status"] == "diverged" and diverged["step"] is None and diverged["at_k"] is None, diverged
assert diverged["note"].startswith("diverged, not measured"), diverged
stats = {"g": "corr_err", "s": "mean_err", "bm": "corr_err", "rbm": "corr_err"}
for r in records:
    assert r["stat"] == stats[r["run_id"]], r
    assert r["step"] == last_step(r["path"]), r
    want = expected(r["path"], r["step"], r["stat"])
    for key, value in want.items():
        assert r[key] == value, (r["run_id"], key, r[key], value)
by_id = {r["run_id"]: r for r in records}
assert by_id["g"]["equilibrium"] is None and by_id["g"]["method"] == "theory", by_id["g"]
assert by_id["s"]["method"] == "theory" and by_id["bm"]["method"] == "exact", records
assert by_id["rbm"]["method"] == "long-run", by_id["rbm"]
with h5py.File(by_id["rbm"]["path"], "r") as f:
    rbm_eq = f[f"equilibrium/{by_id['rbm']['step']}"].attrs
    if int(rbm_eq["converged"]) == 0:  # 20 equilibrium sweeps: R-hat fails; the note says why
        assert "NOT converged" in by_id["rbm"]["note"] and str(rbm_eq["reason"]) in by_id["rbm"]["note"], by_id["rbm"]
# bm was trained with exact p_k moments: its correlations match the data at t = k, not at equilibrium.
assert by_id["bm"]["at_k"] < 1e-6 < by_id["bm"]["equilibrium"], by_id["bm"]

every = json.load(open(sys.argv[2]))
with h5py.File(every[0]["path"], "r") as f:
    steps = sorted(int(s) for s in f["dynamics"] if s.isdigit())
assert [r["step"] for r in every] == steps and len(steps) >= 3, (every, steps)
for r in every:
    want = expected(r["path"], r["step"], "mean_err")
    assert all(r[key] == value for key, value in want.items()), (r, want)

# The table: a header and one row per run, numbers as in the JSON to 4 significant digits, each
# followed by ±its standard error to 2 where the run has one.
lines = open(sys.argv[3]).read().splitlines()
header = lines[0].split()
assert header[:6] == ["run", "model", "scheme", "k", "step", "stat"], header
rows = {l.split()[0]: l.split() for l in lines[1:]}
assert sorted(rows) == ["bm", "d", "g", "rbm", "s"], lines
assert rows["d"][4:10] == ["-", "mean_err", "-", "-", "-", "-"] and "diverged," in rows["d"], rows["d"]
def cell(value, se):
    return f"{value:.4g}" + ("" if se is None else f"±{se:.2g}")
assert by_id["s"]["at_k_se"] > 0 and by_id["g"]["minimum_se"] > 0, records  # sampled: both have one
for r in records:
    cells = rows[r["run_id"]]
    assert cells[1] == r["model"] and int(cells[3]) == r["k"] and int(cells[4]) == r["step"], cells
    assert cells[6] == cell(r["at_k"], r["at_k_se"]) and cells[7] == cell(r["minimum"], r["minimum_se"]), cells
    assert int(cells[8]) == r["t_min"], cells
    eq = "none" if r["equilibrium"] is None else cell(r["equilibrium"], r["equilibrium_se"])
    assert cells[9] == eq, (cells, eq)
    assert cells[10] == r["method"], cells
print("summary numbers ok")
PY

# Wrong schema and unusable input: exit 2, one line on stderr naming the file.
"$shortrun" theory "$configs/gaussian.ini" --out "$tmp/theory.h5" >/dev/null || fail "shortrun theory --out"
"$python" - "$runs/g.h5" "$tmp" <<'PY' || fail "making bad files"
import shutil, sys
import h5py
run, tmp = sys.argv[1], sys.argv[2]
h5py.File(f"{tmp}/plain.h5", "w").create_dataset("x", data=[1.0])
shutil.copy(run, f"{tmp}/unmeasured.h5")
with h5py.File(f"{tmp}/unmeasured.h5", "a") as f:
    del f["dynamics"], f["equilibrium"]
open(f"{tmp}/text.h5", "w").write("not hdf5\n")
PY
expect_bad() {  # PATTERN SCRIPT ARGS...  (the file named in PATTERN must lead the message)
  local pattern=$1 script=$2 rc=0
  shift 2
  "$python" "$analysis/$script" "$@" --out "$tmp/bad-fig" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
  [[ $rc -eq 2 ]] || { cat "$tmp/bad.err" >&2; fail "$script $*: exit code $rc, expected 2"; }
  [[ $(wc -l <"$tmp/bad.err") -eq 1 ]] || { cat "$tmp/bad.err" >&2; fail "$script $*: expected one line on stderr"; }
  grep -qF -- "$script: error: $pattern" "$tmp/bad.err" \
    || { cat "$tmp/bad.err" >&2; fail "$script $*: message lacks '$script: error: $pattern'"; }
}
# Every script reads its files with shortrun_analysis.load_measurement: all four kinds of bad file
# through one script, the two that matter most through the others.
no_dynamics="$tmp/unmeasured.h5: no /dynamics measurement; run \`shortrun measure $tmp/unmeasured.h5\`"
expect_bad "$tmp/theory.h5: not a shortrun run file" plot_dynamics.py "$runs/g.h5" "$tmp/theory.h5"
expect_bad "$tmp/text.h5: cannot open" plot_dynamics.py "$tmp/text.h5"
for script in plot_dynamics.py plot_dynamics_heatmap.py plot_theory_overlay.py plot_samples.py; do
  expect_bad "$tmp/plain.h5: not a shortrun run file" $script "$tmp/plain.h5"
  expect_bad "$no_dynamics" $script "$tmp/unmeasured.h5"
done
# summary.py has no --out: call it directly.
for bad in theory unmeasured; do
  rc=0
  "$python" "$analysis/summary.py" "$runs/g.h5" "$tmp/$bad.h5" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
  [[ $rc -eq 2 && $(wc -l <"$tmp/bad.err") -eq 1 ]] || { cat "$tmp/bad.err" >&2; fail "summary.py $bad.h5: exit $rc"; }
  grep -qF "summary.py: error: $tmp/$bad.h5: " "$tmp/bad.err" || { cat "$tmp/bad.err" >&2; fail "summary.py $bad.h5"; }
done
grep -qF "run \`shortrun measure $tmp/unmeasured.h5\`" "$tmp/bad.err" || fail "summary.py: no measure hint"
# Files of the right schema that cannot give the figure asked for.
expect_bad "$runs/g.h5: only step 300 was measured" plot_dynamics_heatmap.py "$runs/g.h5"
expect_bad "$runs/bm.h5: model bm has no closed-form dynamics" plot_theory_overlay.py "$runs/bm.h5"
expect_bad "$runs/g.h5: /dynamics/300 holds no image samples" plot_samples.py "$runs/g.h5"
expect_bad "$runs/g.h5: step 7 was not measured" plot_dynamics.py "$runs/g.h5" --step 7
expect_bad "$runs/g.h5: /dynamics/300 has no vh_err" plot_dynamics.py "$runs/g.h5" --stat vh_err
[[ ! -e $tmp/bad-fig ]] || fail "a failing script created its output folder"

echo "PASS: measurement figures, summary and bad input"
