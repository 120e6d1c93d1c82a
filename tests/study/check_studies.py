#!/usr/bin/python3
"""Checks make_figures.py's output (summary.json, summary.md, the figures) for the tiny studies of
test_paper_studies.sh: every number against what h5py reads from the run files and manifests, and,
where theory exists, against closed forms computed here (docs/theory.md), not by the code under test.

Usage: check_studies.py FIGURES_DIR STUDY_DIR...
"""
import math
import os
import re
import sys

import h5py
import numpy as np

# Only the schema check comes from the package under test (every reader makes it, docs/hdf5-schema.md):
# the numbers below are read with h5py and computed here.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
from shortrun_analysis.schema import RUN_SCHEMA, SWEEP_SCHEMA, check_schema  # noqa: E402

out, study_dirs = sys.argv[1], sys.argv[2:]

# Tolerances. Training with exact moments is deterministic and converges geometrically; the tiny
# configs give it enough updates to reach the fixed points to ~1e-9 (measured), so 1e-6 leaves room
# without letting an off-by-a-step fixed point pass (they differ by >= 1e-2 here).
TRAINED = 1e-6
SAME = 1e-12  # a number copied from a file: equal up to float formatting


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def close(a, b, tol=SAME):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def fmt(x, spec=".3g"):
    return "-" if x is None or not math.isfinite(x) else f"{x:{spec}}"


def open_h5(path, schema=RUN_SCHEMA):
    """h5py.File(path, "r") after the schema check of every reader (SchemaError otherwise)."""
    f = h5py.File(path, "r")
    try:
        check_schema(f, path, schema)
    except BaseException:
        f.close()
        raise
    return f


def manifest(folder):
    with open_h5(os.path.join(folder, "sweep.h5"), SWEEP_SCHEMA) as f:
        runs = {name: f["runs"][name][()] for name in f["runs"]}
        attrs = dict(f.attrs)
    runs = {k: np.array([text(x) for x in v]) if v.dtype.kind in "OS" else v for k, v in runs.items()}
    return runs, attrs


import json  # noqa: E402

summary = json.load(open(os.path.join(out, "summary.json")))
md = open(os.path.join(out, "summary.md")).read()
records = {r["folder"]: r for r in summary["studies"]}
assert len(records) == len(study_dirs), (list(records), study_dirs)

EXPECTED_FIGURES = {
    1: ["study1_J_vs_k.png"], 2: ["study2_h_vs_k.png"], 3: ["study3_error_vs_t.png", "study3_heatmap.png"],
    4: ["study4_error_vs_t.png", "study4_samples_rdm.png", "study4_samples_pcd.png"],
    5: ["study5_energy_vs_t.png"], 6: ["study6_k_lr.png"],
}


seen_numbers = {}  # make_figures.py names a second study of the same kind study<N>b_..., a third c


def check_figures(record):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    number = record["number"]
    seen = seen_numbers.get(number, 0)
    seen_numbers[number] = seen + 1
    suffix = "" if seen == 0 else chr(ord("a") + seen)
    expected = EXPECTED_FIGURES[number]
    if number == 3:  # the heat map needs a run measured at every checkpoint; the crossover rdm at >= 3 k
        expected = ["study3_error_vs_t.png"] + (["study3_heatmap.png"] if record["heatmap_run"] else []) \
            + (["study3_crossover.png"] if record["crossover"] else [])
    if number == 4:  # a sample mosaic per row (a run or a seed average), the crossover with rdm at >= 3 k
        expected = ["study4_error_vs_t.png"] + [f"study4_samples_{r['run_id']}.png" for r in record["rows"]] \
            + (["study4_crossover.png"] if record["crossover"] else [])
    if number == 5:  # the energy panels and a sample mosaic per row
        expected = ["study5_energy_vs_t.png"] + [f"study5_samples_{r['run_id']}.png" for r in record["rows"]]
    want = [name.replace(f"study{number}_", f"study{number}{suffix}_") for name in expected]
    assert sorted(record["figures"]) == sorted(want), (record["figures"], want)
    for name in want:
        path = os.path.join(out, name)
        assert os.path.isfile(path) and os.path.getsize(path) > 5000, name
        img = mpimg.imread(path)
        assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200, (name, img.shape)
        grey = (img[..., :3] @ np.array([0.3, 0.6, 0.1]) * 255).astype(np.uint8)
        assert np.bincount(grey.ravel(), minlength=256).astype(bool).sum() > 20, f"{name}: nearly uniform"
        assert f"![{name}]({name})" in md, f"summary.md does not show {name}"
    assert f"## Study {record['number']}: " in md


