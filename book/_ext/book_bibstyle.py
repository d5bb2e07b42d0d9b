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
"""

from __future__ import annotations

import re

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import field, sentence

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


def register() -> None:
    """Make ``book`` a pybtex formatting style (idempotent)."""
    try:
        register_plugin("pybtex.style.formatting", "book", BookStyle)
    except ValueError:  # already registered in this process
        pass
