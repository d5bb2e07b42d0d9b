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


def test_repository_path_found_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/ here: the repository's default panel is used
    df = load_panel("data/simulated/panel.csv")
    assert len(df) == 72


def test_relative_path_resolves_against_the_callers_directory(tmp_path, monkeypatch):
    """A ./x.csv in the caller's folder wins over a file of the same name in the repository."""
    (tmp_path / "data" / "simulated").mkdir(parents=True)
    _write(tmp_path / "data" / "simulated", GOOD_ROWS)
    monkeypatch.chdir(tmp_path)
    assert len(load_panel("data/simulated/panel.csv")) == 4
    assert len(load_panel("./data/simulated/panel.csv")) == 4


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
    """The pandera schema (the loader's only rule set) rejects what the codebook forbids."""
    import pandera.pandas as pa

    from esgrisk.panel import schema as _schema

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


# ---------------------------------------------------------------- formats, encodings, column maps

def _frame(rows=GOOD_ROWS, header=HEADER):
    """The rows as a DataFrame of typed values (what an Excel, Stata or Parquet file holds)."""
    df = pd.read_csv(__import__("io").StringIO("\n".join([header, *rows])), dtype={"firm": str, "region": str})
    return df


def test_gb18030_csv_fails_with_line_and_hint_then_loads_with_encoding(tmp_path):
    rows = _set(_set(GOOD_ROWS, 4, "firm", "京东"), 5, "firm", "京东")
    text = "\n".join([HEADER, *rows]) + "\n"
    path = _write(tmp_path, [], raw=text.encode("gb18030"))
    msg = _error(path)
    _assert_message(msg, path, None, None, "UTF-8", "CSV line 4", "encoding='gb18030'")
    df = load_panel(path, encoding="gb18030")
    assert set(df["firm"]) == {"A", "京东"}


def test_unknown_encoding_is_named(tmp_path):
    with pytest.raises(PanelError, match="unknown encoding 'klingon'"):
        load_panel(_write(tmp_path, GOOD_ROWS), encoding="klingon")


def test_excel_with_chinese_headers_and_column_map(tmp_path):
    df = _frame().rename(columns={"firm": "企业", "esg": "ESG评分"})
    path = tmp_path / "panel.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
        df.to_excel(writer, sheet_name="数据", index=False)
    got = load_panel(path, columns={"企业": "firm", "ESG评分": "esg"}, sheet="数据")
    assert tuple(got.columns) == PANEL_COLUMNS and got["esg"].tolist() == [60.0, 61.0, 70.0, 72.0]
    assert got["year"].dtype == "int64" and got["firm"].tolist() == ["A", "A", "B", "B"]
    msg = str(pytest.raises(PanelError, load_panel, path, sheet="Sheet9").value)
    assert "no sheet 'Sheet9'" in msg and "数据" in msg
    # the first sheet (notes) lacks the contract columns
    assert "must be present" in str(pytest.raises(PanelError, load_panel, path).value)


def test_excel_errors_name_excel_rows(tmp_path):
    df = _frame()
    df.loc[2, "esg"] = 120.0  # Excel row 4 (row 1 is the header)
    path = tmp_path / "panel.xlsx"
    df.to_excel(path, index=False)
    msg = _error(path)
    assert "column 'esg', Excel row 4" in msg and "[0, 100]" in msg


def test_stata_and_parquet_load_like_the_csv(tmp_path):
    csv_panel = load_panel(_write(tmp_path, GOOD_ROWS))
    df = _frame()
    df.to_stata(tmp_path / "panel.dta", write_index=False, version=118)
    df.to_parquet(tmp_path / "panel.parquet", index=False)
    for name in ("panel.dta", "panel.parquet"):
        got = load_panel(tmp_path / name)
        pd.testing.assert_frame_equal(got, csv_panel, check_dtype=False)
        assert got["risk_events"].dtype == "int64" and got["esg"].dtype == "float64"


def test_numeric_firm_codes_from_excel_are_text_without_decimal(tmp_path):
    df = _frame()
    df["firm"] = [600519, 600519, 1, 1]
    path = tmp_path / "codes.xlsx"
    df.to_excel(path, index=False)
    assert load_panel(path)["firm"].tolist() == ["1", "1", "600519", "600519"]


@pytest.mark.parametrize("real, named, says", [
    ("panel.xlsx", "panel.csv", "this is an Excel .xlsx file, not a CSV"),
    ("panel.parquet", "panel.csv", "this is a Parquet file, not a CSV"),
    ("panel.csv", "panel.xlsx", "this is a CSV (text) file, not an Excel"),
    ("panel.dta", "panel.parquet", "this is a Stata .dta file, not a Parquet"),
])
def test_extension_and_content_must_agree(tmp_path, real, named, says):
    df = _frame()
    src = tmp_path / real
    {".xlsx": lambda: df.to_excel(src, index=False), ".parquet": lambda: df.to_parquet(src),
     ".csv": lambda: df.to_csv(src, index=False),
     ".dta": lambda: df.to_stata(src, write_index=False)}[src.suffix]()
    path = tmp_path / ("renamed_" + named)
    path.write_bytes(src.read_bytes())
    _assert_message(_error(path), path, None, None, says)


def test_duplicate_header_is_rejected_not_renamed(tmp_path):
    path = _write(tmp_path, [r + ",1" for r in GOOD_ROWS], header=HEADER + ",esg")
    _assert_message(_error(path), path, "esg", None, "appear once", "2 times")


