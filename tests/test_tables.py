"""Numbered MyST tables of the chapters (esgrisk.tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from esgrisk import tables as tb


def _rows(markdown: str) -> list[list[str]]:
    """The cells of a pipe table as the book's Markdown parser (markdown-it, GFM tables) reads them."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markdown)
    rows, row = [], None
    for i, tok in enumerate(tokens):
        if tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            row.append(tokens[i + 1].content)
        elif tok.type == "tr_close":
            rows.append(row)
    return rows


# --- cells and frames ---

@pytest.mark.parametrize(
    ("value", "digits", "na_rep", "text"),
    [(0.12345, 3, "", "0.123"), (-0.0004, 3, "", "-0.000"), (2.5, 0, "", "2"),
     (1234.5678, 2, "", "1234.57"), (np.float64(0.92), 1, "", "0.9"), (np.float32(0.5), 2, "", "0.50"),
     (-0.92, None, "", "-0.92"), (7, 3, "", "7"), (np.int64(12), 3, "", "12"),
     (True, 3, "", "True"), ("x 1.23456", 2, "", "x 1.23456"), ("", 3, "-", ""),
     (float("nan"), 3, "", ""), (np.nan, 3, "absorbed", "absorbed"), (None, 3, "n/a", "n/a"),
     (pd.NA, 3, "-", "-"), (pd.NaT, 3, "-", "-"), ([1, 2], 3, "", "[1, 2]")],
)
def test_format_value(value, digits, na_rep, text):
    assert tb.format_value(value, digits, na_rep) == text


def test_format_frame_formats_floats_keeps_strings_and_fills_missing():
    frame = pd.DataFrame({"name": ["a", "b", None], "x": [1.23456, np.nan, -2.0],
                          "n": [1, 2, 3], "mixed": [0.5, "[-0.99, -0.88]", np.nan]})
    out = tb.format_frame(frame, digits=2, na_rep="--")
    assert out.to_dict("list") == {
        "name": ["a", "b", "--"], "x": ["1.23", "--", "-2.00"], "n": ["1", "2", "3"],
        "mixed": ["0.50", "[-0.99, -0.88]", "--"]}
    assert frame["x"].isna().sum() == 1, "the input frame must not be changed"


def test_format_frame_digits_per_column_and_default():
    frame = pd.DataFrame({"t": [-4.0, 2.69], "p": [0.00012, 0.5], "other": [1.0, 2.0]})
    out = tb.format_frame(frame, digits={"t": None, "p": 4})
    assert out["t"].tolist() == ["-4.0", "2.69"]
    assert out["p"].tolist() == ["0.0001", "0.5000"]
    assert out["other"].tolist() == ["1.000", "2.000"]  # not in the mapping: DEFAULT_DIGITS
    assert tb.DEFAULT_DIGITS == 3


def test_format_frame_index_and_multiindex_columns():
    frame = pd.DataFrame([[1.0, 2.0], [3.0, np.nan]],
                         index=pd.Index(["risk_events", "const"], name="variable"),
                         columns=pd.MultiIndex.from_tuples([("paper", "coef"), ("book", "coef")]))
    out = tb.format_frame(frame, digits=1, na_rep="absorbed", index=True)
    assert list(out.columns) == ["variable", "paper coef", "book coef"]
    assert out.values.tolist() == [["risk_events", "1.0", "2.0"], ["const", "3.0", "absorbed"]]
    unnamed = tb.format_frame(pd.DataFrame({"a": [0.5]}, index=["coefficient"]), index=True)
    assert list(unnamed.columns) == ["", "a"] and unnamed.values.tolist() == [["coefficient", "0.500"]]
    assert list(tb.format_frame(frame).columns) == ["paper coef", "book coef"]  # index dropped


# --- pipe tables ---

def test_markdown_table_lines_and_pipe_escaping():
    frame = pd.DataFrame({"a|b": ["x|y", "two\nlines"], "c": ["1", ""]})
    body = tb.markdown_table(frame)
    assert body.splitlines() == [
        r"| a\|b | c |", "| --- | --- |", r"| x\|y | 1 |", "| two lines |  |"]
    # the parser sees two columns per row and a literal bar inside the cell
    assert _rows(body) == [["a|b", "c"], ["x|y", "1"], ["two lines", ""]]


def test_markdown_table_ignores_the_index():
    frame = pd.DataFrame({"a": ["1"]}, index=["hidden"])
    assert "hidden" not in tb.markdown_table(frame)


# --- the MyST directive ---

def test_myst_table_uses_colon_fence_name_and_caption():
    wrapped = tb.myst_table("| a |\n| --- |\n| 1 |", "Caption with `code`\nand a break", "tbl-x")
    assert wrapped.splitlines() == [":::{table} Caption with `code` and a break", ":name: tbl-x", "",
                                    "| a |", "| --- |", "| 1 |", ":::"]


