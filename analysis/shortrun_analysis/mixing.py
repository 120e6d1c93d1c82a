"""The mixing time of a trained model's own dynamics, read from one measured step of a run file: how
many sweeps fresh chains from p0 take to reach the model's equilibrium (docs/theory.md section 5,
"The model's mixing time").

Two statistics are followed, the slow ones of a ferromagnet-like model:
  the energy        z_E(t) = (<E>_t - <E>_eq) / sqrt(se_E(t)^2 + se_E,eq^2)
                    (intra-state relaxation: the energy does not see which ordered state a chain is in)
  the magnetisation z_M(t) = (M(t) - M_eq) / sqrt(Var M(t) + se_M,eq^2),   M = mean_i m_i
                    (the balance between ordered states: reached only once chains cross between them)
with the chains' own noise: Var M(t) = 1^T C(t) 1 / (N^2 R) for R independent chains from p0 with
covariance C(t) (/dynamics cov), and se_M,eq = mean_i se(m_i^eq) (/equilibrium mean_se; an upper
bound, since the units' errors are correlated), se_E from energy_mean_se (both groups).

    t_mix = the first recorded t from which |z_E| and |z_M| stay below Z_MIX at every later
            recorded t (t_max included).

It is None when the chains have not relaxed by the last recorded time (t_mix > t_max) or when no
converged equilibrium exists (then there is nothing to relax to); `mixing_time` says which. A
threshold of 3 standard errors over ~40 recorded times mistakes equality for a difference with a
probability of a few per cent per statistic, and the "stays below" rule makes one such excursion
push t_mix to the next recorded time after it, not to infinity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

Z_MIX = 3.0


@dataclass
class MixingTime:
    t_mix: Optional[int]   # None: not relaxed by t_max, or no equilibrium (see note)
    t_max: int             # the last recorded time
    note: str              # "" when t_mix is a number; else why not
    z_energy: np.ndarray   # [T] z_E(t)
    z_magnetisation: np.ndarray  # [T] z_M(t) (NaN without a full covariance)


def has_full_covariance(d) -> bool:
    """Whether /dynamics holds the units' full covariance (not its projection on principal
    components, stored beyond 64 units): the magnetisation's variance needs it."""
    if "cov" not in d.arrays or "mean" not in d.arrays:
        return False
    n = d.arrays["mean"].shape[1]
    return d.arrays["cov"].shape[1:] == (n, n)


def _z_magnetisation(d, e) -> np.ndarray:
    t = d.t
    if not has_full_covariance(d) or "mean" not in e.arrays:
        return np.full(t.size, np.nan)
    cov, mean = np.asarray(d.arrays["cov"], float), np.asarray(d.arrays["mean"], float)
    n = mean.shape[1]
    chains = int(d.attrs.get("n_chains", 0))
    if chains < 2:
        return np.full(t.size, np.nan)
    var_m = np.maximum(cov.sum(axis=(1, 2)), 0.0) / (n * n * chains)
    eq_se = np.asarray(e.arrays.get("mean_se", np.zeros(n)), float)
    se = np.sqrt(var_m + float(np.mean(eq_se)) ** 2)
    diff = mean.mean(axis=1) - float(np.mean(e.arrays["mean"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
    return z


def _z_energy(d, e) -> np.ndarray:
    t = d.t
    if "energy_mean" not in d.arrays:
        return np.full(t.size, np.nan)
    e_eq = float(e.attrs.get("energy_mean", math.nan))
    se_eq = float(e.attrs.get("energy_mean_se", 0.0))
    se_t = np.asarray(d.arrays.get("energy_mean_se", np.zeros(t.size)), float)
    se = np.sqrt(se_t ** 2 + (se_eq if math.isfinite(se_eq) else 0.0) ** 2)
    diff = np.asarray(d.arrays["energy_mean"], float) - e_eq
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))


def mixing_time(m, step: int) -> MixingTime:
    """t_mix of one run file's measured `step` (one run, not a seed average: use its members)."""
    d, e = m.dynamics[step], m.equilibrium[step]
    t_max = int(d.t[-1]) if d.t.size else 0
    empty = np.full(d.t.size, np.nan)
    if not e.trusted:
        return MixingTime(None, t_max, f"no converged equilibrium ({e.describe()})", empty, empty)
    z_e, z_m = _z_energy(d, e), _z_magnetisation(d, e)
    if np.all(np.isnan(z_e)):
        return MixingTime(None, t_max, "no energy in the measurement", z_e, z_m)
    bad = (np.abs(z_e) >= Z_MIX) | (np.abs(np.nan_to_num(z_m, nan=0.0)) >= Z_MIX) | ~np.isfinite(z_e)
    if bad[-1]:
        return MixingTime(None, t_max, f"not relaxed by t_max = {t_max}", z_e, z_m)
    last_bad = np.flatnonzero(bad)
    first_good = int(last_bad[-1]) + 1 if last_bad.size else 0
    return MixingTime(int(d.t[first_good]), t_max, "", z_e, z_m)
