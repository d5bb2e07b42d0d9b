"""Verdict rules of the conclusions chapter."""

from __future__ import annotations

import math

import pytest

from esgrisk import evidence as ev


@pytest.mark.parametrize(("coef", "p", "f", "expected"), [
    (-0.9, 0.01, 25.0, "negative, significant"),
    (0.9, 0.01, 25.0, "positive, significant (against the hypothesis)"),
    (-0.9, 0.20, 25.0, "not significant"),
    (-0.9, 0.001, 3.0, "not established: weak instrument"),      # a weak instrument trumps a small p
    (-0.9, 0.001, math.nan, "not established: weak instrument"),
    (-0.9, 0.05, 25.0, "not significant"),                       # p must be below alpha, not equal
    (-0.9, 0.01, 10.0, "negative, significant"),                 # F equal to the threshold is not weak
])
def test_arrow_verdict(coef, p, f, expected):
    assert ev.arrow_verdict(coef, p, f) == expected


def test_loop_verdict_needs_both_arrows_and_names_the_weak_instrument():
    yes, no = "negative, significant", "not significant"
    assert ev.loop_verdict(yes, yes, 30.0) == "both arrows detected"
    assert ev.loop_verdict(yes, "not established: weak instrument", 2.0).endswith("same weak instrument")
    assert ev.loop_verdict(yes, no, 30.0) == "not established: at least one arrow not detected"
    assert ev.loop_verdict(no, yes, 30.0) == "not established: at least one arrow not detected"


def test_loop_stability_sentence_reports_the_share():
    assert ev.loop_stability_sentence(0.30).startswith("In 30 % of parametric draws")
    assert ev.loop_stability_sentence(0.01).startswith("The feedback loop is stable in 99 %")


def test_design_verdict_needs_coverage_then_power():
    assert ev.design_verdict(0.95, 0.80).startswith("the design's intervals under-cover")
    assert ev.design_verdict(0.50, 0.95).startswith("the design is underpowered")
    assert ev.design_verdict(0.85, 0.94) == "the design can detect the effect"
    assert ev.design_verdict(math.nan, 0.95).startswith("the design is underpowered")


def test_evidence_table_places_the_draw_in_the_design():
    import numpy as np

    from esgrisk import montecarlo as mc

    design, draws = mc.design_study(200, seed=1)
    value = float(np.percentile(draws["iv_loo:f_cluster"], 25))
    table = ev.evidence_table(design, draws, paper={"H1": -0.92, "H2": -0.78, "H3": -0.72},
                              book={"H1": -0.9, "H2": -0.7, "H3": -0.7},
                              draw_values={"H1": 50.0, "H2": value, "H3": -0.7},
                              draw_verdicts={"H1": "a", "H2": "b", "H3": "c"})
    assert list(table.columns) == list(ev.EVIDENCE_COLUMNS)
    row = table.set_index("hypothesis").loc["H2"]
    assert row["draw_percentile"] == pytest.approx(25, abs=0.6)
    s = design.set_index(["equation", "estimator"]).loc[("esg_to_risk", "iv_loo")]
    assert row["design_power"] == s["power"] and row["design_coverage"] == s["coverage"]
    assert table.set_index("hypothesis").loc["H3", "design_power"] == pytest.approx(
        np.mean(draws["system_3sls:both_detected"]))
    other = ev.evidence_table(design, draws, {"H1": 0, "H2": 0, "H3": 0}, {"H1": 0, "H2": 0, "H3": 0},
                              {"H1": 1.0, "H2": 1.0, "H3": 1.0}, {"H1": "", "H2": "", "H3": ""},
                              design_matches_panel=False)
    assert other["draw_percentile"].isna().all()
