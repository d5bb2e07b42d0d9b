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
