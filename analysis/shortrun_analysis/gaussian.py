"""The Gaussian EBM with ULA chains (docs/theory.md section 2), per mode alpha of the data covariance
(eigenvalue c_alpha), and the chain noise of rdm training around J*(k).

A mode with coupling J, after k ULA steps (step eta, temperature T) from p0 = N(0, sigma0^2), has
variance
    v_k(J) = a^(2k) sigma0^2 + 2 eta T sum_{s<k} a^(2s),   a = 1 - eta J,
and J*(k) solves v_k(J*) = c_alpha. Training updates J <- J - lr/2 (S_D - S_hat) (dE/dJ = x x^T / 2):
in the data eigenbasis, to first order around J*, the diagonal element J_alpha moves by
-lr/2 (c_alpha - v_k(J_alpha)) - lr/2 xi, xi the sampling error of the chains' second moment along
the mode, of variance 2 c_alpha^2 / R for R Gaussian chains (zero mean). With rho = -lr/2 v_k'(J*)
(> 0: v_k decreases with J), d = J_alpha - J* follows d <- (1 - rho) d - lr/2 xi, whose stationary
variance is
    Var d = (lr/2)^2 (2 c_alpha^2 / R) / (rho (2 - rho)),   valid for 0 < rho < 2.
"""
from __future__ import annotations

import math

import numpy as np


def v_k(j: float, k: int, eta: float, temp: float, sigma0: float) -> float:
    """Variance of a mode with coupling j after k ULA steps from N(0, sigma0^2)."""
    r = (1.0 - eta * j) ** 2
    powers = r ** np.arange(k)
    return float(r ** k * sigma0 ** 2 + 2.0 * eta * temp * powers.sum())


def dv_dj(j: float, k: int, eta: float, temp: float, sigma0: float) -> float:
    """v_k'(j), from dv/dr dr/dj with r = (1 - eta j)^2."""
    r = (1.0 - eta * j) ** 2
    s = np.arange(1, k)
    dv_dr = k * r ** (k - 1) * sigma0 ** 2 + 2.0 * eta * temp * float((s * r ** (s - 1)).sum())
    return dv_dr * (-2.0 * eta * (1.0 - eta * j))


def chain_noise_var(c: float, j_star: float, k: int, eta: float, temp: float, sigma0: float,
                    lr: float, chains: int) -> float:
    """Predicted variance of a trained J_alpha around J*(k) from the chains' noise (module
    docstring); NaN where J* does not exist or the linearised update does not contract."""
    if not math.isfinite(j_star):
        return math.nan
    rho = -0.5 * lr * dv_dj(j_star, k, eta, temp, sigma0)
    if not 0.0 < rho < 2.0:
        return math.nan
    return (0.5 * lr) ** 2 * (2.0 * c * c / chains) / (rho * (2.0 - rho))


def relaxed(j_star: float, k: int, eta: float, temp: float, sigma0: float, lr: float, updates: int) -> bool:
    """Whether `updates` steps forget the start: |1 - rho|^updates < 1e-3."""
    if not math.isfinite(j_star):
        return False
    rho = -0.5 * lr * dv_dj(j_star, k, eta, temp, sigma0)
    return abs(1.0 - rho) ** updates < 1e-3
