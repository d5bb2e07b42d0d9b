"""Tables and figures in both editions from one execution (issue 16, BOARD decisions 2, 4 and 7).

``show_table`` displays the English table (unchanged) and its Chinese twin, tagged with
their language; a figure glued with ``glue_figure`` gets a translated copy with the same
data. Numbers are identical in both editions; msgids the code catalogue lacks are named
in the Chinese output's metadata.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from esgrisk import figures, i18n, tables
from esgrisk.diagram import to_image
from esgrisk.i18n import tr
from esgrisk.localize import Localizer, is_identifier, localized_figure

#: The sample table as main's (pre-edition) ``table_markdown`` wrote it: the English edition
#: must stay byte for byte the same (decision 7).
MAIN_MARKDOWN = (":::{table} Estimates and verdicts (SEs clustered by firm).\n:name: tbl-sample\n\n"
                 "| variable | coef | p-value | verdict |\n| --- | --- | --- | --- |\n"
                 "| risk\\_events | -0.920 | 0.0001 | consistent |\n"
                 "| log\\_assets | 0.350 | 0.0081 | inconsistent |\n"
                 "| const | absorbed | 0.5000 | a\\*b \\| c |\n:::")
NUMBER = re.compile(r"-?\d+\.\d+|\d+")


def _sample() -> pd.DataFrame:
    return pd.DataFrame({"variable": ["risk_events", "log_assets", "const"], "coef": [-0.92, 0.35, np.nan],
                         "p-value": [0.0001, 0.0081, 0.5],
                         "verdict": ["consistent", "inconsistent", "a*b | c"]}).set_index("variable")


@pytest.fixture
def shown(monkeypatch):
    """The (data, metadata) of every display call made while the test runs."""
    calls = []

    def display(obj, raw=False, metadata=None, **_):
        data = obj if raw else {"text/markdown": obj.data}
        calls.append((data, metadata or {}))

    monkeypatch.setattr("IPython.display.display", display)
    return calls


def _numbers(markdown: str) -> list[str]:
    body = markdown.split("\n", 2)[2]  # after the caption and the name, which hold no table numbers
    return NUMBER.findall(body)


def test_show_table_displays_one_tagged_output_per_edition_with_the_same_numbers(shown, tmp_path):
    caption = "Estimates and verdicts (SEs clustered by firm)."
    tables.show_table(_sample(), caption, "tbl-sample", digits={"p-value": 4}, na_rep="absorbed",
                      index=True, save_dir=tmp_path)
    (en, en_meta), (zh, zh_meta) = [(d["text/markdown"], m) for d, m in shown]
    assert en_meta == {"esgrisk": {"language": "en"}}
    assert zh_meta["esgrisk"]["language"] == "zh_CN"
    assert en == MAIN_MARKDOWN  # the English edition is unchanged
    assert _numbers(zh) == _numbers(en)
    assert ":name: tbl-sample\n" in zh  # the same label: {numref} works in both editions
    assert "| 变量 |" in zh and "一致" in zh and "不一致" in zh  # header and cells translated
    assert "risk\\_events" in zh and "const" in zh  # identifiers kept
    assert zh_meta["esgrisk"]["untranslated"] == [caption]  # no catalogue entry: reported, shown in English
    assert zh.startswith(f":::{{table}} {caption}\n")
    # the CSV stays English and the same as before
    assert (tmp_path / "tables" / "tbl-sample.csv").read_text().splitlines()[0] == "variable,coef,p-value,verdict"


def test_a_caption_message_renders_with_the_same_values_in_both_editions(shown):
    frame = pd.DataFrame({"estimator": ["Pooled OLS"], "RMSE": [0.973]})
    caption = tr("Dynamic panel: within and Anderson-Hsiao estimates ({n_reps_extensions} replications "
                 "per design).", n_reps_extensions=317)
    tables.show_table(frame, caption, "tbl-mc-dynamic")
    (en, _), (zh, zh_meta) = [(d["text/markdown"], m) for d, m in shown]
    assert en.startswith(":::{table} Dynamic panel: within and Anderson-Hsiao estimates (317 replications")
    first = zh.splitlines()[0]
    assert "317" in first and "Dynamic panel" not in first, first
    assert caption.template not in zh_meta["esgrisk"]["untranslated"]


def test_untranslated_cells_are_reported_and_kept_in_english(shown):
    frame = pd.DataFrame({"note": ["a sentence no catalogue has, surely", "fe_entity", "0.5 (0.1)"]})
    tables.show_plain_table(frame)
    (en, en_meta), (zh, zh_meta) = [(d["text/markdown"], m) for d, m in shown]
    assert en == tables.markdown_table(tables.format_frame(frame))
    assert "a sentence no catalogue has, surely" in zh
    assert zh_meta["esgrisk"]["untranslated"] == ["a sentence no catalogue has, surely"]
    assert "a sentence no catalogue has, surely" in i18n.UNTRANSLATED["zh_CN"]


def test_message_cells_render_per_language_and_stay_english_in_the_csv():
    frame = pd.DataFrame({"n": [3], "verdict": [tr("consistent")]})
    assert tables.table_csv(frame).splitlines()[1] == "3,consistent"
    (en, _), (zh, _) = tables.edition_tables(frame, "x", None)
    assert en.splitlines()[-1] == "| 3 | consistent |" and zh.splitlines()[-1] == "| 3 | 一致 |"


@pytest.mark.parametrize("text, kept", [
    ("-0.920", True), ("2.63e+28", True), ("1.8 (0.3)", True), ("89.0 %", True), ("[-0.72, -0.72]", True),
    ("E01", True), ("fe_entity", True), ("`risk_events`", True), ("data/events/incidents.csv", True),
    ("seed=None, panel_path=p.csv", True), ("cr4", True), ("esg", True), ("行业平均 ESG 评分", True),
    ("{cite:p}`key2021`", True), ("t(4999)", True),
    ("firm", False), ("2SLS", False), ("lower bound", False), ("True", False)])
def test_identifiers_are_kept_and_words_are_msgids(text, kept):
    assert is_identifier(text) is kept


def _figure() -> Figure:
    fig = figures.book_figure()
    ax = fig.subplots()
    ax.bar(["Pooled OLS", "Firm FE"], [0.5, -0.25], color="tab:blue", label="estimate")
    ax.plot([0, 1], [0.1, 0.2], label="a label no catalogue has")
    ax.set_title("Simulated data")
    ax.set_ylabel("estimate")
    ax.legend(title="estimator")
    return fig


def test_the_chinese_figure_has_the_same_data_and_translated_labels():
    fig = _figure()
    copy, localizer = localized_figure(fig, "zh_CN")
    ax, ax_zh = fig.axes[0], copy.axes[0]
    assert [p.get_height() for p in ax_zh.patches] == [p.get_height() for p in ax.patches]
    assert [p.get_x() for p in ax_zh.patches] == [p.get_x() for p in ax.patches]
    assert [list(line.get_xydata().ravel()) for line in ax_zh.lines] == \
        [list(line.get_xydata().ravel()) for line in ax.lines]
    assert ax_zh.get_title() == "模拟数据" and ax.get_title() == "Simulated data"  # the original is untouched
    assert ax_zh.get_ylabel() == i18n.translate("estimate", "zh_CN") != "estimate"
    assert [t.get_text() for t in ax_zh.get_xticklabels()] == [i18n.translate("Pooled OLS", "zh_CN"),
                                                              i18n.translate("Firm FE", "zh_CN")]
    legend = [t.get_text() for t in ax_zh.get_legend().get_texts()]
    assert "a label no catalogue has" in legend
    assert localizer.missing == {"a label no catalogue has"}


def test_glue_figure_glues_english_as_before_and_a_tagged_chinese_copy(shown, tmp_path, monkeypatch):
    glued = []
    monkeypatch.setattr("myst_nb.glue", lambda key, value, display=True: glued.append((key, value, display)))
    fig = _figure()
    assert figures.glue_figure("fig_sample", fig, tmp_path, "fig-sample", image=to_image) is None
    (key, image, display), = glued  # English: exactly what the chapters glued before
    assert (key, display) == ("fig_sample", False) and image.data == to_image(fig).data
    assert (tmp_path / "figures" / "fig-sample.png").is_file()
    (data, metadata), = shown
    assert metadata["scrapbook"]["name"] == i18n.edition_key("fig_sample", "zh_CN")
    assert metadata["esgrisk"] == {"language": "zh_CN", "untranslated": ["a label no catalogue has"]}
    assert any(k.endswith("image/png") for k in data)
    assert figures.edition_figure_path(tmp_path, "fig-sample", "zh_CN").is_file()
    assert sorted(p.name for p in (tmp_path / "figures").iterdir() if p.is_file()) == ["fig-sample.png"]


def test_localizer_keeps_surrounding_whitespace():
    assert Localizer("zh_CN").text(" Simulated data ") == " 模拟数据 "
    assert Localizer("en").text("Simulated data") == "Simulated data"


def test_computed_numbers_are_copied_into_the_template_translation():
    localizer = Localizer("zh_CN")
    assert localizer.text("6 of 7 rows agree") == "7 行中有 6 行一致"  # placeholders reordered, digits kept
    assert localizer.text("true effect (-0.92)") == "真实效应（-0.92）"
    assert localizer.text("controls: log_assets+cr4+reg...") == "控制变量：log_assets+cr4+reg..."
    assert not localizer.missing
    localizer.text("3 of 4 apples agree")
    assert localizer.missing == {"{0} of {1} apples agree"}  # reported as the msgid to add


def test_figure_translations_mix_no_mathtext_with_chinese():
    """matplotlib draws the text around $...$ with the math font, which has no Chinese glyphs."""
    import polib

    catalogue = i18n.CODE_CATALOGUE.parent / "zh_CN" / "figures.po"
    mixed = [e.msgid for e in polib.pofile(str(catalogue))
             if "$" in e.msgstr and re.search(r"[\u4e00-\u9fff]", e.msgstr)]
    assert not mixed, mixed


def test_label_then_names_keeps_the_names():
    localizer = Localizer("zh_CN")
    assert localizer.text("controls without log_assets") == "控制变量不含 log_assets"
    assert localizer.text("instrument for risk_events") == "risk_events 的工具变量"  # an exact msgid first
    assert not localizer.missing


def test_show_markdown_table_translates_a_pipe_table_made_elsewhere(shown):
    table = "| id | firm | source |\n| --- | --- | --- |\n| E01 | Alibaba | {cite:p}`key2020` |"
    tables.show_markdown_table(table, "Number of documented events per firm and event type "
                               "(from `data/events/incidents.csv`).", "tbl-incident-counts")
    (en, en_meta), (zh, zh_meta) = [(d["text/markdown"], m) for d, m in shown]
    assert en == tables.myst_table(table, "Number of documented events per firm and event type "
                                   "(from `data/events/incidents.csv`).", "tbl-incident-counts")
    assert en_meta == {"esgrisk": {"language": "en"}}
    assert zh.endswith("| 编号 | 企业 | 来源 |\n| --- | --- | --- |\n| E01 | 阿里巴巴 | {cite:p}`key2020` |\n:::")
    assert "`data/events/incidents.csv`" in zh.splitlines()[0] and zh_meta["esgrisk"]["untranslated"] == []


def test_generated_text_cells_render_from_their_message():
    from esgrisk.prose import Text

    cell = Text(tr("{n} of {m} rows agree", n=2, m=3))
    frame = pd.DataFrame({"printed": pd.Series([cell], dtype=object)})
    (en, _), (zh, zh_meta) = tables.edition_tables(frame, Text(tr("consistent")), "tbl-t")
    assert en.splitlines()[-2] == "| 2 of 3 rows agree |" and en.startswith(":::{table} consistent\n")
    assert zh.splitlines()[-2] == "| " + cell.render("zh_CN") + " |" and zh.startswith(":::{table} 一致\n")
