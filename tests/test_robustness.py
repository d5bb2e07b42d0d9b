"""The robustness toolkit (esgrisk.robustness) against linearmodels, wildboottest and brute force."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS
from scipy import stats

from esgrisk import estimate, sensitivity
from esgrisk import robustness as rb
from esgrisk.simulate import simulate_panel

CONTROLS = ["log_assets", "revenue_growth", "cr4", "reg_strength"]


@pytest.fixture(scope="module")
def panel():
    return simulate_panel(seed=7)


@pytest.fixture(scope="module")
def unbalanced(panel):
    rng = np.random.default_rng(3)
    return panel.drop(index=rng.choice(panel.index, 9, replace=False)).reset_index(drop=True)


def _statsmodels_dummies(data, effects):
    """OLS with firm (and year) dummies in statsmodels, clustered by firm: K counts every dummy."""
    import statsmodels.api as sm

    x = data[["risk_events", *CONTROLS]].astype(float)
    if effects != "none":
        x = pd.concat([x, pd.get_dummies(data["firm"], prefix="f", dtype=float)], axis=1)
    else:
        x.insert(0, "const", 1.0)
    if effects == "firm+year":
        x = pd.concat([x.drop(columns="cr4"), pd.get_dummies(data["year"], prefix="y", dtype=float).iloc[:, 1:]],
                      axis=1)
    groups = pd.factorize(data["firm"])[0]
    return sm.OLS(data["esg"].astype(float), x).fit(cov_type="cluster", cov_kwds={"groups": groups}), x.shape[1]


@pytest.mark.parametrize("effects", ["none", "firm", "firm+year"])
@pytest.mark.parametrize("which", ["balanced", "unbalanced"])
def test_ols_estimate_and_clustered_se_against_statsmodels(panel, unbalanced, effects, which):
    data = panel if which == "balanced" else unbalanced
    mine = rb.fit(rb.design(data, rb.Spec(effects=effects)))
    res, k_all = _statsmodels_dummies(data, effects)
    assert mine["estimate"] == pytest.approx(float(res.params["risk_events"]), rel=1e-9)
    # statsmodels: G/(G-1)(N-1)/(N-K) with every dummy in K; the book's rule does not count the
    # firm effects (nested in the clusters) but counts the constant they stand in for
    n, g = len(data), data["firm"].nunique()
    k_book = k_all if effects == "none" else k_all - g + 1
    expected = float(res.bse["risk_events"]) * math.sqrt((n - k_all) / (n - k_book))
    assert mine["se"] == pytest.approx(expected, rel=1e-8)
    assert mine["df"] == g - 1


def test_fe_entity_and_iv_match_the_book_estimators(panel):
    """The same numbers as the estimation core's records (same K rule: esgrisk.core.cluster_k)."""
    fe = estimate.fit_fe_entity(panel)
    mine = rb.fit(rb.design(panel, rb.Spec(effects="firm")))
    assert mine["estimate"] == pytest.approx(float(fe.params["risk_events"]), rel=1e-10)
    assert mine["se"] == pytest.approx(float(fe.std_errors["risk_events"]), rel=1e-8)
    for two_way in (False, True):
        iv = estimate.fit_fe_iv_risk(panel, time_effects=two_way)
        m = rb.fit(rb.design(panel, rb.Spec(effects="firm+year" if two_way else "firm",
                                            instrument="region_incidents")))
        assert m["estimate"] == pytest.approx(float(iv.params["risk_events"]), rel=1e-9)
        assert m["se"] == pytest.approx(float(iv.std_errors["risk_events"]), rel=1e-7)


def test_pooled_iv_against_iv2sls(panel):
    d = panel.assign(const=1.0)
    res = IV2SLS(d["esg"], d[["const", *CONTROLS]], d[["risk_events"]], d[["region_incidents"]]).fit(
        cov_type="robust", debiased=True)
    mine = rb.fit(rb.design(panel, rb.Spec(effects="none", instrument="region_incidents", cluster="robust")))
    assert mine["estimate"] == pytest.approx(float(res.params["risk_events"]), rel=1e-9)
    assert mine["se"] == pytest.approx(float(res.std_errors["risk_events"]), rel=1e-8)


def test_absorbed_control_is_dropped_and_listed(panel):
    d = rb.design(panel, rb.Spec(effects="firm+year"))
    assert d.dropped == ["cr4"] and "cr4" not in d.names
    with pytest.raises(ValueError, match="no variation"):
        rb.design(panel.assign(flat=1.0), rb.Spec(regressor="flat"))


@pytest.mark.parametrize("spec", [rb.Spec(effects="firm"), rb.Spec(effects="firm+year"), rb.Spec(effects="none"),
                                  rb.Spec(effects="firm+year", instrument="region_incidents")])
