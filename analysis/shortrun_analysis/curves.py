"""A run file as one xarray.Dataset (Run.to_xarray()): every curve and per-unit array with named
dimensions, so that curves select and align by label (`ds.corr_err.sel(step=2000)`,
`ds.v_trained.sel(mode=0)`) instead of by position. xarray is imported only here.

Dimensions (coordinates are the int64 values named; absent when the file has nothing along them):
  update       rows of /train: the update number of each row
  checkpoint   /checkpoints/<step>: the update of each stored parameter set
  unit, unit_b the model's units (visible units, spins, Gaussian coordinates): 0 .. N-1; unit_b
               is the second index of N x N matrices (J, covariances)
  hidden       RBM hidden units
  mode         Gaussian eigenmodes of the data covariance, ascending in c_alpha (mode 0 = "mode 1")
  theory_t     /theory/t: sampling times of the closed-form curves
  step         measured checkpoints (/dynamics/<step>, /equilibrium/<step>)
  t            sampling times of the measurement: the union over the measured steps, values NaN
               where a step did not record a time (an overflow ends a curve early)
  t_exact      times of the exact law's curves (/dynamics/<step>/theory_t), union likewise
  component, component_b   principal components, where covariances are projected (N > 64)
Other parameter blocks (ConvNet layers) get dimensions <block>_0, <block>_1.

Variables (each only where the file has it; docs/hdf5-schema.md says what they mean):
  wall_s, grad_norm, param_norm (update)      training log
  params_<block> (checkpoint, ...)            parameters: params_J (checkpoint, unit, unit_b),
                                              params_h (checkpoint, unit), params_W (checkpoint, unit,
                                              hidden), params_a, params_b ...
  data_mean (unit), data_cov (unit, unit_b)   /data
  c, J_star, J_eq, J_ml, J_trained (mode), h_star (unit), basis (unit, mode),
  v_theory, v_trained (theory_t, mode)        /theory of a Gaussian run
  m_data, h_star, h_ml, h_trained (unit), m_theory (theory_t, unit)   /theory of a spins run
  mean_err, corr_err, energy_mean, energy_std, h_err, vh_err, their standard errors <name>_se and
  mean_err_corrected, corr_err_corrected (step, t), mean (step, t, unit),
  cov (step, t, unit, unit_b) or (step, t, component, component_b), mode_var (step, t, mode),
  h_mean (step, t, hidden), mode_var_theory (step, t_exact, mode), mean_theory (step, t_exact, unit)
                                              /dynamics/<step>
  data_energy, overflow_t (-1: none), n_chains, seconds (step)        its attributes
  eq_exists, eq_method, eq_mean_err, eq_corr_err, eq_energy_mean, eq_energy_std, eq_h_err,
  eq_vh_err (and eq_<name>_se, eq_*_corrected), eq_log_z, eq_log_z_se, eq_loglik and the log Z
  bracket eq_log_z_lower, eq_log_z_upper (their _se), eq_loglik_lower, eq_loglik_upper, with
  eq_log_z_reliable, eq_log_z_wide, eq_log_z_warning (step), eq_mean (step, unit), eq_cov,
  eq_mode_var (step, mode), eq_h_mean (step, hidden)                  /equilibrium/<step>
Attributes: the file's root attributes (run_id, status, schema, ...) and every /config entry
under its own name ("train.k", "model.type", ...). Image samples are left out (Measurement has them).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from .seeds import _aligned  # [n, T, ...]: each (t_i, values_i) at its times, NaN elsewhere

_PARAM_DIMS = {
    "J": ("unit", "unit_b"),
    "h": ("unit",),
    "W": ("unit", "hidden"),
    "a": ("unit",),
    "b": ("hidden",),
}
_ERROR_STATS = ("mean_err", "corr_err", "energy_mean", "energy_std", "h_err", "vh_err")
# Each with its standard error, and the noise-corrected errors (where the file has them).
_PER_T = _ERROR_STATS + tuple(f"{n}_se" for n in _ERROR_STATS) + ("mean_err_corrected", "corr_err_corrected")
# log Z and the log-likelihood with their bracket (forward AIS: lower bound, reverse AIS: upper)
# and the verdict on them (log_z_reliable = 0 or log_z_wide = 1: read log_z_warning).
_EQ_SCALARS = _PER_T + ("log_z", "log_z_se", "log_z_lower", "log_z_lower_se", "log_z_upper", "log_z_upper_se",
                        "loglik", "loglik_lower", "loglik_upper", "log_z_reliable", "log_z_wide")


def _attr_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def run_dataset(run, measurement=None):
    """The xarray.Dataset of a Run (runfile.py) and, when given, its Measurement (measurement.py)
    of the same file: see the module docstring."""
    import xarray as xr

    variables: Dict[str, Tuple[Tuple[str, ...], np.ndarray]] = {}
    coords: Dict[str, np.ndarray] = {}

    if run.train:
        if "step" in run.train:
            coords["update"] = np.asarray(run.train["step"], dtype=np.int64)
        for name, values in run.train.items():
            if name != "step":
                variables[name] = (("update",), np.asarray(values))

    if run.checkpoints:
        steps = sorted(run.checkpoints)
        coords["checkpoint"] = np.asarray(steps, dtype=np.int64)
        for block in run.checkpoints[steps[0]]:
            values = [np.asarray(run.checkpoints[s].get(block)) for s in steps]
            if any(v.shape != values[0].shape for v in values):
                continue
            dims = _PARAM_DIMS.get(block, tuple(f"{block}_{i}" for i in range(values[0].ndim)))
            if len(dims) != values[0].ndim:
                dims = tuple(f"{block}_{i}" for i in range(values[0].ndim))
            variables[f"params_{block}"] = (("checkpoint",) + dims, np.stack(values))

    if "mean" in run.data:
        variables["data_mean"] = (("unit",), np.asarray(run.data["mean"]))
    if "cov" in run.data:
        variables["data_cov"] = (("unit", "unit_b"), np.asarray(run.data["cov"]))

    td = run.theory_data
    if run.theory_model == "gaussian":
        if "t" in td:
            coords["theory_t"] = np.asarray(td["t"], dtype=np.int64)
        for name in ("c", "J_star", "J_eq", "J_ml", "J_trained"):
            if name in td:
                variables[name] = (("mode",), np.asarray(td[name]))
        if "h_star" in td:
            variables["h_star"] = (("unit",), np.asarray(td["h_star"]))
        if "basis" in td:
            variables["basis"] = (("unit", "mode"), np.asarray(td["basis"]))
        for name in ("v_theory", "v_trained"):
            if name in td:
                variables[name] = (("theory_t", "mode"), np.asarray(td[name]))
    elif run.theory_model == "spins":
        if "t" in td:
            coords["theory_t"] = np.asarray(td["t"], dtype=np.int64)
        for name in ("m_data", "h_star", "h_ml", "h_trained"):
            if name in td:
                variables[name] = (("unit",), np.asarray(td[name]))
        if "m_theory" in td:
            variables["m_theory"] = (("theory_t", "unit"), np.asarray(td["m_theory"]))

    if measurement is not None and measurement.steps:
        _add_measurement(measurement, variables, coords)

    sizes: Dict[str, int] = {}
    for dims, values in variables.values():
        for dim, size in zip(dims, np.shape(values)):
            sizes.setdefault(dim, size)
    for dim in ("unit", "unit_b", "hidden", "mode", "component", "component_b"):
        if dim in sizes:
            coords[dim] = np.arange(sizes[dim], dtype=np.int64)

    attrs: Dict[str, Any] = {name: _attr_value(v) for name, v in run.attrs.items()}
    for name, value in run.config.items():
        attrs.setdefault(name, _attr_value(value))
    if run.theory_model is not None:
        for name, value in td.items():
            if not isinstance(value, np.ndarray) or value.ndim == 0:
                attrs[f"theory.{name}"] = _attr_value(value)
    return xr.Dataset({name: xr.Variable(dims, values) for name, (dims, values) in variables.items()},
                      coords=coords, attrs=attrs)


def _add_measurement(m, variables: Dict[str, Tuple[Tuple[str, ...], np.ndarray]], coords: Dict[str, np.ndarray]):
    steps = m.steps
    dyn = [m.dynamics[s] for s in steps]
    eqs = [m.equilibrium[s] for s in steps]
    coords["step"] = np.asarray(steps, dtype=np.int64)
    times = np.unique(np.concatenate([d.t for d in dyn])).astype(np.int64)
    coords["t"] = times
    projected = any(int(d.attrs.get("cov_components", 0)) > 0 for d in dyn)
    cov_dims = ("component", "component_b") if projected else ("unit", "unit_b")
    per_t_dims = {"mean": ("unit",), "cov": cov_dims, "mode_var": ("mode",), "h_mean": ("hidden",)}
    for name in list(_PER_T) + list(per_t_dims):
        if all(name in d.arrays for d in dyn):
            stacked = _aligned(times, [(d.t, np.asarray(d.arrays[name], dtype=float)) for d in dyn])
            if stacked is not None:
                variables[name] = (("step", "t") + per_t_dims.get(name, ()), stacked)
    if all("theory_t" in d.arrays for d in dyn):
        exact = np.unique(np.concatenate([d.arrays["theory_t"] for d in dyn])).astype(np.int64)
        for name, dims in (("mode_var_theory", ("mode",)), ("mean_theory", ("unit",))):
            if all(name in d.arrays for d in dyn):
                stacked = _aligned(exact, [(d.arrays["theory_t"], np.asarray(d.arrays[name], dtype=float))
                                            for d in dyn])
                if stacked is not None:
                    coords["t_exact"] = exact
                    variables[name] = (("step", "t_exact") + dims, stacked)
    variables["data_energy"] = (("step",), np.array([d.data_energy for d in dyn], dtype=float))
    variables["overflow_t"] = (("step",), np.array([-1 if d.overflow_t is None else d.overflow_t for d in dyn],
                                                   dtype=np.int64))
    for name, kind in (("n_chains", np.int64), ("seconds", float)):
        if all(name in d.attrs for d in dyn):
            variables[name] = (("step",), np.array([d.attrs[name] for d in dyn], dtype=kind))

    variables["eq_exists"] = (("step",), np.array([bool(e.exists) for e in eqs]))
    variables["eq_method"] = (("step",), np.array([str(e.method) for e in eqs], dtype=object))
    for name in _EQ_SCALARS:
        if any(name in e.attrs for e in eqs):
            variables[f"eq_{name}"] = (("step",), np.array([float(e.attrs.get(name, np.nan)) if e.exists or
                                                             name.startswith(("log_z", "loglik_")) else np.nan
                                                             for e in eqs]))
    if any("log_z_warning" in e.attrs for e in eqs):
        variables["eq_log_z_warning"] = (("step",), np.array([str(e.attrs.get("log_z_warning", "")) for e in eqs],
                                                             dtype=object))
    eq_dims = {"mean": ("unit",), "cov": cov_dims, "mode_var": ("mode",), "h_mean": ("hidden",),
               "mean_se": ("unit",)}
    for name, dims in eq_dims.items():
        present = [e.arrays.get(name) for e in eqs]
        shapes = {np.shape(v) for v in present if v is not None}
        if len(shapes) == 1:
            shape = shapes.pop()
            values = np.full((len(eqs),) + shape, np.nan)
            for i, v in enumerate(present):
                if v is not None:
                    values[i] = v
            variables[f"eq_{name}"] = (("step",) + dims, values)
