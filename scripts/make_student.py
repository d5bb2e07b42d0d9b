#!/usr/bin/env python
"""Write standalone notebooks: student notebooks (no outputs, no solutions) and clean executed ones.

Usage::

    python scripts/make_student.py [--out student] [--executed-out _build/standalone] [CHAPTER ...]
    make student      # after make book: numbers and glued values come from the build

For each chapter of ``_toc.yml`` (or the chapters named):

* ``student/NN_topic.ipynb``: the jupytext source ``notebooks/NN_topic.py``
  without outputs and without solutions;
* ``_build/standalone/NN_topic.ipynb``: the executed chapter
  (``executed/NN_topic.ipynb``) with its outputs, solutions as collapsed
  ``<details>`` blocks, and no papermill metadata, injected parameters or
  execution timings.

Both read as the book does in plain Jupyter, where MyST is not understood:
every ``{include}`` is expanded; ``{glue:text}`` and the other glue roles are
replaced by the values the book shows, and ``{glue:figure}`` by the figure
(an attachment, executed notebooks) or its numbered caption; ``{numref}``,
``{ref}``, ``{doc}`` and ``{cite}`` become text ("chapter 4", "Table 4.1",
"Zhang et al. (2025)") or links to the online book; exercises, admonitions and
math blocks become Markdown. Numbers (chapters, sections, tables, figures,
exercises) are those of the HTML book: they are read from what the last build numbered
(``_build/html/book-numbers.json``), so a notebook cites "Table 4.1" exactly
where the book does. ``results_dir`` defaults to
``my_results`` (:data:`RESULTS_DIR`), so a student who runs a notebook does
not overwrite the book's ``results/``. Paths inside the chapters are resolved
against the project root (``esgrisk.paths.resolve``), so the notebooks run
from any folder of the repository.

The notebooks are copied into the HTML site (``student/``, ``student.zip``,
``standalone/``, ``standalone.zip``; see ``book/_ext/book_extras.py``).

**Every edition.** The same executed notebooks and the page catalogues of the Chinese edition
(``book/locale/zh_CN``) also give ``student/zh_CN/NN_topic.ipynb`` and
``_build/standalone/zh_CN/NN_topic.ipynb``, published as ``_build/html/zh/student.zip`` etc.: every
Markdown unit (and the included teaching files) translated as the Chinese book translates it
(``esgrisk.i18n.translate_markdown``, strict unless ``ESGRISK_I18N_FALLBACK=1``), the Chinese
edition's outputs and glued values (``esgrisk.i18n.select_outputs``), the Chinese book's numbers
(``_build/html/zh/book-numbers.json``) and labels ("练习 4.1", "表 4.1"). Code cells are the same.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import yaml

from esgrisk import i18n, paths
from esgrisk.pipeline import KERNEL, chapters_from_toc

#: Where a standalone notebook writes its results by default (never the book's results/).
RESULTS_DIR = "my_results"
NUMBERS = paths.BUILD_HTML / "book-numbers.json"  # written by book/_ext/book_extras.py
EXECUTED_OUT = paths.ROOT / "_build" / "standalone"
SOURCE = i18n.SOURCE_LANGUAGE
#: The editions written (English first); another edition's notebooks go to a subfolder <language>/.
EDITIONS = (SOURCE, *i18n.LANGUAGES)
#: Where each edition's site lives inside _build/html (its book-numbers.json, its downloads).
SITE_FOLDER = {SOURCE: "", "zh_CN": "zh"}
ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")
TARGET_LINE = re.compile(r"^\s*\([\w:.-]+\)=\s*$", re.MULTILINE)

INCLUDE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{include\}\s+(?P<path>\S+)[^\n]*\n(?P<options>(?:\s*:[\w-]+:[^\n]*\n)*)"
    r"\s*(?P=fence)\s*$", re.MULTILINE)
OPEN_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}(?P<arg>[^\n]*)$")


def _close_of(fence: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")


def remove_solutions(text: str) -> str:
    """Drop every ``{solution}`` directive block (backtick or colon fence) from MyST text."""
    lines, out, skipping = text.splitlines(keepends=True), [], None
    for line in lines:
        if skipping is not None:
            if skipping.match(line.rstrip("\n")):
                skipping = None
            continue
        opened = OPEN_FENCE.match(line.rstrip("\n"))
        if opened and opened["name"] == "solution":
            skipping = _close_of(opened["fence"])
            continue
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


def expand_includes(text: str, base: Path, translate=None) -> str:
    """Replace each ``{include}`` directive by the text of the file it names (relative to ``base``).

    ``translate(text, path)``, if given, gives the included text in another edition.
    """
    def replace(match: re.Match[str]) -> str:
        target = (base / match["path"]).resolve()
        if not target.is_file():
            raise FileNotFoundError(f"{match['path']} (included from {base}) does not exist")
        included = target.read_text(encoding="utf-8")
        return (translate(included, target) if translate else included).strip("\n")
    return INCLUDE.sub(replace, text)


class Translator:
    """Markdown of a page in ``language``, from its catalogue as the edition build translates it."""

    def __init__(self, language: str):
        self.language, self._pages = language, {}

    def __call__(self, text: str, page: Path) -> str:
        if self.language == SOURCE:
            return text
        if page not in self._pages:
            if not i18n.catalogue_path(page, self.language).exists():
                raise FileNotFoundError(f"no catalogue for {page} (run `python -m esgrisk.i18n update`)")
            self._pages[page] = i18n.page_translations(page, self.language)
        try:
            return i18n.translate_markdown(text, self._pages[page],
                                           fallback=os.environ.get("ESGRISK_I18N_FALLBACK") == "1")
        except KeyError as error:
            raise KeyError(f"{page.relative_to(paths.ROOT) if page.is_relative_to(paths.ROOT) else page}: "
                           f"{error.args[0]} (`make check-translations` lists every missing unit)") from None


@dataclass
class Book:
    """What the last HTML build knows: numbers of labels, titles, citations, the site's URL."""

    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (docname, node id)
    names: dict[str, str] = field(default_factory=dict)  # label -> title or caption
    numbers: dict[str, dict[str, dict[str, tuple[int, ...]]]] = field(default_factory=dict)
    secnumbers: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (authors, year)
    url: str = ""

    @classmethod
    def load(cls, numbers: Path = NUMBERS, language: str = SOURCE) -> Book:
        """Read what the last HTML build numbered (an empty :class:`Book` if there is no build).

        For another ``language`` the default is that edition's ``book-numbers.json`` (its titles
        and captions are translated) and the site's URL is that of the edition's folder.
        """
        folder = SITE_FOLDER.get(language, language)
        if numbers == NUMBERS and folder:
            numbers = paths.BUILD_HTML / folder / NUMBERS.name
        book = cls(citations=_citations(paths.ROOT / "book" / "references.bib"))
        cff = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
        book.url = str(cff.get("url", "")).rstrip("/")
        if book.url and folder:
            book.url += f"/{folder}"
        if not numbers.is_file():
            return book
        data = json.loads(numbers.read_text(encoding="utf-8"))
        book.labels = {k: (v[0], v[1]) for k, v in data["labels"].items()}
        book.labels.update({k: (v[0], v[1]) for k, v in data["anonlabels"].items() if k not in book.labels})
        book.names = {k: v[2] for k, v in data["labels"].items()}
        book.numbers = {doc: {kind: {i: tuple(n) for i, n in ids.items()} for kind, ids in kinds.items()}
                        for doc, kinds in data["numbers"].items()}
        book.secnumbers = {doc: {a: tuple(n) for a, n in nums.items()} for doc, nums in data["secnumbers"].items()}
        book.titles = data["titles"]
        return book

    def number(self, label: str) -> tuple[str, str] | None:
        """(kind, "4.1") of a label: kind is table, figure, exercise or section; None if unknown."""
        if label not in self.labels:
            return None
        doc, node = self.labels[label]
        for kind, ids in self.numbers.get(doc, {}).items():
            if node in ids:
                return kind, ".".join(map(str, ids[node]))
        secs = self.secnumbers.get(doc, {})
        key = "" if label.startswith("ch-") else f"#{node}"
        if key in secs:
            return "section", ".".join(map(str, secs[key]))
        return None


