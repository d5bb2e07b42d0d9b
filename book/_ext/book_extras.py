"""Sphinx extension of the book: offline MathJax, launch links to real files, .py downloads.

Loaded by Jupyter Book through ``sphinx.local_extensions`` in ``_config.yml``.

* **Offline math.** MathJax 3 is copied from the ``django-static-mathjax``
  wheel (pinned in the requirements) into ``_build/html/_static/mathjax`` and
  ``mathjax_path`` points there, so no page asks a CDN for anything.
* **Launch buttons that open a file which exists.** Chapters are built from
  ``executed/NN_topic.ipynb``, which is never committed. sphinx-book-theme
  would point Binder and Colab at that path; we rewrite each launch link to
  the chapter's committed jupytext source ``notebooks/NN_topic.py`` (Binder opens
  it as a notebook through jupytext, see ``postBuild``). Colab cannot open a
  ``.py`` file as a notebook, so its button is dropped rather than left broken.
* **Published results.** ``results/*.json`` (the results contract) are copied
  to ``_build/html/results/`` and zipped as ``_build/html/results.zip``, so a
  reviewer can diff a fresh run against the published numbers.
* **No thebe.** Live code (thebe) is not offered; its scripts, which name
  a CDN, are left out of the pages.
* **Download the source.** The download menu of a chapter gets a ``.py`` entry
  next to ``.ipynb``: the chapter's jupytext source, copied into
  ``_build/html/_sources/notebooks/``; the ``.pdf`` entry opens the whole book
  (``book.pdf``, written by ``make pdf``) instead of printing one page.
* **Readers' edition.** One search box (the sidebar's; the top bar that held
  only a second search button is dropped); the book's version and build date
  in the footer; figures get their caption as alt text when they have no
  ``:alt:`` of their own (never their file path); the papermill
  ``parameters`` cell and cells that only call ``show_table`` are shown
  without their code; Chinese passages are marked ``lang="zh"`` (rendered
  with the shipped CJK font, see ``custom.css``); bibliography entries keep
  the capitalisation of their titles and drop the internal source notes.
* **How to cite.** The ``{book-citation}`` directive renders ``CITATION.cff``
  (text and a BibTeX entry) on ``book/cite.md``.
"""

from __future__ import annotations

import ast
import datetime as _dt
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

# The complete es5 build (all input, output, accessibility and ui components, the speech-rule
# maps): the accessibility explorer loads input/mml.js and a11y/*.js on demand.
MATHJAX_PARTS = (".", "LICENSE")
MATHJAX_PATH = "mathjax/tex-chtml.js"  # relative to _static; _config.yml sets mathjax_path to it
EXECUTED_PAGE = re.compile(r"^executed/(?P<name>\d\d_[A-Za-z0-9_]+)$")


def mathjax_source() -> Path:
    """The directory holding MathJax's ``es5`` build, from the installed wheel."""
    try:
        import mathjax  # provided by the django-static-mathjax wheel
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ExtensionError(
            "book_extras: MathJax is bundled from the 'django-static-mathjax' package; "
            "install the pinned requirements (make venv)") from error
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():  # pragma: no cover
        raise ExtensionError(f"book_extras: no MathJax build at {es5}")
    return es5


def project_root(srcdir: str | Path) -> Path:
    """The repository the book comes from.

    The build may read a source folder of its own that links to the book's
    pages, config and toc (``esgrisk.pipeline`` does); the toc leads back to
    the checkout, where ``CITATION.cff``, ``student/`` and ``_build/pdf`` live.
    """
    return (Path(srcdir) / "_toc.yml").resolve().parent


def chapter_source(srcdir: Path, pagename: str) -> Path | None:
    """``notebooks/NN_topic.py`` for a page ``executed/NN_topic``, if that file exists."""
    match = EXECUTED_PAGE.match(pagename)
    if not match:
        return None
    source = srcdir / "notebooks" / f"{match['name']}.py"
    return source if source.is_file() else None


