# %% [markdown]
# (ch-data)=
# # Data construction
#
# ```{admonition} Simulated data
# :class: warning
# By default this chapter, like every estimation chapter, runs on the book's
# calibrated simulation (`data/simulated/panel.csv`), not on the paper's firm
# data, which were not published. Its numbers describe the simulated panel,
# whose true effects are known. To run the chapter on real data, pass a panel
# that follows the panel contract:
# `papermill notebooks/02_data.ipynb out.ipynb -p panel_path my_panel.csv`
# (section {ref}`use-your-own-data` gives the steps).
# ```
#
# This chapter explains how {cite:t}`zhang2025security` measure each variable
# and where real data would come from, writes down the model that simulates
# the default panel, lists where the paper's printed numbers cannot all hold
# at once, compares the panel with the paper's Table 1, and documents the
# panel contract (the codebook) and how to run the book on your own data.
#
# - **Inputs:** the panel (`panel_path`); the paper's numbers
#   (`data/published/*.csv` through `esgrisk.published`); the simulation's
#   parameters (`esgrisk.simulate.SimulationParams`); the codebook
#   (`esgrisk.panel.CODEBOOK`).
# - **Outputs:** {numref}`tbl-sim-params`, {numref}`tbl-inconsistencies`,
#   {numref}`tbl-table1-compare`, {numref}`fig-between-within`,
#   {numref}`tbl-codebook`, each also written to `results_dir` as
#   `tables/<name>.csv` or `figures/<name>.png`; no model results (the chapter
#   estimates nothing).
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/02_data.py`, then
#   `papermill notebooks/02_data.ipynb out.ipynb -p panel_path my_panel.csv`.

# %% [markdown]
# ```{include} ../book/teaching/02_data.objectives.md
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
import pandas as pd
from myst_nb import glue

from esgrisk import descriptive, published, report, simulate
from esgrisk.figures import glue_figure
from esgrisk.i18n import glue_i18n, tr
from esgrisk.panel import codebook
from esgrisk.paths import SIMULATED_PANEL, display_path, output_dir
from esgrisk.tables import save_table, show_table

out_dir = output_dir(results_dir)

def put(name, value):
    """Glue a value for {glue:text} (numpy scalars become plain Python numbers)."""
    glue(name, value.item() if isinstance(value, np.generic) else value, display=False)


P = simulate.PARAMS
t1 = published.table1()
t2 = published.table2()
ts = published.twosls()
tc = published.text_claims()

# the panel this run uses
put("panel_file", display_path(panel_path))
put("n_obs", len(panel))
put("n_firms", panel["firm"].nunique())
put("n_years", panel["year"].nunique())
put("first_year", int(panel["year"].min()))
put("last_year", int(panel["year"].max()))
put("n_regions", panel["region"].nunique())

# the default panel and the simulation
put("default_firms", simulate.DEFAULT_N_FIRMS)
put("default_first", min(simulate.DEFAULT_YEARS))
put("default_last", max(simulate.DEFAULT_YEARS))
put("default_seed", simulate.DEFAULT_SEED)
put("n_params", len(simulate.params_table()))
put("beta", P.beta)
put("gamma", P.gamma)
put("kappa", 1 - P.beta * P.gamma)
put("multiplier", 1 / (1 - P.beta * P.gamma))
put("beta_gamma", P.beta * P.gamma)
put("round_err_sd", (1 - P.beta * P.gamma) * np.sqrt(1 / 12))
put("b_size", P.b_size)
put("b_growth", P.b_growth)
put("b_cr4", P.b_cr4)
put("b_reg", P.b_reg)
put("sd_rating", P.sd_rating)

# the paper's numbers used in the prose
put("paper_reg_table", t2.loc["reg_strength", "coef"])
put("paper_reg_text", tc.loc["text_reg", "coef"])
put("paper_f", ts.loc["first_stage_f", "statistic"])
put("paper_h2", ts.loc["h2_esg_to_risk", "coef"])
put("paper_h3", ts.loc["bidir_esg_to_risk", "coef"])
put("paper_const", t2.loc["const", "coef"])
put("paper_mean_esg", t1.loc["esg", "mean"])
put("paper_sd_esg", t1.loc["esg", "sd"])
put("paper_sd_risk", t1.loc["risk_events", "sd"])

