"""README.md's list of tables and figures matches the labels the chapters define.

Tables are named in the chapter sources as string literals passed to
``esgrisk.tables.show_table`` / ``myst_table`` (``"tbl-..."``), figures with
``:name: fig-...`` in a ``{glue:figure}`` directive. Each must have exactly one
row in the README's table naming its chapter and its own output file
(``results/tables/<tbl-name>.csv`` or ``results/figures/<fig-name>.png``), and
no row may name a label that no chapter defines. Statically, each named file
must be mentioned by that chapter's source; after a build (whenever
``results/`` exists, and always under ``ESGRISK_STRICT=1``, which ``make test``
sets) every named file must exist in ``results/`` and every table or figure
file there must be named by a row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import missing

from esgrisk.paths import RESULTS, ROOT

README = ROOT / "README.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
SECTION = "## List of tables and figures"
COLUMNS = ["table/figure", "what it shows", "chapter", "output file(s)"]

_LABEL = r"[A-Za-z0-9][A-Za-z0-9_-]*"
FIGURE_DEF = re.compile(rf"^#\s*:name:\s*(fig-{_LABEL})\s*$", re.MULTILINE)
TABLE_DEF = re.compile(rf"""["'](tbl-{_LABEL})["']|^#\s*:name:\s*(tbl-{_LABEL})\s*$""", re.MULTILINE)
TABLE_ANY = re.compile(rf"\btbl-{_LABEL}")
TABLE_DYNAMIC = re.compile(r"""tbl-[A-Za-z0-9_-]*\{""")
CHAPTER = re.compile(r"`?(notebooks/[0-9]{2}_\w+\.py)`?")
OUTPUT_FILE = re.compile(r"`results/([\w.-]+(?:/[\w.-]+)*)`")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _definitions() -> dict[str, list[str]]:
    """label -> chapters (notebook paths) that define it."""
    found: dict[str, list[str]] = {}
    for nb in NOTEBOOKS:
        text = nb.read_text(encoding="utf-8")
        labels = set(FIGURE_DEF.findall(text))
        labels |= {a or b for a, b in TABLE_DEF.findall(text)}
        for label in labels:
            found.setdefault(label, []).append(_rel(nb))
    return found


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no '{SECTION}' section"
    body = text.split(SECTION, 1)[1]
    return re.split(r"^## ", body, maxsplit=1, flags=re.MULTILINE)[0]


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:-1] if inner.endswith("|") else inner[1:]
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def _rows() -> list[dict[str, str]]:
    lines = [ln for ln in _section().splitlines() if ln.lstrip().startswith("|")]
    assert lines, "the README section has no table"
    header = _cells(lines[0])
    assert header == COLUMNS, f"README table columns are {header}, expected {COLUMNS}"
    assert set(_cells(lines[1])) <= {"---", ":---", "---:", ":---:"}
    return [dict(zip(COLUMNS, _cells(ln), strict=True)) for ln in lines[2:]]


def _label_of(cell: str) -> str:
    m = re.fullmatch(rf"`?((?:tbl|fig)-{_LABEL})`?", cell)
    assert m, f"README row label {cell!r} is not a single `tbl-...` or `fig-...` label"
    return m.group(1)


def _named_files(row: dict[str, str]) -> list[str]:
    """The files under ``results/`` a row names, relative to ``results/`` (e.g. ``tables/tbl-x.csv``)."""
    return OUTPUT_FILE.findall(row["output file(s)"])


def _own_file(label: str) -> str:
    """Where a chapter writes the table or figure ``label`` (relative to ``results/``)."""
    return f"tables/{label}.csv" if label.startswith("tbl-") else f"figures/{label}.png"


def test_sources_define_tables_and_figures():
    defs = _definitions()
    assert sum(k.startswith("fig-") for k in defs) >= 5, "figure regex finds almost nothing"
    assert sum(k.startswith("tbl-") for k in defs) >= 10, "table regex finds almost nothing"
    doubles = {k: v for k, v in defs.items() if len(v) > 1}
    assert not doubles, f"labels defined in more than one chapter: {doubles}"


