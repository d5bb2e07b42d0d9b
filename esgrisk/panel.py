"""The panel contract: one row per firm-year, loaded and validated in one place.

:func:`load_panel` is the only way the book reads a panel. It reads the files
researchers hold (CSV in any encoding, Excel ``.xlsx``, Stata ``.dta``,
Parquet), maps their column names to the contract's, and never repairs a file
silently: every problem raises :class:`PanelError` whose message names

* the file (absolute path),
* the column,
* the first offending rows, as **line numbers of the file** (``CSV line`` or
  ``Excel row``: line 1 is the header, so the first data row is line 2; for
  Stata and Parquet, ``record`` 1 is the first data row; a CSV record spanning
  several physical lines through a quoted newline is not supported),
* the rule that was broken.

The rules live in one declarative pandera schema (:func:`schema`, built from
:data:`CODEBOOK` and :data:`PLAUSIBILITY`); the messages are built from its
lazy ``failure_cases``. Only what pandera cannot see is checked by hand: the
file's format, its encoding and its header row.

Decisions documented here (and tested in ``tests/test_panel.py``):

* **Format.** Chosen by the extension (``.csv``/``.txt``, ``.xlsx``/``.xlsm``,
  ``.dta``, ``.parquet``/``.pq``) and checked against the file's first bytes;
  when they disagree ("this is an Excel file, not a CSV") the load stops.
* **Delimiter.** CSV files must be comma-separated. A header with no comma but
  with ``;`` or a tab is rejected (semicolon files often come with decimal
  commas, which cannot be read back safely).
* **Encoding.** CSV files are UTF-8 (a byte-order mark is fine) unless
  ``encoding`` names another Python codec, e.g. ``"gb18030"`` for files saved
  by Excel or exported from CSMAR / Wind on a Chinese system. A file that is
  not valid in the codec is rejected with its line number and that hint.
* **Header.** Read by the loader itself, so a duplicated header (which pandas
  would silently rename ``esg.1``) is rejected.
* **Identifiers.** ``firm`` and ``region`` are text, so ``007`` stays ``007``.
  Two spellings of one id that differ only by surrounding spaces or by Unicode
  width (NFKC: ``Ｆ02`` vs ``F02``) are rejected, naming both and their rows.
* **Missing values.** An empty cell, or one spelled ``NaN``/``NA``/``null``, in
  a numeric contract column is an error (``NA`` is a valid region).
* **Plausible scales.** ESG on a 0-1 scale, revenue growth in percent, log
  assets that are not logs, risk counts or magnitudes beyond any real panel
  stop the load; pass ``accept=`` with the rule's key to keep such data on
  purpose (:data:`PLAUSIBILITY` lists the keys).
* **Extra columns** are kept after the contract columns and otherwise ignored.
* **Relative paths** are read from the caller's working directory; a path that
  does not exist there but does inside the repository (the chapters' default
  ``data/simulated/panel.csv`` when a notebook runs from ``notebooks/``) is
  read from the repository.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from esgrisk.paths import ROOT

__all__ = [
    "PANEL_COLUMNS", "CODEBOOK", "PLAUSIBILITY", "FORMATS", "ColumnSpec", "Plausibility",
    "PanelError", "codebook", "load_panel", "read_column_map", "schema", "industry_mean_esg",
]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the panel contract."""

    name: str
    kind: str  # "string", "integer" or "float"
    lower: float | None  # inclusive lower bound, None = unbounded
    upper: float | None  # inclusive upper bound, None = unbounded
    rule: str  # the rule in words, as shown in error messages and the codebook
    meaning: str
    paper_measure: str


