# Sourced by the shell tests that take SHORTRUN and MPIEXEC as arguments: sets shortrun, mpiexec,
# config (jobs/configs/gaussian.ini), a temporary work folder removed on exit, and fail().
shortrun=$1
mpiexec=$2
config="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/jobs/configs/gaussian.ini"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
