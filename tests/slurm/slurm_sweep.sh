#!/usr/bin/env bash
# jobs/slurm/sweep.sbatch and array.sbatch end to end on a single-node SLURM that this test brings
# up and tears down (munged, slurmctld and slurmd started by hand in a temporary folder, on
# localhost ports):
#  1. a tiny 2-task sweep completes under the default launcher (srun --mpi=pmix) with a set-up hook
#     given as a command (SHORTRUN_SETUP): manifest completed, both run files completed;
#  2. a 2-shard job array (array.sbatch, seeds as a range run.seed=1:2) under SHORTRUN_LAUNCHER=mpirun
#     with SHORTRUN_LAUNCHER_ARGS and a set-up hook file, as root without Open MPI's root variables
#     (the script must set them): the first task submits the merge job (afterany), which runs after
#     both shards with the same launcher and hook and writes sweep.h5 listing every run;
#  3. a longer sweep under a 2-minute limit, stopped in its first attempt by USR1 to the batch
#     script (as --signal=B:USR1 sends it before the limit), forwards it, exits 75, requeues itself
#     with its manifest saying interrupted, and the resumed job completes the sweep with the right
#     files (a later attempt may be stopped by SLURM's own USR1 or the script's --walltime).
# Needs root (daemons) and slurm-wlm + munge (installed with jobs/local/install-deps.sh when
# missing). Exit 77 (CTest: skipped) when SLURM cannot run here, and after the other parts when the
# executable has no --shard (part 2) or no --walltime (part 3): those contracts are not built in yet.
# Usage: slurm_sweep.sh SHORTRUN     (SHORTRUN_SLURM_KEEP=1 keeps the temporary folder and logs)
set -euo pipefail
shortrun=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sbatch_script=$repo/jobs/slurm/sweep.sbatch
config=$repo/jobs/configs/gaussian.ini
export PATH=/usr/sbin:/sbin:$PATH
# A test run inside a real allocation must not leak that job's identity into ours.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^SLURM_' || true)
# Nor may the caller's own settings of the scripts (launcher, hook, ...) change what is tested.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^SHORTRUN_' | grep -vx 'SHORTRUN_SLURM_KEEP' || true)

