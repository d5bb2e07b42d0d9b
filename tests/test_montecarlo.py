"""The vectorised Monte Carlo estimators against linearmodels and wildboottest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels import IV2SLS, PanelOLS, PooledOLS

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
    # 1e-8: IV2SLS on firm-demeaned data; extra_df=1 gives the Monte Carlo's K = 5 + 1
    d = _demeaned(panel, ["esg", "region_incidents", *REGRESSORS], ["firm"])
    res = IV2SLS(d["esg"], d[CONTROLS], d[["risk_events"]], d[["region_incidents"]]).fit(
        cov_type="clustered", clusters=clusters, debiased=True, extra_df=1)
    _close(fit.params[0], res.params[REGRESSORS])
    _close(fit.std_errors[0], res.std_errors[REGRESSORS])
    # IV2SLS with firm dummies counts the 12 dummies (K = 5 + G); solving with the
    # dummies is less well conditioned (log assets is almost a firm constant), so 1e-6
    exog = pd.concat([panel[CONTROLS], pd.get_dummies(panel["firm"], dtype=float)], axis=1)
    dummies = _iv2sls(panel, exog, clusters)
    _close(fit.params[0], dummies.params[REGRESSORS], 1e-6)
    _close(fit.std_errors[0], dummies.std_errors[REGRESSORS] * np.sqrt((n - 5 - g) / (n - 6)), 1e-6)


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
    # 1e-8: two-way demeaned data, extra_df = T (year effects and constant), as the Monte Carlo counts
    d = _demeaned(panel, ["esg", "region_incidents", *names], ["firm", "year"])
    res = IV2SLS(d["esg"], d[controls], d[["risk_events"]], d[["region_incidents"]]).fit(
        cov_type="clustered", clusters=clusters, debiased=True, extra_df=t)
    _close(fit.params[0], res.params[names])
    _close(fit.std_errors[0], res.std_errors[names])
    # firm and year dummies (K = k + G + T - 1), less well conditioned: 1e-6
    exog = pd.concat([panel[controls], pd.get_dummies(panel["firm"], dtype=float),
                      pd.get_dummies(panel["year"], dtype=float, drop_first=True)], axis=1)
    dummies = _iv2sls(panel, exog, clusters)
    _close(fit.params[0], dummies.params[names], 1e-6)
    _close(fit.std_errors[0], dummies.std_errors[names] * np.sqrt((n - k - g - t + 1) / (n - k - t)), 1e-6)


def test_batches_give_the_same_answer_as_single_samples():
    panels = [_panel(s) for s in SEEDS]
    stacked = mc.fit_all(mc.stack_frames(panels, ["esg", "region_incidents", *REGRESSORS]))
    for i, p in enumerate(panels):
        single = mc.fit_all(_batch(p))
        for name in mc.ESTIMATORS:
            _close(stacked[name].params[i], single[name].params[0], 1e-10)
            _close(stacked[name].std_errors[i], single[name].std_errors[0], 1e-10)


def test_simulate_batch_reproduces_simulate_panel_draws():
    batch = mc.simulate_batch(2, 12, 6, seed=5)
    rng = np.random.default_rng(5)
    from esgrisk.simulate import simulate_arrays

    first = simulate_arrays(12, 6, rng)
    second = simulate_arrays(12, 6, rng)
    _close(batch["esg"][0].ravel(), first["esg"], 0)
    _close(batch["risk_events"][1].ravel(), second["risk_events"], 0)


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
