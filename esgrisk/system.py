"""The two equations as one simultaneous system (3SLS) and the feedback loop.

risk_events = gamma * esg + controls + delta * region_incidents + firm effect + u
esg         = beta * risk_events + controls + firm effect + year effect + v

:func:`fit_system_3sls` estimates both arrows at once with linearmodels'
IV3SLS; :func:`feedback_multiplier` and its delta-method and parametric
bootstrap intervals describe the loop 1 / (1 - beta * gamma).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from linearmodels.system import IV3SLS
from scipy import stats

from esgrisk import core, recipe
from esgrisk.core import COV_CLUSTERED
from esgrisk.results import SystemResult
from esgrisk.spec import CONTROLS, DERIVED, ENTITY, INDUSTRY_ESG_LOO, TIME

__all__ = ["fit_system_3sls", "year_level", "year_dummies_beyond", "feedback_multiplier",
           "multiplier_gradient", "multiplier_delta", "multiplier_bootstrap"]


def year_level(panel: pd.DataFrame, column: str) -> bool:
    """True when ``column`` takes one value per year (no variation across firms within a year)."""
    return bool((panel.groupby(TIME)[column].nunique(dropna=False) <= 1).all())


def year_dummies_beyond(panel: pd.DataFrame, year_level_columns: Sequence[str]) -> pd.DataFrame:
    """Year dummies that, together with ``year_level_columns``, span the year effects.

    Year-level controls such as ``cr4`` already sit in the span of the year
    dummies; keeping all T-1 dummies next to them would make the instrument
    matrix singular. Dummies ``year_<t>`` are added greedily (after the
    within-firm transformation) while they raise the rank.
    """
    years = sorted(panel[TIME].unique())
    dummies = pd.DataFrame({f"year_{y}": (panel[TIME] == y).astype(float) for y in years[1:]},
                           index=panel.index)
    frame = pd.concat([panel[[ENTITY, *year_level_columns]], dummies], axis=1)
    dm = core.within_frame(frame, [*year_level_columns, *dummies.columns], (ENTITY,))
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


def _year_terms(columns: Sequence[str]) -> list[str]:
    """Formula terms of the year dummies ``year_<t>``: ``I(year == <t>)``."""
    return [f"I({TIME} == {c.removeprefix('year_')})" for c in columns]


def fit_system_3sls(panel: pd.DataFrame, controls: Sequence[str] = CONTROLS,
                    method: str = "gls", year_effects: bool | None = None) -> SystemResult:
    """Both equations as one simultaneous system, estimated by 3SLS (linearmodels IV3SLS).

    3SLS needs one instrument list valid for *both* equations: its GLS step
    uses every equation's instruments against every equation's error, and
    with equation-specific instrument lists it is inconsistent (chapter 5's
    test suite shows the system recovering the truth only with a common
    list). The common list is: the controls, ``region_incidents`` (excluded
    from the ESG equation, it identifies beta) and the year effects (excluded
    from the risk equation, they identify gamma). The year effects replace
    the industry-average ESG score: in a one-industry panel that score
    varies only by year apart from a mechanical own-score term of weight
    1/(n-1), so the year effects carry all of its usable variation, while
    the own-score term would make it invalid in the ESG equation. Year-level
    controls (``cr4``) stay in the risk equation and count as year effects in
    the ESG equation (their ESG-equation coefficients are not reported).

    Fallback (``year_effects=False``; the default when ``region_incidents``
    varies only by year, so year effects would absorb it): no year effects;
    the common list is the controls, ``region_incidents`` and the
    leave-one-out industry mean. This is consistent only if there is no
    industry-wide ESG shock; the record says which variant ran
    (``system_variant``).

    Firm effects by the within transformation (Frisch-Waugh-Lovell holds in
    the system since the dummies would be in every equation and in the
    instrument list; the recipe with dummies reproduces it). Covariance
    clustered by firm with the book's rule G/(G-1)(N-1)/(N-K) per equation,
    K = the equation's coefficients incl. year dummies (firm effects not
    counted); p-values t(G-1). Sigma of the GLS step is e'e/N (not
    debiased, as Stata's ``reg3``), so the estimates do not depend on how
    the firm effects are counted. Parameter keys are
    ``<equation>.<regressor>``, equations named by their dependent variable.
    """
    if year_effects is None:
        year_effects = not year_level(panel, "region_incidents")
    if year_effects and year_level(panel, "region_incidents"):
        raise ValueError("region_incidents varies only by year: with the year effects that "
                         "identify the risk equation it cannot identify the ESG equation")
    derived: dict[str, str] = {}
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
        derived = {INDUSTRY_ESG_LOO: DERIVED[INDUSTRY_ESG_LOO]}
        data = recipe.derive(panel, derived)
        risk_inst = [INDUSTRY_ESG_LOO]
        esg_inst = ["region_incidents", INDUSTRY_ESG_LOO]
    absorbed = core.absorbed_regressors(data, controls, (ENTITY,))
    controls_used = [c for c in controls if c not in absorbed]
    cols = ["risk_events", "esg", *dict.fromkeys(["region_incidents", *risk_inst]),
            *controls_used]
    dm = core.within_frame(data, cols, (ENTITY,))
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
    codes = core.cluster_codes(data)
    # debiased=False: Sigma = e'e/N (Stata reg3's default), which does not depend on how
    # the firm effects are counted; the (N-1)/(N-K) part of the book's rule is applied
    # below per equation (linearmodels' group_debias gives G/(G-1)(N-1)/N)
    fit_kwargs = {"method": method, "cov_type": "clustered", "debiased": False,
                  "group_debias": True}
    res = IV3SLS(equations).fit(clusters=codes, **fit_kwargs)
    nobs, g = len(data), int(data[ENTITY].nunique())
    names_all = _system_keys(res.params.index, equations)
    hidden = {f"esg.{c}" for c in year_cols}
    shown = [n for n in names_all if n not in hidden]
    lm_name = dict(zip(names_all, res.params.index, strict=True))
    ks = {"risk_events": len(risk_exog) + 1, "esg": len(esg_exog) + 1}
    scale = {eq: float(np.sqrt(nobs / (nobs - k))) for eq, k in ks.items()}
    factor = pd.Series({n: scale[n.split(".")[0]] for n in names_all})
    params = pd.Series({n: float(res.params[lm_name[n]]) for n in shown})
    ses = pd.Series({n: float(res.std_errors[lm_name[n]]) * factor[n] for n in shown})
    k_beta, k_gamma = "esg.risk_events", "risk_events.esg"
    pair = [k_beta, k_gamma]
    cov = (np.asarray(res.cov.loc[[lm_name[n] for n in pair], [lm_name[n] for n in pair]],
                      dtype=float) * np.outer(factor[pair], factor[pair]))
    first = {
        "esg": core.first_stage(data, "esg", risk_inst, risk_exog, (ENTITY,)),
        "risk_events": core.first_stage(data, "risk_events", esg_inst, esg_exog, (ENTITY,)),
    }
    if year_effects:
        variant = "year effects excluded from the risk equation identify gamma"
        eq_info = {
            "risk_events": {"exog": risk_exog, "endog": ["esg"],
                            "excluded_instruments": "year effects", "effects": [ENTITY]},
            "esg": {"exog": [c for c in esg_exog if c not in year_cols], "endog": ["risk_events"],
                    "excluded_instruments": ["region_incidents"], "effects": [ENTITY, TIME],
                    "year_absorbed": year_ctrl},
        }
    else:
        variant = ("no year effects (region_incidents varies only by year); leave-one-out "
                   "industry mean in the common instrument list")
        eq_info = {
            "risk_events": {"exog": risk_exog, "endog": ["esg"],
                            "excluded_instruments": [INDUSTRY_ESG_LOO], "effects": [ENTITY]},
            "esg": {"exog": esg_exog, "endog": ["risk_events"],
                    "excluded_instruments": esg_inst, "effects": [ENTITY]},
        }
    # the recipe: the same system with firm dummies in both equations (and instruments)
    fe = f"0 + C({ENTITY})"
    year_terms = dict(zip(years.columns, _year_terms(years.columns), strict=True))

    def term(c: str) -> str:
        return year_terms.get(c, c)

    formula = {
        "risk_events": (f"risk_events ~ {fe} + " + " + ".join(map(term, risk_exog))
                        + " + [esg ~ " + " + ".join(map(term, risk_inst)) + "]"),
        "esg": (f"esg ~ {fe} + " + " + ".join(map(term, esg_exog))
                + " + [risk_events ~ " + " + ".join(map(term, esg_inst)) + "]"),
    }
    names = {n: f"{n.split('.')[0]}_{term(n.split('.', 1)[1])}" for n in shown}
    lm = recipe.recipe(
        "IV3SLS", formula, fit=fit_kwargs, derived=derived, clusters=ENTITY, scale=scale,
        scale_reason=("per equation: the fit is not debiased (Sigma = e'e/N) and "
                      "group_debias gives G/(G-1)(N-1)/N; the book's rule G/(G-1)(N-1)/(N-K) "
                      "with K the equation's coefficients (year dummies included, firm "
                      "effects nested in the clusters not counted): se_scale = sqrt(N/(N-K))"),
        names=names)
    estimator = (f"IV3SLS ({'GLS: 3SLS' if method == 'gls' else 'OLS: system 2SLS'}) "
                 "with firm effects (within transformation)")
    return SystemResult(
        model_id="system_3sls", estimator=estimator, dependent="risk_events, esg",
        params=params, std_errors=ses, nobs=nobs, entities=g, n_clusters=g,
        df=core.cluster_df(g), cov_type=COV_CLUSTERED, effects=(ENTITY,),
        absorbed=tuple(absorbed), linearmodels=lm,
        extra={"method": method, "system_variant": variant, "equations": eq_info,
               "instruments": [*controls_used, "region_incidents",
                               *(["year effects"] if year_effects else [INDUSTRY_ESG_LOO])],
               "overid": {"defined": False,
                          "note": "an equation is over-identified, but linearmodels IV3SLS "
                                  "reports no over-identification test; not computed"}},
        beta=float(params[k_beta]), gamma=float(params[k_gamma]), cov=cov, first_stage=first,
        result=res)


def _system_keys(names: Sequence[str], equations: Mapping[str, object]) -> list[str]:
    """linearmodels' ``<eq>_<var>`` labels as ``<eq>.<var>`` (equation names contain '_')."""
    out = []
    for name in map(str, names):
        for eq in sorted(equations, key=len, reverse=True):
            if name.startswith(eq + "_"):
                out.append(f"{eq}.{name[len(eq) + 1:]}")
                break
        else:
            out.append(name)
    return out


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