CODEBOOK: tuple[ColumnSpec, ...] = (
    ColumnSpec("firm", "string", None, None, "non-empty text; (firm, year) unique",
               "firm identifier", "12 listed e-commerce firms"),
    ColumnSpec("year", "integer", None, None, "whole number; (firm, year) unique",
               "fiscal year", "2018-2023"),
    ColumnSpec("region", "string", None, None, "non-empty text",
               "jurisdiction used for the regulation score and the instrument",
               "country / region of listing or headquarters"),
    ColumnSpec("esg", "float", 0.0, 100.0, "number in [0, 100]",
               "ESG score", "MSCI / S&P ratings mapped to 0-100"),
    ColumnSpec("risk_events", "integer", 0.0, None, "whole number >= 0",
               "security-risk events in the year",
               "cyber-attacks, data leaks, supply-chain disruptions, payment-security flaws "
               "counted from annual reports, news and regulators' notices"),
    ColumnSpec("log_assets", "float", None, None, "finite number",
               "firm size", "natural log of year-end total assets"),
    ColumnSpec("revenue_growth", "float", None, None, "finite number (a fraction: 0.18 = 18 %)",
               "revenue growth", "annual revenue growth rate"),
    ColumnSpec("cr4", "float", 0.0, 1.0, "number in [0, 1]",
               "industry competition", "four-firm concentration ratio (CR4)"),
    ColumnSpec("reg_strength", "float", 0.0, 10.0, "number in [0, 10]",
               "regional regulatory strength",
               "score of the region's cyber-security / data-protection rules"),
    ColumnSpec("region_incidents", "float", 0.0, None, "number >= 0",
               "cyber-security incidents in the firm's region-year",
               "instrument for risk_events"),
)

PANEL_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in CODEBOOK)
_SPEC = {spec.name: spec for spec in CODEBOOK}
_NA_TOKENS = {"", "nan", "na", "n/a", "null", "none", "<na>"}
_MAX_ROWS_SHOWN = 5
_MAX_PROBLEMS_SHOWN = 8
MAX_MAGNITUDE = 1e12


class PanelError(ValueError):
    """A panel file breaks the panel contract; the message says where and which rule."""


def codebook() -> pd.DataFrame:
    """The panel contract as a table: column, type, rule, meaning, paper's measure."""
    return pd.DataFrame(
        [(s.name, s.kind, s.rule, s.meaning, s.paper_measure) for s in CODEBOOK],
        columns=["column", "type", "rule", "meaning", "paper_measure"],
    )


# ---------------------------------------------------------------- plausibility

@dataclass(frozen=True)
class Plausibility:
    """A rule about a column's scale that real panels meet; ``accept=[key]`` waives it."""

    key: str
    column: str
    rule: str
    test: Callable[[pd.Series], bool | pd.Series]  # True = plausible (a bool or one per row)
    hint: str


PLAUSIBILITY: tuple[Plausibility, ...] = (
    Plausibility("esg_unit_scale", "esg",
                 "ESG is on the 0-100 scale, not 0-1",
                 lambda s: len(s) < 2 or not bool(s.between(0.0, 1.0).all()),
                 "every ESG score lies in [0, 1]: multiply by 100 if the source's scale is 0-1"),
    Plausibility("growth_in_percent", "revenue_growth",
                 "revenue growth is a fraction (0.18 = 18 %), not percent",
                 lambda s: not float(s.abs().median()) > 1.0,
                 "the median |growth| exceeds 1 (100 %), which looks like percent: divide by 100 "
                 "(single years above 1 are real: PDD's revenue grew by 652 % in 2018)"),
    Plausibility("log_assets_in_levels", "log_assets",
                 "log_assets is the natural log of total assets (below 50)",
                 lambda s: s.abs() <= 50.0,
                 "e^50 is about 5e21 in any currency: the column looks like assets in levels"),
    Plausibility("risk_count_scale", "risk_events",
                 "risk_events counts events in a firm-year (at most 10,000)",
                 lambda s: s <= 10_000,
                 "a count this large looks like records or users affected, not events"),
    *(Plausibility("magnitude", name, f"magnitude at most {MAX_MAGNITUDE:g}",
                   lambda s: s.abs() <= MAX_MAGNITUDE,
                   "no panel variable is this large; values like this overflow the estimators")
      for name in ("revenue_growth", "region_incidents")),
)
_PLAUSIBILITY_KEYS = frozenset(p.key for p in PLAUSIBILITY)


def _id_key(ids: pd.Series) -> pd.Series:
    """Each id without surrounding spaces, in Unicode NFKC form (computed once per distinct id)."""
    distinct = pd.unique(ids)
    return ids.map(dict(zip(distinct, (unicodedata.normalize("NFKC", v).strip() for v in distinct),
                            strict=True)))


def _spellings(ids: pd.Series) -> pd.Series:
    """Per row: True when no other row writes the same id differently (spaces or NFKC width)."""
    return ids.groupby(_id_key(ids)).transform("nunique") == 1


# ---------------------------------------------------------------- the schema

