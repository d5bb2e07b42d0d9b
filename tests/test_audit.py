"""The replication audit (esgrisk.audit): each check against an independent computation.

Expectations come from closed forms (the t distribution with 1 or 2 degrees
of freedom, the normal through ``math.erfc``, the regularised incomplete beta
function), from brute force over the rounding box, from statsmodels and
linearmodels fits, or from arithmetic done by hand on the paper's printed
numbers. A synthetic "clean paper", generated from an exactly consistent
truth and then rounded, must pass every check; each planted error must flip
exactly its own row of the findings table.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special

from esgrisk import audit, published

SLOPES = ["risk_events", "log_assets", "revenue_growth", "cr4", "reg_strength"]
VERDICTS = {audit.CONSISTENT, audit.INCONSISTENT, audit.UNEXPLAINED, audit.NOTE, audit.SENSITIVITY}


# ---------------------------------------------------------------------------
# independent reference computations
# ---------------------------------------------------------------------------

def p_normal(t):
    """Two-sided normal p-value through the complementary error function (vectorised)."""
    return special.erfc(np.abs(t) / math.sqrt(2))


def p_student(t, df):
    """Two-sided t(df) p-value as a regularised incomplete beta: I_{df/(df+t^2)}(df/2, 1/2)."""
    t = np.asarray(t, dtype=float)
    return special.betainc(df / 2, 0.5, df / (df + t * t))


def p_interval_overlap(t: float, p: float, pfun, dec_t: int = 2, dec_p: int = 3) -> bool:
    """Brute force: does some t in its rounding interval give a p in the printed p's interval?"""
    ts = np.linspace(abs(t) - 0.5 * 10**-dec_t, abs(t) + 0.5 * 10**-dec_t, 401)
    ps = pfun(np.maximum(ts, 0.0))
    return bool(np.any((ps >= p - 0.5 * 10**-dec_p) & (ps <= p + 0.5 * 10**-dec_p)))


@pytest.fixture(scope="module")
def paper():
    return published.table1(), published.table2(), published.twosls(), published.text_claims()


@pytest.fixture(scope="module")
def result(paper):
    return audit.audit(*paper)


# ---------------------------------------------------------------------------
# printed precision and rounding intervals
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "decimals"), [
    ("0.20", 2), ("\u22124.00", 2), ("-4.00", 2), ("35", 0), (" 0.000 ", 3), ("14.27", 2), (0.4, 1), (3, 0),
])
def test_printed_decimals(text, decimals):
    assert audit.printed_decimals(text) == decimals


def test_printed_decimals_rejects_scientific_notation():
    with pytest.raises(ValueError, match="precision"):
        audit.printed_decimals("1e-3")


def test_every_printed_cell_parses_and_matches_the_numeric_column(paper):
    t1, t2, _, _ = paper
    for frame, cols in ((t1, ["mean", "sd", "min", "max"]), (t2, ["coef", "se", "t", "p_value"])):
        for var, row in frame.iterrows():
            cells = row["printed"].split(" | ")
            assert len(cells) == len(cols), var
            for cell, col in zip(cells, cols, strict=True):
                audit.printed_decimals(cell)  # parses
                assert float(cell.replace("\u2212", "-")) == row[col], (var, col)


def test_half_unit_and_interval():
    assert audit.half_unit(2) == pytest.approx(0.005)
    assert audit.half_unit(0) == pytest.approx(0.5)
    assert audit.interval(0.23, 2) == pytest.approx((0.225, 0.235))
    assert audit.interval(-4.0, 2) == pytest.approx((-4.005, -3.995))
    assert audit.interval(68.5, 1) == pytest.approx((68.45, 68.55))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_missing_printed_value_raises_instead_of_being_called_inconsistent(bad):
    # a missing number is not evidence against the paper: it must not come back as "inconsistent"
    with pytest.raises(ValueError, match="missing"):
        audit.interval(bad, 2)
    with pytest.raises(ValueError, match="missing"):
        audit.check_t_ratio(bad, 0.23, -4.00)
    with pytest.raises(ValueError, match="missing"):
        audit.check_t_ratio(-0.92, 0.23, bad)
    with pytest.raises(ValueError, match="missing"):
        audit.p_consistent(bad, 0.012, None)
    with pytest.raises(ValueError, match="missing"):
        audit.p_consistent(2.50, bad, None)
    with pytest.raises(ValueError, match="missing"):
        audit.text_vs_table(bad, 0.20)
    with pytest.raises(ValueError, match="missing"):
        audit.check_means({"x": 1.0}, {"x": bad}, 0.0, 1.0)


# ---------------------------------------------------------------------------
# t = coefficient / SE
# ---------------------------------------------------------------------------

def test_t_ratio_range_equals_brute_force_over_the_rounding_box():
    rng = np.random.default_rng(1)
    for _ in range(50):
        coef = round(float(rng.uniform(-3, 3)), 2)
        se = round(float(rng.uniform(0.02, 1.5)), 2)
        cs = np.linspace(coef - 0.005, coef + 0.005, 101)
        ss = np.linspace(se - 0.005, se + 0.005, 101)
        ratios = cs[:, None] / ss[None, :]
        lo, hi = audit.t_ratio_range(coef, se)
        assert lo == pytest.approx(ratios.min(), rel=1e-12)
        assert hi == pytest.approx(ratios.max(), rel=1e-12)


def test_t_ratio_boundary_hand_computed():
    # coef 1.00, SE 0.50: the ratio lies in [0.995/0.505, 1.005/0.495] = [1.9703, 2.0303]
    lo, hi = audit.t_ratio_range(1.00, 0.50)
    assert lo == pytest.approx(0.995 / 0.505) and hi == pytest.approx(1.005 / 0.495)
    assert audit.check_t_ratio(1.00, 0.50, 2.00)["consistent"]
    assert audit.check_t_ratio(1.00, 0.50, 2.03)["consistent"]        # [2.025, 2.035] reaches 2.0303
    assert not audit.check_t_ratio(1.00, 0.50, 2.04)["consistent"]    # [2.035, 2.045] does not
    assert audit.check_t_ratio(1.00, 0.50, 1.97)["consistent"]
    assert not audit.check_t_ratio(1.00, 0.50, 1.96)["consistent"]    # [1.955, 1.965] < 1.9703
    assert not audit.check_t_ratio(1.00, 0.50, -2.00)["consistent"]   # sign matters
    out = audit.check_t_ratio(1.00, 0.50, 2.00)
    assert set(out) == {"t_computed", "t_low", "t_high", "t_printed", "consistent"}
    assert out["t_computed"] == 2.0 and out["t_printed"] == 2.00


def test_t_ratio_more_printed_decimals_narrow_the_interval():
    # 1.000/0.500: ratio within [1.997, 2.003]; 2.01 is fine at 2 decimals, not at 3
    assert audit.check_t_ratio(1.00, 0.50, 2.01)["consistent"]
    assert not audit.check_t_ratio(1.000, 0.500, 2.01, dec_coef=3, dec_se=3)["consistent"]


