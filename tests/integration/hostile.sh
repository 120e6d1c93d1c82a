#!/usr/bin/env bash
# Hostile input and faults, table-driven (README, "Errors"): every case names the command, the exit
# code it must give, a pattern its one `shortrun: error:` line must contain, and a set-up (files it
# needs); after each case nothing may be left looking complete (no new or changed run file, manifest
# or theory file with status completed, no *.tmp). The train and sweep cases run again under
# `mpirun -n 2` with a hang timeout (of the --walltime forms and the caps, one of each). Then the
# situations that must complete correctly: a far --walltime, a stale sweep lock, a stop on a sweep
# whose runs have all completed, two sweeps on one folder at once; ranks started with different
# configurations; a sweep over another grid's manifest; two trains of one run, a shard beside the
# whole grid's sweep.
# Usage: hostile.sh SHORTRUN MPIEXEC
set -uo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
py=/usr/bin/python3
failures=0
passed=0
fix="$work/fixtures"
mkdir -p "$fix"

# --- fixtures ---------------------------------------------------------------------------------------
# Small and quick: a Gaussian run of 30 updates, measured on a short grid.
small=(--set train.updates=30 --set train.chains=64 --set data.n_samples=500 --set measure.chains=64
       --set measure.t_max=40 --set measure.t_points=4 --quiet)
# A completed run file.
"$shortrun" train "$config" "${small[@]}" --out "$fix/done" > /dev/null || fail "fixture: a completed run"
done_h5="$fix/done/runs/gaussian.h5"
# A resume checkpoint (--walltime 6 stops after about 1 s, with a checkpoint; exit 75).
resume_args=(--set train.updates=1000000 --set train.chains=64 --set data.n_samples=500
             --set run.checkpoint_every=0.2 --quiet)
# Made with the default output folder (results/gaussian, part of the configuration) so that the cases,
# run the same way, see a checkpoint of their own configuration.
(cd "$fix" && "$shortrun" train "$config" "${resume_args[@]}" --walltime 6 > /dev/null)
[[ $? -eq 75 && -f "$fix/results/gaussian/runs/gaussian.ckpt.h5" ]] || fail "fixture: an interrupted run with a checkpoint"
mv "$fix/results/gaussian/runs" "$fix/ckpt" && rm -rf "$fix/results"
ckpt="$fix/ckpt/gaussian.ckpt.h5"
# Damaged copies of the checkpoint, one per fault.
$py - "$ckpt" "$fix" <<'PY' || fail "fixture: damaged checkpoints"
import shutil, sys, h5py, numpy as np
src, out = sys.argv[1], sys.argv[2]
def variant(name, edit):
    path = f"{out}/{name}.ckpt.h5"
    shutil.copy(src, path)
    with h5py.File(path, "r+") as f:
        edit(f)
def params(f, values):
    del f["params"]
    f["params"] = values
variant("short_params", lambda f: params(f, f["params"][()][:-1]))
variant("long_params", lambda f: params(f, np.zeros(1000)))
variant("nan_params", lambda f: params(f, np.full(f["params"].shape, np.nan)))
variant("step_beyond", lambda f: f.attrs.__setitem__("step", 10**9))
variant("step_negative", lambda f: f.attrs.__setitem__("step", -3))
variant("elapsed_nan", lambda f: f.attrs.__setitem__("elapsed_s", np.nan))
def log_short(f):
    w = f["log/wall_s"][()]
    del f["log/wall_s"]
    f["log/wall_s"] = w[:-1] if w.size else np.zeros(3)
variant("log_short", log_short)
variant("ckpt_named_abc", lambda f: f["checkpoints"].create_dataset("abc", data=np.zeros(3)))
variant("ckpt_future", lambda f: f["checkpoints"].create_dataset(str(10**8), data=f["params"][()]))
def ckpt_wrong_length(f):
    name = sorted(f["checkpoints"], key=int)[0] if len(f["checkpoints"]) else "0"
    if name in f["checkpoints"]:
        del f["checkpoints"][name]
    f["checkpoints"][name] = np.zeros(2)
variant("ckpt_wrong_length", ckpt_wrong_length)
def optimizer_block(f):
    if "velocity" in f["optimizer"]:
        del f["optimizer/velocity"]
    f["optimizer/velocity"] = np.zeros((7, 1))
variant("optimizer_block", optimizer_block)
variant("schema_v1", lambda f: f.attrs.__setitem__("schema_version", 1))
variant("other_config", lambda f: f.attrs.__setitem__("config", "[run]\nseed = 99\n"))
variant("estimator_nan", lambda f: f["estimator"].create_dataset("junk", data=np.full((2, 2), np.inf)))
# A run file with its root attributes only.
with h5py.File(f"{out}/done/runs/gaussian.h5", "r") as g, h5py.File(f"{out}/root_only.h5", "w") as f:
    for k, v in g.attrs.items():
        f.attrs[k] = v
