"""The vectorised Monte Carlo estimators against linearmodels and wildboottest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels import IV2SLS, PanelOLS, PooledOLS
from scipy import stats

from esgrisk import core
from esgrisk import montecarlo as mc
from esgrisk.simulate import PARAMS, simulate_panel

CONTROLS = ["log_assets", "revenue_growth", "cr4", "reg_strength"]
REGRESSORS = list(mc.ESG_REGRESSORS)
SEEDS = (11, 12, 13)
TOL = 1e-8
CLUSTERED = dict(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)


def _panel(seed: int) -> pd.DataFrame:
    return simulate_panel(seed=seed, rounded=False)


def _batch(panel: pd.DataFrame) -> dict[str, np.ndarray]:
    return mc.frame_to_batch(panel, ["esg", "region_incidents", *REGRESSORS])


def _close(a, b, tol=TOL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("seed", SEEDS)
def test_firm_fe_matches_panelols(seed):
    panel = _panel(seed)
    fit = mc.fit_all(_batch(panel))["firm_fe"]
    res = PanelOLS.from_formula(
        "esg ~ 1 + " + " + ".join(REGRESSORS) + " + EntityEffects", panel.set_index(["firm", "year"])
    ).fit(**CLUSTERED)
    _close(fit.params[0], res.params[REGRESSORS])
    _close(fit.std_errors[0], res.std_errors[REGRESSORS])


@pytest.mark.parametrize("seed", SEEDS)
def test_pooled_ols_matches_pooledols(seed):
    panel = _panel(seed)
    fit = mc.fit_all(_batch(panel))["pooled_ols"]
    res = PooledOLS.from_formula("esg ~ 1 + " + " + ".join(REGRESSORS),
                                 panel.set_index(["firm", "year"])).fit(**CLUSTERED)
    _close(fit.params[0], res.params[REGRESSORS + ["Intercept"]])
    _close(fit.std_errors[0], res.std_errors[REGRESSORS + ["Intercept"]])


def _iv2sls(panel, exog, clusters):
    return IV2SLS(panel["esg"], exog, panel[["risk_events"]], panel[["region_incidents"]]).fit(
        cov_type="clustered", clusters=clusters, debiased=True)


def _demeaned(panel: pd.DataFrame, cols, groups) -> pd.DataFrame:
    from esgrisk.core import within as demean

    return pd.DataFrame({c: demean(panel[c], [panel[g] for g in groups]) for c in cols})


@pytest.mark.parametrize("seed", SEEDS)
def test_fe_iv_matches_iv2sls_on_demeaned_data_and_with_firm_dummies(seed):
    panel = _panel(seed).sort_values(["firm", "year"]).reset_index(drop=True)
    batch = _batch(panel)
    g, n = panel["firm"].nunique(), len(panel)
    clusters = pd.factorize(panel["firm"])[0]
    fit = mc.fit_all(batch)["fe_iv"]
    # 1e-8: IV2SLS on firm-demeaned data counts the slopes only, the rule's K = 5 (no constant reported)
    d = _demeaned(panel, ["esg", "region_incidents", *REGRESSORS], ["firm"])
    res = IV2SLS(d["esg"], d[CONTROLS], d[["risk_events"]], d[["region_incidents"]]).fit(
        cov_type="clustered", clusters=clusters, debiased=True)
    _close(fit.params[0], res.params[REGRESSORS])
    _close(fit.std_errors[0], res.std_errors[REGRESSORS])
    # IV2SLS with firm dummies counts the 12 dummies (K = 5 + G); solving with the
    # dummies is less well conditioned (log assets is almost a firm constant), so 1e-6
    exog = pd.concat([panel[CONTROLS], pd.get_dummies(panel["firm"], dtype=float)], axis=1)
    dummies = _iv2sls(panel, exog, clusters)
    _close(fit.params[0], dummies.params[REGRESSORS], 1e-6)
    _close(fit.std_errors[0], dummies.std_errors[REGRESSORS] * np.sqrt((n - 5 - g) / (n - 5)), 1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_pooled_2sls_matches_iv2sls(seed):
    panel = _panel(seed).sort_values(["firm", "year"]).reset_index(drop=True)
    fit = mc.fit_all(_batch(panel))["pooled_2sls"]
    res = _iv2sls(panel, panel[CONTROLS].assign(const=1.0), pd.factorize(panel["firm"])[0])
    names = REGRESSORS + ["const"]
    _close(fit.params[0], res.params[names])
    _close(fit.std_errors[0], res.std_errors[names])


@pytest.mark.parametrize("seed", SEEDS)
def test_twoway_fe_iv_matches_iv2sls(seed):
    panel = _panel(seed).sort_values(["firm", "year"]).reset_index(drop=True)
    g, t, n = panel["firm"].nunique(), panel["year"].nunique(), len(panel)
    clusters = pd.factorize(panel["firm"])[0]
    controls = [c for c in CONTROLS if c not in mc.YEAR_LEVEL]
    names = ["risk_events", *controls]
    k = len(names)
    fit = mc.fit_all(_batch(panel))["twoway_fe_iv"]
    # 1e-8: two-way demeaned data, extra_df = T - 1 (the year effects), as the rule counts
    d = _demeaned(panel, ["esg", "region_incidents", *names], ["firm", "year"])
    res = IV2SLS(d["esg"], d[controls], d[["risk_events"]], d[["region_incidents"]]).fit(
        cov_type="clustered", clusters=clusters, debiased=True, extra_df=t - 1)
    _close(fit.params[0], res.params[names])
    _close(fit.std_errors[0], res.std_errors[names])
    # firm and year dummies (K = k + G + T - 1), less well conditioned: 1e-6
    exog = pd.concat([panel[controls], pd.get_dummies(panel["firm"], dtype=float),
                      pd.get_dummies(panel["year"], dtype=float, drop_first=True)], axis=1)
    dummies = _iv2sls(panel, exog, clusters)
    _close(fit.params[0], dummies.params[names], 1e-6)
    _close(fit.std_errors[0], dummies.std_errors[names] * np.sqrt((n - k - g - t + 1) / (n - k - t + 1)), 1e-6)


def test_batches_give_the_same_answer_as_single_samples():
    panels = [_panel(s) for s in SEEDS]
    stacked = mc.fit_all(mc.stack_frames(panels, ["esg", "region_incidents", *REGRESSORS]))
    for i, p in enumerate(panels):
        single = mc.fit_all(_batch(p))
        for name in mc.ESTIMATORS:
            _close(stacked[name].params[i], single[name].params[0], 1e-10)
            _close(stacked[name].std_errors[i], single[name].std_errors[0], 1e-10)


def test_simulate_batch_reproduces_simulate_panel_draws():
    from dataclasses import replace

    from esgrisk.simulate import simulate_arrays

    for mm in (False, True):
        batch = mc.simulate_batch(2, 12, 6, seed=5, moment_match=mm)
        rng = np.random.default_rng(5)
        params = replace(PARAMS, moment_match=mm)
        first = simulate_arrays(12, 6, rng, params)
        second = simulate_arrays(12, 6, rng, params)
        _close(batch["esg"][0].ravel(), first["esg"], 0)
        _close(batch["risk_events"][1].ravel(), second["risk_events"], 0)


def test_replications_are_iid_by_default():
    """Without moment matching the year-level draws vary across replications as in independent panels."""
    assert mc.MOMENT_MATCH is False
    iid = mc.simulate_batch(400, 12, 6, seed=2)
    matched = mc.simulate_batch(400, 12, 6, seed=2, moment_match=True)
    # CR4 is a year-level variable: with whitening its 6-year sample mean is the same in every panel
    assert np.std(matched["cr4"].mean(axis=(1, 2))) < 1e-3
    sd_iid = np.std(iid["cr4"].mean(axis=(1, 2)))
    assert sd_iid == pytest.approx(PARAMS.cr4_sd / np.sqrt(6), rel=0.15)


def test_moment_matching_leaves_the_estimands_unchanged():
    """The consistent estimators centre on the same true values with and without whitening."""
    iid, _ = mc.design_study(1500, seed=4)
    matched, _ = mc.design_study(1500, seed=4, moment_match=True)
    for table in (iid, matched):
        s = table.set_index("estimator")
        for name in ("fe_iv", "twoway_fe_iv"):
            assert abs(s.loc[name, "median_bias"]) < 0.01
        assert abs(s.loc["iv_loo", "median_bias"]) < 0.06
        assert s.loc["twoway_fe_iv", "true"] == PARAMS.beta and s.loc["iv_loo", "true"] == PARAMS.gamma


# --------------------------------------------------------------------------- ESG -> risk, batched


def _risk_equation_frames(panel, instrument, year_effects):
    """Chapter 5's ESG -> risk data, built here independently: firm-demeaned, year dummies if asked."""
    data = panel.copy()
    g = data["firm"].nunique()
    total = data.groupby("year")["esg"].transform("sum")
    data["z"] = (total - data["esg"]) / (g - 1) if instrument == "loo" else total / g
    exog = [v for v in ("log_assets", "revenue_growth", "cr4", "reg_strength", "region_incidents")
            if not (year_effects and v == "cr4")]
    if year_effects:
        dummies = pd.get_dummies(data["year"], prefix="yr", dtype=float).iloc[:, 1:]
        data = pd.concat([data, dummies], axis=1)
        exog += list(dummies.columns)
    cols = ["risk_events", "esg", "z", *exog]
    dm = data[cols] - data[cols].groupby(data["firm"]).transform("mean")
    return dm, exog, pd.factorize(data["firm"])[0]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instrument,year_effects", [("loo", False), ("inclusive", False), ("loo", True)])