def test_leave_one_firm_out_equals_refitting(unbalanced, spec):
    out = rb.leave_one_firm_out(unbalanced, spec).set_index("firm")
    full = rb.fit(rb.design(unbalanced, spec))
    for firm in ["F01", "F05", "F12"]:
        refit = rb.fit(rb.design(unbalanced[unbalanced["firm"] != firm], spec))["estimate"]
        assert out.loc[firm, "estimate"] == pytest.approx(refit, rel=1e-9)
        assert out.loc[firm, "change_in_se"] == pytest.approx((refit - full["estimate"]) / full["se"], rel=1e-9)


def test_randomization_inference_against_a_loop(panel):
    """The same permutations, refitted one at a time with the design builder."""
    spec = rb.Spec(effects="firm+year")
    out = rb.randomization_inference(panel, spec, draws=60, seed=5, chunk=16)
    draw, scheme = rb._permuter(panel, spec, np.random.default_rng(5))
    assert scheme.startswith("whole")
    idx = np.vstack([draw(16) for _ in range(4)])[:60]
    t_loop = []
    for row in idx:
        shuffled = panel.assign(risk_events=panel["risk_events"].to_numpy()[row])
        t_loop.append(rb.fit(rb.design(shuffled, spec))["t"])
    np.testing.assert_allclose(out["t_draws"], t_loop, rtol=1e-8)
    t_obs = abs(out["t"])
    assert out["p_value"] == pytest.approx((1 + np.sum(np.abs(t_loop) >= t_obs)) / 61)


def test_block_permutation_keeps_each_firm_trajectory(panel):
    draw, _ = rb._permuter(panel, rb.Spec(), np.random.default_rng(0))
    idx = draw(3)
    for row in idx:
        moved = panel.iloc[row].reset_index(drop=True)
        # each firm receives one other firm's whole series, year by year
        assert (moved["year"].to_numpy() == panel["year"].to_numpy()).all()
        assert moved.groupby(panel["firm"].to_numpy())["firm"].nunique().eq(1).all()