# --- study 1: Gaussian, J* from equation F1 solved here -----------------------------------------

def v_k(j, k, eta, temp, sigma0):
    """Variance of a mode after k ULA steps from N(0, sigma0^2) (docs/theory.md section 2)."""
    a = 1.0 - eta * j
    if abs(a * a - 1.0) < 1e-15:
        return sigma0 ** 2 + 2 * eta * temp * k
    return a ** (2 * k) * sigma0 ** 2 + 2 * eta * temp * (1 - a ** (2 * k)) / (1 - a * a)


def j_star(c, k, eta, temp, sigma0):
    """Root on J < 1/eta of v(k; J) = c: v is decreasing there, so bisection."""
    lo, hi = -1.0, 1.0 / eta
    while v_k(lo, k, eta, temp, sigma0) < c:
        lo *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if v_k(mid, k, eta, temp, sigma0) > c:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def j_noise_var(c, js, k, eta, temp, sigma0, lr, chains, updates):
    """The stationary variance of an SGD-trained J_alpha around J* under chain noise, derived here
    again: J_alpha <- J_alpha - lr/2 (c - second moment of R chains along the mode), that moment of
    mean v_k(J_alpha) and variance 2 c^2 / R; linearised with rho = -lr/2 v_k'(J*) (a central
    difference of v_k here), Var = (lr/2)^2 (2 c^2 / R) / (1 - (1 - rho)^2). None where it does not
    apply (no J*, not contracting, or not relaxed after `updates`)."""
    if not math.isfinite(js):
        return None
    d = 1e-6
    rho = -0.5 * lr * (v_k(js + d, k, eta, temp, sigma0) - v_k(js - d, k, eta, temp, sigma0)) / (2 * d)
    if not 0 < rho < 2 or abs(1 - rho) ** updates >= 1e-3:
        return None
    return (0.5 * lr) ** 2 * (2 * c * c / chains) / (1 - (1 - rho) ** 2)


def chi2_checks(label, items, got):
    """items: (values over seeds, centre, variance). make_figures.py's pooled chi-squares (`got`)
    recomputed, and both within |z| < 4 of the prediction (fixed seeds: always or never)."""
    chi_s = sum((len(v) - 1) * float(np.var(v, ddof=1)) / var for v, _, var in items)
    dof_s = sum(len(v) - 1 for v, _, _ in items)
    chi_m = sum(len(v) * (float(np.mean(v)) - centre) ** 2 / var for v, centre, var in items)
    dof_m = len(items)
    assert dof_s > 0 and got is not None, (label, got)
    assert got["scatter_dof"] == dof_s and got["mean_dof"] == dof_m, (label, got, dof_s, dof_m)
    assert close(got["scatter_ratio"], chi_s / dof_s, 1e-6) and close(got["mean_ratio"], chi_m / dof_m, 1e-6), \
        (label, got, chi_s / dof_s, chi_m / dof_m)
    for what, chi, dof in (("scatter", chi_s, dof_s), ("mean", chi_m, dof_m)):
        v = 2 / (9 * dof)  # Wilson-Hilferty: (chi2/dof)^(1/3) ~ N(1 - v, v)
        z = ((chi / dof) ** (1 / 3) - (1 - v)) / math.sqrt(v)
        assert abs(z) < 4, f"{label}: the seeds' {what} is {z:+.2f} sd off the predicted chain noise"
    print(f"{label}: seeds' scatter / predicted = {chi_s / dof_s:.3f} ({dof_s} dof), "
          f"means on the fixed point: chi2/dof = {chi_m / dof_m:.3f} ({dof_m} dof)")


