"""Pre-flight design checks: each property of the data that breaks an estimator is named before any fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from esgrisk import paths
from esgrisk.preflight import DesignError, check_design, linear_relations, require_design


@pytest.fixture(scope="module")
def panel():
    from esgrisk.panel import load_panel

    return load_panel(paths.SIMULATED_PANEL)


def _rules(report):
    return {f.rule for f in report.errors}


def test_default_panel_passes_with_notes(panel):
    report = require_design(panel)
    assert not report.errors
    notes = " ".join(str(n) for n in report.notes)
    assert "12 firms" in notes and "t(11)" in notes  # few clusters, said so
    assert "year effects absorb 'cr4'" in notes  # CR4 is an industry-year series


def test_two_firms(panel):
    two = panel[panel["firm"].isin(sorted(panel["firm"].unique())[:2])].reset_index(drop=True)
    rules = _rules(check_design(two))
    assert {"too few firms for clustered inference", "no residual degrees of freedom"} <= rules


def test_constant_column(panel):
    with pytest.raises(DesignError, match="constant column: 'cr4' takes the single value 0.6"):
        require_design(panel.assign(cr4=0.6), source="x.csv")


def test_collinearity_is_named_as_a_formula(panel):
    with pytest.raises(DesignError, match=r"cr4 = 0\.1 x reg_strength"):
        require_design(panel.assign(cr4=panel["reg_strength"] / 10))


def test_collinearity_with_a_constant_and_three_columns(panel):
    bad = panel.assign(log_assets=2 * panel["cr4"] + 0.5 * panel["revenue_growth"] + 3)
    msgs = [f.message for f in check_design(bad).errors]
    assert any("cr4 = 0.5 x log_assets - 0.25 x revenue_growth - 1.5" in m for m in msgs), msgs


def test_instrument_without_variation_after_firm_effects(panel):
    bad = panel.assign(region_incidents=panel.groupby("firm")["region_incidents"].transform("mean"))
    with pytest.raises(DesignError, match="firm effects absorb 'region_incidents'"):
        require_design(bad)


def test_linear_relations_agree_with_numpy_rank():
    """Brute force: a relation is reported exactly when the design loses rank."""
    rng = np.random.default_rng(3)
    for trial in range(30):
        frame = pd.DataFrame(rng.normal(size=(40, 4)), columns=list("abcd"))
        if trial % 2:
            w = rng.integers(-3, 4, size=3)
            frame["d"] = w[0] * frame["a"] + w[1] * frame["b"] + w[2] * frame["c"] + 1.5
        X = np.column_stack([np.ones(40), frame.to_numpy()])
        deficient = np.linalg.matrix_rank(X) < X.shape[1]
        assert bool(linear_relations(frame, list("abcd"), constant=True)) == deficient
