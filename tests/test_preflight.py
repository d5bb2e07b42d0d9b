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


# ---------------------------------------------------------------- the chapters' parameter contract

def _chapter_sources():
    from esgrisk import pipeline

    return {n: pipeline.source_of(n).read_text(encoding="utf-8") for n in pipeline.chapters_from_toc()}


def test_every_panel_chapter_declares_the_panel_parameters_and_types_no_seed():
    """BOARD decision 3: panel_path, panel_encoding, panel_columns, results_dir, seed in every panel chapter;
    the seed's default typed once (esgrisk.simulate.DEFAULT_SEED), not in any parameters cell."""
    from esgrisk import pipeline
    from esgrisk.simulate import DEFAULT_SEED

    panel_chapters = 0
    for name, text in _chapter_sources().items():
        declared = pipeline.declared_parameters(text)
        if "panel_path" in declared:
            panel_chapters += 1
            assert {"panel_encoding", "panel_columns", "panel_accept", "results_dir", "seed"} <= declared, name
            assert "encoding=panel_encoding, columns=panel_columns, accept=panel_accept" in text, name
        if "seed" in declared:
            assert "seed = None" in text and "seed = seed_or_default(seed)" in text, name
        assert str(DEFAULT_SEED) not in text, f"{name} types the default seed"
    assert panel_chapters >= 7


def test_make_passes_the_panel_options_to_every_chapter():
    import subprocess

    dry = subprocess.run(["make", "-n", "notebooks", "PANEL=x.xlsx", "PANEL_COLUMNS=m.yml",
                          "PANEL_ENCODING=gb18030", "PANEL_ACCEPT=esg_unit_scale"],
                         cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    run = next(line for line in dry.stdout.splitlines() if "esgrisk.pipeline build" in line)
    for param in ('-p panel_path "x.xlsx"', '-p panel_encoding "gb18030"', '-p panel_columns "m.yml"',
                  '-p panel_accept "esg_unit_scale"'):
        assert param in run, run


def test_the_build_check_applies_the_column_map_and_the_waivers(tmp_path, panel):
    """pipeline.check_panel (run once per build) passes panel_columns and panel_accept to the loader."""
    from esgrisk import pipeline

    unit = tmp_path / "unit.csv"
    panel.assign(esg=panel["esg"] / 100).rename(columns={"cr4": "CR4"}).to_csv(unit, index=False)
    mapping = tmp_path / "map.yml"
    mapping.write_text("CR4: cr4\n", encoding="utf-8")
    with pytest.raises(pipeline.ChapterFailed, match="esg_unit_scale"):
        pipeline.check_panel({"panel_path": str(unit), "panel_columns": str(mapping)})
    checked = pipeline.check_panel({"panel_path": str(unit), "panel_columns": str(mapping),
                                    "panel_accept": "esg_unit_scale"})
    assert checked.n_firms == 12


def test_the_build_runs_the_design_checks_once_before_any_chapter(tmp_path, panel):
    """A panel no model can be fitted on is rejected by pipeline.check_panel, in one message naming the rule."""
    from esgrisk import pipeline

    few = tmp_path / "few.csv"
    panel[panel["firm"].isin(sorted(panel["firm"].unique())[:3])].to_csv(few, index=False)
    with pytest.raises(pipeline.ChapterFailed) as rejected:
        pipeline.check_panel({"panel_path": str(few)})
    message = str(rejected.value)
    assert "no chapter was executed" in message and "few.csv" in message
    assert "3 firms" in message and message.count("cannot be fitted") == 1
