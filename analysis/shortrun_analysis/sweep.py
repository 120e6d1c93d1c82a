"""Reading sweep manifests (schema "shortrun.sweep", docs/hdf5-schema.md section 2): the folder
that `shortrun sweep CONFIG --out DIR` writes, DIR/sweep.h5 with one row per configuration and the
run files DIR/runs/<run_id>.h5.

The manifest's `config` attribute is the sweep's resolved INI text without the axes, followed by one
`# axis KEY = v1,v2,...` line per axis; `config` here holds its keys as "section.key" -> raw text,
and `axis_values` the listed values of each axis, in grid order.

Sweep.to_dataframe() is the manifest as a pandas DataFrame (one row per run, typed columns) and
Sweep.seed_average() the same averaged over seeds (seeds.py); pandas is imported only there.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

import h5py
import numpy as np

from .runfile import _attrs, _plain
from .schema import RUN_SCHEMA, SWEEP_SCHEMA, SchemaError, check_schema

MANIFEST = "sweep.h5"
# The measurement columns of /runs; `<name>_se` are their standard errors where the manifest has them.
ERROR_COLUMNS = ("err_k", "err_min", "err_eq")


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

    def seed_axis(self) -> bool:
        """Whether run.seed is one of the axes (else every run has the config's run.seed)."""
        return "run.seed" in self.axes

    def measured_errors(self) -> Tuple[Dict[str, np.ndarray], List[str]]:
        """The err_k, err_min and err_eq columns and their standard errors (err_k_se, ...),
        completed from the run files where a completed run has none of the three: a sweep run again
        leaves them NaN for the runs of an earlier invocation (a resumed or requeued sweep, the final
        sweep after a job array). Returns the columns and the run ids whose values were read from
        their run files."""
        from .measurement import load_measurement, summarize

        names = list(ERROR_COLUMNS) + [f"{name}_se" for name in ERROR_COLUMNS]
        values = {name: np.array(self.runs[name], dtype=float) if name in self.runs else np.full(len(self), np.nan)
                  for name in names}
        filled = []
        for i, status in enumerate(self.statuses()):
            if status != "completed" or any(np.isfinite(values[name][i]) for name in ERROR_COLUMNS):
                continue
            if not os.path.isfile(self.run_path(i)):
                continue
            m = load_measurement(self.run_path(i), unfinished_ok=True)
            if not m.steps:
                continue
            s = summarize(m, m.steps[-1], m.default_stat)
            for name, value in (("err_k", s.at_k), ("err_min", s.minimum), ("err_eq", s.equilibrium),
                                ("err_k_se", s.at_k_se), ("err_min_se", s.minimum_se),
                                ("err_eq_se", s.equilibrium_se)):
                values[name][i] = math.nan if value is None else value
            filled.append(str(self.runs["run_id"][i]))
        return values, filled

    def to_dataframe(self, fill_errors: bool = True):
        """The manifest as a pandas DataFrame, one row per run in grid order, with the columns
          run_id, file (str)     the run and its file relative to the manifest's folder
          path (str)             the run file's path
          status (str)           as the run file says where it exists, else the manifest's
                                 (Sweep.statuses); manifest_status: the manifest's own
          team (int64)           the team that ran it (-1: pending or an earlier invocation)
          <axis> ...             one column per axis, in the order of `axes`, typed as the
                                 manifest stores it: int64, float64 or str (e.g. train.k int64)
          run.seed (int64)       the run's seed: its axis, or the config's when it is no axis
          wall_s, theory_gap     float64, NaN where unknown
          err_k, err_min, err_eq float64: the measurement of the last measured checkpoint (corr_err,
                                 mean_err for spins; docs/hdf5-schema.md section 2)
          err_k_se, err_min_se, err_eq_se  float64: their standard errors (jackknife over the run's
                                 chains) where the manifest or, with fill_errors, the run file has
                                 them, else NaN (the columns always exist)
        and any other column of /runs. fill_errors: err_* of completed runs that the manifest lists
        without them are read from the run files (measured_errors()). Seed averages: seed_average()."""
        import pandas as pd

        n = len(self)
        data: Dict[str, Any] = {}
        data["run_id"] = [str(v) for v in self.runs["run_id"]]
        data["file"] = [str(v) for v in self.runs["file"]] if "file" in self.runs else [""] * n
        data["path"] = [self.run_path(i) for i in range(n)] if "file" in self.runs else [""] * n
        data["status"] = self.statuses()
        data["manifest_status"] = [str(v) for v in self.runs["status"]]
        data["team"] = np.asarray(self.runs.get("team", np.full(n, -1)), dtype=np.int64)
        for axis in self.axes:
            data[axis] = _typed(self.runs[axis]) if axis in self.runs else _typed(
                np.array([self.config.get(axis, "")] * n, dtype=object))
        if "run.seed" not in data:
            seed = self.config.get("run.seed", "")
            data["run.seed"] = np.full(n, int(seed), dtype=np.int64) if seed.lstrip("-").isdigit() else [seed] * n
        for name in ("wall_s", "theory_gap"):
            data[name] = np.asarray(self.runs[name], dtype=np.float64) if name in self.runs else np.full(n, np.nan)
        errors = self.measured_errors()[0] if fill_errors else {
            name: np.asarray(self.runs[name], dtype=np.float64) if name in self.runs else np.full(n, np.nan)
            for name in list(ERROR_COLUMNS) + [f"{name}_se" for name in ERROR_COLUMNS]}
        for name in ERROR_COLUMNS:
            data[name] = errors[name]
            data[f"{name}_se"] = errors[f"{name}_se"]
        for name, values in self.runs.items():  # columns a later manifest may add
            if name not in data:
                data[name] = _typed(values)
        return pd.DataFrame(data)

    def seed_average(self, df=None):
        """to_dataframe() averaged over seeds: one row per grid point of the axes but run.seed, with
        the columns of those axes, n_seeds, seeds, run_ids, statuses (the statuses present) and, for
        err_k, err_min, err_eq, theory_gap and wall_s, the mean over the seeds (NaN values left out;
        err_min: of each seed's own minimum over t, as the manifest holds it, which lies at or
        below the minimum of the seeds' mean curve that summary.py shows),
        `<column>_se` its standard error over the seeds (for one seed, the run's own err_*_se: the
        jackknife over its chains; NaN where there is none) and `<column>_n` how many seeds have a
        value. df: a to_dataframe() result to average (default: this sweep's)."""
        from .seeds import average_dataframe

        df = self.to_dataframe() if df is None else df
        by = [a for a in self.axes if a != "run.seed"]
        return average_dataframe(df, by, columns=list(ERROR_COLUMNS) + ["theory_gap", "wall_s"])

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


def _typed(values: np.ndarray):
    """A /runs column for pandas: integers as int64, reals as float64, strings (h5py gives bytes
    for the manifest's variable-length strings) as a list of str."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    if values.dtype.kind == "f":
        return values.astype(np.float64)
    if values.dtype.kind == "b":
        return values.astype(bool)
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


def _column(ds: h5py.Dataset) -> np.ndarray:
    values = ds[()]
    if values.dtype.kind in "OS":
        return np.array([v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values], dtype=object)
    return values


# The manifest of one shard of a grid (`shortrun sweep --shard i/n`).
SHARD_MANIFEST = re.compile(r"sweep-shard(\d+)of(\d+)\.h5")


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
        shards = sorted(n for n in os.listdir(path) if SHARD_MANIFEST.fullmatch(n)) if os.path.isdir(path) else []
        if shards:  # a folder of --shard sweeps whose merge has not run yet
            raise SchemaError(f"{manifest}: cannot open ({reason}); the folder holds the shard manifests "
                              f"{', '.join(shards)}: give them, or run the sweep again without --shard to write "
                              "sweep.h5 for the whole grid") from None
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
