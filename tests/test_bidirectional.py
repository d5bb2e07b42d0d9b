"""Tests of the chapter-5 estimators: FE-IV both ways, 3SLS, Anderson-Rubin sets, multiplier.

The estimators live in esgrisk.estimate (FE-IV), esgrisk.system (3SLS and the
multiplier), esgrisk.weakiv (Anderson-Rubin) and esgrisk.bidirectional (the
chapter's direction choices and reflection checks).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS
from scipy import stats

from esgrisk import bidirectional as bd
from esgrisk import core, recipe, report, weakiv
from esgrisk import estimate as est
from esgrisk import system as sy
from esgrisk.results import REQUIRED_KEYS, IVResult, write_result
from esgrisk.simulate import PARAMS, simulate_panel
from esgrisk.spec import ESG_EQUATION, RISK_EQUATION

TRUE_EFFECTS = PARAMS.true_effects

#: Tolerance for recovering the true slopes on 2000 simulated firms x 6 years.
#: Clustered SEs there are about 0.002-0.011 (depending on the simulation's noise
#: settings), and with only six years the year-level
#: draws do not average out however many firms there are; over seeds 1-3 and
#: the default seed the estimates stayed within 0.012 of the truth.
RECOVERY_TOL = 0.03


def toy_panel(n_firms: int = 40, n_years: int = 6, seed: int = 7, shifter_sd: float = 2.0,
              n_regions: int = 4, beta: float = -0.9, gamma: float = -0.7) -> pd.DataFrame:
    """A small simultaneous-equations panel independent of simulate.py (same structure)."""
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(n_firms), n_years)
    year = np.tile(np.arange(2018, 2018 + n_years), n_firms)
    region = firm % n_regions
    t = year - year.min()
    s_t = shifter_sd * rng.standard_normal(n_years)[t]
    inc = np.exp(rng.normal(3, 0.5, size=(n_regions, n_years)))[region, t]
    size = rng.normal(23, 2, n_firms)[firm] + 0.05 * t + 0.1 * rng.standard_normal(firm.size)
    growth = 0.18 + 0.05 * rng.standard_normal(firm.size)
    cr4 = (0.65 + 0.1 * rng.standard_normal(n_years))[t]
    reg_rt = rng.uniform(5, 9, n_regions)[:, None] + 0.2 * rng.standard_normal((n_regions, n_years))
    reg = reg_rt[region, t]
    a = rng.normal(60, 4, n_firms)[firm]
    c = rng.normal(60, 3, n_firms)[firm]
    big_a = (a + 0.35 * size + 0.12 * growth - 0.15 * cr4 + 0.2 * reg + s_t
             + rng.standard_normal(firm.size))
    big_b = c + 0.3 * inc + rng.standard_normal(firm.size)
    risk = (big_b + gamma * big_a) / (1 - beta * gamma)
    esg = big_a + beta * risk
    return pd.DataFrame({
        "firm": [f"F{i:03d}" for i in firm], "year": year, "region": [f"R{r}" for r in region],
        "esg": esg, "risk_events": risk, "log_assets": size, "revenue_growth": growth,
        "cr4": cr4, "reg_strength": reg, "region_incidents": inc,
    })


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    return toy_panel()


@pytest.fixture(scope="module")
def big_sim() -> pd.DataFrame:
    return simulate_panel(n_firms=2000)


# ------------------------------------------------------------------ FE-IV mechanics


def _dummy_fit(panel: pd.DataFrame, fit: IVResult, cov_type: str = "unadjusted"):
    """The same IV regression with explicit firm (and year) dummies and a constant."""
    data = weakiv.fit_data(panel, fit)
    parts = [pd.Series(1.0, index=data.index, name="const"), data[list(fit.exog)],
             pd.get_dummies(data["firm"], prefix="f", dtype=float).iloc[:, 1:]]
    if "year" in fit.effects:
        parts.append(pd.get_dummies(data["year"], prefix="y", dtype=float).iloc[:, 1:])
    return IV2SLS(data[fit.dependent], pd.concat(parts, axis=1), data[list(fit.endogenous)],
                  data[list(fit.instruments)]).fit(cov_type=cov_type, debiased=True)


@pytest.mark.parametrize("direction", ["esg_to_risk", "risk_to_esg"])
def test_within_fit_equals_firm_dummies(toy, direction):
    fit = est.fit_iv_esg_to_risk(toy) if direction == "esg_to_risk" else bd.fit_iv_risk_to_esg(toy)
    dummy = _dummy_fit(toy, fit)
    endog = fit.endogenous[0]
    assert fit.coef == pytest.approx(float(dummy.params[endog]), rel=1e-9)
    # first-stage F with firm dummies counted = linearmodels' first-stage F with dummies
    f_dummy = float(dummy.first_stage.diagnostics.loc[endog, "f.stat"])
    assert fit.first_stage[endog].f_classical == pytest.approx(f_dummy, rel=1e-8)
    assert fit.first_stage[endog].partial_r2 == pytest.approx(
        float(dummy.first_stage.diagnostics.loc[endog, "partial.rsquared"]), rel=1e-8)


def test_clustered_se_is_stata_convention(toy):
    """SE = sqrt of G/(G-1)(N-1)/(N-K) times the raw cluster sandwich, K without firm dummies."""
    fit = est.fit_iv_esg_to_risk(toy)
    raw = fit.result.model.fit(cov_type="clustered", clusters=core.cluster_codes(toy),
                               debiased=False)
    g, n, k = toy["firm"].nunique(), len(toy), len(fit.result.params)
    factor = g / (g - 1) * (n - 1) / (n - k)
    assert fit.se == pytest.approx(float(raw.std_errors["esg"]) * np.sqrt(factor), rel=1e-9)
    t = fit.to_record()["tstats"]["esg"]
    assert fit.pvalue == pytest.approx(2 * stats.t.sf(abs(t), g - 1), rel=1e-12)


def test_twoway_clustered_se_counts_year_effects(toy):
    """With year effects K = slopes + (T-1), as the book's rule says (firm effects not counted)."""
    fit = bd.fit_iv_risk_to_esg(toy)
    assert fit.model_id == "fe_iv_twoway" and fit.effects == ("firm", "year")
    raw = fit.result.model.fit(cov_type="clustered", clusters=core.cluster_codes(toy),
                               debiased=False)
    g, n = toy["firm"].nunique(), len(toy)
    k = len(fit.result.params) + toy["year"].nunique() - 1
    assert fit.k == k
    factor = g / (g - 1) * (n - 1) / (n - k)
    assert fit.se == pytest.approx(float(raw.std_errors["risk_events"]) * np.sqrt(factor),
                                   rel=1e-9)


