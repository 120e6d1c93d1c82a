"""Averaging over seeds: runs that differ only in run.seed (the same configuration trained and
measured with other random streams) stand for one result, given as the mean over the runs with
its standard error and the number of runs n.

Which runs form a group: those whose /config agrees on every key but run.seed, run.name and run.out
(config_key); in a sweep manifest, the rows whose axis values agree on every axis but run.seed.
A sweep over `run.seed = 1,2,3` therefore averages its three seeds per grid point, and so do runs
trained one by one (`shortrun train ... --set run.seed=2 --set run.name=b`).

Mean and standard error of the n finite values x_1..x_n of a quantity in a group:
    mean = sum x_i / n,   se = s / sqrt(n),   s^2 = sum (x_i - mean)^2 / (n - 1)
with se undefined (NaN, None in JSON) for n = 1: where a group is one run, the tables give that
run's own standard error instead (the jackknife over its measured chains, from its file or the
manifest's err_*_se). The same run twice (a file named twice, or a copy: equal configuration and
run.seed) is one member, not two. A value that does not exist for a run (NaN: no
equilibrium, a time that was not recorded, a run that diverged) is left out of that quantity, so
its n can be smaller than the group's; the tools show n.
"""
from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Hashable, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .measurement import STATS, Dynamics, Equilibrium, Measurement

SEED_KEY = "run.seed"
# Keys that may differ within a group: the seed, and the run's name and folder, which follow it.
NOT_COMPARED = ("run.seed", "run.name", "run.out")
# Datasets of /dynamics/<step> that are not indexed by the recorded times t.
_NOT_PER_T = ("t", "theory_t", "mode_var_theory", "mean_theory", "samples", "sample_t")


def mean_se(values: Iterable[Any]) -> Tuple[float, float, int]:
    """(mean, standard error, n) of the finite values among `values` (None and NaN are left out);
    (NaN, NaN, 0) when there is none and se = NaN when n = 1 (see the module docstring)."""
    x = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, 0
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.nan
    return mean, se, int(x.size)