def schema(accept: Iterable[str] = ()) -> pa.DataFrameSchema:
    """The pandera schema of a panel: types (coerced), missing values, ranges, spellings,
    (firm, year) uniqueness, at least two firms and two years, plausible scales.

    Check names are the rules in words (used verbatim in error messages);
    ``accept`` waives the :data:`PLAUSIBILITY` rules with those keys.
    """
    accept = set(accept)
    columns = {}
    for s in CODEBOOK:
        checks = []
        if s.kind == "string":
            checks.append(pa.Check(lambda x: x.str.strip().str.len() > 0,
                                   name=f"no missing values: {s.rule}"))
            checks.append(pa.Check(_spellings, name="one spelling per id"))
        else:
            checks.append(pa.Check(lambda x: np.isfinite(x), name=f"values must be finite ({s.rule})"))
            if s.kind == "integer":
                checks.append(pa.Check(lambda x: x == np.round(x),
                                       name=f"values must be whole numbers ({s.rule})"))
            if s.lower is not None:
                checks.append(pa.Check(lambda x, lo=s.lower: x >= lo, name=s.rule))
            if s.upper is not None:
                checks.append(pa.Check(lambda x, hi=s.upper: x <= hi, name=s.rule))
        if s.name in ("firm", "year"):
            what = "firms" if s.name == "firm" else "years"
            checks.append(pa.Check(lambda x: x.nunique() >= 2,
                                   name=f"the panel needs at least 2 firms and at least 2 years "
                                        f"(within variation): too few {what}"))
        for p in PLAUSIBILITY:
            if p.column == s.name and p.key not in accept:
                checks.append(pa.Check(p.test, name=f"plausible scale [{p.key}]: {p.rule}"))
        dtype = pa.String if s.kind == "string" else pa.Float64
        columns[s.name] = pa.Column(dtype, checks=checks, nullable=False, coerce=s.kind != "string")
    return pa.DataFrameSchema(columns, strict=False, unique=["firm", "year"], report_duplicates="all")


# ---------------------------------------------------------------- messages

@dataclass(frozen=True)
class _Source:
    """Where a panel came from, for messages: the file and how its rows are numbered."""

    path: Path
    row_word: str  # "CSV line", "Excel row" or "record"
    offset: int  # added to the 0-based data-row position to give the shown number

    def rows(self, index, note: bool = True) -> str:
        idx = sorted(int(i) for i in index)
        shown = ", ".join(str(i + self.offset) for i in idx[:_MAX_ROWS_SHOWN])
        more = f" and {len(idx) - _MAX_ROWS_SHOWN} more" if len(idx) > _MAX_ROWS_SHOWN else ""
        if not note:
            return f"{self.row_word} {shown}{more}"
        note = " (line 1 is the header)" if self.offset == 2 else " (record 1 is the first data row)"
        return f"{self.row_word} {shown}{more}{note}"

    def fail(self, column: str | None, rows, rule: str, detail: str = "") -> str:
        where = f"column '{column}'" if column else "file"
        at = f", {self.rows(rows)}" if rows is not None and len(rows) else ""
        extra = f"; {detail}" if detail else ""
        return f"{where}{at}: rule broken: {rule}{extra}"


def _fail(path: Path, column: str | None, rows, rule: str, detail: str = "") -> PanelError:
    return PanelError(f"{path}: {_Source(path, 'CSV line', 2).fail(column, rows, rule, detail)}")


