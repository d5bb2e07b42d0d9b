"""Presentation: the book's estimates next to the paper's, and the AR figure.

Nothing here estimates; these functions take records or result objects from
:mod:`esgrisk.estimate`, :mod:`esgrisk.system` and :mod:`esgrisk.weakiv` and
the paper's numbers from :mod:`esgrisk.published`, and return tables and
figures (pyfixest's ``report/`` split).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from esgrisk import audit, published
from esgrisk.figures import book_figure
from esgrisk.weakiv import ARSet

__all__ = ["plot_coefficients", "compare_table2", "published_rows", "paper_first_stage_f", "compare_twosls",
           "paper_inconsistencies", "plot_ar_curves"]


_PAPER_COLUMN_ALIASES = {
    "coef": ("coef", "coefficient", "estimate", "b"),
    "se": ("se", "std_error", "std_err", "stderr", "std_errors"),
    "t": ("t", "tstat", "t_stat", "tvalue"),
    "p": ("p", "pvalue", "p_value", "pval"),
}


def _pick(columns: Sequence[str], key: str) -> str | None:
    lower = {c.lower(): c for c in columns}
    for alias in _PAPER_COLUMN_ALIASES[key]:
        if alias in lower:
            return lower[alias]
    return None


def compare_table2(record: Mapping[str, Any], published_table2: pd.DataFrame) -> pd.DataFrame:
    """Table 2 side by side: the paper's coef/SE/t/p and the book's, one row per variable.

    ``published_table2`` has one row per variable id (a ``variable`` column or
    the index) and coefficient, SE, t and p columns. Variables that the book's
    model does not estimate (e.g. absorbed ones) get missing book values.
    """
    table = published_table2.copy()
    if "variable" in table.columns:
        table = table.set_index("variable")
    cols = {k: _pick(list(table.columns), k) for k in _PAPER_COLUMN_ALIASES}
    rows = []
    for var in table.index:
        row: dict[str, Any] = {"variable": var}
        for key, col in cols.items():
            row[f"paper_{key}"] = float(table.at[var, col]) if col is not None else np.nan
        for key, field_name in (("coef", "params"), ("se", "std_errors"), ("t", "tstats"),
                                ("p", "pvalues")):
            row[f"book_{key}"] = record[field_name].get(var, np.nan)
        rows.append(row)
    return pd.DataFrame(rows).astype({c: float for c in rows[0] if c != "variable"})


def published_rows(published_twosls: pd.DataFrame) -> pd.DataFrame:
    """The paper's section-4.3 coefficients: claim id, hypothesis, direction, coef, p bound.

    Rows of :func:`esgrisk.published.twosls` that carry a coefficient; the
    direction comes from the ``regressor`` column (``esg`` means ESG -> risk).
    """
    table = published_twosls[published_twosls["coef"].notna()]
    direction = np.where(table["regressor"].astype(str) == "esg", "esg_to_risk", "risk_to_esg")
    return pd.DataFrame({
        "hypothesis": table["hypothesis"].astype(str).to_numpy(),
        "direction": direction,
        "paper": table["coef"].astype(float).to_numpy(),
        "paper_p": table["p_bound"].astype(str).to_numpy(),
    }, index=pd.Index(table.index.astype(str), name="claim"))


def paper_first_stage_f(published_twosls: pd.DataFrame) -> float:
    """The first-stage F statistic the paper prints for the industry-average ESG instrument."""
    return float(published_twosls.loc["first_stage_f", "statistic"])


def compare_twosls(published_twosls: pd.DataFrame, estimates: Mapping[str, Mapping[str, float]],
                       true_effects: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The paper's three section-4.3 coefficients next to the book's estimates and the truth.

    ``published_twosls`` comes from :func:`esgrisk.published.twosls`;
    ``estimates`` maps a column label (e.g. ``"2SLS"``) to a dict with keys
    ``esg_to_risk`` and ``risk_to_esg``. One row per printed coefficient (H2
    ESG -> risk, H3 risk -> ESG, H3 ESG -> risk); the book has one estimate per
    direction, so both ESG -> risk rows show the same book values.
    """
    out = published_rows(published_twosls)
    for label, est in estimates.items():
        out[label] = [float(est[d]) for d in out["direction"]]
    if true_effects is not None:
        out["simulation truth"] = [float(true_effects[d]) for d in out["direction"]]
    return out


