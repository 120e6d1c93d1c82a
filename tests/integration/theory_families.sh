#!/usr/bin/env bash
# shortrun theory on every family: the two solvable models print and write their closed forms, checked
# here against docs/theory.md computed independently (gaussian: equation F1 by bisection; spins:
# h*(k) = atanh(m / (1 - q^k)) for gibbs-random from p0 uniform), and the others exit 2 naming
# model.type. Also: run files of another schema_version are refused by info and measure (exit 2,
# naming the file and both versions).
# Usage: theory_families.sh SHORTRUN MPIEXEC
set -euo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
configs="$(dirname "$config")"

# Gaussian: the worked example (eta = 0.05, T = 1, sigma0 = 1, c = 0.2, 0.8, 2, 5, k = 20), population data.
"$shortrun" theory "$config" --set data.spectrum=0.2,0.8,2,5 --set data.n_samples=0 --set train.moments=exact --set train.k=20 \
  --set sampler.step=0.05 --set init.sigma=1 --out "$work/gaussian-theory.h5" > "$work/gaussian.txt" ||
  fail "theory on gaussian.ini"
# Spins: gibbs-random, p0 uniform, k = 3 (spins.ini), pm1.
"$shortrun" theory "$configs/spins.ini" --out "$work/spins-theory.h5" > "$work/spins.txt" || fail "theory on spins.ini"
grep -q "independent spins (pm1), sampler gibbs-random" "$work/spins.txt" || fail "spins table header: $(cat "$work/spins.txt")"

/usr/bin/python3 - "$work" <<'PY' || fail "closed forms"
import math, sys
import h5py
import numpy as np
work = sys.argv[1]

def v_k(J, k, eta=0.05, T=1.0, s0=1.0):  # docs/theory.md section 2: v_alpha(k) of ULA from N(0, s0^2)
    a = 1 - eta * J
    if abs(a * a - 1) < 1e-15:
        return s0 ** 2 + 2 * eta * T * k
    return a ** (2 * k) * s0 ** 2 + 2 * eta * T * (1 - a ** (2 * k)) / (1 - a * a)

def j_star(c, k, eta=0.05):  # the root of v(k; J) = c on J < 1/eta, v decreasing in J: bisection
    lo, hi = -100.0, 1 / eta
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if v_k(mid, k) > c else (lo, mid)
    return 0.5 * (lo + hi)

expected = [j_star(c, 20) for c in (0.2, 0.8, 2, 5)]
with h5py.File(f"{work}/gaussian-theory.h5", "r") as f:
    assert f.attrs["schema"] == "shortrun.theory", f.attrs["schema"]
    got = f["theory/J_star"][()]
assert np.allclose(got, expected, rtol=1e-9, atol=1e-9), (got, expected)
rows = [l.split() for l in open(f"{work}/gaussian.txt") if l.split() and l.split()[0].isdigit()]
assert np.allclose([float(r[2]) for r in rows], expected, rtol=1e-6), rows
# The worked example's values, as docs/theory.md section 2 states them.
assert np.allclose(got, [5.858, 1.316, 0.330, -0.373], atol=6e-4), got

m = np.array([-0.5, -0.2, 0.1, 0.3, 0.5, 0.7])
n, k = len(m), 3
q = (1 - 1 / n) ** n
h_expected = np.arctanh(m / (1 - q ** k))
with h5py.File(f"{work}/spins-theory.h5", "r") as f:
    h = f["theory/h_star"][()]
    assert np.allclose(h, h_expected, rtol=1e-9), (h, h_expected)
    assert np.allclose(f["theory/m_data"][()], m)
rows = [l.split() for l in open(f"{work}/spins.txt") if l.split() and l.split()[0].isdigit()]
assert np.allclose([float(r[2]) for r in rows], h_expected, rtol=1e-6), rows
# m_k(h*) = m_data (the rdm fixed point), m_inf(h*) = tanh h* overshoots it.
assert np.allclose([float(r[4]) for r in rows], m, atol=1e-6), rows
assert np.allclose([float(r[5]) for r in rows], np.tanh(h_expected), rtol=1e-6), rows
PY

# The other families have no closed form: exit 2 with one line naming model.type, nothing written.
for case in "bm-ising.ini|bm" "convnet-tiny.ini|convnet" "bench-rbm.ini|rbm"; do
  IFS='|' read -r file model <<< "$case"
  set +e
  "$shortrun" theory "$configs/$file" --out "$work/none.h5" > "$work/out.txt" 2> "$work/err.txt"
  rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "theory on $file: exit $rc, expected 2: $(cat "$work/err.txt")"
  grep -q "model.type: shortrun theory has closed forms for gaussian and spins, not $model" "$work/err.txt" ||
    fail "theory on $file: message: $(cat "$work/err.txt")"
  [[ $(wc -l < "$work/err.txt") -eq 1 ]] || fail "theory on $file: more than one line: $(cat "$work/err.txt")"
  [[ ! -e "$work/none.h5" ]] || fail "theory on $file wrote $work/none.h5"
done
set +e
"$shortrun" theory "$config" --out "$work/no/such/folder/t.h5" > /dev/null 2> "$work/err.txt"
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "does not exist" "$work/err.txt" || fail "theory --out into a missing folder: exit $rc: $(cat "$work/err.txt")"

# A run file of another schema_version: info and measure refuse it, naming the file and both versions.
"$shortrun" train "$config" --out "$work/run" --quiet --set train.updates=20 --set train.chains=50 \
  --set data.n_samples=200 --set measure.chains=20 > /dev/null || fail "tiny gaussian run"
run="$work/run/runs/gaussian.h5"
/usr/bin/python3 -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f.attrs['schema_version'] = 2" "$run"
for cmd in info measure; do
  set +e
  "$shortrun" $cmd "$run" > /dev/null 2> "$work/err.txt"
  rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "$cmd on schema_version 2: exit $rc, expected 2: $(cat "$work/err.txt")"
  grep -qF "$run: schema_version 2 of shortrun.run, but this shortrun reads version 1" "$work/err.txt" ||
    fail "$cmd on schema_version 2: message: $(cat "$work/err.txt")"
done
echo "theory_families: passed"