def check_gaussian(folder, record):
    runs, _ = manifest(folder)
    worst = {}
    seeds = {}  # sampled chains: (sigma0, scheme, k) -> [(J_trained, J*, c, the run's constants)]
    for path in (os.path.join(folder, p) for p in runs["file"]):
        with open_h5(path) as f:
            th = f["theory"]
            eta, temp, sigma0, k = (float(th.attrs[a]) for a in ("eta", "temperature", "sigma0", "k"))
            cfg = f["config"].attrs
            scheme = text(cfg["train.scheme"])
            sampled = text(cfg["train.moments"]) == "sampled"
            training = (float(cfg["train.lr"]), int(cfg["train.chains"]), int(cfg["train.updates"]))
            c, js, jeq, jt = th["c"][()], th["J_star"][()], th["J_eq"][()], th["J_trained"][()]
        # The stored closed forms against ours.
        ours = np.array([j_star(ca, int(k), eta, temp, sigma0) for ca in c])
        assert np.allclose(js, ours, rtol=0, atol=1e-9), (path, js, ours)
        assert np.allclose(jeq, (1 - np.sqrt(1 - 2 * eta * temp / c)) / eta, rtol=0, atol=1e-12), path
        target = js if scheme == "rdm" else jeq
        gap = float(np.abs(jt - target).max())
        if sampled:
            seeds.setdefault((sigma0, scheme, int(k)), []).append((jt, js, c, (eta, temp, sigma0) + training))
        else:
            assert gap < TRAINED, f"{path}: {scheme} k = {k:g}: |J_trained - {'J*' if scheme == 'rdm' else 'J_eq'}| = {gap:.3g}"
        key = (sigma0, scheme)
        w = worst.setdefault(key, {"star": 0.0, "eq": 0.0, "n": 0})
        w["star"] = max(w["star"], float(np.abs(jt - js).max()))
        w["eq"] = max(w["eq"], float(np.abs(jt - jeq).max()))
        w["n"] += 1
    rows = {(r["sigma0"], r["scheme"]): r for r in record["rows"]}
    assert sorted(rows) == sorted(worst), (sorted(rows), sorted(worst))
    for key, w in worst.items():
        r = rows[key]
        assert r["n_runs"] == r["n_completed"] == w["n"], r
        assert close(r["max_gap_J_star"], w["star"]) and close(r["max_gap_J_eq"], w["eq"]), (r, w)
        expected = w["star"] if key[1] == "rdm" else w["eq"]
        assert close(r["max_gap_expected"], expected), (r, w)
        line = f"| {key[0]:g} | {key[1]} | {w['n']}/{w['n']} | {'J_star' if key[1] == 'rdm' else 'J_eq'} | " \
               f"{fmt(expected)} | {fmt(w['star'])} | {fmt(w['eq'])} |"
        assert line in md, f"summary.md lacks the row {line}"
    # rdm is far from equilibrium at small k for some mode: the figure's point.
    assert any(rows[(s, "rdm")]["max_gap_J_eq"] > 1.0 for s, _ in rows), rows
    if not seeds:
        assert all(r.get("chain_noise") is None for r in record["rows"]), record["rows"]
        print(f"study 1: {len(worst)} (sigma0, scheme) rows, trained J on J* / J_eq within {TRAINED:g}")
        return
    for sigma0, scheme in rows:
        items = []
        for (s0, sch, k), group in seeds.items():
            if (s0, sch) != (sigma0, scheme) or len(group) < 2:
                continue
            js, c, (eta, temp, sg, lr, chains, updates) = group[0][1], group[0][2], group[0][3]
            for a in range(c.size):
                var = j_noise_var(float(c[a]), float(js[a]), k, eta, temp, sg, lr, chains, updates)
                if var is not None:
                    items.append(([jt[a] for jt, _, _, _ in group], float(js[a]), var))
        chi2_checks(f"study 1 (sampled chains, sigma0 = {sigma0:g}, {scheme})", items, rows[(sigma0, scheme)]["chain_noise"])


# --- study 2: spins, h*(k) and the existence condition computed here ---------------------------

def m_after(h, k, sampler, n):
    """m_k(h) from p0 uniform (m0 = 0), docs/theory.md section 3."""
    if sampler == "gibbs-random":
        r = (1 - 1 / n) ** n
    elif sampler == "metropolis":
        r = -math.exp(-2 * abs(h))
    else:
        raise AssertionError(sampler)
    return math.tanh(h) * (1 - r ** k)


def h_root(m, k, sampler, n):
    """Root of m_k(h) = m by bisection on [0, 40] (m_k is increasing in |h| for these samplers)."""
    lo, hi = 0.0, 40.0
    target = abs(m)
    if m_after(hi, k, sampler, n) < target:
        return math.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if m_after(mid, k, sampler, n) < target:
            lo = mid
        else:
            hi = mid
    return math.copysign(0.5 * (lo + hi), m)


def noise_var(m, k, sampler, n, lr, chains):
    """The stationary variance of an SGD-trained field around h*(k) under chain noise, derived here
    again: h <- h + lr (m - mean of R spins of mean m_k(h)); linearised, with a = m_k'(h*) (closed
    form for gibbs-random, a central difference for metropolis) and s^2 = (1 - m^2) / R,
    Var = lr^2 s^2 / (1 - (1 - lr a)^2). None where h* does not exist."""
    h = h_root(m, k, sampler, n)
    if not math.isfinite(h):
        return None, None
    if sampler == "gibbs-random":
        a = (1 - ((1 - 1 / n) ** n) ** k) * (1 - math.tanh(h) ** 2)
    else:
        d = 1e-6
        a = (m_after(abs(h) + d, k, sampler, n) - m_after(abs(h) - d, k, sampler, n)) / (2 * d)
    s2 = (1 - m * m) / chains
    return lr * lr * s2 / (1 - (1 - lr * a) ** 2), a


