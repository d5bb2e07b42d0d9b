"""Single-equation estimators of the ESG equation (the paper's Table 2).

The paper regresses the ESG score on security-risk events and four controls
with firm fixed effects, and instruments the risk events with the cyber-security
incidents of the firm's region. This module fits that equation four ways, all
through :mod:`linearmodels`:

========== ==========================================================
id         model
========== ==========================================================
pooled_ols pooled OLS, no effects
fe_entity  firm fixed effects (the paper's specification)
fe_twoway  firm and year fixed effects
fe_iv_risk firm fixed effects, ``risk_events`` instrumented by
           ``region_incidents`` (2SLS)
========== ==========================================================

Robustness variants: ``fe_entity_dk`` (Driscoll-Kraay SEs),
``fe_iv_twoway`` (FE-IV with year effects as well) and ``poisson_fe_risk``
(a Poisson count model of the reverse equation, statsmodels GLM).

Inference follows Stata's conventions so that the numbers can be compared with
the published ones: standard errors clustered by firm with the small-sample
factor G/(G-1) (N-1)/(N-K), the firm effects (nested in the clusters) not
counted in K, and p-values from a t distribution with G-1 degrees of freedom
(:func:`cluster_pvalues`). A Driscoll-Kraay alternative is available for the
firm fixed-effects model (id ``fe_entity_dk``).

The generic helpers (:func:`panel_ols`, :func:`iv_2sls`,
:func:`first_stage_summary`, :func:`endogeneity_tests`,
:func:`cluster_wald_f`) take column names, so the validation appendix runs the
same code on textbook data sets with published results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS
from linearmodels.panel import PanelOLS
from scipy import stats

from esgrisk.results import model_record

ENTITY = "firm"
TIME = "year"
DEPENDENT = "esg"
ENDOGENOUS = "risk_events"
INSTRUMENT = "region_incidents"
CONTROLS = ("log_assets", "revenue_growth", "cr4", "reg_strength")
ESG_EQUATION = (ENDOGENOUS,) + CONTROLS
CONST = "const"
MODEL_IDS = ("pooled_ols", "fe_entity", "fe_twoway", "fe_iv_risk")
DK_MODEL_ID = "fe_entity_dk"
IV_TWOWAY_MODEL_ID = "fe_iv_twoway"

CLUSTER_COV_LABEL = "clustered(firm), small-sample G/(G-1)(N-1)/(N-K), t(G-1) p-values"


# ---------------------------------------------------------------------------
# small-sample inference helpers
# ---------------------------------------------------------------------------

def t_pvalues(tstats: Any, df: int) -> Any:
    """Two-sided p-values of ``tstats`` from a t distribution with ``df`` degrees of freedom."""
    if isinstance(tstats, pd.Series):
        return pd.Series(2.0 * stats.t.sf(np.abs(tstats.to_numpy(float)), df), index=tstats.index)
    return 2.0 * stats.t.sf(np.abs(np.asarray(tstats, dtype=float)), df)


def cluster_pvalues(tstats: Any, n_clusters: int) -> Any:
    """Two-sided p-values of ``tstats`` from a t distribution with ``n_clusters - 1`` df.

    This is what Stata prints after ``vce(cluster ...)``; linearmodels uses the
    residual degrees of freedom instead, which with few clusters overstates the
    precision. A pandas Series keeps its index; other input returns an array.
    """
    if n_clusters < 2:
        raise ValueError(f"cluster p-values need at least 2 clusters, got {n_clusters}")
    return t_pvalues(tstats, n_clusters - 1)


def stata_cluster_factor(nobs: int, nparams: int, n_clusters: int) -> float:
    """Stata's small-sample factor of a clustered covariance, G/(G-1) * (N-1)/(N-K)."""
    return n_clusters / (n_clusters - 1) * (nobs - 1) / (nobs - nparams)


def cluster_wald_f(result: Any, names: Sequence[str], n_clusters: int) -> dict[str, float]:
    """Joint Wald test that the coefficients ``names`` are zero, as Stata's cluster F.

    Returns the Wald statistic divided by q with an F(q, G-1) p-value, the
    statistic ``test`` prints after a clustered regression.
    """
    names = list(names)
    b = np.asarray(result.params[names], dtype=float)
    v = np.asarray(result.cov.loc[names, names], dtype=float)
    q = len(names)
    f = float(b @ np.linalg.solve(v, b)) / q
    df2 = n_clusters - 1
    return {"stat": f, "df1": q, "df2": df2, "pvalue": float(stats.f.sf(f, q, df2))}


