"""The built book: every chapter executed cleanly, reached the HTML, and says what data it used."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from conftest import missing

from esgrisk import paths, pipeline

pytestmark = pytest.mark.book

CHAPTERS = pipeline.chapters_from_toc()


@pytest.fixture(scope="module", autouse=True)
def built_book():
    if not (paths.BUILD_HTML / "index.html").exists():
        missing("the book is not built: run `make book` (make test does it first)")


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_executed_without_errors_or_warnings(name):
    executed = paths.EXECUTED / f"{name}.ipynb"
    assert executed.exists(), f"{name} was not executed"
    nb = nbformat.read(executed, as_version=4)
    assert pipeline.problem_outputs(nb) == []


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_an_html_page(name):
    page = paths.BUILD_HTML / "executed" / f"{name}.html"
    assert page.exists()
    html = page.read_text(encoding="utf-8")
    assert "Traceback" not in html


PANEL_CHAPTERS = [n for n in CHAPTERS if "load_panel(" in pipeline.source_of(n).read_text(encoding="utf-8")]


def test_the_estimation_chapters_load_the_panel():
    assert {"02_data", "03_descriptive", "04_fixed_effects", "05_bidirectional_2sls"} <= set(PANEL_CHAPTERS)


@pytest.mark.parametrize("name", PANEL_CHAPTERS)
def test_chapter_that_loads_the_panel_says_it_is_simulated_at_the_top(name):
    source = pipeline.source_of(name).read_text(encoding="utf-8")
    first_cell = re.split(r"^# %%", source, flags=re.MULTILINE)[1]
    assert "simulat" in first_cell.lower(), f"{name}: the first cell does not say the data are simulated"
    assert "panel_path" in first_cell, f"{name}: the first cell does not say how to run it on real data"


def test_run_log_covers_every_chapter():
    log = json.loads(pipeline.RUN_LOG.read_text(encoding="utf-8"))
    assert set(CHAPTERS) <= set(log)
    assert all(log[name]["seconds"] > 0 for name in CHAPTERS)


def test_status_page_shows_commit_and_versions():
    html = (paths.BUILD_HTML / "executed" / "11_reproducibility.html").read_text(encoding="utf-8")
    assert re.search(r"\b[0-9a-f]{40}\b", html), "no commit hash on the status page"
    assert "linearmodels" in html and "papermill" in html


def test_the_book_ships_every_result_file_and_a_zip_of_them():
    import zipfile
    shipped = paths.BUILD_HTML / "results"
    produced = sorted(p.relative_to(paths.RESULTS).as_posix() for p in paths.RESULTS.rglob("*") if p.is_file())
    assert any(name.startswith("tables/") for name in produced) and any(n.startswith("figures/") for n in produced)
    assert sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()) == produced
    with zipfile.ZipFile(paths.BUILD_HTML / "results.zip") as archive:
        assert sorted(archive.namelist()) == [f"results/{name}" for name in produced]
        assert archive.read("results/fe_entity.json") == (paths.RESULTS / "fe_entity.json").read_bytes()


#: MyST role syntax that a reader must never see: it means a role was not parsed (e.g. wrapped in
#: backticks, or an unbalanced backtick before it), in either edition.
RAW_ROLE = re.compile(r"\{(?:glue(?::\w+)?|numref|cite(?::\w+)?|doc|ref|eq|term|download)\}")


def test_no_page_shows_raw_myst_roles_outside_code():
    """Every role in prose was rendered: no page of either edition shows `{glue:text}` and the like
    outside code blocks (chapter 7 once showed a whole paragraph of unrendered glue roles)."""
    from bs4 import BeautifulSoup

    shown = []
    for page in sorted(paths.BUILD_HTML.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for code in soup.select("div.highlight, pre, script, style, div.cell_input"):
            code.decompose()
        text = soup.get_text(" ")
        shown += [f"{page.relative_to(paths.BUILD_HTML)}: ...{text[max(0, m.start() - 40):m.end() + 30]!r}"
                  for m in RAW_ROLE.finditer(text)]
    assert not shown, "raw MyST roles on the pages:\n" + "\n".join(shown[:20])