def test_record_follows_contract(toy, tmp_path):
    fits = [est.fit_iv_esg_to_risk(toy), est.fit_iv_esg_to_risk(toy, "inclusive"),
            bd.fit_iv_risk_to_esg(toy)]
    system = sy.fit_system_3sls(toy)
    ids = [f.model_id for f in fits] + [system.model_id]
    assert ids == ["iv_esg_to_risk", "iv_esg_to_risk_inclusive", "fe_iv_twoway", "system_3sls"]
    for result in [*fits, system]:
        record = result.to_record()
        for key in REQUIRED_KEYS:
            assert key in record
        assert set(record["params"]) == set(record["std_errors"]) == set(record["pvalues"])
        assert not any("year" in k for k in record["params"])
        for fs in record["first_stage"].values():
            assert fs["f_classical"] > 0 and fs["f_cluster"] > 0 and fs["instruments"]
        path = write_result(result, tmp_path)
        assert json.loads(path.read_text())["model"] == record["model"]
    assert fits[0].extra["overid"]["defined"] is False
    assert "esg.risk_events" in system.params and "risk_events.esg" in system.params


def test_overid_defined_when_overidentified(toy):
    data = toy.assign(incidents_sq=np.log(toy["region_incidents"]) ** 2)
    eq = ESG_EQUATION.with_instruments(("region_incidents", "incidents_sq"))
    fit = est.fit_fe_iv(data, "fe_iv_risk", eq)
    assert fit.extra["overid"]["defined"] is True
    assert 0 <= fit.extra["overid"]["pvalue"] <= 1


