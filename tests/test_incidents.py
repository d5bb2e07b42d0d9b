"""The incident file and its loader (esgrisk.incidents)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from esgrisk import incidents as inc
from esgrisk.paths import INCIDENTS, ROOT


def _raw() -> pd.DataFrame:
    return pd.read_csv(INCIDENTS, dtype=str, keep_default_na=False)


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "incidents.csv"
    frame.to_csv(path, index=False)
    return path


def test_shipped_file_loads():
    frame = inc.load_incidents()
    assert list(frame.columns) == list(inc.COLUMNS)
    assert frame["event_id"].is_unique
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert frame["date"].is_monotonic_increasing
    assert set(frame["type"]) <= set(inc.EVENT_TYPES)


def test_relative_path_is_read_from_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert len(inc.load_incidents("data/events/incidents.csv")) == len(_raw())


def test_shipped_citations_exist_in_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib))
    used = {k for c in _raw()["citation"] for k in inc.citation_keys(c)}
    assert used <= keys, sorted(used - keys)


def test_documented_figures_are_present():
    """A few figures straight from shared/facts/case_facts.md."""
    frame = inc.load_incidents().set_index("event_id")
    assert frame.loc["E13", "amount"] == 746e6 and frame.loc["E13", "unit"] == "EUR"
    assert frame.loc["E10", "amount"] == 18.228e9 and frame.loc["E10", "unit"] == "CNY"
    assert frame.loc["E15", "amount"] == 8.026e9
    assert frame.loc["E21", "amount"] == 56_904_909
    assert frame.loc["E01", "amount"] == 145e6


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("date", "2021-13-01", "ISO date"),
        ("date", "21/04/2021", "ISO date"),
        ("date_precision", "year", "'day' or 'month'"),
        ("type", "scandal", "must be one of"),
        ("jurisdiction", "Mars", "must be one of"),
        ("amount", "-5", "number >= 0"),
        ("amount", "lots", "number >= 0"),
        ("esg_dimension", "X", "E, S and/or G"),
        ("citation", "", "bibliography keys"),
        ("firm", "", "must not be empty"),
        ("event_id", "7", "'E' followed"),
    ],
)
def test_broken_cell_is_named(tmp_path, column, value, rule):
    frame = _raw()
    row = 3
    frame.loc[row, column] = value
    path = _write(tmp_path, frame)
    with pytest.raises(inc.IncidentsError) as err:
        inc.load_incidents(path)
    message = str(err.value)
    assert str(path) in message
    assert f"column '{column}'" in message
    assert str(row + 2) in message
    assert rule in message


def test_month_precision_needs_first_of_month(tmp_path):
    frame = _raw()
    row = frame.index[frame["date_precision"] == "month"][0]
    frame.loc[row, "date"] = frame.loc[row, "date"][:8] + "15"
    with pytest.raises(inc.IncidentsError, match="must be the 1st"):
        inc.load_incidents(_write(tmp_path, frame))


def test_unit_iff_amount(tmp_path):
    frame = _raw()
    row = frame.index[frame["amount"] != ""][0]
    frame.loc[row, "unit"] = ""
    with pytest.raises(inc.IncidentsError, match="exactly when amount"):
        inc.load_incidents(_write(tmp_path, frame))


def test_duplicate_id(tmp_path):
    frame = _raw()
    frame.loc[1, "event_id"] = frame.loc[0, "event_id"]
    with pytest.raises(inc.IncidentsError, match="unique"):
        inc.load_incidents(_write(tmp_path, frame))


def test_missing_column_and_file(tmp_path):
    with pytest.raises(inc.IncidentsError, match="missing"):
        inc.load_incidents(_write(tmp_path, _raw().drop(columns="citation")))
    with pytest.raises(inc.IncidentsError, match="not found"):
        inc.load_incidents(tmp_path / "nope.csv")


def test_markdown_table_has_one_cited_row_per_event():
    frame = inc.load_incidents()
    table = inc.incidents_markdown(frame).splitlines()
    assert len(table) == len(frame) + 2
    assert all("{cite:p}`" in line for line in table[2:])


@pytest.mark.parametrize(
    ("amount", "unit", "label"),
    [(746e6, "EUR", "EUR 746 million"), (18.228e9, "CNY", "CNY 18.228 billion"),
     (56_904_909, "accounts", "56,904,909 accounts"), (12, "GB", "12 GB"),
     (float("nan"), "", "")],
)
def test_format_amount(amount, unit, label):
    assert inc.format_amount(amount, unit) == label


# --- figures of the qualitative chapters (timeline from this file; causal diagram) ---

def test_timeline_draws_every_event():
    from esgrisk.timeline import incident_timeline

    frame = inc.load_incidents()
    fig = incident_timeline(frame)
    ax = fig.axes[0]
    labels = {t.get_text().split(":")[0] for t in ax.texts}
    assert labels == set(frame["event_id"])
    first_seen = list(frame.groupby("firm")["date"].min().sort_values().index)
    assert [t.get_text() for t in ax.get_yticklabels()] == first_seen
    assert "EUR 746 million" in " ".join(t.get_text() for t in ax.texts)


def test_timeline_rejects_unknown_type():
    from esgrisk.timeline import incident_timeline

    frame = inc.load_incidents().copy()
    frame.loc[0, "type"] = "mystery"
    with pytest.raises(ValueError, match="mystery"):
        incident_timeline(frame)


def test_causal_diagram_names_panel_variables_and_chapters():
    from esgrisk.diagram import causal_diagram

    fig = causal_diagram({"loop": "H3: ch. 5 (test)"})
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    for name in ("risk_events", "esg", "region_incidents", "log_assets", "cr4",
                 "reg_strength", "revenue_growth", "H1", "H2", "H3: ch. 5 (test)"):
        assert name in text


def test_to_image_gives_png_for_glue():
    from esgrisk.diagram import causal_diagram, to_image

    image = to_image(causal_diagram(), dpi=40)
    assert image.format == "png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"
