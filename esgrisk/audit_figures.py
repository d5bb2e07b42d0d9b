"""Figures of the audit and robustness chapters (matplotlib ``Figure`` objects, no pyplot state).

Presentation only: the numbers come from :mod:`esgrisk.audit`,
:mod:`esgrisk.public_data` and :mod:`esgrisk.robustness`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from esgrisk.figures import BOOK_FIGURE_WIDTH, book_figure

__all__ = ["plot_public_data", "plot_leave_one_out", "plot_specification_curve"]

_FIRMS = ["Alibaba", "Amazon", "JD", "PDD", "eBay"]
_FIRM_MARKERS = dict(zip(_FIRMS, "osD^v", strict=True))
_FIRM_COLOURS = {f: f"C{i}" for i, f in enumerate(_FIRMS)}


def plot_public_data(growth: pd.DataFrame, logs: pd.DataFrame, growth_range: tuple[float, float, float],
                     assets_range: tuple[float, float, float]) -> Figure:
    """Public revenue growth (left) and ln total assets (right) of the named firms against Table 1.

    ``growth`` has ``firm, year, growth`` (calendar years, comparable rows);
    ``logs`` has ``firm, fiscal_year, currency, log_assets, bound``. The
    ranges are (min, mean, max) of Table 1's rows, drawn as a band and a line.
    Growth uses a symmetric-log axis so that PDD's 2018 value fits. One legend
    below both panels: a firm has the same colour and marker in each, the line
    style gives the currency, a hollow marker a lower bound.
    """
    fig = book_figure(BOOK_FIGURE_WIDTH, 4.6)
    ax1, ax2 = fig.subplots(1, 2)
    for ax, (lo, mean, hi) in ((ax1, growth_range), (ax2, assets_range)):
        ax.axhspan(lo, hi, color="0.88")
        ax.axhline(mean, color="0.4", lw=1, ls="--")
    for firm, grp in growth.groupby("firm"):
        ax1.plot(grp["year"], grp["growth"], marker=_FIRM_MARKERS.get(firm, "o"), ms=5, color=_FIRM_COLOURS.get(firm))
    ax1.set_yscale("symlog", linthresh=0.5)
    top = max(float(growth["growth"].max()), 1.0)
    ticks = sorted({*growth_range, 0.0, *(v for v in (1.0, 2.0, 5.0, 10.0) if v <= top)})
    # tick labels closer than a text line (lo and 0, say) would overlap: keep the Table 1 values
    ax1.set_yticks(ticks)
    ax1.set_yticklabels([f"{v:g}" if v in growth_range or not _near(v, growth_range) else "" for v in ticks])
    ax1.set_xlabel("year (Alibaba: the year\nits fiscal year ends)")
    ax1.set_ylabel("revenue growth, year on year\n(symlog scale)")
    currencies = []
    for (firm, cur), grp in logs.groupby(["firm", "currency"]):
        filled = grp["bound"] == "value"
        style = {"marker": _FIRM_MARKERS.get(firm, "o"), "ms": 5, "ls": "-" if cur == "RMB" else ":",
                 "color": _FIRM_COLOURS.get(firm)}
        currencies.append(cur)
        line = ax2.plot(grp["fiscal_year"], grp["log_assets"], **style)[0]
        if (~filled).any():
            ax2.plot(grp.loc[~filled, "fiscal_year"], grp.loc[~filled, "log_assets"], ls="none",
                     marker=style["marker"], ms=5, mfc="white", color=line.get_color())
    ax2.set_xlabel("fiscal year")
    ax2.set_ylabel("ln(total assets in currency units)")
    for ax in (ax1, ax2):
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
    firms = sorted(set(growth["firm"]) | set(logs["firm"]))
    handles = [Line2D([], [], marker=_FIRM_MARKERS.get(f, "o"), color=_FIRM_COLOURS.get(f), ms=5, label=f)
               for f in firms]
    handles += [Patch(color="0.88", label="Table 1 range"), Line2D([], [], color="0.4", lw=1, ls="--",
                                                                    label="Table 1 mean")]
    if "RMB" in currencies:
        handles.append(Line2D([], [], color="0.2", ls="-", label="RMB (right)"))
    if any(c != "RMB" for c in currencies):
        handles.append(Line2D([], [], color="0.2", ls=":", label="US dollars (right)"))
    if (logs["bound"] != "value").any():
        handles.append(Line2D([], [], color="0.2", marker="o", ms=5, mfc="white", ls="none",
                              label="hollow: lower bound"))
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize="small",
               columnspacing=1.2, handlelength=1.8)
    return fig


def _near(value: float, others: tuple[float, ...]) -> bool:
    """Whether ``value`` lies within 0.08 of one of ``others`` (on the symlog axis, closer than a text line)."""
    return any(abs(value - o) < 0.08 for o in others)


def plot_leave_one_out(lofo: pd.DataFrame, full: pd.DataFrame, max_firms: int = 40) -> Figure:
    """Leave-one-firm-out estimates per model, against the full-sample estimate and 95 % interval.

    ``lofo``: ``model, firm, estimate`` (from :func:`esgrisk.robustness.leave_one_firm_out`);
    ``full``: ``model, estimate, ci_low, ci_high``. With many firms only the
    ``max_firms`` most influential of each model are drawn. Two panels a row at
    the book's width, so that the text stays legible.
    """
    models = list(full["model"])
    ncols = min(len(models), 2)
    nrows = -(-len(models) // ncols)
    fig = book_figure(BOOK_FIGURE_WIDTH if ncols > 1 else 3.6, 2.5 * nrows + 0.3)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    for spare in grid.flat[len(models):]:
        spare.set_visible(False)
    for ax, model in zip(grid.flat, models):
        f = full.set_index("model").loc[model]
        sub = lofo[lofo["model"] == model].copy()
        sub = sub.reindex(sub["change"].abs().sort_values(ascending=False).index[:max_firms])
        sub = sub.sort_values("estimate")
        ax.axhspan(f["ci_low"], f["ci_high"], color="0.88")
        ax.axhline(f["estimate"], color="0.3", lw=1)
        ax.plot(np.arange(len(sub)), sub["estimate"], "o", ms=3)
        ax.set_title(model)
        ax.set_xticks([])
        ax.yaxis.set_major_locator(MaxNLocator(4))
    for ax in grid[-1]:
        ax.set_xlabel("firm left out (sorted)")
    for ax in grid[:, 0]:
        ax.set_ylabel("coefficient of\nrisk events")
    return fig


def _choice_label(dim: str, level: str, all_controls: set[str]) -> str:
    """A short label of one choice of a specification (controls named by what is left out)."""
    level = level.strip()
    if dim != "controls":
        return f"{dim}: {level}"
    chosen = set() if level == "none" else set(level.split("+"))
    if chosen == all_controls:
        return "all controls"
    if not chosen:
        return "no controls"
    return "controls without " + ", ".join(sorted(all_controls - chosen))


def plot_specification_curve(curve: pd.DataFrame, title: str) -> Figure:
    """Estimates with 95 % intervals sorted by size (top) and the choices behind each (bottom)."""
    ok = curve[curve["estimate"].notna()].sort_values("estimate").reset_index(drop=True)
    fig = book_figure(BOOK_FIGURE_WIDTH, 6.4)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 3]})
    x = np.arange(len(ok))
    top.vlines(x, ok["ci_low"], ok["ci_high"], color="0.7", lw=0.8)
    top.plot(x, ok["estimate"], "o", ms=2.5)
    top.axhline(0, color="0.3", lw=0.8)
    # a weak instrument can give estimates and intervals far wider than the rest: the axis shows
    # the interquartile range of the estimates with a margin of 3 IQR, and says how many it cuts
    lo, hi = np.quantile(ok["estimate"], [0.25, 0.75]) if len(ok) else (0.0, 1.0)
    pad = 3 * max(hi - lo, 1e-6)
    top.set_ylim(lo - pad, hi + pad)
    cut = int(((ok["estimate"] < lo - pad) | (ok["estimate"] > hi + pad)).sum())
    top.set_ylabel("estimate,\n95 % interval")
    if cut:
        top.text(0.01, 0.03, f"{cut} estimates outside the axis", transform=top.transAxes, fontsize="small",
                 bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0})
    top.set_title(title)
    all_controls = {c for level in ok["controls"].unique() if level.strip() != "none" for c in level.strip().split("+")}
    dims = [("effects", ok["effects"]), ("estimator", ok["estimator"] + " " + ok["instrument"]),
            ("controls", ok["controls"]), ("cluster", ok["cluster"])]
    labels, ypos = [], 0
    for dim, values in dims:
        for level in sorted(values.unique()):
            hit = values == level
            bottom.plot(x[hit], np.full(hit.sum(), ypos), "|", ms=5, color="C0")
            labels.append(_choice_label(dim, level, all_controls))
            ypos += 1
        if dim != dims[-1][0]:
            bottom.axhline(ypos - 0.5, color="0.85", lw=0.8)
    bottom.set_yticks(range(len(labels)))
    bottom.set_yticklabels(labels, fontsize="small")
    bottom.set_ylim(-0.6, len(labels) - 0.4)
    bottom.set_xlabel("specification (sorted by estimate)")
    return fig