def mean_se_axis0(a: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean_se along the first axis of `a` for every other index at once: (mean, se, n) arrays of
    shape a.shape[1:], NaN where no value (mean) or fewer than two (se) are finite."""
    a = np.asarray(a, dtype=float)
    ok = np.isfinite(a)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, a, 0.0).sum(axis=0) / n
        dev = np.where(ok, a - mean, 0.0)
        var = (dev * dev).sum(axis=0) / (n - 1)
        se = np.sqrt(var / n)
    mean = np.where(n > 0, mean, np.nan)
    se = np.where(n > 1, se, np.nan)
    return mean, se, n


def _hashable(value: Any) -> Hashable:
    if isinstance(value, np.ndarray):
        return tuple(value.tolist())
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def config_key(config: Mapping[str, Any], ignore: Sequence[str] = NOT_COMPARED) -> Tuple:
    """What must agree for runs to be seeds of one configuration: every /config entry but `ignore`."""
    return tuple(sorted((k, _hashable(v)) for k, v in config.items() if k not in ignore))


def group_by_seed(items: Sequence[Any], key: Callable[[Any], Hashable] = lambda m: config_key(m.config)
                  ) -> List[List[Any]]:
    """The items (Run, Measurement, ... with a .config) in groups of equal key(item), groups and
    their members in the order of first appearance. Two items of one group with the same run.seed
    are one run (a copy of a run file, or the same run named twice), not two seeds: the later is
    left out with a warning on stderr, so that it does not shrink the standard error."""
    groups: Dict[Hashable, List[Any]] = {}
    for item in drop_copies(items, key):
        groups.setdefault(key(item), []).append(item)
    return list(groups.values())


def drop_copies(items: Sequence[Any], key: Callable[[Any], Hashable] = lambda m: config_key(m.config)) -> List[Any]:
    """`items` in order without the copies of an earlier one (equal key and run.seed: one run,
    not two seeds), each left out with a warning on stderr."""
    first: Dict[Tuple[Hashable, Hashable], Any] = {}
    out = []
    for item in items:
        seed = seed_of(getattr(item, "config", {}))
        twin = first.get((key(item), _hashable(seed))) if seed is not None else None
        if twin is not None:
            print(f"{_prog()}: warning: {getattr(item, 'path', item)}: the same configuration and run.seed ({seed}) as "
                  f"{getattr(twin, 'path', twin)}: one run, counted once", file=sys.stderr)
            continue
        if seed is not None:
            first[(key(item), _hashable(seed))] = item
        out.append(item)
    return out


def _prog() -> str:
    from .cli import prog

    return prog("shortrun_analysis")


def _study_folder(item: Any) -> str:
    """The folder a run file belongs to: DIR for DIR/runs/<run>.h5 (a sweep's or train's --out),
    else the file's own folder."""
    folder = os.path.dirname(os.path.abspath(str(getattr(item, "path", ""))))
    return os.path.basename(os.path.dirname(folder) if os.path.basename(folder) == "runs" else folder)


def distinguish(items: Sequence[Any]) -> List[Any]:
    """Items (Measurement, SeedAverage, ... with attrs, config and path) of different
    configurations that share a run id (two sweeps' k1, say) get run ids that tell them apart:
    the run id, then [key=value,...] of the /config keys in which they differ (run.name and
    run.out aside) when there are at most two such keys, else [<folder>] (the --out folder each
    comes from) where those differ, else the first two keys and '...'. The items are changed in
    place and returned."""
    by_id: Dict[str, List[Any]] = {}
    for item in items:
        by_id.setdefault(str(item.attrs.get("run_id", "")), []).append(item)
    for run_id, same in by_id.items():
        if len(same) < 2:
            continue
        keys = sorted({k for item in same for k in item.config if k not in ("run.name", "run.out")})
        differ = [k for k in keys if len({_hashable(item.config.get(k)) for item in same}) > 1]
        if not differ:
            continue
        folders = [_study_folder(item) for item in same]
        for item, folder in zip(same, folders):
            # No spaces: one cell of summary.py's whitespace-aligned table.
            if len(differ) > 2 and len(set(folders)) == len(folders):
                tag = folder
            else:
                tag = ",".join(f"{k}={item.config.get(k, '-')}" for k in differ[:2])
                tag += ",..." if len(differ) > 2 else ""
            item.attrs["run_id"] = f"{run_id}[{tag.replace(' ', '')}]"
    return list(items)


_SEED_TOKEN = re.compile(r"(?:^|[_-])seed-?\d+(?=$|[_-])")


def group_name(run_ids: Sequence[str]) -> str:
    """A name for a group of runs: the run id without its seed part when that is what they share
    (sweep ids such as seed1_k10, seed2_k10 -> k10), else the ids joined by + (seed1+seed2), the
    first and last only when there are more than four."""
    ids = [str(r) for r in run_ids]
    if len(ids) == 1:
        return ids[0]
    stripped = {_SEED_TOKEN.sub("", r).strip("_-") for r in ids}
    if len(stripped) == 1 and next(iter(stripped)):
        return next(iter(stripped))
    return "+".join(ids) if len(ids) <= 4 else f"{ids[0]}+...+{ids[-1]}"


def seed_of(config: Mapping[str, Any]) -> Any:
    return config.get(SEED_KEY)


# --- measurements averaged over seeds -------------------------------------------------------------

@dataclass
class AveragedDynamics(Dynamics):
    """/dynamics/<step> of several seeds on the union of their recorded times: `arrays` hold the
    means (NaN where no seed recorded a time), curve(stat) the mean of the seeds' curves, and
    curve_se(stat) its standard error; n_seeds [T] how many seeds each time has."""

    curves: Dict[str, np.ndarray] = field(default_factory=dict)
    curves_se: Dict[str, np.ndarray] = field(default_factory=dict)
    arrays_se: Dict[str, np.ndarray] = field(default_factory=dict)
    counts: Optional[np.ndarray] = None

    def array_se(self, name: str) -> Optional[np.ndarray]:
        return self.arrays_se.get(name)

    def curve(self, stat: str) -> np.ndarray:
        if stat not in self.curves:
            raise KeyError("energy_mean" if stat == "energy" else stat)
        return self.curves[stat]

    def curve_se(self, stat: str) -> Optional[np.ndarray]:
        return self.curves_se.get(stat)

    @property
    def n_seeds(self) -> np.ndarray:
        return self.counts if self.counts is not None else np.ones(self.t.size, dtype=np.int64)


@dataclass
class AveragedEquilibrium(Equilibrium):
    """/equilibrium/<step> of several seeds: level(stat) is the mean of the seeds' levels (each
    against its own data energy), level_se its standard error; `exists` when any seed has one."""

    parts: List[Tuple[Equilibrium, float]] = field(default_factory=list)  # (seed's equilibrium, its data energy)

    def levels(self, stat: str) -> List[Optional[float]]:
        return [e.level(stat, de) for e, de in self.parts]

    def level(self, stat: str, data_energy: float) -> Optional[float]:
        mean, _, n = mean_se(self.levels(stat))
        return mean if n else None

    def level_se(self, stat: str, data_energy: float) -> Optional[float]:
        _, se, n = mean_se(self.levels(stat))
        return se if n > 1 else None

    @property
    def converged(self) -> Optional[bool]:
        flags = [e.converged for e, _ in self.parts if e.converged is not None]
        return all(flags) if flags else None


@dataclass
class SeedAverage(Measurement):
    """Several measured run files of one configuration (differing only in run.seed) as one
    Measurement: every measured step they share, with AveragedDynamics and AveragedEquilibrium.
    run_id is the group's name (group_name), `runs` the members."""

    runs: List[Measurement] = field(default_factory=list)

    @property
    def members(self) -> List[Measurement]:
        return list(self.runs)

    @property
    def label(self) -> str:
        return f"{self.run_id} ({self.scheme}, k = {self.k}, mean of n = {len(self.runs)} seeds)"


def _aligned(times: np.ndarray, parts: List[Tuple[np.ndarray, np.ndarray]]) -> Optional[np.ndarray]:
    """[n, T, ...]: each (t_i, values_i) placed at its times among `times`, NaN elsewhere."""
    shapes = {v.shape[1:] for _, v in parts}
    if len(shapes) != 1:
        return None
    out = np.full((len(parts), times.size) + shapes.pop(), np.nan)
    for i, (t, v) in enumerate(parts):
        out[i, np.searchsorted(times, t)] = v
    return out


def _average_dynamics(ds: List[Dynamics], step: int) -> AveragedDynamics:
    times = np.unique(np.concatenate([d.t for d in ds])).astype(np.int64)
    arrays: Dict[str, np.ndarray] = {"t": times}
    arrays_se: Dict[str, np.ndarray] = {}
    for name, first in ds[0].arrays.items():
        if name in _NOT_PER_T or first.dtype.kind not in "fiu":
            continue
        if all(name in d.arrays and d.arrays[name].ndim >= 1 and d.arrays[name].shape[0] == d.t.size for d in ds):
            stacked = _aligned(times, [(d.t, d.arrays[name]) for d in ds])
            if stacked is not None:
                arrays[name], arrays_se[name], _ = mean_se_axis0(stacked)
    # Curves of the exact law (theory_t): averaged where every seed has the same times, else the first's.
    if "theory_t" in ds[0].arrays:
        same = all("theory_t" in d.arrays and np.array_equal(d.arrays["theory_t"], ds[0].arrays["theory_t"])
                   for d in ds)
        arrays["theory_t"] = ds[0].arrays["theory_t"]
        for name in ("mode_var_theory", "mean_theory"):
            if name in ds[0].arrays:
                arrays[name] = (mean_se_axis0(np.stack([d.arrays[name] for d in ds]))[0]
                                if same and all(d.arrays.get(name) is not None and d.arrays[name].shape
                                                == ds[0].arrays[name].shape for d in ds)
                                else ds[0].arrays[name])
    for name in ("samples", "sample_t"):  # images are not averaged: the first seed's
        if name in ds[0].arrays:
            arrays[name] = ds[0].arrays[name]
    curves, curves_se = {}, {}
    counts = None
    for stat in STATS:
        try:
            parts = [(d.t, d.curve(stat)) for d in ds]
        except KeyError:
            continue
        mean, se, n = mean_se_axis0(_aligned(times, parts))
        curves[stat], curves_se[stat] = mean, se
        counts = n if counts is None else np.maximum(counts, n)
    if counts is None:
        counts = _aligned(times, [(d.t, np.ones(d.t.size)) for d in ds])
        counts = np.nansum(counts, axis=0).astype(np.int64)
    attrs = dict(ds[0].attrs)
    # Dynamics.data_energy is the noisy data's energy where training added noise: the means of both,
    # not the first seed's noisy value.
    attrs["data_energy"], _, _ = mean_se(d.clean_data_energy for d in ds)
    if "data_energy_noisy" in attrs:
        attrs["data_energy_noisy"], _, _ = mean_se(d.data_energy for d in ds)
    overflows = [d.overflow_t for d in ds if d.overflow_t is not None]
    attrs["overflow"] = int(bool(overflows))
    attrs["overflow_t"] = min(overflows) if overflows else -1
    attrs["n_seeds"] = len(ds)
    return AveragedDynamics(step=step, t=times, arrays=arrays, attrs=attrs, curves=curves, curves_se=curves_se,
                            arrays_se=arrays_se, counts=np.asarray(counts, dtype=np.int64))


def _average_equilibrium(parts: List[Tuple[Equilibrium, float]], step: int) -> AveragedEquilibrium:
    es = [e for e, _ in parts]
    present = [e for e in es if e.exists]
    method = "/".join(dict.fromkeys(e.method for e in es))
    if not present:
        return AveragedEquilibrium(step=step, method=method, exists=False, note=es[0].note, arrays={},
                                   attrs=dict(es[0].attrs), parts=parts)
    attrs: Dict[str, Any] = dict(present[0].attrs)
    for name, value in present[0].attrs.items():
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
                and all(name in e.attrs for e in present):
            attrs[name] = mean_se(e.attrs[name] for e in present)[0]
    if any("converged" in e.attrs for e in present):
        attrs["converged"] = int(all(bool(e.attrs.get("converged", 1)) for e in present))
    arrays: Dict[str, np.ndarray] = {}
    for name, first in present[0].arrays.items():
        same = all(name in e.arrays and e.arrays[name].shape == first.shape for e in present)
        if name == "samples" or not same or first.dtype.kind not in "fiu":
            arrays[name] = first
        else:
            arrays[name] = mean_se_axis0(np.stack([e.arrays[name] for e in present]))[0]
    note = "" if len(present) == len(es) else f"equilibrium in {len(present)} of {len(es)} seeds"
    return AveragedEquilibrium(step=step, method=method, exists=True, note=note, arrays=arrays, attrs=attrs,
                               parts=parts)


def average_measurements(ms: Sequence[Measurement]) -> Measurement:
    """One Measurement for the measured run files `ms` of one configuration: ms[0] itself when
    there is one, else a SeedAverage over the steps every file measured (ValueError when none is
    common, or a file has no measurement)."""
    ms = list(ms)
    if not ms or any(not m.steps for m in ms):
        raise ValueError("average_measurements: every run must be measured")
    if len(ms) == 1:
        return ms[0]
    steps = sorted(set.intersection(*(set(m.steps) for m in ms)))
    if not steps:
        raise ValueError(f"{ms[0].path} and the other seeds: no measured step in common")
    first = ms[0]
    attrs = dict(first.attrs)
    attrs["run_id"] = group_name([m.run_id or m.path for m in ms])
    return SeedAverage(path=first.path, attrs=attrs, config=dict(first.config),
                       dynamics_attrs=dict(first.dynamics_attrs), equilibrium_attrs=dict(first.equilibrium_attrs),
                       dynamics={s: _average_dynamics([m.dynamics[s] for m in ms], s) for s in steps},
                       equilibrium={s: _average_equilibrium([(m.equilibrium[s], m.dynamics[s].data_energy)
                                                             for m in ms], s) for s in steps},
                       components=first.components, theory=first.theory, runs=ms)


def average_over_seeds(ms: Sequence[Measurement]) -> List[Tuple[Optional[Measurement], List[Measurement]]]:
    """Groups measured and unmeasured run files by configuration (group_by_seed), in the order of
    first appearance: per group (the average of its measured runs, average_measurements, or None
    when none was measured; its runs that were not measured: diverged or interrupted)."""
    out = []
    for group in group_by_seed(ms):
        measured = [m for m in group if m.steps]
        out.append((average_measurements(measured) if measured else None, [m for m in group if not m.steps]))
    return out


# --- tables of a sweep --------------------------------------------------------------------------

def average_dataframe(df, by: Sequence[str], columns: Optional[Sequence[str]] = None):
    """A pandas DataFrame with one row per group of equal `by` values (Sweep.seed_average: the axes
    but run.seed): for each numeric column in `columns` (default: every float column) its mean over
    the group (NaN values left out), `<column>_se` its standard error (over the group; for a single
    value, the df's own `<column>_se` where it has one) and `<column>_n` the number of finite
    values; `n_seeds` the group's size and `seeds`, `run_ids` its members."""
    import pandas as pd

    if columns is None:
        columns = [c for c in df.columns if df[c].dtype.kind == "f" and not c.endswith("_se") and c not in by]
    rows = []
    keys = list(by)
    if not keys:
        grouped = [((), df)]
    else:  # one key as a name, not a list: pandas then gives plain keys, not 1-tuples
        grouped = df.groupby(keys[0] if len(keys) == 1 else keys, sort=False, dropna=False)
    for key, part in grouped:
        key = key if isinstance(key, tuple) else (key,)
        row: Dict[str, Any] = dict(zip(keys, key))
        row["n_seeds"] = len(part)
        row["seeds"] = [int(s) if isinstance(s, (int, np.integer)) else s for s in part[SEED_KEY]] \
            if SEED_KEY in part else []
        row["run_ids"] = [str(r) for r in part["run_id"]] if "run_id" in part else []
        row["statuses"] = ",".join(sorted(set(str(s) for s in part["status"]))) if "status" in part else ""
        for c in columns:
            mean, se, n = mean_se(part[c].to_numpy(dtype=float))
            if n == 1 and f"{c}_se" in part:  # one seed: the run's own standard error (none: 0, exact)
                own = part[f"{c}_se"].to_numpy(dtype=float)[np.isfinite(part[c].to_numpy(dtype=float))]
                se = float(own[0]) if own.size and own[0] > 0 else math.nan
            row[c], row[f"{c}_se"], row[f"{c}_n"] = mean, se, n
        rows.append(row)
    out = pd.DataFrame(rows)
    for c in keys:
        if c in df:
            out[c] = out[c].astype(df[c].dtype)
    for c in columns:
        out[c] = out[c].astype("float64")
        out[f"{c}_se"] = out[f"{c}_se"].astype("float64")
        out[f"{c}_n"] = out[f"{c}_n"].astype("int64")
    if "n_seeds" in out:
        out["n_seeds"] = out["n_seeds"].astype("int64")
    return out