def test_true_values_rounded_for_print_are_never_flagged():
    """No false alarms: numbers from one exact computation, then rounded, always pass."""
    rng = np.random.default_rng(2025)
    for _ in range(500):
        coef, se = float(rng.uniform(-5, 5)), float(rng.uniform(0.05, 2.0))
        out = audit.check_t_ratio(round(coef, 2), round(se, 2), round(coef / se, 2))
        assert out["consistent"], (coef, se)
        assert out["t_low"] <= coef / se <= out["t_high"]


@pytest.mark.parametrize(("se", "dec_se"), [(0.0, 2), (0.004, 2), (-0.23, 2), (0.0, 3)])
def test_zero_or_negative_se_raises(se, dec_se):
    with pytest.raises(ValueError, match="not positive"):
        audit.check_t_ratio(0.50, se, 2.00, dec_se=dec_se)


def test_small_but_positive_se_is_accepted():
    # 0.004 printed with 3 decimals is in [0.0035, 0.0045]: positive
    out = audit.check_t_ratio(0.010, 0.004, 2.50, dec_coef=3, dec_se=3)
    assert out["consistent"] and out["t_low"] > 0


# ---------------------------------------------------------------------------
# p-values and degrees of freedom
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("t", [0.0, 0.5, -1.0, 1.96, 2.5, -4.0, 7.3])
def test_two_sided_p_matches_closed_forms(t):
    assert audit.two_sided_p(t, None) == pytest.approx(p_normal(t), rel=1e-9, abs=1e-300)
    # t(1) is the Cauchy distribution; t(2) has a closed-form CDF too
    assert audit.two_sided_p(t, 1) == pytest.approx(1 - 2 / math.pi * math.atan(abs(t)), rel=1e-9)
    assert audit.two_sided_p(t, 2) == pytest.approx(1 - abs(t) / math.sqrt(2 + t * t), rel=1e-9, abs=1e-15)
    for df in (5, 11, 55, 66, 487):
        assert audit.two_sided_p(t, df) == pytest.approx(p_student(t, df), rel=1e-9, abs=1e-300)


def test_two_sided_p_known_critical_values():
    assert audit.two_sided_p(1.959963984540054, None) == pytest.approx(0.05, rel=1e-9)
    assert audit.two_sided_p(2.200985160082949, 11) == pytest.approx(0.05, rel=1e-9)  # t_{0.975, 11}
    assert audit.two_sided_p(2.570581835636314, 5) == pytest.approx(0.05, rel=1e-9)   # t_{0.975, 5}


def test_p_range_uses_the_ends_of_the_t_interval():
    lo, hi = audit.p_range(-2.00, 2)
    assert lo == pytest.approx(1 - 2.005 / math.sqrt(2 + 2.005**2))
    assert hi == pytest.approx(1 - 1.995 / math.sqrt(2 + 1.995**2))
    assert lo < hi
    # a printed t of 0.00 reaches p = 1
    assert audit.p_range(0.00, None)[1] == pytest.approx(1.0)


@pytest.mark.parametrize(("t", "p", "df"), [
    (1.96, 0.050, None), (1.96, 0.049, None), (1.96, 0.051, None), (1.96, 0.060, None),
    (2.20, 0.050, 11), (2.20, 0.040, 11), (2.57, 0.050, 5), (2.57, 0.050, None),
    (1.00, 0.500, 1), (1.00, 0.317, None), (1.00, 0.320, None), (-4.00, 0.000, None),
    (-4.00, 0.000, 11), (3.30, 0.001, None), (3.30, 0.000, None),
])
def test_p_consistent_agrees_with_brute_force(t, p, df):
    pfun = p_normal if df is None else (lambda x: p_student(x, df))
    assert audit.p_consistent(t, p, df) == p_interval_overlap(t, p, pfun)


def test_printed_zero_p_means_below_half_a_unit():
    # 0.000 stands for p < 0.0005: t = 3.50 (normal p 0.00047) qualifies, t = 3.40 (0.00067) does not
    assert p_normal(3.495) < 0.0005 < p_normal(3.395)
    assert audit.p_consistent(3.50, 0.000, None)
    assert not audit.p_consistent(3.40, 0.000, None)


def test_true_p_values_rounded_for_print_are_never_flagged():
    rng = np.random.default_rng(7)
    for _ in range(300):
        t = float(rng.uniform(-5, 5))
        df = [None, 3, 11, 55, 200][int(rng.integers(5))]
        p = p_normal(t) if df is None else p_student(t, df)
        assert audit.p_consistent(round(t, 2), round(p, 3), df), (t, df)
        if df is not None:
            assert df in audit.consistent_df(round(t, 2), round(p, 3), df_grid=range(df - 2, df + 3)), (t, df)


def test_consistent_df_matches_brute_force():
    grid = range(1, 301)
    for t, p in ((2.23, 0.050), (2.20, 0.050), (2.69, 0.008), (1.71, 0.088)):
        expected = [d for d in grid if p_interval_overlap(t, p, lambda x, d=d: p_student(x, d))]
        assert audit.consistent_df(t, p, df_grid=grid) == expected, (t, p)


@pytest.mark.parametrize(("dfs", "normal_ok", "text"), [
    ([], True, "normal only"), ([], False, "none"), ([3, 4, 5], False, "3 <= df <= 5"),
    (list(range(180, 2001)), False, "df >= 180"), (list(range(180, 2001)), True, "df >= 180 (and normal)"),
    ([2, 5, 9], False, "2, 5, 9"), ([7], False, "7 <= df <= 7"),
])
def test_describe_df_set(dfs, normal_ok, text):
    assert audit.describe_df_set(dfs, normal_ok) == text


def test_reference_dfs_degrees_of_freedom():
    # 12 firms x 6 years = 72, k = 5 slopes: G-1 = 11, N-G-k = 55, N-k-1 = 66
    assert audit.reference_dfs() == {"normal": None, "t(11) = t(G-1)": 11,
                                     "t(55) = t(N-G-k)": 55, "t(66) = t(N-k-1)": 66}
    assert list(audit.reference_dfs(firms=20, years=5, k=3).values()) == [None, 19, 77, 96]


def test_pvalue_table_columns_and_values():
    t2 = pd.DataFrame({"variable": ["a", "b"], "t": [1.96, 2.20], "p": [0.050, 0.050]})
    dfs = {"normal": None, "t(11)": 11}
    out = audit.pvalue_table(t2, dfs)
    assert list(out.columns) == ["variable", "t printed", "p printed", "p normal", "matches normal",
                                 "p t(11)", "matches t(11)", "df reproducing p"]
    assert list(out["variable"]) == ["a", "b"]
    assert out["p normal"].tolist() == pytest.approx([p_normal(1.96), p_normal(2.20)])
    assert out["p t(11)"].tolist() == pytest.approx([p_student(1.96, 11), p_student(2.20, 11)])
    assert out["matches normal"].tolist() == [True, False]    # normal p at 2.20 is 0.028
    assert out["matches t(11)"].tolist() == [False, True]     # t(11) p at 1.96 is 0.076
    assert out.loc[0, "df reproducing p"].endswith("(and normal)")


