"""Text of tables and figures in another edition's language (issue 16).

A table or figure is made once, in English; its Chinese twin is the same object
with its words looked up in the code catalogue (:mod:`esgrisk.i18n`, exact msgid,
``esgrisk/locale/zh_CN/*.po``). Numbers are never touched, so both editions show
the same values.

Which strings are words and which are *identifiers* (kept as they are and never
reported as untranslated) is decided by :func:`is_identifier`:

- text without a run of two ASCII letters outside code spans and math: numbers
  (``-0.92``, ``2.63e+28``, ``1.8 (0.3)``, ``[-0.72, -0.72]``, ``89.0 %``), ids such as
  ``E01``, ``H1`` or ``F2496``;
- text that holds Chinese characters (already in the edition's language: 行业平均 ESG 评分);
- text that is entirely a code span (`` `risk_events` ``), a role (``{cite:p}`key```) or inline math;
- text whose every comma- or space-separated token is a name: snake_case or dotted
  (``fe_entity``, ``risk_events``, ``alibaba2019_sec20f``, ``esgrisk.panel``), letters then
  digits (``cr4``, ``d81``), a path or file name (``data/events/incidents.csv``),
  ``name=value`` (``seed=None``), or one of :data:`NAMES` (variable names that look like
  words: ``esg``, ``const``).

An identifier that happens to have an entry in the catalogue is still translated (so
a column named ``book_mean`` may be given a Chinese header), but a missing one is not
reported. Everything else is a msgid: looked up exactly, then as its numeric template
(:func:`numeric_template`: "true effect ({0})" translates "true effect (-0.92)" with the
same digits), then, for "label: names" or "label names" ("controls: log_assets+cr4",
"largest influence: F02", "controls without cr4"), as its label followed by the names
unchanged; when missing, kept in English and recorded (the template if the text
holds numbers) in :attr:`Localizer.missing` (and :data:`esgrisk.i18n.UNTRANSLATED`),
which the emitting function writes into the output's metadata.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from esgrisk import i18n
from esgrisk.i18n import Message

__all__ = ["NAMES", "Localizer", "is_identifier", "localized_figure", "numeric_template", "output_metadata"]

#: Variable names that look like words but are names (the panel's ``esg``, a regression's constant).
NAMES = frozenset({"esg", "const", "_cons"})

_CODE_OR_MATH = re.compile(r"\{[a-z:]+\}`[^`]*`|`[^`\n]*`|\$[^$\n]+\$")  # roles, code, math
#: A number standing on its own ("-0.92", "2.63e+28", "56,904,909"), not part of a name ("E01", "cr4", "2SLS").
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+−]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_\d])")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_WORDLIKE = re.compile(r"[A-Za-z]{2,}")
_NAME = re.compile(r"^[A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)+[A-Za-z0-9_.]*$"  # snake_case, dotted
                   r"|^[\w.-]*/[\w./-]*$"                                   # a path
                   r"|^[a-z]+\d+$"                                          # cr4, d81
                   r"|^[A-Za-z_][\w.]*=\S*$")                               # name=value


def is_identifier(text: str) -> bool:
    """Whether ``text`` is kept as it is in every language (see the module docstring)."""
    text = str(text).strip()
    if not text or text in NAMES or _CJK.search(text):
        return True
    rest = _NUMBER.sub(" ", _CODE_OR_MATH.sub(" ", text))
    if not _WORDLIKE.search(rest):
        return True
    # tokens of a list of names ("log_assets+cr4", "a, b"); a label cut short ends in "..."
    tokens = [t for t in re.split(r"[,;+\s]+", _CODE_OR_MATH.sub(" ", text)) if t]
    return bool(tokens) and all(t in NAMES or _NAME.match(t) or not _WORDLIKE.search(_NUMBER.sub(" ", t))
                                or (t.endswith(("...", "…")) and len(tokens) > 1) for t in tokens)


def numeric_template(text: str) -> tuple[str, list[str]]:
    """``text`` with each number replaced by ``{0}``, ``{1}``, ...: (template, the numbers as written).

    A label or cell with computed numbers ("true effect (-0.92)", "6 of 6 rows agree") is
    translated by the catalogue entry of its template ("true effect ({0})"), whose
    translation may reorder the placeholders; the numbers are copied as the English shows
    them, so both editions print the same digits. The exact text is looked up first.
    """
    numbers: list[str] = []

    def hole(match: re.Match) -> str:
        numbers.append(match[0])
        return "{" + str(len(numbers) - 1) + "}"

    escaped = text.replace("{", "{{").replace("}", "}}")
    return _NUMBER.sub(hole, escaped), numbers


def _lookup(text: str, catalogue: dict[str, str]) -> str | None:
    """The translation of ``text``: its exact msgid, else its numeric template's; None if neither."""
    if text in catalogue:
        return catalogue[text]
    template, numbers = numeric_template(text)
    return catalogue[template].format(*numbers) if numbers and template in catalogue else None


