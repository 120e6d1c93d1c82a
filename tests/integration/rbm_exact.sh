#!/usr/bin/env bash
# train.scheme = exact for an RBM through `shortrun train`: a small RBM trains with exact
# equilibrium moments (enumeration of its smaller layer) on 1 and 2 ranks, its gradient falls, and
# the 2-rank parameters equal the 1-rank ones; an RBM whose layers both exceed 20 units, or exact
# p_k moments for an RBM, are bad input (exit 2, one line naming the key), on every rank.
# Usage: rbm_exact.sh SHORTRUN MPIEXEC
set -euo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"

cat > "$work/rbm.ini" <<'INI'
[run]
name = rbm-exact
[model]
type = rbm
n_visible = 9
n_hidden = 4
[data]
source = bars-stripes
n_samples = 400
[sampler]
type = block-gibbs
[init]
type = uniform
[train]
scheme = exact
lr = 0.1
batch = 0
updates = 400
checkpoints = 3
INI

"$shortrun" train "$work/rbm.ini" --out "$work/one" --quiet > "$work/one.out"
grep -q "completed" "$work/one.out" || fail "rbm exact (1 rank): $(cat "$work/one.out")"
"$mpiexec" -n 2 "$shortrun" train "$work/rbm.ini" --out "$work/two" --quiet > "$work/two.out"
grep -q "completed" "$work/two.out" || fail "rbm exact (2 ranks): $(cat "$work/two.out")"
/usr/bin/python3 - "$work/one/runs/rbm-exact.h5" "$work/two/runs/rbm-exact.h5" <<'PY' || fail "rbm exact run files"
import sys
import h5py
import numpy as np
one, two = (h5py.File(p, "r") for p in sys.argv[1:])
for f in (one, two):
    assert f.attrs["status"] == "completed", f.attrs["status"]
    assert f["config"].attrs["train.scheme"] == "exact"
    g = f["train/grad_norm"][()]
    assert g[-1] < 0.5 * g[0], f"gradient norm did not fall: {g[0]} -> {g[-1]}"
for block in ("W", "a", "b"):
    p1, p2 = one["final/params/" + block][()], two["final/params/" + block][()]
    assert np.abs(p1 - p2).max() < 1e-10, f"{block}: 1 and 2 ranks differ by {np.abs(p1 - p2).max()}"
PY

# Bad input: both layers above 20 units (5 x 5 images, 21 hidden), and exact p_k moments.
check_bad() {  # check_bad NAME EXPECTED_TEXT ARGS...
  local name=$1 expected=$2
  shift 2
  for launcher in "" "$mpiexec -n 2"; do
    set +e
    $launcher "$shortrun" train "$work/rbm.ini" --out "$work/bad" --quiet "$@" > /dev/null 2> "$work/err"
    local rc=$?
    set -e
    [[ $rc -eq 2 ]] || fail "$name (${launcher:-1 rank}): exit $rc, expected 2: $(cat "$work/err")"
    [[ $(grep -c "error" "$work/err") -eq 1 ]] || fail "$name (${launcher:-1 rank}): $(cat "$work/err")"
    grep -q -- "$expected" "$work/err" || fail "$name: message $(cat "$work/err")"
    [[ ! -e "$work/bad/runs/rbm-exact.h5" ]] || fail "$name: a run file was written"
  done
}
check_bad "both layers over 20" "train.scheme: exact equilibrium moments of an rbm need min(n_visible, n_hidden) <= 20" \
  --set model.n_visible=25 --set model.n_hidden=21
check_bad "exact p_k moments" "train.moments: exact p_k moments are not available for the rbm" \
  --set train.scheme=rdm --set train.moments=exact
echo "rbm_exact: all checks passed"
