"""Bidirectional causality between ESG and security risk: 2SLS, 3SLS, AR sets (chapter 5).

Section 4.3 of Zhang, Meng, Li & Wang (2025) instruments a firm's ESG score by
the industry-average ESG score and reports ESG -> risk and risk -> ESG
two-stage least-squares coefficients. This module re-estimates both directions
on a firm-year panel that follows the panel contract.

Conventions used by every estimator here (all regressions run through
``linearmodels``):

* **Firm effects by demeaning.** Every variable is demeaned within firm and the
  model is fitted without a constant. By the Frisch-Waugh-Lovell theorem the
  slopes equal those of IV2SLS with firm dummies (tested). The firm dummies are
  not counted in the clustered small-sample factor, because the firm effects
  are nested within the firm clusters: the factor is
  G/(G-1) * (N-1)/(N-K) with K the slopes only, as Stata's ``xtreg, fe
  vce(cluster)`` does (linearmodels: ``debiased=True``, no ``extra_df``).
* **Inference.** Standard errors clustered by firm; p-values from Student's t
  with G-1 degrees of freedom (linearmodels would use N-K).
* **First-stage strength.** ``partial_f`` is the classical (non-robust)
  F statistic of the excluded instruments in the first stage with the firm
  dummies counted in the residual degrees of freedom, N-K-G, i.e. ivreg2's
  first-stage F with firm dummies (linearmodels: unadjusted covariance,
  ``debiased=True``, ``extra_df=G``; tested against IV2SLS with dummies). This
  is the convention to set next to the paper's 23.67, which does not say which
  it used. ``partial_f_cluster`` is the cluster-robust Wald statistic divided
  by the number of instruments (the Kleibergen-Paap-type F for one endogenous
  regressor), which is what weak-instrument judgement should rest on with
  clustered errors.
* **Instruments.** ESG is instrumented by the industry-average ESG score built
  by :func:`esgrisk.panel.industry_mean_esg`, leave-one-out by default
  (``"loo"``) or inclusive of the firm itself as in the paper
  (``"inclusive"``). Risk events are instrumented by ``region_incidents``,
  which is also a regressor of the risk equation.
* **Effects.** ESG -> risk: firm effects only (the industry mean of a
  one-industry panel is a year variable, year effects would absorb it).
  Risk -> ESG: firm and year effects when the panel has regional variation,
  because the industry-wide ESG shock that makes the industry mean relevant
  sits in the ESG equation's error (:func:`risk_to_esg_spec`).
* **System.** 3SLS with one instrument list valid in both equations, the
  year effects standing in for the industry mean (:func:`fit_system_3sls`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS, IVGMM
from linearmodels.system import IV3SLS
from scipy import optimize, stats

from esgrisk.results import model_record

#: Exogenous controls of both equations (the paper's Size, Growth, Comp, Reg).
CONTROLS = ("log_assets", "revenue_growth", "cr4", "reg_strength")
#: Name of the derived industry-average ESG column added to the estimation data.
IND_ESG = "industry_esg"
#: Result ids written by chapter 5.
MODEL_IDS = {
    "esg_to_risk": "iv_esg_to_risk",
    "esg_to_risk_inclusive": "iv_esg_to_risk_inclusive",
    "risk_to_esg": "iv_risk_to_esg",
    "system": "system_3sls",
}
COV_TYPE = "clustered by firm; small-sample factor G/(G-1)(N-1)/(N-K); p-values t(G-1)"
_TOL = 1e-10


# --------------------------------------------------------------------------- helpers


def _cluster_pvalues_local(tstats: Mapping[str, float] | pd.Series, n_clusters: int) -> pd.Series:
    """Two-sided p-values of ``tstats`` from Student's t with ``n_clusters - 1`` df."""
    t = pd.Series(tstats, dtype=float)
    return pd.Series(2.0 * stats.t.sf(np.abs(t.to_numpy()), df=n_clusters - 1), index=t.index)


def cluster_pvalues(tstats: Mapping[str, float] | pd.Series, n_clusters: int) -> pd.Series:
    """P-values from t(G-1): ``esgrisk.estimate.cluster_pvalues`` when present, else local."""
    try:
        from esgrisk.estimate import cluster_pvalues as shared
    except ImportError:
        return _cluster_pvalues_local(tstats, n_clusters)
    out = shared(pd.Series(tstats, dtype=float), n_clusters)
    return pd.Series(out, index=pd.Series(tstats).index, dtype=float)


def industry_instrument(panel: pd.DataFrame, instrument: str = "loo") -> pd.Series:
    """The industry-average ESG instrument, ``"loo"`` (leave-one-out) or ``"inclusive"``."""
    from esgrisk.panel import industry_mean_esg

    if instrument not in ("loo", "inclusive"):
        raise ValueError(f"instrument must be 'loo' or 'inclusive', not {instrument!r}")
    values = industry_mean_esg(panel, leave_one_out=(instrument == "loo"))
    return pd.Series(np.asarray(values, dtype=float), index=panel.index, name=IND_ESG)


def with_instrument(panel: pd.DataFrame, instrument: str = "loo") -> pd.DataFrame:
    """Copy of ``panel`` with the industry-average ESG column :data:`IND_ESG` added."""
    data = panel.copy()
    data[IND_ESG] = industry_instrument(panel, instrument)
    return data


def demean_by_firm(data: pd.DataFrame, columns: Sequence[str],
                   entity: str = "firm") -> pd.DataFrame:
    """``columns`` minus their firm means (the within transformation)."""
    sub = data[list(columns)].astype(float)
    return sub - sub.groupby(data[entity]).transform("mean")


def _firm_codes(data: pd.DataFrame, entity: str = "firm") -> np.ndarray:
    return pd.factorize(data[entity])[0].astype(np.int64)


