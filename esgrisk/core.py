"""Building blocks of every estimator in the book, each implemented once.

* :func:`within`: the within transformation (removing firm and/or year
  means; alternating projections, exact on unbalanced panels);
* :func:`absorbed_regressors`: which regressors the fixed effects absorb;
* :func:`cluster_k` and :func:`cluster_factor`: the one small-sample rule of
  the firm-clustered covariance (below);
* :func:`t_pvalues`, :func:`cluster_df`, :func:`conf_int`: t(G-1) inference;
* :func:`cluster_ols`: OLS on transformed data with that covariance (for the
  auxiliary regressions: first stage, control function, Anderson-Rubin);
* :func:`first_stage`: first-stage strength with both F flavours, labelled
  (:class:`FirstStage`);
* :func:`cluster_wald_f`: a joint Wald test as Stata's cluster F;
* :func:`rademacher_weights`, :func:`webb_weights`: the weights of every wild
  cluster bootstrap in the book (robustness checks and Monte Carlo).

**The small-sample rule (BOARD decision 1, Stata's ``xtreg, fe
vce(cluster)``).** The firm-clustered covariance is scaled by
G/(G-1) * (N-1)/(N-K), where K counts every estimated coefficient *except*
fixed effects nested in the clusters: the slopes, the constant when it is
reported, and year effects (T-1 of them) are counted; the firm effects,
which sit inside the firm clusters, are not (each firm's effect only
absorbs that cluster's mean score, it uses no between-cluster information).
Inference uses t statistics with t(G-1) critical values and p-values: with
G clusters the covariance has at most G-1 degrees of freedom, whatever N is.
Where a linearmodels call counts K differently, a record's
``linearmodels.se_scale`` states the factor (:func:`se_scale`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from esgrisk.spec import ENTITY, TIME

__all__ = [
    "within", "within_frame", "absorbed_regressors", "cluster_k", "cluster_factor",
    "se_scale", "cluster_df", "t_pvalues", "conf_int", "cluster_codes", "ClusterOLS",
    "cluster_ols", "FirstStage", "first_stage", "cluster_wald_f", "n_time_effects",
    "COV_CLUSTERED", "rademacher_weights", "webb_weights", "WEBB_POINTS",
]

#: the one cov_type label of every firm-clustered record
COV_CLUSTERED = ("clustered(firm); small-sample G/(G-1)(N-1)/(N-K), K = coefficients incl. "
                 "constant and year effects, firm effects (nested) not counted; t(G-1)")


# --------------------------------------------------------------------------- within transformation

def within(values: pd.Series | np.ndarray, groups: Sequence[Any], *,
           max_iter: int = 10_000, tol: float = 1e-13) -> np.ndarray:
    """Residual of ``values`` (1-d or 2-d, rows = observations) after removing group means.

    With one grouping this is the within transformation; with two (firm and
    year) alternating projections, which converge to the exact two-way
    residual on unbalanced panels too. An empty ``groups`` returns a copy.
    """
    x = np.array(values, dtype=float, copy=True)
    codes = [pd.factorize(pd.Series(np.asarray(g)))[0] for g in groups]
    counts = [np.bincount(c) for c in codes]
    two_d = x.ndim == 2

    def sweep() -> None:
        for c, n in zip(codes, counts, strict=True):
            if two_d:
                sums = np.zeros((n.size, x.shape[1]))
                np.add.at(sums, c, x)
                x[...] -= (sums / n[:, None])[c]
            else:
                x[...] -= (np.bincount(c, weights=x, minlength=n.size) / n)[c]

    if len(codes) <= 1:  # one grouping: one exact pass, no convergence check (and no copies)
        sweep()
        return x
    scale = max(float(np.sqrt(np.mean(x ** 2))) if x.size else 0.0, 1.0)
    for _ in range(max_iter):
        before = x.copy()
        sweep()
        if np.max(np.abs(x - before)) <= tol * scale:
            break
    return x


def within_frame(data: pd.DataFrame, columns: Sequence[str],
                 effects: Sequence[str]) -> pd.DataFrame:
    """``columns`` of ``data`` with the means of each effect column in ``effects`` removed."""
    cols = list(columns)
    values = within(data[cols].to_numpy(float), [data[e] for e in effects])
    return pd.DataFrame(values, index=data.index, columns=cols)


def absorbed_regressors(data: pd.DataFrame, regressors: Sequence[str], effects: Sequence[str],
                        tol: float = 1e-8) -> list[str]:
    """Regressors with no variation left once the fixed effects ``effects`` are removed.

    A regressor is absorbed when the root mean square of its residual after
    removing the effects (and the overall mean) is at most ``tol`` times its
    own standard deviation, or when it is constant. Example: CR4 varies only
    by year, so year effects absorb it.
    """
    out = []
    for name in regressors:
        x = data[name].to_numpy(float)
        sd = float(np.std(x))
        if sd == 0.0:
            out.append(name)
            continue
        resid = within(x - x.mean(), [data[e] for e in effects])
        if float(np.sqrt(np.mean(resid ** 2))) <= tol * sd:
            out.append(name)
    return out


def n_time_effects(data: pd.DataFrame, effects: Sequence[str], time: str = TIME) -> int:
    """Number of year effects estimated besides the others: T-1 when ``time`` is an effect."""
    return int(data[time].nunique()) - 1 if time in effects else 0


# --------------------------------------------------------------------------- small-sample rule

def cluster_k(n_slopes: int, *, constant: bool, n_time_effects: int = 0) -> int:
    """K of the small-sample factor: slopes + reported constant + year effects.

    Firm effects, nested in the firm clusters, are never counted (module
    docstring).
    """
    return int(n_slopes) + int(bool(constant)) + int(n_time_effects)


def cluster_factor(nobs: int, k: int, n_clusters: int) -> float:
    """The small-sample factor G/(G-1) * (N-1)/(N-K) of the clustered covariance."""
    if n_clusters < 2:
        raise ValueError(f"a clustered covariance needs at least 2 clusters, got {n_clusters}")
    if nobs <= k:
        raise ValueError(f"no residual degrees of freedom: N = {nobs}, K = {k}")
    return n_clusters / (n_clusters - 1) * (nobs - 1) / (nobs - k)


def se_scale(nobs: int, k_rule: int, k_library: int) -> float:
    """Factor turning a library's clustered SE with K = ``k_library`` into the book's rule.

    Both covariances are G/(G-1)(N-1)/(N-K) times the same sandwich, so the
    standard errors differ by sqrt((N - k_library) / (N - k_rule)).
    """
    return float(np.sqrt((nobs - k_library) / (nobs - k_rule)))


def cluster_df(n_clusters: int) -> int:
    """Degrees of freedom of t and F reference distributions with G clusters: G-1."""
    if n_clusters < 2:
        raise ValueError(f"cluster inference needs at least 2 clusters, got {n_clusters}")
    return int(n_clusters) - 1


def t_pvalues(tstats: Any, df: int) -> Any:
    """Two-sided p-values of ``tstats`` from t(``df``); a Series keeps its index."""
    if isinstance(tstats, pd.Series):
        return pd.Series(2.0 * stats.t.sf(np.abs(tstats.to_numpy(float)), df), index=tstats.index)
    return 2.0 * stats.t.sf(np.abs(np.asarray(tstats, dtype=float)), df)


def conf_int(params: pd.Series, std_errors: pd.Series, df: int,
             level: float = 0.95) -> pd.DataFrame:
    """Confidence intervals params +/- t(df) quantile * SE, columns ``lower`` and ``upper``."""
    crit = float(stats.t.ppf(0.5 + level / 2, df))
    return pd.DataFrame({"lower": params - crit * std_errors, "upper": params + crit * std_errors})


def cluster_codes(data: pd.DataFrame, cluster: str = ENTITY) -> np.ndarray:
    """Integer codes 0..G-1 of the cluster column."""
    return pd.factorize(data[cluster])[0].astype(np.int64)


# --------------------------------------------------------------------------- auxiliary OLS

@dataclass(frozen=True)
class ClusterOLS:
    """OLS on (transformed) data with the book's clustered covariance."""

    params: pd.Series
    cov: pd.DataFrame
    resids: np.ndarray
    nobs: int
    n_clusters: int
    k: int
    rss: float = field(repr=False)

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    @property
    def tstats(self) -> pd.Series:
        return self.params / self.std_errors


