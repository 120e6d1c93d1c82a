"""Closed forms of the independent-spin model (docs/theory.md section 3), +-1 spins, time in sweeps.

m_k(h) is the magnetisation of a site with field h after k sweeps from p0 with magnetisation m0:

    m_k(h) = tanh h + (m0 - tanh h) r(h)^k

with r = 0 for `gibbs` (k >= 1), q = (1 - 1/N)^N for `gibbs-random`, -exp(-2|h|) for `metropolis`
and (1 - (1 + exp(-2|h|))/N)^N for `metropolis-random`. The rdm-k fixed point h*(k) of a site is
the root of m_k(h) = m^D; for `gibbs-random` it is atanh((m^D - q^k m0)/(1 - q^k)), which exists
iff |m^D - q^k m0| < 1 - q^k (|m^D| < 1 - q^k for the uniform p0, m0 = 0).
"""
from __future__ import annotations

import math

import numpy as np

SAMPLERS = ("gibbs", "gibbs-random", "metropolis", "metropolis-random")


def q_random_sweep(n: int) -> float:
    """q = (1 - 1/N)^N: the chance that a site is not visited in a sweep of N random-site updates."""
    return (1.0 - 1.0 / n) ** n


def ratio(h: float, sampler: str, n: int) -> float:
    """r(h): the factor by which m - tanh h shrinks per sweep (see the module docstring)."""
    if sampler == "gibbs":
        return 0.0
    if sampler == "gibbs-random":
        return q_random_sweep(n)
    if sampler == "metropolis":
        return -math.exp(-2.0 * abs(h))
    if sampler == "metropolis-random":
        return (1.0 - (1.0 + math.exp(-2.0 * abs(h))) / n) ** n
    raise ValueError(f"sampler {sampler!r}: expected one of {', '.join(SAMPLERS)}")


def m_after(h: float, k: int, sampler: str, n: int, m0: float = 0.0) -> float:
    """m_k(h): the magnetisation after k sweeps from p0 (magnetisation m0) with field h."""
    th = math.tanh(h)
    return th + (m0 - th) * ratio(h, sampler, n) ** k


def m_after_grid(h: np.ndarray, k: int, sampler: str, n: int, m0: float = 0.0) -> np.ndarray:
    """m_after for an array of fields at once."""
    h = np.asarray(h, dtype=float)
    if sampler == "gibbs":
        r = np.zeros_like(h)
    elif sampler == "gibbs-random":
        r = np.full_like(h, q_random_sweep(n))
    elif sampler == "metropolis":
        r = -np.exp(-2.0 * np.abs(h))
    elif sampler == "metropolis-random":
        r = (1.0 - (1.0 + np.exp(-2.0 * np.abs(h))) / n) ** n
    else:
        raise ValueError(f"sampler {sampler!r}: expected one of {', '.join(SAMPLERS)}")
    th = np.tanh(h)
    return th + (m0 - th) * r ** k


def exists_gibbs_random(m_data: float, k: int, n: int, m0: float = 0.0) -> bool:
    """The existence condition (docs/theory.md section 3) of the gibbs-random rdm-k fixed point: |m^D - q^k m0| < 1 - q^k."""
    qk = q_random_sweep(n) ** k
    return abs(m_data - qk * m0) < 1.0 - qk


