"""Sphinx extension of the book's editions (issue 16): one execution, an English and a Chinese book.

Loaded by Jupyter Book through ``sphinx.local_extensions`` in ``_config.yml``. The edition is the
Sphinx ``language``: ``en`` (the default) is the English book, ``zh_CN`` the Chinese one, built by
``esgrisk.pipeline`` from the same ``executed/`` notebooks into ``_build/html/zh/`` with the
configuration ``book/locale/zh_CN/_config.yml`` laid over ``_config.yml``.

* **Outputs of one edition.** The kernel writes every edition's outputs into the executed
  notebooks (``esgrisk.i18n``): an output for one edition only carries the output metadata
  ``{"esgrisk": {"language": ...}}``; a value glued for Chinese is glued as ``<key>__zh_CN``.
  On ``source-read`` each edition drops the other editions' outputs; the Chinese one replaces
  each glued ``<key>`` by its ``<key>__zh_CN`` twin, renamed ``<key>``, so the Chinese pages use
  the glue keys of the English ones.
* **Translated text.** In the Chinese edition every translatable unit of a page (notebook
  Markdown cells, ``book/*.md`` pages, and on ``include-read`` the included ``book/teaching``
  files) is replaced by its translation from the page's catalogue
  ``book/locale/zh_CN/<page path>.po`` (``esgrisk.i18n.translate_markdown``). A unit without a
  translation (or whose translation is fuzzy or does not keep its markup) stops the build with
  an error naming the page and the unit, so no half-translated edition is published;
  ``ESGRISK_I18N_FALLBACK=1`` (development only) keeps it in English and says how many units
  were kept.
* **The themes' words.** The Chinese pages' chrome (tooltips, aria labels, the footer) has
  the English strings that sphinx-book-theme and pydata-sphinx-theme write literally or leave
  untranslated in their catalogues ("Toggle primary sidebar", "Color mode", "Link to this
  heading"...): :data:`THEME_STRINGS`, translated by the code catalogue
  (``esgrisk/locale/zh_CN/book.po``) on ``build-finished``, attribute by attribute with an HTML
  parser (:func:`localise_chrome`; the rest of each page is left byte for byte as written);
  togglebutton's hints are set in Chinese at ``config-inited``. Citations and the
  bibliography's own words: ``book_bibstyle`` (``author_year_zh``, ``book_zh``).
* **Twin links.** Every page links to its twin in the other edition (``中文`` / ``English``) at
  the top of the article, and names it as ``<link rel="alternate" hreflang=...>``; links are
  relative, so the site works offline and from any folder.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from esgrisk import i18n, paths

logger = logging.getLogger(__name__)

#: The English book's language, and the folder of the site each other edition is written to.
SOURCE = i18n.SOURCE_LANGUAGE
EDITION_FOLDER = {"zh_CN": "zh"}
#: How each edition names itself in the other's header, and its HTML language tag.
EDITION_NAME = {SOURCE: "English", "zh_CN": "中文"}
EDITION_TAG = {SOURCE: "en", "zh_CN": "zh-CN"}
#: Development only: untranslated units stay English instead of stopping the build.
FALLBACK_ENV = "ESGRISK_I18N_FALLBACK"
#: Written into the root of each non-English edition: how it was built (for the tests).
EDITION_FILE = "edition.json"
EXECUTED_PAGE = re.compile(r"^executed/(?P<name>\d\d_[A-Za-z0-9_]+)$")


def edition(app: Sphinx) -> str:
    """The edition a build makes: its Sphinx ``language`` (``en`` unless configured)."""
    language = app.config.language or SOURCE
    return SOURCE if language.split("_")[0] == "en" else language


def fallback() -> bool:
    return os.environ.get(FALLBACK_ENV) == "1"


#: Which outputs an edition keeps (shared with scripts/make_student.py).
select_outputs = i18n.select_outputs


def _project_root(app: Sphinx) -> Path:
    return (Path(app.srcdir) / "_toc.yml").resolve().parent


def english_source(app: Sphinx, docname: str) -> Path:
    """The English source page a document is made from: ``notebooks/NN.py`` or ``book/x.md``."""
    match = EXECUTED_PAGE.match(docname)
    root = _project_root(app)
    if match:
        return root / "notebooks" / f"{match['name']}.py"
    return (Path(app.srcdir) / app.env.doc2path(docname, base=False)).resolve()


def _translations(app: Sphinx, source: Path, language: str) -> dict[str, str]:
    cache = app.__dict__.setdefault("_book_i18n_translations", {})
    if source not in cache:
        if not i18n.catalogue_path(source, language).exists():
            raise ExtensionError(f"book_i18n: no catalogue for {source} "
                                 f"(run `python -m esgrisk.i18n update`)")
        # a translation that does not keep its unit's markup is no translation (as `make check-translations`)
        cache[source] = i18n.page_translations(source, language)
    return cache[source]


def translate(app: Sphinx, text: str, source: Path, where: str) -> str:
    """``text`` of the page ``source`` in the build's edition (strict unless ESGRISK_I18N_FALLBACK=1)."""
    language = edition(app)
    translations = _translations(app, source, language)
    if fallback():
        missing = [u for u, _ in i18n.split_units(text)
                   if i18n.is_translatable(u) and not translations.get(u, "").strip()]
        if missing:
            counts = app.__dict__.setdefault("_book_i18n_fallback", {})
            counts[where] = counts.get(where, 0) + len(missing)
            logger.info(f"book_i18n: {where}: {len(missing)} unit(s) kept in English ({FALLBACK_ENV}=1)")
    try:
        return i18n.translate_markdown(text, translations, fallback=fallback())
    except KeyError as error:
        raise ExtensionError(f"book_i18n: {where}: {error.args[0]} "
                             f"(catalogue {i18n.catalogue_path(source, language)}; "
                             f"`make check-translations` lists every missing unit)") from None


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    language = edition(app)
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".ipynb":
        notebook = json.loads(source[0])
        changed = select_outputs(notebook, language)
        if language != SOURCE:
            page = english_source(app, docname)
            for cell in notebook.get("cells", []):
                if cell.get("cell_type") == "markdown":
                    text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                    cell["source"] = translate(app, text, page, docname)
            changed = True
            _untranslated_outputs(notebook, docname, language)
        if changed:
            source[0] = json.dumps(notebook, ensure_ascii=False)
    elif language != SOURCE and path.suffix == ".md":
        source[0] = translate(app, source[0], english_source(app, docname), docname)