def paper_inconsistencies() -> pd.DataFrame:
    """Facts, computed from the paper's printed numbers, that cannot all hold at once.

    Reads Table 1, Table 2, the 2SLS results and the text claims from
    ``data/published`` and returns one row per fact with the printed value,
    the value implied by the other printed numbers, their difference and what
    the simulation does about it.
    """
    t1 = published.table1()
    t2 = published.table2()
    ts = published.twosls()
    tc = published.text_claims()
    coef = t2["coef"]
    means = t1["mean"]
    ctrl = ["log_assets", "revenue_growth", "cr4", "reg_strength"]
    # the same computations as the replication audit (chapter 7), on the same printed numbers
    implied_mean = audit.fitted_at_means({v: coef[v] for v in ["risk_events", *ctrl]}, means, coef["const"])
    bound = audit.variance_bound(coef["risk_events"], t1.loc["risk_events", "sd"], t1.loc["esg", "sd"])
    beta_sd = bound["term_sd"]
    beta = coef["risk_events"]
    gamma = ts.loc["bidir_esg_to_risk", "coef"]
    kappa = 1 - beta * gamma
    reg_text = tc.loc["text_reg", "coef"]
    h2 = ts.loc["h2_esg_to_risk", "coef"]
    g = lambda v: f"{v:g}"  # noqa: E731  (printed numbers, as read from data/published)
    terms = " ".join(f"{'+' if coef[v] >= 0 else '-'} {g(abs(coef[v]))}*{g(means[v])}"
                     for v in ["risk_events", *ctrl])
    sd_r, sd_e = t1.loc["risk_events", "sd"], t1.loc["esg", "sd"]
    rows = [
        ("mean ESG implied by Table 2 at Table 1 means", f"{g(coef['const'])} {terms}",
         means["esg"], implied_mean, implied_mean - means["esg"],
         "honour the Table 1 mean; the level is carried by firm intercepts a_i, no single constant"),
        ("abs(beta) x SD(risk) vs SD(ESG)", f"{g(abs(beta))}*{g(sd_r)} vs {g(sd_e)}",
         sd_e, beta_sd, beta_sd - sd_e,
         "risk varies mostly between firms whose ESG levels co-move with their risk levels"),
        ("share of Var(ESG) explained by risk alone", f"({g(abs(beta))}*{g(sd_r)}/{g(sd_e)})^2",
         1.0, bound["share"], bound["share"] - 1.0,
         "a share above 1 is impossible without offsetting covariance"),
        ("regulation coefficient: text vs Table 2",
         f"{reg_text:.2f} (text) vs {coef['reg_strength']:.2f} (table)",
         coef["reg_strength"], reg_text, reg_text - coef["reg_strength"],
         "the simulation uses the table value"),
        ("ESG -> risk: H2 2SLS vs bidirectional check", f"{g(h2)} (H2) vs {g(gamma)} (H3)",
         gamma, h2, h2 - gamma,
         "the simulation uses the bidirectional system's value"),
        ("feedback multiplier 1/(1 - beta*gamma)", f"1/(1 - ({g(beta)})*({g(gamma)}))",
         np.nan, 1 / kappa, np.nan,
         f"every structural shock is amplified {1 / kappa:.1f}-fold in equilibrium"),
    ]
    return pd.DataFrame(rows, columns=["fact", "computation", "printed", "implied", "difference",
                                       "how the simulation handles it"])


# --------------------------------------------------------------------------- figure


