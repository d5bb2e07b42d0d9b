"""The named firms' public financial data against the paper's Table 1.

The paper names five of its twelve firms (Alibaba, JD (JD.com), PDD,
Amazon, eBay). Their revenues and total assets are public
(``data/published/public_financials.csv``, read by
:func:`esgrisk.published.public_financials`), so two of Table 1's rows can be
checked against the world, not only against the paper:

* revenue growth, computed from consecutive revenues of one firm in one
  currency and on one restatement basis (growth is currency-free);
* the log of total assets, which depends on the currency (RMB or US$) and is
  bounded below by the log of equity where only equity was found.

Alibaba's fiscal year ends on 31 March, so its fiscal year ``FY t`` can be
mapped to calendar year ``t`` (the year it ends in) or ``t - 1`` (the year
most of it falls in); both mappings are reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["revenue_growth", "growth_panel", "growth_against_range", "min_sd_with_values",
           "log_assets", "assets_against_range", "FY_MAPPINGS"]

#: How a fiscal year ending in March maps to a calendar year: the year it ends in, or the year before.
FY_MAPPINGS = {"fiscal year = year it ends in": 0, "fiscal year = year before it ends": -1}


def revenue_growth(public: pd.DataFrame) -> pd.DataFrame:
    """Year-on-year revenue growth per firm and fiscal year, computed from the revenue rows.

    Growth is computed only between consecutive fiscal years in the same
    currency and on the same ``basis``; a change of restatement basis gives
    NaN with ``comparable=False`` (eBay 2018 and 2019). The growth a source
    states, where one does, is kept in ``growth_stated``; ``sources`` lists
    the bibliography keys of both revenues.
    """
    rev = public[public["item"] == "revenue"].sort_values(["firm", "fiscal_year"])
    stated = public[public["item"] == "revenue_growth_stated"].set_index(["firm", "fiscal_year"])["value"]
    rows = []
    for firm, grp in rev.groupby("firm", sort=True):
        grp = grp.set_index("fiscal_year")
        for year in grp.index[1:]:
            if year - 1 not in grp.index:
                continue
            now, before = grp.loc[year], grp.loc[year - 1]
            comparable = bool(now["currency"] == before["currency"] and now["basis"] == before["basis"])
            rows.append({
                "firm": firm, "fiscal_year": int(year), "fiscal_year_end": now["fiscal_year_end"],
                "growth": now["value"] / before["value"] - 1 if comparable else math.nan,
                "comparable": comparable,
                "growth_stated": float(stated.get((firm, year), math.nan)),
                "basis": now["basis"] if comparable else f"{before['basis']} -> {now['basis']}",
                "sources": ", ".join(sorted({now["source"], before["source"]})),
                "source_kinds": ", ".join(sorted({now["source_kind"], before["source_kind"]})),
            })
    return pd.DataFrame(rows)


def growth_panel(growth: pd.DataFrame, years: Sequence[int], march_shift: int = 0) -> pd.DataFrame:
    """Growth by firm and calendar year for ``years``; fiscal years ending in March are shifted by ``march_shift``."""
    out = growth.copy()
    shift = np.where(out["fiscal_year_end"] == "03-31", march_shift, 0)
    out["year"] = out["fiscal_year"] + shift
    return out[out["year"].isin(list(years))].reset_index(drop=True)


def min_sd_with_values(values: Sequence[float], n: int, mean: float) -> float:
    """Smallest sample SD (divisor n - 1) of ``n`` numbers with this ``mean`` that include ``values``.

    The other ``n - k`` numbers are free; the SD is smallest when they all
    equal the value that keeps the mean, ``r = (n mean - sum(values)) / (n - k)``.
    """
    x = np.asarray(values, dtype=float)
    k = x.size
    if k > n:
        raise ValueError(f"{k} values cannot be part of a sample of {n}")
    rest = n - k
    ss = float(np.sum((x - mean) ** 2))
    if rest:
        r = (n * mean - x.sum()) / rest
        ss += rest * (r - mean) ** 2
    elif not math.isclose(x.mean(), mean):
        return math.nan
    return math.sqrt(ss / (n - 1))


def growth_against_range(panel: pd.DataFrame, minimum: float, maximum: float) -> dict[str, object]:
    """Firm-years of ``panel`` (from :func:`growth_panel`) above ``maximum`` or below ``minimum``."""
    ok = panel[panel["comparable"]]
    above = ok[ok["growth"] > maximum]
    below = ok[ok["growth"] < minimum]
    return {"n": int(len(ok)), "n_above": int(len(above)), "n_below": int(len(below)),
            "above": above, "below": below, "max_row": ok.loc[ok["growth"].idxmax()] if len(ok) else None}


def log_assets(public: pd.DataFrame) -> pd.DataFrame:
    """ln(total assets in currency units) per firm, year and currency; equity rows are lower bounds.

    ``bound`` is ``"value"`` for total assets and ``"lower bound"`` for equity
    (total assets = liabilities + equity >= equity).
    """
    rows = public[public["item"].isin(["total_assets", "equity"])].copy()
    scale = rows["unit"].map({"million": 1e6, "billion": 1e9, "unit": 1.0})
    if scale.isna().any():
        raise ValueError(f"unknown units {sorted(set(rows.loc[scale.isna(), 'unit']))} in the public data")
    rows["log_assets"] = np.log(rows["value"] * scale)
    rows["bound"] = np.where(rows["item"] == "equity", "lower bound", "value")
    cols = ["firm", "fiscal_year", "fiscal_year_end", "currency", "item", "value", "log_assets", "bound",
            "source", "source_kind"]
    return rows[cols].reset_index(drop=True)


def assets_against_range(logs: pd.DataFrame, minimum: float, maximum: float,
                         currencies: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Does any public figure contradict Table 1's range of log assets, under each currency reading?

    ``currencies`` maps a reading to the currencies it accepts (default: all in
    RMB, all in US$). A value or lower bound above ``maximum`` contradicts the
    maximum; a value (not a lower bound) below ``minimum`` contradicts the
    minimum. Returns one row per reading.
    """
    if currencies is None:
        currencies = {"RMB": ["RMB"], "USD": ["USD"]}
    rows = []
    for reading, accepted in currencies.items():
        sub = logs[logs["currency"].isin(list(accepted))]
        over = sub[sub["log_assets"] > maximum]
        under = sub[(sub["log_assets"] < minimum) & (sub["bound"] == "value")]
        top = sub.loc[sub["log_assets"].idxmax()] if len(sub) else None
        rows.append({
            "reading": reading, "figures": int(len(sub)), "above_max": int(len(over)),
            "below_min": int(len(under)),
            "largest": float(top["log_assets"]) if top is not None else math.nan,
            "largest_firm": f"{top['firm']} {top['fiscal_year']}" if top is not None else "",
            "largest_is_lower_bound": bool(top is not None and top["bound"] == "lower bound"),
            "smallest": float(sub["log_assets"].min()) if len(sub) else math.nan,
            "contradicts": bool(len(over) or len(under)),
        })
    return pd.DataFrame(rows)