def test_year_effects_auto(toy):
    fit = bd.fit_iv_risk_to_esg(toy)
    assert fit.effects == ("firm", "year") and "cr4" in fit.absorbed
    one_region = toy.assign(region="R0", region_incidents=toy.groupby("year")["region_incidents"]
                            .transform("mean"))
    assert not bd.risk_to_esg_year_effects(one_region)
    assert bd.fit_iv_risk_to_esg(one_region).model_id == "fe_iv_risk"
    with pytest.raises(ValueError, match="region_incidents"):
        bd.fit_iv_risk_to_esg(one_region, year_effects=True)


def test_system_ols_equals_2sls(toy):
    """Equation-by-equation the system is 2SLS: ESG equation = fe_iv_twoway (year effects),
    risk equation = 2SLS with the year effects as excluded instruments."""
    system = sy.fit_system_3sls(toy, method="ols")
    assert system.beta == pytest.approx(bd.fit_iv_risk_to_esg(toy).coef, rel=1e-8)
    years = sy.year_dummies_beyond(toy, ["cr4"])
    data = pd.concat([toy, years], axis=1)
    risk = est.fit_fe_iv(data, "iv_esg_to_risk",
                         RISK_EQUATION.with_instruments(tuple(years.columns)))
    assert system.gamma == pytest.approx(risk.coef, rel=1e-8)
    assert risk.extra["overid"]["defined"] is True


def test_year_dummies_beyond_spans_year_effects(toy):
    years = sy.year_dummies_beyond(toy, ["cr4"])
    assert years.shape[1] == toy["year"].nunique() - 2
    assert sy.year_dummies_beyond(toy, []).shape[1] == toy["year"].nunique() - 1


# ------------------------------------------------------------------ recovery of the truth


@pytest.mark.slow
def test_recovers_true_effects(big_sim):
    e2r = est.fit_iv_esg_to_risk(big_sim)
    assert e2r.coef == pytest.approx(TRUE_EFFECTS["esg_to_risk"], abs=RECOVERY_TOL)
    r2e = bd.fit_iv_risk_to_esg(big_sim)
    assert r2e.coef == pytest.approx(TRUE_EFFECTS["risk_to_esg"], abs=RECOVERY_TOL)
    system = sy.fit_system_3sls(big_sim)
    assert system.gamma == pytest.approx(TRUE_EFFECTS["esg_to_risk"], abs=RECOVERY_TOL)
    assert system.beta == pytest.approx(TRUE_EFFECTS["risk_to_esg"], abs=RECOVERY_TOL)


# ------------------------------------------------------------------ Anderson-Rubin


def _ar_args(toy, equation):
    fit = est.fit_iv_esg_to_risk(toy) if equation == "esg_to_risk" else bd.fit_iv_risk_to_esg(toy)
    data = weakiv.fit_data(toy, fit)
    args = {"dependent": fit.dependent, "endog": fit.endogenous[0],
            "instruments": list(fit.instruments), "exog": list(fit.exog), "effects": fit.effects}
    return data, args


@pytest.mark.parametrize("equation", ["esg_to_risk", "risk_to_esg"])
@pytest.mark.parametrize("b0", [-2.0, -0.7, 0.0, 1.3])
def test_ar_fast_path_equals_direct_regression(toy, equation, b0):
    data, args = _ar_args(toy, equation)
    pieces = weakiv.ar_pieces(data, **args)
    direct, pvalue = weakiv.ar_stat_direct(data, b0, **args)
    assert float(pieces.stat(b0)[0]) == pytest.approx(direct, rel=1e-8)
    assert 0 <= pvalue <= 1


def test_ar_endpoints_solve_the_quadratic(toy):
    data, args = _ar_args(toy, "risk_to_esg")
    pieces = weakiv.ar_pieces(data, **args)
    ar = weakiv.ar_set_from_pieces(pieces)
    a, b, c = weakiv.ar_quadratic_roots(pieces)
    assert a > 0 and ar.bounded and len(ar.intervals) == 1
    roots = np.sort(np.roots([a, b, c]).real)
    assert ar.intervals[0] == pytest.approx(tuple(roots), rel=1e-7)


