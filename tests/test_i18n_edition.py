"""The Chinese edition (issue 16): units and catalogues, the edition build, twins, numbers, search.

The first tests need no build: translation units (``esgrisk.i18n``) on edge cases, the stale
check on a temporary copy of a page and its catalogue (``tests/fixtures/i18n``: a one-page
book with a complete Chinese catalogue), and the extension's choice of outputs per edition
(``book/_ext/book_i18n.py``). The others read the built site (``_build/html`` and
``_build/html/zh``): they skip when the book is not built, and fail under ``ESGRISK_STRICT=1``
(``make test``), as do the tests that need a strict build (not ``ESGRISK_I18N_FALLBACK=1``).
"""

from __future__ import annotations

import collections
import functools
import http.server
import importlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import polib
import pytest
import yaml
from conftest import missing

from esgrisk import i18n, paths, pipeline

sys.path.insert(0, str(paths.ROOT / "book" / "_ext"))
book_i18n = importlib.import_module("book_i18n")

FIXTURE = Path(__file__).parent / "fixtures" / "i18n"
HTML = paths.BUILD_HTML
ZH = HTML / "zh"
#: Folders of the site that hold no page of the book (assets, downloads, the other edition).
NOT_PAGES = {"zh", "_static", "_sources", "_images", "results", "student", "standalone"}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# a number and its scale word: "145 million" in English is "1.45 亿" in Chinese, the same value
NUMBER = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)(?: ?(billion|million|亿|百万|万))?")
SCALE = {None: 1, "billion": 1e9, "million": 1e6, "亿": 1e8, "百万": 1e6, "万": 1e4}
#: A table cell that is a computed value: a number with its sign, brackets, stars or per cent.
NUMERIC_CELL = re.compile(r"[\s(\[]*[-+−]?[\d,]*\.?\d+(?:e[-+]?\d+)?\s*%?[\s)\]*]*")


def _values(text: str) -> list[float]:
    return [float(f"{float(n.replace(',', '')) * SCALE[w or None]:.6g}") for n, w in NUMBER.findall(text)]

#: Share of Chinese in the visible prose of a Chinese page: CJK characters / (CJK characters +
#: Latin words). Measured 0.68 (the citation page: names, a BibTeX entry) to 1.00.
CHINESE_SHARE = 0.6


# ---------------------------------------------------------------------------------------------
# Units, markup, translation (no build)

NESTED = """````{exercise} A title
:label: ex-4-1

Estimate the model.

```{hint}
Use `fit_all`.
```

````"""


def test_a_fenced_block_with_nested_fences_and_blank_lines_is_one_unit():
    text = f"Before.\n\n{NESTED}\n\nAfter."
    assert [u for u, _ in i18n.split_units(text)] == ["Before.", NESTED, "After."]


def test_a_display_math_block_with_blank_lines_is_one_unit_and_not_translatable():
    math = "$$\ny = a\n\nz = b\n$$ (eq-fe)"
    units = i18n.split_units(f"Text here.\n\n{math}\n\nMore text.")
    assert [u for u, _ in units] == ["Text here.", math, "More text."]
    assert not i18n.is_translatable(math)


def test_a_table_is_one_unit_and_a_directive_keeps_its_options():
    table = "| Model | Estimate |\n|---|---|\n| Fixed effects | 0.5 |"
    assert [u for u, _ in i18n.split_units(table)] == [table]
    figure = "```{figure} ../results/figures/x.png\n:name: fig-x\n:class: wide\n\nThe caption.\n```"
    assert [u for u, _ in i18n.split_units(figure)] == [figure]
    tokens = i18n.markup_tokens(figure)
    assert ":name: fig-x" in tokens and ":class: wide" in tokens
    assert "{figure} ../results/figures/x.png" in tokens  # the argument is a path, not a title