def cluster_ols(y: pd.Series | np.ndarray, x: pd.DataFrame, codes: np.ndarray, *,
                k: int | None = None) -> ClusterOLS:
    """OLS of ``y`` on ``x`` with the firm-clustered sandwich and factor (N, ``k``, G).

    ``k`` defaults to the number of columns of ``x``; pass
    :func:`cluster_k` when ``x`` is transformed data whose effects or constant
    were removed (the within transformation does not change the scores).
    ``tests/test_core.py`` checks it against linearmodels.
    """
    xv = x.to_numpy(float)
    yv = np.asarray(y, dtype=float)
    nobs, ncol = xv.shape
    n_clusters = int(codes.max()) + 1
    xtx_inv = np.linalg.inv(xv.T @ xv)
    beta = xtx_inv @ xv.T @ yv
    resid = yv - xv @ beta
    scores = np.zeros((n_clusters, ncol))
    np.add.at(scores, codes, xv * resid[:, None])
    k_used = ncol if k is None else int(k)
    cov = cluster_factor(nobs, k_used, n_clusters) * xtx_inv @ (scores.T @ scores) @ xtx_inv
    cov = (cov + cov.T) / 2
    names = list(x.columns)
    return ClusterOLS(pd.Series(beta, index=names), pd.DataFrame(cov, index=names, columns=names),
                      resid, nobs, n_clusters, k_used, float(resid @ resid))


