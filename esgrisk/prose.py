"""Small helpers that turn computed facts into sentences without repeating them.

Chapters glue sentences generated from their results. When several items share
one fact (two instruments both weak, two hypotheses with the same design
verdict), the sentence should say it once for all of them: :func:`group_by`
collects the items by their fact and :func:`and_join` names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["and_join", "group_by"]


def and_join(items: Iterable[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``; the empty string for no items."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def group_by(facts: Mapping[str, str]) -> list[tuple[list[str], str]]:
    """The keys of ``facts`` grouped by equal value, in order of first appearance.

    ``{"H1": "x", "H2": "y", "H3": "x"}`` gives ``[(["H1", "H3"], "x"), (["H2"], "y")]``.
    """
    groups: dict[str, list[str]] = {}
    for key, value in facts.items():
        groups.setdefault(value, []).append(key)
    return [(keys, value) for value, keys in groups.items()]
