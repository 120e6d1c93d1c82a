#!/usr/bin/env bash
# The paper's study configs (jobs/configs/paper/*.ini) end to end at a tiny size, then
# analysis/make_figures.py over all of them: every figure and the summary table, with the table's
# numbers checked against the run files and against theory (check_studies.py):
#   1  Gaussian: sigma0 x (rdm, cd, pcd) x k, exact moments, population data; trained J against J*
#      (re-solved here from equation F1) and J_eq to 1e-6
#   2  spins: (gibbs-random, metropolis) x k, exact moments; h against h*(k) computed here, and the
#      diverged runs and running-away sites against the condition |m| < 1 - q^k of docs/theory.md section 3
#   3  Boltzmann machine N = 6, (rdm, pcd) x k, exact p_k moments, measured at every checkpoint:
#      rdm matches the data's correlations at t = k, pcd at equilibrium
#   4  RBM on 7 x 7 images (Fashion-MNIST, or generated bars without it), rdm and pcd x 3 k x 2
#      seeds, float32: the rows' means and standard errors (errors, AIS log-likelihood) against the
#      files and each seed's mixing time re-derived
#   5  ConvNet on the same 7 x 7 images, two conv layers, k = 3 and 10 x 2 seeds: energies, their
#      means over the seeds and each seed's z at t = k against the files
#   6  k x lr grid, bm N = 6, exact moments: the heat maps' numbers against the manifest
#   7  spins with sampled chains over 4 seeds: the seeds' scatter and means against the chain noise
#      predicted here (chi-square, |z| < 4), the diverged runs as in 2
#   8  Gaussian with sampled chains over 4 seeds: J's scatter and means against the chain noise
#      predicted here (chi-square, |z| < 4)
#   9  k x lr grid with sampled chains over 4 seeds: the cells' means and standard errors against
#      the manifest, and at the smallest k equilibrium worse than t = k by > 4 standard errors
#  10  bm on 2-D Ising data (4 x 4 here, exact equilibrium), rdm and pcd over 3 seeds: the rows'
#      means and standard errors against the files, each seed's mixing time re-derived, and rdm's
#      crossover (at the smallest k equilibrium worse than t = k, at the largest better than at the
#      smallest, each by > 4 standard errors)
#  11  RBM as 4 in float32 with a ptt equilibrium: errors and AIS log-likelihood against the files
# Each config runs with --set overrides that shrink it but keep its axes, so that the figures are of
# the same kind as at full size. A config of another study number fails the test until it gets a
# tiny version here. The studies run through jobs/slurm/paper.sbatch outside SLURM (mpirun, one
# rank), which also runs make_figures.py; its reading of the configs' "# Cluster" blocks is checked
# with a dry run against the keys `shortrun train --help` lists.
# Usage: test_paper_studies.sh PATH/TO/shortrun       (SHORTRUN_STUDY_KEEP=1 keeps the folder)
set -euo pipefail

