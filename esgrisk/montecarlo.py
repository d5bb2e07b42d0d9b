"""Monte Carlo of the paper's design: what a 12-firm, 6-year panel can show.

Every replication is a balanced panel, so a batch of ``R`` replications of a
``G`` firms x ``T`` years design is held as arrays of shape ``(R, G, T)``
(regressors: ``(R, G, T, k)``). The estimators below work on whole batches at
once with NumPy (batched ``matmul`` and ``solve``), which is what makes
thousands of replications cheap; ``tests/test_montecarlo.py`` checks them
against linearmodels on the same samples to 1e-8.

Conventions (the book's one rule, Stata's ``xtreg, fe vce(cluster firm)``):

* standard errors are clustered by firm with the CR1 factor
  ``G/(G-1) * (N-1)/(N-K)``; ``K`` (passed as ``k_df``) counts every
  estimated coefficient except the firm effects, which are nested in the
  clusters: slopes, the constant when the chapter reports one, and year
  effects (:func:`cluster_k`, the single place this count is made);
* tests and intervals use ``t(G-1)`` critical values (normal critical values
  are reported alongside, to show what a large-sample p-value would do).

Replications are **independent draws** of the calibrated simulation by
default (:data:`MOMENT_MATCH` is False). The simulation's variance-reduction
device ``moment_match`` (whitening the firm- and year-level draws in each
panel, which the book's default panel uses so that one 12 x 6 draw matches
Table 1) can be switched on with ``simulate_batch(..., moment_match=True)``;
it leaves the estimands unchanged (the true coefficients are parameters of
the model, not of the draws; ``tests/test_montecarlo.py`` checks that the
median estimates agree) but makes year- and firm-level quantities (the year
shifter, the industry-mean instrument, its first-stage F) less variable than
in independent panels, so rates computed with it are not those of the
paper's design.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from esgrisk import spec
from esgrisk.core import cluster_df, cluster_factor, cluster_k, rademacher_weights, webb_weights

#: regressors of the paper's ESG equation (Table 2), endogenous one first
ESG_REGRESSORS = spec.ESG_EQUATION.regressors
#: the estimators compared in the Monte Carlo, in display order
ESTIMATORS = ("pooled_ols", "firm_fe", "twoway_fe", "fe_iv", "pooled_2sls", "twoway_fe_iv")
ESTIMATOR_LABELS = {
    "pooled_ols": "Pooled OLS",
    "firm_fe": "Firm FE",
    "twoway_fe": "Firm and year FE",
    "fe_iv": "FE-IV (firm effects)",
    "pooled_2sls": "Pooled 2SLS",
    "twoway_fe_iv": "FE-IV (firm and year effects)",
    "iv_loo": "2SLS, leave-one-out industry mean (firm effects)",
    "iv_loo_year": "2SLS, leave-one-out industry mean (firm and year effects)",
    "iv_inclusive": "2SLS, inclusive industry mean (firm effects)",
    "system_3sls": "3SLS system",
    "poisson_fe": "Poisson FE (conditional ML)",
}
#: regressors that vary by year only (absorbed by year effects)
YEAR_LEVEL = ("cr4",)
#: relative tolerance under which a bootstrap |t*| counts as a tie with |t|
TIE_RTOL = 1e-9
#: bootstrap weight vectors processed at once (keeps BLAS products small)
WEIGHT_BLOCK = 256
#: replications are i.i.d. draws unless a caller asks for moment matching
MOMENT_MATCH = False
#: nominal level of every test and interval of the study
LEVEL = 0.05


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
        crit = stats.t.ppf(1 - level / 2, cluster_df(self.n_clusters))
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
    cov = cluster_factor(n, k_df, g) * bread @ meat @ bread
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
    cov = cluster_factor(n, k_df, g) * bread @ meat @ bread
    cov = (cov + np.swapaxes(cov, 1, 2)) / 2
    return BatchFit(beta, np.sqrt(_diag(cov)), cov, g, n)


def fit_all(batch: Mapping[str, np.ndarray], regressors: Sequence[str] = ESG_REGRESSORS,
            dependent: str = "esg", instrument: str = "region_incidents") -> dict[str, BatchFit]:
    """Fit the six estimators of the ESG equation on a batch of panels.

    ``batch`` maps variable names to ``(R, G, T)`` arrays. The first regressor
    is the endogenous one; ``instrument`` replaces it in the instrument set.
    Coefficient 0 of every fit is the effect of the first regressor.

    * ``pooled_ols``: OLS with a constant (K = k + 1);
    * ``firm_fe``: within estimator (K = k + 1, as ``xtreg, fe``);
    * ``twoway_fe``: within estimator with firm and year effects, without the
      year-level regressors (K = k' + T);
    * ``fe_iv``: just-identified 2SLS on firm-demeaned data (K = k: the
      chapters' FE-IV records report no constant, :data:`FE_IV_CONSTANT`);
    * ``pooled_2sls``: 2SLS with a constant, no firm effects (K = k + 1);
    * ``twoway_fe_iv``: 2SLS on firm- and year-demeaned data, without the
      year-level regressors in :data:`YEAR_LEVEL` that year effects absorb
      (K = k' + T - 1: slopes and year effects; firm effects are nested in
      the clusters).

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
    # decision 1: the PanelOLS-type fits report Stata's constant, the FE-IV fits (as the chapters'
    # records) report none; year effects count T - 1; firm effects are never counted
    k_one = cluster_k(k, constant=True)
    k_two = cluster_k(len(keep), constant=True, n_time_effects=t - 1)
    return {
        "pooled_ols": _ols_cp(raw, iy, [*ix, const], t, k_one),
        "firm_fe": _ols_cp(cf, iy, ix, t, k_one),
        "twoway_fe": _ols_cp(c2, iy, keep, t, k_two),
        "fe_iv": _iv_cp(cf, iy, ix, iz, t, cluster_k(k, constant=FE_IV_CONSTANT)),
        "pooled_2sls": _iv_cp(raw, iy, [*ix, const], [*iz, const], t, k_one),
        "twoway_fe_iv": _iv_cp(c2, iy, keep, [inst, *keep[1:]], t,
                               cluster_k(len(keep), constant=FE_IV_CONSTANT, n_time_effects=t - 1)),
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
# The ESG -> risk equation: 2SLS with an industry-mean instrument, first-stage
# F (both flavours) and Anderson-Rubin sets, batched
# ---------------------------------------------------------------------------

#: exogenous regressors of the risk equation (chapter 5: the controls and the regional incidents)
RISK_EXOG = spec.RISK_EQUATION.exog
#: the ESG -> risk 2SLS variants: (instrument, year effects)
ESG_TO_RISK_VARIANTS = {"iv_loo": ("loo", False), "iv_loo_year": ("loo", True),
                        "iv_inclusive": ("inclusive", False)}
#: the chapters' IV records report no constant (firm effects as dummies), so K counts none (decision 1)
ESG_TO_RISK_CONSTANT = False
FE_IV_CONSTANT = False


def industry_mean(esg: np.ndarray, instrument: str = "loo") -> np.ndarray:
    """Industry-average ESG per year of a ``(R, G, T)`` batch: ``"loo"`` (other firms) or ``"inclusive"``."""
    g = esg.shape[1]
    total = esg.sum(axis=1, keepdims=True)
    if instrument == "loo":
        return (total - esg) / (g - 1)
    if instrument == "inclusive":
        return np.broadcast_to(total / g, esg.shape).copy()
    raise ValueError(f"instrument must be 'loo' or 'inclusive', not {instrument!r}")


@dataclass(frozen=True)
class IVDesign:
    """One just-identified 2SLS over a batch, with its first stage and Anderson-Rubin pieces.

    ``fit``: the 2SLS fit (coefficient 0 is the endogenous regressor's);
    ``f_classical``: the classical partial F of the instrument (residual df
    ``N - K - G``, ivreg2 with firm dummies); ``f_cluster``: the
    cluster-robust Wald statistic of the instrument in the first stage (one
    instrument: Wald = F, the Kleibergen-Paap-type F); ``ar``: ``(R, 3)``
    coefficients ``(a, b, c)`` such that the Anderson-Rubin 95 % set is
    ``{b0: a b0^2 + b b0 + c <= 0}`` (clustered, ``F(1, G-1)`` critical value).
    """

    fit: BatchFit
    f_classical: np.ndarray
    f_cluster: np.ndarray
    ar: np.ndarray

    def ar_covers(self, value: float) -> np.ndarray:
        """Whether ``value`` lies in each replication's AR set."""
        a, b, c = self.ar.T
        return a * value**2 + b * value + c <= 0

    def ar_bounded(self) -> np.ndarray:
        """The AR set is a bounded interval (or empty) exactly when ``a > 0``."""
        return self.ar[:, 0] > 0

    def ar_length(self) -> np.ndarray:
        """Length of each AR set: ``inf`` when unbounded, 0 when empty."""
        a, b, c = self.ar.T
        disc = b**2 - 4 * a * c
        with np.errstate(invalid="ignore", divide="ignore"):
            length = np.where(disc > 0, np.sqrt(np.maximum(disc, 0)) / np.abs(a), 0.0)
        return np.where(a > 0, length, np.inf)


def _ols_multi(y: np.ndarray, x: np.ndarray):
    """OLS of each of ``m`` columns ``y`` ``(R, G, T, m)`` on ``x`` ``(R, G, T, k)``.

    Returns coefficients ``(R, k, m)``, ``(X'X)^-1`` ``(R, k, k)``, residuals
    ``(R, G, T, m)`` and per-firm scores ``X_g'e_g`` ``(R, G, k, m)``.
    """
    r, g, t, k = x.shape
    m = y.shape[-1]
    xf = x.reshape(r, g * t, k)
    bread = np.linalg.inv(_xty(xf, xf))
    beta = bread @ _xty(xf, y.reshape(r, g * t, m))
    resid = y - (xf @ beta).reshape(r, g, t, m)
    scores = np.einsum("rgtk,rgtm->rgkm", x, resid)
    return beta, bread, resid, scores


def iv_design(y: np.ndarray, endog: np.ndarray, instrument: np.ndarray, exog: np.ndarray,
              n_year_effects: int = 0, constant: bool = False, level: float = LEVEL) -> IVDesign:
    """2SLS of ``y`` on ``endog`` and ``exog``, ``endog`` instrumented by ``instrument``, batched.

    All inputs are already transformed (firm-demeaned, or firm- and
    year-demeaned with ``n_year_effects = T - 1``, which by Frisch-Waugh-Lovell
    equals year dummies in a balanced panel). ``y``, ``endog``, ``instrument``
    are ``(R, G, T)``, ``exog`` ``(R, G, T, k)``. The CR1 factor counts
    :func:`cluster_k` coefficients: slopes plus year effects (plus the
    constant if ``constant``, e.g. for the ``xtreg, fe`` transformation).
    """
    r, g, t = y.shape
    n = g * t
    x = np.concatenate([endog[..., None], exog], axis=-1)
    zz = np.concatenate([instrument[..., None], exog], axis=-1)
    k = cluster_k(x.shape[-1], constant=constant, n_time_effects=n_year_effects)
    fit = iv_batch(y, x, zz, k_df=k)
    # first stage (endog on Z, W) and reduced form (y on Z, W) together
    beta, bread, resid, scores = _ols_multi(np.stack([y, endog], axis=-1), zz)
    kf = cluster_k(zz.shape[-1], constant=constant, n_time_effects=n_year_effects)
    rss_x = np.sum(resid[..., 1] ** 2, axis=(1, 2))
    df_resid = n - kf - g + int(bool(constant))      # firm dummies replace the constant
    f_classical = beta[:, 0, 1] ** 2 / (rss_x / df_resid * bread[:, 0, 0])
    factor = cluster_factor(n, kf, g)
    m = np.einsum("rk,rgkm->rgm", bread[:, 0, :], scores)           # instrument row of (Z'Z)^-1 Z_g'e_g
    q = factor * np.einsum("rga,rgb->rab", m, m)                     # (R, 2, 2): y and x
    f_cluster = beta[:, 0, 1] ** 2 / q[:, 1, 1]
    crit = stats.f.ppf(1 - level, 1, cluster_df(g))
    py, px = beta[:, 0, 0], beta[:, 0, 1]
    ar = np.stack([px**2 - crit * q[:, 1, 1], -2 * py * px + 2 * crit * q[:, 0, 1],
                   py**2 - crit * q[:, 0, 0]], axis=1)
    return IVDesign(fit, f_classical, f_cluster, ar)


def esg_to_risk_batch(batch: Mapping[str, np.ndarray], instrument: str = "loo",
                      year_effects: bool = False, level: float = LEVEL) -> IVDesign:
    """Chapter 5's ESG -> risk 2SLS on every replication of ``batch``.

    ``risk_events`` on ``esg`` and :data:`RISK_EXOG` with firm effects (and
    year effects if asked, which absorb the year-level ``cr4``), ESG
    instrumented by the industry-average ESG (``"loo"`` or ``"inclusive"``).
    With firm and year effects the inclusive mean is a pure year variable and
    is absorbed: that variant is not identified and raises.
    """
    if year_effects and instrument == "inclusive":
        raise ValueError("with year effects the inclusive industry mean is absorbed: not identified")
    exog_names = [v for v in RISK_EXOG if not (year_effects and v in YEAR_LEVEL)]
    w = np.stack([batch["risk_events"], batch["esg"], industry_mean(batch["esg"], instrument),
                  *(batch[v] for v in exog_names)], axis=-1)
    w = within_twoway(w) if year_effects else within(w)
    t = w.shape[2]
    return iv_design(w[..., 0], w[..., 1], w[..., 2], w[..., 3:],
                     n_year_effects=t - 1 if year_effects else 0, constant=ESG_TO_RISK_CONSTANT,
                     level=level)


def fe_iv_design(batch: Mapping[str, np.ndarray], year_effects: bool = False, level: float = LEVEL) -> IVDesign:
    """Chapter 4's FE-IV of the ESG equation (risk instrumented by ``region_incidents``) as an :class:`IVDesign`.

    The same estimates as ``fit_all(...)["fe_iv"]`` / ``["twoway_fe_iv"]``,
    with both first-stage F flavours and the AR pieces (K as in
    :func:`fit_all`: no constant, :data:`FE_IV_CONSTANT`).
    """
    exog_names = [v for v in ESG_REGRESSORS[1:] if not (year_effects and v in YEAR_LEVEL)]
    w = np.stack([batch["esg"], batch["risk_events"], batch["region_incidents"],
                  *(batch[v] for v in exog_names)], axis=-1)
    w = within_twoway(w) if year_effects else within(w)
    t = w.shape[2]
    return iv_design(w[..., 0], w[..., 1], w[..., 2], w[..., 3:],
                     n_year_effects=t - 1 if year_effects else 0, constant=FE_IV_CONSTANT, level=level)


# ---------------------------------------------------------------------------
# Wild cluster bootstrap (restricted, WCR11, Rademacher weights)
# ---------------------------------------------------------------------------

MAX_ENUMERATED_WEIGHTS = 2 ** 14  # up to 14 clusters every sign pattern is used: no simulation noise
RANDOM_WEIGHTS = 9999              # otherwise this many random patterns (B + 1 = 10,000)


def bootstrap_draws(n_clusters: int) -> int | None:
    """``n_boot`` for :func:`rademacher_weights`: None (enumerate all ``2**G``) when feasible, else a sample size."""
    return None if 2 ** n_clusters <= MAX_ENUMERATED_WEIGHTS else RANDOM_WEIGHTS


#: random Webb weight vectors per bootstrap (6**G patterns are too many to enumerate)
WEBB_DRAWS = 1999
# the weight generators are esgrisk.core's (rademacher_weights, webb_weights, WEBB_POINTS), imported
# above and used with these draw counts


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
    ssc = cluster_factor(n, k if k_df is None else k_df, g)
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
                   params=None, columns: Sequence[str] = ("esg", "region_incidents", *ESG_REGRESSORS),
                   moment_match: bool | None = MOMENT_MATCH) -> dict[str, np.ndarray]:
    """``n_reps`` panels from the calibrated simulation, as arrays ``(R, G, T)``.

    Draws replication after replication from one ``numpy`` Generator (made
    from ``seed`` unless a Generator is passed), with
    :func:`esgrisk.simulate.simulate_arrays`, so the batch is deterministic.
    ``moment_match`` overrides ``params.moment_match``: False (default) gives
    i.i.d. panels, True whitens each panel's firm- and year-level draws (the
    device behind the book's default panel), None keeps ``params``' setting.
    """
    from dataclasses import replace

    from esgrisk.simulate import PARAMS, simulate_arrays

    params = PARAMS if params is None else params
    if moment_match is not None:
        params = replace(params, moment_match=bool(moment_match))
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
    all ``2**G`` sign vectors when ``n_boot`` is None; Webb, :data:`WEBB_DRAWS`
    random six-point vectors), for the firm-FE model
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
        "firm FE": (within(batch["esg"]), within(x_all), cluster_k(len(ESG_REGRESSORS), constant=True)),
        "firm and year FE": (within_twoway(batch["esg"]), within_twoway(x_all[..., keep]),
                             cluster_k(len(keep), constant=True, n_time_effects=n_years - 1)),
    }
    weights = {"wild cluster bootstrap (Rademacher)": rademacher_weights(n_firms, n_boot, rng),
               "wild cluster bootstrap (Webb)": webb_weights(n_firms, WEBB_DRAWS, rng)}
    crit_n = stats.norm.ppf(1 - level / 2)
    crit_t = stats.t.ppf(1 - level / 2, cluster_df(n_firms))
    rows = []
    for model in models:
        y, x, k_df = designs[model]
        fit = ols_batch(y, x, k_df=k_df)
        for label, null in (("size (H0: beta = true)", params.beta), ("power (H0: beta = 0)", 0.0)):
            t = np.abs(fit.tstat(0, null))
            row = {"model": model, "rate": label,
                   "clustered t, normal critical value": float(np.mean(t > crit_n)),
                   "clustered t, t(G-1) critical value": float(np.mean(t > crit_t))}
            for name, w in weights.items():
                row[name] = float(np.mean(wild_cluster_pvalue(y, x, 0, null, w, k_df=k_df) < level))
            rows.append(row)
    return pd.DataFrame(rows).set_index(["model", "rate"])


