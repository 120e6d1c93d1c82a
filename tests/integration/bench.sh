#!/usr/bin/env bash
# `shortrun bench`: every entry runs (--quick sizes), the JSON parses and has its fields, the table
# and --help are there, bad options exit 2. No timing is asserted: performance claims come from
# the bench itself, never from timed tests.
# Usage: bench.sh SHORTRUN MPIEXEC
set -euo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"

"$shortrun" bench --what all --quick --json > "$work/bench.json" 2> "$work/bench.err"
/usr/bin/python3 - "$work/bench.json" <<'PY' || fail "bench --json: $(cat "$work/bench.json")"
import json, math, sys


def number(x):
    """A JSON number: an int is as good as a float (json_number writes 16.0 MiB as 16)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list) and rows, "not a non-empty list"
names = [r["name"] for r in rows]
expected = {"gemm.f32", "gemm.f64", "rbm.block_gibbs.f32", "rbm.block_gibbs.f64", "rbm.rdm_update.f32",
            "rbm.rdm_update.f64", "gaussian.ula_step.n32", "convnet.ula_step.12x12", "convnet.param_grad.12x12",
            "convnet.rdm_update.12x12", "rbm.pt_sweep.f64"}
assert expected <= set(names), f"missing entries: {expected - set(names)}"
assert sum(n.startswith("bm.gibbs_sweep.") for n in names) == 2, names
for r in rows:
    for key in ("name", "kernel", "precision", "sizes", "repeats", "median_s", "min_s", "flops", "gflops",
                "gemm_fraction", "peak_rss_mb", "notes", "machine"):
        assert key in r, f"{r.get('name')}: no {key}"
    assert r["precision"] in ("float32", "float64"), r
    assert r["median_s"] > 0 and r["min_s"] > 0 and r["flops"] > 0 and r["gflops"] > 0, r
    assert math.isclose(r["gflops"], r["flops"] / r["median_s"] * 1e-9, rel_tol=1e-4), r
    if r["kernel"] == "gemm":
        assert r["gemm_fraction"] is None, r
    else:
        assert number(r["gemm_fraction"]) and r["gemm_fraction"] > 0, r
    m = r["machine"]
    for key in ("hostname", "cpu_model", "build_flags", "eigen_simd", "compiler"):
        assert isinstance(m.get(key), str), f"machine.{key}"
    assert r["repeats"] == 2, r
    assert number(r["peak_rss_mb"]) and r["peak_rss_mb"] > 0, r
PY
grep -q "rbm.rdm_update.f64" "$work/bench.err" || fail "no progress on stderr"

# One group, the table, --repeats.
"$shortrun" bench --what gemm --quick --repeats 1 > "$work/table.out" 2> /dev/null
head -1 "$work/table.out" | grep -q "^shortrun bench on " || fail "table: no machine line"
grep -Eq "^name +median_s +GFLOP/s +gemm_fraction +notes" "$work/table.out" || fail "table header: $(cat "$work/table.out")"
[[ $(grep -c "^gemm\." "$work/table.out") -eq 2 ]] || fail "--what gemm: $(cat "$work/table.out")"
grep -q "^rbm" "$work/table.out" && fail "--what gemm ran rbm entries"
"$shortrun" bench --what convnet --quick --repeats 1 > "$work/convnet.out" 2> /dev/null
[[ $(grep -c "^convnet\." "$work/convnet.out") -eq 3 ]] || fail "--what convnet: $(cat "$work/convnet.out")"

# Help teaches every entry; bad options are bad input.
"$shortrun" bench --help > "$work/help.out"
for word in gemm_fraction rbm.block_gibbs rbm.rdm_update rbm.pt_sweep bm.gibbs_sweep gaussian.ula_step convnet.ula_step \
  convnet.param_grad convnet.rdm_update float64 --quick; do
  grep -q -- "$word" "$work/help.out" || fail "bench --help does not mention $word"
done
for args in "--what convnets" "--repeats 0" "--bogus"; do
  set +e
  "$shortrun" bench $args --quick > /dev/null 2> "$work/err"
  rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "bench $args: exit $rc, expected 2"
  [[ $(wc -l < "$work/err") -eq 1 ]] || fail "bench $args: $(cat "$work/err")"
done
echo "bench: all checks passed"
