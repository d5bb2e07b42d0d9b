"""The machine-readable results of chapters 8 and 9 (read after a build: ``make test`` builds first)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import missing

from esgrisk import evidence as ev
from esgrisk import montecarlo as mc
from esgrisk.paths import RESULTS
from esgrisk.simulate import TRUE_EFFECTS

SUMMARY_COLUMNS = {"equation", "estimator", "n_firms", "n_years", "reps", "bias", "median_bias", "rmse",
                   "coverage", "power", "mc_se"}


def _read(name: str) -> pd.DataFrame:
    path = RESULTS / name
    if not path.is_file():
        missing(f"{path} does not exist: run `make notebooks` (make test does it first)")
    return pd.read_csv(path)


def test_summary_has_one_row_per_equation_estimator_and_design():
    s = _read("montecarlo_summary.csv")
    assert SUMMARY_COLUMNS <= set(s.columns)
    assert not s.duplicated(["equation", "estimator", "n_firms", "n_years"]).any()
    assert set(s["equation"]) == {"risk_to_esg", "esg_to_risk"}
    paper = s[(s["n_firms"] == 12) & (s["n_years"] == 6)]
    needed = set(mc.ESTIMATORS) | set(mc.ESG_TO_RISK_VARIANTS) | {"poisson_fe", "system_3sls"}
    assert needed <= set(paper["estimator"])
    assert (paper["reps"] >= 2000).all()
    assert len(s[["n_firms", "n_years"]].drop_duplicates()) >= 4   # more firms and more years


def test_summary_rates_carry_their_monte_carlo_standard_errors():
    s = _read("montecarlo_summary.csv")
    for col in ("coverage", "power", "coverage_normal", "ar_coverage", "ar_unbounded", "f_cluster_above_weak"):
        ok = s[f"{col}_mc_se"].notna()
        p, r = s.loc[ok, col], s.loc[ok, "reps"]
        np.testing.assert_allclose(s.loc[ok, f"{col}_mc_se"], np.sqrt(p * (1 - p) / r), rtol=1e-9)
    assert (s["mc_se"].dropna() == s["coverage_mc_se"].dropna()).all()
    for eq, true in TRUE_EFFECTS.items():
        assert (s.loc[(s["equation"] == eq) & s["true"].notna(), "true"] == true).all()


def test_dynamic_results_cover_three_firm_counts_and_anderson_hsiao_is_consistent():
    d = _read("montecarlo_dynamic.csv")
    assert {"estimator", "n_firms", "n_years", "rmse", "coverage"} <= set(d.columns)
    ah = d[(d["estimator"] == "anderson_hsiao") & (d["parameter"] == "rho") & (d["n_years"] == 6)]
    ah = ah.sort_values("n_firms")
    assert ah["n_firms"].nunique() >= 3
    assert np.all(np.diff(ah["rmse"].to_numpy()) < 0)            # RMSE falls as firms are added
    big = ah.iloc[-1]
    assert abs(big["coverage"] - 0.95) < 4 * np.sqrt(0.95 * 0.05 / big["reps"])


def test_evidence_rows_agree_with_the_design_summary():
    e = _read("evidence.csv")
    s = _read("montecarlo_summary.csv").set_index(["equation", "estimator", "n_firms", "n_years"])
    assert {"hypothesis", "paper_estimate", "book_estimate", "design_power", "design_coverage",
            "draw_percentile", "verdict"} <= set(e.columns)
    assert list(e["hypothesis"]) == ["H1", "H2", "H3"]
    assert e["draw_percentile"].dropna().between(0, 100).all()
    for _, row in e.iterrows():
        eq, name = ev.GRADING[row["hypothesis"]]
        ref = s.loc[(eq, name, 12, 6)]
        assert row["design_coverage"] == pytest.approx(ref["coverage"])
        if row["hypothesis"] != "H3":                 # H3's power is the share detecting both arrows
            assert row["design_power"] == pytest.approx(ref["power"])
        assert row["verdict"].startswith(ev.design_verdict(row["design_power"], row["design_coverage"]))