def mc_standard_error(rate: float, n_reps: int) -> float:
    """Monte Carlo standard error of a rejection rate: sqrt(p(1-p)/R)."""
    return math.sqrt(rate * (1 - rate) / n_reps)


# ---------------------------------------------------------------------------
# The design study: every estimator and test of H1-H3 on one batch
# ---------------------------------------------------------------------------

#: which equation each batched estimator estimates, and its true coefficient's key in TRUE_EFFECTS
EQUATION_OF = {**{name: "risk_to_esg" for name in ESTIMATORS},
               **{name: "esg_to_risk" for name in ESG_TO_RISK_VARIANTS}}


def rate(hits: np.ndarray) -> tuple[float, float]:
    """A rate over replications and its Monte Carlo standard error ``sqrt(p(1-p)/R)`` (NaNs ignored)."""
    h = np.asarray(hits, dtype=float)
    h = h[~np.isnan(h)]
    if h.size == 0:
        return float("nan"), float("nan")
    p = float(np.mean(h))
    return p, mc_standard_error(p, h.size)


def draw_percentile(value: float, draws: np.ndarray) -> float:
    """Where ``value`` lies in ``draws``: percent of draws below it (ties count half), 0-100."""
    d = np.asarray(draws, dtype=float)
    d = d[~np.isnan(d)]
    if d.size == 0 or not np.isfinite(value):
        return float("nan")
    return float(100 * (np.mean(d < value) + 0.5 * np.mean(d == value)))