def test_esg_to_risk_2sls_matches_iv2sls(seed, instrument, year_effects):
    """2SLS, both first-stage F flavours and the AR set against linearmodels run directly (K rule: no firm effects)."""
    panel = _panel(seed)
    design = mc.esg_to_risk_batch(mc.frame_to_batch(panel, ["esg", "risk_events", *mc.RISK_EXOG]),
                                  instrument, year_effects)
    dm, exog, clusters = _risk_equation_frames(panel, instrument, year_effects)
    res = IV2SLS(dm["risk_events"], dm[exog], dm[["esg"]], dm[["z"]]).fit(
        cov_type="clustered", clusters=clusters, debiased=True)
    names = ["esg", *[e for e in exog if not e.startswith("yr")]]
    _close(design.fit.params[0][: len(names)], res.params[names].to_numpy())
    _close(design.fit.std_errors[0][: len(names)], res.std_errors[names].to_numpy())
    g = panel["firm"].nunique()
    if year_effects:
        # given firm and year effects the leave-one-out mean is -own/(G-1): the first stage fits
        # exactly, F is numerically infinite and 2SLS is OLS with firm and year effects
        assert design.f_cluster[0] > 1e8 and design.f_classical[0] > 1e8
        ols = IV2SLS(dm["risk_events"], dm[["esg", *exog]], None, None).fit(
            cov_type="clustered", clusters=clusters, debiased=True)
        _close(design.fit.params[0][: len(names)], ols.params[names].to_numpy(), 1e-6)
        return
    first = IV2SLS(dm["esg"], dm[["z", *exog]], None, None)
    classical = first.fit(cov_type="unadjusted", debiased=True, extra_df=g)
    clustered = first.fit(cov_type="clustered", clusters=clusters, debiased=True)
    _close(design.f_classical[0], classical.tstats["z"] ** 2)
    _close(design.f_cluster[0], clustered.tstats["z"] ** 2)
    # Anderson-Rubin: the set {b0 : clustered F of z in (y - b0 x) on [z, W] <= F(1, G-1) critical value}
    crit = stats.f.ppf(0.95, 1, g - 1)
    for b0 in (-0.72, 0.0, 1.5, float(design.fit.params[0, 0]) + 0.3):
        ar = IV2SLS(dm["risk_events"] - b0 * dm["esg"], dm[["z", *exog]], None, None).fit(
            cov_type="clustered", clusters=clusters, debiased=True)
        a, b, c = design.ar[0]
        _close(a * b0**2 + b * b0 + c, ar.cov.loc["z", "z"] * (ar.tstats["z"] ** 2 - crit))
        assert bool(design.ar_covers(b0)[0]) == bool(ar.tstats["z"] ** 2 <= crit)


