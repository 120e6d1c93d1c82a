"""Every figure and the table of headline numbers of the paper's studies (jobs/configs/paper/),
from finished study folders: one command from `shortrun sweep` outputs to DIR/summary.md."""
import argparse
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from .. import SchemaError, load_measurement, load_run, summarize
from .. import gaussian as gaussian_theory
from .. import spins as spin_theory
from ..cli import add_dpi_argument, add_format_argument, argv_or_default, make_out, prog, run_main, running
from ..plotting import set_formats
from ..plotting import written as written_files
from ..seeds import SEED_KEY, average_over_seeds, config_key, group_by_seed, mean_se
from ..sweep import SHARD_MANIFEST, load_sweep

PROG = "make_figures.py"

DESCRIPTION = """\
Turns finished study folders into the paper's figures and a Markdown table of the headline numbers.
A study folder is the --out folder of `shortrun sweep jobs/configs/paper/N-*.ini` (sweep.h5 and
runs/*.h5; its sweep.h5 may be given instead). Each folder is recognised by its manifest (docs/hdf5-schema.md section 2), not by its
name: a sweep with both train.k and train.lr axes is the k x lr grid (study 6); otherwise
model.type decides: gaussian (1), spins (2), bm (3), rbm (4), convnet (5). Written into --out:

  study1_J_vs_k.png     Gaussian: trained J_alpha (U^T J U in the data eigenbasis) against k, one
                        panel per p0 width sigma0, one colour per mode; rdm (dots) against the
                        closed-form J*(k) (crosses and line, /theory J_star), cd and pcd (squares,
                        triangles) against J_eq (dashed). Table: per sigma0 and scheme, max over
                        k and modes of |J_trained - J*| and |J_trained - J_eq|; with sampled chains
                        over seeds (study 8) also their scatter and means against the chain noise
                        predicted around J* (analysis/shortrun_analysis/gaussian.py), as for study 2
  study2_h_vs_k.png     spins: trained fields h_i against k, one panel per sampler, against h*(k):
                        /theory h_star (gibbs-random, closed form) or the root of
                        m_k(h) = m_i^D (metropolis and the others; docs/theory.md section 3);
                        atanh(m^D) dotted. Diverged
                        runs are shaded, with the fields of their sites that run away (still
                        growing as fast at the last checkpoint as before it) as arrows at the edge.
                        Table: max |h_trained - h*|, the diverged k's and, for gibbs-random, the
                        k's and sites where the condition |m^D| < 1 - q^k of docs/theory.md
                        section 3 fails. With sampled chains over seeds (study 7: rdm, plain SGD,
                        the whole data every update) also the seeds' scatter against the chain
                        noise predicted around h* (variance eta (1 - m^2) / (R a (2 - eta a)),
                        a = dm_k/dh) and their means against h*, each as chi2/dof, dof and z
  study3_error_vs_t.png Boltzmann machine: error against the data vs sampling time t for every
                        run (rdm and pcd, each k), as plot_dynamics.py draws it
  study3_heatmap.png    the error over (training checkpoint, t) of one rdm run measured at every
                        checkpoint (the k nearest the middle of the grid), as plot_dynamics_heatmap.py
  study3_crossover.png  with rdm at three or more k (study 10): corr_err and mean_err at t = k (raw
                        and noise-corrected) and at equilibrium against k (seed means ± se), and
                        each seed's model's own mixing time t_mix against k beside the line
                        t_mix = k (mixing.py)
                        Table: per run err(t = k), its minimum over t and where, equilibrium;
                        corr_err at t = k noise-corrected, mean_err at t = k and at equilibrium,
                        and t_mix per seed
  study4_error_vs_t.png RBM: error vs t (rdm and pcd)
  study4_samples_<run>.png  sample grids at t = k/4, k, 4k and equilibrium, as plot_samples.py (of
                        the first seed where seeds are averaged)
                        Table: errors as for study 3 and the equilibrium data log-likelihood
                        (/equilibrium loglik, log Z +- its error, the forward / reverse AIS
                        bracket and log_z_method, flagged where the run file's log_z_reliable = 0)
  study4_crossover.png  with rdm at three or more k: as study3_crossover.png (the RBM's energy is
                        its free energy), and the table gains study 3's extra columns
  study5_energy_vs_t.png ConvNet: mean energy of the samples vs t against the data's (meet at t = k),
                        as plot_dynamics.py's energy figure, one panel per run (each seed its
                        own). Table: E(t = k) - E_D per run (seed means +- se), each seed's
                        z = (E(t = k) - E_D) / se ('matched' when |z| < 3 for every seed) and
                        the time t_cross where its energy crosses the data's
  study5_samples_<run>.png  sample grids of each run (the first seed of a seed average), as study 4
  study6_k_lr.png       k x lr grid: two heat maps from the manifest, err_k (the error at t = k)
                        and err_eq (at equilibrium) over (k, lr). Table: both grids
  summary.md            one section per study: folder, sweep status, the tables, the figures
  summary.json          the same numbers, machine-readable (null where a value does not exist)
A second folder of the same study gets figure names with a suffix (study1b_...).
--format png,pdf (or svg) writes every figure in each format (study1_J_vs_k.png and .pdf, ...);
summary.md shows the PNG files, or links the first format's files when png is not among them.
Seeds: runs that differ only in run.seed (a run.seed axis of the sweep) are one point, curve, row
or grid cell: the mean over the seeds with error bars of one standard error (sd / sqrt(n)), the
tables giving mean ± se and n in a `seeds` column (a column that appears only when some point has
more than one seed); the gaps of studies 1 and 2 are maxima over every run, seeds included. A
row of one run in the error tables of studies 3 and 4 gives instead the jackknife standard error
over its measured chains (the run file's <stat>_se; none for an exact law).
Runs that diverged or were interrupted are listed and left out of the numbers they cannot have.
The errors are those of summary.py: corr_err (mean_err for spins) of fresh chains from p0.

Exit status: 0 done, 2 bad input (no sweep.h5 in a folder, not a shortrun sweep manifest, a study
of no known kind, a run file that cannot be read, a manifest or run file of a schema_version this
package does not read); one line `%(prog)s: error: <file>: <what>`."""

EPILOG = """\
example (the local sizes of jobs/configs/paper/, README "Results"):
  for c in jobs/configs/paper/*.ini; do
    mpirun -np 2 build/shortrun sweep "$c" --out results/paper/$(basename "$c" .ini)
  done
  %(prog)s results/paper/*/ --out results/paper/figures

""" + running("make_figures")