work=
pids=()   # munged slurmctld slurmd, in start order
t0=$SECONDS
say() { echo "slurm.sweep [+$((SECONDS - t0))s]: $*"; }
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; show_logs; exit 1; }
show_logs() {
  [[ -n $work ]] || return 0
  local f
  for f in "$work"/job*/slurm.out "$work"/array/*.out "$work"/slurm/slurmctld.log "$work"/slurm/slurmd.log "$work"/munge/munged.log; do
    [[ -f $f ]] && { echo "---- tail $f" >&2; tail -n 25 "$f" >&2; }
  done
  return 0
}

cleanup() {
  local rc=$? pid i
  if [[ -n ${SLURM_CONF:-} ]] && ((${#pids[@]} >= 3)) && kill -0 "${pids[1]}" 2>/dev/null; then
    scancel --quiet --user=root 2>/dev/null || true      # our controller only knows our jobs
    for ((i = 0; i < 20; i++)); do
      [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
      sleep 1
    done
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ -n $work && -n ${SHORTRUN_SLURM_KEEP:-} ]]; then
    echo "slurm.sweep: kept $work (SHORTRUN_SLURM_KEEP)"
  elif [[ -n $work ]]; then
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT

need_slurm() {
  local tool
  for tool in munged slurmctld slurmd sbatch scontrol squeue sinfo setpriv; do
    command -v "$tool" >/dev/null || return 1
  done
  id munge >/dev/null 2>&1
}

install_slurm() {
  need_slurm && return 0
  say "installing slurm-wlm and munge"
  SHORTRUN_EXTRA_PACKAGES="slurm-wlm munge" "$repo/jobs/local/install-deps.sh" ||
    skip "could not install slurm-wlm and munge"
  need_slurm || skip "munged, slurmctld, slurmd, the SLURM clients or setpriv missing after the install"
}

# Two free TCP ports (SlurmctldPort, SlurmdPort): a random pair nobody listens on.
free_ports() {
  local base i
  for ((i = 0; i < 50; i++)); do
    base=$((20000 + RANDOM % 30000))
    if ! ss -Hltn | awk '{print $4}' | grep -Eq ":($base|$((base + 1)))\$"; then
      echo "$base $((base + 1))"
      return 0
    fi
  done
  return 1
}

# munged as user munge with its own key and socket (slurm.conf's AuthInfo points at the socket).
start_munge() {
  mkdir -p "$work/munge" "$work/munge-run"
  chown munge:munge "$work/munge" "$work/munge-run"
  chmod 700 "$work/munge"
  chmod 755 "$work/munge-run"   # munged wants its socket folder open to all
  head -c 1024 /dev/urandom > "$work/munge/munge.key"
  chown munge:munge "$work/munge/munge.key"
  chmod 400 "$work/munge/munge.key"
  setpriv --reuid=munge --regid=munge --init-groups munged --foreground \
    --socket="$work/munge-run/munge.socket" --key-file="$work/munge/munge.key" \
    --log-file="$work/munge/munged.log" --pid-file="$work/munge/munged.pid" \
    --seed-file="$work/munge/munged.seed" > "$work/munge/stdout" 2>&1 &
  pids+=($!)
  local i
  for ((i = 0; i < 50; i++)); do
    munge -n -S "$work/munge-run/munge.socket" 2>/dev/null | unmunge -S "$work/munge-run/munge.socket" >/dev/null 2>&1 &&
      return 0
    kill -0 "${pids[0]}" 2>/dev/null || break
    sleep 0.2
  done
  cat "$work/munge/stdout" >&2
  skip "munged did not start"
}

# Minimal single-node slurm.conf: munge authentication, no systemd, cgroups or accounting, one
# partition (jobs/slurm/README.md section 8).
write_slurm_conf() {  # NODE_LINE CTLD_PORT SLURMD_PORT
  local node_line=$1 node
  node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node_line")
  mkdir -p "$work/slurm/state" "$work/slurm/spool"
  cat > "$work/slurm/slurm.conf" <<EOF
ClusterName=shortruntest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$2
SlurmdPort=$3
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$work/munge-run/munge.socket,cred_expire=10
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/slurmctld.pid
SlurmdPidFile=$work/slurm/slurmd.pid
SlurmctldLogFile=$work/slurm/slurmctld.log
SlurmdLogFile=$work/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=5,bf_interval=5
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
KillWait=10
MinJobAge=600
# Jobs are not requeueable unless they ask (sweep.sbatch's #SBATCH --requeue): checks that it does.
JobRequeue=0
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$work/slurm/slurm.conf
}

start_slurm() {
  slurmctld -D -f "$SLURM_CONF" > "$work/slurm/slurmctld.stdout" 2>&1 &
  pids+=($!)
  slurmd -D -f "$SLURM_CONF" > "$work/slurm/slurmd.stdout" 2>&1 &
  pids+=($!)
}

wait_idle() {  # NODE TIMEOUT_S
  local deadline=$((SECONDS + $2)) state=
  while ((SECONDS < deadline)); do
    kill -0 "${pids[1]}" 2>/dev/null || { tail -n 20 "$work"/slurm/slurmctld.* >&2; skip "slurmctld died"; }
    kill -0 "${pids[2]}" 2>/dev/null || { tail -n 20 "$work"/slurm/slurmd.* >&2; skip "slurmd died"; }
    state=$(sinfo -h -N -n "$1" -o %T 2>/dev/null || true)
    [[ $state == idle ]] && return 0
    sleep 1
  done
  show_logs
  skip "node $1 not idle after $2 s (state '${state}')"
}

# Submits sweep.sbatch from $work/NAME (log: $work/NAME/slurm.out); prints the job id.
submit() {  # NAME SBATCH_OPTIONS... -- SWEEP_ARGS...
  local name=$1 opts=()
  shift
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  mkdir -p "$work/$name"
  SHORTRUN=$shortrun sbatch --parsable --job-name="$name" --chdir="$work/$name" \
    --output="$work/$name/slurm.out" "${opts[@]}" "$sbatch_script" "$config" --out "$work/$name/out" "$@"
}

job_field() {  # JOB FIELD
  scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# Waits until the job ends (a requeued job goes back to PENDING and runs again) and sets
# job_state; calls the function named in $on_poll, if any, at every poll.
on_poll=
job_state=
wait_job() {  # JOB TIMEOUT_S
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    job_state=$(job_field "$1" JobState)
    [[ -z $on_poll ]] || "$on_poll" "$1" "$job_state"
    case $job_state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) return 0 ;;
    esac
    sleep 1
  done
  fail "job $1 still ${job_state:-unknown} after $2 s"
}

# Checks <out>/sweep.h5 and the run files: every run of IDS completed.
check_sweep() {  # OUT IDS(comma-separated)
  /usr/bin/python3 - "$1" "$2" <<'PY' || fail "manifest or run files of $1"
import sys, h5py
out, ids = sys.argv[1], sorted(sys.argv[2].split(","))
with h5py.File(f"{out}/sweep.h5", "r") as m:
    assert m.attrs["status"] == "completed", m.attrs["status"]
    run_ids = sorted(x.decode() for x in m["runs/run_id"][()])
    assert run_ids == ids, run_ids
    assert all(s == b"completed" for s in m["runs/status"][()]), list(m["runs/status"][()])
for rid in ids:
    with h5py.File(f"{out}/runs/{rid}.h5", "r") as r:
        assert r.attrs["status"] == "completed", (rid, r.attrs["status"])
print(f"{out}: completed, runs {', '.join(ids)}")
PY
}

# --- bring SLURM up --------------------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || skip "needs root to start munged, slurmctld and slurmd"
install_slurm
work=$(mktemp -d "${TMPDIR:-/tmp}/shortrun-slurm.XXXXXX")
chmod 755 "$work"   # munged (user munge) must reach its socket folder
read -r ctld_port slurmd_port < <(free_ports) || skip "no free TCP ports for slurmctld and slurmd"
node_line=$(slurmd -C 2>/dev/null | head -n 1)
[[ $node_line == NodeName=* ]] || skip "slurmd -C printed no NodeName line"
node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node_line")
start_munge
write_slurm_conf "$node_line" "$ctld_port" "$slurmd_port"
start_slurm
wait_idle "$node" 90
say "SLURM up: node $node idle (ports $ctld_port, $slurmd_port)"

# --- 1. a tiny sweep completes ------------------------------------------------------------------------
tiny=(--set "train.k=1,3" --set train.updates=50 --set train.chains=100 --set train.moments=sampled --quiet)
# shellcheck disable=SC2016  # expanded by the job's shell
job=$(SHORTRUN_SETUP='echo "set-up command ran in job $SLURM_JOB_ID"' submit job1 --ntasks=2 --time=2 -- "${tiny[@]}") ||
  fail "sbatch refused the tiny sweep"
wait_job "$job" 120
[[ $job_state == COMPLETED ]] || fail "tiny sweep: job $job ended $job_state"
grep -q "sweep exited 0" "$work/job1/slurm.out" || fail "tiny sweep: no 'sweep exited 0' in the log"
grep -q "srun --mpi=pmix $shortrun sweep" "$work/job1/slurm.out" || fail "tiny sweep: not launched with srun --mpi=pmix"
grep -q "set-up command ran in job $job" "$work/job1/slurm.out" || fail "tiny sweep: the SHORTRUN_SETUP command did not run"
# The script asks the executable whether it takes --walltime; it does, so the script must not say
# otherwise (it once lost a SIGPIPE race under pipefail: `--help | grep -q` with grep done early).
if grep -q -- '--walltime' <<< "$("$shortrun" sweep --help 2>/dev/null || true)" &&
   grep -q "has no --walltime" "$work/job1/slurm.out"; then
  fail "tiny sweep: sweep.sbatch did not find --walltime in '$shortrun sweep --help'"
fi
# The script's own #SBATCH lines were read (--requeue is one of the last).
[[ $(job_field "$job" Requeue) == 1 ]] || fail "tiny sweep: job $job has Requeue=$(job_field "$job" Requeue), expected 1"
check_sweep "$work/job1/out" k1,k3
say "part 1 passed: tiny sweep completed under srun --mpi=pmix with a set-up command (job $job)"

not_run=()   # parts skipped because the executable lacks an option

# --- 2. a job array under mpirun, and its merge job -----------------------------------------------------
# (The help goes to a variable first: grep -q closing the pipe early would fail the pipeline under
# pipefail, and the part would be skipped although the option exists.)
sweep_help=$("$shortrun" sweep --help 2>/dev/null || true)
if ! grep -q -- '--shard' <<< "$sweep_help"; then
  not_run+=("part 2 (job array: $shortrun sweep has no --shard)")
else
  # Seeds as a range (run.seed = 1:2) where the executable reads ranges, else as a list.
  seeds=1,2
  "$shortrun" sweep "$config" --set run.seed=1:2 --set train.updates=1 --set train.chains=10 \
    --set train.moments=sampled --out "$work/range-probe" --quiet > /dev/null 2>&1 && seeds=1:2
  cat > "$work/setup-hook.sh" <<'HOOK'
# SHORTRUN_SETUP file of the test: sourced by sweep.sbatch before it launches anything.
echo "set-up hook sourced in job ${SLURM_JOB_ID:-none}"
export SHORTRUN_TEST_HOOK=sourced
HOOK
  mkdir -p "$work/array"
  # Run as root without Open MPI's root variables: sweep.sbatch must set them for mpirun.
  unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
  array=$(SHORTRUN=$shortrun SHORTRUN_LAUNCHER=mpirun SHORTRUN_LAUNCHER_ARGS="--bind-to none" \
    SHORTRUN_SETUP=$work/setup-hook.sh sbatch --parsable --array=0-1 --ntasks=1 --time=2 \
    --signal=B:USR1@60 --job-name=array --chdir="$work/array" --output="$work/array/slurm-%a.out" \
    "$repo/jobs/slurm/array.sbatch" "$config" --out "$work/array/out" --set run.seed="$seeds" \
    --set train.k=1,3 --set train.updates=50 --set train.chains=100 --set train.moments=sampled --quiet) ||
    fail "sbatch refused the job array"
  array=${array%%;*}
  merge=
  for ((i = 0; i < 90; i++)); do
    merge=$(sed -n 's/.*submitted merge job \([0-9]*\).*/\1/p' "$work/array/slurm-0.out" 2>/dev/null | head -n 1 || true)
    [[ -n $merge ]] && break
    sleep 1
  done
  [[ -n $merge ]] || fail "job array $array: its first task submitted no merge job"
  [[ $(job_field "$merge" Dependency) == *"afterany:${array}"* ]] ||
    fail "merge job $merge: dependency '$(job_field "$merge" Dependency)', expected afterany:$array"
  say "job array $array (run.seed=$seeds): merge job $merge submitted by task 0"
  wait_job "$merge" 180
  [[ $job_state == COMPLETED ]] || fail "merge job $merge ended $job_state"
  states=$(scontrol -o show job "$array" | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort | uniq -c | xargs)
  [[ $states == "2 COMPLETED" ]] || fail "job array $array: task states '$states', expected 2 COMPLETED"
  merges=$(scontrol -o show job | grep -c "JobName=array-merge " || true)
  ((merges == 1)) || fail "job array $array: $merges merge jobs, expected 1"
  [[ $(job_field "$merge" TimeLimit) == 00:02:00 ]] ||
    fail "merge job $merge: TimeLimit=$(job_field "$merge" TimeLimit), expected the array's 00:02:00"
  merge_log=$work/array/array-merge-$merge.out   # next to the array's logs
  [[ -f $merge_log ]] || fail "merge job $merge: no log $merge_log"
  for log in "$work/array/slurm-0.out" "$work/array/slurm-1.out" "$merge_log"; do
    grep -q "mpirun -n 1 --bind-to none $shortrun sweep" "$log" || fail "$log: not launched with mpirun -n 1 --bind-to none"
    grep -q "running as root: OMPI_ALLOW_RUN_AS_ROOT=1" "$log" || fail "$log: Open MPI's root variables not set"
    grep -q "set-up hook sourced in job" "$log" || fail "$log: the SHORTRUN_SETUP file was not sourced"
    grep -q "sweep exited 0" "$log" || fail "$log: no 'sweep exited 0'"
  done
  grep -q -- "--shard 0/2" "$work/array/slurm-0.out" || fail "array task 0 did not run shard 0/2"
  grep -q -- "--shard 1/2" "$work/array/slurm-1.out" || fail "array task 1 did not run shard 1/2"
  ! grep -q -- "--shard" "$merge_log" || fail "merge job $merge ran with --shard"
  [[ -f $work/array/out/sweep-shard0of2.h5 && -f $work/array/out/sweep-shard1of2.h5 ]] ||
    fail "job array $array: a shard manifest is missing"
  check_sweep "$work/array/out" seed1_k1,seed1_k3,seed2_k1,seed2_k3
  say "part 2 passed: 2-shard array under mpirun with a set-up hook; its merge job $merge wrote sweep.h5"
fi

# --- 3. stopped before the limit, exit 75, requeued, resumed ------------------------------------------
if ! grep -q -- '--walltime' <<< "$sweep_help"; then
  skip "parts 1-2 passed (${not_run[*]:-all run}); $shortrun sweep has no --walltime (stop with exit 75 and resume), so the stop/requeue/resume part did not run"
fi

# Attempt 1 is stopped by USR1 to the batch script (scancel --batch, what --signal=B:USR1 does) 3 s
# after the sweep has started; the script holds it until the step is 10 s old (SHORTRUN_SIGNAL_GRACE)
# and forwards it. So whether attempt 1 ends interrupted does not depend on how fast this machine
# runs: the work is calibrated at 30 s for the k = 3 run alone, and a calibration off by a factor 2
# either way (CI saw 0.68: a 50-s target done in 34 s, before SLURM's own USR1 came) still leaves
# it 15 s. Attempt 2 resumes and usually completes; it may in turn be stopped
# by SLURM's USR1 (30-60 s into an attempt, SLURM checks every 30 s) or the --walltime the script
# passes (about 40 s: 120 s left - 75 s margin - shortrun's own 5 s), and a third attempt completes
# it. The calibration doubles its work until it lasts 3 s, so start-up time does not bias the rate.
calib_updates=20000
while :; do
  calib_start=$(date +%s.%N)
  "$shortrun" sweep "$config" --set train.k=3 --set train.updates=$calib_updates --set train.chains=100 \
    --out "$work/calibration-$calib_updates" --quiet > /dev/null 2>&1 || fail "calibration sweep failed"
  calib_s=$(/usr/bin/python3 -c "print($(date +%s.%N) - $calib_start)")
  /usr/bin/python3 -c "import sys; sys.exit(0 if $calib_s >= 3 else 1)" && break
  calib_updates=$((calib_updates * 2))
done
updates=$(/usr/bin/python3 -c "print(max(50000, int($calib_updates * 30 / $calib_s)))")
say "second sweep: train.updates=$updates (~30 s for k = 3 alone; calibration $calib_updates updates in $calib_s s)"

signalled= started=
usr1_in_attempt_1() {  # JOB STATE: USR1 to the batch script 3 s after the sweep printed its plan
  [[ -z $signalled && $2 == RUNNING && $(job_field "$1" Restarts) -eq 0 ]] || return 0
  grep -q '^\[sweep gaussian\] ' "$work/job2/slurm.out" 2>/dev/null || return 0
  started=${started:-$SECONDS}
  ((SECONDS - started >= 3)) || return 0
  scancel --batch --signal=USR1 "$1" || fail "scancel --batch --signal=USR1 $1 failed"
  signalled=1
  say "job $1: USR1 sent to the batch script, $((SECONDS - started)) s after the sweep started"
}
snapshot=
seen_requeue() {  # JOB STATE: copy the manifest while the requeued job waits to start again
  [[ -z $snapshot && $2 == PENDING && $(job_field "$1" Restarts) -ge 1 ]] || return 0
  snapshot=$work/job2/sweep-between-attempts.h5
  cp "$work/job2/out/sweep.h5" "$snapshot" 2>/dev/null || snapshot=missing
  say "job $1 requeued; manifest copied while it waits"
}
poll_long_sweep() { usr1_in_attempt_1 "$@"; seen_requeue "$@"; }
on_poll=poll_long_sweep
job=$(SHORTRUN_WALLTIME_MARGIN=75 submit job2 --ntasks=2 --time=2 --signal=B:USR1@60 -- \
  --set train.k=1,3 --set train.updates="$updates" --set train.chains=100 --set train.moments=sampled --quiet) ||
  fail "sbatch refused the long sweep"
wait_job "$job" 300
on_poll=
restarts=$(job_field "$job" Restarts)
say "job $job ended $job_state after $restarts restart(s)"
[[ $job_state == COMPLETED ]] || fail "long sweep: job $job ended $job_state"
[[ -n $signalled ]] || fail "long sweep: attempt 1 ended before the test could send USR1"
grep -q "got SIGUSR1; forwarding USR1" "$work/job2/slurm.out" || fail "long sweep: the script did not forward USR1"
((restarts >= 1)) || fail "long sweep: job $job was never requeued (work too short?)"
grep -q "sweep exited 75" "$work/job2/slurm.out" || fail "long sweep: no 'sweep exited 75' in the log"
grep -q "requeued job $job" "$work/job2/slurm.out" || fail "long sweep: the job did not requeue itself"
grep -q "sweep exited 0" "$work/job2/slurm.out" || fail "long sweep: the last attempt did not exit 0"
[[ -n $snapshot && $snapshot != missing ]] || fail "long sweep: no manifest while the job waited to restart"
/usr/bin/python3 - "$snapshot" <<'PY' || fail "the manifest between attempts does not show an interrupted run"
import sys, h5py
with h5py.File(sys.argv[1], "r") as m:
    sweep = m.attrs["status"]
    status = dict(zip((x.decode() for x in m["runs/run_id"][()]), (x.decode() for x in m["runs/status"][()])))
assert sweep != "completed", sweep
assert "interrupted" in status.values(), status
print(f"between attempts: sweep {sweep}, runs {status}")
PY
check_sweep "$work/job2/out" k1,k3
grep '^sweep.sbatch' "$work/job2/slurm.out" | grep -E 'attempt|exited|requeued' | sed 's/^/  /'
say "part 3 passed: stopped, exit 75, requeued, resumed to completion"
((${#not_run[@]} == 0)) || skip "parts run passed in $((SECONDS - t0)) s; not run: ${not_run[*]}"
echo "slurm.sweep: all checks passed in $((SECONDS - t0)) s"
