# %% [markdown]
# (ch-descriptive)=
# # Descriptive statistics
#
# ```{admonition} Simulated data
# :class: warning
# By default this chapter describes the book's calibrated simulation
# (`data/simulated/panel.csv`), not the paper's firm data, which were not
# published. The simulation was tuned to reproduce the paper's Table 1, so
# agreement with Table 1 below is a check of the calibration, not evidence
# about real firms. To describe real data, pass a panel that follows the panel
# contract:
# `papermill notebooks/03_descriptive.ipynb out.ipynb -p panel_path my_panel.csv`.
# ```
#
# Before any model, this chapter looks at the panel itself: the paper's Table 1
# recomputed and set beside the printed one {cite:p}`zhang2025security`, how
# much of each variable's variation lies within firms over time (the only
# variation a fixed-effects model uses), the correlations, and two pictures of
# how ESG scores and security-risk events move together.
#
# - **Inputs:** the panel (`panel_path`); the paper's Table 1
#   (`data/published/table1.csv` through `esgrisk.published.table1()`).
# - **Outputs:** `descriptive_table1.csv` (book vs paper) and
#   `descriptive_xtsum.csv` (between/within decomposition) in `results_dir`;
#   {numref}`fig-desc-corr`, {numref}`fig-desc-corr-within`,
#   {numref}`fig-desc-trajectories`, {numref}`fig-desc-scatter`; every table
#   and figure also as `tables/<name>.csv` or `figures/<name>.png` in
#   `results_dir`.
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/03_descriptive.py`, then
#   `papermill notebooks/03_descriptive.ipynb out.ipynb -p panel_path my_panel.csv -p results_dir my_results`.

# %% [markdown]
# ```{include} ../book/teaching/03_descriptive.objectives.md
# ```

# %% tags=["parameters"]
panel_path = "data/simulated/panel.csv"  # .csv, .xlsx, .dta or .parquet following the panel contract
panel_encoding = None  # CSV only: a Python codec such as "gb18030"; None = UTF-8
panel_columns = None  # {"your column": "contract column"}, or a YAML / JSON file holding that mapping
results_dir = "results"
seed = None  # None = esgrisk.simulate.DEFAULT_SEED
panel_accept = []  # plausibility rules waived on purpose, e.g. ["esg_unit_scale"] (esgrisk.panel.PLAUSIBILITY)

# %% tags=["hide-input"]
from esgrisk.panel import load_panel
from esgrisk.simulate import seed_or_default

panel = load_panel(panel_path, encoding=panel_encoding, columns=panel_columns, accept=panel_accept)
seed = seed_or_default(seed)

# %% tags=["hide-input"]
import numpy as np
from IPython.display import Markdown
from myst_nb import glue

from esgrisk import descriptive as ds
from esgrisk import published
from esgrisk.descriptive import figure_image as to_image
from esgrisk.figures import glue_figure, label_firms
from esgrisk.i18n import glue_i18n, tr
from esgrisk.paths import display_path, output_dir
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)

comparison = ds.table1_comparison(panel, published.table1())
xt = ds.xtsum(panel)
comparison.to_csv(out_dir / "descriptive_table1.csv", float_format="%.10g")
xt.to_csv(out_dir / "descriptive_xtsum.csv", float_format="%.10g")

labels = {v: ds.LABELS.get(v, v) for v in ds.TABLE1_VARIABLES}


n_obs, n_firms, n_years = len(panel), panel["firm"].nunique(), panel["year"].nunique()
glue("n_obs", n_obs, display=False)
glue("panel_file", Markdown(f"`{display_path(panel_path)}`"), display=False)
glue("n_firms", n_firms, display=False)
glue("n_years", n_years, display=False)
glue("year_min", int(panel["year"].min()), display=False)
glue("year_max", int(panel["year"].max()), display=False)

worst = comparison["mean_diff_in_paper_sd"].abs().idxmax()
glue_i18n("worst_var", tr(labels[worst]) if worst in labels else worst)
glue("worst_diff_sd", float(comparison.loc[worst, "mean_diff_in_paper_sd"]), display=False)
glue("max_abs_diff_sd", float(comparison["mean_diff_in_paper_sd"].abs().max()), display=False)
glue("sd_ratio_min", float(comparison["sd_ratio"].min()), display=False)
glue("sd_ratio_max", float(comparison["sd_ratio"].max()), display=False)