def test_markup_tokens_let_titles_change_and_nothing_else():
    unit = "See {numref}`Table %s <tbl-fe>` and {glue:text}`beta` with `code` and $x_i$."
    ok = "见 {numref}`表 %s <tbl-fe>` 与 {glue:text}`beta`、`code` 及 $x_i$。"
    assert i18n.markup_tokens(ok) == i18n.markup_tokens(unit)
    for broken in ("见 {numref}`表 %s <tbl-iv>` 与 {glue:text}`beta`、`code` 及 $x_i$。",
                   "见 {numref}`表 %s <tbl-fe>` 与 {glue:text}`beta_zh`、`code` 及 $x_i$。",
                   "见 {numref}`表 %s <tbl-fe>` 与 {glue:text}`beta` 及 $x_i$。"):
        assert i18n.markup_tokens(broken) != i18n.markup_tokens(unit), broken
    admonition = "```{admonition} Why it matters\n:class: tip\n\nText.\n```"
    assert i18n.markup_tokens("```{admonition} 为何重要\n:class: tip\n\n正文。\n```") == \
        i18n.markup_tokens(admonition)
    assert i18n.markup_tokens("```{admonition} 为何重要\n:class: note\n\n正文。\n```") != \
        i18n.markup_tokens(admonition)
    solution = "```{solution} ex-4-1\n:class: dropdown\n\nAnswer.\n```"
    assert i18n.markup_tokens("```{solution} ex-4-2\n:class: dropdown\n\n答案。\n```") != \
        i18n.markup_tokens(solution)


def test_translate_markdown_replaces_units_keeps_the_rest_and_refuses_gaps():
    text = f"(lbl)=\n# Title\n\nA paragraph.\n\n$$\nx\n$$\n\n{NESTED}\n"
    translations = {"(lbl)=\n# Title": "(lbl)=\n# 标题", "A paragraph.": "一段话。",
                    NESTED: NESTED.replace("Estimate the model.", "估计该模型。")}
    out = i18n.translate_markdown(text, translations)
    assert out == f"(lbl)=\n# 标题\n\n一段话。\n\n$$\nx\n$$\n\n{translations[NESTED]}\n"
    del translations["A paragraph."]
    with pytest.raises(KeyError, match="A paragraph"):
        i18n.translate_markdown(text, translations)
    assert "A paragraph." in i18n.translate_markdown(text, translations, fallback=True)


# ---------------------------------------------------------------------------------------------
# The check: exact, and it fails when an English unit changes

@pytest.fixture
def fixture_book(tmp_path, monkeypatch):
    """A temporary copy of the one-page fixture book, as the project root of esgrisk.i18n."""
    root = tmp_path / "book-copy"
    shutil.copytree(FIXTURE, root)
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setattr(i18n, "LOCALE_DIR", root / "book" / "locale")
    return root


def test_the_fixture_catalogue_is_complete_and_translates_the_page(fixture_book, capsys):
    assert i18n.main(["check"]) == 0
    page = fixture_book / "book" / "page.md"
    chinese = i18n.translate_markdown(page.read_text(encoding="utf-8"), i18n.catalogue_translations(page))
    assert "# 安全风险与 ESG" in chinese and "$$ (eq-fe)" in chinese and "| 固定效应 | 0.5 |" in chinese


def test_the_check_fails_naming_page_line_and_unit_when_an_english_paragraph_changes(fixture_book, capsys):
    page = fixture_book / "book" / "page.md"
    page.write_text(page.read_text(encoding="utf-8").replace("lower the ESG score", "lower ESG scores"),
                    encoding="utf-8")
    assert i18n.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "book/page.md:7: stale: '```{admonition} Why this matters'" in out
    # after `update` the old translation is kept obsolete (#~) and the unit is still reported
    assert i18n.main(["update"]) == 0
    po = polib.pofile(str(i18n.catalogue_path(page)))
    assert any(e.obsolete and "lower the ESG score" in e.msgid for e in po)
    assert i18n.main(["check"]) == 1
    assert "book/page.md:7: stale" in capsys.readouterr().out


def test_the_check_reports_a_new_unit_and_a_broken_markup(fixture_book, capsys):
    page = fixture_book / "book" / "page.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA new closing paragraph.\n", encoding="utf-8")
    catalogue = i18n.catalogue_path(page)
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("{glue:text}`se_fe`，", "标准误，"),
                         encoding="utf-8")
    assert i18n.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "book/page.md:21: untranslated: 'A new closing paragraph.'" in out
    assert "book/page.md:4: markup: 'The estimate is" in out


