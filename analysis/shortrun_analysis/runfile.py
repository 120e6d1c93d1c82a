"""Reading shortrun run files (schema "shortrun.run", docs/hdf5-schema.md).

Shapes: N is the dimension of the model (number of data eigenmodes), T the number of sampling
times of the theory curves. Arrays in `Theory` are indexed by mode alpha in the data eigenbasis,
ascending in c_alpha (mode 1 of the printed tables is index 0 here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import h5py
import numpy as np

from .schema import RUN_SCHEMA, THEORY_SCHEMA, SchemaError, check_schema

# The /theory attribute `expected` names the dataset of the fixed point training should reach.
_EXPECTED_DATASETS = ("J_star", "J_eq", "J_ml")


def _plain(value: Any) -> Any:
    """HDF5 attribute value as a plain Python value (str, int, float, or 1-D float ndarray)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return value if value.ndim > 0 else value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attrs(obj: h5py.HLObject) -> Dict[str, Any]:
    return {name: _plain(value) for name, value in obj.attrs.items()}


class RootAttrs:
    """run_id and status of a class holding a run file's root attributes in `attrs` (Run, Measurement)."""

    @property
    def run_id(self) -> str:
        return str(self.attrs.get("run_id", ""))

    @property
    def status(self) -> str:
        return str(self.attrs.get("status", ""))


@dataclass
class Theory:
    """The /theory group of a Gaussian run (docs/theory.md section 2), in the data eigenbasis.

    c         [N]    data covariance eigenvalues c_alpha, ascending
    basis     [N,N]  U: column alpha is the eigenvector u_alpha (original coordinates)
    J_star    [N]    rdm-k fixed point J*_alpha (NaN where c_alpha <= 2 eta T: no root)
    J_eq      [N]    cd / pcd / k -> infinity fixed point (NaN where c_alpha < 2 eta T)
    J_ml      [N]    exact-gradient fixed point T / c_alpha
    h_star    [N]    rdm-k fixed-point fields (original coordinates, see the schema)
    t         [T]    sampling times (int), 0, k and t_max included
    v_theory  [T,N]  v_alpha(t) of the model J* started from p0 (NaN where J* is NaN)
    J_trained [N]    diag(U^T J U) of the final J; None when training did not complete
    v_trained [T,N]  v_alpha(t) = (U^T Sigma_t U)_{alpha alpha} of the trained J; None likewise
    attrs            k, eta, temperature, sigma0, expected, model, J_trained_offdiag_max
    """

    c: np.ndarray
    basis: np.ndarray
    J_star: np.ndarray
    J_eq: np.ndarray
    J_ml: np.ndarray
    h_star: np.ndarray
    t: np.ndarray
    v_theory: np.ndarray
    J_trained: Optional[np.ndarray]
    v_trained: Optional[np.ndarray]
    attrs: Dict[str, Any]

    @property
    def k(self) -> int:
        return int(self.attrs["k"])

    @property
    def expected_name(self) -> str:
        """Dataset name of the fixed point training should reach: 'J_star', 'J_eq' or 'J_ml'."""
        return str(self.attrs["expected"])

    @property
    def expected(self) -> np.ndarray:
        """[N] the fixed point training should reach (J_star, J_eq or J_ml, per train.scheme)."""
        return getattr(self, self.expected_name)


@dataclass
class Run(RootAttrs):
    """One run file, read whole.

    attrs        root attributes: schema, status, run_id, created, finished, config (INI text), ...
    config       /config: one entry per key, typed ("train.k" -> int, "data.spectrum" -> ndarray)
    data         /data: "mean" [N], "cov" [N,N] (absent for N > 1024), "n_samples", "population"
    train        /train: "step" [U], "wall_s" [U], "grad_norm" [U], "param_norm" [U] (may be empty)
    checkpoints  {step: {"J": [N,N], "h": [N]}}, in increasing step; may be empty
    final_step   the step /final links to, None when there is no checkpoint
    theory       Theory, or None when the file has no /theory group or it is not a Gaussian one
    theory_model /theory attribute `model` ("gaussian", "spins"), None without /theory
    theory_data  /theory of any model as one dict: its attributes and datasets (spins: m_data,
                 h_star, h_ml, h_trained, m_theory, t, k, sampler, ...); empty without /theory
    """

    path: str
    attrs: Dict[str, Any]
    config: Dict[str, Any]
    data: Dict[str, Any]
    train: Dict[str, np.ndarray]
    checkpoints: Dict[int, Dict[str, np.ndarray]]
    final_step: Optional[int]
    theory: Optional[Theory] = field(default=None)
    theory_model: Optional[str] = field(default=None)
    theory_data: Dict[str, Any] = field(default_factory=dict)

    def to_xarray(self, measurement: bool = True):
        """The run as an xarray.Dataset of its curves with named dimensions (training log by
        update, parameters by checkpoint, theory by mode and theory_t, and, with `measurement`
        and a measured file, /dynamics by step and t and /equilibrium by step); curves.py lists
        every variable and dimension."""
        from .curves import run_dataset

        m = None
        if measurement:
            from .measurement import load_measurement

            try:
                m = load_measurement(self.path, unfinished_ok=True)
            except SchemaError:  # a completed run that was never measured: no /dynamics
                m = None
        return run_dataset(self, m)

    def require_theory(self) -> Theory:
        """The /theory group; raises SchemaError when the file has none."""
        if self.theory is None:
            if self.theory_model is not None:
                raise SchemaError(f"{self.path}: /theory is for model {self.theory_model!r}, expected 'gaussian'")
            raise SchemaError(f"{self.path}: no /theory group (expected one for a solvable model)")
        return self.theory


