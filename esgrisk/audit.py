"""Internal-consistency audit of the paper's printed numbers.

Each check is a small pure function: it takes printed numbers (from
``data/published/`` through :mod:`esgrisk.published`) and returns what they
imply. A printed number stands for an interval: ``0.23`` printed with two
decimals is any value in ``[0.225, 0.235]``. A check calls two printed
numbers *consistent* when some values inside their rounding intervals satisfy
the relation exactly; it never blames rounding for more than half a unit of
the last printed digit.

:func:`findings_table` turns the results into the chapter's table of
findings (check, expected, printed, verdict).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from esgrisk import public_data, published, sensitivity
from esgrisk.core import within as demean
from esgrisk.panel import industry_mean_esg
from esgrisk.prose import text
from esgrisk.spec import ESG_EQUATION

#: verdict labels used in the findings table
CONSISTENT = "consistent"          # the printed numbers satisfy the relation
INCONSISTENT = "inconsistent"      # they cannot all be true
UNEXPLAINED = "unexplained"        # they can all be true, but only in a way the paper does not document
NOTE = "identification note"       # what the design can identify, not an error in the numbers
SENSITIVITY = "sensitivity"        # how strong an omitted confounder would have to be
#: the order in which findings are ranked in the replication summary
VERDICT_RANK = {INCONSISTENT: 0, UNEXPLAINED: 1, SENSITIVITY: 2, NOTE: 3, CONSISTENT: 4}
#: The SE-SD bound is flagged when the printed SEs (read as classical) force the model to explain
#: more than this share of the outcome's variance: a fit the paper would have to report and explain.
IMPLAUSIBLE_R2 = 0.99


def half_unit(decimals: int) -> float:
    """Half a unit in the last printed digit (``decimals=2`` gives 0.005)."""
    return 0.5 * 10.0 ** (-decimals)


def printed_decimals(text: str | float | int) -> int:
    """Number of decimals of a number as printed, e.g. ``"0.20"`` -> 2, ``"-4.00"`` -> 2."""
    s = str(text).strip().replace("\u2212", "-")
    if "e" in s.lower():
        raise ValueError(f"cannot read printed precision from {text!r}")
    return len(s.split(".")[1]) if "." in s else 0


def interval(value: float, decimals: int) -> tuple[float, float]:
    """The rounding interval of a printed value; ``ValueError`` if it is missing (NaN) or infinite."""
    if not math.isfinite(value):
        raise ValueError(f"printed value {value!r} is missing or not finite: nothing to check")
    h = half_unit(decimals)
    return value - h, value + h


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


# ---------------------------------------------------------------------------
# t = coefficient / SE
# ---------------------------------------------------------------------------

def t_ratio_range(coef: float, se: float, dec_coef: int = 2, dec_se: int = 2) -> tuple[float, float]:
    """Smallest and largest ``coef/se`` over the rounding intervals of both (``se > 0``)."""
    c_lo, c_hi = interval(coef, dec_coef)
    s_lo, s_hi = interval(se, dec_se)
    if s_lo <= 0:
        raise ValueError(f"standard error {se} is not positive at {dec_se} decimals")
    corners = [c / s for c in (c_lo, c_hi) for s in (s_lo, s_hi)]
    return min(corners), max(corners)


def check_t_ratio(coef: float, se: float, t_printed: float, dec_coef: int = 2,
                  dec_se: int = 2, dec_t: int = 2) -> dict[str, float | bool]:
    """Is the printed t the ratio of the printed coefficient and SE (up to rounding)?"""
    lo, hi = t_ratio_range(coef, se, dec_coef, dec_se)
    return {
        "t_computed": coef / se,
        "t_low": lo,
        "t_high": hi,
        "t_printed": t_printed,
        "consistent": _overlap((lo, hi), interval(t_printed, dec_t)),
    }


# ---------------------------------------------------------------------------
# p-values under normal and t reference distributions
# ---------------------------------------------------------------------------

def two_sided_p(t: float, df: float | None) -> float:
    """Two-sided p-value of ``t`` under t(df); ``df=None`` means the standard normal."""
    # stats.t.sf(x, df), not a frozen stats.t(df): freezing costs ~10x per call and
    # consistent_df evaluates thousands of degrees of freedom
    sf = stats.norm.sf(abs(t)) if df is None else stats.t.sf(abs(t), df)
    return float(2 * sf)


def p_range(t_printed: float, df: float | None, dec_t: int = 2) -> tuple[float, float]:
    """Range of two-sided p-values over the rounding interval of the printed t."""
    lo, hi = interval(abs(t_printed), dec_t)
    return two_sided_p(hi, df), two_sided_p(max(lo, 0.0), df)


def p_consistent(t_printed: float, p_printed: float, df: float | None,
                 dec_t: int = 2, dec_p: int = 3) -> bool:
    """Could the printed p come from the printed t under t(df) (normal if ``None``)?

    A printed ``0.000`` stands for any p below half a unit of the last digit.
    """
    lo, hi = interval(p_printed, dec_p)
    return _overlap(p_range(t_printed, df, dec_t), (max(lo, 0.0), hi))


DF_GRID = range(1, 2001)  # degrees of freedom searched for one that reproduces a printed p


def consistent_df(t_printed: float, p_printed: float, dec_t: int = 2, dec_p: int = 3,
                  df_grid: Iterable[int] = DF_GRID) -> list[int]:
    """The degrees of freedom in ``df_grid`` whose t distribution reproduces the printed p."""
    return [int(d) for d in df_grid if p_consistent(t_printed, p_printed, d, dec_t, dec_p)]


def describe_df_set(dfs: Sequence[int], normal_ok: bool, grid_max: int = DF_GRID.stop - 1) -> str:
    """Human-readable summary of :func:`consistent_df` output, e.g. ``"df >= 180"``."""
    if not dfs:
        return text("normal only") if normal_ok else text("none")
    lo, hi = min(dfs), max(dfs)
    contiguous = len(dfs) == hi - lo + 1
    if contiguous and hi >= grid_max:
        return text("df >= {lo} (and normal)", lo=lo) if normal_ok else f"df >= {lo}"
    if contiguous:
        return f"{lo} <= df <= {hi}"
    return ", ".join(str(d) for d in dfs)


def df_set_text(description: str) -> str:
    """The output of :func:`describe_df_set` as a translatable Text again (a DataFrame keeps only the string)."""
    normal = re.fullmatch(r"df >= (\d+) \(and normal\)", description)
    if normal:
        return text("df >= {lo} (and normal)", lo=int(normal[1]))
    return text(description) if description in ("normal only", "none") else description


def pvalue_table(table2: pd.DataFrame, dfs: Mapping[str, float | None],
                 dec_t: int = 2, dec_p: int = 3) -> pd.DataFrame:
    """For each row of Table 2: the p-value of the printed t under each reference distribution.

    ``table2`` needs columns ``variable``, ``t``, ``p``; ``dfs`` maps a label
    (e.g. ``"normal"``, ``"t(11) = t(G-1)"``) to degrees of freedom (``None``
    for the normal). Adds, per row, whether each distribution reproduces the
    printed p and the set of t degrees of freedom that do.
    """
    rows = []
    for rec in table2.itertuples(index=False):
        row = {"variable": rec.variable, "t printed": rec.t, "p printed": rec.p}
        for label, df in dfs.items():
            row[f"p {label}"] = two_sided_p(rec.t, df)
            row[f"matches {label}"] = p_consistent(rec.t, rec.p, df, dec_t, dec_p)
        ok = consistent_df(rec.t, rec.p, dec_t, dec_p)
        row["df reproducing p"] = describe_df_set(ok, p_consistent(rec.t, rec.p, None, dec_t, dec_p))
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# text versus table
# ---------------------------------------------------------------------------

def text_vs_table(text_value: float, table_value: float, se: float | None = None,
                  dec: int = 2) -> dict[str, float | bool | None]:
    """Compare a coefficient quoted in the text with the one printed in a table.

    Returns the gap, whether the two agree up to rounding and, when the
    table's SE is given, the gap in standard errors and the t ratio the text
    value would have with that SE.
    """
    gap = text_value - table_value
    return {
        "text": text_value,
        "table": table_value,
        "gap": gap,
        "consistent": _overlap(interval(text_value, dec), interval(table_value, dec)),
        "gap_in_se": None if se is None else gap / se,
        "t_with_table_se": None if se is None else text_value / se,
    }


# ---------------------------------------------------------------------------
# the fitted equation at the means
# ---------------------------------------------------------------------------

def fitted_at_means(coefs: Mapping[str, float], means: Mapping[str, float], constant: float) -> float:
    """``constant + sum_k b_k * mean_k`` over the regressors in ``coefs``.

    With an intercept, OLS passes through the sample means. In a firm
    fixed-effects model the constant that Stata (``_cons``) and linearmodels
    report is the average firm effect, defined so that the fit passes through
    the grand means too; the check applies to it as well.
    """
    missing = [k for k in coefs if k not in means]
    if missing:
        raise KeyError(f"no reported mean for regressors {missing}")
    return float(constant + sum(coefs[k] * means[k] for k in coefs))


def fitted_at_means_range(coefs: Mapping[str, float], means: Mapping[str, float],
                          constant: float, dec_coef: Mapping[str, int] | int = 2,
                          dec_mean: Mapping[str, int] | int = 2, dec_const: int = 2) -> tuple[float, float]:
    """Bounds of :func:`fitted_at_means` over the rounding intervals of every printed input."""
    def d(spec, key):
        return spec if isinstance(spec, int) else spec[key]

    lo = hi = 0.0
    for k, b in coefs.items():
        b_lo, b_hi = interval(b, d(dec_coef, k))
        m_lo, m_hi = interval(means[k], d(dec_mean, k))
        corners = [bb * mm for bb in (b_lo, b_hi) for mm in (m_lo, m_hi)]
        lo += min(corners)
        hi += max(corners)
    c_lo, c_hi = interval(constant, dec_const)
    return lo + c_lo, hi + c_hi


def check_means(coefs: Mapping[str, float], means: Mapping[str, float], constant: float,
                mean_y: float, dec_y: int = 1, **decimals) -> dict[str, float | bool]:
    """Does the fitted equation at the reported means give the reported mean of y?

    Returns the fitted value, its rounding range, the reported mean, the gap
    and the constant that would make the equation pass through the means.
    ``decimals`` go to :func:`fitted_at_means_range`; ``dec_y`` is the
    printed precision of ``mean_y``.
    """
    fit = fitted_at_means(coefs, means, constant)
    lo, hi = fitted_at_means_range(coefs, means, constant, **decimals)
    return {
        "fitted": fit,
        "fitted_low": lo,
        "fitted_high": hi,
        "mean_y": mean_y,
        "gap": mean_y - fit,
        "implied_constant": mean_y - (fit - constant),
        "consistent": _overlap((lo, hi), interval(mean_y, dec_y)),
    }


# ---------------------------------------------------------------------------
# variance bounds
# ---------------------------------------------------------------------------

def variance_bound(beta: float, sd_x: float, sd_y: float) -> dict[str, float]:
    """Spread of ``y`` that the term ``beta * x`` alone carries, against the reported SD of ``y``.

    ``share = (|beta| sd_x / sd_y)^2`` is the R-squared the term would deliver
    on its own if it were uncorrelated with the rest of the equation. A share
    above 1 means the printed numbers can only be reconciled if the other
    terms (controls, fixed effects, error) covary negatively with ``beta * x``;
    ``min_offset_corr`` is the least negative correlation between the term
    and the rest that makes ``Var(y)`` equal to ``sd_y**2`` (the rest having
    whatever variance minimises the need for offsetting).
    """
    term_sd = abs(beta) * sd_x
    share = (term_sd / sd_y) ** 2
    # Var(y) = a^2 + r^2 + 2 rho a r; for fixed a the smallest |rho| that can
    # give Var(y) = s^2 is sqrt(1 - s^2/a^2) (reached with r = a |rho|).
    min_corr = -math.sqrt(1 - 1 / share) if share > 1 else 0.0
    return {"term_sd": term_sd, "sd_y": sd_y, "share": share, "min_offset_corr": min_corr}


def bhatia_davis_max_sd(mean: float, minimum: float, maximum: float) -> float:
    """Largest SD any sample with this mean and range can have: sqrt((max-mean)(mean-min)).

    The bound is for the population SD (divisor n). A sample SD with divisor
    n - 1 can exceed it by a factor sqrt(n / (n - 1)) (1.007 for n = 72).
    """
    if not minimum <= mean <= maximum:
        return float("nan")
    return math.sqrt((maximum - mean) * (mean - minimum))


def check_descriptives(table1: pd.DataFrame) -> pd.DataFrame:
    """Mean inside [min, max] and SD below the Bhatia-Davis bound, for each row of Table 1.

    ``table1`` needs columns ``variable, mean, sd, min, max``.
    """
    rows = []
    for rec in table1.itertuples(index=False):
        bound = bhatia_davis_max_sd(rec.mean, rec.min, rec.max)
        rows.append({
            "variable": rec.variable,
            "mean in range": bool(rec.min <= rec.mean <= rec.max),
            "sd": rec.sd,
            "max possible sd": bound,
            "sd feasible": bool(rec.sd <= bound) if not math.isnan(bound) else False,
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# identification: what fixed effects absorb, the industry-mean instrument
# ---------------------------------------------------------------------------

def variation_shares(panel: pd.DataFrame, columns: Sequence[str], entity: str = "firm",
                     time: str = "year") -> pd.DataFrame:
    """Share of each column's variance left after removing firm, year, or both effects.

    A share of 0 means the effects absorb the regressor: its coefficient is
    not identified in a model with those effects.
    """
    rows = []
    for c in columns:
        x = panel[c].to_numpy(float)
        x = x - x.mean()
        total = float(np.mean(x**2))
        if total == 0.0:
            rows.append({"variable": c, "within firm": 0.0, "within year": 0.0, "within firm and year": 0.0})
            continue
        rows.append({
            "variable": c,
            "within firm": float(np.mean(demean(x, [panel[entity]]) ** 2)) / total,
            "within year": float(np.mean(demean(x, [panel[time]]) ** 2)) / total,
            "within firm and year": float(np.mean(demean(x, [panel[entity], panel[time]]) ** 2)) / total,
        })
    return pd.DataFrame(rows)


def _ols(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(x, y, rcond=None)[0]


def _tsls(y: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    xhat = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    return np.linalg.solve(xhat.T @ x, xhat.T @ y)


def industry_instrument_identification(panel: pd.DataFrame, outcome: str = "risk_events",
                                       controls: Sequence[str] = ("log_assets", "revenue_growth",
                                                                  "reg_strength")) -> dict[str, float]:
    """What the industry-average ESG instrument can identify in a one-industry sample.

    * The inclusive mean takes one value per year: with year effects it is
      perfectly collinear (``rank_gap_inclusive`` = 1 means one column too many).
    * The leave-one-out mean equals ``(n m_t - esg_it)/(n-1)``: once year
      means are removed it is ``-1/(n-1)`` times the firm's own ESG, so its
      within-year correlation with own ESG is exactly -1 and 2SLS with year
      effects reproduces OLS (``iv_minus_ols`` is rounding error).
    """
    years = pd.get_dummies(panel["year"], dtype=float).to_numpy()
    esg = panel["esg"].to_numpy(float)
    incl = industry_mean_esg(panel, leave_one_out=False).to_numpy(float)
    loo = industry_mean_esg(panel, leave_one_out=True).to_numpy(float)
    y = panel[outcome].to_numpy(float)
    ctrl = panel[list(controls)].to_numpy(float)

    def demean_year(v):
        return v - years @ np.linalg.lstsq(years, v, rcond=None)[0]

    x = np.column_stack([esg, ctrl, years])
    z = np.column_stack([loo, ctrl, years])
    b_ols = _ols(y, x)[0]
    b_iv = _tsls(y, x, z)[0]
    with_incl = np.column_stack([incl, years])
    return {
        "distinct_values_inclusive": int(np.unique(np.round(incl, 10)).size),
        "n_years": int(years.shape[1]),
        "rank_gap_inclusive": int(with_incl.shape[1] - np.linalg.matrix_rank(with_incl)),
        "within_year_corr_loo_own": float(np.corrcoef(demean_year(loo), demean_year(esg))[0, 1]),
        "ols_with_year_effects": float(b_ols),
        "iv_loo_with_year_effects": float(b_iv),
        "iv_minus_ols": float(b_iv - b_ols),
    }


# ---------------------------------------------------------------------------
# standard errors against the spreads of the regressors
# ---------------------------------------------------------------------------

def sigma_upper_bound(se: float, sd_x: float, nobs: int) -> float:
    """Largest residual SD that a classical (homoskedastic) SE allows: ``se * sqrt(N) * SD(x)``.

    For OLS, fixed effects and 2SLS with classical errors,
    ``SE(b_j) = sigma / sqrt(SST_j (1 - R2_j))`` with ``SST_j <= N SD(x_j)^2``
    (within variation and first-stage fitted values only shrink ``SST_j``;
    ``N`` rather than ``N - 1`` makes the bound hold whichever divisor the SD
    has), so ``SE >= sigma / (sqrt(N) SD(x_j))``.
    """
    return se * math.sqrt(nobs) * sd_x


def se_sd_bound(table1: pd.DataFrame, table2: pd.DataFrame, nobs: int,
                regressors: Sequence[str] = (), dependent: str = "esg",
                scale: Mapping[str, float] | None = None, dec_se: int = 2) -> dict[str, object]:
    """What the printed SEs and SDs imply for the residual SD and the R-squared (classical SEs).

    For each regressor: ``SE x SD(x)``, the bound on sigma at the printed
    values and at the edges of their rounding intervals (largest SE and SD:
    the weakest bound). The tightest bound over the regressors gives the
    smallest R-squared of the outcome, ``1 - sigma_max^2 / SD(y)^2`` (SSR/(N-K)
    = sigma^2 and SST/(N-1) = SD(y)^2, N - K <= N - 1). For each regressor,
    the R-squared on the other regressors that its SE then needs,
    ``1 - sigma_max^2 / (N SD(x)^2 SE^2)``, at printed values and at the
    rounding edges (smallest SE and SD). ``scale`` multiplies a regressor's
    mean and SD (e.g. 100: the variable in per cent, coefficients unchanged).
    Clustered SEs can be smaller than classical ones, so the bound assumes
    the printed SEs are classical.
    """
    regressors = list(regressors) or [r for r in table2.index if r != "const" and r in table1.index]
    scale = dict(scale or {})
    dec_sd = _printed_decimals_column(table1, 1) or {}
    sd_y = float(table1.loc[dependent, "sd"])
    sd_y_lo = interval(sd_y, dec_sd.get(dependent, 1))[0]
    rows = []
    for r in regressors:
        f = scale.get(r, 1.0)
        se = float(table2.loc[r, "se"])
        sd = float(table1.loc[r, "sd"]) * f
        d_sd = dec_sd.get(r, 2)
        se_lo, se_hi = interval(se, dec_se)
        sd_lo, sd_hi = (v * f for v in interval(float(table1.loc[r, "sd"]), d_sd))
        rows.append({"variable": r, "se": se, "sd": sd, "se_x_sd": se * sd,
                     "sigma_max": sigma_upper_bound(se, sd, nobs),
                     "sigma_max_rounding": sigma_upper_bound(se_hi, sd_hi, nobs),
                     "_se_lo": se_lo, "_sd_lo": sd_lo})
    frame = pd.DataFrame(rows)
    tight = frame.loc[frame["sigma_max"].idxmin()]
    tight_r = frame.loc[frame["sigma_max_rounding"].idxmin()]
    s, s_r = float(tight["sigma_max"]), float(tight_r["sigma_max_rounding"])
    # an R-squared bound below 0 says nothing: clip it
    frame["r2_other_min"] = (1 - s**2 / (nobs * frame["sd"] ** 2 * frame["se"] ** 2)).clip(lower=0.0)
    frame["r2_other_min_rounding"] = (1 - s_r**2 / (nobs * frame["_sd_lo"] ** 2
                                                    * frame["_se_lo"] ** 2)).clip(lower=0.0)
    frame = frame.drop(columns=["_se_lo", "_sd_lo"])
    return {
        "table": frame, "nobs": nobs, "sd_y": sd_y,
        "tightest": str(tight["variable"]), "sigma_max": s,
        "tightest_rounding": str(tight_r["variable"]), "sigma_max_rounding": s_r,
        "r2_min": 1 - s**2 / sd_y**2, "r2_min_rounding": 1 - s_r**2 / sd_y_lo**2,
        "se_x_sd_min": float(frame["se_x_sd"].min()), "se_x_sd_max": float(frame["se_x_sd"].max()),
        "se_x_sd_ratio": float(frame["se_x_sd"].max() / frame["se_x_sd"].min()),
    }


# ---------------------------------------------------------------------------
# a variable that takes one value per year
# ---------------------------------------------------------------------------

def min_sd_repeated(mean: float, minimum: float, maximum: float, n_values: int, repeats: int,
                    dec_mean: int | None = None, dec_range: int | None = None) -> dict[str, float]:
    """Smallest sample SD of ``n_values`` distinct values, each repeated ``repeats`` times.

    A yearly series observed for every firm (CR4 of one industry, 6 years x
    12 firms) is such a sample. Its values include the minimum ``a`` and the
    maximum ``b``; the sum of squares is smallest when the other ``k - 2``
    values are equal, ``S = d1^2 + d2^2 + (d2 - d1)^2 / (k - 2)`` with
    ``d1 = m - a``, ``d2 = b - m``, which equals
    ``2 h^2 + (2 + 4 / (k - 2)) (m - c)^2`` (``c = (a + b)/2``, ``h = (b - a)/2``).
    Over the rounding intervals it is smallest with the highest minimum, the
    lowest maximum and the mean nearest ``c``. The sample SD is
    ``sqrt(repeats S / (n - 1))`` with ``n = n_values * repeats``. The mean
    must be reachable with the other values inside ``[a, b]``; if no mean in
    its rounding interval is, ``min_sd`` is NaN (no such series exists).
    """
    k = n_values
    if k < 3:
        raise ValueError("need at least 3 distinct values")
    a = interval(minimum, dec_range)[1] if dec_range is not None else minimum
    b = interval(maximum, dec_range)[0] if dec_range is not None else maximum
    m_lo, m_hi = interval(mean, dec_mean) if dec_mean is not None else (mean, mean)
    c, h = (a + b) / 2, (b - a) / 2
    # the other k - 2 values must lie in [a, b]: means outside this range cannot be reached
    reach_lo, reach_hi = (a + b + (k - 2) * a) / k, (a + b + (k - 2) * b) / k
    lo, hi = max(m_lo, reach_lo), min(m_hi, reach_hi)
    n = k * repeats
    if lo > hi:
        return {"min_sd": math.nan, "mean_used": math.nan, "min_used": a, "max_used": b,
                "other_values": math.nan, "n": n}
    m = min(max(c, lo), hi)
    ss = 2 * h * h + (2 + 4 / (k - 2)) * (m - c) ** 2
    return {"min_sd": math.sqrt(repeats * ss / (n - 1)), "mean_used": m, "min_used": a, "max_used": b,
            "other_values": (k * m - a - b) / (k - 2), "n": n}


def cr4_year_series(table1: pd.DataFrame, years: int, firms: int, variable: str = "cr4") -> dict[str, object]:
    """Can Table 1's CR4 row describe one value per year shared by every firm?

    Compares the smallest SD such a series can have over the rounding
    intervals of the mean, min and max (:func:`min_sd_repeated`) with the
    largest value the printed SD stands for.
    """
    row = table1.loc[variable]
    dec = _printed_decimals_column(table1.loc[[variable]], 0) or {variable: 2}
    dec_sd = _printed_decimals_column(table1.loc[[variable]], 1) or {variable: 2}
    out = min_sd_repeated(float(row["mean"]), float(row["min"]), float(row["max"]), years, firms,
                          dec_mean=dec[variable], dec_range=dec[variable])
    sd_hi = interval(float(row["sd"]), dec_sd[variable])[1]
    # a mean the extremes cannot reach (NaN) is infeasible too
    return {**out, "sd_printed": float(row["sd"]), "sd_printed_max": sd_hi,
            "feasible": bool(out["min_sd"] <= sd_hi)}


# ---------------------------------------------------------------------------
# t values computed from rounded numbers?
# ---------------------------------------------------------------------------

def rounded_ratio(coef: float, se: float, dec_t: int = 2) -> float:
    """The printed coefficient over the printed SE, rounded like the printed t."""
    return round(coef / se, dec_t)


def prob_ratio_rounds_to(coef: float, se: float, t_printed: float, dec_coef: int = 2, dec_se: int = 2,
                         dec_t: int = 2) -> float:
    """P(round(c / s) = t_printed) for c and s uniform on the rounding intervals of coef and se.

    ``P = (1 / (dc ds)) int_s |[c_lo, c_hi] & [s t_lo, s t_hi]| ds`` with
    ``[t_lo, t_hi]`` the rounding interval of the printed t, integrated
    numerically (the integrand is piecewise linear in s).
    """
    c_lo, c_hi = interval(coef, dec_coef)
    s_lo, s_hi = interval(se, dec_se)
    t_lo, t_hi = interval(t_printed, dec_t)
    if s_lo <= 0:
        raise ValueError("standard error must be positive")

    def length(s):
        lo, hi = max(c_lo, s * t_lo), min(c_hi, s * t_hi)
        return max(hi - lo, 0.0)

    # breakpoints where an edge of [s t_lo, s t_hi] crosses an edge of [c_lo, c_hi]
    cuts = sorted({s_lo, s_hi, *(v / t for v in (c_lo, c_hi) for t in (t_lo, t_hi)
                                 if t != 0 and s_lo < v / t < s_hi)})
    total = sum(integrate.quad(length, a, b)[0] for a, b in zip(cuts, cuts[1:], strict=False))
    return total / ((c_hi - c_lo) * (s_hi - s_lo))


def t_from_rounded(table2: pd.DataFrame, dec: int = 2) -> dict[str, object]:
    """Which printed t values equal the ratio of the rounded coefficient and SE, and how likely that is.

    ``probability`` is the chance that every matching row matches if the
    unrounded coefficients and SEs were spread uniformly (and independently)
    within their rounding intervals: the product of :func:`prob_ratio_rounds_to`.
    """
    rows = []
    for var, r in table2.iterrows():
        ratio = rounded_ratio(float(r["coef"]), float(r["se"]), dec)
        rows.append({"variable": var, "coef / SE rounded": ratio, "t printed": float(r["t"]),
                     "equal": bool(math.isclose(ratio, float(r["t"]), abs_tol=half_unit(dec) / 10)),
                     "probability": prob_ratio_rounds_to(float(r["coef"]), float(r["se"]), float(r["t"]),
                                                         dec, dec, dec)})
    frame = pd.DataFrame(rows)
    equal = frame[frame["equal"]]
    return {"table": frame, "n_equal": int(len(equal)), "n_rows": int(len(frame)),
            "equal_rows": equal["variable"].tolist(),
            "unequal_rows": frame.loc[~frame["equal"], "variable"].tolist(),
            "probability": float(np.prod(equal["probability"])) if len(equal) else 1.0}


# ---------------------------------------------------------------------------
# the printed equation against the model it is said to be
# ---------------------------------------------------------------------------

def equation_label(equation: pd.DataFrame, entity_subscript: str = "i") -> dict[str, object]:
    """Does the printed equation have firm intercepts, as a firm fixed-effects model needs?

    ``equation`` is :func:`esgrisk.published.equation`. A single intercept
    (no firm subscript) is a pooled model; a label mentioning fixed effects
    then describes another model than the one printed.
    """
    intercept = equation.loc["intercept"]
    subs = str(intercept["subscripts"])
    label = str(equation.loc["model_label", "label_en"])
    firm_intercepts = entity_subscript in subs
    says_fe = "fixed-effects" in label or "fixed effects" in label
    return {"intercept": str(intercept["symbol"]) + (f"_{subs}" if subs else ""),
            "firm_intercepts": firm_intercepts, "label": label, "label_printed": str(equation.loc[
                "model_label", "printed"]), "says_fixed_effects": says_fe,
            "consistent": firm_intercepts or not says_fe}


# ---------------------------------------------------------------------------
# two printed numbers for one effect: one rule
# ---------------------------------------------------------------------------

def compare_reported(a: float, b: float, same_model_stated: bool, dec: int = 2) -> dict[str, object]:
    """One verdict rule for two printed values of an effect.

    Equal up to rounding: consistent. Different, and the paper says both come
    from the same estimate: inconsistent (they cannot both be true).
    Different, and the paper does not say how the two models differ:
    unexplained (both can be true, but nothing documents why they differ).
    """
    same = _overlap(interval(a, dec), interval(b, dec))
    verdict = CONSISTENT if same else (INCONSISTENT if same_model_stated else UNEXPLAINED)
    return {"a": a, "b": b, "gap": a - b, "equal_up_to_rounding": same, "verdict": verdict}


# ---------------------------------------------------------------------------
# findings table
# ---------------------------------------------------------------------------

FINDING_COLUMNS = ["id", "check", "expected", "printed", "verdict", "assumption"]


@dataclass(frozen=True)
class Finding:
    """One row of the audit table: one discrepancy (or check), with a stable ``id``.

    ``assumption`` states what the verdict needs (empty when it needs nothing
    beyond the printed numbers).
    """

    id: str
    check: str
    expected: str
    printed: str
    verdict: str
    assumption: str = ""


def findings_table(findings: Iterable[Finding]) -> pd.DataFrame:
    """The audit's table of findings, one row per finding; ``ValueError`` if two share an id."""
    frame = pd.DataFrame([f.__dict__ for f in findings], columns=FINDING_COLUMNS)
    dup = frame.loc[frame["id"].duplicated(), "id"].tolist()
    if dup:
        raise ValueError(f"finding ids must be unique; repeated: {dup}")
    return frame


