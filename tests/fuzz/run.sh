#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/CMakeLists.txt, clang with ASan and UBSan) and runs each
# for a bounded time, all at once, starting from the seed corpus tests/fuzz/corpus/<target>/ (new
# inputs go to a scratch folder; the corpus in the repository is only read).
#   tests/fuzz/run.sh [SECONDS]     default 40 s per target (CI: tests/run.sh, 25 s)
#   tests/fuzz/run.sh --build-only  only the build (CI builds while the tests run; the run that
#                                   follows then finds nothing to rebuild)
# A crash, sanitizer report, leak, timeout (10 s per input) or input over 2 GB of memory fails the run;
# the input is saved as build-fuzz/artifacts/<kind>-<hash>: fix the bug, then add the input to the
# target's corpus so that it stays fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_only=0
[[ ${1:-} == --build-only ]] && { build_only=1; shift; }
seconds=${1:-40}
build=${SHORTRUN_FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S tests/fuzz -B "$build" -DCMAKE_BUILD_TYPE=Debug > "$build-configure.log" 2>&1 ||
  { cat "$build-configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" > "$build.log" 2>&1 || { tail -n 60 "$build.log"; exit 1; }
((build_only)) && exit 0
mkdir -p "$build/artifacts"
pids=() targets=(fuzz_config fuzz_idx fuzz_resume)
for t in "${targets[@]}"; do
  scratch="$build/corpus-${t#fuzz_}"
  mkdir -p "$scratch"
  "$build/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/" "$scratch" "tests/fuzz/corpus/${t#fuzz_}" > "$build/$t.log" 2>&1 &
  pids+=($!)
done
rc=0
for i in "${!targets[@]}"; do
  if wait "${pids[$i]}"; then
    echo "== fuzz: ${targets[$i]}: $(grep -m1 'stat::number_of_executed_units' "$build/${targets[$i]}.log" | awk '{print $2}') inputs in ${seconds} s, no failure"
  else
    rc=1
    echo "== fuzz: ${targets[$i]} FAILED (log: $build/${targets[$i]}.log; input in $build/artifacts/)" >&2
    grep -A30 "ERROR:\|runtime error\|deadly signal\|uncaught exception" "$build/${targets[$i]}.log" | head -40 >&2 || true
  fi
done
exit "$rc"