def check_spins_sampled(folder, record, runs_by_group):
    """Sampled chains over seeds: make_figures.py's chi-squares of the seeds' scatter and of their
    means against h*(k), recomputed here from the files (chi2_checks)."""
    rows = {r["sampler"]: r for r in record["rows"]}
    for sampler, groups in runs_by_group.items():
        items = []
        for (k, lr, chains, updates), fields in groups.items():
            if len(fields) < 2:
                continue
            h = np.array([f for f, _ in fields])
            m = fields[0][1]
            n = m.size
            for i in range(n):
                var, a = noise_var(float(m[i]), k, sampler, n, lr, chains)
                if var is None or not 0 < lr * a < 2 or abs(1 - lr * a) ** updates >= 1e-3:
                    continue
                items.append((h[:, i], h_root(float(m[i]), k, sampler, n), var))
        chi2_checks(f"study 2 (sampled chains, {sampler})", items, rows[sampler]["chain_noise"])


def check_spins(folder, record):
    runs, _ = manifest(folder)
    by_sampler = {}
    sampled = {}  # sampler -> (k, lr, chains, updates) -> [(h_trained, m_data)] over seeds
    for path, status in zip(runs["file"], runs["status"]):
        with open_h5(os.path.join(folder, path)) as f:
            th = f["theory"]
            k, sampler = int(th.attrs["k"]), text(th.attrs["sampler"])
            m = th["m_data"][()]
            trained = th["h_trained"][()] if "h_trained" in th else None
            c = f["config"].attrs
            is_sampled = text(c["train.moments"]) == "sampled"
            group = (k, float(c["train.lr"]), int(c["train.chains"]), int(c["train.updates"]))
        n = m.size
        s = by_sampler.setdefault(sampler, {"gap": 0.0, "diverged": [], "predicted": {}, "n": 0, "done": 0})
        s["n"] += 1
        if sampler == "gibbs-random":
            q = (1 - 1 / n) ** n
            no_root = [i + 1 for i in range(n) if abs(m[i]) >= 1 - q ** k]  # docs/theory.md section 3
            if no_root:
                s["predicted"][str(k)] = no_root
        if status == "diverged":
            s["diverged"].append(k)
            continue
        assert status == "completed" and trained is not None, (path, status)
        s["done"] += 1
        h = np.array([h_root(mi, k, sampler, n) for mi in m])
        assert np.all(np.isfinite(h)), (path, h)
        gap = float(np.abs(trained - h).max())
        if is_sampled:
            sampled.setdefault(sampler, {}).setdefault(group, []).append((trained, m))
        else:
            assert gap < TRAINED, f"{path}: |h_trained - h*| = {gap:.3g}"
        s["gap"] = max(s["gap"], gap)
    rows = {r["sampler"]: r for r in record["rows"]}
    assert sorted(rows) == sorted(by_sampler), (rows, by_sampler)
    for sampler, s in by_sampler.items():
        r = rows[sampler]
        assert r["n_runs"] == s["n"] and r["n_completed"] == s["done"], (r, s)
        assert sorted(r["diverged_k"]) == sorted(s["diverged"]), (r, s)
        assert r["max_gap_h_star"] is not None and close(r["max_gap_h_star"], s["gap"], 1e-9), (r, s)
        assert sampler in sampled or r["max_gap_h_star"] < TRAINED, r
        if sampler == "gibbs-random":
            # The runs that diverged are exactly those where docs/theory.md section 3 says a site has
            # no fixed point, and the sites that make_figures.py saw running away are exactly those.
            assert sorted(int(k) for k in s["predicted"]) == sorted(set(s["diverged"])), (s, r)
            assert r["predicted_no_fixed_point"] == s["predicted"], (r, s)
            assert r["runaway_sites"] == s["predicted"], (r["runaway_sites"], s["predicted"])
            assert r["theory_agrees"] is True, r
            assert s["diverged"], "the tiny spins study should have runs without a fixed point"
        else:
            assert not s["diverged"], (sampler, s)
    assert record["theory_agrees"] is True, record
    assert "| gibbs-random |" in md and "| yes |" in md
    if sampled:
        assert sorted(sampled) == sorted(by_sampler), (sorted(sampled), sorted(by_sampler))
        check_spins_sampled(folder, record, sampled)
    else:
        assert all(r.get("chain_noise") is None for r in record["rows"]), record["rows"]
    print(f"study 2: h on h*(k) {'(seeds: above)' if sampled else f'within {TRAINED:g}'}; diverged k = "
          f"{sorted(set(by_sampler['gibbs-random']['diverged']))} as the condition of docs/theory.md section 3 says")


