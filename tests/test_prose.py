"""Generated sentences say each computed fact once (issue 15, defect 14)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from esgrisk import evidence as ev
from esgrisk.prose import and_join, group_by


def test_and_join():
    assert and_join([]) == ""
    assert and_join(["a"]) == "a"
    assert and_join(["a", "b"]) == "a and b"
    assert and_join(["a", "b", "c"]) == "a, b and c"


def test_group_by_keeps_order_of_first_appearance():
    assert group_by({"H1": "x", "H2": "y", "H3": "x"}) == [(["H1", "H3"], "x"), (["H2"], "y")]


def test_first_stage_sentence_says_a_shared_fact_once():
    both_weak = ev.first_stage_sentence({"leave-one-out mean": (2.1, 0.2), "inclusive mean": (5.0, 3.0)}, 10)
    assert both_weak.count("below") == 1 and both_weak.count("threshold of 10") == 1
    assert "leave-one-out mean and the inclusive mean" in both_weak
    mixed = ev.first_stage_sentence({"leave-one-out mean": (2.1, 0.2), "inclusive mean": (50.0, 30.0)}, 10)
    assert "below it" in mixed and "above it" in mixed
    split = ev.first_stage_sentence({"leave-one-out mean": (12.0, 3.0)}, 10)
    assert "different sides" in split and "cluster-robust one decides" in split


def test_design_summary_groups_hypotheses_with_the_same_verdict():
    under = ev.design_verdict(1.0, 0.83)
    text = ev.design_summary({"H1": under, "H2": ev.design_verdict(0.82, 0.95), "H3": under})
    assert text.startswith("For H1 and H3, the design's intervals under-cover")
    assert text.count("under-cover") == 1 and "for H2, the design can detect the effect" in text


def _ar(intervals, bounded):
    return SimpleNamespace(intervals=intervals, bounded=bounded, empty=not intervals)


def test_ar_sentence_merges_sets_of_the_same_shape():
    line = _ar([(-np.inf, np.inf)], False)
    bounded = _ar([(-1.0, -0.5)], True)
    text = ev.ar_sentence({"A": line, "B": line, "C": bounded})
    assert text.startswith("The sets for A and B are the whole real line")
    assert text.count("whole real line") == 1 and text.endswith("The set for C is bounded.")
    assert ev.ar_sentence({"A": bounded, "B": bounded, "C": bounded}) == "All three sets are bounded."
    rays = ev.ar_sentence({"A": _ar([(-np.inf, -1.14), (-0.99, np.inf)], False)})
    assert rays.startswith("The set for A is unbounded: it excludes only the interval (-1.14, -0.99)")
