"""Monte Carlo of the paper's design: what a 12-firm, 6-year panel can show.

Every replication is a balanced panel, so a batch of ``R`` replications of a
``G`` firms x ``T`` years design is held as arrays of shape ``(R, G, T)``
(regressors: ``(R, G, T, k)``). The estimators below work on whole batches at
once with NumPy (batched ``matmul`` and ``solve``), which is what makes
thousands of replications cheap; ``tests/test_montecarlo.py`` checks them
against linearmodels on the same samples to 1e-8.

Conventions (the same as Stata's ``xtreg, fe vce(cluster firm)``):

* standard errors are clustered by firm with the CR1 factor
  ``G/(G-1) * (N-1)/(N-K)``; ``K`` is passed as ``k_df`` (for the within
  estimator: slopes + 1, the firm effects being nested in the clusters);
* tests and intervals use ``t(G-1)`` critical values.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

#: regressors of the paper's ESG equation (Table 2), endogenous one first
ESG_REGRESSORS = ("risk_events", "log_assets", "revenue_growth", "cr4", "reg_strength")
#: the estimators compared in the Monte Carlo, in display order
ESTIMATORS = ("pooled_ols", "firm_fe", "fe_iv", "pooled_2sls", "twoway_fe_iv")
ESTIMATOR_LABELS = {
    "pooled_ols": "Pooled OLS",
    "firm_fe": "Firm FE",
    "fe_iv": "FE-IV (firm effects)",
    "pooled_2sls": "Pooled 2SLS",
    "twoway_fe_iv": "FE-IV (firm and year effects)",
}
#: regressors that vary by year only (absorbed by year effects)
YEAR_LEVEL = ("cr4",)
#: relative tolerance under which a bootstrap |t*| counts as a tie with |t|
TIE_RTOL = 1e-9
#: bootstrap weight vectors processed at once (keeps BLAS products small)
WEIGHT_BLOCK = 256


# ---------------------------------------------------------------------------
# Batched estimators
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchFit:
    """Estimates for a batch of ``R`` regressions with ``k`` coefficients.

    ``params`` and ``std_errors`` have shape ``(R, k)``; ``n_clusters`` and
    ``nobs`` are the same for every replication of a balanced design.
    """

    params: np.ndarray
    std_errors: np.ndarray
    cov: np.ndarray
    n_clusters: int
    nobs: int

    def tstat(self, j: int = 0, null: float = 0.0) -> np.ndarray:
        """t statistic of coefficient ``j`` against ``null`` (shape ``(R,)``)."""
        return (self.params[:, j] - null) / self.std_errors[:, j]

    def reject(self, j: int = 0, null: float = 0.0, level: float = 0.05) -> np.ndarray:
        """Two-sided rejection of ``beta_j = null`` with ``t(G-1)`` critical values."""
        crit = stats.t.ppf(1 - level / 2, self.n_clusters - 1)
        return np.abs(self.tstat(j, null)) > crit


def within(a: np.ndarray) -> np.ndarray:
    """Subtract each firm's mean over years (axis 2 of ``(R, G, T, ...)``)."""
    return a - a.mean(axis=2, keepdims=True)


def within_twoway(a: np.ndarray) -> np.ndarray:
    """Remove firm and year means of a balanced ``(R, G, T, ...)`` batch (exact when balanced)."""
    return a - a.mean(axis=2, keepdims=True) - a.mean(axis=1, keepdims=True) + a.mean(axis=(1, 2), keepdims=True)


def add_constant(x: np.ndarray) -> np.ndarray:
    """Append a column of ones to regressors of shape ``(R, G, T, k)``."""
    return np.concatenate([x, np.ones(x.shape[:-1] + (1,))], axis=-1)


def _cluster_cov(design: np.ndarray, resid: np.ndarray, bread: np.ndarray, k_df: int) -> np.ndarray:
    """CR1 cluster-robust covariance; ``design`` is ``(R, G, T, k)``, clusters on axis 1."""
    _, g, t, _ = design.shape
    n = g * t
    scores = np.sum(design * resid[..., None], axis=2)          # (R, G, k)
    meat = np.swapaxes(scores, 1, 2) @ scores
    factor = g / (g - 1) * (n - 1) / (n - k_df)
    cov = factor * bread @ meat @ bread
    return (cov + np.swapaxes(cov, 1, 2)) / 2


def _diag(cov: np.ndarray) -> np.ndarray:
    return np.diagonal(cov, axis1=1, axis2=2)


