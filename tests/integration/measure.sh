#!/usr/bin/env bash
# The dynamics-versus-equilibrium measurement end to end (issue 4, docs/theory.md section 5), checked in
# the run files with h5py:
#  1. Gaussian rdm (trained with exact p_k moments, so J is J*(k)), measured with sampled chains:
#     v_alpha(t) matches the theory curve of the trained J at every recorded t within 4.5 standard
#     errors, and equals the data variance c_alpha at t = k; a longer t_max makes the unstable mode
#     (J* < 0) overflow: flagged with its time, finite values before, no NaN written.
#  2. Tiny bm trained with exact p_k moments, exact measurement path: mean_err and corr_err at t = k
#     below 1e-6, and well above it at equilibrium (enumeration).
#  3. Sampled rdm bm on Curie-Weiss teacher data: argmin over t of corr_err in [k/2, 2k] and
#     corr_err(k) < 0.5 corr_err(equilibrium); pcd on the same data: equilibrium error below the
#     error at t = k.
#  3b. rbm: the AIS log Z written beside a long-run equilibrium agrees with enumeration; with pt, the
#      bridge estimate is within 3 se of it and the forward/reverse AIS bracket holds it.
#  3c. convnet with measure.equilibrium = pt (Langevin at temperatures T / beta): trains, measures and
#      stores the ladder, swap acceptance and round trips; no bridge log Z.
#  4. `shortrun measure` reproduces the measurement bit for bit (1 rank and 2 ranks), and refuses
#     bad input with exit code 2.
# Usage: measure.sh SHORTRUN MPIEXEC
set -euo pipefail
source "$(dirname "$0")/../support/script_prelude.sh"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
py=/usr/bin/python3

# --- 1. Gaussian ----------------------------------------------------------------------------------
"$shortrun" train "$config" --out "$work/g" --quiet --set run.name=g --set train.moments=exact \
  --set train.updates=3000 --set train.lr=0.15 --set train.k=20 --set measure.moments=sampled \
  --set measure.chains=4000 --set measure.t_max=200 > /dev/null
"$py" - "$work/g/runs/g.h5" <<'PY' || fail "Gaussian measurement against theory"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
d = f["dynamics"]
steps = sorted(int(s) for s in d if s.isdigit())
g = d[str(steps[-1])]
t, v, vt, tt = g["t"][()], g["mode_var"][()], g["mode_var_theory"][()], g["theory_t"][()]
R = d.attrs["n_chains"]
assert R == 4000 and d.attrs["path"] == "sampled", dict(d.attrs)
assert np.array_equal(t, tt), (t, tt)
k = int(d.attrs["k"])
assert 0 in t and k in t and t[-1] == 200, t
# A Gaussian mode's sample variance (1/R) has mean (R-1)/R v and standard error v sqrt(2/(R-1)).
z = (v - (R - 1) / R * vt) / (vt * np.sqrt(2.0 / (R - 1)))
print(f"gaussian: max |z| of v_alpha(t) against theory over {z.size} points: {np.abs(z).max():.2f}")
assert np.abs(z).max() < 4.5, z
c = f["theory/c"][()]
ik = list(t).index(k)
zk = (v[ik] - (R - 1) / R * c) / (c * np.sqrt(2.0 / (R - 1)))
print(f"gaussian: v_alpha(k) = {v[ik]} against c = {c}: z = {zk}")
assert np.abs(zk).max() < 4.0, zk
e = f["equilibrium"][str(steps[-1])]
assert e.attrs["method"] == "theory" and e.attrs["exists"] == 0, dict(e.attrs)  # J* < 0: no equilibrium
PY