def test_unbalanced_panel_permutes_within_years(unbalanced):
    out = rb.randomization_inference(unbalanced, rb.Spec(), draws=20, seed=1)
    assert "within each year" in out["scheme"] and 0 < out["p_value"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize("null", [0.0, -0.9])
def test_wild_cluster_bootstrap_matches_wildboottest(panel, null):
    """All 4,096 sign vectors of 12 firms: the same p-value as wildboottest (up to the two exact ties)."""
    from wildboottest.wildboottest import WildboottestCL

    spec = rb.Spec(effects="firm")
    d = rb.design(panel, spec)
    g = d.n_clusters
    weights = rb.rademacher(g, 999, np.random.default_rng(0))
    assert weights.shape == (g, 2**g)
    mine = rb._WCR(d, weights).pvalue(null, rb._t_at(d, null))
    boot = WildboottestCL(X=d.x, Y=d.y - null * d.x[:, 0], cluster=d.groups, R=np.eye(d.x.shape[1])[0],
                          B=2**g + 1, seed=1, parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=True)
    boot.get_weights(weights_type="rademacher")
    for step in (boot.get_numer, boot.get_denom, boot.get_tboot, boot.get_vcov, boot.get_tstat, boot.get_pvalue):
        step()
    assert abs(mine - boot.pvalue) <= 2 / 2**g + 1e-12


def test_wild_bootstrap_interval_inverts_the_test(panel):
    spec = rb.Spec(effects="firm")
    out = rb.wild_cluster_bootstrap(panel, spec, draws=999)
    assert out["enumerated"] and out["draws"] == 4096
    d = rb.design(panel, spec)
    wcr = rb._WCR(d, rb.rademacher(d.n_clusters, 999, np.random.default_rng(0)))
    width = out["ci_high"] - out["ci_low"]
    for end, sign in ((out["ci_low"], -1), (out["ci_high"], 1)):
        inside, outside = end - sign * 0.01 * width, end + sign * 0.01 * width
        assert wcr.pvalue(inside, rb._t_at(d, inside)) >= 0.05
        assert wcr.pvalue(outside, rb._t_at(d, outside)) < 0.05
    assert out["ci_low"] < out["estimate"] < out["ci_high"]


def test_random_weights_for_many_clusters_are_seeded():
    w1 = rb.rademacher(20, 50, np.random.default_rng(3))
    w2 = rb.rademacher(20, 50, np.random.default_rng(3))
    assert w1.shape == (20, 50) and (w1 == w2).all()


def test_anderson_rubin_against_linearmodels_regressions(panel):
    spec = rb.Spec(effects="firm", instrument="region_incidents")
    out = rb.anderson_rubin(panel, spec)
    g, n = panel["firm"].nunique(), len(panel)

    import statsmodels.api as sm

    x = pd.concat([panel[["region_incidents", *CONTROLS]].astype(float),
                   pd.get_dummies(panel["firm"], prefix="f", dtype=float)], axis=1)
    groups = pd.factorize(panel["firm"])[0]

    def ar_stat(b0):
        """Clustered Wald of the instrument in the reduced form of y - b0 x (statsmodels, firm dummies)."""
        res = sm.OLS(panel["esg"] - b0 * panel["risk_events"], x).fit(cov_type="cluster",
                                                                      cov_kwds={"groups": groups})
        k_all, k_book = x.shape[1], len(CONTROLS) + 1  # instrument + controls, as esgrisk.weakiv counts
        se = float(res.bse["region_incidents"]) * math.sqrt((n - k_all) / (n - k_book))
        return (float(res.params["region_incidents"]) / se) ** 2

    assert out["statistic"] == pytest.approx(ar_stat(0.0), rel=1e-7)
    assert out["p_value"] == pytest.approx(stats.f.sf(ar_stat(0.0), 1, g - 1), rel=1e-6)
    crit = stats.f.ppf(0.95, 1, g - 1)
    assert out["shape"] == "interval"
    for end in (out["ci_low"], out["ci_high"]):
        assert ar_stat(end) == pytest.approx(crit, rel=1e-6)
    assert ar_stat(0.5 * (out["ci_low"] + out["ci_high"])) < crit


def test_specification_curve_covers_every_combination(panel):
    curve = rb.specification_curve(panel, rb.Spec(), [None, "region_incidents"])
    sets = rb.control_sets(CONTROLS)
    assert len(sets) == 6 and len(curve) == 3 * 2 * len(sets) * 2
    fe = curve[(curve["effects"] == "firm") & (curve["estimator"] == "OLS")
               & (curve["controls"] == "+".join(CONTROLS)) & (curve["cluster"] == "firm")].iloc[0]
    ref = estimate.fit_fe_entity(panel)
    assert fe["estimate"] == pytest.approx(float(ref.params["risk_events"]), rel=1e-10)
    assert curve.loc[curve["effects"] == "firm+year", "note"].str.contains("cr4").any()
    # the clustering changes the interval, never the estimate
    pairs = curve.pivot_table(index=["effects", "estimator", "controls"], columns="cluster", values="estimate")
    np.testing.assert_allclose(pairs["firm"], pairs["robust"], rtol=1e-12)


def test_robustness_table_contract(panel):
    out = rb.robustness_table(panel, draws=99, seed=1)
    table = out["table"]
    assert list(table.columns) == rb.CSV_COLUMNS
    methods = set(table["method"])
    assert {"leave_one_firm_out", "wild_cluster_bootstrap", "randomization_inference", "specification_curve",
            "anderson_rubin", "cluster_t"} <= methods
    assert set(table.loc[table["method"] != "specification_curve", "model"]) == set(rb.MODELS)
    again = rb.robustness_table(panel, draws=99, seed=1)["table"]
    pd.testing.assert_frame_equal(table, again)
    ok = table["p_value"].dropna()
    assert ((ok >= 0) & (ok <= 1)).all()


# ---------------------------------------------------------------------------
# sensitivity: the Cinelli-Hazlett closed forms against their bias formulas
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("t", "df"), [(-4.0, 55), (-4.0, 66), (2.5, 30), (8.0, 200)])
def test_robustness_value_zeroes_the_estimate(t, df):
    """A confounder with R2yz = R2dz = RV moves the estimate exactly to zero (eq. 4 of the paper)."""
    se = 0.23
    est = t * se
    rv = sensitivity.robustness_value(t, df)
    assert sensitivity.adjusted_estimate(est, se, df, rv, rv) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("t", "df"), [(-4.0, 55), (-4.0, 66), (3.0, 40)])
def test_robustness_value_at_alpha_makes_the_estimate_just_insignificant(t, df):
    se = 0.23
    est = t * se
    rv = sensitivity.robustness_value(t, df, alpha=0.05)
    crit = stats.t.ppf(0.975, df - 1)
    assert abs(sensitivity.adjusted_t(est, se, df, rv, rv)) == pytest.approx(crit, rel=1e-9)


def test_robustness_value_edge_cases():
    assert sensitivity.robustness_value(1.0, 50, alpha=0.05) == 0.0
    assert sensitivity.partial_r2(-4.0, 55) == pytest.approx(16 / 71)
    with pytest.raises(ValueError):
        sensitivity.partial_f(1.0, 0)