def _citations(bib: Path) -> dict[str, tuple[str, str]]:
    """Citation key -> (author text as the book prints it, year), from the bibliography."""
    from pybtex.database import parse_file

    out = {}
    for key, entry in parse_file(str(bib)).entries.items():
        people = entry.persons.get("author", []) or entry.persons.get("editor", [])
        names = [" ".join(p.last_names) for p in people]
        if not names:
            who = entry.fields.get("organization") or entry.fields.get("howpublished") \
                or entry.fields.get("title", key)
            who = re.sub(r"[{}\[\]]", "", who)
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        out[key] = (re.sub(r"[{}]", "", who), entry.fields.get("year", "n.d."))
    return out


KIND_WORD = {"table": "Table", "figure": "Figure", "exercise": "Exercise", "section": "Section",
             "code-block": "Listing"}
#: The words each edition numbers with (the Chinese ones as the Chinese book's numfig_format).
LABELS = {
    SOURCE: {**{kind: f"{word} %s" for kind, word in KIND_WORD.items()}, "solution": "Solution to Exercise %s",
             "solution-none": "Solution", "table-none": "Table", "title": ": {}", "number-end": "."},
    "zh_CN": {"table": "表 %s", "figure": "图 %s", "exercise": "练习 %s", "section": "第 %s 节",
              "code-block": "代码 %s", "solution": "练习 %s 的解答", "solution-none": "解答",
              "table-none": "表", "title": "（{}）", "number-end": "", " et al.": " 等", " and ": " 和 ",
              "note": "注意", "tip": "提示", "hint": "提示", "warning": "警告", "important": "重要",
              "seealso": "另见", "caution": "小心", "attention": "注意"},
}


