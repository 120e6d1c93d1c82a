#!/usr/bin/env bash
# Builds shortrun and runs the whole test suite (CTest labels: unit, io, mpi, integration, analysis,
# study, slurm).
# Does all its set-up on a fresh Debian 12 machine: installs missing packages with apt, configures
# and builds into build/ (or $SHORTRUN_BUILD_DIR).
#
#   tests/run.sh                 everything
#   tests/run.sh -L unit         only one label (any ctest arguments are passed on)
#
# CI (CI=true) builds with warnings as errors, as a unity build, then builds the unit tests
# again with clang's AddressSanitizer and UndefinedBehaviorSanitizer (cmake --preset sanitize, which also
# turns on the optional OpenMP build and requires OpenBLAS, -DSHORTRUN_OPENMP=ON -DSHORTRUN_BLAS=ON, so CI
# compiles and tests them) and runs them (label sanitize; ten slow statistical tests are left to the Release
# run, named in CMakePresets.json). SHORTRUN_SANITIZE_TESTS=1 does the same outside CI.
# CI also builds the libFuzzer harnesses with clang and runs each for 25 s (tests/fuzz/run.sh);
# SHORTRUN_FUZZ_TESTS=1 does the same outside CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase says how long it took, so a slow CI run shows where its time went.
phase_start=$SECONDS
phase() { echo "== tests/run.sh: $1 took $((SECONDS - phase_start)) s" >&2; phase_start=$SECONDS; }

# The fuzz harnesses (CI) need clang and its libFuzzer runtime; the sanitizer build (CI) clang, its
# sanitizer runtimes and libomp.
[[ "${CI:-}" == "true" || "${SHORTRUN_FUZZ_TESTS:-}" == "1" ]] && export SHORTRUN_WITH_FUZZ=1
[[ "${CI:-}" == "true" || "${SHORTRUN_SANITIZE_TESTS:-}" == "1" ]] && export SHORTRUN_WITH_SANITIZE=1
jobs/local/install-deps.sh
phase "installing packages"

# The sanitizer build, then the fuzz harnesses' build, compile from the start, one after the other
# at the lowest priority (nice 19): they take only the CPU that the Release build (its last files,
# one core idle) and then the tests (MPI start-up, SLURM's polling, waits on signals) leave idle,
# so the tests' timings stay theirs and the builds' time mostly hides behind them.
background=
if [[ "${CI:-}" == "true" || "${SHORTRUN_SANITIZE_TESTS:-}" == "1" || "${SHORTRUN_WITH_FUZZ:-}" == "1" ]]; then
  sanitize=0
  [[ "${CI:-}" == "true" || "${SHORTRUN_SANITIZE_TESTS:-}" == "1" ]] && sanitize=1
  ((sanitize)) && echo "== sanitizers: clang ASan + UBSan build (with OpenMP and OpenBLAS) of the unit tests, in the background (build-sanitize.log)"
  [[ "${SHORTRUN_WITH_FUZZ:-}" == "1" ]] && echo "== fuzz: the libFuzzer harnesses build in the background (build-fuzz.log)"
  (
    if ((sanitize)); then
      cmake --preset sanitize > build-sanitize-configure.log 2>&1 || { cat build-sanitize-configure.log; exit 1; }
      nice -n 19 cmake --build --preset sanitize -j"$(nproc)" > build-sanitize.log 2>&1 ||
        { tail -n 60 build-sanitize.log; echo "== sanitizers: the build failed (whole log: build-sanitize.log)" >&2; exit 1; }
    fi
    if [[ "${SHORTRUN_WITH_FUZZ:-}" == "1" ]]; then
      nice -n 19 tests/fuzz/run.sh --build-only || exit 1
    fi
  ) &
  background=$!
  # Leaving early (a failed Release build): stop the background builds too.
  trap 'if kill -0 "$background" 2> /dev/null; then pkill -P "$background"; kill "$background"; fi 2> /dev/null' EXIT
fi

build=${SHORTRUN_BUILD_DIR:-build}
# CI builds from scratch, where a unity build (CMAKE_UNITY_BUILD: several sources compiled as one)
# takes about half the compile time; a developer's incremental rebuilds are faster without it.
werror=OFF unity=OFF
[[ "${CI:-}" == "true" ]] && werror=ON unity=ON
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSHORTRUN_WERROR="$werror" -DCMAKE_UNITY_BUILD="$unity" \
  > "$build-configure.log" 2>&1 ||
  { cat "$build-configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)"
phase "the Release build"

# Open MPI's mpirun refuses root and more ranks than cores unless told; tests need both.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
rc=0
(cd "$build" && ctest --output-on-failure -j"$(nproc)" "$@") || rc=$?
phase "the tests"

if [[ -n $background ]]; then
  wait "$background" || exit 1
  phase "the rest of the background builds"
fi
if [[ "${CI:-}" == "true" || "${SHORTRUN_SANITIZE_TESTS:-}" == "1" ]]; then
  echo "== sanitizers: the unit tests but ten statistical tests of 14-80 s under ASan (their names: CMakePresets.json, testPresets sanitize)"
  ctest --preset sanitize -j"$(nproc)" || rc=$?
  phase "the sanitizer tests"
fi
# Fuzzing (CI, or SHORTRUN_FUZZ_TESTS=1): the INI/--set parser, the IDX reader and the resume-state
# reader under libFuzzer with ASan and UBSan, 25 s each, run at once (tests/fuzz/run.sh).
if [[ "${SHORTRUN_WITH_FUZZ:-}" == "1" ]]; then
  tests/fuzz/run.sh 25 || rc=1
  phase "the fuzz runs"
fi
echo "== tests/run.sh: all done in $SECONDS s (exit $rc)" >&2
exit "$rc"
