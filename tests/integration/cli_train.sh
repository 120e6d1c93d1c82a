#!/usr/bin/env bash
# End to end: `shortrun train` on 1 and 2 ranks, `info`, `theory`, --help and --version.
# Usage: cli_train.sh SHORTRUN MPIEXEC
set -euo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"

# Exact moments on population data: deterministic, and must land on J*(k) (checked in the file
# by `info`, whose table prints J_trained next to J*).
"$shortrun" train "$config" --out "$work/a" --quiet --set data.n_samples=0 --set train.moments=exact \
  --set train.k=5 --set train.updates=20000 --set train.lr=0.05 --set run.name=exact > "$work/train.out"
grep -q "completed" "$work/train.out" || fail "train did not report completion"
[[ -f "$work/a/runs/exact.h5" ]] || fail "no run file"
[[ ! -e "$work/a/runs/exact.h5.tmp" ]] || fail "temporary file left behind"
"$shortrun" info "$work/a/runs/exact.h5" > "$work/info.out"
grep -q "status     completed" "$work/info.out" || fail "info does not show status completed"
# Modes 2-4 converge in 20000 updates (mode 1 learns slowly): J_trained equals J*(k) to 4 digits.
awk '/J_trained/ {on=1; next} on && NF==5 && $1>1 { d=$3-$4; if (d<0) d=-d; if (d>1e-4) bad=1 } END {exit bad}' \
  "$work/info.out" || fail "trained J differs from J*(k): $(cat "$work/info.out")"
"$shortrun" info --json "$work/a/runs/exact.h5" > "$work/info.json"
grep -q '"status": "completed"' "$work/info.json" || fail "info --json"

# A run file of another configuration under the same name: refused without --force (exit 2).
set +e
"$shortrun" train "$config" --out "$work/a" --quiet --set data.n_samples=0 --set train.moments=exact \
  --set run.name=exact --set train.updates=10 > /dev/null 2> "$work/err"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "existing run file: exit $rc, expected 2"
grep -q "exact.h5: exists with another configuration" "$work/err" || fail "existing run file: message $(cat "$work/err")"

# Adam bounds its step, so a runaway (lr = 1e6 drives a mode's J below 0 and its chains off to
# infinity) shows in the gradient, not in the parameters: still diverged, exit 3, and recorded.
set +e
"$shortrun" train "$config" --out "$work/adam" --quiet --set train.optimizer=adam --set train.lr=1e6 \
  --set train.updates=200 > "$work/adam.out" 2>&1
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "Adam runaway: exit $rc, expected 3: $(cat "$work/adam.out")"
/usr/bin/python3 -c "import h5py, sys; f = h5py.File(sys.argv[1]); sys.exit(not (f.attrs['status'] == 'diverged' and f.attrs['status_reason'].startswith('gradient norm')))" \
  "$work/adam/runs/gaussian.h5" || fail "Adam runaway: the run file does not say diverged (gradient norm)"

# Sampled chains under mpirun -n 2: one team, completes, file says 2 ranks.
"$mpiexec" -n 2 "$shortrun" train "$config" --out "$work/b" --quiet --set train.updates=50 \
  --set train.chains=200 --set run.name=mpi > "$work/mpi.out"
grep -q "completed" "$work/mpi.out" || fail "mpirun train did not complete"
[[ $(grep -c "^run mpi" "$work/mpi.out") -eq 1 ]] || fail "summary printed by more than one rank"
"$shortrun" info --json "$work/b/runs/mpi.h5" > "$work/info.json"
grep -q '"mpi_ranks": 2,' "$work/info.json" || fail "mpi_ranks != 2 (an integer in --json)"

# theory prints the worked example of docs/theory.md section 2 for k = 20.
"$shortrun" theory "$config" --set data.n_samples=0 --set train.moments=exact --set train.k=20 --out "$work/theory.h5" > "$work/theory.out"
grep -Eq "^ +4 +5 +-0\.3729" "$work/theory.out" || fail "theory table: $(cat "$work/theory.out")"
[[ -s "$work/theory.h5" ]] || fail "theory --out wrote nothing"
# Under mpiexec rank 0 alone prints and writes --out (the others neither race for the file nor
# print the table again), and every rank exits 0.
"$mpiexec" -n 3 "$shortrun" theory "$config" --set data.n_samples=0 --set train.moments=exact --set train.k=20 \
  --out "$work/theory3.h5" > "$work/theory3.out" 2>&1 || fail "theory on 3 ranks: $(cat "$work/theory3.out")"
[[ $(grep -Ec "^ +4 +5 +-0\.3729" "$work/theory3.out") -eq 1 && $(grep -c "^wrote " "$work/theory3.out") -eq 1 ]] ||
  fail "theory on 3 ranks: expected one table and one 'wrote': $(cat "$work/theory3.out")"
[[ -s "$work/theory3.h5" && ! -e "$work/theory3.h5.tmp" ]] || fail "theory on 3 ranks: no file, or a .tmp left"

# The live training log: one JSON object per /train row, with the same numbers.
"$shortrun" train "$config" --out "$work/live" --quiet --set train.updates=50 --set train.log_every=10 \
  --set train.chains=20 --set data.n_samples=100 --set measure.chains=10 > /dev/null || fail "live log run"
