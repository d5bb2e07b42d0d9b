"""Single-equation estimators of the study, each implemented once.

========================== ====================================================
id (:data:`esgrisk.results.MODELS`)  model
========================== ====================================================
pooled_ols                 ESG equation, pooled OLS (PanelOLS, no effects)
fe_entity                  firm fixed effects (the paper's Table 2)
fe_entity_dk               fe_entity with Driscoll-Kraay standard errors
fe_twoway                  firm and year fixed effects
fe_iv_risk                 FE-IV, risk events instrumented by region_incidents
fe_iv_twoway               the same with year effects (the risk -> ESG arrow)
iv_esg_to_risk             risk equation, ESG instrumented by the leave-one-out
                           industry mean (``iv_esg_to_risk_inclusive``: the
                           paper's inclusive mean)
poisson_fe_risk            risk events as a count, Poisson with firm effects
========================== ====================================================

The variable roles come from :mod:`esgrisk.spec`; the small-sample rule,
t(G-1) inference and the first stage from :mod:`esgrisk.core`. Linear models
are fitted by linearmodels (PanelOLS; IV2SLS on within-transformed data, so
that no firm-dummy matrix is built and 5,000 firms cost seconds), and each
result carries the linearmodels recipe that reproduces it on the panel
(:mod:`esgrisk.recipe`; for FE-IV that recipe uses firm dummies, which give
the same slopes by Frisch-Waugh-Lovell). The Poisson model is fitted by a
concentrated-likelihood Newton iteration (no dummies) and carries a
statsmodels ``refit``.

The generic helpers at the end (:func:`panel_ols`, :func:`iv_2sls`,
:func:`first_stage_summary`, :func:`endogeneity_tests`) take column names, so
the validation appendix runs them on textbook data sets with published results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS, IVGMM
from linearmodels.panel import PanelOLS
from scipy import stats

from esgrisk import core, recipe
from esgrisk.core import COV_CLUSTERED
from esgrisk.results import IVResult, ModelResult
from esgrisk.spec import CONTROLS, ENTITY, ESG_EQUATION, INDUSTRY_ESG, RISK_EQUATION, TIME, Equation

CONST = "const"
#: the four main models of chapter 4, in display order
MAIN_MODELS = ("pooled_ols", "fe_entity", "fe_twoway", "fe_iv_risk")
#: the regressors of the Poisson count model of risk events
POISSON_EQUATION = Equation(name="risk_count", dependent="risk_events", endogenous=("esg",),
                            exog=(*CONTROLS, "region_incidents"), instruments=())
_PANEL_FIT = {"cov_type": "clustered", "cluster_entity": True, "debiased": True,
              "group_debias": True}
_IV_FIT = {"cov_type": "clustered", "debiased": True}


def _counts(data: pd.DataFrame) -> tuple[int, int, int]:
    return len(data), int(data[ENTITY].nunique()), int(data[TIME].nunique())


def _scale_reason(k_rule: int, k_library: int, what: str) -> str:
    return (f"linearmodels counts K = {k_library} ({what}); the book's rule counts K = {k_rule} "
            "(coefficients, the constant when reported and year effects; firm effects nested "
            "in the firm clusters not counted): se_scale = sqrt((N - "
            f"{k_library}) / (N - {k_rule}))")


# --------------------------------------------------------------------------- panel OLS models

def fit_panel(panel: pd.DataFrame, model_id: str, equation: Equation = ESG_EQUATION, *,
              cov: str = "clustered", bandwidth: float | None = None) -> ModelResult:
    """OLS of ``equation`` (endogenous regressors taken as given) with its effects, PanelOLS.

    ``const`` is reported (with firm effects it is Stata's ``xtreg, fe``
    ``_cons``, the mean of the firm effects). Regressors the effects absorb
    are left out and listed in ``absorbed``. ``cov="clustered"``: the book's
    rule (:mod:`esgrisk.core`); linearmodels counts the year effects and, in
    the two-way model, the firm effects too, so a two-way record's
    ``se_scale`` undoes the latter. ``cov="kernel"``: Driscoll-Kraay with a
    Bartlett kernel (``bandwidth`` default floor(4 (T/100)^(2/9))), t(T-1).
    """
    nobs, g, t_periods = _counts(panel)
    effects = equation.effects
    absorbed = core.absorbed_regressors(panel, equation.regressors, effects)
    regressors = [r for r in equation.regressors if r not in absorbed]
    for needed in equation.endogenous:
        if needed in absorbed:
            raise ValueError(f"{needed} has no variation left after the {list(effects)} effects")
    formula = recipe.panel_formula(equation.dependent, regressors, effects)
    data = panel.set_index([ENTITY, TIME])
    model = PanelOLS.from_formula(formula, data)
    names = {CONST: "Intercept"}
    extra: dict[str, Any] = {}
    if cov == "kernel":
        if bandwidth is None:
            bandwidth = default_dk_bandwidth(t_periods)
        fit = {"cov_type": "kernel", "kernel": "bartlett", "bandwidth": float(bandwidth),
               "debiased": True}
        res = model.fit(**fit)
        scale, reason, k, factor = 1.0, "", None, None
        df = t_periods - 1
        cov_type = (f"Driscoll-Kraay (Bartlett kernel, max lag {bandwidth:g}), small-sample "
                    "N/(N-K), t(T-1)")
        extra = {"bandwidth": float(bandwidth), "n_periods": t_periods}
    elif cov == "clustered":
        fit = dict(_PANEL_FIT)
        res = model.fit(**fit)
        n_year = core.n_time_effects(panel, effects)
        k = core.cluster_k(len(regressors), constant=True, n_time_effects=n_year)
        # linearmodels leaves a single effect nested in the clusters out of K, counts others
        counted = len(effects) > 1
        k_lm = int(res.df_model) if counted else len(res.params)
        scale = core.se_scale(nobs, k, k_lm)
        reason = "" if k_lm == k else _scale_reason(
            k, k_lm, f"{len(res.params)} coefficients and {k_lm - len(res.params)} effects")
        factor = core.cluster_factor(nobs, k, g)
        df = core.cluster_df(g)
        cov_type = COV_CLUSTERED
    else:
        raise ValueError(f"unknown cov {cov!r}: use 'clustered' or 'kernel'")
    order = [CONST, *regressors]
    params = pd.Series({n: float(res.params[names.get(n, n)]) for n in order})
    ses = pd.Series({n: float(res.std_errors[names.get(n, n)]) * scale for n in order})
    lm = recipe.recipe("PanelOLS", formula, fit=fit, scale=scale, scale_reason=reason,
                       names=names)
    effects_label = " and ".join(effects) if effects else "no"
    return ModelResult(
        model_id=model_id, estimator=f"PanelOLS ({effects_label} effects)",
        dependent=equation.dependent, params=params, std_errors=ses, nobs=nobs, entities=g,
        n_clusters=g, df=df, cov_type=cov_type, k=k, small_sample_factor=factor,
        effects=tuple(effects), absorbed=tuple(absorbed), linearmodels=lm, extra=extra,
        result=res)


def fit_pooled_ols(panel: pd.DataFrame) -> ModelResult:
    """Pooled OLS of ESG on risk events and the controls, SEs clustered by firm."""
    return fit_panel(panel, "pooled_ols", ESG_EQUATION.with_effects(()))


def fit_fe_entity(panel: pd.DataFrame, *, cov: str = "clustered",
                  bandwidth: float | None = None) -> ModelResult:
    """Firm fixed effects (the paper's model); ``cov="kernel"`` gives ``fe_entity_dk``."""
    model_id = "fe_entity_dk" if cov == "kernel" else "fe_entity"
    return fit_panel(panel, model_id, ESG_EQUATION, cov=cov, bandwidth=bandwidth)


def fit_fe_twoway(panel: pd.DataFrame) -> ModelResult:
    """Firm and year fixed effects; regressors the effects absorb (``cr4``) are listed."""
    return fit_panel(panel, "fe_twoway", ESG_EQUATION.with_effects((ENTITY, TIME)))


# --------------------------------------------------------------------------- FE-IV

def fit_fe_iv(panel: pd.DataFrame, model_id: str, equation: Equation) -> IVResult:
    """2SLS of ``equation`` with its fixed effects, by the within transformation.

    Every variable has the effects removed (:func:`esgrisk.core.within`);
    IV2SLS then runs without a constant (none is reported: the firm effects
    absorb it) and with the firm-clustered covariance of the book's rule,
    K = slopes + year effects (linearmodels' ``extra_df``). Derived columns
    (the industry mean ESG) are built first; rows where one is missing are
    dropped. Exogenous regressors the effects absorb are dropped and listed.

    Diagnostics: the first stage with both F flavours
    (:func:`esgrisk.core.first_stage`); the classical Durbin and Wu-Hausman
    tests with every effect counted (:func:`fe_classical_endogeneity`); a
    cluster-robust control-function t test; Hansen's J (cluster-robust
    IV-GMM) when over-identified.
    """
    derived = equation.derived
    data = recipe.derive(panel, derived)
    nobs, g, _ = _counts(data)
    effects = equation.effects
    absorbed = core.absorbed_regressors(data, [*equation.exog, *equation.instruments,
                                               *equation.endogenous], effects)
    for needed in (*equation.endogenous, *equation.instruments):
        if needed in absorbed:
            raise ValueError(f"{model_id}: {needed} has no variation left after the "
                             f"{list(effects)} effects: the model is not identified")
    exog = [c for c in equation.exog if c not in absorbed]
    endog, inst = list(equation.endogenous), list(equation.instruments)
    dm = core.within_frame(data, [equation.dependent, *endog, *exog, *inst], effects)
    codes = core.cluster_codes(data, equation.cluster)
    n_year = core.n_time_effects(data, effects)
    exog_df = dm[exog] if exog else None
    model = IV2SLS(dm[equation.dependent], exog_df, dm[endog], dm[inst])
    res = model.fit(cov_type="clustered", clusters=codes, debiased=True, extra_df=n_year)
    slopes = [*exog, *endog]
    k = core.cluster_k(len(slopes), constant=False, n_time_effects=n_year)
    order = [*endog, *exog]
    params = res.params[order].astype(float)
    ses = res.std_errors[order].astype(float)

    first = {e: core.first_stage(data, e, inst, exog, effects, equation.cluster) for e in endog}
    endogeneity = fe_classical_endogeneity(dm, equation.dependent, exog, endog, inst,
                                           n_absorbed=g + n_year)
    endogeneity["control_function_clustered"] = control_function_test(
        dm, equation.dependent, exog, endog, inst, codes, n_year)
    if len(inst) > len(endog):
        gmm = IVGMM(dm[equation.dependent], exog_df, dm[endog], dm[inst],
                    weight_type="clustered", clusters=codes).fit(
            cov_type="clustered", clusters=codes, debiased=True)
        j = gmm.j_stat
        overid = {"defined": True, "test": "Hansen J (cluster-robust IV-GMM)",
                  "stat": float(j.stat), "df": int(j.df), "pvalue": float(j.pval)}
    else:
        overid = {"defined": False,
                  "note": "just identified (one instrument, one endogenous regressor): "
                          "no over-identification test exists"}

    k_lm = len(slopes) + g + n_year  # G firm dummies + T-1 year dummies
    scale = core.se_scale(nobs, k, k_lm)
    lm = recipe.recipe(
        "IV2SLS", recipe.iv_formula(equation.dependent, exog, endog, inst, effects),
        fit=_IV_FIT, derived=derived, clusters=equation.cluster, scale=scale,
        scale_reason=_scale_reason(k, k_lm, f"{len(slopes)} slopes and {g + n_year} "
                                            "effect dummies"))
    effects_label = " and ".join(effects)
    return IVResult(
        model_id=model_id,
        estimator=f"IV2SLS with {effects_label} effects (within transformation)",
        dependent=equation.dependent, params=params, std_errors=ses, nobs=nobs, entities=g,
        n_clusters=g, df=core.cluster_df(g), cov_type=COV_CLUSTERED, k=k,
        small_sample_factor=core.cluster_factor(nobs, k, g), effects=tuple(effects),
        absorbed=tuple(absorbed), linearmodels=lm,
        extra={"endogeneity": endogeneity, "overid": overid},
        endogenous=tuple(endog), instruments=tuple(inst), exog=tuple(exog),
        first_stage=first, result=res)


def fe_classical_endogeneity(dm: pd.DataFrame, dependent: str, exog: Sequence[str],
                             endog: Sequence[str], instruments: Sequence[str], *,
                             n_absorbed: int) -> dict[str, dict[str, Any]]:
    """Classical Durbin (chi2) and Wu-Hausman (F) tests of a fixed-effects IV model.

    ``dm`` holds within-transformed data. The sums of squares equal those of
    IV2SLS with the effect dummies (Frisch-Waugh-Lovell); the Wu-Hausman
    denominator loses the ``n_absorbed`` degrees of freedom the dummies
    would use (the Durbin statistic has no degrees-of-freedom term).
    ``tests/test_estimate.py`` checks both against the dummy fit.
    """
    exog_df = dm[list(exog)] if exog else None
    res = IV2SLS(dm[dependent], exog_df, dm[list(endog)], dm[list(instruments)]).fit(
        cov_type="unadjusted", debiased=True)
    tests = endogeneity_tests(res)
    wh = tests["wu_hausman"]
    denom = wh["df_denom"] - n_absorbed
    stat = wh["stat"] * denom / wh["df_denom"]
    tests["wu_hausman"] = {"stat": stat, "pvalue": float(stats.f.sf(stat, wh["df"], denom)),
                           "df": wh["df"], "df_denom": denom, "dist": f"F({wh['df']},{denom})"}
    return tests


def control_function_test(dm: pd.DataFrame, dependent: str, exog: Sequence[str],
                          endog: Sequence[str], instruments: Sequence[str],
                          codes: np.ndarray, n_year: int) -> dict[str, float]:
    """Cluster-robust endogeneity test: t of the first-stage residual added to the FE regression.

    Under the null that the endogenous regressor is exogenous its
    coefficient is zero; clustered covariance with the book's rule, t(G-1).
    """
    exog, endog = list(exog), list(endog)
    (e,) = endog
    first = core.cluster_ols(dm[e], dm[[*instruments, *exog]], codes)
    x = dm[[e, *exog]].assign(first_stage_resid=first.resids)
    k = core.cluster_k(x.shape[1], constant=False, n_time_effects=n_year)
    fit = core.cluster_ols(dm[dependent], x, codes, k=k)
    t = float(fit.tstats["first_stage_resid"])
    df = core.cluster_df(fit.n_clusters)
    return {"coef": float(fit.params["first_stage_resid"]), "t": t,
            "pvalue": float(core.t_pvalues([t], df)[0]), "df": df}


def fit_fe_iv_risk(panel: pd.DataFrame, *, time_effects: bool = False) -> IVResult:
    """Risk -> ESG: risk events instrumented by ``region_incidents``, firm (and year) effects.

    Id ``fe_iv_risk``, or ``fe_iv_twoway`` with ``time_effects=True`` (the
    risk -> ESG arrow of chapter 5: year effects absorb industry-wide ESG
    shocks; ``cr4``, a year variable, is then absorbed).
    """
    if time_effects:
        return fit_fe_iv(panel, "fe_iv_twoway", ESG_EQUATION.with_effects((ENTITY, TIME)))
    return fit_fe_iv(panel, "fe_iv_risk", ESG_EQUATION)


def fit_iv_esg_to_risk(panel: pd.DataFrame, instrument: str = "loo") -> IVResult:
    """ESG -> risk: ESG instrumented by the industry-mean ESG, firm effects.

    ``instrument="loo"`` (id ``iv_esg_to_risk``) uses the mean of the other
    firms; ``"inclusive"`` (id ``iv_esg_to_risk_inclusive``) the paper's mean
    including the firm itself. Year effects cannot be added: in a
    one-industry panel the industry mean is (almost) a year variable.
    """
    if instrument == "loo":
        return fit_fe_iv(panel, "iv_esg_to_risk", RISK_EQUATION)
    if instrument == "inclusive":
        return fit_fe_iv(panel, "iv_esg_to_risk_inclusive",
                         RISK_EQUATION.with_instruments((INDUSTRY_ESG,)))
    raise ValueError(f"instrument must be 'loo' or 'inclusive', not {instrument!r}")


# --------------------------------------------------------------------------- Poisson FE

def poisson_fe(y: np.ndarray, x: np.ndarray, groups: np.ndarray, *, tol: float = 1e-10,
               max_iter: int = 200) -> dict[str, Any]:
    """Poisson regression with one set of fixed effects, without building dummies.

    Maximises the likelihood concentrated in the effects (for Poisson, the
    effect of group i is log(sum_t y_it / sum_t exp(x_it b)), and the
    concentrated likelihood is the conditional one of ``xtpoisson, fe``) by
    Newton steps; every step costs O(N k^2) whatever the number of groups.
    Groups whose counts are all zero must be removed first (they carry no
    information). Returns ``params``, the Hessian, the per-group scores and
    ``converged``; ``tests/test_estimate.py`` checks it against statsmodels
    GLM with dummies.
    """
    y = np.asarray(y, float)
    x = np.asarray(x, float)
    codes = pd.factorize(pd.Series(groups))[0]
    n_groups = int(codes.max()) + 1
    y_sum = np.bincount(codes, weights=y, minlength=n_groups)
    if np.any(y_sum <= 0):
        raise ValueError("poisson_fe: a group has only zero counts; drop it first")
    beta = np.zeros(x.shape[1])
    converged = False
    for _ in range(max_iter):
        eta = x @ beta
        eta -= (np.bincount(codes, weights=eta, minlength=n_groups)
                / np.bincount(codes, minlength=n_groups))[codes]  # numerical centring
        w = np.exp(eta)
        mu = w * (y_sum / np.bincount(codes, weights=w, minlength=n_groups))[codes]
        xbar = np.zeros((n_groups, x.shape[1]))
        np.add.at(xbar, codes, mu[:, None] * x)
        xbar /= y_sum[:, None]  # sum_t mu_it = sum_t y_it at the concentrated optimum
        xt = x - xbar[codes]
        score = xt.T @ (y - mu)
        hess = (xt * mu[:, None]).T @ xt
        step = np.linalg.solve(hess, score)
        beta = beta + step
        if np.max(np.abs(step)) < tol * max(1.0, float(np.max(np.abs(beta)))):
            converged = True
            break
    eta = x @ beta
    w = np.exp(eta - eta.max())
    mu = w * (y_sum / np.bincount(codes, weights=w, minlength=n_groups))[codes]
    xbar = np.zeros((n_groups, x.shape[1]))
    np.add.at(xbar, codes, mu[:, None] * x)
    xbar /= y_sum[:, None]
    xt = x - xbar[codes]
    hess = (xt * mu[:, None]).T @ xt
    scores = np.zeros((n_groups, x.shape[1]))
    np.add.at(scores, codes, xt * (y - mu)[:, None])
    return {"params": beta, "hessian": hess, "scores": scores, "converged": converged,
            "mu": mu}


def fit_poisson_fe_risk(panel: pd.DataFrame) -> ModelResult:
    """Poisson regression of ``risk_events`` on ESG, incidents and the controls, firm effects.

    A count-model check of the reverse equation (ESG -> risk), fitted by
    :func:`poisson_fe` (no dummy matrix). Firms whose counts are all zero
    carry no information and are dropped (``dropped_firms``). SEs clustered by
    firm with the ML factor G/(G-1) (Stata's ``xtpoisson, fe vce(cluster)``:
    no N-K term for a likelihood estimator), t(G-1). ESG is treated as
    exogenous here, so simultaneity biases this model as it does the linear
    fixed-effects one. Coefficients are changes in log expected counts; the
    firm effects are not reported. The ``refit`` entry reproduces it with
    statsmodels' GLM and firm dummies.
    """
    eq = POISSON_EQUATION
    totals = panel.groupby(ENTITY)[eq.dependent].transform("sum")
    dropped = sorted(panel.loc[totals == 0, ENTITY].unique().tolist())
    data = panel.loc[totals > 0].reset_index(drop=True)
    nobs, g, _ = _counts(data)
    absorbed = core.absorbed_regressors(data, eq.regressors, eq.effects)
    if "esg" in absorbed:
        raise ValueError("esg has no variation within firms")
    regs = [r for r in eq.regressors if r not in absorbed]
    fit = poisson_fe(data[eq.dependent].to_numpy(float), data[regs].to_numpy(float),
                     data[ENTITY].to_numpy())
    factor = g / (g - 1)
    bread = np.linalg.inv(fit["hessian"])
    cov = factor * bread @ (fit["scores"].T @ fit["scores"]) @ bread
    params = pd.Series(fit["params"], index=regs)
    ses = pd.Series(np.sqrt(np.diag(cov)), index=regs)
    formula = f"{eq.dependent} ~ " + " + ".join([*regs, f"C({ENTITY})"])
    refit = {
        "library": "statsmodels", "call": "statsmodels.formula.api.glm",
        "formula": formula, "family": "Poisson",
        "fit": {"cov_type": "cluster", "cov_kwds": {"use_correction": False}},
        "groups": ENTITY,
        "sample": f"firms whose {eq.dependent} are all zero dropped",
        "se_scale": float(np.sqrt(factor)),
        "se_scale_reason": ("statsmodels' cluster covariance without correction; the record "
                            "applies Stata's ML factor G/(G-1): se_scale = sqrt(G/(G-1))"),
        "names": {},
    }
    return ModelResult(
        model_id="poisson_fe_risk",
        estimator="Poisson with firm effects (concentrated likelihood, no dummies)",
        dependent=eq.dependent, params=params, std_errors=ses, nobs=nobs, entities=g,
        n_clusters=g, df=core.cluster_df(g),
        cov_type="clustered(firm), ML factor G/(G-1) (Stata ML convention), t(G-1)",
        k=None, effects=(ENTITY,), absorbed=tuple(absorbed), refit=refit,
        extra={"dropped_firms": dropped, "converged": bool(fit["converged"])})


def fit_all(panel: pd.DataFrame, *, include_dk: bool = True,
            include_iv_twoway: bool = True) -> dict[str, ModelResult]:
    """Fit every model of chapter 4, keyed by model id (robustness variants included)."""
    fits: dict[str, ModelResult] = {
        "pooled_ols": fit_pooled_ols(panel), "fe_entity": fit_fe_entity(panel),
        "fe_twoway": fit_fe_twoway(panel), "fe_iv_risk": fit_fe_iv_risk(panel)}
    if include_dk:
        fits["fe_entity_dk"] = fit_fe_entity(panel, cov="kernel")
    if include_iv_twoway:
        fits["fe_iv_twoway"] = fit_fe_iv_risk(panel, time_effects=True)
    return fits


# --------------------------------------------------------------------------- generic helpers

def default_dk_bandwidth(n_periods: int) -> float:
    """Rule-of-thumb maximum lag of the Driscoll-Kraay kernel, floor(4 (T/100)^(2/9)).

    It is the default of Stata's ``xtscc`` and of linearmodels; Bartlett weights
    are 1 - j/(m+1) for lags j = 0..m.
    """
    return float(np.floor(4 * (n_periods / 100) ** (2 / 9)))


def _panel_indexed(data: pd.DataFrame, entity: str, time: str) -> pd.DataFrame:
    return data.set_index([entity, time]).sort_index()


def panel_ols(data: pd.DataFrame, dependent: str, regressors: Sequence[str], *,
              entity: str = ENTITY, time: str = TIME, entity_effects: bool = False,
              time_effects: bool = False, constant: bool = True,
              cov: str = "clustered", bandwidth: float | None = None) -> Any:
    """Fit ``dependent`` on ``regressors`` with linearmodels' PanelOLS.

    ``constant=True`` adds a column ``const``; with entity effects it is Stata's
    ``_cons`` of ``xtreg, fe`` (the mean of the fixed effects).

    ``cov``:
    * ``"clustered"``: clustered by entity, Stata's small-sample factor
      (``debiased=True, group_debias=True``; effects nested in the clusters are
      not counted, as in ``xtreg, fe vce(cluster)``);
    * ``"unadjusted"``: classical, divided by N-K with the effects counted
      (``xtreg, fe`` and R ``plm``);
    * ``"kernel"``: Driscoll-Kraay with a Bartlett kernel of maximum lag
      ``bandwidth`` (default: linearmodels' rule floor(4 (T/100)^(2/9))).
    """
    df = _panel_indexed(data, entity, time)
    exog = df[list(regressors)].astype(float)
    if constant:
        exog.insert(0, CONST, 1.0)
    model = PanelOLS(df[dependent].astype(float), exog,
                     entity_effects=entity_effects, time_effects=time_effects)
    if cov == "clustered":
        return model.fit(cov_type="clustered", cluster_entity=True,
                         debiased=True, group_debias=True)
    if cov == "unadjusted":
        return model.fit(cov_type="unadjusted", debiased=True)
    if cov == "kernel":
        config: dict[str, Any] = {"kernel": "bartlett"}
        if bandwidth is not None:
            config["bandwidth"] = bandwidth
        return model.fit(cov_type="kernel", debiased=True, **config)
    raise ValueError(f"unknown cov {cov!r}: use 'clustered', 'unadjusted' or 'kernel'")


def _iv_cov_kwargs(cov: str, clusters: np.ndarray | None, debiased: bool) -> dict[str, Any]:
    if cov == "clustered":
        if clusters is None:
            raise ValueError("cov='clustered' needs clusters")
        return {"cov_type": "clustered", "clusters": clusters, "debiased": debiased}
    if cov in ("unadjusted", "robust"):
        return {"cov_type": cov, "debiased": debiased}
    raise ValueError(f"unknown cov {cov!r}: use 'clustered', 'robust' or 'unadjusted'")


def iv_2sls(data: pd.DataFrame, dependent: str, exog: Sequence[str], endog: Sequence[str],
            instruments: Sequence[str], *, absorb: str | None = None,
            constant: bool = True, cov: str = "unadjusted", cluster: str | None = None,
            debiased: bool = True) -> Any:
    """Two-stage least squares with linearmodels' IV2SLS.

    ``absorb`` names a column whose categories enter as dummy regressors
    (fixed effects; the first category is the base, named
    ``fe[<column>=<value>]``). Because the dummies are ordinary exogenous
    regressors, the first-stage diagnostics and the Durbin / Wu-Hausman tests
    count them correctly. ``cov`` is ``"unadjusted"``, ``"robust"`` or
    ``"clustered"`` (then ``cluster`` names the column). ``debiased=True`` is
    the small-sample version (R ``ivreg``, Stata ``small``/``robust``; for
    clusters, G/(G-1)(N-1)/(N-K) with every column, dummies included, in K).
    """
    exog_df = data[list(exog)].astype(float)
    if constant:
        exog_df.insert(0, CONST, 1.0)
    if absorb is not None:
        levels = pd.Index(pd.unique(data[absorb])).sort_values()
        for level in levels[1:]:
            exog_df[f"fe[{absorb}={level}]"] = (data[absorb] == level).astype(float)
    clusters = None
    if cluster is not None:
        clusters = pd.factorize(data[cluster])[0]
    model = IV2SLS(data[dependent].astype(float), exog_df,
                   data[list(endog)].astype(float), data[list(instruments)].astype(float))
    return model.fit(**_iv_cov_kwargs(cov, clusters, debiased))


def first_stage_summary(result: Any, *, n_clusters: int | None = None) -> dict[str, dict[str, Any]]:
    """Partial F, partial R2 and Shea R2 of each endogenous regressor's first stage.

    linearmodels reports ``f.stat`` as an F only for an unadjusted covariance;
    with a robust or clustered one it is a chi2(q) Wald statistic, which is
    divided here by q (the number of excluded instruments). With
    ``n_clusters`` the p-value uses F(q, G-1), as Stata does after clustering;
    otherwise F(q, N-K) for the unadjusted and chi2(q)/q for the robust case.
    """
    diag = result.first_stage.diagnostics
    instruments = list(result.model.instruments.cols)
    q = len(instruments)
    unadjusted = result.cov_type in ("unadjusted", "homoskedastic")
    out: dict[str, dict[str, Any]] = {}
    for endog, row in diag.iterrows():
        stat = float(row["f.stat"])
        f = stat if unadjusted else stat / q
        if unadjusted:
            pval = float(row["f.pval"])
            df2: int | None = int(float(row["f.dist"].split(",")[1].rstrip(")")))
        elif n_clusters is not None:
            df2 = n_clusters - 1
            pval = float(stats.f.sf(f, q, df2))
        else:
            df2 = None
            pval = float(stats.chi2.sf(stat, q))
        out[str(endog)] = {
            "partial_f": f, "partial_f_df": [q, df2], "partial_f_pvalue": pval,
            "partial_r2": float(row["partial.rsquared"]), "shea_r2": float(row["shea.rsquared"]),
            "instruments": instruments,
        }
    return out


def endogeneity_tests(result: Any) -> dict[str, dict[str, Any]]:
    """Durbin (chi2) and Wu-Hausman (F) tests that the endogenous regressors are exogenous.

    Both are the classical (homoskedastic) versions of linearmodels, i.e. Stata's
    ``estat endogenous`` and the ``endog`` test of ``ivreg2`` without robust options.
    """
    out = {}
    for name, test in (("durbin", result.durbin()), ("wu_hausman", result.wu_hausman())):
        out[name] = {"stat": float(test.stat), "pvalue": float(test.pval), "df": test.df,
                     "df_denom": getattr(test, "df_denom", None), "dist": str(test.dist_name)}
    return out