def test_table_names_are_literal():
    """A name built at run time (f"tbl-{x}") would escape this test and the README."""
    for nb in NOTEBOOKS:
        dynamic = TABLE_DYNAMIC.findall(nb.read_text(encoding="utf-8"))
        assert not dynamic, f"{_rel(nb)}: table names must be string literals, found {dynamic}"


def test_every_referenced_table_is_defined():
    defs = _definitions()
    for nb in NOTEBOOKS:
        unknown = set(TABLE_ANY.findall(nb.read_text(encoding="utf-8"))) - set(defs)
        assert not unknown, f"{_rel(nb)} mentions table names no chapter defines: {sorted(unknown)}"


def test_placeholder_is_gone():
    assert "TABLES_AND_FIGURES" not in README.read_text(encoding="utf-8")


def test_readme_lists_every_table_and_figure_with_its_chapter():
    rows = _rows()
    listed: dict[str, list[str]] = {}
    for row in rows:
        listed.setdefault(_label_of(row["table/figure"]), []).append(row["chapter"])
    problems = []
    for label, chapters in sorted(_definitions().items()):
        if label not in listed:
            problems.append(f"{label} ({chapters[0]}) has no row in README.md")
        elif len(listed[label]) > 1:
            problems.append(f"{label} has {len(listed[label])} rows in README.md")
        else:
            m = CHAPTER.fullmatch(listed[label][0])
            named = m.group(1) if m else listed[label][0]
            if named != chapters[0]:
                problems.append(f"{label}: README names chapter {named!r}, defined in {chapters[0]}")
    assert not problems, "\n".join(problems)


def test_readme_names_no_stale_label():
    defs = _definitions()
    stale = [_label_of(r["table/figure"]) for r in _rows() if _label_of(r["table/figure"]) not in defs]
    assert not stale, f"README.md lists labels no chapter defines any more: {stale}"


def test_readme_rows_are_complete():
    for row in _rows():
        label = row["table/figure"]
        assert row["what it shows"], f"{label}: empty 'what it shows'"
        assert CHAPTER.fullmatch(row["chapter"]), f"{label}: chapter {row['chapter']!r} is not a notebook path"
        assert (ROOT / CHAPTER.fullmatch(row["chapter"]).group(1)).exists(), f"{label}: no such chapter"
        assert row["output file(s)"], f"{label}: empty 'output file(s)'"


def test_every_row_names_its_own_table_or_figure_file():
    """AEA-style mapping: each table and figure of the book is a file of the replication package."""
    problems = []
    for row in _rows():
        label = _label_of(row["table/figure"])
        if _own_file(label) not in _named_files(row):
            problems.append(f"{label}: the output column does not name `results/{_own_file(label)}`")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("row", _rows() if README.exists() else [], ids=lambda r: r["table/figure"])
def test_named_output_files_are_written_by_their_chapter(row):
    """Static check only: the file's stem (the label, for tables/ and figures/) occurs in the chapter source."""
    source = (ROOT / CHAPTER.fullmatch(row["chapter"]).group(1)).read_text(encoding="utf-8")
    for name in _named_files(row):
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        assert stem in source, f"{row['table/figure']}: {row['chapter']} never mentions {name}"


def _require_results() -> None:
    if not RESULTS.is_dir():
        missing(f"{RESULTS} does not exist: run `make notebooks` (make test does it first)")


def test_every_named_output_file_exists_after_a_build():
    _require_results()
    named = sorted({name for row in _rows() for name in _named_files(row)})
    absent = [f"results/{name}" for name in named if not (RESULTS / name).is_file()]
    assert not absent, ("README.md names output files that the build did not write "
                        f"(run `make notebooks`): {absent}")


def test_every_table_and_figure_file_is_listed():
    """No orphan: each file in results/tables and results/figures is a row of the README."""
    _require_results()
    named = {name for row in _rows() for name in _named_files(row)}
    found = sorted(p.relative_to(RESULTS).as_posix()
                   for folder in ("tables", "figures") if (RESULTS / folder).is_dir()
                   for p in (RESULTS / folder).iterdir() if p.is_file())
    orphans = [f"results/{name}" for name in found if name not in named]
    assert not orphans, ("files in results/ that README.md does not list (a renamed table or figure "
                         f"leaves its old file behind: `make clean` removes it): {orphans}")
