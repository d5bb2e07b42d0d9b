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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from esgrisk import published
from esgrisk.core import within as demean
from esgrisk.panel import industry_mean_esg

#: verdict labels used in the findings table
CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
NOTE = "identification note"
NOT_COMPARABLE = "not comparable as printed"
TENSION = "tension"


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
        return "normal only" if normal_ok else "none"
    lo, hi = min(dfs), max(dfs)
    contiguous = len(dfs) == hi - lo + 1
    if contiguous and hi >= grid_max:
        return f"df >= {lo}" + (" (and normal)" if normal_ok else "")
    if contiguous:
        return f"{lo} <= df <= {hi}"
    return ", ".join(str(d) for d in dfs)


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
# findings table
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One row of the audit table."""

    check: str
    expected: str
    printed: str
    verdict: str


def findings_table(findings: Iterable[Finding]) -> pd.DataFrame:
    """The audit's table of findings, one row per check."""
    return pd.DataFrame([f.__dict__ for f in findings], columns=["check", "expected", "printed", "verdict"])


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
REGRESSORS = ("risk_events", "log_assets", "revenue_growth", "cr4", "reg_strength")


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


def audit(table1: pd.DataFrame, table2: pd.DataFrame, twosls: pd.DataFrame,
          text_claims: pd.DataFrame, firms: int = PAPER_SAMPLE["firms"],
          years: int = PAPER_SAMPLE["years"]) -> dict[str, object]:
    """Run every printed-number check on the tables of :mod:`esgrisk.published`.

    Inputs are indexed by variable id (Tables 1 and 2) or claim id, as
    :mod:`esgrisk.published` returns them. Returns a dict with the detailed
    results (``t_checks``, ``pvalues``, ``common_df``, ``text_vs_table``,
    ``means``, ``means_text_reg``, ``variance``, ``descriptives``) and the
    summary ``findings`` table.
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
    reg_cmp = text_vs_table(reg_text, coefs["reg_strength"], float(table2.loc["reg_strength", "se"]))
    h2 = float(twosls.loc["h2_esg_to_risk", "coef"])
    h3 = float(twosls.loc["bidir_esg_to_risk", "coef"])
    esg_risk_cmp = text_vs_table(h2, h3)
    bidir_risk = float(twosls.loc["bidir_risk_to_esg", "coef"])
    risk_cmp = text_vs_table(bidir_risk, coefs["risk_events"])
    var_risk = variance_bound(coefs["risk_events"], float(table1.loc["risk_events", "sd"]),
                              float(table1.loc["esg", "sd"]))
    var_esg = {name: variance_bound(b, float(table1.loc["esg", "sd"]), float(table1.loc["risk_events", "sd"]))
               for name, b in (("h2", h2), ("h3", h3))}
    desc = check_descriptives(table1.reset_index())

    label_t11 = list(dfs)[1]
    slopes = pvals[pvals["variable"] != "const"]
    n_normal = int(pvals["matches normal"].sum())
    n_t11 = int(slopes[f"matches {label_t11}"].sum())
    size_row = pvals.set_index("variable").loc["log_assets"]
    findings = [
        Finding(f"t = coefficient / SE (Table 2, {len(t_checks)} rows)",
                "each printed t within rounding of coef/SE",
                f"{int(t_checks['consistent'].sum())} of {len(t_checks)} rows agree",
                CONSISTENT if t_checks["consistent"].all() else INCONSISTENT),
        Finding("p-values under the normal distribution",
                "printed p = 2(1 - Phi(|t|)) within rounding",
                f"{n_normal} of {len(pvals)} rows agree; firm size: t {size_row['t printed']:.2f} gives "
                f"{size_row['p normal']:.4f}, printed {size_row['p printed']:.3f}",
                CONSISTENT if n_normal == len(pvals) else INCONSISTENT),
        Finding(f"p-values under {label_t11.split(' =')[0]} (firm-clustered, {firms} firms)",
                "printed p from t with G-1 degrees of freedom",
                f"{n_t11} of {len(slopes)} slope rows agree",
                CONSISTENT if n_t11 == len(slopes) else INCONSISTENT),
        Finding("one reference distribution for all p-values",
                "some t(df) or the normal reproduces every row",
                (f"{describe_df_set(common['common_df'], common['normal_all'])} does"
                 if common["common_df"] or common["normal_all"] else
                 f"no df in {DF_GRID.start}-{DF_GRID.stop - 1} does")
                + "; firm size needs " + size_row["df reproducing p"]
                + f", at most {firms * years} firm-years exist",
                CONSISTENT if common["common_df"] or common["normal_all"] else INCONSISTENT),
        Finding("regulation coefficient: text vs Table 2",
                "the same number", f"text {reg_text:.2f}, table {coefs['reg_strength']:.2f} "
                f"(gap {reg_cmp['gap_in_se']:.1f} table SEs)",
                CONSISTENT if reg_cmp["consistent"] else INCONSISTENT),
        Finding("ESG -> risk: H2 test vs bidirectional check",
                "the same effect, or a stated difference in specification",
                f"{h2:.2f} vs {h3:.2f}; no specification difference reported",
                CONSISTENT if esg_risk_cmp["consistent"] else INCONSISTENT),
        Finding("risk -> ESG: Table 2 vs bidirectional check",
                "equal if the same model; may differ if the estimators differ",
                f"{coefs['risk_events']:.2f} vs {bidir_risk:.2f}; the second model is not specified",
                CONSISTENT if risk_cmp["consistent"] else NOT_COMPARABLE),
        Finding("fitted equation at Table 1 means (constant = average firm effect in FE)",
                f"mean ESG {means['esg']:.1f}",
                f"{means_check['fitted']:.2f} (rounding range {means_check['fitted_low']:.2f} to "
                f"{means_check['fitted_high']:.2f}); with the text's regulation coefficient "
                f"{means_text['fitted']:.2f}",
                CONSISTENT if means_check["consistent"] else INCONSISTENT),
        Finding("variance bound: |risk coef| x SD(risk) vs SD(ESG)",
                "at most SD(ESG) unless other terms offset it",
                f"{var_risk['term_sd']:.2f} vs {var_risk['sd_y']:.1f}: share {var_risk['share']:.2f}; needs a "
                f"correlation of at most {var_risk['min_offset_corr']:.2f} with the rest",
                CONSISTENT if var_risk["share"] <= 1 else TENSION),
        Finding("variance bound: |ESG coef| x SD(ESG) vs SD(risk)",
                "at most SD(risk)",
                f"share {var_esg['h2']['share']:.2f} (H2) and {var_esg['h3']['share']:.2f} (H3)",
                CONSISTENT if max(v["share"] for v in var_esg.values()) <= 1 else TENSION),
        Finding("Table 1: means inside ranges, SDs below the largest possible",
                "mean in [min, max]; SD <= sqrt((max-mean)(mean-min))",
                f"{int(desc['sd feasible'].sum())} of {len(desc)} rows feasible",
                CONSISTENT if desc["sd feasible"].all() and desc["mean in range"].all() else INCONSISTENT),
    ]
    return {
        "t_checks": t_checks, "pvalues": pvals, "reference_dfs": dfs, "common_df": common,
        "text_vs_table": {"reg": reg_cmp, "esg_to_risk": esg_risk_cmp, "risk_to_esg": risk_cmp},
        "means": means_check, "means_text_reg": means_text, "variance": {"risk_to_esg": var_risk, **var_esg},
        "descriptives": desc, "findings": findings,
    }


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
        Finding("regressors absorbed by year effects",
                "a coefficient is identified only from variation the effects leave",
                ("varies by year only (no variation within a year): " + ", ".join(year_only))
                if year_only else "none in this panel",
                NOTE),
        Finding("industry-average ESG instrument, one industry",
                "variation across firms within a year",
                f"{industry['distinct_values_inclusive']} distinct values (one per year); collinear with year "
                f"effects; leave-one-out version: within-year correlation with own ESG "
                f"{industry['within_year_corr_loo_own']:.2f}, 2SLS with year effects minus OLS "
                f"{industry['iv_minus_ols']:.1e}; printed first-stage F {f_stat:.2f}",
                NOTE),
        Finding("region-incidents instrument for risk events",
                "relevance shown by a first stage; exclusion argued; own incidents removed",
                ("no first-stage statistic printed for it" if not has_risk_f else "first stage printed")
                + f"; varies by region-year only ({n_regions} regions in this panel)",
                NOTE),
    ]
