"""Descriptive statistics of the firm-year panel (chapter 3).

Small pure functions: the book's Table 1 next to the paper's, a Stata
``xtsum``-style overall / between / within decomposition, a correlation matrix
and three matplotlib figures. Figures are built as bare
:class:`matplotlib.figure.Figure` objects (not through pyplot), so they are
shown only where a notebook displays or glues them. Nothing here reads files; the notebook passes in
a panel returned by :func:`esgrisk.panel.load_panel` and the paper's Table 1
from :func:`esgrisk.published.table1`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from esgrisk.figures import BOOK_FIGURE_WIDTH, book_figure, label_firms
from esgrisk.i18n import tr
from esgrisk.prose import Text, text

#: The variables of the paper's Table 1, in the paper's order.
TABLE1_VARIABLES = ("risk_events", "esg", "log_assets", "revenue_growth", "cr4", "reg_strength")

#: Labels for tables and figures.
LABELS = {
    "risk_events": "Security-risk events",
    "esg": "ESG score",
    "log_assets": "Firm size (log assets)",
    "revenue_growth": "Revenue growth",
    "cr4": "Competition (CR4)",
    "reg_strength": "Regulatory strength",
    "region_incidents": "Regional incidents",
}

_STATS = ("mean", "sd", "min", "max")
_ALIASES = {"std": "sd", "std_dev": "sd", "sd": "sd", "mean": "mean", "min": "min", "max": "max",
            "minimum": "min", "maximum": "max"}


def summary_stats(panel: pd.DataFrame, columns: Sequence[str] = TABLE1_VARIABLES) -> pd.DataFrame:
    """Mean, sample SD (n-1), min, max and N of ``columns``, one row per variable."""
    data = panel[list(columns)].astype(float)
    out = pd.DataFrame({
        "n": data.count(),
        "mean": data.mean(),
        "sd": data.std(ddof=1),
        "min": data.min(),
        "max": data.max(),
    })
    out.index.name = "variable"
    return out


def _normalise_published(published: pd.DataFrame) -> pd.DataFrame:
    """Index the paper's Table 1 by variable id with columns mean, sd, min, max."""
    table = published.copy()
    if "variable" in table.columns:
        table = table.set_index("variable")
    table = table.rename(columns={c: _ALIASES.get(str(c).lower(), c) for c in table.columns})
    missing = [s for s in _STATS if s not in table.columns]
    if missing:
        raise ValueError(f"published Table 1 lacks columns {missing}; has {list(table.columns)}")
    table.index = table.index.astype(str)
    return table[list(_STATS)].astype(float)


def table1_comparison(panel: pd.DataFrame, published_table1: pd.DataFrame) -> pd.DataFrame:
    """The book's Table 1 next to the paper's, with differences.

    Returns one row per variable present in both, with columns
    ``book_<stat>``, ``paper_<stat>``, ``diff_<stat>`` (book minus paper) for
    mean, sd, min and max, plus ``mean_diff_in_paper_sd`` = (book mean - paper
    mean) / paper SD, a scale-free distance, and ``sd_ratio`` = book SD / paper SD.
    """
    paper = _normalise_published(published_table1)
    variables = [v for v in TABLE1_VARIABLES if v in paper.index and v in panel.columns]
    variables += [v for v in paper.index if v not in variables and v in panel.columns]
    book = summary_stats(panel, variables)
    out = pd.DataFrame(index=pd.Index(variables, name="variable"))
    for stat in _STATS:
        out[f"book_{stat}"] = book.loc[variables, stat]
        out[f"paper_{stat}"] = paper.loc[variables, stat]
        out[f"diff_{stat}"] = out[f"book_{stat}"] - out[f"paper_{stat}"]
    out["mean_diff_in_paper_sd"] = out["diff_mean"] / out["paper_sd"]
    out["sd_ratio"] = out["book_sd"] / out["paper_sd"]
    return out


