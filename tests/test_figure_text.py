"""Figure text is legible at the width the book shows figures (issue 15, defect 13)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from esgrisk import montecarlo as mc
from esgrisk.descriptive import plot_correlation_heatmap
from esgrisk.figures import BOOK_FIGURE_WIDTH, MIN_TEXT_PX, book_figure, rendered_text_px

RNG = np.random.default_rng(0)


def _estimates():
    return mc.plot_estimates({n: SimpleNamespace(params=RNG.normal(-0.5, 1, (200, 1)))
                              for n in ("firm_fe", "fe_iv", "pooled_2sls")}, -0.5)


def _grid():
    rows = [dict(estimator=e, n_years=t, n_firms=g, median_bias=RNG.normal(), mae=abs(RNG.normal()) + 0.1,
                 coverage=RNG.uniform(0.5, 1)) for e in ("firm_fe", "fe_iv", "twoway_fe_iv", "pooled_2sls", "iv_loo")
            for t in (6, 12) for g in (12, 50, 200)]
    return mc.plot_design_grid(pd.DataFrame(rows))


def _thresholds():
    return mc.plot_thresholds({(12, 6): RNG.integers(0, 6, 100).astype(float),
                               (50, 6): RNG.integers(0, 6, 100).astype(float)}, 3, candidates=range(6))


def _first_stage():
    draws = {f"{n}:{k}": RNG.lognormal(1, 1, 200) for n in ("iv_loo", "iv_inclusive")
             for k in ("f_cluster", "f_classical")}
    return mc.plot_first_stage_f(draws, paper_f=25.0, panel_f=3.0)


def _power():
    rows = [dict(equation=eq, estimator=e, test=t, effect=b, rejection_rate=RNG.uniform(), mc_se=0.01)
            for eq in ("risk_to_esg", "esg_to_risk") for e in ("fe_iv", "iv_loo")
            for t in ("clustered t", "wild bootstrap") for b in (-1, 0, 1)]
    return mc.plot_power_curves(pd.DataFrame(rows), {"risk_to_esg": -0.5, "esg_to_risk": -0.1})


def _heatmap():
    cols = ["esg", "risk_events", "size", "roa", "leverage", "growth"]
    return plot_correlation_heatmap(pd.DataFrame(RNG.normal(size=(30, 6)), columns=cols).corr(), "title")


@pytest.mark.parametrize("make", [_estimates, _grid, _thresholds, _first_stage, _power, _heatmap])
def test_figure_text_is_at_least_nine_css_px_in_the_book(make):
    fig = make()
    assert fig.get_figwidth() <= BOOK_FIGURE_WIDTH
    assert rendered_text_px(fig) >= MIN_TEXT_PX


def test_rendered_text_px_fails_for_small_text_in_a_wide_figure():
    fig = book_figure()
    fig.set_figwidth(12)
    ax = fig.subplots()
    ax.set_title("tiny", fontsize=6)
    assert rendered_text_px(fig) < MIN_TEXT_PX