# The unstable mode grows as (1 + eta |J*|)^(2t): past t ~ 2e4 the variance overflows.
"$shortrun" measure "$work/g/runs/g.h5" --set measure.t_max=100000 --set measure.chains=200 --quiet > /dev/null
"$py" - "$work/g/runs/g.h5" <<'PY' || fail "Gaussian overflow flag"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
d = f["dynamics"]
g = d[[s for s in d if s.isdigit()][0]]
assert g.attrs["overflow"] == 1 and g.attrs["overflow_t"] > g["t"][-1] > 20, (dict(g.attrs), g["t"][()])
for name in ("mean", "cov", "mean_err", "corr_err", "energy_mean", "mode_var"):
    assert np.isfinite(g[name][()]).all(), name
print(f"gaussian: overflow flagged at t <= {g.attrs['overflow_t']}, last finite t = {g['t'][-1]}")
PY

# --- 2. tiny bm, exact p_k moments, exact measurement -----------------------------------------------
bm="$repo/jobs/configs/bm-ising.ini"
"$shortrun" train "$bm" --out "$work/b" --quiet --set run.name=exact --set data.beta=1.2 --set train.k=2 \
  --set sampler.type=gibbs-random --set train.updates=1500 > /dev/null
"$py" - "$work/b/runs/exact.h5" <<'PY' || fail "exact bm measurement"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
d = f["dynamics"]
s = [x for x in d if x.isdigit()][0]
g, e = d[s], f["equilibrium"][s]
assert d.attrs["path"] == "exact" and e.attrs["method"] == "exact", (dict(d.attrs), dict(e.attrs))
ik = list(g["t"][()]).index(d.attrs["k"])
me, ce = g["mean_err"][ik], g["corr_err"][ik]
print(f"bm exact: at t = k mean_err {me:.3g} corr_err {ce:.3g}; equilibrium mean_err {e.attrs['mean_err']:.3g} corr_err {e.attrs['corr_err']:.3g}")
assert me < 1e-6 and ce < 1e-6, (me, ce)
assert e.attrs["corr_err"] > 1e-2, dict(e.attrs)
assert np.isfinite(e.attrs["log_z"]) and np.isfinite(e.attrs["loglik"])
PY

# --- 2b. the same run re-measured with trajectory tempering (ptt) along its checkpoints ---------------
# The ladder is the run's own earlier checkpoints (train.checkpoints = 10: 8 rungs of pt_replicas);
# the top rung's means must match the enumeration above within 4 of their standard errors.
cp "$work/b/runs/exact.h5" "$work/ptt.h5"
"$shortrun" measure "$work/ptt.h5" --quiet --set measure.equilibrium=ptt --set measure.equilibrium_sweeps=2000 \
  --set measure.chains=200 > /dev/null || fail "shortrun measure --set measure.equilibrium=ptt"
"$py" - "$work/ptt.h5" "$work/b/runs/exact.h5" <<'PY' || fail "ptt re-measurement against enumeration"
import sys, h5py, numpy as np
f, x = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
s = [k for k in f["equilibrium"] if k.isdigit()][-1]
e, ex = f["equilibrium"][s], x["equilibrium"][s]
steps = e["ptt_steps"][()]
assert e.attrs["method"] == "ptt", dict(e.attrs)
assert steps[-1] == int(s) and (np.diff(steps) > 0).all() and len(steps) == e.attrs["n_replicas"] == 8, steps
assert e.attrs["converged"] == 1, e.attrs["reason"]
z = np.abs(e["mean"][()] - ex["mean"][()]) / e["mean_se"][()]
print(f"ptt along updates {list(steps)}: converged, worst unit |z| against enumeration {z.max():.2f}, "
      f"swap acceptance min {e['pt_acceptance'][()].min():.2f}, {e.attrs['round_trips']} round trips")
assert z.max() < 4, z
PY

# --- 3. sampled bm: rdm and pcd -----------------------------------------------------------------------
common=(--set model.n_visible=12 --set data.beta=1.2 --set train.k=3 --set sampler.type=gibbs-random
  --set train.moments=sampled --set train.chains=4000 --set train.updates=600 --set measure.chains=20000
  --set measure.t_max=40)
