#!/usr/bin/env bash
# analysis/baselines/compare.py (shortrun against PyTorch, issue 8) without making CI install
# PyTorch (an optional 750 MB package):
#   1. a missing shortrun binary and a missing PyTorch each give exit code 2 and one line on stderr;
#   2. --shortrun-only --quick: the rounds, parsing of `shortrun bench --json`, the timed
#      `shortrun train` runs (per-update medians from their run files' /train/wall_s) and the
#      report, on the real binary;
#   3. where /usr/bin/python3 can import torch: the real comparison at --quick sizes, both sides.
# It prints which of the two paths it ran (ctest -V, or the log), never skipping silently.
# Usage: test_compare_baselines.sh PATH/TO/shortrun
set -euo pipefail

shortrun=${1:?usage: test_compare_baselines.sh PATH/TO/shortrun}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script=$repo/analysis/baselines/compare.py
python=/usr/bin/python3  # Debian's packages (a python3 earlier on PATH may lack them)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Exit code 2, nothing on stdout, exactly one line on stderr that contains $2.
expect_one_line_error() {
  local what=$1 needle=$2 rc=0
  shift 2
  "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
  [[ $rc -eq 2 ]] || { cat "$tmp/err.txt" >&2; fail "$what: exit code $rc, expected 2"; }
  [[ ! -s $tmp/out.txt ]] || fail "$what: printed on stdout"
  [[ $(wc -l <"$tmp/err.txt") -eq 1 ]] || { cat "$tmp/err.txt" >&2; fail "$what: expected one line on stderr"; }
  grep -q -- "$needle" "$tmp/err.txt" || fail "$what: stderr does not mention '$needle': $(cat "$tmp/err.txt")"
  echo "ok: $what -> exit 2: $(cat "$tmp/err.txt")"
}

expect_one_line_error "missing shortrun binary" "$tmp/no-such-shortrun" \
  "$python" "$script" --quick --shortrun "$tmp/no-such-shortrun"

# A torch package whose import fails stands first on the path: what a machine without
# python3-torch does, whether or not this one has it.
mkdir -p "$tmp/hide/torch"
echo 'raise ImportError("No module named torch (hidden by test_compare_baselines.sh)")' >"$tmp/hide/torch/__init__.py"
expect_one_line_error "missing PyTorch" "PyTorch is not usable" \
  env PYTHONPATH="$tmp/hide" "$python" "$script" --quick --shortrun "$shortrun"

# Checks the JSON report: every expected benchmark, positive shortrun medians, and PyTorch
# medians and ratios present (with torch) or null (without).
check_report() {
  "$python" - "$1" "$2" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
with_torch = sys.argv[2] == "torch"
names = {r["name"]: r for r in rep["results"]}
expected = ["rbm.rdm_update.f32", "convnet.ula_step.12x12", "convnet.param_grad.12x12", "convnet.rdm_update.12x12",
            "train.rbm_rdm.f32", "train.convnet_rdm"]
missing = [n for n in expected if n not in names]
assert not missing, f"missing benchmarks {missing} in {sorted(names)}"
assert rep["rounds"] == 2 and rep["quick"], rep
for r in names.values():
    assert len(r["shortrun_rounds_s"]) == 2 and r["shortrun_median_s"] > 0, r
    assert r["shortrun_threads"] >= 1, r
    if with_torch:
        assert len(r["torch_rounds_s"]) == 2 and r["torch_median_s"] > 0 and r["ratio"] > 0, r
        assert r["torch_threads"] == 1 and rep["torch_version"], r
    else:
        assert r["torch_median_s"] is None and r["ratio"] is None, r
for name in ("train.rbm_rdm.f32", "train.convnet_rdm"):  # a per-update time, not a whole run's
    assert names[name]["shortrun_median_s"] < 10, names[name]
assert any(" train " in c and "train.log_every=1" in c for c in rep["commands"]), rep["commands"]
assert rep["machine"]["cpu_model"], rep["machine"]
PY
}

"$python" "$script" --quick --shortrun-only --json --shortrun "$shortrun" >"$tmp/only.json" 2>"$tmp/err.txt" ||
  { cat "$tmp/err.txt" >&2; fail "--shortrun-only --quick failed"; }
check_report "$tmp/only.json" none || fail "--shortrun-only report"
echo "ok: --shortrun-only --quick: shortrun side of every benchmark, PyTorch columns null"

if "$python" -c 'import torch' 2>/dev/null; then
  "$python" "$script" --quick --json --shortrun "$shortrun" >"$tmp/both.json" 2>"$tmp/err.txt" ||
    { cat "$tmp/err.txt" >&2; fail "quick comparison failed"; }
  check_report "$tmp/both.json" torch || fail "quick comparison report"
  # The table form too, from the same code path.
  "$python" "$script" --quick --what convnet --rounds 1 --repeats 1 --shortrun "$shortrun" >"$tmp/table.txt" 2>/dev/null ||
    fail "table output failed"
  grep -q '^convnet.ula_step.12x12 ' "$tmp/table.txt" || fail "table has no convnet.ula_step row"
  echo "PATH RUN: PyTorch $("$python" -c 'import torch; print(torch.__version__)') is installed: ran the real side-by-side comparison at --quick sizes (and the checks above)"
else
  echo "PATH RUN: PyTorch is NOT installed for $python: checked the error exits and the shortrun side only (install: SHORTRUN_WITH_TORCH=1 jobs/local/install-deps.sh)"
fi