# %% [markdown]
# ## Table 1, recomputed
#
# The panel (read from {glue:md}`panel_file`) has {glue:text}`n_obs`
# firm-years: {glue:text}`n_firms` firms observed from {glue:text}`year_min` to
# {glue:text}`year_max`. {numref}`tbl-desc-table1` sets
# the mean, standard deviation, minimum and maximum of the six variables of
# the paper's Table 1 beside the printed values. The last two columns put the
# gaps on a common scale: the difference of means measured in the paper's
# standard deviations, and the ratio of the two standard deviations.

# %%
table1_view = comparison[[
    "book_mean", "paper_mean", "book_sd", "paper_sd", "book_min", "paper_min",
    "book_max", "paper_max", "mean_diff_in_paper_sd", "sd_ratio",
]].rename(index=labels)
show_table(table1_view,
           "Table 1 of the book (this panel) and of the paper. Differences in means are in "
           "units of the paper's SD; sd_ratio = book SD / paper SD.",
           "tbl-desc-table1", digits=3, index=True, save_dir=out_dir)

# %% [markdown]
# The largest gap in means is for {glue:text}`worst_var`,
# {glue:text}`worst_diff_sd:.2f` of the paper's standard deviations, and the
# standard deviations lie between {glue:text}`sd_ratio_min:.2f` and
# {glue:text}`sd_ratio_max:.2f` times the printed ones. On the default panel
# this only confirms that the simulation was calibrated to Table 1. Two limits
# of Table 1 itself matter for what follows. First, four moments per variable
# say nothing about how the variables move together, which is what every
# estimate in this book depends on. Second, they mix two sources of variation,
# differences between firms and changes within a firm over time, which the
# models treat very differently.

# %% tags=["hide-input"]
def share(var):
    return float(xt.loc[var, "within_share"])


glue("within_esg", 100 * share("esg"), display=False)
glue("within_risk", 100 * share("risk_events"), display=False)
glue("within_size", 100 * share("log_assets"), display=False)
glue("within_reg", 100 * share("reg_strength"), display=False)
glue("within_cr4", 100 * share("cr4"), display=False)
cr4_year_level = bool((panel.groupby("year")["cr4"].nunique() <= 1).all())
glue_i18n("cr4_note",
          tr("CR4 is measured for the industry as a whole, so every firm has the same value in a year and the "
             "firm means coincide: all of its variation is within firms, and all of that is year-to-year "
             "variation.")
          if cr4_year_level else
          tr("CR4 differs across firms within a year in this panel, so it is not a pure industry series."))

# %% [markdown]
# (sec-between-within)=
# ## Between and within firms
#
# Stata's `xtsum` splits each variable's spread into a *between* part (the
# standard deviation of the firm averages) and a *within* part (the standard
# deviation of the deviations from the firm's own average, re-centred on the
# grand mean). The standard deviations use different denominators and do not
# add up, so the last column reports an exact split instead: the share of the
# total sum of squares that lies within firms. A fixed-effects model
# {cite:p}`wooldridge2010econometric` discards the between part and learns only
# from the within part.

# %%
xt_view = xt[["mean", "sd_overall", "sd_between", "sd_within", "min_within", "max_within",
              "within_share"]].rename(index=labels)
show_table(xt_view,
           "Overall, between-firm and within-firm variation (Stata xtsum definitions); "
           "within_share = within-firm sum of squares / total sum of squares.",
           "tbl-desc-xtsum", digits=3, index=True, save_dir=out_dir)

# %% [markdown]
# Of the variation of the ESG score, {glue:text}`within_esg:.1f` % lies within
# firms; for risk events the share is {glue:text}`within_risk:.1f` %, for firm
# size {glue:text}`within_size:.1f` %, and for regulatory strength, which is
# set by the firm's region, {glue:text}`within_reg:.1f` %.
# {glue:text}`cr4_note` With firm effects,
# a variable with a small within share is estimated from little information,
# and a variable with no within variation cannot be estimated at all.
#
# ## Correlations

# %% tags=["hide-input"]
corr_pooled = ds.correlation_matrix(panel)
corr_within = ds.correlation_matrix(panel, within=True)
fig_corr = ds.plot_correlation_heatmap(corr_pooled, title="Pooled (all firm-years)")
fig_corr_w = ds.plot_correlation_heatmap(corr_within, title="Within firms (firm means removed)")
glue_figure("fig_desc_corr", fig_corr, out_dir, "fig-desc-corr", image=to_image)
glue_figure("fig_desc_corr_within", fig_corr_w, out_dir, "fig-desc-corr-within", image=to_image)
glue("corr_pooled", float(corr_pooled.loc["esg", "risk_events"]), display=False)
glue("corr_within", float(corr_within.loc["esg", "risk_events"]), display=False)