def default_dk_bandwidth(n_periods: int) -> float:
    """Rule-of-thumb maximum lag of the Driscoll-Kraay kernel, floor(4 (T/100)^(2/9)).

    It is the default of Stata's ``xtscc`` and of linearmodels; Bartlett weights
    are 1 - j/(m+1) for lags j = 0..m.
    """
    return float(np.floor(4 * (n_periods / 100) ** (2 / 9)))


# ---------------------------------------------------------------------------
# fixed effects: which regressors do the effects absorb?
# ---------------------------------------------------------------------------

def demean(values: pd.Series | np.ndarray, groups: Sequence[Any], *,
           max_iter: int = 10_000, tol: float = 1e-13) -> np.ndarray:
    """Residual of ``values`` after removing the means of every grouping in ``groups``.

    With one grouping this is the within transformation; with two (firm and
    year) it is computed by alternating projections, which is exact on
    unbalanced panels too.
    """
    x = np.asarray(values, dtype=float).copy()
    codes = [pd.factorize(pd.Series(np.asarray(g)))[0] for g in groups]
    counts = [np.bincount(c) for c in codes]
    scale = max(float(np.sqrt(np.mean(x**2))), 1.0)
    for _ in range(max_iter):
        before = x.copy()
        for c, n in zip(codes, counts, strict=True):
            x -= (np.bincount(c, weights=x) / n)[c]
        if len(codes) <= 1 or np.max(np.abs(x - before)) <= tol * scale:
            break
    return x


def absorbed_regressors(panel: pd.DataFrame, regressors: Sequence[str], *,
                        entity_effects: bool, time_effects: bool,
                        entity: str = ENTITY, time: str = TIME,
                        tol: float = 1e-8) -> list[str]:
    """Regressors with no variation left once the fixed effects are removed.

    A regressor is absorbed when the root mean square of its residual after
    demeaning by the requested effects (and the overall mean) is at most
    ``tol`` times its own standard deviation, or when it is constant. Example:
    the industry CR4 varies only by year, so year effects absorb it; a
    regulation score fixed within each firm is absorbed by firm effects.
    """
    groups = []
    if entity_effects:
        groups.append(panel[entity])
    if time_effects:
        groups.append(panel[time])
    out = []
    for name in regressors:
        x = panel[name].to_numpy(float)
        sd = float(np.std(x))
        if sd == 0.0:
            out.append(name)
            continue
        resid = demean(x - x.mean(), groups) if groups else x - x.mean()
        if float(np.sqrt(np.mean(resid**2))) <= tol * sd:
            out.append(name)
    return out


# ---------------------------------------------------------------------------
# generic estimators
# ---------------------------------------------------------------------------

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


def within_with_grand_mean(data: pd.DataFrame, columns: Sequence[str], entity: str) -> pd.DataFrame:
    """Stata's ``xtreg, fe`` transformation: v_it - mean_i(v) + mean(v) for each column."""
    out = data[list(columns)].astype(float)
    group_means = out.groupby(data[entity]).transform("mean")
    return out - group_means + out.mean()


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