def _usable(demeaned: pd.DataFrame, columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``columns`` into those with and without within-firm variation."""
    keep, dropped = [], []
    for col in columns:
        (keep if float(demeaned[col].abs().max()) > _TOL else dropped).append(col)
    return keep, dropped


# --------------------------------------------------------------------------- first stage


def partial_f(data: pd.DataFrame, endog: str, instruments: Sequence[str], exog: Sequence[str],
              entity: str = "firm") -> dict[str, Any]:
    """First-stage strength of the excluded ``instruments`` for ``endog`` with firm effects.

    Returns ``partial_f`` (classical F, residual df N-K-G: ivreg2 with firm
    dummies), ``partial_f_cluster`` (cluster-robust Wald / q), ``partial_r2``
    (the instruments' share of the within variance of ``endog`` left after the
    exogenous regressors), the coefficients, and the degrees of freedom.
    """
    cols = [endog, *instruments, *exog]
    dm = demean_by_firm(data, cols, entity)
    n_firms = int(data[entity].nunique())
    regressors = dm[[*instruments, *exog]]
    model = IV2SLS(dm[endog], regressors, None, None)
    classical = model.fit(cov_type="unadjusted", debiased=True, extra_df=n_firms)
    clustered = model.fit(cov_type="clustered", clusters=_firm_codes(data, entity), debiased=True)
    q = len(instruments)
    restriction = np.zeros((q, regressors.shape[1]))
    restriction[np.arange(q), np.arange(q)] = 1.0
    f_classical = float(classical.wald_test(restriction).stat) / q
    f_cluster = float(clustered.wald_test(restriction).stat) / q
    if exog:
        restricted = IV2SLS(dm[endog], dm[list(exog)], None, None).fit(cov_type="unadjusted")
        rss_r = float((restricted.resids ** 2).sum())
    else:
        rss_r = float((dm[endog] ** 2).sum())
    rss_u = float((classical.resids ** 2).sum())
    nobs = int(len(dm))
    df_resid = nobs - regressors.shape[1] - n_firms
    return {
        "partial_f": f_classical,
        "partial_f_pvalue": float(stats.f.sf(f_classical, q, df_resid)),
        "partial_f_cluster": f_cluster,
        "partial_f_cluster_pvalue": float(stats.f.sf(f_cluster, q, n_firms - 1)),
        "partial_r2": (rss_r - rss_u) / rss_r if rss_r > 0 else float("nan"),
        "instruments": list(instruments),
        "coefficients": {z: float(classical.params[z]) for z in instruments},
        "df": [q, df_resid],
        "df_cluster": [q, n_firms - 1],
        "convention": "partial_f: classical F, residual df N-K-G (ivreg2 with firm dummies); "
                      "partial_f_cluster: clustered Wald/q, compared with F(q, G-1)",
    }


# --------------------------------------------------------------------------- single-equation FE-IV


@dataclass
class IVFit:
    """One firm-effects IV regression: the contract record and the linearmodels result."""

    record: dict[str, Any]
    result: Any
    data: pd.DataFrame = field(repr=False)
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def coef(self) -> float:
        """Coefficient of the endogenous regressor."""
        return float(self.record["params"][self.spec["endog"]])

    @property
    def se(self) -> float:
        """Clustered standard error of the endogenous regressor's coefficient."""
        return float(self.record["std_errors"][self.spec["endog"]])

    @property
    def pvalue(self) -> float:
        """t(G-1) p-value of the endogenous regressor's coefficient."""
        return float(self.record["pvalues"][self.spec["endog"]])


def fit_fe_iv(data: pd.DataFrame, *, model_id: str, dependent: str, endog: str,
              instruments: Sequence[str], exog: Sequence[str], entity: str = "firm",
              **extra: Any) -> IVFit:
    """2SLS of ``dependent`` on ``endog`` + ``exog`` with firm effects (demeaned), firm-clustered.

    Exogenous columns without within-firm variation are dropped (listed in the
    record's ``dropped``). Over-identification: Hansen's J from cluster-robust
    IV-GMM when there are more instruments than endogenous regressors,
    otherwise ``{"defined": False}``. Endogeneity: cluster-robust
    control-function (Durbin-Wu-Hausman) t test of the first-stage residual.
    """
    cols = [dependent, endog, *instruments, *exog]
    dm = demean_by_firm(data, cols, entity)
    exog_used, dropped = _usable(dm, exog)
    inst_used, inst_dropped = _usable(dm, instruments)
    if not inst_used:
        raise ValueError(f"{model_id}: instrument(s) {list(instruments)} have no within-firm "
                         "variation, the firm-effects IV model is not identified")
    if _usable(dm, [endog])[0] == []:
        raise ValueError(f"{model_id}: {endog} has no within-firm variation")
    dropped += inst_dropped
    clusters = _firm_codes(data, entity)
    n_firms = int(data[entity].nunique())
    exog_df = dm[exog_used] if exog_used else None
    model = IV2SLS(dm[dependent], exog_df, dm[[endog]], dm[inst_used])
    res = model.fit(cov_type="clustered", clusters=clusters, debiased=True)
    pvalues = cluster_pvalues(res.tstats, n_firms)
    first = partial_f(data, endog, inst_used, exog_used, entity)

    if len(inst_used) > 1:
        gmm = IVGMM(dm[dependent], exog_df, dm[[endog]], dm[inst_used],
                    weight_type="clustered", clusters=clusters).fit(
            cov_type="clustered", clusters=clusters, debiased=True)
        j = gmm.j_stat
        overid = {"defined": True, "test": "Hansen J (cluster-robust IV-GMM)",
                  "stat": float(j.stat), "df": int(j.df), "pvalue": float(j.pval)}
    else:
        overid = {"defined": False,
                  "note": "just identified (one instrument, one endogenous regressor): "
                          "no over-identification test exists"}

    # control-function endogeneity test with the same clustered covariance
    fs = IV2SLS(dm[endog], dm[[*inst_used, *exog_used]], None, None).fit(cov_type="unadjusted")
    cf_data = dm[[endog, *exog_used]].copy()
    cf_data["_v_hat"] = fs.resids
    cf = IV2SLS(dm[dependent], cf_data, None, None).fit(
        cov_type="clustered", clusters=clusters, debiased=True)
    t_cf = float(cf.tstats["_v_hat"])
    endogeneity = {"test": "control-function t test (cluster-robust), F(1, G-1)",
                   "stat": t_cf ** 2, "pvalue": float(stats.f.sf(t_cf ** 2, 1, n_firms - 1))}

    record = model_record(
        model_id,
        estimator="IV2SLS with firm effects (within transformation)",
        dependent=dependent,
        nobs=int(res.nobs),
        entities=n_firms,
        params=_public(res.params),
        std_errors=_public(res.std_errors),
        tstats=_public(res.tstats),
        pvalues=_public(pvalues),
        cov_type=COV_TYPE,
        endogenous=[endog],
        instruments=inst_used,
        exogenous=[c for c in exog_used if not c.startswith("_year")],
        dropped=dropped,
        first_stage={endog: first},
        overid=overid,
        endogeneity=endogeneity,
        pvalue_df=n_firms - 1,
        **extra,
    )
    spec = {"dependent": dependent, "endog": endog, "instruments": inst_used, "exog": exog_used}
    return IVFit(record=record, result=res, data=data, spec=spec)


def esg_to_risk_exog(controls: Sequence[str] = CONTROLS,
                     include_incidents: bool = True) -> list[str]:
    """Exogenous regressors of the risk equation.

    ``region_incidents`` belongs in the risk equation: it is the instrument
    for risk precisely because it moves risk events. Left out, it sits in the
    error term of the ESG -> risk regression, correlated with any year-level
    instrument through its own year pattern.
    """
    return [*controls, "region_incidents"] if include_incidents else list(controls)


def year_level(panel: pd.DataFrame, column: str) -> bool:
    """True when ``column`` takes one value per year (no variation across firms within a year)."""
    return bool((panel.groupby("year")[column].nunique(dropna=False) <= 1).all())


def esg_to_risk_spec(panel: pd.DataFrame, instrument: str = "loo",
                     controls: Sequence[str] = CONTROLS,
                     include_incidents: bool = True) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Data and variable roles of the ESG -> risk equation (firm effects only).

    Year effects cannot be added: in a one-industry panel the industry-average
    ESG is (almost) a year variable and would be absorbed.
    """
    data = with_instrument(panel, instrument)
    data = data[data[IND_ESG].notna()]  # a year with a single firm has no leave-one-out mean
    spec = {"dependent": "risk_events", "endog": "esg", "instruments": [IND_ESG],
            "exog": esg_to_risk_exog(controls, include_incidents), "effects": ["firm"],
            "year_absorbed": []}
    return data, spec


def risk_to_esg_spec(panel: pd.DataFrame, controls: Sequence[str] = CONTROLS,
                     year_effects: bool | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Data and variable roles of the risk -> ESG equation.

    Year effects (default: whenever ``region_incidents`` varies across firms
    within a year, i.e. the panel has more than one region) absorb industry-wide
    ESG shocks: the same common year component that makes the industry-average
    ESG a relevant instrument for ESG sits in this equation's error, and with
    only a handful of years its sample correlation with the year pattern of
    ``region_incidents`` does not vanish however many firms there are. The
    instrument then identifies from differences between regions within a
    year. Year-level controls (``cr4``) are absorbed by the year effects and
    dropped. Year effects enter as firm-demeaned year dummies (exact for
    unbalanced panels too); their coefficients are not reported.
    """
    if year_effects is None:
        year_effects = not year_level(panel, "region_incidents")
    data = panel.copy()
    exog = list(controls)
    absorbed: list[str] = []
    if year_effects:
        if year_level(panel, "region_incidents"):
            raise ValueError("year_effects=True, but region_incidents varies only by year: "
                             "the year effects absorb the instrument")
        absorbed = [c for c in controls if year_level(panel, c)]
        dummies = pd.get_dummies(panel["year"], prefix="_year", dtype=float).iloc[:, 1:]
        data = pd.concat([data, dummies], axis=1)
        exog = [c for c in controls if c not in absorbed] + list(dummies.columns)
    spec = {"dependent": "esg", "endog": "risk_events", "instruments": ["region_incidents"],
            "exog": exog, "effects": ["firm", "year"] if year_effects else ["firm"],
            "year_absorbed": absorbed}
    return data, spec


def _public(values: Mapping[str, Any] | pd.Series) -> dict[str, float]:
    """Drop the year-dummy coefficients (names starting with ``_year``) from a result vector."""
    return {str(k): float(v) for k, v in dict(values).items() if not str(k).startswith("_year")}


def fit_iv_esg_to_risk(panel: pd.DataFrame, instrument: str = "loo",
                       controls: Sequence[str] = CONTROLS, include_incidents: bool = True,
                       model_id: str | None = None) -> IVFit:
    """ESG -> risk events: 2SLS with firm effects, ESG instrumented by the industry-average ESG.

    ``instrument="loo"`` (default) uses the leave-one-out mean of the other
    firms (id ``iv_esg_to_risk``); ``"inclusive"`` the paper's mean including
    the firm itself (id ``iv_esg_to_risk_inclusive``). Exogenous regressors:
    the four controls and ``region_incidents`` (see :func:`esg_to_risk_exog`).
    """
    data, spec = esg_to_risk_spec(panel, instrument, controls, include_incidents)
    if model_id is None:
        key = "esg_to_risk" if instrument == "loo" else "esg_to_risk_inclusive"
        model_id = MODEL_IDS[key]
    return fit_fe_iv(data, model_id=model_id, dependent=spec["dependent"], endog=spec["endog"],
                     instruments=spec["instruments"], exog=spec["exog"],
                     instrument_kind=instrument, effects=spec["effects"])


def fit_iv_risk_to_esg(panel: pd.DataFrame, controls: Sequence[str] = CONTROLS,
                       year_effects: bool | None = None,
                       model_id: str = MODEL_IDS["risk_to_esg"]) -> IVFit:
    """Risk events -> ESG: 2SLS, risk instrumented by ``region_incidents`` (the paper's instrument).

    Firm effects and, by default, year effects (see :func:`risk_to_esg_spec`
    for why). The industry-average ESG is *not* a second instrument here: it
    is built from ESG scores, so it carries the industry-wide ESG shocks that
    sit in this equation's error term.
    """
    data, spec = risk_to_esg_spec(panel, controls, year_effects)
    return fit_fe_iv(data, model_id=model_id, dependent=spec["dependent"], endog=spec["endog"],
                     instruments=spec["instruments"], exog=spec["exog"], effects=spec["effects"],
                     absorbed_by_year_effects=spec["year_absorbed"])


def within_ols(panel: pd.DataFrame, direction: str = "esg_to_risk",
               controls: Sequence[str] = CONTROLS) -> dict[str, float]:
    """OLS counterpart of a 2SLS fit: same regressors and effects, endogenous one taken as given.

    Returns the slope of the endogenous regressor with its clustered SE and
    t(G-1) p-value; the benchmark towards which a weak or contaminated
    instrument pulls 2SLS.
    """
    if direction == "esg_to_risk":
        data, spec = esg_to_risk_spec(panel, "loo", controls, True)
    elif direction == "risk_to_esg":
        data, spec = risk_to_esg_spec(panel, controls)
    else:
        raise ValueError(f"direction must be 'esg_to_risk' or 'risk_to_esg', not {direction!r}")
    regs = [spec["endog"], *spec["exog"]]
    dm = demean_by_firm(data, [spec["dependent"], *regs])
    used, _ = _usable(dm, regs)
    res = IV2SLS(dm[spec["dependent"]], dm[used], None, None).fit(
        cov_type="clustered", clusters=_firm_codes(data), debiased=True)
    g = int(data["firm"].nunique())
    t = float(res.tstats[spec["endog"]])
    return {"coef": float(res.params[spec["endog"]]), "se": float(res.std_errors[spec["endog"]]),
            "pvalue": float(2 * stats.t.sf(abs(t), g - 1))}


# --------------------------------------------------------------------------- 3SLS system


@dataclass
class SystemFit:
    """The simultaneous two-equation system fitted by 3SLS."""

    record: dict[str, Any]
    result: Any
    beta: float  # risk -> ESG (coefficient of risk_events in the ESG equation)
    gamma: float  # ESG -> risk (coefficient of esg in the risk equation)
    cov: np.ndarray  # joint covariance of (beta, gamma)


def year_dummies_beyond(panel: pd.DataFrame, year_level_columns: Sequence[str]) -> pd.DataFrame:
    """Year dummies that, together with ``year_level_columns``, span the year effects.

    Year-level controls such as ``cr4`` already sit in the span of the year
    dummies; keeping all T-1 dummies next to them would make the instrument
    matrix singular. Dummies are added greedily (after the within-firm
    transformation) while they raise the rank.
    """
    dummies = pd.get_dummies(panel["year"], prefix="_year", dtype=float).iloc[:, 1:]
    frame = pd.concat([panel[["firm", *year_level_columns]], dummies], axis=1)
    dm = demean_by_firm(frame, [*year_level_columns, *dummies.columns])
    kept: list[str] = []
    basis = dm[list(year_level_columns)].to_numpy()
    rank = np.linalg.matrix_rank(basis) if basis.size else 0
    for col in dummies.columns:
        trial = np.column_stack([basis, dm[col].to_numpy()]) if basis.size else dm[[col]].to_numpy()
        new_rank = np.linalg.matrix_rank(trial)
        if new_rank > rank:
            basis, rank = trial, new_rank
            kept.append(col)
    return dummies[kept]


def fit_system_3sls(panel: pd.DataFrame, controls: Sequence[str] = CONTROLS,
                    method: str = "gls", year_effects: bool | None = None,
                    model_id: str = MODEL_IDS["system"]) -> SystemFit:
    """Both equations as one simultaneous system, estimated by 3SLS (linearmodels IV3SLS).

    risk_events = gamma * esg + controls + delta * region_incidents + firm effect + u
    esg         = beta * risk_events + controls + firm effect + year effect + v

    3SLS needs one instrument list valid for *both* equations: its GLS step
    (linearmodels computes X_hat' (Sigma^-1 x I) y) uses every equation's
    instruments against every equation's error, and with equation-specific
    instrument lists it is inconsistent (shown in chapter 5's test suite by
    the system recovering the truth only with a common list). The common list
    is: the controls, ``region_incidents`` (excluded from the ESG equation,
    it identifies beta) and the year effects (excluded from the risk
    equation, they identify gamma). The year effects replace the
    industry-average ESG score: in a one-industry panel that score varies only
    by year apart from a mechanical own-score term of weight 1/(n-1), so the
    year effects carry all of its usable variation, while the own-score term
    would make it invalid in the ESG equation. The identifying assumption is
    the same as the industry-mean IV's: no year-level shock moves risk other
    than through ESG and the controls. The risk equation is over-identified
    (T-1 year effects for one endogenous regressor); year-level controls
    (``cr4``) stay in the risk equation and count as year effects in the ESG
    equation (their ESG-equation coefficients are not reported).

    Fallback (``year_effects=False``; the default when ``region_incidents``
    varies only by year, e.g. a one-region panel, so year effects would absorb
    it): no year effects; the common list is the controls, ``region_incidents``
    and the leave-one-out industry mean, each equation over- or just
    identified from it. This is consistent only if there is no industry-wide
    ESG shock, and the record says which variant ran (``system_variant``).

    Firm effects by within transformation (FWL holds in the system since the
    dummies would be in every equation and in the instrument list). With
    ``method="ols"`` the fit is equation-by-equation 2SLS with the same
    instruments and the joint covariance. Covariance clustered by firm,
    ``debiased`` with ``group_debias``: G/(G-1)(N-1)/(N-K) per equation as in
    the 2SLS fits; p-values from t(G-1). Parameter keys are
    ``<equation>.<regressor>``, equations named by their dependent variable.
    """
    if year_effects is None:
        year_effects = not year_level(panel, "region_incidents")
    if year_effects and year_level(panel, "region_incidents"):
        raise ValueError("region_incidents varies only by year: with the year effects that "
                         "identify the risk equation it cannot identify the ESG equation")
    if year_effects:
        year_ctrl = [c for c in controls if year_level(panel, c)]
        years = year_dummies_beyond(panel, year_ctrl)
        if years.shape[1] == 0:
            raise ValueError("no year effect is left beyond the year-level controls "
                             f"{year_ctrl}: the risk equation is not identified")
        data = pd.concat([panel, years], axis=1)
        risk_inst = list(years.columns)
        esg_inst = ["region_incidents"]
    else:
        year_ctrl = []
        years = pd.DataFrame(index=panel.index)
        data = with_instrument(panel, "loo")
        data = data[data[IND_ESG].notna()]
        risk_inst = [IND_ESG]
        esg_inst = ["region_incidents", IND_ESG]
    cols = ["risk_events", "esg", *dict.fromkeys(["region_incidents", *risk_inst]), *controls]
    dm = demean_by_firm(data, cols)
    controls_used, dropped = _usable(dm, controls)
    year_ctrl = [c for c in year_ctrl if c in controls_used]
    year_cols = [*year_ctrl, *years.columns]
    risk_exog = [*controls_used, "region_incidents"]
    esg_exog = [c for c in controls_used if c not in year_ctrl] + year_cols
    equations = {
        "risk_events": {"dependent": dm["risk_events"], "exog": dm[risk_exog],
                        "endog": dm[["esg"]], "instruments": dm[risk_inst]},
        "esg": {"dependent": dm["esg"], "exog": dm[esg_exog], "endog": dm[["risk_events"]],
                "instruments": dm[esg_inst]},
    }
    codes = _firm_codes(data)
    res = IV3SLS(equations).fit(method=method, cov_type="clustered", clusters=codes,
                                debiased=True, group_debias=True)
    n_firms = int(data["firm"].nunique())
    params_all = _system_keys(res.params, equations)
    cov_full = pd.DataFrame(np.asarray(res.cov), index=params_all.index, columns=params_all.index)
    hidden = [f"esg.{c}" for c in year_cols]
    params = pd.Series(_public_sys(params_all, hidden))
    ses = pd.Series(_public_sys(_system_keys(res.std_errors, equations), hidden))
    tstats = pd.Series(_public_sys(_system_keys(res.tstats, equations), hidden))
    pvalues = cluster_pvalues(tstats, n_firms)
    k_beta, k_gamma = "esg.risk_events", "risk_events.esg"
    cov = cov_full.loc[[k_beta, k_gamma], [k_beta, k_gamma]].to_numpy()
    first = {
        "esg": partial_f(data, "esg", risk_inst, risk_exog),
        "risk_events": partial_f(data, "risk_events", esg_inst, esg_exog),
    }
    if year_effects:
        variant = "year effects excluded from the risk equation identify gamma"
        eq_info = {
            "risk_events": {"exog": risk_exog, "endog": ["esg"],
                            "excluded_instruments": "year effects", "effects": ["firm"]},
            "esg": {"exog": [c for c in esg_exog if c not in year_cols], "endog": ["risk_events"],
                    "excluded_instruments": ["region_incidents"], "effects": ["firm", "year"],
                    "year_absorbed": year_ctrl},
        }
    else:
        variant = ("no year effects (region_incidents varies only by year); leave-one-out "
                   "industry mean in the common instrument list")
        eq_info = {
            "risk_events": {"exog": risk_exog, "endog": ["esg"],
                            "excluded_instruments": [IND_ESG], "effects": ["firm"]},
            "esg": {"exog": esg_exog, "endog": ["risk_events"],
                    "excluded_instruments": esg_inst, "effects": ["firm"]},
        }
    record = model_record(
        model_id,
        estimator=f"IV3SLS ({'GLS: 3SLS' if method == 'gls' else 'OLS: system 2SLS'}) "
                  "with firm effects (within transformation)",
        dependent="risk_events, esg",
        nobs=int(len(data)),
        entities=n_firms,
        params=params,
        std_errors=ses,
        tstats=tstats,
        pvalues=pvalues,
        cov_type=COV_TYPE,
        method=method,
        system_variant=variant,
        equations=eq_info,
        instruments=[*controls_used, "region_incidents",
                     *(["year effects"] if year_effects else [IND_ESG])],
        dropped=dropped,
        first_stage=first,
        overid={"defined": False,
                "note": "an equation is over-identified, but linearmodels IV3SLS reports no "
                        "over-identification test; not computed"},
        joint_cov={"names": ["esg.risk_events (beta)", "risk_events.esg (gamma)"],
                   "matrix": cov.tolist()},
        pvalue_df=n_firms - 1,
    )
    return SystemFit(record=record, result=res, beta=float(params[k_beta]),
                     gamma=float(params[k_gamma]), cov=cov)


def _public_sys(values: pd.Series, hidden: Sequence[str] = ()) -> dict[str, float]:
    return {str(k): float(v) for k, v in values.items() if str(k) not in set(hidden)}


def _system_keys(values: pd.Series, equations: Mapping[str, str]) -> pd.Series:
    """Rename linearmodels' ``<eq>_<var>`` labels to ``<eq>.<var>`` (eq names contain '_')."""
    out = {}
    for name, value in values.items():
        for eq in sorted(equations, key=len, reverse=True):
            if str(name).startswith(eq + "_"):
                out[f"{eq}.{str(name)[len(eq) + 1:]}"] = float(value)
                break
        else:
            out[str(name)] = float(value)
    return pd.Series(out)


# --------------------------------------------------------------------------- Anderson-Rubin


@dataclass
class ARSet:
    """A weak-instrument-robust Anderson-Rubin confidence set for one coefficient."""

    intervals: list[tuple[float, float]]
    level: float
    critical_value: float
    limit_stat: float  # AR statistic as |b0| -> infinity (= cluster-robust first-stage F)
    bounded: bool
    df: tuple[int, int]
    grid: np.ndarray = field(repr=False)
    stats: np.ndarray = field(repr=False)
    pieces: Any = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        return not self.intervals

    def contains(self, value: float) -> bool:
        return any(lo <= value <= hi for lo, hi in self.intervals)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready summary; an unbounded end is ``None`` (JSON has no infinity)."""
        def end(x: float) -> float | None:
            return None if np.isinf(x) else float(x)

        return {"level": self.level, "intervals": [[end(lo), end(hi)] for lo, hi in self.intervals],
                "bounded": self.bounded, "critical_value": self.critical_value,
                "limit_stat": self.limit_stat, "df": list(self.df), "text": self.describe(3),
                "test": "Anderson-Rubin, clustered Wald/q vs F(q, G-1), inverted on a grid"}

    def describe(self, digits: int = 2) -> str:
        """The set as text, e.g. ``[-1.20, -0.31]`` or ``(-inf, -2.00] \u222a [0.50, inf)``."""
        if self.empty:
            return "empty set (every value rejected)"
        parts = []
        for lo, hi in self.intervals:
            left = "(-inf" if np.isneginf(lo) else f"[{lo:.{digits}f}"
            right = "inf)" if np.isposinf(hi) else f"{hi:.{digits}f}]"
            parts.append(f"{left}, {right}")
        return " \u222a ".join(parts)


@dataclass
class _ARPieces:
    pi_y: np.ndarray
    pi_x: np.ndarray
    q00: np.ndarray
    q01: np.ndarray
    q11: np.ndarray
    q: int
    n_clusters: int

    def stat(self, b0: np.ndarray | float) -> np.ndarray:
        b = np.atleast_1d(np.asarray(b0, dtype=float))
        pi = self.pi_y[None, :] - b[:, None] * self.pi_x[None, :]
        v = (self.q00[None] - b[:, None, None] * (self.q01 + self.q01.T)[None]
             + (b ** 2)[:, None, None] * self.q11[None])
        sol = np.linalg.solve(v, pi[..., None])[..., 0]
        return np.einsum("ij,ij->i", pi, sol) / self.q


def _ar_pieces(data: pd.DataFrame, dependent: str, endog: str, instruments: Sequence[str],
               exog: Sequence[str], entity: str = "firm") -> _ARPieces:
    """Reduced-form pieces: AR(b0) is a ratio of quadratics in b0 built from them.

    The AR regression of y - b0 x on [Z, W] has coefficients pi_y - b0 pi_x and
    cluster scores s_g(y) - b0 s_g(x), so its clustered covariance is
    Q00 - b0 (Q01 + Q10) + b0^2 Q11 with the same small-sample factor
    G/(G-1)(N-1)/(N-K) that linearmodels applies (checked in the tests).
    """
    cols = [dependent, endog, *instruments, *exog]
    dm = demean_by_firm(data, cols, entity)
    exog_used, _ = _usable(dm, exog)
    r = dm[[*instruments, *exog_used]].to_numpy()
    yx = dm[[dependent, endog]].to_numpy()
    a_inv = np.linalg.inv(r.T @ r)
    coef = a_inv @ r.T @ yx
    resid = yx - r @ coef
    codes = _firm_codes(data, entity)
    n_clusters = int(codes.max()) + 1
    nobs, k = r.shape
    q = len(instruments)
    scores = np.zeros((n_clusters, k, 2))
    np.add.at(scores, codes, r[:, :, None] * resid[:, None, :])
    m = np.einsum("ab,gbc->gac", a_inv, scores)[:, :q, :]  # (G, q, 2)
    scale = n_clusters / (n_clusters - 1) * (nobs - 1) / (nobs - k)
    q00 = scale * np.einsum("ga,gb->ab", m[:, :, 0], m[:, :, 0])
    q01 = scale * np.einsum("ga,gb->ab", m[:, :, 0], m[:, :, 1])
    q11 = scale * np.einsum("ga,gb->ab", m[:, :, 1], m[:, :, 1])
    return _ARPieces(coef[:q, 0], coef[:q, 1], q00, q01, q11, q, n_clusters)


def ar_stat_direct(data: pd.DataFrame, b0: float, *, dependent: str, endog: str,
                   instruments: Sequence[str], exog: Sequence[str],
                   entity: str = "firm") -> tuple[float, float]:
    """AR statistic at one ``b0`` by the literal regression (for checking the fast path).

    Regress y - b0 * x on the instruments and exogenous regressors with firm
    effects, test the instruments' coefficients = 0 with the firm-clustered
    covariance; returns (Wald / q, p-value from F(q, G-1)).
    """
    cols = [dependent, endog, *instruments, *exog]
    dm = demean_by_firm(data, cols, entity)
    exog_used, _ = _usable(dm, exog)
    y0 = dm[dependent] - b0 * dm[endog]
    res = IV2SLS(y0, dm[[*instruments, *exog_used]], None, None).fit(
        cov_type="clustered", clusters=_firm_codes(data, entity), debiased=True)
    q = len(instruments)
    restriction = np.zeros((q, q + len(exog_used)))
    restriction[np.arange(q), np.arange(q)] = 1.0
    f = float(res.wald_test(restriction).stat) / q
    g = int(data[entity].nunique())
    return f, float(stats.f.sf(f, q, g - 1))


def anderson_rubin_ci(panel: pd.DataFrame, equation: str = "esg_to_risk", *,
                      instrument: str = "loo", controls: Sequence[str] = CONTROLS,
                      year_effects: bool | None = None, level: float = 0.95,
                      grid: np.ndarray | None = None,
                      center: float | None = None, scale: float | None = None) -> ARSet:
    """Weak-instrument-robust Anderson-Rubin confidence set by test inversion.

    ``equation`` is ``"esg_to_risk"`` (ESG instrumented by the industry mean,
    ``instrument`` = ``"loo"`` or ``"inclusive"``) or ``"risk_to_esg"`` (risk
    instrumented by ``region_incidents``); the exogenous regressors are those
    (and effects) of the matching 2SLS fit. For each b0 on a grid, AR(b0) is the clustered
    Wald statistic / q of the instruments in the regression of y - b0 x on
    instruments, exogenous regressors and firm effects; b0 is kept when AR(b0)
    <= the ``level`` quantile of F(q, G-1). The grid is evaluated in closed
    form (see :func:`_ar_pieces`), endpoints are refined by root finding.

    The set can be a bounded interval, the whole line, two rays, or empty.
    It is unbounded exactly when the instruments fail the (cluster-robust)
    first-stage test at the same level, ``limit_stat`` <= critical value:
    then the data cannot rule out any large effect and the set says so
    instead of pretending to an interval.
    """
    if equation == "esg_to_risk":
        data, full = esg_to_risk_spec(panel, instrument, controls, True)
    elif equation == "risk_to_esg":
        data, full = risk_to_esg_spec(panel, controls, year_effects)
    else:
        raise ValueError(f"equation must be 'esg_to_risk' or 'risk_to_esg', not {equation!r}")
    spec = {k: full[k] for k in ("dependent", "endog", "instruments", "exog")}
    pieces = _ar_pieces(data, **spec)
    return ar_set_from_pieces(pieces, level=level, grid=grid, center=center, scale=scale)


def ar_set_from_pieces(pieces: _ARPieces, level: float = 0.95, grid: np.ndarray | None = None,
                       center: float | None = None, scale: float | None = None) -> ARSet:
    """Invert the AR test given its reduced-form pieces (see :func:`anderson_rubin_ci`)."""
    q, g = pieces.q, pieces.n_clusters
    crit = float(stats.f.ppf(level, q, g - 1))
    limit = float(pieces.pi_x @ np.linalg.solve(pieces.q11, pieces.pi_x)) / q
    bounded = limit > crit
    if grid is None:
        if center is None:  # just-identified 2SLS from the reduced forms (IV = pi_y / pi_x)
            center = float(np.sum(pieces.pi_y * pieces.pi_x) / np.sum(pieces.pi_x ** 2))
        if scale is None:
            scale = max(1.0, abs(center))
        grid = center + scale * np.linspace(-10.0, 10.0, 4001)
        for _ in range(40):  # widen until the bounded set sits inside the grid
            stat = pieces.stat(grid)
            if not bounded or (stat[0] > crit and stat[-1] > crit):
                break
            half = (grid[-1] - grid[0])
            grid = np.linspace(grid[0] - half, grid[-1] + half, grid.size)
    grid = np.asarray(grid, dtype=float)
    stat = pieces.stat(grid)
    accept = stat <= crit

    def f(b: float) -> float:
        return float(pieces.stat(b)[0]) - crit

    intervals: list[tuple[float, float]] = []
    i = 0
    n = grid.size
    while i < n:
        if not accept[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and accept[j + 1]:
            j += 1
        lo = optimize.brentq(f, grid[i - 1], grid[i]) if i > 0 else (
            -np.inf if not bounded else grid[0])
        hi = optimize.brentq(f, grid[j], grid[j + 1]) if j < n - 1 else (
            np.inf if not bounded else grid[-1])
        intervals.append((float(lo), float(hi)))
        i = j + 1
    return ARSet(intervals=intervals, level=level, critical_value=crit, limit_stat=limit,
                 bounded=bounded, df=(q, g - 1), grid=grid, stats=stat, pieces=pieces)


def ar_quadratic_roots(pieces: _ARPieces, level: float = 0.95) -> tuple[float, float, float]:
    """For one instrument: coefficients (a, b, c) of a b0^2 + b b0 + c <= 0, the exact AR set."""
    if pieces.q != 1:
        raise ValueError("closed form only for one instrument")
    crit = float(stats.f.ppf(level, 1, pieces.n_clusters - 1))
    py, px = float(pieces.pi_y[0]), float(pieces.pi_x[0])
    v00, v01, v11 = float(pieces.q00[0, 0]), float(pieces.q01[0, 0]), float(pieces.q11[0, 0])
    return px ** 2 - crit * v11, -2 * py * px + 2 * crit * v01, py ** 2 - crit * v00


# --------------------------------------------------------------------------- reflection problem


def reflection_check(panel: pd.DataFrame) -> dict[str, float]:
    """How the two industry means relate to a firm's own ESG score in ``panel``.

    Returns the largest deviation from the identity inclusive = (own + (n_t - 1)
    loo) / n_t (n_t firms in the year), the correlations of the own score with
    each mean, pooled and after removing firm means, and the share of each
    instrument's within-firm variance that year dummies explain (1 means the
    instrument is, given firm effects, a pure year effect).
    """
    own = panel["esg"].astype(float)
    inc = industry_instrument(panel, "inclusive")
    loo = industry_instrument(panel, "loo")
    n_t = panel.groupby("year")["firm"].transform("count").astype(float)
    identity_gap = float(np.max(np.abs(inc - (own + (n_t - 1) * loo) / n_t)))
    frame = pd.DataFrame({"own": own, "inclusive": inc, "loo": loo, "firm": panel["firm"],
                          "year": panel["year"]})
    dm = demean_by_firm(frame, ["own", "inclusive", "loo"])
    years = pd.get_dummies(panel["year"], prefix="y", dtype=float)
    years_dm = years - years.groupby(panel["firm"]).transform("mean")

    def year_share(col: str) -> float:
        y = dm[col].to_numpy()
        x = years_dm.to_numpy()
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        ss = float(y @ y)
        return float(1 - np.sum((y - x @ coef) ** 2) / ss) if ss > 0 else float("nan")

    return {
        "identity_gap": identity_gap,
        "corr_own_inclusive": float(np.corrcoef(own, inc)[0, 1]),
        "corr_own_loo": float(np.corrcoef(own, loo)[0, 1]),
        "corr_own_inclusive_within": float(np.corrcoef(dm["own"], dm["inclusive"])[0, 1]),
        "corr_own_loo_within": float(np.corrcoef(dm["own"], dm["loo"])[0, 1]),
        "year_share_inclusive": year_share("inclusive"),
        "year_share_loo": year_share("loo"),
        "n_firms_per_year": float(n_t.mean()),
    }


def reflection_demo(n_firms: int = 12, n_years: int = 6, n_reps: int = 2000,
                    seed: int = 20250601) -> dict[str, float]:
    """Mechanical correlation of own score with the inclusive mean when scores are independent.

    Scores are i.i.d. across firms and years, so the leave-one-out mean is
    independent of the firm's own score, yet the inclusive mean contains the
    own score with weight 1/n: corr(own, inclusive) = 1/sqrt(n) exactly in
    population. Returns both correlations pooled over ``n_reps`` simulated
    panels (so the sample is large and the numbers sit near their population
    values) and the theoretical values.
    """
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n_reps, n_years, n_firms))
    total = scores.sum(axis=2, keepdims=True)
    inclusive = np.broadcast_to(total / n_firms, scores.shape)
    loo = (total - scores) / (n_firms - 1)
    own = scores.reshape(-1)
    return {
        "n_firms": float(n_firms),
        "corr_own_inclusive": float(np.corrcoef(own, inclusive.reshape(-1))[0, 1]),
        "corr_own_loo": float(np.corrcoef(own, loo.reshape(-1))[0, 1]),
        "theory_inclusive": float(1.0 / np.sqrt(n_firms)),
        "theory_loo": 0.0,
    }


def twoway_collapse(panel: pd.DataFrame, controls: Sequence[str] = CONTROLS) -> dict[str, float]:
    """What happens to the ESG -> risk IV when year effects are added.

    With firm *and* year effects the leave-one-out mean's remaining variation
    is -own/(n-1) (one industry, balanced years), so 2SLS reproduces the
    within OLS estimate exactly; the inclusive mean is a pure year variable
    and is absorbed (not identified). Returns the two-way OLS slope, the
    two-way 2SLS slope with the loo instrument, and their difference.
    Year-level regressors (``cr4``; ``region_incidents`` in a one-region
    panel) are dropped, being collinear with the year effects.
    """
    data = with_instrument(panel, "loo")
    years = pd.get_dummies(panel["year"], prefix="y", dtype=float).iloc[:, 1:]
    data = pd.concat([data, years], axis=1)
    exog = [c for c in esg_to_risk_exog(controls, True) if not year_level(panel, c)]
    exog += list(years.columns)
    dm = demean_by_firm(data, ["risk_events", "esg", IND_ESG, *exog])
    exog_used, _ = _usable(dm, exog)
    ols = IV2SLS(dm["risk_events"], dm[["esg", *exog_used]], None, None).fit(cov_type="unadjusted")
    iv = IV2SLS(dm["risk_events"], dm[exog_used], dm[["esg"]], dm[[IND_ESG]]).fit(
        cov_type="unadjusted")
    return {"ols_twoway": float(ols.params["esg"]), "iv_loo_twoway": float(iv.params["esg"]),
            "difference": float(iv.params["esg"] - ols.params["esg"])}


# --------------------------------------------------------------------------- feedback multiplier


def feedback_multiplier(beta: float, gamma: float) -> float:
    """Long-run multiplier 1 / (1 - beta * gamma) of the two-equation feedback loop.

    A shock that raises risk events by one (holding ESG) ends up raising them
    by this factor once ESG responds (beta: risk -> ESG) and feeds back
    (gamma: ESG -> risk). Defined for beta * gamma != 1; the loop is stable
    (the geometric series converges) only for |beta * gamma| < 1.
    """
    denom = 1.0 - beta * gamma
    if denom == 0:
        raise ZeroDivisionError("beta * gamma = 1: the feedback multiplier is infinite")
    return 1.0 / denom


def multiplier_gradient(beta: float, gamma: float) -> np.ndarray:
    """Gradient of :func:`feedback_multiplier` with respect to (beta, gamma)."""
    denom = (1.0 - beta * gamma) ** 2
    return np.array([gamma / denom, beta / denom])


def multiplier_delta(beta: float, gamma: float, cov: np.ndarray) -> dict[str, float]:
    """Delta-method standard error of the multiplier from the joint covariance of (beta, gamma)."""
    grad = multiplier_gradient(beta, gamma)
    se = float(np.sqrt(grad @ np.asarray(cov, dtype=float) @ grad))
    m = feedback_multiplier(beta, gamma)
    z = float(stats.norm.ppf(0.975))
    return {"multiplier": m, "se": se, "ci_low": m - z * se, "ci_high": m + z * se}


def multiplier_bootstrap(beta: float, gamma: float, cov: np.ndarray, n_draws: int = 20000,
                         seed: int = 20250601, level: float = 0.95) -> dict[str, float]:
    """Parametric bootstrap of the multiplier: draws of (beta, gamma) from N(estimate, cov).

    Returns the percentile interval over draws with a stable loop
    (|beta*gamma| < 1) and the share of draws that are unstable, for which no
    finite long-run multiplier exists; a large share means the data do not
    pin down even whether the loop converges. The delta method cannot show this.
    """
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal([beta, gamma], np.asarray(cov, dtype=float), size=n_draws,
                                    method="cholesky")
    prod = draws[:, 0] * draws[:, 1]
    stable = np.abs(prod) < 1
    m = 1.0 / (1.0 - prod[stable])
    alpha = (1 - level) / 2
    lo, med, hi = (np.quantile(m, [alpha, 0.5, 1 - alpha]) if m.size else (np.nan,) * 3)
    return {"median": float(med), "ci_low": float(lo), "ci_high": float(hi),
            "share_unstable": float(1 - stable.mean()), "n_draws": int(n_draws)}


# ------------------------------------------------------------------- comparison with the paper


def published_rows(published_twosls: pd.DataFrame) -> pd.DataFrame:
    """The paper's section-4.3 coefficients: claim id, hypothesis, direction, coef, p bound.

    Rows of :func:`esgrisk.published.twosls` that carry a coefficient; the
    direction comes from the ``regressor`` column (``esg`` means ESG -> risk).
    """
    table = published_twosls[published_twosls["coef"].notna()]
    direction = np.where(table["regressor"].astype(str) == "esg", "esg_to_risk", "risk_to_esg")
    return pd.DataFrame({
        "hypothesis": table["hypothesis"].astype(str).to_numpy(),
        "direction": direction,
        "paper": table["coef"].astype(float).to_numpy(),
        "paper_p": table["p_bound"].astype(str).to_numpy(),
    }, index=pd.Index(table.index.astype(str), name="claim"))


def paper_first_stage_f(published_twosls: pd.DataFrame) -> float:
    """The first-stage F statistic the paper prints for the industry-average ESG instrument."""
    return float(published_twosls.loc["first_stage_f", "statistic"])


def compare_with_paper(published_twosls: pd.DataFrame, estimates: Mapping[str, Mapping[str, float]],
                       true_effects: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The paper's three section-4.3 coefficients next to the book's estimates and the truth.

    ``published_twosls`` comes from :func:`esgrisk.published.twosls`;
    ``estimates`` maps a column label (e.g. ``"2SLS"``) to a dict with keys
    ``esg_to_risk`` and ``risk_to_esg``. One row per printed coefficient (H2
    ESG -> risk, H3 risk -> ESG, H3 ESG -> risk); the book has one estimate per
    direction, so both ESG -> risk rows show the same book values.
    """
    out = published_rows(published_twosls)
    for label, est in estimates.items():
        out[label] = [float(est[d]) for d in out["direction"]]
    if true_effects is not None:
        out["simulation truth"] = [float(true_effects[d]) for d in out["direction"]]
    return out