def _estimate_row(params: np.ndarray, se: np.ndarray, true: float, n_clusters: int,
                  level: float = LEVEL) -> dict[str, float]:
    """Bias, spread, coverage and power (normal and t(G-1) critical values) with MC standard errors."""
    b = np.asarray(params, dtype=float)
    s = np.asarray(se, dtype=float)
    err = b - true
    crit_t = stats.t.ppf(1 - level / 2, cluster_df(n_clusters))
    crit_n = stats.norm.ppf(1 - level / 2)
    row = {"reps": int(b.size), "true": true, "mean": float(np.mean(b)), "bias": float(np.mean(err)),
           "bias_mc_se": float(np.std(b, ddof=1) / np.sqrt(b.size)) if b.size > 1 else float("nan"),
           "median_bias": float(np.median(err)), "sd": float(np.std(b, ddof=1)) if b.size > 1 else float("nan"),
           "rmse": float(np.sqrt(np.mean(err**2))), "mae": float(np.median(np.abs(err))),
           "mean_se": float(np.mean(s))}
    for tag, crit in (("", crit_t), ("_normal", crit_n)):
        row[f"coverage{tag}"], row[f"coverage{tag}_mc_se"] = rate(np.abs(err / s) <= crit)
        row[f"power{tag}"], row[f"power{tag}_mc_se"] = rate(np.abs(b / s) > crit)
    row["mc_se"] = row["coverage_mc_se"]
    return row


