"""Figure text is legible and whole at the width the book shows figures (issue 15, defect 13).

Every figure of the book goes through :func:`esgrisk.figures.save_figure`, which
refuses text below ``MIN_TEXT_PX`` CSS px at the book's column width and text
that leaves the canvas or its clip box (:func:`esgrisk.figures.check_figure_text`);
so each chapter build checks its figures on whatever panel it is given. These
tests build every plotting function on small synthetic data (four firms, the
default twelve, and a many-firm panel), test the measurement itself, and check
that every figure a chapter glues is also saved (and so checked).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from esgrisk import audit_figures, report, timeline
from esgrisk import descriptive as ds
from esgrisk import montecarlo as mc
from esgrisk.diagram import causal_diagram
from esgrisk.figures import (
    BOOK_COLUMN_PX,
    BOOK_FIGURE_WIDTH,
    BOOK_IMAGE_DPI,
    MIN_TEXT_PX,
    FigureTextError,
    book_figure,
    check_figure_text,
    drawn_texts,
    rendered_text_px,
    save_figure,
)
from esgrisk.incidents import load_incidents
from esgrisk.paths import ROOT
from esgrisk.simulate import simulate_panel
from esgrisk.weakiv import ARSet

RNG = np.random.default_rng(0)
PANEL_FIRMS = (4, 12, 300)


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
    cols = ["esg", "risk_events", "log_assets", "revenue_growth", "cr4", "reg_strength"]
    return ds.plot_correlation_heatmap(pd.DataFrame(RNG.normal(size=(30, 6)), columns=cols).corr(), "title")


def _ar_curves():
    grid = np.linspace(-3, 3, 201)
    bounded = ARSet([(-0.9, -0.1)], 0.95, 4.8, 20.0, True, (1, 11), grid, 30 * (grid + 0.5) ** 2)
    unbounded = ARSet([(-np.inf, np.inf)], 0.95, 4.8, 1.0, False, (1, 11), grid, np.full_like(grid, 1.0))
    return report.plot_ar_curves({"ESG -> risk, leave-one-out": bounded, "ESG -> risk, inclusive": unbounded,
                                  "risk -> ESG": bounded}, truths={"risk -> ESG": -0.5},
                                 estimates={"risk -> ESG": -0.4})


def _coefficients():
    variables = ["risk_events", "log_assets", "revenue_growth", "cr4", "reg_strength"]
    labels = {"pooled_ols": "pooled OLS", "fe_entity": "firm FE", "fe_entity_dk": "firm FE, Driscoll-Kraay SE",
              "fe_twoway": "firm + year FE", "fe_iv_risk": "firm FE-IV", "fe_iv_twoway": "firm + year FE-IV"}

    def fit(absorbed=()):
        params = pd.Series(RNG.normal(size=len(variables)), index=variables).drop(list(absorbed))
        return SimpleNamespace(params=params, conf_int=lambda level: pd.DataFrame(
            {"lower": params - 0.3, "upper": params + 0.3}))
    fits = {m: fit(("cr4",) if "twoway" in m else ()) for m in labels}
    return report.plot_coefficients(fits, labels, variables, -0.92)


def _causal():
    return causal_diagram()


def _timeline():
    return timeline.incident_timeline(load_incidents(ROOT / "data" / "events" / "incidents.csv"))


def _public():
    firms = ["Alibaba", "Amazon", "JD", "PDD", "eBay"]
    growth = pd.DataFrame([(f, y, RNG.uniform(-0.05, 1.5 if f == "PDD" else 0.4)) for f in firms
                           for y in range(2018, 2024)], columns=["firm", "year", "growth"])
    logs = pd.DataFrame([(f, y, cur, RNG.uniform(22, 28), "lower" if f == "Alibaba" else "value") for f in firms
                         for cur in ("RMB", "USD") for y in range(2017, 2024)],
                        columns=["firm", "fiscal_year", "currency", "log_assets", "bound"])
    return audit_figures.plot_public_data(growth, logs, (-0.05, 0.18, 0.32), (18.7, 23.1, 27.3))


def _lofo(n_firms=12):
    models = ["fe_entity", "fe_twoway", "fe_iv_risk", "fe_iv_twoway"]
    lofo = pd.DataFrame([(m, f"F{k:03d}", -0.9 + RNG.normal(0, 0.02)) for m in models for k in range(n_firms)],
                        columns=["model", "firm", "estimate"])
    lofo["change"] = lofo["estimate"] + 0.9
    full = pd.DataFrame({"model": models, "estimate": -0.9, "ci_low": -0.95, "ci_high": -0.85})
    return audit_figures.plot_leave_one_out(lofo, full)


def _curve():
    controls = ["log_assets", "revenue_growth", "cr4", "reg_strength", "region_incidents"]
    sets = ["+".join(controls), "none"] + ["+".join(c for c in controls if c != d) for d in controls]
    rows = [dict(effects=e, estimator=est, instrument=inst, controls=c, cluster=cl,
                 estimate=RNG.normal(-1, 0.3 if inst else 0.1), ci_low=np.nan, ci_high=np.nan)
            for e in ("none", "firm", "firm+year") for est, inst in (("OLS", ""), ("2SLS", "industry_esg_loo"))
            for c in sets for cl in ("firm", "robust")]
    curve = pd.DataFrame(rows)
    curve["estimate"] = curve["estimate"].where(curve.index % 5 != 0, 40.0)  # some far outside the axis
    curve["ci_low"], curve["ci_high"] = curve["estimate"] - 0.5, curve["estimate"] + 0.5
    return audit_figures.plot_specification_curve(curve, "ESG -> risk: coefficient of ESG")


FIXED = [_estimates, _grid, _thresholds, _first_stage, _power, _heatmap, _ar_curves, _coefficients, _causal,
         _timeline, _public, _lofo, _curve]


@pytest.mark.parametrize("make", FIXED, ids=lambda f: f.__name__.strip("_"))
def test_every_figure_has_legible_whole_text_in_the_book(make):
    fig = make()
    assert fig.get_figwidth() <= BOOK_FIGURE_WIDTH
    texts = check_figure_text(fig, f"fig-{make.__name__.strip('_')}")  # raises when small or clipped
    assert texts and min(t.px for t in texts) >= MIN_TEXT_PX


@pytest.fixture(scope="module", params=PANEL_FIRMS, ids=lambda n: f"{n}_firms")
def panel(request):
    return simulate_panel(n_firms=request.param, seed=3)


@pytest.mark.parametrize("plot", [
    lambda p: ds.plot_small_multiples(p, max_firms=12, seed=1),
    lambda p: ds.plot_scatter_within(p, max_firms=12, seed=1),
    ds.plot_between_within,
    lambda p: ds.plot_correlation_heatmap(ds.correlation_matrix(p), "Within firms (firm means removed)"),
    lambda p: _lofo(p["firm"].nunique()),
], ids=["small_multiples", "scatter_within", "between_within", "heatmap", "leave_one_out"])
def test_panel_figures_stay_legible_with_few_and_many_firms(panel, plot):
    check_figure_text(plot(panel), "fig-panel")


def test_per_firm_figures_sample_a_many_firm_panel_and_the_caption_says_so():
    panel = simulate_panel(n_firms=300, seed=3)
    fig = ds.plot_small_multiples(panel, max_firms=12, seed=1)
    assert sum(ax.get_visible() and bool(ax.get_title()) for ax in fig.axes) == 12
    note = ds.firms_shown_note(panel, ds.firm_order(panel, 12, seed=1), seed=1)
    assert note.startswith("12 of the panel's 300 firms")


def test_the_size_is_what_the_reader_sees_at_the_column_width():
    wide = book_figure(BOOK_FIGURE_WIDTH, 2)
    wide.text(0.5, 0.5, "ten points", fontsize=10, ha="center")
    assert rendered_text_px(wide) == pytest.approx(10 * BOOK_COLUMN_PX / ((BOOK_FIGURE_WIDTH + 0.2) * 72))
    narrow = Figure(figsize=(3, 2))  # 320 px at BOOK_IMAGE_DPI: shown at its natural size, not enlarged
    narrow.text(0.5, 0.5, "ten points", fontsize=10, ha="center")
    assert rendered_text_px(narrow) == pytest.approx(10 * BOOK_IMAGE_DPI / 72)


@pytest.mark.parametrize("kind", ["tick label", "legend", "annotation", "colorbar label", "text in axes", "title"])
def test_every_kind_of_text_is_measured(kind):
    fig = book_figure(5, 3)
    ax = fig.subplots()
    image = ax.imshow(np.eye(3))
    bar = fig.colorbar(image, ax=ax, label="colour bar")
    small = {"fontsize": 5}
    if kind == "tick label":
        ax.tick_params(labelsize=5)
    elif kind == "legend":
        ax.plot([0, 1], [0, 1], label="a line")
        ax.legend(**small)
    elif kind == "annotation":
        ax.annotate("note", (1, 1), xytext=(0.5, 0.5), **small)
    elif kind == "colorbar label":
        bar.set_label("colour bar", **small)
    elif kind == "text in axes":
        ax.text(1, 1, "in the axes", **small)
    else:
        ax.set_title("a title", **small)
    assert rendered_text_px(fig) < MIN_TEXT_PX
    with pytest.raises(FigureTextError, match=r"fig-kind: .* px"):
        check_figure_text(fig, "fig-kind")


def test_multi_line_text_is_measured_and_checked_for_clipping():
    fig = book_figure(5, 3)
    ax = fig.subplots()
    ax.set_title("a title\non two lines", fontsize=5)
    ax.text(1.3, 0.5, "a label on two lines\nright of the canvas", transform=ax.transAxes)
    texts = {t.text: t for t in drawn_texts(fig)}
    assert texts["a title\non two lines"].px < MIN_TEXT_PX
    assert texts["a label on two lines\nright of the canvas"].clipped == "leaves the figure"


def test_text_on_top_of_other_text_is_refused_but_slanted_tick_labels_are_not():
    fig = book_figure(5, 3)
    ax = fig.subplots()
    ax.text(0.5, 0.5, "first label", transform=ax.transAxes)
    ax.text(0.52, 0.5, "second label", transform=ax.transAxes)
    with pytest.raises(FigureTextError, match="'first label' in axes 1 \\(untitled\\) overlaps 'second label'"):
        check_figure_text(fig, "fig-overlap")
    check_figure_text(_heatmap(), "fig-heatmap")  # its slanted tick labels' boxes overlap, the letters do not


def test_invisible_and_empty_text_is_not_measured():
    fig = book_figure(5, 3)
    ax, hidden = fig.subplots(1, 2)
    hidden.set_visible(False)
    hidden.set_title("hidden axes", fontsize=4)
    ax.text(0.5, 0.5, "invisible", fontsize=4, visible=False)
    ax.text(0.5, 0.5, "   ", fontsize=4)
    ax.text(0.5, 0.5, "", fontsize=4)
    ax.text(0.5, 0.5, "transparent", fontsize=4, alpha=0)
    ax.tick_params(labelleft=False)
    ax.set_yticks([0.5], ["off"], fontsize=4)
    ax.set_xticks([0.5, 5.0], ["in", "out of view"])
    ax.set_xlim(0, 1)  # a tick outside the view is not drawn
    ax.get_xticklabels()[1].set_fontsize(4)
    assert [t.text for t in drawn_texts(fig)] == ["in"]
    check_figure_text(fig, "fig-invisible")


def test_a_label_that_leaves_the_figure_is_reported_as_clipped():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    fig.subplots_adjust(right=0.98)
    bar = fig.colorbar(ax.imshow(np.eye(3)), ax=ax)
    bar.set_label("a colour-bar label pushed off the canvas")
    bar.ax.yaxis.set_label_coords(6.0, 0.5)
    with pytest.raises(FigureTextError, match=r"fig-clipped: .*colour-bar label.* leaves the figure"):
        check_figure_text(fig, "fig-clipped")


def test_text_cut_by_its_clip_box_is_reported():
    fig = book_figure(5, 3)
    ax = fig.subplots()
    ax.text(0.9, 0.5, "a label cut at the axes edge", transform=ax.transAxes, clip_on=True)
    with pytest.raises(FigureTextError, match="cut by its clip box"):
        check_figure_text(fig, "fig-cut")


def test_save_figure_refuses_small_or_clipped_text_and_writes_nothing(tmp_path):
    fig = Figure(figsize=(12, 3))  # a wide figure is scaled down to the column: 8 pt becomes about 5.6 px
    fig.subplots().set_title("a title", fontsize=8)
    with pytest.raises(FigureTextError, match=r"figure fig-small: .*'a title' in axes 'a title' is \d\.\d px"):
        save_figure(fig, tmp_path, "fig-small")
    assert not (tmp_path / "figures").exists()
    legible = book_figure(5, 3)
    legible.subplots().set_title("a title")
    assert save_figure(legible, tmp_path, "fig-legible").is_file()


def test_every_figure_a_chapter_glues_is_saved_and_so_checked():
    """Each ``{glue:figure}`` of a chapter comes from a figure that save_figure writes (and so checks).

    Either ``glue("key", image(var))`` with ``save_figure(var, ...)``, or
    ``glue_figure("key", var, save_dir, name, ...)``, which saves through save_figure.
    """
    directives = 0
    for source in sorted((ROOT / "notebooks").glob("[0-9]*.py")):
        text = source.read_text(encoding="utf-8")
        for key in re.findall(r"^# ```\{glue:figure\} (\w+)", text, flags=re.MULTILINE):
            directives += 1
            helper = re.search(rf"""glue_figure\(\s*"{key}",\s*(\w+),\s*(?!None\b)[\w.]+,\s*"fig-""", text)
            glued = re.search(rf"""glue\("{key}",\s*(?:[\w.]+\()?(\w+)\)?""", text)
            saved = glued and re.search(rf"save_figure\({glued[1]},", text)
            assert helper or saved, (f"{source.name}: figure {key} is glued but not saved with save_figure, "
                                     "which checks its text")
    assert directives >= 17