# HDF5 data: huge declared, nothing stored; never written; strings; 1-D; NaN.
with h5py.File(f"{out}/huge.h5", "w") as f:
    f.create_dataset("x", shape=(1000000, 20000), dtype="f8")
with h5py.File(f"{out}/unwritten.h5", "w") as f:
    f.create_dataset("x", shape=(1000, 10), dtype="f8")
with h5py.File(f"{out}/strings.h5", "w") as f:
    f["x"] = np.array([[b"a", b"b"]])
with h5py.File(f"{out}/vector.h5", "w") as f:
    f["x"] = np.ones(10)
with h5py.File(f"{out}/nan.h5", "w") as f:
    x = np.ones((10, 4)); x[3, 2] = np.nan
    f["x"] = x
PY
printf 'garbage, not HDF5' > "$fix/garbage.ckpt.h5"
printf 'garbage, not HDF5' > "$fix/garbage.h5"
printf '\x00\x01\x02[model\n\xff\xfe' > "$fix/binary.ini"
: > "$fix/empty.ini"
mkdir -p "$fix/a_directory" "$fix/a_directory.ini"
mkdir -p "$fix/readonly" && chmod 555 "$fix/readonly"
# An IDX header announcing 10^9 images of 28 x 28 in 22 bytes.
printf '\x00\x00\x08\x03\x3b\x9a\xca\x00\x00\x00\x00\x1c\x00\x00\x00\x1c\x01\x02\x03\x04\x05\x06' > "$fix/huge.idx"
tiny="$(dirname "$config")/convnet-tiny.ini"  # 8 x 8 blobs, channels 8,16
bm30=(--set model.type=bm --set data.source=spins --set model.n_visible=30 --set data.magnetization=0.2
      --set init.type=uniform --set sampler.type=gibbs --set data.spectrum=)
rbm=(--set model.type=rbm --set model.n_hidden=4 --set data.source=idx --set data.binarize=0.5
     --set init.type=uniform --set sampler.type=block-gibbs --set data.spectrum=)
h5src=(--set model.type=bm --set data.source=hdf5 --set init.type=uniform --set sampler.type=gibbs
       --set data.spectrum=)

# --- set-ups (run in the case's own folder $d; @D@ in the table is that folder) ----------------------------------------------
put_ckpt() { mkdir -p "$d/results/gaussian/runs" && cp "$fix/$1.ckpt.h5" "$d/results/gaussian/runs/gaussian.ckpt.h5"; }
for v in short_params long_params nan_params step_beyond step_negative elapsed_nan log_short ckpt_named_abc \
         ckpt_future ckpt_wrong_length optimizer_block schema_v1 other_config estimator_nan garbage; do
  eval "ckpt_$v() { put_ckpt $v; }"
done
run_dir() { mkdir -p "$d/results/gaussian/runs/gaussian.h5"; }
ckpt_dir() { mkdir -p "$d/results/gaussian/runs/gaussian.ckpt.h5"; }
log_dir() { mkdir -p "$d/results/gaussian/runs/k2.log.jsonl"; }
run_tmp_dir() { mkdir -p "$d/results/gaussian/runs/gaussian.h5.tmp/x"; }
out_is_file() { mkdir -p "$d/results" && : > "$d/results/plain"; }
ro_out() { mkdir -p "$d/results/ro" && chmod 555 "$d/results/ro"; }
measured() { mkdir -p "$d/results/m" && cp "$done_h5" "$d/results/m/run.h5"; }
measured_ro() { measured && chmod 444 "$d/results/m/run.h5"; }
measured_ro_dir() { measured && chmod 555 "$d/results/m"; }
measured_no_final() {  # a completed run file whose final checkpoint (update 30) was deleted
  measured && /usr/bin/python3 -c "import h5py, sys; f = h5py.File(sys.argv[1], 'a'); del f['final']; del f['checkpoints/30']" "$d/results/m/run.h5"
}
measured_root_only() { mkdir -p "$d/results/m" && cp "$fix/root_only.h5" "$d/results/m/run.h5"; }
interrupted_run() { mkdir -p "$d/results/m" && cp "$fix/ckpt/gaussian.h5" "$d/results/m/run.h5"; }
lock_held() {  # another sweep's lock, held by a live process (flock) with its holder's line
  mkdir -p "$d/results/gaussian" && echo "host elsewhere, pid 4242, since today" > "$d/results/gaussian/sweep.h5.lock"
  flock "$d/results/gaussian/sweep.h5.lock" sleep 60 & echo $! > "$d/holder"
  sleep 0.2
}
m="@D@/results/m/run.h5"
N="@D@/results/nowhere"

