#!/usr/bin/env bash
# Bit-for-bit regression test of the run files (ctest integration.golden_runs): runs every example
# and paper config at a tiny size with the tested binary (run_configs.sh) and compares the digest
# of every run file and sweep manifest (h5digest.py: every dataset and attribute but timestamps,
# wall times, host, version and commit) with the stored ones in tests/golden/reference/, made by
# the binary of the commit before a refactor of the app's internals. Any difference, or a missing
# or extra file, fails the test with the differing lines (first 40 per file) and the config.
#
#   golden.sh BINARY [MPIEXEC]          (SHORTRUN_GOLDEN_KEEP=1 keeps the run files and logs)
#
# Floating-point bits also depend on the compiler, the build flags and the matrix-product library:
# when the tested binary's (run_configs.sh --machine) differ from reference/machine.txt, the
# comparison means nothing and the test is skipped (exit 77, with the reason). A deliberate change
# of results: tests/golden/regenerate.sh (read its header first).
# Exit: 0 identical, 1 a difference (or a failure to run), 77 skipped.
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ref=$here/reference
binary=${1:?usage: golden.sh BINARY [MPIEXEC]}
[[ -n ${2:-} ]] && export SHORTRUN_MPIEXEC=$2
[[ -x $binary ]] || { echo "FAIL: $binary: not an executable" >&2; exit 1; }
[[ -d $ref ]] || { echo "FAIL: $ref missing" >&2; exit 1; }

tmp=$(mktemp -d)
if [[ -n ${SHORTRUN_GOLDEN_KEEP:-} ]]; then trap 'echo "kept $tmp"' EXIT; else trap 'rm -rf "$tmp"' EXIT; fi

# --- same compiler, flags and library as the references? -----------------------------------------
if ! "$here/run_configs.sh" --machine "$binary" >"$tmp/machine.txt" 2>"$tmp/machine.err"; then
  cat "$tmp/machine.err" >&2
  echo "FAIL: $binary --version / bench --what gemm --quick --json failed: cannot say how it was built" >&2
  exit 1
fi
if ! cmp -s "$ref/machine.txt" "$tmp/machine.txt"; then
  {
    echo "SKIPPED: the tested binary was not built like the one that made tests/golden/reference/:"
    diff "$ref/machine.txt" "$tmp/machine.txt" | sed -n 's/^</  reference:/p; s/^>/  tested:   /p'
    echo "Another compiler, other build flags or another matrix-product library give other"
    echo "floating-point bits, so the digests cannot be compared. To check a refactor, build the"
    echo "commit before it and after it the same way; to take this build's results as the new"
    echo "references (a deliberate change only): tests/golden/regenerate.sh BINARY."
  } >&2
  exit 77
fi
for d in /usr/share/datasets/fashion-mnist /usr/local/share/datasets/fashion-mnist; do
  [[ -e $d/train-images-idx3-ubyte.gz ]] && fashion=$d
done
[[ -n ${fashion:-} ]] || { echo "SKIPPED: Fashion-MNIST not installed (Debian package dataset-fashion-mnist)" >&2; exit 77; }

# --- run --------------------------------------------------------------------------------------------
t0=$SECONDS
SHORTRUN_GOLDEN_WORK=$tmp/work "$here/run_configs.sh" "$binary" "$tmp/digests" 2>"$tmp/run.err"
rc=$?
cat "$tmp/run.err" >&2
[[ $rc -eq 0 ]] || { echo "FAIL: run_configs.sh exit $rc" >&2; exit 1; }

# --- compare ----------------------------------------------------------------------------------------
(cd "$ref" && find . -type f ! -name machine.txt | sed 's|^\./||' | sort) >"$tmp/ref.list"
(cd "$tmp/digests" && find . -type f | sed 's|^\./||' | sort) >"$tmp/new.list"
command_of() {  # TAG: its command lines as run_configs.sh ran them
  grep "^$1 " "$tmp/digests/runs.txt" | sed 's/^/    /'
}
bad=0 shown=0
while read -r f; do
  echo "FAIL: missing: $f (the reference has it, this binary did not write it)" >&2
  bad=$((bad + 1))
done < <(comm -23 "$tmp/ref.list" "$tmp/new.list")
while read -r f; do
  echo "FAIL: extra: $f (this binary wrote it, the reference has none)" >&2
  bad=$((bad + 1))
done < <(comm -13 "$tmp/ref.list" "$tmp/new.list")
while read -r f; do
  cmp -s "$ref/$f" "$tmp/digests/$f" && continue
  bad=$((bad + 1))
  tag=${f%%/*}
  if ((shown >= 20)); then
    echo "FAIL: $f differs (config $tag)" >&2
    continue
  fi
  shown=$((shown + 1))
  {
    if [[ $f == */* ]]; then
      echo "FAIL: $f differs; config $tag, run as:"
      command_of "$tag"
    else
      echo "FAIL: $f differs"
    fi
    echo "  first differing lines (- reference, + this binary):"
    diff -U0 "$ref/$f" "$tmp/digests/$f" | grep -E '^[-+][^-+]|^[-+]$' | head -n 40 | sed 's/^/    /'
  } >&2
  # A run that failed: its log.
  if [[ $f == runs.txt ]]; then
    while read -r line; do
      t=${line%% *}
      ls "$tmp/work/logs/$t"*.log >/dev/null 2>&1 || continue
      for log in "$tmp/work/logs/$t"*.log; do
        echo "  log of $t ($(basename "$log")):" >&2
        tail -n 10 "$log" | sed 's/^/    | /' >&2
      done
    done < <(diff "$ref/runs.txt" "$tmp/digests/runs.txt" | sed -n 's/^> //p')
  fi
done < <(comm -12 "$tmp/ref.list" "$tmp/new.list")

n=$(wc -l <"$tmp/ref.list")
if ((bad)); then
  echo "FAIL: $bad of $n digest files differ from tests/golden/reference/ ($((SECONDS - t0)) s)." >&2
  echo "  The run files are not bit for bit those of the reference binary. Inspect them with" >&2
  echo "  SHORTRUN_GOLDEN_KEEP=1 $0 BINARY; regenerate the references only for a deliberate," >&2
  echo "  documented change of results (tests/golden/regenerate.sh)." >&2
  exit 1
fi
echo "PASS: $n digest files identical to tests/golden/reference/ ($((SECONDS - t0)) s)"
