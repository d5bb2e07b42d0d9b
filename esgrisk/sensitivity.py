"""Sensitivity of a regression estimate to an omitted confounder (Cinelli and Hazlett, 2020).

Everything here needs only a t statistic and its residual degrees of freedom,
so it applies to printed tables as well as to fitted models. The formulas are
those of Cinelli & Hazlett (2020, JRSS-B 82: 39-67), as implemented in the R
and Python ``sensemakr`` packages:

* partial Cohen's f of the treatment, ``f = t / sqrt(df)``;
* robustness value ``RV_q``: the partial R-squared a confounder must have with
  both the treatment and the outcome (residualised on the other regressors)
  to reduce the estimate by ``100 q`` per cent;
* ``RV_{q, alpha}``: the same, for the adjusted estimate to lose significance at
  level ``alpha`` (t critical value with ``df - 1`` degrees of freedom, since
  the confounder uses one);
* the bias and standard error of the estimate adjusted for a confounder with
  given partial R-squared values (their equations 4-6).

The partial R-squared of a regressor itself is ``t^2 / (t^2 + df)``.
"""

from __future__ import annotations

import math

from scipy import stats

__all__ = ["partial_f", "partial_r2", "robustness_value", "adjusted_estimate", "adjusted_se",
           "adjusted_t"]


def partial_f(t: float, df: int) -> float:
    """Partial Cohen's f of a regressor from its t statistic: ``|t| / sqrt(df)``."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    return abs(t) / math.sqrt(df)


def partial_r2(t: float, df: int) -> float:
    """Partial R-squared of a regressor with the outcome: ``t^2 / (t^2 + df)``."""
    return t * t / (t * t + df)


def robustness_value(t: float, df: int, q: float = 1.0, alpha: float | None = None) -> float:
    """Robustness value ``RV_q`` (``alpha=None``) or ``RV_{q, alpha}`` of an estimate with t statistic ``t``.

    ``RV_q = (sqrt(f_q^4 + 4 f_q^2) - f_q^2) / 2`` with ``f_q = q |t| / sqrt(df)``.
    For ``alpha``, ``f_q`` is replaced by ``f_q - f*`` with
    ``f* = |t_{alpha/2, df-1}| / sqrt(df - 1)``; the value is 0 when the estimate
    is not significant to begin with, and ``(f_q^2 - f*^2) / (1 + f_q^2)`` in
    the edge case ``f_q > 1 / f*`` (as in sensemakr).
    """
    fq = q * partial_f(t, df)
    if alpha is None:
        return 0.5 * (math.sqrt(fq**4 + 4 * fq**2) - fq**2)
    if df < 2:
        raise ValueError("RV at a significance level needs at least 2 degrees of freedom")
    f_crit = abs(float(stats.t.ppf(alpha / 2, df - 1))) / math.sqrt(df - 1)
    fqa = fq - f_crit
    if fqa <= 0:
        return 0.0
    if fq > 1 / f_crit:
        return (fq**2 - f_crit**2) / (1 + fq**2)
    return 0.5 * (math.sqrt(fqa**4 + 4 * fqa**2) - fqa**2)


def _bias_factor(r2_yz: float, r2_dz: float) -> float:
    if not (0 <= r2_yz < 1 and 0 <= r2_dz < 1):
        raise ValueError("partial R-squared values must lie in [0, 1)")
    return math.sqrt(r2_yz * r2_dz / (1 - r2_dz))


def adjusted_estimate(estimate: float, se: float, df: int, r2_yz: float, r2_dz: float) -> float:
    """Estimate adjusted for a confounder, moved towards zero by ``se sqrt(df) sqrt(R2yz R2dz / (1 - R2dz))``."""
    bias = se * math.sqrt(df) * _bias_factor(r2_yz, r2_dz)
    return estimate - math.copysign(bias, estimate)


def adjusted_se(se: float, df: int, r2_yz: float, r2_dz: float) -> float:
    """Standard error adjusted for the confounder: ``se sqrt((1 - R2yz) / (1 - R2dz)) sqrt(df / (df - 1))``."""
    _bias_factor(r2_yz, r2_dz)
    return se * math.sqrt((1 - r2_yz) / (1 - r2_dz)) * math.sqrt(df / (df - 1))


def adjusted_t(estimate: float, se: float, df: int, r2_yz: float, r2_dz: float) -> float:
    """t statistic of the adjusted estimate with the adjusted SE (reference t(df - 1))."""
    return adjusted_estimate(estimate, se, df, r2_yz, r2_dz) / adjusted_se(se, df, r2_yz, r2_dz)