@pytest.mark.parametrize("name", ["x", "fig-x", "tbl-", "tbl x", "table-x", "tbl-a b"])
def test_myst_table_rejects_names_that_are_not_tbl_labels(name):
    with pytest.raises(ValueError, match="tbl-"):
        tb.myst_table("| a |\n| --- |", "Caption", name)


def test_myst_table_rejects_empty_caption():
    with pytest.raises(ValueError, match="caption"):
        tb.myst_table("| a |\n| --- |", "  ", "tbl-x")


def test_table_markdown_end_to_end():
    frame = pd.DataFrame({"stat": [0.123456, np.nan]}, index=pd.Index(["F", "p|q"], name="test"))
    text = tb.table_markdown(frame, "Diagnostics", "tbl-diag", digits=2, na_rep="n/a", index=True)
    lines = text.splitlines()
    assert lines[:3] == [":::{table} Diagnostics", ":name: tbl-diag", ""]
    assert lines[-1] == ":::"
    assert _rows("\n".join(lines[3:-1])) == [["test", "stat"], ["F", "0.12"], ["p|q", "n/a"]]


def test_show_table_displays_one_markdown_output_per_edition(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw["metadata"])))
    result = tb.show_table(pd.DataFrame({"a": [1.5]}), "Cap", "tbl-one", digits=1)
    assert result is None
    assert len(shown) == 2 and all(isinstance(obj, IPython.display.Markdown) for obj, _ in shown)
    (english, tag), (_, zh_tag) = shown
    assert english.data == ":::{table} Cap\n:name: tbl-one\n\n| a |\n| --- |\n| 1.5 |\n:::"
    assert english._repr_markdown_() == english.data
    assert tag == {"esgrisk": {"language": "en"}} and zh_tag["esgrisk"]["language"] == "zh_CN"


def test_show_table_refuses_a_bad_name():
    with pytest.raises(ValueError, match="tbl-"):
        tb.show_table(pd.DataFrame({"a": [1]}), "Cap", "fig-one")


# --- CSV copies of the tables (replication package) ---

def test_table_csv_is_unformatted_full_precision_with_unix_newlines():
    frame = pd.DataFrame({"name": ["a", "b"], "x": [0.123456789012345, np.nan], "n": [1, 2]})
    text = tb.table_csv(frame)
    assert text == "name,x,n\na,0.123456789,1\nb,,2\n"
    assert "\r" not in text


def test_table_csv_index_and_multiindex_columns():
    frame = pd.DataFrame([[1.5, -2.25]], index=pd.Index(["risk_events"], name="variable"),
                         columns=pd.MultiIndex.from_tuples([("paper", "coef"), ("book", "coef")]))
    assert tb.table_csv(frame, index=True) == "variable,paper coef,book coef\nrisk_events,1.5,-2.25\n"
    assert tb.table_csv(frame) == "paper coef,book coef\n1.5,-2.25\n"


def test_show_table_with_save_dir_writes_the_csv_and_returns_nothing(monkeypatch, tmp_path):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    frame = pd.DataFrame({"stat": [1 / 3, 2e-12]}, index=pd.Index(["F", "p"], name="test"))
    result = tb.show_table(frame, "Cap", "tbl-two", digits=2, index=True, save_dir=tmp_path)
    assert result is None and len(shown) == 2  # one per edition
    assert "| F | 0.33 |" in shown[0].data  # the display still rounds
    path = tmp_path / "tables" / "tbl-two.csv"
    first = path.read_bytes()
    assert first == b"test,stat\nF,0.3333333333\np,2e-12\n"
    read = pd.read_csv(path, index_col="test")
    assert read["stat"].tolist() == pytest.approx(frame["stat"].tolist(), rel=1e-9)
    tb.show_table(frame, "Cap", "tbl-two", digits=2, index=True, save_dir=tmp_path)
    assert path.read_bytes() == first, "a second save must write the same bytes"


def test_show_table_without_save_dir_writes_nothing(monkeypatch, tmp_path):
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: None)
    monkeypatch.chdir(tmp_path)
    tb.show_table(pd.DataFrame({"a": [1]}), "Cap", "tbl-none")
    assert list(tmp_path.iterdir()) == []


def test_save_table_refuses_a_bad_name_before_writing(tmp_path):
    with pytest.raises(ValueError, match="tbl-"):
        tb.save_table(pd.DataFrame({"a": [1]}), tmp_path, "fig-one")
    with pytest.raises(ValueError, match="tbl-"):
        tb.show_table(pd.DataFrame({"a": [1]}), "Cap", "fig-one", save_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_table_csv_formats_floats_in_mixed_columns_like_float_columns():
    frame = pd.DataFrame({"est": {"coefficient": 1 / 3, "AR set": "[-1.00, 2.00]", "F": np.nan}})
    assert tb.table_csv(frame, index=True) == ",est\ncoefficient,0.3333333333\nAR set,\"[-1.00, 2.00]\"\nF,\n"
