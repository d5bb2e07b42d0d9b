"""The panel loader: every contract breach fails with file, column, row and rule; good files load."""

from __future__ import annotations

import pandas as pd
import pytest

from esgrisk.panel import CODEBOOK, PANEL_COLUMNS, PanelError, codebook, industry_mean_esg, load_panel

HEADER = ",".join(PANEL_COLUMNS)
GOOD_ROWS = [
    "A,2018,CN,60,3,23.0,0.10,0.60,7.0,100",
    "A,2019,CN,61,4,23.1,0.12,0.62,7.2,110",
    "B,2018,US,70,5,24.0,0.20,0.60,6.0,150",
    "B,2019,US,72,6,24.2,0.22,0.62,6.1,160",
]


def _write(tmp_path, rows, header=HEADER, name="panel.csv", encoding="utf-8", raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def _set(rows, line, column, value):
    """Return rows with the cell (CSV line ``line``, 2 = first data row) of ``column`` replaced."""
    rows = list(rows)
    cells = rows[line - 2].split(",")
    cells[PANEL_COLUMNS.index(column)] = value
    rows[line - 2] = ",".join(cells)
    return rows


def _error(path) -> str:
    with pytest.raises(PanelError) as info:
        load_panel(path)
    return str(info.value)


def _assert_message(msg, path, column, line, *rule_words):
    assert str(path.resolve()) in msg, msg
    if column is not None:
        assert f"'{column}'" in msg, msg
    if line is not None:
        assert f"CSV line {line}" in msg, msg
    for word in rule_words:
        assert word in msg, msg


# ---------------------------------------------------------------- bad inputs

def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    _assert_message(_error(path), path, None, None, "must exist", "no such file")


def test_empty_file(tmp_path):
    path = _write(tmp_path, [], raw=b"")
    _assert_message(_error(path), path, None, None, "empty")


def test_header_only(tmp_path):
    path = _write(tmp_path, [])
    _assert_message(_error(path), path, None, None, "at least one data row")


def test_missing_column(tmp_path):
    header = HEADER.replace(",risk_events", "")
    rows = [",".join(c for i, c in enumerate(r.split(",")) if i != 4) for r in GOOD_ROWS]
    path = _write(tmp_path, rows, header=header)
    _assert_message(_error(path), path, "risk_events", None, "must be present")


def test_non_numeric_value(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 4, "esg", "high"))
    _assert_message(_error(path), path, "esg", 4, "must be numbers", "'high'")


def test_negative_risk_events(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 3, "risk_events", "-1"))
    _assert_message(_error(path), path, "risk_events", 3, ">= 0", "negative")


def test_fractional_risk_events(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 5, "risk_events", "2.5"))
    _assert_message(_error(path), path, "risk_events", 5, "whole numbers", "2.5")


def test_fractional_year(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 2, "year", "2018.5"))
    _assert_message(_error(path), path, "year", 2, "whole numbers")


@pytest.mark.parametrize("value", ["-0.5", "100.5"])
def test_esg_out_of_range(tmp_path, value):
    path = _write(tmp_path, _set(GOOD_ROWS, 3, "esg", value))
    _assert_message(_error(path), path, "esg", 3, "[0, 100]")


def test_cr4_out_of_range(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 2, "cr4", "65"))
    _assert_message(_error(path), path, "cr4", 2, "[0, 1]")


def test_reg_strength_out_of_range(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 5, "reg_strength", "11"))
    _assert_message(_error(path), path, "reg_strength", 5, "[0, 10]")


def test_negative_region_incidents(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 4, "region_incidents", "-3"))
    _assert_message(_error(path), path, "region_incidents", 4, ">= 0", "negative")


def test_duplicate_firm_year(tmp_path):
    rows = _set(GOOD_ROWS, 4, "firm", "A")  # line 4 becomes A,2018 like line 2
    path = _write(tmp_path, rows)
    _assert_message(_error(path), path, "firm", 2, "(firm, year) must be unique", "line 2, 4", "'A', 2018")


@pytest.mark.parametrize("value", ["", "NaN", "nan", "NA"])
def test_missing_numeric_cell(tmp_path, value):
    path = _write(tmp_path, _set(GOOD_ROWS, 4, "log_assets", value))
    _assert_message(_error(path), path, "log_assets", 4, "no missing values")


def test_empty_firm_string(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 3, "firm", "  "))
    _assert_message(_error(path), path, "firm", 3, "no missing values", "non-empty")


def test_empty_region_string(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 5, "region", ""))
    _assert_message(_error(path), path, "region", 5, "no missing values", "non-empty")


def test_single_firm(tmp_path):
    path = _write(tmp_path, GOOD_ROWS[:2])
    _assert_message(_error(path), path, "firm", None, "at least 2 firms", "1 distinct")


def test_single_year(tmp_path):
    path = _write(tmp_path, [GOOD_ROWS[0], GOOD_ROWS[2]])
    _assert_message(_error(path), path, "year", None, "at least 2 years", "1 distinct")


def test_semicolon_delimiter_is_rejected(tmp_path):
    rows = [r.replace(",", ";") for r in GOOD_ROWS]
    path = _write(tmp_path, rows, header=HEADER.replace(",", ";"))
    _assert_message(_error(path), path, None, None, "must be comma-separated", "semicolon")


def test_short_row(tmp_path):
    rows = list(GOOD_ROWS)
    rows[2] = ",".join(rows[2].split(",")[:-1])  # line 4 lacks region_incidents
    path = _write(tmp_path, rows)
    _assert_message(_error(path), path, "region_incidents", 4, "no missing values")