def test_common_df_is_the_intersection_of_the_rows():
    grid = range(1, 301)
    t2 = pd.DataFrame({"variable": ["a", "b", "c"], "t": [2.20, 2.21, 10.00], "p": [0.050, 0.050, 0.000]})
    out = audit.common_df(t2, df_grid=grid)
    sets = [{d for d in grid if p_interval_overlap(t, p, lambda x, d=d: p_student(x, d))}
            for t, p in zip(t2["t"], t2["p"], strict=True)]
    assert out["common_df"] == sorted(set.intersection(*sets))
    assert out["common_df"] == [11]  # t_{0.975, 11} = 2.201
    assert not out["normal_all"] and out["normal_misses"] == ["a", "b"]
    # rows that no single df reproduces
    t2b = pd.DataFrame({"variable": ["a", "b"], "t": [2.23, 2.00], "p": [0.050, 0.050]})
    outb = audit.common_df(t2b, df_grid=grid)
    assert outb["common_df"] == []
    assert outb["normal_misses"] == ["a", "b"]  # normal p at 2.00 is 0.046


# ---------------------------------------------------------------------------
# text vs table, fitted equation at the means
# ---------------------------------------------------------------------------

def test_text_vs_table():
    out = audit.text_vs_table(0.28, 0.20, 0.08)
    assert out["gap"] == pytest.approx(0.08) and out["gap_in_se"] == pytest.approx(1.0)
    assert out["t_with_table_se"] == pytest.approx(3.5) and out["consistent"] is False
    same = audit.text_vs_table(0.20, 0.20)
    assert same["consistent"] and same["gap"] == 0 and same["gap_in_se"] is None and same["t_with_table_se"] is None
    assert not audit.text_vs_table(-0.78, -0.72)["consistent"]


def test_ols_passes_through_the_means_statsmodels():
    """The premise of the means check, on an OLS fit by statsmodels."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3)) * [2.0, 0.5, 5.0] + [10.0, 1.0, -3.0]
    y = 4.0 + x @ [0.7, -1.3, 0.2] + rng.normal(size=200)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    names = ["a", "b", "c"]
    coefs = dict(zip(names, fit.params[1:], strict=True))
    means = dict(zip(names, x.mean(axis=0), strict=True))
    assert audit.fitted_at_means(coefs, means, fit.params[0]) == pytest.approx(y.mean(), rel=1e-12)
    # rounded for print (coefficients 2 decimals, means 1, constant 2, mean y 1): still consistent
    out = audit.check_means({k: round(v, 2) for k, v in coefs.items()}, {k: round(v, 1) for k, v in means.items()},
                            round(fit.params[0], 2), round(y.mean(), 1), dec_y=1, dec_mean=1)
    assert out["consistent"]
    # a constant off by 1 is caught
    bad = audit.check_means({k: round(v, 2) for k, v in coefs.items()}, {k: round(v, 1) for k, v in means.items()},
                            round(fit.params[0] + 1, 2), round(y.mean(), 1), dec_y=1, dec_mean=1)
    assert not bad["consistent"] and bad["gap"] == pytest.approx(-1, abs=0.25)


def test_fixed_effects_constant_passes_through_the_grand_means_linearmodels():
    """The module's claim that the FE 'constant' (average firm effect) also passes through the means."""
    from linearmodels.panel import PanelOLS

    rng = np.random.default_rng(4)
    firms, years = 8, 6
    idx = pd.MultiIndex.from_product([range(firms), range(2018, 2018 + years)], names=["firm", "year"])
    idx = idx.delete([3, 17, 30])  # unbalanced
    effect = rng.normal(scale=3, size=firms)[idx.get_level_values("firm")]
    x = pd.DataFrame({"a": rng.normal(size=len(idx)) + effect / 3, "b": rng.normal(size=len(idx))}, index=idx)
    y = pd.Series(10 + effect + 0.8 * x["a"] - 0.4 * x["b"] + rng.normal(size=len(idx)), index=idx, name="y")
    res = PanelOLS(y, sm.add_constant(x), entity_effects=True).fit()
    fitted = audit.fitted_at_means({"a": res.params["a"], "b": res.params["b"]}, x.mean().to_dict(),
                                   res.params["const"])
    assert fitted == pytest.approx(y.mean(), rel=1e-10)


def test_fitted_at_means_range_is_the_extreme_over_all_vertices():
    coefs = {"a": -0.92, "b": 0.35, "c": 0.12}
    means = {"a": 15.2, "b": 23.1, "c": 0.18}
    dec_mean = {"a": 1, "b": 1, "c": 2}
    lo, hi = audit.fitted_at_means_range(coefs, means, 50.21, dec_coef=2, dec_mean=dec_mean, dec_const=2)
    # the fit is multilinear in the inputs, so its extremes over the box are at vertices
    boxes = [audit.interval(50.21, 2)] + [audit.interval(coefs[k], 2) for k in coefs] + \
            [audit.interval(means[k], dec_mean[k]) for k in coefs]
    values = [v[0] + sum(b * m for b, m in zip(v[1:4], v[4:], strict=True)) for v in itertools.product(*boxes)]
    assert lo == pytest.approx(min(values)) and hi == pytest.approx(max(values))


def test_check_means_fields_and_missing_mean():
    out = audit.check_means({"x": 2.00}, {"x": 3.0}, 1.00, 7.0)
    assert out["fitted"] == pytest.approx(7.0) and out["gap"] == pytest.approx(0.0)
    assert out["implied_constant"] == pytest.approx(1.0) and out["consistent"]
    out = audit.check_means({"x": 2.00}, {"x": 3.0}, 1.00, 9.0)
    assert out["implied_constant"] == pytest.approx(3.0) and not out["consistent"]
    with pytest.raises(KeyError, match="no reported mean"):
        audit.check_means({"x": 2.0, "z": 1.0}, {"x": 3.0}, 1.0, 7.0)


# ---------------------------------------------------------------------------
# variance bounds and Table 1 feasibility
# ---------------------------------------------------------------------------

def test_variance_bound_hand_computed_and_optimal():
    out = audit.variance_bound(-0.92, 8.3, 7.2)
    assert out["term_sd"] == pytest.approx(0.92 * 8.3)
    assert out["share"] == pytest.approx((0.92 * 8.3 / 7.2) ** 2)
    a, s, rho = out["term_sd"], out["sd_y"], out["min_offset_corr"]
    # the least negative correlation over every spread r of the rest: rho(r) = (s^2 - a^2 - r^2) / (2 a r)
    r = np.linspace(1e-3, 5 * a, 200_001)
    best = np.max((s**2 - a**2 - r**2) / (2 * a * r))
    assert rho == pytest.approx(best, abs=1e-8)
    r_star = a * abs(rho)  # the docstring's minimiser
    assert a**2 + r_star**2 + 2 * rho * a * r_star == pytest.approx(s**2)
    assert audit.variance_bound(0.5, 2.0, 3.0)["min_offset_corr"] == 0.0
    assert audit.variance_bound(0.5, 2.0, 3.0)["share"] == pytest.approx(1 / 9)


