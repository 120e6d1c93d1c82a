#!/usr/bin/env bash
# The Gaussian demo (THEORY.md section 2): one `mpirun -np 2 shortrun sweep` trains the Gaussian EBM
# with short runs (rdm) of k = 1, 5, 20, 100 Langevin steps (jobs/configs/demo-gaussian.ini, two
# teams of one rank), then compares the trained couplings with the theory J*(k) and draws the
# figures. Runs from any working directory; 1-2 minutes on 2 cores after the build.
#   results/demo/sweep.h5         the sweep manifest
#   results/demo/runs/k<k>.h5     run files (docs/hdf5-schema.md)
#   results/demo/figures/*.png    J_alpha versus k, and v_alpha(t) per run
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$SECONDS

jobs/local/install-deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)" --target shortrun   # tests are built by tests/run.sh

# mpirun as root and with more ranks than cores (containers, laptops; shared/ENV.md).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

out=results/demo
echo "== mpirun -np 2 shortrun sweep jobs/configs/demo-gaussian.ini (k = 1, 5, 20, 100)"
status=0
mpirun -np 2 build/shortrun sweep jobs/configs/demo-gaussian.ini --out "$out" --force || status=$?
if [[ $status -ne 0 && $status -ne 3 ]]; then
  echo "demo: the sweep failed (exit $status)" >&2
  exit "$status"
fi
runs=("$out"/runs/k1.h5 "$out"/runs/k5.h5 "$out"/runs/k20.h5 "$out"/runs/k100.h5)

table=$(/usr/bin/python3 analysis/plot_gaussian.py "${runs[@]}" --out "$out/figures")

echo
echo "== done in $((SECONDS - start)) s"
echo "manifest: $out/sweep.h5"
echo "run files (h5dump -A, build/shortrun info FILE, docs/hdf5-schema.md):"
printf '  %s\n' "${runs[@]}"
echo "figures:"
printf '  %s\n' "$out"/figures/*.png
echo
echo "== trained J_alpha (eigenbasis of the data covariance) against theory"
echo "$table" | grep -v '^figures: '