# ---------------------------------------------------------------------------
# the four models of the ESG equation
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Fit:
    """One estimated model with the numbers the results contract reports.

    ``result`` is the linearmodels result; ``params``/``std_errors``/``tstats``/
    ``pvalues`` are the reported coefficients (firm dummies excluded), with
    p-values from t(``df_pvalues``).
    """

    model_id: str
    estimator: str
    result: Any
    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    nobs: int
    entities: int
    n_clusters: int
    df_pvalues: int
    cov_type: str
    dependent: str = DEPENDENT
    extra: Mapping[str, Any] = field(default_factory=dict)

    def ci(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals from t(``df_pvalues``)."""
        crit = stats.t.ppf(0.5 + level / 2, self.df_pvalues)
        return pd.DataFrame({"lower": self.params - crit * self.std_errors,
                             "upper": self.params + crit * self.std_errors})


def _reported(result: Any, names: Sequence[str], df_p: int) -> tuple[pd.Series, ...]:
    names = list(names)
    params = result.params[names].astype(float)
    se = result.std_errors[names].astype(float)
    t = params / se
    return params, se, t, t_pvalues(t, df_p)


def _counts(panel: pd.DataFrame) -> tuple[int, int, int]:
    return len(panel), int(panel[ENTITY].nunique()), int(panel[TIME].nunique())


def _panel_fit(panel: pd.DataFrame, model_id: str, estimator: str, *, entity_effects: bool,
               time_effects: bool, regressors: Sequence[str] = ESG_EQUATION,
               cov: str = "clustered", bandwidth: float | None = None,
               extra: Mapping[str, Any] | None = None) -> Fit:
    nobs, g, t_periods = _counts(panel)
    absorbed = absorbed_regressors(panel, regressors, entity_effects=entity_effects,
                                   time_effects=time_effects)
    regressors = [r for r in regressors if r not in absorbed]
    if ENDOGENOUS not in regressors:
        raise ValueError(f"{ENDOGENOUS} has no variation left after the fixed effects")
    if cov == "kernel" and bandwidth is None:
        bandwidth = default_dk_bandwidth(t_periods)
    res = panel_ols(panel, DEPENDENT, regressors, entity_effects=entity_effects,
                    time_effects=time_effects, cov=cov, bandwidth=bandwidth)
    names = [CONST, *regressors]
    extra = dict(extra or {})
    if cov == "kernel":
        df_p = t_periods - 1
        bw = float(bandwidth)
        cov_label = (f"Driscoll-Kraay (Bartlett kernel, max lag {bw:g}), small-sample N/(N-K), "
                     "t(T-1) p-values")
        extra.update({"bandwidth": bw, "n_periods": t_periods})
    else:
        df_p = g - 1
        cov_label = CLUSTER_COV_LABEL
        extra["small_sample_factor"] = stata_cluster_factor(nobs, len(names), g)
    params, se, t, p = _reported(res, names, df_p)
    extra.update({"df_pvalues": df_p, "n_clusters": g, "absorbed": absorbed})
    return Fit(model_id, estimator, res, params, se, t, p, nobs, g, g, df_p, cov_label,
               extra=extra)


def fit_pooled_ols(panel: pd.DataFrame) -> Fit:
    """Pooled OLS of ESG on risk events and the controls, SEs clustered by firm."""
    return _panel_fit(panel, "pooled_ols", "PanelOLS (pooled, no effects)",
                      entity_effects=False, time_effects=False,
                      extra={"effects": []})


def fit_fe_entity(panel: pd.DataFrame, *, cov: str = "clustered",
                  bandwidth: float | None = None) -> Fit:
    """Firm fixed effects (the paper's model); ``const`` is Stata's ``_cons``.

    ``cov="kernel"`` gives the Driscoll-Kraay alternative (id ``fe_entity_dk``),
    with p-values from t(T-1) as Stata's ``xtscc``.
    """
    model_id = DK_MODEL_ID if cov == "kernel" else "fe_entity"
    return _panel_fit(panel, model_id, "PanelOLS (firm fixed effects)",
                      entity_effects=True, time_effects=False, cov=cov, bandwidth=bandwidth,
                      extra={"effects": ["firm"],
                             "const_note": ("const is Stata's xtreg, fe _cons "
                                            "(mean of the firm effects)")})


def fit_fe_twoway(panel: pd.DataFrame) -> Fit:
    """Firm and year fixed effects; regressors the effects absorb are reported, not fitted.

    The absorbed regressors are found before fitting with
    :func:`absorbed_regressors` and listed in ``extra["absorbed"]``.
    """
    return _panel_fit(panel, "fe_twoway", "PanelOLS (firm and year fixed effects)",
                      entity_effects=True, time_effects=True,
                      extra={"effects": ["firm", "year"]})


def control_function_test(panel: pd.DataFrame, first_stage_resid: Any, *,
                          time_effects: bool = False) -> dict[str, float]:
    """Cluster-robust endogeneity test: t of the first-stage residual added to the FE regression.

    Under the null that ``risk_events`` is exogenous its coefficient is zero;
    the t statistic uses the clustered covariance and a t(G-1) p-value.
    """
    data = panel.assign(first_stage_resid=np.asarray(first_stage_resid, dtype=float))
    _, g, _ = _counts(panel)
    regs = [r for r in ESG_EQUATION if r not in absorbed_regressors(
        panel, ESG_EQUATION, entity_effects=True, time_effects=time_effects)]
    res = panel_ols(data, DEPENDENT, [*regs, "first_stage_resid"],
                    entity_effects=True, time_effects=time_effects, cov="clustered")
    t = float(res.tstats["first_stage_resid"])
    return {"coef": float(res.params["first_stage_resid"]), "t": t,
            "pvalue": float(cluster_pvalues([t], g)[0]), "df": g - 1}


def fe_classical_diagnostics(result: Any, n_groups: int) -> dict[str, dict[str, Any]]:
    """Classical first-stage F and endogeneity tests of a fixed-effects IV fit on transformed data.

    ``result`` is an unadjusted, debiased IV2SLS fit on the ``xtreg, fe``
    transformed data (:func:`within_with_grand_mean`) with a constant. Its sums
    of squares equal those of the fit with ``n_groups`` firm dummies, whose
    denominators have ``n_groups - 1`` fewer degrees of freedom; the F statistics
    are rescaled accordingly (the Durbin statistic has no degrees-of-freedom
    term). ``tests/test_estimate.py`` checks the result against the dummy fit.
    """
    extra = n_groups - 1
    fs = first_stage_summary(result)
    out: dict[str, dict[str, Any]] = {}
    for endog, row in fs.items():
        q, df2 = row["partial_f_df"]
        new_df2 = df2 - extra
        f = row["partial_f"] * new_df2 / df2
        out[f"first_stage:{endog}"] = {"partial_f": f, "partial_f_df": [q, new_df2],
                                       "partial_f_pvalue": float(stats.f.sf(f, q, new_df2)),
                                       "partial_r2": row["partial_r2"]}
    tests = endogeneity_tests(result)
    wh = tests["wu_hausman"]
    new_denom = wh["df_denom"] - extra
    stat = wh["stat"] * new_denom / wh["df_denom"]
    out["wu_hausman"] = {"stat": stat, "pvalue": float(stats.f.sf(stat, wh["df"], new_denom)),
                         "df": wh["df"], "df_denom": new_denom,
                         "dist": f"F({wh['df']},{new_denom})"}
    out["durbin"] = tests["durbin"]
    return out


def year_dummies(panel: pd.DataFrame, time: str = TIME) -> pd.DataFrame:
    """Dummies of every year but the first, named ``year[<t>]`` (float)."""
    years = sorted(panel[time].unique())
    return pd.DataFrame({f"{time}[{y}]": (panel[time] == y).astype(float) for y in years[1:]},
                        index=panel.index)


def fit_fe_iv_risk(panel: pd.DataFrame, *, time_effects: bool = False) -> Fit:
    """Firm fixed effects 2SLS, ``risk_events`` instrumented by ``region_incidents``.

    The model is fitted by IV2SLS on the ``xtreg, fe`` transformed data
    (:func:`within_with_grand_mean`) with a constant, which gives the firm
    fixed-effects coefficients, ``const`` (Stata's ``_cons``), and clustered SEs
    with G/(G-1)(N-1)/(N-K), K = regressors + constant (the firm effects, nested
    in the clusters, are not counted, as for ``fe_entity``), and the
    cluster-robust first-stage F (Wald/q, F(q, G-1)).

    The classical first-stage F and the Wu-Hausman test must count the G firm
    effects; they are those of IV2SLS with firm dummies
    (:func:`fe_classical_diagnostics`, which avoids building G dummies). The
    firm effects are not reported.

    ``time_effects=True`` adds year dummies (transformed like the other
    regressors, counted in K as Stata counts ``i.year``), id ``fe_iv_twoway``;
    regressors that vary by year only (``cr4``) are then absorbed and reported.
    """
    model_id = "fe_iv_twoway" if time_effects else "fe_iv_risk"
    nobs, g, _ = _counts(panel)
    absorbed = absorbed_regressors(panel, [*ESG_EQUATION, INSTRUMENT],
                                   entity_effects=True, time_effects=time_effects)
    for needed in (ENDOGENOUS, INSTRUMENT):
        if needed in absorbed:
            raise ValueError(f"{needed} has no variation left after the fixed effects: "
                             "the fixed-effects IV model is not identified")
    controls = [c for c in CONTROLS if c not in absorbed]
    data = panel
    dummy_names: list[str] = []
    if time_effects:
        dummies = year_dummies(panel)
        dummy_names = list(dummies.columns)
        data = pd.concat([panel, dummies], axis=1)
    cols = [DEPENDENT, ENDOGENOUS, *controls, *dummy_names, INSTRUMENT]
    transformed = within_with_grand_mean(data, cols, ENTITY).assign(
        **{ENTITY: panel[ENTITY].to_numpy()})
    args = (transformed, DEPENDENT, [*controls, *dummy_names], [ENDOGENOUS], [INSTRUMENT])
    res = iv_2sls(*args, cov="clustered", cluster=ENTITY, debiased=True)
    classical = iv_2sls(*args, cov="unadjusted", debiased=True)
    names = [CONST, ENDOGENOUS, *controls]
    params, se, t, p = _reported(res, names, g - 1)
    robust_fs = first_stage_summary(res, n_clusters=g)[ENDOGENOUS]
    diag = fe_classical_diagnostics(classical, g)
    classical_fs = diag.pop(f"first_stage:{ENDOGENOUS}")
    first = classical.first_stage.individual[ENDOGENOUS]
    first_stage = {ENDOGENOUS: {
        "partial_f": classical_fs["partial_f"],
        "partial_f_pvalue": classical_fs["partial_f_pvalue"],
        "df": classical_fs["partial_f_df"],
        "partial_f_cluster": robust_fs["partial_f"],
        "partial_f_cluster_pvalue": robust_fs["partial_f_pvalue"],
        "df_cluster": robust_fs["partial_f_df"],
        "partial_r2": classical_fs["partial_r2"],
        "instruments": [INSTRUMENT],
        "coefficients": {INSTRUMENT: float(first.params[INSTRUMENT])},
        "convention": ("partial_f: classical F, residual df N-K-G (IV2SLS / ivreg2 with firm "
                       "dummies); partial_f_cluster: clustered Wald/q, compared with F(q, G-1)"),
    }}
    endog = dict(diag)
    endog["control_function_clustered"] = control_function_test(
        panel, first.resids.to_numpy(), time_effects=time_effects)
    effects = ["firm", "year"] if time_effects else ["firm"]
    extra = {
        "effects": effects, "df_pvalues": g - 1, "n_clusters": g, "absorbed": absorbed,
        "small_sample_factor": stata_cluster_factor(nobs, len(names) + len(dummy_names), g),
        "endogenous": [ENDOGENOUS], "instruments": [INSTRUMENT],
        "first_stage": first_stage, "endogeneity": endog,
        "params_note": (f"{' and '.join(effects)} fixed effects estimated and not reported; "
                        "const is Stata's xtreg, fe _cons"),
    }
    estimator = "IV2SLS with " + " and ".join(effects) + " fixed effects"
    return Fit(model_id, estimator, res, params, se, t, p, nobs, g, g, g - 1,
               CLUSTER_COV_LABEL, extra=extra)


POISSON_REGRESSORS = (DEPENDENT, INSTRUMENT) + CONTROLS


def fit_poisson_fe_risk(panel: pd.DataFrame) -> Fit:
    """Poisson regression of ``risk_events`` on ESG, incidents and the controls, firm dummies.

    A count-model robustness check of the reverse equation (ESG -> risk),
    fitted with statsmodels' GLM. With firm dummies the Poisson estimator equals
    the conditional (``xtpoisson, fe``) one; firms whose counts are all zero
    carry no information and are dropped (listed in ``extra["dropped_firms"]``).
    SEs are clustered by firm with Stata's ML factor G/(G-1); p-values from
    t(G-1). ESG is treated as exogenous here, so simultaneity biases this
    model as it does the linear fixed-effects one. Coefficients are changes in
    log expected counts; firm dummies are not reported.
    """
    import statsmodels.api as sm

    totals = panel.groupby(ENTITY)[ENDOGENOUS].transform("sum")
    dropped = sorted(panel.loc[totals == 0, ENTITY].unique().tolist())
    data = panel.loc[totals > 0].reset_index(drop=True)
    nobs, g, _ = _counts(data)
    absorbed = absorbed_regressors(data, POISSON_REGRESSORS, entity_effects=True,
                                   time_effects=False)
    if DEPENDENT in absorbed:
        raise ValueError(f"{DEPENDENT} has no variation within firms")
    regs = [r for r in POISSON_REGRESSORS if r not in absorbed]
    exog = data[regs].astype(float)
    exog.insert(0, CONST, 1.0)
    firms = sorted(data[ENTITY].unique())
    for firm in firms[1:]:
        exog[f"fe[{ENTITY}={firm}]"] = (data[ENTITY] == firm).astype(float)
    groups = pd.factorize(data[ENTITY])[0]
    model = sm.GLM(data[ENDOGENOUS].astype(float), exog, family=sm.families.Poisson())
    res = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    names = regs
    scale = np.sqrt(g / (g - 1))
    params = res.params[names].astype(float)
    se = (res.bse[names] * scale).astype(float)
    t = params / se
    extra = {
        "effects": ["firm"], "df_pvalues": g - 1, "n_clusters": g, "absorbed": absorbed,
        "dropped_firms": dropped, "small_sample_factor": g / (g - 1),
        "converged": bool(res.converged),
        "params_note": ("firm effects estimated as dummies and not reported; no constant "
                        "reported (it is not comparable across parametrisations)"),
    }
    return Fit("poisson_fe_risk", "GLM Poisson with firm dummies (statsmodels)", res, params,
               se, t, t_pvalues(t, g - 1), nobs, g, g, g - 1,
               "clustered(firm), G/(G-1) (Stata ML convention), t(G-1) p-values",
               dependent=ENDOGENOUS, extra=extra)


def fit_all(panel: pd.DataFrame, *, include_dk: bool = True,
            include_iv_twoway: bool = True) -> dict[str, Fit]:
    """Fit every model of the chapter, keyed by model id (robustness variants included)."""
    fits = {"pooled_ols": fit_pooled_ols(panel), "fe_entity": fit_fe_entity(panel),
            "fe_twoway": fit_fe_twoway(panel), "fe_iv_risk": fit_fe_iv_risk(panel)}
    if include_dk:
        fits[DK_MODEL_ID] = fit_fe_entity(panel, cov="kernel")
    if include_iv_twoway:
        fits[IV_TWOWAY_MODEL_ID] = fit_fe_iv_risk(panel, time_effects=True)
    return fits


def to_record(fit: Fit, model_id: str | None = None) -> dict[str, Any]:
    """The results-contract record of ``fit`` (via :func:`esgrisk.results.model_record`)."""
    return model_record(
        model_id or fit.model_id, estimator=fit.estimator, dependent=fit.dependent,
        nobs=fit.nobs, entities=fit.entities, params=fit.params, std_errors=fit.std_errors,
        tstats=fit.tstats, pvalues=fit.pvalues, cov_type=fit.cov_type, **dict(fit.extra))


# ---------------------------------------------------------------------------
# comparison with the paper
# ---------------------------------------------------------------------------

_PAPER_COLUMN_ALIASES = {
    "coef": ("coef", "coefficient", "estimate", "b"),
    "se": ("se", "std_error", "std_err", "stderr", "std_errors"),
    "t": ("t", "tstat", "t_stat", "tvalue"),
    "p": ("p", "pvalue", "p_value", "pval"),
}


def _pick(columns: Sequence[str], key: str) -> str | None:
    lower = {c.lower(): c for c in columns}
    for alias in _PAPER_COLUMN_ALIASES[key]:
        if alias in lower:
            return lower[alias]
    return None


def compare_with_paper(record: Mapping[str, Any], published_table2: pd.DataFrame) -> pd.DataFrame:
    """Table 2 side by side: the paper's coef/SE/t/p and the book's, one row per variable.

    ``published_table2`` has one row per variable id (a ``variable`` column or
    the index) and coefficient, SE, t and p columns. Variables that the book's
    model does not estimate (e.g. absorbed ones) get missing book values.
    """
    table = published_table2.copy()
    if "variable" in table.columns:
        table = table.set_index("variable")
    cols = {k: _pick(list(table.columns), k) for k in _PAPER_COLUMN_ALIASES}
    rows = []
    for var in table.index:
        row: dict[str, Any] = {"variable": var}
        for key, col in cols.items():
            row[f"paper_{key}"] = float(table.at[var, col]) if col is not None else np.nan
        for key, field_name in (("coef", "params"), ("se", "std_errors"), ("t", "tstats"),
                                ("p", "pvalues")):
            row[f"book_{key}"] = record[field_name].get(var, np.nan)
        rows.append(row)
    return pd.DataFrame(rows).astype({c: float for c in rows[0] if c != "variable"})
