"""The causal diagram of the study: the risk-ESG feedback loop, its controls and instruments.

:func:`causal_diagram` draws it with matplotlib only and returns a
:class:`matplotlib.figure.Figure` (not attached to pyplot, so a notebook shows
it only where it is glued). Node labels carry the panel-contract variable
names; arrow labels say which hypothesis an arrow stands for and which
chapters test it (:data:`ARROW_CHAPTERS`). Chapter numbers are not typed: the
labels name chapters by their labels (``{ch-fixed-effects}``) and
:func:`chapter_numbers` reads the numbers from ``_toc.yml``, as the book does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from esgrisk.figures import BOOK_FIGURE_WIDTH, book_figure

#: Nodes: key -> (label, x, y, width, height, face colour, border style).
NODES: dict[str, tuple[str, float, float, float, float, str, str]] = {
    "risk": ("Security-risk events\nrisk_events", 2.3, 3.0, 2.9, 1.0, "#f4cccc", "solid"),
    "esg": ("ESG score\nesg", 7.7, 3.0, 2.9, 1.0, "#d9ead3", "solid"),
    "z_risk": ("Instrument 1:\nregional cyber incidents\nregion_incidents", 1.6, 5.5, 3.2, 1.2, "#fff2cc", "solid"),
    "z_esg": ("Instrument 2:\nindustry-average ESG\n(derived, leave-one-out)", 8.4, 5.5, 3.2, 1.2, "#fff2cc",
              "solid"),
    "firm": ("Firm fixed effects\n(unobserved,\ntime-invariant)", 5.0, 5.5, 2.4, 1.2, "#eeeeee", "dashed"),
    "controls": ("Controls: log_assets, revenue_growth,\ncr4, reg_strength", 5.0, 0.55, 5.2, 0.9, "#cfe2f3",
                 "solid"),
}

#: Which chapters test each arrow; keys are ``"source->target"``.
#: ``{ch-...}`` is replaced by that chapter's number (:func:`chapter_numbers`).
ARROW_CHAPTERS: dict[str, str] = {
    "risk->esg": "H1: ch. {ch-fixed-effects}, {ch-bidirectional}, {ch-monte-carlo}; cases ch. {ch-case-studies}",
    "esg->risk": "H2: ch. {ch-bidirectional}, {ch-monte-carlo}; cases ch. {ch-case-studies}",
    "loop": "H3 (both at once): ch. {ch-bidirectional}",
    "z_risk->risk": "first stage: ch. {ch-fixed-effects}, {ch-bidirectional}",
    "z_esg->esg": "first stage: ch. {ch-bidirectional}",
    "firm->risk": "ch. {ch-fixed-effects}",
    "firm->esg": "ch. {ch-fixed-effects}",
    "controls->risk": "",
    "controls->esg": "ch. {ch-descriptive}, {ch-fixed-effects}",
}
_CHAPTER_REF = re.compile(r"\{(ch-[A-Za-z0-9-]+)\}")


def chapter_numbers(root: Path | None = None) -> dict[str, int]:
    """Chapter label (``ch-...``, the target above a chapter's title) -> its number in the book.

    Numbers follow ``_toc.yml`` as Jupyter Book numbers them: the entries of the
    ``numbered`` parts, counted on across parts.
    """
    from esgrisk import paths

    root = root or paths.ROOT
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    numbers, count = {}, 0
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for entry in part.get("chapters", []):
            count += 1
            source = root / "notebooks" / f"{Path(entry['file']).name}.py"
            if source.is_file():
                found = re.search(r"^# \((ch-[A-Za-z0-9-]+)\)=$", source.read_text(encoding="utf-8"), re.MULTILINE)
                if found:
                    numbers[found[1]] = count
    return numbers


def arrow_labels(chapters: Mapping[str, str] | None = None) -> dict[str, str]:
    """The text next to each arrow: :data:`ARROW_CHAPTERS` (or ``chapters``) with chapter numbers."""
    numbers = chapter_numbers()
    labels = {**ARROW_CHAPTERS, **dict(chapters or {})}
    return {key: _CHAPTER_REF.sub(lambda m: str(numbers.get(m[1], m[1])), text) for key, text in labels.items()}


def _box(ax, key: str) -> None:
    label, x, y, w, h, face, style = NODES[key]
    ax.add_patch(FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05,rounding_size=0.15",
        facecolor=face, edgecolor="#333333", linestyle=style, linewidth=1.2, zorder=2,
    ))
    ax.text(x, y, label, ha="center", va="center", fontsize="small", zorder=3)


def _edge_point(key: str, toward: tuple[float, float]) -> tuple[float, float]:
    """Point on the border of box ``key`` in the direction of ``toward``."""
    _, x, y, w, h, _, _ = NODES[key]
    dx, dy = toward[0] - x, toward[1] - y
    if dx == 0 and dy == 0:
        return x, y
    sx = (w / 2 + 0.08) / abs(dx) if dx else float("inf")
    sy = (h / 2 + 0.08) / abs(dy) if dy else float("inf")
    s = min(sx, sy)
    return x + dx * s, y + dy * s


def _arrow(ax, src: str, dst: str, *, style: str = "solid", rad: float = 0.0,
           color: str = "#333333", width: float = 1.4,
           start: tuple[float, float] | None = None,
           end: tuple[float, float] | None = None) -> None:
    s = NODES[src][1:3]
    d = NODES[dst][1:3]
    p0 = start or _edge_point(src, d)
    p1 = end or _edge_point(dst, s)
    ax.add_patch(FancyArrowPatch(
        p0, p1, arrowstyle="-|>", mutation_scale=14, linewidth=width,
        linestyle=style, color=color, connectionstyle=f"arc3,rad={rad}", zorder=1,
    ))


def causal_diagram(chapters: Mapping[str, str] | None = None) -> Figure:
    """Draw the feedback loop risk <-> ESG with controls, firm effects and the two instruments.

    ``chapters`` overrides entries of :data:`ARROW_CHAPTERS` (the text put next
    to each arrow). Returns a new figure; the caller decides where to show it.
    """
    labels = arrow_labels(chapters)
    fig = book_figure(BOOK_FIGURE_WIDTH, 5.6)
    ax = fig.add_subplot()
    ax.set_xlim(-0.2, 10.2)
    ax.set_ylim(-0.05, 6.2)
    ax.set_axis_off()
    for key in NODES:
        _box(ax, key)
    small = {"fontsize": "small", "ha": "center"}

    # The loop: risk -> ESG above, ESG -> risk below.
    _arrow(ax, "risk", "esg", rad=-0.35, color="#990000", width=2.2,
           start=(3.8, 3.25), end=(6.2, 3.25))
    _arrow(ax, "esg", "risk", rad=-0.35, color="#38761d", width=2.2,
           start=(6.2, 2.75), end=(3.8, 2.75))
    ax.text(5.0, 3.78, f"H1: risk lowers ESG (-)\n{labels['risk->esg'].removeprefix('H1: ')}",
            va="bottom", color="#990000", **small)
    ax.text(5.0, 2.22, f"H2: ESG lowers risk (-)\n{labels['esg->risk'].removeprefix('H2: ')}",
            va="top", color="#38761d", **small)
    ax.text(5.0, 3.0, labels["loop"], va="center",
            style="italic", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0}, **small)

    # Instruments: dotted, into the variable they instrument only.
    _arrow(ax, "z_risk", "risk", style=":", start=(1.6, 4.85), end=(1.8, 3.58))
    _arrow(ax, "z_esg", "esg", style=":", start=(8.4, 4.85), end=(8.2, 3.58))
    ax.text(0.25, 4.2, labels["z_risk->risk"].replace(": ", ":\n", 1), va="center", rotation=90, **small)
    ax.text(9.75, 4.2, labels["z_esg->esg"].replace(": ", ":\n", 1), va="center", rotation=90, **small)

    # Firm effects: dashed confounder of both.
    _arrow(ax, "firm", "risk", style="--", color="#666666", start=(4.0, 4.85), end=(3.0, 3.58))
    _arrow(ax, "firm", "esg", style="--", color="#666666", start=(6.0, 4.85), end=(7.0, 3.58))
    if labels["firm->esg"]:
        ax.text(5.0, 4.7, f"absorbed by\nfirm FE ({labels['firm->esg']})", va="top", color="#666666", **small)

    # Controls: into both.
    _arrow(ax, "controls", "risk", start=(3.2, 1.05), end=(2.3, 2.42), color="#1c4587")
    _arrow(ax, "controls", "esg", start=(6.8, 1.05), end=(7.7, 2.42), color="#1c4587")
    if labels["controls->esg"]:
        ax.text(9.0, 1.55, f"controls\n({labels['controls->esg']})", va="center", color="#1c4587", **small)

    legend = [
        Line2D([], [], color="#990000", lw=2.2, label="hypothesised effect (H1, H2; H3 = both)"),
        Line2D([], [], color="#333333", lw=1.4, ls=":", label="instrument (excluded from the other equation)"),
        Line2D([], [], color="#666666", lw=1.4, ls="--", label="unobserved confounder, removed by firm FE"),
        Line2D([], [], color="#1c4587", lw=1.4, label="observed control"),
    ]
    fig.legend(handles=legend, loc="outside lower center", fontsize="small", frameon=False, ncols=2,
               handlelength=1.8, columnspacing=1.0)
    return fig


def to_image(fig: Figure, dpi: int = 110):
    """PNG rendering of a figure as an ``IPython.display.Image``, ready for ``myst_nb.glue``.

    Figures here are built without pyplot, so the notebook's inline backend
    never registers them; gluing the PNG keeps the output explicit and the
    same under papermill, Jupyter and the book build.
    """
    from io import BytesIO

    from IPython.display import Image

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")
