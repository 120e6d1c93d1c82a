#!/usr/bin/env bash
# Robustness of train and sweep against being stopped:
#  - kill -9 at several moments (checkpoints every 0.05 s, so some kills land while one is being
#    written), then the same command again, until done: final parameters and training log are
#    bitwise identical to an uninterrupted run, and no run file ever claims `completed` early;
#  - SIGTERM: exit 75, resume checkpoint and an `interrupted` run file; the same command completes;
#  - --walltime: exit 75 before the limit, then resume completes;
#  - train_segments: one segment per training segment; a resume on another rank count is allowed,
#    warned about in one line and recorded.
# Usage: resume.sh SHORTRUN MPIEXEC
set -uo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
py=/usr/bin/python3

# pcd with minibatches: persistent chains and minibatch streams must both resume exactly.
train_args=(--set train.scheme=pcd --set train.batch=100 --set train.chains=500 --set train.updates=3000
            --set run.checkpoint_every=0.05 --quiet)

same_run() {  # reference candidate: bitwise-equal parameters at every checkpoint and log columns
  $py - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p) for p in sys.argv[1:3])
assert a.attrs["status"] == b.attrs["status"] == "completed", (a.attrs["status"], b.attrs["status"])
assert list(a["checkpoints"]) == list(b["checkpoints"]), (list(a["checkpoints"]), list(b["checkpoints"]))
for step in a["checkpoints"]:
    for name in a[f"checkpoints/{step}/params"]:
        assert np.array_equal(a[f"checkpoints/{step}/params/{name}"][()], b[f"checkpoints/{step}/params/{name}"][()]), (step, name)
for col in ("step", "grad_norm", "param_norm"):
    assert np.array_equal(a[f"train/{col}"][()], b[f"train/{col}"][()]), col
assert np.array_equal(a["theory/J_trained"][()], b["theory/J_trained"][()])
PY
}

wait_for() {  # file: wait (up to 60 s) until it exists, so the process is past its start-up
  for _ in $(seq 600); do [[ -e "$1" ]] && return 0; sleep 0.1; done
  fail "$1 never appeared"
}

never_complete_early() {  # file: if it exists it must not say completed
  [[ ! -f "$1" ]] || ! $py -c "import h5py,sys; sys.exit(h5py.File('$1').attrs['status'] == 'completed')" ||
    fail "$1 claims completed after a kill"
}

# --- train: reference, then kill -9 at several moments ---------------------------------------
"$shortrun" train "$config" "${train_args[@]}" --out "$work/ref" > /dev/null || fail "reference train"
kills=0
for delay in 0.3 0.7 0.45 0.9 0.6; do
  "$shortrun" train "$config" "${train_args[@]}" --out "$work/k9" > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2> /dev/null; then
    kills=$((kills + 1))
    wait "$pid" 2> /dev/null
    never_complete_early "$work/k9/runs/gaussian.h5"
  else
    wait "$pid"
  fi
done
"$shortrun" train "$config" "${train_args[@]}" --out "$work/k9" > /dev/null || fail "train after kills"
[[ $kills -ge 2 ]] || fail "only $kills kills landed; the run is too short for this test"
same_run "$work/ref/runs/gaussian.h5" "$work/k9/runs/gaussian.h5" || fail "train resumed after kill -9 differs"
[[ ! -e "$work/k9/runs/gaussian.ckpt.h5" ]] || fail "resume checkpoint left after completion"
echo "train: $kills kill -9, resumed bitwise"

# --- train: SIGTERM gives 75 and an interrupted file; resume completes -----------------------
"$shortrun" train "$config" "${train_args[@]}" --out "$work/term" > "$work/term.out" 2>&1 &
pid=$!
wait_for "$work/term/runs/gaussian.ckpt.h5"  # written after update 1: the handlers are in place
kill -TERM "$pid"
wait "$pid"
rc=$?
[[ $rc -eq 75 ]] || fail "SIGTERM: exit $rc, expected 75: $(cat "$work/term.out")"
[[ -f "$work/term/runs/gaussian.ckpt.h5" ]] || fail "SIGTERM: no resume checkpoint"
$py -c "import h5py; f=h5py.File('$work/term/runs/gaussian.h5'); assert f.attrs['status']=='interrupted', f.attrs['status']; assert 'SIGTERM' in f.attrs['status_reason']" ||
  fail "SIGTERM: run file not marked interrupted"
"$shortrun" train "$config" "${train_args[@]}" --out "$work/term" > /dev/null 2> "$work/term.resume.err" ||
  fail "resume after SIGTERM: $(cat "$work/term.resume.err")"
same_run "$work/ref/runs/gaussian.h5" "$work/term/runs/gaussian.h5" || fail "resume after SIGTERM differs"
"$shortrun" train "$config" "${train_args[@]}" --out "$work/term" > "$work/again.out" || fail "rerun of a completed run"
grep -q "already completed" "$work/again.out" || fail "rerun of a completed run did not skip"
echo "train: SIGTERM -> 75, resumed bitwise"