"$shortrun" train "$bm" --out "$work/s" --quiet --set run.name=rdm "${common[@]}" > /dev/null
"$shortrun" train "$bm" --out "$work/s" --quiet --set run.name=pcd --set train.scheme=pcd "${common[@]}" > /dev/null
"$py" - "$work/s/runs/rdm.h5" "$work/s/runs/pcd.h5" <<'PY' || fail "sampled bm: rdm error minimal near t = k, pcd at equilibrium"
import sys, h5py, numpy as np
def load(path):
    f = h5py.File(path, "r")
    d = f["dynamics"]
    s = [x for x in d if x.isdigit()][0]
    g = d[s]
    return int(d.attrs["k"]), g["t"][()], g["corr_err"][()], f["equilibrium"][s].attrs["corr_err"]
k, t, err, eq = load(sys.argv[1])
tmin = t[np.argmin(err)]
ek = err[list(t).index(k)]
print(f"rdm: argmin_t corr_err = {tmin} (k = {k}); corr_err(k) = {ek:.4g}, equilibrium {eq:.4g}")
assert k / 2 <= tmin <= 2 * k, (t, err)
assert ek < 0.5 * eq, (ek, eq)
k, t, err, eq = load(sys.argv[2])
ek = err[list(t).index(k)]
print(f"pcd: corr_err(k) = {ek:.4g}, equilibrium {eq:.4g}")
assert eq < ek, (eq, ek)
PY

# --- 3b. rbm: AIS log Z in /equilibrium (long-run) agrees with enumeration (exact) ------------------
rbm=(--set model.type=rbm --set model.n_hidden=8 --set model.spin=01 --set data.source=bars-stripes
  --set model.n_visible=16 --set sampler.type=block-gibbs --set train.moments=sampled --set train.k=5
  --set train.updates=200 --set train.chains=500 --set measure.chains=500 --set measure.t_max=50
  --set measure.equilibrium_sweeps=200 --set measure.ais_runs=200 --set measure.ais_temperatures=2000)
"$shortrun" train "$bm" --out "$work/r" --quiet --set run.name=exact "${rbm[@]}" > /dev/null
"$shortrun" measure "$work/r/runs/exact.h5" --quiet --set measure.equilibrium=long-run --set measure.ais_runs=200 \
  --set measure.ais_temperatures=2000 > /dev/null
cp "$work/r/runs/exact.h5" "$work/rbm-ais.h5"
"$shortrun" measure "$work/r/runs/exact.h5" --quiet --set measure.equilibrium=pt --set measure.ais_runs=200 \
  --set measure.ais_temperatures=2000 > "$work/rbm-pt.out"
cp "$work/r/runs/exact.h5" "$work/rbm-pt.h5"
"$shortrun" measure "$work/r/runs/exact.h5" --quiet --set measure.equilibrium=exact > /dev/null
"$py" - "$work/rbm-ais.h5" "$work/r/runs/exact.h5" "$work/rbm-pt.h5" "$work/rbm-pt.out" <<'PY' || fail "rbm: log Z and its bracket against enumeration"
import sys, h5py, math
def eq(path):
    f = h5py.File(path, "r")
    e = f["equilibrium"]
    return e[[s for s in e][0]].attrs
