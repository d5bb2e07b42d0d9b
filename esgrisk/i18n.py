"""Translation units and catalogues of the book's editions (issue 16).

The English text is the source. It is cut into *units*, the blocks a
translator translates as a whole: paragraphs, headings, list blocks, and
fenced blocks (a directive such as an admonition or an exercise is one unit,
nested fences included). A unit with nothing to translate (a label, display
math, an ``{include}`` line, code) is copied as it is.

Each source page has one gettext catalogue (a ``.po`` file, read and written
with polib) under ``book/locale/<language>/``, at the page's path relative to
the repository with ``.po`` for its suffix; the ``msgid`` of an entry is the
English unit exactly, the ``msgstr`` its translation. A changed English unit
therefore has no translation until a translator writes one, which is what
:func:`check_catalogue` reports (page and unit), so the Chinese edition cannot
silently fall behind the English one.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jupytext
import polib
import yaml

from esgrisk import paths

__all__ = ["CODE_CATALOGUE", "EDITION_KEY", "LANGUAGES", "Message", "Problem", "Unit", "catalogue_path",
           "catalogue_translations", "check_catalogue", "edition_key", "glue_i18n", "is_translatable",
           "markup_tokens", "notebook_untranslated", "page_translations", "page_units", "select_outputs",
           "split_units", "tr", "translate", "translate_markdown",
           "untranslated_outputs", "update_catalogue"]

LANGUAGES = ("zh_CN",)
LOCALE_DIR = paths.ROOT / "book" / "locale"
# Text the code writes (generated sentences, table captions and headers, figure labels) is
# translated by the catalogues shipped with the package, esgrisk/locale/<language>/*.po (one per
# concern: the union is one catalogue, a msgid may appear once); msgid = the English text or
# template, exactly.
CODE_CATALOGUE = Path(__file__).resolve().parent / "locale" / "{language}"
# One execution writes every edition's outputs. A value glued for another edition than the
# English one is glued as "<key>__<language>"; an output for one edition only carries
# output metadata {"esgrisk": {"language": <language>}} ("en" for the English edition).
# The build keeps, for each edition, its own outputs and the shared (untagged) ones, and
# renames "<key>__<language>" to "<key>", so pages use the same glue keys in every edition.
EDITION_KEY = "{key}__{language}"
SOURCE_LANGUAGE = "en"
EDITION_METADATA = "esgrisk"  # the output metadata key: {"esgrisk": {"language": ..., "untranslated": [...]}}

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})")
# Markup a translation must keep exactly: roles with their targets, inline code, math,
# labels, glue keys, citations. Their multiset must be equal in the unit and its translation.
_ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")
# inline code and math may run over one line break (not a blank line); an escaped \$ is a dollar
_CODE = re.compile(r"(?<!`)`(?:[^`\n]|\n(?!\s*\n))+`(?!`)")
_MATH = re.compile(r"(?<!\\)\$\$.*?(?<!\\)\$\$|(?<!\\)\$(?:[^$\n]|\n(?!\s*\n))+?(?<!\\)\$", re.S)
_LABEL = re.compile(r"^\([A-Za-z0-9_:.-]+\)=\s*$", re.M)
_DIRECTIVE_LINE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\{[a-z:-]+\}.*$|^\s*:[a-z-]+:.*$", re.M)
_WORD = re.compile(r"[A-Za-z]{2,}")
_MATH_LABEL = re.compile(r"^\s*\([A-Za-z0-9_:.-]+\)\s*$", re.M)  # the label after display math: $$ (eq-x)


@dataclass(frozen=True)
class Unit:
    """One translatable block of a page: its text and the 1-based line of the source it starts on."""

    text: str
    line: int


@dataclass(frozen=True)
class Problem:
    """One unit of a page whose translation is missing, stale or broken."""

    page: str
    line: int
    rule: str
    unit: str

    def __str__(self) -> str:
        first = self.unit.strip().splitlines()[0] if self.unit.strip() else ""
        return f"{self.page}:{self.line}: {self.rule}: {first[:100]!r}"


def split_units(markdown: str) -> list[tuple[str, int]]:
    """Cut Markdown into units: blocks separated by blank lines, a fenced block kept whole.

    Returns (unit, 0-based line offset) pairs; joining the units with blank lines in between
    gives back the text up to runs of blank lines.
    """
    lines = markdown.split("\n")
    units: list[tuple[str, int]] = []
    block: list[str] = []
    start = 0
    fence: str | None = None
    for number, line in enumerate(lines):
        if fence is None and not line.strip():
            if block:
                units.append(("\n".join(block), start))
                block = []
            continue
        if not block:
            start = number
        block.append(line)
        if fence is None and line.strip().startswith("$$") and line.strip().count("$$") == 1:
            fence = "$$"  # a display-math block may hold blank lines: it is one unit
            continue
        if fence == "$$":
            if "$$" in line:
                fence = None
            continue
        match = _FENCE.match(line)
        if match:
            token = match["fence"]
            if fence is None:
                fence = token
            elif token[0] == fence[0] and len(token) >= len(fence) and not line.strip()[len(token):].strip():
                fence = None
    if block:
        units.append(("\n".join(block), start))
    return units


def _prose(unit: str) -> str:
    """The unit with the markup that is never translated removed."""
    text = _DIRECTIVE_LINE.sub(" ", unit)
    for pattern in (_MATH, _ROLE, _CODE, _LABEL, _MATH_LABEL):
        text = pattern.sub(" ", text)
    text = re.sub(r"~~~.*?~~~", " ", text, flags=re.S)
    return text


def is_translatable(unit: str) -> bool:
    """Whether the unit holds words to translate (not only labels, math, code or directives)."""
    return bool(_WORD.search(_prose(unit)))


def _role_token(role: str) -> str:
    """A role as its translation must keep it: whole, except the title of a cross-reference.

    ``{numref}`chapter %s <ch-audit>``` may become ``{numref}`第 %s 章 <ch-audit>```: its target
    stays, its title is text.
    """
    match = re.fullmatch(r"\{(numref|ref|doc|term|download)\}`(.*?)<([^<>]+)>`", role, re.S)
    return f"{{{match[1]}}}`<{match[3]}>`" if match else role


# Directives whose argument is a title (translated); any other directive's line is kept whole
# (``{solution} ex-4-1``, ``{include} ../book/x.md``, ``{figure} path``).
_TITLED_DIRECTIVES = {"admonition", "exercise", "dropdown", "topic", "sidebar", "margin"}
_DIRECTIVE_OPEN = re.compile(r"^\s*(?:`{3,}|~{3,}|:{3,})\{(?P<name>[a-z:-]+)\}.*$", re.M)
# Directive options (``:label:``, ``:name:``, ``:class:``) are kept whole, except text options.
_OPTION = re.compile(r"^\s*:(?P<name>[a-z-]+):(?:\s.*)?$", re.M)
_TEXT_OPTIONS = {"alt", "title", "caption"}


def _directive_tokens(text: str) -> list[str]:
    tokens = []
    for match in _DIRECTIVE_OPEN.finditer(text):
        line = match[0].strip().lstrip("`~:")
        tokens.append(f"{{{match['name']}}}" if match["name"] in _TITLED_DIRECTIVES else line.strip())
    if tokens:  # options only inside a directive
        tokens += [m[0].strip() for m in _OPTION.finditer(text) if m["name"] not in _TEXT_OPTIONS]
    return tokens


def markup_tokens(text: str) -> list[str]:
    """The markup of a unit that its translation must keep (sorted).

    Roles (a cross-reference's title excepted), inline code, math, labels, and in a directive its
    name, its argument unless it is a title, and its options (``:label:``, ``:class:`` ...).
    """
    tokens = [*(_role_token(r) for r in _ROLE.findall(text)), *_MATH.findall(text), *_LABEL.findall(text),
              *_directive_tokens(text)]
    rest = _MATH.sub(" ", _ROLE.sub(" ", text))
    tokens += _CODE.findall(rest)
    # a line break inside a token is a space: a translation may join or break lines
    return sorted(" ".join(t.split()) for t in tokens)


def _markdown_cells(path: Path) -> list[tuple[str, int]]:
    """(source, first line in the file) of each Markdown cell of a jupytext py:percent notebook."""
    notebook = jupytext.read(path)
    text = path.read_text(encoding="utf-8").split("\n")
    markers = [i for i, line in enumerate(text) if line.startswith("# %%")]
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            marker = markers[index] if index < len(markers) else 0
            cells.append((cell.source, marker + 2))
    return cells


def page_units(path: Path) -> list[Unit]:
    """The translatable units of a source page (notebooks/*.py or a Markdown page), in order."""
    path = Path(path)
    chunks = _markdown_cells(path) if path.suffix == ".py" else [(path.read_text(encoding="utf-8"), 1)]
    units = []
    for text, first_line in chunks:
        for unit, offset in split_units(text):
            if is_translatable(unit):
                units.append(Unit(unit, first_line + offset))
    return units


def catalogue_path(source: Path, language: str = "zh_CN") -> Path:
    """Where the catalogue of a source page lives: book/locale/<language>/<page path>.po."""
    relative = Path(source).resolve().relative_to(paths.ROOT)
    return LOCALE_DIR / language / relative.with_suffix(".po")


def _read(catalogue: Path) -> polib.POFile:
    return polib.pofile(str(catalogue), wrapwidth=0) if catalogue.exists() else polib.POFile(wrapwidth=0)


def update_catalogue(source: Path, language: str = "zh_CN") -> tuple[int, int]:
    """Bring a page's catalogue in step with its English units.

    New units get an empty translation; units that left the English text are kept as
    obsolete entries (``#~``), so a translator sees the old translation of a changed
    paragraph. Returns (units without translation, obsolete entries).
    """
    catalogue = catalogue_path(source, language)
    po = _read(catalogue)
    po.metadata = {"Project-Id-Version": "esgrisk book", "Language": language,
                   "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit"}
    units = page_units(source)
    wanted = {u.text for u in units}
    existing = {e.msgid: e for e in po}
    entries = []
    for unit in units:
        entry = existing.pop(unit.text, None)
        if entry is None:
            entry = polib.POEntry(msgid=unit.text, msgstr="")
        entry.obsolete = False
        entry.occurrences = [(str(Path(source).resolve().relative_to(paths.ROOT)), str(unit.line))]
        if entry not in entries:
            entries.append(entry)
    obsolete = [e for msgid, e in existing.items() if msgid not in wanted]
    for entry in obsolete:
        entry.obsolete = True
        entry.occurrences = []
    fresh = polib.POFile(wrapwidth=0)
    fresh.metadata = po.metadata
    seen = set()
    for entry in [*entries, *obsolete]:
        if (entry.msgid, entry.obsolete) not in seen:
            seen.add((entry.msgid, entry.obsolete))
            fresh.append(entry)
    catalogue.parent.mkdir(parents=True, exist_ok=True)
    fresh.save(str(catalogue))
    return sum(1 for e in entries if not e.msgstr), len(obsolete)


def catalogue_translations(source: Path, language: str = "zh_CN") -> dict[str, str]:
    """The usable translations of a page's catalogue: msgid -> msgstr (not empty, obsolete or fuzzy)."""
    return {e.msgid: e.msgstr for e in _read(catalogue_path(source, language))
            if e.msgstr.strip() and not e.obsolete and "fuzzy" not in e.flags}


def page_translations(source: Path, language: str = "zh_CN") -> dict[str, str]:
    """The translations an edition uses: :func:`catalogue_translations` that keep their unit's markup.

    A translation whose roles, glue keys, code, math or labels differ from its unit's is no
    translation (as ``make check-translations`` says); the book build and ``make student`` share this.
    """
    return {msgid: msgstr for msgid, msgstr in catalogue_translations(source, language).items()
            if markup_tokens(msgstr) == markup_tokens(msgid)}


def select_outputs(notebook: dict, language: str) -> bool:
    """Keep ``language``'s outputs and the shared ones; rename its glue keys. True if anything changed.

    An output tagged ``{"esgrisk": {"language": L}}`` is kept only in the edition ``L``. A glued
    value ``<key>__<language>`` replaces the value glued as ``<key>`` in that edition (renamed to
    ``<key>``); in every other edition it is dropped. Works in place on a notebook's JSON (a dict,
    or an ``nbformat`` notebook); used by the edition build and by ``make student``.
    """
    def glue_name(output: dict) -> str | None:
        return output.get("metadata", {}).get("scrapbook", {}).get("name")

    cells = notebook.get("cells", [])
    names = {glue_name(o) for c in cells for o in c.get("outputs", [])} - {None}
    suffix = edition_key("", language) if language != SOURCE_LANGUAGE else None
    others = [edition_key("", lang) for lang in LANGUAGES if lang != language]
    twinned = {n[: -len(suffix)] for n in names if suffix and n.endswith(suffix)}
    changed = False
    for cell in cells:
        kept = []
        for output in cell.get("outputs", []):
            tag = output.get("metadata", {}).get(EDITION_METADATA, {}).get("language")
            name = glue_name(output)
            if tag is not None and tag != language:
                changed = True
                continue
            if name is not None:
                if any(name.endswith(other) for other in others) or name in twinned:
                    changed = True
                    continue
                if suffix and name.endswith(suffix):
                    output["metadata"]["scrapbook"]["name"] = name[: -len(suffix)]
                    changed = True
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    return changed


def check_catalogue(source: Path, language: str = "zh_CN") -> list[Problem]:
    """Every English unit of the page has a current, structurally faithful translation.

    Rules: ``untranslated`` (no entry, or an empty msgstr: the unit is new), ``stale`` (the
    English unit changed after its translation was made: the catalogue holds a translated entry
    for a unit the page no longer has, or the entry is marked fuzzy; run ``python -m esgrisk.i18n
    update`` and translate it again) and ``markup`` (the translation does not keep the unit's
    roles, glue keys, inline code, math and labels exactly).
    """
    page = str(Path(source).resolve().relative_to(paths.ROOT))
    catalogue = catalogue_path(source, language)
    po = _read(catalogue)
    units = page_units(source)
    current = {u.text for u in units}
    translations = {e.msgid: e for e in po if not e.obsolete}
    # translations made for English text the page no longer has: the unit changed since
    orphans = {e.msgid for e in po if e.msgstr.strip() and e.msgid not in current}
    problems = []
    for unit in units:
        entry = translations.get(unit.text)
        if entry is not None and entry.msgstr.strip() and "fuzzy" in entry.flags:
            problems.append(Problem(page, unit.line, "stale", unit.text))
        elif entry is None or not entry.msgstr.strip():
            changed = difflib.get_close_matches(unit.text, orphans, n=1, cutoff=0.6) if orphans else []
            problems.append(Problem(page, unit.line, "stale" if changed else "untranslated", unit.text))
        elif markup_tokens(entry.msgstr) != markup_tokens(unit.text):
            problems.append(Problem(page, unit.line, "markup", unit.text))
    return problems


def untranslated_outputs(executed: Path | None = None, language: str = "zh_CN") -> list[tuple[str, str]]:
    """The code-generated text of the executed notebooks that has no translation: (chapter, msgid).

    Every output the kernel wrote for ``language`` lists in its metadata
    (``{"esgrisk": {"language": ..., "untranslated": [...]}}``) the msgids of the code catalogue
    it could not translate; each is one problem. Raises FileNotFoundError if nothing was executed.
    """
    import json  # noqa: PLC0415 - only this check reads notebooks as JSON

    folder = Path(executed or paths.EXECUTED)
    notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not notebooks:
        raise FileNotFoundError(f"no executed notebooks in {folder}: run `make book` first")
    return [(notebook.stem, msgid) for notebook in notebooks
            for msgid in notebook_untranslated(json.loads(notebook.read_text(encoding="utf-8")), language)]


def notebook_untranslated(notebook: dict, language: str) -> list[str]:
    """The msgids a notebook's outputs for ``language`` list as untranslated, in order, once each."""
    found: dict[str, None] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get(EDITION_METADATA, {})
            if meta.get("language") == language:
                found.update(dict.fromkeys(meta.get("untranslated", [])))
    return list(found)


def translate_markdown(markdown: str, translations: dict[str, str], *, fallback: bool = False) -> str:
    """The Markdown with every translatable unit replaced by its translation (others kept).

    Raises KeyError naming the first unit without a translation: an edition is never built
    half-translated. ``fallback=True`` (development only: ``ESGRISK_I18N_FALLBACK=1``) keeps
    such a unit in English instead.
    """
    out = []
    for unit, _ in split_units(markdown):
        if is_translatable(unit):
            if not translations.get(unit, "").strip():
                if fallback:
                    out.append(unit)
                    continue
                raise KeyError(f"no translation for: {unit.strip().splitlines()[0][:100]!r}")
            out.append(translations[unit])
        else:
            out.append(unit)
    return "\n\n".join(out) + ("\n" if markdown.endswith("\n") else "")


def edition_key(key: str, language: str) -> str:
    """The glue key under which the value of ``key`` for ``language`` is stored (``key`` for English)."""
    return key if language == SOURCE_LANGUAGE else EDITION_KEY.format(key=key, language=language)


@cache
def _code_translations(language: str) -> dict[str, str]:
    translations: dict[str, str] = {}
    for catalogue in sorted(Path(str(CODE_CATALOGUE).format(language=language)).glob("*.po")):
        for e in polib.pofile(str(catalogue)):
            if e.msgstr and not e.obsolete and "fuzzy" not in e.flags:
                if translations.get(e.msgid, e.msgstr) != e.msgstr:
                    raise ValueError(f"{catalogue}: msgid {e.msgid!r} translated differently in two catalogues")
                translations[e.msgid] = e.msgstr
    return translations


# msgids looked up at run time without a translation, per language: the edition build and
# `make check-translations` report them (the kernel writes them into the output metadata).
UNTRANSLATED: dict[str, set[str]] = {}
# the msgids missed while an output is being rendered (see :func:`missed_msgids`)
_MISSED: list[list[str]] = []


@contextmanager
def missed_msgids():
    """Collect, in order and once each, the msgids :func:`translate` finds untranslated in the block.

    ``with missed_msgids() as missed: text = message.render("zh_CN")`` tells which templates of
    that one output are still English, so the output can say so in its metadata.
    """
    missed: list[str] = []
    _MISSED.append(missed)
    try:
        yield missed
    finally:
        _MISSED.remove(missed)


def translate(text: str, language: str) -> str:
    """``text`` (an exact msgid of the code catalogue) in ``language``; English if not translated.

    An untranslated msgid is remembered in :data:`UNTRANSLATED`, so that a missing translation
    is reported rather than silently shown in English.
    """
    if language == SOURCE_LANGUAGE:
        return text
    found = _code_translations(language).get(text)
    if found is None:
        UNTRANSLATED.setdefault(language, set()).add(text)
        for missed in _MISSED:
            if text not in missed:
                missed.append(text)
        return text
    return found


@dataclass(frozen=True)
class Message:
    """A sentence the code generates, in every language: an English template and its values.

    ``tr("The estimate is {b:.2f}", b=0.5).render("zh_CN")`` formats the catalogue's
    translation of the template with the same values, so numbers are identical in every
    edition. Values that are Messages themselves are rendered in the same language.
    """

    template: str
    values: tuple[tuple[str, object], ...] = ()

    def render(self, language: str = SOURCE_LANGUAGE) -> str:
        values = {k: _render(v, language) for k, v in self.values}
        return translate(self.template, language).format(**values)

    def __str__(self) -> str:
        return self.render(SOURCE_LANGUAGE)


def _render(value, language: str):
    """A value of a Message in ``language``: anything with a ``render(language)`` method is rendered."""
    render = getattr(value, "render", None)
    return render(language) if callable(render) else value


_CJK_LATIN = re.compile(r"(?<=[\u3400-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])(?=[\u3400-\u9fff])")


def typeset(text: str, language: str) -> str:
    """Generated text as the edition sets it: in Chinese a space between Han characters and Latin
    letters or digits ("H1 和 H3", "56,904,909 个账户"), as the translated pages write around glued values."""
    return _CJK_LATIN.sub(" ", text) if language.startswith("zh") else text


def tr(template: str, **values) -> Message:
    """A :class:`Message`: ``template`` is the English text (a msgid of the code catalogue)."""
    return Message(template, tuple(values.items()))


def _editions(value):
    """(language, text, untranslated msgids) of ``value`` in every edition, English first.

    A Message or Text renders itself; a function gives the text in the language; a plain string
    (a code name, a number) is the same in every edition.
    """
    for language in (SOURCE_LANGUAGE, *LANGUAGES):
        with missed_msgids() as missed:
            text = value(language) if callable(value) and not hasattr(value, "render") else _render(value, language)
        yield language, typeset(text, language), missed


def glue_i18n(key: str, value, kind: str = "text") -> None:
    """Glue ``value`` (a Message or Text, a function of the language, or a str) once per edition.

    ``kind`` "text" glues a plain string, "md" a Markdown object. The English value is glued
    under ``key``, every other edition's under :func:`edition_key`, with output metadata
    ``{"esgrisk": {"language": <language>}}`` and, when some of its templates have no
    translation yet, ``"untranslated": [msgid, ...]`` (``make check-translations`` names them).
    """
    from IPython.core.formatters import format_display_data  # noqa: PLC0415 - only kernels glue
    from IPython.display import Markdown, display  # noqa: PLC0415
    from myst_nb import glue  # noqa: PLC0415
    from myst_nb.ext.glue import GLUE_PREFIX  # noqa: PLC0415

    for language, text, missed in _editions(value):
        shown = Markdown(text) if kind == "md" else text
        if language == SOURCE_LANGUAGE:
            glue(key, shown, display=False)
            continue
        # myst_nb's glue, with the edition's metadata beside scrapbook's
        bundle, metadata = format_display_data(shown)
        metadata["scrapbook"] = {"name": edition_key(key, language), "mime_prefix": GLUE_PREFIX}
        metadata["esgrisk"] = {"language": language, **({"untranslated": missed} if missed else {})}
        display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def display_i18n(value) -> None:
    """Show Markdown ``value`` (as :func:`glue_i18n` takes it) once per edition, each output tagged
    ``{"esgrisk": {"language": <language>}}`` (plus its untranslated msgids) for the edition build."""
    from IPython.display import Markdown, display  # noqa: PLC0415 - only kernels display

    for language, text, missed in _editions(value):
        display(Markdown(text), metadata={"esgrisk": {"language": language,
                                                      **({"untranslated": missed} if missed else {})}})


_INCLUDE = re.compile(r"```\{include\}\s+(\S+)")


def source_pages() -> list[Path]:
    """Every English source page of the book: the _toc.yml pages and the files they include.

    A toc entry ``executed/NN_topic`` is the notebook ``notebooks/NN_topic.py``; ``book/x`` is
    ``book/x.md``. Included files (``{include}``) follow the page that includes them; generated
    ones (under ``executed/``) are written by code and translated through the code catalogue.
    """
    toc = yaml.safe_load((paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    entries = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    pages: list[Path] = []
    for entry in entries:
        source = (paths.ROOT / "notebooks" / (Path(entry).name + ".py") if entry.startswith("executed/")
                  else paths.ROOT / (entry + ".md"))
        pages.append(source)
        base = paths.ROOT / Path(entry).parent
        for target in _INCLUDE.findall(source.read_text(encoding="utf-8")):
            # normpath, not resolve: executed/ is a link into .builds/
            included = Path(os.path.normpath(base / target))
            if paths.ROOT / "executed" not in included.parents and included.exists():
                pages.append(included)
    return pages


def main(argv: list[str] | None = None) -> int:
    """``python -m esgrisk.i18n update|check``: refresh the catalogues, or check them (exit 1 on a problem)."""
    parser = argparse.ArgumentParser(prog="python -m esgrisk.i18n", description=main.__doc__)
    parser.add_argument("command", choices=["update", "check", "missing"],
                        help="update, check: the page catalogues; missing: code text of executed notebooks "
                             "the code catalogue does not translate")
    parser.add_argument("executed", nargs="?", type=Path, help="missing: the executed notebooks (executed/)")
    parser.add_argument("--language", default=LANGUAGES[0])
    args = parser.parse_args(argv)
    if args.command == "missing":
        try:
            found = untranslated_outputs(args.executed, args.language)
        except FileNotFoundError as error:
            print(error)
            return 1
        for chapter, msgid in found:
            print(f"{chapter}: {msgid}")
        print(f"{len(found)} untranslated code text(s) in the executed notebooks ({args.language})")
        return 1 if found else 0
    problems: list[Problem] = []
    for page in source_pages():
        if args.command == "update":
            missing, obsolete = update_catalogue(page, args.language)
            print(f"{catalogue_path(page, args.language).relative_to(paths.ROOT)}: "
                  f"{missing} to translate, {obsolete} obsolete")
        else:
            problems += check_catalogue(page, args.language)
    for problem in problems:
        print(problem)
    if args.command == "check":
        print(f"{len(problems)} translation problem(s) in {len(source_pages())} pages ({args.language})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