segments() {  # run file, expected rank count per segment (1 2 ...): train_segments covers 0..updates in order
  $py - "$@" <<'PY'
import re, sys, h5py
f = h5py.File(sys.argv[1])
lines = f.attrs["train_segments"].split("\n")
ranks = [int(r) for r in sys.argv[2:]]
assert len(lines) == len(ranks), lines
end = 0
for line, r in zip(lines, ranks):
    m = re.fullmatch(r"updates (\d+)-(\d+): (\d+) ranks?, (.+), shortrun (\S+) git (.+)", line)
    assert m, line
    a, b, got = int(m[1]), int(m[2]), int(m[3])
    assert a == end and b > a and got == r, (line, end, r)
    assert m[4] == f.attrs["matrix_products"], (line, f.attrs["matrix_products"])
    end = b
assert end == int(f["train/step"][-1]) == int(f["config"].attrs["train.updates"]), (end, f["train/step"][-1])
assert int(f.attrs["mpi_ranks"]) == ranks[-1]
PY
}
segments "$work/ref/runs/gaussian.h5" 1 || fail "uninterrupted run: train_segments is not one segment 0-updates"
segments "$work/term/runs/gaussian.h5" 1 1 || fail "resumed run: train_segments is not two segments"
"$shortrun" info "$work/term/runs/gaussian.h5" | grep -c "^  segment  " | grep -qx 2 || fail "info shows no segments"

# --- train: resumed on another number of ranks: allowed, warned about, recorded ----------------
"$shortrun" train "$config" "${train_args[@]}" --out "$work/ranks" > /dev/null 2>&1 &
pid=$!
wait_for "$work/ranks/runs/gaussian.ckpt.h5"
kill -TERM "$pid"
wait "$pid"
rc=$?
[[ $rc -eq 75 ]] || fail "SIGTERM before a 2-rank resume: exit $rc, expected 75"
"$mpiexec" -n 2 "$shortrun" train "$config" "${train_args[@]}" --out "$work/ranks" > /dev/null 2> "$work/ranks.err" ||
  fail "2-rank resume of a 1-rank run: $(cat "$work/ranks.err")"
[[ $(grep -c "shortrun: warning: .*gaussian.ckpt.h5: updates 0-[0-9]* were trained with 1 rank, .*resuming with 2 ranks, .*not bit for bit" "$work/ranks.err") -eq 1 ]] ||
  fail "2-rank resume: expected one warning line naming both setups, got: $(cat "$work/ranks.err")"
segments "$work/ranks/runs/gaussian.h5" 1 2 || fail "2-rank resume: train_segments does not record both segments"
grep -q "warning" "$work/term.resume.err" && fail "same-setup resume warned: $(cat "$work/term.resume.err")"
echo "train: resumed on 2 ranks after 1: warned once, both segments recorded"

# A checkpoint written before segments were recorded (no `segments` attribute): resumes, and the run
# file says the first segment is not recorded.
"$shortrun" train "$config" "${train_args[@]}" --out "$work/old" > /dev/null 2>&1 &
pid=$!
wait_for "$work/old/runs/gaussian.ckpt.h5"
kill -TERM "$pid"
wait "$pid"
$py -c "import h5py, sys; f = h5py.File(sys.argv[1], 'a'); del f.attrs['segments']" "$work/old/runs/gaussian.ckpt.h5" ||
  fail "could not strip the checkpoint's segments"
"$shortrun" train "$config" "${train_args[@]}" --out "$work/old" > /dev/null 2> "$work/old.err" || fail "resume of an older checkpoint"
$py - "$work/old/runs/gaussian.h5" <<'PY' || fail "older checkpoint: train_segments"
import re, sys, h5py
lines = h5py.File(sys.argv[1]).attrs["train_segments"].split("\n")
first = re.fullmatch(r"updates 0-(\d+): not recorded \(an older checkpoint\)", lines[0]) if len(lines) == 2 else None
assert first, lines
assert lines[1].startswith("updates " + first[1] + "-3000: 1 rank, "), lines
PY

# --- train: --walltime stops in time ---------------------------------------------------------
start=$SECONDS
"$shortrun" train "$config" "${train_args[@]}" --set train.updates=300000 --walltime 00:00:07 --out "$work/wall" > /dev/null 2>&1
rc=$?
[[ $rc -eq 75 ]] || fail "--walltime: exit $rc, expected 75"
[[ $((SECONDS - start)) -le 7 ]] || fail "--walltime 7 s: took $((SECONDS - start)) s"
echo "train: --walltime -> 75 in $((SECONDS - start)) s"

# --- sweep on 2 ranks: kill -9 the whole job several times ------------------------------------
sweep_args=(--set train.k=2,5 --set run.seed=1,2 "${train_args[@]}" --set train.updates=8000)
"$mpiexec" -n 2 "$shortrun" sweep "$config" "${sweep_args[@]}" --out "$work/sref" > /dev/null 2>&1 || fail "reference sweep"
descendants() {  # pid: every process below it
  local child
  for child in $(ps -o pid= --ppid "$1"); do echo "$child"; descendants "$child"; done
}
kills=0
for delay in 1.0 1.6 1.3; do
  setsid "$mpiexec" -n 2 "$shortrun" sweep "$config" "${sweep_args[@]}" --out "$work/sk9" > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  # The ranks are not all in mpirun's process group: kill -9 of the group alone leaves them running,
  # orphaned, still writing the folder (the sweep lock then refuses the next sweep). Kill them by pid.
  ranks=$(descendants "$pid")
  if kill -9 -- "-$pid" 2> /dev/null; then kills=$((kills + 1)); fi
  # shellcheck disable=SC2086
  [[ -n $ranks ]] && kill -9 $ranks 2> /dev/null
  wait "$pid" 2> /dev/null
  sleep 0.2
