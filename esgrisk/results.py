"""The results contract: one JSON object per estimated model.

Every estimation chapter writes its models through :func:`write_result`, so
the files a reviewer diffs always have the same keys (see
``shared/CONTRACTS.md`` section 3 and the book's "How to reproduce" page).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from esgrisk.paths import resolve

REQUIRED_KEYS = (
    "model", "estimator", "dependent", "nobs", "entities",
    "params", "std_errors", "tstats", "pvalues", "cov_type",
)


def _as_float_dict(values: Mapping[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in dict(values).items()}


def model_record(
    model: str,
    *,
    estimator: str,
    dependent: str,
    nobs: int,
    entities: int,
    params: Mapping[str, float],
    std_errors: Mapping[str, float],
    tstats: Mapping[str, float],
    pvalues: Mapping[str, float],
    cov_type: str,
    **extra: Any,
) -> dict[str, Any]:
    """Build one results-contract record; numbers become plain, unrounded floats.

    ``extra`` carries model-specific fields such as ``first_stage`` (for IV
    models, the partial F statistic of each instrument set) or ``absorbed``.
    """
    record: dict[str, Any] = {
        "model": model,
        "estimator": estimator,
        "dependent": dependent,
        "nobs": int(nobs),
        "entities": int(entities),
        "params": _as_float_dict(params),
        "std_errors": _as_float_dict(std_errors),
        "tstats": _as_float_dict(tstats),
        "pvalues": _as_float_dict(pvalues),
        "cov_type": str(cov_type),
    }
    keys = set(record["params"])
    for field in ("std_errors", "tstats", "pvalues"):
        if set(record[field]) != keys:
            raise ValueError(f"{model}: {field} keys {sorted(record[field])} differ from params keys {sorted(keys)}")
    record.update(_plain(extra))
    return record


def _plain(value: Any) -> Any:
    """Turn numpy/pandas scalars and containers into JSON-ready Python values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_result(record: Mapping[str, Any], results_dir: str | Path) -> Path:
    """Write ``record`` to ``<results_dir>/<model>.json`` (directory created if missing)."""
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        raise ValueError(f"result record lacks contract keys {missing}")
    out_dir = resolve(results_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{record['model']}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")
    return path


def read_results(results_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Read every ``*.json`` record in ``results_dir``, keyed by model id."""
    out_dir = resolve(results_dir)
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out_dir.glob("*.json"))}
