"""Benchmark: the vectorised Monte Carlo against a loop of linearmodels fits.

Not a test: it prints timings. Usage (from the project root)::

    .venv/bin/python scripts/bench_montecarlo.py [--reps 2000] [--loop-reps 40] [--seed 20250601]

1. Draws ``--reps`` replications of the paper's 12 x 6 design from the
   calibrated simulation.
2. Times :func:`esgrisk.montecarlo.fit_all` (five estimators, clustered SEs)
   on all of them.
3. Times the same five fits with linearmodels (PooledOLS, PanelOLS with firm
   effects, IV2SLS with firm dummies, pooled IV2SLS, IV2SLS with firm and
   year dummies) on the first ``--loop-reps`` replications only, and
   extrapolates per replication to ``--reps`` (the loop is too slow to run in
   full); data frames are built before the clock starts.
4. Checks that both give the same risk coefficients on the timed subset
   (relative difference; weak-instrument pooled 2SLS draws can be in the thousands).
5. Times the whole 12 x 6 study for ``--reps`` replications: simulation, all
   estimators, and the wild cluster bootstrap (4,096 enumerated weights) of
   the firm-FE coefficient under two nulls.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from esgrisk import montecarlo as mc  # noqa: E402
from esgrisk.simulate import DEFAULT_SEED, PARAMS  # noqa: E402

CONTROLS = ["log_assets", "revenue_growth", "cr4", "reg_strength"]


def frames(batch: dict[str, np.ndarray], n: int) -> list[pd.DataFrame]:
    """The first ``n`` replications as long data frames with firm/year columns."""
    _, g, t = batch["esg"].shape
    firm = np.repeat([f"F{i:04d}" for i in range(g)], t)
    year = np.tile(np.arange(2018, 2018 + t), g)
    return [pd.DataFrame({"firm": firm, "year": year, **{k: v[r].ravel() for k, v in batch.items()}})
            for r in range(n)]


def linearmodels_fits(df: pd.DataFrame) -> list[float]:
    """The five estimators with linearmodels; returns the risk coefficients."""
    from linearmodels import IV2SLS, PanelOLS, PooledOLS

    clustered = dict(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    idx = df.set_index(["firm", "year"])
    rhs = " + ".join(mc.ESG_REGRESSORS)
    pooled = PooledOLS.from_formula(f"esg ~ 1 + {rhs}", idx).fit(**clustered)
    fe = PanelOLS.from_formula(f"esg ~ 1 + {rhs} + EntityEffects", idx).fit(**clustered)
    clusters = pd.factorize(df["firm"])[0]
    firm_d = pd.get_dummies(df["firm"], dtype=float)
    year_d = pd.get_dummies(df["year"], dtype=float, drop_first=True)
    two_controls = [c for c in CONTROLS if c not in mc.YEAR_LEVEL]
    out = [pooled.params["risk_events"], fe.params["risk_events"]]
    for exog in (pd.concat([df[CONTROLS], firm_d], axis=1),
                 df[CONTROLS].assign(const=1.0),
                 pd.concat([df[two_controls], firm_d, year_d], axis=1)):
        res = IV2SLS(df["esg"], exog, df[["risk_events"]], df[["region_incidents"]]).fit(
            cov_type="clustered", clusters=clusters, debiased=True)
        out.append(res.params["risk_events"])
    # order as mc.ESTIMATORS: pooled_ols, firm_fe, fe_iv, pooled_2sls, twoway_fe_iv
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--loop-reps", type=int, default=40)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    batch = mc.simulate_batch(args.reps, 12, 6, args.seed)
    t_sim = time.perf_counter() - t0

    mc.fit_all({k: v[:2] for k, v in batch.items()})  # warm-up (imports, BLAS threads)
    t0 = time.perf_counter()
    fits = mc.fit_all(batch)
    t_vec = time.perf_counter() - t0

    n_loop = min(args.loop_reps, args.reps)
    dfs = frames(batch, n_loop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linearmodels_fits(dfs[0])  # warm-up
        t0 = time.perf_counter()
        loop = np.array([linearmodels_fits(df) for df in dfs])
        t_loop = time.perf_counter() - t0
    vec = np.column_stack([fits[name].params[:n_loop, 0] for name in mc.ESTIMATORS])
    max_rel = float(np.max(np.abs(loop - vec) / np.maximum(1.0, np.abs(loop))))

    per_loop = t_loop / n_loop
    per_vec = t_vec / args.reps
    loop_full = per_loop * args.reps

    t0 = time.perf_counter()
    batch2 = mc.simulate_batch(args.reps, 12, 6, args.seed + 1)
    fits2 = mc.fit_all(batch2)
    y = mc.within(batch2["esg"])
    x = mc.within(np.stack([batch2[v] for v in mc.ESG_REGRESSORS], axis=-1))
    weights = mc.rademacher_weights(12)
    p_true = mc.wild_cluster_pvalue(y, x, 0, PARAMS.beta, weights, k_df=x.shape[-1] + 1)
    p_zero = mc.wild_cluster_pvalue(y, x, 0, 0.0, weights, k_df=x.shape[-1] + 1)
    t_full = time.perf_counter() - t0
    assert fits2["firm_fe"].params.shape[0] == p_true.size == p_zero.size == args.reps

    print(f"design: 12 firms x 6 years, {len(mc.ESTIMATORS)} estimators ({', '.join(mc.ESTIMATORS)})")
    print(f"simulation of {args.reps} replications: {t_sim:.2f} s")
    print(f"vectorised fits, {args.reps} replications: {t_vec:.3f} s ({1e3 * per_vec:.3f} ms per replication)")
    print(f"linearmodels loop, timed on {n_loop} replications: {t_loop:.2f} s "
          f"({1e3 * per_loop:.1f} ms per replication); extrapolated to {args.reps}: {loop_full:.1f} s")
    print(f"speed-up (linearmodels loop / vectorised, per replication): {per_loop / per_vec:.0f}x")
    print(f"largest difference of the risk coefficient between the two on the timed subset "
          f"(relative to max(1, |coef|)): {max_rel:.1e}")
    print(f"whole study of {args.reps} replications (simulation + all estimators + wild cluster "
          f"bootstrap with 4,096 weights under two nulls): {t_full:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