def test_bhatia_davis_bound_against_samples():
    rng = np.random.default_rng(5)
    for _ in range(200):
        x = rng.uniform(-2, 3, size=int(rng.integers(2, 30))) ** 3
        bound = audit.bhatia_davis_max_sd(x.mean(), x.min(), x.max())
        assert np.std(x, ddof=0) <= bound + 1e-9
    # attained by a sample at the two ends: {0, 0, 0, 4} has mean 1, SD sqrt(3) = sqrt((4-1)(1-0))
    x = np.array([0.0, 0.0, 0.0, 4.0])
    assert audit.bhatia_davis_max_sd(1.0, 0.0, 4.0) == pytest.approx(np.std(x)) == pytest.approx(math.sqrt(3))
    # the bound is for the population SD: the sample SD (n - 1) of {0, 1} exceeds it, as the docstring says
    assert np.std([0.0, 1.0], ddof=1) > audit.bhatia_davis_max_sd(0.5, 0.0, 1.0)
    assert math.isnan(audit.bhatia_davis_max_sd(5.0, 0.0, 4.0))


def test_check_descriptives_flags_infeasible_rows():
    t1 = pd.DataFrame({"variable": ["ok", "sd_too_big", "mean_out"], "mean": [1.0, 1.0, 5.0],
                       "sd": [1.0, 2.0, 0.1], "min": [0.0, 0.0, 0.0], "max": [4.0, 4.0, 4.0]})
    out = audit.check_descriptives(t1)
    assert list(out.columns) == ["variable", "mean in range", "sd", "max possible sd", "sd feasible"]
    assert out["mean in range"].tolist() == [True, True, False]
    assert out["sd feasible"].tolist() == [True, False, False]
    assert out.loc[0, "max possible sd"] == pytest.approx(math.sqrt(3))


# ---------------------------------------------------------------------------
# identification on a synthetic panel
# ---------------------------------------------------------------------------

