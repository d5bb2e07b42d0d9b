#!/usr/bin/env python
"""Write student notebooks: no outputs, no solutions, runnable as they are.

Usage::

    python scripts/make_student.py [--out student] [CHAPTER ...]
    make student

For each chapter of ``_toc.yml`` (or the chapters named), the jupytext source
``notebooks/NN_topic.py`` is read, every markdown cell that includes a file
(a MyST ``{include}`` directive, e.g. the learning objectives and exercises
from ``book/teaching/``) is replaced by the included text, every
``{solution}`` block is removed, exercises become plain Markdown that Jupyter
renders, and the notebook is written without outputs to
``student/NN_topic.ipynb``. Paths inside the chapters are resolved against the
project root (``esgrisk.paths.resolve``), so the notebooks run from
``student/`` as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import jupytext
import nbformat

from esgrisk import paths
from esgrisk.pipeline import KERNEL, chapters_from_toc

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


def plain_exercises(text: str) -> str:
    """Turn ``{exercise}`` (and ``{admonition}``) directives into Markdown that Jupyter renders.

    The directive becomes a bold heading followed by its body; its options are dropped.
    """
    lines, out, closing, number = text.splitlines(keepends=True), [], None, 0
    for line in lines:
        stripped = line.rstrip("\n")
        if closing is not None:
            if closing.match(stripped):
                closing = None
                out.append("\n")
                continue
            if re.match(r"^\s*:[\w-]+:", stripped):
                continue
            out.append(line)
            continue
        opened = OPEN_FENCE.match(stripped)
        if opened and opened["name"] in ("exercise", "admonition"):
            title = opened["arg"].strip()
            if opened["name"] == "exercise":
                number += 1
                title = f"Exercise {number}{': ' + title if title else ''}"
            out.append(f"**{title}**\n\n")
            closing = _close_of(opened["fence"])
            continue
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


def expand_includes(text: str, base: Path) -> str:
    """Replace each ``{include}`` directive by the text of the file it names (relative to ``base``)."""
    def replace(match: re.Match[str]) -> str:
        target = (base / match["path"]).resolve()
        if not target.is_file():
            raise FileNotFoundError(f"{match['path']} (included from {base}) does not exist")
        return target.read_text(encoding="utf-8").strip("\n")
    return INCLUDE.sub(replace, text)


def student_notebook(source: Path) -> nbformat.NotebookNode:
    """The student version of one chapter source."""
    nb = jupytext.read(source)
    # Includes are written relative to executed/NN_topic.ipynb; notebooks/ is at the same depth.
    base = source.parent
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = expand_includes(cell.source, base)
            cell.source = plain_exercises(remove_solutions(text)).strip("\n")
        elif cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.cells = [c for c in nb.cells if c.source.strip()]
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("jupytext", None)
    return nb


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter of _toc.yml)")
    parser.add_argument("--out", type=Path, default=paths.ROOT / "student", help="output folder")
    args = parser.parse_args(argv)
    names = args.chapters or chapters_from_toc()
    out = args.out if args.out.is_absolute() else paths.ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = paths.NOTEBOOKS / f"{name}.py"
        if not source.exists():
            print(f"make_student: no source {source}", file=sys.stderr)
            return 1
        nb = student_notebook(source)
        nbformat.validate(nb)
        target = out / f"{name}.ipynb"
        nbformat.write(nb, target)
        n_ex = sum(c.source.count("**Exercise ") for c in nb.cells if c.cell_type == "markdown")
        print(f"[student] {target.relative_to(paths.ROOT) if target.is_relative_to(paths.ROOT) else target}"
              f"  ({len(nb.cells)} cells, {n_ex} exercises)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
