"""Readers' edition (issue 15) without a browser: numbering, fonts, citation, bibliography, paths."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest

from esgrisk import paths

sys.path.insert(0, str(paths.ROOT / "book" / "_ext"))
book_extras = importlib.import_module("book_extras")
book_bibstyle = importlib.import_module("book_bibstyle")
sys.path.insert(0, str(paths.ROOT / "scripts"))
subset_cjk_font = importlib.import_module("subset_cjk_font")

PROSE = sorted(paths.NOTEBOOKS.glob("[0-9]*.py")) + sorted((paths.ROOT / "book").glob("*.md")) \
    + sorted((paths.ROOT / "book" / "teaching").glob("*.md"))
#: A chapter or section number typed in prose ("chapter 8", "chapters 4 and 5", "section 8.4",
#: "ch. 4") or a heading that numbers itself ("# 4. Title", "## 4.3 Title").
TYPED = re.compile(r"\b(?:[Cc]hapters? \d|[Cc]h\. \d|[Ss]ections? \d+\.\d)|^#{1,3} \d+\.(?:\d+)? ")
#: The paper's own sections may be named ("Section 4.3 of {cite:t}`...`", "the paper's section 4.3").
PAPER = re.compile(r"paper's section \d|[Ss]ection \d+\.\d+ of (?:\{cite|the paper)")


def _prose_lines(path):
    """(number, text) of the prose lines of a chapter source or page, outside code fences."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":  # markdown cells only, without the comment marker
        out, markdown = [], False
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith("# %%"):
                markdown = "[markdown]" in line
            elif markdown:
                out.append((number, line[2:] if line.startswith("# ") else line.lstrip("#")))
        lines = out
    else:
        lines = list(enumerate(text.splitlines(), 1))
    fence, kept = None, []
    for number, line in lines:
        opened = re.match(r"^\s*(`{3,}|~{3,})(.*)$", line)
        if opened and fence is None and not opened[2].strip().startswith("{"):
            fence = opened[1]
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        kept.append((number, line))
    return kept


@pytest.mark.parametrize("path", PROSE, ids=lambda p: p.name)
def test_no_chapter_or_section_number_is_typed(path):
    """Numbers come from _toc.yml: {numref}`chapter %s <ch-audit>`, never "chapter 7"."""
    lines = _prose_lines(path)
    typed = [f"{path.name}:{n}: {line.strip()}" for n, line in lines if TYPED.search(PAPER.sub("", line))]
    # also across a line break ("... (chapter\n7) ..."), where neither line alone matches
    for (n, first), (_, second) in zip(lines, lines[1:]):
        joined = f"{first.rstrip()} {second.lstrip()}"
        if not TYPED.search(PAPER.sub("", first)) and not TYPED.search(PAPER.sub("", second)) \
                and TYPED.search(PAPER.sub("", joined)) and not TYPED.match(second.lstrip()):
            typed.append(f"{path.name}:{n}: {joined.strip()}")
    assert not typed, "typed chapter/section numbers (use {numref} with a ch-/sec- label):\n" + "\n".join(typed)


def test_the_causal_diagram_takes_chapter_numbers_from_the_toc():
    from esgrisk import diagram

    assert not any(re.search(r"ch\. \d", text) for text in diagram.ARROW_CHAPTERS.values())
    numbers = diagram.chapter_numbers()
    assert numbers["ch-theory"] == 1 and numbers["ch-fixed-effects"] == 4  # the toc's order
    labels = diagram.arrow_labels({"loop": "see ch. {ch-bidirectional}"})
    assert labels["loop"] == f"see ch. {numbers['ch-bidirectional']}"
    assert "{" not in "".join(labels.values())


def test_every_chapter_has_a_label_and_the_toc_numbers_the_chapters():
    toc = (paths.ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert toc.count("numbered: true") >= 2
    for source in sorted(paths.NOTEBOOKS.glob("[0-9]*.py")):
        head = source.read_text(encoding="utf-8").split("# %%", 2)[1]
        assert re.search(r"^# \(ch-[a-z0-9-]+\)=\n# # [A-Z]", head, re.MULTILINE), \
            f"{source.name}: the title needs a (ch-...)= label and no typed number"


def test_the_shipped_cjk_font_covers_every_chinese_character_of_the_book():
    from fontTools.ttLib import TTFont

    font = subset_cjk_font.TARGET
    assert font.is_file(), f"{font} is missing: run make font"
    cmap = TTFont(str(font)).getBestCmap()
    missing_chars = sorted(ch for ch in subset_cjk_font.used_characters() if ord(ch) not in cmap)
    assert not missing_chars, f"characters not in {font.name}: {''.join(missing_chars)}: run `make font`"
    assert font.stat().st_size < 1_000_000, "the subset should stay small"
    assert (font.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") >= 1


def test_chinese_runs_are_marked_lang_zh_outside_tags_and_scripts():
    html = '<p title="京东">JD (京东集团) and 阿里巴巴</p><script>var s = "京东";</script>'
    out = book_extras.mark_chinese(html)
    assert out == ('<p title="京东">JD (<span lang="zh">京东集团</span>) and <span lang="zh">阿里巴巴</span></p>'
                   '<script>var s = "京东";</script>')


def test_citation_page_data_come_from_citation_cff():
    cff = book_extras.citation_metadata(paths.ROOT)
    entry = book_extras.bibtex_entry(cff)
    assert entry.startswith("@software{esgriskbook,")
    assert f"version  = {{{cff['version']}}}" in entry and cff["title"] in entry
    assert str(cff["date-released"])[:4] in entry
    pybtex = pytest.importorskip("pybtex.database")
    parsed = pybtex.parse_string(entry, "bibtex")  # valid BibTeX
    assert parsed.entries["esgriskbook"].fields["version"] == str(cff["version"])


def test_bibliography_style_keeps_title_case_and_drops_internal_notes():
    from pybtex.database import parse_string

    book_bibstyle.register()
    bib = parse_string(r"""@misc{a, title = {US FTC settles with JD.com over \$6.8 million},
        year = {2023}, note = {S9. Supports: an internal note.}}
        @misc{b, title = {Other}, year = {2020}, note = {In Chinese.}}""", "bibtex")
    style = book_bibstyle.BookStyle()
    text = [style.format_entry(k, e).text.render_as("text") for k, e in bib.entries.items()]
    assert "US FTC settles with JD.com over $6.8 million" in text[0]
    assert "Supports" not in text[0] and "In Chinese." in text[1]


def test_font_subset_script_runs_without_the_source_font_only_to_say_so(tmp_path):
    done = subprocess.run([sys.executable, str(paths.ROOT / "scripts" / "subset_cjk_font.py"),
                           "--source", str(tmp_path / "none.ttc")], capture_output=True, text=True)
    assert done.returncode == 1 and "fonts-noto-cjk" in done.stderr