def test_inclusive_mean_with_year_effects_is_refused():
    batch = mc.simulate_batch(3, seed=1)
    with pytest.raises(ValueError, match="absorbed"):
        mc.esg_to_risk_batch(batch, "inclusive", True)


@pytest.mark.parametrize("year_effects", [False, True])
def test_fe_iv_design_first_stage_matches_linearmodels(year_effects):
    """The FE-IV of the ESG equation: the same fit as fit_all and both F flavours of IV2SLS with dummies."""
    panel = _panel(SEEDS[0])
    batch = _batch(panel)
    design = mc.fe_iv_design(batch, year_effects)
    key = "twoway_fe_iv" if year_effects else "fe_iv"
    _close(design.fit.params, mc.fit_all(batch)[key].params)
    _close(design.fit.std_errors, mc.fit_all(batch)[key].std_errors)
    controls = [c for c in CONTROLS if not (year_effects and c == "cr4")]
    data = panel.copy()
    exog = list(controls)
    if year_effects:
        dummies = pd.get_dummies(data["year"], prefix="yr", dtype=float).iloc[:, 1:]
        data = pd.concat([data, dummies], axis=1)
        exog += list(dummies.columns)
    firm_d = pd.get_dummies(data["firm"], dtype=float)
    clusters = pd.factorize(data["firm"])[0]
    regs = pd.concat([data[["region_incidents", *exog]], firm_d], axis=1)
    classical = IV2SLS(data["risk_events"], regs, None, None).fit(cov_type="unadjusted", debiased=True)
    _close(design.f_classical[0], classical.tstats["region_incidents"] ** 2)
    cols = ["risk_events", "region_incidents", *exog]
    dm = data[cols] - data[cols].groupby(data["firm"]).transform("mean")
    clustered = IV2SLS(dm["risk_events"], dm[["region_incidents", *exog]], None, None).fit(
        cov_type="clustered", clusters=clusters, debiased=True)
    _close(design.f_cluster[0], clustered.tstats["region_incidents"] ** 2)