# name | exit | pattern in the error line | set-up (- for none) | arguments after `shortrun`
cases=(
  # arguments and --set
  "--set with an empty key|2|--set =5: expected SECTION.KEY=VALUE|-|train $config --set =5"
  "--set without a section|2|--set k=5: expected SECTION.KEY=VALUE|-|train $config --set k=5"
  "--set of a lone dot|2|--set .=5|-|train $config --set .=5"
  "--out empty (train)|2|--out: empty|-|train $config --out ''"
  "--out empty (sweep)|2|--out: empty|-|sweep $config --out ''"
  "--out names a file|2|plain/runs: cannot create the output folder|out_is_file|train $config --out @D@/results/plain"
  "--out read-only|2|is not writable|ro_out|train $config --out @D@/results/ro"
  "sweep --out read-only|2|is not writable|ro_out|sweep $config --out @D@/results/ro"
  "--ranks-per-run negative|2|--ranks-per-run: -1 does not divide|-|sweep $config --ranks-per-run -1"
  "--shard not numbers|2|--shard: expected i/n|-|sweep $config --shard a/b"
  # config files
  "config is a directory|2|a_directory.ini: is a directory; expected an INI config file|-|train $fix/a_directory.ini"
  "sweep config is a directory|2|is a directory; expected an INI config file|-|sweep $fix/a_directory.ini"
  "theory config is a directory|2|is a directory; expected an INI config file|-|theory $fix/a_directory.ini"
  "empty config|2|model.type: missing|-|train $fix/empty.ini"
  "binary config|2|binary.ini|-|train $fix/binary.ini"
  # --walltime
  "walltime overflow|2|--walltime: above the cap|-|train $config --walltime 1000000-00:00:00"
  "walltime inf|2|--walltime: malformed|-|train $config --walltime inf"
  "walltime nan|2|--walltime: malformed|-|train $config --walltime nan"
  "walltime infinity in a field|2|--walltime: malformed|-|train $config --walltime 1:inf"
  "walltime negative|2|--walltime: malformed|-|train $config --walltime -5"
  "walltime zero|2|--walltime: not a positive duration|-|train $config --walltime 0"
  "walltime exponent|2|--walltime: malformed|-|train $config --walltime 1e9"
  "walltime four fields|2|--walltime: too many fields|-|train $config --walltime 1:2:3:4"
  "walltime words|2|--walltime: malformed|-|sweep $config --walltime soon"
  "walltime empty field|2|--walltime: malformed|-|train $config --walltime 1::3"
  # caps
  "checkpoints 1e11|2|train.checkpoints: 100000000000 is above the cap 10000|-|train $config --set train.checkpoints=100000000000"
  "t_points 1e11|2|measure.t_points: 100000000000 is above the cap 10000|-|train $config --set measure.t_points=100000000000"
  "ais_temperatures 1e11|2|measure.ais_temperatures: 100000000000 is above the cap|-|train $config --set measure.ais_temperatures=100000000000"
  "updates 1e10|2|train.updates: 10000000000 is above the cap|-|train $config --set train.updates=10000000000"
  "k 1e10|2|train.k: 10000000000 is above the cap|-|train $config --set train.k=10000000000"
  "chains 1e9|2|train.chains: 1000000000 is above the cap|-|train $config --set train.chains=1000000000"
  "measure.chains 1e9|2|measure.chains: 1000000000 is above the cap|-|train $config --set measure.chains=1000000000"
  "n_samples 1e10|2|data.n_samples: 10000000000 is above the cap|-|train $config --set data.n_samples=10000000000"
  "n_visible 1e7|2|model.n_visible: 10000000 is above the cap|-|train $config ${bm30[*]} --set model.n_visible=10000000"
  "n_hidden 1e7|2|model.n_hidden: 10000000 is above the cap|-|train $config ${rbm[*]} --set data.path=$fix/huge.idx --set model.n_hidden=10000000"
  "log rows|2|train.log_every: 1 gives 1000000000 rows|-|train $config --set train.updates=1000000000 --set train.log_every=1"
  "sweep: a capped value in one grid point|2|is above the cap 1000000000 (README, Errors: caps) (in run k10000000000)|-|sweep $config --set train.k=5,10000000000"
  "checkpoints 1e11 in measure|2|measure.t_points: 100000000000 is above the cap|measured|measure $m --set measure.t_points=100000000000"
  # memory
  "bm n_visible 1e5|2|model.n_visible: the configuration needs about|-|train $config ${bm30[*]} --set model.n_visible=100000"
  "memory: chains over run.max_memory|2|train.chains: the configuration needs about|-|train $config --set train.chains=50000000 --set run.max_memory=1"
  "memory: measure.chains over run.max_memory|2|measure.chains: the configuration needs about|-|train $config --set measure.chains=50000000 --set run.max_memory=1"
  "memory: checkpoints over run.max_memory|2|train.checkpoints: the configuration needs about|-|train $config ${bm30[*]} --set model.n_visible=3000 --set train.checkpoints=10000 --set measure.equilibrium=ptt --set data.n_samples=10 --set train.chains=10 --set measure.chains=10 --set run.max_memory=64"
  "memory: t_points over run.max_memory|2|measure.t_points: the configuration needs about|-|train $config ${bm30[*]} --set model.n_visible=3000 --set measure.t_points=10000 --set data.n_samples=10 --set train.chains=10 --set measure.chains=10 --set train.checkpoints=2 --set run.max_memory=64"
  "memory: theory|2|data.n_samples: the configuration needs about|-|theory $config --set data.n_samples=100000000 --set run.max_memory=1"
  "run.max_memory negative|2|run.max_memory: expected GiB >= 0|-|train $config --set run.max_memory=-1"
  "run.max_memory nan|2|run.max_memory: expected GiB >= 0|-|train $config --set run.max_memory=nan"
  "sweep: memory of one grid point|2|train.chains: the configuration needs about|-|sweep $config --set run.max_memory=1 --set train.k=1,2 --set train.chains=50000000"
  # data files
  "idx data.path a directory|2|a_directory: is a directory|-|train $config ${rbm[*]} --set data.path=$fix/a_directory"
  "hdf5 data.path a directory|2|a_directory is a directory|-|train $config ${h5src[*]} --set data.path=$fix/a_directory:/x"
  "hdf5 huge declared dataset|2|shape 1000000 x 20000, above the cap|-|train $config ${h5src[*]} --set data.path=$fix/huge.h5:/x"
  "hdf5 dataset never written|2|declares 1000 x 10 values|-|train $config ${h5src[*]} --set data.path=$fix/unwritten.h5:/x"
  "hdf5 strings|2|not numeric|-|train $config ${h5src[*]} --set data.path=$fix/strings.h5:/x"
  "hdf5 1-D dataset|2|rank 1; expected a 2-D dataset|-|train $config ${h5src[*]} --set data.path=$fix/vector.h5:/x"
  "hdf5 NaN|2|holds a NaN or Inf|-|train $config ${h5src[*]} --set data.path=$fix/nan.h5:/x"
  "hdf5 garbage file|2|garbage.h5|-|train $config ${h5src[*]} --set data.path=$fix/garbage.h5:/x"
  "idx header of 1e9 images|2|huge.idx: truncated|-|train $config ${rbm[*]} --set data.path=$fix/huge.idx"
  "sweep: data.path a directory|2|a_directory: is a directory|-|sweep $config ${rbm[*]} --set data.path=$fix/a_directory --set train.k=1,2"
  # messages that name the right key
  "ptt on a convnet|2|measure.equilibrium: ptt (trajectory tempering) is for binary models|-|train $tiny --set measure.equilibrium=ptt"
  "ptt with one checkpoint|2|train.checkpoints: expected at least 2 with measure.equilibrium = ptt|-|train $config --set model.type=bm --set data.source=spins --set measure.equilibrium=ptt --set train.checkpoints=1"
  "ptt on a gaussian|2|measure.equilibrium: ptt (trajectory tempering) is for binary models|-|train $config --set measure.equilibrium=ptt"
  "pt ladder not ending at 1|2|measure.pt_betas: expected increasing inverse temperatures|-|train $config --set measure.pt_betas=0.2,0.5"
  "pt ladder decreasing|2|measure.pt_betas: expected increasing inverse temperatures|-|train $config --set measure.pt_betas=0.5,0.2,1"
  "pt replicas 0|2|measure.pt_replicas: expected an integer in [1, 1024]|-|train $config --set measure.pt_replicas=0"
  "bm exact scheme too large|2|train.scheme: exact equilibrium moments of a bm need N <= 20|-|train $config ${bm30[*]} --set train.scheme=exact"
  "bm exact moments too large|2|train.moments: exact p_k moments of a bm need N <= 12|-|train $config ${bm30[*]} --set train.moments=exact"
  "sweep: one grid point's data check|2|train.scheme: exact equilibrium moments of a bm need N <= 20, got N = 30 (in run exact)|-|sweep $config ${bm30[*]} --set train.scheme=rdm,exact"
  # output paths
  "run file path a directory|2|gaussian.h5: exists and is not a regular file|run_dir|train $config"
  "run file path a directory with --force|2|gaussian.h5: exists and is not a regular file|run_dir|train $config --force"
  "checkpoint path a directory|2|gaussian.ckpt.h5: exists and is not a regular file|ckpt_dir|train $config --force"
  "stale .tmp that is a directory|2|gaussian.h5.tmp: exists and cannot be removed|run_tmp_dir|train $config"
  "sweep: run file path a directory|2|gaussian.h5: exists and is not a regular file|run_dir|sweep $config --force"
  "sweep: a later run's training log a directory|2|k2.log.jsonl: exists and is not a regular file|log_dir|sweep $config --set train.k=1,2"
  "theory --out missing folder|2|does not exist|-|theory $config --out $N/t.h5"
  "theory --out read-only folder|2|is not writable|-|theory $config --out $fix/readonly/t.h5"
  "theory --out a directory|2|a_directory: exists and is not a regular file|-|theory $config --force --out $fix/a_directory"
  "theory --out empty|2|--out: empty|-|theory $config --out ''"
  # resume checkpoints
  "resume: params too short|2|resume checkpoint with 19 parameters; the model has 20|ckpt_short_params|train $config ${resume_args[*]}"
  "resume: params too long|2|resume checkpoint with 1000 parameters|ckpt_long_params|train $config ${resume_args[*]}"
  "resume: NaN params|2|NaN or Inf parameter|ckpt_nan_params|train $config ${resume_args[*]}"
  "resume: step beyond train.updates|2|at step 1000000000, outside [0, train.updates = 1000000]|ckpt_step_beyond|train $config ${resume_args[*]}"
  "resume: negative step|2|at step -3|ckpt_step_negative|train $config ${resume_args[*]}"
  "resume: NaN elapsed time|2|with elapsed_s|ckpt_elapsed_nan|train $config ${resume_args[*]}"
  "resume: log columns of different lengths|2|the columns of /log differ in length|ckpt_log_short|train $config ${resume_args[*]}"
  "resume: checkpoint not named by a step|2|/checkpoints/abc is not named by an update number|ckpt_ckpt_named_abc|train $config ${resume_args[*]}"
  "resume: checkpoint after the resume step|2|with a checkpoint at step 100000000|ckpt_ckpt_future|train $config ${resume_args[*]}"
  "resume: checkpoint of the wrong length|2|with a bad checkpoint at step|ckpt_ckpt_wrong_length|train $config ${resume_args[*]}"
  "resume: optimizer block of the wrong length|2|optimizer block velocity of 7 values|ckpt_optimizer_block|train $config ${resume_args[*]}"
  "resume: old schema|2|schema_version|ckpt_schema_v1|train $config ${resume_args[*]}"
  "resume: another configuration|2|resume checkpoint of another configuration|ckpt_other_config|train $config ${resume_args[*]}"
  "resume: Inf in an estimator block|2|NaN or Inf in its state block junk|ckpt_estimator_nan|train $config ${resume_args[*]}"
  "resume: garbage file|2|unreadable resume checkpoint|ckpt_garbage|train $config ${resume_args[*]}"
  "sweep resume: params too short|2|resume checkpoint with 19 parameters|ckpt_short_params|sweep $config ${resume_args[*]}"
  # run files given to measure and info
  "measure a read-only run file|2|run.h5: is read-only|measured_ro|measure $m"
  "measure in a read-only folder|2|is not writable|measured_ro_dir|measure $m"
  "measure a file with root attributes only|2|run.h5|measured_root_only|measure $m"
  "measure an interrupted run|2|only completed runs are measured|interrupted_run|measure $m"
  "measure a missing checkpoint|2|--checkpoint 999: expected last, all or a stored update|measured|measure $m --checkpoint 999"
  "measure a run file without its final checkpoint|2|completed after 30 updates but its last checkpoint is update|measured_no_final|measure $m"
  "measure changes a train key|2|shortrun measure changes measure.* keys only|measured|measure $m --set train.k=3"
  "measure a directory|2|a_directory|-|measure $fix/a_directory"
  "info on root attributes only|2|root_only.h5: no /config group|-|info $fix/root_only.h5"
  "info --json on root attributes only|2|root_only.h5: no /config group|-|info $fix/root_only.h5 --json"
  "info on garbage|2|garbage.h5: cannot open as HDF5|-|info $fix/garbage.h5"
  # concurrency
  "sweep: folder locked by a live sweep|2|another sweep holds this output folder (host elsewhere, pid 4242|lock_held|sweep $config"
)