def _xty(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Batched ``x'y`` for ``x`` ``(R, n, k)`` and ``y`` ``(R, n)`` or ``(R, n, m)``."""
    if y.ndim == 2:
        return (np.swapaxes(x, 1, 2) @ y[..., None])[..., 0]
    return np.swapaxes(x, 1, 2) @ y


def _xb(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``x @ b`` for ``x`` ``(R, n, k)`` and ``b`` ``(R, k)``."""
    return (x @ b[..., None])[..., 0]


def ols_batch(y: np.ndarray, x: np.ndarray, k_df: int | None = None) -> BatchFit:
    """OLS of ``y`` (``(R, G, T)``) on ``x`` (``(R, G, T, k)``), firm-clustered CR1 errors.

    ``k_df`` is the ``K`` of the small-sample factor (default: ``k``). For the
    within estimator pass demeaned data and ``k_df = k + 1`` (Stata's and
    linearmodels' count with firm effects nested in the clusters).
    """
    r, g, t, k = x.shape
    xf = x.reshape(r, g * t, k)
    yf = y.reshape(r, g * t)
    bread = np.linalg.inv(_xty(xf, xf))
    beta = (bread @ _xty(xf, yf)[..., None])[..., 0]
    resid = (yf - _xb(xf, beta)).reshape(r, g, t)
    cov = _cluster_cov(x, resid, bread, k if k_df is None else k_df)
    return BatchFit(beta, np.sqrt(_diag(cov)), cov, g, g * t)


def iv_batch(y: np.ndarray, x: np.ndarray, z: np.ndarray, k_df: int | None = None) -> BatchFit:
    """2SLS of ``y`` on ``x`` with instruments ``z`` (exogenous regressors in both).

    Shapes: ``y`` ``(R, G, T)``, ``x`` ``(R, G, T, k)``, ``z`` ``(R, G, T, m)``
    with ``m >= k``. Firm-clustered CR1 errors built from the fitted
    regressors, as linearmodels' ``IV2SLS`` does (``k_df`` as in :func:`ols_batch`).
    """
    r, g, t, k = x.shape
    m = z.shape[-1]
    xf = x.reshape(r, g * t, k)
    zf = z.reshape(r, g * t, m)
    yf = y.reshape(r, g * t)
    pi = np.linalg.solve(_xty(zf, zf), _xty(zf, xf))   # first-stage coefficients (R, m, k)
    xhat = zf @ pi
    beta = np.linalg.solve(_xty(xhat, xf), _xty(xhat, yf)[..., None])[..., 0]
    resid = (yf - _xb(xf, beta)).reshape(r, g, t)
    bread = np.linalg.inv(_xty(xhat, xhat))
    cov = _cluster_cov(xhat.reshape(r, g, t, k), resid, bread, k if k_df is None else k_df)
    return BatchFit(beta, np.sqrt(_diag(cov)), cov, g, g * t)


def _cluster_crossproducts(w: np.ndarray) -> np.ndarray:
    """Per-firm cross-product matrices ``W_g'W_g`` of ``w`` ``(R, G, T, p)``: shape ``(R, G, p, p)``."""
    return np.swapaxes(w, 2, 3) @ w


def _ols_cp(c: np.ndarray, iy: int, ix: Sequence[int], n_time: int, k_df: int) -> BatchFit:
    """OLS from per-cluster cross products ``c`` ``(R, G, p, p)`` (columns ``ix`` on column ``iy``)."""
    _, g, _, _ = c.shape
    ix = list(ix)
    total = c.sum(axis=1)
    bread = np.linalg.inv(total[:, ix][:, :, ix])
    beta = (bread @ total[:, ix, iy][..., None])[..., 0]
    scores = c[:, :, ix, iy] - (c[:, :, ix][:, :, :, ix] @ beta[:, None, :, None])[..., 0]
    return _fit_from_scores(beta, bread, scores, g, n_time, k_df)


def _iv_cp(c: np.ndarray, iy: int, ix: Sequence[int], iz: Sequence[int], n_time: int, k_df: int) -> BatchFit:
    """2SLS from per-cluster cross products (regressors ``ix``, instruments ``iz``)."""
    _, g, _, _ = c.shape
    ix, iz = list(ix), list(iz)
    total = c.sum(axis=1)
    szz = total[:, iz][:, :, iz]
    szx = total[:, iz][:, :, ix]
    pi = np.linalg.solve(szz, szx)                                   # first stage (R, m, k)
    pit = np.swapaxes(pi, 1, 2)
    xhx = pit @ szx                                                  # Xhat'X = Xhat'Xhat
    beta = np.linalg.solve(xhx, (pit @ total[:, iz, iy][..., None]))[..., 0]
    zu = c[:, :, iz, iy] - (c[:, :, iz][:, :, :, ix] @ beta[:, None, :, None])[..., 0]   # Z_g'u_g
    scores = (pit[:, None] @ zu[..., None])[..., 0]                 # Xhat_g'u_g
    bread = np.linalg.inv(xhx)
    return _fit_from_scores(beta, bread, scores, g, n_time, k_df)


def _fit_from_scores(beta, bread, scores, g, n_time, k_df) -> BatchFit:
    n = g * n_time
    meat = np.swapaxes(scores, 1, 2) @ scores
    cov = g / (g - 1) * (n - 1) / (n - k_df) * bread @ meat @ bread
    cov = (cov + np.swapaxes(cov, 1, 2)) / 2
    return BatchFit(beta, np.sqrt(_diag(cov)), cov, g, n)


def fit_all(batch: Mapping[str, np.ndarray], regressors: Sequence[str] = ESG_REGRESSORS,
            dependent: str = "esg", instrument: str = "region_incidents") -> dict[str, BatchFit]:
    """Fit the five estimators of the ESG equation on a batch of panels.

    ``batch`` maps variable names to ``(R, G, T)`` arrays. The first regressor
    is the endogenous one; ``instrument`` replaces it in the instrument set.
    Coefficient 0 of every fit is the effect of the first regressor.

    * ``pooled_ols``: OLS with a constant (K = k + 1);
    * ``firm_fe``: within estimator (K = k + 1, as ``xtreg, fe``);
    * ``fe_iv``: just-identified 2SLS on firm-demeaned data (K = k + 1);
    * ``pooled_2sls``: 2SLS with a constant, no firm effects (K = k + 1);
    * ``twoway_fe_iv``: 2SLS on firm- and year-demeaned data, without the
      year-level regressors in :data:`YEAR_LEVEL` that year effects absorb
      (K = k' + T: slopes, year effects and the constant; firm effects are
      nested in the clusters).

    Every estimator and its clustered covariance is a function of per-firm
    cross-product matrices, so the data are passed over three times (raw,
    firm-demeaned, two-way demeaned) whatever the number of estimators; the
    results equal :func:`ols_batch` / :func:`iv_batch` on the same data.
    """
    names = [dependent, *regressors, instrument]
    w = np.stack([batch[v] for v in names], axis=-1)
    r, g, t, _ = w.shape
    k = len(regressors)
    iy, ix, inst = 0, list(range(1, k + 1)), k + 1
    iz = [inst, *ix[1:]]
    const = k + 2
    raw = _cluster_crossproducts(np.concatenate([w, np.ones((r, g, t, 1))], axis=-1))
    wf = w - w.mean(axis=2, keepdims=True)
    cf = _cluster_crossproducts(wf)
    w2 = wf - wf.mean(axis=1, keepdims=True)
    c2 = _cluster_crossproducts(w2)
    keep = [i for i, v in zip(ix, regressors, strict=True) if v not in YEAR_LEVEL]
    return {
        "pooled_ols": _ols_cp(raw, iy, [*ix, const], t, k + 1),
        "firm_fe": _ols_cp(cf, iy, ix, t, k + 1),
        "fe_iv": _iv_cp(cf, iy, ix, iz, t, k + 1),
        "pooled_2sls": _iv_cp(raw, iy, [*ix, const], [*iz, const], t, k + 1),
        "twoway_fe_iv": _iv_cp(c2, iy, keep, [inst, *keep[1:]], t, len(keep) + t),
    }


def fit_all_chunked(batch: Mapping[str, np.ndarray], max_rows: int = 100_000, **kwargs) -> dict[str, BatchFit]:
    """:func:`fit_all` over slices of replications of at most ``max_rows`` firm-years each.

    Same results as one call; keeps the temporaries of large designs (1,000
    firms) small enough to stay in cache, which is several times faster.
    """
    first = next(iter(batch.values()))
    n_reps, g, t = first.shape
    step = max(1, max_rows // (g * t))
    parts = [fit_all({k: v[i:i + step] for k, v in batch.items()}, **kwargs) for i in range(0, n_reps, step)]
    return {name: BatchFit(np.concatenate([p[name].params for p in parts]),
                           np.concatenate([p[name].std_errors for p in parts]),
                           np.concatenate([p[name].cov for p in parts]), g, g * t)
            for name in parts[0]}


# ---------------------------------------------------------------------------
# Wild cluster bootstrap (restricted, WCR11, Rademacher weights)
# ---------------------------------------------------------------------------

MAX_ENUMERATED_WEIGHTS = 2 ** 14  # up to 14 clusters every sign pattern is used: exact and deterministic
RANDOM_WEIGHTS = 9999              # otherwise this many random patterns (B + 1 = 10,000)


def bootstrap_draws(n_clusters: int) -> int | None:
    """``n_boot`` for :func:`rademacher_weights`: None (enumerate all ``2**G``) when feasible, else a sample size."""
    return None if 2 ** n_clusters <= MAX_ENUMERATED_WEIGHTS else RANDOM_WEIGHTS


def rademacher_weights(n_clusters: int, n_boot: int | None = None,
                       rng: np.random.Generator | None = None) -> np.ndarray:
    """Rademacher weights, shape ``(G, B)``.

    With ``n_boot=None`` (or ``n_boot >= 2**G``) all ``2**G`` sign vectors are
    enumerated, in the order wildboottest uses, so the bootstrap is exact and
    deterministic (4,096 vectors for 12 firms).
    """
    if n_boot is None or n_boot >= 2 ** n_clusters:
        return np.array(list(itertools.product([-1.0, 1.0], repeat=n_clusters))).T
    if rng is None:
        raise ValueError("random Rademacher weights need a numpy Generator (rng)")
    return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot))


def wild_cluster_pvalue(y: np.ndarray, x: np.ndarray, j: int = 0, null: float = 0.0,
                        weights: np.ndarray | None = None, k_df: int | None = None,
                        chunk: int = 64) -> np.ndarray:
    """Restricted wild cluster bootstrap p-value (WCR11) of ``beta_j = null``, per replication.

    ``y`` ``(R, G, T)`` and ``x`` ``(R, G, T, k)`` (already demeaned for the
    within estimator; firm effects are nested in the clusters). Uses the
    closed form of Roodman et al. (2019): no regression is re-run per draw.
    The p-value is the share of bootstrap |t*| strictly above |t|, as in
    wildboottest; exact ties (within ``TIE_RTOL``) do not count. ``weights`` is ``(G, B)``,
    default all 2**G sign vectors.
    """
    r, g, t, k = x.shape
    if weights is None:
        weights = rademacher_weights(g)
    n_boot = weights.shape[1]
    n = g * t
    ssc = g / (g - 1) * (n - 1) / (n - (k if k_df is None else k_df))
    out = np.empty(r)
    for start in range(0, r, chunk):
        sl = slice(start, min(start + chunk, r))
        xs, ys = x[sl], y[sl]
        rr = xs.shape[0]
        xf = xs.reshape(rr, n, k)
        yf = ys.reshape(rr, n)
        inv = np.linalg.inv(_xty(xf, xf))
        # unrestricted t statistic with CR1 errors
        beta = (inv @ _xty(xf, yf)[..., None])[..., 0]
        resid = (yf - _xb(xf, beta)).reshape(rr, g, t)
        cov = _cluster_cov(xs, resid, inv, k if k_df is None else k_df)
        tstat = (beta[:, j] - null) / np.sqrt(cov[:, j, j])
        # restricted fit: beta_j = null imposed
        keep = [c for c in range(k) if c != j]
        y0 = yf - null * xf[:, :, j]
        x0 = xf[:, :, keep]
        b0 = np.linalg.solve(_xty(x0, x0), _xty(x0, y0)[..., None])[..., 0]
        u0 = (y0 - _xb(x0, b0)).reshape(rr, g, t)
        s = np.swapaxes(np.sum(xs * u0[..., None], axis=2), 1, 2)   # (rr, k, g): scores X_g'u_g
        a = inv[:, j, :]                                            # row j of (X'X)^-1, (rr, k)
        c = (a[:, None, :] @ s)[:, 0, :]                            # (rr, g)
        xgxg = np.swapaxes(xs, 2, 3) @ xs                           # (rr, g, k, k)
        a_xgxg = (a[:, None, None, :] @ xgxg)[:, :, 0, :]           # (rr, g, k): a' X_g'X_g
        h = a_xgxg @ (inv @ s)                                      # (rr, g, g)
        # bootstrap t statistics, a block of weight columns at a time: small
        # products stay single-threaded in BLAS, which is much faster on a
        # busy 2-core machine than one large threaded product
        exceed = np.zeros(rr)
        abs_t = np.abs(tstat)[:, None] * (1 + TIE_RTOL)
        for b0_ in range(0, n_boot, WEIGHT_BLOCK):
            wb = weights[:, b0_:b0_ + WEIGHT_BLOCK]
            numer = c @ wb                                           # (rr, b)
            z = c[:, :, None] * wb[None] - h @ wb                    # (rr, g, b)
            denom = ssc * np.einsum("rgb,rgb->rb", z, z)
            # |t*| equal to |t| (the all-ones and all-minus-ones weights
            # reproduce the sample exactly) count as ties, not as exceedances,
            # whatever the last bits of floating point say
            exceed += np.sum(np.abs(numer) / np.sqrt(denom) > abs_t, axis=1)
        out[sl] = exceed / n_boot
    return out


# ---------------------------------------------------------------------------
# Panels as batches
# ---------------------------------------------------------------------------

def frame_to_batch(panel: pd.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """One balanced panel (firm, year rows) as a batch of one: arrays ``(1, G, T)``."""
    df = panel.sort_values(["firm", "year"])
    g = df["firm"].nunique()
    t = df["year"].nunique()
    if g * t != len(df):
        raise ValueError(f"panel is not balanced: {len(df)} rows for {g} firms x {t} years")
    return {c: df[c].to_numpy(dtype=float).reshape(1, g, t) for c in columns}


def stack_frames(frames: Sequence[pd.DataFrame], columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Several balanced panels of one design as one batch ``(R, G, T)``."""
    parts = [frame_to_batch(f, columns) for f in frames]
    return {c: np.concatenate([p[c] for p in parts]) for c in columns}


def simulate_batch(n_reps: int, n_firms: int = 12, n_years: int = 6, seed: int | np.random.Generator = 0,
                   params=None, columns: Sequence[str] = ("esg", "region_incidents", *ESG_REGRESSORS)
                   ) -> dict[str, np.ndarray]:
    """``n_reps`` panels from the calibrated simulation, as arrays ``(R, G, T)``.

    Draws replication after replication from one ``numpy`` Generator (made
    from ``seed`` unless a Generator is passed), with
    :func:`esgrisk.simulate.simulate_arrays`, so the batch is deterministic.
    """
    from esgrisk.simulate import PARAMS, simulate_arrays

    params = PARAMS if params is None else params
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    out = {c: np.empty((n_reps, n_firms, n_years)) for c in columns}
    for r in range(n_reps):
        arr = simulate_arrays(n_firms, n_years, rng, params)
        for c in columns:
            out[c][r] = arr[c].reshape(n_firms, n_years)
    return out


# ---------------------------------------------------------------------------
# Summaries of a design
# ---------------------------------------------------------------------------

def summarize_fits(fits: Mapping[str, BatchFit], true: float, j: int = 0,
                   level: float = 0.05) -> pd.DataFrame:
    """Bias, spread and test behaviour of coefficient ``j`` for each estimator.

    Columns: ``mean``, ``bias`` (mean - true), ``median_bias``, ``sd``,
    ``rmse``, ``mae`` (median absolute error), ``mean_se`` (average clustered
    SE), ``coverage`` (share of 95 % intervals with ``t(G-1)`` critical values
    that contain the truth) and ``power`` (share rejecting ``beta = 0``).
    Just-identified IV estimators have no finite moments in small samples, so
    read their ``median_bias`` and ``mae`` rather than ``bias`` and ``rmse``.
    """
    rows = []
    for name, fit in fits.items():
        b = fit.params[:, j]
        err = b - true
        rows.append({
            "estimator": name,
            "mean": float(np.mean(b)),
            "bias": float(np.mean(err)),
            "median_bias": float(np.median(err)),
            "sd": float(np.std(b, ddof=1)),
            "rmse": float(np.sqrt(np.mean(err**2))),
            "mae": float(np.median(np.abs(err))),
            "mean_se": float(np.mean(fit.std_errors[:, j])),
            "coverage": float(1 - np.mean(fit.reject(j, true, level))),
            "power": float(np.mean(fit.reject(j, 0.0, level))),
            "n_reps": int(b.size),
        })
    return pd.DataFrame(rows)


def design_grid(n_reps: int, firms: Sequence[int] = (12, 50, 200, 1000), years: Sequence[int] = (6, 12),
                seed: int = 0, params=None, true: float | None = None,
                max_rows: int | None = None, min_reps: int = 40) -> pd.DataFrame:
    """:func:`summarize_fits` of the estimators for every (firms, years) design.

    Each design gets its own Generator spawned from ``seed`` (so adding a
    design does not change the others). ``max_rows`` caps the firm-years
    simulated per design (``n_reps * firms * years``) to bound the run time:
    large designs then get fewer replications (never fewer than
    ``min_reps``); the ``n_reps`` column says how many each design used.
    """
    from esgrisk.simulate import PARAMS

    params = PARAMS if params is None else params
    true = params.beta if true is None else true
    designs = [(g, t) for t in years for g in firms]
    children = np.random.SeedSequence(seed).spawn(len(designs))
    parts = []
    for (g, t), ss in zip(designs, children, strict=True):
        reps = n_reps if max_rows is None else min(n_reps, max(min_reps, max_rows // (g * t)))
        batch = simulate_batch(reps, g, t, np.random.default_rng(ss), params)
        summary = summarize_fits(fit_all_chunked(batch), true)
        summary.insert(0, "n_years", t)
        summary.insert(0, "n_firms", g)
        parts.append(summary)
    return pd.concat(parts, ignore_index=True)


#: parameters of the calibrated simulation that are shocks of the ESG equation
ESG_NOISE_FIELDS = ("sd_e", "sd_rating")


def scale_esg_noise(params, factor: float):
    """``params`` with every ESG-equation shock SD (:data:`ESG_NOISE_FIELDS`) multiplied by ``factor``."""
    from dataclasses import replace

    present = {f: getattr(params, f) * factor for f in ESG_NOISE_FIELDS if hasattr(params, f)}
    return replace(params, **present)


def scaled_noise_params(target_se: float, n_reps: int = 200, n_firms: int = 12, n_years: int = 6,
                        seed: int = 0, params=None):
    """Parameters for the inference study: risk exogenous (``gamma = 0``) and the
    ESG-equation shocks scaled so that the average firm-FE clustered SE of the
    risk coefficient on a pilot batch equals ``target_se`` (the paper's 0.23).

    The pilot batch is redrawn from the same ``seed`` for every trial factor,
    so the average SE is a smooth increasing function of the factor; secant
    steps hit the target to a relative ``1e-10``. Returns ``(params, factor)``.
    """
    from dataclasses import replace

    from esgrisk.simulate import PARAMS

    base = replace(PARAMS if params is None else params, gamma=0.0)

    def gap(factor: float) -> float:
        batch = simulate_batch(n_reps, n_firms, n_years, seed, scale_esg_noise(base, factor))
        return float(np.mean(fit_all(batch)["firm_fe"].std_errors[:, 0])) - target_se

    # the squared SE is close to linear in the squared factor: secant steps on that scale
    if gap(1e-3) > 0:
        raise ValueError(f"the SE exceeds {target_se} even without ESG shocks; cannot scale down to it")
    x0, x1 = 1.0, 0.25
    g0, g1 = gap(x0 ** 0.5), gap(x1 ** 0.5)
    for _ in range(50):
        if abs(g1) <= 1e-10 * target_se:
            break
        x0, x1 = x1, max(x1 - g1 * (x1 - x0) / (g1 - g0), 1e-8)
        g0, g1 = g1, gap(x1 ** 0.5)
    else:
        raise RuntimeError("scaling the ESG noise to the target SE did not converge")
    factor = x1 ** 0.5
    return scale_esg_noise(base, factor), factor


def inference_study(n_reps: int, params, n_firms: int = 12, n_years: int = 6, seed: int = 0,
                    level: float = 0.05, n_boot: int | None = None,
                    models: Sequence[str] = ("firm FE", "firm and year FE")) -> pd.DataFrame:
    """Size and power of three tests on the fixed-effects risk coefficient.

    Tests of ``beta = true`` (size) and ``beta = 0`` (power) with the
    firm-clustered CR1 t statistic against normal and ``t(G-1)`` critical
    values, and with the restricted wild cluster bootstrap (Rademacher,
    all ``2**G`` sign vectors when ``n_boot`` is None), for the firm-FE model
    (the paper's) and the model with firm and year effects (CR4 dropped, as
    year effects absorb it). Use ``params`` in which the FE estimator is
    unbiased (:func:`scaled_noise_params`), so the rejection rate at the truth
    measures the test, not the estimator's bias. Index: (model, rate).
    """
    rng = np.random.default_rng(seed)
    batch = simulate_batch(n_reps, n_firms, n_years, rng, params)
    x_all = np.stack([batch[v] for v in ESG_REGRESSORS], axis=-1)
    keep = [i for i, v in enumerate(ESG_REGRESSORS) if v not in YEAR_LEVEL]
    designs = {
        "firm FE": (within(batch["esg"]), within(x_all), len(ESG_REGRESSORS) + 1),
        "firm and year FE": (within_twoway(batch["esg"]), within_twoway(x_all[..., keep]), len(keep) + n_years),
    }
    weights = rademacher_weights(n_firms, n_boot, rng)
    crit_n = stats.norm.ppf(1 - level / 2)
    crit_t = stats.t.ppf(1 - level / 2, n_firms - 1)
    rows = []
    for model in models:
        y, x, k_df = designs[model]
        fit = ols_batch(y, x, k_df=k_df)
        for label, null in (("size (H0: beta = true)", params.beta), ("power (H0: beta = 0)", 0.0)):
            t = np.abs(fit.tstat(0, null))
            p_boot = wild_cluster_pvalue(y, x, 0, null, weights, k_df=k_df)
            rows.append({"model": model, "rate": label,
                         "clustered t, normal critical value": float(np.mean(t > crit_n)),
                         "clustered t, t(G-1) critical value": float(np.mean(t > crit_t)),
                         "wild cluster bootstrap": float(np.mean(p_boot < level))})
    return pd.DataFrame(rows).set_index(["model", "rate"])


def mc_standard_error(rate: float, n_reps: int) -> float:
    """Monte Carlo standard error of a rejection rate: sqrt(p(1-p)/R)."""
    return math.sqrt(rate * (1 - rate) / n_reps)


# ---------------------------------------------------------------------------
# Future work in simulation (1): a dynamic panel, Nickell bias
# ---------------------------------------------------------------------------

def simulate_dynamic_batch(n_reps: int, n_firms: int, n_years: int, rho: float,
                           rng: np.random.Generator, params=None, burn_in: int = 30) -> dict[str, np.ndarray]:
    """Panels from ``esg_it = rho esg_i,t-1 + beta risk_it + a_i + e_it``.

    A small variant of the calibrated model for the dynamic-panel question:
    ``risk_it = R_i + v_it`` is strictly exogenous (no feedback), with the
    firm risk levels ``R_i`` (log-normal) and ESG levels ``G_i`` of the
    calibrated simulation; ``a_i = (1 - rho) G_i - beta R_i`` puts each
    firm's long-run ESG at ``G_i``; the within SD of risk is
    ``sd_u / (1 - beta gamma)`` and the ESG shock SD is the combined SD of the
    ESG-equation shocks of :mod:`esgrisk.simulate` (:data:`ESG_NOISE_FIELDS`).
    ``burn_in`` years are discarded so the observed years start near the
    stationary distribution. Arrays are ``(R, G, T)``.
    """
    from esgrisk.simulate import PARAMS

    p = PARAMS if params is None else params
    s2 = math.log1p(p.risk_level_cv**2)
    z = rng.standard_normal((2, n_reps, n_firms, 1))
    r_i = np.exp(math.log(p.risk_level_mean) - s2 / 2 + math.sqrt(s2) * z[0])
    g_i = p.esg_level_mean + p.esg_level_sd * (p.corr_risk_esg * z[0] + math.sqrt(1 - p.corr_risk_esg**2) * z[1])
    a_i = (1 - rho) * g_i - p.beta * r_i
    total = burn_in + n_years
    sd_v = p.sd_u / (1 - p.beta * p.gamma)
    sd_esg = math.sqrt(sum(getattr(p, f) ** 2 for f in ESG_NOISE_FIELDS if hasattr(p, f)))
    risk = r_i + sd_v * rng.standard_normal((n_reps, n_firms, total))
    e = sd_esg * rng.standard_normal((n_reps, n_firms, total))
    esg = np.empty((n_reps, n_firms, total))
    prev = g_i[..., 0] + p.beta * (risk[..., 0] - r_i[..., 0])
    for t in range(total):
        prev = rho * prev + p.beta * risk[..., t] + a_i[..., 0] + e[..., t]
        esg[..., t] = prev
    keep = slice(burn_in, total)
    return {"esg": esg[..., keep], "risk_events": risk[..., keep]}


def dynamic_estimates(batch: Mapping[str, np.ndarray]) -> dict[str, BatchFit]:
    """Within (FE) and Anderson-Hsiao estimates of ``(rho, beta)`` in the dynamic panel.

    * ``fe_lagged``: within estimator of ``esg_t`` on ``esg_t-1`` and
      ``risk_t`` over years 2..T (Nickell-biased for fixed T);
    * ``anderson_hsiao``: first differences, ``d esg_t-1`` instrumented by
      ``esg_t-2`` (years 3..T), ``d risk_t`` its own instrument; consistent
      for fixed T as the number of firms grows.
    Firm-clustered CR1 errors (K = 2 + 1 for FE, 2 for AH).
    """
    esg, risk = batch["esg"], batch["risk_events"]
    y = esg[..., 1:]
    x = np.stack([esg[..., :-1], risk[..., 1:]], axis=-1)
    fe = ols_batch(within(y), within(x), k_df=3)
    dy = np.diff(esg, axis=2)                       # d esg_t for t = 2..T
    dr = np.diff(risk, axis=2)
    y_ah = dy[..., 1:]                              # t = 3..T
    x_ah = np.stack([dy[..., :-1], dr[..., 1:]], axis=-1)
    z_ah = np.stack([esg[..., :-2], dr[..., 1:]], axis=-1)
    ah = iv_batch(y_ah, x_ah, z_ah, k_df=2)
    return {"fe_lagged": fe, "anderson_hsiao": ah}


def nickell_approximation(rho: float, n_periods: int) -> float:
    """Nickell's (1981) large-T approximation of the within bias of rho: -(1 + rho)/(T - 1).

    ``n_periods`` is the number of years in the regression (observed years
    minus the one lost to the lag).
    """
    return -(1 + rho) / (n_periods - 1)


def dynamic_study(n_reps: int, designs: Sequence[tuple[int, int]] = ((12, 6), (200, 6), (12, 12), (200, 12)),
                  rho: float = 0.5, seed: int = 0, params=None) -> pd.DataFrame:
    """Bias and RMSE of rho and beta for the within and Anderson-Hsiao estimators."""
    from esgrisk.simulate import PARAMS

    p = PARAMS if params is None else params
    children = np.random.SeedSequence(seed).spawn(len(designs))
    rows = []
    for (g, t), ss in zip(designs, children, strict=True):
        fits = dynamic_estimates(simulate_dynamic_batch(n_reps, g, t, rho, np.random.default_rng(ss), p))
        for name, fit in fits.items():
            for j, (par, true) in enumerate((("rho", rho), ("beta", p.beta))):
                err = fit.params[:, j] - true
                rows.append({"n_firms": g, "n_years": t, "estimator": name, "parameter": par,
                             "true": true, "median_bias": float(np.median(err)), "bias": float(np.mean(err)),
                             "rmse": float(np.sqrt(np.mean(err**2))),
                             "coverage": float(1 - np.mean(fit.reject(j, true)))})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Future work in simulation (2): a threshold effect (Hansen 1999)
# ---------------------------------------------------------------------------

#: the threshold values searched (risk events per year; Table 1's range is 3-35)
THRESHOLD_CANDIDATES = tuple(float(c) for c in range(5, 31))
#: controls of the threshold model; CR4 is left out because the year effects absorb it
THRESHOLD_CONTROLS = ("log_assets", "revenue_growth", "reg_strength")


def threshold_batch(batch: Mapping[str, np.ndarray], gamma: float, beta_low: float, beta_high: float,
                    beta_linear: float) -> dict[str, np.ndarray]:
    """Rebuild ESG so that risk's slope is ``beta_low`` up to ``gamma`` events and ``beta_high`` above.

    ``batch`` comes from the calibrated simulation, where ESG is linear in risk
    with slope ``beta_linear`` and holds exactly, so the linear term is
    swapped for the regime-dependent one (Hansen's 1999 panel threshold model).
    """
    r = batch["risk_events"]
    out = dict(batch)
    out["esg"] = batch["esg"] - beta_linear * r + np.where(r <= gamma, beta_low, beta_high) * r
    return out


def threshold_fit(batch: Mapping[str, np.ndarray], candidates: Sequence[float],
                  controls: Sequence[str] = THRESHOLD_CONTROLS, trim: float = 0.10) -> dict[str, np.ndarray]:
    """Hansen's fixed-effects estimator of a single threshold, by grid search over ``candidates``.

    For each candidate ``c`` ESG is regressed on ``risk * 1(risk <= c)``,
    ``risk * 1(risk > c)`` and the controls with firm and year effects (the
    year effects keep industry-wide yearly shocks out of the comparison); the
    estimate minimises the residual sum of squares among candidates that
    leave at least ``trim`` of the observations in each regime. Returns the
    threshold, both slopes, the slope difference and its firm-clustered SE
    *conditional on the estimated threshold* (too small: it ignores the search).
    """
    r = batch["risk_events"]
    n_reps, g, t = r.shape
    y = within_twoway(batch["esg"]).reshape(n_reps, g * t)
    ctrl = within_twoway(np.stack([batch[c] for c in controls], axis=-1))
    k = 2 + ctrl.shape[-1]
    cand = np.asarray(candidates, dtype=float)
    share_low = np.mean(r[..., None] <= cand, axis=(1, 2))            # (R, C)
    best_ssr = np.full(n_reps, np.inf)
    best = np.full(n_reps, -1)
    for ci, c in enumerate(cand):
        ok = (share_low[:, ci] >= trim) & (share_low[:, ci] <= 1 - trim)
        if not ok.any():
            continue
        low = r[ok] <= c
        regimes = within_twoway(np.stack([r[ok] * low, r[ok] * ~low], axis=-1))
        x = np.concatenate([regimes, ctrl[ok]], axis=-1).reshape(-1, g * t, k)
        xtx = _xty(x, x)
        ok_idx = np.flatnonzero(ok)
        # a regime without within variation leaves X'X singular: skip those replications
        fine = np.linalg.det(xtx / g / t) > 1e-12 * np.prod(np.diagonal(xtx / g / t, axis1=1, axis2=2), axis=1)
        if not fine.any():
            continue
        beta = np.linalg.solve(xtx[fine], _xty(x[fine], y[ok_idx[fine]])[..., None])[..., 0]
        ssr = np.sum((y[ok_idx[fine]] - _xb(x[fine], beta)) ** 2, axis=1)
        idx = ok_idx[fine]
        better = ssr < best_ssr[idx]
        best_ssr[idx[better]] = ssr[better]
        best[idx[better]] = ci
    out = {k_: np.full(n_reps, np.nan) for k_ in ("threshold", "beta_low", "beta_high", "diff", "diff_se")}
    found = best >= 0
    if found.any():
        c = cand[best[found]][:, None, None]
        rr = r[found]
        low = rr <= c
        regimes = within_twoway(np.stack([rr * low, rr * ~low], axis=-1))
        x = np.concatenate([regimes, ctrl[found]], axis=-1)
        fit = ols_batch(y[found].reshape(-1, g, t), x, k_df=k + t)
        cov = fit.cov
        out["threshold"][found] = cand[best[found]]
        out["beta_low"][found] = fit.params[:, 0]
        out["beta_high"][found] = fit.params[:, 1]
        out["diff"][found] = fit.params[:, 1] - fit.params[:, 0]
        out["diff_se"][found] = np.sqrt(cov[:, 0, 0] + cov[:, 1, 1] - 2 * cov[:, 0, 1])
    return out


def threshold_study(n_reps: int, params, designs: Sequence[tuple[int, int]] = ((12, 6), (200, 6)),
                    gamma: float = 15.0, beta_low: float = -0.6, beta_high: float = -1.2,
                    candidates: Sequence[float] = THRESHOLD_CANDIDATES, seed: int = 0,
                    level: float = 0.05) -> tuple[pd.DataFrame, dict[tuple[int, int], np.ndarray]]:
    """How well a 12 x 6 panel (and larger ones) locates a threshold and tells the slopes apart.

    For each design: the share of replications whose estimated threshold is
    within 2 events of the truth, the median absolute error of the
    threshold, the median estimated slope difference, and the rejection rate
    of the naive (conditional) t-test of equal slopes, both when the
    threshold is real and when the true model is linear (slope ``params.beta``
    in both regimes) - the latter is a false-positive rate. Returns the table
    and the estimated thresholds per design (for a histogram).
    """
    children = np.random.SeedSequence(seed).spawn(len(designs))
    rows, thresholds = [], {}
    for (g, t), ss in zip(designs, children, strict=True):
        base = simulate_batch(n_reps, g, t, np.random.default_rng(ss), params)
        crit = stats.t.ppf(1 - level / 2, g - 1)
        real = threshold_fit(threshold_batch(base, gamma, beta_low, beta_high, params.beta), candidates)
        null = threshold_fit(base, candidates)
        thresholds[(g, t)] = real["threshold"]
        err = real["threshold"] - gamma
        rows.append({
            "n_firms": g, "n_years": t,
            "threshold within 2 events": float(np.nanmean(np.abs(err) <= 2)),
            "median abs. error of threshold": float(np.nanmedian(np.abs(err))),
            "median slope difference": float(np.nanmedian(real["diff"])),
            "true slope difference": beta_high - beta_low,
            "naive test rejects (threshold real)": float(np.nanmean(np.abs(real["diff"] / real["diff_se"]) > crit)),
            "naive test rejects (model linear)": float(np.nanmean(np.abs(null["diff"] / null["diff_se"]) > crit)),
        })
    return pd.DataFrame(rows), thresholds


# ---------------------------------------------------------------------------
# Figures (matplotlib, no pyplot: glue them with esgrisk.diagram.to_image)
# ---------------------------------------------------------------------------

def plot_estimates(fits: Mapping[str, BatchFit], true: float, window: float = 2.0):
    """Box plots of the risk coefficient by estimator, with the true value marked.

    The axis shows ``true +/- window``; the share of estimates outside it is
    written next to each box (pooled 2SLS has very long tails).
    """
    from matplotlib.figure import Figure

    names = list(fits)
    fig = Figure(figsize=(7.0, 3.2))
    ax = fig.add_subplot()
    lo, hi = true - window, true + window
    data = [np.clip(fits[n].params[:, 0], lo, hi) for n in names]
    ax.boxplot(data, vert=False, whis=(5, 95), showfliers=False, widths=0.55)
    ax.axvline(true, color="tab:red", lw=1.5, label=f"true effect ({true:g})")
    ax.axvline(0.0, color="0.5", lw=0.8, ls=":")
    for i, n in enumerate(names, start=1):
        b = fits[n].params[:, 0]
        outside = float(np.mean((b < lo) | (b > hi)))
        if outside > 0:
            ax.text(hi, i, f" {outside:.0%} outside", va="center", ha="left", fontsize=8)
    ax.set_yticks(range(1, len(names) + 1), [ESTIMATOR_LABELS.get(n, n) for n in names])
    ax.set_xlim(lo, hi)
    ax.set_xlabel("estimated effect of one more risk event on ESG (points)")
    ax.set_title("Estimates across replications (box: quartiles, whiskers: 5th-95th percentile)", fontsize=10)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def plot_design_grid(grid: pd.DataFrame, estimators: Sequence[str] = ("firm_fe", "fe_iv", "twoway_fe_iv",
                                                                      "pooled_2sls")):
    """Median bias, median absolute error and coverage against the number of firms.

    One line per estimator (colour) and number of years (solid: fewest years,
    dashed: most); the x axis is logarithmic.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.5, 3.3))
    axes = fig.subplots(1, 3)
    years = sorted(grid["n_years"].unique())
    styles = dict(zip(years, ["-", "--", ":", "-."], strict=False))
    colours = dict(zip(estimators, ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown"], strict=False))
    panels = (("median_bias", "median bias"), ("mae", "median absolute error"), ("coverage", "coverage of 95% CI"))
    for ax, (col, title) in zip(axes, panels, strict=True):
        for est in estimators:
            for t in years:
                d = grid[(grid["estimator"] == est) & (grid["n_years"] == t)].sort_values("n_firms")
                ax.plot(d["n_firms"], d[col], styles[t], color=colours[est], marker="o", ms=3,
                        label=f"{ESTIMATOR_LABELS.get(est, est)}, T = {t}")
        ax.set_xscale("log")
        ax.set_xticks(sorted(grid["n_firms"].unique()), [str(g) for g in sorted(grid["n_firms"].unique())])
        ax.minorticks_off()
        ax.set_xlabel("number of firms")
        ax.set_title(title, fontsize=10)
    axes[0].axhline(0, color="0.5", lw=0.8)
    axes[1].set_yscale("log")
    axes[2].axhline(0.95, color="0.5", lw=0.8)
    axes[2].set_ylim(0, 1.02)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7.5, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def plot_thresholds(thresholds: Mapping[tuple[int, int], np.ndarray], true: float,
                    candidates: Sequence[float] | None = None):
    """Histograms of the estimated threshold for each design, true threshold marked.

    ``candidates`` (the search grid) fixes a common x axis for all panels.
    """
    from matplotlib.figure import Figure

    designs = list(thresholds)
    values = np.concatenate([v[~np.isnan(v)] for v in thresholds.values()])
    lo = float(min(candidates)) if candidates is not None else float(values.min())
    hi = float(max(candidates)) if candidates is not None else float(values.max())
    edges = np.arange(np.floor(lo) - 0.5, np.ceil(hi) + 1.5)
    fig = Figure(figsize=(3.2 * len(designs), 2.6))
    axes = np.atleast_1d(fig.subplots(1, len(designs), sharey=True, sharex=True))
    for ax, d in zip(axes, designs, strict=True):
        v = thresholds[d][~np.isnan(thresholds[d])]
        ax.hist(v, bins=edges, weights=np.full(v.size, 1 / max(v.size, 1)), color="tab:blue")
        ax.axvline(true, color="tab:red", lw=1.5)
        ax.set_title(f"{d[0]} firms x {d[1]} years", fontsize=10)
        ax.set_xlabel("estimated threshold (events)")
    axes[0].set_ylabel("share of replications")
    fig.tight_layout()
    return fig