def _iv_rows(design: IVDesign, true: float, weak_f: float) -> dict[str, float]:
    """First-stage F distributions (both flavours) and Anderson-Rubin behaviour of one IV design."""
    out: dict[str, float] = {}
    for tag, f in (("f_cluster", design.f_cluster), ("f_classical", design.f_classical)):
        out[f"{tag}_median"] = float(np.median(f))
        out[f"{tag}_above_weak"], out[f"{tag}_above_weak_mc_se"] = rate(f > weak_f)
    out["ar_coverage"], out["ar_coverage_mc_se"] = rate(design.ar_covers(true))
    out["ar_power"], out["ar_power_mc_se"] = rate(~design.ar_covers(0.0))
    out["ar_unbounded"], out["ar_unbounded_mc_se"] = rate(~design.ar_bounded())
    length = design.ar_length()
    out["ar_median_length"] = float(np.median(length))  # inf when more than half are unbounded
    return out


def study_batch(batch: Mapping[str, np.ndarray], true: Mapping[str, float] | None = None,
                level: float = LEVEL, weak_f: float | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Every batched estimator of H1-H3 on ``batch``: one summary row each, and the per-draw statistics.

    Rows (``equation``, ``estimator``): the six ESG-equation estimators of
    :func:`fit_all` (risk -> ESG, true value ``true["risk_to_esg"]``) and the
    three ESG -> risk 2SLS variants of :data:`ESG_TO_RISK_VARIANTS`. IV rows
    also give both first-stage F flavours and the Anderson-Rubin set's
    coverage, power, share unbounded and median length. The draws (keyed
    ``"<estimator>:<statistic>"``) let a chapter place its own panel in the
    design's distribution.
    """
    from esgrisk.evidence import WEAK_F
    from esgrisk.simulate import TRUE_EFFECTS

    true = dict(TRUE_EFFECTS if true is None else true)
    weak_f = WEAK_F if weak_f is None else weak_f
    fits = fit_all_chunked(batch)
    n_clusters = next(iter(batch.values())).shape[1]
    designs = {"fe_iv": fe_iv_design(batch, False, level), "twoway_fe_iv": fe_iv_design(batch, True, level)}
    for name, (inst, year) in ESG_TO_RISK_VARIANTS.items():
        designs[name] = esg_to_risk_batch(batch, inst, year, level)
    rows, draws = [], {}
    for name in (*ESTIMATORS, *ESG_TO_RISK_VARIANTS):
        fit = designs[name].fit if name in ESG_TO_RISK_VARIANTS else fits[name]
        eq = EQUATION_OF[name]
        row = {"equation": eq, "estimator": name,
               **_estimate_row(fit.params[:, 0], fit.std_errors[:, 0], true[eq], n_clusters, level)}
        draws[f"{name}:estimate"] = fit.params[:, 0]
        draws[f"{name}:t"] = fit.params[:, 0] / fit.std_errors[:, 0]
        if name in designs:
            row.update(_iv_rows(designs[name], true[eq], weak_f))
            draws[f"{name}:f_cluster"] = designs[name].f_cluster
            draws[f"{name}:f_classical"] = designs[name].f_classical
        rows.append(row)
    fit_r, fit_e = system_3sls_batch(batch)
    crit = stats.t.ppf(1 - level / 2, cluster_df(n_clusters))
    for eq, fit in (("risk_to_esg", fit_e), ("esg_to_risk", fit_r)):
        rows.append({"equation": eq, "estimator": "system_3sls",
                     **_estimate_row(fit.params[:, 0], fit.std_errors[:, 0], true[eq], n_clusters, level)})
        draws[f"system_3sls:{eq}:estimate"] = fit.params[:, 0]
    draws["system_3sls:both_detected"] = (fit_e.tstat(0) < -crit) & (fit_r.tstat(0) < -crit)
    if "risk_events" in batch and all(v in batch for v in POISSON_REGRESSORS):
        # replications with a firm that never has an event are left out (its effect is not identified)
        ok = np.all(batch["risk_events"].sum(axis=2) > 0, axis=1)
        pois = poisson_fe_batch({k: v[ok] for k, v in batch.items()})
        rows.append({"equation": "esg_to_risk", "estimator": "poisson_fe",
                     **_untrue(_estimate_row(pois.params[:, 0], pois.std_errors[:, 0], 0.0, n_clusters, level))})
        draws["poisson_fe:estimate"] = pois.params[:, 0]
    return pd.DataFrame(rows), draws


def _untrue(row: dict[str, float]) -> dict[str, float]:
    """A summary row of an estimator without a true value in the simulation: bias and coverage set to NaN."""
    out = dict(row)
    for key in [k for k in out if k.startswith(("bias", "median_bias", "rmse", "mae", "coverage", "true"))]:
        out[key] = float("nan")
    out["mc_se"] = float("nan")
    return out


def design_study(n_reps: int, n_firms: int = 12, n_years: int = 6, seed: int | np.random.Generator = 0,
                 params=None, moment_match: bool = MOMENT_MATCH,
                 level: float = LEVEL) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """:func:`study_batch` on ``n_reps`` i.i.d. panels of ``n_firms x n_years`` (``n_firms``, ``n_years`` added)."""
    from esgrisk.simulate import PARAMS

    p = PARAMS if params is None else params
    batch = simulate_batch(n_reps, n_firms, n_years, seed, p, moment_match=moment_match)
    summary, draws = study_batch(batch, {"risk_to_esg": p.beta, "esg_to_risk": p.gamma}, level)
    summary.insert(2, "n_firms", n_firms)
    summary.insert(3, "n_years", n_years)
    return summary, draws


def design_grid(n_reps: int, firms: Sequence[int] = (12, 50, 200, 1000), years: Sequence[int] = (6, 12),
                seed: int = 0, params=None, max_rows: int | None = None, min_reps: int = 40,
                moment_match: bool = MOMENT_MATCH) -> pd.DataFrame:
    """:func:`design_study` for every (firms, years) design (one row per equation, estimator, design).

    Each design gets its own Generator spawned from ``seed`` (so adding a
    design does not change the others). ``max_rows`` caps the firm-years
    simulated per design (``n_reps * firms * years``) to bound the run time:
    large designs then get fewer replications (never fewer than
    ``min_reps``); the ``reps`` column says how many each design used.
    """
    designs = [(g, t) for t in years for g in firms]
    children = np.random.SeedSequence(seed).spawn(len(designs))
    parts = []
    for (g, t), ss in zip(designs, children, strict=True):
        reps = n_reps if max_rows is None else min(n_reps, max(min_reps, max_rows // (g * t)))
        parts.append(design_study(reps, g, t, np.random.default_rng(ss), params, moment_match)[0])
    return pd.concat(parts, ignore_index=True)


#: regressors of the Poisson FE count model of the risk equation (chapter 4's ``poisson_fe_risk``), ESG first
POISSON_REGRESSORS = ("esg", "region_incidents", "log_assets", "revenue_growth", "cr4", "reg_strength")


def poisson_fe_batch(batch: Mapping[str, np.ndarray], regressors: Sequence[str] = POISSON_REGRESSORS,
                     max_iter: int = 50, tol: float = 1e-13) -> BatchFit:
    """Poisson regression of ``risk_events`` with firm effects, by Newton's method on the concentrated likelihood.

    With firm dummies the Poisson MLE of the slopes maximises the likelihood
    in which each firm's effect is profiled out: ``mu_it = Y_i *
    softmax_t(x_it b)`` with ``Y_i`` the firm's total count (the conditional
    ``xtpoisson, fe`` estimator). Standard errors are clustered by firm with
    Stata's ML factor ``G/(G-1)``, as ``esgrisk.estimate.fit_poisson_fe_risk``
    (statsmodels GLM with dummies), which the tests compare. Firms whose
    counts are all zero carry no information; a batch containing one raises.
    """
    y = batch["risk_events"]
    if np.any(y.sum(axis=2) == 0):
        raise ValueError("a replication has a firm with no risk events at all: its effect is not identified")
    x = within(np.stack([batch[v] for v in regressors], axis=-1))   # firm means are absorbed by the effects
    r, g, t, k = x.shape
    xf = x.reshape(r, g * t, k)
    totals = y.sum(axis=2, keepdims=True)

    def fitted(beta):
        eta = (xf @ beta[..., None])[..., 0].reshape(r, g, t)
        w = np.exp(eta - eta.max(axis=2, keepdims=True))
        return totals * w / w.sum(axis=2, keepdims=True)

    def hessian(mu):
        xm = np.einsum("rgtk,rgt->rgk", x, mu)                      # sum_t mu x per firm
        return (np.swapaxes(xf * mu.reshape(r, g * t, 1), 1, 2) @ xf
                - np.swapaxes(xm, 1, 2) @ (xm / totals))

    beta = np.zeros((r, k))
    for _ in range(max_iter):
        mu = fitted(beta)
        score = _xty(xf, (y - mu).reshape(r, g * t))
        step = np.linalg.solve(hessian(mu), score[..., None])[..., 0]
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    mu = fitted(beta)
    bread = np.linalg.inv(hessian(mu))
    scores = np.einsum("rgtk,rgt->rgk", x, y - mu)
    cov = g / (g - 1) * bread @ (np.swapaxes(scores, 1, 2) @ scores) @ bread
    cov = (cov + np.swapaxes(cov, 1, 2)) / 2
    return BatchFit(beta, np.sqrt(_diag(cov)), cov, g, g * t)


def system_3sls_batch(batch: Mapping[str, np.ndarray]) -> tuple[BatchFit, BatchFit]:
    """Chapter 5's 3SLS system on every replication: (risk equation fit, ESG equation fit), batched.

    The same system as ``esgrisk.system.fit_system_3sls`` (year-effects
    variant): firm effects by the within transformation; risk equation
    ``risk ~ controls + region_incidents + esg``, ESG equation ``esg ~
    log_assets + revenue_growth + reg_strength + cr4 + year dummies + risk``;
    one common instrument list (the controls, ``region_incidents`` and the
    year dummies beyond CR4). One feasible-GLS step as linearmodels' ``IV3SLS``
    (``method="gls"``, ``debiased=False`` as the chapters' fit): 2SLS
    residuals give Sigma = e'e/N, then GLS on the projected regressors;
    clustered covariance with ``group_debias`` and the book's rule per
    equation, i.e. ``G/(G-1) (N-1)/(N-K_i)`` on the diagonal. Coefficient 0 of each fit
    is the endogenous regressor's (``gamma`` for the risk equation, ``beta``
    for the ESG equation). Checked against linearmodels to 1e-8.
    """
    r, g, t = batch["esg"].shape
    n = g * t
    if t < 3:
        raise ValueError("the year-effects system needs at least three years")
    years = np.zeros((r, g, t, t - 2))
    years[:, :, np.arange(1, t - 1), np.arange(t - 2)] = 1.0      # dummies of years 2..T-1 (with CR4: all effects)
    la, gr, cr4, reg, inc = (batch[v] for v in ("log_assets", "revenue_growth", "cr4", "reg_strength",
                                                "region_incidents"))
    flat = lambda a: within(a).reshape(r, n, -1)  # noqa: E731
    z = flat(np.concatenate([np.stack([la, gr, cr4, reg, inc], axis=-1), years], axis=-1))
    x1 = flat(np.stack([batch["esg"], la, gr, cr4, reg, inc], axis=-1))             # risk equation, esg first
    x2 = flat(np.concatenate([np.stack([batch["risk_events"], la, gr, reg, cr4], axis=-1), years], axis=-1))
    y = [flat(batch["risk_events"][..., None])[..., 0], flat(batch["esg"][..., None])[..., 0]]
    zz = _xty(z, z)
    xs = [x1, x2]
    xh = [z @ np.linalg.solve(zz, _xty(z, x)) for x in xs]                          # P_Z X, without forming P_Z
    ks = [x.shape[-1] for x in xs]
    # step 1: equation-by-equation 2SLS, residual covariance
    eps = np.stack([y[i] - _xb(xs[i], np.linalg.solve(_xty(xh[i], xh[i]), _xty(xh[i], y[i])[..., None])[..., 0])
                    for i in range(2)], axis=-1)                                     # (R, n, 2)
    scale = np.sqrt(n / (n - np.array(ks, dtype=float)))
    sigma = np.swapaxes(eps, 1, 2) @ eps / n          # Stata reg3's Sigma, as the chapters' fit (no df correction)
    sinv = np.linalg.inv(sigma)                                                      # (R, 2, 2)
    # step 2: GLS on the projected regressors
    blocks = [[sinv[:, i, j, None, None] * (np.swapaxes(xh[i], 1, 2) @ xh[j]) for j in range(2)] for i in range(2)]
    a = np.concatenate([np.concatenate(row, axis=2) for row in blocks], axis=1)
    c = np.concatenate([_xty(xh[i], sinv[:, i, 0, None] * y[0] + sinv[:, i, 1, None] * y[1]) for i in range(2)],
                       axis=1)
    beta = np.linalg.solve(a, c[..., None])[..., 0]
    b = [beta[:, :ks[0]], beta[:, ks[0]:]]
    eps = np.stack([y[i] - _xb(xs[i], b[i]) for i in range(2)], axis=-1)
    we = eps @ sinv                                                                  # (R, n, 2)
    moments = np.concatenate([xh[i] * we[..., i:i + 1] for i in range(2)], axis=-1).reshape(r, g, t, -1).sum(axis=2)
    ainv = np.linalg.inv(a)
    cov = ainv @ (np.swapaxes(moments, 1, 2) @ moments) @ ainv
    adj = np.concatenate([np.full(k, s) for k, s in zip(ks, scale, strict=True)])
    # K = 0 in the common factor; each equation's own K enters through ``adj``
    cov = cov * cluster_factor(n, 0, g) * np.outer(adj, adj)
    cov = (cov + np.swapaxes(cov, 1, 2)) / 2
    se = np.sqrt(_diag(cov))
    fits = []
    for i, (lo, hi) in enumerate(((0, ks[0]), (ks[0], ks[0] + ks[1]))):
        fits.append(BatchFit(b[i], se[:, lo:hi], cov[:, lo:hi, lo:hi], g, n))
    return fits[0], fits[1]


def batch_to_frames(batch: Mapping[str, np.ndarray], n: int | None = None, params=None) -> list[pd.DataFrame]:
    """The first ``n`` replications of ``batch`` as long panels (``firm``, ``year``, ``region`` and the columns)."""
    from esgrisk.simulate import DEFAULT_YEARS, PARAMS

    p = PARAMS if params is None else params
    first = next(iter(batch.values()))
    r, g, t = first.shape
    n = r if n is None else min(n, r)
    width = max(2, len(str(g)))
    firm = np.repeat([f"F{i + 1:0{width}d}" for i in range(g)], t)
    year = np.tile(np.arange(DEFAULT_YEARS[0], DEFAULT_YEARS[0] + t), g)
    region = np.repeat(np.asarray(p.regions, dtype=object)[(np.arange(g) * len(p.regions)) // g], t)
    return [pd.DataFrame({"firm": firm, "year": year, "region": region,
                          **{k: v[i].reshape(-1) for k, v in batch.items()}}) for i in range(n)]


#: estimators run one panel at a time through the library (none since 3SLS is batched; kept for cross-checks)
LIBRARY_ESTIMATORS: tuple[str, ...] = ()


def library_study(n_reps: int, n_firms: int = 12, n_years: int = 6, seed: int | np.random.Generator = 0,
                  params=None, moment_match: bool = MOMENT_MATCH,
                  level: float = LEVEL) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """3SLS through chapter 5's own ``esgrisk.system.fit_system_3sls``, one linearmodels fit per replication.

    The slow reference for :func:`system_3sls_batch` (the benchmark times it,
    the tests compare). One row per arrow, and the per-draw indicator that
    *both* arrows are detected (negative and significant, t(G-1)), the
    book's test of the loop (H3).
    """
    import warnings

    from esgrisk import system as sy
    from esgrisk.simulate import PARAMS

    p = PARAMS if params is None else params
    columns = ("esg", "region_incidents", *ESG_REGRESSORS)
    frames = batch_to_frames(simulate_batch(n_reps, n_firms, n_years, seed, p, columns, moment_match), params=p)
    beta = np.empty((n_reps, 2))
    gamma = np.empty((n_reps, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, frame in enumerate(frames):
            sys_fit = sy.fit_system_3sls(frame)
            se = sys_fit.std_errors
            beta[i] = sys_fit.beta, se["esg.risk_events"]
            gamma[i] = sys_fit.gamma, se["risk_events.esg"]
    rows, draws = [], {}
    for eq, arr, true in (("risk_to_esg", beta, p.beta), ("esg_to_risk", gamma, p.gamma)):
        rows.append({"equation": eq, "estimator": "system_3sls",
                     **_estimate_row(arr[:, 0], arr[:, 1], true, n_firms, level)})
        draws[f"system_3sls:{eq}:estimate"] = arr[:, 0]
    crit = stats.t.ppf(1 - level / 2, cluster_df(n_firms))
    draws["system_3sls:both_detected"] = (beta[:, 0] / beta[:, 1] < -crit) & (gamma[:, 0] / gamma[:, 1] < -crit)
    out = pd.DataFrame(rows)
    out.insert(2, "n_firms", n_firms)
    out.insert(3, "n_years", n_years)
    return out, draws


#: independent random streams of the study, one per part, derived from one seed (chapters 8 and 9 share them)
STUDY_STREAMS = ("main", "library", "inference", "power", "grid", "dynamic", "threshold", "own_size")


def study_streams(seed: int) -> dict[str, np.random.SeedSequence]:
    """One SeedSequence per part of the study (:data:`STUDY_STREAMS`), spawned from ``seed``."""
    return dict(zip(STUDY_STREAMS, np.random.SeedSequence(seed).spawn(len(STUDY_STREAMS)), strict=True))


def batched_design(n_reps: int, seed: int, n_firms: int = 12, n_years: int = 6,
                   params=None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """:func:`design_study` on the study's ``"main"`` stream: the batched part of :func:`paper_design`.

    Chapters that quote one number of the design (chapter 5) call this with
    chapter 8's ``seed`` and ``n_reps`` and get chapter 8's numbers.
    """
    return design_study(n_reps, n_firms, n_years, np.random.default_rng(study_streams(seed)["main"]), params)


def paper_design(n_reps: int, seed: int, n_firms: int = 12, n_years: int = 6,
                 params=None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The whole batched study at one design from ``seed`` (alias of :func:`batched_design`).

    Deterministic in ``seed``: chapters 5 and 9 call it with chapter 8's
    arguments and get the same numbers.
    """
    return batched_design(n_reps, seed, n_firms, n_years, params)