# Files that look complete: new or changed *.h5 whose root says completed; any *.tmp.
snapshot() { find "$1" -type f -printf '%p %T@ %s\n' 2> /dev/null | sort; }
run_case() {  # folder launcher-prefix name code pattern setup args...: writes folder/result
  local d=$1 prefix=$2 name=$3 code=$4 pattern=$5 setup=$6
  shift 6
  local args=() a
  for a in "$@"; do
    [[ $a == "''" ]] && a=""  # '' in the table: an empty argument
    args+=("${a//@D@/$d}")
  done
  mkdir -p "$d/results"
  [[ $setup == - ]] || $setup
  local before
  before=$(snapshot "$d/results")
  (cd "$d" && timeout 60 $prefix "$shortrun" "${args[@]}" > /dev/null 2> "$d/err")
  local rc=$?
  [[ -f "$d/holder" ]] && { kill "$(cat "$d/holder")" 2> /dev/null; wait 2> /dev/null; }
  local why=
  if [[ $rc -eq 124 ]]; then why="hung (killed after 60 s)"
  elif [[ $rc -ne $code ]]; then why="exit $rc, expected $code"
  elif ! grep -qF -- "$pattern" "$d/err"; then why="message does not contain '$pattern'"
  elif [[ $(grep -c "shortrun: error:\|shortrun: internal error" "$d/err") -ne 1 ]]; then why="not exactly one error line"
  else
    local changed
    changed=$(comm -13 <(echo "$before") <(snapshot "$d/results") | cut -d' ' -f1)
    if grep -q '\.tmp$' <<< "$changed"; then why="left a .tmp file: $changed"
    elif [[ -n $changed ]] && $py - $changed <<'PY'; then why="left a file marked completed: $changed"; fi
import sys, h5py
for p in sys.argv[1:]:
    try:
        with h5py.File(p, "r") as f:
            if f.attrs.get("status") == "completed":
                sys.exit(0)
    except Exception:
        pass
sys.exit(1)
PY
  fi
  if [[ -n $why ]]; then echo "FAIL [$name] ($prefix): $why; stderr: $(head -c 600 "$d/err")" > "$d/result"
  else echo PASS > "$d/result"; fi
  chmod -R u+w "$d" 2> /dev/null
}

