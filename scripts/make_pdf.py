#!/usr/bin/env python
"""Write the whole book as one PDF: ``_build/pdf/book.pdf`` and ``book-zh.pdf`` (copies in ``_build/html``).

Usage::

    python scripts/make_pdf.py          # after `make book`
    make pdf

Offline, with nothing downloaded at build time:

1. Jupyter Book builds the executed chapters once more as a single page
   (Sphinx ``singlehtml``, warnings as errors) into ``_build/pdf-work``;
   chapter, section, table, figure and exercise numbers are those of the HTML
   book (``_toc.yml``), and every cross-reference becomes a link inside that page.
2. The system Chromium (Debian's ``/usr/bin/chromium``, or ``ESGRISK_CHROMIUM``),
   driven by Playwright, opens the page from a local server, waits for MathJax,
   adds a title page (title, version and build date from ``CITATION.cff``), and
   prints it with the book's print stylesheet (``book/_static/custom.css``,
   ``@media print``): A4, page numbers, the chapters as PDF bookmarks, internal
   links kept. Chinese text is drawn with the shipped CJK font
   (``book/_static/fonts``), which Chromium embeds.
3. Before printing, a table wider than the printed text column is scaled down
   to fit (every column kept, words whole), and then every table is checked
   against the column: one that would still lose columns stops the build with
   the table's caption.

Each edition is printed: the English book to ``book.pdf``, the Chinese one (the same
executed notebooks, ``book/locale/zh_CN``, see ``book/_ext/book_i18n.py``) to
``book-zh.pdf``, its title page in Chinese.

``tests/test_pdf.py`` checks the result with poppler (``pdfinfo``, ``pdftotext``,
``pdffonts``): every chapter's title, the fonts embedded, internal links.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "pdf-work"  # a fresh single-page build each time (no stale environment)
SINGLE = WORK / "jb" / "_build" / "singlehtml"
#: The editions: language -> (single-page build folder, PDF, the edition's folder in _build/html).
EDITIONS = {"en": (WORK, ROOT / "_build" / "pdf" / "book.pdf", ""),
            "zh_CN": (ROOT / "_build" / "pdf-work-zh", ROOT / "_build" / "pdf" / "book-zh.pdf", "zh")}
#: What the single-page build reads, linked into a folder of its own (as esgrisk.pipeline does for the
#: HTML), so that nothing else in the checkout (staged builds, student notebooks) can enter the book.
SOURCES = ("_config.yml", "_toc.yml", "book", "notebooks", "executed", "results")
PDF = ROOT / "_build" / "pdf" / "book.pdf"
HTML = ROOT / "_build" / "html"
CHROMIUM = Path(os.environ.get("ESGRISK_CHROMIUM", "/usr/bin/chromium"))
TIMEOUT_MS = 120_000
ROOT_DOC = "book/intro"  # _toc.yml's root

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from book_extras import build_date, citation_metadata  # noqa: E402

#: Widest a table may be, in CSS px, on A4 with the margins below (210 mm - 2 x 14 mm = 182 mm).
PRINT_WIDTH_PX = 182 / 25.4 * 96

TITLE_PAGE = """(meta) => {
    const page = document.createElement('section');
    page.className = 'pdf-title-page';
    page.innerHTML = `<h1 class="pdf-title"></h1><p class="pdf-author"></p>
        <p class="pdf-edition"></p><p class="pdf-url"></p>`;
    page.querySelector('.pdf-title').textContent = meta.title;
    page.querySelector('.pdf-author').textContent = meta.author;
    page.querySelector('.pdf-edition').textContent = meta.edition;
    page.querySelector('.pdf-url').textContent = meta.url;
    (document.querySelector('.bd-main') || document.body).prepend(page);
    // Each chapter starts on a new page.
    document.querySelectorAll('article.bd-article > section > section, article.bd-article section[id]')
        .forEach(s => { if (s.querySelector(':scope > h1')) s.classList.add('pdf-chapter'); });
}"""

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.pdf-title-page { break-after: page; padding-top: 30vh; text-align: center; }
.pdf-title-page h1 { font-size: 24pt; }
section.pdf-chapter { break-before: page; }
.bd-header-article, .header-article-items, .bd-sidebar-primary, .bd-sidebar-secondary,
.prev-next-area, .bd-footer, .bd-footer-content, .headerlink, .copybtn, .toggle-button,
.bd-header, .skip-link, #pst-back-to-top, .search-button { display: none !important; }
body, .bd-page-width, .bd-container, .bd-container__inner, .bd-main, .bd-content,
.bd-article-container { max-width: none !important; width: auto !important;
    margin: 0 !important; padding: 0 !important; }
.bd-article { padding: 0 !important; }
.bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-article {
    min-width: 0 !important; display: block !important; }
details.hide.above-input { display: none !important; }  /* code the HTML hides behind a toggle */
"""


