# Sourced by the shell tests that take SHORTRUN and MPIEXEC as arguments: sets shortrun, mpiexec,
# config (jobs/configs/gaussian.ini), a temporary work folder removed on exit, and fail().
shortrun=$1
mpiexec=$2
config="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/jobs/configs/gaussian.ini"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The table-driven scripts (bad_input.sh, hostile.sh) run each case in $work/case<i>, which leaves
# `result`: PASS or the failure line. Tallies cases 1 .. $1 into the caller's passed and failures,
# printing each failure (a case without a result is one).
tally_cases() {
  local i
  for ((i = 1; i <= $1; i++)); do
    if [[ $(cat "$work/case$i/result" 2> /dev/null) == PASS ]]; then passed=$((passed + 1))
    else failures=$((failures + 1)); cat "$work/case$i/result" 2> /dev/null || echo "FAIL: case $i gave no result"; fi
  done
}
