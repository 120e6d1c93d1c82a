#!/usr/bin/env bash
# `shortrun sweep` end to end on 1, 2 and 4 ranks with teams of 1 and 2:
# every configuration runs and is listed once, parameters agree across team sizes (1e-10) and
# bitwise for the same team size, re-running skips completed runs, a diverging configuration is
# recorded while the others finish (exit 3).
# Usage: sweep.sh SHORTRUN MPIEXEC
set -euo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
grid=(--set train.k=1,3,8 --set train.lr=0.1,0.2 --set train.updates=40 --set train.chains=101
      --set train.batch=37 --set data.n_samples=500 --quiet)

run() {  # ranks P out
  "$mpiexec" -n "$1" "$shortrun" sweep "$config" --ranks-per-run "$2" --out "$work/$3" "${grid[@]}" > "$work/$3.out"
}
run 1 1 w1p1
run 2 1 w2p1
run 2 2 w2p2
run 4 2 w4p2
run 4 1 w4p1
run 4 1 w4p1again

/usr/bin/python3 - "$work" <<'PY' || fail "manifest or parameter check"
import sys, h5py, numpy as np
work = sys.argv[1]
ids = sorted(f"k{k}_lr{lr}" for k in (1, 3, 8) for lr in ("0.1", "0.2"))

def params(folder):
    with h5py.File(f"{work}/{folder}/sweep.h5") as m:
        assert m.attrs["schema"] == "shortrun.sweep", m.attrs["schema"]
        assert m.attrs["status"] == "completed", m.attrs["status"]
        run_ids = sorted(x.decode() for x in m["runs/run_id"][()])
        assert run_ids == ids, (folder, run_ids)   # each configuration exactly once
        assert all(s == b"completed" for s in m["runs/status"][()]), folder
        assert sorted(m["runs/train.k"][()]) == [1, 1, 3, 3, 8, 8]
        out = {}
        for rid in ids:
            link = m["links"][rid]                  # the external link opens the run file
            assert link.attrs["status"] == "completed"
            out[rid] = np.concatenate([link["final/params/J"][()].ravel(), link["final/params/h"][()]])
        return out

ref = params("w1p1")
for folder in ("w2p1", "w2p2", "w4p2", "w4p1", "w4p1again"):
    p = params(folder)
    for rid in ids:
        rel = np.linalg.norm(p[rid] - ref[rid]) / np.linalg.norm(ref[rid])
        assert rel < 1e-10, (folder, rid, rel)
# Same team size, different world size and order: bitwise.
for a, b in (("w2p1", "w1p1"), ("w4p1", "w4p1again"), ("w4p2", "w2p2")):
    pa, pb = params(a), params(b)
    for rid in ids:
        assert np.array_equal(pa[rid], pb[rid]), (a, b, rid)
print("sweep parameters agree across world sizes and team sizes")
PY

# Re-running the same command runs nothing.
"$mpiexec" -n 2 "$shortrun" sweep "$config" --out "$work/w2p1" "${grid[@]}" > "$work/again.out" 2> "$work/again.err" \
  || fail "re-run failed"
grep -q "0 to run, 6 already completed" "$work/again.err" || fail "re-run did not skip: $(cat "$work/again.err")"
# ... and its manifest keeps what the first run measured (status, wall time, errors from the files).
cp "$work/w2p1/sweep.h5" "$work/again.h5"
/usr/bin/python3 - "$work/again.h5" "$work/w4p1/sweep.h5" <<'PY' || fail "re-run manifest lost the runs' numbers"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r")["runs"], h5py.File(sys.argv[2], "r")["runs"]
assert all(s == b"completed" for s in a["status"][()])
assert np.isfinite(a["wall_s"][()]).all(), a["wall_s"][()]
for col in ("err_k", "err_min"):
    assert np.isfinite(a[col][()]).all(), (col, a[col][()])
    assert np.allclose(a[col][()], b[col][()], rtol=1e-9, atol=0), (col, a[col][()], b[col][()])
PY

