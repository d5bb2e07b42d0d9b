"""The built book in a real browser: headless Chromium (Debian's) driven by Playwright.

Every page is loaded from a local server bound to 127.0.0.1. A page fails on
a console error, an uncaught exception, a failed request, or any request that
leaves 127.0.0.1 (those are blocked: the book must work offline). Chapters
must show their figures (images decoded), tables and math (MathJax rendered,
no errors); search must find a known word; a solution must open when clicked;
tables must stay legible in dark mode. Screenshots go to ``test-artifacts/``.

Chromium: ``/usr/bin/chromium`` (``make browser-deps`` installs it with
apt-get), or the path in ``ESGRISK_CHROMIUM``. ``ESGRISK_BOOK_HTML`` points the
tests at another build directory.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from conftest import missing

from esgrisk import paths, pipeline

pytestmark = [pytest.mark.book, pytest.mark.browser]

BUILD = Path(os.environ.get("ESGRISK_BOOK_HTML", paths.BUILD_HTML))
CHROMIUM = Path(os.environ.get("ESGRISK_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = paths.ROOT / "test-artifacts"
SEARCH_WORD = "ESG"  # in the book's title and on every chapter page
TIMEOUT_MS = 30_000


def _pages() -> list[str]:
    if not (BUILD / "index.html").exists():
        return []
    skip = {"genindex.html"}  # generated, no content of ours; still loaded by test_every_page... below
    pages = sorted(p.relative_to(BUILD).as_posix() for p in BUILD.rglob("*.html")
                   if "_static" not in p.parts and "_sources" not in p.parts)
    return [p for p in pages if p not in skip] + ["genindex.html"] * ("genindex.html" in pages)


PAGES = _pages()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server():
    if not (BUILD / "index.html").exists():
        missing(f"the book is not built ({BUILD} has no index.html): run `make book`")
    handler = functools.partial(_QuietHandler, directory=str(BUILD))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing(f"no Chromium at {CHROMIUM}: run `make browser-deps` (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic",
                                    "--no-first-run", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class Visit:
    """One page load with everything that went wrong recorded."""

    def __init__(self, browser, base: str, color_scheme: str = "light"):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.problems: list[str] = []
        host = urlparse(base).netloc
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console error: {m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught exception: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(
            f"request failed: {r.url} ({r.failure})"))

        def route(r):
            if urlparse(r.request.url).netloc == host or r.request.url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                self.problems.append(f"external request blocked: {r.request.url}")
                r.abort()

        self.page.route("**/*", route)

    def open(self, path: str):
        self.page.goto(f"{self.base}/{path}", wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    visits = []

    def make(color_scheme: str = "light") -> Visit:
        v = Visit(browser, server, color_scheme)
        visits.append(v)
        return v

    yield make
    for v in visits:
        v.close()


def _wait_for_math(page) -> dict:
    """Wait until MathJax has typeset the page (if it has math); return counts."""
    has_math = page.evaluate("document.querySelectorAll('.math').length > 0")
    if has_math:
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=TIMEOUT_MS)
        page.evaluate("MathJax.startup.promise")
    return page.evaluate("""() => {
        const math = [...document.querySelectorAll('span.math, div.math')];
        return {math: math.length,
                rendered: math.filter(m => m.querySelector('mjx-container')).length,
                errors: document.querySelectorAll('mjx-merror, .MathJax_Error').length};
    }""")


def _images(page) -> dict:
    return page.evaluate("""() => {
        const imgs = [...document.querySelectorAll('article img, main img')];
        return {total: imgs.length,
                broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)};
    }""")


@pytest.mark.parametrize("path", PAGES or ["(book not built)"])
def test_every_page_loads_cleanly(visit, path):
    v = visit()
    page = v.open(path)
    math = _wait_for_math(page)
    images = _images(page)
    assert not v.problems, f"{path}:\n  " + "\n  ".join(v.problems)
    assert math["rendered"] == math["math"], f"{path}: {math['math'] - math['rendered']} formulas not typeset"
    assert math["errors"] == 0, f"{path}: MathJax reported {math['errors']} errors"
    assert not images["broken"], f"{path}: images did not load: {images['broken']}"


def _expected_content(name: str) -> dict:
    """What the executed notebook (the copy shipped with the build) says the page must show."""
    shipped = BUILD / "_sources" / "executed" / f"{name}.ipynb"
    if not shipped.exists():
        pytest.fail(f"{shipped} is missing: the page's notebook is not downloadable")
    nb = nbformat.read(shipped, as_version=4)
    images = tables = 0
    math = False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"\$[^$]+\$|\{math\}|\\begin\{", cell.source):
            math = True
        for out in cell.get("outputs", []):
            # plain outputs, and values glued for {glue:figure} (mime type prefixed by papermill.record)
            data = {key.rsplit("record/", 1)[-1]: value for key, value in out.get("data", {}).items()}
            images += "image/png" in data or "image/svg+xml" in data
            tables += "<table" in str(data.get("text/html", ""))
    return {"images": images, "tables": tables, "math": math}


_TOC = BUILD.parent.parent / "_toc.yml"  # the toc of the project the build came from
CHAPTERS = [n for n in pipeline.chapters_from_toc(_TOC if _TOC.exists() else paths.ROOT / "_toc.yml")
            if (BUILD / "executed" / f"{n}.html").exists()]


@pytest.mark.parametrize("name", CHAPTERS or ["(book not built)"])
def test_chapter_figures_tables_and_math_render(visit, name):
    v = visit()
    page = v.open(f"executed/{name}.html")
    expected = _expected_content(name)
    math = _wait_for_math(page)
    images = _images(page)
    tables = page.evaluate("document.querySelectorAll('article table').length")
    if expected["images"]:
        assert images["total"] >= 1, f"{name}: the notebook has figures, the page shows none"
        visible = page.evaluate("""() => [...document.querySelectorAll('article img')]
            .filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().width > 100).length""")
        assert visible >= 1, f"{name}: no figure is displayed at a readable size"
    assert not images["broken"], f"{name}: broken figures {images['broken']}"
    if expected["tables"]:
        assert tables >= 1, f"{name}: the notebook has {expected['tables']} HTML tables, the page shows none"
    if expected["math"]:
        assert math["math"] > 0 and math["rendered"] == math["math"], f"{name}: math not typeset: {math}"
    assert not v.problems, "\n".join(v.problems)


def test_search_finds_a_known_word(visit):
    v = visit()
    page = v.open(f"search.html?q={SEARCH_WORD}")
    page.wait_for_selector("#search-results ul.search li", timeout=TIMEOUT_MS)
    hits = page.locator("#search-results ul.search li").count()
    assert hits >= 1
    assert not v.problems, "\n".join(v.problems)


def _page_with_solution() -> str | None:
    for path in PAGES:
        if 'class="solution dropdown' in (BUILD / path).read_text(encoding="utf-8", errors="replace"):
            return path
    return None


def test_solution_is_hidden_until_clicked(visit):
    path = _page_with_solution()
    if path is None:
        missing("no page of the built book has a solution")
    v = visit()
    page = v.open(path)
    solution = page.locator(".solution").first
    solution.scroll_into_view_if_needed()
    body = solution.locator("section, .solution-content, p").last
    assert not body.is_visible(), "the solution is visible before it is opened"
    toggle = solution.locator("button.toggle-button, summary").first
    toggle.click()
    page.wait_for_timeout(400)
    assert body.is_visible(), "the solution did not open when clicked"
    ARTIFACTS.mkdir(exist_ok=True)
    solution.screenshot(path=str(ARTIFACTS / "solution-open.png"))
    assert not v.problems, "\n".join(v.problems)


def _contrast(fg: list[float], bg: list[float]) -> float:
    def lum(rgb):
        c = [x / 255 for x in rgb[:3]]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


EFFECTIVE_COLOURS = """(el) => {
    const parse = s => (s.match(/[\\d.]+/g) || []).map(Number);
    const fg = parse(getComputedStyle(el).color);
    let node = el, bg = null;
    while (node && node.nodeType === 1) {
        const c = parse(getComputedStyle(node).backgroundColor);
        if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) { bg = c; break; }
        node = node.parentElement;
    }
    return {fg, bg: bg || [255, 255, 255]};
}"""


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_pandas_tables_are_legible(visit, mode):
    pages = [p for p in PAGES if 'class="dataframe' in (BUILD / p).read_text(encoding="utf-8")
             or "<table" in (BUILD / p).read_text(encoding="utf-8") and p.startswith("executed/")]
    if not pages:
        missing("no page with a table")
    v = visit(mode)
    page = v.open(pages[0])
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
    page.wait_for_timeout(200)
    cells = page.locator("article .cell_output table td")
    assert cells.count() > 0
    worst = min(_contrast(**cells.nth(i).evaluate(EFFECTIVE_COLOURS))
                for i in range(min(cells.count(), 20)))
    assert worst >= 4.5, f"{mode} mode: table text contrast {worst:.2f} < 4.5 on {pages[0]}"
    ARTIFACTS.mkdir(exist_ok=True)
    cells.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"table-{mode}.png"))


def test_screenshots_of_a_few_pages(visit):
    if not PAGES:
        missing("the book is not built")
    ARTIFACTS.mkdir(exist_ok=True)
    v = visit()
    chosen = ["index.html"] + [f"executed/{n}.html" for n in CHAPTERS[:3]]
    for path in chosen:
        page = v.open(path)
        _wait_for_math(page)
        page.screenshot(path=str(ARTIFACTS / (path.replace("/", "_").replace(".html", ".png"))),
                        full_page=False)
    assert len(list(ARTIFACTS.glob("*.png"))) >= len(chosen)


def test_download_and_launch_buttons_are_on_chapter_pages(visit):
    if not CHAPTERS:
        missing("no chapter page built")
    name = CHAPTERS[0]
    v = visit()
    page = v.open(f"executed/{name}.html")
    py = page.locator("a.btn-download-py-source-button")
    assert py.count() == 1
    href = py.get_attribute("href")
    assert href.endswith(f"notebooks/{name}.py")
    ipynb = page.locator("a.btn-download-source-button, a.btn-download-notebook-button").first
    assert ipynb.get_attribute("href").endswith(".ipynb")
    # the files behind the download links are served
    for link in (href, ipynb.get_attribute("href")):
        response = page.request.get(page.url.rsplit("/", 1)[0] + "/" + link)
        assert response.ok, f"{link}: HTTP {response.status}"
    launch = page.locator(".dropdown-launch-buttons a")
    assert launch.count() >= 1
    assert f"notebooks/{name}.py" in launch.first.get_attribute("href")


# ---------------------------------------------------------------------------------------------
# Readers' edition (issue 15): one test per class of visible defect.

NARROW = 400  # px: the book must fit a phone screen


def _content_pages() -> list[str]:
    return [p for p in PAGES if p not in ("genindex.html", "search.html")]


SWEEP = """() => {
    const clippedMath = [...document.querySelectorAll('mjx-container[display="true"]')].filter(m => {
        if (m.getBoundingClientRect().right <= window.innerWidth + 1) return false;
        let n = m;  // a wide formula is fine inside a box that scrolls
        while (n && n !== document.body) {
            const s = getComputedStyle(n);
            if (['auto', 'scroll'].includes(s.overflowX) && n.getBoundingClientRect().right
                <= window.innerWidth + 1) return false;
            n = n.parentElement;
        }
        return true;
    }).length;
    const escapedMath = [...document.querySelectorAll('mjx-assistive-mml mtext, mjx-container')]
        .filter(m => /\\\\[_%$&#]/.test(m.textContent)).length;
    const emphasis = [...document.querySelectorAll(
            'article .cell_output table td em, article .cell_output table td strong')]
        .filter(e => !e.closest('a')).length;  // a cited title is italic on purpose
    const alts = [...document.querySelectorAll('article img')].map(i => i.getAttribute('alt') || '');
    const bareDomains = [...document.querySelectorAll('article a.reference.external')]
        .filter(a => !/^[a-z]+:\\/\\//i.test(a.textContent.trim()) && /^https?:\\/\\/[^/]+\\/?$/i.test(a.href)
                     && a.href.replace(/^https?:\\/\\//i, '').replace(/\\/$/, '').toLowerCase()
                        === a.textContent.trim().toLowerCase())
        .map(a => a.textContent);
    return {width: document.documentElement.scrollWidth, clippedMath, escapedMath, emphasis, alts,
            bareDomains};
}"""


@pytest.fixture(scope="module")
def sweep(browser, server) -> dict:
    """Every content page once at 400 px: what the readers' checks below measure."""
    if not PAGES:
        missing("the book is not built")
    v = Visit(browser, server)
    v.page.set_viewport_size({"width": NARROW, "height": 900})
    found = {}
    try:
        for path in _content_pages():
            page = v.open(path)
            _wait_for_math(page)
            found[path] = page.evaluate(SWEEP)
        ARTIFACTS.mkdir(exist_ok=True)
        v.page.screenshot(path=str(ARTIFACTS / "narrow-last-page.png"))
        found["problems"] = list(v.problems)
    finally:
        v.close()
    return found


def _pages_of(sweep: dict) -> dict:
    return {k: v for k, v in sweep.items() if k != "problems"}


def test_math_is_typeset_without_literal_escapes_and_fits_narrow_screens(sweep):
    """Math: no literal backslash in text (``\\_``), display math scrolls in its own box at 400 px."""
    for path, seen in _pages_of(sweep).items():
        assert seen["escapedMath"] == 0, f"{path}: {seen['escapedMath']} formulas show a literal backslash escape"
        assert seen["clippedMath"] == 0, f"{path}: {seen['clippedMath']} display formulas run off a {NARROW} px screen"
    assert not sweep["problems"], "\n".join(sweep["problems"])


def test_mathjax_accessibility_components_load_offline(visit):
    """The complete MathJax: the explorer and the MathML input it needs load from _static."""
    if not CHAPTERS:
        missing("no chapter page built")
    v = visit()
    page = v.open(f"executed/{CHAPTERS[0]}.html")
    _wait_for_math(page)
    page.evaluate("""() => MathJax.loader.load('input/mml', 'a11y/semantic-enrich', 'a11y/explorer')""")
    page.wait_for_load_state("networkidle")
    assert not v.problems, "\n".join(v.problems)
    for part in ("input/mml.js", "a11y/explorer.js", "a11y/semantic-enrich.js", "a11y/assistive-mml.js"):
        assert (BUILD / "_static" / "mathjax" / part).is_file(), f"MathJax component {part} is not shipped"


def test_table_cells_show_their_text_not_markup(sweep):
    """Escaping: a ``*`` or ``_`` in a table cell is text, never emphasis."""
    bad = {p: s["emphasis"] for p, s in _pages_of(sweep).items() if s["emphasis"]}
    assert not bad, f"table cells that render markup (emphasis) instead of text: {bad}"


def test_no_page_is_wider_than_a_narrow_screen(sweep):
    """Overflow: at 400 px every page fits; wide tables scroll inside their own box."""
    wide = {p: s["width"] for p, s in _pages_of(sweep).items() if s["width"] > NARROW}
    assert not wide, f"pages wider than {NARROW} px: {wide}"


def test_every_figure_has_alt_text_that_says_what_it_shows(sweep):
    """Alt text: every figure has a description, never empty and never its file name."""
    alts = [(p, alt) for p, s in _pages_of(sweep).items() if p.startswith("executed/") for alt in s["alts"]]
    assert alts, "no figure found in the chapters"
    for path, alt in alts:
        assert len(alt.split()) >= 4, f"{path}: alt text {alt!r} does not describe the figure"
        assert not re.fullmatch(r"\S+\.(png|svg|jpe?g)", alt) and "_images/" not in alt, \
            f"{path}: alt text is a file path: {alt!r}"


def test_domain_names_in_text_are_not_links(sweep):
    """No auto-linked domains: "JD.com" in prose stays text (links are written with a scheme)."""
    bare = {p: s["bareDomains"] for p, s in _pages_of(sweep).items() if s["bareDomains"]}
    assert not bare, f"domain names turned into links: {bare}"


@pytest.mark.parametrize("width", [1280, NARROW])
def test_one_search_box(browser, server, width):
    """One search entry point at each width (not a top bar plus the sidebar's)."""
    v = Visit(browser, server)
    v.page.set_viewport_size({"width": width, "height": 900})
    try:
        page = v.open(f"executed/{CHAPTERS[0]}.html" if CHAPTERS else "index.html")
        visible = page.evaluate("""() => [...document.querySelectorAll(
                '.search-button-field, button.search-button, .bd-search input')]
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; })
            .length""")
        assert visible == 1, f"{visible} search boxes or buttons visible at {width} px"
    finally:
        v.close()


def test_chinese_text_is_marked_and_drawn_with_the_shipped_font(visit):
    """lang="zh" on Chinese passages, rendered from the book's CJK font (no system font needed)."""
    v = visit()
    page = v.open("book/glossary.html")
    marked = page.evaluate("document.querySelectorAll('article [lang=zh]').length")
    assert marked >= 10, f"only {marked} Chinese passages carry lang=zh"
    page.evaluate("document.fonts.load('16px \"Book CJK\"', '固定效应')")
    loaded = page.evaluate("document.fonts.check('16px \"Book CJK\"', '固定效应')")
    family = page.evaluate("getComputedStyle(document.querySelector('article [lang=zh]')).fontFamily")
    assert loaded and "Book CJK" in family, (loaded, family)
    assert not v.problems, "\n".join(v.problems)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_text_and_links_have_enough_contrast(visit, mode):
    """Body text, links and captions reach WCAG AA (4.5:1) in light and dark mode."""
    if not CHAPTERS:
        missing("no chapter page built")
    v = visit(mode)
    page = v.open(f"executed/{CHAPTERS[0]}.html")
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
    page.wait_for_timeout(200)
    worst = []
    for selector in ("article p", "article a.reference", "article figcaption, article caption",
                     ".book-edition"):
        items = page.locator(selector)
        for i in range(min(items.count(), 8)):
            ratio = _contrast(**items.nth(i).evaluate(EFFECTIVE_COLOURS))
            worst.append((ratio, selector))
    assert worst, "nothing measured"
    low = [w for w in worst if w[0] < 4.5]
    assert not low, f"{mode} mode: contrast below 4.5: {sorted(low)[:3]}"


def test_footer_shows_version_and_build_date(visit):
    v = visit()
    page = v.open("index.html")
    footer = page.locator(".book-edition").first.inner_text()
    assert re.search(r"Version \d+\.\d+\.\d+, built \d{4}-\d\d-\d\d", footer), footer