class Renderer:
    """Turns the MyST of one chapter into Markdown that Jupyter renders."""

    def __init__(self, book: Book, docname: str, glued: dict[str, dict] | None = None, language: str = SOURCE):
        self.book, self.docname, self.glued = book, docname, glued or {}
        self.words = LABELS[language]
        self.exercise_count = 0
        self.substituted: dict[str, str] = {}  # glue key -> the text written in its place

    # -- roles -----------------------------------------------------------------------------
    def _page_url(self, docname: str) -> str:
        return f"{self.book.url}/{docname}.html" if self.book.url else f"{docname}.html"

    def _doc(self, target: str) -> str:
        base = Path(self.docname).parent
        doc = (base / target).as_posix() if not target.startswith("/") else target.lstrip("/")
        parts = []
        for part in doc.split("/"):
            if part == ".." and parts:
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        return "/".join(parts)

    def glue_text(self, body: str) -> str:
        from myst_nb.core.variables import format_plain_text

        key, _, spec = body.partition(":") if ":" in body else (body, "", "")
        key = key.split("::")[-1]
        data = self.glued.get(key)
        if data is None:
            return f"`{key}`"  # not executed: name the value rather than show a wrong one
        if "text/markdown" in data:
            text = str(data["text/markdown"]).strip()
        else:
            text = format_plain_text(str(data.get("text/plain", "")), spec or "s")
        self.substituted[key] = text
        return text

    def role(self, match: re.Match[str]) -> str:
        role, body = match["role"], match["body"]
        explicit = re.fullmatch(r"(?s)(?P<text>.*?)\s*<(?P<target>[^<>]+)>", body)
        text, target = (explicit["text"], explicit["target"]) if explicit else (None, body)
        if role in ("glue:text", "glue", "glue:", "glue:md"):
            return self.glue_text(body)
        if role == "numref":
            found = self.book.number(target)
            if found is None:
                return text.replace("%s", "").strip() if text else target
            kind, number = found
            template = text if text else self.words.get(kind, f"{kind.title()} %s")
            return (template.replace("%s", number).replace("{number}", number)
                    .replace("{name}", self.book.names.get(target, target)))
        if role == "ref":
            if text:
                return text
            doc = self.book.labels.get(target, (None,))[0]
            return self.book.titles.get(doc, target) if doc else target
        if role == "doc":
            doc = self._doc(target)
            shown = text or self.book.titles.get(doc, target)
            return f"[{shown}]({self._page_url(doc)})"
        if role.startswith("cite"):
            keys = [k.strip() for k in target.split(",") if k.strip()]
            found = [self.book.citations.get(k, (k, "")) for k in keys]
            for word in (" et al.", " and "):  # "Zhang 等 (2025)" in the Chinese edition, as its book
                found = [(who.replace(word, self.words.get(word, word)), year) for who, year in found]
            if role in ("cite:t", "cite:ts"):
                return "; ".join(f"{who} ({year})" for who, year in found)
            return "(" + "; ".join(f"{who}, {year}" for who, year in found) + ")"
        if role == "math":
            return f"${body}$"
        if role == "eq":
            return f"({target})"
        return text or target

    def roles(self, text: str) -> str:
        return ROLE.sub(self.role, text)

    # -- directives ------------------------------------------------------------------------
    def directives(self, text: str, keep_solutions: bool, attachments: dict) -> str:
        lines, out, i = text.splitlines(), [], 0
        while i < len(lines):
            opened = OPEN_FENCE.match(lines[i])
            if not opened:
                out.append(lines[i])
                i += 1
                continue
            close = _close_of(opened["fence"])
            j, depth, body = i + 1, 0, []
            while j < len(lines):
                inner = OPEN_FENCE.match(lines[j])
                if inner and inner["fence"][0] == opened["fence"][0] and len(inner["fence"]) == len(opened["fence"]):
                    depth += 1
                elif close.match(lines[j]):
                    if depth == 0:
                        break
                    depth -= 1
                body.append(lines[j])
                j += 1
            options = {}
            while body and re.match(r"^\s*:[\w-]+:", body[0]):
                name, _, value = body.pop(0).strip()[1:].partition(":")
                options[name] = value.strip()
            inner_text = self.directives("\n".join(body).strip("\n"), keep_solutions, attachments)
            out.append(self.directive(opened["name"], opened["arg"].strip(), options, inner_text,
                                      keep_solutions, attachments))
            i = j + 1
        return "\n".join(out)

    def directive(self, name: str, arg: str, options: dict, body: str, keep_solutions: bool,
                  attachments: dict) -> str:
        if name == "exercise":
            self.exercise_count += 1
            found = self.book.number(options.get("label", "")) if options.get("label") else None
            number = found[1] if found else str(self.exercise_count)
            words = self.words
            return f"**{words['exercise'] % number}{words['title'].format(arg) if arg else ''}**\n\n{body}\n"
        if name == "solution":
            if not keep_solutions:
                return ""
            found = self.book.number(arg) if arg else None
            title = self.words["solution"] % found[1] if found else self.words["solution-none"]
            return f"<details>\n<summary>{title}</summary>\n\n{body}\n\n</details>\n"
        if name in ("glue:figure", "figure"):
            label = options.get("name", "")
            found = self.book.number(label) if label else None
            caption = f"**{self.words['figure'] % found[1]}{self.words['number-end']}** {body}" if found else body
            key = arg.split("::")[-1]
            data = self.glued.get(key, {}) if name == "glue:figure" else {}
            image = data.get("image/png")
            if image:
                attachments[f"{key}.png"] = {"image/png": image}
                alt = " ".join(_plain(body).split())[:300]
                return f"![{alt}](attachment:{key}.png)\n\n{caption}\n"
            return caption + "\n"
        if name in ("math", "equation"):
            return f"$$\n{body}\n$$\n"
        if name == "table":
            label = options.get("name", "")
            found = self.book.number(label) if label else None
            words = self.words
            number = words["table"] % found[1] if found else words["table-none"]
            return f"**{number}{words['number-end']}** {arg}\n\n{body}\n"
        if name in ("code", "code-block", "code-cell"):
            return f"```{arg}\n{body}\n```"
        if name in ("include",):
            return body
        title = arg or self.words.get(name, name.title())
        return f"**{title}**\n\n{body}\n"

    def markdown(self, text: str, keep_solutions: bool, attachments: dict) -> str:
        text = TARGET_LINE.sub("", text)
        text = self.directives(text, keep_solutions, attachments)
        text = self.roles(text)
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _plain(text: str) -> str:
    return re.sub(r"[*_`$]", "", ROLE.sub(lambda m: m["body"], text))


