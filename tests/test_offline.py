"""The built book works offline: no page loads a script, style, font, image or frame from the network.

Links in the text (``<a href="https://...">``) are fine; resources the browser
fetches by itself are not. The scan covers every HTML, CSS and JavaScript file
of ``_build/html`` that the book ships (``@import``, ``url(...)`` in CSS, and
the ``src``/``href`` of resource tags in HTML). Set ``ESGRISK_BOOK_HTML`` to scan
another build directory.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import missing

from esgrisk import paths

pytestmark = pytest.mark.book

BUILD = Path(os.environ.get("ESGRISK_BOOK_HTML", paths.BUILD_HTML))
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
# <link rel=...> values that make the browser fetch the target.
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "preload", "prefetch", "modulepreload",
                 "apple-touch-icon", "manifest", "dns-prefetch", "preconnect", "mask-icon"}
RESOURCE_ATTRS = {
    "script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "embed": ("src",),
    "object": ("data",), "source": ("src", "srcset"), "audio": ("src",), "video": ("src", "poster"),
    "track": ("src",), "input": ("src",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)


class ResourceScanner(HTMLParser):
    """Collect the URLs an HTML page makes the browser fetch."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in RESOURCE_ATTRS.get(tag, ()):
            value = attrs.get(name) or ""
            self.urls += [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in name \
                else [value]
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & FETCHING_RELS:
                self.urls.append(attrs.get("href") or "")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.urls.append((attrs.get("content") or "").partition("url=")[2])
        if "style" in attrs:
            self.urls += CSS_URL.findall(attrs["style"] or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += CSS_URL.findall(data)


def external_resources_of_html(text: str) -> list[str]:
    scanner = ResourceScanner()
    scanner.feed(text)
    return sorted({u for u in scanner.urls if EXTERNAL.match(u)})


def external_resources_of_css(text: str) -> list[str]:
    return sorted({u for u in CSS_URL.findall(text) if EXTERNAL.match(u)})


# Literal CDN addresses that, in a shipped script, mean the script fetches from the network.
CDN_HOSTS = re.compile(r"https?://(cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|"
                       r"fonts\.googleapis\.com|fonts\.gstatic\.com|code\.jquery\.com|"
                       r"ajax\.googleapis\.com|cdn\.plot\.ly|polyfill\.io)[^'\"\s)]*")


def _built() -> Path:
    if not (BUILD / "index.html").exists():
        missing(f"the book is not built ({BUILD} has no index.html): run `make book`")
    return BUILD


def test_scanner_sees_resources_but_not_links():
    html = ('<a href="https://example.org">text link</a>'
            '<script src="https://cdn.jsdelivr.net/x.js"></script>'
            '<link rel="stylesheet" href="//fonts.googleapis.com/css">'
            '<link rel="canonical" href="https://example.org/page">'
            '<img srcset="a.png 1x, https://e.org/b.png 2x">'
            '<style>@import "https://e.org/s.css"; .a{background:url(img.png)}</style>'
            '<div style="background: url(\'http://e.org/i.png\')"></div>')
    assert external_resources_of_html(html) == [
        "//fonts.googleapis.com/css", "http://e.org/i.png", "https://cdn.jsdelivr.net/x.js",
        "https://e.org/b.png", "https://e.org/s.css"]
    assert external_resources_of_css("a{src:url(https://x.org/f.woff)} b{url(f.woff)}") == \
        ["https://x.org/f.woff"]


def test_no_page_loads_external_resources():
    build = _built()
    offenders = {}
    for page in sorted(build.rglob("*.html")):
        found = external_resources_of_html(page.read_text(encoding="utf-8", errors="replace"))
        if found:
            offenders[str(page.relative_to(build))] = found
    assert not offenders, f"pages fetch resources from the network: {offenders}"


def test_no_stylesheet_loads_external_resources():
    build = _built()
    offenders = {}
    for sheet in sorted(build.rglob("*.css")):
        found = external_resources_of_css(sheet.read_text(encoding="utf-8", errors="replace"))
        if found:
            offenders[str(sheet.relative_to(build))] = found
    assert not offenders, f"stylesheets fetch resources from the network: {offenders}"


def test_math_is_rendered_by_the_bundled_mathjax():
    build = _built()
    pages_with_math = [p for p in build.rglob("*.html")
                       if 'class="math' in p.read_text(encoding="utf-8", errors="replace")]
    for page in pages_with_math:
        text = page.read_text(encoding="utf-8", errors="replace")
        assert "_static/mathjax/tex-chtml.js" in text, f"{page} does not load the bundled MathJax"
        assert "cdn.jsdelivr" not in text
    assert (build / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (build / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()


def test_page_scripts_reference_no_cdn():
    """Inline and shipped scripts of the pages name no CDN (a lazy fetch would still go online)."""
    build = _built()
    offenders = {}
    for page in sorted(build.rglob("*.html")):
        for script in re.findall(r"<script[^>]*>(.*?)</script>", page.read_text(encoding="utf-8"),
                                 flags=re.DOTALL):
            hits = CDN_HOSTS.findall(script)
            if hits:
                offenders.setdefault(str(page.relative_to(build)), []).extend(hits)
    assert not offenders, f"inline scripts refer to CDNs: {offenders}"
