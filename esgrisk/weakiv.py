"""Weak-instrument-robust inference: Anderson-Rubin confidence sets.

The Anderson-Rubin (AR) test of b = b0 regresses y - b0 x on the excluded
instruments, the exogenous regressors and the fixed effects, and tests the
instruments' coefficients with the firm-clustered covariance (the book's
small-sample rule, F(q, G-1)). Its size does not depend on the instruments'
strength, so inverting it gives a confidence set that stays valid with a
weak instrument, and is unbounded when the data cannot rule out large
effects. :func:`anderson_rubin` takes a fitted :class:`esgrisk.results.IVResult`
and uses its specification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS
from scipy import optimize, stats

from esgrisk import core, recipe
from esgrisk.prose import text
from esgrisk.results import IVResult
from esgrisk.spec import ENTITY

__all__ = ["ARSet", "ARPieces", "ar_pieces", "ar_pieces_from_arrays", "ar_stat_direct", "anderson_rubin",
           "ar_set_from_pieces", "ar_quadratic_roots", "fit_data"]


@dataclass
class ARSet:
    """A weak-instrument-robust Anderson-Rubin confidence set for one coefficient."""

    intervals: list[tuple[float, float]]
    level: float
    critical_value: float
    limit_stat: float  # AR statistic as |b0| -> infinity (= cluster-robust first-stage F)
    bounded: bool
    df: tuple[int, int]
    grid: np.ndarray = field(repr=False)
    stats: np.ndarray = field(repr=False)
    pieces: Any = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        return not self.intervals

    def contains(self, value: float) -> bool:
        return any(lo <= value <= hi for lo, hi in self.intervals)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready summary; an unbounded end is ``None`` (JSON has no infinity)."""
        def end(x: float) -> float | None:
            return None if np.isinf(x) else float(x)

        return {"level": self.level, "intervals": [[end(lo), end(hi)] for lo, hi in self.intervals],
                "bounded": self.bounded, "critical_value": self.critical_value,
                "limit_stat": self.limit_stat, "df": list(self.df), "text": self.describe(3),
                "test": "Anderson-Rubin, clustered Wald/q vs F(q, G-1), inverted on a grid"}

    def describe(self, digits: int = 2) -> str:
        """The set as text, e.g. ``[-1.20, -0.31]`` or ``(-inf, -2.00] \u222a [0.50, inf)``."""
        if self.empty:
            return text("empty set (every value rejected)")  # a Text: the English string, translatable
        parts = []
        for lo, hi in self.intervals:
            left = "(-inf" if np.isneginf(lo) else f"[{lo:.{digits}f}"
            right = "inf)" if np.isposinf(hi) else f"{hi:.{digits}f}]"
            parts.append(f"{left}, {right}")
        return " \u222a ".join(parts)


@dataclass
class ARPieces:
    """Reduced-form pieces of the AR statistic (see :func:`ar_pieces`)."""

    pi_y: np.ndarray
    pi_x: np.ndarray
    q00: np.ndarray
    q01: np.ndarray
    q11: np.ndarray
    q: int
    n_clusters: int

    def stat(self, b0: np.ndarray | float) -> np.ndarray:
        b = np.atleast_1d(np.asarray(b0, dtype=float))
        pi = self.pi_y[None, :] - b[:, None] * self.pi_x[None, :]
        v = (self.q00[None] - b[:, None, None] * (self.q01 + self.q01.T)[None]
             + (b ** 2)[:, None, None] * self.q11[None])
        sol = np.linalg.solve(v, pi[..., None])[..., 0]
        return np.einsum("ij,ij->i", pi, sol) / self.q


