#!/usr/bin/env bash
# Runs every example config (jobs/configs/*.ini) and every paper config (jobs/configs/paper/*.ini)
# at a tiny size and writes one digest (tests/golden/h5digest.py) per run file and sweep manifest,
# for the bit-for-bit regression test tests/golden/golden.sh (references: tests/golden/reference/).
#
#   run_configs.sh BINARY OUTDIR        run everything, write the digests into OUTDIR (emptied first)
#   run_configs.sh --machine BINARY     print what decides the floating-point bits of BINARY
#                                       (reference/machine.txt)
#
# Each config keeps its model, scheme, sampler, data source, moments and measurement path; the
# --set overrides below only shrink it (updates, chains, data, measurement sizes; a swept list to
# two values). Sweeps (configs with a comma list) run with `BINARY sweep` on 1 rank; single configs
# with `BINARY train`. Besides: paper study 4 as a 2-rank sweep with --ranks-per-run 2 and
# gaussian.ini as a 2-rank train (mpirun, $SHORTRUN_MPIEXEC or mpirun), study 6 as two --shard
# sweeps then the whole sweep (which finds every run done), a `BINARY measure RUN.h5`
# re-measurement of a copy of the bm-ising run with other measure settings, and `BINARY theory
# --out` on gaussian.ini. About 20 s on 2 cores.
#
# OUTDIR gets:
#   runs.txt          one line per command: tag, exit code (3 = some run diverged, expected for
#                     paper study 2), the arguments (binary and output root written as BINARY, <OUT>)
#   files.txt         every file left under the output root (resume checkpoints and .tmp files
#                     included: none should remain)
#   <tag>/<path>.txt  the digest of <OUT>/<tag>/<path> for every *.h5 but *.ckpt.h5
# The output root is a temporary folder ($SHORTRUN_GOLDEN_WORK if set: kept, for inspection), and
# every string naming it is written as <OUT> in the digests.
#
# A config without a tiny version here makes the script fail: add one.
# Exit: 0 when every digest was written (whatever the runs' exit codes: they are in runs.txt), 2
# on bad usage or missing Fashion-MNIST, 1 when a digest could not be written.
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=/usr/bin/python3  # Debian's h5py and numpy (a python3 earlier on PATH may lack them)

# --- what decides the floating-point bits ---------------------------------------------------------
# `--version` names only the matrix-product library; the compiler, the build flags (build type,
# -march=native, -fopenmp, EIGEN_USE_BLAS, sanitizers) and the SIMD instruction sets Eigen was
# compiled for are in the machine block of `bench --json` (a 128 x 128 GEMM: a few milliseconds).
machine() {  # BINARY
  local version json
  version=$("$1" --version) || return 1
  json=$("$1" bench --what gemm --quick --repeats 1 --json 2>/dev/null) || return 1
  "$python" - "$version" "$json" <<'PY'
import json, re, sys
version, rows = sys.argv[1], json.loads(sys.argv[2])
m = re.search(r"matrix products: ([^)]*)\)", version)
print("matrix_products:", m.group(1) if m else "unknown (shortrun --version: " + version + ")")
machine = rows[0].get("machine", {}) if rows else {}
for key in ("compiler", "build_flags", "eigen_simd"):
    print(f"{key}:", machine.get(key, "unknown"))
PY
}