def cluster_wald_f(params: pd.Series, cov: pd.DataFrame, names: Sequence[str],
                   n_clusters: int) -> dict[str, float]:
    """Joint Wald test that the coefficients ``names`` are zero, as Stata's cluster F.

    The Wald statistic divided by q, compared with F(q, G-1).
    """
    names = list(names)
    b = np.asarray(params[names], dtype=float)
    v = np.asarray(cov.loc[names, names], dtype=float)
    q = len(names)
    f = float(b @ np.linalg.solve(v, b)) / q
    df2 = cluster_df(n_clusters)
    return {"stat": f, "df1": q, "df2": df2, "pvalue": float(stats.f.sf(f, q, df2))}


# --------------------------------------------------------------------------- first stage

@dataclass(frozen=True)
class FirstStage:
    """First-stage strength of the excluded instruments for one endogenous regressor.

    ``f_cluster`` (the cluster-robust Wald statistic / q, compared with
    F(q, G-1); Kleibergen-Paap-type for one endogenous regressor) decides
    weak-instrument verdicts whenever errors are clustered (BOARD decision
    2). ``f_classical`` is the classical F with every fixed effect counted in
    the residual degrees of freedom N-K-G (ivreg2 with firm dummies); it is
    shown for comparison with papers that print it, labelled "classical".
    """

    endogenous: str
    instruments: tuple[str, ...]
    f_cluster: float
    f_cluster_pvalue: float
    df_cluster: tuple[int, int]
    f_classical: float
    f_classical_pvalue: float
    df_classical: tuple[int, int]
    partial_r2: float
    coefficients: Mapping[str, float]

    def to_record(self) -> dict[str, Any]:
        """JSON-ready dict (the record's ``first_stage[<endogenous>]``)."""
        return {
            "instruments": list(self.instruments),
            "f_cluster": float(self.f_cluster), "f_cluster_pvalue": float(self.f_cluster_pvalue),
            "df_cluster": [int(d) for d in self.df_cluster],
            "f_classical": float(self.f_classical),
            "f_classical_pvalue": float(self.f_classical_pvalue),
            "df_classical": [int(d) for d in self.df_classical],
            "partial_r2": float(self.partial_r2),
            "coefficients": {str(k): float(v) for k, v in self.coefficients.items()},
            "convention": ("f_cluster: clustered Wald/q vs F(q, G-1), decides weak-instrument "
                           "verdicts; f_classical: classical F, residual df N-K-G (every "
                           "fixed effect counted)"),
        }


