"""Reading the dynamics-versus-equilibrium measurement of run files (/dynamics and /equilibrium,
docs/hdf5-schema.md; docs/theory.md section 5).

Shapes: T recorded sampling times (sweeps from p0), N units (or Gaussian eigenmodes), m principal
components of a projected covariance, S kept image samples of H x W pixels. A run measured with
`measure.at = all` has one Dynamics and one Equilibrium per training checkpoint ("step").

Errors are those of docs/design.md section 4: mean_err(t) = sqrt(mean_i (m_i(t) - m_i^D)^2) and
corr_err(t) = sqrt(mean_{i<j} (C_ij(t) - C_ij^D)^2). The statistic "energy" used by the scripts is
the gap |<E>_t - <E>_D| between the samples' mean energy and the data's (attribute data_energy).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import h5py
import numpy as np

from .runfile import RootAttrs, _attrs, _open
from .schema import RUN_SCHEMA, SchemaError, check_schema

# Statistics the scripts can plot or tabulate: name -> (what it is, for axis labels).
STATS = {
    "corr_err": "corr_err = rms over i<j of C_ij(t) - C_ij^D",
    "mean_err": "mean_err = rms over i of m_i(t) - m_i^D",
    "energy": "|<E>_t - <E>_D| (mean energy of the samples against the data's)",
    "h_err": "h_err = rms over hidden k of <hbar_k>(t) - <hbar_k>^D (RBM)",
    "vh_err": "vh_err = rms over i,k of <v_i hbar_k>(t) - <v_i hbar_k>^D (RBM)",
}


@dataclass
class Dynamics:
    """/dynamics/<step>: statistics of fresh chains from p0 (or of the exact law p_t) at times t.

    step     training update of the measured parameters
    t        [T] int, recorded sampling times (0, k and t_max included unless overflow cut them)
    arrays   every dataset of the group: mean [T,N], cov [T,N,N] or [T,m,m], mean_err, corr_err,
             energy_mean, energy_std [T]; RBM h_mean [T,Nh], h_err, vh_err [T]; gaussian mode_var
             [T,N], theory_t [T'], mode_var_theory [T',N]; spins theory_t, mean_theory [T',N];
             images samples [T_s,S,H,W], sample_t [T_s]
    attrs    step, n_chains, seconds, overflow, overflow_t, data_energy, data_energy_noisy (data.noise > 0),
             cov_components
    """

    step: int
    t: np.ndarray
    arrays: Dict[str, np.ndarray]
    attrs: Dict[str, Any]

    @property
    def data_energy(self) -> float:
        """<E>_D under these parameters (free energy for the RBM); NaN if unknown. With data.noise > 0
        the energy training matched: that of the noisy data (attribute data_energy_noisy); the clean
        data's is clean_data_energy."""
        noisy = float(self.attrs.get("data_energy_noisy", math.nan))
        return noisy if math.isfinite(noisy) else self.clean_data_energy

    @property
    def clean_data_energy(self) -> float:
        """<E>_D of the data without noise (attribute data_energy); NaN if unknown."""
        return float(self.attrs.get("data_energy", math.nan))

    @property
    def overflow_t(self) -> Optional[int]:
        """First recorded time whose statistics overflowed (no equilibrium), None without overflow."""
        return int(self.attrs["overflow_t"]) if int(self.attrs.get("overflow", 0)) else None

    def curve(self, stat: str) -> np.ndarray:
        """[T] the statistic `stat` (a key of STATS) at every recorded time."""
        if stat == "energy":
            return np.abs(self.require("energy_mean") - self.data_energy)
        return self.require(stat)

    def curve_se(self, stat: str) -> Optional[np.ndarray]:
        """[T] standard error of curve(stat): for one run the file's `<stat>_se` (jackknife over
        chain groups, docs/theory.md section 5; `energy_mean_se` for "energy"), None when the file
        has none or it is 0 everywhere (an exact law); seeds.SeedAverage gives the se over seeds."""
        name = "energy_mean_se" if stat == "energy" else f"{stat}_se"
        se = self.arrays.get(name)
        if se is None or not np.any(np.asarray(se) > 0):
            return None
        return np.asarray(se, dtype=np.float64)

    def array_se(self, name: str) -> Optional[np.ndarray]:
        """Standard error over seeds of the dataset `name`; None for one run."""
        return None

    @property
    def n_seeds(self) -> np.ndarray:
        """[T] how many runs each time's value stands for: 1 here (seeds.SeedAverage: per time)."""
        return np.ones(self.t.size, dtype=np.int64)

    def require(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            raise KeyError(name)
        return self.arrays[name]

    def index_of(self, t: int) -> Optional[int]:
        """Position of time t among the recorded times, None when t was not recorded."""
        hits = np.flatnonzero(self.t == t)
        return int(hits[0]) if hits.size else None


@dataclass
class Equilibrium:
    """/equilibrium/<step>: the equilibrium reference of the same parameters.

    method   'theory', 'exact', 'long-run', 'pt' (parallel tempering), 'ptt' (tempering along the
             training checkpoints) or 'none'
    exists   False when there is no equilibrium (an unstable Gaussian mode, overflowing long runs)
             or none was measured; `note` says why, and `arrays` is then empty
    arrays   mean [N], cov, h_mean [Nh], mode_var [N], mean_se [N], samples [S,H,W] (long-run, pt
             images), pt_betas [R], pt_acceptance [R-1] (pt, ptt), ptt_steps [R] (ptt)
    attrs    mean_err, corr_err, energy_mean, energy_std, h_err, vh_err, log_z, loglik, converged,
             max_abs_z, z_threshold, n_chains, burn_in, window, energy_se, note, rhat_max,
             rhat_threshold, ess_min, iat_max, failing_statistic, reason, n_replicas, round_trips,
             first_round_trip (pt), ...
    A long run or pt reference with converged = 0 (R-hat, ESS or half-window check failed) is no reference:
    level() gives None for it, so summaries and figures skip it and say why (describe()).
    """

    step: int
    method: str
    exists: bool
    note: str
    arrays: Dict[str, np.ndarray]
    attrs: Dict[str, Any]

    @property
    def converged(self) -> Optional[bool]:
        """Long runs: whether the convergence check passed; None for the other methods."""
        return bool(self.attrs["converged"]) if "converged" in self.attrs else None

    @property
    def trusted(self) -> bool:
        """Whether this is an equilibrium at all: it exists and did not fail its convergence check."""
        return bool(self.exists) and self.converged is not False

    def level(self, stat: str, data_energy: float) -> Optional[float]:
        """The equilibrium value of `stat`, None when it does not exist or is unknown (NaN)."""
        if not self.trusted:
            return None
        if stat == "energy":
            value = abs(float(self.attrs.get("energy_mean", math.nan)) - data_energy)
        else:
            value = float(self.attrs.get(stat, math.nan))
        return value if math.isfinite(value) else None

    def level_se(self, stat: str, data_energy: float) -> Optional[float]:
        """Standard error of level(): for one run the attribute `<stat>_se` (long-run: jackknife over
        chain groups; `energy_mean_se` for "energy"), None when absent or 0 (theory, exact);
        seeds.SeedAverage gives the se over seeds."""
        if not self.exists or self.converged is False:
            return None
        value = float(self.attrs.get("energy_mean_se" if stat == "energy" else f"{stat}_se", math.nan))
        return value if math.isfinite(value) and value > 0 else None

    def describe(self) -> str:
        """One short phrase: 'theory', 'long-run, not converged', 'none (<note>)'."""
        if not self.exists:
            return f"{self.method}: none" + (f" ({self.note})" if self.note else "")
        if self.converged is False:
            reason = str(self.attrs.get("reason", ""))
            return f"{self.method}, NOT converged" + (f" ({reason})" if reason else "")
        return self.method


@dataclass
class Measurement(RootAttrs):
    """The measured side of one run file: root attributes, typed config, and per measured step
    its Dynamics and Equilibrium.

    dynamics_attrs     attributes of /dynamics: path, n_chains, t_max, t_points, k, seed, at,
                       sampler, p0 (and image_height, image_width for image data)
    equilibrium_attrs  attributes of /equilibrium: requested, equilibrium_sweeps
    components         /dynamics/components [N, m] when covariances are projected, else None
    theory             /theory as a dict of arrays and attributes (gaussian c, spins m_data, ...)
    """

    path: str
    attrs: Dict[str, Any]
    config: Dict[str, Any]
    dynamics_attrs: Dict[str, Any]
    equilibrium_attrs: Dict[str, Any]
    dynamics: Dict[int, Dynamics]
    equilibrium: Dict[int, Equilibrium]
    components: Optional[np.ndarray] = None
    theory: Dict[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.dynamics_attrs.get("k", self.config.get("train.k", 0)))

    @property
    def members(self) -> List["Measurement"]:
        """The run files this stands for: itself (seeds.SeedAverage: every seed averaged)."""
        return [self]

    @property
    def n_seeds(self) -> int:
        return len(self.members)

    @property
    def model(self) -> str:
        return str(self.config.get("model.type", "?"))

    @property
    def scheme(self) -> str:
        return str(self.config.get("train.scheme", "?"))

    @property
    def steps(self) -> List[int]:
        """Measured training steps, increasing."""
        return sorted(self.dynamics)

    @property
    def label(self) -> str:
        """Legend label: run id, scheme and k."""
        name = self.run_id or self.path.rsplit("/", 1)[-1]
        return f"{name} ({self.scheme}, k = {self.k})"

    @property
    def default_stat(self) -> str:
        """corr_err, the statistic that carries the claim for coupled models; mean_err for the
        independent spins (their sufficient statistics are the means) and for N = 1."""
        first = self.dynamics[self.steps[0]] if self.steps else None
        n = first.arrays["mean"].shape[1] if first is not None and "mean" in first.arrays else 2
        return "mean_err" if self.model == "spins" or n < 2 else "corr_err"

    def step(self, spec: str = "last") -> int:
        """The measured step named by `spec`: 'last' or an update number. SchemaError otherwise."""
        if spec == "last":
            return self.steps[-1]
        try:
            step = int(spec)
        except ValueError:
            raise SchemaError(f"--step {spec}: expected last or an update number") from None
        if step not in self.dynamics:
            listed = ", ".join(str(s) for s in self.steps)
            raise SchemaError(f"{self.path}: step {step} was not measured (measured: {listed}); "
                              f"`shortrun measure {self.path} --checkpoint all` measures every stored checkpoint")
        return step

    def check_stat(self, stat: str) -> str:
        """`stat`, or SchemaError naming the file when its datasets do not hold it."""
        if stat not in STATS:
            raise SchemaError(f"--stat {stat}: expected one of {', '.join(STATS)}")
        need = "energy_mean" if stat == "energy" else stat
        for step in self.steps:
            if need not in self.dynamics[step].arrays:
                raise SchemaError(f"{self.path}: /dynamics/{step} has no {need} (model {self.model})")
        return stat

    def image_shape(self) -> Optional[Tuple[int, int]]:
        """(H, W) for image data, else None."""
        a = self.dynamics_attrs
        if "image_height" in a and "image_width" in a:
            return int(a["image_height"]), int(a["image_width"])
        return None


def _dynamics(group: h5py.Group, step: int) -> Dynamics:
    arrays = {name: group[name][()] for name in group if isinstance(group[name], h5py.Dataset)}
    return Dynamics(step=step, t=arrays.get("t", np.zeros(0, dtype=np.int64)), arrays=arrays, attrs=_attrs(group))


def _equilibrium(group: Optional[h5py.Group], step: int) -> Equilibrium:
    if group is None:  # written together with /dynamics/<step>, so a missing one is a partial file
        return Equilibrium(step=step, method="none", exists=False, note="no /equilibrium group for this step",
                           arrays={}, attrs={})
    attrs = _attrs(group)
    arrays = {name: group[name][()] for name in group if isinstance(group[name], h5py.Dataset)}
    return Equilibrium(step=step, method=str(attrs.get("method", "none")), exists=bool(attrs.get("exists", 0)),
                       note=str(attrs.get("note", "")), arrays=arrays, attrs=attrs)


def _step_groups(group: h5py.Group) -> List[str]:
    return sorted((name for name in group if name.isdigit() and isinstance(group[name], h5py.Group)), key=int)


def _theory(group: h5py.Group) -> Dict[str, Any]:
    out: Dict[str, Any] = _attrs(group)
    out.update({name: group[name][()] for name in group if isinstance(group[name], h5py.Dataset)})
    return out


def load_measurement(path: str, unfinished_ok: bool = False) -> Measurement:
    """Reads /dynamics and /equilibrium of a run file (and the root attributes, /config and /theory).

    Raises SchemaError (one line, naming the file) when the file cannot be opened, is not a
    shortrun run file of the schema version this package reads, or has not been measured: then
    the message says to run `shortrun measure`.
    A run that did not complete (diverged, interrupted) is never measured; with unfinished_ok it
    comes back with no steps instead, so that a table over a sweep can list it.
    """
    with _open(path) as f:
        check_schema(f, path, RUN_SCHEMA)
        attrs = _attrs(f)
        steps = _step_groups(f["dynamics"]) if "dynamics" in f else []
        if not steps:
            status = str(attrs.get("status", ""))
            if status and status != "completed":
                if unfinished_ok:
                    return Measurement(path=path, attrs=attrs, config=_attrs(f["config"]) if "config" in f else {},
                                       dynamics_attrs={}, equilibrium_attrs={}, dynamics={}, equilibrium={})
                raise SchemaError(f"{path}: no /dynamics measurement (status {status}; only completed runs "
                                  "are measured)")
            raise SchemaError(f"{path}: no /dynamics measurement; run `shortrun measure {path}`")
        dyn, eq = f["dynamics"], f.get("equilibrium")
        dynamics = {int(s): _dynamics(dyn[s], int(s)) for s in steps}
        equilibrium = {int(s): _equilibrium(eq[s] if eq is not None and s in eq else None, int(s)) for s in steps}
        return Measurement(path=path, attrs=attrs,
                           config=_attrs(f["config"]) if "config" in f else {},
                           dynamics_attrs=_attrs(dyn),
                           equilibrium_attrs=_attrs(eq) if eq is not None else {},
                           dynamics=dynamics, equilibrium=equilibrium,
                           components=dyn["components"][()] if "components" in dyn else None,
                           theory=_theory(f["theory"]) if "theory" in f else {})


def load_measurements(paths: List[str], unfinished_ok: bool = False) -> List[Measurement]:
    """load_measurement for every path, in order; the first unusable file raises SchemaError."""
    return [load_measurement(p, unfinished_ok) for p in paths]


@dataclass
class ErrorSummary:
    """The headline numbers of one measured step (what summary.py prints). A run that did not
    complete has step None and no numbers; note then says so."""

    run_id: str
    path: str
    status: str
    model: str
    scheme: str
    k: int
    step: Optional[int]
    stat: str
    at_k: Optional[float]          # stat at t = k; None when t = k was not recorded (overflow) or unknown
    minimum: Optional[float]       # min over the recorded t
    t_min: Optional[int]           # where
    equilibrium: Optional[float]   # stat at equilibrium; None when none exists
    method: str                    # equilibrium method (theory, exact, long-run, pt, ptt, none)
    note: str                      # why there is no equilibrium, 'not converged', or why not measured
    overflow_t: Optional[int]      # first overflowing time, None without overflow
    n_chains: int                  # 0: exact law
    # Averages over seeds (seeds.summarize_seeds): how many runs, which, and the standard errors
    # of at_k, minimum and equilibrium over them (None for one run, or where fewer than 2 have one).
    n_seeds: int = 1
    seeds: List[Any] = field(default_factory=list)
    run_ids: List[str] = field(default_factory=list)
    at_k_se: Optional[float] = None
    minimum_se: Optional[float] = None
    equilibrium_se: Optional[float] = None

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def summarize(m: Measurement, step: int, stat: str) -> ErrorSummary:
    """Error at t = k, its minimum over t and where, and at equilibrium, for one measured step.
    For a seeds.SeedAverage: the mean over its runs of each run's numbers, with their standard
    errors (n_seeds, *_se); t_min is where the mean curve is lowest."""
    if len(m.members) > 1:
        return _summarize_seeds(m, step, stat)
    d, e = m.dynamics[step], m.equilibrium[step]
    y = d.curve(stat)
    ik = d.index_of(m.k)
    finite = np.flatnonzero(np.isfinite(y))
    imin = int(finite[np.argmin(y[finite])]) if finite.size else None
    note = e.note if not e.exists else (e.describe() if e.converged is False else "")
    se = d.curve_se(stat)

    def se_at(i):  # the file's jackknife standard error at index i; none for an exact law (0)
        return float(se[i]) if se is not None and i is not None and np.isfinite(se[i]) and se[i] > 0 else None

    return ErrorSummary(run_id=m.run_id, path=m.path, status=m.status, model=m.model, scheme=m.scheme, k=m.k,
                        step=step, stat=stat,
                        at_k=float(y[ik]) if ik is not None and np.isfinite(y[ik]) else None,
                        minimum=float(y[imin]) if imin is not None else None,
                        t_min=int(d.t[imin]) if imin is not None else None,
                        equilibrium=e.level(stat, d.data_energy), method=e.method, note=note,
                        overflow_t=d.overflow_t, n_chains=int(d.attrs.get("n_chains", 0)),
                        seeds=[m.config.get("run.seed")], run_ids=[m.run_id],
                        at_k_se=se_at(ik) if ik is not None and np.isfinite(y[ik]) else None,
                        minimum_se=se_at(imin), equilibrium_se=e.level_se(stat, d.data_energy))


def _summarize_seeds(m: Measurement, step: int, stat: str) -> ErrorSummary:
    from .seeds import mean_se

    parts = [summarize(r, step, stat) for r in m.members]

    def average(name):
        mean, se, n = mean_se(getattr(p, name) for p in parts)
        return (mean if n else None), (se if n > 1 else None)

    at_k, at_k_se = average("at_k")
    equilibrium, equilibrium_se = average("equilibrium")
    # The minimum of the mean curve (the one plot_dynamics draws) and its standard error over the
    # seeds there, not the mean of each seed's own minimum (biased low: each picks its noise's dip).
    d = m.dynamics[step]
    y, y_se = d.curve(stat), d.curve_se(stat)
    finite = np.flatnonzero(np.isfinite(y))
    imin = int(finite[np.argmin(y[finite])]) if finite.size else None
    t_min = int(d.t[imin]) if imin is not None else None
    minimum = float(y[imin]) if imin is not None else None
    minimum_se = float(y_se[imin]) if imin is not None and y_se is not None and np.isfinite(y_se[imin]) else None
    notes = list(dict.fromkeys(p.note for p in parts if p.note))
    if len(notes) > 1:  # e.g. each seed's own eigenvalue in "no equilibrium: ...": the first says what
        notes = [f"{notes[0]} (and {len(notes) - 1} more such note(s) from the other seeds)"]
    overflows = [p.overflow_t for p in parts if p.overflow_t is not None]
    return ErrorSummary(run_id=m.run_id, path=m.path, status=m.status, model=m.model, scheme=m.scheme, k=m.k,
                        step=step, stat=stat, at_k=at_k, minimum=minimum, t_min=t_min, equilibrium=equilibrium,
                        method=m.equilibrium[step].method, note="; ".join(notes),
                        overflow_t=min(overflows) if overflows else None, n_chains=parts[0].n_chains,
                        n_seeds=len(parts), seeds=[p.seeds[0] for p in parts], run_ids=[p.run_id for p in parts],
                        at_k_se=at_k_se, minimum_se=minimum_se, equilibrium_se=equilibrium_se)


def summarize_unfinished(m: Measurement, stat: str) -> ErrorSummary:
    """The row of a run that did not complete, so was not measured."""
    reason = str(m.attrs.get("status_reason", ""))
    return ErrorSummary(run_id=m.run_id, path=m.path, status=m.status, model=m.model, scheme=m.scheme, k=m.k,
                        step=None, stat=stat, at_k=None, minimum=None, t_min=None, equilibrium=None, method="",
                        note=f"{m.status}, not measured" + (f": {reason}" if reason else ""),
                        overflow_t=None, n_chains=0, seeds=[m.config.get("run.seed")], run_ids=[m.run_id])