def edition_text(app: Sphinx, text: str) -> str:
    """Words an extension writes (``text``, a msgid of the code catalogue) in the build's edition.

    A missing translation is a warning (an error under -W) unless ESGRISK_I18N_FALLBACK=1.
    """
    language = edition(app)
    if language == SOURCE:
        return text
    translated = i18n.translate(text, language)
    if translated == text and not fallback():
        logger.warning(f"book_i18n: no translation in esgrisk/locale/{language}/ for {text!r}")
    return translated


@functools.cache
def _own_panel_sha256() -> str | None:
    own = paths.SIMULATED_PANEL
    return hashlib.sha256(own.read_bytes()).hexdigest() if own.is_file() else None


def _on_the_books_panel(notebook: dict) -> bool:
    """Whether the chapter ran on the book's own panel (data/simulated/panel.csv, by content)."""
    digest = notebook.get("metadata", {}).get("esgrisk", {}).get("panel_sha256")
    return digest is None or digest == _own_panel_sha256()


def _untranslated_outputs(notebook: dict, docname: str, language: str) -> None:
    """Report code text the kernel could not translate (it is shown in English).

    On the book's own panel this is a defect of the catalogues: a warning, an error under -W
    (and `make check-translations` lists it). On a reader's panel the code may write words the
    catalogues never saw (a new firm name, a note on a property of that panel); the Chinese
    edition then shows them in English and the build says so, but does not fail: the English
    and Chinese books of a reader's panel are never held back by a missing translation.
    """
    missing = sorted(i18n.notebook_untranslated(notebook, language))
    if not missing or fallback():
        return
    message = (f"book_i18n: {docname}: {len(missing)} code text(s) without translation, shown in English, "
               f"e.g. {missing[0]!r} (`make check-translations` lists them)")
    if _on_the_books_panel(notebook):
        logger.warning(message)
    else:
        logger.info(message + "; not an error on a reader's panel")


