"""Numbered, referenceable tables for the book's chapters.

Every table of a chapter is shown the same way: a pandas frame is turned into
display strings (:func:`format_frame`), written as a pipe table
(:func:`markdown_table`), wrapped in a MyST ``table`` directive with a caption
and a ``tbl-...`` name (:func:`myst_table`) and displayed as a
``text/markdown`` output (:func:`show_table`). myst-nb parses such outputs as
MyST (``nb_render_markdown_format: myst`` in ``_config.yml``), so the HTML
book numbers the table ("Table N") and the prose can refer to it with
``{numref}`tbl-...```. ``README.md`` lists every table name and
``tests/test_readme.py`` keeps that list complete.

Given a ``save_dir`` (a chapter's ``results_dir``), :func:`show_table` also
writes the frame it shows, unformatted, to ``save_dir/tables/<name>.csv``
(:func:`save_table`), so every table of the book is a file of the replication
package. The CSV is deterministic: floats with :data:`CSV_FLOAT_FORMAT`, UTF-8,
``\\n`` line endings, rows and columns in the frame's order.

All functions except :func:`save_table` and :func:`show_table` are pure
(frame in, text out).

**Editions** (issue 16, BOARD decision 2). :func:`show_table` and
:func:`show_plain_table` display one output per edition of the book, from the
same frame: the English table (exactly as before), tagged with output metadata
``{"esgrisk": {"language": "en"}}``, and for every other language
(:data:`esgrisk.i18n.LANGUAGES`) the same table with its caption, column
headers, index labels, ``na_rep`` and string cells translated through the code
catalogue (:func:`localized_frame`, :class:`esgrisk.localize.Localizer`: exact
msgids; numbers and identifiers such as ``fe_entity`` stay as they are), tagged
``{"esgrisk": {"language": "zh_CN", "untranslated": [...]}}`` with the msgids the
catalogue lacked. Both carry the same ``tbl-...`` name, so ``{numref}`` works in
both editions; the edition build keeps each edition's own output. A caption or a
cell may be a :class:`~esgrisk.i18n.Message` (``tr(template, **values)``): it is
rendered with the same values in every language, and as English (``str``) in the
CSV file, which is the same in every edition.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from esgrisk import i18n
from esgrisk.i18n import Message
from esgrisk.localize import Localizer

__all__ = ["DEFAULT_DIGITS", "CSV_FLOAT_FORMAT", "format_value", "format_frame", "escape_cell", "markdown_table",
           "myst_table", "table_markdown", "table_csv", "save_table", "show_table",
           "show_plain_table", "show_markdown_table", "localized_frame", "localized_pipe_table",
           "edition_tables"]

#: Decimals of floats when nothing else is asked for.
DEFAULT_DIGITS = 3

#: Floats in the CSV copies of tables: 10 significant digits (more than any table shows, and
#: free of the last-bit noise that differs between BLAS builds), the same text on every run.
CSV_FLOAT_FORMAT = "%.10g"

#: A table name: ``tbl-`` then letters, digits, ``-`` or ``_`` (a Sphinx label).
NAME_PATTERN = re.compile(r"^tbl-[A-Za-z0-9][A-Za-z0-9_-]*$")

Digits = int | None | Mapping[str, "int | None"]


def _is_missing(value) -> bool:
    """True for None, NaN, NaT and pd.NA (scalars only; lists and arrays are not missing)."""
    if value is None:
        return True
    try:
        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value, digits: int | None = DEFAULT_DIGITS, na_rep: str = "") -> str:
    """One cell as display text.

    Missing values (None, NaN, NaT, pd.NA) become ``na_rep``; floats get
    ``digits`` decimals (``digits=None`` keeps Python's shortest form, e.g.
    ``-0.92``); integers and booleans are written as they are; strings and
    anything else go through ``str``.

    >>> format_value(0.12345, 2), format_value(float("nan"), na_rep="-"), format_value(7)
    ('0.12', '-', '7')
    """
    if _is_missing(value):
        return na_rep
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return str(value) if digits is None else f"{value:.{int(digits)}f}"
    return str(value)


def _label(column) -> str:
    """A column label as text; the levels of a MultiIndex label are joined by spaces."""
    if isinstance(column, tuple):
        return " ".join(str(part) for part in column if str(part) != "")
    return "" if column is None else str(column)


def format_frame(frame: pd.DataFrame, digits: Digits = DEFAULT_DIGITS, na_rep: str = "",
                 index: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with every cell turned into display text.

    ``digits`` is the number of decimals of floats: one number for all
    columns, ``None`` for Python's shortest form, or a mapping from column
    label (as displayed) to either, with :data:`DEFAULT_DIGITS` for columns not
    in the mapping. Missing values become ``na_rep``; strings are kept as they
    are. With ``index=True`` the index becomes the first column(s), headed by
    the index name(s) (empty when unnamed). Column labels become strings, the
    levels of MultiIndex columns joined by a space. The result has a plain
    ``RangeIndex``.
    """
    if index:
        levels = frame.index.to_frame(index=False)
        levels.columns = [_label(n) for n in frame.index.names]
        body = frame.reset_index(drop=True)
        frame = pd.concat([levels, body], axis=1)
    labels = [_label(c) for c in frame.columns]
    columns = {}
    for position, label in enumerate(labels):
        if isinstance(digits, Mapping):
            d = digits.get(label, DEFAULT_DIGITS)
        else:
            d = digits
        columns[position] = [format_value(v, d, na_rep) for v in frame.iloc[:, position]]
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    out.columns = labels
    return out


