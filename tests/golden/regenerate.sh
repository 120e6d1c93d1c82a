#!/usr/bin/env bash
# Regenerates tests/golden/reference/ (the digests integration.golden_runs compares against) with
# BINARY, and reference/machine.txt (its compiler, build flags and matrix-product library).
#
#   tests/golden/regenerate.sh BINARY [MPIEXEC]
#
# ONLY FOR A DELIBERATE, DOCUMENTED CHANGE OF RESULTS. The references are the proof that a
# refactor changes no bit of any run file; regenerating them to make a failing golden test pass
# throws that proof away. Run it only when the results are meant to change (a new random stream,
# a fixed numerical bug, a schema change, a new or changed config, other tiny overrides in
# run_configs.sh) or to move the references to another compiler / flags / library on purpose, and
# say in the commit message which change made which digests differ and why that is intended.
# Build BINARY from the commit whose results become the reference.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary=${1:?usage: regenerate.sh BINARY [MPIEXEC]}
[[ -n ${2:-} ]] && export SHORTRUN_MPIEXEC=$2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/run_configs.sh" --machine "$binary" >"$tmp/machine.txt"
"$here/run_configs.sh" "$binary" "$tmp/reference"
# Exit codes other than 0 and 3 (diverged) mean a run failed: no reference of that.
if awk '$2 != "rc=0" && $2 != "rc=3" { bad = 1; print "regenerate.sh: " $0 > "/dev/stderr" } END { exit !bad }' \
  "$tmp/reference/runs.txt"; then
  echo "regenerate.sh: some runs failed (above); reference/ left as it was" >&2
  exit 1
fi
cp "$tmp/machine.txt" "$tmp/reference/machine.txt"
rm -rf "$here/reference"
cp -r "$tmp/reference" "$here/reference"
echo "regenerate.sh: wrote $(find "$here/reference" -type f | wc -l) files into $here/reference:"
cat "$here/reference/machine.txt"
echo "Review the change with git diff --stat tests/golden/reference and say why in the commit."
