"""One results hierarchy, one registry of model ids, one record format.

Modelled on linearmodels' results (one base class for every estimator):

* :class:`ModelResult`: params, std_errors, tstats, pvalues, conf_int, df
  (t degrees of freedom, G-1), n_clusters, nobs, the small-sample K and
  factor, the effects and absorbed regressors, and the recipe that
  reproduces the numbers (``linearmodels`` for linear models, ``refit``
  otherwise); :meth:`ModelResult.to_record` gives the results-contract
  record;
* :class:`IVResult`: adds the endogenous regressors, the instruments and a
  typed first stage (:class:`esgrisk.core.FirstStage`) per endogenous one;
* :class:`SystemResult`: adds the joint covariance of the two arrows.

:data:`MODELS` is the registry: one id per model, whichever chapter fits it.
:data:`SCHEMA_PATH` is the JSON Schema (draft 2020-12) of one record; every
file written by :func:`write_result` is validated against it. The contract
is documented in the README ("Results contract") and on the book's page "How
to reproduce" (``book/reproduce.md``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd

from esgrisk.core import FirstStage, conf_int, t_pvalues
from esgrisk.paths import resolve

__all__ = ["MODELS", "ModelResult", "IVResult", "SystemResult", "REQUIRED_KEYS", "SCHEMA_PATH",
           "schema", "validate_record", "write_result", "read_results", "compare"]

#: the registry of model ids: id -> what the model is (one id per model)
MODELS: dict[str, str] = {
    "pooled_ols": "ESG on risk events and controls, pooled OLS",
    "fe_entity": "ESG on risk events and controls, firm fixed effects (the paper's Table 2)",
    "fe_entity_dk": "fe_entity with Driscoll-Kraay standard errors",
    "fe_twoway": "ESG on risk events and controls, firm and year fixed effects",
    "fe_iv_risk": "ESG on risk events (instrumented by region_incidents), firm effects",
    "fe_iv_twoway": "ESG on risk events (instrumented by region_incidents), firm and year "
                    "effects (the risk -> ESG arrow of chapter 5 and twoway_fe_iv of the "
                    "Monte Carlo)",
    "iv_esg_to_risk": "risk events on ESG (instrumented by the leave-one-out industry mean "
                      "ESG), firm effects",
    "iv_esg_to_risk_inclusive": "iv_esg_to_risk with the paper's inclusive industry mean",
    "system_3sls": "both equations as one system, 3SLS, firm effects",
    "poisson_fe_risk": "risk events on ESG, incidents and controls, Poisson with firm effects",
}

REQUIRED_KEYS = (
    "model", "estimator", "dependent", "nobs", "entities", "n_clusters",
    "params", "std_errors", "tstats", "pvalues", "conf_int", "df", "cov_type",
)

#: the JSON Schema of one model record
SCHEMA_PATH = Path(__file__).with_name("model_record.schema.json")


@dataclass(frozen=True, kw_only=True)
class ModelResult:
    """One estimated model: what the results contract reports, and how to reproduce it.

    ``params``/``std_errors`` are the reported coefficients (fixed effects
    excluded); ``df`` is the degrees of freedom of the t reference
    distribution (G-1 for clustered errors); ``k`` and
    ``small_sample_factor`` the K and factor of the covariance
    (:func:`esgrisk.core.cluster_k`). ``linearmodels`` is the recipe of a
    linear model, ``refit`` the library call of a non-linear one.
    ``result`` is the underlying library result (not serialised).
    """

    model_id: str
    estimator: str
    dependent: str
    params: pd.Series
    std_errors: pd.Series
    nobs: int
    entities: int
    n_clusters: int
    df: int
    cov_type: str
    k: int | None = None
    small_sample_factor: float | None = None
    effects: tuple[str, ...] = ()
    absorbed: tuple[str, ...] = ()
    linearmodels: Mapping[str, Any] | None = None
    refit: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    result: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.model_id not in MODELS:
            raise ValueError(f"unknown model id {self.model_id!r}; register it in "
                             "esgrisk.results.MODELS")
        if list(self.params.index) != list(self.std_errors.index):
            raise ValueError(f"{self.model_id}: params and std_errors name different "
                             "coefficients")
        if (self.linearmodels is None) == (self.refit is None):
            raise ValueError(f"{self.model_id}: give exactly one of linearmodels / refit")

    @property
    def tstats(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from t(``df``)."""
        return t_pvalues(self.tstats, self.df)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals from t(``df``)."""
        return conf_int(self.params, self.std_errors, self.df, level)

    def to_record(self) -> dict[str, Any]:
        """The results-contract record (plain floats, unrounded)."""
        ci = self.conf_int()
        record: dict[str, Any] = {
            "model": self.model_id,
            "estimator": self.estimator,
            "dependent": self.dependent,
            "nobs": int(self.nobs),
            "entities": int(self.entities),
            "n_clusters": int(self.n_clusters),
            "params": _floats(self.params),
            "std_errors": _floats(self.std_errors),
            "tstats": _floats(self.tstats),
            "pvalues": _floats(self.pvalues),
            "conf_int": {str(n): [float(ci.at[n, "lower"]), float(ci.at[n, "upper"])]
                         for n in ci.index},
            "df": int(self.df),
            "cov_type": self.cov_type,
            "effects": list(self.effects),
            "absorbed": list(self.absorbed),
        }
        if self.k is not None:
            record["small_sample"] = {"k": int(self.k), "factor": float(self.small_sample_factor)}
        if self.linearmodels is not None:
            record["linearmodels"] = _plain(self.linearmodels)
        if self.refit is not None:
            record["refit"] = _plain(self.refit)
        record.update(_plain(self._fields()))
        record.update(_plain(self.extra))
        return record

    def _fields(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, kw_only=True)
class IVResult(ModelResult):
    """An instrumental-variables model: adds the roles and a typed first stage."""

    endogenous: tuple[str, ...]
    instruments: tuple[str, ...]
    exog: tuple[str, ...]
    first_stage: Mapping[str, FirstStage]

    @property
    def coef(self) -> float:
        """Coefficient of the (first) endogenous regressor."""
        return float(self.params[self.endogenous[0]])

    @property
    def se(self) -> float:
        """Standard error of the endogenous regressor's coefficient (the book's rule)."""
        return float(self.std_errors[self.endogenous[0]])

    @property
    def pvalue(self) -> float:
        """t(G-1) p-value of the endogenous regressor's coefficient."""
        return float(self.pvalues[self.endogenous[0]])

    def _fields(self) -> dict[str, Any]:
        return {"endogenous": list(self.endogenous), "instruments": list(self.instruments),
                "exogenous": list(self.exog),
                "first_stage": {k: v.to_record() for k, v in self.first_stage.items()}}