TITLES = {
    1: "Gaussian EBM: rdm lands on J*(k), cd and pcd on J_eq",
    2: "Independent spins: rdm lands on h*(k), or diverges where no fixed point exists",
    3: "Boltzmann machine: rdm matches the data at t = k, pcd at equilibrium",
    4: "RBM on images: error vs t, samples, equilibrium log-likelihood",
    5: "ConvNet EBM: the samples' energy meets the data's at t = k",
    6: "k x learning-rate grid: error at t = k and at equilibrium",
}
KINDS = {"gaussian": 1, "spins": 2, "bm": 3, "rbm": 4, "convnet": 5}
SCHEME_MARKERS = {"rdm": ("o", True), "cd": ("s", False), "pcd": ("^", False), "exact": ("D", False)}
# A site runs away (no fixed point) when its field grows at least this fraction as fast between
# the last two checkpoints as between the two before: a site with a fixed point slows down
# geometrically, one without keeps a rate bounded away from zero (docs/theory.md section 3).
RUNAWAY_RATE_RATIO = 0.5
# ... and gains at least this much |h| between them: with sampled chains a site at its fixed point
# moves by chain noise (a few hundredths here), up or down, so the rate test alone would flag it;
# a site without a fixed point gains its whole drift, >= 0.04 per update here, times the interval.
RUNAWAY_MIN_GAIN = 0.5


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=prog(PROG), description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("studies", nargs="+", metavar="STUDY_DIR",
                        help="--out folders of `shortrun sweep` (each with sweep.h5 and runs/)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="folder for the figures, summary.md and summary.json, created if needed")
    add_dpi_argument(parser, 110)
    add_format_argument(parser)
    return parser.parse_args(argv)


# --- small helpers ---------------------------------------------------------------------------

def finite(x) -> Optional[float]:
    """x as a float, None when it is None or not finite (JSON null, '-' in the tables)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def fmt(x, spec: str = ".3g") -> str:
    x = finite(x)
    return "-" if x is None else f"{x:{spec}}"


def nanmax(values) -> Optional[float]:
    values = [v for v in (finite(v) for v in values) if v is not None]
    return max(values) if values else None


def fmt_se(x, se, spec: str = ".3g") -> str:
    """x, with ± its standard error over seeds where there is one."""
    se = finite(se)
    return fmt(x, spec) + ("" if se is None or finite(x) is None else f" ± {se:.2g}")


def seeds_cell(counts) -> str:
    """How many seeds a table row averages: "3", or "2-3" when its points differ."""
    counts = sorted(set(int(c) for c in counts)) or [0]
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def md_table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines


def value_range(values) -> Optional[List[float]]:
    """[min, max] of the finite values, None when there is none."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return [float(values.min()), float(values.max())] if values.size else None


@dataclass
class Section:
    """What one study contributes: figures (file names in --out), Markdown lines, JSON record."""
    number: int
    kind: str
    sweep: Any
    figures: List[str] = field(default_factory=list)
    lines: List[str] = field(default_factory=list)
    record: Dict[str, Any] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


class Output:
    """Figure names in --out: study<N>[b, c, ...]_<what>.png, unique across the folders given."""

    def __init__(self, out: str, dpi: int):
        self.out, self.dpi = out, dpi
        self.prefixes: Dict[int, int] = {}

    def prefix(self, number: int) -> str:
        seen = self.prefixes.get(number, 0)
        self.prefixes[number] = seen + 1
        return f"study{number}" + ("" if seen == 0 else chr(ord("a") + seen))

    def path(self, prefix: str, what: str) -> str:
        return os.path.join(self.out, f"{prefix}_{what}.png")


def study_number(sweep) -> int:
    """Which study a manifest is (see DESCRIPTION); SchemaError when none."""
    axes = set(sweep.axes)
    if {"train.k", "train.lr"} <= axes:
        return 6
    if sweep.model in KINDS:
        return KINDS[sweep.model]
    raise SchemaError(f"{sweep.path}: model.type {sweep.model or '?'} with axes {', '.join(sweep.axes) or 'none'} "
                      "is none of the paper's studies (gaussian, spins, bm, rbm, convnet, or a train.k x "
                      "train.lr grid)")


def existing_runs(sweep, section: Section) -> List[int]:
    """Rows of the manifest whose run file exists; the others are noted."""
    rows = []
    for i in range(len(sweep)):
        path = sweep.run_path(i)
        if os.path.isfile(path):
            rows.append(i)
        else:
            section.notes.append(f"{sweep.runs['run_id'][i]}: status {sweep.runs['status'][i]}, no run file")
    return rows


def run_status_counts(sweep) -> Dict[str, int]:
    """How many runs have each status, as the run files say (Sweep.statuses)."""
    out: Dict[str, int] = {}
    for s in sweep.statuses():
        out[s] = out.get(s, 0) + 1
    return out


def manifest_errors(sweep, section: Section) -> Dict[str, np.ndarray]:
    """The manifest's err_k and err_eq columns and their _se, completed from the run files where a
    completed, measured run has none (Sweep.measured_errors: a sweep run again leaves them NaN for
    the runs of an earlier invocation)."""
    values, filled = sweep.measured_errors()
    if filled:
        section.notes.append(f"err_k and err_eq of {len(filled)} run(s) read from their run files: the manifest has "
                             "none for runs completed by an earlier invocation of the sweep")
    return {name: values[name] for name in ("err_k", "err_eq", "err_k_se", "err_eq_se")}


# --- study 1: Gaussian -----------------------------------------------------------------------

def gaussian_study(sweep, section: Section, output: Output, prefix: str) -> None:
    from ..plotting import colour, pyplot, save

    runs = []
    for i in existing_runs(sweep, section):
        run = load_run(sweep.run_path(i))
        th = run.require_theory()
        runs.append((float(th.attrs["sigma0"]), str(run.config.get("train.scheme", "?")), th.k, run))
    if not runs:
        raise SchemaError(f"{sweep.path}: no run file to read")
    sigmas = sorted({s for s, _, _, _ in runs})
    schemes = [s for s in ("rdm", "cd", "pcd", "exact") if any(r[1] == s for r in runs)]
    n_modes = runs[0][3].theory.c.size

    plt = pyplot()
    fig, axes = plt.subplots(1, len(sigmas), figsize=(5.4 * len(sigmas) + 0.4, 5.2), squeeze=False)
    rows, table = [], []
    # Runs that differ only in run.seed are one point: the mean trained J_alpha, with a bar of one
    # standard error over the seeds.
    seed_counts: Dict[tuple, List[int]] = {}
    for ax, sigma in zip(axes[0], sigmas):
        here = sorted((r for r in runs if r[0] == sigma), key=lambda r: (r[2], r[1]))
        ks = sorted({k for _, _, k, _ in here})
        ref = here[0][3].theory
        groups = group_by_seed([r for _, _, _, r in here])
        for g in groups:
            done = [r for r in g if r.theory.J_trained is not None]
            if done:
                seed_counts.setdefault((sigma, str(g[0].config.get("train.scheme", "?"))), []).append(len(done))
        for a in range(n_modes):
            col = colour(a)
            j_star = [next(r.theory.J_star[a] for _, _, kk, r in here if kk == k) for k in ks]
            ax.plot(ks, j_star, "x-", color=col, lw=1, ms=6, label=f"mode {a + 1}, c = {ref.c[a]:.3g}")
            ax.axhline(ref.J_eq[a], color=col, ls="--", lw=0.9)
            for scheme in schemes:
                marker, filled = SCHEME_MARKERS.get(scheme, ("*", True))
                pts = []
                for g in groups:
                    if str(g[0].config.get("train.scheme", "?")) != scheme:
                        continue
                    values = [r.theory.J_trained[a] for r in g if r.theory.J_trained is not None]
                    if values:
                        pts.append((g[0].theory.k,) + mean_se(values))
                if pts:
                    # cd and pcd markers sit a little to either side of k so that they do not hide each other.
                    shift = {"cd": 0.93, "pcd": 1.07}.get(scheme, 1.0)
                    x = [k * shift for k, _, _, _ in pts]
                    y = [j for _, j, _, _ in pts]
                    style = dict(ms=7 if filled else 6, color=col, mfc=col if filled else "none",
                                 mec=col if not filled else "black", mew=0.8)
                    if any(n > 1 for _, _, _, n in pts):
                        ax.errorbar(x, y, yerr=[se if math.isfinite(se) else 0.0 for _, _, se, _ in pts],
                                    fmt=marker, elinewidth=1, capsize=2, **style)
                    else:
                        ax.plot(x, y, marker, **style)
            diverged = [k for _, s, k, r in here if r.theory.J_trained is None]
            for k in diverged:
                ax.axvline(k, color="red", lw=0.8, alpha=0.4)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xscale("log")
        # J* spans from about -70 (a mode without equilibrium at small k) to +20: symlog keeps the
        # J_eq of every mode, between 0.2 and 6 here, readable.
        ax.set_yscale("symlog", linthresh=1)
        ax.margins(y=0.06)
        ax.set_xlabel("k (Langevin steps per update)")
        ax.set_ylabel(r"$J_\alpha = (U^T J U)_{\alpha\alpha}$ (symlog; $J_\alpha$ < 0: no equilibrium)")
        ax.set_title(rf"$\sigma_0$ = {sigma:g}", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        for scheme in schemes:
            sel = [r for r in here if r[1] == scheme]
            done = [r for r in sel if r[3].theory.J_trained is not None]
            gap_star = nanmax(np.abs(r.theory.J_trained - r.theory.J_star).max() for _, _, _, r in done)
            gap_eq = nanmax(np.abs(r.theory.J_trained - r.theory.J_eq).max() for _, _, _, r in done)
            expected = sorted({r.theory.expected_name for _, _, _, r in sel})
            gap_expected = nanmax(np.abs(r.theory.J_trained - r.theory.expected).max() for _, _, _, r in done)
            negative = sum(int((r.theory.J_star < 0).sum()) for _, _, _, r in sel)
            noise = gaussian_chain_noise_test([g for g in groups if str(g[0].config.get("train.scheme", "?")) == scheme])
            rows.append(dict(sigma0=sigma, scheme=scheme, n_runs=len(sel), n_completed=len(done), chain_noise=noise,
                             k=sorted({k for _, _, k, _ in sel}), expected=",".join(expected),
                             max_gap_expected=gap_expected, max_gap_J_star=gap_star, max_gap_J_eq=gap_eq,
                             modes_with_negative_J_star=negative,
                             diverged=[r.run_id for _, _, _, r in sel if r.theory.J_trained is None],
                             seeds_per_point=sorted(set(seed_counts.get((sigma, scheme), [])))))
            table.append([f"{sigma:g}", scheme, f"{len(done)}/{len(sel)}", ",".join(expected),
                          fmt(gap_expected), fmt(gap_star), fmt(gap_eq)])
    styles = [plt.Line2D([], [], color="grey", marker="x", ls="-", label="J*(k): rdm fixed point (F1)"),
              plt.Line2D([], [], color="grey", ls="--", label="J_eq: cd, pcd, k → ∞")]
    several = any(n > 1 for counts in seed_counts.values() for n in counts)
    for scheme in schemes:
        marker, filled = SCHEME_MARKERS.get(scheme, ("*", True))
        counts = [n for (_, sch), c in seed_counts.items() if sch == scheme for n in c]
        seeds = f" (mean ± s.e., n = {seeds_cell(counts)} seeds)" if several else ""
        styles.append(plt.Line2D([], [], color="grey", marker=marker, ls="", mfc="grey" if filled else "none",
                                 mec="black" if filled else "grey", label=f"trained, {scheme}{seeds}"))
    modes, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles=modes + styles, labels=labels + [h.get_label() for h in styles], loc="lower center",
               ncol=4, fontsize=7.5, frameon=False)
    eta, temp = runs[0][3].theory.attrs["eta"], runs[0][3].theory.attrs["temperature"]
    fig.suptitle(rf"Gaussian EBM, ULA $\eta$ = {eta:g}, T = {temp:g}, p0 = N(0, $\sigma_0^2$): trained $J_\alpha$ vs k",
                 fontsize=10)
    rect = (0, 0.03 + 0.03 * math.ceil((len(modes) + len(styles)) / 4), 1, 1)
    section.figures.append(save(fig, output.path(prefix, "J_vs_k"), output.dpi, rect=rect))

    header = ["sigma0", "scheme", "completed", "should reach", "max gap to it", "max abs(J - J*)",
              "max abs(J - J_eq)"]
    if several:
        header.append("seeds per k")
        for row, cells in zip(rows, table):
            cells.append(seeds_cell(row["seeds_per_point"]))
    tested = chain_noise_columns(rows, header, table)
    section.lines += md_table(header, table)
    if tested:
        section.lines.append("")
        section.lines.append(
            "Sampled chains: R chains estimate a mode's second moment with variance 2 c^2 / R, so each seed's "
            "trained J_alpha is a draw around J*(k) with the variance (lr/2)^2 (2 c^2 / R) / (rho (2 - rho)), "
            "rho = -(lr/2) dv_k/dJ at J* (plain SGD, linearised: analysis/shortrun_analysis/gaussian.py). The "
            "columns pool the modes and k's as for the spins (chi2/dof near 1, |z| within about 3); modes without "
            "J*, not relaxed from the start, or in diverged runs are left out.")
    section.lines.append("")
    section.lines.append("Gaps are maxima over the k's, the modes and the seeds of the trained eigenvalue J_alpha "
                         "(/theory J_trained) against the run's own closed-form J_star and J_eq "
                         "(docs/theory.md section 2)." + (" The figure shows the mean over the seeds of each k "
                                                           "with a bar of one standard error." if several else ""))
    section.record["rows"] = rows


# --- study 2: spins --------------------------------------------------------------------------

def running_away(run) -> Optional[List[int]]:
    """Sites (0-based) whose |h| still grows between the last two checkpoints at least
    RUNAWAY_RATE_RATIO times as fast as between the two before, and by at least RUNAWAY_MIN_GAIN;
    None with fewer than 3 checkpoints."""
    steps = sorted(run.checkpoints)
    if len(steps) < 3:
        return None
    s0, s1, s2 = steps[-3:]
    h0, h1, h2 = (np.abs(run.checkpoints[s]["h"]) for s in (s0, s1, s2))
    rate_before = (h1 - h0) / (s1 - s0)
    rate_last = (h2 - h1) / (s2 - s1)
    return [int(i) for i in np.flatnonzero((rate_last > 0) & (rate_last >= RUNAWAY_RATE_RATIO * rate_before)
                                           & (h2 - h1 >= RUNAWAY_MIN_GAIN))]


def chain_noise_applies(config) -> bool:
    """Whether the chain-noise predictions (spins.chain_noise_var, gaussian.chain_noise_var) hold
    for a run: rdm with sampled chains, plain SGD (no momentum, no L2), the whole data every update
    (a constant data term)."""
    def num(key, default=0.0):
        try:
            return float(config.get(key, default))
        except (TypeError, ValueError):
            return math.nan
    return (str(config.get("train.moments")) == "sampled" and str(config.get("train.scheme")) == "rdm"
            and str(config.get("train.optimizer", "sgd")) == "sgd" and num("train.momentum") == 0.0
            and num("train.l2") == 0.0 and num("train.batch") == 0.0)


def pooled_chi2(items):
    """Seeds against a predicted chain noise, pooled over `items` = (values over the seeds, the
    predicted centre, the predicted variance), each with >= 2 seeds:
      scatter: sum of (n - 1) s^2 / var, s^2 the seeds' sample variance: chi-square with
               sum (n - 1) degrees of freedom if the prediction is right;
      mean:    sum of n (mean - centre)^2 / var: chi-square with one degree per item.
    A dict with each ratio chi2 / dof, its dof and z-score (spins.chi2_z); None without items."""
    chi_s = chi_m = 0.0
    dof_s = dof_m = 0
    for values, centre, var in items:
        v = np.asarray(values, dtype=float)
        chi_s += (v.size - 1) * float(np.var(v, ddof=1)) / var
        dof_s += v.size - 1
        chi_m += v.size * (float(v.mean()) - centre) ** 2 / var
        dof_m += 1
    if dof_s == 0:
        return None
    return dict(scatter_ratio=chi_s / dof_s, scatter_dof=dof_s, scatter_z=spin_theory.chi2_z(chi_s, dof_s),
                mean_ratio=chi_m / dof_m, mean_dof=dof_m, mean_z=spin_theory.chi2_z(chi_m, dof_m))


def chain_noise_test(groups, m_data, m0, sampler, n):
    """Spins: pooled_chi2 over the groups of seeds (k, config, [trained h of each seed]) and the
    sites with a fixed point, relaxed from h = 0 (spins.relaxed), in runs where it applies (+-1 spins)."""
    items = []
    for k, config, fields in groups:
        if len(fields) < 2 or not chain_noise_applies(config) or str(config.get("model.spin", "pm1")) != "pm1":
            continue
        lr, chains, updates = float(config["train.lr"]), int(config["train.chains"]), int(config["train.updates"])
        h = np.array(fields)  # [seeds, N]
        for i in range(n):
            var = spin_theory.chain_noise_var(m_data[i], k, sampler, n, m0[i], lr, chains)
            if np.isfinite(var) and spin_theory.relaxed(m_data[i], k, sampler, n, m0[i], lr, updates):
                items.append((h[:, i], spin_theory.h_star(m_data[i], k, sampler, n, m0[i]), var))
    return pooled_chi2(items)


def gaussian_chain_noise_test(groups):
    """Gaussian: pooled_chi2 over the groups of seeds (their runs) and the modes with a J*, relaxed
    (gaussian.relaxed), in runs where it applies, of the trained J_alpha against J*_alpha."""
    items = []
    for g in groups:
        done = [r for r in g if r.theory.J_trained is not None]
        config = g[0].config
        if len(done) < 2 or not chain_noise_applies(config):
            continue
        th = done[0].theory
        eta, temp, sigma0 = (float(th.attrs[a]) for a in ("eta", "temperature", "sigma0"))
        lr, chains, updates = float(config["train.lr"]), int(config["train.chains"]), int(config["train.updates"])
        for a in range(th.c.size):
            j_star = float(th.J_star[a])
            var = gaussian_theory.chain_noise_var(float(th.c[a]), j_star, th.k, eta, temp, sigma0, lr, chains)
            if np.isfinite(var) and gaussian_theory.relaxed(j_star, th.k, eta, temp, sigma0, lr, updates):
                items.append(([r.theory.J_trained[a] for r in done], j_star, var))
    return pooled_chi2(items)


def chain_noise_columns(rows, header, table):
    """The chain-noise test's two columns, where some row has one."""
    if not any(row.get("chain_noise") is not None for row in rows):
        return False
    header += ["seeds' scatter / predicted chain noise (chi2/dof, dof, z)",
               "seeds' mean - fixed point, in predicted s.e. (chi2/dof, dof, z)"]
    for row, cells in zip(rows, table):
        t = row.get("chain_noise")
        cells += (["-", "-"] if t is None else
                  [f"{t['scatter_ratio']:.3f}, {t['scatter_dof']}, {t['scatter_z']:+.2f}",
                   f"{t['mean_ratio']:.3f}, {t['mean_dof']}, {t['mean_z']:+.2f}"])
    return True


def spins_study(sweep, section: Section, output: Output, prefix: str) -> None:
    from ..plotting import colour, pyplot, save

    runs = []
    for i in existing_runs(sweep, section):
        run = load_run(sweep.run_path(i))
        td = run.theory_data
        if run.theory_model != "spins" or "m_data" not in td:
            raise SchemaError(f"{run.path}: no spins /theory (m_data, h_star)")
        runs.append(run)
    if not runs:
        raise SchemaError(f"{sweep.path}: no run file to read")
    samplers = sorted({str(r.theory_data["sampler"]) for r in runs},
                      key=lambda s: spin_theory.SAMPLERS.index(s) if s in spin_theory.SAMPLERS else 99)
    plt = pyplot()
    fig, axes = plt.subplots(1, len(samplers), figsize=(5.4 * len(samplers) + 0.4, 5.4), squeeze=False, sharey=True)
    rows, table, checks = [], [], []
    limit = 0.0
    seed_counts_all: List[int] = []
    for ax, sampler in zip(axes[0], samplers):
        here = sorted((r for r in runs if r.theory_data["sampler"] == sampler), key=lambda r: int(r.theory_data["k"]))
        m_data = np.asarray(here[0].theory_data["m_data"], dtype=float)
        n = m_data.size
        init = str(here[0].config.get("init.type", "uniform"))
        spin = str(here[0].config.get("model.spin", "pm1"))
        m0 = np.array([spin_theory.p0_magnetization(init, m) for m in m_data])
        ks = sorted({int(r.theory_data["k"]) for r in here})
        k_fine = np.unique(np.round(np.geomspace(min(ks), max(ks), 60)).astype(int)) if len(ks) > 1 else np.array(ks)
        closed = sampler == "gibbs-random"

        def theory_h(k, r=None):
            """[N] h*(k): /theory h_star where finite, else the root of m_k(h) = m^D (pm1 spins)."""
            stored = np.asarray(r.theory_data["h_star"], dtype=float) if r is not None else np.full(n, np.nan)
            if spin != "pm1":
                return stored
            root = np.array([spin_theory.h_star(m, k, sampler, n, m0[i]) if not np.isfinite(stored[i]) else np.nan
                             for i, m in enumerate(m_data)])
            return np.where(np.isfinite(stored), stored, root)

        curves = np.array([theory_h(int(k)) for k in k_fine])  # [len(k_fine), N]
        max_gap, diverged, runaway_sites, predicted = None, [], {}, {}
        for i in range(n):
            col = colour(i)
            curve = curves[:, i]
            ax.plot(k_fine, curve, "-", color=col, lw=1.2, label=f"site {i + 1}, m^D = {m_data[i]:.3g}")
            if np.isfinite(np.arctanh(m_data[i])):
                ax.axhline(np.arctanh(m_data[i]), color=col, ls=":", lw=0.8)
            limit = max(limit, *(abs(c) for c in curve[np.isfinite(curve)] if abs(c) < 10), 0.5)
        trained: Dict[tuple, List[np.ndarray]] = {}  # per group of seeds: their trained fields
        configs: Dict[tuple, Any] = {}  # and the group's configuration
        for r in here:
            k = int(r.theory_data["k"])
            h_theory = theory_h(k, r)
            if closed and spin == "pm1":
                predicted[k] = [i for i in range(n) if not spin_theory.exists_gibbs_random(m_data[i], k, n, m0[i])]
            if r.status == "completed" and "h_trained" in r.theory_data:
                h = np.asarray(r.theory_data["h_trained"], dtype=float)
                gap = np.abs(h - h_theory)
                max_gap = nanmax([max_gap] + list(gap))
                trained.setdefault((k, config_key(r.config)), []).append(h)
                configs[(k, config_key(r.config))] = r.config
            else:
                if k not in diverged:  # one band per k, however many seeds diverged there
                    ax.axvspan(k / 1.15, k * 1.15, color="red", alpha=0.15, lw=0)
                diverged.append(k)
                sites = running_away(r)
                runaway_sites[k] = sites
                last = r.checkpoints[r.final_step]["h"] if r.final_step is not None else None
                for j, i in enumerate(sites or []):
                    if last is not None:
                        # The field is off the scale: an arrow at the top (h > 0) or bottom edge.
                        tip, tail = (0.98, 0.84) if last[i] > 0 else (0.02, 0.16)
                        x = k * 1.08 ** (j - (len(sites) - 1) / 2)
                        ax.annotate("", xy=(x, tip), xytext=(x, tail),
                                    xycoords=("data", "axes fraction"), textcoords=("data", "axes fraction"),
                                    arrowprops=dict(arrowstyle="-|>", color=colour(i), lw=1.5))
        # One dot per k and site: the trained field, or its mean over seeds with a bar of one
        # standard error.
        for (k, _), fields in trained.items():
            for i in range(n):
                mean, se, count = mean_se(h[i] for h in fields)
                if count > 1:
                    ax.errorbar([k], [mean], yerr=[se], fmt="o", color=colour(i), ms=6, mec="black", mew=0.5,
                                elinewidth=1, capsize=2)
                else:
                    ax.plot([k], [mean], "o", color=colour(i), ms=6, mec="black", mew=0.5)
                limit = max(limit, abs(mean) if abs(mean) < 10 else 0)
        seeds_here = [len(fields) for fields in trained.values()]
        seed_counts_all.extend(seeds_here)
        noise = chain_noise_test([(key[0], configs[key], f) for key, f in trained.items()], m_data, m0, sampler, n)
        ax.set_xscale("log")
        ax.set_xlabel("k (sweeps per update)")
        what = "closed form" if closed else "root of m_k(h) = m^D"
        ax.set_title(f"{sampler}: lines h*(k) ({what}), dots trained", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        agrees = None
        if predicted:
            pred_k = sorted(k for k, s in predicted.items() if s)
            agrees = pred_k == sorted(set(diverged)) and all(
                runaway_sites.get(k) is not None and sorted(runaway_sites[k]) == predicted[k] for k in diverged)
            checks.append(agrees)
        rows.append(dict(sampler=sampler, n_sites=n, q=spin_theory.q_random_sweep(n), k=ks, n_runs=len(here),
                         n_completed=sum(r.status == "completed" for r in here), max_gap_h_star=max_gap,
                         diverged_k=sorted(diverged),
                         runaway_sites={str(k): (None if s is None else [i + 1 for i in s])
                                        for k, s in sorted(runaway_sites.items())},
                         predicted_no_fixed_point={str(k): [i + 1 for i in s] for k, s in sorted(predicted.items()) if s}
                         if predicted else None,
                         theory_agrees=agrees, seeds_per_point=sorted(set(seeds_here)), chain_noise=noise))
        runaway_text = "; ".join(f"k={k}: sites {','.join(str(i + 1) for i in s) if s else 'none'}"
                                 if s is not None else f"k={k}: ?" for k, s in sorted(runaway_sites.items()))
        pred_text = ("; ".join(f"k={k}: sites {','.join(str(i + 1) for i in s)}" for k, s in sorted(predicted.items()) if s)
                     or "none") if predicted else "n/a (no closed-form condition)"
        table.append([sampler, f"{rows[-1]['n_completed']}/{len(here)}", fmt(max_gap),
                      ",".join(map(str, sorted(set(diverged)))) or "none", runaway_text or "-", pred_text,
                      "-" if agrees is None else ("yes" if agrees else "NO")])
    axes[0][0].set_ylabel(r"field $h_i$")
    axes[0][0].set_ylim(-1.15 * limit, 1.15 * limit)
    several = any(c > 1 for c in seed_counts_all)
    trained_label = (f"trained: mean ± s.e. over n = {seeds_cell(seed_counts_all)} seeds (completed runs)"
                     if several else "trained (completed run)")
    styles = [plt.Line2D([], [], color="grey", ls="-", label="h*(k), rdm fixed point"),
              plt.Line2D([], [], color="grey", marker="o", ls="", mec="black", label=trained_label),
              plt.Line2D([], [], color="grey", ls=":", label="atanh(m^D): cd, pcd, k → ∞"),
              plt.matplotlib.patches.Patch(color="red", alpha=0.15, label="diverged run; arrows: sites running away")]
    sites, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles=sites + styles, labels=labels + [h.get_label() for h in styles], loc="lower center",
               ncol=4, fontsize=7.5, frameon=False)
    n_sites = rows[0]["n_sites"]
    fig.suptitle(f"Independent spins (N = {n_sites}, q = (1 - 1/N)^N = {rows[0]['q']:.4f}): trained h vs k",
                 fontsize=10)
    rect = (0, 0.03 + 0.03 * math.ceil((len(sites) + len(styles)) / 4), 1, 1)
    section.figures.append(save(fig, output.path(prefix, "h_vs_k"), output.dpi, rect=rect))
    header = ["sampler", "completed", "max abs(h - h*)", "diverged k", "sites running away",
              "docs/theory.md section 3: no fixed point (abs(m) >= 1 - q^k)", "agree"]
    if several:
        header.append("seeds per k")
        for row, cells in zip(rows, table):
            cells.append(seeds_cell(row["seeds_per_point"]))
    tested = chain_noise_columns(rows, header, table)
    section.lines += md_table(header, table)
    section.lines.append("")
    section.lines.append("h* is /theory h_star (gibbs-random, closed form) or the root of m_k(h) = m^D (docs/theory.md section 3) "
                         "from h = 0 (other samplers). Sites are numbered 1..N in the order of data.magnetization. "
                         "A site runs away when its |h| grows between the last two checkpoints at least "
                         f"{RUNAWAY_RATE_RATIO:g} times as fast as between the two before, and by at least "
                         f"{RUNAWAY_MIN_GAIN:g}.")
    if tested:
        section.lines.append("")
        section.lines.append(
            "Sampled chains: rdm with R chains estimates m_k(h) with variance (1 - m^2) / R, so each seed's trained "
            "field is a draw around h*(k) with the variance eta (1 - m^2) / (R a (2 - eta a)), a = dm_k/dh at h* "
            "(plain SGD at rate eta, linearised). Scatter: sum over k and sites of (n - 1) s^2 / predicted variance "
            "(s^2 the n seeds' sample variance); mean: sum of n (mean - h*)^2 / predicted variance. Both are "
            "chi-square with the dof shown if the prediction holds: chi2/dof near 1, z (Wilson-Hilferty) within "
            "about +-3. Sites without a fixed point, not relaxed from h = 0, or in diverged runs are left out.")
    section.record["rows"] = rows
    section.record["theory_agrees"] = all(checks) if checks else None


# --- studies 3, 4, 5: measured runs -----------------------------------------------------------

def measured_runs(sweep, section: Section):
    """The measured runs, sorted by scheme and k, runs that differ only in run.seed averaged into one
    (seeds.SeedAverage); the runs that were not measured are noted."""
    order = {"rdm": 0, "cd": 1, "pcd": 2, "exact": 3}
    measured, unmeasured = [], []
    for i in existing_runs(sweep, section):
        m = load_measurement(sweep.run_path(i), unfinished_ok=True)
        (measured if m.steps else unmeasured).append(m)
    for m in unmeasured:
        section.notes.append(f"{m.run_id}: status {m.status}, not measured")
    measured = [avg for avg, _ in average_over_seeds(measured)]
    several = [m for m in measured if m.n_seeds > 1]
    if several:
        section.notes.append("runs that differ only in run.seed are averaged: "
                             + "; ".join(f"{m.run_id} = mean of {', '.join(r.run_id for r in m.members)}"
                                         for m in several))
    measured.sort(key=lambda m: (order.get(m.scheme, 9), m.k, m.run_id))
    if not measured:
        raise SchemaError(f"{sweep.path}: no measured run (every run diverged, was interrupted or is missing)")
    return measured


def manifest_row(sweep, run_id: str) -> Optional[int]:
    hits = [i for i, r in enumerate(sweep.runs["run_id"]) if r == run_id]
    return hits[0] if hits else None


def manifest_value(sweep, m, column: str) -> Optional[float]:
    """The manifest's `column` for a run, or its mean over the runs a seed average stands for."""
    rows = [manifest_row(sweep, r.run_id) for r in m.members]
    mean, _, n = mean_se(sweep.runs[column][i] for i in rows if i is not None)
    return mean if n else None


SE_TEXT = ("±: one standard error, over the seeds where a row averages several (seeds column), else the "
           "jackknife standard error over the run's measured chains (none where the law is exact).")


def error_rows(sweep, runs, section: Section, extra=None):
    """Per run (or seed average): summarize() at the last measured step, with the manifest's
    err_k/err_eq; for seed averages the means with their standard errors and n (a `seeds` column
    at the end of the table when any row has more than one), for one run the standard errors over
    its chains (the run file's jackknife, as summarize() gives them)."""
    rows, table = [], []
    several = any(m.n_seeds > 1 for m in runs)
    for m in runs:
        step = m.steps[-1]
        s = summarize(m, step, m.default_stat)
        row = dict(run_id=m.run_id, scheme=m.scheme, k=m.k, step=step, stat=s.stat, err_k=s.at_k, err_min=s.minimum,
                   t_min=s.t_min, err_eq=s.equilibrium, equilibrium_method=s.method, equilibrium_note=s.note,
                   n_chains=s.n_chains,
                   manifest_err_k=manifest_value(sweep, m, "err_k"),
                   manifest_err_eq=manifest_value(sweep, m, "err_eq"),
                   n_seeds=s.n_seeds, run_ids=s.run_ids, err_k_se=s.at_k_se, err_min_se=s.minimum_se,
                   err_eq_se=s.equilibrium_se)
        cells = [m.run_id, m.scheme, str(m.k), s.stat, fmt_se(s.at_k, s.at_k_se), fmt_se(s.minimum, s.minimum_se),
                 "-" if s.t_min is None else str(s.t_min), fmt_se(s.equilibrium, s.equilibrium_se),
                 s.method + (f" ({s.note})" if s.note and s.note != "" and s.equilibrium is None else "")]
        if extra:
            more_row, more_cells = extra(m, step)
            row.update(more_row)
            cells += more_cells
        if several:
            cells.append(str(s.n_seeds))
        rows.append(row)
        table.append(cells)
    return rows, table


def error_header(runs, extra=()) -> List[str]:
    return ERROR_HEADER + list(extra) + (["seeds"] if any(m.n_seeds > 1 for m in runs) else [])


ERROR_HEADER = ["run", "scheme", "k", "stat", "err(t=k)", "min over t", "at t", "equilibrium", "method"]


def mixing_times(m, step):
    """Each seed's mixing time (mixing.py) of run or seed average m at `step`: ([t_mix or None],
    [note], t_max). A seed not relaxed by t_max gets None and its note says so."""
    from ..mixing import mixing_time

    parts = [mixing_time(r, step) for r in m.members]
    return [p.t_mix for p in parts], [p.note for p in parts], max(p.t_max for p in parts)


def t_mix_cell(times: List[Optional[int]], notes: List[str], t_max: int) -> str:
    """Per-seed mixing times: the number, "> t_max" where a seed had not relaxed by then, "-" without
    a converged equilibrium; with several seeds that all have a number, their mean ± se first."""
    cells = [str(t) if t is not None else (f"> {t_max}" if n.startswith("not relaxed") else "-")
             for t, n in zip(times, notes)]
    if len(times) > 1 and all(t is not None for t in times):
        mean, se, _ = mean_se(times)
        return f"{fmt_se(mean, se)} ({', '.join(cells)})"
    return ", ".join(cells)


def bm_extra(m, step):
    """Extra columns of the bm table: mean_err at t = k and at equilibrium (the balance between
    ordered states shows in the means), and the model's own mixing time per seed (mixing.py)."""
    s = summarize(m, step, "mean_err")
    times, notes, t_max = mixing_times(m, step)
    row = dict(mean_err_k=s.at_k, mean_err_k_se=s.at_k_se, mean_err_eq=s.equilibrium, mean_err_eq_se=s.equilibrium_se,
               t_mix=times, t_mix_notes=notes, t_max=t_max)
    # The errors at t = k with the chains' sampling noise removed (docs/theory.md section 5): at the
    # noise floor the raw error at t = k measures the number of chains, not the model.
    d = m.dynamics[step]
    ik = d.index_of(m.k)
    for stat, key in (("corr_err", "err"), ("mean_err", "mean_err")):
        name = f"{stat}_corrected"
        value = d.arrays.get(name)
        se = d.array_se(name)
        row[f"{key}_k_corrected"] = finite(value[ik]) if value is not None and ik is not None else None
        row[f"{key}_k_corrected_se"] = finite(se[ik]) if se is not None and ik is not None else None
    return row, [fmt_se(row["err_k_corrected"], row["err_k_corrected_se"]), fmt_se(s.at_k, s.at_k_se),
                 fmt_se(s.equilibrium, s.equilibrium_se), t_mix_cell(times, notes, t_max)]


BM_EXTRA = ["corr_err(t=k), noise-corrected", "mean_err(t=k)", "mean_err equilibrium", "t_mix (sweeps, per seed)"]


def plot_crossover(runs, rows, path, dpi, title, mixing_from="energy and magnetisation"):
    """Study 3 with rdm at three or more k: the error at t = k and at equilibrium against k for
    corr_err and mean_err (seed means ± se), and each seed's mixing time against k with t = k."""
    from ..plotting import pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    colours = {"rdm": "C0", "cd": "C2", "pcd": "C3", "exact": "C4"}
    schemes = list(dict.fromkeys(m.scheme for m in runs))
    for ax, stat, key in zip(axes[:2], ("corr_err", "mean_err"), ("err", "mean_err")):
        for scheme in schemes:
            col = colours.get(scheme, "C5")
            mine = [(m, r) for m, r in zip(runs, rows) if m.scheme == scheme]
            ks = np.array([m.k for m, _ in mine], dtype=float)
            for where, marker, fill, style, what in (("k", "o", True, "-", "t = k"),
                                                     ("k_corrected", "o", False, ":", "t = k, noise-corrected"),
                                                     ("eq", "s", False, "-", "equilibrium")):
                y = np.array([np.nan if r[f"{key}_{where}"] is None else r[f"{key}_{where}"] for _, r in mine], float)
                se = np.array([np.nan if r.get(f"{key}_{where}_se") is None else r[f"{key}_{where}_se"]
                               for _, r in mine], float)
                # Log axis: a lower bar reaching 0 or below is drawn to 5 % of the value instead;
                # a corrected error clamped at 0 is not drawn.
                y = np.where(y > 0, y, np.nan)
                low = np.where(np.isfinite(se), np.minimum(se, 0.95 * y), 0)
                ax.errorbar(ks, y, yerr=[low, np.where(np.isfinite(se), se, 0)], fmt=marker + style, color=col,
                            mfc=col if fill else "white", ms=6, capsize=3, lw=1.2, label=f"{scheme}, {what}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("k (sweeps per update)")
        ax.set_ylabel(f"{stat} against the data")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title(f"{stat}: mean ± 1 s.e. over seeds", fontsize=9)
    ax = axes[2]
    t_max = max((r["t_max"] for r in rows), default=1)
    for si, scheme in enumerate(schemes):
        col = colours.get(scheme, "C5")
        marker = "o" if scheme == "rdm" else "^"
        for m, r in zip(runs, rows):
            if m.scheme != scheme:
                continue
            n = len(r["t_mix"])
            for j, (t, note) in enumerate(zip(r["t_mix"], r["t_mix_notes"])):
                # Seeds side by side, schemes apart, around x = k.
                x = m.k * math.exp(0.06 * (j - (n - 1) / 2) + 0.25 * (si - (len(schemes) - 1) / 2))
                if t is not None:
                    ax.plot([x], [max(t, 0.5)], marker, color=col, ms=6)
                elif note.startswith("not relaxed"):
                    ax.plot([x], [t_max], marker, color=col, mfc="white", ms=9)
        ax.plot([], [], marker, color=col, label=f"{scheme}: each seed's model")
    ax.plot([], [], "o", color="grey", mfc="white", ms=9, label=f"open: not relaxed by t_max = {t_max}")
    ks = sorted({m.k for m in runs})
    ax.plot(ks, ks, "k--", lw=1, label="t_mix = k")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("k (sweeps per update)")
    ax.set_ylabel("t_mix of the trained model (sweeps from p0)")
    ax.set_title(f"each model's own mixing time ({mixing_from})", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return save(fig, path, dpi, rect=(0, 0, 1, 0.94))


T_MIX_TEXT = ("t_mix: the model's own mixing time, the first recorded t from which the chains from p0 agree with "
              "its equilibrium in mean energy and magnetisation within 3 standard errors at every later recorded "
              "t (docs/theory.md section 5); \"> t_max\": not relaxed by the last recorded time; \"-\": no "
              "converged equilibrium.")


def has_crossover(runs) -> bool:
    """Whether a study has rdm at three or more k: then its crossover figure and columns."""
    return len({m.k for m in runs if m.scheme == "rdm"}) >= 3


def bm_study(sweep, section: Section, output: Output, prefix: str) -> None:
    from ..figures import plot_errors, plot_heatmap

    runs = measured_runs(sweep, section)
    items = [(m, m.steps[-1], m.default_stat) for m in runs]
    n = runs[0].dynamics[runs[0].steps[-1]].arrays["mean"].shape[1]
    section.figures.append(plot_errors(items, output.path(prefix, "error_vs_t"), output.dpi,
                                       title=f"Boltzmann machine (N = {n}): error of fresh chains from p0 vs t"))
    every = [m for m in runs if len(m.steps) >= 2]
    chosen = None
    if every:
        ks = sorted({m.k for m in every})
        middle = math.exp(0.5 * (math.log(ks[0]) + math.log(ks[-1])))
        pool = [m for m in every if m.scheme == "rdm"] or every
        chosen = min(pool, key=lambda m: (abs(math.log(m.k / middle)), m.run_id))
        section.figures.append(plot_heatmap(chosen, chosen.default_stat, output.path(prefix, "heatmap"), output.dpi))
    else:
        section.notes.append("no run measured at every checkpoint (measure.at = all): no heat map")
    rows, table = error_rows(sweep, runs, section, extra=bm_extra)
    section.lines += md_table(error_header(runs, BM_EXTRA), table)
    section.lines.append("")
    section.lines.append("err(t=k), the minimum over the recorded t and the equilibrium value of the error of fresh "
                         "chains from p0 against the data, at the last checkpoint (summary.py's numbers)"
                         + (f"; heat map: {chosen.run_id}." if chosen else ".") + " " + SE_TEXT)
    section.lines.append("")
    section.lines.append(T_MIX_TEXT)
    crossover = has_crossover(runs)
    if crossover:
        section.figures.append(plot_crossover(
            runs, rows, output.path(prefix, "crossover"), output.dpi,
            f"Boltzmann machine (N = {n}): error at t = k and at equilibrium against k, and each model's mixing time"))
    section.record["rows"] = rows
    section.record["heatmap_run"] = chosen.run_id if chosen else None
    section.record["crossover"] = crossover


def sample_figures(runs, section: Section, output: Output, prefix: str) -> None:
    """<prefix>_samples_<row>.png per row: the sample grids of the row's run, or of the first seed of a
    seed average (images are not averaged; the figure's title names that run)."""
    from ..figures import plot_samples, sample_panels

    for m in runs:
        first, step = m.members[0], m.steps[-1]
        try:
            sample_panels(first, step)
        except SchemaError as e:
            section.notes.append(str(e))
            continue
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in m.run_id) or "run"
        section.figures.append(plot_samples(first, step, 16, output.path(prefix, f"samples_{name}"), output.dpi))


def rbm_study(sweep, section: Section, output: Output, prefix: str) -> None:
    from ..figures import plot_errors

    runs = measured_runs(sweep, section)
    items = [(m, m.steps[-1], m.default_stat) for m in runs]
    section.figures.append(plot_errors(items, output.path(prefix, "error_vs_t"), output.dpi,
                                       title="RBM: error of fresh chains from p0 vs t"))
    sample_figures(runs, section, output, prefix)

    def loglik(m, step):
        e = m.equilibrium[step]
        method = str(e.attrs.get("log_z_method", "")) or "-"
        if m.n_seeds > 1:  # means over the seeds, each with its standard error over them
            parts = [r.equilibrium[step].attrs for r in m.members]
            ll, ll_se, _ = mean_se(a.get("loglik") for a in parts)
            lz, lz_se, _ = mean_se(a.get("log_z") for a in parts)
            ll, lz = finite(ll), finite(lz)
            flagged = sum(1 for a in parts if a.get("log_z_reliable") is not None and int(a["log_z_reliable"]) == 0)
            return (dict(loglik=ll, log_z=lz, loglik_se=finite(ll_se), log_z_se=finite(lz_se), log_z_method=method,
                         log_z_flagged_seeds=flagged),
                    [fmt_se(ll, ll_se, ".4g"), fmt_se(lz, lz_se, ".5g"), "- (per seed in its run file)",
                     method + f" (± over seeds; {flagged} of {len(parts)} flagged)"])
        ll, lz = finite(e.attrs.get("loglik")), finite(e.attrs.get("log_z"))
        se = finite(e.attrs.get("log_z_se"))
        lower, upper = finite(e.attrs.get("log_z_lower")), finite(e.attrs.get("log_z_upper"))
        bracket = "-" if lower is None and upper is None else f"[{fmt(lower, '.5g')}, {fmt(upper, '.5g')}]"
        reliable = e.attrs.get("log_z_reliable")
        flagged = reliable is not None and int(reliable) == 0
        verdict = method + (f" (flagged: {e.attrs.get('log_z_warning', '')})" if flagged else "")
        return (dict(loglik=ll, log_z=lz, log_z_se=se, log_z_lower=lower, log_z_upper=upper, log_z_method=method,
                     log_z_reliable=not flagged),
                [fmt(ll, ".4g"), fmt(lz, ".5g") + ("" if se is None else f" ± {se:.2g}"), bracket, verdict])

    # With rdm at three or more k (the study's grid), the bm study's crossover columns and figure too.
    crossover = has_crossover(runs)

    def extra(m, step):
        row, cells = loglik(m, step)
        if crossover:
            more_row, more_cells = bm_extra(m, step)
            row, cells = {**row, **more_row}, cells + more_cells
        return row, cells

    rows, table = error_rows(sweep, runs, section, extra=extra)
    section.lines += md_table(error_header(runs, ["loglik (eq)", "log Z", "log Z bracket", "log Z from"]
                                           + (BM_EXTRA if crossover else [])), table)
    section.lines.append("")
    section.lines.append("loglik = -<E>_D - log Z per data image (nats), the equilibrium data log-likelihood of the "
                         "trained parameters; log Z by exact enumeration, or beyond it by bridge sampling along the "
                         "PT ladder and forward / reverse AIS, with its standard error and the bracket [forward AIS "
                         "(a stochastic lower bound), reverse AIS (upper)]; 'flagged' names why the run file calls "
                         "the estimate unreliable (log_z_warning). The errors are those of summary.py, at the last "
                         "checkpoint. " + SE_TEXT)
    if crossover:
        section.lines.append("")
        from ..mixing import has_full_covariance

        d = runs[0].dynamics[runs[0].steps[-1]]
        n = d.arrays["mean"].shape[1]
        full = has_full_covariance(d)  # mixing.py's magnetisation needs it (stored up to 64 units)
        section.lines.append(T_MIX_TEXT + " The RBM's energy is its free energy; its magnetisation is the mean "
                             "pixel" + ("." if full else ", not used here: beyond 64 units the stored covariance "
                                        "is projected, so t_mix rests on the free energy alone."))
        section.figures.append(plot_crossover(
            runs, rows, output.path(prefix, "crossover"), output.dpi,
            f"RBM ({n} visible units): error at t = k and at equilibrium against k, and each model's mixing time",
            mixing_from="free energy and mean pixel" if full else "free energy"))
    section.record["rows"] = rows
    section.record["crossover"] = crossover


def crossing_time(t, gap, k) -> Optional[float]:
    """The time where gap(t) changes sign, linear between consecutive recorded times (an exact zero
    counts), the crossing nearest k; None when the gap keeps its sign."""
    t, gap = np.asarray(t, float), np.asarray(gap, float)
    found = [float(t[i]) for i in range(t.size) if gap[i] == 0]
    for i in range(t.size - 1):
        a, b = gap[i], gap[i + 1]
        if np.isfinite(a) and np.isfinite(b) and a * b < 0:
            found.append(float(t[i] + (t[i + 1] - t[i]) * a / (a - b)))
    return min(found, key=lambda x: (abs(x - k), x)) if found else None


Z_MATCHED = 3.0  # |z| below which a seed's energy at t = k counts as the data's (two-sided p ~ 0.003)


def convnet_study(sweep, section: Section, output: Output, prefix: str) -> None:
    from ..figures import plot_energy

    runs = [m for m in measured_runs(sweep, section) if "energy_mean" in m.dynamics[m.steps[-1]].arrays]
    if not runs:
        raise SchemaError(f"{sweep.path}: no measured run has energy_mean")
    # One panel per seed: each model has its own energy scale, so the seeds are not averaged here.
    items = [(r, m.steps[-1], "energy") for m in runs for r in m.members]
    section.figures.append(plot_energy(items, output.path(prefix, "energy_vs_t"), output.dpi,
                                       title="ConvNet EBM: mean energy of the samples vs the data's"
                                       + (", one panel per seed" if len(items) > len(runs) else "")))
    sample_figures(runs, section, output, prefix)

    def energies(m, step):
        d, e = m.dynamics[step], m.equilibrium[step]
        ik = d.index_of(m.k)
        e_k = finite(d.arrays["energy_mean"][ik]) if ik is not None else None
        e_d = finite(d.data_energy)
        # An unconverged long-run reference is no equilibrium (Equilibrium.level): no gap_eq.
        e_eq = finite(e.attrs.get("energy_mean")) if e.trusted else None
        se = d.curve_se("energy")  # the jackknife error over the run's chains
        se_k = finite(se[ik]) if se is not None and ik is not None else None
        gap_k = None if e_k is None or e_d is None else e_k - e_d
        return dict(data_energy=e_d, energy_k=e_k, gap_k=gap_k,
                    gap_eq=None if e_eq is None or e_d is None else e_eq - e_d,
                    z_k=None if gap_k is None or not se_k else gap_k / se_k,
                    t_cross=None if e_d is None else crossing_time(d.t, d.arrays["energy_mean"] - e_d, m.k))

    def z_cell(zs):
        """Each seed's (E(k) - E_D) / se(E(k)) and whether every seed matched (|z| < Z_MATCHED)."""
        cells = ", ".join(fmt(z, "+.2f") for z in zs)
        matched = all(z is not None and abs(z) < Z_MATCHED for z in zs)
        return f"{cells} ({'matched' if matched else 'not matched'})", matched

    several = any(m.n_seeds > 1 for m in runs)
    rows, table = [], []
    for m in runs:
        step = m.steps[-1]
        s = summarize(m, step, "energy")
        # A seed average: each number is the mean of the seeds' own, with its standard error.
        parts = [energies(r, step) for r in m.members]
        z_seeds = [p.pop("z_k") for p in parts]
        z_text, matched = z_cell(z_seeds)
        t_cross = [p.pop("t_cross") for p in parts]
        values, errors = {}, {}
        for name in parts[0]:
            mean, se, n = mean_se(p[name] for p in parts)
            values[name], errors[name] = (finite(mean) if n else None), (finite(se) if n > 1 else None)
        rows.append(dict(run_id=m.run_id, scheme=m.scheme, k=m.k, step=step, **values, min_abs_gap=s.minimum,
                         t_min=s.t_min, equilibrium_method=s.method, n_seeds=m.n_seeds, z_k=z_seeds, matched=matched,
                         t_cross=t_cross,
                         **({f"{name}_se": se for name, se in errors.items()} if m.n_seeds > 1 else {}),
                         **({"min_abs_gap_se": s.minimum_se} if m.n_seeds > 1 else {})))
        r = rows[-1]
        cells = [m.run_id, m.scheme, str(m.k), fmt_se(r["data_energy"], errors["data_energy"], ".4g"),
                 fmt_se(r["energy_k"], errors["energy_k"], ".4g"), fmt_se(r["gap_k"], errors["gap_k"]),
                 fmt_se(s.minimum, s.minimum_se), "-" if s.t_min is None else str(s.t_min),
                 fmt_se(r["gap_eq"], errors["gap_eq"]), s.method, z_text,
                 ", ".join(fmt(t, ".2f") for t in t_cross)]
        table.append(cells + ([str(m.n_seeds)] if several else []))
    section.lines += md_table(["run", "scheme", "k", "<E>_D", "<E>_t=k", "E(k) - E_D", "min abs(E - E_D)",
                               "at t", "E_eq - E_D", "method", "z(t=k) per seed",
                               "t_cross per seed"] + (["seeds"] if several else []),
                              table)
    section.lines.append("")
    section.lines.append("The mean energy of fresh chains from p0 against the data's mean energy under the same "
                         "parameters (/dynamics attribute data_energy; with data.noise > 0 the noisy data's, "
                         "data_energy_noisy, the energy training matched). With seeds: each number is the mean "
                         "of the seeds' own ± its standard error over them. z(t=k): each seed's "
                         "(<E>_t=k - <E>_D) / se(<E>_t=k), in the jackknife standard errors of its measured "
                         f"chains; 'matched' when |z| < {Z_MATCHED:g} for every seed: training reached the rdm "
                         "fixed point, where the chains meet the data's energy at t = k. t_cross: where "
                         "<E>_t - <E>_D changes sign, interpolated linearly between the recorded times (the "
                         "crossing nearest k; '-' without one): a scale-free reading of the same match, since "
                         "the energy falls by several of its standard errors per step near t = k.")
    section.record["rows"] = rows
    section.record["matched"] = all(r["matched"] for r in rows)


# --- study 6: k x lr grid ----------------------------------------------------------------------

def klr_study(sweep, section: Section, output: Output, prefix: str) -> None:
    from matplotlib.colors import LogNorm

    from ..plotting import pyplot, save

    runs = dict(sweep.runs)
    runs.update(manifest_errors(sweep, section))
    runs["status"] = np.array(sweep.statuses(), dtype=object)
    ks = sorted({float(v) for v in runs["train.k"]})
    lrs = sorted({float(v) for v in runs["train.lr"]})
    # A run.seed axis is averaged over: each cell is the mean over its seeds (standard error and n
    # shown where there are several).
    others = [a for a in sweep.axes if a not in ("train.k", "train.lr", SEED_KEY)]
    groups = sorted({tuple(str(runs[a][i]) for a in others) for i in range(len(sweep))})
    stat = "mean_err" if sweep.model == "spins" else "corr_err"
    plt = pyplot()
    fig, axes = plt.subplots(len(groups), 2, figsize=(11, 4.3 * len(groups) + 0.4), squeeze=False)
    grids = []
    several = False
    for g, group in enumerate(groups):
        here = [i for i in range(len(sweep)) if tuple(str(runs[a][i]) for a in others) == group]

        def cell(i):
            return ks.index(float(runs["train.k"][i])), lrs.index(float(runs["train.lr"][i]))

        values, errors, counts = {}, {}, np.zeros((len(ks), len(lrs)), dtype=int)
        for i in here:
            counts[cell(i)] += 1
        several = several or bool((counts > 1).any())
        for column in ("err_k", "err_eq"):
            grid = np.full((len(ks), len(lrs)), np.nan)
            se = np.full((len(ks), len(lrs)), np.nan)
            for r in range(len(ks)):
                for c in range(len(lrs)):
                    members = [i for i in here if cell(i) == (r, c)]
                    grid[r, c], se[r, c], n = mean_se(runs[column][i] for i in members)
                    if n == 1:  # one run: its own standard error (jackknife over its chains; 0: exact)
                        own = next((runs[f"{column}_se"][i] for i in members if np.isfinite(runs[column][i])), 0.0)
                        se[r, c] = own if own > 0 else np.nan
            values[column], errors[column] = grid, se
        statuses: Dict[tuple, List[str]] = {}
        for i in here:
            statuses.setdefault(cell(i), []).append(str(runs["status"][i]))
        status = {(ks[r], lrs[c]): ("completed" if set(v) == {"completed"} else ",".join(sorted(set(v))))
                  for (r, c), v in statuses.items()}
        label = ", ".join(f"{a} = {v}" for a, v in zip(others, group))
        for ax, column, what in zip(axes[g], ("err_k", "err_eq"),
                                    (f"{stat} at t = k (err_k)", f"{stat} at equilibrium (err_eq)")):
            grid = values[column]
            good = grid[np.isfinite(grid) & (grid > 0)]
            norm = LogNorm(vmin=good.min(), vmax=good.max()) if good.size and good.min() < good.max() else None
            shown = np.ma.masked_invalid(np.where(grid > 0, grid, np.nan))
            mesh = ax.imshow(shown, origin="lower", aspect="auto", cmap="viridis", norm=norm)
            for r in range(len(ks)):
                for c in range(len(lrs)):
                    st = status.get((ks[r], lrs[c]), "missing")
                    text = fmt(grid[r, c], ".2g") if st == "completed" else st
                    if st == "completed" and counts[r, c] > 1:
                        text += f"\n±{fmt(errors[column][r, c], '.1g')}, n={counts[r, c]}"
                    # Dark text on the bright end of viridis, white on the dark end.
                    rgba = mesh.cmap(mesh.norm(grid[r, c])) if np.isfinite(grid[r, c]) and grid[r, c] > 0 else None
                    dark = rgba is not None and 0.3 * rgba[0] + 0.6 * rgba[1] + 0.1 * rgba[2] < 0.5
                    ax.text(c, r, text, ha="center", va="center", fontsize=7.5, color="white" if dark else "black")
            ax.set_xticks(range(len(lrs)))
            ax.set_xticklabels([f"{v:g}" for v in lrs])
            ax.set_yticks(range(len(ks)))
            ax.set_yticklabels([f"{v:g}" for v in ks])
            ax.set_xlabel("learning rate lr")
            ax.set_ylabel("k (sweeps per update)")
            ax.set_title(what + (f"\n{label}" if label else ""), fontsize=9)
            fig.colorbar(mesh, ax=ax)
        grids.append(dict(group=dict(zip(others, group)), k=ks, lr=lrs,
                          err_k=[[finite(x) for x in row] for row in values["err_k"]],
                          err_eq=[[finite(x) for x in row] for row in values["err_eq"]],
                          max_err_k=nanmax(values["err_k"].ravel()),
                          err_eq_range_by_k={f"{k:g}": value_range(values["err_eq"][r]) for r, k in enumerate(ks)}))
        if counts.max(initial=0) > 1:
            grids[-1].update(err_k_se=[[finite(x) for x in row] for row in errors["err_k"]],
                             err_eq_se=[[finite(x) for x in row] for row in errors["err_eq"]],
                             n_seeds=counts.tolist())
        for column, name in (("err_k", "err_k: error at t = k"), ("err_eq", "err_eq: error at equilibrium")):
            seeds = (" (mean ± standard error over the seeds, n = "
                     f"{seeds_cell(counts[counts > 0])})") if counts.max(initial=0) > 1 else ""
            section.lines.append(f"{name}{' (' + label + ')' if label else ''}{seeds}, rows k, columns lr:")
            section.lines.append("")
            def table_cell(r, c):  # a grid point that did not complete says so, as in the figure
                st = status.get((ks[r], lrs[c]), "missing")
                text = fmt_se(values[column][r, c], errors[column][r, c], ".2g")
                return text if st == "completed" else (st if text == "-" else f"{text} ({st})")

            section.lines += md_table(["k \\ lr"] + [f"{v:g}" for v in lrs],
                                      [[f"{k:g}"] + [table_cell(r, c) for c in range(len(lrs))]
                                       for r, k in enumerate(ks)])
            section.lines.append("")
    unfinished = [f"{runs['run_id'][i]} ({runs['status'][i]})" for i in range(len(sweep))
                  if str(runs["status"][i]) != "completed"]
    if unfinished:
        section.lines.append(f"Runs without numbers ({len(unfinished)}, not completed): {', '.join(unfinished)}.")
        section.lines.append("")
    model = sweep.model
    n = sweep.config.get("model.n_visible", "?")
    fig.suptitle(f"k x lr grid ({model}, N = {n}, {sweep.config.get('train.scheme', '?')}): {stat} from the manifest",
                 fontsize=10)
    section.figures.append(save(fig, output.path(prefix, "k_lr"), output.dpi))
    section.lines.append(f"The manifest's err_k and err_eq ({stat} of fresh chains from p0 at t = k and at "
                         "equilibrium, last checkpoint) per grid point"
                         + (", averaged over the run.seed axis." if several else "."))
    section.record["grids"] = grids


# The axes whose values each study's figures and tables keep apart (besides run.seed, averaged):
# the runs of any other axis would be drawn as one curve and tabulated as one configuration.
SEPARATED_AXES = {1: ("init.sigma", "train.scheme", "train.k"), 2: ("sampler.type", "train.k"),
                  3: ("train.scheme", "train.k"), 4: ("train.scheme", "train.k")}


def grid_of(sweep):
    """What makes two manifests the same grid: the configuration but its output folder, and the axes."""
    return {k: v for k, v in sweep.config.items() if k != "run.out"}, sweep.axis_values


def study_warnings(number: int, sweep) -> List[str]:
    """What makes a study folder's figures mislead unless said: an axis the study does not keep
    apart, and a manifest that is one shard of its grid."""
    out = []
    separated = SEPARATED_AXES.get(number)
    if separated is not None:
        for axis in sweep.axes:
            values = sweep.axis_values.get(axis, [])
            if axis not in separated and axis != SEED_KEY and len(values) > 1:
                out.append(f"axis {axis} ({', '.join(values)}) is not one that study {number}'s figures keep apart "
                           f"(they separate {', '.join(separated)} and average run.seed): its runs are drawn "
                           "and tabulated together; sweep each value into its own folder")
    shard = SHARD_MANIFEST.fullmatch(os.path.basename(sweep.path))
    if shard:
        out.append(f"this manifest is shard {shard.group(1)} of {shard.group(2)}: it lists part of the grid, and "
                   "seeds in other shards are not averaged with its own; run the sweep again without --shard in "
                   "the folder to write sweep.h5 for the whole grid, and give the folder")
    return out


HANDLERS = {1: gaussian_study, 2: spins_study, 3: bm_study, 4: rbm_study, 5: convnet_study, 6: klr_study}


def describe(sweep) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(run_status_counts(sweep).items()))
    axes = "; ".join(f"{a} = {','.join(sweep.axis_values.get(a, []))}" for a in sweep.axes)
    return (f"Folder `{os.path.dirname(sweep.path)}`, sweep `{sweep.name}` (model {sweep.model}; "
            f"manifest status {sweep.status}; {len(sweep)} runs: {counts}). Axes: {axes or 'none'}.")


def write_summary(out: str, sections: List[Section]) -> List[str]:
    lines = ["# Headline numbers of the paper's studies", "",
             f"Written by `analysis/make_figures.py` from {len(sections)} study folder(s). "
             "docs/theory.md states the claims; docs/hdf5-schema.md the files.", ""]
    records = []
    for s in sections:
        lines += [f"## Study {s.number}: {TITLES[s.number]}", "", describe(s.sweep), ""]
        lines += s.lines
        lines.append("")
        if s.notes:
            lines += ["Notes:", ""] + [f"- {n}" for n in s.notes] + [""]
        for path in s.figures:
            name = os.path.basename(path)
            # An image where it is one Markdown viewers show (PNG); a link to a PDF or SVG otherwise.
            lines += [f"![{name}]({name})" if name.endswith(".png") else f"Figure: [{name}]({name})", ""]
        record = dict(number=s.number, kind=s.kind, title=TITLES[s.number], folder=s.sweep.folder,
                      sweep=s.sweep.name, sweep_status=s.sweep.status, axes=s.sweep.axes,
                      run_status=run_status_counts(s.sweep), figures=[os.path.basename(p) for p in s.figures],
                      files=[os.path.basename(p) for p in written_files(s.figures)],
                      notes=s.notes)
        record.update(s.record)
        records.append(record)
    md = os.path.join(out, "summary.md")
    with open(md, "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    js = os.path.join(out, "summary.json")
    with open(js, "w") as f:
        json.dump({"studies": records}, f, indent=1, allow_nan=False)
        f.write("\n")
    return [md, js]


def main(argv=None):
    args = parse_args(argv_or_default(argv))
    set_formats(args.format)

    def body():
        sweeps = [load_sweep(path) for path in args.studies]
        numbered = sorted(((study_number(s), i, s) for i, s in enumerate(sweeps)), key=lambda x: (x[0], x[1]))
        out = make_out(args.out)
        output = Output(out, args.dpi)
        sections = []
        for number_, index, sweep in numbered:
            kind = {1: "gaussian", 2: "spins", 3: "bm", 4: "rbm", 5: "convnet", 6: "k-lr-grid"}[number_]
            section = Section(number=number_, kind=kind, sweep=sweep)
            differ = [f"{r} ({a} in the manifest, {b} in its file)" for r, a, b in
                      zip(sweep.runs["run_id"], sweep.runs["status"], sweep.statuses()) if a != b]
            if differ:
                section.notes.append("statuses taken from the run files, which differ from the manifest's (a sweep "
                                     "run again lists earlier runs as completed): " + ", ".join(differ))
            twin = next((other for other in sweeps[:index] if grid_of(other) == grid_of(sweep)), None)
            copy = [f"the same grid as {twin.path} (a copy of it?): drawn as another study, not merged"] if twin else []
            for warning in study_warnings(number_, sweep) + copy:
                print(f"{prog(PROG)}: warning: {sweep.path}: {warning}", file=sys.stderr)
                section.notes.append(warning)
            HANDLERS[number_](sweep, section, output, output.prefix(number_))
            sections.append(section)
        written = write_summary(out, sections)
        for s in sections:
            print(f"study {s.number} ({s.kind}) from {os.path.dirname(s.sweep.path)}: "
                  + " ".join(os.path.basename(p) for p in written_files(s.figures)))
            for note in s.notes:
                print(f"  note: {note}")
        print("summary: " + " ".join(written))
        return 0

    return run_main(prog(PROG), body)


if __name__ == "__main__":
    sys.exit(main())