#: Code spans and inline math inside a cell: kept as written (MyST renders them).
_VERBATIM = re.compile(r"(`[^`\n]*`|\$[^$\n]+\$)")
#: Characters that MyST would read as markup in a table cell (emphasis, strike-through,
#: HTML, links): escaped with a backslash so that they show as typed ("0.92*15.2 + 0.35*23.1").
_MARKUP = re.compile(r"([*_~<>\[\]|])")


def escape_cell(text: str) -> str:
    """Markdown-escape ``text`` for a pipe-table cell, outside code spans and ``$...$`` math.

    Line breaks become spaces (one row per line); ``* _ ~ < > [ ] |`` are
    backslash-escaped, so a product written ``0.92*15.2`` is not emphasis and
    a ``|`` does not end the cell. Inside `` `code` `` spans only ``|`` is
    escaped (GFM tables split on it even there); ``$...$`` math is left alone.

    >>> escape_cell("0.92*15.2 + 0.35*23.1")
    '0.92\\*15.2 + 0.35\\*23.1'
    """
    text = str(text).replace("\r\n", " ").replace("\n", " ")
    parts = _VERBATIM.split(text)
    return "".join(part.replace("|", r"\|") if i % 2 else _MARKUP.sub(r"\\\1", part)
                   for i, part in enumerate(parts))


def _cell(value) -> str:
    """Pipe-table cell text (see :func:`escape_cell`)."""
    return escape_cell(str(value))


def markdown_table(frame: pd.DataFrame) -> str:
    """A plain pipe table of ``frame`` (no index), one line per row.

    Cells are written with ``str``, so format numbers first (:func:`format_frame`).
    Markup characters in a cell or header are escaped (:func:`escape_cell`), so
    cells show their text as typed, and line breaks become spaces, so every row
    stays one table row.
    """
    head = "| " + " | ".join(_cell(_label(c)) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |"
            for row in frame.itertuples(index=False, name=None)]
    return "\n".join([head, rule, *body])


def myst_table(table: str, caption: str, name: str) -> str:
    """Wrap a pipe table in a numbered MyST ``table`` directive (colon fence).

    A colon fence is used because a backtick fence may not carry backticks in
    its caption. Shown as a ``text/markdown`` output, myst-nb parses it with
    ``nb_render_markdown_format: myst``, so ``{numref}`` and ``{cite}`` work.
    ``name`` must start with ``tbl-``; a line break in the caption becomes a
    space (the caption is the directive's argument, one line).
    """
    if not NAME_PATTERN.match(name):
        raise ValueError(f"table name {name!r} must look like 'tbl-something' "
                         "(letters, digits, '-' or '_' after 'tbl-')")
    caption = " ".join(str(caption).split())
    if not caption:
        raise ValueError(f"table {name}: the caption must not be empty")
    return f":::{{table}} {caption}\n:name: {name}\n\n{table}\n:::"


def table_markdown(frame: pd.DataFrame, caption: str, name: str, digits: Digits = DEFAULT_DIGITS,
                   na_rep: str = "", index: bool = False) -> str:
    """The MyST source of a numbered table of ``frame`` (see :func:`format_frame` for the options)."""
    return myst_table(markdown_table(format_frame(frame, digits=digits, na_rep=na_rep, index=index)),
                      caption, name)