def _describe(source: _Source, frame: pd.DataFrame, cases: pd.DataFrame) -> list[str]:
    """One message line per (column, rule) of pandera's failure cases, in contract order."""
    cases = cases.copy()
    cases["check"] = cases["check"].astype(str)
    coerced = set(cases.loc[cases["check"].str.startswith("coerce_dtype"), "column"])
    # a value that cannot be read as a number also fails the dtype test and makes every
    # later check of its column raise TypeError: report the unreadable value only
    consequence = cases["column"].isin(coerced) & ~cases["check"].str.startswith("coerce_dtype")
    cases = cases.loc[~consequence]
    order = {c: i for i, c in enumerate(PANEL_COLUMNS)}
    cases["_order"] = cases["column"].map(order).fillna(len(order))
    lines = []
    unique_done = False
    for (_, column, check), group in cases.groupby(["_order", "column", "check"], sort=True):
        rows = group["index"].dropna().astype(int).tolist()
        values = group["failure_case"]
        spec = _SPEC.get(column)
        if check == "multiple_fields_uniqueness":
            if unique_done:
                continue
            unique_done = True
            first = frame.loc[rows[0]]
            lines.append(source.fail("firm", rows, "(firm, year) must be unique",
                                     f"duplicate firm-year ({first['firm']!r}, {_show(first['year'])})"))
        elif check.startswith("coerce_dtype") or check.startswith("dtype("):
            lines.append(source.fail(column, rows, f"values must be numbers ({spec.rule})",
                                     f"non-numeric value {values.iloc[0]!r}"))
        elif check == "not_nullable":
            lines.append(source.fail(column, rows, "no missing values (empty cell or NaN)"))
        elif check == "one spelling per id":
            lines.append(source.fail(column, rows, "one spelling per id: ids may not differ "
                                     "only by surrounding spaces or Unicode width (NFKC)",
                                     _spelling_detail(source, frame[column], rows)))
        elif check.startswith("the panel needs"):
            n = frame[column].nunique()
            lines.append(source.fail(column, None, check.split(": too few")[0],
                                     f"found {n} distinct value(s) of {column}"))
        elif check.startswith("plausible scale ["):
            key = check[len("plausible scale ["):].split("]")[0]
            p = next(p for p in PLAUSIBILITY if p.key == key and p.column == column)
            lines.append(source.fail(column, rows if len(rows) < len(frame) else None,
                                     check.split("]: ", 1)[1],
                                     f"{p.hint}; to keep the data as they are on purpose pass "
                                     f"accept=[{key!r}] (chapters: panel_accept, "
                                     f"make: PANEL_ACCEPT={key})"))
        else:
            detail = ""
            if len(values) and not pd.isna(values.iloc[0]) and spec is not None and spec.kind != "string":
                v = float(values.iloc[0])
                if spec.lower is not None and v < spec.lower:
                    detail = ("negative value" if spec.lower == 0 else "value below the lower bound") + f" {v:g}"
                elif spec.upper is not None and v > spec.upper:
                    detail = f"value above the upper bound {v:g}"
                else:
                    detail = f"found {v:g}"
            lines.append(source.fail(column, rows, check, detail))
    return lines


def _show(value) -> str:
    """A cell as written: 2018.0 read from Excel shows as 2018."""
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def _spelling_detail(source: _Source, ids: pd.Series, rows: list[int]) -> str:
    key = _id_key(ids.loc[rows])
    parts = []
    for _, group in ids.loc[rows].groupby(key, sort=False):
        spell = [f"{s!r} at {source.rows(group.index[group == s], note=False)}" for s in dict.fromkeys(group)]
        parts.append(" vs ".join(spell))
    return "; ".join(parts[:3])


# ---------------------------------------------------------------- reading files

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel",
           ".dta": "stata", ".parquet": "parquet", ".pq": "parquet"}
_FORMAT_NAMES = {"csv": "a CSV (text) file", "excel": "an Excel .xlsx file", "stata": "a Stata .dta file",
                 "parquet": "a Parquet file", "xls": "a legacy Excel .xls file",
                 "gzip": "a gzip-compressed file", "zip": "a zip archive"}


def _sniff(raw: bytes) -> str:
    """The format the file's first bytes show (magic numbers); ``csv`` for text."""
    if raw.startswith(b"PAR1"):
        return "parquet"
    if raw.startswith(b"PK\x03\x04"):
        return "excel" if b"[Content_Types].xml" in raw[:2000] or b"xl/" in raw[:4000] else "zip"
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if raw.startswith(b"<stata_dta>") or (len(raw) > 2 and raw[0] in (113, 114, 115) and raw[1] in (1, 2)):
        return "stata"
    if raw.startswith(b"\x1f\x8b"):
        return "gzip"
    return "csv"


def _resolve(path: str | Path) -> Path:
    """An absolute path: relative ones from the working directory, else from the repository."""
    path = Path(path).expanduser()
    if path.is_absolute():
        return path.resolve()
    here = (Path.cwd() / path).resolve()
    if not here.exists() and (ROOT / path).exists():
        return (ROOT / path).resolve()
    return here


