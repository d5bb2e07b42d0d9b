"""The incident file: documented security, privacy, safety and ESG events of the case firms.

``data/events/incidents.csv`` holds one row per documented event, built only
from the verified facts in ``shared/facts/case_facts.md`` and cited with keys of
``book/references.bib``. :func:`load_incidents` reads it and enforces the schema
below; a broken file fails with a message that names the file, the column, the
offending rows and the rule, like the panel loader does.

The schema (also in ``data/events/README.md``):

============== ================================================================
column         rule
============== ================================================================
event_id       ``E`` followed by two or more digits; unique
firm           non-empty text
date           ISO date ``YYYY-MM-DD``
date_precision ``day`` or ``month``; with ``month`` the date is the 1st
type           one of :data:`EVENT_TYPES`
jurisdiction   one of :data:`JURISDICTIONS`
amount         empty, or a number >= 0
unit           empty when ``amount`` is empty, else one of :data:`UNITS`
esg_dimension  one or more of ``E``, ``S``, ``G`` joined by ``;`` (the book's
               classification, not a rating agency's)
description    non-empty text, the book's own words
citation       one or more bibliography keys joined by ``;``
============== ================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from esgrisk.paths import INCIDENTS, resolve
from esgrisk.prose import text

#: Closed list of event types and what each means.
EVENT_TYPES: dict[str, str] = {
    "breach": "personal data exposed, stolen, scraped or offered for sale",
    "privacy_fine": "fine imposed by a data-protection or cyberspace regulator",
    "privacy_settlement": "settlement of a privacy complaint with a regulator, with a payment",
    "antitrust": "competition-law decision or fine",
    "safety": "harm to a user's life or health linked to the platform's service",
    "malware": "the firm's own app reported or found to contain malicious code",
    "labour": "employee health, safety or working-conditions incident",
    "regulatory": "regulatory review, suspension or removal order without a fine",
    "ipo_suspension": "listing halted by exchanges or regulators",
    "court_ruling": "court judgment on an earlier event (conviction, appeal)",
    "esg_rating": "a documented ESG rating level or rating change",
    "esg_initiative": "a documented environmental or social programme of the firm",
}

#: Closed list of jurisdictions.
JURISDICTIONS: tuple[str, ...] = ("CN", "US", "EU", "global")

#: Closed list of units for ``amount``.
UNITS: dict[str, str] = {
    "records": "data items or records",
    "accounts": "user accounts",
    "users": "users affected or notified",
    "GB": "gigabytes of data",
    "USD": "US dollars",
    "EUR": "euros",
    "CNY": "Chinese yuan",
}

#: Column order of the file.
COLUMNS: tuple[str, ...] = (
    "event_id", "firm", "date", "date_precision", "type", "jurisdiction",
    "amount", "unit", "esg_dimension", "description", "citation",
)

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_:\-]*$")
_ID = re.compile(r"^E\d{2,}$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class IncidentsError(ValueError):
    """A rule of the incident file is broken; the message says where and which."""


def _fail(path: Path, column: str, rows: Iterable[int], rule: str) -> None:
    rows = list(rows)
    shown = ", ".join(str(r + 2) for r in rows[:5])  # +2: header line and 1-based lines
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    raise IncidentsError(
        f"{path}: column '{column}', file line(s) {shown}{more}: {rule}"
    )


def _check(path: Path, frame: pd.DataFrame, column: str,
           ok: Callable[[str], bool], rule: str) -> None:
    bad = [i for i, v in enumerate(frame[column]) if not ok(v)]
    if bad:
        _fail(path, column, bad, rule)


def _is_number(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    if not _ISO.match(text):
        return False
    try:
        pd.Timestamp(text)
    except ValueError:
        return False
    return True


def citation_keys(citation: str) -> list[str]:
    """Split a ``citation`` cell (``key1;key2``) into its bibliography keys."""
    return [k.strip() for k in str(citation).split(";") if k.strip()]


def validate_incidents(raw: pd.DataFrame, path: str | Path = "<frame>") -> pd.DataFrame:
    """Check a frame read as text against the schema; return it typed.

    ``raw`` must hold strings (empty cells as ``""``). The result has ``date``
    as ``datetime64`` and ``amount`` as float (``NaN`` when empty).
    """
    path = Path(path)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise IncidentsError(
            f"{path}: column(s) {missing} missing: the file needs the columns {list(COLUMNS)}"
        )
    frame = raw[list(COLUMNS)].copy()
    for column in COLUMNS:
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    if frame.empty:
        raise IncidentsError(f"{path}: no rows: the file must list at least one event")

    for column in ("firm", "description"):
        _check(path, frame, column, bool, "must not be empty")
    _check(path, frame, "event_id", lambda v: bool(_ID.match(v)),
           "must be 'E' followed by at least two digits")
    dup = frame.index[frame["event_id"].duplicated(keep=False)]
    if len(dup):
        _fail(path, "event_id", dup, "must be unique")
    _check(path, frame, "date", _is_date, "must be an ISO date YYYY-MM-DD")
    _check(path, frame, "date_precision", lambda v: v in ("day", "month"),
           "must be 'day' or 'month'")
    month_rows = [i for i, (d, p) in enumerate(zip(frame["date"], frame["date_precision"]))
                  if p == "month" and not d.endswith("-01")]
    if month_rows:
        _fail(path, "date", month_rows, "with date_precision 'month' the date must be the 1st")
    _check(path, frame, "type", lambda v: v in EVENT_TYPES,
           f"must be one of {sorted(EVENT_TYPES)}")
    _check(path, frame, "jurisdiction", lambda v: v in JURISDICTIONS,
           f"must be one of {list(JURISDICTIONS)}")
    _check(path, frame, "amount", lambda v: v == "" or _is_number(v),
           "must be empty or a number >= 0")
    unit_rows = [i for i, (a, u) in enumerate(zip(frame["amount"], frame["unit"]))
                 if (a == "") != (u == "")]
    if unit_rows:
        _fail(path, "unit", unit_rows, "must be given exactly when amount is given")
    _check(path, frame, "unit", lambda v: v == "" or v in UNITS,
           f"must be empty or one of {sorted(UNITS)}")
    _check(path, frame, "esg_dimension",
           lambda v: bool(v) and all(p in ("E", "S", "G") for p in v.split(";"))
           and len(set(v.split(";"))) == len(v.split(";")),
           "must be E, S and/or G joined by ';' (no repeats)")
    _check(path, frame, "citation",
           lambda v: bool(citation_keys(v)) and all(_KEY.match(k) for k in citation_keys(v)),
           "must be one or more bibliography keys joined by ';'")

    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    frame["amount"] = pd.to_numeric(frame["amount"].replace("", None), errors="raise").astype(float)
    return frame.sort_values(["date", "event_id"]).reset_index(drop=True)


def load_incidents(path: str | Path = INCIDENTS) -> pd.DataFrame:
    """Read and validate the incident file (relative paths are read from the project root)."""
    path = resolve(path)
    if not path.exists():
        raise IncidentsError(f"{path}: file not found")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    return validate_incidents(raw, path)


#: how an amount in each unit reads (templates of the code catalogue; ``number`` as in :class:`Magnitude`)
AMOUNT_TEMPLATES = {"USD": "USD {number}", "EUR": "EUR {number}", "CNY": "CNY {number}",
                    "users": "{number} users", "records": "{number} records", "accounts": "{number} accounts",
                    "GB": "{number} GB"}
#: the words for large numbers, by language: (size, word, decimals); English "145 million", Chinese "1.45 亿"
_MAGNITUDES = {"en": ((1e9, " billion", 3), (1e6, " million", 3)), "zh_CN": ((1e8, " 亿", 2), (1e4, " 万", 2))}


@dataclass(frozen=True)
class Magnitude:
    """A large number as a reader of each language writes it: ``145 million``, ``1.45 亿``."""

    value: float

    def render(self, language: str = "en") -> str:
        for size, word, decimals in _MAGNITUDES.get(language, _MAGNITUDES["en"]):
            scaled = self.value / size
            if self.value >= size and abs(scaled - round(scaled, decimals)) < 1e-9:
                return f"{scaled:.{decimals}f}".rstrip("0").rstrip(".") + word
        return f"{self.value:,.0f}"


def format_amount(amount: float, unit: str) -> str:
    """Short human label of an amount, e.g. ``EUR 746 million`` or ``145 million users`` (a Text)."""
    if unit == "" or pd.isna(amount):
        return ""
    number = Magnitude(float(amount))
    if unit in AMOUNT_TEMPLATES:
        return text(AMOUNT_TEMPLATES[unit], number=number)
    return f"{number.render()} {unit}"


def cite_role(citation: str, role: str = "cite:p") -> str:
    """MyST citation role for a ``citation`` cell, e.g. ``{cite:p}`a;b```."""
    return f"{{{role}}}`{','.join(citation_keys(citation))}`"


def incidents_markdown(frame: pd.DataFrame) -> str:
    """A MyST markdown table of the incidents with a citation role in each row.

    Rendered as a ``text/markdown`` output by myst-nb (with
    ``nb_render_markdown_format: myst``) so the roles resolve against the
    book's bibliography.
    """
    lines = [
        "| id | date | firm | type | ESG | amount | what happened | source |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in frame.itertuples(index=False):
        date = row.date.strftime("%Y-%m") if row.date_precision == "month" else row.date.strftime("%Y-%m-%d")
        desc = str(row.description).replace("|", "/")
        lines.append(
            f"| {row.event_id} | {date} | {row.firm} | {row.type.replace('_', ' ')} | "
            f"{row.esg_dimension.replace(';', ', ')} | {format_amount(row.amount, row.unit)} | "
            f"{desc} | {cite_role(row.citation)} |"
        )
    return "\n".join(lines)
