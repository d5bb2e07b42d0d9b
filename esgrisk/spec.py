"""The study's equations, written down once.

Every estimator, chapter, the Monte Carlo and the audit read the variable
roles from here: which column is the dependent variable, which regressor is
endogenous, which instruments identify it, which fixed effects enter, and
which column the standard errors are clustered by. Nothing here computes; it
is the specification that :mod:`esgrisk.core` and the estimators act on.

The two equations of Zhang, Meng, Li & Wang (2025):

* :data:`ESG_EQUATION`, the paper's Table 2: the ESG score on security-risk
  events and four controls, risk events instrumented by the cyber-security
  incidents of the firm's region (H1, risk -> ESG);
* :data:`RISK_EQUATION`, section 4.3: risk events on the ESG score, the
  controls and the regional incidents, ESG instrumented by the industry's
  average ESG score of the *other* firms (H2, ESG -> risk).

Derived columns (not in the panel, built from it) are named in
:data:`DERIVED` with the grammar of the results contract's ``linearmodels``
recipe: ``industry_mean(x)``, ``industry_mean_loo(x)``, ``lag(x, k)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = [
    "ENTITY", "TIME", "CLUSTER", "CONTROLS", "DERIVED", "Equation", "ESG_EQUATION",
    "RISK_EQUATION", "INDUSTRY_ESG_LOO", "INDUSTRY_ESG", "EFFECTS",
]

#: the panel's entity (firm) and time (year) columns
ENTITY = "firm"
TIME = "year"
#: standard errors are clustered by firm throughout the book (BOARD decision 1)
CLUSTER = ENTITY
#: the exogenous controls of both equations (the paper's Size, Growth, Comp, Reg)
CONTROLS = ("log_assets", "revenue_growth", "cr4", "reg_strength")
#: the fixed effects an equation may carry, by the column that defines them
EFFECTS = (ENTITY, TIME)

#: names of the derived industry-average ESG columns
INDUSTRY_ESG_LOO = "industry_esg_loo"
INDUSTRY_ESG = "industry_esg"
#: definitions of every derived column the estimators use (recipe grammar)
DERIVED = {
    INDUSTRY_ESG_LOO: "industry_mean_loo(esg)",
    INDUSTRY_ESG: "industry_mean(esg)",
}


@dataclass(frozen=True)
class Equation:
    """One structural equation: its variables' roles, effects and cluster variable.

    ``endogenous`` regressors come first among the regressors; ``exog`` are
    the included exogenous ones; ``instruments`` the excluded instruments
    (empty for OLS). ``effects`` names the fixed effects by their column
    (``"firm"``, ``"year"``). Whether a constant is reported is the
    estimator's business (it then counts in K, :func:`esgrisk.core.cluster_k`).
    """

    name: str
    dependent: str
    endogenous: tuple[str, ...]
    exog: tuple[str, ...]
    instruments: tuple[str, ...] = ()
    effects: tuple[str, ...] = (ENTITY,)
    cluster: str = CLUSTER

    def __post_init__(self) -> None:
        unknown = [e for e in self.effects if e not in EFFECTS]
        if unknown:
            raise ValueError(f"{self.name}: unknown effects {unknown}; use {EFFECTS}")

    @property
    def regressors(self) -> tuple[str, ...]:
        """Endogenous regressors first, then the included exogenous ones."""
        return (*self.endogenous, *self.exog)

    @property
    def derived(self) -> dict[str, str]:
        """The derived columns this equation uses, with their definitions."""
        used = (*self.regressors, *self.instruments)
        return {name: rule for name, rule in DERIVED.items() if name in used}

    def with_effects(self, effects: tuple[str, ...]) -> Equation:
        """The same equation with other fixed effects."""
        return replace(self, effects=tuple(effects))

    def with_instruments(self, instruments: tuple[str, ...]) -> Equation:
        """The same equation with other excluded instruments."""
        return replace(self, instruments=tuple(instruments))

    def ols(self) -> Equation:
        """The equation with its endogenous regressors treated as exogenous (no instruments)."""
        return replace(self, instruments=())


#: risk -> ESG, the paper's Table 2 equation (H1)
ESG_EQUATION = Equation(
    name="esg", dependent="esg", endogenous=("risk_events",), exog=CONTROLS,
    instruments=("region_incidents",), effects=(ENTITY,))

#: ESG -> risk, section 4.3 (H2); ``region_incidents`` stays in as a regressor:
#: it moves risk events, so left out it would sit in the error term
RISK_EQUATION = Equation(
    name="risk", dependent="risk_events", endogenous=("esg",),
    exog=(*CONTROLS, "region_incidents"), instruments=(INDUSTRY_ESG_LOO,), effects=(ENTITY,))