if [[ ${1:-} == --machine ]]; then
  [[ $# -eq 2 ]] || { echo "usage: run_configs.sh --machine BINARY" >&2; exit 2; }
  machine "$2"
  exit
fi
[[ $# -eq 2 ]] || { echo "usage: run_configs.sh BINARY OUTDIR | run_configs.sh --machine BINARY" >&2; exit 2; }
binary=$(realpath "$1")
outdir=$2
[[ -x $binary ]] || { echo "run_configs.sh: $1: not an executable" >&2; exit 2; }
fashion=
for d in /usr/share/datasets/fashion-mnist /usr/local/share/datasets/fashion-mnist; do
  [[ -e $d/train-images-idx3-ubyte.gz ]] && fashion=$d
done
[[ -n $fashion ]] || {
  echo "run_configs.sh: Fashion-MNIST not found (Debian package dataset-fashion-mnist)" >&2
  exit 2
}

if [[ -n ${SHORTRUN_GOLDEN_WORK:-} ]]; then
  rm -rf "$SHORTRUN_GOLDEN_WORK" && mkdir -p "$SHORTRUN_GOLDEN_WORK" || exit 2
  work=$(realpath "$SHORTRUN_GOLDEN_WORK")
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
out=$work/out  # the output root: <OUT> in the digests
mkdir -p "$out" "$work/logs"
rm -rf "$outdir" && mkdir -p "$outdir" || exit 2
outdir=$(realpath "$outdir")

# One core each, no SLURM job's time limit, mpirun allowed as root and oversubscribed.
export OMP_NUM_THREADS=1
while read -r v; do unset "$v"; done < <(compgen -e | grep '^SLURM_' || true)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpiexec=${SHORTRUN_MPIEXEC:-mpirun}

# --- the tiny versions ----------------------------------------------------------------------------
# Shared shrinkings: Fashion-MNIST at 7 x 7 (downscale 4), 200 images.
images=(--set data.downscale=4 --set data.n_samples=200)
img_measure=(--set measure.t_points=8 --set measure.equilibrium_sweeps=20 --set measure.samples=4)
tiny() {  # TAG -> the --set overrides, one argument per line
  local a
  case $1 in
    # gaussian, sampled moments, Langevin; theory equilibrium
    ex-gaussian) a=(--set train.updates=40 --set train.chains=100 --set data.n_samples=1000
                    --set measure.chains=100) ;;
    # bm, Curie-Weiss teacher, gibbs, exact moments: exact measurement path and enumeration
    ex-bm-ising) a=(--set train.updates=40 --set data.n_samples=500) ;;
    # spins, exact moments, gibbs-random (all updates: exact moments cost nothing)
    ex-spins) a=(--set train.updates=400) ;;
    # rbm on bars and stripes (8 x 8), adam, minibatches; pt equilibrium (auto) and AIS log Z
    ex-bench-rbm) a=(--set model.n_visible=64 --set model.n_hidden=24 --set data.n_samples=200
                     --set train.updates=20 --set train.batch=50 --set train.chains=50 --set train.k=3
                     --set measure.chains=50 --set measure.t_max=30 --set measure.t_points=8
                     --set measure.equilibrium_sweeps=20 --set measure.ais_runs=8
                     --set measure.ais_temperatures=50) ;;
    # rbm on binarized Fashion-MNIST; 16 hidden units: exact enumeration
    ex-rbm-fashion-mnist) a=("${images[@]}" --set model.n_hidden=16 --set train.updates=20
                             --set train.batch=50 --set train.chains=50 --set train.k=3
                             --set train.checkpoints=2 --set measure.chains=50 --set measure.t_max=30
                             "${img_measure[@]}") ;;
    # convnet on Fashion-MNIST, adam, data noise; long-run equilibrium with images
    ex-convnet-fashion-mnist) a=("${images[@]}" --set model.channels=4,8 --set train.updates=20
                                 --set train.batch=20 --set train.chains=20 --set train.k=5
                                 --set train.checkpoints=2 --set measure.chains=20 "${img_measure[@]}") ;;
    # convnet on blobs (8 x 8)
    ex-convnet-tiny) a=(--set data.n_samples=100 --set train.updates=20 --set train.chains=20
                        --set train.checkpoints=2 --set measure.chains=20 --set measure.t_points=8
                        --set measure.equilibrium_sweeps=20) ;;
    # sweeps over k: gaussian and bm, sampled
    ex-demo-gaussian) a=(--set train.k=1,10 --set train.updates=30 --set train.chains=100
                         --set data.n_samples=1000 --set train.checkpoints=3 --set measure.chains=100) ;;
    ex-demo-bm) a=(--set train.k=1,10 --set train.updates=30 --set train.chains=100
                   --set data.n_samples=500 --set measure.chains=100) ;;
    # sigma0 x (rdm, cd, pcd) x k, exact moments
    paper-1-gaussian-jstar) a=(--set train.k=1,10 --set train.updates=40 --set data.n_samples=1000
                               --set train.checkpoints=3 --set measure.chains=100 --set measure.t_points=12) ;;
    # (gibbs-random, metropolis) x k, exact moments, all 5000 updates: some runs diverge (exit 3)
    paper-2-spins-hstar) a=(--set train.k=1,3) ;;
    # (rdm, pcd) x k, sampled, measured at every checkpoint
    paper-3-bm-ising) a=(--set train.k=1,10 --set train.updates=30 --set train.chains=100
                         --set data.n_samples=500 --set train.checkpoints=3 --set measure.chains=100
                         --set measure.t_points=12) ;;
    # (rdm, pcd) rbm on Fashion-MNIST, 24 hidden, float32, one seed: pt equilibrium (auto) and AIS;
    # run on 2 ranks
    paper-4-rbm-fashion-mnist) a=("${images[@]}" --set model.n_hidden=24 --set run.seed=1 --set train.updates=20
                                  --set train.batch=50 --set train.chains=50 --set train.k=3
                                  --set train.checkpoints=2 --set measure.chains=50 --set measure.t_max=30
                                  --set measure.ais_runs=8 --set measure.ais_temperatures=50
                                  "${img_measure[@]}") ;;
    # convnet x k on Fashion-MNIST, one seed
    paper-5-convnet-energy) a=("${images[@]}" --set model.channels=4,8 --set run.seed=1 --set train.k=3,10
                               --set train.updates=20 --set train.batch=20 --set train.chains=20
                               --set train.checkpoints=2 --set measure.chains=20 "${img_measure[@]}") ;;
    # k x lr grid, bm N = 6, exact moments
    paper-6-k-lr-grid) a=(--set model.n_visible=6 --set train.k=1,4 --set train.lr=0.1,0.4
                          --set train.updates=40 --set data.n_samples=500) ;;
    # (gibbs-random, metropolis) x k x seeds, sampled chains (100 updates: gibbs-random k = 1 has no
    # fixed point but does not reach the divergence bound yet)
    paper-7-spins-sampled) a=(--set train.k=1,3 --set run.seed=1,2 --set train.updates=100
                              --set train.chains=100 --set data.n_samples=1000 --set measure.chains=50
                              --set measure.t_points=8) ;;
    # sigma0 x k x seeds, rdm with sampled chains
    paper-8-gaussian-sampled) a=(--set train.k=1,10 --set run.seed=1,2 --set train.updates=40
                                 --set train.chains=100 --set data.n_samples=1000 --set train.checkpoints=3
                                 --set measure.chains=100 --set measure.t_points=8) ;;
    # k x lr grid x seeds, bm N = 6, sampled chains
    paper-9-k-lr-sampled) a=(--set model.n_visible=6 --set train.k=1,4 --set train.lr=0.1
                             --set run.seed=1,2 --set train.updates=40 --set train.chains=100
                             --set data.n_samples=500 --set measure.chains=100) ;;
    # (rdm, pcd) x k, bm N = 64 on 2-D Ising data (Swendsen-Wang samples), pt equilibrium and AIS
    paper-10-bm-ising-2d) a=(--set train.k=1,4 --set run.seed=1 --set train.updates=20 --set train.chains=100
                             --set data.n_samples=500 --set measure.chains=50 --set measure.t_max=20
                             --set measure.equilibrium_sweeps=100 --set measure.ais_runs=4
                             --set measure.ais_temperatures=20) ;;
    # (rdm, pcd) rbm in float32 on Fashion-MNIST, ptt equilibrium (three checkpoints) and AIS
    paper-11-rbm-28x28-float32) a=("${images[@]}" --set model.n_hidden=24 --set train.updates=20
                                   --set train.batch=50 --set train.chains=50 --set train.k=3
                                   --set train.checkpoints=3 --set measure.chains=50 --set measure.t_max=30
                                   --set measure.ais_runs=8 --set measure.ais_temperatures=50
                                   "${img_measure[@]}") ;;
    *) return 1 ;;
  esac
  printf '%s\n' "${a[@]}"
}