def _panel(balanced: bool = True, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firms = [f"F{i:02d}" for i in range(1, 9)]
    years = list(range(2018, 2024))
    region = {f: ("A" if i < 3 else "B" if i < 6 else "C") for i, f in enumerate(firms)}
    df = pd.DataFrame([(f, y) for f in firms for y in years], columns=["firm", "year"])
    if not balanced:
        df = df.drop(index=[2, 9, 10, 30, 41]).reset_index(drop=True)
    df["region"] = df["firm"].map(region)
    n = len(df)
    df["esg"] = 60 + rng.normal(scale=6, size=n) + df["firm"].str[1:].astype(int)
    df["log_assets"] = 20 + rng.normal(size=n)
    df["revenue_growth"] = rng.normal(0.1, 0.05, size=n)
    df["cr4"] = df["year"].map(dict(zip(years, rng.uniform(0.4, 0.8, size=len(years)), strict=True)))
    df["reg_strength"] = df["region"].map({"A": 6.0, "B": 7.5, "C": 8.0})
    ry = {(r, y): float(rng.uniform(50, 150)) for r in "ABC" for y in years}
    df["region_incidents"] = [ry[(r, y)] for r, y in zip(df["region"], df["year"], strict=True)]
    df["risk_events"] = rng.poisson(10, size=n).astype(float) - 0.2 * (df["esg"] - 60)
    return df


def test_variation_shares_against_dummy_regressions():
    panel = _panel(balanced=False)
    cols = ["esg", "log_assets", "cr4", "reg_strength", "region_incidents"]
    out = audit.variation_shares(panel, cols).set_index("variable")
    firm_d = pd.get_dummies(panel["firm"], dtype=float)
    year_d = pd.get_dummies(panel["year"], dtype=float)
    for c in cols:
        x = panel[c].to_numpy(float)
        total = np.mean((x - x.mean()) ** 2)
        for label, dummies in (("within firm", firm_d), ("within year", year_d),
                               ("within firm and year", pd.concat([firm_d, year_d], axis=1))):
            # least squares on the dummies (rank-deficient for both sets together: lstsq copes)
            coef = np.linalg.lstsq(dummies.to_numpy(), x, rcond=None)[0]
            resid = x - dummies.to_numpy() @ coef
            assert out.loc[c, label] == pytest.approx(np.mean(resid**2) / total, abs=1e-9), (c, label)
    assert out.loc["cr4", "within year"] == pytest.approx(0, abs=1e-12)
    assert out.loc["reg_strength", "within firm"] == pytest.approx(0, abs=1e-12)
    constant = audit.variation_shares(panel.assign(k=1.0), ["k"])
    assert constant.iloc[0, 1:].tolist() == [0.0, 0.0, 0.0]


def test_industry_instrument_balanced_panel_reproduces_ols():
    panel = _panel(balanced=True)
    out = audit.industry_instrument_identification(panel)
    assert out["distinct_values_inclusive"] == out["n_years"] == 6
    assert out["rank_gap_inclusive"] == 1
    assert out["within_year_corr_loo_own"] == pytest.approx(-1.0, abs=1e-12)
    assert abs(out["iv_minus_ols"]) < 1e-8
    x = pd.concat([panel[["esg", "log_assets", "revenue_growth", "reg_strength"]],
                   pd.get_dummies(panel["year"], dtype=float)], axis=1).to_numpy(float)
    ols = sm.OLS(panel["risk_events"].to_numpy(float), x).fit()
    assert out["ols_with_year_effects"] == pytest.approx(ols.params[0], rel=1e-9)


def test_industry_instrument_2sls_matches_linearmodels_on_unbalanced_panel():
    from linearmodels.iv import IV2SLS

    from esgrisk.panel import industry_mean_esg

    panel = _panel(balanced=False)
    out = audit.industry_instrument_identification(panel)
    years = pd.get_dummies(panel["year"], dtype=float, prefix="y")
    exog = pd.concat([panel[["log_assets", "revenue_growth", "reg_strength"]], years], axis=1)
    res = IV2SLS(panel["risk_events"], exog, panel[["esg"]],
                 industry_mean_esg(panel, leave_one_out=True).rename("loo").to_frame()).fit()
    assert out["iv_loo_with_year_effects"] == pytest.approx(res.params["esg"], rel=1e-8)


def test_identification_findings(paper):
    panel = _panel()
    out = audit.identification_findings(panel, paper[2])
    assert len(out) == 3 and all(f.verdict == audit.NOTE for f in out)
    assert [f.id for f in out] == ["ident_year_effects", "ident_industry_instrument", "ident_region_instrument"]
    assert "cr4" in out[0].printed and "reg_strength" not in out[0].printed
    assert "6 distinct values" in out[1].printed and "-1.00" in out[1].printed and "23.67" in out[1].printed
    assert out[2].printed.startswith("no first-stage statistic printed") and "3 regions" in out[2].printed


# ---------------------------------------------------------------------------
# findings table
# ---------------------------------------------------------------------------

def test_findings_table_one_row_per_finding():
    fs = [audit.Finding(f"id{i}", f"check {i}", "e", "p", v) for i, v in enumerate(sorted(VERDICTS))]
    out = audit.findings_table(fs)
    assert list(out.columns) == ["id", "check", "expected", "printed", "verdict", "assumption"]
    assert len(out) == len(fs) and out["check"].tolist() == [f.check for f in fs]
    assert out["verdict"].tolist() == [f.verdict for f in fs]
    assert audit.findings_table(iter(fs)).equals(out)
    empty = audit.findings_table([])
    assert empty.empty and list(empty.columns) == audit.FINDING_COLUMNS
    with pytest.raises(ValueError, match="unique"):
        audit.findings_table([fs[0], fs[0]])


# ---------------------------------------------------------------------------
# the audit of the paper's printed numbers
# ---------------------------------------------------------------------------

EXPECTED_VERDICTS = {
    "t_ratio": audit.CONSISTENT,
    "t_from_rounded": audit.UNEXPLAINED,
    "p_reference_distribution": audit.INCONSISTENT,
    "text_reg": audit.INCONSISTENT,
    "esg_to_risk_twice": audit.UNEXPLAINED,
    "risk_to_esg_twice": audit.UNEXPLAINED,
    "means_constant": audit.INCONSISTENT,
    "variance_risk_term": audit.UNEXPLAINED,
    "variance_esg_term": audit.CONSISTENT,
    "se_sd_bound": audit.UNEXPLAINED,
    "table1_ranges": audit.CONSISTENT,
    "cr4_year_series": audit.INCONSISTENT,
    "sensitivity_rv": audit.SENSITIVITY,
}
WITH_EXTRAS = {"equation_label": audit.INCONSISTENT, "public_revenue_growth": audit.INCONSISTENT,
               "public_log_assets": audit.UNEXPLAINED}


def test_paper_findings_table(result):
    table = audit.findings_table(result["findings"])
    assert table["id"].tolist() == list(EXPECTED_VERDICTS)
    assert dict(zip(table["id"], table["verdict"], strict=True)) == EXPECTED_VERDICTS
    assert table["check"].is_unique and set(table["verdict"]) <= VERDICTS
    assert (table[["id", "check", "expected", "printed"]] != "").all().all()


@pytest.fixture(scope="module")
def full_result(paper):
    return audit.audit(*paper, equation=published.equation(), public=published.public_financials())


def test_paper_findings_with_equation_and_public_data(full_result):
    table = audit.findings_table(full_result["findings"])
    assert table["id"].tolist() == [*EXPECTED_VERDICTS, *WITH_EXTRAS]
    assert dict(zip(table["id"], table["verdict"], strict=True)) == {**EXPECTED_VERDICTS, **WITH_EXTRAS}
    # every id the replication summary ranks has a "what to release" entry
    assert set(table["id"]) <= set(audit.RESOLVE)
    ranked = audit.ranked(table)
    order = [audit.VERDICT_RANK[v] for v in ranked["verdict"]]
    assert order == sorted(order) and ranked.iloc[0]["id"] == "public_revenue_growth"


def test_analogous_comparisons_get_the_same_rule():
    # the same rule for both 2SLS pairs; "inconsistent" only where the paper says it is one estimate
    assert audit.compare_reported(-0.78, -0.72, False)["verdict"] == audit.UNEXPLAINED
    assert audit.compare_reported(-0.92, -0.89, False)["verdict"] == audit.UNEXPLAINED
    assert audit.compare_reported(0.28, 0.20, True)["verdict"] == audit.INCONSISTENT
    assert audit.compare_reported(-0.92, -0.915, True)["verdict"] == audit.CONSISTENT
    assert not audit.SAME_MODEL_STATED["esg_to_risk_twice"] and not audit.SAME_MODEL_STATED["risk_to_esg_twice"]


def test_p_values_are_one_finding_and_t11_is_not_counted(result):
    ids = [f.id for f in result["findings"]]
    assert sum("p" in i.split("_")[0] for i in ids) == 1
    row = next(f for f in result["findings"] if f.id == "p_reference_distribution")
    assert "t(11) reproduces 0 of 5 slope rows" in row.printed and "not counted" in row.printed
    assert "85 <= df <= 487" in row.printed and "0.0071" in row.printed


# ---------------------------------------------------------------------------
# SE against SD: brute force over rounding intervals
# ---------------------------------------------------------------------------

def test_se_sd_bound_paper_numbers(result):
    ss = result["se_sd"]
    tab = ss["table"].set_index("variable")
    assert ss["tightest"] == "revenue_growth"
    assert ss["sigma_max"] == pytest.approx(0.07 * math.sqrt(72) * 0.06)
    assert ss["r2_min"] == pytest.approx(1 - (0.07 * math.sqrt(72) * 0.06) ** 2 / 7.2**2)
    assert round(ss["r2_min"], 5) == 0.99998
    assert tab.loc["risk_events", "r2_other_min"] == pytest.approx(
        1 - (0.07 * 0.06) ** 2 / (8.3 * 0.23) ** 2)
    assert ss["se_x_sd_min"] == pytest.approx(0.0042) and ss["se_x_sd_max"] == pytest.approx(1.909)
    assert round(ss["se_x_sd_ratio"]) == 455
    # the per-cent reading: the fitted equation at the means moves further from 68.5
    assert result["means_percent"] == pytest.approx(50.21 - 0.92 * 15.2 + 0.35 * 23.1 + 0.12 * 18
                                                    - 0.15 * 65 + 0.20 * 7.5)
    assert result["se_sd_percent"]["tightest"] == "reg_strength"


def test_se_sd_bound_rounding_edges_by_brute_force(result):
    ss = result["se_sd"]
    # the weakest bound over the rounding box: largest SE and SD of every row, minimised over rows
    rows = {"risk_events": (0.23, 8.3, 1), "log_assets": (0.13, 2.5, 1), "revenue_growth": (0.07, 0.06, 2),
            "cr4": (0.09, 0.12, 2), "reg_strength": (0.08, 1.5, 1)}
    best = math.inf
    for se, sd, dsd in rows.values():
        grid = itertools.product(np.linspace(se - 0.005, se + 0.005, 11),
                                 np.linspace(sd - 0.5 * 10**-dsd, sd + 0.5 * 10**-dsd, 11))
        best = min(best, max(a * math.sqrt(72) * b for a, b in grid))
    assert ss["sigma_max_rounding"] == pytest.approx(best)
    assert ss["r2_min_rounding"] == pytest.approx(1 - best**2 / 7.15**2)


def test_se_sd_bound_holds_for_classical_ols_fe_and_2sls():
    """The inequality itself, on simulated data with statsmodels and linearmodels classical SEs."""
    from linearmodels.iv import IV2SLS

    rng = np.random.default_rng(4)
    n = 200
    x = rng.normal(size=(n, 3))
    x[:, 1] += 0.9 * x[:, 0]
    z = x[:, 0] + rng.normal(size=n)
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=3.0, size=n)
    ols = sm.OLS(y, sm.add_constant(x)).fit()
    sigma = math.sqrt(ols.scale)
    for j in range(3):
        assert ols.bse[j + 1] >= sigma / (math.sqrt(n) * x[:, j].std(ddof=1))
    firm = np.repeat(np.arange(20), 10)
    xd = x - pd.DataFrame(x).groupby(firm).transform("mean").to_numpy()
    yd = y - pd.Series(y).groupby(firm).transform("mean").to_numpy()
    fe = sm.OLS(yd, xd).fit()
    sigma_fe = math.sqrt(np.sum(fe.resid**2) / (n - 20 - 3))
    se_fe = fe.bse * math.sqrt(fe.df_resid / (n - 20 - 3))
    for j in range(3):
        assert se_fe[j] >= sigma_fe / (math.sqrt(n) * x[:, j].std(ddof=1))
    iv = IV2SLS(y, sm.add_constant(x[:, 1:]), x[:, :1], z[:, None]).fit(cov_type="unadjusted", debiased=True)
    s_iv = math.sqrt(np.sum(iv.resids**2) / (n - 4))
    assert float(iv.std_errors.iloc[-1]) >= s_iv / (math.sqrt(n) * x[:, 0].std(ddof=1))


