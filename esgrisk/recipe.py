"""Recipes that reproduce a record with one library call, and derived columns.

Every record of a linear model carries a ``linearmodels`` recipe (results
contract): the class, the formula, the panel index, the derived columns, the
``fit()`` keywords, the cluster column, the ``se_scale`` that turns
linearmodels' standard errors into the record's (the K rule,
:func:`esgrisk.core.se_scale`) and a map of names. :func:`reproduce` runs
it; the tests run it for every record on two panels.

Derived columns use a three-word grammar (:func:`derive`):

* ``industry_mean(x)``: the mean of ``x`` over all firms in the same year;
* ``industry_mean_loo(x)``: the mean of ``x`` over the *other* firms in the
  same year (missing when the firm is alone in its year);
* ``lag(x, k)``: the same firm's ``x`` ``k`` years earlier (missing when
  that year is absent).

Rows where a derived column is missing are dropped before fitting, by the
estimators and by :func:`reproduce` alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from linearmodels.iv import IV2SLS, IVGMM, IVLIML
from linearmodels.panel import PanelOLS, PooledOLS
from linearmodels.system import IV3SLS, SUR

from esgrisk.spec import ENTITY, TIME

__all__ = ["derive", "industry_mean", "lag", "panel_formula", "iv_formula", "recipe",
           "reproduce", "dummy_cells", "MAX_DUMMY_CELLS", "LINEARMODELS_CLASSES"]

LINEARMODELS_CLASSES = {"PooledOLS": PooledOLS, "PanelOLS": PanelOLS, "IV2SLS": IV2SLS,
                        "IVLIML": IVLIML, "IVGMM": IVGMM, "IV3SLS": IV3SLS, "SUR": SUR}
PANEL_CLASSES = ("PooledOLS", "PanelOLS")
_RULE = re.compile(r"^(industry_mean|industry_mean_loo)\((\w+)\)$|^lag\((\w+),\s*(\d+)\)$")


# --------------------------------------------------------------------------- derived columns

def industry_mean(data: pd.DataFrame, column: str, *, leave_one_out: bool,
                  time: str = TIME) -> pd.Series:
    """Year mean of ``column`` over all firms, or over the other firms (``leave_one_out``)."""
    x = data[column].astype(float)
    total = x.groupby(data[time]).transform("sum")
    count = x.groupby(data[time]).transform("count").astype(float)
    if not leave_one_out:
        return total / count
    others = (count - 1).where(count > 1)
    return (total - x) / others


def lag(data: pd.DataFrame, column: str, k: int, *, entity: str = ENTITY,
        time: str = TIME) -> pd.Series:
    """The same firm's ``column`` ``k`` years earlier (missing when that year is absent)."""
    shifted = data[[entity, time, column]].assign(**{time: data[time] + k})
    merged = data[[entity, time]].merge(shifted, on=[entity, time], how="left")
    return pd.Series(merged[column].to_numpy(float), index=data.index)


def derive(data: pd.DataFrame, derived: Mapping[str, str], *, drop_missing: bool = True
           ) -> pd.DataFrame:
    """``data`` with each derived column added; rows where one is missing dropped.

    Raises ``ValueError`` naming the rule that the grammar does not know.
    """
    out = data.copy()
    for name, rule in derived.items():
        m = _RULE.match(rule.strip())
        if m is None:
            raise ValueError(f"derived column {name!r}: unknown rule {rule!r}; use "
                             "industry_mean(x), industry_mean_loo(x) or lag(x, k)")
        if m.group(1):
            out[name] = industry_mean(data, m.group(2),
                                      leave_one_out=m.group(1) == "industry_mean_loo")
        else:
            out[name] = lag(data, m.group(3), int(m.group(4)))
    if drop_missing and derived:
        out = out[out[list(derived)].notna().all(axis=1)]
    return out


# --------------------------------------------------------------------------- formulas

def _effects_terms(effects: Sequence[str], panel: bool) -> list[str]:
    if panel:
        return [{ENTITY: "EntityEffects", TIME: "TimeEffects"}[e] for e in effects]
    return [f"C({e})" for e in effects]


def panel_formula(dependent: str, regressors: Sequence[str], effects: Sequence[str], *,
                  constant: bool = True) -> str:
    """A PanelOLS formula, e.g. ``esg ~ 1 + risk_events + EntityEffects``."""
    terms = (["1"] if constant else []) + list(regressors) + _effects_terms(effects, True)
    return f"{dependent} ~ " + " + ".join(terms or ["0"])


