"""Benchmark: the batched Monte Carlo against a loop of library fits of the same estimators.

Not a test: it prints timings. Usage (from the project root)::

    .venv/bin/python scripts/bench_montecarlo.py [--reps 2000] [--loop-reps 20]

1. Times the **full batched study** of the paper's 12 x 6 design for
   ``--reps`` i.i.d. replications: simulation; the six estimators of the ESG
   equation; the three ESG -> risk 2SLS variants with both first-stage F
   flavours and Anderson-Rubin sets; the FE-IV first stages; Poisson FE; the
   3SLS system; and the restricted wild cluster bootstrap of the firm-FE coefficient under two
   nulls with 4,096 enumerated Rademacher and 1,999 Webb weight vectors.
2. Times the same estimators with the libraries one replication at a time
   (linearmodels PooledOLS, PanelOLS with firm and with firm and year
   effects, IV2SLS for every IV variant and for the first stages, IV3SLS
   through chapter 5's ``fit_system_3sls``; statsmodels GLM for Poisson FE)
   on the first ``--loop-reps`` replications, and
   extrapolates per replication to ``--reps``.
3. Checks that both give the same coefficients and standard errors on the
   timed subset (largest relative difference; the equality to 1e-8 is
   asserted in ``tests/test_montecarlo.py``).
4. Prints the machine's load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from esgrisk import montecarlo as mc  # noqa: E402
from esgrisk.simulate import DEFAULT_SEED, PARAMS  # noqa: E402

CONTROLS = ["log_assets", "revenue_growth", "cr4", "reg_strength"]
TWO_CONTROLS = [c for c in CONTROLS if c not in mc.YEAR_LEVEL]


def frames(batch: dict[str, np.ndarray], n: int) -> list[pd.DataFrame]:
    """The first ``n`` replications as long data frames with firm/year columns."""
    return mc.batch_to_frames(batch, n)


def _demean(df: pd.DataFrame, cols, by=("firm",)) -> pd.DataFrame:
    out = df[cols].astype(float)
    for key in by:
        out = out - out.groupby(df[key]).transform("mean")
    return out


def library_fits(df: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The batched study's estimators, one library call each; returns (coefficient, SE) of the first regressor.

    Each call follows the book's K rule (BOARD decision 1) so that the SEs are
    comparable: demeaned data with ``debiased=True`` count the slopes only,
    the constant is added where the chapters report it, year dummies are
    counted.
    """
    import statsmodels.api as sm
    from linearmodels import IV2SLS, PanelOLS, PooledOLS

    out: dict[str, tuple[float, float]] = {}
    clustered = dict(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    idx = df.set_index(["firm", "year"])
    rhs = " + ".join(mc.ESG_REGRESSORS)
    clusters = pd.factorize(df["firm"])[0]
    cl = dict(cov_type="clustered", clusters=clusters, debiased=True)

    def first(res, name):
        return float(res.params[name]), float(res.std_errors[name])

    out["pooled_ols"] = first(PooledOLS.from_formula(f"esg ~ 1 + {rhs}", idx).fit(**clustered), "risk_events")
    out["firm_fe"] = first(PanelOLS.from_formula(f"esg ~ 1 + {rhs} + EntityEffects", idx).fit(**clustered),
                           "risk_events")
    two_rhs = " + ".join(["risk_events", *TWO_CONTROLS])
    tw = PanelOLS.from_formula(f"esg ~ 1 + {two_rhs} + EntityEffects + TimeEffects", idx).fit(**clustered)
    g, t, n = df["firm"].nunique(), df["year"].nunique(), len(df)
    k_rule = mc.cluster_k(1 + len(TWO_CONTROLS), constant=True, n_time_effects=t - 1)
    b, se = first(tw, "risk_events")
    out["twoway_fe"] = (b, se * np.sqrt((n - k_rule - g + 1) / (n - k_rule)))   # PanelOLS counts G-1 more
    # FE-IV of the ESG equation: firm-demeaned data, slopes counted (no constant reported)
    d1 = _demean(df, ["esg", "risk_events", "region_incidents", *CONTROLS])
    res = IV2SLS(d1["esg"], d1[CONTROLS], d1[["risk_events"]], d1[["region_incidents"]]).fit(**cl)
    out["fe_iv"] = first(res, "risk_events")
    res = IV2SLS(df["esg"], df[CONTROLS].assign(const=1.0), df[["risk_events"]], df[["region_incidents"]]).fit(**cl)
    out["pooled_2sls"] = first(res, "risk_events")
    d2 = _demean(df, ["esg", "risk_events", "region_incidents", *TWO_CONTROLS], ("firm", "year"))
    res = IV2SLS(d2["esg"], d2[TWO_CONTROLS], d2[["risk_events"]], d2[["region_incidents"]]).fit(**cl,
                                                                                                 extra_df=t - 1)
    out["twoway_fe_iv"] = first(res, "risk_events")
    # first stages of the FE-IV (classical with firm dummies, cluster-robust), as chapter 4 computes them
    fs = IV2SLS(d1["risk_events"], d1[["region_incidents", *CONTROLS]], None, None)
    out["fe_iv:f_classical"] = (float(fs.fit(cov_type="unadjusted", debiased=True, extra_df=g).tstats.iloc[0] ** 2),
                                0.0)
    out["fe_iv:f_cluster"] = (float(fs.fit(**cl).tstats.iloc[0] ** 2), 0.0)
    # ESG -> risk: leave-one-out and inclusive industry means, with and without year effects
    total = df.groupby("year")["esg"].transform("sum")
    data = df.assign(loo=(total - df["esg"]) / (g - 1), inclusive=total / g)
    exog = list(mc.RISK_EXOG)
    for name, (inst, year) in mc.ESG_TO_RISK_VARIANTS.items():
        ex = [v for v in exog if not (year and v in mc.YEAR_LEVEL)]
        dm = _demean(data, ["risk_events", "esg", inst, *ex], ("firm", "year") if year else ("firm",))
        res = IV2SLS(dm["risk_events"], dm[ex], dm[["esg"]], dm[[inst]]).fit(**cl, extra_df=t - 1 if year else 0)
        out[name] = first(res, "esg")
        if not year:
            fs = IV2SLS(dm["esg"], dm[[inst, *ex]], None, None)
            out[f"{name}:f_classical"] = (float(fs.fit(cov_type="unadjusted", debiased=True,
                                                       extra_df=g).tstats[inst] ** 2), 0.0)
            out[f"{name}:f_cluster"] = (float(fs.fit(**cl).tstats[inst] ** 2), 0.0)
            ar = IV2SLS(dm["risk_events"] - PARAMS.gamma * dm["esg"], dm[[inst, *ex]], None, None).fit(**cl)
            out[f"{name}:ar_at_truth"] = (float(ar.tstats[inst] ** 2), 0.0)
    # Poisson FE: statsmodels GLM with firm dummies, clustered, G/(G-1)
    regs = list(mc.POISSON_REGRESSORS)
    x = pd.concat([df[regs].astype(float), pd.get_dummies(df["firm"], dtype=float)], axis=1)
    pois = sm.GLM(df["risk_events"].astype(float), x, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": clusters, "use_correction": False})
    out["poisson_fe"] = (float(pois.params["esg"]), float(pois.bse["esg"] * np.sqrt(g / (g - 1))))
    from esgrisk import system as sy

    system = sy.fit_system_3sls(df)
    out["system_3sls"] = (system.gamma, float(system.std_errors["risk_events.esg"]))
    return out


def batched_fits(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The batched estimators: (coefficient, SE) arrays keyed as :func:`library_fits`."""
    fits = mc.fit_all(batch)
    out = {name: np.column_stack([fits[name].params[:, 0], fits[name].std_errors[:, 0]]) for name in mc.ESTIMATORS}
    d = mc.fe_iv_design(batch, False)
    out["fe_iv:f_classical"] = np.column_stack([d.f_classical, np.zeros_like(d.f_classical)])
    out["fe_iv:f_cluster"] = np.column_stack([d.f_cluster, np.zeros_like(d.f_cluster)])
    for name, (inst, year) in mc.ESG_TO_RISK_VARIANTS.items():
        d = mc.esg_to_risk_batch(batch, inst, year)
        out[name] = np.column_stack([d.fit.params[:, 0], d.fit.std_errors[:, 0]])
        if not year:
            z = np.zeros_like(d.f_cluster)
            out[f"{name}:f_classical"] = np.column_stack([d.f_classical, z])
            out[f"{name}:f_cluster"] = np.column_stack([d.f_cluster, z])
            out[f"{name}:ar_covers_truth"] = np.column_stack([d.ar_covers(PARAMS.gamma), z])
    pois = mc.poisson_fe_batch(batch)
    out["poisson_fe"] = np.column_stack([pois.params[:, 0], pois.std_errors[:, 0]])
    fit_r, _ = mc.system_3sls_batch(batch)
    out["system_3sls"] = np.column_stack([fit_r.params[:, 0], fit_r.std_errors[:, 0]])
    return out


def full_study(batch: dict[str, np.ndarray], seed: int) -> None:
    """Everything chapter 8 computes in batch at one design: all estimators, F's, AR sets, two bootstraps."""
    mc.study_batch(batch)
    y = mc.within(batch["esg"])
    x = mc.within(np.stack([batch[v] for v in mc.ESG_REGRESSORS], axis=-1))
    k = mc.cluster_k(x.shape[-1], constant=True)
    rng = np.random.default_rng(seed)
    for weights in (mc.rademacher_weights(12), mc.webb_weights(12, mc.WEBB_DRAWS, rng)):
        for null in (PARAMS.beta, 0.0):
            mc.wild_cluster_pvalue(y, x, 0, null, weights, k_df=k)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--loop-reps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    load_before = os.getloadavg()

    full_study(mc.simulate_batch(4, 12, 6, 0), 0)     # warm-up (imports, BLAS threads)
    t0 = time.perf_counter()
    batch = mc.simulate_batch(args.reps, 12, 6, args.seed)
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    full_study(batch, args.seed)
    t_full = time.perf_counter() - t0 + t_sim

    t0 = time.perf_counter()
    vec = batched_fits(batch)
    t_vec = time.perf_counter() - t0

    n_loop = min(args.loop_reps, args.reps)
    dfs = frames(batch, n_loop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library_fits(dfs[0])  # warm-up
        t0 = time.perf_counter()
        loop = [library_fits(df) for df in dfs]
        t_loop = time.perf_counter() - t0
    worst = {}
    for key in loop[0]:
        if key.endswith(":ar_at_truth"):
            continue
        lib = np.array([row[key] for row in loop])
        mine = vec[key][:n_loop]
        worst[key] = float(np.max(np.abs(lib - mine) / np.maximum(np.abs(lib), 1e-300)))
    ar_key = [k for k in loop[0] if k.endswith(":ar_at_truth")]
    crit = stats.f.ppf(0.95, 1, 11)
    ar_agree = all(bool(vec[k.replace("ar_at_truth", "ar_covers_truth")][i, 0]) == (loop[i][k][0] <= crit)
                   for k in ar_key for i in range(n_loop))

    per_loop = t_loop / n_loop
    loop_full = per_loop * args.reps
    load_after = os.getloadavg()
    estimators = [k for k in vec if ":" not in k]
    print(f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) before {load_before[0]:.2f}, "
          f"{load_before[1]:.2f}, {load_before[2]:.2f}; after {load_after[0]:.2f}, {load_after[1]:.2f}, "
          f"{load_after[2]:.2f}")
    print(f"design: 12 firms x 6 years, {args.reps} i.i.d. replications; {len(estimators)} batched estimators "
          f"({', '.join(estimators)}) plus first-stage F's and Anderson-Rubin sets")
    print(f"simulation: {t_sim:.2f} s")
    print(f"full batched study (simulation, every batched estimator, F's, AR sets, wild cluster bootstrap with "
          f"4,096 Rademacher and {mc.WEBB_DRAWS:,} Webb weights under two nulls): {t_full:.2f} s")
    print(f"batched estimators alone: {t_vec:.2f} s ({1e3 * t_vec / args.reps:.3f} ms per replication)")
    print(f"library loop of the same estimators, timed on {n_loop} replications: {t_loop:.2f} s "
          f"({1e3 * per_loop:.1f} ms per replication); extrapolated to {args.reps}: {loop_full:.1f} s")
    print(f"ratio (library loop / batched estimators): {loop_full / t_vec:.0f}x; "
          f"(library loop / full batched study incl. simulation and bootstrap): {loop_full / t_full:.1f}x")
    print("largest relative difference, batched vs library, on the timed subset:")
    for key, value in worst.items():
        print(f"  {key:24s} {value:.1e}")
    print(f"Anderson-Rubin set covers the truth: same decision in every timed replication: {ar_agree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