done
"$mpiexec" -n 2 "$shortrun" sweep "$config" "${sweep_args[@]}" --out "$work/sk9" > /dev/null 2>&1 || fail "sweep after kills"
[[ $kills -ge 1 ]] || fail "no kill landed in the sweep"
for id in seed1_k2 seed1_k5 seed2_k2 seed2_k5; do
  same_run "$work/sref/runs/$id.h5" "$work/sk9/runs/$id.h5" || fail "sweep run $id resumed after kill -9 differs"
done
echo "sweep: $kills kill -9 of the whole job, resumed bitwise"

# --- sweep: SIGUSR1 (what SLURM sends) through mpirun gives 75; resume completes ----------------
"$mpiexec" -n 2 "$shortrun" sweep "$config" "${sweep_args[@]}" --out "$work/susr" > "$work/susr.out" 2>&1 &
pid=$!
wait_for "$work/susr/sweep.h5"  # written after every rank passed start-up (handlers in place)
sleep 0.3
kill -USR1 "$pid"
wait "$pid"
rc=$?
[[ $rc -eq 75 ]] || fail "sweep SIGUSR1: exit $rc, expected 75: $(cat "$work/susr.out")"
$py -c "import h5py; f=h5py.File('$work/susr/sweep.h5'); assert f.attrs['status']=='interrupted', f.attrs['status']" ||
  fail "sweep SIGUSR1: manifest not interrupted"
"$mpiexec" -n 2 "$shortrun" sweep "$config" "${sweep_args[@]}" --out "$work/susr" > /dev/null 2>&1 || fail "sweep resume after SIGUSR1"
for id in seed1_k2 seed1_k5 seed2_k2 seed2_k5; do
  same_run "$work/sref/runs/$id.h5" "$work/susr/runs/$id.h5" || fail "sweep run $id after SIGUSR1 differs"
done
echo "sweep: SIGUSR1 -> 75, resumed bitwise"
# --- convnet (float32 network, pcd chains, Adam): SIGTERM then resume, bitwise ------------------
tiny="$(dirname "$config")/convnet-tiny.ini"
cn_args=(--set train.scheme=pcd --set train.batch=50 --set train.updates=600 --set run.checkpoint_every=0.05 --quiet)
same_params() {  # reference candidate: bitwise-equal convnet parameters at every checkpoint and log
  $py - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p) for p in sys.argv[1:3])
assert a.attrs["status"] == b.attrs["status"] == "completed", (a.attrs["status"], b.attrs["status"])
assert list(a["checkpoints"]) == list(b["checkpoints"])
for step in a["checkpoints"]:
    names = list(a[f"checkpoints/{step}/params"])
    assert names == list(b[f"checkpoints/{step}/params"]) and "out_w" in names, names
    for name in names:
        assert np.array_equal(a[f"checkpoints/{step}/params/{name}"][()], b[f"checkpoints/{step}/params/{name}"][()]), (step, name)
for col in ("step", "grad_norm", "param_norm"):
    assert np.array_equal(a[f"train/{col}"][()], b[f"train/{col}"][()]), col
# The measurement after training: energies of fresh chains, and image samples of 8 x 8 blobs.
step = list(a["dynamics"])[0] if "dynamics" in a else None
assert step is not None and "energy_mean" in a[f"dynamics/{step}"], list(a)
assert np.array_equal(a[f"dynamics/{step}/energy_mean"][()], b[f"dynamics/{step}/energy_mean"][()])
assert a[f"dynamics/{step}/samples"].shape[2:] == (8, 8), a[f"dynamics/{step}/samples"].shape
PY
}
"$shortrun" train "$tiny" "${cn_args[@]}" --out "$work/cref" > /dev/null || fail "convnet reference train"
"$shortrun" train "$tiny" "${cn_args[@]}" --out "$work/cterm" > "$work/cterm.out" 2>&1 &
pid=$!
wait_for "$work/cterm/runs/convnet-tiny.ckpt.h5"
kill -TERM "$pid"
wait "$pid"
rc=$?
[[ $rc -eq 75 ]] || fail "convnet SIGTERM: exit $rc, expected 75: $(cat "$work/cterm.out")"
"$shortrun" train "$tiny" "${cn_args[@]}" --out "$work/cterm" > /dev/null || fail "convnet resume after SIGTERM"
same_params "$work/cref/runs/convnet-tiny.h5" "$work/cterm/runs/convnet-tiny.h5" || fail "convnet resumed run differs"
echo "train convnet: SIGTERM -> 75, resumed bitwise"
echo "resume: all checks passed"