# %% [markdown]
# ## What the paper measures, and where real data would come from
#
# The paper's sample is a set of listed e-commerce firms, Chinese and
# foreign, observed once a year; its sources are annual reports, ESG reports,
# news databases and regulators' notices, cross-checked and cleaned
# {cite:p}`zhang2025security`. The firm-level data were not released, so every
# variable below has to be rebuilt by anyone who wants to check the results.
# For each column of the panel contract ({numref}`tbl-codebook`) the paper's
# measure and a practical route to real data are:
#
# - **ESG score (`esg`).** The paper uses ratings of authoritative agencies
#   such as MSCI and S&P, which grade environmental, social and governance
#   practice against global criteria. MSCI publishes letter grades (AAA to
#   CCC), so a numeric 0-100 score needs an explicit mapping, for example
#   equally spaced points per letter, or the agency's underlying numeric
#   industry-adjusted score where licensed. S&P Global's Corporate
#   Sustainability Assessment, Refinitiv/LSEG and Sustainalytics (a risk score,
#   where lower is better, so it must be reversed) are alternatives; Chinese
#   raters such as Wind or SynTao cover more domestic firms. Whatever the
#   source, the mapping must be written down, because raters disagree widely
#   and a change of rater alone can move a firm by many points.
# - **Security-risk events (`risk_events`).** The paper counts, per firm and
#   year, cyber-attacks, data leaks, supply-chain disruptions and
#   payment-security flaws found in annual reports, news and regulators'
#   notices. A reproducible version needs a written protocol: the sources and
#   search terms, the date window, what counts as one event (a breach reported
#   in several outlets is one event), and who coded it; two coders and an
#   agreement statistic make the count credible. Chapter
#   {doc}`06_case_studies` collects documented incidents of named firms and
#   shows how sparse the public record is.
# - **Firm size (`log_assets`).** The natural log of year-end total assets
#   from annual reports (10-K/20-F filings for US listings, annual reports on
#   the exchanges of Shanghai, Shenzhen and Hong Kong), converted to one
#   currency at a stated rate before taking logs.
# - **Revenue growth (`revenue_growth`).** Annual growth of revenue from the
#   same filings, stored as a fraction (0.18 means 18 %).
# - **Competition (`cr4`).** The four-firm concentration ratio: the combined
#   market share of the four largest firms. It is a property of the market,
#   so it is the same for every firm in a year; market-share data come from
#   statistics offices or industry reports, and the market (national or
#   global GMV, say) must be stated.
# - **Regulatory strength (`reg_strength`).** A 0-10 score of the cyber-security
#   and data-protection rules of the firm's jurisdiction. The paper does not
#   publish its scoring rule; a reproducible index would score dated legal
#   milestones (for example GDPR in the EU from 2018, China's Cybersecurity,
#   Data Security and Personal Information Protection Laws) on stated
#   criteria, so it varies by region and year.
# - **Regional incidents (`region_incidents`).** The paper's instrument for
#   risk events: the total number of cyber-security incidents in the firm's
#   region. Sources would be national CERT reports (CNCERT/CC in China, for
#   example) or breach databases; the count must be per region and year.
#
# The paper also instruments ESG with the industry's average ESG score. That
# instrument is not a column: the book derives it from the panel
# (`esgrisk.panel.industry_mean_esg`), both including and excluding the firm
# itself, because the firms in the sample make up the whole "industry".

