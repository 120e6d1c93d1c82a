#!/usr/bin/env bash
# analysis/baselines/shared_site_order.py: with a site sequence per chain the chunk means' variance
# is var(m) / chunk (ratio 1 within 5 standard errors); with one sequence per chunk it is larger by
# more than 5 standard errors (the reason the bm's random-site sweep does not share site orders,
# README Performance). Fixed seed; bad arguments exit 2.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script="$here/../../analysis/baselines/shared_site_order.py"
out=$(/usr/bin/python3 "$script" --chunks 120 --seed 3)
echo "$out"
/usr/bin/python3 - "$out" <<'PY'
import re, sys
rows = re.findall(r"([0-9.]+) \+- ([0-9.]+)", sys.argv[1])
assert len(rows) == 2, rows
(indep, se_i), (shared, se_s) = [(float(a), float(b)) for a, b in rows]
assert abs(indep - 1) < 5 * se_i, f"independent site sequences: ratio {indep} +- {se_i}, expected 1"
assert shared - 1 > 5 * se_s, f"shared site sequences: ratio {shared} +- {se_s}, expected > 1"
print("ok: independent", indep, "shared", shared)
PY
rc=0; /usr/bin/python3 "$script" --chunks 1 2>/dev/null || rc=$?
[[ $rc -eq 2 ]] || { echo "expected exit 2, got $rc" >&2; exit 1; }