def first_stage(data: pd.DataFrame, endog: str, instruments: Sequence[str], exog: Sequence[str],
                effects: Sequence[str], cluster: str = ENTITY) -> FirstStage:
    """First stage of ``endog`` on the excluded ``instruments`` given ``exog`` and ``effects``.

    The regression runs on data with the effects removed (:func:`within`);
    its clustered covariance uses K = regressors + year effects (no constant:
    it is absorbed by the firm effects and not reported), as every estimator.
    The classical F counts every effect (G firm effects and T-1 year effects)
    in the residual degrees of freedom.
    """
    if ENTITY not in effects:
        raise ValueError("first_stage is for fixed-effects models: effects must include "
                         f"{ENTITY!r}, got {list(effects)}")
    instruments, exog = list(instruments), list(exog)
    cols = [endog, *instruments, *exog]
    dm = within_frame(data, cols, effects)
    codes = cluster_codes(data, cluster)
    g = int(codes.max()) + 1
    n_year = n_time_effects(data, effects)
    regressors = [*instruments, *exog]
    k = cluster_k(len(regressors), constant=False, n_time_effects=n_year)
    fit = cluster_ols(dm[endog], dm[regressors], codes, k=k)
    q = len(instruments)
    wald = cluster_wald_f(fit.params, fit.cov, instruments, g)
    if exog:
        rss_r = cluster_ols(dm[endog], dm[exog], codes).rss
    else:
        rss_r = float((dm[endog] ** 2).sum())
    df_resid = fit.nobs - len(regressors) - int(data[ENTITY].nunique()) - n_year
    f_classical = ((rss_r - fit.rss) / q) / (fit.rss / df_resid)
    return FirstStage(
        endogenous=endog, instruments=tuple(instruments),
        f_cluster=wald["stat"], f_cluster_pvalue=wald["pvalue"], df_cluster=(q, wald["df2"]),
        f_classical=float(f_classical),
        f_classical_pvalue=float(stats.f.sf(f_classical, q, df_resid)),
        df_classical=(q, int(df_resid)),
        partial_r2=float((rss_r - fit.rss) / rss_r) if rss_r > 0 else float("nan"),
        coefficients={z: float(fit.params[z]) for z in instruments})


# --------------------------------------------------------------------------- wild bootstrap weights

def rademacher_weights(n_clusters: int, n_boot: int | None = None,
                       rng: np.random.Generator | None = None) -> np.ndarray:
    """Rademacher weights of a wild cluster bootstrap, shape ``(G, B)``.

    With ``n_boot=None`` (or ``n_boot >= 2**G``) all ``2**G`` sign vectors are
    enumerated, in the order wildboottest uses, so the bootstrap p-value has
    no simulation noise and is deterministic (4,096 vectors for 12 firms).
    That does not make the *test* exact: with 12 clusters its size still
    differs from the nominal level (measured in the Monte Carlo chapter).
    Otherwise ``n_boot`` random sign vectors are drawn from ``rng``.
    """
    if n_boot is None or n_boot >= 2 ** n_clusters:
        return np.array(list(itertools.product([-1.0, 1.0], repeat=n_clusters))).T
    if rng is None:
        raise ValueError("random Rademacher weights need a numpy Generator (rng)")
    return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot))


#: the six-point distribution of Webb (2014): +-sqrt(1/2), +-1, +-sqrt(3/2), each with probability 1/6
WEBB_POINTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def webb_weights(n_clusters: int, n_boot: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Webb's six-point weights, shape ``(G, B)``, drawn at random (6**G patterns are too many)."""
    if rng is None:
        raise ValueError("Webb weights need a numpy Generator (rng)")
    return rng.choice(WEBB_POINTS, size=(n_clusters, n_boot))