shortrun=$(realpath "${1:?usage: test_paper_studies.sh PATH/TO/shortrun}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=/usr/bin/python3  # Debian's h5py, numpy, matplotlib (a python3 earlier on PATH may lack them)

tmp=$(mktemp -d)
if [[ -n ${SHORTRUN_STUDY_KEEP:-} ]]; then
  trap 'echo "kept $tmp"' EXIT
else
  trap 'rm -rf "$tmp"' EXIT
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
t0=$SECONDS

# Fashion-MNIST from Debian's dataset-fashion-mnist; without it, 300 generated 28 x 28 bar images
# in the same IDX format (as tests/analysis/test_measurement_figures.sh does).
images=()
if [[ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz &&
      ! -e /usr/local/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  "$python" "$repo/tests/support/bars_idx.py" "$tmp/bars-idx3-ubyte" 300 ||
    fail "making IDX images"
  images=(--set data.source=idx --set data.path="$tmp/bars-idx3-ubyte")
fi

tiny() {  # STUDY NUMBER -> the --set overrides of its tiny version, one argument per line
  case $1 in
    1) printf '%s\n' --set data.n_samples=0 --set train.k=1,10,100 --set train.updates=20000 \
         --set train.checkpoints=2 --set measure.t_points=12 ;;
    2) printf '%s\n' --set train.k=1,2,3,10 ;;
    3) printf '%s\n' --set model.n_visible=6 --set train.k=1,3,10 --set train.updates=400 \
         --set train.moments=exact --set train.checkpoints=4 --set measure.t_points=15 ;;
    4) printf '%s\n' "${images[@]}" --set data.downscale=4 --set data.n_samples=300 --set model.n_hidden=28 \
         --set train.k=2,4,8 --set run.seed=1,2 --set train.updates=40 --set train.batch=100 --set train.chains=100 \
         --set train.checkpoints=2 --set measure.chains=100 --set measure.t_max=40 --set measure.t_points=12 \
         --set measure.equilibrium_sweeps=40 --set measure.ais_runs=16 --set measure.ais_temperatures=100 \
         --set measure.samples=9 ;;
    5) printf '%s\n' "${images[@]}" --set data.downscale=4 --set data.n_samples=300 --set model.channels=4,8 \
         --set train.k=3,10 --set run.seed=1,2 --set train.updates=60 --set train.batch=50 --set train.chains=50 \
         --set train.checkpoints=2 --set measure.chains=100 --set measure.t_points=10 \
         --set measure.equilibrium_sweeps=50 ;;
    6) printf '%s\n' --set model.n_visible=6 --set train.k=1,2,4 --set train.lr=0.1,0.4 --set train.updates=400 ;;
    7) printf '%s\n' --set train.k=1,3,10 --set run.seed=1,2,3,4 --set train.updates=500 --set train.chains=500 \
         --set measure.chains=100 --set measure.t_points=10 ;;
    8) printf '%s\n' --set train.k=1,10 --set run.seed=1,2,3,4 --set train.updates=2000 --set train.chains=500 \
         --set measure.chains=100 --set measure.t_points=10 ;;
    9) printf '%s\n' --set model.n_visible=6 --set train.k=1,4 --set train.lr=0.1,0.4 --set run.seed=1,2,3,4 \
         --set train.updates=200 --set train.chains=200 --set measure.chains=200 ;;
    10) printf '%s\n' --set model.n_visible=16 --set train.k=1,3,10 --set train.updates=300 --set train.lr=0.05 \
         --set train.chains=300 --set measure.chains=300 --set measure.t_max=200 ;;
    11) printf '%s\n' "${images[@]}" --set data.downscale=4 --set data.n_samples=300 --set model.n_hidden=28 \
         --set train.updates=40 --set train.batch=100 --set train.chains=100 --set train.checkpoints=3 \
         --set measure.chains=100 --set measure.t_max=40 --set measure.t_points=12 --set measure.equilibrium_sweeps=40 \
         --set measure.ais_runs=16 --set measure.ais_temperatures=100 --set measure.samples=9 ;;
    *) return 1 ;;
  esac
}

