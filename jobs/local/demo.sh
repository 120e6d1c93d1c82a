#!/usr/bin/env bash
# The demo: the paper's effect on the two models where it is clearest, with 2 MPI ranks.
#  1. The Gaussian EBM of the worked example of docs/theory.md section 2, trained with short runs
#     (rdm) of k = 1, 10, 100 Langevin steps from p0 = N(0, 1) (jobs/configs/demo-gaussian.ini),
#     and one pcd run (k = 10):
#     the trained couplings land on the closed-form J*(k), not on the equilibrium J_eq.
#  2. A 12-spin Boltzmann machine on Curie-Weiss teacher data, rdm with k = 1, 10, 100 random-site
#     Gibbs sweeps (jobs/configs/demo-bm.ini), and one pcd run (k = 1).
# Every run is then measured (docs/theory.md section 5): fresh chains from p0 are followed for
# t = 0 ... 20 k sweeps and compared with the data and with equilibrium. The demo prints, per run,
# the error at t = k, its minimum over t, and the equilibrium error, and draws the figures.
# Runs from any working directory; about 3-4 minutes on 2 cores after the build.
#   results/demo/<model>/sweep.h5       the sweep manifests
#   results/demo/<model>/runs/*.h5      run files (docs/hdf5-schema.md)
#   results/demo/figures/*.png          J_alpha versus k, v_alpha(t) against theory, error versus t
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$SECONDS

jobs/local/install-deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)" --target shortrun   # tests are built by tests/run.sh

# Open MPI's mpirun refuses to run as root, or with more ranks than cores, unless told (containers,
# laptops).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
py=/usr/bin/python3   # Debian's python has numpy, h5py and matplotlib
out=results/demo
figures=$out/figures

# Runs a shortrun command under mpirun -np 2; exit 3 (some run diverged) is reported, not fatal.
run() {
  local status=0
  mpirun -np 2 build/shortrun "$@" --force --quiet > "$out/last.log" 2>&1 || status=$?
  if [[ $status -ne 0 && $status -ne 3 ]]; then
    cat "$out/last.log" >&2
    echo "demo: shortrun $1 failed (exit $status)" >&2
    exit "$status"
  fi
  grep -v '^\[' "$out/last.log" | sed -n '/^sweep\|^run\|^  /p'
}

rm -rf "$out"   # a fresh demo every time: nothing is skipped as already completed
mkdir -p "$out"
echo "== Gaussian EBM: rdm k = 1, 10, 100 (sweep) and pcd k = 10"
run sweep jobs/configs/demo-gaussian.ini --out "$out/gaussian"
run train jobs/configs/demo-gaussian.ini --out "$out/gaussian" --set train.k=10 --set train.scheme=pcd --set run.name=pcd-k10
echo
echo "== Boltzmann machine (N = 12, Curie-Weiss beta = 1.2): rdm k = 1, 10, 100 (sweep) and pcd k = 1"
run sweep jobs/configs/demo-bm.ini --out "$out/bm"
run train jobs/configs/demo-bm.ini --out "$out/bm" --set train.k=1 --set train.scheme=pcd --set run.name=pcd-k1

gaussian=("$out"/gaussian/runs/k1.h5 "$out"/gaussian/runs/k10.h5 "$out"/gaussian/runs/k100.h5 "$out"/gaussian/runs/pcd-k10.h5)
bm=("$out"/bm/runs/k1.h5 "$out"/bm/runs/k10.h5 "$out"/bm/runs/k100.h5 "$out"/bm/runs/pcd-k1.h5)

rm -rf "$figures"
mkdir -p "$figures"
table=$("$py" analysis/plot_gaussian.py "${gaussian[@]:0:3}" --out "$figures")
"$py" analysis/plot_theory_overlay.py "${gaussian[@]}" --out "$figures" > /dev/null
"$py" analysis/plot_dynamics.py "${gaussian[@]}" --out "$figures/gaussian" > /dev/null
"$py" analysis/plot_dynamics.py "${bm[@]}" --out "$figures/bm" > /dev/null

echo
echo "== done in $((SECONDS - start)) s"
echo "manifests: $out/gaussian/sweep.h5 $out/bm/sweep.h5"
echo "run files (build/shortrun info FILE, docs/hdf5-schema.md): $out/gaussian/runs/*.h5 $out/bm/runs/*.h5"
echo "figures:"
find "$figures" -name '*.png' | sort | sed 's/^/  /'
echo
echo "== Gaussian: trained J_alpha (eigenbasis of the data covariance) against theory"
echo "$table" | grep -v '^figures: '
echo
echo "== Measurement: error of fresh chains from p0 against the data, at t = k, its minimum over t, and at equilibrium"
echo "   (rdm: smallest near t = k, larger or absent at equilibrium; pcd: far from the data at t = k, close at equilibrium)"
"$py" analysis/summary.py "${gaussian[@]}" "${bm[@]}"