def test_ar_limit_is_the_cluster_robust_first_stage_f(toy):
    """As |b0| grows the AR statistic tends to the cluster-robust first-stage F (same K rule)."""
    for fit in (est.fit_iv_esg_to_risk(toy), bd.fit_iv_risk_to_esg(toy)):
        ar = weakiv.anderson_rubin(toy, fit)
        assert ar.limit_stat == pytest.approx(fit.first_stage[fit.endogenous[0]].f_cluster,
                                              rel=1e-8)


def test_ar_contains_estimate_and_matches_wald_when_strong(toy):
    """With a strong instrument the AR set is close to the Wald interval (t(G-1) critical value)."""
    fit = bd.fit_iv_risk_to_esg(toy)
    ar = weakiv.anderson_rubin(toy, fit)
    assert ar.contains(fit.coef)
    half = stats.t.ppf(0.975, toy["firm"].nunique() - 1) * fit.se
    lo, hi = ar.intervals[0]
    assert lo == pytest.approx(fit.coef - half, abs=0.25 * half)
    assert hi == pytest.approx(fit.coef + half, abs=0.25 * half)


@pytest.mark.slow
def test_ar_strong_large_sample(big_sim):
    fit = est.fit_iv_esg_to_risk(big_sim)
    ar = weakiv.anderson_rubin(big_sim, fit)
    assert ar.bounded and len(ar.intervals) == 1 and ar.contains(fit.coef)
    half = stats.t.ppf(0.975, big_sim["firm"].nunique() - 1) * fit.se
    lo, hi = ar.intervals[0]
    assert lo == pytest.approx(fit.coef - half, abs=0.1 * half)
    assert hi == pytest.approx(fit.coef + half, abs=0.1 * half)


def test_ar_unbounded_with_irrelevant_instrument():
    # no industry shock: the industry-mean ESG instrument is useless
    panel = toy_panel(n_firms=30, shifter_sd=0.0, seed=3)
    ar = weakiv.anderson_rubin(panel, est.fit_iv_esg_to_risk(panel))
    assert ar.limit_stat < ar.critical_value
    assert not ar.bounded
    assert ar.empty or np.isinf(ar.intervals[0][0]) or np.isinf(ar.intervals[-1][1])
    assert "inf" in ar.describe() or ar.empty


# ------------------------------------------------------------------ reflection problem


def test_inclusive_mean_identity_and_year_share(toy):
    check = bd.reflection_check(toy)
    assert check["identity_gap"] < 1e-10
    assert check["year_share_inclusive"] == pytest.approx(1.0, abs=1e-10)
    assert check["year_share_loo"] < 1.0


def test_derived_industry_means_equal_the_panel_helper(toy):
    """recipe.derive (the recipe grammar) and panel.industry_mean_esg agree."""
    from esgrisk.panel import industry_mean_esg

    data = recipe.derive(toy, {"loo": "industry_mean_loo(esg)", "inc": "industry_mean(esg)"},
                         drop_missing=False)
    np.testing.assert_allclose(data["loo"], industry_mean_esg(toy, leave_one_out=True), rtol=1e-12)
    np.testing.assert_allclose(data["inc"], industry_mean_esg(toy, leave_one_out=False),
                               rtol=1e-12)
    lagged = recipe.derive(toy, {"esg_l1": "lag(esg, 1)"}, drop_missing=False)["esg_l1"]
    first = toy["year"] == toy["year"].min()
    assert lagged[first].isna().all()
    prev = toy.set_index(["firm", "year"])["esg"]
    for i in toy.index[~first][:5]:
        assert lagged[i] == prev[(toy.at[i, "firm"], toy.at[i, "year"] - 1)]
    with pytest.raises(ValueError, match="unknown rule"):
        recipe.derive(toy, {"x": "median(esg)"})


def test_reflection_demo_matches_theory():
    demo = bd.reflection_demo(n_firms=12, n_years=6, n_reps=3000, seed=1)
    assert demo["corr_own_inclusive"] == pytest.approx(1 / np.sqrt(12), abs=0.02)
    assert demo["corr_own_loo"] == pytest.approx(0.0, abs=0.02)


