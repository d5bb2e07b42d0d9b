"""The paper's printed numbers: kept as printed, internally checkable, the 0.28 vs 0.20 note visible."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from esgrisk import paths, published

IDS = ["risk_events", "esg", "log_assets", "revenue_growth", "cr4", "reg_strength"]


def test_table1_values_as_printed():
    t1 = published.table1()
    assert list(t1.index) == IDS
    expected = {
        "risk_events": (15.2, 8.3, 3, 35), "esg": (68.5, 7.2, 52, 85),
        "log_assets": (23.1, 2.5, 18.7, 27.3), "revenue_growth": (0.18, 0.06, -0.05, 0.32),
        "cr4": (0.65, 0.12, 0.40, 0.85), "reg_strength": (7.5, 1.5, 5, 9),
    }
    for var, values in expected.items():
        assert tuple(t1.loc[var, ["mean", "sd", "min", "max"]]) == values
    assert t1.loc["cr4", "printed"] == "0.65 | 0.12 | 0.40 | 0.85"  # trailing zero kept in text
    assert t1.loc["revenue_growth", "printed"].startswith("0.18 | 0.06 | \u22120.05")


def test_table2_values_as_printed():
    t2 = published.table2()
    assert list(t2.index) == ["risk_events", "log_assets", "revenue_growth", "cr4", "reg_strength", "const"]
    assert tuple(t2.loc["risk_events", ["coef", "se", "t"]]) == (-0.92, 0.23, -4.00)
    assert t2.loc["risk_events", "p_printed"] == "0.000" and t2.loc["const", "p_printed"] == "0.000"
    assert t2.loc["reg_strength", "coef"] == 0.20 and t2.loc["reg_strength", "p_printed"] == "0.012"
    assert t2.loc["const", "coef"] == 50.21


@pytest.mark.parametrize("var", ["risk_events", "log_assets", "revenue_growth", "cr4", "reg_strength", "const"])
def test_table2_t_is_coef_over_se_within_rounding(var):
    row = published.table2().loc[var]
    # coef and se are printed to 2 decimals: the ratio is known only within the rounding interval
    lo = min((row["coef"] + a) / (row["se"] + b) for a in (-0.005, 0.005) for b in (-0.005, 0.005))
    hi = max((row["coef"] + a) / (row["se"] + b) for a in (-0.005, 0.005) for b in (-0.005, 0.005))
    assert lo - 0.005 <= row["t"] <= hi + 0.005


def test_twosls_claims():
    ts = published.twosls()
    assert ts.loc["h2_esg_to_risk", "coef"] == -0.78 and ts.loc["h2_esg_to_risk", "p_bound"] == "<0.05"
    assert ts.loc["bidir_risk_to_esg", "coef"] == -0.89 and ts.loc["bidir_risk_to_esg", "p_bound"] == "<0.01"
    assert ts.loc["bidir_esg_to_risk", "coef"] == -0.72 and ts.loc["bidir_esg_to_risk", "p_bound"] == "<0.05"
    assert ts.loc["first_stage_f", "statistic"] == 23.67
    assert ts["p_value"].isna().all()  # only bounds were printed, never exact p-values
    assert math.isnan(ts.loc["first_stage_f", "coef"])


def test_regulation_text_differs_from_table():
    tc = published.text_claims()
    reg = tc.loc["text_reg"]
    assert reg["coef"] == 0.28 and reg["table_coef"] == 0.20 and bool(reg["differs_from_table"])
    assert reg["p_bound"] == "<0.05"
    assert published.table2().loc["reg_strength", "coef"] == reg["table_coef"]
    assert tc.loc["text_size", "coef"] == 0.35 and tc.loc["text_size", "p_bound"] == "<0.01"
    assert tc.loc["text_risk", "coef"] == -0.92 and tc.loc["text_risk", "p_bound"] == "<0.01"
    assert not tc.loc[["text_size", "text_risk"], "differs_from_table"].any()
    readme = (paths.PUBLISHED / "README.md").read_text(encoding="utf-8")
    assert "0.28" in readme and "0.20" in readme


def test_every_row_cites_its_source():
    for frame in (published.table1(), published.table2(), published.twosls(), published.text_claims()):
        assert frame["source"].str.contains("Zhang et al. 2025, section 4").all()
        assert frame["printed"].str.len().gt(0).all()


def test_table1_moments_and_compare():
    panel = pd.DataFrame({v: [1.0, 3.0] for v in IDS})
    m = published.table1_moments(panel)
    assert list(m.index) == IDS and list(m.columns) == ["mean", "sd", "min", "max"]
    assert m.loc["esg", "mean"] == 2.0 and m.loc["esg", "sd"] == pytest.approx(math.sqrt(2))
    cmp = published.compare_table1(panel)
    assert cmp.loc["esg", "mean_diff"] == pytest.approx(2.0 - 68.5)
    assert cmp.loc["esg", "sd_ratio"] == pytest.approx(math.sqrt(2) / 7.2)