# --- running ------------------------------------------------------------------------------------
n_unexpected=0
run() {  # TAG LOGNAME COMMAND...: runs it, appends "TAG rc=N ARGS" to runs.txt
  local tag=$1 log=$work/logs/$2.log rc=0
  shift 2
  "$@" >"$log" 2>&1 || rc=$?
  local args="$*"
  args=${args//$binary/BINARY}
  args=${args//$out/<OUT>}
  args=${args//$repo\//}
  args=${args//$mpiexec /MPIEXEC }
  echo "$tag rc=$rc $args" >>"$outdir/runs.txt"
  if [[ $rc -ne 0 && $rc -ne 3 ]]; then
    n_unexpected=$((n_unexpected + 1))
    echo "run_configs.sh: $tag: exit $rc: $args" >&2
    tail -n 5 "$log" | sed 's/^/  | /' >&2
  fi
}

# A config is a sweep when a sweepable key (`shortrun train --help`: "(sweepable)") holds a comma
# list; other lists (data.spectrum, data.magnetization, model.channels) are values.
is_sweep() {  # CONFIG
  awk '
    /^[ \t]*\[/ { s = $0; gsub(/[][ \t]/, "", s); next }
    /^[ \t]*[#;]/ { next }
    index($0, "=") {
      k = substr($0, 1, index($0, "=") - 1); v = substr($0, index($0, "=") + 1)
      gsub(/[ \t]/, "", k)
      if ((s "." k) ~ /^(run\.seed|model\.n_hidden|sampler\.type|sampler\.step|init\.sigma|train\.scheme|train\.k|train\.lr)$/ && v ~ /,/) found = 1
    }
    END { exit !found }' "$1"
}

t0=$SECONDS
configs=("$repo"/jobs/configs/*.ini "$repo"/jobs/configs/paper/*.ini)
for config in "${configs[@]}"; do
  stem=$(basename "$config" .ini)
  if [[ $config == */paper/* ]]; then tag=$stem; [[ $tag == paper-* ]] || tag=paper-$stem; else tag=ex-$stem; fi
  mapfile -t sets < <(tiny "$tag") || true
  ((${#sets[@]})) || { echo "run_configs.sh: $config: no tiny version ($tag) in $0: add one" >&2; exit 1; }
  if is_sweep "$config"; then
    case $tag in
      paper-4-rbm-fashion-mnist)  # a team of 2 ranks
        run "$tag" "$tag" "$mpiexec" -n 2 "$binary" sweep "$config" --out "$out/$tag" --quiet --ranks-per-run 2 "${sets[@]}" ;;
      paper-6-k-lr-grid)  # two shards, then the whole sweep, which finds all runs done
        run "$tag" "$tag-shard0" "$binary" sweep "$config" --out "$out/$tag" --quiet --shard 0/2 "${sets[@]}"
        run "$tag" "$tag-shard1" "$binary" sweep "$config" --out "$out/$tag" --quiet --shard 1/2 "${sets[@]}"
        run "$tag" "$tag" "$binary" sweep "$config" --out "$out/$tag" --quiet "${sets[@]}" ;;
      *)
        run "$tag" "$tag" "$binary" sweep "$config" --out "$out/$tag" --quiet "${sets[@]}" ;;
    esac
  else
    run "$tag" "$tag" "$binary" train "$config" --out "$out/$tag" --quiet "${sets[@]}"
  fi
done

# gaussian.ini on a team of 2 ranks.
mapfile -t sets < <(tiny ex-gaussian)
run mpi-gaussian mpi-gaussian "$mpiexec" -n 2 "$binary" train "$repo/jobs/configs/gaussian.ini" \
  --out "$out/mpi-gaussian" --quiet "${sets[@]}"
# shortrun measure on a copy of the bm-ising run: every checkpoint, sampled, long-run equilibrium.
if [[ -e $out/ex-bm-ising/runs/bm-ising.h5 ]]; then
  mkdir -p "$out/measure-bm-ising"
  cp "$out/ex-bm-ising/runs/bm-ising.h5" "$out/measure-bm-ising/"
fi
run measure-bm-ising measure-bm-ising "$binary" measure "$out/measure-bm-ising/bm-ising.h5" --quiet --checkpoint all \
  --set measure.moments=sampled --set measure.chains=100 --set measure.t_max=30 \
  --set measure.equilibrium=long-run --set measure.equilibrium_sweeps=30
# shortrun theory --out (the Gaussian model only: the other models have no closed form there).
mkdir -p "$out/theory-gaussian"
run theory-gaussian theory-gaussian "$binary" theory "$repo/jobs/configs/gaussian.ini" --set data.n_samples=1000 \
  --set train.k=5 --out "$out/theory-gaussian/gaussian.h5"
t_runs=$((SECONDS - t0))

# --- digests ----------------------------------------------------------------------------------------
(cd "$out" && find . -type f | sed 's|^\./||' | sort) >"$outdir/files.txt"
"$python" - "$here/h5digest.py" "$out" "$outdir" <<'PY' || { echo "run_configs.sh: digests failed" >&2; exit 1; }
import contextlib, importlib.util, io, os, sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
spec = importlib.util.spec_from_file_location("h5digest", sys.argv[1])
h5digest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(h5digest)
out, outdir = sys.argv[2], sys.argv[3]
n = 0
for top, dirs, files in os.walk(out):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith(".h5") or name.endswith(".ckpt.h5"):
            continue
        path = os.path.join(top, name)
        rel = os.path.relpath(path, out)
        os.makedirs(os.path.join(outdir, os.path.dirname(rel)), exist_ok=True)
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            h5digest.digest_file(path, out)
        with open(os.path.join(outdir, rel + ".txt"), "w") as f:
            f.write(text.getvalue())
        n += 1
print(f"run_configs.sh: {n} digests", file=sys.stderr)
PY
echo "run_configs.sh: runs took $t_runs s, all done in $((SECONDS - t0)) s ($n_unexpected unexpected exit codes)" >&2
exit 0
