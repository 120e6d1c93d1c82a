"""Reading sweep manifests (schema "shortrun.sweep", docs/hdf5-schema.md section 2): the folder
that `shortrun sweep CONFIG --out DIR` writes, DIR/sweep.h5 with one row per configuration and the
run files DIR/runs/<run_id>.h5.

The manifest's `config` attribute is the sweep's resolved INI text without the axes, followed by one
`# axis KEY = v1,v2,...` line per axis; `config` here holds its keys as "section.key" -> raw text,
and `axis_values` the listed values of each axis, in grid order.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List

import h5py
import numpy as np

from .runfile import _attrs, _plain
from .schema import RUN_SCHEMA, SWEEP_SCHEMA, SchemaError, check_schema

MANIFEST = "sweep.h5"


@dataclass
class Sweep:
    """One sweep manifest, read whole.

    path         the manifest file
    folder       its folder (run files are relative to it)
    attrs        root attributes: name, status, axes, n_runs, mpi_ranks, ranks_per_run, config, ...
    config       "section.key" -> raw value text of the resolved sweep config (axes excluded)
    axis_values  axis key -> its values as written, e.g. {"train.k": ["1", "10", "100"]}
    runs         /runs columns: run_id, file, status (str arrays), team, wall_s, theory_gap,
                 err_k, err_min, err_eq and one column per axis key
    """

    path: str
    folder: str
    attrs: Dict[str, Any]
    config: Dict[str, str]
    axis_values: Dict[str, List[str]]
    runs: Dict[str, np.ndarray]

    @property
    def name(self) -> str:
        return str(self.attrs.get("name", ""))

    @property
    def status(self) -> str:
        return str(self.attrs.get("status", ""))

    @property
    def axes(self) -> List[str]:
        text = str(self.attrs.get("axes", ""))
        return [a for a in text.split(",") if a]

    @property
    def model(self) -> str:
        return self.config.get("model.type", "")

    def __len__(self) -> int:
        return len(self.runs.get("run_id", []))

    def run_path(self, row: int) -> str:
        """The run file of row `row` (it may not exist: pending runs, or files moved away)."""
        return os.path.join(self.folder, str(self.runs["file"][row]))

    def statuses(self) -> List[str]:
        """Each row's status as its run file says (root attribute `status`), or the manifest's
        where there is no run file (SchemaError for a run file of another schema or
        schema_version). The run file decides because a sweep run again lists the runs
        of an earlier invocation as `completed` in /runs/status, diverged ones included."""
        out = []
        for i in range(len(self)):
            status = str(self.runs["status"][i])
            path = self.run_path(i)
            if os.path.isfile(path):
                try:
                    with h5py.File(path, "r") as f:
                        check_schema(f, path, RUN_SCHEMA)
                        status = str(_plain(f.attrs.get("status", status)))
                except OSError:
                    pass
            out.append(status)
        return out


def parse_config_text(text: str):
    """(config, axis_values) from a manifest's `config` attribute (see the module docstring)."""
    config: Dict[str, str] = {}
    axes: Dict[str, List[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("# axis "):
            key, _, values = line[len("# axis "):].partition("=")
            axes[key.strip()] = [v.strip() for v in values.split(",") if v.strip()]
        elif not line or line[0] in "#;":
            continue
        elif line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif "=" in line:
            key, _, value = line.partition("=")
            config[f"{section}.{key.strip()}"] = value.strip()
    return config, axes


def _column(ds: h5py.Dataset) -> np.ndarray:
    values = ds[()]
    if values.dtype.kind in "OS":
        return np.array([v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values], dtype=object)
    return values


def find_manifest(path: str) -> str:
    """The manifest of a study folder (DIR/sweep.h5), or `path` itself when it is a file."""
    if os.path.isdir(path):
        return os.path.join(path, MANIFEST)
    return path


def load_sweep(path: str) -> Sweep:
    """Reads a sweep manifest, given the study folder or the manifest file. Raises SchemaError
    (one line naming the file) when it is missing, not HDF5, not a shortrun.sweep file, or of a
    schema_version this package does not read."""
    manifest = find_manifest(path)
    try:
        f = h5py.File(manifest, "r")
    except OSError as e:
        reason = "no such file" if isinstance(e, FileNotFoundError) else "not an HDF5 file"
        raise SchemaError(f"{manifest}: cannot open ({reason}); expected the sweep manifest that "
                          "`shortrun sweep CONFIG --out DIR` writes as DIR/sweep.h5") from None
    with f:
        check_schema(f, manifest, SWEEP_SCHEMA)
        if "runs" not in f or "run_id" not in f["runs"]:
            raise SchemaError(f"{manifest}: no /runs table")
        attrs = _attrs(f)
        runs = {name: _column(f["runs"][name]) for name in f["runs"]}
    config, axis_values = parse_config_text(str(attrs.get("config", "")))
    return Sweep(path=manifest, folder=os.path.dirname(os.path.abspath(manifest)), attrs=attrs,
                 config=config, axis_values=axis_values, runs=runs)