def test_twoway_loo_iv_is_ols(toy):
    out = bd.twoway_collapse(toy, est.fit_iv_esg_to_risk(toy))
    assert out["difference"] == pytest.approx(0.0, abs=1e-8)


def test_within_ols_is_the_fe_slope(toy):
    """The OLS counterpart of the risk -> ESG fit is the two-way FE slope (same K rule up to const)."""
    fit = bd.fit_iv_risk_to_esg(toy)
    ols = bd.within_ols(toy, fit)
    fe = est.fit_fe_twoway(toy)
    assert ols["coef"] == pytest.approx(float(fe.params["risk_events"]), rel=1e-9)
    n = len(toy)
    # fe_twoway reports a constant, so its K is one larger
    assert ols["se"] == pytest.approx(float(fe.std_errors["risk_events"])
                                      * np.sqrt((n - fe.k) / (n - fe.k + 1)), rel=1e-9)


# ------------------------------------------------------------------ feedback multiplier


def test_multiplier_and_gradient():
    assert sy.feedback_multiplier(-0.92, -0.72) == pytest.approx(1 / (1 - 0.92 * 0.72))
    beta, gamma, h = -0.8, -0.6, 1e-6
    numeric = np.array([
        (sy.feedback_multiplier(beta + h, gamma) - sy.feedback_multiplier(beta - h, gamma))
        / (2 * h),
        (sy.feedback_multiplier(beta, gamma + h) - sy.feedback_multiplier(beta, gamma - h))
        / (2 * h),
    ])
    assert sy.multiplier_gradient(beta, gamma) == pytest.approx(numeric, rel=1e-6)
    with pytest.raises(ZeroDivisionError):
        sy.feedback_multiplier(1.0, 1.0)


def test_multiplier_uncertainty():
    cov = np.array([[0.01, 0.002], [0.002, 0.04]])
    delta = sy.multiplier_delta(-0.8, -0.6, cov)
    g = sy.multiplier_gradient(-0.8, -0.6)
    assert delta["se"] == pytest.approx(np.sqrt(g @ cov @ g))
    boot1 = sy.multiplier_bootstrap(-0.8, -0.6, cov, n_draws=4000, seed=5)
    boot2 = sy.multiplier_bootstrap(-0.8, -0.6, cov, n_draws=4000, seed=5)
    assert boot1 == boot2
    assert boot1["ci_low"] < delta["multiplier"] < boot1["ci_high"]
    tiny = sy.multiplier_bootstrap(-0.8, -0.6, cov * 1e-6, n_draws=4000, seed=5)
    assert tiny["share_unstable"] == 0.0
    assert tiny["median"] == pytest.approx(delta["multiplier"], rel=1e-3)


# ------------------------------------------------------------------ comparison with the paper


def test_compare_with_paper():
    from esgrisk.published import twosls

    table = report.compare_twosls(twosls(), {"book": {"esg_to_risk": -0.7, "risk_to_esg": -0.9}},
                                  {"esg_to_risk": -0.72, "risk_to_esg": -0.92})
    assert list(table["paper"]) == [-0.78, -0.89, -0.72]
    assert list(table["direction"]) == ["esg_to_risk", "risk_to_esg", "esg_to_risk"]
    assert list(table["book"]) == [-0.7, -0.9, -0.7]
    assert report.paper_first_stage_f(twosls()) == pytest.approx(23.67)


def test_system_falls_back_without_regional_variation(toy):
    one_region = toy.assign(region="R0", region_incidents=toy.groupby("year")["region_incidents"]
                            .transform("mean"))
    system = sy.fit_system_3sls(one_region)
    assert "no year effects" in system.extra["system_variant"]
    assert np.isfinite(system.beta) and np.isfinite(system.gamma)
    with pytest.raises(ValueError, match="only by year"):
        sy.fit_system_3sls(one_region, year_effects=True)
    assert np.isfinite(bd.twoway_collapse(one_region,
                                          est.fit_iv_esg_to_risk(one_region))["difference"])
