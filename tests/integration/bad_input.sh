#!/usr/bin/env bash
# Bad input: every case exits 2 with one line naming the key or file, leaves no run file, and under
# `mpirun -n 2` every rank exits without hanging.
# Usage: bad_input.sh SHORTRUN MPIEXEC
set -uo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
failures=0
passed=0

printf '[model]\ntype = gaussian\n[data]\nspectrum = 1,2\n[bogus]\nkey = 1\n' > "$work/unknown.ini"
printf 'not an idx file at all' > "$work/junk.idx"
printf '\x00\x00\x08\x03\x00\x00\x00\x0a\x00\x00\x00\x1c\x00\x00\x00\x1c\x01\x02' > "$work/truncated.idx"
rbm=(--set model.type=rbm --set model.n_hidden=4 --set data.source=idx --set data.binarize=0.5
     --set init.type=uniform --set sampler.type=block-gibbs)
printf '[model]\ntype = gaussian\n[data]\nspectrum = 1,2\n[train]\nk = 1\nk = 2\n' > "$work/dup.ini"
# A malformed line that holds Boost's own placeholder: its error message used to be built forever.
printf '[model %%invalid_line%%\ntype = gaussian\n' > "$work/badline.ini"
# An IDX image file with 0 images of 28 x 28 pixels.
printf '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' > "$work/empty.idx"
tiny="$(dirname "$config")/convnet-tiny.ini"  # 8 x 8 blobs, channels 8,16
# Two black 32 x 32 images (16 x 16 after data.downscale = 2).
{ printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x20\x00\x00\x00\x20'; head -c 2048 /dev/zero; } > "$work/black32.idx"

# name | expected pattern in the message | arguments after `shortrun`
cases=(
  "unknown key|unknown.ini: unknown key 'bogus.key'|train $work/unknown.ini"
  "duplicate key|dup.ini|train $work/dup.ini"
  "malformed line|badline.ini: invalid line '[model %invalid_line%': expected KEY = VALUE|train $work/badline.ini"
  "k = 0|train.k: expected an integer >= 1|train $config --set train.k=0"
  "k not a number|train.k: expected an integer, got 'ten'|train $config --set train.k=ten"
  "negative lr|train.lr: expected a number > 0|train $config --set train.lr=-0.1"
  "list given to train|train.k: 'shortrun train' takes one value|train $config --set train.k=1,5"
  "list of lr given to train|train.lr: 'shortrun train' takes one value|train $config --set train.lr=0.1,0.2"
  "missing config file|nope.ini: cannot open the config file|train $work/nope.ini"
  "bad run.name|run.name: expected letters, digits|train $config --set run.name=../up"
  "unknown scheme|train.scheme: expected one of rdm, cd, pcd, exact|train $config --set train.scheme=sgd"
  "unknown --set key|unknown key 'train.kk'|train $config --set train.kk=3"
  "malformed --set|expected SECTION.KEY=VALUE|train $config --set train.k"
  "negative spectrum|data.spectrum: expected positive|train $config --set data.spectrum=1,-2"
  "missing model.type|model.type: missing|train $config --set model.type="
  "unknown model type|model.type: expected one of gaussian, spins, bm, rbm, convnet|train $config --set model.type=convnets"
  "binary model on gaussian data|data.source: expected one of spins|train $config --set model.type=bm"
  "rbm without hidden units|model.n_hidden: expected an integer >= 1|train $config --set model.type=rbm --set data.source=spins"
  "n_visible mismatch|model.n_visible|train $config --set model.n_visible=7"
  "population data with sampled chains|data.n_samples: 0|train $config --set data.n_samples=0"
  "gaussian: fewer samples than N + 1|data.n_samples: 4 samples of 4 units give a singular data covariance|train $config --set data.n_samples=4"
  "gaussian: singular data, theory|data.n_samples: 1 samples of 4 units|theory $config --set data.n_samples=1"
  "unknown option|unrecognised option|train $config --frobnicate"
  "missing argument|missing CONFIG.ini|train"
  "unknown command|unknown command 'trian'|trian $config"
  "info on a missing file|nothere.h5|info $work/nothere.h5"
  "info on a config file|gaussian.ini|info $config"
  "info on a directory|: a directory; expected a run file|info $work"
  "theory with a list|train.k: 'shortrun theory' takes one value|theory $config --set train.k=1,2"
  "theory --out exists|gaussian.ini: file exists|theory $config --out $config"
  "sweep: P does not divide|--ranks-per-run: 3 does not divide|sweep $config --ranks-per-run 3"
  "sweep: P = 0|--ranks-per-run: 0 does not divide|sweep $config --ranks-per-run 0"
  "sweep: empty list item|train.k: empty value in the list '1,,5'|sweep $config --set train.k=1,,5"
  "sweep: duplicated axis value|train.lr: value 0.10 appears twice|sweep $config --set train.lr=0.1,0.10"
  "sweep: unknown key|unknown key 'bogus.key'|sweep $work/unknown.ini"
  "sweep: list in a key that is not an axis|train.updates: takes one value (it is not a sweep axis)|sweep $config --set train.updates=10,20"
  "idx file with a wrong magic number|junk.idx: wrong magic number|train $config ${rbm[*]} --set data.path=$work/junk.idx"
  "truncated idx file|truncated.idx: truncated|train $config ${rbm[*]} --set data.path=$work/truncated.idx"
  "missing idx file|nothere.idx|train $config ${rbm[*]} --set data.path=$work/nothere.idx"
  "hdf5 data without a dataset name|data.h5|train $config ${rbm[*]} --set data.source=hdf5 --set data.path=$work/data.h5"
  "sweep: shard out of range|--shard: expected i/n with 0 <= i < n, got '3/3'|sweep $config --shard 3/3"
  "sweep: one bad grid point|train.k: expected an integer >= 1, got 0 (in run k0)|sweep $config --set train.k=5,0"
  "convnet: images too small for the layers|model.channels: 3 stride-2 conv layers (8,8,8) need images of at least 9 x 9 pixels, the data's are 8 x 8|train $tiny --set model.channels=8,8,8"
  "convnet: idx images downscaled too far|model.channels: 4 stride-2 conv layers (4,4,4,4) need images of at least 17 x 17 pixels, the data's are 16 x 16|train $tiny --set data.source=idx --set data.path=$work/black32.idx --set model.n_visible=0 --set data.downscale=2 --set model.channels=4,4,4,4"
  "convnet: a zero channel count|model.channels: expected a list of 1 to 8 integers in [1, 1024]|train $tiny --set model.channels=8,0"
  "convnet: a fractional channel count|model.channels: expected a list of 1 to 8 integers in [1, 1024] (channels per conv layer, e.g. 16,32,64), got '8,2.5'|train $tiny --set model.channels=8,2.5"
  "convnet: channels not a list of numbers|model.channels: expected a number, got 'many'|train $tiny --set model.channels=8,many"
  "convnet: empty blobs data set|data.n_samples: expected at least 1 blobs image|train $tiny --set data.n_samples=0"
  "convnet: idx file without images|empty.idx: shape 0 x 28 x 28; expected at least one image|train $tiny --set data.source=idx --set model.n_visible=0 --set data.path=$work/empty.idx"
  "convnet: exact scheme|train.scheme: expected sampled chains for the convnet|train $tiny --set train.scheme=exact"
  "convnet: unknown activation|model.activation: expected one of silu, leaky-relu|train $tiny --set model.activation=relu"
  "data noise on the gaussian model|data.noise: only the convnet|train $config --set data.noise=0.1"
)

check_case() {  # folder launcher-prefix name pattern args...: writes folder/result
  local d=$1 prefix=$2 name=$3 pattern=$4
  shift 4
  local err="$d/err" why=
  mkdir -p "$d"
  (cd "$d" && timeout -k 10 60 $prefix "$shortrun" "$@" > "$d/out" 2> "$err")
  local rc=$?
  if [[ $rc -eq 124 ]]; then why="hung (killed after 60 s)"
  elif [[ $rc -ne 2 ]]; then why="exit $rc, expected 2; stderr: $(cat "$err")"
  elif ! grep -qF -- "$pattern" "$err"; then why="message does not contain '$pattern': $(cat "$err")"
  elif [[ $(grep -c "shortrun: error:" "$err") -ne 1 ]]; then
    why="$(grep -c "shortrun: error:" "$err") error lines, expected exactly 1: $(cat "$err")"
  elif compgen -G "$d/results/*/runs/*" > /dev/null; then why="left files in results/: $(ls -R "$d/results")"
  fi
  if [[ -n $why ]]; then echo "FAIL [$name] ($prefix): $why" > "$d/result"; else echo PASS > "$d/result"; fi
}

# The cases run 6 at a time, each in its own folder (the runs fail at once; mpirun's start-up and
# teardown, about 2 s, is mostly waiting).
n=0
launch() {  # prefix case
  local prefix=$1 name pattern args
  IFS='|' read -r name pattern args <<< "$2"
  n=$((n + 1))
  while (( $(jobs -rp | wc -l) >= 6 )); do wait -n; done
  # shellcheck disable=SC2086
  check_case "$work/case$n" "$prefix" "$name" "$pattern" $args &
}
for c in "${cases[@]}"; do launch "" "$c"; done
# The train and sweep cases again under mpirun -n 2: exit 2 on every rank, one message, no hang.
for c in "${cases[@]}"; do
  IFS='|' read -r _ _ args <<< "$c"
  [[ $args == train* || $args == sweep* ]] && launch "$mpiexec -n 2" "$c"
done
wait
tally_cases "$n"

echo "bad_input: $passed passed, $failures failed"
[[ $failures -eq 0 ]]
