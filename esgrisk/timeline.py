"""Timeline figure of the documented incidents (``data/events/incidents.csv``).

:func:`incident_timeline` takes the frame returned by
:func:`esgrisk.incidents.load_incidents` and draws one row per firm, dates on
the horizontal axis, one marker shape per event type, filled for events dated
to the day and hollow for events dated only to the month, with the event id
and the documented amount (records, accounts, money) as labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import text_to_path

from esgrisk.figures import BOOK_FIGURE_WIDTH, book_figure
from esgrisk.incidents import EVENT_TYPES, format_amount

#: Marker and colour of each event type (types absent from the data are not drawn).
TYPE_STYLE: dict[str, tuple[str, str]] = {
    "breach": ("o", "#cc0000"),
    "privacy_fine": ("s", "#674ea7"),
    "privacy_settlement": ("D", "#8e7cc3"),
    "antitrust": ("P", "#b45f06"),
    "safety": ("^", "#e69138"),
    "malware": ("X", "#990000"),
    "labour": ("v", "#bf9000"),
    "regulatory": ("h", "#3d85c6"),
    "ipo_suspension": ("p", "#0b5394"),
    "court_ruling": ("*", "#444444"),
    "esg_rating": ("d", "#134f5c"),
    "esg_initiative": ("8", "#38761d"),
}


#: Vertical distance (points) from a row's line to its first label lane, and between lanes.
_LANE_START, _LANE_STEP = 7.0, 11.0
#: Lanes tried for a label, nearest first: +1 above the row, -1 below it, then further out.
_LANES = (1, -1, 2, -2, 3, -3)
#: Horizontal room (inches) between two labels in one lane.
_LABEL_GAP_IN = 0.08


def _label_lanes(x_in: Sequence[float], widths_in: Sequence[float]) -> list[int]:
    """A lane for each label (centred at ``x_in``, sorted by ``x_in``) so that labels in a lane do not overlap.

    Greedy: each label takes the nearest lane whose last label ends before it
    starts; when none is free, the lane that frees first.
    """
    ends = dict.fromkeys(_LANES, -float("inf"))
    lanes = []
    for x, w in zip(x_in, widths_in, strict=True):
        left = x - w / 2
        lane = next((k for k in _LANES if ends[k] + _LABEL_GAP_IN <= left), min(_LANES, key=ends.get))
        ends[lane] = x + w / 2
        lanes.append(lane)
    return lanes


def incident_timeline(frame: pd.DataFrame, firms: Sequence[str] | None = None,
                      label_amounts: bool = True) -> Figure:
    """Draw the incident timeline; ``firms`` fixes the order of the rows (top to bottom).

    The figure is the book's width (:func:`esgrisk.figures.book_figure`); each
    label (event id and amount) is put in the nearest free lane above or
    below its firm's row so that labels do not overlap, and the rows are as
    far apart as the most crowded row needs.
    """
    unknown = sorted(set(frame["type"]) - set(TYPE_STYLE))
    if unknown:
        raise ValueError(f"no marker defined for event type(s) {unknown}")
    if firms is None:
        firms = list(frame.groupby("firm")["date"].min().sort_values().index)
    firms = list(firms)
    row = {firm: len(firms) - 1 - i for i, firm in enumerate(firms)}
    shown = frame[frame["firm"].isin(firms)].sort_values(["firm", "date"])

    label_size = FontProperties(size="small").get_size_in_points()
    texts = [ev.event_id + (f": {format_amount(ev.amount, ev.unit)}"
                            if label_amounts and format_amount(ev.amount, ev.unit) else "")
             for ev in shown.itertuples(index=False)]
    widths_in = [_text_width_pt(t, label_size) / 72 for t in texts]
    # the date axis: the events, with room for the outermost labels (axes about 1.4 in narrower than the figure)
    lo, hi = mdates.date2num(shown["date"].min()), mdates.date2num(shown["date"].max())
    axes_in = BOOK_FIGURE_WIDTH - 1.4
    days_per_in = (hi - lo) / max(axes_in - max(widths_in, default=0.0), 1.0)
    x_num = mdates.date2num(shown["date"])
    start = min(x_num - (np.asarray(widths_in) / 2 + 0.1) * days_per_in, default=lo)
    end = max(x_num + (np.asarray(widths_in) / 2 + 0.1) * days_per_in, default=hi)
    days_per_in = (end - start) / axes_in
    lanes = []
    for firm in shown["firm"].unique():
        at = (shown["firm"] == firm).to_numpy()
        lanes += _label_lanes(list((x_num[at] - start) / days_per_in), [w for w, a in zip(widths_in, at) if a])
    up = max([k for k in lanes if k > 0], default=0)
    down = -min([k for k in lanes if k < 0], default=0)
    row_pt = 2 * _LANE_START + (up + down) * _LANE_STEP + 4
    fig = book_figure(BOOK_FIGURE_WIDTH, len(firms) * row_pt / 72 + 1.9)
    ax = fig.add_subplot()
    for y in row.values():
        ax.axhline(y, color="#dddddd", linewidth=0.8, zorder=0)

    for ev, text, lane in zip(shown.itertuples(index=False), texts, lanes, strict=True):
        marker, color = TYPE_STYLE[ev.type]
        filled = ev.date_precision == "day"
        ax.plot(ev.date, row[ev.firm], marker=marker, markersize=9, linestyle="none",
                markerfacecolor=color if filled else "white", markeredgecolor=color,
                markeredgewidth=1.5, zorder=3)
        offset = (_LANE_START + (abs(lane) - 1) * _LANE_STEP) * (1 if lane > 0 else -1)
        ax.annotate(text, (mdates.date2num(ev.date), row[ev.firm]),
                    xytext=(0, offset), textcoords="offset points",
                    ha="center", va="bottom" if lane > 0 else "top", fontsize="small", zorder=4)

    ax.set_yticks(list(row.values()), list(row.keys()))
    # a row is row_pt points high: leave half a row (and the lanes) above the first and below the last
    ax.set_ylim(-0.5 - (down * _LANE_STEP) / row_pt, len(firms) - 0.5 + (up * _LANE_STEP) / row_pt)
    ax.set_xlim(start, end)
    ax.xaxis.set_major_locator(mdates.YearLocator(2 if (end - start) / 365.25 > 8 else 1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="x", color="#eeeeee")
    ax.set_xlabel("date of the event")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    present = [t for t in EVENT_TYPES if t in set(frame["type"])]
    handles = [
        Line2D([], [], marker=TYPE_STYLE[t][0], color=TYPE_STYLE[t][1], linestyle="none",
               markersize=7, label=t.replace("_", " "))
        for t in present
    ]
    handles.append(Line2D([], [], marker="o", color="#777777", markerfacecolor="white",
                          linestyle="none", markersize=7, label="hollow: month known only"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False,
               fontsize="small", handletextpad=0.3, columnspacing=1.2)
    return fig


def _text_width_pt(text: str, size: float) -> float:
    """Width in points of ``text`` in the default font at ``size`` points."""
    width, _, _ = text_to_path.get_text_width_height_descent(text, FontProperties(size=size), ismath=False)
    return width