def test_a_real_chapter_copied_passes_when_translated_and_fails_when_a_paragraph_changes(tmp_path, monkeypatch,
                                                                                         capsys):
    root = tmp_path / "copy"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy2(paths.ROOT / "notebooks" / "04_fixed_effects.py", root / "notebooks")
    (root / "_toc.yml").write_text("format: jb-book\nroot: executed/04_fixed_effects\n", encoding="utf-8")
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setattr(i18n, "LOCALE_DIR", root / "book" / "locale")
    page = root / "notebooks" / "04_fixed_effects.py"
    i18n.update_catalogue(page)
    po = polib.pofile(str(i18n.catalogue_path(page)), wrapwidth=0)
    for entry in po:
        entry.msgstr = entry.msgid  # a stand-in translation that keeps every markup token
    po.save()
    assert i18n.main(["check"]) == 0
    unit = i18n.page_units(page)[3]
    first = unit.text.splitlines()[0]
    source = page.read_text(encoding="utf-8")
    assert ("# " + first) in source
    page.write_text(source.replace("# " + first, "# " + first + " Changed.", 1), encoding="utf-8")
    assert i18n.main(["check"]) == 1
    assert f"notebooks/04_fixed_effects.py:{unit.line}: stale" in capsys.readouterr().out


def test_the_code_text_check_names_chapter_and_msgid(tmp_path, capsys):
    cell = {"cell_type": "code", "source": "", "metadata": {}, "outputs": [
        {"output_type": "display_data", "data": {"text/plain": "x"},
         "metadata": {"esgrisk": {"language": "zh_CN", "untranslated": ["Fixed effects"]}}},
        {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {"esgrisk": {"language": "en"}}}]}
    (tmp_path / "04_fixed_effects.ipynb").write_text(json.dumps({"cells": [cell]}), encoding="utf-8")
    assert i18n.untranslated_outputs(tmp_path) == [("04_fixed_effects", "Fixed effects")]
    assert i18n.main(["missing", str(tmp_path)]) == 1
    assert "04_fixed_effects: Fixed effects" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError):
        i18n.untranslated_outputs(tmp_path / "nothing")


def test_make_test_runs_the_translation_check_before_pytest():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("check-translations") < recipe.index("pytest")
    target = makefile.split("\ncheck-translations:", 1)[1].split("\n\n", 1)[0]
    assert "esgrisk.i18n check" in target and "esgrisk.i18n missing executed" in target


# ---------------------------------------------------------------------------------------------
# The extension: each edition's outputs, glue keys renamed

def _glue(name, text, language=None):
    meta = {"scrapbook": {"name": name, "mime_prefix": ""}}
    if language:
        meta["esgrisk"] = {"language": language}
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": meta}


def _notebook():
    return {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "outputs": [
        _glue("beta", "'0.52'"), _glue("verdict", "'weak'"), _glue("verdict__zh_CN", "'弱'"),
        {"output_type": "display_data", "data": {"text/markdown": "table en"},
         "metadata": {"esgrisk": {"language": "en"}}},
        {"output_type": "display_data", "data": {"text/markdown": "表 zh"},
         "metadata": {"esgrisk": {"language": "zh_CN", "untranslated": []}}},
        {"output_type": "stream", "name": "stdout", "text": "shared"}]}]}


def test_the_english_edition_drops_chinese_outputs_and_keeps_its_own_untouched():
    notebook = _notebook()
    assert book_i18n.select_outputs(notebook, "en")
    outputs = notebook["cells"][0]["outputs"]
    assert [o.get("metadata", {}).get("scrapbook", {}).get("name") for o in outputs] == \
        ["beta", "verdict", None, None]
    assert [o["data"].get("text/markdown") for o in outputs[2:3]] == ["table en"]
    assert outputs[3]["text"] == "shared"
    plain = {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "outputs": [_glue("beta", "1")]}]}
    assert not book_i18n.select_outputs(plain, "en")  # nothing of another edition: the page is as it was


def test_the_chinese_edition_takes_its_twins_under_the_english_keys():
    notebook = _notebook()
    book_i18n.select_outputs(notebook, "zh_CN")
    outputs = notebook["cells"][0]["outputs"]
    glued = {o["metadata"]["scrapbook"]["name"]: o["data"]["text/plain"]
             for o in outputs if "scrapbook" in o.get("metadata", {})}
    assert glued == {"beta": "'0.52'", "verdict": "'弱'"}
    assert [o["data"].get("text/markdown") for o in outputs if o.get("output_type") == "display_data"
            and "scrapbook" not in o["metadata"]] == ["表 zh"]