def read_column_map(columns: Mapping[str, str] | str | Path | None) -> dict[str, str]:
    """The ``columns`` argument as a dict {your name: contract name}.

    A mapping is used as given; a string or path names a YAML (``.yml``,
    ``.yaml``) or JSON file holding one. ``None`` or an empty string: no renaming.
    """
    if columns is None or (isinstance(columns, str) and not columns.strip()):
        return {}
    if isinstance(columns, Mapping):
        mapping = dict(columns)
    else:
        file = _resolve(columns)
        if not file.is_file():
            raise PanelError(f"{file}: file: rule broken: the column map must exist; no such file")
        text = file.read_text(encoding="utf-8-sig")
        try:
            if file.suffix.lower() == ".json":
                mapping = json.loads(text)
            else:
                import yaml
                mapping = yaml.safe_load(text)
        except ValueError as exc:  # json.JSONDecodeError and yaml.YAMLError are ValueErrors or close
            raise PanelError(f"{file}: file: rule broken: the column map must be valid "
                             f"{'JSON' if file.suffix.lower() == '.json' else 'YAML'}; {exc}") from None
        except Exception as exc:  # yaml.YAMLError
            raise PanelError(f"{file}: file: rule broken: the column map must be valid YAML; {exc}") from None
        if not isinstance(mapping, Mapping):
            raise PanelError(f"{file}: file: rule broken: the column map must be a mapping "
                             f"'your column: contract column'; found {type(mapping).__name__}")
    mapping = {str(k).strip(): str(v).strip() for k, v in mapping.items()}
    unknown = sorted(v for v in mapping.values() if v not in PANEL_COLUMNS)
    if unknown:
        raise PanelError(f"column map: rule broken: every target must be a contract column "
                         f"{list(PANEL_COLUMNS)}; unknown target(s) {unknown}")
    return mapping


def _decode(path: Path, raw: bytes, encoding: str | None) -> str:
    codec = "utf-8-sig" if encoding is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8") \
        else encoding
    try:
        return raw.decode(codec)
    except LookupError:
        raise _fail(path, None, None, "the encoding must be a Python codec name",
                    f"unknown encoding {encoding!r} (e.g. 'utf-8', 'gb18030', 'big5', 'latin-1')") from None
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        name = "UTF-8" if encoding is None else encoding
        hint = ("; a file saved by Excel or exported from CSMAR / Wind on a Chinese system is "
                "usually GB18030: pass encoding='gb18030' (chapters: panel_encoding, "
                "make: PANEL_ENCODING=gb18030)") if encoding is None else ""
        raise _fail(path, None, None, f"the file must be {name} encoded",
                    f"CSV line {line}: byte {raw[exc.start:exc.start + 1].hex(' ')} "
                    f"(file offset {exc.start}) cannot be decoded{hint}") from None


def _read_csv(path: Path, raw: bytes, encoding: str | None) -> tuple[list[str], pd.DataFrame]:
    text = _decode(path, raw, encoding)
    if not text.strip():
        raise _fail(path, None, None, "the file must contain a header and at least one data row",
                    "the file is empty")
    text = text.lstrip("\r\n")
    first = text.splitlines()[0]
    if "," not in first and (";" in first or "\t" in first):
        sep = "semicolon" if ";" in first else "tab"
        raise _fail(path, None, None, "the file must be comma-separated",
                    f"the header line is {sep}-separated: {first[:80]!r}")
    header = next(csv.reader(io.StringIO(first)))
    try:
        # blank lines are read (as empty rows) and dropped after, so that the index stays the
        # file's line number minus 2 and messages point at the right line
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _fail(path, None, None, "the file must be a well-formed CSV table",
                    str(exc).strip()) from None
    if df.shape[1] != len(header):
        raise _fail(path, None, None, "the file must be a well-formed CSV table",
                    f"the header has {len(header)} fields but pandas read {df.shape[1]}")
    df.columns = range(len(header))  # names from our own reading of the header (pandas renames repeats)
    blank = df.fillna("").eq("").all(axis=1)  # a blank line, or a record of empty fields only
    return header, df.loc[~blank]


