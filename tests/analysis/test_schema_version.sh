#!/usr/bin/env bash
# The schema check of every reader in analysis/ (shortrun_analysis.schema.check_schema,
# docs/hdf5-schema.md): tiny files made here with h5py, no shortrun binary needed. A run file,
# sweep manifest or theory file whose schema_version is not the one the package reads, whose schema
# is another, or that lacks either attribute must raise SchemaError (a ValueError) naming the file,
# the schema and both versions; version-1 files of the right schema must still load. Then the
# scripts: summary.py and make_figures.py on such files exit 2 with one line on stderr.
# Usage: test_schema_version.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
analysis=$repo/analysis
python=/usr/bin/python3  # Debian's h5py, numpy (a python3 earlier on PATH may lack them)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The files, and the loaders on them.
"$python" - "$analysis" "$tmp" <<'PY' || fail "the package's loaders"
import os, sys
import h5py
import numpy as np
sys.path.insert(0, sys.argv[1])
tmp = sys.argv[2]
from shortrun_analysis import (RUN_SCHEMA, SCHEMA_VERSION, SWEEP_SCHEMA, THEORY_SCHEMA, SchemaError,
                               load_measurement, load_run, load_sweep, load_theory)
from shortrun_analysis.schema import SUPPORTED_VERSIONS

assert issubclass(SchemaError, ValueError)
assert SCHEMA_VERSION == 1 and set(SUPPORTED_VERSIONS) == {RUN_SCHEMA, SWEEP_SCHEMA, THEORY_SCHEMA}
new = SCHEMA_VERSION + 1  # a version from a shortrun newer than this package


def make(path, schema=None, version=None):
    """A file with only the root attributes given (None: attribute absent), int64 as C++ writes."""
    with h5py.File(path, "w") as f:
        if schema is not None:
            f.attrs["schema"] = schema
        if version is not None:
            f.attrs["schema_version"] = np.int64(version)
        f.attrs["status"] = "completed"
    return path


def refused(load, path, *needles):
    try:
        load(path)
    except SchemaError as e:
        msg = str(e)
        assert "\n" not in msg, msg
        assert msg.startswith(f"{path}: "), msg
        for n in needles:
            assert n in msg, (n, msg)
        return msg
    raise AssertionError(f"{load.__name__}({path}) did not raise SchemaError")


def version_msg(schema):
    return f"schema_version {new} of {schema}, but this analysis package reads version {SCHEMA_VERSION}"


# Run files: a newer version, another schema, no schema, no schema_version.
run_new = make(f"{tmp}/run_v{new}.h5", RUN_SCHEMA, new)
run_other = make(f"{tmp}/run_other.h5", "shortrun.runs", SCHEMA_VERSION)
run_bare = make(f"{tmp}/run_bare.h5")
run_nover = make(f"{tmp}/run_noversion.h5", RUN_SCHEMA)
for load in (load_run, load_measurement, load_theory):
    msg = refused(load, run_new, version_msg(RUN_SCHEMA))
    refused(load, run_other, "'shortrun.runs'", f"'{RUN_SCHEMA}'")
    refused(load, run_bare, "schema is missing", f"'{RUN_SCHEMA}'")
    refused(load, run_nover, "no root attribute schema_version", RUN_SCHEMA, f"version {SCHEMA_VERSION}")
print(f"run file: {msg}")

# The right schema at version 1 still loads (a bare run file: no groups).
run_ok = make(f"{tmp}/run_v1.h5", RUN_SCHEMA, SCHEMA_VERSION)
run = load_run(run_ok)
assert run.status == "completed" and run.theory is None, run
refused(load_measurement, run_ok, "no /dynamics measurement")  # past the schema check

# Theory files (load_theory reads run and theory files).
theory_new = make(f"{tmp}/theory_v{new}.h5", THEORY_SCHEMA, new)
print("theory file: " + refused(load_theory, theory_new, version_msg(THEORY_SCHEMA)))
refused(load_theory, make(f"{tmp}/theory_v1.h5", THEORY_SCHEMA, SCHEMA_VERSION), "no /theory group")
refused(load_run, f"{tmp}/theory_v1.h5", "not a shortrun run file", f"'{THEORY_SCHEMA}'")