def _rewrite_buttons(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            for button in group.get("buttons", []):
                if button.get("label") == "download-pdf-button":  # the whole book, not one printed page
                    button.update(type="link", url=context["pathto"](PDF_NAME, 1), text=".pdf (book)",
                                  tooltip="Download the whole book as one PDF")
                    button.pop("javascript", None)
    source = chapter_source(Path(app.srcdir), pagename)
    if source is None:
        return
    rel = source.relative_to(app.srcdir).as_posix()  # notebooks/NN_topic.py
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            kept = []
            for button in group.get("buttons", []):
                url = button.get("url", "")
                if button.get("text") == "Colab":
                    continue  # Colab opens only .ipynb files; none is committed
                if "urlpath=" in url:
                    prefix, _, path = url.partition("urlpath=")
                    ui = path.split(f"/{pagename}")[0]  # "lab/tree" or "tree"
                    button["url"] = f"{prefix}urlpath={ui}/{rel}"
                kept.append(button)
            group["buttons"] = kept
        elif group.get("label") == "download-buttons":
            pathto = context["pathto"]
            group["buttons"].insert(1, {
                "type": "link",
                "url": f"{pathto('_sources', 1)}/{rel}",
                "text": ".py",
                "icon": "fas fa-file-code",
                "tooltip": "Download the chapter's jupytext source (py:percent)",
                "label": "download-py-source-button",
            })


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Remove sphinx-thebe's scripts: live code is not offered, and they name a CDN (unpkg).

    Also give pydata-sphinx-theme a colour mode: without one every page starts
    with an empty mode and logs "Got invalid theme mode" as a console error.
    """
    context.setdefault("default_mode", "auto")
    if app.config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        return
    scripts = context.get("script_files")
    if scripts is None:
        return
    context["script_files"] = [
        js for js in scripts
        if "sphinx-thebe" not in str(getattr(js, "filename", js) or "")
        and "THEBE_JS_URL" not in str(getattr(js, "attributes", {}).get("body", ""))]


def publish_results(results: Path, out: Path) -> None:
    """Ship the replication outputs with the book: ``results/**`` and ``results.zip``.

    Model results (``*.json``), chapter CSV files, ``tables/*.csv`` and ``figures/*.png``.

    Reviewers download them to compare a fresh run with ``scripts/diff_results.py``.
    """
    files = sorted(p for p in results.rglob("*") if p.is_file()) if results.is_dir() else []
    target = out / "results"
    if target.exists():
        shutil.rmtree(target)
    (out / "results.zip").unlink(missing_ok=True)
    if not files:
        return
    target.mkdir(parents=True)
    with zipfile.ZipFile(out / "results.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            relative = path.relative_to(results).as_posix()
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
            # fixed timestamps: the archive depends only on the results
            info = zipfile.ZipInfo(f"results/{relative}", date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    es5 = mathjax_source()
    target = out / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src = es5 / part if part != "LICENSE" else es5.parent / "LICENSE"
        dst = target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    srcdir = Path(app.srcdir)
    if app.builder.name == "html":  # not the single-page build the PDF is printed from
        publish_results(srcdir / "results", out)
        publish_downloads(project_root(srcdir), out, app.config.language or "en")
        write_numbers(app, out / NUMBERS_NAME)
    for docname in app.env.found_docs:
        source = chapter_source(srcdir, docname)
        if source is not None:
            dst = out / "_sources" / "notebooks" / source.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dst)


PDF_NAME = "book.pdf"  # _build/pdf/book.pdf (make pdf), copied to _build/html/book.pdf
NUMBERS_NAME = "book-numbers.json"  # the build's numbers of every label, for scripts/make_student.py


def write_numbers(app: Sphinx, target: Path) -> None:
    """Write what the build numbered: labels, their numbers, section numbers and page titles (JSON).

    ``scripts/make_student.py`` reads it to give the standalone notebooks the
    book's "Table 4.1" and "chapter 4" (the Sphinx environment itself may live
    in a staging folder that the build removes).
    """
    import json

    env = app.env
    std = env.domaindata["std"]
    data = {
        "labels": {k: [v[0], v[1], str(v[2])] for k, v in std["labels"].items()},
        "anonlabels": {k: [v[0], v[1]] for k, v in std["anonlabels"].items()},
        "numbers": {doc: {kind: {i: list(n) for i, n in ids.items()} for kind, ids in kinds.items()}
                    for doc, kinds in env.toc_fignumbers.items()},
        "secnumbers": {doc: {a: list(n) for a, n in nums.items()} for doc, nums in env.toc_secnumbers.items()},
        "titles": {doc: title.astext() for doc, title in env.titles.items()},
    }
    target.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False), encoding="utf-8")


def publish_downloads(root: Path, out: Path, language: str = "en") -> None:
    """Copy the whole-book PDF and the standalone notebooks (if built) into the HTML site.

    ``book.pdf`` comes from ``_build/pdf`` (``make pdf``); the student notebooks
    (``student/``) and the clean executed ones (``_build/standalone/``), both
    written by ``make student``, go to ``student/`` and ``standalone/`` in the
    site, each also as one zip with fixed timestamps. Another edition's site (``out`` is
    ``_build/html/zh`` for ``language`` zh_CN) gets that edition's notebooks, written by
    ``make student`` into ``student/<language>/`` and ``_build/standalone/<language>/``.
    """
    pdf = root / "_build" / "pdf" / PDF_NAME
    if pdf.is_file():
        shutil.copy2(pdf, out / PDF_NAME)
    edition = "" if (language or "en").split("_")[0] == "en" else language
    for folder, target in ((root / "student" / edition, "student"),
                           (root / "_build" / "standalone" / edition, "standalone")):
        notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
        if not notebooks:
            continue
        (out / target).mkdir(exist_ok=True)
        with zipfile.ZipFile(out / f"{target}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for path in notebooks:
                shutil.copy2(path, out / target / path.name)
                info = zipfile.ZipInfo(f"{target}/{path.name}", date_time=(2020, 1, 1, 0, 0, 0))
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)


# ---------------------------------------------------------------------------------------------
# Readers' edition: one search box, footer, alt text, hidden plumbing cells, lang="zh", citation.

#: CJK ideographs, CJK punctuation and full-width forms (with spaces between two of them).
CJK_RUN = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
                     r"(?:[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef ]*"
                     r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef])?")
_TAG = re.compile(r"(<[^>]*>)")
_RAW_ELEMENTS = ("script", "style", "textarea", "title")


def mark_chinese(html: str) -> str:
    """Wrap every run of Chinese text (outside tags, scripts and styles) in ``<span lang="zh">``.

    >>> mark_chinese('<td>fixed effects</td><td>固定效应</td>')
    '<td>fixed effects</td><td><span lang="zh">固定效应</span></td>'
    """
    out, raw = [], None
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = re.match(r"</?\s*([A-Za-z0-9]+)", part)
            tag = name[1].lower() if name else ""
            if raw is None and tag in _RAW_ELEMENTS and not part.startswith("</"):
                raw = tag
            elif raw == tag and part.startswith("</"):
                raw = None
            out.append(part)
        elif raw is None:
            out.append(CJK_RUN.sub(lambda m: f'<span lang="zh">{m[0]}</span>', part))
        else:
            out.append(part)
    return "".join(out)


def citation_metadata(srcdir: Path) -> dict:
    """``CITATION.cff`` of the project (the one place for title, version, date, authors, URL)."""
    return yaml.safe_load((srcdir / "CITATION.cff").read_text(encoding="utf-8"))


def build_date() -> str:
    """The build date, UTC, as YYYY-MM-DD (``SOURCE_DATE_EPOCH`` if set, for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (_dt.datetime.fromtimestamp(int(epoch), _dt.UTC) if epoch
            else _dt.datetime.now(_dt.UTC))
    return when.strftime("%Y-%m-%d")


def _authors(cff: dict) -> list[str]:
    return [a.get("name") or " ".join(x for x in (a.get("given-names"), a.get("family-names")) if x)
            for a in cff.get("authors", [])]


def bibtex_entry(cff: dict, key: str = "esgriskbook") -> str:
    """A BibTeX ``@software`` entry for the book, from its ``CITATION.cff`` metadata."""
    year = str(cff.get("date-released", ""))[:4]
    fields = [("title", "{" + cff["title"] + "}"),
              ("author", " and ".join("{" + a + "}" if " " in a and "," not in a else a
                                      for a in _authors(cff))),
              ("year", year), ("version", str(cff.get("version", ""))),
              ("url", cff.get("url") or cff.get("repository-code", "")),
              ("note", "Source code: " + cff["repository-code"] if cff.get("repository-code") else "")]
    body = ",\n".join(f"  {name:<8} = {{{value}}}" for name, value in fields if value)
    return f"@software{{{key},\n{body}\n}}"


def citation_text(cff: dict, date: str | None = None) -> str:
    """The recommended citation as one line of text (author, year, title, version, URL)."""
    year = str(cff.get("date-released", ""))[:4]
    return (f"{', '.join(_authors(cff))} ({year}). {cff['title']}. Version {cff.get('version')}"
            + (f", built {date}" if date else "") + f". {cff.get('url') or cff.get('repository-code')}")


class BookCitation(SphinxDirective):
    """``{book-citation}``: the book's citation and BibTeX entry, read from ``CITATION.cff``."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        path = project_root(self.env.srcdir) / "CITATION.cff"
        self.env.note_dependency(str(path))
        cff = citation_metadata(project_root(self.env.srcdir))
        para = nodes.paragraph(text=citation_text(cff))
        bib = nodes.literal_block(bibtex_entry(cff), bibtex_entry(cff), language="bibtex")
        ref = cff.get("references", [{}])[0]
        paper = ""
        if ref:
            people = ", ".join(f"{a.get('family-names')}, {a.get('given-names')}" for a in ref.get("authors", []))
            paper = (f"{people} ({ref.get('year')}). {ref.get('title')}. {ref.get('journal')} "
                     f"{ref.get('volume')}({ref.get('issue')}), {ref.get('start')}-{ref.get('end')}. "
                     f"doi:{ref.get('doi')}")
        from book_i18n import edition_text  # noqa: PLC0415 - sibling module: the edition's words

        message = " ".join(str(cff.get("message", "")).split())
        out = [nodes.paragraph(text=edition_text(self.env.app, message)), para, bib]
        if paper:
            out += [nodes.paragraph(text=edition_text(self.env.app, "The article the book re-analyses:")),
                    nodes.paragraph(text=paper)]
        return out


def _footer(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Version and build date (and links to the citation page and the PDF) in every page's footer."""
    cff = citation_metadata(project_root(app.srcdir))
    pathto = context["pathto"]
    cite = pathto("book/cite") if "book/cite" in app.env.found_docs else ""
    context["theme_extra_footer"] = (
        f'<p class="book-edition">Version {cff.get("version")}, built {build_date()}'
        + (f' &middot; <a href="{cite}">How to cite</a>' if cite else "")
        + (f' &middot; <a href="{pathto("book/changelog")}">Changes</a>'
           if "book/changelog" in app.env.found_docs else "")
        + f' &middot; <a href="{pathto(PDF_NAME, 1)}">PDF</a></p>')
    if "body" in context and not (app.config.language or "en").startswith("zh"):  # a Chinese page is zh
        context["body"] = mark_chinese(context["body"])


def _config_inited(app: Sphinx, config) -> None:
    options = config.html_theme_options
    options["navbar_persistent"] = []  # the sidebar has the search field; no second one on top
    options.setdefault("extra_footer", "")
    from book_bibstyle import register  # noqa: PLC0415 - a sibling module of this extension
    register()


def _caption_text(figure: nodes.figure) -> str:
    caption = next(iter(figure.findall(nodes.caption)), None)
    text = caption.astext() if caption is not None else ""
    return " ".join(text.split())


def _plain_cell(code: str) -> bool:
    """True if a code cell only calls ``show_table(...)`` (its output is the table), maybe after imports."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    if not tree.body:
        return False
    calls = [stmt for stmt in tree.body if not isinstance(stmt, (ast.Import, ast.ImportFrom))]
    if not calls:
        return False
    for stmt in calls:
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return False
        func = stmt.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in ("show_table", "show_plain_table"):
            return False
    return True


def _alt_from_captions(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Alt text: a figure's image says what its caption says (references resolved), never its path."""
    for figure in doctree.findall(nodes.figure):
        text = _caption_text(figure)
        for image in figure.findall(nodes.image):
            alt = image.get("alt", "")
            if text and (not alt or alt == image.get("uri") or "/" in alt or alt.endswith(".png")):
                image["alt"] = text


def _doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    # plumbing cells: the papermill parameters cell and show_table-only cells lose their code
    for cell in list(doctree.findall(nodes.container)):
        if "cell" not in cell.get("classes", []):
            continue
        inputs = [c for c in cell.children if isinstance(c, nodes.container)
                  and "cell_input" in c.get("classes", [])]
        if not inputs:
            continue
        code = inputs[0].astext()
        if "tag_parameters" in cell["classes"] or _plain_cell(code):
            for node in inputs:
                cell.remove(node)


def _single_page_handlers(app: Sphinx) -> None:
    """Let the single-page builder (the PDF's) render every node the HTML builder renders.

    Sphinx looks up node handlers by builder name and falls back to the format
    only when no extension registered any handler for that name; once one did
    for ``singlehtml``, nodes registered for ``html`` only (myst-nb's hidden-input
    cells) had none. Copy the missing ones. The single page also always loads
    MathJax (Sphinx decides per page name, and finds no equation in "index").
    """
    if app.builder.name != "singlehtml":
        return
    app.set_html_assets_policy("always")
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node, pair in handlers.get("html", {}).items():
        single.setdefault(node, pair)


def _refresh_static(app: Sphinx) -> None:
    """Bring the output's copies of ``book/_static`` files up to date.

    Sphinx copies static files only when it writes at least one page ("no
    targets are out of date" skips the copy), so an edited ``custom.css`` alone
    would never reach an incremental build.
    """
    source = Path(app.srcdir) / "book" / "_static"
    target = Path(app.outdir) / "_static"
    for path in source.rglob("*") if source.is_dir() else []:
        copy = target / path.relative_to(source)
        if path.is_file() and (not copy.is_file() or copy.read_bytes() != path.read_bytes()):
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _single_page_handlers)
    app.connect("builder-inited", _refresh_static)
    # after sphinx-book-theme (priority 501) has built the header buttons
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _rewrite_buttons, priority=600)
    app.connect("html-page-context", _drop_thebe, priority=600)
    app.connect("html-page-context", _footer, priority=600)
    app.connect("doctree-read", _doctree_read)
    app.connect("doctree-resolved", _alt_from_captions)
    app.add_directive("book-citation", BookCitation)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