def _read_excel(path: Path, sheet) -> tuple[list[str], pd.DataFrame]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = book.sheetnames
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise _fail(path, None, None, "the sheet must exist", f"no sheet number {sheet}; sheets {names}")
            ws = book.worksheets[sheet]
        else:
            if sheet not in names:
                raise _fail(path, None, None, "the sheet must exist", f"no sheet {sheet!r}; sheets {names}")
            ws = book[sheet]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows or all(v is None for v in rows[0]):
        raise _fail(path, None, None, "the file must contain a header and at least one data row",
                    "the sheet is empty")
    header = ["" if v is None else str(v) for v in rows[0]]
    width = len(header)
    while width and header[width - 1] == "":
        width -= 1
    body = [r[:width] for r in rows[1:]]
    while body and all(v is None for v in body[-1]):
        body.pop()  # trailing empty rows that openpyxl reports for formatted cells
    return header[:width], pd.DataFrame(body, columns=range(width), dtype=object)


def _read_columnar(path: Path, kind: str) -> tuple[list[str], pd.DataFrame]:
    try:
        if kind == "stata":
            df = pd.read_stata(path, convert_categoricals=True, preserve_dtypes=False)
            header = [str(c) for c in df.columns]
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            header = [str(c) for c in table.column_names]
            df = table.to_pandas(ignore_metadata=True)
    except (ValueError, OSError) as exc:
        raise _fail(path, None, None, f"the file must be {_FORMAT_NAMES[kind]}", str(exc).strip()) from None
    df.columns = range(len(header))
    return header, df.reset_index(drop=True)


def _as_text(cells: pd.Series) -> pd.Series:
    """Identifier cells as text: numbers without a spurious '.0', missing as empty."""
    if pd.api.types.is_string_dtype(cells) and not cells.isna().any():
        return cells.astype(str)

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        return str(v)
    return cells.map(one).astype(str)


def _as_numbers(cells: pd.Series) -> pd.Series:
    """Numeric cells with the NA spellings as NaN; the rest left for the schema to coerce."""
    if pd.api.types.is_numeric_dtype(cells):
        return cells
    if pd.api.types.is_string_dtype(cells) and not cells.isna().any():
        text = cells.astype(str).str.strip()
        return text.where(~text.str.lower().isin(_NA_TOKENS), np.nan).astype(object)
    text = cells.map(lambda v: v.strip() if isinstance(v, str) else v)
    na = text.map(lambda v: v is None or v is pd.NA or (isinstance(v, str) and v.lower() in _NA_TOKENS)
                  or (isinstance(v, float) and np.isnan(v)))
    return text.where(~na, np.nan).astype(object)