a, x, p = eq(sys.argv[1]), eq(sys.argv[2]), eq(sys.argv[3])
assert a["method"] == "long-run" and a["log_z_method"] == "ais+reverse-ais(long-run)" and x["log_z_method"] == "exact", (dict(a), dict(x))
d = abs(a["log_z"] - x["log_z"])
print(f"rbm: AIS log Z {a['log_z']:.4f} +- {a['log_z_se']:.4f}, enumeration {x['log_z']:.4f}")
assert d < max(0.1, 3 * a["log_z_se"]), d
assert abs(a["loglik"] - x["loglik"]) == d or abs(abs(a["loglik"] - x["loglik"]) - d) < 1e-9
# exact: the bracket is the value itself
assert x["log_z_se"] == 0 and x["log_z_lower"] == x["log_z"] == x["log_z_upper"] and x["loglik_lower"] == x["loglik"], dict(x)
# pt: bridge estimate, forward/reverse AIS bracket, ESS, flags; all sane against enumeration
assert p["method"] == "pt" and p["log_z_method"] == "bridge(pt)+ais+reverse-ais(pt)", dict(p)
z = x["log_z"]
for r in (a, p):
    lo, up = r["log_z_lower"], r["log_z_upper"]
    print(f"rbm {r['method']}: log Z {r['log_z']:.4f} +- {r['log_z_se']:.4f} [{r['log_z_method']}], bracket "
          f"[{lo:.4f} +- {r['log_z_lower_se']:.4f}, {up:.4f} +- {r['log_z_upper_se']:.4f}], ESS {r['log_z_ess']:.1f} / "
          f"{r['log_z_upper_ess']:.1f} of {r['log_z_runs']}, reliable {r['log_z_reliable']} ({r['log_z_warning']})")
    assert r["log_z_runs"] == 200 and 1 <= r["log_z_ess"] <= 200 and 1 <= r["log_z_upper_ess"] <= 200, dict(r)
    assert lo - 3 * r["log_z_lower_se"] <= z <= up + 3 * r["log_z_upper_se"], (lo, z, up)
    assert r["log_z_wide"] == (1 if up - lo > 1 else 0)
    assert abs(r["loglik_lower"] - (r["loglik"] + r["log_z"] - up)) < 1e-9 and abs(r["loglik_upper"] - (r["loglik"] + r["log_z"] - lo)) < 1e-9
assert p["log_z_reliable"] == 1, p["log_z_warning"]
assert abs(p["log_z"] - p["pt_bridge_log_z"]) == 0 and 0 < p["log_z_se"] < 0.1, dict(p)
assert abs(p["log_z"] - z) < 3 * p["log_z_se"], (p["log_z"], p["log_z_se"], z)
assert abs(p["pt_bridge_log_z_base"] - 24 * math.log(2)) < 1e-9
out = open(sys.argv[4]).read()
assert "log Z (update" in out and "bridge(pt)+ais+reverse-ais(pt)" in out, out
PY

# --- 3c. convnet: parallel tempering of the Langevin sampler ------------------------------------------
"$shortrun" train "$repo/jobs/configs/convnet-tiny.ini" --out "$work/c" --quiet --set run.name=pt \
  --set train.updates=20 --set measure.chains=40 --set measure.equilibrium=pt --set measure.equilibrium_sweeps=60 \
  --set measure.pt_replicas=4 --set measure.pt_beta_min=0.2 > /dev/null || fail "convnet train with measure.equilibrium=pt"
"$py" - "$work/c/runs/pt.h5" <<'PY' || fail "convnet pt records"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
e = f["equilibrium"][[s for s in f["equilibrium"] if s.isdigit()][-1]]
a = e.attrs
assert a["method"] == "pt" and a["exists"] == 1, dict(a)
betas, acc = e["pt_betas"][()], e["pt_acceptance"][()]
R = a["n_replicas"]
assert R == len(betas) >= 4 and betas[-1] == 1 and (np.diff(betas) > 0).all() and abs(betas[0] - 0.2) < 1e-12, betas
assert acc.shape == (R - 1,) and ((acc >= 0) & (acc <= 1)).all(), acc
assert a["round_trips"] >= 0 and a["first_round_trip"] >= -1 and a["burn_in"] == a["window"] == 60, dict(a)
assert a["converged"] in (0, 1) and np.isfinite(e["mean"][()]).all() and e["mean_se"].shape == e["mean"].shape
assert "pt_bridge_log_z" not in a and "log_z" not in a, dict(a)  # no normalisable beta = 0 rung
print(f"convnet pt: {R} replicas, betas {np.round(betas, 3)}, swap acceptance {np.round(acc, 2)}, "
      f"{a['round_trips']} round trips, converged {a['converged']} ({a['reason']})")