# The cases run 6 at a time, each in its own folder (mpirun's start-up, about 2 s, is mostly waiting).
n=0
launch() {  # prefix case
  local prefix=$1 name code pattern setup args
  IFS='|' read -r name code pattern setup args <<< "$2"
  n=$((n + 1))
  while (( $(jobs -rp | wc -l) >= 6 )); do wait -n; done
  # shellcheck disable=SC2086
  run_case "$work/case$n" "$prefix" "$name" "$code" "$pattern" "$setup" $args &
}
for c in "${cases[@]}"; do launch "" "$c"; done
# The train and sweep cases again under mpirun -n 2: the same code on every rank, one line, no hang.
# Of the --walltime forms and the caps, which take the same path on every rank, one of each is enough.
same_path='^(walltime (inf|nan|infinity|negative|zero|exponent|four|words|empty)|(t_points|ais_temperatures|updates|k|chains|measure.chains|n_samples|n_hidden) 1e)'
for c in "${cases[@]}"; do
  IFS='|' read -r name _ _ _ args <<< "$c"
  [[ $name =~ $same_path ]] && continue
  [[ $args == train* || $args == sweep* ]] && launch "$mpiexec -n 2" "$c"
done
wait
tally_cases "$n"
echo "hostile: ${#cases[@]} cases, $n runs (1 and 2 ranks): $passed passed, $failures failed"