def plot_ar_curves(sets: Mapping[str, ARSet], truths: Mapping[str, float] | None = None,
                   estimates: Mapping[str, float] | None = None, width: float | None = None):
    """One panel per AR set: the AR statistic against b0 with the critical value.

    Values of b0 where the curve lies below the dashed line form the
    confidence set. The horizontal range is the 2SLS estimate +/- ``width``;
    by default 2 for an unbounded set and four times the set's length (at
    least 0.2) for a bounded one. ``truths`` (optional) marks the
    simulation's true values, ``estimates`` the 2SLS estimates. Returns a bare
    :class:`matplotlib.figure.Figure`.
    """
    n = len(sets)
    ncols = min(n, 2)  # two panels a row keep the text legible at the book's width
    nrows = -(-n // ncols)
    fig = book_figure(3.5 * ncols, 3.0 * nrows + 0.6)
    grid_axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in grid_axes[n:]:
        ax.axis("off")
    axes = grid_axes[:n]
    for ax, (label, ar) in zip(axes, sets.items()):
        centre = (estimates or {}).get(label, float(np.median(ar.grid)))
        half = width
        if half is None:
            half = (max(4 * (ar.intervals[-1][1] - ar.intervals[0][0]), 0.2)
                    if ar.bounded and ar.intervals else 2.0)
        lo, hi = centre - half, centre + half
        grid = np.linspace(lo, hi, 801)
        ax.plot(grid, _ARCurve(ar).stat(grid), color="tab:blue", lw=1.5, label="AR statistic")
        ax.axhline(ar.critical_value, color="black", ls="--", lw=1,
                   label=f"{ar.level:.0%} critical value")
        for a, b in ar.intervals:
            ax.axvspan(max(a, lo), min(b, hi), color="tab:blue", alpha=0.12, lw=0)
        if truths and label in truths:
            ax.axvline(truths[label], color="tab:red", lw=1.2, label="simulation truth")
        if estimates and label in estimates:
            ax.axvline(estimates[label], color="tab:green", lw=1.2, ls=":", label="2SLS estimate")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, max(3 * ar.critical_value, 1.0))
        ax.set_title(label)
        ax.set_xlabel("hypothesised coefficient $b_0$")
    for ax in grid_axes[::ncols]:
        ax.set_ylabel("AR statistic (Wald / q)")
    legend = {lab: h for ax in axes for h, lab in zip(*ax.get_legend_handles_labels(), strict=True)}
    fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncols=2, frameon=False)
    return fig


def plot_coefficients(fits: Mapping[str, Any], labels: Mapping[str, str], variables: Sequence[str],
                      true_value: float | None = None):
    """One panel per variable: each model's estimate with its 95 % interval (``fit.conf_int(0.95)``).

    ``fits`` maps model ids to fitted results (``params``, ``conf_int``);
    ``labels`` gives the models drawn, top to bottom, and their names. Models
    whose id contains "iv" (instrumented) are orange, the others blue; a
    variable a model absorbs is marked "absorbed". ``true_value`` (optional)
    is drawn as a dashed line in the first panel. Three panels a row at the
    book's width, one legend below.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    models = [m for m in labels if m in fits]
    ncols = min(3, len(variables))
    nrows = -(-len(variables) // ncols)
    fig = book_figure(7.0, 2.3 * nrows + 0.9)
    grid = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    for spare in grid.flat[len(variables):]:
        spare.set_visible(False)
    ypos = np.arange(len(models))[::-1]
    for ax, var in zip(grid.flat, variables):
        for y, model_id in zip(ypos, models, strict=True):
            fit = fits[model_id]
            if var not in fit.params.index:
                ax.text(0.5, y, "absorbed", transform=ax.get_yaxis_transform(),
                        ha="center", va="center", fontsize="small", color="0.4")
                continue
            lo, hi = fit.conf_int(0.95).loc[var]
            est = fit.params[var]
            ax.errorbar(est, y, xerr=[[est - lo], [hi - est]], fmt="o", ms=4, capsize=2,
                        color="C1" if "iv" in model_id else "C0")
        if var == variables[0] and true_value is not None:
            ax.axvline(true_value, color="C3", linestyle="--")
        ax.axvline(0, color="0.7", linewidth=0.8)
        ax.set_title(var)
        ax.set_yticks(ypos, [labels[m] for m in models])
        ax.set_ylim(-0.6, len(models) - 0.4)
        ax.xaxis.set_major_locator(MaxNLocator(3))
        ax.tick_params(axis="x", labelsize="small")
    handles = [Line2D([], [], color="C0", marker="o", ls="none", label="exogenous risk events"),
               Line2D([], [], color="C1", marker="o", ls="none", label="instrumented (IV)")]
    if true_value is not None:
        handles.append(Line2D([], [], color="C3", ls="--", label=f"simulation's true value ({true_value:g})"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize="small")
    return fig


class _ARCurve:
    """Evaluate the AR statistic of a computed set anywhere (interpolating its grid)."""

    def __init__(self, ar: ARSet):
        self.ar = ar

    def stat(self, b: np.ndarray) -> np.ndarray:
        pieces = getattr(self.ar, "pieces", None)
        if pieces is not None:
            return pieces.stat(b)
        return np.interp(b, self.ar.grid, self.ar.stats)