def test_column_map_that_collides_with_an_existing_column(tmp_path):
    path = _write(tmp_path, [r + ",1" for r in GOOD_ROWS], header=HEADER + ",score")
    msg = str(pytest.raises(PanelError, load_panel, path, columns={"score": "esg"}).value)
    assert "'esg'" in msg and "appear once" in msg and "score" in msg


@pytest.mark.parametrize("suffix", [".yml", ".json"])
def test_column_map_from_a_file(tmp_path, suffix):
    path = _write(tmp_path, GOOD_ROWS, header=HEADER.replace("firm", "企业").replace("cr4", "CR4"))
    mapping = tmp_path / f"map{suffix}"
    if suffix == ".json":
        mapping.write_text('{"企业": "firm", "CR4": "cr4"}', encoding="utf-8")
    else:
        mapping.write_text("企业: firm\nCR4: cr4\n", encoding="utf-8")
    assert load_panel(path, columns=str(mapping))["firm"].tolist() == ["A", "A", "B", "B"]


def test_column_map_errors(tmp_path):
    path = _write(tmp_path, GOOD_ROWS)
    with pytest.raises(PanelError, match="unknown target"):
        load_panel(path, columns={"firm": "company"})
    with pytest.raises(PanelError, match="must be in the file"):
        load_panel(path, columns={"企业": "firm"})
    msg = str(pytest.raises(PanelError, load_panel, _write(tmp_path, GOOD_ROWS, header=HEADER.replace("firm", "企业"),
                                                            name="cn.csv")).value)
    assert "'firm'" in msg and "columns=" in msg


# ---------------------------------------------------------------- ids, scales

@pytest.mark.parametrize("spelling", ["A ", " A", "Ａ"])
def test_ids_differing_by_spaces_or_width_are_rejected(tmp_path, spelling):
    rows = GOOD_ROWS + ["C,2018,US,70,5,24.0,0.20,0.60,6.0,150", "C,2019,US,72,6,24.2,0.22,0.62,6.1,160"]
    rows = _set(rows, 3, "firm", spelling)  # line 3 is A's 2019: now a second spelling of A
    path = _write(tmp_path, rows)
    msg = _error(path)
    _assert_message(msg, path, "firm", None, "one spelling per id", repr(spelling), "'A'", "line 2", "line 3")


def test_region_spellings_are_checked_too(tmp_path):
    path = _write(tmp_path, _set(GOOD_ROWS, 5, "region", "US "))
    _assert_message(_error(path), path, "region", None, "one spelling per id", "'US '")


def test_esg_on_a_unit_scale_stops_and_can_be_accepted(tmp_path):
    rows = GOOD_ROWS
    for line, v in ((2, "0.60"), (3, "0.61"), (4, "0.70"), (5, "0.72")):
        rows = _set(rows, line, "esg", v)
    path = _write(tmp_path, rows)
    _assert_message(_error(path), path, "esg", None, "0-100", "multiply by 100", "accept=['esg_unit_scale']")
    assert load_panel(path, accept=["esg_unit_scale"])["esg"].max() == 0.72


def test_growth_in_percent_stops_but_one_pdd_year_passes(tmp_path):
    pdd = _set(GOOD_ROWS, 2, "revenue_growth", "6.52")  # PDD's 2018 growth, as a fraction
    assert load_panel(_write(tmp_path, pdd))["revenue_growth"].max() == 6.52
    rows = GOOD_ROWS
    for line, v in ((2, "10"), (3, "12"), (4, "20"), (5, "22")):
        rows = _set(rows, line, "revenue_growth", v)
    path = _write(tmp_path, rows, name="pct.csv")
    _assert_message(_error(path), path, "revenue_growth", None, "percent", "growth_in_percent")
    assert len(load_panel(path, accept=["growth_in_percent"])) == 4


@pytest.mark.parametrize("column, value, key", [
    ("log_assets", "1e300", "log_assets_in_levels"), ("log_assets", "2.1e10", "log_assets_in_levels"),
    ("revenue_growth", "1e300", "magnitude"), ("region_incidents", "1e300", "magnitude"),
    ("risk_events", "1000000", "risk_count_scale"),
])
def test_implausible_magnitudes_stop(tmp_path, column, value, key):
    path = _write(tmp_path, _set(GOOD_ROWS, 4, column, value))
    _assert_message(_error(path), path, column, 4, key)


def test_unknown_accept_key(tmp_path):
    with pytest.raises(PanelError, match="unknown key"):
        load_panel(_write(tmp_path, GOOD_ROWS), accept=["everything"])


def test_several_problems_reported_at_once(tmp_path):
    rows = _set(_set(GOOD_ROWS, 3, "esg", "high"), 5, "cr4", "65")
    msg = _error(_write(tmp_path, rows))
    assert "column 'esg', CSV line 3" in msg and "column 'cr4', CSV line 5" in msg


def test_blank_lines_do_not_shift_the_reported_line(tmp_path):
    rows = GOOD_ROWS[:2] + [""] + _set(GOOD_ROWS, 5, "esg", "172")[2:]
    path = _write(tmp_path, rows)  # header, 2 rows, a blank line 4, then lines 5 and 6
    _assert_message(_error(path), path, "esg", 6, "[0, 100]", "172")
    assert len(load_panel(_write(tmp_path, GOOD_ROWS[:2] + [""] + GOOD_ROWS[2:], name="ok.csv"))) == 4
