"""``make pdf``: the whole book as one PDF, checked with poppler (pdfinfo, pdftotext, pdffonts)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import missing

from esgrisk import paths, pipeline

pytestmark = pytest.mark.book

PDF = paths.ROOT / "_build" / "pdf" / "book.pdf"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        missing(f"{name} not found: install poppler-utils (make pdf-deps)")
    return found


@pytest.fixture(scope="module")
def text() -> str:
    if not PDF.exists():
        missing(f"{PDF} is missing: run `make pdf`")
    return subprocess.run([_tool("pdftotext"), "-layout", str(PDF), "-"], check=True,
                          capture_output=True, text=True).stdout


def _chapter_title(name: str) -> str:
    source = pipeline.source_of(name).read_text(encoding="utf-8")
    return re.search(r"^# # (.+)$", source, re.MULTILINE)[1].strip()


def test_pdf_has_the_whole_book(text):
    info = subprocess.run([_tool("pdfinfo"), str(PDF)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])
    assert pages >= 40, f"only {pages} pages"
    assert "A4" in info
    flat = " ".join(text.split())
    for name in pipeline.chapters_from_toc():
        title = " ".join(_chapter_title(name).split())
        assert title[:40] in flat, f"chapter {name} ({title!r}) is not in the PDF"
    assert "Table 4.1" in flat and "Figure 4.1" in flat, "per-chapter numbers missing from the PDF"
    assert "Version " in flat and "built " in flat  # title page


def test_pdf_embeds_every_font_including_the_cjk_font(text):
    fonts = subprocess.run([_tool("pdffonts"), str(PDF)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in f" {row} " for row in rows), "a font is not embedded:\n" + fonts
    assert any("NotoSansCJK" in row for row in rows), "the shipped CJK font is not used:\n" + fonts
    assert "固定效应" in text.replace(" ", ""), "Chinese text missing or not extractable"


def test_pdf_links_inside_the_document():
    data = PDF.read_bytes() if PDF.exists() else missing(f"{PDF} is missing: run `make pdf`")
    internal = len(re.findall(rb"/Dest\b", data))
    assert internal >= 50, f"only {internal} internal links (cross-references, contents)"
    assert b"/Outlines" in data, "no bookmarks"


def test_html_book_links_to_the_pdf():
    if not (paths.BUILD_HTML / "index.html").exists():
        missing("the book is not built")
    shipped = paths.BUILD_HTML / "book.pdf"
    assert shipped.is_file() and shipped.read_bytes() == PDF.read_bytes()
    page = (paths.BUILD_HTML / "executed" / "04_fixed_effects.html").read_text(encoding="utf-8")
    assert 'href="../book.pdf"' in page
