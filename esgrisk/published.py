"""The paper's printed numbers, read from ``data/published`` (their one place).

Zhang, Meng, Li & Wang (2025), *E-Commerce Letters* 14(6): 1647-1655,
doi:10.12677/ecl.2025.1461909. ``data/published/README.md`` documents every
column. Variables use the book's stable ids: ``risk_events``, ``esg``,
``log_assets``, ``revenue_growth``, ``cr4``, ``reg_strength``, ``const``.

Numeric columns are floats; the columns ``printed``, ``p_printed`` and
``p_bound`` are text kept exactly as printed (``"0.000"``, ``"<0.05"``).
"""

from __future__ import annotations

import pandas as pd

from esgrisk.paths import PUBLISHED

__all__ = ["table1", "table2", "twosls", "text_claims", "sample", "table1_moments",
           "compare_table1", "TABLE1_VARIABLES", "equation", "public_financials"]

TABLE1_VARIABLES = ("risk_events", "esg", "log_assets", "revenue_growth", "cr4", "reg_strength")
_TEXT = {"printed": str, "p_printed": str, "p_bound": str, "source": str, "label_zh": str,
         "label_en": str, "claim_id": str, "variable": str, "quantity": str, "dependent": str,
         "regressor": str, "instrument": str, "hypothesis": str, "table_p_printed": str,
         "element": str, "symbol": str, "subscripts": str}


def _read(name: str, index: str) -> pd.DataFrame:
    df = pd.read_csv(PUBLISHED / name, dtype=_TEXT, keep_default_na=False, na_values={
        c: [""] for c in ("coef", "se", "t", "p_value", "statistic", "mean", "sd", "min", "max",
                          "table_coef")})
    return df.set_index(index)


def table1() -> pd.DataFrame:
    """Table 1 (descriptive statistics): index = variable id; mean, sd, min, max."""
    return _read("table1.csv", "variable")


def table2() -> pd.DataFrame:
    """Table 2 (regression): index = variable id incl. ``const``; coef, se, t, p_value, p_printed."""
    return _read("table2.csv", "variable")


def twosls() -> pd.DataFrame:
    """Section 4.3 2SLS claims: index = claim id; coef, p_bound (e.g. "<0.05"), statistic (F)."""
    return _read("twosls.csv", "claim_id")


def text_claims() -> pd.DataFrame:
    """What the text of section 4.2 states, next to the Table 2 value (0.28 vs 0.20 for regulation)."""
    return _read("text_claims.csv", "claim_id")


def sample() -> dict[str, int]:
    """The paper's sample (section 3.3): ``firms``, ``first_year``, ``last_year`` and ``years``."""
    table = pd.read_csv(PUBLISHED / "sample.csv", dtype={"quantity": str, "value": int,
                                                          "printed": str, "source": str})
    out = {str(q): int(v) for q, v in zip(table["quantity"], table["value"], strict=True)}
    out["years"] = out["last_year"] - out["first_year"] + 1
    return out


def equation() -> pd.DataFrame:
    """The printed equation of section 4.2: index = element (model_label, intercept, ...); symbol, subscripts."""
    return _read("equation.csv", "element")


def public_financials() -> pd.DataFrame:
    """Public revenue, growth and assets of the five named firms (not from the paper), one row per figure.

    Columns as documented in ``data/published/README.md``; ``value`` is a float,
    ``fiscal_year`` an integer. Every row names its bibliography key in ``source``.
    """
    frame = pd.read_csv(PUBLISHED / "public_financials.csv", dtype={
        "firm": str, "fiscal_year": int, "fiscal_year_end": str, "item": str, "value": float,
        "currency": str, "unit": str, "basis": str, "source": str, "source_kind": str, "note": str},
        keep_default_na=False)
    return frame


def table1_moments(panel: pd.DataFrame) -> pd.DataFrame:
    """Table 1-style moments of a panel: index = the six variable ids; mean, sd (ddof=1), min, max."""
    cols = list(TABLE1_VARIABLES)
    data = panel[cols].astype(float)
    out = pd.DataFrame({"mean": data.mean(), "sd": data.std(ddof=1),
                        "min": data.min(), "max": data.max()})
    out.index.name = "variable"
    return out


def compare_table1(panel: pd.DataFrame) -> pd.DataFrame:
    """A panel's moments next to the paper's Table 1, with differences.

    Columns: ``<stat>_paper``, ``<stat>_panel``, ``<stat>_diff`` for mean, sd,
    min, max, plus ``mean_diff_in_sd`` (difference of means in paper SDs) and
    ``sd_ratio`` (panel SD / paper SD).
    """
    paper = table1()[["mean", "sd", "min", "max"]].astype(float)
    sim = table1_moments(panel)
    out = pd.DataFrame(index=sim.index)
    for stat in ("mean", "sd", "min", "max"):
        out[f"{stat}_paper"] = paper[stat]
        out[f"{stat}_panel"] = sim[stat]
        out[f"{stat}_diff"] = sim[stat] - paper[stat]
    out["mean_diff_in_sd"] = out["mean_diff"] / paper["sd"]
    out["sd_ratio"] = sim["sd"] / paper["sd"]
    return out
