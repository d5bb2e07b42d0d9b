"""The panel contract: one CSV row per firm-year, loaded and validated in one place.

:func:`load_panel` is the only way the book reads a panel. It never repairs a
file silently: every problem raises :class:`PanelError` whose message names

* the file (absolute path),
* the column,
* the first offending rows, as **line numbers of the CSV file** (line 1 is
  the header, so the first data row is line 2; a record spanning several
  physical lines through a quoted newline is not supported),
* the rule that was broken.

Decisions documented here (and tested in ``tests/test_panel.py``):

* **Delimiter.** Only comma-separated files are accepted. A header that has no
  comma but contains ``;`` or a tab is rejected with a message saying the file
  must be comma-separated (semicolon files often come with decimal commas,
  which cannot be read back safely).
* **Encoding.** UTF-8, with or without a byte-order mark; non-ASCII firm names
  such as ``京东`` are kept as written.
* **Identifiers.** ``firm`` and ``region`` are read as text, so ``007`` stays
  ``007``.
* **Missing values.** An empty cell, or one spelled ``NaN``/``NA``/``null``, in
  a contract column is an error.
* **Extra columns** are kept after the contract columns and otherwise ignored.

The column definitions live in :data:`CODEBOOK` (the single source of truth
for the loader, its error messages and the codebook table in chapter 2).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from esgrisk.paths import resolve

__all__ = [
    "PANEL_COLUMNS", "CODEBOOK", "ColumnSpec", "PanelError", "codebook",
    "load_panel", "industry_mean_esg",
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


class PanelError(ValueError):
    """A panel file breaks the panel contract; the message says where and which rule."""


def codebook() -> pd.DataFrame:
    """The panel contract as a table: column, type, rule, meaning, paper's measure."""
    return pd.DataFrame(
        [(s.name, s.kind, s.rule, s.meaning, s.paper_measure) for s in CODEBOOK],
        columns=["column", "type", "rule", "meaning", "paper_measure"],
    )


def _lines(index) -> str:
    """Format data-row positions (0-based) as CSV line numbers (header = line 1)."""
    idx = sorted(int(i) for i in index)
    shown = ", ".join(str(i + 2) for i in idx[:_MAX_ROWS_SHOWN])
    more = f" and {len(idx) - _MAX_ROWS_SHOWN} more" if len(idx) > _MAX_ROWS_SHOWN else ""
    return f"CSV line {shown}{more} (line 1 is the header)"


def _fail(path: Path, column: str | None, rows, rule: str, detail: str = "") -> PanelError:
    where = f"column '{column}'" if column else "file"
    at = f", {_lines(rows)}" if rows is not None and len(rows) else ""
    extra = f"; {detail}" if detail else ""
    return PanelError(f"{path}: {where}{at}: rule broken: {rule}{extra}")


def _schema() -> pa.DataFrameSchema:
    """Pandera schema of the typed panel (run after the explicit checks)."""
    columns = {}
    for s in CODEBOOK:
        checks = []
        if s.lower is not None and s.upper is not None:
            checks.append(pa.Check.in_range(s.lower, s.upper, name=s.rule))
        elif s.lower is not None:
            checks.append(pa.Check.ge(s.lower, name=s.rule))
        elif s.upper is not None:
            checks.append(pa.Check.le(s.upper, name=s.rule))
        if s.kind == "string":
            checks.append(pa.Check(lambda x: x.str.strip().str.len() > 0, name=s.rule))
            dtype = pa.String
        elif s.kind == "integer":
            dtype = pa.Int64
        else:
            checks.append(pa.Check(lambda x: np.isfinite(x), name="finite number"))
            dtype = pa.Float64
        columns[s.name] = pa.Column(dtype, checks=checks, nullable=False)
    return pa.DataFrameSchema(columns, strict=False, unique=["firm", "year"])


def _read_text(path: Path) -> str:
    if not path.exists():
        raise _fail(path, None, None, "the panel file must exist", "no such file")
    if path.is_dir():
        raise _fail(path, None, None, "the panel must be a CSV file", "it is a directory")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, None, None, "the file must be UTF-8 encoded",
                    f"byte {exc.start} cannot be decoded") from None
    if not text.strip():
        raise _fail(path, None, None, "the file must contain a header and at least one data row",
                    "the file is empty")
    return text