# %% [markdown]
# (sec-simulation-model)=
# ## The simulation model
#
# The default panel has {glue:text}`default_firms` anonymous firms observed
# from {glue:text}`default_first` to {glue:text}`default_last`, the shape of
# the paper's sample, drawn with seed {glue:text}`default_seed` by
# `python -m esgrisk.simulate`. It comes from a system of two equations in
# which each outcome causes the other. For firm $i$ in region $r(i)$ and year
# $t$:
#
# $$
# \begin{aligned}
# \text{ESG}^{*}_{it} &= a_i + \beta\,\text{Risk}_{it} + b_1\,\text{Size}_{it}
#   + b_2\,\text{Growth}_{it} + b_3\,\text{CR4}_{t} + b_4\,\text{Reg}_{r(i)t}
#   + S_t + e_{it},\\
# \text{Risk}^{*}_{it} &= c_i + \gamma\,\text{ESG}^{*}_{it}
#   + \delta\,\text{Incidents}_{r(i)t} + u_{it},\\
# \text{Risk}_{it} &= \max\bigl(0,\ \operatorname{round}(\text{Risk}^{*}_{it})\bigr),
# \qquad
# \text{ESG}_{it} = \text{ESG}^{*}_{it} + m_{it}.
# \end{aligned}
# $$
#
# The true effects are $\beta =$ {glue:text}`beta:.2f` (risk events lower
# ESG; the paper's Table 2) and $\gamma =$ {glue:text}`gamma:.2f` (ESG lowers
# risk events; the paper's bidirectional check). The controls take the Table 2
# slopes $b_1 =$ {glue:text}`b_size:.2f`, $b_2 =$ {glue:text}`b_growth:.2f`,
# $b_3 =$ {glue:text}`b_cr4:.2f` and $b_4 =$ {glue:text}`b_reg:.2f`. The
# pieces are:
#
# - $a_i$, $c_i$: firm effects, set so that at the Table 1 means of the
#   controls and zero shocks firm $i$ sits at its own baseline risk level
#   (log-normal, hence the right skew of risk events in Table 1) and baseline
#   ESG level. Across firms, size, baseline risk and baseline ESG are
#   positively correlated: large platforms report more incidents and spend
#   more on ESG.
# - $S_t$: a year-level shift of the whole industry's ESG scores (rating
#   methodology, investor attention). It enters risk only through ESG, so the
#   industry-average ESG score is a relevant and excludable instrument for ESG;
#   its SD is set so that this instrument's first stage is of the order of the
#   paper's reported F statistic of {glue:text}`paper_f:.2f`.
# - $\text{Incidents}_{rt}$: regional cyber-security incidents, exogenous,
#   shifting only risk; the instrument for risk events.
# - $\text{CR4}_t$ is common to all firms in a year; $\text{Reg}_{rt}$ is a
#   regional level plus a common tightening trend and small region-year noise,
#   so it varies within firms.
# - $e_{it}$, $u_{it}$: structural shocks; $m_{it}$: optional noise of the
#   rating itself, which a published score would carry but the firm's risk
#   would not respond to. Its SD is {glue:text}`sd_rating:.1f` in the default
#   panel: with only six years, rating noise makes the system (3SLS)
#   estimator of chapter {doc}`05_bidirectional_2sls` depend heavily on a few
#   year-level draws, so it is kept as a sensitivity option.
#
# **Solving the system.** Substituting one equation into the other, every
# shock is multiplied by $1/(1-\beta\gamma)$. With $\beta\gamma =$
# {glue:text}`beta_gamma:.4f` the denominator is {glue:text}`kappa:.4f`, so
# the system has a unique solution, but the feedback amplifies each shock
# about {glue:text}`multiplier:.2f`-fold. The code draws the exogenous parts,
# solves for the latent risk $\text{Risk}^{*}$, rounds it to a non-negative
# count, and only then computes ESG from the ESG equation **with the integer
# count**. The ESG equation therefore holds exactly with the true $\beta$.
# The risk equation picks up an extra error, $(1-\beta\gamma)$ times the
# rounding error, with an SD of about {glue:text}`round_err_sd:.2f` events; it
# is correlated with the count itself but not with either instrument.
# `tests/test_simulate.py` checks both equations residual by residual and
# checks that two-stage least squares with firm effects recovers $\beta$ and
# $\gamma$ on a large simulated panel.
#
# {numref}`tbl-sim-params` lists all {glue:text}`n_params` parameters with
# the paper number each one targets, read from the code
# (`esgrisk.simulate.SimulationParams`), so the table cannot drift from what
# generated the data.