# ---------------------------------------------------------------------------
# CR4 as a yearly series: against scipy's constrained optimiser
# ---------------------------------------------------------------------------

def test_cr4_year_series_paper(result):
    cr = result["cr4_year"]
    assert cr["min_sd"] == pytest.approx(0.1287, abs=5e-5) and cr["sd_printed_max"] == pytest.approx(0.125)
    assert not cr["feasible"]
    # at the printed values (no rounding) the bound is larger still
    exact = audit.min_sd_repeated(0.65, 0.40, 0.85, 6, 12)
    assert exact["min_sd"] == pytest.approx(math.sqrt(12 * (0.25**2 + 0.2**2 + 4 * 0.0125**2) / 71))


@pytest.mark.parametrize(("mean", "lo", "hi", "k"), [(0.65, 0.40, 0.85, 6), (0.30, 0.10, 0.90, 5),
                                                     (0.70, 0.45, 0.95, 4)])
def test_min_sd_repeated_against_slsqp(mean, lo, hi, k):
    from scipy import optimize

    reps = 12
    dec = 2
    h = 0.005

    def sd(v):
        x = np.repeat(v, reps)
        return x.std(ddof=1)

    best = math.inf
    for start in range(5):
        rng = np.random.default_rng(start)
        v0 = np.sort(rng.uniform(lo, hi, k))
        v0[0], v0[-1] = lo, hi
        cons = [{"type": "ineq", "fun": lambda v: (mean + h) - v.mean()},
                {"type": "ineq", "fun": lambda v: v.mean() - (mean - h)},
                {"type": "ineq", "fun": lambda v: (lo + h) - v.min()},
                {"type": "ineq", "fun": lambda v: v.min() - (lo - h)},
                {"type": "ineq", "fun": lambda v: (hi + h) - v.max()},
                {"type": "ineq", "fun": lambda v: v.max() - (hi - h)}]
        res = optimize.minimize(lambda v: sd(v) ** 2, v0, constraints=cons, method="SLSQP",
                                options={"ftol": 1e-14, "maxiter": 500})
        if res.success:
            best = min(best, math.sqrt(res.fun))
    ours = audit.min_sd_repeated(mean, lo, hi, k, reps, dec_mean=dec, dec_range=dec)["min_sd"]
    assert ours == pytest.approx(best, rel=1e-4)


def test_min_sd_repeated_unreachable_mean_is_nan():
    # 4 values in [0.45, 0.95] including both ends cannot average 0.50
    out = audit.min_sd_repeated(0.50, 0.45, 0.95, 4, 12, dec_mean=2, dec_range=2)
    assert math.isnan(out["min_sd"])


# ---------------------------------------------------------------------------
# t values from rounded numbers: against Monte Carlo
# ---------------------------------------------------------------------------

def test_t_from_rounded_paper(result):
    tr = result["t_rounded"]
    assert tr["equal_rows"] == SLOPES and tr["unequal_rows"] == ["const"]
    assert tr["probability"] == pytest.approx(2.0e-7, rel=0.05)


@pytest.mark.parametrize(("coef", "se", "t"), [(-0.92, 0.23, -4.00), (0.35, 0.13, 2.69), (0.12, 0.07, 1.71),
                                               (50.21, 3.52, 14.26)])
def test_prob_ratio_rounds_to_against_monte_carlo(coef, se, t):
    rng = np.random.default_rng(11)
    c = rng.uniform(coef - 0.005, coef + 0.005, 2_000_000)
    s = rng.uniform(se - 0.005, se + 0.005, 2_000_000)
    ratio = c / s
    mc = np.mean((ratio >= t - 0.005) & (ratio <= t + 0.005))
    assert audit.prob_ratio_rounds_to(coef, se, t) == pytest.approx(mc, abs=4 * math.sqrt(mc / 2e6) + 1e-6)


# ---------------------------------------------------------------------------
# the equation label
# ---------------------------------------------------------------------------

def test_equation_label_paper_and_a_firm_intercept():
    eq = published.equation()
    out = audit.equation_label(eq)
    assert out["intercept"] == "α" and not out["firm_intercepts"] and out["says_fixed_effects"]
    assert not out["consistent"]
    fixed = eq.copy()
    fixed.loc["intercept", "subscripts"] = "i"
    assert audit.equation_label(fixed)["consistent"]


# ---------------------------------------------------------------------------
# the public data
# ---------------------------------------------------------------------------

def test_public_revenue_growth_paper(full_result):
    pub = full_result["public"]
    first, second = pub["by_mapping"].values()
    assert (first["n_above"], second["n_above"]) == (11, 10)
    assert first["n"] == 28 and len(first["panel"]) == 30
    assert pub["top"]["firm"] == "PDD" and pub["top"]["growth"] == pytest.approx(13119.990 / 1744.076 - 1)
    assert pub["sd_min_with_top"] == pytest.approx(0.758, abs=2e-3)
    assert first["below"][["firm", "year"]].values.tolist() == [["eBay", 2022]]
    assets = pub["assets"].set_index("reading")
    assert assets.loc["RMB", "contradicts"] and not assets.loc["USD", "contradicts"]
    assert assets.loc["USD", "largest"] == pytest.approx(math.log(527854e6))
    assert assets.loc["RMB", "largest"] == pytest.approx(math.log(1.08e12))


def test_chapter_cites_every_public_data_source():
    """The audit chapter's citation of the public data lists exactly the data file's sources, each in the bib."""
    import re

    from esgrisk.paths import BOOK, NOTEBOOKS

    text = (NOTEBOOKS / "07_audit.py").read_text(encoding="utf-8")
    sources = set(published.public_financials()["source"])
    cited = [set(g.split(",")) for g in re.findall(r"\{cite:p\}`([^`]+)`", text) if "pdd_stoxray" in g]
    assert cited and cited[0] == sources
    bib = (BOOK / "references.bib").read_text(encoding="utf-8")
    assert all(f"{{{key}," in bib for key in sources)