def _include_read(app: Sphinx, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    if edition(app) == SOURCE:
        return
    relative = Path(relative_path)
    if relative.parts[:1] == ("executed",):
        # generated by the code (executed/provenance.md): the edition's own file if the build wrote one
        twin = Path(app.srcdir) / relative.with_name(f"{relative.stem}.{edition(app)}{relative.suffix}")
        if twin.is_file():
            content[0] = twin.read_text(encoding="utf-8")
        return
    if relative.suffix == ".md":
        content[0] = translate(app, content[0], (Path(app.srcdir) / relative).resolve(), str(relative))


def twin_href(pagename: str, language: str, target: str) -> str:
    """Relative link from ``pagename`` of the edition ``language`` to the same page of ``target``."""
    up = "../" * pagename.count("/")
    if language != SOURCE:
        up += "../"  # out of the edition's folder to the English site
    folder = EDITION_FOLDER.get(target)
    return f"{up}{folder + '/' if folder else ''}{pagename}.html"


def twins(language: str) -> list[str]:
    return [lang for lang in (SOURCE, *i18n.LANGUAGES) if lang != language]


def edition_links(pagename: str, language: str) -> str:
    """The HTML of the links from a page to its twins: ``<p class="edition-switch">…</p>``."""
    anchors = []
    for target in twins(language):
        tag = EDITION_TAG[target]
        anchors.append(f'<a class="edition-twin" href="{twin_href(pagename, language, target)}" rel="alternate" '
                       f'hreflang="{tag}" lang="{tag}">{EDITION_NAME[target]}</a>')
    return f'<p class="edition-switch">{" ".join(anchors)}</p>\n'


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.name != "html":
        return  # the single page the PDF is printed from links nowhere
    language = edition(app)
    for target in twins(language):
        context["metatags"] = context.get("metatags", "") + (
            f'\n<link rel="alternate" hreflang="{EDITION_TAG[target]}" '
            f'href="{twin_href(pagename, language, target)}" />')
    if "body" in context:  # the top of the article: visible on every page, a plain relative link
        context["body"] = edition_links(pagename, language) + context["body"]
    if language != SOURCE:
        _chinese_footer(app, context)
        for button in _buttons(context.get("header_buttons", [])):
            for key in ("text", "tooltip"):
                button[key] = BUTTONS_ZH.get(button.get(key), button.get(key))
            if button.get("label") == "download-pdf-button":  # the whole book: this edition's PDF
                button.update(url=context["pathto"](PDF_NAME, 1), text=".pdf（全书）", tooltip="下载全书 PDF")


#: The header buttons' words that the theme's own catalogue leaves in English (and book_extras' own).
BUTTONS_ZH = {"Repository": "源码库", "Open issue": "提交议题", "Launch on Binder": "在 Binder 中运行",
              "Download the chapter's jupytext source (py:percent)": "下载本章的 jupytext 源文件（py:percent）"}


def _buttons(groups: list) -> list[dict]:
    """Every button of the header, those inside dropdown groups included."""
    found = []
    for item in groups:
        found += _buttons(item["buttons"]) if "buttons" in item else [item]
    return found


def _chinese_footer(app: Sphinx, context: dict) -> None:
    """The footer of book_extras, in the edition's language, pointing at the edition's PDF."""
    from book_extras import build_date, citation_metadata, project_root  # noqa: PLC0415 - sibling module

    cff = citation_metadata(project_root(app.srcdir))
    pathto = context["pathto"]
    found = app.env.found_docs
    context["theme_extra_footer"] = (
        f'<p class="book-edition">版本 {cff.get("version")}，构建于 {build_date()}'
        + (f' &middot; <a href="{pathto("book/cite")}">如何引用</a>' if "book/cite" in found else "")
        + (f' &middot; <a href="{pathto("book/changelog")}">更新记录</a>' if "book/changelog" in found else "")
        + f' &middot; <a href="{pathto(PDF_NAME, 1)}">PDF</a></p>')


PDF_NAME = "book-zh.pdf"  # _build/pdf/book-zh.pdf (make pdf), copied to _build/html/zh/book-zh.pdf


def _config_inited(app: Sphinx, config) -> None:
    if edition(app) == SOURCE:
        return
    options = config.html_theme_options
    options["search_bar_text"] = "搜索本书……"
    # sphinx-togglebutton's hints (dropdowns, solutions), written into every page's scripts
    config.togglebutton_hint = edition_text(app, "Click to show")
    config.togglebutton_hint_hide = edition_text(app, "Click to hide")


#: English words of the themes on the Chinese pages (msgids of the code catalogue): the whole value
#: of a tooltip or label (sphinx-book-theme writes some literally, pydata-sphinx-theme's and
#: Sphinx's Chinese catalogues leave others empty), or the whole text of an element.
THEME_STRINGS = (
    "Toggle primary sidebar", "Toggle secondary sidebar", "Main", "Page", "Color mode", "System Settings",
    "Light", "Dark", "Source repositories", "Launch interactive content", "Binder logo", "Download this page",
    "Fullscreen mode", "Search", "Contents", "Toggle hidden content", "Link to this heading",
    "Link to this image", "Link to this table", "Link to this equation", "Link to this code",
    "Link to this definition", "Link to this term", "Skip to main content", "Back to top", "Previous", "Next",
    "previous page", "next page", "Print to PDF", "Copy", "Copy to clipboard", "Copied!",
)
#: Whole texts with a value of the build ({copyright}: the configuration's copyright).
THEME_TEXTS = ("© Copyright {copyright}.",)
#: The attributes of an element that a reader sees (tooltips) or that are announced (labels).
CHROME_ATTRIBUTES = ("aria-label", "title", "data-bs-title", "alt", "placeholder", "data-toggle-hint")
#: Static scripts that write an English label into the page: the exact attribute they write.
CHROME_SCRIPTS = {"_static/togglebutton.js": ('aria-label="{}"', "Toggle hidden content")}


class _Chrome(HTMLParser):
    """Find the chrome's English attribute values and texts: ``(start, end, replacement)`` spans."""

    def __init__(self, source: str, words: dict[str, str]):
        super().__init__(convert_charrefs=False)
        self.words, self.spans, self._raw = words, [], None
        self._lines = [0] + [m.end() for m in re.finditer("\n", source)]  # as HTMLParser counts lines

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag in ("script", "style"):
            self._raw = tag

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def _tag(self, tag, attrs):
        raw, start = self.get_starttag_text() or "", self._offset()
        for name, value in attrs:
            if name not in CHROME_ATTRIBUTES or value is None or value.strip() not in self.words:
                continue
            for quote in ('"', "'"):
                written = f"{name}={quote}{html.escape(value, quote=False)}{quote}"
                at = raw.find(written)
                if at >= 0:
                    translated = value.replace(value.strip(), self.words[value.strip()])
                    self.spans.append((start + at, start + at + len(written),
                                       f'{name}="{html.escape(translated, quote=True)}"'))
                    break

    def handle_data(self, data):
        if self._raw is None and data.strip() in self.words:
            start = self._offset()
            self.spans.append((start, start + len(data), data.replace(data.strip(), self.words[data.strip()])))


def localise_chrome(page: str, words: dict[str, str]) -> tuple[str, int]:
    """``page`` (HTML) with every chrome attribute value and element text in ``words`` translated.

    Only a whole value (or a whole text between tags) that is a key of ``words`` changes; the rest
    of the page stays as it was written. Returns the page and the number of replacements.
    """
    parser = _Chrome(page, words)
    parser.feed(page)
    parser.close()
    out, last = [], 0
    for start, end, text in sorted(parser.spans):
        out += [page[last:start], text]
        last = end
    return "".join(out) + page[last:], len(parser.spans)


def chrome_words(app: Sphinx) -> dict[str, str]:
    """The themes' English words and their translations in the build's edition."""
    words = {msgid: edition_text(app, msgid) for msgid in THEME_STRINGS}
    for template in THEME_TEXTS:
        words[template.format(copyright=app.config.copyright)] = \
            edition_text(app, template).format(copyright=app.config.copyright)
    return {english: chinese for english, chinese in words.items() if chinese != english}


def _localise_site(app: Sphinx) -> None:
    """Translate the themes' words in every page of the edition (see :func:`localise_chrome`)."""
    out, words, total = Path(app.outdir), chrome_words(app), 0
    for path in sorted(out.rglob("*.html")):
        if path.relative_to(out).parts[0] == "_static":
            continue
        page = path.read_text(encoding="utf-8")
        localised, count = localise_chrome(page, words)
        if count:
            path.write_text(localised, encoding="utf-8")
            total += count
    for script, (pattern, msgid) in CHROME_SCRIPTS.items():
        path = out / script
        if path.is_file() and msgid in words:
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(pattern.format(msgid), pattern.format(words[msgid])), encoding="utf-8")
    logger.info(f"book_i18n: {total} theme label(s) and text(s) translated")


