#!/usr/bin/env bash
# /theory/h_star for every single-site sampler (docs/theory.md section 3): rdm with exact moments lands
# on it (gibbs, gibbs-random, metropolis, metropolis-random), and where a site has no fixed point
# h_star is NaN and the run says diverged (exit 3, and again when the same command runs again).
# Usage: spins_theory.sh SHORTRUN MPIEXEC
set -euo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
spins="$(dirname "$config")/spins.ini"

for sampler in gibbs gibbs-random metropolis metropolis-random; do
  "$shortrun" train "$spins" --out "$work/out" --quiet --set sampler.type=$sampler --set run.name=$sampler \
    --set train.lr=0.2 --set train.updates=10000 > /dev/null
done
# N = 6, k = 1: metropolis-random reaches only |m| < 1 - (5/6)^6 = 0.665, so m = 0.7 has no h*.
set +e
"$shortrun" train "$spins" --out "$work/out" --quiet --set sampler.type=metropolis-random --set train.k=1 \
  --set run.name=unreachable > /dev/null 2>&1
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "unreachable magnetisation: exit $rc, expected 3 (diverged)"
# The same command again trains nothing and reports the divergence again.
set +e
"$shortrun" train "$spins" --out "$work/out" --quiet --set sampler.type=metropolis-random --set train.k=1 \
  --set run.name=unreachable > "$work/again.out" 2>&1
rc=$?
set -e
[[ $rc -eq 3 ]] && grep -q "^run unreachable: already diverged" "$work/again.out" ||
  fail "re-run of a diverged run: exit $rc, expected 3 and 'already diverged': $(cat "$work/again.out")"

/usr/bin/python3 - "$work/out/runs" <<'PY' || fail "/theory/h_star"
import sys
import h5py
import numpy as np
folder = sys.argv[1]
for sampler in ("gibbs", "gibbs-random", "metropolis", "metropolis-random"):
    with h5py.File(f"{folder}/{sampler}.h5", "r") as f:
        t = f["theory"]
        assert t.attrs["sampler"] == sampler and t.attrs["expected"] == "h_star"
        h_star, h_trained = t["h_star"][()], t["h_trained"][()]
        assert np.all(np.isfinite(h_star)), (sampler, h_star)
        assert np.abs(h_star - h_trained).max() < 1e-8, (sampler, h_star, h_trained)
        m = t["m_theory"][()]
        k_row = list(t["t"][()]).index(f["config"].attrs["train.k"])
        assert np.abs(m[k_row] - t["m_data"][()]).max() < 1e-8, (sampler, m[k_row])
with h5py.File(f"{folder}/unreachable.h5", "r") as f:
    assert f.attrs["status"] == "diverged", f.attrs["status"]
    h_star = f["theory/h_star"][()]
    assert np.isnan(h_star[-1]) and np.all(np.isfinite(h_star[:-1])), h_star
PY
echo "spins_theory: all checks passed"