# --- studies 3 and 4: the measurement numbers against the files -------------------------------

def measured(path):
    """(stat, err at t = k, min over t, t of the min, equilibrium or None, eq attrs) at the last step."""
    with open_h5(path) as f:
        step = max(int(s) for s in f["dynamics"] if s.isdigit())
        d, e = f[f"dynamics/{step}"], f[f"equilibrium/{step}"]
        k = int(f["dynamics"].attrs["k"])
        stat = "mean_err" if text(f["config"].attrs["model.type"]) == "spins" else "corr_err"
        t, y = d["t"][()], d[stat][()]
        # A long-run reference that failed its convergence diagnostics is never "the" equilibrium.
        trusted = e.attrs["exists"] and int(e.attrs.get("converged", 1)) == 1
        eq = float(e.attrs[stat]) if trusted else None
        attrs = {a: e.attrs[a] for a in e.attrs}
        attrs["data_energy"] = float(d.attrs["data_energy"])
        # One run's standard errors: the jackknife over its chains stored beside the curve (none where
        # every one is 0: an exact law), and the equilibrium's own attribute (none where exact).
        se = d[stat + "_se"][()] if stat + "_se" in d else np.zeros(t.size)
        se = se if np.any(se > 0) else np.full(t.size, np.nan)
        eq_se = float(e.attrs.get(stat + "_se", math.nan)) if trusted else math.nan
        ik, imin = list(t).index(k), int(np.argmin(y))
        errors = tuple(float(x) if math.isfinite(x) and x > 0 else None for x in (se[ik], se[imin], eq_se))
        return stat, float(y[ik]), float(y.min()), int(t[imin]), eq, attrs, step, errors


def fmt_se(x, se):
    """make_figures' cell: x, and "± se" where the standard error exists."""
    return fmt(x) + ("" if x is None or se is None else f" ± {se:.2g}")


def check_measured(folder, record, rbm):
    runs, _ = manifest(folder)
    rows = {r["run_id"]: r for r in record["rows"]}
    assert sorted(rows) == sorted(runs["run_id"]), (sorted(rows), runs["run_id"])
    for i, run_id in enumerate(runs["run_id"]):
        stat, at_k, minimum, t_min, eq, attrs, step, (se_k, se_min, se_eq) = measured(
            os.path.join(folder, runs["file"][i]))
        r = rows[run_id]
        assert r["stat"] == stat and r["step"] == step and r["t_min"] == t_min, (r, stat, step, t_min)
        assert close(r["err_k"], at_k) and close(r["err_min"], minimum) and close(r["err_eq"], eq), (r, at_k, eq)
        # The manifest's columns are the same measurement.
        assert close(r["err_k"], float(runs["err_k"][i])), (r, runs["err_k"][i])
        assert close(r["err_k_se"], se_k) and close(r["err_min_se"], se_min) and close(r["err_eq_se"], se_eq), \
            (r, se_k, se_min, se_eq)
        assert (f"| {run_id} | {r['scheme']} | {r['k']} | {stat} | {fmt_se(at_k, se_k)} | {fmt_se(minimum, se_min)} "
                f"| {t_min} | {fmt_se(eq, se_eq)} |") in md, f"summary.md lacks the numbers of {run_id}"
        if rbm:
            # 28 hidden units: beyond streamed enumeration (26), so log Z comes with forward AIS in it.
            assert r["log_z_method"] == str(attrs["log_z_method"]) and "ais" in r["log_z_method"].split("+"), (r, attrs)
            assert close(r["loglik"], float(attrs["loglik"])) and close(r["log_z"], float(attrs["log_z"])), r
            # loglik = -<F>_D - log Z (docs/hdf5-schema.md), with <F>_D the data's mean free energy.
            assert abs(r["loglik"] + attrs["data_energy"] + r["log_z"]) < 1e-9 * max(1, abs(r["log_z"])), (r, attrs)
            assert f"{r['loglik']:.4g}" in md
    return rows