# --- situations that must complete correctly --------------------------------------------------------
rm -rf "$work/results"
# A far wall time (366 days, the cap) does not stop the run early.
(cd "$work" && "$shortrun" train "$config" "${small[@]}" --walltime 366-00:00:00 > "$work/out" 2> "$work/err") ||
  { echo "FAIL [far walltime]: exit $?: $(cat "$work/err")"; failures=$((failures + 1)); }
grep -q "completed after 30 updates" "$work/out" ||
  { echo "FAIL [far walltime]: did not complete all updates: $(cat "$work/out")"; failures=$((failures + 1)); }
# A stale lock file (its holder gone, killed: no flock held) is taken over, and removed at the end.
mkdir -p "$work/results/stale"
echo "host gone, pid 999999, since long ago" > "$work/results/stale/sweep.h5.lock"
(cd "$work" && "$shortrun" sweep "$config" "${small[@]}" --out "$work/results/stale" > /dev/null 2> "$work/err") ||
  { echo "FAIL [stale lock]: exit $?: $(cat "$work/err")"; failures=$((failures + 1)); }
[[ ! -e "$work/results/stale/sweep.h5.lock" ]] ||
  { echo "FAIL [stale lock]: the lock file is left after the sweep ended"; failures=$((failures + 1)); }
# A stop on a sweep whose runs have all completed (here: the stale-lock sweep again, under a wall time
# shorter than the stop margin, so the stop is requested at once) leaves nothing to resume: exit 0
# and a manifest still completed, on 1 and 2 ranks; exit 75 would make a requeueing job loop forever.
for launcher in "" "$mpiexec -n 2"; do
  (cd "$work" && $launcher "$shortrun" sweep "$config" "${small[@]}" --out "$work/results/stale" --walltime 1 \
    > "$work/out" 2> "$work/err"); rc=$?
  if [[ $rc -ne 0 ]] || ! grep -q "every run completed; the stop (wall-time limit) came after the last one" "$work/out" ||
     ! $py -c "import h5py, sys; sys.exit(h5py.File(sys.argv[1], 'r').attrs['status'] != 'completed')" \
       "$work/results/stale/sweep.h5"; then
    echo "FAIL [stop after completion${launcher:+, $launcher}]: exit $rc (expected 0); $(cat "$work/out" "$work/err")"
    failures=$((failures + 1))
  fi
done
# Two sweeps at once on one folder: the second exits 2 naming the holder; a third with --wait waits
# until the first ends (SIGTERM: exit 75, checkpoints), then takes the lock and continues the runs
# (stopped in turn by its --walltime: exit 75).
two=(sweep "$config" --set train.updates=1000000 --set train.chains=64 --set data.n_samples=500
     --set run.checkpoint_every=0.2 --set train.k=1,2 --quiet --out "$work/results/two")