def load_panel(path: str | Path) -> pd.DataFrame:
    """Read and validate a panel CSV following the panel contract.

    Relative paths are resolved against the project root
    (:func:`esgrisk.paths.resolve`). Returns a DataFrame with the contract
    columns in :data:`PANEL_COLUMNS` order first (extra columns kept after),
    sorted by firm and year with a fresh index; ``firm`` and ``region`` are
    strings, ``year`` and ``risk_events`` int64, the others float64.
    Raises :class:`PanelError` on any breach of the contract.
    """
    path = resolve(path).resolve()
    text = _read_text(path)
    header = text.lstrip("\r\n").splitlines()[0]
    if "," not in header and (";" in header or "\t" in header):
        sep = "semicolon" if ";" in header else "tab"
        raise _fail(path, None, None, "the file must be comma-separated",
                    f"the header line is {sep}-separated: {header[:80]!r}")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _fail(path, None, None, "the file must be a well-formed CSV table",
                    str(exc).strip()) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in PANEL_COLUMNS if c not in df.columns]
    if missing:
        raise _fail(path, missing[0], None, "every contract column must be present",
                    f"missing column(s) {missing}; found {list(df.columns)}")
    dup_cols = [c for c in PANEL_COLUMNS if list(df.columns).count(c) > 1]
    if dup_cols:
        raise _fail(path, dup_cols[0], None, "each contract column must appear once")
    if len(df) == 0:
        raise _fail(path, None, None, "the file must contain at least one data row",
                    "only a header was found")

    out = pd.DataFrame(index=df.index)
    for s in CODEBOOK:
        cells = df[s.name].fillna("").astype(str)  # a short row leaves NaN: treat as empty
        if s.kind == "string":  # text ids: only a blank cell is missing ("NA" may be a region)
            empty = cells.str.strip() == ""
            if empty.any():
                raise _fail(path, s.name, df.index[empty], f"no missing values: {s.rule}",
                            "empty cell")
            out[s.name] = cells.astype("str")
            continue
        empty = cells.str.strip().str.lower().isin(_NA_TOKENS)
        if empty.any():
            raise _fail(path, s.name, df.index[empty], "no missing values (empty cell or NaN)",
                        f"found {cells[empty].iloc[0]!r}")
        values = pd.to_numeric(cells.str.strip(), errors="coerce")
        bad = values.isna()
        if bad.any():
            first = cells[bad].iloc[0]
            raise _fail(path, s.name, df.index[bad], f"values must be numbers ({s.rule})",
                        f"non-numeric value {first!r}")
        values = values.astype("float64")
        notfinite = ~np.isfinite(values)
        if notfinite.any():
            raise _fail(path, s.name, df.index[notfinite], f"values must be finite ({s.rule})")
        if s.kind == "integer":
            frac = values != np.round(values)
            if frac.any():
                raise _fail(path, s.name, df.index[frac], f"values must be whole numbers ({s.rule})",
                            f"found {float(values[frac].iloc[0]):g}")
        if s.lower is not None:
            low = values < s.lower
            if low.any():
                what = "negative value" if s.lower == 0 else "value below the lower bound"
                raise _fail(path, s.name, df.index[low], s.rule, f"{what} {float(values[low].iloc[0]):g}")
        if s.upper is not None:
            high = values > s.upper
            if high.any():
                raise _fail(path, s.name, df.index[high], s.rule,
                            f"value above the upper bound {float(values[high].iloc[0]):g}")
        out[s.name] = values.astype("int64") if s.kind == "integer" else values

    dup = out.duplicated(["firm", "year"], keep=False)
    if dup.any():
        first = out.loc[dup].iloc[0]
        raise _fail(path, "firm", out.index[dup], "(firm, year) must be unique",
                    f"duplicate firm-year ({first['firm']!r}, {first['year']})")
    for col in ("firm", "year"):
        n = out[col].nunique()
        if n < 2:
            raise _fail(path, col, None,
                        "the panel needs at least 2 firms and at least 2 years (within variation)",
                        f"found {n} distinct value(s) of {col}")

    try:
        _schema().validate(out, lazy=True)
    except pa.errors.SchemaErrors as exc:  # belt and braces: the checks above should catch all
        cases = exc.failure_cases
        row = cases.iloc[0]
        rows = cases.loc[cases["column"] == row["column"], "index"].dropna()
        raise _fail(path, str(row["column"]), rows.astype(int).tolist(), str(row["check"])) from None

    extras = [c for c in df.columns if c not in PANEL_COLUMNS]
    for c in extras:
        out[c] = df[c]
    out = out.sort_values(["firm", "year"], kind="mergesort").reset_index(drop=True)
    return out


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