def reps_within_budget(n_firms: int, n_years: int, budget_s: float, max_reps: int, pilot: int = 20,
                       seed: int = 0) -> int:
    """How many batched replications of ``n_firms x n_years`` fit in ``budget_s`` seconds (at least ``pilot``).

    Times :func:`design_study` on ``pilot`` replications and scales linearly.
    """
    import time

    start = time.perf_counter()
    design_study(pilot, n_firms, n_years, seed)
    per_rep = (time.perf_counter() - start) / pilot
    return int(min(max_reps, max(pilot, budget_s // max(per_rep, 1e-9))))


def power_curve(effects: Sequence[float], n_reps: int, equation: str = "risk_to_esg", n_firms: int = 12,
                n_years: int = 6, seed: int = 0, params=None, level: float = LEVEL) -> pd.DataFrame:
    """Rejection rate of "no effect" against the true effect size, at one design.

    For each value in ``effects`` the simulation's ``beta`` (``equation =
    "risk_to_esg"``) or ``gamma`` (``"esg_to_risk"``) is set to it and
    ``n_reps`` i.i.d. panels are drawn (common random numbers: the same seed
    for every value). Rows: effect, test, rejection rate and its MC standard
    error; tests are the t(G-1) tests of the IV estimators of that equation,
    the Anderson-Rubin test for the IV ones, and (risk -> ESG) the firm-FE t test.
    """
    from dataclasses import replace

    from esgrisk.simulate import PARAMS

    base = PARAMS if params is None else params
    key = "beta" if equation == "risk_to_esg" else "gamma"
    names = ("firm_fe", "fe_iv", "twoway_fe_iv") if equation == "risk_to_esg" else ("iv_loo", "iv_inclusive")
    rows = []
    for value in effects:
        p = replace(base, **{key: float(value)})
        batch = simulate_batch(n_reps, n_firms, n_years, seed, p)
        crit = stats.t.ppf(1 - level / 2, cluster_df(n_firms))
        for name in names:
            if name == "firm_fe":
                fit, design = fit_all(batch)["firm_fe"], None
            elif name in ESG_TO_RISK_VARIANTS:
                design = esg_to_risk_batch(batch, *ESG_TO_RISK_VARIANTS[name], level)
                fit = design.fit
            else:
                design = fe_iv_design(batch, name == "twoway_fe_iv", level)
                fit = design.fit
            tests = {"clustered t, t(G-1)": np.abs(fit.tstat(0)) > crit}
            if design is not None:
                tests["Anderson-Rubin"] = ~design.ar_covers(0.0)
            for test, hits in tests.items():
                r_, se_ = rate(hits)
                rows.append({"equation": equation, "estimator": name, "test": test, "effect": float(value),
                             "n_firms": n_firms, "n_years": n_years, "reps": n_reps,
                             "rejection_rate": r_, "mc_se": se_})
    return pd.DataFrame(rows)


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


def within_year(a: np.ndarray) -> np.ndarray:
    """Subtract each year's cross-firm mean (axis 1 of ``(R, G, T, ...)``): year dummies, by FWL."""
    return a - a.mean(axis=1, keepdims=True)


def dynamic_estimates(batch: Mapping[str, np.ndarray]) -> dict[str, BatchFit]:
    """Within (FE) and Anderson-Hsiao estimates of ``(rho, beta)`` in the dynamic panel.

    * ``fe_lagged``: within estimator of ``esg_t`` on ``esg_t-1`` and
      ``risk_t`` over years 2..T (Nickell-biased for fixed T; K = 2 + 1);
    * ``anderson_hsiao``: first differences with year effects,
      ``d esg_t-1`` instrumented by the level ``esg_t-2`` (years 3..T),
      ``d risk_t`` its own instrument (Anderson and Hsiao 1981, 1982).
      The year effects (one per year used, which include the constant) are
      needed: the level instrument has a mean of about 68 while the
      differences have mean zero, and without a constant that mean leaks
      into the first stage. Consistent for fixed T as the number of firms
      grows; K = 2 slopes + T - 2 year effects.
    Firm-clustered CR1 errors.
    """
    esg, risk = batch["esg"], batch["risk_events"]
    y = esg[..., 1:]
    x = np.stack([esg[..., :-1], risk[..., 1:]], axis=-1)
    fe = ols_batch(within(y), within(x), k_df=cluster_k(2, constant=True))
    dy = np.diff(esg, axis=2)                       # d esg_t for t = 2..T
    dr = np.diff(risk, axis=2)
    y_ah = dy[..., 1:]                              # t = 3..T
    x_ah = np.stack([dy[..., :-1], dr[..., 1:]], axis=-1)
    z_ah = np.stack([esg[..., :-2], dr[..., 1:]], axis=-1)
    n_periods = y_ah.shape[2]
    ah = iv_batch(within_year(y_ah), within_year(x_ah), within_year(z_ah),
                  k_df=cluster_k(2, constant=False, n_time_effects=n_periods))
    return {"fe_lagged": fe, "anderson_hsiao": ah}


def nickell_approximation(rho: float, n_periods: int) -> float:
    """Nickell's (1981) large-T approximation of the within bias of rho: -(1 + rho)/(T - 1).

    ``n_periods`` is the number of years in the regression (observed years
    minus the one lost to the lag).
    """
    return -(1 + rho) / (n_periods - 1)


def dynamic_study(n_reps: int, designs: Sequence[tuple[int, int]] = ((12, 6), (50, 6), (200, 6), (12, 12),
                                                                    (200, 12)),
                  rho: float = 0.5, seed: int = 0, params=None) -> pd.DataFrame:
    """Bias, RMSE and coverage of rho and beta for the within and Anderson-Hsiao estimators.

    Columns include ``reps`` and the Monte Carlo standard error of the coverage (``mc_se``).
    """
    from esgrisk.simulate import PARAMS

    p = PARAMS if params is None else params
    children = np.random.SeedSequence(seed).spawn(len(designs))
    rows = []
    for (g, t), ss in zip(designs, children, strict=True):
        fits = dynamic_estimates(simulate_dynamic_batch(n_reps, g, t, rho, np.random.default_rng(ss), p))
        for name, fit in fits.items():
            for j, (par, true) in enumerate((("rho", rho), ("beta", p.beta))):
                err = fit.params[:, j] - true
                cov, cov_se = rate(~fit.reject(j, true))
                rows.append({"n_firms": g, "n_years": t, "estimator": name, "parameter": par, "reps": n_reps,
                             "true": true, "median_bias": float(np.median(err)), "bias": float(np.mean(err)),
                             "rmse": float(np.sqrt(np.mean(err**2))), "mae": float(np.median(np.abs(err))),
                             "coverage": cov, "mc_se": cov_se})
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
    in both regimes) - the latter is a false-positive rate - and, for the
    linear model, the rejection rate of the same t-test at the true threshold
    fixed in advance (no search), which separates what the search adds from
    what the conditional t-test does on its own. Returns the table
    and the estimated thresholds per design (for a histogram).
    """
    children = np.random.SeedSequence(seed).spawn(len(designs))
    rows, thresholds = [], {}
    for (g, t), ss in zip(designs, children, strict=True):
        base = simulate_batch(n_reps, g, t, np.random.default_rng(ss), params)
        crit = stats.t.ppf(1 - level / 2, cluster_df(g))
        real = threshold_fit(threshold_batch(base, gamma, beta_low, beta_high, params.beta), candidates)
        null = threshold_fit(base, candidates)
        fixed = threshold_fit(base, [gamma], trim=0.0)   # the true threshold, no search
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
            "test at a fixed threshold rejects (model linear)":
                float(np.nanmean(np.abs(fixed["diff"] / fixed["diff_se"]) > crit)),
            "reps": n_reps,
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
    from esgrisk.figures import book_figure

    names = list(fits)
    fig = book_figure(7.0, 3.4)
    ax = fig.add_subplot()
    lo, hi = true - window, true + window
    data = [np.clip(fits[n].params[:, 0], lo, hi) for n in names]
    ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False, widths=0.55)
    ax.axvline(true, color="tab:red", lw=1.5, label=f"true effect ({true:g})")
    ax.axvline(0.0, color="0.5", lw=0.8, ls=":")
    for i, n in enumerate(names, start=1):
        b = fits[n].params[:, 0]
        outside = float(np.mean((b < lo) | (b > hi)))
        if outside > 0:
            ax.text(hi, i, f" {outside:.0%} outside", va="center", ha="left")
    ax.set_yticks(range(1, len(names) + 1), [ESTIMATOR_LABELS.get(n, n) for n in names])
    ax.set_xlim(lo, hi)
    ax.set_xlabel("estimated effect of one more risk event on ESG (points)")
    ax.set_title("Estimates across replications\n(box: quartiles, whiskers: 5th-95th percentile)")
    ax.legend(loc="lower left", frameon=False)
    return fig


def plot_design_grid(grid: pd.DataFrame, estimators: Sequence[str] = ("firm_fe", "fe_iv", "twoway_fe_iv",
                                                                      "pooled_2sls", "iv_loo")):
    """Median bias, median absolute error and coverage against the number of firms.

    One line per estimator (colour) and number of years (solid: fewest years,
    dashed: most); the x axis is logarithmic.
    """
    from esgrisk.figures import book_figure

    fig = book_figure(7.0, 6.4)
    *axes, legend_ax = fig.subplots(2, 2).ravel()
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
        ax.set_title(title)
    axes[0].axhline(0, color="0.5", lw=0.8)
    axes[1].set_yscale("log")
    axes[2].axhline(0.95, color="0.5", lw=0.8)
    axes[2].set_ylim(0, 1.02)
    handles, labels = axes[0].get_legend_handles_labels()
    legend_ax.axis("off")
    legend_ax.legend(handles, labels, loc="center", ncol=1, frameon=False)
    return fig


def plot_thresholds(thresholds: Mapping[tuple[int, int], np.ndarray], true: float,
                    candidates: Sequence[float] | None = None):
    """Histograms of the estimated threshold for each design, true threshold marked.

    ``candidates`` (the search grid) fixes a common x axis for all panels.
    """
    from esgrisk.figures import book_figure

    designs = list(thresholds)
    values = np.concatenate([v[~np.isnan(v)] for v in thresholds.values()])
    lo = float(min(candidates)) if candidates is not None else float(values.min())
    hi = float(max(candidates)) if candidates is not None else float(values.max())
    edges = np.arange(np.floor(lo) - 0.5, np.ceil(hi) + 1.5)
    fig = book_figure(3.4 * len(designs), 2.8)
    axes = np.atleast_1d(fig.subplots(1, len(designs), sharey=True, sharex=True))
    for ax, d in zip(axes, designs, strict=True):
        v = thresholds[d][~np.isnan(thresholds[d])]
        ax.hist(v, bins=edges, weights=np.full(v.size, 1 / max(v.size, 1)), color="tab:blue")
        ax.axvline(true, color="tab:red", lw=1.5)
        ax.set_title(f"{d[0]} firms x {d[1]} years")
        ax.set_xlabel("estimated threshold (events)")
    axes[0].set_ylabel("share of replications")
    return fig


def plot_first_stage_f(draws: Mapping[str, np.ndarray], estimators: Sequence[str] = ("iv_loo", "iv_inclusive"),
                       weak_f: float = 10.0, paper_f: float | None = None, panel_f: float | None = None):
    """Distributions of both first-stage F flavours of the ESG -> risk 2SLS across replications (log x axis).

    Vertical lines: the weak-instrument threshold, the paper's printed F and
    this panel's cluster-robust F (one draw), when given.
    """
    from esgrisk.figures import book_figure

    fig = book_figure(7.0, 3.6)
    axes = np.atleast_1d(fig.subplots(1, len(estimators), sharey=True))
    edges = np.logspace(-3, 4, 57)
    for ax, name in zip(axes, estimators, strict=True):
        for key, colour, label in (("f_cluster", "tab:blue", "cluster-robust F"),
                                   ("f_classical", "tab:orange", "classical F")):
            v = np.clip(draws[f"{name}:{key}"], edges[0], edges[-1])
            ax.hist(v, bins=edges, histtype="step", lw=1.5, color=colour, label=label,
                    weights=np.full(v.size, 1 / v.size))
        ax.axvline(weak_f, color="0.4", ls=":", lw=1, label=f"F = {weak_f:g}")
        if paper_f is not None:
            ax.axvline(paper_f, color="tab:red", lw=1, label=f"paper ({paper_f:g})")
        if panel_f is not None and name == "iv_loo" and np.isfinite(panel_f):
            ax.axvline(max(panel_f, edges[0]), color="k", lw=1.5, ls="--", label="this panel (one draw)")
        ax.set_xscale("log")
        ax.set_title(ESTIMATOR_LABELS.get(name, name).replace(" (", "\n("))  # two lines: side by side titles fit
        ax.set_xlabel("first-stage F")
    axes[0].set_ylabel("share of replications")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    return fig


def plot_power_curves(curves: pd.DataFrame, truths: Mapping[str, float]):
    """Rejection rate of "no effect" against the true effect, one panel per equation, +-2 MC SE bands."""
    from esgrisk.figures import book_figure

    eqs = list(dict.fromkeys(curves["equation"]))
    fig = book_figure(7.0, 6.0)
    axes = np.atleast_1d(fig.subplots(1, len(eqs), sharey=True))
    titles = {"risk_to_esg": "risk events -> ESG (beta)", "esg_to_risk": "ESG -> risk events (gamma)"}
    for ax, eq in zip(axes, eqs, strict=True):
        d = curves[curves["equation"] == eq]
        for (name, test), part in d.groupby(["estimator", "test"], sort=False):
            part = part.sort_values("effect")
            line = ax.plot(part["effect"], part["rejection_rate"], marker="o", ms=3,
                           ls="-" if test.startswith("clustered") else "--",
                           label=f"{ESTIMATOR_LABELS.get(name, name)}, {test}")[0]
            ax.fill_between(part["effect"], part["rejection_rate"] - 2 * part["mc_se"],
                            part["rejection_rate"] + 2 * part["mc_se"], color=line.get_color(), alpha=0.15)
        ax.axhline(0.05, color="0.5", lw=0.8, ls=":")
        ax.axvline(truths[eq], color="tab:red", lw=1)
        ax.set_title(titles.get(eq, eq))
        ax.set_xlabel("true effect")
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("share rejecting\n'no effect' at 5 %")
    legend = {label: h for ax in axes for h, label in zip(*ax.get_legend_handles_labels(), strict=True)}
    handles, labels = list(legend.values()), list(legend)
    fig.legend(handles, labels, loc="outside lower center", ncols=1, frameon=False)  # long labels: one column
    return fig


def control_gap_study(n_reps: int = 500, n_firms: int = 12, n_years: int = 6, seed: int = 0,
                      estimator: str = "fe_iv", params=None) -> pd.DataFrame:
    """How far the control coefficients of one panel can stray from the simulation's true (Table 2) slopes.

    Fits ``estimator`` (:func:`fit_all`) on ``n_reps`` i.i.d. panels of the
    calibrated model and on the same draws with the industry-wide yearly ESG
    shifter and the common trends of size and regulation switched off
    (``shifter_sd = size_trend = reg_trend = 0``). One row per control: the
    true slope, the median and interquartile range of the estimates in each
    case. Chapter 4 uses it to explain the gaps between its control
    coefficients and Table 2.
    """
    from dataclasses import replace

    from esgrisk.simulate import PARAMS

    base = PARAMS if params is None else params
    quiet = replace(base, shifter_sd=0.0, size_trend=0.0, reg_trend=0.0)
    truths = {"log_assets": base.b_size, "revenue_growth": base.b_growth, "cr4": base.b_cr4,
              "reg_strength": base.b_reg}
    rows = []
    est_with = fit_all(simulate_batch(n_reps, n_firms, n_years, seed, base))[estimator].params
    est_without = fit_all(simulate_batch(n_reps, n_firms, n_years, seed, quiet))[estimator].params
    for j, name in enumerate(ESG_REGRESSORS[1:], start=1):
        row = {"regressor": name, "true": truths[name], "reps": n_reps}
        for tag, values in (("with", est_with[:, j]), ("without", est_without[:, j])):
            q1, q2, q3 = np.percentile(values, [25, 50, 75])
            row.update({f"median_{tag}": float(q2), f"iqr_{tag}": float(q3 - q1)})
        rows.append(row)
    return pd.DataFrame(rows)