def _read_theory(path: str, group: h5py.Group) -> Theory:
    required = ("c", "basis", "J_star", "J_eq", "J_ml", "h_star", "t", "v_theory")
    missing = [name for name in required if name not in group]
    if missing:
        raise SchemaError(f"{path}: /theory lacks {', '.join(missing)}")
    attrs = _attrs(group)
    for name in ("k", "eta", "temperature", "sigma0", "expected"):
        if name not in attrs:
            raise SchemaError(f"{path}: /theory lacks attribute {name}")
    if attrs["expected"] not in _EXPECTED_DATASETS:
        raise SchemaError(f"{path}: /theory attribute expected = {attrs['expected']!r}, "
                          f"expected one of {', '.join(_EXPECTED_DATASETS)}")
    arrays = {name: group[name][()] for name in required}
    optional = {name: group[name][()] if name in group else None for name in ("J_trained", "v_trained")}
    return Theory(**arrays, **optional, attrs=attrs)


def _open(path: str) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except OSError as e:
        reason = "no such file" if isinstance(e, FileNotFoundError) else "not an HDF5 file"
        raise SchemaError(f"{path}: cannot open ({reason}); expected a shortrun run file") from None


def load_run(path: str) -> Run:
    """Reads a run file written by `shortrun train`. Raises SchemaError when the file cannot be
    opened, its root attribute `schema` is not "shortrun.run" or its `schema_version` is not the
    one this package reads (schema.SUPPORTED_VERSIONS)."""
    with _open(path) as f:
        check_schema(f, path, RUN_SCHEMA)
        checkpoints: Dict[int, Dict[str, np.ndarray]] = {}
        if "checkpoints" in f:
            for name in sorted(f["checkpoints"], key=int):
                params = f["checkpoints"][name]["params"]
                checkpoints[int(name)] = {block: params[block][()] for block in params}
        final_step = None
        link = f.get("final", getlink=True)
        if isinstance(link, h5py.SoftLink):
            final_step = int(link.path.rstrip("/").rsplit("/", 1)[-1])
        data: Dict[str, Any] = {}
        if "data" in f:
            data = _attrs(f["data"])
            data.update({name: f["data"][name][()] for name in f["data"]})
        train = {name: f["train"][name][()] for name in f["train"]} if "train" in f else {}
        # Spins runs have a /theory of their own layout (h_star, m_theory): Theory reads the
        # Gaussian one only, and the other models keep just its name.
        theory_model = _plain(f["theory"].attrs.get("model", "gaussian")) if "theory" in f else None
        theory_data: Dict[str, Any] = {}
        if "theory" in f:
            theory_data = _attrs(f["theory"])
            theory_data.update({name: f["theory"][name][()] for name in f["theory"]
                                if isinstance(f["theory"][name], h5py.Dataset)})
        return Run(path=path, attrs=_attrs(f),
                   config=_attrs(f["config"]) if "config" in f else {},
                   data=data, train=train, checkpoints=checkpoints, final_step=final_step,
                   theory=_read_theory(path, f["theory"]) if theory_model == "gaussian" else None,
                   theory_model=theory_model, theory_data=theory_data)


def load_theory(path: str) -> Theory:
    """The /theory group of a run file or of a `shortrun theory --out` file (schema
    "shortrun.theory"). Raises SchemaError for any other file or schema_version, or when /theory
    is missing."""
    with _open(path) as f:
        check_schema(f, path, (RUN_SCHEMA, THEORY_SCHEMA))
        if "theory" not in f:
            raise SchemaError(f"{path}: no /theory group (expected one for a solvable model)")
        return _read_theory(path, f["theory"])