# ---------------------------------------------------------------------------
# sensitivity: the published Cinelli-Hazlett formulas
# ---------------------------------------------------------------------------

def test_sensitivity_paper(result):
    s = result["sensitivity"]["by_df"]
    main, alt = s.values()
    assert (main["df"], alt["df"]) == (55, 66)
    assert round(main["rv"], 2) == 0.41 and round(main["rv_alpha"], 2) == 0.23
    assert round(alt["rv"], 2) == 0.39 and round(alt["rv_alpha"], 2) == 0.22


def test_paper_constant_t_consistent_only_through_rounding(result, paper):
    # 50.21 / 3.52 = 14.2642, which rounds to 14.26, not the printed 14.27; but the ratio can be
    # anything in [50.205/3.525, 50.215/3.515] = [14.2426, 14.2859], which covers [14.265, 14.275]
    row = result["t_checks"].set_index("variable").loc["const"]
    assert round(50.21 / 3.52, 2) == 14.26 and row["t_printed"] == 14.27
    assert row["t_low"] == pytest.approx(50.205 / 3.525) and row["t_high"] == pytest.approx(50.215 / 3.515)
    assert bool(row["consistent"])
    assert result["t_checks"]["variable"].tolist() == [*SLOPES, "const"]
    assert result["t_checks"]["consistent"].all()


def test_paper_firm_size_p_value_fits_no_plausible_distribution(result):
    # t = 2.69 printed (so 2.685 to 2.695), p = 0.008 printed (0.0075 to 0.0085)
    assert p_normal(2.685) < 0.0075                     # the normal gives at most 0.00725
    assert p_student(2.695, 72) > 0.0085                # t with as many df as firm-years: at least 0.0088
    assert p_student(2.695, 11) > 0.0085                # t(G-1) gives at least 0.0208
    # the edges of the df set, by hand: df 84 gives at least 0.0085000147, df 488 at most 0.0074999
    assert p_student(2.695, 84) > 0.0085 >= p_student(2.695, 85)
    assert p_student(2.685, 488) < 0.0075 <= p_student(2.685, 487)
    dfs = [d for d in range(1, 2001) if p_interval_overlap(2.69, 0.008, lambda x, d=d: p_student(x, d))]
    assert dfs == list(range(85, 488))
    row = result["pvalues"].set_index("variable").loc["log_assets"]
    assert not row["matches normal"] and row["df reproducing p"] == "85 <= df <= 487"
    assert row["p normal"] == pytest.approx(p_normal(2.69))
    assert result["common_df"] == {"common_df": [], "normal_all": False, "normal_misses": ["log_assets"]}


def test_paper_p_values_against_each_reference_distribution(result, paper):
    t2 = paper[1]
    pv = result["pvalues"].set_index("variable")
    for var in [*SLOPES, "const"]:
        t, p = t2.loc[var, "t"], t2.loc[var, "p_value"]
        assert pv.loc[var, "matches normal"] == p_interval_overlap(t, p, p_normal), var
        for label, df in list(result["reference_dfs"].items())[1:]:
            assert pv.loc[var, f"p {label}"] == pytest.approx(p_student(t, df), rel=1e-9), (var, label)
            assert pv.loc[var, f"matches {label}"] == p_interval_overlap(t, p, lambda x, df=df: p_student(x, df))
    # firm-clustered t(11) reproduces none of the five slopes
    assert not pv.loc[SLOPES, "matches t(11) = t(G-1)"].any()


def test_paper_regulation_text_vs_table(result):
    reg = result["text_vs_table"]["reg"]
    assert (reg["text"], reg["table"]) == (0.28, 0.20)
    assert reg["gap_in_se"] == pytest.approx(1.0) and reg["t_with_table_se"] == pytest.approx(3.5)
    # the text's 0.28 with the table's SE 0.08 cannot give the printed t 2.50
    assert not audit.check_t_ratio(0.28, 0.08, 2.50)["consistent"]
    assert audit.check_t_ratio(0.20, 0.08, 2.50)["consistent"]


def test_paper_fitted_equation_at_means(result):
    m = result["means"]
    fit = 50.21 - 0.92 * 15.2 + 0.35 * 23.1 + 0.12 * 0.18 - 0.15 * 0.65 + 0.20 * 7.5
    assert m["fitted"] == pytest.approx(fit) == pytest.approx(45.7351)
    assert m["gap"] == pytest.approx(68.5 - fit) and m["implied_constant"] == pytest.approx(50.21 + 68.5 - fit)
    # rounding range with each input at its printed precision: Table 1 prints 15.2, 23.1 and 7.5
    # with one decimal (+-0.05), 0.18 and 0.65 with two
    coefs = [-0.92, 0.35, 0.12, -0.15, 0.20]
    means = [(15.2, 1), (23.1, 1), (0.18, 2), (0.65, 2), (7.5, 1)]
    boxes = [audit.interval(50.21, 2)] + [audit.interval(b, 2) for b in coefs] + \
            [audit.interval(v, d) for v, d in means]
    values = [v[0] + sum(b * x for b, x in zip(v[1:6], v[6:], strict=True)) for v in itertools.product(*boxes)]
    assert m["fitted_low"] == pytest.approx(min(values)) and m["fitted_high"] == pytest.approx(max(values))
    assert m["fitted_low"] == pytest.approx(45.4223, abs=1e-4) and m["fitted_high"] == pytest.approx(46.0484, abs=1e-4)
    assert not m["consistent"] and m["fitted_high"] < 68.45
    assert result["means_text_reg"]["fitted"] == pytest.approx(fit + 0.08 * 7.5)


def test_paper_variance_bounds(result):
    v = result["variance"]
    assert v["risk_to_esg"]["share"] == pytest.approx((0.92 * 8.3 / 7.2) ** 2)
    assert v["risk_to_esg"]["share"] > 1 and v["risk_to_esg"]["min_offset_corr"] == pytest.approx(-0.3331, abs=1e-4)
    assert v["h2"]["share"] == pytest.approx((0.78 * 7.2 / 8.3) ** 2)
    assert v["h3"]["share"] == pytest.approx((0.72 * 7.2 / 8.3) ** 2)


def test_audit_is_deterministic_and_leaves_inputs_alone(paper, result):
    copies = [f.copy() for f in paper]
    again = audit.audit(*paper)
    for a, b in zip(paper, copies, strict=True):
        pd.testing.assert_frame_equal(a, b)
    for key in ("t_checks", "pvalues", "descriptives"):
        pd.testing.assert_frame_equal(again[key], result[key])
    pd.testing.assert_frame_equal(audit.findings_table(again["findings"]), audit.findings_table(result["findings"]))
    assert again["means"] == result["means"] and again["common_df"] == result["common_df"]


# ---------------------------------------------------------------------------
# a synthetic clean paper: every check passes; each planted error flips its own row
# ---------------------------------------------------------------------------