def h_star(m_data: float, k: int, sampler: str, n: int, m0: float = 0.0, h_max: float = 40.0) -> float:
    """h*(k): the field whose magnetisation after k sweeps equals m_data; NaN when there is none
    with |h| <= h_max. gibbs-random uses the closed form; the others the first sign change of
    m_k(h) - m_data on a grid from h = 0 outwards (training starts at h = 0), then bisection."""
    if sampler == "gibbs-random":
        qk = q_random_sweep(n) ** k
        x = (m_data - qk * m0) / (1.0 - qk)
        return math.atanh(x) if abs(x) < 1.0 else math.nan
    f0 = m_after(0.0, k, sampler, n, m0) - m_data
    if f0 == 0.0:
        return 0.0
    direction = 1.0 if f0 < 0 else -1.0  # m_k grows with h near 0: walk towards the data
    grid = direction * np.linspace(0.0, h_max, 4001)
    values = m_after_grid(grid, k, sampler, n, m0) - m_data
    change = np.flatnonzero(np.sign(values[1:]) != np.sign(values[:-1]))
    if change.size == 0:
        return math.nan
    lo, hi = float(grid[change[0]]), float(grid[change[0] + 1])
    f_lo = m_after(lo, k, sampler, n, m0) - m_data
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = m_after(mid, k, sampler, n, m0) - m_data
        if f_mid == 0.0 or abs(hi - lo) < 1e-15:
            return mid
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def p0_magnetization(init_type: str, m_data: float) -> float:
    """m0 of the p0 named by init.type (uniform: 0; data-mean: the data's own m_i); NaN otherwise."""
    if init_type == "uniform":
        return 0.0
    if init_type == "data-mean":
        return m_data
    return math.nan


def slope(h: float, k: int, sampler: str, n: int, m0: float = 0.0) -> float:
    """a = dm_k/dh at h (central difference; m_k is smooth away from h = 0 for every sampler)."""
    d = 1e-5 * max(1.0, abs(h))
    return (m_after(h + d, k, sampler, n, m0) - m_after(h - d, k, sampler, n, m0)) / (2.0 * d)


def chain_noise_var(m_data: float, k: int, sampler: str, n: int, m0: float, lr: float, chains: int) -> float:
    """Predicted variance of a site's trained field around h*(k) from the chains' noise alone: rdm
    with R = `chains` fresh chains per update, plain SGD (no momentum, no L2) at rate eta = `lr`,
    exact data moments (data.n_samples = 0), +-1 spins, long after training reached h*.

    Each update is h <- h + eta (m^D - m_hat), m_hat the mean of R independent +-1 spins whose mean
    is m_k(h), so Var m_hat = (1 - m_k(h)^2) / R. Linearised around h* (where m_k = m^D), with
    a = m_k'(h*) and the deviation d = h - h*:  d <- (1 - eta a) d + eta xi,  Var xi = s^2 =
    (1 - m^D^2) / R, a first-order autoregression whose stationary variance is
        Var d = eta^2 s^2 / (1 - (1 - eta a)^2) = eta s^2 / (a (2 - eta a)).
    Different seeds' final fields are independent draws of it. NaN where h* does not exist or the
    linearised update is not contracting (eta a outside (0, 2))."""
    h = h_star(m_data, k, sampler, n, m0)
    if not math.isfinite(h):
        return math.nan
    a = slope(h, k, sampler, n, m0)
    if not 0.0 < lr * a < 2.0:
        return math.nan
    s2 = (1.0 - m_data * m_data) / chains
    return lr * s2 / (a * (2.0 - lr * a))


def relaxed(m_data: float, k: int, sampler: str, n: int, m0: float, lr: float, updates: int) -> bool:
    """Whether `updates` SGD steps from h = 0 forget the start: |1 - eta a|^updates < 1e-3 at h*."""
    h = h_star(m_data, k, sampler, n, m0)
    if not math.isfinite(h):
        return False
    return abs(1.0 - lr * slope(h, k, sampler, n, m0)) ** updates < 1e-3


def chi2_z(chi2: float, dof: int) -> float:
    """How many standard deviations chi2 lies above its mean for `dof` degrees of freedom, by the
    Wilson-Hilferty cube-root transform ((chi2/dof)^(1/3) is nearly normal with mean 1 - 2/(9 dof)
    and variance 2/(9 dof); accurate to a few hundredths of a standard deviation for dof >= 10)."""
    if dof <= 0:
        return math.nan
    v = 2.0 / (9.0 * dof)
    return ((chi2 / dof) ** (1.0 / 3.0) - (1.0 - v)) / math.sqrt(v)