def iv_formula(dependent: str, exog: Sequence[str], endog: Sequence[str],
               instruments: Sequence[str], effects: Sequence[str]) -> str:
    """An IV2SLS formula with the fixed effects as dummies, e.g.
    ``esg ~ 0 + C(firm) + cr4 + [risk_events ~ region_incidents]``.

    With firm effects the firm dummies replace the intercept (``0 + C(firm)``:
    one dummy per firm), which linearmodels solves more accurately than an
    intercept plus G-1 dummies.
    """
    dummies = _effects_terms(effects, False)
    terms = (["0"] if ENTITY in effects else ["1"]) + dummies + list(exog)
    return (f"{dependent} ~ " + " + ".join(terms)
            + f" + [{' + '.join(endog)} ~ {' + '.join(instruments)}]")


def recipe(cls: str, formula: str | Mapping[str, str], *, fit: Mapping[str, Any],
           derived: Mapping[str, str] | None = None, clusters: str | None = None,
           scale: float | Mapping[str, float] = 1.0, scale_reason: str = "",
           names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``linearmodels`` entry of a record (results contract, README).

    ``scale`` is one factor, or for a system one per equation name.
    """
    if cls not in LINEARMODELS_CLASSES:
        raise ValueError(f"unknown linearmodels class {cls!r}")
    if isinstance(scale, Mapping):
        scale = {str(k): float(v) for k, v in scale.items()}
        if not scale_reason:
            raise ValueError("per-equation se_scale: say why in se_scale_reason")
    elif scale != 1.0 and not scale_reason:
        raise ValueError("se_scale differs from 1: say why in se_scale_reason")
    return {"class": cls, "formula": formula,
            "panel_index": [ENTITY, TIME] if cls in PANEL_CLASSES else None,
            "derived": dict(derived or {}), "fit": dict(fit), "clusters": clusters,
            "se_scale": scale if isinstance(scale, dict) else float(scale),
            "se_scale_reason": scale_reason, "names": dict(names or {})}


# --------------------------------------------------------------------------- reproduction

#: a recipe whose formula would build more dummy cells than this (rows x dummy
#: columns, 8 bytes each: 200 MB) is too large to run as a demonstration in a
#: chapter; the tests run every recipe on panels of book size
MAX_DUMMY_CELLS = 25_000_000


def dummy_cells(record: Mapping[str, Any], panel: pd.DataFrame) -> int:
    """Rows x dummy columns that the record's formula (``C(firm)``, ``C(year)``) would build."""
    formula = record["linearmodels"]["formula"]
    text = " ".join(formula.values()) if isinstance(formula, Mapping) else formula
    columns = sum(int(panel[c].nunique()) for c in (ENTITY, TIME) if f"C({c})" in text)
    return len(panel) * columns


def reproduce(record: Mapping[str, Any], panel: pd.DataFrame) -> dict[str, Any]:
    """Run a record's ``linearmodels`` recipe on ``panel``; return what it reproduces.

    Returns ``params`` and ``std_errors`` (already multiplied by
    ``se_scale``) keyed by the record's names, ``nobs`` and the linearmodels
    result. Only the record's coefficients are returned (fixed-effect
    dummies are not reported).
    """
    spec = record["linearmodels"]
    cls = LINEARMODELS_CLASSES[spec["class"]]
    data = derive(panel, spec["derived"])
    fit = dict(spec["fit"])
    if spec["clusters"] is not None:
        fit["clusters"] = pd.factorize(data[spec["clusters"]])[0]
    if spec["class"] in PANEL_CLASSES:
        data = data.set_index(spec["panel_index"])
    result = cls.from_formula(spec["formula"], data).fit(**fit)
    names = {rec: spec["names"].get(rec, rec) for rec in record["params"]}
    scale = spec["se_scale"]

    def factor(rec: str) -> float:  # a system's factor is per equation (``<eq>.<name>``)
        return float(scale[rec.split(".")[0]]) if isinstance(scale, Mapping) else float(scale)

    params = pd.Series({rec: float(result.params[lm]) for rec, lm in names.items()})
    ses = pd.Series({rec: float(result.std_errors[lm]) * factor(rec)
                     for rec, lm in names.items()})
    return {"params": params, "std_errors": ses, "nobs": int(result.nobs), "result": result}