def _clean_paper() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Printed tables rounded from one exactly consistent truth.

    True means 0.96, 2.04 and 1.04 print as 1.0, 2.0 and 1.0 (one decimal); with slopes -5, 4 and 3
    the fit at the printed means (52.90) is 0.48 below the true mean of y (53.38, printed 53.4).
    Only rounding each mean by its own printed precision (+-0.05) explains that gap. The t values
    are ratios of unrounded estimates (inside the rounding range, not equal to the rounded ratio);
    the spreads leave room for a residual SD well above the outcome's 1 % (the SE-SD bound).
    """
    t1 = pd.DataFrame({
        "variable": ["risk_events", "esg", "log_assets", "revenue_growth", "cr4", "reg_strength"],
        "mean": [1.0, 53.4, 2.0, 0.10, 0.60, 1.0],
        "sd": [0.5, 3.0, 0.5, 0.30, 0.30, 0.5],
        "min": [0.0, 40.0, 1.0, -0.50, 0.00, 0.0],
        "max": [3.0, 70.0, 3.0, 1.00, 1.00, 2.0],
        "printed": ["1.0 | 0.5 | 0 | 3", "53.4 | 3.0 | 40 | 70", "2.0 | 0.5 | 1 | 3",
                    "0.10 | 0.30 | \u22120.50 | 1.00", "0.60 | 0.30 | 0.00 | 1.00", "1.0 | 0.5 | 0 | 2"],
    }).set_index("variable")
    t2 = pd.DataFrame({
        "variable": [*SLOPES, "const"],
        "coef": [-5.00, 4.00, 5.00, -6.00, 3.00, 50.00],
        "se": [0.50, 0.40, 0.50, 0.50, 0.30, 1.00],
        "t": [-10.04, 10.05, 9.97, -12.06, 10.08, 50.12],
        "p_value": [0.0] * 6,
    }).set_index("variable")
    ts = pd.DataFrame({"claim_id": ["h2_esg_to_risk", "bidir_risk_to_esg", "bidir_esg_to_risk"],
                       "coef": [-0.05, -5.00, -0.05]}).set_index("claim_id")
    tc = pd.DataFrame({"claim_id": ["text_reg"], "coef": [3.00]}).set_index("claim_id")
    return t1, t2, ts, tc


CLEAN_VERDICTS = {k: (audit.SENSITIVITY if v == audit.SENSITIVITY else audit.CONSISTENT)
                  for k, v in EXPECTED_VERDICTS.items()}


def test_clean_paper_passes_every_check():
    out = audit.audit(*_clean_paper())
    verdicts = {f.id: f.verdict for f in out["findings"]}
    assert verdicts == CLEAN_VERDICTS, audit.findings_table(out["findings"])
    # the means check needs each mean's own precision: at 2 decimals the gap would be flagged
    m = out["means"]
    assert m["fitted"] == pytest.approx(52.90) and m["mean_y"] == 53.4
    assert m["fitted_low"] <= 53.35 <= m["fitted_high"]
    slopes = {"risk_events": -5.0, "log_assets": 4.0, "revenue_growth": 5.0, "cr4": -6.0, "reg_strength": 3.0}
    means = {"risk_events": 1.0, "log_assets": 2.0, "revenue_growth": 0.10, "cr4": 0.60, "reg_strength": 1.0}
    assert audit.fitted_at_means_range(slopes, means, 50.0, dec_mean=2)[1] < 53.35


def test_without_printed_text_means_fall_back_to_two_decimals():
    t1, t2, ts, tc = _clean_paper()
    out = audit.audit(t1.drop(columns="printed"), t2, ts, tc)
    slopes = {v: float(t2.loc[v, "coef"]) for v in SLOPES}
    assert (out["means"]["fitted_low"], out["means"]["fitted_high"]) == pytest.approx(
        audit.fitted_at_means_range(slopes, t1["mean"].to_dict(), 50.0))
    assert out["means"]["mean_y"] == 53.4  # read at 1 decimal, the default for mean y


def _set(*edits: tuple[int, str, str, float]):
    """Plant errors: each edit is (table number in audit's argument order, row, column, new value)."""
    def mutate(tables):
        tables = [t.copy() for t in tables]
        for frame_no, row, col, value in edits:
            tables[frame_no].loc[row, col] = value
        return tables
    return mutate


@pytest.mark.slow  # one full audit (about 1.6 s) per planted error
@pytest.mark.parametrize(("mutate", "changed"), [
    pytest.param(_set((1, "log_assets", "t", 10.50)), {"t_ratio": audit.INCONSISTENT}, id="t-not-coef-over-se"),
    pytest.param(_set((1, "const", "p_value", 0.010)), {"p_reference_distribution": audit.INCONSISTENT},
                 id="p-value-off"),
    pytest.param(_set((3, "text_reg", "coef", 3.50)), {"text_reg": audit.INCONSISTENT}, id="text-differs"),
    pytest.param(_set((2, "h2_esg_to_risk", "coef", -0.07)), {"esg_to_risk_twice": audit.UNEXPLAINED},
                 id="h2-vs-h3"),
    pytest.param(_set((2, "bidir_risk_to_esg", "coef", -4.50)), {"risk_to_esg_twice": audit.UNEXPLAINED},
                 id="bidir-risk"),
    pytest.param(_set((1, "const", "coef", 52.00), (1, "const", "t", 52.00)), {"means_constant": audit.INCONSISTENT},
                 id="constant-off"),
    pytest.param(_set((0, "risk_events", "sd", 0.7), (0, "risk_events", "printed", "1.0 | 0.7 | 0 | 3")),
                 {"variance_risk_term": audit.UNEXPLAINED}, id="risk-term-too-large"),
    pytest.param(_set((2, "h2_esg_to_risk", "coef", -0.20), (2, "bidir_esg_to_risk", "coef", -0.20)),
                 {"variance_esg_term": audit.UNEXPLAINED}, id="esg-term-too-large"),
    pytest.param(_set((0, "log_assets", "sd", 5.0)), {"table1_ranges": audit.INCONSISTENT}, id="sd-infeasible"),
    pytest.param(_set((0, "cr4", "sd", 0.20), (0, "cr4", "printed", "0.60 | 0.20 | 0.00 | 1.00")),
                 {"cr4_year_series": audit.INCONSISTENT}, id="cr4-too-tight"),
    pytest.param(_set((1, "revenue_growth", "se", 0.05), (1, "revenue_growth", "coef", 0.50),
                      (1, "revenue_growth", "t", 10.03), (0, "revenue_growth", "sd", 0.03),
                      (0, "revenue_growth", "printed", "0.10 | 0.03 | \u22120.50 | 1.00")),
                 {"se_sd_bound": audit.UNEXPLAINED, "means_constant": audit.INCONSISTENT}, id="se-too-small"),
    pytest.param(_set((1, "cr4", "t", -12.00)), {"t_ratio": audit.CONSISTENT}, id="one-rounded-t-is-not-evidence"),
])
def test_planted_error_flips_only_its_row(mutate, changed):
    out = audit.audit(*mutate(list(_clean_paper())))
    verdicts = {f.id: f.verdict for f in out["findings"]}
    assert verdicts == {**CLEAN_VERDICTS, **changed}, audit.findings_table(out["findings"])