def test_twoway_fe_matches_panelols():
    panel = _panel(SEEDS[2])
    fit = mc.fit_all(_batch(panel))["twoway_fe"]
    regs = [r for r in REGRESSORS if r not in mc.YEAR_LEVEL]
    res = PanelOLS.from_formula("esg ~ 1 + " + " + ".join(regs) + " + EntityEffects + TimeEffects",
                                panel.set_index(["firm", "year"])).fit(**CLUSTERED)
    _close(fit.params[0], res.params[regs])
    # with two-way effects PanelOLS counts the G - 1 firm effects in K; the book's rule does not
    g, t, n = panel["firm"].nunique(), panel["year"].nunique(), len(panel)
    k_rule = core.cluster_k(len(regs), constant=True, n_time_effects=t - 1)
    k_lm = k_rule + g - 1
    _close(fit.std_errors[0], res.std_errors[regs] * np.sqrt((n - k_lm) / (n - k_rule)))


def test_ar_set_length_and_boundedness():
    ar = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]])   # [-1, 1], empty, two rays
    d = mc.IVDesign(None, np.zeros(3), np.zeros(3), ar)
    np.testing.assert_array_equal(d.ar_bounded(), [True, True, False])
    np.testing.assert_allclose(d.ar_length(), [2.0, 0.0, np.inf])
    np.testing.assert_array_equal(d.ar_covers(0.0), [True, False, False])


def test_study_rows_and_rates_have_monte_carlo_errors():
    summary, draws = mc.design_study(300, seed=9)
    assert set(summary["equation"]) == {"risk_to_esg", "esg_to_risk"}
    expected = set(mc.ESTIMATORS) | set(mc.ESG_TO_RISK_VARIANTS) | {"poisson_fe", "system_3sls"}
    assert set(summary["estimator"]) == expected
    for col in ("coverage", "power", "coverage_normal", "ar_coverage", "ar_unbounded", "f_cluster_above_weak"):
        se = summary[f"{col}_mc_se"].dropna()
        p = summary.loc[se.index, col]
        np.testing.assert_allclose(se, np.sqrt(p * (1 - p) / 300))
    assert (summary["reps"] == 300).all()
    assert draws["iv_loo:f_cluster"].shape == (300,)
    assert mc.draw_percentile(np.median(draws["iv_loo:f_cluster"]), draws["iv_loo:f_cluster"]) == pytest.approx(50)