# --------------------------------------------------------------------------- figure


def plot_ar_curves(sets: Mapping[str, ARSet], truths: Mapping[str, float] | None = None,
                   estimates: Mapping[str, float] | None = None, width: float | None = None):
    """One panel per AR set: the AR statistic against b0 with the critical value.

    Values of b0 where the curve lies below the dashed line form the
    confidence set. The horizontal range is the 2SLS estimate +/- ``width``;
    by default 2 for an unbounded set and four times the set's length (at
    least 0.2) for a bounded one. ``truths`` (optional) marks the
    simulation's true values, ``estimates`` the 2SLS estimates. Returns a bare
    :class:`matplotlib.figure.Figure`.
    """
    from matplotlib.figure import Figure

    n = len(sets)
    fig = Figure(figsize=(4.2 * n, 3.4))
    axes = fig.subplots(1, n, squeeze=False)[0]
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.17, wspace=0.3)
    for ax, (label, ar) in zip(axes, sets.items()):
        centre = (estimates or {}).get(label, float(np.median(ar.grid)))
        half = width
        if half is None:
            half = (max(4 * (ar.intervals[-1][1] - ar.intervals[0][0]), 0.2)
                    if ar.bounded and ar.intervals else 2.0)
        lo, hi = centre - half, centre + half
        grid = np.linspace(lo, hi, 801)
        ax.plot(grid, _ARCurve(ar).stat(grid), color="tab:blue", lw=1.5, label="AR statistic")
        ax.axhline(ar.critical_value, color="black", ls="--", lw=1,
                   label=f"{ar.level:.0%} critical value")
        for a, b in ar.intervals:
            ax.axvspan(max(a, lo), min(b, hi), color="tab:blue", alpha=0.12, lw=0)
        if truths and label in truths:
            ax.axvline(truths[label], color="tab:red", lw=1.2, label="simulation truth")
        if estimates and label in estimates:
            ax.axvline(estimates[label], color="tab:green", lw=1.2, ls=":", label="2SLS estimate")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, max(3 * ar.critical_value, 1.0))
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("hypothesised coefficient $b_0$", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("AR statistic (Wald / q)", fontsize=8)
    axes[0].legend(fontsize=7, frameon=False, loc="upper left")
    return fig


class _ARCurve:
    """Evaluate the AR statistic of a computed set anywhere (interpolating its grid)."""

    def __init__(self, ar: ARSet):
        self.ar = ar

    def stat(self, b: np.ndarray) -> np.ndarray:
        pieces = getattr(self.ar, "pieces", None)
        if pieces is not None:
            return pieces.stat(b)
        return np.interp(b, self.ar.grid, self.ar.stats)
