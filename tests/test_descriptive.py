"""Tests of esgrisk.descriptive: Table 1 comparison, xtsum decomposition, figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from esgrisk import descriptive as ds


@pytest.fixture
def tiny() -> pd.DataFrame:
    """2 firms x 2 years, small enough to compute xtsum by hand."""
    return pd.DataFrame({"firm": ["A", "A", "B", "B"], "year": [2018, 2019, 2018, 2019],
                         "x": [1.0, 3.0, 5.0, 7.0]})


def test_xtsum_hand_computed(tiny):
    # overall: mean 4, deviations -3,-1,1,3 -> SS 20, sd sqrt(20/3)
    # between: firm means 2 and 6 -> sd sqrt(8)
    # within: x - firm mean + 4 = 3,5,3,5 -> sd sqrt(4/3), min 3, max 5
    # within share: within SS 4 of total SS 20
    row = ds.xtsum(tiny, ["x"]).loc["x"]
    assert row["mean"] == pytest.approx(4.0)
    assert row["sd_overall"] == pytest.approx(np.sqrt(20 / 3))
    assert (row["min_overall"], row["max_overall"]) == (1.0, 7.0)
    assert row["sd_between"] == pytest.approx(np.sqrt(8.0))
    assert (row["min_between"], row["max_between"]) == (2.0, 6.0)
    assert row["sd_within"] == pytest.approx(np.sqrt(4 / 3))
    assert (row["min_within"], row["max_within"]) == (3.0, 5.0)
    assert row["within_share"] == pytest.approx(0.2)
    assert (row["N"], row["n"], row["T_bar"]) == (4, 2, 2.0)


def test_variance_decomposition_identity_unbalanced():
    rng = np.random.default_rng(3)
    firms = np.repeat(np.arange(7), rng.integers(2, 6, size=7))
    panel = pd.DataFrame({"firm": firms, "x": rng.normal(size=firms.size) + firms})
    shares = ds.variance_shares(panel, "x")
    total = shares["between_ss"] + shares["within_ss"]
    assert total == pytest.approx(shares["total_ss"], rel=1e-12)
    assert shares["within_share"] + shares["between_share"] == pytest.approx(1.0)
    # a variable constant within firms has no within variance
    panel["z"] = panel["firm"] * 2.0
    assert ds.variance_shares(panel, "z")["within_share"] == pytest.approx(0.0, abs=1e-12)


@pytest.fixture
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n, t = 6, 4
    return pd.DataFrame({
        "firm": np.repeat([f"F{i}" for i in range(n)], t),
        "year": np.tile(range(2018, 2018 + t), n),
        "esg": rng.normal(68, 7, n * t), "risk_events": rng.integers(3, 35, n * t),
        "log_assets": rng.normal(23, 2.5, n * t), "revenue_growth": rng.normal(0.18, 0.06, n * t),
        "cr4": np.tile(rng.uniform(0.4, 0.85, t), n), "reg_strength": rng.uniform(5, 9, n * t),
    })


def test_table1_comparison(panel):
    from esgrisk.published import table1

    paper = table1()
    out = ds.table1_comparison(panel, paper)
    assert list(out.index) == list(ds.TABLE1_VARIABLES)
    assert out.loc["esg", "book_mean"] == pytest.approx(panel["esg"].mean())
    assert out.loc["esg", "book_sd"] == pytest.approx(panel["esg"].std(ddof=1))
    assert out.loc["esg", "paper_mean"] == pytest.approx(68.5)
    for stat in ("mean", "sd", "min", "max"):
        assert np.allclose(out[f"diff_{stat}"], out[f"book_{stat}"] - out[f"paper_{stat}"])
    assert out.loc["risk_events", "mean_diff_in_paper_sd"] == pytest.approx(
        (panel["risk_events"].mean() - 15.2) / 8.3)


def test_table1_comparison_accepts_variable_column(panel):
    paper = pd.DataFrame({"variable": ["esg"], "mean": [68.5], "std": [7.2], "min": [52],
                          "max": [85]})
    out = ds.table1_comparison(panel, paper)
    assert list(out.index) == ["esg"]
    with pytest.raises(ValueError, match="lacks columns"):
        ds.table1_comparison(panel, paper.drop(columns="std"))


def test_correlation_and_within_slope(panel):
    corr = ds.correlation_matrix(panel)
    assert np.allclose(np.diag(corr), 1.0)
    within = ds.correlation_matrix(panel, within=True)
    assert within.shape == corr.shape
    xd = panel["esg"] - panel.groupby("firm")["esg"].transform("mean")
    yd = panel["risk_events"] - panel.groupby("firm")["risk_events"].transform("mean")
    assert ds.within_slope(panel) == pytest.approx(np.polyfit(xd, yd, 1)[0])


def test_figures(panel):
    fig = ds.plot_small_multiples(panel, max_firms=4, ncols=2)
    assert isinstance(fig, Figure)
    assert sum(ax.get_visible() for ax in fig.axes if ax.get_title()) == 4
    fig2 = ds.plot_scatter_within(panel)
    assert isinstance(fig2, Figure) and len(fig2.axes[0].lines) == panel["firm"].nunique() + 1
    fig3 = ds.plot_correlation_heatmap(ds.correlation_matrix(panel))
    assert isinstance(fig3, Figure) and len(fig3.axes[0].texts) == len(ds.TABLE1_VARIABLES) ** 2


def test_per_firm_figures_sample_many_firms_and_say_so():
    from esgrisk.simulate import simulate_panel

    big = simulate_panel(n_firms=300, years=range(2018, 2021), seed=3)
    firms = ds.firm_order(big, 12, seed=5)
    assert len(firms) == 12 and firms == sorted(firms) and firms == ds.firm_order(big, 12, seed=5)
    assert firms != ds.firm_order(big, 12)  # a random sample, not the first names in sort order
    note = ds.firms_shown_note(big, firms, seed=5)
    assert "12 of the panel's 300 firms" in note and "seed 5" in note and "900 firm-years" in note
    small = simulate_panel(n_firms=4, seed=3)
    assert ds.firms_shown_note(small, ds.firm_order(small, 12, seed=5)) == "All 4 firms are shown."
    for fig in (ds.plot_small_multiples(big, max_firms=12, seed=5), ds.plot_scatter_within(big, seed=5),
                ds.plot_between_within(big)):
        assert fig.axes
    assert "colours repeat" in ds.colour_note(big) and ds.colour_note(small) == ""


def test_between_within_figure_plots_every_firm_year_once_per_side():
    from esgrisk.simulate import simulate_panel

    panel = simulate_panel(n_firms=30, seed=4)
    fig = ds.plot_between_within(panel)
    counts = [sum(len(c.get_offsets()) for c in ax.collections) for ax in fig.axes]
    assert counts == [len(panel), len(panel)]