def test_library_3sls_runs_the_chapters_function():
    """The library arm of the study runs chapter 5's own 3SLS on each replication."""
    from esgrisk import system as sy

    summary, draws = mc.library_study(3, seed=7)
    frames = mc.batch_to_frames(mc.simulate_batch(3, 12, 6, 7))
    sys_fit = sy.fit_system_3sls(frames[1])
    assert draws["system_3sls:risk_to_esg:estimate"][1] == pytest.approx(sys_fit.beta, abs=1e-12)
    assert draws["system_3sls:esg_to_risk:estimate"][1] == pytest.approx(sys_fit.gamma, abs=1e-12)
    assert (summary["reps"] == 3).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_poisson_fe_matches_statsmodels_glm_with_firm_dummies(seed):
    """Batched conditional Poisson ML against chapter 4's statsmodels fit (GLM, firm dummies, G/(G-1))."""
    from esgrisk import estimate as est

    panel = _panel(seed)
    fit = mc.poisson_fe_batch(mc.frame_to_batch(panel, ["risk_events", *mc.POISSON_REGRESSORS]))
    ref = est.fit_poisson_fe_risk(panel)
    names = list(mc.POISSON_REGRESSORS)
    np.testing.assert_allclose(fit.params[0], ref.params[names].to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.std_errors[0], ref.std_errors[names].to_numpy(), rtol=1e-8)
    s, _ = mc.study_batch(mc.frame_to_batch(panel, ["esg", "region_incidents", *REGRESSORS]))
    row = s.set_index("estimator").loc["poisson_fe"]
    assert np.isnan(row["coverage"]) and row["reps"] == 1


def test_webb_weights_take_six_values():
    w = mc.webb_weights(12, 5000, np.random.default_rng(0))
    assert set(np.round(np.unique(w) ** 2, 12)) == {0.5, 1.0, 1.5}
    assert abs(w.mean()) < 0.02 and w.var() == pytest.approx(1.0, abs=0.02)


def test_rademacher_enumeration_is_complete():
    w = mc.rademacher_weights(4)
    assert w.shape == (4, 16)
    assert len({tuple(col) for col in w.T}) == 16


@pytest.mark.slow
@pytest.mark.parametrize("null", [0.0, -0.92, -1.05])
def test_wild_cluster_bootstrap_matches_wildboottest(null):
    """Full enumeration of the 4,096 sign vectors: the same p-value as wildboottest.

    Two of the 4,096 draws (all +1 and all -1) reproduce the sample, so their
    |t*| equals |t| up to floating point; wildboottest counts them or not
    depending on the last bits, this module never does. Allow those two.
    """
    from wildboottest.wildboottest import WildboottestCL

    panel = _panel(SEEDS[0])
    batch = _batch(panel)
    y = mc.within(batch["esg"])
    x = mc.within(np.stack([batch[v] for v in REGRESSORS], axis=-1))
    g, t, k = x.shape[1], x.shape[2], x.shape[3]
    mine = mc.wild_cluster_pvalue(y, x, j=0, null=null, k_df=k)[0]
    xf = x.reshape(-1, k)
    yf = y.reshape(-1) - null * xf[:, 0]
    boot = WildboottestCL(X=xf, Y=yf, cluster=np.repeat(np.arange(g), t), R=np.eye(k)[0],
                          B=2**g + 1, seed=1, parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=True)
    boot.get_weights(weights_type="rademacher")
    assert boot.B == 2**g
    for step in (boot.get_numer, boot.get_denom, boot.get_tboot, boot.get_vcov, boot.get_tstat, boot.get_pvalue):
        step()
    assert abs(mine - boot.pvalue) <= 2 / 2**g + 1e-12
    # and the t statistic of this module's CR1 errors is wildboottest's
    fit = mc.ols_batch(y, x)
    _close(fit.tstat(0, null)[0], np.ravel(boot.t_stat)[0], 1e-8)


def test_wild_bootstrap_is_deterministic_and_a_probability():
    panel = _panel(SEEDS[1])
    batch = _batch(panel)
    y = mc.within(batch["esg"])
    x = mc.within(np.stack([batch[v] for v in REGRESSORS], axis=-1))
    p1 = mc.wild_cluster_pvalue(y, x, null=PARAMS.beta)
    p2 = mc.wild_cluster_pvalue(y, x, null=PARAMS.beta)
    assert p1 == p2 and 0 <= p1[0] <= 1


def test_summary_columns_and_coverage_logic():
    params = np.array([[-0.9], [-1.0], [-0.5]])
    se = np.array([[0.1], [0.01], [0.1]])
    fit = mc.BatchFit(params, se, se[:, :, None] ** 2, n_clusters=12, nobs=72)
    s = mc.summarize_fits({"x": fit}, true=-0.92).iloc[0]
    assert s["coverage"] == pytest.approx(1 / 3)  # only the first interval contains -0.92
    assert s["power"] == pytest.approx(1.0)  # all three exclude 0
    assert s["bias"] == pytest.approx(np.mean(params) + 0.92)


