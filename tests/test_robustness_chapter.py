"""The robustness chapter runs on a panel other than the default: more firms, unbalanced, fewer draws."""

from __future__ import annotations

import pandas as pd
import pytest
from test_chapters import _papermill

from esgrisk import robustness as rb
from esgrisk.simulate import simulate_panel

pytestmark = pytest.mark.slow


def test_robustness_chapter_on_an_unbalanced_panel(tmp_path):
    panel = simulate_panel(n_firms=20, years=range(2015, 2024), seed=11)
    panel = panel.drop(index=panel.sample(frac=0.08, random_state=1).index)
    path = tmp_path / "unbalanced.csv"
    panel.to_csv(path, index=False)
    run = _papermill("12_robustness", tmp_path, panel_path=path, results_dir=tmp_path / "r", max_draws=49)
    assert run.returncode == 0, run.stderr[-3000:]
    table = pd.read_csv(tmp_path / "r" / "robustness.csv")
    assert list(table.columns) == rb.CSV_COLUMNS
    ri = table[table["method"] == "randomization_inference"]
    assert (ri["draws"] == 49).all() and ri["note"].str.contains("within each year").all()
    wb = table[table["method"] == "wild_cluster_bootstrap"]
    assert (wb["draws"] == 49).all()  # 2^20 sign vectors: random weights, capped by max_draws
    out = (tmp_path / "12_robustness_out.ipynb").read_text(encoding="utf-8")
    assert "unbalanced.csv" in out, "the chapter does not say which panel it used"