def variance_shares(panel: pd.DataFrame, column: str, entity: str = "firm") -> dict[str, float]:
    """Exact sum-of-squares split of ``column`` into between- and within-``entity`` parts.

    total SS = sum (x_it - x..)^2 = between SS + within SS, with between SS =
    sum_i T_i (x_i. - x..)^2 and within SS = sum (x_it - x_i.)^2. The shares add
    to one (the identity is tested).
    """
    x = panel[column].astype(float)
    firm_mean = x.groupby(panel[entity]).transform("mean")
    total = float(((x - x.mean()) ** 2).sum())
    within = float(((x - firm_mean) ** 2).sum())
    between = float(((firm_mean - x.mean()) ** 2).sum())
    share = within / total if total > 0 else float("nan")
    return {"total_ss": total, "between_ss": between, "within_ss": within, "within_share": share,
            "between_share": 1.0 - share if total > 0 else float("nan")}


def xtsum(panel: pd.DataFrame, columns: Sequence[str] = TABLE1_VARIABLES,
          entity: str = "firm") -> pd.DataFrame:
    """Overall / between / within statistics like Stata's ``xtsum``.

    For each variable x (Stata's definitions):
    - overall: mean, SD (n-1 denominator), min, max of x_it over all N rows;
    - between: SD, min, max of the firm means x_i. (SD over the n firms, n-1);
    - within: SD, min, max of x_it - x_i. + x.. (SD over N rows, N-1).
    ``within_share`` is the exact share of the total sum of squares that lies
    within firms (:func:`variance_shares`); Stata's SDs use different
    denominators, so their squares do not add up, the shares do.
    Columns: mean, sd_overall, min_overall, max_overall, sd_between,
    min_between, max_between, sd_within, min_within, max_within, within_share,
    N, n, T_bar.
    """
    rows = {}
    groups = panel[entity]
    n_firms = int(groups.nunique())
    for col in columns:
        x = panel[col].astype(float)
        grand = float(x.mean())
        firm_means = x.groupby(groups).mean()
        within = x - x.groupby(groups).transform("mean") + grand
        rows[col] = {
            "mean": grand,
            "sd_overall": float(x.std(ddof=1)),
            "min_overall": float(x.min()),
            "max_overall": float(x.max()),
            "sd_between": float(firm_means.std(ddof=1)),
            "min_between": float(firm_means.min()),
            "max_between": float(firm_means.max()),
            "sd_within": float(within.std(ddof=1)),
            "min_within": float(within.min()),
            "max_within": float(within.max()),
            "within_share": variance_shares(panel, col, entity)["within_share"],
            "N": int(x.count()),
            "n": n_firms,
            "T_bar": float(x.count()) / n_firms,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "variable"
    return out


def correlation_matrix(panel: pd.DataFrame, columns: Sequence[str] = TABLE1_VARIABLES,
                       within: bool = False, entity: str = "firm") -> pd.DataFrame:
    """Pearson correlations of ``columns``; with ``within=True`` after removing firm means."""
    data = panel[list(columns)].astype(float)
    if within:
        data = data - data.groupby(panel[entity]).transform("mean")
    return data.corr()


def firm_order(panel: pd.DataFrame, max_firms: int | None = None, entity: str = "firm",
               seed: int | None = None) -> list[str]:
    """The firms drawn in per-firm figures, sorted by name.

    All of them when there are at most ``max_firms``; otherwise the first
    ``max_firms`` in alphabetical order, or, with a ``seed``, ``max_firms``
    drawn at random without replacement (so a panel of thousands of firms is
    represented by a sample, not by the firms whose names sort first).
    """
    firms = sorted(panel[entity].astype(str).unique())
    if max_firms is None or len(firms) <= max_firms:
        return firms
    if seed is None:
        return firms[:max_firms]
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(np.array(firms, dtype=object), size=max_firms, replace=False).tolist())


def _rows_of(panel: pd.DataFrame, firms: Sequence[str], entity: str) -> dict[str, pd.DataFrame]:
    """The rows of each of ``firms`` (one pass over the panel, not one per firm)."""
    ids = panel[entity].astype(str)
    chosen = panel[ids.isin(set(firms))]
    return dict(tuple(chosen.groupby(ids[chosen.index])))