PY

# --- 4. shortrun measure: bit for bit, and bad input --------------------------------------------------
same_measurement() {  # A B: every dataset under /dynamics and /equilibrium equal, bit for bit
  "$py" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
n = 0
for top in ("dynamics", "equilibrium"):
    def check(name, obj):
        global n
        if isinstance(obj, h5py.Dataset):
            x, y = obj[()], b[top][name][()]
            assert x.shape == y.shape and x.tobytes() == y.tobytes(), f"{top}/{name} differs"
            n += 1
    a[top].visititems(check)
    assert sorted(a[top]) == sorted(b[top])
assert n >= 9, n
print(f"{n} datasets identical")
PY
}
cp "$work/s/runs/rdm.h5" "$work/rdm-trained.h5"
"$shortrun" measure "$work/s/runs/rdm.h5" --quiet > /dev/null
same_measurement "$work/rdm-trained.h5" "$work/s/runs/rdm.h5" || fail "shortrun measure (1 rank) differs from the training's measurement"
"$shortrun" train "$bm" --out "$work/m" --quiet --set run.name=mpi "${common[@]}" --set train.updates=50 \
  --set measure.chains=2000 --set measure.at=all --set train.checkpoints=3 > /dev/null
cp "$work/m/runs/mpi.h5" "$work/mpi-1rank.h5"
"$mpiexec" -n 2 "$shortrun" measure "$work/m/runs/mpi.h5" --quiet > /dev/null
"$mpiexec" -n 2 "$shortrun" measure "$work/m/runs/mpi.h5" --quiet --checkpoint all > /dev/null
cp "$work/m/runs/mpi.h5" "$work/mpi-2ranks-a.h5"
"$mpiexec" -n 2 "$shortrun" measure "$work/m/runs/mpi.h5" --quiet > /dev/null
same_measurement "$work/mpi-2ranks-a.h5" "$work/m/runs/mpi.h5" || fail "shortrun measure on 2 ranks is not reproducible"
[[ ! -e "$work/m/runs/mpi.h5.tmp" ]] || fail "shortrun measure left its temporary file"

expect_bad() {  # MESSAGE_PATTERN ARGS...
  local pattern=$1 rc
  shift
  set +e
  "$shortrun" measure "$@" > "$work/out" 2> "$work/err"
  rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "measure $*: exit $rc, expected 2 ($(cat "$work/err"))"
  grep -q -- "$pattern" "$work/err" || fail "measure $*: message '$(cat "$work/err")' lacks '$pattern'"
  [[ $(wc -l < "$work/err") -eq 1 ]] || fail "measure $*: more than one line on stderr"
}
expect_bad "checkpoint 7: expected last, all or a stored update" "$work/s/runs/rdm.h5" --checkpoint 7
expect_bad "measure.\* keys only" "$work/s/runs/rdm.h5" --set train.k=3
expect_bad "measure.at" "$work/s/runs/rdm.h5" --set measure.at=some
expect_bad "nothing.h5" "$work/nothing.h5"
echo "not hdf5" > "$work/junk.h5"
expect_bad "junk.h5" "$work/junk.h5"
# Under mpirun: every rank exits 2, one line from rank 0, no hang.
set +e
timeout 60 "$mpiexec" -n 2 "$shortrun" measure "$work/junk.h5" > "$work/out" 2> "$work/err"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "mpirun measure junk.h5: exit $rc, expected 2"
[[ $(grep -c "junk.h5" "$work/err") -eq 1 ]] || fail "mpirun measure junk.h5: $(cat "$work/err")"
echo "measure.sh: all checks passed"