(cd "$work" && exec "$shortrun" "${two[@]}" > /dev/null 2> "$work/err1") & first=$!
for _ in $(seq 200); do [[ -f "$work/results/two/runs/k1.ckpt.h5" ]] && break; sleep 0.05; done
(cd "$work" && "$shortrun" "${two[@]}" > /dev/null 2> "$work/err2"); rc2=$?
(cd "$work" && exec "$shortrun" "${two[@]}" --wait --walltime 6 > /dev/null 2> "$work/err3") & third=$!
sleep 1
kill -TERM "$first"
wait "$first"; rc1=$?
wait "$third"; rc3=$?
if [[ $rc1 -ne 75 || $rc2 -ne 2 || $rc3 -ne 75 ]] || ! grep -q "another sweep holds this output folder (host .*, pid $first" "$work/err2" ||
   ! grep -q "waiting for the lock" "$work/err3"; then
  echo "FAIL [two sweeps at once]: exits $rc1 $rc2 $rc3 (expected 75 2 75); $(cat "$work/err1" "$work/err2" "$work/err3")"
  failures=$((failures + 1))
fi

# Two trains of one run, the whole grid's sweep beside a --shard sweep of it, and a train beside a
# sweep of its folder (both orders each): the second exits 2 naming the first, which goes on
# (SIGTERM then: exit 75).
long=(--set train.updates=1000000 --set train.chains=64 --set data.n_samples=500 --set run.checkpoint_every=0.2 --quiet)
second_refused() {  # name first-args second-args pattern (args separated by ;): the first, then the second
  local name=$1 pattern=$4 first_pid rc1 rc2
  IFS=';' read -ra a1 <<< "$2"
  IFS=';' read -ra a2 <<< "$3"
  rm -rf "$work/results"
  (cd "$work" && exec "$shortrun" "${a1[@]}" > /dev/null 2> "$work/err1") & first_pid=$!
  for _ in $(seq 200); do compgen -G "$work/results/lk/runs/*.ckpt.h5" > /dev/null && break; sleep 0.05; done
  (cd "$work" && timeout 60 "$shortrun" "${a2[@]}" > /dev/null 2> "$work/err2"); rc2=$?
  kill -TERM "$first_pid"
  wait "$first_pid"; rc1=$?
  if [[ $rc2 -ne 2 || $rc1 -ne 75 ]] || ! grep -q "$pattern (host .*, pid $first_pid" "$work/err2"; then
    echo "FAIL [$name]: exits $rc1 $rc2 (expected 75 2); $(cat "$work/err1" "$work/err2")"
    failures=$((failures + 1))
  fi
}
t=$(IFS=';'; echo "train;$config;${long[*]};--out;$work/results/lk")
sw=$(IFS=';'; echo "sweep;$config;${long[*]};--set;train.k=1,2,3,4;--out;$work/results/lk")
second_refused "two trains of one run" "$t" "$t" "another \`shortrun train\` of this run is running"
second_refused "a shard beside the whole grid's sweep" "$sw" "$sw;--shard;1/2" "the whole grid's sweep runs in this output folder"
second_refused "the whole grid's sweep beside a shard" "$sw;--shard;0/2" "$sw" "a --shard sweep runs in this output folder"
second_refused "a train beside a sweep of its folder" "$sw" "$t;--set;run.name=k3" "a sweep runs in this output folder"
second_refused "a sweep beside a train of one of its runs" "$t;--set;run.name=k2" "$sw" \
  "a \`shortrun train\` of run k2 is running"

# An internal error in phase 2 (injected on one rank while the other trains): one line, exit 1 on
# every rank, no hang, nothing marked completed, and a sweep's manifest says failed.
for ranks_fault in "1 0" "2 1" "2 0"; do
  read -r ranks fault <<< "$ranks_fault"
  for cmd in train sweep; do
    rm -rf "$work/results"
    launcher=()
    [[ $ranks -gt 1 ]] && launcher=($mpiexec -n "$ranks")
    extra=()
    [[ $cmd == sweep ]] && extra=(--set train.k=1,2)
    (cd "$work" && SHORTRUN_INJECT_FAULT=$fault timeout 60 "${launcher[@]}" "$shortrun" $cmd "$config" "${small[@]}" "${extra[@]}" \
      > /dev/null 2> "$work/err"); rc=$?
    why=
    if [[ $rc -ne 1 ]]; then why="exit $rc, expected 1"
    elif ! grep -q "shortrun: internal error on rank $fault: injected fault" "$work/err"; then why="no line naming the fault"
    elif [[ $(grep -c "shortrun: internal error\|shortrun: error" "$work/err") -ne 1 ]]; then why="not exactly one error line"
    elif $py - "$work/results" "$cmd" "$fault" "$ranks" <<'PY'; then why="a file says completed, or the manifest does not say failed"; fi