def ar_pieces(data: pd.DataFrame, dependent: str, endog: str, instruments: Sequence[str],
              exog: Sequence[str], effects: Sequence[str] = (ENTITY,),
              cluster: str = ENTITY) -> ARPieces:
    """Reduced-form pieces: AR(b0) is a ratio of quadratics in b0 built from them.

    The AR regression of y - b0 x on [Z, W] (effects removed by
    :func:`esgrisk.core.within`) has coefficients pi_y - b0 pi_x and cluster
    scores s_g(y) - b0 s_g(x), so its clustered covariance is
    Q00 - b0 (Q01 + Q10) + b0^2 Q11 with the book's small-sample factor
    (:func:`esgrisk.core.cluster_factor`, K = instruments + exogenous
    regressors + year effects; checked against :func:`ar_stat_direct`).
    """
    exog = list(exog)
    dm = core.within_frame(data, [dependent, endog, *instruments, *exog], effects)
    r = dm[[*instruments, *exog]].to_numpy()
    yx = dm[[dependent, endog]].to_numpy()
    codes = core.cluster_codes(data, cluster)
    nobs, ncol = r.shape
    k = core.cluster_k(ncol, constant=False, n_time_effects=core.n_time_effects(data, effects))
    scale = core.cluster_factor(nobs, k, int(codes.max()) + 1)
    return ar_pieces_from_arrays(r, yx, codes, len(instruments), scale)


def ar_pieces_from_arrays(r: np.ndarray, yx: np.ndarray, codes: np.ndarray, q: int,
                          scale: float) -> ARPieces:
    """The pieces of :func:`ar_pieces` from transformed arrays.

    ``r`` (N x p): the ``q`` excluded instruments first, then the exogenous
    columns; ``yx`` (N x 2): the dependent and the endogenous variable;
    ``codes``: cluster codes 0..G-1 (``arange(N)`` for a heteroskedasticity-
    robust covariance); ``scale``: the small-sample factor
    (:func:`esgrisk.core.cluster_factor` under the book's rule).
    """
    a_inv = np.linalg.inv(r.T @ r)
    coef = a_inv @ r.T @ yx
    resid = yx - r @ coef
    n_clusters = int(codes.max()) + 1
    ncol = r.shape[1]
    scores = np.zeros((n_clusters, ncol, 2))
    np.add.at(scores, codes, r[:, :, None] * resid[:, None, :])
    m = np.einsum("ab,gbc->gac", a_inv, scores)[:, :q, :]  # (G, q, 2)
    q00 = scale * np.einsum("ga,gb->ab", m[:, :, 0], m[:, :, 0])
    q01 = scale * np.einsum("ga,gb->ab", m[:, :, 0], m[:, :, 1])
    q11 = scale * np.einsum("ga,gb->ab", m[:, :, 1], m[:, :, 1])
    return ARPieces(coef[:q, 0], coef[:q, 1], q00, q01, q11, q, n_clusters)


def ar_stat_direct(data: pd.DataFrame, b0: float, *, dependent: str, endog: str,
                   instruments: Sequence[str], exog: Sequence[str],
                   effects: Sequence[str] = (ENTITY,), cluster: str = ENTITY
                   ) -> tuple[float, float]:
    """AR statistic at one ``b0`` by the literal regression (for checking the fast path).

    Regress y - b0 * x on the instruments and exogenous regressors with the
    effects removed, by linearmodels' IV2SLS (clustered, ``extra_df`` = year
    effects), and test the instruments' coefficients = 0; returns
    (Wald / q, p-value from F(q, G-1)).
    """
    exog = list(exog)
    dm = core.within_frame(data, [dependent, endog, *instruments, *exog], effects)
    y0 = dm[dependent] - b0 * dm[endog]
    res = IV2SLS(y0, dm[[*instruments, *exog]], None, None).fit(
        cov_type="clustered", clusters=core.cluster_codes(data, cluster), debiased=True,
        extra_df=core.n_time_effects(data, effects))
    q = len(instruments)
    restriction = np.zeros((q, q + len(exog)))
    restriction[np.arange(q), np.arange(q)] = 1.0
    f = float(res.wald_test(restriction).stat) / q
    g = int(data[cluster].nunique())
    return f, float(stats.f.sf(f, q, core.cluster_df(g)))


def fit_data(panel: pd.DataFrame, fit: IVResult) -> pd.DataFrame:
    """The estimation sample of ``fit``: the panel with its derived columns, as the estimator."""
    return recipe.derive(panel, fit.linearmodels["derived"])