# %%
show_table(simulate.params_table(),
           "Parameters of the simulation and the paper number (or assumption) each one targets.",
           "tbl-sim-params", save_dir=out_dir)

# %% [markdown]
# (sec-paper-numbers-conflict)=
# ## Where the paper's numbers cannot all hold
#
# A simulation that reproduced every printed number would have to satisfy
# them jointly, and some of them contradict each other
# ({numref}`tbl-inconsistencies`, computed from `data/published`):
#
# - Table 2's constant, {glue:text}`paper_const:.2f`, evaluated with the other
#   coefficients at the Table 1 means, implies an average ESG score of
#   {glue:text}`implied_mean_esg:.1f`, not the {glue:text}`paper_mean_esg:.1f`
#   of Table 1. A fixed-effects model has no single constant, so either the
#   constant is not what it claims to be or the model was not a within
#   estimator.
# - One more risk event changes ESG by {glue:text}`beta:.2f` points, and the SD
#   of risk events is {glue:text}`paper_sd_risk:.1f`; so risk alone would move
#   ESG with an SD of {glue:text}`beta_sd_risk:.1f` points, more than ESG's
#   whole SD of {glue:text}`paper_sd_esg:.1f`. That is possible only if the
#   rest of ESG co-moves with risk in a way that offsets it.
# - The text gives the regulation coefficient as
#   {glue:text}`paper_reg_text:.2f`, the table as
#   {glue:text}`paper_reg_table:.2f`; the text's ESG-to-risk effect is
#   {glue:text}`paper_h2:.2f` when testing H2 and {glue:text}`paper_h3:.2f`
#   in the bidirectional check.
#
# The simulation keeps the Table 1 moments and the slopes and drops the
# constant: firm effects carry the level. It resolves the variance puzzle by
# putting most of the risk variation *between* firms and letting firms with
# high baseline risk also have high baseline ESG.

# %% tags=["hide-input"]
incons = report.paper_inconsistencies()
facts = incons.set_index("fact")
put("implied_mean_esg", facts.loc["mean ESG implied by Table 2 at Table 1 means", "implied"])
put("beta_sd_risk", facts.loc["abs(beta) x SD(risk) vs SD(ESG)", "implied"])

# %%
show_table(incons, "Printed numbers of the paper that cannot all hold at once, and what the simulation does.",
           "tbl-inconsistencies", digits=3, save_dir=out_dir)

# %% [markdown]
# ## The panel next to Table 1
#
# {numref}`tbl-table1-compare` sets the mean, SD, minimum and maximum of the
# panel this run loaded ({glue:text}`panel_file`: {glue:text}`n_obs`
# firm-years: {glue:text}`n_firms` firms in {glue:text}`n_regions` regions
# over {glue:text}`n_years` years, {glue:text}`first_year` to
# {glue:text}`last_year`) beside the paper's Table 1. For the default panel the
# tests require each mean to be within a quarter of the paper's SD, each SD
# within 20 %, and each minimum and maximum inside the paper's range or beyond
# it by at most half an SD. Here the largest gap in means is
# {glue:text}`max_mean_gap:.2f` paper SDs and the SD ratios run from
# {glue:text}`min_sd_ratio:.2f` to {glue:text}`max_sd_ratio:.2f`.

# %% tags=["hide-input"]
compare = published.compare_table1(panel)
put("max_mean_gap", float(compare["mean_diff_in_sd"].abs().max()))
put("min_sd_ratio", float(compare["sd_ratio"].min()))
put("max_sd_ratio", float(compare["sd_ratio"].max()))
# the file keeps the numbers unrounded (the paper's as parsed from its printed values)
cmp_numbers = pd.DataFrame({"variable": compare.index})
for stat in ("mean", "sd", "min", "max"):
    cmp_numbers[f"{stat} (paper)"] = compare[f"{stat}_paper"].to_numpy()
    cmp_numbers[f"{stat} (panel)"] = compare[f"{stat}_panel"].to_numpy()
    cmp_numbers[f"{stat} diff"] = compare[f"{stat}_diff"].to_numpy()