def test_scaled_noise_hits_the_target_standard_error():
    params, _ = mc.scaled_noise_params(0.23, n_reps=50, seed=3)
    batch = mc.simulate_batch(50, 12, 6, 3, params)
    se = mc.fit_all(batch)["firm_fe"].std_errors[:, 0].mean()
    assert se == pytest.approx(0.23, rel=1e-6)
    assert params.gamma == 0.0


def test_nickell_bias_appears_in_the_within_estimator():
    rng = np.random.default_rng(0)
    noisy = PARAMS.__class__(**{**PARAMS.__dict__, "sd_e": 5.0})  # a noise-dominated AR(1)
    fits = mc.dynamic_estimates(mc.simulate_dynamic_batch(300, 200, 6, 0.5, rng, noisy))
    bias = np.median(fits["fe_lagged"].params[:, 0]) - 0.5
    assert bias < -0.1   # strongly negative at T = 6 ...
    assert mc.nickell_approximation(0.5, 5) == pytest.approx(-0.375)
    assert abs(np.median(fits["anderson_hsiao"].params[:, 0]) - 0.5) < abs(bias)  # ... and AH removes most of it


def test_threshold_is_found_without_noise():
    params = mc.scale_esg_noise(PARAMS.__class__(**{**PARAMS.__dict__, "gamma": 0.0}), 1e-7)
    base = mc.simulate_batch(5, 50, 6, 1, params)
    out = mc.threshold_fit(mc.threshold_batch(base, 15.0, -0.5, -1.5, params.beta), range(5, 31))
    assert np.all(out["threshold"] == 15.0)
    _close(out["beta_low"], -0.5, 1e-4)
    _close(out["beta_high"], -1.5, 1e-4)


def test_bootstrap_enumerates_all_sign_patterns_up_to_14_clusters_then_samples():
    assert mc.bootstrap_draws(12) is None and mc.rademacher_weights(12, mc.bootstrap_draws(12)).shape == (12, 4096)
    assert mc.bootstrap_draws(14) is None
    assert mc.bootstrap_draws(15) == mc.RANDOM_WEIGHTS
    weights = mc.rademacher_weights(40, mc.bootstrap_draws(40), np.random.default_rng(0))
    assert weights.shape == (40, mc.RANDOM_WEIGHTS) and set(np.unique(weights)) == {-1.0, 1.0}


def test_anderson_hsiao_is_consistent_rmse_falls_with_firms_and_coverage_is_near_nominal():
    dyn = mc.dynamic_study(300, designs=((12, 6), (50, 6), (200, 6)), seed=5)
    ah = dyn[(dyn["estimator"] == "anderson_hsiao") & (dyn["parameter"] == "rho")].sort_values("n_firms")
    assert np.all(np.diff(ah["rmse"].to_numpy()) < 0)
    big = ah.iloc[-1]
    assert abs(big["median_bias"]) < 0.05
    assert abs(big["coverage"] - 0.95) < 3 * np.sqrt(0.95 * 0.05 / 300) + 0.01
    assert {"reps", "mc_se"} <= set(dyn.columns)


def test_anderson_hsiao_matches_iv2sls_with_year_dummies():
    rng = np.random.default_rng(1)
    batch = mc.simulate_dynamic_batch(1, 12, 6, 0.5, rng)
    fit = mc.dynamic_estimates(batch)["anderson_hsiao"]
    esg, risk = batch["esg"][0], batch["risk_events"][0]
    g, t = esg.shape
    rows = [{"firm": i, "year": s, "dy": esg[i, s] - esg[i, s - 1], "dy1": esg[i, s - 1] - esg[i, s - 2],
             "dr": risk[i, s] - risk[i, s - 1], "lag2": esg[i, s - 2]} for i in range(g) for s in range(2, t)]
    df = pd.DataFrame(rows)
    years = pd.get_dummies(df["year"], prefix="yr", dtype=float)
    res = IV2SLS(df["dy"], pd.concat([df[["dr"]], years], axis=1), df[["dy1"]], df[["lag2"]]).fit(
        cov_type="clustered", clusters=df["firm"].to_numpy(), debiased=True)
    _close(fit.params[0], res.params[["dy1", "dr"]])
    _close(fit.std_errors[0], res.std_errors[["dy1", "dr"]])


