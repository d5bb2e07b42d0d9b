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
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

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


#: Vertical label offsets (points), cycled along a firm's row so neighbours do not collide.
_LABEL_OFFSETS = (8, -8, 19, -19)


def incident_timeline(frame: pd.DataFrame, firms: Sequence[str] | None = None,
                      label_amounts: bool = True) -> Figure:
    """Draw the incident timeline; ``firms`` fixes the order of the rows (top to bottom)."""
    unknown = sorted(set(frame["type"]) - set(TYPE_STYLE))
    if unknown:
        raise ValueError(f"no marker defined for event type(s) {unknown}")
    if firms is None:
        firms = list(frame.groupby("firm")["date"].min().sort_values().index)
    firms = list(firms)
    row = {firm: len(firms) - 1 - i for i, firm in enumerate(firms)}

    fig = Figure(figsize=(11, 0.95 * len(firms) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    for y in row.values():
        ax.axhline(y, color="#dddddd", linewidth=0.8, zorder=0)

    for firm, events in frame[frame["firm"].isin(firms)].groupby("firm", sort=False):
        for k, ev in enumerate(events.sort_values("date").itertuples(index=False)):
            marker, color = TYPE_STYLE[ev.type]
            filled = ev.date_precision == "day"
            ax.plot(ev.date, row[firm], marker=marker, markersize=10, linestyle="none",
                    markerfacecolor=color if filled else "white", markeredgecolor=color,
                    markeredgewidth=1.6, zorder=3)
            text = ev.event_id
            amount = format_amount(ev.amount, ev.unit) if label_amounts else ""
            if amount:
                text = f"{text}: {amount}"
            offset = _LABEL_OFFSETS[k % len(_LABEL_OFFSETS)]
            ax.annotate(text, (mdates.date2num(ev.date), row[firm]),
                        xytext=(0, offset), textcoords="offset points",
                        ha="center", va="bottom" if offset > 0 else "top", fontsize=7.5,
                        zorder=4)

    ax.set_yticks(list(row.values()), list(row.keys()))
    ax.set_ylim(-0.7, len(firms) - 0.3)
    start = frame["date"].min() - pd.DateOffset(months=8)
    end = frame["date"].max() + pd.DateOffset(months=8)
    ax.set_xlim(start, end)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="x", color="#eeeeee")
    ax.set_xlabel("date of the event")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    present = [t for t in EVENT_TYPES if t in set(frame["type"])]
    handles = [
        Line2D([], [], marker=TYPE_STYLE[t][0], color=TYPE_STYLE[t][1], linestyle="none",
               markersize=8, label=t.replace("_", " "))
        for t in present
    ]
    handles.append(Line2D([], [], marker="o", color="#777777", markerfacecolor="white",
                          linestyle="none", markersize=8, label="hollow: month known only"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=min(len(handles), 5), fontsize=8, frameon=False)
    return fig