# The tiny versions run through jobs/slurm/paper.sbatch itself (without SLURM: mpirun, one rank):
# the configs as written (SHORTRUN_PAPER_SIZE=local) plus each study's tiny overrides
# (SHORTRUN_PAPER_ARGS_<N>), every sweep through sweep.sbatch, then make_figures.py.
studies=()
for config in "$repo"/jobs/configs/paper/[0-9]*.ini; do
  name=$(basename "$config" .ini)
  number=${name%%-*}
  mapfile -t overrides < <(tiny "$number") || true
  ((${#overrides[@]})) || fail "$config: study $number has no tiny version in $(basename "$0"): add one"
  export "SHORTRUN_PAPER_ARGS_$number=${overrides[*]}"
  studies+=("$tmp/paper/$name")
done
# A test run inside a real allocation must not leak that job's identity into the script.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^SLURM_' || true)
rc=0
(cd "$repo" && SHORTRUN="$shortrun" SHORTRUN_PAPER_SIZE=local SHORTRUN_PAPER_OUT="$tmp/paper" \
  SHORTRUN_LAUNCHER=mpirun SHORTRUN_ARGS=--quiet SHORTRUN_PYTHON="$python" jobs/slurm/paper.sbatch) \
  >"$tmp/paper.log" 2>&1 || rc=$?
# Studies 2 and 7 have runs without a fixed point by design: their sweeps, and so the whole, exit 3.
[[ $rc -eq 3 ]] || { cat "$tmp/paper.log" >&2; fail "paper.sbatch: exit $rc, expected 3 (diverged spins runs)"; }
for name in "${studies[@]}"; do
  name=$(basename "$name")
  want=0
  [[ $name == 2-* || $name == 7-* ]] && want=3
  grep -q "study jobs/configs/paper/$name.ini: exit $want after" "$tmp/paper.log" ||
    { cat "$tmp/paper.log" >&2; fail "paper.sbatch: study $name did not exit $want"; }
done
grep -q "figures: $python analysis/make_figures.py" "$tmp/paper.log" || { cat "$tmp/paper.log" >&2; fail "no figures"; }
echo "paper.sbatch (tiny studies and make_figures.py) done at +$((SECONDS - t0))s"
while read -r v; do unset "$v"; done < <(compgen -e | grep '^SHORTRUN_PAPER_ARGS_' || true)
"$python" "$here/check_studies.py" "$tmp/paper/figures" "${studies[@]}" || fail "check_studies.py"

# A sweep run again (a requeue, the final sweep after a job array) rewrites its manifest with the
# earlier runs listed as completed, diverged ones too, and without their err_k and err_eq:
# make_figures.py must still give the same table (it reads statuses and missing errors from the runs).
again=()
for name in 2-spins-hstar 6-k-lr-grid; do
  mapfile -t overrides < <(tiny "${name%%-*}")
  rc=0
  "$shortrun" sweep "$repo/jobs/configs/paper/$name.ini" --out "$tmp/paper/$name" --quiet "${overrides[@]}" \
    >"$tmp/again.log" 2>&1 || rc=$?
  [[ $rc -eq 0 || $rc -eq 3 ]] || { cat "$tmp/again.log" >&2; fail "sweep $name again: exit $rc"; }
  grep -q "(0 to run, " "$tmp/again.log" || { cat "$tmp/again.log" >&2; fail "sweep $name again ran something"; }
  again+=("$tmp/paper/$name")
done
"$repo/analysis/make_figures.py" "${again[@]}" --out "$tmp/again" >"$tmp/again.log" 2>&1 ||
  { cat "$tmp/again.log" >&2; fail "make_figures.py after the sweeps ran again"; }
"$python" - "$tmp/paper/figures/summary.json" "$tmp/again/summary.json" <<'PY' || fail "make_figures.py after the sweeps ran again"
import json, os, sys
# By folder: two studies may be of the same kind (2 and 7 are both spins).
first = {os.path.basename(r["folder"]): r for r in json.load(open(sys.argv[1]))["studies"]}
again = {os.path.basename(r["folder"]): r for r in json.load(open(sys.argv[2]))["studies"]}
assert sorted(again) == ["2-spins-hstar", "6-k-lr-grid"], sorted(again)
for n, key in (("2-spins-hstar", "rows"), ("6-k-lr-grid", "grids")):
    assert again[n][key] == first[n][key], (n, again[n][key], first[n][key])
    assert again[n]["run_status"] == first[n]["run_status"], (again[n]["run_status"], first[n]["run_status"])
print("make_figures.py: same numbers after the sweeps ran again")
PY

# A folder that is not a study: exit 2 and one line naming it.
mkdir -p "$tmp/empty"
rc=0
"$repo/analysis/make_figures.py" "$tmp/empty" --out "$tmp/bad" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
[[ $rc -eq 2 && $(wc -l <"$tmp/bad.err") -eq 1 ]] || { cat "$tmp/bad.err" >&2; fail "make_figures.py on an empty folder: exit $rc"; }
grep -qF "make_figures.py: error: $tmp/empty/sweep.h5: cannot open (no such file)" "$tmp/bad.err" ||
  { cat "$tmp/bad.err" >&2; fail "make_figures.py: message"; }
[[ ! -e $tmp/bad ]] || fail "make_figures.py created its output folder for bad input"

# paper.sbatch: each config's "# Cluster" overrides are read, and are keys the program knows.
"$shortrun" train --help >"$tmp/keys.txt"
(cd "$repo" && SHORTRUN_PAPER_DRY_RUN=1 SHORTRUN_PAPER_OUT="$tmp/cluster" SHORTRUN_ARGS="--quiet" \
  SHORTRUN_PAPER_ARGS_4="--ranks-per-run 2" jobs/slurm/paper.sbatch) >"$tmp/dry.txt" || fail "paper.sbatch dry run"
"$python" - "$tmp/dry.txt" "$tmp/keys.txt" "$repo/jobs/configs/paper" "$tmp/cluster" <<'PY' || fail "paper.sbatch overrides"
import glob, os, re, sys
dry, keys, folder, root = sys.argv[1:]
known = set(re.findall(r"^\s+([a-z_]+\.[a-z_0-9]+)\s", open(keys).read(), re.M))
assert {"train.k", "train.updates", "measure.chains"} <= known, sorted(known)[:10]
lines = [l for l in open(dry).read().splitlines() if l.startswith("study: ")]
configs = sorted(glob.glob(os.path.join(folder, "[0-9]*.ini")))
assert len(lines) == len(configs), (lines, configs)
for line, config in zip(lines, configs):
    words = line.split(" | sweep ")[1].split()
    name = os.path.basename(config)[:-4]
    assert words[0].endswith(os.path.basename(config)) and words[1:3] == ["--out", f"{root}/{name}"], words
    sets = [words[i + 1] for i, w in enumerate(words) if w == "--set"]
    assert sets, f"{config}: no --set read from its '# Cluster' header block"
    for kv in sets:
        assert kv.split("=")[0] in known, f"{config}: --set {kv}: not a key of `shortrun train --help`"
    header = open(config).read().split("\n[")[0]
    for kv in sets:
        assert f"--set {kv}" in header, (config, kv)
    assert words[-1 if not name.startswith("4-") else -3] == "--quiet", words
    if name.startswith("4-"):
        assert words[-2:] == ["--ranks-per-run", "2"], words
        # Study 4's header also shows an MNIST variant on a separate comment line: not read.
        assert not any(kv.startswith(("data.source=", "data.path=")) for kv in sets), sets
print(f"paper.sbatch: cluster overrides of {len(configs)} configs ok")
PY

echo "PASS: paper studies (tiny), make_figures.py, summary and theory checks in $((SECONDS - t0))s"