def load_panel(path: str | Path, *, encoding: str | None = None,
               columns: Mapping[str, str] | str | Path | None = None,
               sheet: str | int | None = None, accept: Iterable[str] | str = ()) -> pd.DataFrame:
    """Read and validate a panel file following the panel contract.

    Parameters
    ----------
    path
        ``.csv``, ``.xlsx``, ``.dta`` or ``.parquet`` file. A relative path is
        read from the working directory (else from the repository).
    encoding
        CSV only: a Python codec name (``"gb18030"``, ``"big5"``, ...); default UTF-8.
    columns
        Renames the file's columns to the contract's, e.g.
        ``{"ESG评分": "esg", "企业": "firm"}``, or a YAML / JSON file holding
        such a mapping (:func:`read_column_map`).
    sheet
        Excel only: sheet name or 0-based number (default: the first sheet).
    accept
        Keys of :data:`PLAUSIBILITY` rules to waive on purpose (e.g.
        ``["esg_unit_scale"]`` for a panel whose ESG really is on 0-1); a
        string is split at commas and spaces.

    Returns a DataFrame with the contract columns in :data:`PANEL_COLUMNS`
    order first (extra columns kept after), sorted by firm and year with a
    fresh index; ``firm`` and ``region`` are strings, ``year`` and
    ``risk_events`` int64, the others float64. Raises :class:`PanelError` on
    any breach of the contract.
    """
    path = _resolve(path)
    if isinstance(accept, str):  # from a command line: "esg_unit_scale,growth_in_percent"
        accept = accept.replace(",", " ").split()
    if not path.exists():
        raise _fail(path, None, None, "the panel file must exist", "no such file")
    if path.is_dir():
        raise _fail(path, None, None, "the panel must be a file", "it is a directory")
    unknown = sorted(set(accept) - _PLAUSIBILITY_KEYS)
    if unknown:
        raise _fail(path, None, None, "accept may only name plausibility rules",
                    f"unknown key(s) {unknown}; known: {sorted(_PLAUSIBILITY_KEYS)}")
    mapping = read_column_map(columns)
    raw = path.read_bytes()
    claimed = FORMATS.get(path.suffix.lower())
    found = _sniff(raw[:4096])
    kind = claimed or found
    if found != kind or kind not in ("csv", "excel", "stata", "parquet"):
        what = _FORMAT_NAMES.get(claimed, f"a {path.suffix or 'extension-less'} file")
        raise _fail(path, None, None, f"the content must match the file's extension ({what})",
                    f"this is {_FORMAT_NAMES[found]}, not {what}: rename it to the right extension "
                    f"(.csv, .xlsx, .dta, .parquet) or export it again")
    if kind == "csv":
        header, df = _read_csv(path, raw, encoding)
        source = _Source(path, "CSV line", 2)
    elif kind == "excel":
        header, df = _read_excel(path, sheet)
        source = _Source(path, "Excel row", 2)
    else:
        header, df = _read_columnar(path, kind)
        source = _Source(path, "record", 1)

    def fail(column, rows, rule, detail=""):
        return PanelError(f"{path}: {source.fail(column, rows, rule, detail)}")

    header = [str(c).strip() for c in header]
    absent = [k for k in mapping if k not in header]
    if absent:
        raise fail(None, None, "every column named in the column map must be in the file",
                   f"not found: {absent}; the file's header is {header}")
    named = [mapping.get(c, c) for c in header]
    repeated = sorted({c for c in named if c and named.count(c) > 1},
                      key=lambda c: (c not in PANEL_COLUMNS, c))
    if repeated:
        c = repeated[0]
        spelled = [h for h, n in zip(header, named, strict=True) if n == c]
        raise fail(c, None, "each column must appear once in the header",
                   f"the header names '{c}' {len(spelled)} times (as {spelled})")
    missing = [c for c in PANEL_COLUMNS if c not in named]
    if missing:
        raise fail(missing[0], None, "every contract column must be present",
                   f"missing column(s) {missing}; found {header}"
                   + ("" if mapping else "; map your names with columns={'your name': 'contract name'}"))
    if len(df) == 0:
        raise fail(None, None, "the file must contain at least one data row", "only a header was found")
    df = df.iloc[:, :len(named)]
    df.columns = named + [f"_extra{i}" for i in range(df.shape[1] - len(named))]

    typed = pd.DataFrame(index=df.index)
    for s in CODEBOOK:
        typed[s.name] = _as_text(df[s.name]) if s.kind == "string" else _as_numbers(df[s.name])
    try:
        typed = schema(accept).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems = _describe(source, typed, exc.failure_cases)
        more = len(problems) - _MAX_PROBLEMS_SHOWN
        shown = problems[:_MAX_PROBLEMS_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
        raise PanelError(f"{path}: " + f"\n{path}: ".join(shown)) from None
    for s in CODEBOOK:
        if s.kind == "integer":
            typed[s.name] = typed[s.name].astype("int64")
        elif s.kind == "float":
            typed[s.name] = typed[s.name].astype("float64")
    for c in named:
        if c and c not in PANEL_COLUMNS:
            typed[c] = df[c]
    return typed.sort_values(["firm", "year"], kind="mergesort").reset_index(drop=True)


def industry_mean_esg(panel: pd.DataFrame, leave_one_out: bool) -> pd.Series:
    """The industry-average ESG instrument for each firm-year (aligned with ``panel``).

    The paper instruments a firm's ESG score with its industry's average ESG
    score. The sample is a single industry (listed e-commerce firms), so the
    "industry" of a firm-year is every firm in the panel in that year:

    * ``leave_one_out=False``: mean of ``esg`` over all firms in the year
      (including the firm itself, as the paper's wording suggests);
    * ``leave_one_out=True``: mean over the *other* firms in the year, which
      removes the firm's own score (and its own shock) from its instrument.
      A year with a single firm gives NaN.
    """
    year_sum = panel.groupby("year")["esg"].transform("sum")
    year_n = panel.groupby("year")["esg"].transform("count")
    if leave_one_out:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = (year_sum - panel["esg"]) / (year_n - 1).where(year_n > 1)
        name = "industry_mean_esg_loo"
    else:
        values = year_sum / year_n
        name = "industry_mean_esg"
    return values.astype("float64").rename(name)