def _exercise_titles(app: Sphinx, doctree, docname: str) -> None:
    """Full-width brackets around an exercise's title in Chinese: "练习 4.1（混合 OLS 的偏误）".

    sphinx-exercise writes the title between the Text nodes " (" and ")" (in the exercise's title
    and in the link of its solution's title); the Chinese edition replaces just those two.
    """
    if edition(app) == SOURCE:
        return
    from docutils import nodes  # noqa: PLC0415

    def in_exercise(node, depth: int = 3) -> bool:  # the title, or the link in a solution's title
        return node is not None and depth > 0 and (type(node).__module__.startswith("sphinx_exercise")
                                                   or in_exercise(node.parent, depth - 1))

    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if str(text) != " (" or parent is None or not in_exercise(parent):
            continue
        closing = [c for c in parent.children[parent.index(text) + 1:] if isinstance(c, nodes.Text) and str(c) == ")"]
        if closing:
            parent.replace(closing[-1], nodes.Text("）"))
            parent.replace(text, nodes.Text("（"))


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name != "html" or edition(app) == SOURCE:
        return
    kept = app.__dict__.get("_book_i18n_fallback", {})
    if kept:
        logger.info(f"book_i18n: {sum(kept.values())} unit(s) on {len(kept)} page(s) kept in English "
                    f"({FALLBACK_ENV}=1: a development build, not an edition)")
    _localise_site(app)
    pdf = _project_root(app) / "_build" / "pdf" / PDF_NAME  # written by `make pdf`
    if pdf.is_file():
        shutil.copy2(pdf, Path(app.outdir) / PDF_NAME)
    (Path(app.outdir) / EDITION_FILE).write_text(json.dumps(
        {"language": edition(app), "fallback": fallback(), "kept_in_english": kept}, sort_keys=True,
        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    # before sphinx-togglebutton (500) writes its hints into the pages' scripts
    app.connect("config-inited", _config_inited, priority=400)
    app.connect("source-read", _source_read)
    app.connect("include-read", _include_read)
    # after sphinx-book-theme (501) built the header buttons, and after book_extras' footer (600)
    app.connect("html-page-context", _page_context, priority=700)
    app.connect("doctree-resolved", _exercise_titles)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