save_table(cmp_numbers, out_dir, "tbl-table1-compare")
cmp_shown = pd.DataFrame({"variable": compare.index})
for stat in ("mean", "sd", "min", "max"):
    cmp_shown[f"{stat} (paper)"] = [t1.loc[v, "printed"].split(" | ")[i] for v, i in
                                    zip(compare.index, [("mean", "sd", "min", "max").index(stat)] * len(compare))]
    cmp_shown[f"{stat} (panel)"] = compare[f"{stat}_panel"].map(lambda v: f"{v:.3f}").to_numpy()
    cmp_shown[f"{stat} diff"] = compare[f"{stat}_diff"].map(lambda v: f"{v:+.3f}").to_numpy()

# %%
show_table(cmp_shown,
           "The panel's descriptive statistics beside the paper's Table 1 (paper values as printed; "
           "diff = panel minus paper).",
           "tbl-table1-compare")

# %% [markdown]
# The way the simulation reconciles a large causal effect with a modest ESG
# spread shows up, for the loaded panel, in {numref}`fig-between-within`. Of
# the variance of risk events, {glue:text}`between_share_risk:.0%` lies
# between firms. Pooled over all firm-years, risk events and ESG are
# correlated at {glue:text}`corr_pooled:.2f`; within firms, at
# {glue:text}`corr_within:.2f`. {glue:text}`bw_reading` The simulation is
# built for a strongly negative within-firm relation, and in its panels the
# within-firm correlation comes out close to minus one. That is not a tuning
# choice: when each variable lowers the other as strongly as the paper
# reports, every shock, whichever equation it hits, pushes the two in
# opposite directions and the feedback amplifies it. On real data this
# decomposition is an empirical finding, not a design choice.

# %% tags=["hide-input"]
bw = simulate.between_within(panel)
put("between_share_risk", float(bw.loc["risk_events", "between_share"]))
put("corr_pooled", bw.attrs["corr_pooled"])
put("corr_within", bw.attrs["corr_within"])


def relation(r):
    """A correlation in words: strength and sign."""
    size = abs(r)
    if size < 0.1:
        return tr("essentially no relation")
    strength = "weak" if size < 0.3 else "moderate" if size < 0.7 else "strong"
    return tr(RELATIONS[strength, r < 0])


RELATIONS = {(strength, negative): f"a {strength} {'negative' if negative else 'positive'} relation"
             for strength in ("weak", "moderate", "strong") for negative in (True, False)}
glue_i18n("bw_reading", tr("On this panel a regression that ignores firm effects therefore sees {pooled}, a "
                           "regression within firms {within}.", pooled=relation(bw.attrs["corr_pooled"]),
                           within=relation(bw.attrs["corr_within"])))

fig = descriptive.plot_between_within(panel)
glue_i18n("bw_colour_note", descriptive.colour_note(panel))
glue_figure("fig_between_within", fig, out_dir, "fig-between-within", image=descriptive.figure_image)

# %% [markdown]
# ```{glue:figure} fig_between_within
# :name: fig-between-within
#
# ESG score against security-risk events in the loaded panel, one colour per
# firm. Left: all firm-years as they are. Right: both variables as deviations
# from each firm's own mean, the variation a firm fixed-effects model uses.
# {glue:text}`bw_colour_note`
# ```
#
# {glue:text}`regenerated_text`

# %% tags=["hide-input"]
regenerated = simulate.panel_csv_bytes(simulate.simulate_panel(seed=seed))
if regenerated == SIMULATED_PANEL.read_bytes():
    regenerated_text = tr("Regenerating the panel from code with seed {seed} reproduces the committed default "
                          "panel byte for byte.", seed=seed)
elif seed != simulate.DEFAULT_SEED:
    regenerated_text = tr("Regenerating the panel from code with seed {seed} does not reproduce the committed "
                          "default panel, as expected: the default seed is {default}.", seed=seed,
                          default=simulate.DEFAULT_SEED)