def check_bm(folder, record):
    if any(r["n_seeds"] > 1 for r in record["rows"]):
        return check_bm_seeds(folder, record)
    rows = check_measured(folder, record, rbm=False)
    # Exact p_k moments (claim (G), docs/theory.md section 1): converged rdm matches the data's correlations
    # at t = k, not at equilibrium; pcd matches at equilibrium, not at t = k where k is too short
    # (k = 1; at larger k the k-step law is already close to equilibrium).
    for r in rows.values():
        if r["scheme"] == "rdm":
            assert r["err_k"] < TRAINED and r["err_eq"] > 100 * r["err_k"], r
        else:
            assert r["err_eq"] < TRAINED, r
            if r["k"] == 1:
                assert r["err_k"] > 100 * r["err_eq"], r
    assert record["heatmap_run"] in rows and rows[record["heatmap_run"]]["scheme"] == "rdm", record["heatmap_run"]
    print(f"study 3: {len(rows)} runs: rdm at t = k and pcd at equilibrium within {TRAINED:g} of the data")


def mixing_time_here(t, energy, energy_se, mean, cov, chains, e_eq, e_eq_se, m_eq, m_eq_se):
    """docs/theory.md section 5, "The model's mixing time", written again from the definition."""
    n = mean.shape[1]
    full = cov.shape[1:] == (n, n)  # else projected on principal components: the energy alone
    ok = []
    for i in range(t.size):
        z_e = (energy[i] - e_eq) / math.sqrt(energy_se[i] ** 2 + e_eq_se ** 2)
        z_m = 0.0
        if full:
            var_m = max(float(np.ones(n) @ cov[i] @ np.ones(n)), 0.0) / (n * n * chains)
            z_m = (mean[i].sum() / n - m_eq.sum() / n) / math.sqrt(var_m + float(np.mean(m_eq_se)) ** 2)
        ok.append(abs(z_e) < 3 and abs(z_m) < 3)
    if not ok[-1]:
        return None
    first = t.size
    while first > 0 and ok[first - 1]:
        first -= 1
    return int(t[first])


def check_bm_seeds(folder, record, rbm=False):
    """Study 10's kind: bm over seeds. Each row's means and standard errors over its seeds against the
    run files, each seed's mixing time re-derived, and the crossover: at the smallest k rdm's
    equilibrium error exceeds its error at t = k, and at the largest k falls below its value at the
    smallest, each by more than 4 standard errors (fixed seeds: pass or fail for a build).
    rbm: study 4's grid over seeds, the same numbers and the log-likelihood's mean over the seeds;
    the crossover is not asserted (the tiny RBM is far from trained)."""
    runs, _ = manifest(folder)
    rows = {r["run_id"]: r for r in record["rows"]}
    groups = {}
    for i, run_id in enumerate(runs["run_id"]):
        groups.setdefault(seedless(run_id), []).append(i)  # seed1_rdm_k4 -> rdm_k4
    assert sorted(rows) == sorted(groups), (sorted(rows), sorted(groups))
    for name, members in groups.items():
        r = rows[name]
        values = {"err_k": [], "err_eq": [], "mean_err_k": [], "mean_err_eq": [], "err_k_corrected": []}
        if rbm:
            values.update(loglik=[], log_z=[])
        t_mix = []
        for i in members:
            with open_h5(os.path.join(folder, runs["file"][i])) as f:
                step = max(int(s) for s in f["dynamics"] if s.isdigit())
                d, e = f[f"dynamics/{step}"], f[f"equilibrium/{step}"]
                t = d["t"][()]
                ik = list(t).index(int(f["dynamics"].attrs["k"]))
                trusted = e.attrs["exists"] and int(e.attrs.get("converged", 1)) == 1
                values["err_k_corrected"].append(float(d["corr_err_corrected"][ik]))
                if rbm:
                    values["loglik"].append(float(e.attrs["loglik"]))
                    values["log_z"].append(float(e.attrs["log_z"]))
                    # loglik = -<F>_D - log Z (docs/hdf5-schema.md), with <F>_D the data's mean free energy.
                    assert abs(values["loglik"][-1] + d.attrs["data_energy"] + values["log_z"][-1]) < \
                        1e-9 * max(1, abs(values["log_z"][-1])), (name, dict(e.attrs))
                for stat, key in (("corr_err", "err"), ("mean_err", "mean_err")):
                    values[f"{key}_k"].append(float(d[stat][ik]))
                    values[f"{key}_eq"].append(float(e.attrs[stat]) if trusted else None)
                eq_se = e["mean_se"][()] if "mean_se" in e else np.zeros(d["mean"].shape[1])
                t_mix.append(mixing_time_here(t, d["energy_mean"][()], d["energy_mean_se"][()], d["mean"][()],
                                              d["cov"][()], int(d.attrs["n_chains"]), float(e.attrs["energy_mean"]),
                                              float(e.attrs.get("energy_mean_se", 0.0)), e["mean"][()], eq_se)
                             if trusted else None)
        assert r["n_seeds"] == len(members) and r["t_mix"] == t_mix, (name, r["t_mix"], t_mix)
        for key, x in values.items():
            x = np.array([v for v in x if v is not None])
            assert close(r[key], float(x.mean()) if x.size else None, 1e-9), (name, key, r[key], x)
            if x.size > 1:
                assert close(r[f"{key}_se"], float(x.std(ddof=1) / math.sqrt(x.size)), 1e-9), (name, key)
    if rbm:
        assert record["crossover"] == (len({r["k"] for r in rows.values() if r["scheme"] == "rdm"}) >= 3), record
        print(f"study 4 (seeds): {len(rows)} rows of {len(runs['run_id'])} runs as in the files (errors, "
              "log-likelihood), t_mix re-derived")
        return
    rdm = sorted((r for r in rows.values() if r["scheme"] == "rdm"), key=lambda r: r["k"])
    low, high = rdm[0], rdm[-1]
    gap, se = low["err_eq"] - low["err_k"], math.hypot(low["err_eq_se"], low["err_k_se"])
    assert gap > 4 * se, (low, gap, se)
    drop, se_drop = low["err_eq"] - high["err_eq"], math.hypot(low["err_eq_se"], high["err_eq_se"])
    assert drop > 4 * se_drop, (low, high, drop, se_drop)
    print(f"study 3 (seeds): {len(rows)} rows of {len(runs['run_id'])} runs as in the files, t_mix re-derived; "
          f"rdm at k = {low['k']}: equilibrium worse than t = k by {gap / se:.1f} s.e., and by k = {high['k']} "
          f"{drop / se_drop:.1f} s.e. better")