# %% [markdown]
# ```{glue:figure} fig_desc_corr
# :name: fig-desc-corr
#
# Pearson correlations of the six Table 1 variables over all firm-years.
# ```
#
# ```{glue:figure} fig_desc_corr_within
# :name: fig-desc-corr-within
#
# The same correlations after each firm's averages are subtracted: the
# co-movement a fixed-effects model sees.
# ```
#
# Across all firm-years, ESG and risk events correlate at
# {glue:text}`corr_pooled:.2f`; within firms the correlation is
# {glue:text}`corr_within:.2f`. The two numbers answer different questions.
# The pooled one compares firms with each other, and firms that differ in risk
# also differ in size, business model and region. The within one asks whether a
# firm's ESG score is lower in the years in which it has more incidents. The
# paper's hypotheses are about the second question, but even a strong within
# correlation is not yet causal: it cannot say which way the influence runs,
# which is the subject of chapters {numref}`%s <ch-fixed-effects>` and {numref}`%s <ch-bidirectional>`.
#
# ## Firm by firm

# %% tags=["hide-input"]
max_firms = 12  # per-firm figures show at most this many firms: all of them, or a random sample (seed)
shown_firms = ds.firm_order(panel, max_firms, seed=seed)
fig_traj = ds.plot_small_multiples(panel, max_firms=max_firms, seed=seed)
glue_figure("fig_desc_trajectories", fig_traj, out_dir, "fig-desc-trajectories", image=to_image)
glue_i18n("firms_shown_note", ds.firms_shown_note(panel, shown_firms, seed=seed))
glue("traj_names_note", label_firms(shown_firms)[1], display=False)

# %% [markdown]
# ```{glue:figure} fig_desc_trajectories
# :name: fig-desc-trajectories
#
# ESG score (green, left axis) and security-risk events (red, dashed, right
# axis) of each firm by year; all panels share the same scales.
# {glue:text}`firms_shown_note` {glue:text}`traj_names_note`
# ```
#
# The small multiples show the level differences between firms (the between
# part of {numref}`section %s <sec-between-within>`) and, inside each panel, the year-to-year movements (the
# within part) that the fixed-effects and instrumental-variable estimates in
# later chapters work with.

# %% tags=["hide-input"]
fig_scatter = ds.plot_scatter_within(panel, max_firms=max_firms, seed=seed)
glue_figure("fig_desc_scatter", fig_scatter, out_dir, "fig-desc-scatter", image=to_image)
glue("within_slope", ds.within_slope(panel), display=False)
pooled_slope = float(np.polyfit(panel["esg"].astype(float),
                                panel["risk_events"].astype(float), 1)[0])
glue("pooled_slope", pooled_slope, display=False)

# %% [markdown]
# ```{glue:figure} fig_desc_scatter
# :name: fig-desc-scatter
#
# Risk events against ESG score, one colour per firm, with each firm's own
# least-squares line (solid) and the pooled line over all firm-years (dashed).
# {glue:text}`firms_shown_note` With a sample, every firm-year is drawn in
# light grey behind it.
# ```
#
# The pooled line has a slope of {glue:text}`pooled_slope:.2f` events per ESG
# point; the average within-firm slope (firm means removed, no controls) is
# {glue:text}`within_slope:.2f`. When the two slopes differ in size or sign, the
# differences between firms and the changes within firms tell different stories,
# and an analysis that pools them, as a regression without firm effects does,
# mixes the two.
#
# ## What this means for the estimates
#
# - The within shares of {numref}`section %s <sec-between-within>` bound what the fixed-effects models of
#   {numref}`chapter %s <ch-fixed-effects>` can learn: they estimate from the within-firm part of the panel
#   only.
# - Year-level variables have no between-firm part; with year effects they
#   disappear altogether. The industry-average ESG score used as an instrument
#   in {numref}`chapter %s <ch-bidirectional>` is such a variable in a one-industry sample.
# - Descriptive co-movement, pooled or within, does not separate the effect of
#   risk on ESG from the effect of ESG on risk.

# %% [markdown]
# ```{include} ../book/teaching/03_descriptive.exercises.md
# ```