# One configuration diverges (eta = 0.05: c = 0.05 < 2 eta T has no fixed point from sigma0 = 0),
# the other (eta = 0.01) completes; exit code 3, both recorded. Only world rank 0 reports the 3
# (each rank's own exit code is written by a shell around it), and the summary says how many
# diverged and why.
set +e
"$mpiexec" -n 2 sh -c '"$0" "$@"; echo "$?" > "'"$work"'/rank-$OMPI_COMM_WORLD_RANK.rc"' \
  "$shortrun" sweep "$config" --out "$work/div" --quiet --set sampler.step=0.01,0.05 \
  --set init.type=zeros --set data.spectrum=0.05,1 --set data.n_samples=0 --set train.moments=exact \
  --set train.k=3 --set train.lr=0.5 --set train.updates=20000 > "$work/div.out" 2>&1
set -e
rc0=$(cat "$work/rank-0.rc") rc1=$(cat "$work/rank-1.rc")
[[ $rc0 -eq 3 && $rc1 -eq 0 ]] ||
  fail "diverging sweep: ranks exited $rc0 and $rc1, expected 3 (rank 0) and 0: $(cat "$work/div.out")"
grep -q "^sweep gaussian: 1 of 2 runs diverged (exit code 3" "$work/div.out" ||
  fail "the summary does not count the diverged runs: $(cat "$work/div.out")"
grep -q "^  step0.05: .*update" "$work/div.out" || fail "the summary does not give the reason: $(cat "$work/div.out")"
rc=0
"$mpiexec" -n 2 "$shortrun" sweep "$config" --out "$work/div" --quiet --set sampler.step=0.01,0.05 \
  --set init.type=zeros --set data.spectrum=0.05,1 --set data.n_samples=0 --set train.moments=exact \
  --set train.k=3 --set train.lr=0.5 --set train.updates=20000 > "$work/div-again.out" 2>&1 || rc=$?
[[ $rc -eq 3 ]] || fail "diverging sweep run again under mpirun: exit $rc, expected 3: $(cat "$work/div-again.out")"
/usr/bin/python3 - "$work/div/sweep.h5" <<'PY' || fail "diverged run not recorded"
import sys, h5py
with h5py.File(sys.argv[1]) as m:
    status = dict(zip((x.decode() for x in m["runs/run_id"][()]), (x.decode() for x in m["runs/status"][()])))
    assert status == {"step0.01": "completed", "step0.05": "diverged"}, status
    assert m.attrs["status"] == "finished_with_failures"
    assert m["links/step0.05"].attrs["status"] == "diverged"
    assert "update" in m["links/step0.05"].attrs["status_reason"]
PY
# Shards of a job array: each runs its grid points (index mod n) and writes its own manifest; a
# final plain sweep runs nothing and writes the manifest of the whole grid.
for i in 0 1 2; do
  "$mpiexec" -n 2 "$shortrun" sweep "$config" --out "$work/shards" "${grid[@]}" --shard "$i/3" > /dev/null ||
    fail "shard $i/3"
done
"$mpiexec" -n 2 "$shortrun" sweep "$config" --out "$work/shards" "${grid[@]}" 2> "$work/shards.err" > /dev/null || fail "final sweep after shards"
grep -q "0 to run, 6 already completed" "$work/shards.err" || fail "shards left work: $(cat "$work/shards.err")"
/usr/bin/python3 - "$work" <<'PY' || fail "shard manifests"
import sys, h5py, numpy as np
work = sys.argv[1]
seen = []
for i in range(3):
    with h5py.File(f"{work}/shards/sweep-shard{i}of3.h5") as m:
        seen += [x.decode() for x in m["runs/run_id"][()]]
assert sorted(seen) == sorted(f"k{k}_lr{lr}" for k in (1, 3, 8) for lr in ("0.1", "0.2")), seen
with h5py.File(f"{work}/shards/sweep.h5") as m, h5py.File(f"{work}/w1p1/sweep.h5") as ref:
    assert m.attrs["status"] == "completed"
    for rid in (x.decode() for x in ref["runs/run_id"][()]):
        assert np.array_equal(m["links"][rid]["final/params/J"][()], ref["links"][rid]["final/params/J"][()]), rid
PY
echo "sweep: all checks passed"
