"""Figures saved as files of the replication package (esgrisk.figures)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from esgrisk import descriptive as ds
from esgrisk.diagram import causal_diagram
from esgrisk.figures import FIGURE_DPI, save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _figure() -> Figure:
    fig = Figure(figsize=(3, 2), layout="constrained")  # legible, nothing clipped: save_figure checks
    ax = fig.subplots()
    ax.plot([0, 1, 2], [1, 0, 2], label="line")
    ax.set_title("a title")
    ax.legend()
    return fig


def test_save_figure_writes_a_png_under_figures(tmp_path):
    path = save_figure(_figure(), tmp_path, "fig-test")
    assert path == tmp_path / "figures" / "fig-test.png"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert b"Software" not in data and b"matplotlib" not in data.lower()


def test_two_saves_of_the_same_figure_are_byte_identical(tmp_path):
    fig = _figure()
    first = save_figure(fig, tmp_path / "a", "fig-same").read_bytes()
    second = save_figure(fig, tmp_path / "b", "fig-same").read_bytes()
    rebuilt = save_figure(_figure(), tmp_path / "c", "fig-same").read_bytes()
    assert first == second == rebuilt


@pytest.mark.parametrize("make", ["diagram", "descriptive", "pyplot"])
def test_the_book_figure_kinds_save_deterministically(tmp_path, make):
    if make == "diagram":
        build = lambda: causal_diagram({})  # noqa: E731
    elif make == "descriptive":
        corr = pd.DataFrame([[1.0, -0.5], [-0.5, 1.0]], index=["esg", "risk_events"],
                            columns=["esg", "risk_events"])
        build = lambda: ds.plot_correlation_heatmap(corr, title="t")  # noqa: E731
    else:
        def build():
            fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
            ax.scatter([1, 2, 3], [3, 1, 2])
            plt.close(fig)  # the chapters close pyplot figures; saving must still work
            return fig
    first = save_figure(build(), tmp_path / "a", f"fig-{make}").read_bytes()
    second = save_figure(build(), tmp_path / "b", f"fig-{make}").read_bytes()
    assert first.startswith(PNG_SIGNATURE) and first == second


def test_save_figure_uses_a_fixed_resolution(tmp_path):
    import struct

    fig = Figure(figsize=(2, 1))
    fig.patch.set_facecolor("red")  # a tight box of an empty figure is the whole canvas
    data = save_figure(fig, tmp_path, "fig-size").read_bytes()
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    pad = 2 * 0.1  # the tight box keeps matplotlib's default padding of 0.1 inch on each side
    assert (width, height) == (round((2 + pad) * FIGURE_DPI), round((1 + pad) * FIGURE_DPI))


@pytest.mark.parametrize("name", ["x", "tbl-x", "fig-", "fig x", "figure-x"])
def test_save_figure_refuses_names_that_are_not_fig_labels(tmp_path, name):
    with pytest.raises(ValueError, match="fig-"):
        save_figure(_figure(), tmp_path, name)
    assert not (tmp_path / "figures").exists()


def test_firm_names_the_font_cannot_draw_are_numbered_and_listed():
    from esgrisk.figures import can_draw, label_firms

    assert can_draw("Amazon") and can_draw("Zalando é")
    rare = "\U0002A6A5"  # a CJK Extension B ideograph: in no font of the book or of Debian's base
    if can_draw(rare):
        pytest.skip("this machine has a font with CJK Extension B; the fallback is not needed")
    labels, note = label_firms(["Amazon", rare])
    assert labels == {"Amazon": "Amazon", rare: "firm 2"}
    assert note == f"Names the plotting font cannot draw are numbered: firm 2 = {rare}."
    assert label_firms(["Amazon", "eBay"])[1] == ""


def test_chinese_firm_names_are_drawn_with_the_shipped_font():
    """Real Chinese names in figures: the book's CJK font draws them on any machine."""
    from esgrisk.figures import BOOK_CJK_FONT, can_draw, label_firms

    assert BOOK_CJK_FONT.is_file()
    assert can_draw("京东") and can_draw("阿里巴巴") and can_draw("拼多多")
    assert label_firms(["Amazon", "京东"]) == ({"Amazon": "Amazon", "京东": "京东"}, "")


def test_small_multiples_with_chinese_firm_names_draw_without_warnings():
    import warnings

    import pandas as pd

    from esgrisk.descriptive import figure_image, plot_small_multiples
    from esgrisk.simulate import simulate_panel

    panel = simulate_panel(n_firms=3, seed=1)
    panel["firm"] = panel["firm"].map(dict(zip(sorted(panel["firm"].unique()), ["阿里巴巴", "京东", "Amazon"])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a missing glyph is a UserWarning: it would fail the chapter
        fig = plot_small_multiples(pd.DataFrame(panel))
        figure_image(fig)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert "Amazon" in titles
    assert "京东" in titles and "阿里巴巴" in titles  # real names, not "firm 2"