def firms_shown_note(panel: pd.DataFrame, firms: Sequence[str], seed: int | None = None,
                     entity: str = "firm") -> Text:
    """The caption's sentence saying which firms a per-firm figure shows (a Text: English, translatable)."""
    total = int(panel[entity].nunique())
    if len(firms) >= total:
        return text("All {total:,} firms are shown.", total=total)
    how = tr("drawn at random (seed {seed})", seed=seed) if seed is not None else tr("first in alphabetical order")
    return text("{shown:,} of the panel's {total:,} firms, {how}, are shown; pooled quantities use all "
                "{nobs:,} firm-years.", shown=len(firms), total=total, how=how, nobs=len(panel))


def plot_small_multiples(panel: pd.DataFrame, max_firms: int | None = 12, entity: str = "firm",
                         ncols: int = 3, seed: int | None = None) -> Figure:
    """One small panel per firm: ESG (left axis) and risk events (right axis) by year.

    All panels share the same y scales so levels are comparable across firms.
    With more than ``max_firms`` firms only a sample is drawn (:func:`firm_order`).
    The figure is the book's width with at most ``ncols`` panels a row (two
    for four firms), so that its text stays legible (:data:`esgrisk.figures.BOOK_STYLE`).
    """
    firms = firm_order(panel, max_firms, entity, seed)
    by_firm = _rows_of(panel, firms, entity)
    labels, _ = label_firms(firms)
    ncols = max(1, min(ncols, len(firms), 2 if len(firms) == 4 else ncols))
    nrows = int(np.ceil(len(firms) / ncols))
    fig = book_figure(BOOK_FIGURE_WIDTH, 1.55 * nrows + 0.7)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    esg_lim = (panel["esg"].min() - 2, panel["esg"].max() + 2)
    risk_lim = (0, panel["risk_events"].max() * 1.1 + 1)
    first_twin = None
    for k, (ax, firm) in enumerate(zip(axes.flat, firms)):
        rows = by_firm[firm].sort_values("year")
        ax.plot(rows["year"], rows["esg"], color="tab:green", marker="o", ms=3, label="ESG")
        ax.set_ylim(*esg_lim)
        ax.set_title(labels[firm], fontsize="medium", pad=3)
        ax.tick_params(labelsize="small", colors="tab:green", axis="y")
        ax.tick_params(labelsize="small", axis="x")
        ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
        twin = ax.twinx()
        if first_twin is None:
            first_twin = twin
        else:
            twin.sharey(first_twin)
        twin.plot(rows["year"], rows["risk_events"], color="tab:red", marker="s", ms=3,
                  ls="--", label="risk events")
        twin.set_ylim(*risk_lim)
        last_col = (k % ncols == ncols - 1) or (k == len(firms) - 1)
        twin.tick_params(labelsize="small", colors="tab:red", labelright=last_col)
    for ax in list(axes.flat)[len(firms):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color="tab:green", marker="o", label="ESG score (left axis)"),
               Line2D([], [], color="tab:red", marker="s", ls="--",
                          label="security-risk events (right axis)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


def figure_image(fig: Figure, dpi: int = 100):
    """PNG of ``fig`` as an ``IPython.display.Image`` for ``myst_nb.glue``.

    The figures of this module set their margins themselves, so the PNG is
    rendered once (no ``bbox_inches="tight"``, which draws the figure twice).
    """
    from io import BytesIO

    from IPython.display import Image

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return Image(data=buffer.getvalue(), format="png")


def within_slope(panel: pd.DataFrame, x: str = "esg", y: str = "risk_events",
                 entity: str = "firm") -> float:
    """Slope of y on x after removing firm means (the fixed-effects slope, no controls)."""
    xd = panel[x] - panel.groupby(entity)[x].transform("mean")
    yd = panel[y] - panel.groupby(entity)[y].transform("mean")
    denom = float((xd ** 2).sum())
    return float((xd * yd).sum() / denom) if denom > 0 else float("nan")


def plot_scatter_within(panel: pd.DataFrame, x: str = "esg", y: str = "risk_events",
                        max_firms: int | None = 12, entity: str = "firm", seed: int | None = None) -> Figure:
    """Scatter of ``y`` against ``x`` with each firm's own least-squares line.

    The pooled (between + within) line, over all firm-years, is drawn dashed for
    contrast; firm lines show the within-firm association the fixed-effects
    models use. With more than ``max_firms`` firms, every firm-year is drawn as
    a light grey background and a sample of firms (:func:`firm_order`) in colour.
    """
    firms = firm_order(panel, max_firms, entity, seed)
    fig = book_figure(6.4, 4.4)
    ax = fig.subplots()
    cmap = matplotlib.colormaps["tab20"]
    if len(firms) < panel[entity].nunique():
        ax.scatter(panel[x], panel[y], s=3, color="0.8", alpha=0.5, lw=0, rasterized=True,
                   label="all firm-years")
    by_firm = _rows_of(panel, firms, entity)
    for k, firm in enumerate(firms):
        rows = by_firm[firm]
        color = cmap(k % 20)
        ax.scatter(rows[x], rows[y], s=14, color=color, alpha=0.8)
        if rows[x].nunique() > 1:
            slope, intercept = np.polyfit(rows[x].astype(float), rows[y].astype(float), 1)
            xs = np.linspace(rows[x].min(), rows[x].max(), 2)
            ax.plot(xs, intercept + slope * xs, color=color, lw=1.2)
    sub = panel
    if sub[x].nunique() > 1:
        slope, intercept = np.polyfit(sub[x].astype(float), sub[y].astype(float), 1)
        xs = np.linspace(sub[x].min(), sub[x].max(), 2)
        ax.plot(xs, intercept + slope * xs, color="black", ls="--", lw=1.5, label="pooled OLS line")
        ax.legend(loc="upper right", fontsize="small", frameon=False)
    ax.set_xlabel(LABELS.get(x, x))
    ax.set_ylabel(LABELS.get(y, y))
    return fig


def plot_correlation_heatmap(corr: pd.DataFrame, title: str | None = None) -> Figure:
    """Heat map of a correlation matrix with the coefficients printed in the cells."""
    labels = [LABELS.get(c, c) for c in corr.columns]

    fig = book_figure(6.4, 5.4)  # constrained layout leaves room for the colour-bar label
    ax = fig.subplots()
    im = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    values = corr.to_numpy()
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center",
                    color="white" if abs(values[i, j]) > 0.6 else "black")
    fig.colorbar(im, ax=ax, shrink=0.8, label="Pearson correlation")
    if title:
        ax.set_title(title)
    return fig