else:
    regenerated_text = tr("Regenerating the panel from code with the default seed does not reproduce the "
                          "committed default panel byte for byte: the code or the environment differs from the "
                          "one that wrote the file.")
glue_i18n("regenerated_text", regenerated_text)

# %% [markdown]
# ## Codebook
#
# {numref}`tbl-codebook` is the panel contract as the loader enforces it: it
# is rendered from `esgrisk.panel.CODEBOOK`, the same structure from which
# `load_panel` builds its validation schema (one pandera schema) and quotes
# in its error messages. Besides the per-column rules, a panel must have
# unique (firm, year) pairs, no missing values in these columns, one spelling
# per firm and region (`F02 ` with a trailing space, or the full-width `Ｆ02`,
# is not silently a second firm), each column once in the header, at least two
# firms and at least two years, and plausible scales (ESG on 0-100, not 0-1;
# growth as a fraction, not percent; log assets as logs). Extra columns are
# kept and ignored.

# %%
cb = codebook()
cb["column"] = cb["column"].map(lambda c: f"`{c}`")
show_table(cb, "Codebook of the panel contract.", "tbl-codebook", save_dir=out_dir)

# %% [markdown]
# Before any model is fitted, every estimation chapter also checks the
# *design* the panel makes (`esgrisk.preflight`): enough firms for clustered
# inference, no constant column, no exact linear relation among the
# regressors, an instrument that still varies after the firm effects. What it
# finds on the loaded panel, including what the fixed effects absorb:

# %% tags=["remove-input"]
from IPython.display import Markdown

from esgrisk.i18n import display_i18n
from esgrisk.preflight import check_design

display_i18n(check_design(panel).markdown())

# %% [markdown]
# (use-your-own-data)=
# ## Use your own data
#
# Every chapter reads its panel through `esgrisk.panel.load_panel`, so real
# data replace the simulation without editing any chapter. Panels exported
# from CSMAR or Wind usually arrive as Excel or Stata files, or as CSV files
# in the GB18030 encoding, with Chinese column headers. The loader reads
# `.csv` (UTF-8 unless `encoding` names another codec), `.xlsx` (the first
# sheet, or `sheet=`), `.dta` and `.parquet` files, chosen by the extension
# and checked against the file's content, and `columns` maps your column
# names to the contract's.
#
# The cell below does what a researcher would: it writes the book's default
# panel (`data/simulated/panel.csv`, whatever panel this run uses) as an Excel
# file with Chinese headers, and a column map as a YAML file (both in a
# temporary folder), then loads it.

# %% tags=["hide-input"]
import tempfile
from pathlib import Path

from esgrisk.panel import PanelError, read_column_map

chinese_headers = {"firm": "企业", "year": "年份", "region": "地区", "esg": "ESG评分",
                   "risk_events": "安全风险事件数", "log_assets": "总资产对数", "revenue_growth": "营业收入增长率",
                   "cr4": "行业集中度CR4", "reg_strength": "监管强度", "region_incidents": "地区安全事件数"}
example_dir = Path(tempfile.mkdtemp(prefix="esgrisk_example_"))
default_panel = load_panel(SIMULATED_PANEL)
excel_file = example_dir / "面板数据.xlsx"
default_panel.rename(columns=chinese_headers).to_excel(excel_file, index=False, sheet_name="数据")
map_file = example_dir / "columns.yml"
map_file.write_text("".join(f"{cn}: {en}\n" for en, cn in chinese_headers.items()), encoding="utf-8")
from_excel = load_panel(excel_file, columns=map_file)
same = from_excel.equals(default_panel)
glue_i18n("example_same", tr("identical to") if same else tr("different from"))
put("example_rows", len(from_excel))
gb_file = example_dir / "panel_gb18030.csv"
default_panel.rename(columns=chinese_headers).to_csv(gb_file, index=False, encoding="gb18030")
try:
    load_panel(gb_file, columns=read_column_map(map_file))
    gb_message = "(no error)"
except PanelError as exc:
    gb_message = str(exc).replace(str(example_dir), "<folder>")
