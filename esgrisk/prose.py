"""Small helpers that turn computed facts into sentences without repeating them, in every edition.

Chapters glue sentences generated from their results. When several items share
one fact (two instruments both weak, two hypotheses with the same design
verdict), the sentence should say it once for all of them: :func:`group_by`
collects the items by their fact and :func:`and_join` names them.

A generated sentence is written once, as an English template of the code
catalogue (``esgrisk/locale/<language>/prose.po``), and rendered in each
edition from the same values (:class:`esgrisk.i18n.Message`). :class:`Text` is
such a sentence that is also the English string itself, so the code and the
results files that read it as a string see exactly the text they saw before,
while ``glue_i18n`` renders its Chinese twin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from esgrisk.i18n import SOURCE_LANGUAGE, Message, tr, typeset

__all__ = ["Text", "and_join", "and_list", "comma_list", "group_by", "render", "semicolon_list", "space_list", "text"]


class Text(str):
    """English text (a ``str``, equal to the English rendering) that renders in every language."""

    message: Message

    def __new__(cls, message: Message) -> Text:
        self = super().__new__(cls, message.render(SOURCE_LANGUAGE))
        self.message = message
        return self

    def render(self, language: str = SOURCE_LANGUAGE) -> str:
        """The text in ``language``, from the catalogue's translation of its template."""
        return self.message.render(language)

    def __getnewargs__(self) -> tuple[Message]:  # copy and pickle rebuild it from its Message
        return (self.message,)


def text(template: str, **values) -> Text:
    """``Text(tr(template, **values))``: a generated sentence, English as a string, translatable."""
    return Text(tr(template, **values))


def render(value, language: str = SOURCE_LANGUAGE) -> str:
    """``value`` in ``language`` (typeset) if it can render itself (a Message or a Text), else ``str(value)``."""
    method = getattr(value, "render", None)
    return typeset(method(language), language) if callable(method) else str(value)


def and_list(items: Iterable[object]) -> object:
    """``a``, ``a and b``, ``a, b and c`` as a Message (items may be Messages): "a、b和c" in Chinese."""
    items = list(items)
    if len(items) <= 1:
        return items[0] if items else ""
    if len(items) == 2:
        return tr("{first} and {last}", first=items[0], last=items[1])
    return tr("{first}, {rest}", first=items[0], rest=and_list(items[1:]))


def _chain(items: list[object], template: str) -> object:
    """The items joined pairwise by ``template`` ("{first}; {rest}"), the separator taken from the catalogue."""
    if len(items) <= 1:
        return items[0] if items else ""
    return tr(template, first=items[0], rest=_chain(items[1:], template))


def comma_list(items: Iterable[object]) -> object:
    """``a, b, c`` as a Message ("a、b、c" in Chinese)."""
    return _chain(list(items), "{first}, {rest}")


def semicolon_list(items: Iterable[object]) -> object:
    """``a; b; c`` as a Message ("a；b；c" in Chinese)."""
    return _chain(list(items), "{first}; {rest}")


def space_list(items: Iterable[object]) -> object:
    """Sentences one after the other, ``A. B.`` as a Message (no space between Chinese sentences)."""
    return _chain(list(items), "{first} {rest}")


def and_join(items: Iterable[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``; the empty string for no items (the English of :func:`and_list`)."""
    return render(and_list(items))


def group_by(facts: Mapping[object, object]) -> list[tuple[list[object], object]]:
    """The keys of ``facts`` grouped by equal value, in order of first appearance.

    ``{"H1": "x", "H2": "y", "H3": "x"}`` gives ``[(["H1", "H3"], "x"), (["H2"], "y")]``.
    """
    groups: dict[object, list[object]] = {}
    for key, value in facts.items():
        groups.setdefault(value, []).append(key)
    return [(keys, value) for value, keys in groups.items()]