@dataclass(frozen=True, kw_only=True)
class SystemResult(ModelResult):
    """A two-equation system: adds the joint covariance of (beta, gamma)."""

    beta: float  # risk -> ESG (coefficient of risk_events in the ESG equation)
    gamma: float  # ESG -> risk (coefficient of esg in the risk equation)
    cov: np.ndarray  # joint covariance of (beta, gamma)
    first_stage: Mapping[str, FirstStage]

    def _fields(self) -> dict[str, Any]:
        return {"joint_cov": {"names": ["esg.risk_events (beta)", "risk_events.esg (gamma)"],
                              "matrix": np.asarray(self.cov).tolist()},
                "first_stage": {k: v.to_record() for k, v in self.first_stage.items()}}


def compare(results: Mapping[str, ModelResult], stat: str = "params") -> pd.DataFrame:
    """Side-by-side table of several results (rows: coefficients, columns: labels)."""
    return pd.DataFrame({label: getattr(res, stat) for label, res in results.items()})


# --------------------------------------------------------------------------- JSON

def _floats(values: Mapping[str, Any] | pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in dict(values).items()}


def _plain(value: Any) -> Any:
    """Turn numpy/pandas scalars and containers into JSON-ready Python values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def schema() -> dict[str, Any]:
    """The JSON Schema of one model record (``esgrisk/model_record.schema.json``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_record(record: Mapping[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` naming the field when ``record`` breaks the schema."""
    jsonschema.Draft202012Validator(schema()).validate(record)


def write_result(result: ModelResult | Mapping[str, Any], results_dir: str | Path,
                 **additions: Any) -> Path:
    """Write one record to ``<results_dir>/<model>.json``, validated against the schema.

    ``result`` is a :class:`ModelResult` (its :meth:`~ModelResult.to_record`)
    or a record; ``additions`` are extra top-level fields the schema knows
    (``anderson_rubin``, ``feedback_multiplier``).
    """
    record = result.to_record() if isinstance(result, ModelResult) else dict(result)
    record.update(_plain(additions))
    validate_record(record)
    out_dir = resolve(results_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{record['model']}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


def read_results(results_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Read every ``*.json`` record in ``results_dir``, keyed by model id."""
    out_dir = resolve(results_dir)
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(out_dir.glob("*.json"))}