put("example_gb_rows", len(load_panel(gb_file, encoding="gb18030", columns=map_file)))
map_head = "\n".join(map_file.read_text(encoding="utf-8").splitlines()[:3])

# %% [markdown]
# Read back through the map, the Excel file gives {glue:text}`example_rows`
# firm-years, {glue:text}`example_same` the default panel read from its CSV. The
# same table saved as GB18030 CSV is rejected when read as UTF-8, with the
# line and the fix:

# %% tags=["remove-input"]
Markdown(f"```text\n{gb_message}\n```")

# %% [markdown]
# And with `encoding="gb18030"` it loads ({glue:text}`example_gb_rows`
# firm-years). The map file holds one line per column, `your name: contract
# name`; its first lines are:

# %% tags=["remove-input"]
Markdown(f"```yaml\n{map_head}\n```")

# %% [markdown]
# The steps, for your panel:
#
# 1. **Prepare the file.** One row per firm-year and the contract columns of
#    {numref}`tbl-codebook` under any names (map them), in any order; extra
#    columns are allowed. Write `risk_events` as whole numbers,
#    `revenue_growth` as a fraction, `cr4` as a share in [0, 1], ESG and
#    regulation on the scales of the codebook. Keep identifiers as text (a
#    firm called `007` stays `007`; a stock code stored as a number in Excel
#    is read without a trailing `.0`).
# 2. **Check it** (from any folder; relative paths are read from the folder
#    you run in):
#
#    ```bash
#    .venv/bin/python -m esgrisk.preflight my.xlsx --columns map.yml
#    .venv/bin/python -m esgrisk.preflight my.csv --encoding gb18030 --columns map.yml
#    ```
#
#    This runs the loader and the design checks of `esgrisk.preflight` that
#    every model chapter runs before fitting anything: enough firms for
#    clustered inference, no constant column, no exact linear relation among
#    the regressors (named as a formula such as `cr4 = 0.1 x reg_strength`),
#    an instrument that still varies after the firm effects, and what the
#    effects absorb. A failure names the file, the column, the first offending
#    lines or rows and the rule; the loader never repairs a file. A rule about
#    a plausible scale can be waived on purpose with `--accept esg_unit_scale`
#    (the keys are in `esgrisk.panel.PLAUSIBILITY`).
# 3. **Build the whole book** on it:
#
#    ```bash
#    make book PANEL=my.xlsx PANEL_COLUMNS=map.yml
#    make book PANEL=my.csv PANEL_ENCODING=gb18030 PANEL_COLUMNS=map.yml
#    ```
#
#    The build runs the check once and stops with one message if it fails.
#    `PANEL_ACCEPT=esg_unit_scale` passes a waiver.
# 4. **Or run one chapter** with papermill: every panel chapter takes the
#    parameters `panel_path`, `panel_encoding`, `panel_columns` (a YAML or
#    JSON file, or a mapping given with papermill's `-y`), `panel_accept`,
#    `results_dir` and `seed` (`None` means `esgrisk.simulate.DEFAULT_SEED`):
#
#    ```bash
#    .venv/bin/jupytext --set-kernel python3 --to ipynb -o /tmp/04.ipynb notebooks/04_fixed_effects.py
#    .venv/bin/papermill --cwd . /tmp/04.ipynb /tmp/04_out.ipynb \
#        -p panel_path my.xlsx -p panel_columns map.yml -p results_dir my_results
#    ```
#
#    The `--set-kernel` option matters: the committed sources carry no kernel
#    metadata, and papermill needs it to inject parameters.
#
# The comparisons with the simulation's true effects that some chapters show
# then stop being meaningful (real data have no known truth); the comparisons
# with the paper's printed numbers remain. On a panel of thousands of firms
# the per-firm figures of {doc}`03_descriptive` show a random sample of firms
# and say so, and the Monte Carlo of {doc}`08_monte_carlo` keeps the paper's
# design unless asked for the panel's size.

# %% [markdown]
# ```{include} ../book/teaching/02_data.exercises.md
# ```