def glued_values(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """Name -> mime bundle of every value a chapter glued (``myst_nb.glue``)."""
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                prefix = record.get("mime_prefix", "")
                out[record["name"]] = {k[len(prefix):] if k.startswith(prefix) else k: v
                                       for k, v in output.get("data", {}).items()}
    return out


def _is_glue_output(output) -> bool:
    return bool(output.get("metadata", {}).get("scrapbook"))


def _default_results_dir(cell) -> None:
    cell.source = re.sub(r'(?m)^results_dir\s*=\s*.*$', f'results_dir = "{RESULTS_DIR}"', cell.source)


def _markdown_output(renderer: Renderer, output) -> None:
    """A table output (``:::{table}`` MyST) as plain Markdown with its book number."""
    data = output.get("data", {})
    if "text/markdown" in data:
        data["text/markdown"] = renderer.markdown(str(data["text/markdown"]), True, {})


def student_notebook(source: Path, book: Book | None = None, executed: Path | None = None,
                     *, with_outputs: bool = False, language: str = SOURCE,
                     renderer: Renderer | None = None) -> nbformat.NotebookNode:
    """The standalone version of one chapter source, in the edition ``language``.

    Without ``with_outputs``: the student notebook (no outputs, no solutions). With it, the
    executed chapter ``executed`` (outputs kept, solutions collapsed, papermill traces removed).
    Glued values come from ``executed`` (if it exists), numbers from ``book``. The outputs and
    glued values are those of the edition (:func:`esgrisk.i18n.select_outputs`); in another
    edition than English every Markdown unit is translated with the page catalogues.
    ``renderer`` (optional, made here if not given) records the glued values written in.
    """
    book = book or Book()
    name = source.stem
    run = nbformat.read(executed, as_version=4) if executed and executed.is_file() else None
    if run is not None:
        i18n.select_outputs(run, language)
    translate = Translator(language)
    renderer = renderer or Renderer(book, f"executed/{name}", language=language)
    renderer.glued = glued_values(run) if run else {}
    nb = run if with_outputs and run is not None else jupytext.read(source)
    # Includes are written relative to executed/NN_topic.ipynb; notebooks/ is at the same depth.
    base = source.parent
    kept = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            continue  # papermill's copy of the command-line parameters (machine paths)
        if cell.cell_type == "markdown":
            attachments: dict = {}
            text = expand_includes(translate(cell.source, source), base,
                                   translate if language != SOURCE else None)
            if not with_outputs:
                text = remove_solutions(text)
            cell.source = renderer.markdown(text, with_outputs, attachments)
            if attachments:
                cell["attachments"] = attachments
        elif cell.cell_type == "code":
            if "parameters" in tags:
                _default_results_dir(cell)
            if with_outputs:
                cell.outputs = [o for o in cell.get("outputs", []) if not _is_glue_output(o)]
                for output in cell.outputs:
                    _markdown_output(renderer, output)
                    output.get("metadata", {}).pop(i18n.EDITION_METADATA, None)  # edition tags: done with
            else:
                cell.outputs = []
                cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if cell.source.strip():
            kept.append(cell)
    nb.cells = kept
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("jupytext", None)
    return nb


def edition_folder(folder: Path, language: str) -> Path:
    """Where the notebooks of ``language`` go: ``folder`` for English, ``folder/<language>`` else."""
    return folder if language == SOURCE else folder / language


def write_chapter(name: str, language: str, book: Book, out: Path, executed_out: Path) -> str:
    """Write one chapter's student (and, if executed, clean executed) notebook; the line to print."""
    source = paths.NOTEBOOKS / f"{name}.py"
    executed = paths.EXECUTED / f"{name}.ipynb"
    out, executed_out = edition_folder(out, language), edition_folder(executed_out, language)
    out.mkdir(parents=True, exist_ok=True)
    nb = student_notebook(source, book, executed, language=language)
    nbformat.validate(nb)
    target = out / f"{name}.ipynb"
    nbformat.write(nb, target)
    word = LABELS[language]["exercise"].replace("%s", "")
    n_ex = sum(c.source.count(f"**{word}") for c in nb.cells if c.cell_type == "markdown")
    line = (f"[student] {target.relative_to(paths.ROOT) if target.is_relative_to(paths.ROOT) else target}"
            f"  ({len(nb.cells)} cells, {n_ex} exercises)")
    if executed.is_file():
        clean = student_notebook(source, book, executed, with_outputs=True, language=language)
        nbformat.validate(clean)
        executed_out.mkdir(parents=True, exist_ok=True)
        nbformat.write(clean, executed_out / f"{name}.ipynb")
        line += " + executed"
    return line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter of _toc.yml)")
    parser.add_argument("--out", type=Path, default=paths.ROOT / "student", help="student notebooks")
    parser.add_argument("--executed-out", type=Path, default=EXECUTED_OUT,
                        help="clean executed notebooks (only for chapters that were executed)")
    parser.add_argument("--language", action="append", choices=EDITIONS,
                        help="the editions to write (repeatable; default: every edition)")
    args = parser.parse_args(argv)
    names = args.chapters or chapters_from_toc()
    out = args.out if args.out.is_absolute() else paths.ROOT / args.out
    executed_out = args.executed_out if args.executed_out.is_absolute() else paths.ROOT / args.executed_out
    languages = args.language or list(EDITIONS)
    for name in names:
        if not (paths.NOTEBOOKS / f"{name}.py").exists():
            print(f"make_student: no source {paths.NOTEBOOKS / f'{name}.py'}", file=sys.stderr)
            return 1
    for language in languages:
        book = Book.load(language=language)
        for name in names:
            try:
                print(write_chapter(name, language, book, out, executed_out))
            except KeyError as error:  # a unit without translation: no half-translated notebook
                print(f"make_student: {name} ({language}): {error.args[0]}", file=sys.stderr)
                return 1
    html = paths.ROOT / "_build" / "html"
    if html.is_dir() and not args.chapters:
        sys.path.insert(0, str(paths.ROOT / "book" / "_ext"))
        from book_extras import publish_downloads

        for language in languages:
            site = html / SITE_FOLDER.get(language, language)
            if site.is_dir():
                publish_downloads(paths.ROOT, site, language)
                print(f"[student] copied into {site.relative_to(paths.ROOT)} (student.zip, standalone.zip)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