def test_too_many_fields(tmp_path):
    rows = list(GOOD_ROWS)
    rows[1] = rows[1] + ",1,2"
    path = _write(tmp_path, rows)
    _assert_message(_error(path), path, None, None, "well-formed CSV")


def test_not_utf8(tmp_path):
    text = "\n".join([HEADER, *_set(GOOD_ROWS, 2, "firm", "Café")]) + "\n"
    path = _write(tmp_path, [], raw=text.encode("latin-1"))
    _assert_message(_error(path), path, None, None, "UTF-8")


# ---------------------------------------------------------------- good inputs

def test_good_panel_types_and_order(tmp_path):
    rows = [GOOD_ROWS[3], GOOD_ROWS[0], GOOD_ROWS[2], GOOD_ROWS[1]]  # shuffled
    df = load_panel(_write(tmp_path, rows))
    assert tuple(df.columns) == PANEL_COLUMNS
    assert list(zip(df["firm"], df["year"])) == [("A", 2018), ("A", 2019), ("B", 2018), ("B", 2019)]
    assert list(df.index) == [0, 1, 2, 3]
    assert df["year"].dtype == "int64" and df["risk_events"].dtype == "int64"
    for col in ("esg", "log_assets", "revenue_growth", "cr4", "reg_strength", "region_incidents"):
        assert df[col].dtype == "float64", col
    assert pd.api.types.is_string_dtype(df["firm"]) and pd.api.types.is_string_dtype(df["region"])


def test_relative_path_resolves_against_project_root():
    df = load_panel("data/simulated/panel.csv")
    assert len(df) == 72


def test_utf8_bom(tmp_path):
    text = "\n".join([HEADER, *GOOD_ROWS]) + "\n"
    path = _write(tmp_path, [], raw=b"\xef\xbb\xbf" + text.encode("utf-8"))
    df = load_panel(path)
    assert df.columns[0] == "firm" and len(df) == 4


def test_non_ascii_firm_names_and_leading_zeros(tmp_path):
    rows = _set(_set(_set(_set(GOOD_ROWS, 2, "firm", "京东"), 3, "firm", "007"), 4, "firm", "007"),
                5, "firm", "京东")
    rows = [rows[0], rows[3], rows[1], rows[2]]
    df = load_panel(_write(tmp_path, rows))
    assert set(df["firm"]) == {"京东", "007"}


def test_region_na_is_a_region_not_missing(tmp_path):
    rows = _set(_set(GOOD_ROWS, 2, "region", "NA"), 3, "region", "NA")
    assert set(load_panel(_write(tmp_path, rows))["region"]) == {"NA", "US"}


def test_extra_columns_kept_after_contract(tmp_path):
    rows = [r + f",note{i}" for i, r in enumerate(GOOD_ROWS)]
    df = load_panel(_write(tmp_path, rows, header=HEADER + ",note"))
    assert tuple(df.columns[:10]) == PANEL_COLUMNS and df.columns[10] == "note"


def test_crlf_line_endings(tmp_path):
    text = "\r\n".join([HEADER, *GOOD_ROWS]) + "\r\n"
    df = load_panel(_write(tmp_path, [], raw=text.encode("utf-8")))
    assert len(df) == 4


def test_codebook_is_the_contract():
    table = codebook()
    assert tuple(table["column"]) == PANEL_COLUMNS
    assert len(CODEBOOK) == 10 and table["rule"].str.len().min() > 0


# ---------------------------------------------------------------- instrument

def test_industry_mean_esg_by_hand():
    panel = pd.DataFrame({
        "firm": ["A", "B", "C", "A", "B", "C"],
        "year": [2018, 2018, 2018, 2019, 2019, 2019],
        "esg": [60.0, 70.0, 80.0, 50.0, 50.0, 80.0],
    })
    inclusive = industry_mean_esg(panel, leave_one_out=False)
    loo = industry_mean_esg(panel, leave_one_out=True)
    assert inclusive.tolist() == [70.0, 70.0, 70.0, 60.0, 60.0, 60.0]
    assert loo.tolist() == [75.0, 70.0, 65.0, 65.0, 65.0, 50.0]
    assert list(loo.index) == list(panel.index)


def test_industry_mean_esg_single_firm_year_is_nan():
    panel = pd.DataFrame({"firm": ["A", "A", "B"], "year": [2018, 2019, 2018], "esg": [60.0, 61.0, 70.0]})
    loo = industry_mean_esg(panel, leave_one_out=True)
    assert loo.iloc[0] == 70.0 and loo.iloc[2] == 60.0 and pd.isna(loo.iloc[1])


def test_pandera_schema_agrees_with_the_codebook():
    """The pandera schema (run after the explicit checks) rejects what the codebook forbids."""
    import pandera.pandas as pa

    from esgrisk.panel import _schema

    good = load_panel("data/simulated/panel.csv")
    _schema().validate(good)
    for column, value in (("esg", 120.0), ("cr4", 1.5), ("reg_strength", -1.0),
                          ("region_incidents", -2.0), ("risk_events", -1)):
        bad = good.copy()
        bad.loc[3, column] = value
        with pytest.raises(pa.errors.SchemaError):
            _schema().validate(bad)
    dup = pd.concat([good, good.iloc[[0]]], ignore_index=True)
    with pytest.raises(pa.errors.SchemaError):
        _schema().validate(dup)
