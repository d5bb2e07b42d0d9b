"""Figures of the audit and robustness chapters (matplotlib ``Figure`` objects, no pyplot state).

Presentation only: the numbers come from :mod:`esgrisk.audit`,
:mod:`esgrisk.public_data` and :mod:`esgrisk.robustness`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

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
    Growth uses a symmetric-log axis so that PDD's 2018 value fits.
    """
    fig = Figure(figsize=(10.5, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    for ax, (lo, mean, hi), label in ((ax1, growth_range, "revenue growth"),
                                      (ax2, assets_range, "ln total assets")):
        ax.axhspan(lo, hi, color="0.88", label=f"Table 1 range of {label}")
        ax.axhline(mean, color="0.4", lw=1, ls="--", label="Table 1 mean")
    for firm, grp in growth.groupby("firm"):
        ax1.plot(grp["year"], grp["growth"], marker=_FIRM_MARKERS.get(firm, "o"), label=firm,
                 color=_FIRM_COLOURS.get(firm))
    ax1.set_yscale("symlog", linthresh=0.5)
    top = max(float(growth["growth"].max()), 1.0)
    ticks = sorted({*growth_range, 0.0, *(v for v in (1.0, 2.0, 5.0, 10.0) if v <= top)})
    ax1.set_yticks(ticks)
    ax1.set_yticklabels([f"{v:g}" for v in ticks])
    ax1.set_xlabel("year (Alibaba: the year its fiscal year ends)")
    ax1.set_ylabel("year-on-year revenue growth (symlog scale)")
    ax1.legend(fontsize=7, loc="upper right")
    for (firm, cur), grp in logs.groupby(["firm", "currency"]):
        filled = grp["bound"] == "value"
        style = {"marker": _FIRM_MARKERS.get(firm, "o"), "ls": "-" if cur == "RMB" else ":",
                 "color": _FIRM_COLOURS.get(firm)}
        line = ax2.plot(grp["fiscal_year"], grp["log_assets"], label=f"{firm} ({cur})", **style)[0]
        if (~filled).any():
            ax2.plot(grp.loc[~filled, "fiscal_year"], grp.loc[~filled, "log_assets"], ls="none",
                     marker=style["marker"], mfc="white", color=line.get_color())
    ax2.set_xlabel("fiscal year (hollow: equity, a lower bound on assets)")
    ax2.set_ylabel("ln(total assets in currency units)")
    ax2.legend(fontsize=7, loc="lower right", ncol=2)
    fig.tight_layout()
    return fig


def plot_leave_one_out(lofo: pd.DataFrame, full: pd.DataFrame, max_firms: int = 40) -> Figure:
    """Leave-one-firm-out estimates per model, against the full-sample estimate and 95 % interval.

    ``lofo``: ``model, firm, estimate`` (from :func:`esgrisk.robustness.leave_one_firm_out`);
    ``full``: ``model, estimate, ci_low, ci_high``. With many firms only the
    ``max_firms`` most influential of each model are drawn.
    """
    models = list(full["model"])
    fig = Figure(figsize=(3.0 * len(models) + 1, 3.8))
    axes = np.atleast_1d(fig.subplots(1, len(models), sharey=False))
    for ax, model in zip(axes, models, strict=True):
        f = full.set_index("model").loc[model]
        sub = lofo[lofo["model"] == model].copy()
        sub = sub.reindex(sub["change"].abs().sort_values(ascending=False).index[:max_firms])
        sub = sub.sort_values("estimate")
        ax.axhspan(f["ci_low"], f["ci_high"], color="0.88")
        ax.axhline(f["estimate"], color="0.3", lw=1)
        ax.plot(np.arange(len(sub)), sub["estimate"], "o", ms=3)
        ax.set_title(model, fontsize=9)
        ax.set_xticks([])
        ax.set_xlabel("firm left out (sorted)")
    axes[0].set_ylabel("coefficient of risk events")
    fig.tight_layout()
    return fig


def plot_specification_curve(curve: pd.DataFrame, title: str) -> Figure:
    """Estimates with 95 % intervals sorted by size (top) and the choices behind each (bottom)."""
    ok = curve[curve["estimate"].notna()].sort_values("estimate").reset_index(drop=True)
    fig = Figure(figsize=(9.0, 5.6))
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
    top.set_ylabel("estimate, 95 % interval")
    if cut:
        top.text(0.01, 0.02, f"{cut} estimates outside the axis", transform=top.transAxes, fontsize=7)
    top.set_title(title, fontsize=10)
    dims = [("effects", ok["effects"]), ("estimator", ok["estimator"] + " " + ok["instrument"]),
            ("controls", ok["controls"]), ("cluster", ok["cluster"])]
    labels, ypos = [], 0
    for dim, values in dims:
        for level in sorted(values.unique()):
            hit = values == level
            bottom.plot(x[hit], np.full(hit.sum(), ypos), "|", ms=6, color="C0")
            text = f"{dim}: {level.strip()}"
            labels.append(text if len(text) < 44 else text[:41] + "...")
            ypos += 1
    bottom.set_yticks(range(len(labels)))
    bottom.set_yticklabels(labels, fontsize=6)
    bottom.set_xlabel("specification (sorted by estimate)")
    fig.tight_layout()
    return fig