def anderson_rubin(panel: pd.DataFrame, fit: IVResult, *, level: float = 0.95,
                   grid: np.ndarray | None = None, center: float | None = None,
                   scale: float | None = None) -> ARSet:
    """Weak-instrument-robust Anderson-Rubin confidence set of ``fit``'s endogenous coefficient.

    Same specification as the 2SLS fit (dependent variable, instruments,
    exogenous regressors, effects, derived columns, cluster). For each b0 on
    a grid, AR(b0) is the clustered Wald statistic / q of the instruments in
    the regression of y - b0 x on instruments, exogenous regressors and the
    effects; b0 is kept when AR(b0) <= the ``level`` quantile of F(q, G-1).
    The grid is evaluated in closed form (:func:`ar_pieces`), endpoints are
    refined by root finding.

    The set can be a bounded interval, the whole line, two rays, or empty.
    It is unbounded exactly when the instruments fail the (cluster-robust)
    first-stage test at the same level, ``limit_stat`` <= critical value.
    """
    (endog,) = fit.endogenous
    pieces = ar_pieces(fit_data(panel, fit), fit.dependent, endog, fit.instruments, fit.exog,
                       fit.effects)
    return ar_set_from_pieces(pieces, level=level, grid=grid, center=center, scale=scale)


def ar_set_from_pieces(pieces: ARPieces, level: float = 0.95, grid: np.ndarray | None = None,
                       center: float | None = None, scale: float | None = None) -> ARSet:
    """Invert the AR test given its reduced-form pieces (see :func:`anderson_rubin_ci`)."""
    q, g = pieces.q, pieces.n_clusters
    crit = float(stats.f.ppf(level, q, g - 1))
    limit = float(pieces.pi_x @ np.linalg.solve(pieces.q11, pieces.pi_x)) / q
    bounded = limit > crit
    if grid is None:
        if center is None:  # just-identified 2SLS from the reduced forms (IV = pi_y / pi_x)
            center = float(np.sum(pieces.pi_y * pieces.pi_x) / np.sum(pieces.pi_x ** 2))
        if scale is None:
            scale = max(1.0, abs(center))
        grid = center + scale * np.linspace(-10.0, 10.0, 4001)
        for _ in range(40):  # widen until the bounded set sits inside the grid
            stat = pieces.stat(grid)
            if not bounded or (stat[0] > crit and stat[-1] > crit):
                break
            half = (grid[-1] - grid[0])
            grid = np.linspace(grid[0] - half, grid[-1] + half, grid.size)
    grid = np.asarray(grid, dtype=float)
    stat = pieces.stat(grid)
    accept = stat <= crit

    def f(b: float) -> float:
        return float(pieces.stat(b)[0]) - crit

    intervals: list[tuple[float, float]] = []
    i = 0
    n = grid.size
    while i < n:
        if not accept[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and accept[j + 1]:
            j += 1
        lo = optimize.brentq(f, grid[i - 1], grid[i]) if i > 0 else (
            -np.inf if not bounded else grid[0])
        hi = optimize.brentq(f, grid[j], grid[j + 1]) if j < n - 1 else (
            np.inf if not bounded else grid[-1])
        intervals.append((float(lo), float(hi)))
        i = j + 1
    return ARSet(intervals=intervals, level=level, critical_value=crit, limit_stat=limit,
                 bounded=bounded, df=(q, g - 1), grid=grid, stats=stat, pieces=pieces)


def ar_quadratic_roots(pieces: ARPieces, level: float = 0.95,
                       df: int | None = None) -> tuple[float, float, float]:
    """For one instrument: coefficients (a, b, c) of a b0^2 + b b0 + c <= 0, the exact AR set.

    The critical value is the ``level`` quantile of F(1, ``df``), ``df``
    defaulting to G-1 (:func:`esgrisk.core.cluster_df`).
    """
    if pieces.q != 1:
        raise ValueError("closed form only for one instrument")
    df = core.cluster_df(pieces.n_clusters) if df is None else df
    crit = float(stats.f.ppf(level, 1, df))
    py, px = float(pieces.pi_y[0]), float(pieces.pi_x[0])
    v00, v01, v11 = float(pieces.q00[0, 0]), float(pieces.q01[0, 0]), float(pieces.q11[0, 0])
    return px ** 2 - crit * v11, -2 * py * px + 2 * crit * v01, py ** 2 - crit * v00