def build_singlehtml(language: str = "en") -> Path:
    """``jupyter-book build --builder singlehtml`` (warnings as errors) of an edition; returns its folder."""
    from esgrisk import pipeline  # noqa: PLC0415 - the edition's config is the HTML build's

    work = EDITIONS[language][0]
    shutil.rmtree(work, ignore_errors=True)
    src = work / "src"
    src.mkdir(parents=True)
    for name in SOURCES:
        (src / name).symlink_to((ROOT / name).resolve(), target_is_directory=(ROOT / name).is_dir())
    command = pipeline.single_page_command(src, work / "jb", None if language == "en" else language)
    done = subprocess.run(command, cwd=src, capture_output=True, text=True)
    if done.returncode != 0:
        log = ROOT / "_build" / ("singlehtml.log" if language == "en" else f"singlehtml.{language}.log")
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise SystemExit(f"make_pdf: the single-page build failed; full log {log.relative_to(ROOT)}\n{tail}")
    return work / "jb" / "_build" / "singlehtml"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def title_page(language: str = "en") -> dict:
    """What the title page says: title, authors, version and build date, URL (in the edition's language)."""
    cff = citation_metadata(ROOT)
    meta = {"title": cff["title"],
            "author": ", ".join(a.get("name", "") for a in cff.get("authors", [])),
            "edition": f"Version {cff.get('version')}, built {build_date()}",
            "url": cff.get("url", "")}
    if language != "en":
        import yaml  # noqa: PLC0415

        config = yaml.safe_load((ROOT / "book" / "locale" / language / "_config.yml").read_text(encoding="utf-8"))
        meta.update(title=config["title"], author=config.get("author", meta["author"]),
                    edition=f"版本 {cff.get('version')}，构建于 {build_date()}")
    return meta


def print_pdf(single: Path = SINGLE, target: Path = PDF, language: str = "en") -> dict:
    """Print ``single/index.html`` to ``target`` with Chromium; return what was measured."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"make_pdf: no Chromium at {CHROMIUM} (make browser-deps installs it)")
    meta = title_page(language)
    handler = functools.partial(_Quiet, directory=str(single))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    # Sphinx writes the single page as <root doc>.html (book/intro.html) with links relative to
    # the output folder itself; served from there they resolve.
    page_file = single / "book.html"
    shutil.copy2(single / f"{ROOT_DOC}.html", page_file)
    problems: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.set_default_timeout(TIMEOUT_MS)

            def route(r):
                if r.request.url.startswith((base, "data:", "blob:")):
                    r.continue_()
                else:  # offline: nothing may come from another host
                    problems.append(f"external request blocked: {r.request.url}")
                    r.abort()

            page.route("**/*", route)
            page.goto(f"{base}/{page_file.name}", wait_until="load")
            page.wait_for_load_state("networkidle")
            if page.evaluate("document.querySelectorAll('.math').length > 0"):
                if not page.evaluate("!!document.querySelector('script[src*=\"mathjax\"]')"):
                    raise SystemExit("make_pdf: the single page has math but does not load MathJax")
                page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
                page.evaluate("MathJax.startup.promise")
            page.evaluate("document.fonts.ready.then(() => true)")
            page.evaluate(TITLE_PAGE, meta)
            page.add_style_tag(content=PRINT_CSS)
            page.emulate_media(media="print")
            page.set_viewport_size({"width": int(PRINT_WIDTH_PX), "height": 1200})
            page.wait_for_timeout(300)
            # On paper a table cannot scroll: one wider than the text column is scaled down to fit,
            # keeping every column and whole words (CSS zoom; the text stays text in the PDF).
            scaled = page.evaluate("""() => [...document.querySelectorAll('article table')].filter(t => {
                const room = t.parentElement.clientWidth, need = t.scrollWidth;
                if (need <= room + 1) return false;
                t.style.zoom = (room / need).toFixed(3);
                return true;
            }).length""")
            page.wait_for_timeout(200)
            too_wide = page.evaluate("""(limit) => [...document.querySelectorAll('article table')]
                .filter(t => t.scrollWidth > t.clientWidth + 2
                             || t.getBoundingClientRect().right > document.documentElement.clientWidth + 2)
                .map(t => ((t.querySelector('caption') || t).innerText || '').slice(0, 80) + ' ('
                     + t.scrollWidth + ' px)')""", PRINT_WIDTH_PX)
            if too_wide:
                problems.append("tables wider than the printed page: " + "; ".join(too_wide))
            target.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(target), format="A4", print_background=True, outline=True, tagged=True,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template=('<div style="font-size:8px;width:100%;text-align:center;">'
                                      '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'),
                     margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
            chapters = page.evaluate("[...document.querySelectorAll('article h1')].map(h => h.innerText)")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if problems:
        raise SystemExit("make_pdf: " + "\n  ".join(problems))
    return {"chapters": chapters, "scaled": scaled}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="print the existing single-page builds")
    parser.add_argument("--edition", choices=sorted(EDITIONS), action="append",
                        help="only this edition (repeatable; default: every edition)")
    args = parser.parse_args(argv)
    for language in args.edition or list(EDITIONS):
        started = time.perf_counter()
        work, pdf, folder = EDITIONS[language]
        single = work / "jb" / "_build" / "singlehtml" if args.no_build else build_singlehtml(language)
        info = print_pdf(single, pdf, language)
        if (HTML / folder).is_dir():
            shutil.copy2(pdf, HTML / folder / pdf.name)
        print(f"[pdf] {pdf.relative_to(ROOT)}: {info['scaled']} wide tables scaled to the page, "
              f"{pdf.stat().st_size // 1024} KiB, {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