def check_rbm(folder, record):
    if any(r["n_seeds"] > 1 for r in record["rows"]):
        return check_bm_seeds(folder, record, rbm=True)
    rows = check_measured(folder, record, rbm=True)
    assert sorted(r["scheme"] for r in rows.values()) == ["pcd", "rdm"], rows
    print(f"study 4: {len(rows)} runs: errors and AIS log-likelihood as in the files")


def check_grid(folder, record):
    runs, _ = manifest(folder)
    (grid,) = record["grids"]
    ks, lrs = grid["k"], grid["lr"]
    assert sorted(set(runs["train.k"].astype(float))) == ks and sorted(set(runs["train.lr"].astype(float))) == lrs
    seeded = "run.seed" in runs and len(set(runs["run.seed"].astype(int))) > 1
    cells = {}  # (row, column) -> manifest rows (several: one per seed)
    for i in range(len(runs["run_id"])):
        cells.setdefault((ks.index(float(runs["train.k"][i])), lrs.index(float(runs["train.lr"][i]))), []).append(i)
    for (r, c), rows in cells.items():
        for column in ("err_k", "err_eq"):
            x = np.array([float(runs[column][i]) for i in rows])
            assert close(grid[column][r][c], float(x.mean()), 1e-9), (column, r, c, grid[column][r][c], x)
            if seeded:
                se = float(x.std(ddof=1) / math.sqrt(x.size))
                assert close(grid[column + "_se"][r][c], se, 1e-9) and grid["n_seeds"][r][c] == x.size, (column, r, c)
        if not seeded:
            # rdm with exact moments: the data's correlations are met at t = k, not at equilibrium.
            assert grid["err_k"][r][c] < grid["err_eq"][r][c], (r, c, grid)
    if seeded:
        # Sampled chains over seeds: at the smallest k the gap between equilibrium and t = k is the
        # paper's effect, and must stand above the seeds' standard errors (fixed seeds: the check
        # always passes or always fails for a build).
        for c in range(len(lrs)):
            gap = grid["err_eq"][0][c] - grid["err_k"][0][c]
            se = math.hypot(grid["err_eq_se"][0][c], grid["err_k_se"][0][c])
            assert gap > 4 * se, (lrs[c], gap, se)
    assert close(grid["max_err_k"], float(max(grid["err_k"][r][c] for r, c in cells)), 1e-9)
    print(f"study 6: {len(ks)} x {len(lrs)} grid of err_k and err_eq as in the manifest"
          + (f" (means over {len(set(runs['run.seed'].astype(int)))} seeds; at k = {ks[0]:g} equilibrium "
             "is worse than t = k by > 4 standard errors)" if seeded else ""))


def seedless(run_id):
    """A sweep run id without its seed part (seed2_rdm_k10 -> rdm_k10), as make_figures.py names a
    seed average; unchanged without one."""
    return re.sub(r"(?:^|[_-])seed-?\d+(?=$|[_-])", "", run_id).strip("_-") or run_id


def mean_and_se(values):
    x = np.array([v for v in values if v is not None], dtype=float)
    return (float(x.mean()) if x.size else None), (float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else None)