def _catalogue(language: str) -> dict[str, str]:
    return {} if language == i18n.SOURCE_LANGUAGE else i18n._code_translations(language)


@dataclass
class Localizer:
    """Translates the strings of one output into ``language`` and remembers the msgids it lacked."""

    language: str
    missing: set[str] = field(default_factory=set)

    def text(self, text: str) -> str:
        """``text`` translated (exact msgid, whitespace at the ends kept), or as it is if an identifier."""
        if self.language == i18n.SOURCE_LANGUAGE or not isinstance(text, str):
            return text
        core = text.strip()
        if not core:
            return text
        catalogue = _catalogue(self.language)
        found = _lookup(core, catalogue)
        if found is None:
            template, numbers = numeric_template(core)
            labelled = None
            for sep, joint in ((": ", "："), (" ", " ")):  # "controls: a+b", "controls without cr4"
                label, found_sep, names = core.rpartition(sep)
                if found_sep and label and is_identifier(names) and _lookup(label, catalogue) is not None:
                    labelled = f"{_lookup(label, catalogue)}{joint}{names}"
                    break
            if labelled is not None:
                found = labelled
            else:
                if not is_identifier(core):
                    wanted = template if numbers else core
                    self.missing.add(wanted)
                    i18n.UNTRANSLATED.setdefault(self.language, set()).add(wanted)
                return text
        head, tail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        return head + found + tail

    def message(self, message: Message) -> str:
        """A :class:`~esgrisk.i18n.Message` rendered in the language; its missing templates recorded."""
        self._note(message)
        return message.render(self.language)

    def any(self, value):
        """A Message (or a text carrying one, ``esgrisk.prose.Text``) rendered, a string translated
        (see :meth:`text`), anything else unchanged."""
        if isinstance(value, Message):
            return self.message(value)
        if isinstance(getattr(value, "message", None), Message):
            return self.message(value.message)
        if isinstance(value, str):
            return self.text(value)
        return value

    def _note(self, message: Message) -> None:
        if self.language != i18n.SOURCE_LANGUAGE and message.template not in _catalogue(self.language):
            self.missing.add(message.template)
        for _, value in message.values:
            if isinstance(value, Message):
                self._note(value)

    def metadata(self) -> dict:
        """Output metadata of a display for this language (see :func:`output_metadata`)."""
        return output_metadata(self.language, self.missing)


def output_metadata(language: str, missing=()) -> dict:
    """``{"esgrisk": {"language": ..., "untranslated": [...]}}`` (BOARD decision 2); no list for English."""
    tag: dict = {"language": language}
    if language != i18n.SOURCE_LANGUAGE:
        tag["untranslated"] = sorted(missing)
    return {"esgrisk": tag}


def _has_words(labels) -> bool:
    return any(not is_identifier(label) for label in labels)


def localized_figure(fig, language: str):
    """A copy of the finished matplotlib ``fig`` with its text in ``language``: (figure, localizer).

    The copy is made by a pickle round trip, so the data (lines, bars, images, their
    colours and positions) are the original's; ``fig`` itself is not changed. Every
    text artist is translated through the catalogue (:meth:`Localizer.text`): titles and
    the suptitle, axis labels, legend texts and titles, annotations and free text,
    colour-bar labels, cells of tables drawn in the figure. Tick labels are drawn from
    the axis' formatter, so an axis whose tick labels include words gets fixed ticks at
    the same positions with the translated labels; numeric tick labels are left to
    their formatter.
    """
    import pickle

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    localizer = Localizer(language)
    copy = pickle.loads(pickle.dumps(fig))
    if "matplotlib.pyplot" in sys.modules:  # an unpickled pyplot figure joins pyplot: keep it out of the outputs
        sys.modules["matplotlib.pyplot"].close(copy)
    FigureCanvasAgg(copy)
    copy.canvas.draw()
    for ax in copy.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            for minor in (False, True):
                labels = [t.get_text() for t in axis.get_ticklabels(minor=minor)]
                if labels and _has_words(labels) and len(labels) == len(axis.get_ticklocs(minor=minor)):
                    axis.set_ticks(axis.get_ticklocs(minor=minor),
                                   labels=[localizer.text(label) for label in labels], minor=minor)
    for text in copy.findobj(Text):
        value = text.get_text()
        if value.strip():
            text.set_text(localizer.text(value))
    return copy, localizer
