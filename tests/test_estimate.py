"""Tests of esgrisk.estimate on a small synthetic panel built here (no simulate.py needed)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from esgrisk import core, report
from esgrisk import estimate as est
from esgrisk.core import COV_CLUSTERED
from esgrisk.results import MODELS, REQUIRED_KEYS, ModelResult, write_result
from esgrisk.spec import CONTROLS, ESG_EQUATION

ESG_REGRESSORS = ESG_EQUATION.regressors


def synthetic_panel(n_firms: int = 12, years=range(2018, 2024), seed: int = 1,
                    beta: float = -0.92, gamma: float = -0.3) -> pd.DataFrame:
    """ESG and risk determined jointly (simultaneity); region incidents shift risk only.

    cr4 varies by year only (two-way effects absorb it), the other controls vary
    within firms.
    """
    rng = np.random.default_rng(seed)
    years = list(years)
    firms = [f"F{i:03d}" for i in range(n_firms)]
    regions = [f"R{i % 4}" for i in range(n_firms)]
    a = rng.normal(0, 3, n_firms)
    c = rng.normal(0, 2, n_firms)
    cr4_year = {y: 0.6 + 0.02 * k for k, y in enumerate(years)}
    incidents = {(r, y): rng.gamma(5, 10) for r in sorted(set(regions)) for y in years}
    rows = []
    for i, firm in enumerate(firms):
        for y in years:
            size, growth, reg = 23 + rng.normal(0, 1), rng.normal(0.18, 0.06), rng.uniform(5, 9)
            z = incidents[(regions[i], y)]
            x_ex = 5 + c[i] + 0.15 * z + 0.35 * size + rng.normal(0, 2)
            e_ex = (50 + a[i] + 0.35 * size + 0.12 * growth - 0.15 * cr4_year[y] + 0.2 * reg
                    + rng.normal(0, 2))
            esg = (e_ex + beta * x_ex) / (1 - beta * gamma)
            rows.append({"firm": firm, "year": y, "region": regions[i], "esg": esg,
                         "risk_events": x_ex + gamma * esg, "log_assets": size,
                         "revenue_growth": growth, "cr4": cr4_year[y], "reg_strength": reg,
                         "region_incidents": z})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return synthetic_panel()


@pytest.fixture(scope="module")
def fits(panel) -> dict[str, ModelResult]:
    return est.fit_all(panel)


# --- inference helpers ------------------------------------------------------

def test_cluster_pvalues_use_t_with_g_minus_1_df():
    t = pd.Series([2.0, -2.5, 0.3], index=["a", "b", "c"])
    p = core.t_pvalues(t, core.cluster_df(12))
    expected = [2 * stats.t.sf(abs(v), 11) for v in t]
    np.testing.assert_allclose(p.to_numpy(), expected, rtol=1e-12)
    assert list(p.index) == ["a", "b", "c"]
    assert p["a"] > 2 * stats.norm.sf(2.0)  # fewer df, larger p than the normal
    np.testing.assert_allclose(core.t_pvalues([2.0], core.cluster_df(12)), expected[:1])
    with pytest.raises(ValueError):
        core.cluster_df(1)


def test_stata_cluster_factor():
    assert core.cluster_factor(72, 6, 12) == pytest.approx(12 / 11 * 71 / 66)
    # the K rule: slopes + reported constant + year effects, never the firm effects
    assert core.cluster_k(5, constant=True) == 6
    assert core.cluster_k(4, constant=True, n_time_effects=5) == 10
    assert core.cluster_k(5, constant=False, n_time_effects=5) == 10
    assert core.se_scale(72, 10, 21) == pytest.approx(np.sqrt(51 / 62))


def _cluster_sandwich(x: np.ndarray, e: np.ndarray, groups: np.ndarray,
                      bread_x: np.ndarray | None = None) -> np.ndarray:
    """Hand-computed clustered covariance (X'X)^-1 (sum_g s_g s_g') (X'X)^-1, no factor."""
    bx = x if bread_x is None else bread_x
    bread = np.linalg.inv(bx.T @ bx)
    meat = np.zeros((x.shape[1], x.shape[1]))
    for g in np.unique(groups):
        s = (x[groups == g] * e[groups == g, None]).sum(axis=0)
        meat += np.outer(s, s)
    return bread @ meat @ bread


def test_pooled_ols_clustered_se_matches_hand_computation(panel, fits):
    fit = fits["pooled_ols"]
    names = [est.CONST, *ESG_REGRESSORS]
    x = np.column_stack([np.ones(len(panel)), panel[list(ESG_REGRESSORS)].to_numpy(float)])
    y = panel["esg"].to_numpy(float)
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    v = _cluster_sandwich(x, y - x @ b, panel["firm"].to_numpy())
    v *= core.cluster_factor(len(panel), x.shape[1], panel["firm"].nunique())
    np.testing.assert_allclose(fit.params[names].to_numpy(), b, rtol=1e-9)
    np.testing.assert_allclose(fit.std_errors[names].to_numpy(), np.sqrt(np.diag(v)), rtol=1e-8)


def test_fe_entity_clustered_se_matches_xtreg_factor(panel, fits):
    """Within estimator with Stata's factor: K counts regressors + constant, not the effects."""
    fit = fits["fe_entity"]
    regs = list(ESG_REGRESSORS)
    within = panel[["esg", *regs]] - panel.groupby("firm")[["esg", *regs]].transform("mean")
    x, y = within[regs].to_numpy(float), within["esg"].to_numpy(float)
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    v = _cluster_sandwich(x, y - x @ b, panel["firm"].to_numpy())
    v *= core.cluster_factor(len(panel), len(regs) + 1, panel["firm"].nunique())
    np.testing.assert_allclose(fit.params[regs].to_numpy(), b, rtol=1e-9)
    np.testing.assert_allclose(fit.std_errors[regs].to_numpy(), np.sqrt(np.diag(v)), rtol=1e-8)
    # Stata's _cons: grand mean of y minus grand means of x times b
    cons = panel["esg"].mean() - panel[regs].mean().to_numpy() @ b
    assert fit.params[est.CONST] == pytest.approx(cons, rel=1e-9)


def test_fe_iv_clustered_se_matches_hand_2sls(panel, fits):
    """2SLS on firm-demeaned data; clustered factor G/(G-1)(N-1)/(N-K), K = 5 slopes.

    No constant is reported (the firm effects absorb it), so by the book's rule
    K counts the five slopes only.
    """
    fit = fits["fe_iv_risk"]
    cols = ["esg", "risk_events", *CONTROLS, "region_incidents"]
    tr = panel[cols] - panel.groupby("firm")[cols].transform("mean")
    n = len(panel)
    x = tr[["risk_events", *CONTROLS]].to_numpy(float)
    z = tr[["region_incidents", *CONTROLS]].to_numpy(float)
    y = tr["esg"].to_numpy(float)
    xhat = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    b = np.linalg.lstsq(xhat, y, rcond=None)[0]
    e = y - x @ b
    g = panel["firm"].nunique()
    v = _cluster_sandwich(xhat, e, panel["firm"].to_numpy())
    factor = g / (g - 1) * (n - 1) / (n - x.shape[1])
    assert fit.k == 5 and fit.small_sample_factor == pytest.approx(factor)
    names = ["risk_events", *CONTROLS]
    np.testing.assert_allclose(fit.params[names].to_numpy(), b, rtol=1e-9)
    np.testing.assert_allclose(fit.std_errors[names].to_numpy(), np.sqrt(np.diag(v * factor)),
                               rtol=1e-8)
    np.testing.assert_allclose(fit.pvalues.to_numpy(),
                               2 * stats.t.sf(np.abs(fit.tstats.to_numpy()), g - 1), rtol=1e-10)


def test_fe_iv_matches_firm_dummy_2sls(panel, fits):
    """Same slopes as IV2SLS with firm dummies; classical F and Wu-Hausman count the G effects."""
    fit = fits["fe_iv_risk"]
    dummies = est.iv_2sls(panel, "esg", CONTROLS, ["risk_events"], ["region_incidents"],
                          absorb="firm", cov="unadjusted", debiased=True)
    slopes = ["risk_events", *CONTROLS]
    np.testing.assert_allclose(fit.params[slopes].to_numpy(), dummies.params[slopes].to_numpy(),
                               rtol=1e-8)
    fs_dummy = est.first_stage_summary(dummies)["risk_events"]
    fs = fit.first_stage["risk_events"]
    assert fs.f_classical == pytest.approx(fs_dummy["partial_f"], rel=1e-8)
    assert fs.f_classical_pvalue == pytest.approx(fs_dummy["partial_f_pvalue"], rel=1e-6)
    assert list(fs.df_classical) == fs_dummy["partial_f_df"]
    assert fs.partial_r2 == pytest.approx(fs_dummy["partial_r2"], rel=1e-8)
    tests = est.endogeneity_tests(dummies)
    endog = fit.extra["endogeneity"]
    for name in ("durbin", "wu_hausman"):
        assert endog[name]["stat"] == pytest.approx(tests[name]["stat"], rel=1e-8)
        assert endog[name]["pvalue"] == pytest.approx(tests[name]["pvalue"], rel=1e-6)
    assert endog["wu_hausman"]["df_denom"] == tests["wu_hausman"]["df_denom"]
    assert not any(k.startswith("fe[") for k in fit.params.index)


def test_fe_iv_twoway_matches_dummy_2sls_on_unbalanced_panel(panel):
    """Year dummies are transformed like the other regressors: slopes of firm + year dummies."""
    p = panel.drop(index=[0, 7, 15, 30]).reset_index(drop=True)
    fit = est.fit_fe_iv_risk(p, time_effects=True)
    assert fit.model_id == "fe_iv_twoway" and fit.absorbed == ("cr4",)
    years = pd.get_dummies(p["year"], prefix="year", dtype=float).iloc[:, 1:]
    data = pd.concat([p, years], axis=1)
    controls = ["log_assets", "revenue_growth", "reg_strength", *years.columns]
    dummies = est.iv_2sls(data, "esg", controls, ["risk_events"], ["region_incidents"],
                          absorb="firm", cov="unadjusted", debiased=True)
    slopes = ["risk_events", "log_assets", "revenue_growth", "reg_strength"]
    np.testing.assert_allclose(fit.params[slopes].to_numpy(), dummies.params[slopes].to_numpy(),
                               rtol=1e-8)
    fs = fit.first_stage["risk_events"]
    assert fs.f_classical == pytest.approx(
        est.first_stage_summary(dummies)["risk_events"]["partial_f"], rel=1e-8)
    assert fs.df_classical == (1, len(p) - 3 - 1 - 5 - p["firm"].nunique())
    wh = est.endogeneity_tests(dummies)["wu_hausman"]
    assert fit.extra["endogeneity"]["wu_hausman"]["stat"] == pytest.approx(wh["stat"], rel=1e-8)
    assert fit.extra["endogeneity"]["wu_hausman"]["df_denom"] == wh["df_denom"]


def test_clustered_first_stage_f_is_wald_over_q(panel, fits):
    """With one instrument the clustered first-stage F is the squared clustered t."""
    fs = fits["fe_iv_risk"].first_stage["risk_events"]
    first = fits["fe_iv_risk"].result.first_stage.individual["risk_events"]
    assert fs.f_cluster == pytest.approx(float(first.tstats["region_incidents"]) ** 2, rel=1e-8)
    g = panel["firm"].nunique()
    assert fs.df_cluster == (1, g - 1)
    assert fs.f_cluster_pvalue == pytest.approx(stats.f.sf(fs.f_cluster, 1, g - 1))


# --- absorbed regressors ----------------------------------------------------

def test_absorbed_regressors(panel):
    p = panel.copy()
    p["reg_fixed"] = p["firm"].map({f: i for i, f in enumerate(sorted(p["firm"].unique()))})
    p["flat"] = 3.0
    regs = ["risk_events", "cr4", "reg_fixed", "flat", "log_assets"]
    assert core.absorbed_regressors(p, regs, ("firm", "year")) == ["cr4", "reg_fixed", "flat"]
    assert core.absorbed_regressors(p, regs, ("firm",)) == ["reg_fixed", "flat"]
    assert core.absorbed_regressors(p, regs, ("year",)) == ["cr4", "flat"]
    assert core.absorbed_regressors(p, regs, ()) == ["flat"]


def test_absorbed_regressors_unbalanced_two_way(panel):
    """Firm + year effect is absorbed on an unbalanced panel too (alternating projections)."""
    p = panel.drop(index=[0, 7, 15, 30]).reset_index(drop=True)
    codes = pd.factorize(p["firm"])[0]
    p["additive"] = codes * 0.3 + (p["year"] - 2018) ** 2 * 0.01
    p["interaction"] = p["additive"] + 0.001 * codes * (p["year"] - 2018)
    got = core.absorbed_regressors(p, ["additive", "interaction"], ("firm", "year"))
    assert got == ["additive"]


def test_fe_twoway_reports_absorbed_cr4(fits):
    rec = fits["fe_twoway"].to_record()
    assert rec["absorbed"] == ["cr4"]
    assert "cr4" not in rec["params"]
    assert rec["effects"] == ["firm", "year"]


def test_fe_twoway_keeps_cr4_when_it_varies_by_firm(panel):
    p = panel.copy()
    p["cr4"] = p["cr4"] + np.random.default_rng(3).uniform(-0.05, 0.05, len(p))
    rec = est.fit_fe_twoway(p).to_record()
    assert rec["absorbed"] == []
    assert "cr4" in rec["params"]


def test_fe_entity_drops_and_reports_regressor_constant_within_firm(panel):
    p = panel.copy()
    p["reg_strength"] = p.groupby("firm")["reg_strength"].transform("mean")
    for fit in (est.fit_fe_entity(p), est.fit_fe_iv_risk(p)):
        assert fit.absorbed == ("reg_strength",)
        assert "reg_strength" not in fit.params.index


def test_iv_without_within_variation_of_instrument_fails(panel):
    p = panel.copy()
    p["region_incidents"] = p.groupby("firm")["region_incidents"].transform("mean")
    with pytest.raises(ValueError, match="region_incidents"):
        est.fit_fe_iv_risk(p)


# --- records ----------------------------------------------------------------

def test_records_follow_contract(fits, panel, tmp_path):
    g = panel["firm"].nunique()
    assert set(fits) == {*est.MAIN_MODELS, "fe_entity_dk", "fe_iv_twoway"}
    assert set(fits) <= set(MODELS)
    for model_id, fit in fits.items():
        rec = fit.to_record()
        assert rec["model"] == model_id
        assert all(k in rec for k in REQUIRED_KEYS)
        assert rec["nobs"] == len(panel) and rec["entities"] == g
        assert "risk_events" in rec["params"]
        # PanelOLS models report Stata's _cons; IV models with firm effects report none
        assert (est.CONST in rec["params"]) == (not model_id.startswith("fe_iv"))
        assert isinstance(rec["absorbed"], list)
        path = write_result(fit, tmp_path)
        assert json.loads(path.read_text())["model"] == model_id
    for model_id in est.MAIN_MODELS:
        rec = fits[model_id].to_record()
        assert rec["df"] == g - 1
        assert rec["cov_type"] == COV_CLUSTERED
    dk = fits["fe_entity_dk"].to_record()
    assert dk["df"] == panel["year"].nunique() - 1
    assert dk["bandwidth"] == est.default_dk_bandwidth(panel["year"].nunique())
    assert "Driscoll-Kraay" in dk["cov_type"]
    np.testing.assert_allclose(list(dk["params"].values()),
                               list(fits["fe_entity"].to_record()["params"].values()))
    iv = fits["fe_iv_risk"].to_record()
    fs = iv["first_stage"]["risk_events"]
    assert fs["instruments"] == ["region_incidents"]
    assert fs["f_classical"] > 0 and fs["f_cluster"] > 0 and 0 < fs["partial_r2"] < 1
    assert {"durbin", "wu_hausman", "control_function_clustered"} <= set(iv["endogeneity"])
    assert iv["endogenous"] == ["risk_events"] and iv["instruments"] == ["region_incidents"]


def test_fits_are_deterministic(panel, fits):
    again = est.fit_all(panel)
    for model_id, fit in fits.items():
        assert again[model_id].to_record() == fit.to_record()


def test_iv_recovers_effect_pooled_ols_does_not(panel, fits):
    """On the synthetic panel (simultaneity, firm effects) FE-IV is near the true -0.92."""
    iv = fits["fe_iv_risk"]
    assert abs(iv.params["risk_events"] + 0.92) < 3 * iv.std_errors["risk_events"] + 0.05
    ci = iv.conf_int()
    lower, upper = ci.loc["risk_events", "lower"], ci.loc["risk_events", "upper"]
    assert lower < iv.params["risk_events"] < upper


def test_panel_ols_rejects_unknown_cov(panel):
    with pytest.raises(ValueError, match="unknown cov"):
        est.panel_ols(panel, "esg", ["risk_events"], cov="bogus")


def test_cluster_wald_f_single_restriction_is_t_squared(fits, panel):
    res = fits["fe_entity"].result
    w = core.cluster_wald_f(res.params, res.cov, ["risk_events"], panel["firm"].nunique())
    assert w["stat"] == pytest.approx(float(res.tstats["risk_events"]) ** 2)
    assert (w["df1"], w["df2"]) == (1, panel["firm"].nunique() - 1)


# --- comparison with the paper -----------------------------------------------

def test_compare_with_paper(fits):
    paper = pd.DataFrame({"coef": [-0.92, 0.35, -0.15, 50.21], "se": [0.23, 0.13, 0.09, 3.52],
                          "t": [-4.0, 2.69, -1.67, 14.27], "p_value": [0.0, 0.008, 0.095, 0.0]},
                         index=pd.Index(["risk_events", "log_assets", "cr4", "const"],
                                        name="variable"))
    rec = fits["fe_twoway"].to_record()
    table = report.compare_table2(rec, paper)
    assert list(table["variable"]) == ["risk_events", "log_assets", "cr4", "const"]
    assert list(table.columns) == ["variable", "paper_coef", "paper_se", "paper_t", "paper_p",
                                   "book_coef", "book_se", "book_t", "book_p"]
    row = table.set_index("variable").loc["risk_events"]
    assert row["paper_coef"] == -0.92 and row["paper_p"] == 0.0
    assert row["book_coef"] == rec["params"]["risk_events"]
    assert np.isnan(table.set_index("variable").loc["cr4", "book_coef"])  # absorbed


def test_compare_with_paper_reads_published_table2(fits):
    published = pytest.importorskip("esgrisk.published")
    table = report.compare_table2(fits["fe_entity"].to_record(), published.table2())
    assert set(table["variable"]) == {"risk_events", *CONTROLS, "const"}
    assert table["paper_coef"].notna().all() and table["paper_p"].notna().all()
    assert table["book_coef"].notna().all()


# --- Poisson fixed effects ------------------------------------------------------

def _count_panel(panel: pd.DataFrame) -> pd.DataFrame:
    p = panel.copy()
    rng = np.random.default_rng(7)
    mu = np.exp(0.5 + 0.01 * (p["region_incidents"] - 50) - 0.02 * (p["esg"] - p["esg"].mean()))
    p["risk_events"] = rng.poisson(mu.to_numpy())
    p.loc[p["firm"] == "F000", "risk_events"] = 0  # a firm without events
    return p


def test_poisson_fe_equals_conditional_poisson(panel):
    from statsmodels.discrete.conditional_models import ConditionalPoisson

    p = _count_panel(panel)
    fit = est.fit_poisson_fe_risk(p)
    rec = fit.to_record()
    assert rec["model"] == "poisson_fe_risk" and rec["dependent"] == "risk_events"
    assert rec["dropped_firms"] == ["F000"] and rec["converged"]
    assert rec["entities"] == p["firm"].nunique() - 1
    regs = list(fit.params.index)
    assert regs == ["esg", *CONTROLS, "region_incidents"]
    kept = p[p["firm"] != "F000"]
    cond = ConditionalPoisson(kept["risk_events"].to_numpy(float), kept[regs].to_numpy(float),
                              groups=kept["firm"].to_numpy()).fit(method="newton", disp=False)
    np.testing.assert_allclose(fit.params.to_numpy(), cond.params, rtol=1e-5, atol=1e-7)
    g = rec["n_clusters"]
    np.testing.assert_allclose(list(rec["pvalues"].values()),
                               2 * stats.t.sf(np.abs(list(rec["tstats"].values())), g - 1))


@pytest.mark.slow
def test_fe_iv_recovers_the_true_effect_on_a_large_panel_and_fe_does_not():
    """Consistency: on 2,000 simulated firms FE-IV hits the true risk -> ESG effect; plain FE is biased."""
    from esgrisk.simulate import TRUE_EFFECTS, simulate_panel

    big = simulate_panel(n_firms=2000)
    truth = TRUE_EFFECTS["risk_to_esg"]
    iv = float(est.fit_fe_iv_risk(big).params["risk_events"])
    fe = float(est.fit_fe_entity(big).params["risk_events"])
    assert iv == pytest.approx(truth, abs=0.03)
    assert abs(fe - truth) > 0.03   # the simultaneity bias the instrument removes


def test_poisson_fe_matches_glm_with_firm_dummies_and_its_refit(panel):
    """The dummy-free Poisson equals statsmodels' GLM with firm dummies (params and clustered SEs).

    The record's ``refit`` entry is run literally: formula, family, fit
    options, groups and se_scale reproduce params and std_errors.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    p = _count_panel(panel)
    rec = est.fit_poisson_fe_risk(p).to_record()
    refit = rec["refit"]
    kept = p[p.groupby("firm")["risk_events"].transform("sum") > 0]
    groups = pd.factorize(kept[refit["groups"]])[0]
    fit_kw = dict(refit["fit"])
    fit_kw["cov_kwds"] = {**fit_kw["cov_kwds"], "groups": groups}
    glm = smf.glm(refit["formula"], kept, family=getattr(sm.families, refit["family"])()).fit(
        **fit_kw)
    for name, value in rec["params"].items():
        assert value == pytest.approx(float(glm.params[name]), rel=1e-6, abs=1e-9)
        assert rec["std_errors"][name] == pytest.approx(
            float(glm.bse[name]) * refit["se_scale"], rel=1e-5)
    assert int(glm.nobs) == rec["nobs"]


def test_poisson_fe_builds_no_dummies_and_scales():
    """5,000 firms x 15 years: the concentrated Newton iteration needs no G-column matrix."""
    rng = np.random.default_rng(11)
    g, t = 5000, 15
    firm = np.repeat(np.arange(g), t)
    x = rng.normal(size=(g * t, 3))
    alpha = rng.normal(0, 0.5, g)[firm]
    y = rng.poisson(np.exp(alpha + x @ np.array([0.2, -0.1, 0.05]) + 1.0))
    keep = np.bincount(firm, weights=y)[firm] > 0
    out = est.poisson_fe(y[keep], x[keep], firm[keep])
    assert out["converged"]
    np.testing.assert_allclose(out["params"], [0.2, -0.1, 0.05], atol=0.01)
