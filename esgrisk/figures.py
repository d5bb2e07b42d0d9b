"""Figures of the book as files of the replication package.

The chapters show their figures by gluing a PNG (``esgrisk.descriptive.figure_image``,
``esgrisk.diagram.to_image``) or a matplotlib figure and placing it with a
``{glue:figure}`` directive named ``fig-...``. :func:`save_figure` writes the
same figure to ``<results_dir>/figures/<fig-name>.png``, so every numbered
figure of the book is also a file (``README.md`` lists them; the display in the
book is unchanged).

The PNG is deterministic: a fixed resolution (:data:`FIGURE_DPI`), a tight
bounding box, and no ``Software`` entry in the PNG metadata (matplotlib writes
no date into PNGs), so re-running a chapter on the same data writes the same
bytes. Before writing, :func:`save_figure` checks that every text of the figure
is legible and whole as the book shows it (:func:`check_figure_text`).

Chinese text (a firm name such as 京东) is drawn with the CJK font the book ships
(``book/_static/fonts``, a subset of Noto Sans CJK SC made by
``scripts/subset_cjk_font.py``): importing this module registers it with
matplotlib as the fallback after the default sans-serif font
(:func:`use_book_fonts`), so figures look the same on machines with and without
a CJK font. Characters outside the subset still fall back to numbered labels
(:func:`label_firms`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from esgrisk import i18n
from esgrisk.localize import localized_figure
from esgrisk.paths import ROOT, resolve

__all__ = ["BOOK_COLUMN_PX", "BOOK_CJK_FONT", "BOOK_FIGURE_WIDTH", "BOOK_IMAGE_DPI", "BOOK_STYLE", "FIGURE_DPI",
           "MIN_TEXT_PX", "DrawnText", "FigureTextError", "book_figure", "can_draw", "check_figure_text",
           "drawn_texts", "edition_figure_path", "glue_figure", "label_firms", "overlapping_texts",
           "rendered_text_px", "save_figure", "use_book_fonts"]

#: The CJK font shipped with the book (TrueType subset of Noto Sans CJK SC, SIL OFL).
BOOK_CJK_FONT = ROOT / "book" / "_static" / "fonts" / "NotoSansCJKsc-book.ttf"


def use_book_fonts() -> str | None:
    """Register :data:`BOOK_CJK_FONT` with matplotlib as the fallback family; return its name.

    ``font.family`` becomes ``["sans-serif", <CJK family>]``: Latin text keeps the
    default font, characters it lacks come from the CJK font. Returns ``None``
    (and changes nothing) when the font file is not there.
    """
    if not BOOK_CJK_FONT.is_file():
        return None
    font_manager.fontManager.addfont(str(BOOK_CJK_FONT))
    name = font_manager.FontProperties(fname=str(BOOK_CJK_FONT)).get_name()
    families = [f for f in matplotlib.rcParams["font.family"] if f != name]
    matplotlib.rcParams["font.family"] = [*families, name]
    can_draw.cache_clear()
    return name

#: Resolution of the saved PNG files (dots per inch).
FIGURE_DPI = 150

#: A figure name: ``fig-`` then letters, digits, ``-`` or ``_`` (a Sphinx label).
NAME_PATTERN = re.compile(r"^fig-[A-Za-z0-9][A-Za-z0-9_-]*$")


def save_figure(fig: Figure, save_dir: str | Path, name: str, dpi: int = FIGURE_DPI) -> Path:
    """Write ``fig`` to ``save_dir/figures/<name>.png`` and return the path.

    ``name`` is the figure's label in the book (``fig-...``); a relative
    ``save_dir`` is read from the project root (:func:`esgrisk.paths.resolve`).
    The folder is created if missing. Works for bare :class:`~matplotlib.figure.Figure`
    objects and pyplot figures alike, also after ``plt.close(fig)``.

    Every figure of the book passes here, so this is where its text is checked
    (:func:`check_figure_text`): text smaller than :data:`MIN_TEXT_PX` CSS px at the
    book's column width, on top of another text, or cut off by the canvas or a clip box, raises
    :class:`FigureTextError` naming the figure and the text, and nothing is written.
    The chapter (and so the book build) then fails on whatever panel it runs.
    """
    if not NAME_PATTERN.match(name):
        raise ValueError(f"figure name {name!r} must look like 'fig-something' "
                         "(letters, digits, '-' or '_' after 'fig-')")
    check_figure_text(fig, name)  # every book figure passes here: legible and whole, or the build stops
    path = resolve(save_dir) / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def edition_figure_path(save_dir: str | Path, name: str, language: str) -> Path:
    """Where the ``language`` edition's copy of figure ``name`` is saved: ``figures/<language>/<name>.png``.

    A folder per language keeps ``results/figures/`` itself the English figures the
    README lists (one file per figure name).
    """
    return resolve(save_dir) / "figures" / language / f"{name}.png"


def glue_figure(key: str, fig: Figure, save_dir: str | Path | None = None, name: str | None = None,
                image: Callable[[Figure], object] | None = None, save_first: bool = False) -> None:
    """Glue ``fig`` under ``key`` for every edition and save it: the one call a chapter makes per figure.

    The English figure is glued exactly as ``glue(key, image(fig), display=False)``
    (``image`` is ``esgrisk.diagram.to_image`` or ``esgrisk.descriptive.figure_image``;
    without it the figure itself is glued) and, with ``save_dir`` and ``name``
    (``fig-...``), written by :func:`save_figure`. Returns nothing, so a call that ends a
    cell displays nothing.
    Then, for every other language, a translated copy (:func:`esgrisk.localize.localized_figure`:
    same data, text through the code catalogue) is glued under
    ``esgrisk.i18n.edition_key(key, language)``, its output metadata
    ``{"esgrisk": {"language": ..., "untranslated": [...]}}`` naming the msgids the catalogue
    lacked, and saved to :func:`edition_figure_path`.

    ``save_first`` saves the English file before gluing: a chapter keeps the order it drew
    its figure in, because a figure with constrained layout drawn a second time can differ
    in the last pixel from the first drawing, and the English files must not change.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display
    from myst_nb import glue
    from myst_nb.ext.glue import GLUE_PREFIX

    render = image or (lambda figure: figure)
    saving = save_dir is not None and name is not None
    if saving and save_first:
        save_figure(fig, save_dir, name)
    glue(key, render(fig), display=False)
    if saving and not save_first:
        save_figure(fig, save_dir, name)
    for language in i18n.LANGUAGES:
        copy, localizer = localized_figure(fig, language)
        bundle, metadata = format_display_data(render(copy))
        metadata["scrapbook"] = dict(name=i18n.edition_key(key, language), mime_prefix=GLUE_PREFIX)
        metadata.update(localizer.metadata())
        display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
        if saving:
            check_figure_text(copy, f"{name} [{language}]")  # translated labels are wider: legible and whole too
            target = edition_figure_path(save_dir, name, language)
            target.parent.mkdir(parents=True, exist_ok=True)
            copy.savefig(target, format="png", dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})


