"""The two arrows of chapter 5 and what an industry-mean instrument can identify.

The estimators themselves live in :mod:`esgrisk.estimate` (FE-IV, once for
both directions), :mod:`esgrisk.system` (3SLS) and :mod:`esgrisk.weakiv`
(Anderson-Rubin sets). This module holds what is specific to the
bidirectional question:

* :func:`fit_iv_risk_to_esg`: the risk -> ESG arrow with the effects the
  panel supports (firm and year effects, model ``fe_iv_twoway``, whenever
  ``region_incidents`` varies within a year; otherwise firm effects only,
  ``fe_iv_risk``), the same result objects as chapter 4;
* :func:`within_ols`: the OLS counterpart of each 2SLS fit;
* :func:`reflection_check`, :func:`reflection_demo`, :func:`twoway_collapse`:
  the reflection problem of an industry mean in a one-industry panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS

from esgrisk import core, recipe
from esgrisk.estimate import fit_fe_iv_risk
from esgrisk.results import IVResult
from esgrisk.spec import DERIVED, ENTITY, INDUSTRY_ESG, INDUSTRY_ESG_LOO, TIME
from esgrisk.system import year_level

__all__ = ["risk_to_esg_year_effects", "fit_iv_risk_to_esg", "within_ols", "reflection_check",
           "reflection_demo", "twoway_collapse"]


def risk_to_esg_year_effects(panel: pd.DataFrame) -> bool:
    """Whether the risk -> ESG arrow gets year effects: when the instrument varies within years.

    Year effects absorb industry-wide ESG shocks: the common year component
    that makes the industry-average ESG a relevant instrument for ESG sits in
    this equation's error, and with a handful of years its sample correlation
    with the year pattern of ``region_incidents`` does not vanish however
    many firms there are. With one region the instrument is a year variable
    and year effects would absorb it.
    """
    return not year_level(panel, "region_incidents")


def fit_iv_risk_to_esg(panel: pd.DataFrame, year_effects: bool | None = None) -> IVResult:
    """Risk events -> ESG: ``fe_iv_twoway`` (default when identified) or ``fe_iv_risk``.

    The industry-average ESG is *not* a second instrument here: it is built
    from ESG scores, so it carries the industry-wide ESG shocks that sit in
    this equation's error term.
    """
    if year_effects is None:
        year_effects = risk_to_esg_year_effects(panel)
    return fit_fe_iv_risk(panel, time_effects=year_effects)


def within_ols(panel: pd.DataFrame, fit: IVResult) -> dict[str, float]:
    """OLS counterpart of the 2SLS ``fit``: same regressors and effects, endogenous one as given.

    Returns the slope of the endogenous regressor with its clustered SE
    (the book's rule) and t(G-1) p-value; the benchmark towards which a weak
    or contaminated instrument pulls 2SLS.
    """
    (endog,) = fit.endogenous
    data = recipe.derive(panel, fit.linearmodels["derived"])
    regs = [endog, *fit.exog]
    dm = core.within_frame(data, [fit.dependent, *regs], fit.effects)
    k = core.cluster_k(len(regs), constant=False,
                       n_time_effects=core.n_time_effects(data, fit.effects))
    res = core.cluster_ols(dm[fit.dependent], dm[regs], core.cluster_codes(data), k=k)
    t = float(res.tstats[endog])
    return {"coef": float(res.params[endog]), "se": float(res.std_errors[endog]),
            "pvalue": float(core.t_pvalues([t], core.cluster_df(res.n_clusters))[0])}


def reflection_check(panel: pd.DataFrame) -> dict[str, float]:
    """How the two industry means relate to a firm's own ESG score in ``panel``.

    Returns the largest deviation from the identity inclusive = (own + (n_t - 1)
    loo) / n_t (n_t firms in the year), the correlations of the own score with
    each mean, pooled and after removing firm means, and the share of each
    instrument's within-firm variance that year effects explain (1 means the
    instrument is, given firm effects, a pure year effect).
    """
    data = recipe.derive(panel, DERIVED, drop_missing=False)
    own = data["esg"].astype(float)
    inc, loo = data[INDUSTRY_ESG], data[INDUSTRY_ESG_LOO]
    n_t = panel.groupby(TIME)[ENTITY].transform("count").astype(float)
    identity_gap = float(np.max(np.abs(inc - (own + (n_t - 1) * loo) / n_t)))
    cols = ["esg", INDUSTRY_ESG, INDUSTRY_ESG_LOO]
    firm_dm = core.within_frame(data, cols, (ENTITY,))
    twoway_dm = core.within_frame(data, cols, (ENTITY, TIME))

    def year_share(col: str) -> float:
        ss = float((firm_dm[col] ** 2).sum())
        return float(1 - (twoway_dm[col] ** 2).sum() / ss) if ss > 0 else float("nan")

    return {
        "identity_gap": identity_gap,
        "corr_own_inclusive": float(np.corrcoef(own, inc)[0, 1]),
        "corr_own_loo": float(np.corrcoef(own, loo)[0, 1]),
        "corr_own_inclusive_within": float(np.corrcoef(firm_dm["esg"], firm_dm[INDUSTRY_ESG])[0, 1]),
        "corr_own_loo_within": float(np.corrcoef(firm_dm["esg"], firm_dm[INDUSTRY_ESG_LOO])[0, 1]),
        "year_share_inclusive": year_share(INDUSTRY_ESG),
        "year_share_loo": year_share(INDUSTRY_ESG_LOO),
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


def twoway_collapse(panel: pd.DataFrame, fit: IVResult) -> dict[str, float]:
    """What happens to the ESG -> risk IV ``fit`` when year effects are added.

    With firm *and* year effects the leave-one-out mean's remaining variation
    is -own/(n-1) (one industry, balanced years), so 2SLS reproduces the
    within OLS estimate exactly; the inclusive mean is a pure year variable
    and is absorbed (not identified). Returns the two-way OLS slope, the
    two-way 2SLS slope with the leave-one-out instrument, and their difference.
    Year-level regressors (``cr4``; ``region_incidents`` in a one-region
    panel) are dropped, being absorbed by the year effects.
    """
    (endog,) = fit.endogenous
    data = recipe.derive(panel, {INDUSTRY_ESG_LOO: DERIVED[INDUSTRY_ESG_LOO]})
    effects = (ENTITY, TIME)
    exog = [c for c in fit.exog
            if c not in core.absorbed_regressors(data, fit.exog, effects)]
    dm = core.within_frame(data, [fit.dependent, endog, INDUSTRY_ESG_LOO, *exog], effects)
    ols = IV2SLS(dm[fit.dependent], dm[[endog, *exog]], None, None).fit(cov_type="unadjusted")
    iv = IV2SLS(dm[fit.dependent], dm[exog], dm[[endog]], dm[[INDUSTRY_ESG_LOO]]).fit(
        cov_type="unadjusted")
    return {"ols_twoway": float(ols.params[endog]), "iv_loo_twoway": float(iv.params[endog]),
            "difference": float(iv.params[endog] - ols.params[endog])}
