"""The book's bibliography style: pybtex's ``plain``, with titles as written and no internal notes.

Registered as the pybtex formatting style ``book`` (``bibtex_default_style: book`` in
``_config.yml``) by :func:`register`, which ``book_extras`` calls at ``config-inited``.

* Titles keep their capitalisation. ``plain`` turns every title into sentence case
  (``text.capitalize()``), which lower-cases names and acronyms: "US FTC settles" became
  "Us ftc settles", "JD" became "Jd".
* ``note`` fields that are the book's own source-checking notes (``S12. Supports: ...``,
  the provenance of a case-study fact) are not printed; other notes are.
* ``\\$`` and ``\\%`` in a field are the characters ``$`` and ``%`` (pybtex would print the
  backslash).

The Chinese edition (``book/locale/zh_CN/_config.yml``) uses ``book_zh``: the same entries as
written, with the words the style itself adds in Chinese ("Andrews 和 Stock 编", "载于",
"第 80–108 页", "第 2 版", "技术报告"), and the citation style ``author_year_zh``:
"Zhang 等 [2025]" (``{cite:t}``) and "[Zhang 等，2025；Wooldridge，2010]" (``{cite:p}``). The
words come from the code catalogue (``esgrisk/locale/zh_CN/book.po``, msgids in :data:`WORDS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import Node, field, first_of, join, names, optional, sentence
from sphinxcontrib.bibtex import plugin as bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

#: A note that records which fact a source supports (for the book's authors, not its readers).
INTERNAL_NOTE = re.compile(r"^\s*S\d+\.\s*Supports:")
ESCAPES = {"\\$": "$", "\\%": "%", "\\&": "&"}


class BookStyle(PlainStyle):
    """pybtex ``plain`` without sentence-casing titles and without internal notes."""

    def format_title(self, e, which_field, as_sentence=True):
        formatted = field(which_field)
        return sentence[formatted] if as_sentence else formatted

    def format_entry(self, label, entry, bib_data=None):
        for name in list(entry.fields.keys()):
            value = entry.fields[name]
            for escaped, plain in ESCAPES.items():
                value = value.replace(escaped, plain)
            entry.fields[name] = value
        if INTERNAL_NOTE.match(entry.fields.get("note", "")):
            del entry.fields["note"]
        return super().format_entry(label, entry, bib_data=bib_data)


#: The words pybtex's ``plain`` style and the author-year citations add (msgids of book.po). A
#: msgid with ``{}`` is a phrase around a field ("pages {}": "第 {} 页").
WORDS = ("and", "et al.", "In", "editor", "editors", "pages {}", "{} edition", "Volume {}", "volume {}",
         "Number {}", "number {}", "of", "in", "chapter {}", "Technical Report", "Master's thesis", "PhD thesis",
         "n.d.")
ZH = "zh_CN"


def word(msgid: str) -> str:
    """``msgid`` (one of :data:`WORDS`) in Chinese, from the code catalogue (English if missing)."""
    from esgrisk import i18n  # noqa: PLC0415 - only the Chinese build needs the catalogues

    return i18n.translate(msgid, ZH)


def _ordinal(value: Text) -> Text:
    """ "2nd" -> "2" (Chinese numbers an edition 第 2 版); other values as written."""
    match = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", str(value).strip())
    return Text(match[1]) if match else value


def _no_date(value: Text) -> Text:
    """The year "n.d." (the references' mark of a source without a date) in Chinese."""
    return Text(word("n.d.")) if str(value).strip() == "n.d." else value


def _localise(node):
    """A copy of the template ``node`` with the English words of ``plain`` in Chinese.

    A node whose first child is a phrase word (``words["pages", pages]``) becomes
    ``join[prefix, rest, suffix]`` of its translation ("第 ", pages, " 页"); other literal
    words ("In", "Technical Report") are replaced by their translation.
    """
    if not isinstance(node, Node):
        return word(node) if isinstance(node, str) and node in WORDS else node
    children = [_localise(child) for child in node.children]
    first = node.children[0] if node.children else None
    phrase = f"{first} {{}}" if isinstance(first, str) else None
    if phrase in WORDS:
        before, _, after = word(phrase).partition("{}")
        return join[before, join(sep=" ")[children[1:]], after]
    if node.name == "field" and list(node.args[:1]) == ["year"] and not node.kwargs.get("apply_func"):
        return field("year", apply_func=_no_date)
    if isinstance(first, Node) and first.name == "field" and list(first.args[:1]) == ["edition"]:
        before, _, after = word("{} edition").partition("{}")
        return join[before, field("edition", apply_func=_ordinal), after]
    clone = node._clone()
    clone.children = children
    return clone


class BookStyleZh(BookStyle):
    """The book's style with Chinese connective words (entries otherwise as written)."""

    def format_names(self, role, as_sentence=True):
        conj = f" {word('and')} "
        formatted = names(role, sep=", ", sep2=conj, last_sep=conj)
        return sentence[formatted] if as_sentence else formatted

    def format_editor(self, e, as_sentence=True):
        editors = self.format_names("editor", as_sentence=False)
        if "editor" not in e.persons:
            return editors
        result = join(sep=" ")[editors, word("editors" if len(e.persons["editor"]) > 1 else "editor")]
        return sentence[result] if as_sentence else result

    def format_entry(self, label, entry, bib_data=None):
        getter = f"get_{entry.type}_template"
        original = getattr(self, getter, None)
        if original is None:
            return super().format_entry(label, entry, bib_data=bib_data)
        setattr(self, getter, lambda e: _localise(original(e)))
        try:
            return super().format_entry(label, entry, bib_data=bib_data)
        finally:
            delattr(self, getter)


def _zh_person() -> PersonStyle:
    conj = f" {word('and')} "
    return PersonStyle(sep="，", sep2=conj, last_sep=conj, other=Text(" ", word("et al.")))


@dataclass
class AuthorYearZh(AuthorYearReferenceStyle):
    """Author-year citations of the Chinese edition: "Zhang 等 [2025]", "[Zhang 等，2025；Hansen，1999]"."""

    bracket_textual: BracketStyle = dataclass_field(default_factory=lambda: BracketStyle(sep="；"))
    bracket_parenthetical: BracketStyle = dataclass_field(default_factory=lambda: BracketStyle(sep="；"))
    bracket_author: BracketStyle = dataclass_field(default_factory=lambda: BracketStyle(sep="；"))
    bracket_label: BracketStyle = dataclass_field(default_factory=lambda: BracketStyle(sep="；"))
    bracket_year: BracketStyle = dataclass_field(default_factory=lambda: BracketStyle(sep="；"))
    person: PersonStyle = dataclass_field(default_factory=_zh_person)
    author_year_sep: str = "，"
    post_text_sep: str = "，"

    def inner(self, role_name: str):
        return _zh_year(super().inner(role_name))


def _zh_year(node):
    """The citation template ``node`` with its ``year`` ("n.d.": none, or the references' "n.d.") in Chinese."""
    if not isinstance(node, Node):
        return node
    if node.name == "year" and not node.children:
        return first_of[optional[field("year", apply_func=_no_date)], word("n.d.")]
    clone = node._clone()
    clone.children = [_zh_year(child) for child in node.children]
    return clone


def register() -> None:
    """Make ``book`` and ``book_zh`` pybtex formatting styles and ``author_year_zh`` a citation
    style of sphinxcontrib-bibtex (idempotent)."""
    for name, plugin in (("book", BookStyle), ("book_zh", BookStyleZh)):
        try:
            register_plugin("pybtex.style.formatting", name, plugin)
        except ValueError:  # already registered in this process
            pass
    bibtex_plugin.register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_zh", AuthorYearZh,
                                  force=True)