def test_threshold_study_reports_the_fixed_threshold_rate():
    params, _ = mc.scaled_noise_params(0.23, n_reps=30, seed=3)
    thr, _ = mc.threshold_study(40, params, designs=((12, 6),), seed=1)
    rate_fixed = thr.iloc[0]["test at a fixed threshold rejects (model linear)"]
    assert 0 <= rate_fixed <= thr.iloc[0]["naive test rejects (model linear)"] + 0.2


@pytest.mark.parametrize("shift", [0.5, 1.5, 2.5])
def test_webb_bootstrap_matches_wildboottest_with_the_same_weights(shift):
    """Webb weights: wildboottest's WCR11 p-value with this module's weight matrix injected."""
    from wildboottest.wildboottest import WildboottestCL

    panel = _panel(SEEDS[2])
    batch = _batch(panel)
    y = mc.within(batch["esg"])
    x = mc.within(np.stack([batch[v] for v in REGRESSORS], axis=-1))
    g, t, k = x.shape[1], x.shape[2], x.shape[3]
    fit = mc.ols_batch(y, x)
    null = float(fit.params[0, 0] + shift * fit.std_errors[0, 0])   # p-values away from 0 and 1
    weights = mc.webb_weights(g, 999, np.random.default_rng(3))
    mine = mc.wild_cluster_pvalue(y, x, j=0, null=null, weights=weights, k_df=k)[0]
    xf = x.reshape(-1, k)
    yf = y.reshape(-1) - null * xf[:, 0]
    boot = WildboottestCL(X=xf, Y=yf, cluster=np.repeat(np.arange(g), t), R=np.eye(k)[0],
                          B=999, seed=1, parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=True)
    boot.get_weights(weights_type="webb")
    boot.v, boot.B = weights, weights.shape[1]
    for step in (boot.get_numer, boot.get_denom, boot.get_tboot, boot.get_vcov, boot.get_tstat, boot.get_pvalue):
        step()
    assert 0.0 < mine < 1.0
    assert mine == pytest.approx(float(boot.pvalue), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_system_3sls_batch_matches_iv3sls(seed):
    """The batched 3SLS against linearmodels IV3SLS run directly (and chapter 5's function)."""
    import warnings

    from linearmodels.system import IV3SLS

    from esgrisk import system as sy

    panel = _panel(seed)
    fit_r, fit_e = mc.system_3sls_batch(_batch(panel))
    years = pd.get_dummies(panel["year"], prefix="yr", dtype=float).iloc[:, 1:-1]   # years 2..T-1 (with CR4)
    data = pd.concat([panel, years], axis=1)
    cols = ["risk_events", "esg", *CONTROLS, "region_incidents", *years.columns]
    dm = data[cols] - data[cols].groupby(data["firm"]).transform("mean")
    yrs = list(years.columns)
    equations = {
        "risk": {"dependent": dm["risk_events"], "exog": dm[[*CONTROLS, "region_incidents"]],
                 "endog": dm[["esg"]], "instruments": dm[yrs]},
        "esg": {"dependent": dm["esg"], "exog": dm[["log_assets", "revenue_growth", "reg_strength", "cr4", *yrs]],
                "endog": dm[["risk_events"]], "instruments": dm[["region_incidents"]]},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = IV3SLS(equations).fit(method="gls", cov_type="clustered", clusters=pd.factorize(panel["firm"])[0],
                                    debiased=False, group_debias=True)
    n = len(panel)
    k_risk, k_esg = len(equations["risk"]["exog"].columns) + 1, len(equations["esg"]["exog"].columns) + 1
    _close(fit_r.params[0, 0], res.params["risk_esg"])
    _close(fit_r.std_errors[0, 0], res.std_errors["risk_esg"] * np.sqrt(n / (n - k_risk)))   # (N-1)/(N-K_i)
    _close(fit_e.params[0, 0], res.params["esg_risk_events"])
    _close(fit_e.std_errors[0, 0], res.std_errors["esg_risk_events"] * np.sqrt(n / (n - k_esg)))
    chapter = sy.fit_system_3sls(panel)
    _close([fit_e.params[0, 0], fit_r.params[0, 0]], [chapter.beta, chapter.gamma])
    _close([fit_e.std_errors[0, 0], fit_r.std_errors[0, 0]],
           [chapter.std_errors["esg.risk_events"], chapter.std_errors["risk_events.esg"]])