def table_csv(frame: pd.DataFrame, index: bool = False) -> str:
    """``frame`` as CSV text, unformatted: the numbers the table shows, before rounding.

    Floats are written with :data:`CSV_FLOAT_FORMAT` (also those in columns
    that mix numbers and text), missing values as empty fields, lines end with
    ``\\n``. With ``index=True`` the index is written as the first column(s),
    headed by its name(s). MultiIndex column labels are joined by a space (as
    in the displayed table), so the file has one header row.
    """
    frame = frame.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = [_label(c) for c in frame.columns]
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype == object:  # floats among strings get the same format as float columns
            frame.isetitem(position, column.map(
                lambda v: CSV_FLOAT_FORMAT % v if isinstance(v, float) and not np.isnan(v) else v))
    return frame.to_csv(index=index, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def save_table(frame: pd.DataFrame, save_dir: str | Path, name: str, index: bool = False) -> Path:
    """Write ``frame`` (see :func:`table_csv`) to ``save_dir/tables/<name>.csv`` and return the path.

    ``name`` must be a ``tbl-...`` label; a relative ``save_dir`` is read from
    the project root (:func:`esgrisk.paths.resolve`). The folder is created if
    missing; the bytes depend only on the frame.
    """
    from esgrisk.paths import resolve

    if not NAME_PATTERN.match(name):
        raise ValueError(f"table name {name!r} must look like 'tbl-something' "
                         "(letters, digits, '-' or '_' after 'tbl-')")
    path = resolve(save_dir) / "tables" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(table_csv(frame, index=index).encode("utf-8"))
    return path


def _translate_header(column, localizer: Localizer) -> str:
    """A column label in the localizer's language; the levels of a MultiIndex label one by one."""
    if isinstance(column, tuple):
        return " ".join(localizer.any(str(part)) for part in column if str(part) != "")
    return localizer.any("" if column is None else str(column))


def _translate_cell(value, localizer: Localizer):
    if isinstance(value, (bool, np.bool_)):
        return localizer.text(str(bool(value)))
    return localizer.any(value)


def localized_frame(frame: pd.DataFrame, localizer: Localizer, index: bool = False,
                    keep: Sequence = ()) -> pd.DataFrame:
    """``frame`` with its Message and string cells (and, with ``index``, index values) in the language.

    Numbers are left as they are (they are formatted afterwards, the same in every
    language); booleans become the translation of ``True`` / ``False``; the columns named in
    ``keep`` hold names (package names, chapter ids) and are left as they are. Column labels
    are not changed (:func:`table_markdown` translates the displayed headers, after the
    ``digits`` mapping, which names the English labels, has been applied).
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if out.columns[position] in keep:
            continue
        if column.map(lambda v: isinstance(v, (str, Message, bool, np.bool_))).any():
            out.isetitem(position, column.map(lambda v: _translate_cell(v, localizer)).astype(object))
    if index:
        if isinstance(out.index, pd.MultiIndex):
            out.index = pd.MultiIndex.from_tuples([tuple(_translate_cell(v, localizer) for v in key)
                                                   for key in out.index], names=out.index.names)
        else:
            out.index = pd.Index([_translate_cell(v, localizer) for v in out.index], name=out.index.name)
    return out


def _edition_markdown(frame: pd.DataFrame, caption, name: str | None, language: str,
                      digits: Digits, na_rep: str, index: bool, keep: Sequence = ()) -> tuple[str, Localizer]:
    """The MyST table (``name`` given) or plain pipe table of ``frame`` in ``language``."""
    localizer = Localizer(language)
    if language == i18n.SOURCE_LANGUAGE:
        shown = format_frame(frame, digits=digits, na_rep=na_rep, index=index)
    else:
        shown = format_frame(localized_frame(frame, localizer, index=index, keep=keep), digits=digits,
                             na_rep=localizer.text(na_rep) if frame.isna().any().any() else na_rep,
                             index=index)
        labels = [*(frame.index.names if index else []), *frame.columns]
        shown.columns = [_translate_header(label, localizer) for label in labels]
    table = markdown_table(shown)
    if name is None:
        return table, localizer
    return myst_table(table, _caption(caption, localizer), name), localizer


def _caption(caption, localizer: Localizer) -> str:
    """The caption in the localizer's language: a Message rendered, text looked up (spaces normalised)."""
    if isinstance(caption, Message) or isinstance(getattr(caption, "message", None), Message):
        return localizer.any(caption)
    return localizer.text(" ".join(str(caption).split()))


def edition_tables(frame: pd.DataFrame, caption: str | Message | None, name: str | None,
                   digits: Digits = DEFAULT_DIGITS, na_rep: str = "",
                   index: bool = False, keep: Sequence = ()) -> list[tuple[str, dict]]:
    """(markdown, output metadata) of the table in every edition, English first.

    With ``name=None`` the tables are plain pipe tables (:func:`show_plain_table`). The
    English markdown is :func:`table_markdown`'s (or the plain table) byte for byte.
    ``keep``: columns whose cells are names, never translated.
    """
    out = []
    for language in (i18n.SOURCE_LANGUAGE, *i18n.LANGUAGES):
        markdown, localizer = _edition_markdown(frame, caption, name, language, digits, na_rep, index, keep)
        out.append((markdown, localizer.metadata()))
    return out


def show_table(frame: pd.DataFrame, caption: str | Message, name: str, digits: Digits = DEFAULT_DIGITS,
               na_rep: str = "", index: bool = False, save_dir: str | Path | None = None) -> None:
    """Display ``frame`` as a numbered MyST table (a ``text/markdown`` output per edition).

    ``name`` (``tbl-...``) is the label to cite with ``{numref}`name```;
    ``digits``, ``na_rep`` and ``index`` are those of :func:`format_frame`;
    ``caption`` is text or a :class:`~esgrisk.i18n.Message` (a caption with computed
    values). With ``save_dir`` (a chapter's results folder) the unformatted frame is
    also written to ``save_dir/tables/<name>.csv`` (:func:`save_table`, English).
    One output per edition, tagged with its language (see the module docstring).
    Returns nothing, so a call that ends a cell does not display it twice.
    """
    from IPython.display import Markdown, display

    tables = edition_tables(frame, caption, name, digits=digits, na_rep=na_rep, index=index)
    if save_dir is not None:
        save_table(frame, save_dir, name, index=index)
    for markdown, metadata in tables:
        display(Markdown(markdown), metadata=metadata)


def show_plain_table(frame: pd.DataFrame, digits: Digits = DEFAULT_DIGITS, na_rep: str = "",
                     index: bool = False, keep: Sequence = ()) -> None:
    """Display ``frame`` as a plain pipe table: styled like every table, but without number or file.

    For tables that describe the build rather than the analysis (the status
    page's run times and package versions), which change with every build and
    so are neither numbered nor part of the replication package. One output per
    edition, as :func:`show_table` (``keep``: columns of names, never translated).
    """
    from IPython.display import Markdown, display

    for markdown, metadata in edition_tables(frame, None, None, digits=digits, na_rep=na_rep, index=index,
                                             keep=keep):
        display(Markdown(markdown), metadata=metadata)


_PIPE = re.compile(r"(?<!\\)\|")


def localized_pipe_table(table: str, localizer: Localizer) -> str:
    """A pipe table written by other code, with its header and body cells translated one by one.

    Cells are split on unescaped ``|``; the rule line is kept; each cell's text (as written,
    escapes included) is the msgid (:class:`~esgrisk.localize.Localizer`).
    """
    lines = []
    for number, line in enumerate(table.split("\n")):
        if number == 1 or not line.strip().startswith("|"):
            lines.append(line)
            continue
        cells = _PIPE.split(line.strip())[1:-1]
        lines.append("| " + " | ".join(localizer.text(cell.strip()) for cell in cells) + " |")
    return "\n".join(lines)


def show_markdown_table(table: str, caption: str | Message, name: str) -> None:
    """Display a pipe table made elsewhere (e.g. with citation roles) as a numbered table, per edition.

    The English output is ``myst_table(table, caption, name)``; the other editions'
    translate the caption and every cell (:func:`localized_pipe_table`). Tags as
    :func:`show_table`; no CSV is written (save the frame with :func:`save_table`).
    """
    from IPython.display import Markdown, display

    for language in (i18n.SOURCE_LANGUAGE, *i18n.LANGUAGES):
        localizer = Localizer(language)
        text = _caption(caption, localizer)
        shown = table if language == i18n.SOURCE_LANGUAGE else localized_pipe_table(table, localizer)
        display(Markdown(myst_table(shown, text, name)), metadata=localizer.metadata())
