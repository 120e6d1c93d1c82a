#!/usr/bin/env bash
# analysis/plot_gaussian.py end to end: two tiny exact-moment runs (k = 1 and k = 5), the figures
# and the table; then a file that is not a run file must give exit code 2 and name the file.
# Usage: test_plot_gaussian.sh PATH/TO/shortrun
set -euo pipefail

shortrun=${1:?usage: test_plot_gaussian.sh PATH/TO/shortrun}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script=$repo/analysis/plot_gaussian.py
config=$repo/jobs/configs/gaussian.ini
python=/usr/bin/python3  # Debian's h5py, numpy, matplotlib (a python3 earlier on PATH may lack them)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# Population data and exact moments of p_k: deterministic and fast.
for k in 1 5; do
  "$shortrun" train "$config" --out "$tmp/out" --quiet \
    --set train.moments=exact --set data.n_samples=0 --set train.updates=300 \
    --set train.k=$k --set run.name=k$k >/dev/null || fail "shortrun train k=$k"
done

rc=0
"$python" "$script" "$tmp/out/runs/k1.h5" "$tmp/out/runs/k5.h5" --out "$tmp/fig" >"$tmp/table.txt" 2>"$tmp/err.txt" || rc=$?
[[ $rc -eq 0 ]] || { cat "$tmp/err.txt" >&2; fail "plot_gaussian.py exited with $rc"; }

# Figures: present, non-empty, PNG magic bytes 89 50 4E 47 0D 0A 1A 0A.
for png in J_vs_k.png variance_k1.png variance_k5.png; do
  f=$tmp/fig/$png
  [[ -s $f ]] || fail "$png missing or empty"
  magic=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
  [[ $magic == 89504e470d0a1a0a ]] || fail "$png is not a PNG (magic $magic)"
done

# Table: a header per run and 4 mode rows per run (spectrum 0.2, 0.8, 2, 5), first column k.
grep -q '^== run k1 ' "$tmp/table.txt" || fail "no table for run k1"
grep -q '^== run k5 ' "$tmp/table.txt" || fail "no table for run k5"
for k in 1 5; do
  rows=$(awk -v k=$k '$1 == k && $2 ~ /^[1-4]$/' "$tmp/table.txt" | wc -l)
  [[ $rows -eq 4 ]] || { cat "$tmp/table.txt" >&2; fail "expected 4 mode rows for k=$k, got $rows"; }
done
# The table's J*(k) for k = 1 is the closed form (1 - sqrt((c - 2 eta T) / sigma0^2)) / eta.
"$python" - "$tmp/table.txt" <<'PY' || fail "J*(k=1) in the table differs from the closed form"
import math, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split()[:1] == ["1"]]
for r in rows:
    c, j_star = float(r[2]), float(r[4])
    expected = (1 - math.sqrt(c - 0.1)) / 0.05
    assert abs(j_star - expected) < 1e-4 * max(1, abs(expected)), (c, j_star, expected)
PY

# Not a run file: the theory file of `shortrun theory --out`, and a plain HDF5 file.
"$shortrun" theory "$config" --out "$tmp/theory.h5" >/dev/null || fail "shortrun theory --out"
"$python" -c 'import h5py, sys; h5py.File(sys.argv[1], "w").create_dataset("x", data=[1.0])' "$tmp/plain.h5"
for bad in "$tmp/theory.h5" "$tmp/plain.h5"; do
  rc=0
  "$python" "$script" "$tmp/out/runs/k1.h5" "$bad" --out "$tmp/fig2" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
  [[ $rc -eq 2 ]] || fail "$(basename "$bad"): exit code $rc, expected 2"
  [[ $(wc -l <"$tmp/bad.err") -eq 1 ]] || { cat "$tmp/bad.err" >&2; fail "$(basename "$bad"): expected one line on stderr"; }
  grep -q "^plot_gaussian.py: error: $bad: " "$tmp/bad.err" \
    || { cat "$tmp/bad.err" >&2; fail "$(basename "$bad"): error does not name the file"; }
done

echo "PASS: plot_gaussian.py (figures, table, bad input)"