# Sweep manifests, given as the file or its folder; and a version-1 manifest listing a newer run file.
def manifest(folder, schema, version, run_file=None):
    os.makedirs(folder)
    make(f"{folder}/sweep.h5", schema, version)
    with h5py.File(f"{folder}/sweep.h5", "a") as f:
        str_t = h5py.string_dtype()
        f["runs/run_id"] = np.array(["a"], dtype=object).astype(str_t)
        f["runs/file"] = np.array(["runs/a.h5"], dtype=object).astype(str_t)
        f["runs/status"] = np.array(["completed"], dtype=object).astype(str_t)
    if run_file is not None:
        os.makedirs(f"{folder}/runs")
        make(f"{folder}/runs/a.h5", *run_file)
    return folder


sweep_new = manifest(f"{tmp}/sweep_v{new}", SWEEP_SCHEMA, new)
print("manifest: " + refused(load_sweep, f"{sweep_new}/sweep.h5", version_msg(SWEEP_SCHEMA)))
refused(lambda p: load_sweep(os.path.dirname(p)), f"{sweep_new}/sweep.h5", version_msg(SWEEP_SCHEMA))
refused(load_sweep, f"{make(f'{tmp}/not_sweep.h5', RUN_SCHEMA, SCHEMA_VERSION)}",
        "not a shortrun sweep manifest", f"'{RUN_SCHEMA}'", f"'{SWEEP_SCHEMA}'")
mixed = load_sweep(manifest(f"{tmp}/sweep_mixed", SWEEP_SCHEMA, SCHEMA_VERSION, (RUN_SCHEMA, new)))
assert len(mixed) == 1, mixed
refused(lambda p: mixed.statuses(), mixed.run_path(0), version_msg(RUN_SCHEMA))
ok = load_sweep(manifest(f"{tmp}/sweep_ok", SWEEP_SCHEMA, SCHEMA_VERSION, (RUN_SCHEMA, SCHEMA_VERSION)))
assert ok.statuses() == ["completed"], ok.statuses()
PY

# The scripts: exit 2, one line `<script>: error: <file>: schema_version 2 of <schema>, ...`.
expect_bad() {  # PATTERN SCRIPT ARGS...
  local pattern=$1 script=$2 rc=0
  shift 2
  "$python" "$analysis/$script" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
  [[ $rc -eq 2 ]] || { cat "$tmp/bad.err" >&2; fail "$script $*: exit code $rc, expected 2"; }
  [[ $(wc -l <"$tmp/bad.err") -eq 1 ]] || { cat "$tmp/bad.err" >&2; fail "$script $*: expected one line on stderr"; }
  [[ $(cat "$tmp/bad.err") == "$script: error: $pattern" ]] \
    || { cat "$tmp/bad.err" >&2; fail "$script $*: expected '$script: error: $pattern'"; }
}
reads="but this analysis package reads version 1"
expect_bad "$tmp/run_v2.h5: schema_version 2 of shortrun.run, $reads" summary.py "$tmp/run_v2.h5"
expect_bad "$tmp/run_other.h5: not a shortrun run file (root attribute schema is 'shortrun.runs', expected 'shortrun.run')" \
  summary.py "$tmp/run_other.h5"
expect_bad "$tmp/run_bare.h5: not a shortrun run file (root attribute schema is missing, expected 'shortrun.run')" \
  summary.py "$tmp/run_bare.h5"
expect_bad "$tmp/sweep_v2/sweep.h5: schema_version 2 of shortrun.sweep, $reads" \
  make_figures.py "$tmp/sweep_v2" --out "$tmp/fig"
[[ ! -e $tmp/fig ]] || fail "make_figures.py wrote $tmp/fig for a refused manifest"

echo "PASS: schema and schema_version checks (package loaders, summary.py, make_figures.py)"