#: Strength of each finding within its verdict, strongest first: a contradiction by outside data or
#: by arithmetic that no rounding can touch comes before one that rests on how a text is read.
STRENGTH = ("public_revenue_growth", "cr4_year_series", "means_constant", "p_reference_distribution",
            "text_reg", "equation_label", "se_sd_bound", "variance_risk_term", "public_log_assets",
            "t_from_rounded", "esg_to_risk_twice", "risk_to_esg_twice")


def ranked(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings ordered by verdict (inconsistent first, then unexplained, ...), then by :data:`STRENGTH`."""
    verdict = findings["verdict"].map(VERDICT_RANK).fillna(len(VERDICT_RANK))
    strength = findings["id"].map({k: i for i, k in enumerate(STRENGTH)}).fillna(len(STRENGTH))
    return (findings.assign(_v=verdict, _s=strength).sort_values(["_v", "_s"], kind="stable")
            .drop(columns=["_v", "_s"]))


def common_df(table2: pd.DataFrame, dec_t: int = 2, dec_p: int = 3,
              df_grid: Iterable[int] = DF_GRID) -> dict[str, object]:
    """Degrees of freedom (and the normal) that reproduce *every* printed p-value at once.

    ``table2`` needs columns ``t`` and ``p``. Returns the common df set, whether
    the normal reproduces all rows, and the rows the normal misses.
    """
    grid = list(df_grid)
    common: set[int] | None = None
    normal_misses = []
    for rec in table2.itertuples(index=False):
        ok = set(consistent_df(rec.t, rec.p, dec_t, dec_p, grid))
        common = ok if common is None else common & ok
        if not p_consistent(rec.t, rec.p, None, dec_t, dec_p):
            normal_misses.append(rec.variable)
    return {"common_df": sorted(common or set()), "normal_all": not normal_misses,
            "normal_misses": normal_misses}


# ---------------------------------------------------------------------------
# the audit of the paper's printed numbers, end to end
# ---------------------------------------------------------------------------

#: The paper's sample (section 3.3), read from ``data/published/sample.csv``.
PAPER_SAMPLE = published.sample()
#: The regressors of the paper's ESG equation (Table 2), from the one specification.
REGRESSORS = ESG_EQUATION.regressors


def reference_dfs(firms: int = PAPER_SAMPLE["firms"], years: int = PAPER_SAMPLE["years"],
                  k: int = len(REGRESSORS)) -> dict[str, int | None]:
    """Reference distributions a package could have used for Table 2's p-values.

    * normal (large-sample, e.g. Stata's ``xtreg, re`` or ``ivregress`` without ``small``);
    * t(G-1): clustered by firm, as Stata's ``vce(cluster)``;
    * t(N-G-k): conventional firm fixed effects (``xtreg, fe``);
    * t(N-k-1): pooled OLS with a constant.
    """
    n = firms * years
    return {
        "normal": None,
        f"t({firms - 1}) = t(G-1)": firms - 1,
        f"t({n - firms - k}) = t(N-G-k)": n - firms - k,
        f"t({n - k - 1}) = t(N-k-1)": n - k - 1,
    }


def _printed_decimals_column(frame: pd.DataFrame, cell: int) -> dict[str, int] | None:
    """Decimals of the ``cell``-th `` | ``-separated cell of each row's ``printed`` text.

    ``None`` when ``frame`` has no ``printed`` column. The numeric columns
    cannot say this: ``0.40`` is read as 0.4.
    """
    if "printed" not in frame.columns:
        return None
    return {str(k): printed_decimals(str(v).split("|")[cell]) for k, v in frame["printed"].items()}


#: Whether the paper says that two printed values of one effect come from one estimate
#: (section 4.2's text discusses Table 2's own coefficients; section 4.3 gives no
#: specification for its H2 test or its bidirectional check).
SAME_MODEL_STATED = {"text_reg": True, "esg_to_risk_twice": False, "risk_to_esg_twice": False}

#: What the authors could release to resolve each finding (the replication summary's last column).
RESOLVE = {
    "t_ratio": "nothing: the printed arithmetic holds",
    "t_from_rounded": "the software output (log) that Table 2 was typed from",
    "p_reference_distribution": "the estimation command and its output, naming the standard errors and "
                                "the reference distribution of the p-values",
    "text_reg": "a correction saying which regulation coefficient is the estimate",
    "esg_to_risk_twice": "the specification and full output of the H2 test and of the bidirectional check",
    "risk_to_esg_twice": "the specification and full output of the bidirectional check",
    "means_constant": "the regression sample's descriptive statistics and the regression output, "
                      "with the definition of the constant",
    "variance_risk_term": "the correlations of the regression sample and the model's R-squared",
    "variance_esg_term": "nothing: the printed numbers satisfy the bound",
    "se_sd_bound": "the type of standard errors, the residual standard deviation and the R-squared",
    "table1_ranges": "nothing: each row is feasible for unrestricted values",
    "cr4_year_series": "the definition of CR4 and its yearly values",
    "equation_label": "the estimated equation with its effects, and the command",
    "public_revenue_growth": "the list of the twelve firms and the panel (or the growth series with its "
                             "definition and source)",
    "public_log_assets": "the currency and unit of total assets and the list of firms",
    "sensitivity_rv": "benchmarks for confounding: the partial R-squared of the observed controls",
    "ident_year_effects": "the specification's effects and the variation behind each coefficient",
    "ident_industry_instrument": "the construction of the industry-average instrument and its first stage",
    "ident_region_instrument": "the first stage of the regional-incidents instrument and its construction",
}

#: Firms whose local reporting currency is RMB (the other named firms report in US$).
RMB_FIRMS = ("Alibaba", "JD", "PDD")
#: Years of the paper's sample, for the public-data comparison.
PAPER_YEARS = range(2018, 2024)


def _fmt_p(p: float) -> str:
    return f"{p:.1e}" if p < 1e-3 else f"{p:.3f}"


def sensitivity_findings(table2: pd.DataFrame, firms: int, years: int,
                         variable: str = "risk_events", alpha: float = 0.05) -> dict[str, object]:
    """Cinelli-Hazlett robustness values of one printed coefficient under two residual df.

    df ``N - G - k`` (firm fixed effects) and ``N - k - 1`` (pooled OLS with a
    constant), ``k`` = the number of slopes.
    """
    t = float(table2.loc[variable, "t"])
    n, k = firms * years, len(REGRESSORS)
    out = {}
    for label, df in ((f"N-G-k = {n - firms - k}", n - firms - k), (f"N-k-1 = {n - k - 1}", n - k - 1)):
        out[label] = {"df": df, "rv": sensitivity.robustness_value(t, df),
                      "rv_alpha": sensitivity.robustness_value(t, df, alpha=alpha),
                      "partial_r2": sensitivity.partial_r2(t, df)}
    return {"t": t, "alpha": alpha, "variable": variable, "by_df": out}


def public_findings(public: pd.DataFrame, table1: pd.DataFrame, firms: int, years: int) -> dict[str, object]:
    """The named firms' public revenue growth and log assets against Table 1's rows.

    Growth: the firm-years of :data:`PAPER_YEARS` outside the printed range,
    under both mappings of Alibaba's March fiscal year; the smallest SD a
    72-observation sample with the printed mean can have if it contains the
    largest public value (over the rounding interval of the mean).
    Assets: each currency reading (all RMB, all US$, each firm's own currency).
    """
    g_row, a_row = table1.loc["revenue_growth"], table1.loc["log_assets"]
    growth = public_data.revenue_growth(public)
    by_mapping = {}
    for label, shift in public_data.FY_MAPPINGS.items():
        panel = public_data.growth_panel(growth, PAPER_YEARS, shift)
        by_mapping[label] = {"panel": panel, **public_data.growth_against_range(
            panel, float(g_row["min"]), float(g_row["max"]))}
    main = by_mapping[next(iter(public_data.FY_MAPPINGS))]
    top = main["max_row"]
    dec = (_printed_decimals_column(table1.loc[["revenue_growth"]], 0) or {"revenue_growth": 2})["revenue_growth"]
    m_lo, m_hi = interval(float(g_row["mean"]), dec)
    n = firms * years
    sd_min = optimize.minimize_scalar(lambda m: public_data.min_sd_with_values([top["growth"]], n, m),
                                      bounds=(m_lo, m_hi), method="bounded")
    logs = public_data.log_assets(public)
    local = dict.fromkeys(RMB_FIRMS, "RMB")
    readings = {"RMB": {}, "USD": {}, "each firm's own currency": local}
    default = {"RMB": "RMB", "USD": "USD", "each firm's own currency": "USD"}
    rows = []
    for name, per_firm in readings.items():
        wanted = logs["firm"].map(lambda f, p=per_firm, d=default[name]: p.get(f, d))
        sub = logs[logs["currency"] == wanted]
        rows.append(public_data.assets_against_range(
            sub, float(a_row["min"]), float(a_row["max"]), {name: ["RMB", "USD"]}))
    assets = pd.concat(rows, ignore_index=True)
    return {"growth": growth, "by_mapping": by_mapping, "top": top,
            "sd_min_with_top": float(sd_min.fun), "n": n, "logs": logs, "assets": assets}


def audit(table1: pd.DataFrame, table2: pd.DataFrame, twosls: pd.DataFrame,
          text_claims: pd.DataFrame, firms: int = PAPER_SAMPLE["firms"],
          years: int = PAPER_SAMPLE["years"], equation: pd.DataFrame | None = None,
          public: pd.DataFrame | None = None) -> dict[str, object]:
    """Run every printed-number check on the tables of :mod:`esgrisk.published`.

    Inputs are indexed by variable id (Tables 1 and 2) or claim id, as
    :mod:`esgrisk.published` returns them; ``equation`` and ``public``
    (:func:`esgrisk.published.equation`, :func:`esgrisk.published.public_financials`)
    add the equation-label and public-data findings when given. Returns a dict
    with the detailed results and the summary ``findings`` (one
    :class:`Finding` per discrepancy, each with a unique id).
    """
    t2 = table2.reset_index().rename(columns={"p_value": "p"})
    t2["p"] = t2["p"].astype(float)
    t_checks = pd.DataFrame([{"variable": r.variable, **check_t_ratio(r.coef, r.se, r.t)}
                             for r in t2.itertuples(index=False)])
    dfs = reference_dfs(firms, years)
    pvals = pvalue_table(t2, dfs)
    common = common_df(t2)
    coefs = {v: float(table2.loc[v, "coef"]) for v in REGRESSORS}
    means = {v: float(table1.loc[v, "mean"]) for v in table1.index}
    const = float(table2.loc["const", "coef"])
    # each mean at its own printed precision (Table 1 prints 15.2 but 0.18); 2 decimals
    # (1 for mean ESG) when the table carries no printed text
    dec_mean = _printed_decimals_column(table1, 0)
    mean_dec = {} if dec_mean is None else {"dec_mean": dec_mean, "dec_y": dec_mean["esg"]}
    means_check = check_means(coefs, means, const, means["esg"], **mean_dec)
    reg_text = float(text_claims.loc["text_reg", "coef"])
    means_text = check_means({**coefs, "reg_strength": reg_text}, means, const, means["esg"], **mean_dec)
    percent = {"revenue_growth": 100.0, "cr4": 100.0}
    means_percent = fitted_at_means(coefs, {k: v * percent.get(k, 1.0) for k, v in means.items()}, const)
    reg_cmp = text_vs_table(reg_text, coefs["reg_strength"], float(table2.loc["reg_strength", "se"]))
    h2 = float(twosls.loc["h2_esg_to_risk", "coef"])
    h3 = float(twosls.loc["bidir_esg_to_risk", "coef"])
    bidir_risk = float(twosls.loc["bidir_risk_to_esg", "coef"])
    rules = {"text_reg": compare_reported(reg_text, coefs["reg_strength"], SAME_MODEL_STATED["text_reg"]),
             "esg_to_risk_twice": compare_reported(h2, h3, SAME_MODEL_STATED["esg_to_risk_twice"]),
             "risk_to_esg_twice": compare_reported(bidir_risk, coefs["risk_events"],
                                                   SAME_MODEL_STATED["risk_to_esg_twice"])}
    var_risk = variance_bound(coefs["risk_events"], float(table1.loc["risk_events", "sd"]),
                              float(table1.loc["esg", "sd"]))
    var_esg = {name: variance_bound(b, float(table1.loc["esg", "sd"]), float(table1.loc["risk_events", "sd"]))
               for name, b in (("h2", h2), ("h3", h3))}
    desc = check_descriptives(table1.reset_index())
    n = firms * years
    se_sd = se_sd_bound(table1, table2, n, REGRESSORS)
    se_sd_pct = se_sd_bound(table1, table2, n, REGRESSORS, scale=percent)
    cr4 = cr4_year_series(table1, years, firms)
    t_round = t_from_rounded(table2)
    sens = sensitivity_findings(table2, firms, years)

    label_t11 = list(dfs)[1]
    slopes = pvals[pvals["variable"] != "const"]
    n_normal = int(pvals["matches normal"].sum())
    n_t11 = int(slopes[f"matches {label_t11}"].sum())
    size_row = pvals.set_index("variable").loc["log_assets"]
    one_dist = bool(common["common_df"] or common["normal_all"])
    se_tab = se_sd["table"].set_index("variable")
    risk_r2 = float(se_tab.loc["risk_events", "r2_other_min"])
    risk_r2_r = float(se_tab.loc["risk_events", "r2_other_min_rounding"])
    sens_main, sens_alt = sens["by_df"].values()
    df_main, df_alt = sens["by_df"]
    findings = [
        Finding("t_ratio", f"t = coefficient / SE (Table 2, {len(t_checks)} rows)",
                "each printed t within rounding of coef/SE",
                f"{int(t_checks['consistent'].sum())} of {len(t_checks)} rows agree",
                CONSISTENT if t_checks["consistent"].all() else INCONSISTENT),
        Finding("t_from_rounded", "t values computed from the rounded coefficients and SEs",
                "t from unrounded estimates need not equal round(rounded coef / rounded SE)",
                f"{t_round['n_equal']} of {t_round['n_rows']} t values equal the ratio of the rounded numbers "
                f"({', '.join(t_round['equal_rows'])}); "
                + (f"not {', '.join(t_round['unequal_rows'])}; " if t_round["unequal_rows"] else "")
                + f"probability {_fmt_p(t_round['probability'])} if the unrounded values were spread "
                  "uniformly within their rounding intervals",
                UNEXPLAINED if t_round["probability"] < 0.01 else CONSISTENT,
                "unrounded coefficients and SEs independent and uniform within their rounding intervals"),
        Finding("p_reference_distribution", "one reference distribution for Table 2's p-values",
                "some t(df) with df <= N, or the normal, reproduces every printed p",
                f"the normal reproduces {n_normal} of {len(pvals)} rows; firm size: t "
                f"{size_row['t printed']:.2f} gives {size_row['p normal']:.4f}, printed "
                f"{size_row['p printed']:.3f}, and needs {size_row['df reproducing p']} (at most {n} "
                "firm-years); "
                + (f"{describe_df_set(common['common_df'], common['normal_all'])} reproduces every row"
                   if one_dist else f"no df in {DF_GRID.start}-{DF_GRID.stop - 1} reproduces every row")
                + f". Firm-clustered {label_t11.split(' =')[0]} reproduces {n_t11} of {len(slopes)} slope rows; "
                  "the paper does not claim clustered inference, so that is not counted",
                CONSISTENT if one_dist else INCONSISTENT,
                "all p-values of Table 2 come from one regression output"),
        Finding("text_reg", "regulation coefficient: text vs Table 2",
                "the same number", f"text {reg_text:.2f}, table {coefs['reg_strength']:.2f} "
                f"(gap {reg_cmp['gap_in_se']:.1f} table SEs); the text discusses Table 2's estimate",
                rules["text_reg"]["verdict"]),
        Finding("esg_to_risk_twice", "ESG -> risk: H2 test vs bidirectional check",
                "equal if one model; a difference needs a stated difference in specification",
                f"{h2:.2f} vs {h3:.2f}; the paper states neither specification",
                rules["esg_to_risk_twice"]["verdict"]),
        Finding("risk_to_esg_twice", "risk -> ESG: Table 2 vs bidirectional check",
                "equal if one model; a difference needs a stated difference in specification",
                f"{coefs['risk_events']:.2f} vs {bidir_risk:.2f}; the bidirectional model is not specified",
                rules["risk_to_esg_twice"]["verdict"]),
        Finding("means_constant", "fitted equation at Table 1 means",
                f"mean ESG {means['esg']:.1f} (OLS, firm FE with Stata's constant, and 2SLS with a constant "
                "all pass through the means)",
                f"{means_check['fitted']:.2f} (rounding range {means_check['fitted_low']:.2f} to "
                f"{means_check['fitted_high']:.2f}); with the text's regulation coefficient "
                f"{means_text['fitted']:.2f}; with growth and CR4 in per cent {means_percent:.2f}",
                CONSISTENT if means_check["consistent"] else INCONSISTENT,
                "Table 1 describes the regression sample"),
        Finding("variance_risk_term", "variance bound: |risk coef| x SD(risk) vs SD(ESG)",
                "at most SD(ESG) unless other terms offset it",
                f"{var_risk['term_sd']:.2f} vs {var_risk['sd_y']:.1f}: share {var_risk['share']:.2f}; needs a "
                f"correlation of at most {var_risk['min_offset_corr']:.2f} with the rest, not reported",
                CONSISTENT if var_risk["share"] <= 1 else UNEXPLAINED,
                "Table 1 describes the regression sample"),
        Finding("variance_esg_term", "variance bound: |ESG coef| x SD(ESG) vs SD(risk)",
                "at most SD(risk)",
                f"share {var_esg['h2']['share']:.2f} (H2) and {var_esg['h3']['share']:.2f} (H3)",
                CONSISTENT if max(v["share"] for v in var_esg.values()) <= 1 else UNEXPLAINED),
        Finding("se_sd_bound", "standard errors against the regressors' spreads",
                "SE(b_j) >= sigma / (sqrt(N) SD(x_j)), so sigma <= SE sqrt(N) SD(x_j)",
                f"sigma <= {se_sd['sigma_max']:.3f} from {se_sd['tightest']} ({se_sd['sigma_max_rounding']:.3f} "
                f"at the rounding edges) against SD(ESG) {se_sd['sd_y']:.1f}: R-squared >= "
                f"{se_sd['r2_min']:.5f} ({se_sd['r2_min_rounding']:.5f}); the risk SE then needs an "
                f"R-squared of risk on the other regressors >= {risk_r2:.6f} ({risk_r2_r:.6f}); SE x SD "
                f"ranges from {se_sd['se_x_sd_min']:.4f} to {se_sd['se_x_sd_max']:.2f} (factor "
                f"{se_sd['se_x_sd_ratio']:.0f}). Growth and CR4 in per cent: sigma <= "
                f"{se_sd_pct['sigma_max']:.2f} (R-squared >= {se_sd_pct['r2_min']:.3f}), but the fitted "
                f"equation at the means falls to {means_percent:.2f}",
                CONSISTENT if se_sd["r2_min"] <= IMPLAUSIBLE_R2 else UNEXPLAINED,
                "classical (homoskedastic) SEs; clustered or robust SEs can be smaller, and the paper does "
                "not say which it prints"),
        Finding("table1_ranges", "Table 1: means inside ranges, SDs below the largest possible",
                "mean in [min, max]; SD <= sqrt((max-mean)(mean-min))",
                f"{int(desc['sd feasible'].sum())} of {len(desc)} rows feasible as {n} unrestricted values "
                "(CR4 as a yearly series: see cr4_year_series)",
                CONSISTENT if desc["sd feasible"].all() and desc["mean in range"].all() else INCONSISTENT),
        Finding("cr4_year_series", "CR4 as one industry's yearly series",
                f"{years} values, each shared by {firms} firms, with the printed mean, min, max and SD",
                f"the smallest possible SD is {cr4['min_sd']:.4f} (over the rounding intervals); the printed "
                f"{cr4['sd_printed']:.2f} stands for at most {cr4['sd_printed_max']:.3f}",
                CONSISTENT if cr4["feasible"] else INCONSISTENT,
                "CR4 is the concentration ratio of the one industry, the same for every firm in a year"),
        Finding("sensitivity_rv", "sensitivity of the risk effect to an omitted confounder",
                "robustness value RV (estimate to zero) and RV at alpha 0.05 (Cinelli-Hazlett)",
                f"t {sens['t']:.2f}: RV {sens_main['rv']:.2f}, RV(alpha {sens['alpha']:.2f}) "
                f"{sens_main['rv_alpha']:.2f} with df {df_main.split('= ')[1]} ({sens_alt['rv']:.2f} / "
                f"{sens_alt['rv_alpha']:.2f} with df {df_alt.split('= ')[1]}): a confounder explaining "
                f"{100 * sens_main['rv_alpha']:.0f} % of the residual variance of both risk and ESG would "
                "remove significance",
                SENSITIVITY, "the printed t is a classical t with df N-G-k (firm effects) or N-k-1 (pooled)"),
    ]
    out = {
        "t_checks": t_checks, "pvalues": pvals, "reference_dfs": dfs, "common_df": common,
        "text_vs_table": {"reg": reg_cmp, "esg_to_risk": text_vs_table(h2, h3),
                          "risk_to_esg": text_vs_table(bidir_risk, coefs["risk_events"])},
        "verdict_rules": rules, "means": means_check, "means_text_reg": means_text,
        "means_percent": means_percent, "variance": {"risk_to_esg": var_risk, **var_esg},
        "descriptives": desc, "se_sd": se_sd, "se_sd_percent": se_sd_pct, "cr4_year": cr4,
        "t_rounded": t_round, "sensitivity": sens,
    }
    if equation is not None:
        eq = equation_label(equation)
        out["equation"] = eq
        findings.append(Finding(
            "equation_label", "the printed equation against its label",
            "firm intercepts (alpha_i) in a firm fixed-effects model",
            f"one intercept {eq['intercept']} (no firm subscript): a pooled model; the text calls it "
            f"'{eq['label']}'",
            CONSISTENT if eq["consistent"] else INCONSISTENT))
    if public is not None:
        pub = public_findings(public, table1, firms, years)
        out["public"] = pub
        (lab0, g0), (lab1, g1) = pub["by_mapping"].items()
        g_row, a_row = table1.loc["revenue_growth"], table1.loc["log_assets"]
        below = g0["below"]
        top = pub["top"]
        contradicted = g0["n_above"] + g0["n_below"] > 0
        findings.append(Finding(
            "public_revenue_growth", "named firms' public revenue growth vs Table 1",
            f"every named firm-year {PAPER_YEARS.start}-{PAPER_YEARS.stop - 1} within "
            f"[{g_row['min']:.2f}, {g_row['max']:.2f}], consistent with SD {g_row['sd']:.2f}",
            f"{g0['n_above']} of {g0['n']} comparable firm-years above {g_row['max']:.2f} ({g1['n_above']} "
            f"with Alibaba's fiscal year shifted); {top['firm']} {int(top['year'])} at {top['growth']:.2f} alone "
            f"forces an SD of at least {pub['sd_min_with_top']:.2f} in {pub['n']} observations with the printed "
            f"mean"
            + ("; below the minimum: " + ", ".join(f"{r.firm} {int(r.year)} ({r.growth:.3f})"
                                                   for r in below.itertuples()) if len(below) else ""),
            INCONSISTENT if contradicted else CONSISTENT,
            "the named firms are in the sample (as section 3.3 says) and growth is year-on-year growth of "
            "total revenue"))
        a = pub["assets"].set_index("reading")
        parts = [f"{r}: largest {a.loc[r, 'largest']:.2f} ({a.loc[r, 'largest_firm']}"
                 + (", equity: a lower bound" if a.loc[r, "largest_is_lower_bound"] else "") + ")"
                 + (" contradicts" if a.loc[r, "contradicts"] else " within")
                 for r in a.index]
        all_bad, any_bad = bool(a["contradicts"].all()), bool(a["contradicts"].any())
        findings.append(Finding(
            "public_log_assets", "named firms' public total assets vs Table 1",
            f"ln(total assets) within [{a_row['min']:.1f}, {a_row['max']:.1f}] in the currency used",
            "; ".join(parts) + f" the maximum {a_row['max']:.1f}; the paper does not state the currency",
            INCONSISTENT if all_bad else (UNEXPLAINED if any_bad else CONSISTENT),
            "total assets in currency units (logs of millions would be about 10-13)"))
    out["findings"] = findings
    return out


def identification_findings(panel: pd.DataFrame, twosls: pd.DataFrame,
                            shares: pd.DataFrame | None = None,
                            industry: Mapping[str, float] | None = None) -> list[Finding]:
    """Findings on what the paper's models can identify, illustrated on ``panel``.

    Uses :func:`variation_shares` and :func:`industry_instrument_identification`
    (computed here unless passed in). The statements follow from the design
    (one industry, region-level instrument), the panel only illustrates them.
    """
    if shares is None:
        shares = variation_shares(panel, [*REGRESSORS, "region_incidents"])
    if industry is None:
        industry = industry_instrument_identification(panel)
    sh = shares.set_index("variable")
    year_only = [v for v in sh.index if sh.loc[v, "within year"] < 1e-12]
    n_regions = int(panel["region"].nunique())
    f_stat = float(twosls.loc["first_stage_f", "statistic"])
    printed_f = twosls[twosls["statistic"].notna()]
    has_risk_f = printed_f["instrument"].str.contains("incident|region", case=False).any()
    return [
        Finding("ident_year_effects", "regressors absorbed by year effects",
                "a coefficient is identified only from variation the effects leave",
                ("varies by year only (no variation within a year): " + ", ".join(year_only))
                if year_only else "none in this panel",
                NOTE, "illustrated on the panel; CR4 of one industry is a yearly series (see cr4_year_series "
                      "for what that implies for Table 1)"),
        Finding("ident_industry_instrument", "industry-average ESG instrument, one industry",
                "variation across firms within a year",
                f"{industry['distinct_values_inclusive']} distinct values (one per year); collinear with year "
                f"effects; leave-one-out version: within-year correlation with own ESG "
                f"{industry['within_year_corr_loo_own']:.2f}, 2SLS with year effects minus OLS "
                f"{industry['iv_minus_ols']:.1e}; printed first-stage F {f_stat:.2f}",
                NOTE),
        Finding("ident_region_instrument", "region-incidents instrument for risk events",
                "relevance shown by a first stage; exclusion argued; own incidents removed",
                ("no first-stage statistic printed for it" if not has_risk_f else "first stage printed")
                + f"; varies by region-year only ({n_regions} regions in this panel)",
                NOTE),
    ]