def plot_between_within(panel: pd.DataFrame, x: str = "risk_events", y: str = "esg",
                        entity: str = "firm") -> Figure:
    """``y`` against ``x``: left as the firm-years are, right as deviations from each firm's mean.

    One colour per firm (the 20 colours of ``tab20``, repeating beyond 20
    firms). Every firm-year is drawn in one scatter call per side, so the
    figure costs the same few calls for 12 firms or 5,000 (points are
    rasterised beyond 2,000 firm-years to keep the image file small).
    """
    codes = pd.factorize(panel[entity].astype(str), sort=True)[0]
    colors = matplotlib.colormaps["tab20"](codes % 20)
    dx = panel[x] - panel.groupby(entity)[x].transform("mean")
    dy = panel[y] - panel.groupby(entity)[y].transform("mean")
    many = len(panel) > 2000
    size = 4 if many else 14
    fig = book_figure(BOOK_FIGURE_WIDTH, 3.6)
    axes = fig.subplots(1, 2)
    axes[0].scatter(panel[x], panel[y], s=size, c=colors, lw=0, rasterized=many)
    axes[1].scatter(dx, dy, s=size, c=colors, lw=0, rasterized=many)
    axes[0].set(xlabel=LABELS.get(x, x), ylabel=LABELS.get(y, y), title="pooled firm-years")
    axes[1].set(xlabel=f"{LABELS.get(x, x)},\ndeviation from firm mean",
                ylabel=f"{LABELS.get(y, y)},\ndeviation from firm mean", title="within firms")
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def colour_note(panel: pd.DataFrame, entity: str = "firm") -> str:
    """The caption's sentence on colours: one per firm, or repeating when there are more than 20."""
    n = int(panel[entity].nunique())
    return "" if n <= 20 else text("With {n:,} firms the 20 colours repeat, so a colour no longer identifies "
                                   "one firm.", n=n)