import glob, sys, h5py
root, cmd, fault, ranks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
bad = False
for p in glob.glob(f"{root}/**/*.h5", recursive=True):
    with h5py.File(p, "r") as f:
        status = f.attrs.get("status")
        if p.endswith("sweep.h5"):
            bad = bad or (fault == "0" and status != "failed") or status == "completed"
        elif status == "completed":
            # In a sweep on 2 ranks the other team's run may really complete before the job ends.
            bad = bad or not (cmd == "sweep" and ranks > 1)
sys.exit(0 if bad else 1)
PY
    if [[ -n $why ]]; then
      echo "FAIL [injected fault, $cmd on $ranks rank(s), rank $fault]: $why; $(head -c 600 "$work/err")"
      failures=$((failures + 1))
    fi
  done
done

# Ranks started with different arguments (an MPMD launch, two programs after one another): exit 2 on
# every rank with one line naming the first differing key, no hang, no file left.
for cmd in train sweep; do
  rm -rf "$work/results"
  extra=()
  [[ $cmd == sweep ]] && extra=(--set train.k=1,2)
  (cd "$work" && timeout 60 $mpiexec -n 1 "$shortrun" $cmd "$config" "${small[@]}" "${extra[@]}" : \
    -n 1 "$shortrun" $cmd "$config" "${small[@]}" "${extra[@]}" --set train.lr=0.05 > /dev/null 2> "$work/err"); rc=$?
  why=
  if [[ $rc -ne 2 ]]; then why="exit $rc, expected 2"
  elif ! grep -qF "rank 1 was started with another configuration than rank 0 ('train.lr = 0.05' against rank 0's 'train.lr = " "$work/err"; then
    why="no line naming rank 1 and train.lr"
  elif [[ $(grep -c "shortrun: internal error\|shortrun: error" "$work/err") -ne 1 ]]; then why="not exactly one error line"
  elif [[ -n $(find "$work/results" -name '*.h5*' 2> /dev/null) ]]; then why="left $(find "$work/results" -name '*.h5*')"
  fi
  if [[ -n $why ]]; then
    echo "FAIL [ranks with different configurations, $cmd]: $why; $(head -c 600 "$work/err")"
    failures=$((failures + 1))
  fi
done

# A sweep into a folder whose manifest lists other runs (another grid): exit 2 naming the manifest,
# which stays as it was; a grid containing the earlier one rewrites it; --force keeps it aside.
rm -rf "$work/results"
g=(sweep "$config" "${small[@]}" --out "$work/results/g")
manifest_runs() { $py -c "import h5py, sys; print(','.join(x.decode() for x in h5py.File(sys.argv[1], 'r')['runs/run_id'][()]))" "$1"; }
(cd "$work" && "$shortrun" "${g[@]}" --set train.k=1,2 > /dev/null 2>&1) || fail "sweep k = 1,2"
before=$(md5sum < "$work/results/g/sweep.h5")
(cd "$work" && "$shortrun" "${g[@]}" --set train.k=3,4 > /dev/null 2> "$work/err"); rc=$?
why=
if [[ $rc -ne 2 ]]; then why="another grid: exit $rc, expected 2"
elif ! grep -q "shortrun: error: .*/g/sweep.h5: lists 2 run(s) this grid does not have (k1, ...)" "$work/err"; then why="another grid: no line naming the manifest"
elif [[ $(md5sum < "$work/results/g/sweep.h5") != "$before" || -e "$work/results/g/runs/k3.h5" ]]; then why="another grid: the manifest changed or a run started"
else
  (cd "$work" && "$shortrun" "${g[@]}" --set train.k=1,2,3 > /dev/null 2> "$work/err") || why="a larger grid: exit $?: $(cat "$work/err")"
  [[ -z $why && $(manifest_runs "$work/results/g/sweep.h5") != k1,k2,k3 ]] && why="a larger grid: manifest lists $(manifest_runs "$work/results/g/sweep.h5")"
  if [[ -z $why ]]; then
    (cd "$work" && "$shortrun" "${g[@]}" --set train.k=3,4 --force > /dev/null 2> "$work/err") || why="--force: exit $?: $(cat "$work/err")"
    kept=$(compgen -G "$work/results/g/sweep.replaced-*.h5")
    [[ -z $why && ( -z $kept || $(manifest_runs "$kept") != k1,k2,k3 || $(manifest_runs "$work/results/g/sweep.h5") != k3,k4 ) ]] &&
      why="--force: kept '$kept', manifests $(manifest_runs "$work/results/g/sweep.h5")"
  fi
fi
if [[ -n $why ]]; then echo "FAIL [sweep over another grid's manifest]: $why; $(head -c 600 "$work/err")"; failures=$((failures + 1)); fi

echo "hostile: done, $failures failed"
[[ $failures -eq 0 ]]