def check_convnet(folder, record):
    # No closed-form theory for a ConvNet: every number of the table against the run files; runs that
    # differ only in their seed are one row, each number the mean of the seeds' own with its standard
    # error over them, and each seed's z = (E(k) - E_D) / se(E(k)) from its chains' standard error.
    runs, _ = manifest(folder)
    rows = {r["run_id"]: r for r in record["rows"]}
    groups = {}
    for i, run_id in enumerate(runs["run_id"]):
        if runs["status"][i] == "completed":
            groups.setdefault(seedless(run_id), []).append(i)
    # make_figures.py names a group of one run by that run's id.
    groups = {(runs["run_id"][m[0]] if len(m) == 1 else name): m for name, m in groups.items()}
    assert sorted(rows) == sorted(groups), (sorted(rows), sorted(groups))
    assert len({r["k"] for r in rows.values()}) == 2, rows  # the study's two values of k
    for name, members in groups.items():
        r = rows[name]
        got = {"data_energy": [], "energy_k": [], "gap_k": [], "gap_eq": []}
        z, t_cross = [], []
        for i in members:
            with open_h5(os.path.join(folder, runs["file"][i])) as f:
                step = max(int(s) for s in f["dynamics"] if s.isdigit())
                d, e = f[f"dynamics/{step}"], f[f"equilibrium/{step}"]
                k = int(f["dynamics"].attrs["k"])
                t, energy, energy_se = list(d["t"][()]), d["energy_mean"][()], d["energy_mean_se"][()]
                # With data.noise > 0, rdm training matches the noisy data's energy: the reference.
                e_d = float(d.attrs.get("data_energy_noisy", d.attrs["data_energy"]))
                trusted = e.attrs["exists"] and int(e.attrs.get("converged", 1)) == 1
                e_eq = float(e.attrs["energy_mean"]) if trusted else None
            assert r["k"] == k and r["step"] == step and k in t, (r, k, step)
            e_k = float(energy[t.index(k)])
            got["data_energy"].append(e_d)
            got["energy_k"].append(e_k)
            got["gap_k"].append(e_k - e_d)
            got["gap_eq"].append(None if e_eq is None else e_eq - e_d)
            z.append((e_k - e_d) / float(energy_se[t.index(k)]))
            # Where <E>_t - <E>_D changes sign, linear between recorded times, the crossing nearest k.
            g = energy - e_d
            crossings = [t[j] - g[j] * (t[j + 1] - t[j]) / (g[j + 1] - g[j]) for j in range(len(t) - 1)
                         if g[j] * g[j + 1] < 0] + [t[j] for j in range(len(t)) if g[j] == 0]
            t_cross.append(min(crossings, key=lambda x: (abs(x - k), x)) if crossings else None)
            if len(members) == 1:
                gap = np.abs(energy - e_d)
                assert close(r["min_abs_gap"], float(gap.min())) and r["t_min"] == int(t[int(np.argmin(gap))]), r
        assert r["n_seeds"] == len(members), (name, r["n_seeds"], members)
        for key, values in got.items():
            mean, se = mean_and_se(values)
            assert close(r[key], mean, 1e-9), (name, key, r[key], values)
            if len(members) > 1 and se is not None:
                assert close(r[f"{key}_se"], se, 1e-9), (name, key, r[f"{key}_se"], values)
        assert len(r["z_k"]) == len(z) and all(close(a, b, 1e-9) for a, b in zip(r["z_k"], z)), (name, r["z_k"], z)
        assert r["matched"] == all(abs(x) < 3 for x in z), (name, r["matched"], z)
        assert all((a is None and b is None) or close(a, b, 1e-9) for a, b in zip(r["t_cross"], t_cross)) \
            and len(r["t_cross"]) == len(t_cross), (name, r["t_cross"], t_cross)
        assert f"| {name} | {r['scheme']} | {k} | " in md and ("not matched" if not r["matched"] else "(matched)") in md, \
            f"summary.md lacks the row of {name}"
    assert record["matched"] == all(r["matched"] for r in rows.values()), record["matched"]
    print(f"study 5: {len(rows)} rows of {sum(map(len, groups.values()))} runs: energies at t = k, their gaps, "
          f"each seed's z and equilibria as in the files")


CHECKS = {1: check_gaussian, 2: check_spins, 3: check_bm, 4: check_rbm, 5: check_convnet, 6: check_grid}
for folder in study_dirs:
    record = records[os.path.abspath(folder)]
    check_figures(record)
    CHECKS[record["number"]](folder, record)
print(f"make_figures.py: {len(study_dirs)} studies checked")
