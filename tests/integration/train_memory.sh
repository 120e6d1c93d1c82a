#!/usr/bin/env bash
# Training memory does not grow with the number of scheduled checkpoints, nor hold the data twice: they live in the resume
# checkpoint, not in memory. The oracle is the parameter vector's own size: an RBM of 784 x 500
# (392 284 parameters, 3.0 MB of 2^20 bytes in float64) trained 20 updates with
# train.checkpoints = 2 and 20 (2 and 14 distinct steps). Kept in memory, the 12 extra checkpoints
# would add 12 x 3.0 = 36 MB to the leader's peak resident memory (`train_peak_rss_mb`; the binary
# before they moved to disk measured +36.3 MB here). On disk, the only growth is the one vector a
# resume checkpoint holds while it copies the earlier checkpoints (+3.4 MB measured); the test
# allows 3 vectors (9 MB): that one and two of allocator noise. It also checks that both run files
# hold every checkpoint, and that the checkpoints of the first run equal the second's at the same
# steps, bit for bit.
#
# Second, float32 training holds the data once: the double samples the run reads, plus only the
# minibatch in float. Two runs that differ only in data.n_samples (500 and 20 500 bars-and-stripes
# images of 784 pixels, minibatch 200) differ by one double copy of 20 000 images, 119.6 MB; a
# float copy of the whole data set (the binary before kept one for the data term) adds another
# 59.8 MB (measured before: +180.5 MB). The test allows 1.2 copies (143.6 MB).
# Usage: train_memory.sh SHORTRUN MPIEXEC
set -uo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
py=/usr/bin/python3
rbm="$(dirname "$config")/bench-rbm.ini"

# train_rbm NAME WHAT KEY=VALUE...: a float32 SGD RBM of 784 visible units on 200 chains, k = 1,
# with a minimal measurement, into $work/NAME; WHAT names the run in a failure.
train_rbm() {
  local name=$1 what=$2
  shift 2
  local sets=()
  for kv in model.n_visible=784 train.chains=200 train.batch=200 train.k=1 model.precision=float32 \
            train.optimizer=sgd measure.equilibrium=none measure.ais_runs=0 measure.chains=10 \
            measure.t_max=2 measure.t_points=2 measure.samples=0 "run.out=$work/$name" run.name=rbm "$@"; do
    sets+=(--set "$kv")
  done
  "$shortrun" train "$rbm" "${sets[@]}" --quiet > "$work/$name.log" 2>&1 || { cat "$work/$name.log"; fail "train with $what"; }
}

for c in 2 20; do
  train_rbm "c$c" "train.checkpoints=$c" model.n_hidden=500 data.n_samples=500 train.updates=20 train.checkpoints=$c
done

$py - "$work/c2/runs/rbm.h5" "$work/c20/runs/rbm.h5" <<'PY' || fail "training memory grows with the checkpoints"
import sys, h5py, numpy as np
few, many = (h5py.File(p) for p in sys.argv[1:3])
n_params = 784 * 500 + 784 + 500
vector_mb = n_params * 8 / 2**20
for f, n in ((few, 2), (many, 14)):
    steps = sorted(int(s) for s in f["checkpoints"])
    assert len(steps) == n and steps[-1] == 20, steps
    assert f.attrs["status"] == "completed"
# The two runs share their first 20 updates' parameters bit for bit (same seed): the checkpoints
# of the first run are among the second's.
for step in few["checkpoints"]:
    for name in few[f"checkpoints/{step}/params"]:
        assert np.array_equal(few[f"checkpoints/{step}/params/{name}"][()], many[f"checkpoints/{step}/params/{name}"][()]), (step, name)
extra = many.attrs["train_peak_rss_mb"] - few.attrs["train_peak_rss_mb"]
print(f"train_peak_rss_mb: {few.attrs['train_peak_rss_mb']:.1f} (2 checkpoints), "
      f"{many.attrs['train_peak_rss_mb']:.1f} (14): {extra:+.1f} MB; one parameter vector is {vector_mb:.2f} MB")
assert extra < 3 * vector_mb, f"12 more checkpoints add {extra:.1f} MB (> {3 * vector_mb:.1f} MB)"
PY
for n in 500 20500; do
  train_rbm "n$n" "data.n_samples=$n" model.n_hidden=100 data.n_samples=$n train.updates=5 train.checkpoints=1
done

$py - "$work/n500/runs/rbm.h5" "$work/n20500/runs/rbm.h5" <<'PY' || fail "float32 training holds the data more than once"
import sys, h5py
small, large = (h5py.File(p) for p in sys.argv[1:3])
copy_mb = 20000 * 784 * 8 / 2**20
extra = large.attrs["train_peak_rss_mb"] - small.attrs["train_peak_rss_mb"]
print(f"train_peak_rss_mb: {small.attrs['train_peak_rss_mb']:.1f} (500 images), "
      f"{large.attrs['train_peak_rss_mb']:.1f} (20 500): {extra:+.1f} MB; one double copy of 20 000 images is {copy_mb:.1f} MB")
assert extra < 1.2 * copy_mb, f"20 000 more images add {extra:.1f} MB (> 1.2 double copies, {1.2 * copy_mb:.1f} MB)"
PY
echo PASS
