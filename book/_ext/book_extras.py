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
  ``_build/html/_sources/notebooks/``.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

MATHJAX_PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y", "LICENSE")
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


def chapter_source(srcdir: Path, pagename: str) -> Path | None:
    """``notebooks/NN_topic.py`` for a page ``executed/NN_topic``, if that file exists."""
    match = EXECUTED_PAGE.match(pagename)
    if not match:
        return None
    source = srcdir / "notebooks" / f"{match['name']}.py"
    return source if source.is_file() else None


def _rewrite_buttons(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
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
    publish_results(srcdir / "results", out)
    for docname in app.env.found_docs:
        source = chapter_source(srcdir, docname)
        if source is not None:
            dst = out / "_sources" / "notebooks" / source.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dst)


def setup(app: Sphinx) -> dict[str, Any]:
    # after sphinx-book-theme (priority 501) has built the header buttons
    app.connect("html-page-context", _rewrite_buttons, priority=600)
    app.connect("html-page-context", _drop_thebe, priority=600)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