/usr/bin/python3 - "$work/live/runs/gaussian" <<'PY' || fail "log.jsonl does not match /train"
import json, sys
import h5py
rows = [json.loads(line) for line in open(sys.argv[1] + ".log.jsonl")]
with h5py.File(sys.argv[1] + ".h5", "r") as f:
    assert [r["step"] for r in rows] == list(f["train/step"][()]) == [10, 20, 30, 40, 50], rows
    for key in ("wall_s", "grad_norm", "param_norm"):
        assert [r[key] for r in rows] == list(f["train/" + key][()]), key
    # Checkpoints list in numeric order (1, 2, 4, ..., 50), not as text (1, 10, 11, 2, ...).
    steps = list(f["checkpoints"])
    assert len(steps) > 3 and [int(s) for s in steps] == sorted(int(s) for s in steps), steps
    assert list(f["dynamics"]) == [s for s in f["dynamics"] if s.isdigit()], list(f["dynamics"])
    # The training's peak resident memory: the process's (libraries included), not zero, not absurd.
    peak = float(f.attrs["train_peak_rss_mb"])
    assert 1 < peak < 4096, peak
PY

# Integer sweep axes as ranges: run.seed = 1:3 is the list 1,2,3; ranges and values mix (k = 1,5:6).
"$shortrun" sweep "$config" --out "$work/seeds" --quiet --set run.seed=1:3 --set train.k=1,5:6 \
  --set train.updates=5 --set train.chains=20 --set data.n_samples=100 --set measure.chains=10 > /dev/null 2>&1 ||
  fail "sweep with seed ranges"
runs=$(cd "$work/seeds/runs" && ls ./*.h5 | sort | tr '\n' ' ')
[[ $runs == "./seed1_k1.h5 ./seed1_k5.h5 ./seed1_k6.h5 ./seed2_k1.h5 ./seed2_k5.h5 ./seed2_k6.h5 ./seed3_k1.h5 ./seed3_k5.h5 ./seed3_k6.h5 " ]] ||
  fail "seed ranges: runs $runs"
set +e
"$shortrun" sweep "$config" --out "$work/badrange" --set run.seed=5:1 > /dev/null 2> "$work/err"
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "run.seed: expected a range first:last" "$work/err" || fail "reversed range: exit $rc $(cat "$work/err")"

# A sweep's progress lines say where its running run is, from the run's training log: one team,
# a run far longer than its --walltime (12 s: it stops at about 7 s with exit 75), so the line at
# 5 s finds it training.
set +e
"$shortrun" sweep "$config" --out "$work/progress" --set train.k=1,2 --set train.updates=100000000 \
  --set train.chains=64 --set data.n_samples=500 --walltime 12 > /dev/null 2> "$work/progress.err"
rc=$?
set -e
[[ $rc -eq 75 ]] || fail "progress sweep: exit $rc, expected 75 (stopped by --walltime): $(cat "$work/progress.err")"
grep -Eq '^\[sweep gaussian\] 0/2 runs done \(0 diverged\), 1 running \(k[12] [0-9]+/100000000 updates\), elapsed' \
  "$work/progress.err" || fail "progress sweep: no line naming the running run's update: $(cat "$work/progress.err")"

# While its own team measures a run, world rank 0 still prints progress (ticked from inside the
# measurement), and the ETA counts the finished runs' measurement: one team, two runs of a few
# updates each and a measurement of about 9 s each here (100000 chains, 1000 sweeps), which the
# work estimate counts (t_max x measure.chains sweeps, the same for both). k2 runs first (its
# training is the larger); while k1 runs the ETA is k1's predicted time, about k2's whole time,
# less k1's time so far (the training time alone, 0.01 s, gave 0.0s). Lines come every 5 s, so
# while each run takes more than 2.5 s (a machine up to 3x faster) one falls inside k1's
# measurement, within 5 s of its start: its ETA is at least about 4 s here.
"$shortrun" sweep "$config" --out "$work/measuring" --set train.k=1,2 --set train.updates=10 \
  --set measure.chains=100000 --set measure.t_max=1000 > /dev/null 2> "$work/measuring.err" \
  || fail "measuring sweep failed: $(cat "$work/measuring.err")"
grep -Eq '^\[sweep gaussian\] [01]/2 runs done \(0 diverged\), 1 running \(k[12] measuring\)' "$work/measuring.err" \
  || fail "measuring sweep: no progress line while the run measures: $(cat "$work/measuring.err")"
awk '/^\[sweep gaussian\] 1\/2 runs done .*\(k1 measuring\).*ETA [0-9.]+s$/ {
       eta = $NF; sub(/s$/, "", eta); if (eta + 0 >= 0.5) ok = 1 } END { exit !ok }' "$work/measuring.err" \
  || fail "measuring sweep: no ETA of at least 0.5 s with k1 left: $(cat "$work/measuring.err")"

# Help and version.
# (Output goes to a file first: grep -q closing the pipe early would fail the pipeline.)
"$shortrun" --help > "$work/help.out" && grep -q "sweep" "$work/help.out" || fail "--help"
"$shortrun" train --help > "$work/help.out" && grep -q "train.k" "$work/help.out" || fail "train --help does not list keys"
"$shortrun" sweep --help > "$work/help.out" && grep -q "ranks-per-run" "$work/help.out" || fail "sweep --help"
"$shortrun" --version > "$work/help.out" && grep -q "shortrun" "$work/help.out" || fail "--version"
# Axis values written with an exponent name their runs without the '+' (a file stem keeps letters,
# digits, '-', '_' and '.'): lr 1e6 is run lr1e06.
set +e
"$shortrun" sweep "$config" --out "$work/exp" --quiet --set train.lr=0.1,1e6 --set train.updates=2 \
  --set measure.equilibrium=none --set measure.t_max=2 --set measure.t_points=2 > /dev/null 2> "$work/exp.err"
rc=$?
set -e
[[ ($rc -eq 0 || $rc -eq 3) && -f "$work/exp/runs/lr1e06.h5" && -f "$work/exp/runs/lr0.1.h5" ]] ||
  fail "sweep over lr = 0.1,1e6: $(ls "$work/exp/runs" 2> /dev/null) $(cat "$work/exp.err")"
echo "cli_train: all checks passed"