@lru_cache(maxsize=1024)
def can_draw(text: str) -> bool:
    """Whether matplotlib's fonts on this machine have a glyph for every character of ``text``.

    A firm name in Chinese, say, cannot be drawn with the default DejaVu Sans;
    matplotlib would then print "Glyph ... missing from font(s)" warnings
    (which fail the build) and draw empty boxes.
    """
    fig = Figure()
    FigureCanvasAgg(fig)
    fig.text(0, 0, text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return not any("missing from font" in str(w.message) for w in caught)


def label_firms(firms: Sequence[str]) -> tuple[dict[str, str], str]:
    """Plot labels for ``firms`` and a note for the reader.

    A name the fonts can draw is its own label; any other becomes ``firm k``
    (its position in ``firms``, from 1), and the note lists those numbers with
    the names, for the text around the figure, which the browser renders in
    any script. The note is empty when every name can be drawn.
    """
    labels, numbered = {}, []
    for k, firm in enumerate(firms, start=1):
        if can_draw(firm):
            labels[firm] = firm
        else:
            labels[firm] = f"firm {k}"
            numbered.append(f"firm {k} = {firm}")
    note = ("Names the plotting font cannot draw are numbered: " + "; ".join(numbered) + "."
            if numbered else "")
    return labels, note


#: Width in CSS pixels of the book's text column on a desktop screen (sphinx-book-theme,
#: measured in Chromium at a 1200 px window): a wider figure is scaled down to it.
BOOK_COLUMN_PX = 608

#: Widest figure (inches) drawn by the package: at :data:`BOOK_COLUMN_PX` one point of
#: figure text is then at least 608 / (72 * 7) = 1.2 CSS px, so 10 pt text is about 12 px.
BOOK_FIGURE_WIDTH = 7.0

#: Smallest text a reader should get in a figure of the book (CSS px at desktop width).
MIN_TEXT_PX = 9.0

#: The one figure style of the book: font sizes (pt) for a figure at most
#: :data:`BOOK_FIGURE_WIDTH` wide; :func:`book_figure` adds constrained layout, so titles, colour-bar
#: labels and legends are placed inside the figure instead of being clipped.
BOOK_STYLE = {
    "font.size": 10.0,
    "axes.titlesize": 12.0,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 10.0,
    "ytick.labelsize": 10.0,
    "legend.fontsize": 10.0,
    "figure.titlesize": 12.0,
}


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib's defaults (done when this module is imported)."""
    matplotlib.rcParams.update(BOOK_STYLE)


def book_figure(width: float = BOOK_FIGURE_WIDTH, height: float = 3.2) -> Figure:
    """A :class:`~matplotlib.figure.Figure` in the book style, at most :data:`BOOK_FIGURE_WIDTH` wide."""
    return Figure(figsize=(min(width, BOOK_FIGURE_WIDTH), height), layout="constrained")


#: Lowest resolution (dpi) at which a chapter glues a figure's PNG into the book
#: (:func:`esgrisk.descriptive.figure_image`); a figure narrower than the column is shown at it.
BOOK_IMAGE_DPI = 100

#: Padding (inches) that ``bbox_inches="tight"`` adds on each side of a saved figure.
_TIGHT_PAD = 0.1


class FigureTextError(ValueError):
    """A figure of the book has text a reader cannot read: too small, or cut off."""


@dataclass(frozen=True)
class DrawnText:
    """One piece of text as the book shows it (:func:`drawn_texts`)."""

    text: str
    #: Size in CSS px at the width the book shows the figure.
    px: float
    #: Why part of it is not seen ("" when the whole text is inside the canvas and its clip box).
    clipped: str
    #: The matplotlib text artist.
    artist: object = field(default=None, compare=False, repr=False)
    #: Its extent on the canvas (display pixels at the measuring resolution).
    box: object = field(default=None, compare=False, repr=False)

    @property
    def where(self) -> str:
        """The axes the text belongs to, named by its title (tick labels included), or "the figure"."""
        fig = getattr(self.artist, "figure", None)
        for ax in getattr(fig, "axes", []):
            if self.artist is ax or any(t is self.artist for t in ax.findobj(type(self.artist))):
                title = next((t.get_text() for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()), "")
                return f"axes {title!r}" if title else f"axes {fig.axes.index(ax) + 1} (untitled)"
        return "the figure"

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 50 else self.text[:47] + "..."
        return f"{text!r} in {self.where}"


def shown_px_per_pt(fig: Figure, dpi: float = BOOK_IMAGE_DPI, column_px: float = BOOK_COLUMN_PX) -> float:
    """CSS px per point of font size as the book shows ``fig``.

    The PNG (``dpi``, tight box: the figure's width plus padding) is shown at its
    natural width, or scaled down to the column when wider: one point is
    ``dpi / 72`` px, times ``column_px / (width * dpi)`` when that is below 1.
    """
    width_in = fig.get_figwidth() + 2 * _TIGHT_PAD
    return min(dpi, column_px / width_in) / 72


def drawn_texts(fig: Figure, dpi: float = BOOK_IMAGE_DPI, column_px: float = BOOK_COLUMN_PX) -> list[DrawnText]:
    """Every non-empty text matplotlib draws for ``fig``, with its size in the book and any clipping.

    The figure is rendered once to memory (its canvas is not changed) and every
    text artist the renderer's ``draw_text`` draws (each line of a multi-line
    text included) is recorded once, so exactly the text a
    reader sees is measured: tick labels, legends, annotations, colour-bar
    labels, titles and text in axes; invisible text (hidden artists, hidden
    axes, switched-off tick labels, ticks outside the view, blank or
    transparent strings) is not drawn and so not counted. A text is clipped
    when its extent leaves the figure canvas or the clip rectangle it is drawn
    with (more than half a pixel).
    """
    from io import BytesIO

    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.text import Text

    per_pt = shown_px_per_pt(fig, dpi, column_px)
    found: list[DrawnText] = []
    seen: set[int] = set()
    drawing: list[Text] = []  # the text artist being drawn (the renderer gets no artist for multi-line text)
    draw_text, text_draw = RendererAgg.draw_text, Text.draw

    def record_artist(artist, renderer):
        drawing.append(artist)
        try:
            return text_draw(artist, renderer)
        finally:
            drawing.pop()

    def record(renderer, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        artist = mtext if mtext is not None else (drawing[-1] if drawing else None)
        if (artist is not None and id(artist) not in seen and s.strip()
                and (artist.get_alpha() is None or artist.get_alpha() > 0)):
            seen.add(id(artist))
            box = artist.get_window_extent(renderer)
            problems = []
            if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > renderer.width + 0.5 or box.y1 > renderer.height + 0.5:
                problems.append("leaves the figure")
            clip = gc.get_clip_rectangle()
            if clip is not None and (box.x0 < clip.x0 - 0.5 or box.y0 < clip.y0 - 0.5
                                     or box.x1 > clip.x1 + 0.5 or box.y1 > clip.y1 + 0.5):
                problems.append("is cut by its clip box")
            found.append(DrawnText(artist.get_text(), prop.get_size_in_points() * per_pt,
                                   " and ".join(problems), artist, box))
        return draw_text(renderer, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    RendererAgg.draw_text, Text.draw = record, record_artist
    try:
        fig.savefig(BytesIO(), format="png", dpi=dpi)
    finally:
        RendererAgg.draw_text, Text.draw = draw_text, text_draw
    return found


def rendered_text_px(fig: Figure, dpi: float = BOOK_IMAGE_DPI, column_px: float = BOOK_COLUMN_PX) -> float:
    """Size in CSS px of the smallest visible text of ``fig`` as the book shows it (:func:`drawn_texts`).

    ``inf`` for a figure without text.
    """
    return min((t.px for t in drawn_texts(fig, dpi, column_px)), default=float("inf"))


def overlapping_texts(texts: Sequence[DrawnText], tolerance: float = 1.0) -> list[tuple[DrawnText, DrawnText]]:
    """Pairs of texts whose extents overlap by more than ``tolerance`` px both across and up.

    Rotated text (an angle that is not a multiple of 90 degrees) is left out: its
    extent is the upright box around it, which overlaps its neighbours' boxes
    while the letters do not (the slanted labels of a heat map).
    """
    upright = [t for t in texts if t.box is not None and float(t.artist.get_rotation()) % 90 == 0]
    return [(a, b) for i, a in enumerate(upright) for b in upright[i + 1:]
            if min(a.box.x1, b.box.x1) - max(a.box.x0, b.box.x0) > tolerance
            and min(a.box.y1, b.box.y1) - max(a.box.y0, b.box.y0) > tolerance]


def check_figure_text(fig: Figure, name: str, min_px: float = MIN_TEXT_PX) -> list[DrawnText]:
    """Raise :class:`FigureTextError` unless every text of ``fig`` is legible and whole in the book.

    Legible: at least ``min_px`` CSS px at the width the book shows the figure,
    and not on top of another text (:func:`overlapping_texts`); whole: inside the
    canvas and its clip box (:func:`drawn_texts`). The error names the figure and
    each offending text. Returns the texts measured.
    """
    texts = drawn_texts(fig)
    small = sorted((t for t in texts if t.px < min_px - 1e-9), key=lambda t: t.px)  # the smallest first
    clipped = [t for t in texts if t.clipped]
    overlaps = overlapping_texts(texts)
    if small or clipped or overlaps:
        lines = ([f"{t} is {t.px:.1f} px" for t in small[:8]] + [f"{t} {t.clipped}" for t in clipped[:8]]
                 + [f"{a} overlaps {b}" for a, b in overlaps[:8]])
        more = len(small) + len(clipped) + len(overlaps) - len(lines)
        raise FigureTextError(
            f"figure {name}: text a reader cannot read (book column {BOOK_COLUMN_PX} px, "
            f"at least {min_px:g} px required): " + "; ".join(lines) + (f"; and {more} more" if more > 0 else ""))
    return texts


use_book_fonts()
use_book_style()