def test_twin_links_are_relative_and_lead_to_the_same_page():
    assert book_i18n.twin_href("executed/04_fixed_effects", "en", "zh_CN") == "../zh/executed/04_fixed_effects.html"
    assert book_i18n.twin_href("executed/04_fixed_effects", "zh_CN", "en") == "../../executed/04_fixed_effects.html"
    assert book_i18n.twin_href("index", "en", "zh_CN") == "zh/index.html"
    assert book_i18n.twin_href("index", "zh_CN", "en") == "../index.html"


def test_the_chinese_config_lays_over_the_english_one(tmp_path):
    config, toc = pipeline.edition_config("zh_CN", tmp_path)
    merged = yaml.safe_load(config.read_text(encoding="utf-8"))
    english = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = merged["sphinx"]["config"]
    assert sphinx["language"] == "zh_CN" and sphinx["html_search_language"] == "zh"
    assert sphinx["numfig_format"]["table"] == "表 %s" and sphinx["numfig_format"]["figure"] == "图 %s"
    assert sphinx["numfig_secnum_depth"] == english["sphinx"]["config"]["numfig_secnum_depth"]
    assert CJK.search(merged["title"]) and "toc_captions" not in merged
    assert merged["sphinx"]["local_extensions"] == english["sphinx"]["local_extensions"]
    captions = [p["caption"] for p in yaml.safe_load(toc.read_text(encoding="utf-8"))["parts"]]
    assert all(CJK.search(c) for c in captions)


# ---------------------------------------------------------------------------------------------
# The built site: both editions

def _pages(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.html")
            if p.relative_to(root).parts[0] not in NOT_PAGES}


def _soup(path: Path):
    from bs4 import BeautifulSoup  # a dependency of the theme

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _article(path: Path):
    soup = _soup(path)
    return soup.find("article") or soup.body


TOC_PAGES = [f"{entry}.html" for entry in
             [yaml.safe_load((paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]]
             + [c["file"] for part in yaml.safe_load((paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))["parts"]
                for c in part["chapters"]]]


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists() or not (ZH / "index.html").exists():
        missing("the book is not built with its Chinese edition: run `make book` (make test does it first)")
    return HTML


@pytest.fixture(scope="module")
def strict_edition(site):
    edition = json.loads((ZH / book_i18n.EDITION_FILE).read_text(encoding="utf-8"))
    if edition.get("fallback"):
        missing(f"the Chinese edition was built with {book_i18n.FALLBACK_ENV}=1 (English kept for "
                f"{sum(edition['kept_in_english'].values())} units): run `make book` without it")
    return edition


def test_every_english_page_has_a_chinese_twin(site):
    english = _pages(HTML)
    assert set(TOC_PAGES) <= english
    assert english - _pages(ZH) == set()


@pytest.mark.parametrize("page", TOC_PAGES)
def test_twin_links_both_ways(site, page):
    for here, there, name, lang in ((HTML / page, f"zh/{page}", "中文", "zh-CN"),
                                    (ZH / page, page, "English", "en")):
        links = _soup(here).select("a.edition-twin")
        assert [a.get_text() for a in links] == [name], here
        href = links[0]["href"]
        assert not href.startswith(("/", "http")), href
        base = posixpath.dirname(here.relative_to(HTML).as_posix())
        assert posixpath.normpath(posixpath.join(base, href)) == there
        assert (HTML / there).is_file()
        assert _soup(here).find("link", rel="alternate", hreflang=lang) is not None


@pytest.mark.parametrize("page", TOC_PAGES)
def test_the_glued_numbers_and_output_tables_of_each_pair_are_equal(site, page):
    def numbers(path: Path, selector: str, numeric_only: bool) -> collections.Counter:
        texts = [el.get_text(" ", strip=True) for el in _article(path).select(selector)]
        return collections.Counter(v for text in texts if not numeric_only or NUMERIC_CELL.fullmatch(text)
                                   for v in _values(text))

    # every glued value; in the tables the code writes, every cell that is a number (a cell of
    # words may gain a number in translation: "Feb.-Mar. 2014" is "2014 年 2 月至 3 月")
    for selector, numeric_only in ((".pasted-text, .pasted-inline", False),
                                   (".cell_output td, .pasted-block td", True)):
        english, chinese = numbers(HTML / page, selector, numeric_only), numbers(ZH / page, selector, numeric_only)
        assert english == chinese, (f"{page} ({selector}): only English {english - chinese}, "
                                    f"only Chinese {chinese - english}")


@pytest.mark.parametrize("page", TOC_PAGES)
def test_each_chinese_page_is_mostly_chinese(strict_edition, page):
    article = _article(ZH / page)
    # visible prose only: not code, math, outputs written by the code, the bibliography or the twin link
    for selector in ("pre", "code", ".math", "script", "style", ".cell_input", ".cell_output", "table",
                     ".bibliography", ".citation", ".edition-switch"):
        for element in article.select(selector):
            element.decompose()
    text = article.get_text(" ")
    chinese, latin = len(CJK.findall(text)), len(LATIN_WORD.findall(text))
    assert chinese > 50, f"{page}: {chinese} Chinese characters"
    share = chinese / (chinese + latin)
    assert share >= CHINESE_SHARE, f"{page}: Chinese share {share:.2f} < {CHINESE_SHARE}"


def test_the_chinese_pages_are_chinese_pages(strict_edition):
    page = _soup(ZH / "executed" / "04_fixed_effects.html")
    assert page.html["lang"] == "zh-CN"
    assert "表 4.1" in page.get_text() or "图 4.1" in page.get_text()
    assert CJK.search(page.title.get_text())
    english = _soup(HTML / "executed" / "04_fixed_effects.html")
    assert english.html["lang"] == "en" and "Table 4.1" in english.get_text()


def _search_terms(folder: Path) -> dict:
    text = (folder / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def test_the_chinese_search_index_is_segmented_offline(strict_edition):
    index = _search_terms(ZH)
    terms = index["terms"]
    assert "安全" in terms, "jieba did not segment the Chinese pages"
    assert len(terms["安全"] if isinstance(terms["安全"], list) else [terms["安全"]]) >= 3
    assert any(len(t) >= 2 and CJK.fullmatch(t[0]) for t in index["titleterms"])
    assert (ZH / "_static" / "language_data.js").is_file()


def test_an_edition_is_built_when_its_configuration_exists(monkeypatch, tmp_path):
    assert pipeline.editions() == {"zh_CN": "zh"}
    monkeypatch.setenv(pipeline.EDITIONS_ENV, "en")  # make bench: the English book alone
    assert pipeline.editions() == {}
    monkeypatch.delenv(pipeline.EDITIONS_ENV)
    monkeypatch.setattr(paths, "ROOT", tmp_path)  # a book without book/locale/zh_CN/_config.yml
    assert pipeline.editions() == {}


@pytest.mark.browser
def test_searching_a_chinese_word_finds_chinese_pages_in_a_browser(strict_edition):
    """Offline, in headless Chromium: the Chinese search page finds 安全 on several pages."""
    test_browser = importlib.import_module("test_browser")
    if not test_browser.CHROMIUM.exists():
        missing(f"no Chromium at {test_browser.CHROMIUM}: run `make browser-deps`")
    sync_api = pytest.importorskip("playwright.sync_api")
    handler = functools.partial(test_browser._QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(test_browser.CHROMIUM), headless=True,
                                        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
            page = browser.new_page()
            outside = []
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                       else (outside.append(r.request.url), r.abort()))
            page.goto(f"{base}/zh/search.html?q=%E5%AE%89%E5%85%A8", wait_until="load")
            page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30_000)
            found = page.evaluate("[...document.querySelectorAll('#search-results li a')].map(a => a.href)")
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not outside, outside
    assert len(found) >= 3 and all("/zh/" in href for href in found), found


PDF_ZH = paths.ROOT / "_build" / "pdf" / book_i18n.PDF_NAME


def _poppler(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        missing(f"{name} not found: install poppler-utils (make pdf-deps)")
    return found


def test_the_chinese_pdf_has_every_chapter_in_chinese_with_the_shipped_font(strict_edition):
    if not PDF_ZH.exists():
        missing(f"{PDF_ZH} is missing: run `make pdf`")
    info = subprocess.run([_poppler("pdfinfo"), str(PDF_ZH)], check=True, capture_output=True, text=True).stdout
    assert CJK.search(info.split("Title:", 1)[1].splitlines()[0]), "the PDF's title is not Chinese"
    text = subprocess.run([_poppler("pdftotext"), str(PDF_ZH), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = "".join(text.split())
    for name in pipeline.chapters_from_toc():
        title = _article(ZH / "executed" / f"{name}.html").find("h1").get_text()
        title = "".join(title.replace("#", "").split())
        assert title.lstrip("0123456789.")[:12] in flat, f"chapter {name} ({title}) is not in the Chinese PDF"
    assert "表4.1" in flat and "图4.1" in flat
    fonts = subprocess.run([_poppler("pdffonts"), str(PDF_ZH)], check=True, capture_output=True, text=True).stdout
    assert "NotoSansCJK" in fonts
    shipped = ZH / book_i18n.PDF_NAME
    assert shipped.is_file() and shipped.read_bytes() == PDF_ZH.read_bytes()


def test_untranslated_code_text_fails_the_books_panel_but_not_a_readers(monkeypatch):
    """On the book's own panel a missing code translation is a warning (an error under -W); on a
    reader's panel the words are shown in English and reported, and the build goes on."""
    said = collections.defaultdict(list)
    monkeypatch.setattr(book_i18n, "logger", type("Log", (), {
        "warning": lambda self, m: said["warning"].append(m), "info": lambda self, m: said["info"].append(m)})())
    monkeypatch.delenv(book_i18n.FALLBACK_ENV, raising=False)
    own = __import__("hashlib").sha256(paths.SIMULATED_PANEL.read_bytes()).hexdigest()

    def notebook(digest):
        output = {"output_type": "display_data", "data": {}, "metadata": {
            i18n.EDITION_METADATA: {"language": "zh_CN", "untranslated": ["all firm-years"]}}}
        return {"metadata": {"esgrisk": {"panel_sha256": digest}}, "cells": [{"outputs": [output]}]}

    book_i18n._untranslated_outputs(notebook(own), "executed/03_descriptive", "zh_CN")
    book_i18n._untranslated_outputs(notebook("0" * 64), "executed/03_descriptive", "zh_CN")
    assert len(said["warning"]) == 1 and "all firm-years" in said["warning"][0]
    assert len(said["info"]) == 1 and "reader's panel" in said["info"][0]


# ---------------------------------------------------------------------------------------------
# The themes' words, the citations and the bibliography in Chinese

#: English that a Chinese reader must not see or hear on a Chinese page: the themes' labels
#: (whole tooltips, aria labels and texts), togglebutton's hints, the copyright line, and the
#: connective words of the citations.
THEME_ENGLISH = (*book_i18n.THEME_STRINGS, "Click to show", "Click to hide")
THEME_ENGLISH_TEXT = ("Copyright", "Toggle primary sidebar", "Link to this heading")
#: The words of an English author-year citation ("Zhang et al. [2025]", "[Title, n.d.]").
#: (An author-less entry is cited by its title, which may hold an "and".)
CITATION_ENGLISH = re.compile(r"\bet al\b|\bn\.d\.")


def test_the_chrome_is_localised_attribute_by_attribute_and_nothing_else_changes():
    page = ('<nav aria-label="Main"><a title="Link to this heading" href="#x">#</a>'
            '<p title="Main street">Main</p><script>let x = "Main";</script>\n'
            '<p>\n  © Copyright 2026.\n</p><img alt=\'Binder logo\' src="a.svg"></nav>')
    words = {"Main": "全书目录", "Link to this heading": "链接到此标题", "© Copyright 2026.": "© 2026 版权所有。",
             "Binder logo": "Binder 标志"}
    out, count = book_i18n.localise_chrome(page, words)
    assert count == 5
    assert out == ('<nav aria-label="全书目录"><a title="链接到此标题" href="#x">#</a>'
                   '<p title="Main street">全书目录</p><script>let x = "Main";</script>\n'
                   '<p>\n  © 2026 版权所有。\n</p><img alt="Binder 标志" src="a.svg"></nav>')
    assert book_i18n.localise_chrome(out, words) == (out, 0)


def test_every_theme_word_has_a_translation_in_the_code_catalogue():
    missing = [m for m in (*THEME_ENGLISH, *book_i18n.THEME_TEXTS) if i18n.translate(m, "zh_CN") == m]
    assert not missing, f"no translation in esgrisk/locale/zh_CN/book.po for {missing}"


def test_the_chinese_bibliography_style_has_chinese_connectives_and_entries_as_written():
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    book_bibstyle = importlib.import_module("book_bibstyle")
    book_bibstyle.register()
    bib = parse_file(str(paths.ROOT / "book" / "references.bib"))

    def entries(style):
        return {e.key: e.text.render_as("text")
                for e in find_plugin("pybtex.style.formatting", style)().format_entries(bib.entries.values())}

    english, chinese = entries("book"), entries("book_zh")
    assert "In Donald W. K. Andrews and James H. Stock, editors" in english["stock2005testing"]
    assert ("James H. Stock 和 Motohiro Yogo. Testing for Weak Instruments in Linear IV Regression. "
            "载于 Donald W. K. Andrews 和 James H. Stock 编, ") in chinese["stock2005testing"]
    assert "第 80–108 页" in chinese["stock2005testing"] and "第 2 版" in chinese["wooldridge2010econometric"]
    assert not any("n.d." in entry for entry in chinese.values()) and any("无日期" in e for e in chinese.values())
    # titles, journals and notes as written: only the style's own words differ
    strip = re.compile(r"\b(and|In|editors?|pages|edition)\b|n\.d\.|和|载于|编|第|页|版|无日期|[\s,.]")
    assert {k: strip.sub("", v).replace("2nd", "2") for k, v in english.items()} == \
        {k: strip.sub("", v) for k, v in chinese.items()}


@pytest.mark.parametrize("page", TOC_PAGES)
def test_no_theme_english_on_the_chinese_pages(strict_edition, page):
    soup = _soup(ZH / page)
    raw = (ZH / page).read_text(encoding="utf-8")
    hints = [h for h in ("Click to show", "Click to hide") if f"'{h}'" in raw]
    for element in soup(["script", "style", "pre", "code"]):
        element.decompose()
    labels = collections.Counter(value.strip() for element in soup.find_all(True)
                                 for name in book_i18n.CHROME_ATTRIBUTES
                                 if (value := element.get(name)) and value.strip() in THEME_ENGLISH)
    texts = collections.Counter(s.strip() for s in soup.find_all(string=True) if s.strip() in THEME_ENGLISH)
    citations = [c.get_text() for c in soup.select(".bibtex-citation") if CITATION_ENGLISH.search(c.get_text())]
    for element in soup.select(".bibliography, .cell_output, .highlight, .math"):
        element.decompose()  # entries as written, code output
    visible = soup.get_text(" ")
    words = [w for w in THEME_ENGLISH_TEXT if w in visible]
    assert not (labels or texts or words or hints or citations), (
        f"{page}: English labels {dict(labels)}, texts {dict(texts)}, words {words}, hints {hints}, "
        f"citations {citations[:5]}")


def test_citations_of_the_chinese_edition_read_zhang_deng(strict_edition):
    page = _soup(ZH / "executed" / "04_fixed_effects.html")
    citations = [c.get_text() for c in page.select(".bibtex-citation, span[id] > a[href*='references']")]
    text = page.get_text()
    assert "Zhang 等 [2025]" in text, citations[:5]
    assert "et al" not in " ".join(citations)
    english = _soup(HTML / "executed" / "04_fixed_effects.html").get_text()
    assert "Zhang et al. [2025]" in english


def test_exercise_titles_of_the_chinese_edition_have_full_width_brackets(strict_edition):
    titles = [t.get_text() for t in _soup(ZH / "executed" / "04_fixed_effects.html").select(".admonition-title")
              if "练习" in t.get_text()]
    assert titles and all(" (" not in t for t in titles), titles
    assert any(re.search(r"练习 4\.1\s*（.+）", t) for t in titles), titles
