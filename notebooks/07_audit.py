# %% [markdown]
# (ch-audit)=
# # Replication audit
#
# ```{admonition} Simulated data
# :class: warning
# The audit's findings come from the paper's printed numbers and from public
# financial data of the firms it names (`data/published/`), not from any
# panel. Only the section on what the models can identify
# ({ref}`sec-audit-identification`) uses a panel, to illustrate what fixed
# effects and the instruments can identify; by default
# that is the book's calibrated simulation (`data/simulated/panel.csv`). To
# illustrate it on real data, pass a panel that follows the panel contract:
# `papermill notebooks/07_audit.ipynb out.ipynb -p panel_path my_panel.csv`.
# ```
#
# Before asking whether the paper's conclusions are right, one can ask whether
# its printed numbers agree with each other. Every check in this chapter takes
# numbers as printed by {cite:t}`zhang2025security` and asks what they imply:
# a t statistic must be the ratio of a coefficient and its standard error; a
# p-value must follow from the t statistic under some reference distribution;
# a regression with a constant passes through the sample means; a slope times
# the spread of its regressor cannot carry more spread than the outcome has,
# unless something offsets it; a standard error cannot be smaller than the
# residual spread allows. A printed number is read as the interval it
# rounds from (a value printed as 1.23 is anything in [1.225, 1.235]), and a check fails only if
# no values inside those intervals satisfy it. The functions are in
# `esgrisk.audit` (with `esgrisk.sensitivity` and `esgrisk.public_data`), each
# with a test against an independent computation.
#
# Each discrepancy is one finding with a stable id, and one verdict rule
# applies to all of them: **inconsistent** means the printed numbers cannot
# all be true; **unexplained** means they can all be true, but only in a way
# the paper does not document; **consistent** means the relation holds.
# Identification notes and the sensitivity analysis are not errors in the
# numbers; they say what the design can and cannot show.
#
# - **Inputs:** `data/published/table1.csv`, `table2.csv`, `twosls.csv`,
#   `text_claims.csv`, `equation.csv`, `public_financials.csv` (through
#   `esgrisk.published`); the panel (`panel_path`) for
#   {ref}`sec-audit-identification` only.
# - **Outputs:** `audit_findings.csv` (one row per finding, unique `id`),
#   `audit_pvalues.csv`, `audit_identification.csv`, `audit_public.csv` in
#   `results_dir`; {numref}`tbl-audit-findings`
#   and the tables of this page, each also as `tables/<name>.csv` in
#   `results_dir`.
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/07_audit.py`, then
#   `papermill notebooks/07_audit.ipynb out.ipynb -p results_dir my_results`.

# %% [markdown]
# ```{include} ../book/teaching/07_audit.objectives.md
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
from esgrisk.preflight import require_design
from esgrisk.simulate import seed_or_default

panel = load_panel(panel_path, encoding=panel_encoding, columns=panel_columns, accept=panel_accept)
design = require_design(panel, source=panel_path)  # stops here, naming columns and rule, before any model
seed = seed_or_default(seed)

# %% tags=["hide-input"]
import numpy as np
from IPython.display import Markdown
from myst_nb import glue

from esgrisk import audit, i18n, published
from esgrisk.audit_figures import plot_public_data
from esgrisk.descriptive import figure_image as to_image
from esgrisk.figures import glue_figure
from esgrisk.i18n import glue_i18n
from esgrisk.paths import display_path, output_dir
from esgrisk.prose import comma_list, semicolon_list, space_list
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)

t1, t2, ts, tc = published.table1(), published.table2(), published.twosls(), published.text_claims()
result = audit.audit(t1, t2, ts, tc, equation=published.equation(), public=published.public_financials())
firms, years = audit.PAPER_SAMPLE["firms"], audit.PAPER_SAMPLE["years"]


def fmt(v, d=3):
    return f"{v:.{d}f}" if isinstance(v, (float, np.floating)) else str(v)


glue("au_firms", firms, display=False)
glue("au_years", years, display=False)
glue("au_n", firms * years, display=False)

# %% [markdown]
# ## t statistics
#
# Each t value in Table 2 should equal the coefficient divided by its
# standard error. With two printed decimals the ratio is only known to an
# interval; the table lists it.

# %% tags=["hide-input"]
tc_ = result["t_checks"]
glue("au_t_ok", int(tc_["consistent"].sum()), display=False)
glue("au_t_rows", len(tc_), display=False)
const_row = tc_.set_index("variable").loc["const"]
glue("au_const_t", float(const_row["t_computed"]), display=False)
glue("au_const_t_printed", float(const_row["t_printed"]), display=False)
tr = result["t_rounded"]
glue("au_tr_equal", tr["n_equal"], display=False)
glue("au_tr_rows", ", ".join(tr["equal_rows"]), display=False)
tr_tab = tr["table"].set_index("variable")
glue_i18n("au_tr_unequal", space_list(
    i18n.tr("for `{v}` the ratio of the rounded numbers is {ratio:.2f}, printed {t:.2f}, so this row was computed "
            "from unrounded values.", v=v, ratio=tr_tab.loc[v, "coef / SE rounded"], t=tr_tab.loc[v, "t printed"])
    for v in tr["unequal_rows"]) if tr["unequal_rows"] else i18n.tr("every row does."), kind="md")
matched = tr_tab[tr_tab["equal"]]
glue("au_tr_pmin", float(matched["probability"].min()), display=False)
glue("au_tr_pmax", float(matched["probability"].max()), display=False)
glue("au_tr_prob", f"{tr['probability']:.1e}", display=False)
t_shown = tc_.copy()
t_shown["consistent"] = t_shown["consistent"].map({True: "yes", False: "no"})
t_shown.columns = ["variable", "coef / SE", "lowest", "highest", "t printed", "consistent"]

# %%
show_table(t_shown, "Printed t against the ratio of printed coefficient and SE, with its rounding range.",
           "tbl-audit-t", digits={"coef / SE": 3, "lowest": 3, "highest": 3, "t printed": None},
           save_dir=out_dir)

# %% [markdown]
# All {glue:text}`au_t_ok` of {glue:text}`au_t_rows` rows agree. The
# constant's ratio is {glue:text}`au_const_t:.3f` against a printed
# {glue:text}`au_const_t_printed:.2f`, inside the range that rounding of the
# coefficient and SE allows.
#
# **Computed from rounded numbers?** A t value printed from the unrounded
# estimates need not equal the ratio of the *rounded* coefficient and SE,
# rounded again. Here {glue:text}`au_tr_equal` of {glue:text}`au_t_rows`
# do ({glue:text}`au_tr_rows`); {glue:md}`au_tr_unequal` If the unrounded
# values were spread uniformly and independently within their rounding
# intervals, each match would have a probability between
# {glue:text}`au_tr_pmin:.3f` and {glue:text}`au_tr_pmax:.3f`, and all of
# them together {glue:text}`au_tr_prob`. The t values were most probably
# computed by hand from the rounded numbers. That is possible, and it does not
# change them much, but it means Table 2 was not copied from a regression
# output (finding `t_from_rounded`, verdict unexplained).
#
# ## p-values
#
# A p-value depends on the reference distribution. With the paper's
# {glue:text}`au_firms` firms and {glue:text}`au_years` years
# ({glue:text}`au_n` firm-years at most), the candidates are the normal
# distribution (large-sample inference), a t distribution with G-1 degrees of
# freedom (standard errors clustered by firm, as in Stata), with N-G-k
# (conventional fixed effects) and with N-k-1 (pooled OLS). The table gives
# the p-value each implies for the printed t, whether it rounds to the
# printed p, and the full set of degrees of freedom that reproduce it.

# %% tags=["hide-input"]
pv = result["pvalues"].copy()
pv.to_csv(out_dir / "audit_pvalues.csv", index=False)
labels = list(result["reference_dfs"])
pv_shown = pv[["variable", "t printed", "p printed"]].copy()
pv_shown["p printed"] = pv["p printed"].map(lambda v: f"{v:.3f}")
for lab in labels:
    pv_shown[f"p, {lab}"] = [f"{p:.4f}" + ("" if ok else " (x)") for p, ok in zip(pv[f"p {lab}"], pv[f"matches {lab}"],
                                                                                       strict=True)]
pv_shown["df that reproduce p"] = pv["df reproducing p"]
size = pv.set_index("variable").loc["log_assets"]
reg = pv.set_index("variable").loc["reg_strength"]
glue("au_size_t", float(size["t printed"]), display=False)
glue("au_size_p", float(size["p printed"]), display=False)
glue("au_size_pnorm", float(size["p normal"]), display=False)
glue_i18n("au_size_dfs", audit.df_set_text(size["df reproducing p"]))
glue_i18n("au_reg_dfs", audit.df_set_text(reg["df reproducing p"]))
glue("au_t11_label", labels[1].split(" =")[0], display=False)
slopes = pv[pv["variable"] != "const"]
glue("au_t11_ok", int(slopes[f"matches {labels[1]}"].sum()), display=False)
glue("au_slope_rows", len(slopes), display=False)
changed = [v for v, p0, p1 in zip(slopes["variable"], slopes["p printed"], slopes[f"p {labels[1]}"], strict=True)
           if (p0 < 0.05) != (p1 < 0.05)]
glue_i18n("au_changed_5", comma_list(changed) if changed else i18n.tr("none"))
glue("au_size_p11", float(size[f"p {labels[1]}"]), display=False)

# %%
show_table(pv_shown, "Two-sided p-values implied by the printed t under four reference distributions; "
           "(x) marks a value that does not round to the printed p.", "tbl-audit-p", digits=None,
           save_dir=out_dir)

# %% [markdown]
# What the table shows is one discrepancy, counted once (finding
# `p_reference_distribution`):
#
# 1. **No single distribution reproduces all rows.** The normal reproduces
#    every row except firm size, whose t of {glue:text}`au_size_t:.2f` gives
#    {glue:text}`au_size_pnorm:.4f` (printed {glue:text}`au_size_p:.3f`). That
#    row needs a t distribution with {glue:text}`au_size_dfs` degrees of
#    freedom, more than a sample of {glue:text}`au_n` firm-years can have,
#    while the regulation row needs {glue:text}`au_reg_dfs`. Printed p-values
#    that no one computation produces suggest they were not all taken from one
#    regression output.
# 2. **Not matching t(G-1) is not an error.** With {glue:text}`au_firms`
#    clusters Stata's `vce(cluster firm)` would use {glue:text}`au_t11_label`;
#    it reproduces {glue:text}`au_t11_ok` of the {glue:text}`au_slope_rows`
#    slope rows. The paper never says its standard errors are clustered, so
#    this is not counted as a finding; it matters for what the p-values mean.
#    At the 5 % level little changes (slopes whose 5 % significance changes
#    under {glue:text}`au_t11_label`: {glue:text}`au_changed_5`), more at 1 %:
#    the text calls firm size significant at 1 %, and under
#    {glue:text}`au_t11_label` its p-value is {glue:text}`au_size_p11:.3f`.
#
# ## Text against tables

# %% tags=["hide-input"]
cmp_ = result["text_vs_table"]
glue("au_reg_text", cmp_["reg"]["text"], display=False)
glue("au_reg_table", cmp_["reg"]["table"], display=False)
glue("au_reg_gap_se", cmp_["reg"]["gap_in_se"], display=False)
glue("au_reg_t_text", cmp_["reg"]["t_with_table_se"], display=False)
glue("au_reg_t_printed", float(t2.loc["reg_strength", "t"]), display=False)
glue("au_h2", cmp_["esg_to_risk"]["text"], display=False)
glue("au_h3", cmp_["esg_to_risk"]["table"], display=False)
glue("au_bidir_risk", cmp_["risk_to_esg"]["text"], display=False)
glue("au_table_risk", cmp_["risk_to_esg"]["table"], display=False)
for key, rule in result["verdict_rules"].items():
    glue_i18n(f"au_v_{key}", i18n.tr(rule["verdict"]))  # the verdict labels of esgrisk.audit

# %% [markdown]
# One rule decides all three comparisons (`esgrisk.audit.compare_reported`):
# two printed values of one effect that differ beyond rounding are
# *inconsistent* when the paper says they are the same estimate, and
# *unexplained* when it does not say how the two models differ.
#
# - **Regulation** (`text_reg`, {glue:text}`au_v_text_reg`). The text gives
#   the regulation coefficient as {glue:text}`au_reg_text:.2f` while
#   discussing Table 2, which prints {glue:text}`au_reg_table:.2f`. The gap is
#   {glue:text}`au_reg_gap_se:.1f` of the table's standard errors; with that
#   standard error the text's value would have a t of
#   {glue:text}`au_reg_t_text:.1f`, not the printed
#   {glue:text}`au_reg_t_printed:.2f`. Both cannot describe the same estimate;
#   the book uses the table's value.
# - **ESG to risk** (`esg_to_risk_twice`, {glue:text}`au_v_esg_to_risk_twice`).
#   The effect of ESG on risk events is {glue:text}`au_h2:.2f` where H2 is
#   tested and {glue:text}`au_h3:.2f` in the bidirectional check a paragraph
#   later. Both can be true if the two come from different specifications, but
#   the paper specifies neither and prints no table for either.
# - **Risk to ESG** (`risk_to_esg_twice`, {glue:text}`au_v_risk_to_esg_twice`).
#   Table 2 has {glue:text}`au_table_risk:.2f`; the bidirectional check
#   reports {glue:text}`au_bidir_risk:.2f`. These may be different estimators
#   (a fixed-effects model and a system 2SLS), which would explain a
#   difference, but the second model is not specified: the same situation as
#   the ESG-to-risk pair, and the same verdict.
#
# ## The fitted equation at the means

# %% tags=["hide-input"]
m = result["means"]
mt = result["means_text_reg"]
glue("au_fit_means", m["fitted"], display=False)
glue("au_fit_low", m["fitted_low"], display=False)
glue("au_fit_high", m["fitted_high"], display=False)
glue("au_mean_esg", m["mean_y"], display=False)
glue("au_gap", m["gap"], display=False)
glue("au_implied_const", m["implied_constant"], display=False)
glue("au_fit_means_text", mt["fitted"], display=False)
glue("au_const", float(t2.loc["const", "coef"]), display=False)
glue("au_fit_means_pct", result["means_percent"], display=False)

# %% [markdown]
# OLS with a constant passes through the sample means: the mean of the
# outcome equals the constant plus each coefficient times its regressor's
# mean. This also holds for the firm fixed-effects model as Stata
# (`xtreg, fe`) and linearmodels report it: their "constant" is the average
# of the firm effects, defined so that the fitted equation passes through the
# grand means. It holds for 2SLS with a constant too: the constant is one of
# the instruments, so the residuals sum to zero. The text says Table 2 was
# estimated with an instrument; the check does not depend on it. So, whichever
# of these models Table 2 shows, its constant
# ({glue:text}`au_const:.2f`) and slopes evaluated at Table 1's means should
# return Table 1's mean ESG score.
#
# They return {glue:text}`au_fit_means:.2f` (between
# {glue:text}`au_fit_low:.2f` and {glue:text}`au_fit_high:.2f` given the
# rounding of every input), against a reported mean of
# {glue:text}`au_mean_esg:.1f`: a gap of {glue:text}`au_gap:.1f` points. The
# constant would have to be {glue:text}`au_implied_const:.2f`. Using the
# text's regulation coefficient instead changes little
# ({glue:text}`au_fit_means_text:.2f`). The check assumes that Table 1
# describes the regression sample; if it does not, the paper does not say
# so. As printed, the constant, the slopes and the means cannot all come from
# one regression on one sample (finding `means_constant`).
#
# ## Variance bounds

# %% tags=["hide-input"]
vr = result["variance"]["risk_to_esg"]
glue("au_term_sd", vr["term_sd"], display=False)
glue("au_sd_esg", vr["sd_y"], display=False)
glue("au_share", vr["share"], display=False)
glue("au_min_corr", vr["min_offset_corr"], display=False)
glue("au_share_h2", result["variance"]["h2"]["share"], display=False)
glue("au_share_h3", result["variance"]["h3"]["share"], display=False)
glue("au_sd_risk", float(t1.loc["risk_events", "sd"]), display=False)
glue("au_beta", abs(float(t2.loc["risk_events", "coef"])), display=False)
desc = result["descriptives"]
glue("au_desc_ok", int((desc["sd feasible"] & desc["mean in range"]).sum()), display=False)
glue("au_desc_rows", len(desc), display=False)

# %% [markdown]
# If one risk event lowers ESG by {glue:text}`au_beta:.2f` points and risk
# events have a standard deviation of {glue:text}`au_sd_risk:.1f`, the risk
# term alone moves ESG with a standard deviation of
# {glue:text}`au_term_sd:.2f` points, more than the
# {glue:text}`au_sd_esg:.1f` that Table 1 reports for ESG itself. Were the
# risk term uncorrelated with the rest of the equation it would explain a
# share {glue:text}`au_share:.2f` of ESG's variance, an R-squared above one.
# The numbers can only be reconciled if the other terms (controls, firm
# effects, error) move against the risk term, with a correlation of
# {glue:text}`au_min_corr:.2f` or lower: firms with many incidents would have
# to have systematically higher ESG for other reasons. That is possible (the
# book's simulation is built that way, {numref}`chapter %s <ch-data>`), but the paper neither
# reports nor discusses it. In the other direction there is no such tension:
# the ESG-to-risk effects imply shares of {glue:text}`au_share_h2:.2f` (H2)
# and {glue:text}`au_share_h3:.2f` (H3) of the variance of risk events.
#
# Table 1 on its own: in {glue:text}`au_desc_ok` of its {glue:text}`au_desc_rows`
# rows the mean lies within the range and the standard deviation is below
# sqrt((max - mean)(mean - min)), the largest population standard deviation
# that values with that mean and range can have (the Bhatia-Davis bound; a
# sample SD with divisor n - 1 can exceed it by at most a factor
# sqrt(n / (n - 1))).
#
# **Standard errors against spreads** (finding `se_sd_bound`). For OLS,
# fixed effects or 2SLS with classical (homoskedastic) standard errors,
# $\mathrm{SE}(b_j) = \sigma / \sqrt{\mathrm{SST}_j (1 - R^2_j)}$, where
# $\mathrm{SST}_j \le N\,\mathrm{SD}(x_j)^2$ is the regressor's spread
# (within variation and first-stage fitted values can only shrink it) and
# $R^2_j$ its R-squared on the other regressors. So
# $\mathrm{SE}(b_j) \ge \sigma / (\sqrt{N}\,\mathrm{SD}(x_j))$, and every
# row of Table 2 bounds the residual standard deviation:
# $\sigma \le \mathrm{SE} \sqrt{N}\,\mathrm{SD}(x)$
# ({numref}`tbl-audit-se-sd`).

# %% tags=["hide-input"]
ss = result["se_sd"]
ssp = result["se_sd_percent"]
ss_tab = ss["table"].set_index("variable")
for key in ("sigma_max", "sigma_max_rounding", "r2_min", "r2_min_rounding", "se_x_sd_min", "se_x_sd_max",
            "se_x_sd_ratio", "sd_y"):
    glue(f"au_ss_{key}", float(ss[key]), display=False)
glue("au_ss_tight", Markdown(f"`{ss['tightest']}`"), display=False)  # a variable name, shown as code
glue("au_ss_risk_r2", float(ss_tab.loc["risk_events", "r2_other_min"]), display=False)
glue("au_ss_risk_r2_r", float(ss_tab.loc["risk_events", "r2_other_min_rounding"]), display=False)
glue("au_ssp_sigma", float(ssp["sigma_max"]), display=False)
glue("au_ssp_tight", Markdown(f"`{ssp['tightest']}`"), display=False)
glue("au_ssp_r2", float(ssp["r2_min"]), display=False)
glue("au_ss_n", ss["nobs"], display=False)
ss_shown = ss["table"].rename(columns={
    "se": "SE", "sd": "SD(x)", "se_x_sd": "SE x SD", "sigma_max": "sigma at most",
    "sigma_max_rounding": "sigma at most (rounding edges)", "r2_other_min": "R2 on other regressors at least",
    "r2_other_min_rounding": "same, rounding edges"})
cr = result["cr4_year"]
glue("au_cr4_minsd", cr["min_sd"], display=False)
glue("au_cr4_sdmax", cr["sd_printed_max"], display=False)
glue("au_cr4_sd", cr["sd_printed"], display=False)
glue_i18n("au_cr4_verdict", i18n.tr(audit.INCONSISTENT if not cr["feasible"] else audit.CONSISTENT))
glue("au_cr4_other", cr["other_values"], display=False)
cr_row = t1.loc["cr4"]
glue("au_cr4_mean", float(cr_row["mean"]), display=False)
glue("au_cr4_min", float(cr_row["min"]), display=False)
glue("au_cr4_max", float(cr_row["max"]), display=False)

# %%
show_table(ss_shown, "Each row of Table 2 bounds the residual standard deviation (classical standard errors): "
           "sigma <= SE sqrt(N) SD(x), at the printed values and at the edges of their rounding intervals; "
           "and the R-squared on the other regressors that the row's SE then needs.", "tbl-audit-se-sd",
           digits={"SE": 2, "SD(x)": 2, "SE x SD": 4, "sigma at most": 4, "sigma at most (rounding edges)": 4,
                   "R2 on other regressors at least": 6, "same, rounding edges": 6}, save_dir=out_dir)

# %% [markdown]
# The bounds differ by a factor of {glue:text}`au_ss_se_x_sd_ratio:.0f`
# (SE x SD from {glue:text}`au_ss_se_x_sd_min:.4f` to
# {glue:text}`au_ss_se_x_sd_max:.2f`). The tightest, from
# {glue:md}`au_ss_tight`, allows a residual standard deviation of at most
# {glue:text}`au_ss_sigma_max:.3f` ESG points
# ({glue:text}`au_ss_sigma_max_rounding:.3f` at the rounding edges), against an
# ESG standard deviation of {glue:text}`au_ss_sd_y:.1f`: the model would have
# to explain at least a share {glue:text}`au_ss_r2_min:.5f` of ESG's variance
# ({glue:text}`au_ss_r2_min_rounding:.5f`). With that residual spread, the
# risk coefficient's SE would need risk events to be explained by the other
# regressors with an R-squared of at least {glue:text}`au_ss_risk_r2:.6f`
# ({glue:text}`au_ss_risk_r2_r:.6f`). Nothing in the paper suggests either.
# The bound assumes classical standard errors: clustered or robust ones can
# be smaller, and the paper does not say which it prints. The one benign
# reading is that growth and CR4 entered the regression in per cent while
# Table 1 shows fractions; then the tightest bound comes from
# {glue:md}`au_ssp_tight` and is {glue:text}`au_ssp_sigma:.2f`
# (R-squared at least {glue:text}`au_ssp_r2:.3f`), but the fitted equation
# at the means falls from {glue:text}`au_fit_means:.2f` to
# {glue:text}`au_fit_means_pct:.2f`, further from the mean ESG of
# {glue:text}`au_mean_esg:.1f`. Possible, not documented: unexplained.
#
# **CR4 as a yearly series** (finding `cr4_year_series`). Table 1 on its own
# looks feasible: every row's SD is below the Bhatia-Davis bound for
# {glue:text}`au_n` unrestricted values. But the paper's CR4 is the
# concentration ratio of the one industry all firms belong to, one value per
# year, which is also how the identification notes below treat it. Then
# Table 1's CR4 row describes {glue:text}`au_years` values, each repeated for
# {glue:text}`au_firms` firms. Such a series with mean
# {glue:text}`au_cr4_mean:.2f`, minimum {glue:text}`au_cr4_min:.2f` and
# maximum {glue:text}`au_cr4_max:.2f` has the smallest spread when the other
# years all sit at one value (here {glue:text}`au_cr4_other:.4f`); even then,
# over the rounding intervals of all three, its standard deviation is at least
# {glue:text}`au_cr4_minsd:.4f`. The printed {glue:text}`au_cr4_sd:.2f` stands
# for at most {glue:text}`au_cr4_sdmax:.3f`. Verdict:
# {glue:text}`au_cr4_verdict`. Either CR4 is not a yearly industry series
# (and then it is not the industry's concentration ratio the paper describes)
# or Table 1's CR4 row is wrong.
#
# ## The printed equation

# %% tags=["hide-input"]
eq = result["equation"]
glue("au_eq_intercept", eq["intercept"], display=False)
glue("au_eq_label", eq["label"], display=False)  # the paper's words in English (au_eq_label_zh: as printed)
glue("au_eq_label_zh", eq["label_printed"], display=False)
glue_i18n("au_eq_verdict", i18n.tr(audit.INCONSISTENT if not eq["consistent"] else audit.CONSISTENT))

# %% [markdown]
# The paper's section 4.2 introduces its equation as {glue:text}`au_eq_label`
# ({glue:text}`au_eq_label_zh`), but the equation it prints has one intercept,
# {glue:text}`au_eq_intercept`, with no firm subscript: as printed, it is a
# pooled regression with a common intercept, not a model with firm fixed
# effects, which needs one intercept per firm ($\alpha_i$). Both cannot
# describe the model (finding `equation_label`, verdict
# {glue:text}`au_eq_verdict`). The book's fixed-effects chapter
# ({doc}`04_fixed_effects`) writes the firm-intercept version, which is what
# the label says, and estimates the pooled version beside it.
#
# (sec-audit-public)=
# ## The named firms' public data

# %% tags=["hide-input"]
pub = result["public"]
lab0, lab1 = list(pub["by_mapping"])
g0, g1 = pub["by_mapping"][lab0], pub["by_mapping"][lab1]
gr = t1.loc["revenue_growth"]
ar_ = t1.loc["log_assets"]
glue("au_pub_above", g0["n_above"], display=False)
glue("au_pub_above_shift", g1["n_above"], display=False)
glue("au_pub_n", g0["n"], display=False)
glue("au_pub_n_all", len(g0["panel"]), display=False)
glue("au_pub_gmax", float(gr["max"]), display=False)
glue("au_pub_gmin", float(gr["min"]), display=False)
glue("au_pub_gmean", float(gr["mean"]), display=False)
glue("au_pub_gsd", float(gr["sd"]), display=False)
top = pub["top"]
def firm_year(firm, year):
    """A firm-year as the editions write it ("PDD 2018"; the firm's name from the code catalogue)."""
    return i18n.tr("{firm} {year}", firm=i18n.tr(firm), year=int(year))


glue_i18n("au_pub_top", firm_year(top["firm"], top["year"]))
glue("au_pub_top_val", float(top["growth"]), display=False)
glue("au_pub_sdmin", pub["sd_min_with_top"], display=False)
glue("au_pub_nobs", pub["n"], display=False)
below = g0["below"]
glue_i18n("au_pub_below", semicolon_list(i18n.tr("{firm_year} at {growth:.3f}", firm_year=firm_year(r.firm, r.year),
                                                   growth=r.growth) for r in below.itertuples())
          if len(below) else i18n.tr("none"), kind="md")
firms_over = g0["above"].groupby("firm")["year"].apply(lambda y: [str(int(v)) for v in sorted(y)])
glue_i18n("au_pub_over_list", semicolon_list(i18n.tr("{firm} ({years})", firm=i18n.tr(f), years=comma_list(ys))
                                             for f, ys in firms_over.items()), kind="md")
excluded = g0["panel"][~g0["panel"]["comparable"]]
glue_i18n("au_pub_excluded", comma_list(firm_year(r.firm, r.year) for r in excluded.itertuples())
          if len(excluded) else i18n.tr("none"), kind="md")
assets = pub["assets"].set_index("reading")
glue("au_pub_amax", float(ar_["max"]), display=False)
glue("au_pub_amin", float(ar_["min"]), display=False)
glue("au_pub_rmb_largest", float(assets.loc["RMB", "largest"]), display=False)
glue_i18n("au_pub_rmb_firm", firm_year(*assets.loc["RMB", "largest_firm"].rsplit(" ", 1))
          if assets.loc["RMB", "largest_firm"] else "")
glue("au_pub_usd_largest", float(assets.loc["USD", "largest"]), display=False)
glue_i18n("au_pub_usd_firm", firm_year(*assets.loc["USD", "largest_firm"].rsplit(" ", 1))
          if assets.loc["USD", "largest_firm"] else "")
glue("au_pub_usd_smallest", float(assets.loc["USD", "smallest"]), display=False)
glue("au_pub_rmb_over", int(assets.loc["RMB", "above_max"]), display=False)
glue_i18n("au_pub_rmb_bound", i18n.tr(", a book value: total assets can only be larger")
          if assets.loc["RMB", "largest_is_lower_bound"] else "")
glue("au_pub_usd_over", int(assets.loc["USD", "above_max"]), display=False)
logs = pub["logs"]
kinds = published.public_financials()["source_kind"].value_counts()
glue("au_pub_n_filing", int(kinds.get("filing", 0)), display=False)
glue("au_pub_n_agg", int(kinds.get("aggregator", 0)), display=False)
glue("au_pub_n_figures", int(kinds.sum()), display=False)
panel_g = g0["panel"]
growth_wide = panel_g.pivot(index="firm", columns="year", values="growth")
growth_wide.columns = [str(c) for c in growth_wide.columns]
growth_wide = growth_wide.reset_index()
sources = panel_g.groupby("firm")["sources"].apply(lambda v: ", ".join(sorted(set(", ".join(v).split(", ")))))
growth_wide["sources"] = growth_wide["firm"].map(sources)
pd_public = panel_g.assign(mapping=lab0)
pd_public.to_csv(out_dir / "audit_public.csv", index=False)

# %% [markdown]
# The paper names five of its twelve firms: Alibaba, JD, PDD, Amazon and
# eBay. Their revenues and total assets are public
# {cite:p}`alibaba2017_bsgasia,alibaba2018_20f_investis,alibaba2019_sec20f,alibaba_marketcap_bookvalue,alibaba_spreadlog,alibaba_stockanalysis,amazon_90bau,amazon_hozir,amazon_scribd_ratio,amazon_stockanalysis,amazon_stocksift,ebay2018_10k,ebay_marketbeat,jd2023_sec20f,jd_craft_mirror,jd_stockanalysis,jd_stocksift,pdd2018_ciw,pdd_logiportfolio,pdd_stocksift,pdd_stoxray,pdd_understandstock`
# (every source of `data/published/public_financials.csv`; a test keeps the
# two in step). Of the {glue:text}`au_pub_n_figures` figures
# used here, {glue:text}`au_pub_n_filing` come from filings (SEC 20-F and
# 10-K pages, Alibaba's filing host) and {glue:text}`au_pub_n_agg` from data
# aggregators, whose figures match the filings wherever both were found but
# are secondary sources; the file `data/published/public_financials.csv`
# names the source and its kind for every figure. Growth is computed from
# consecutive revenues in one currency and on one reporting basis, so it does
# not depend on exchange rates. Three caveats: Alibaba's fiscal year ends on
# 31 March, so its fiscal year can be mapped to the calendar year it ends in
# or to the one before; eBay's later filings restated earlier years after the
# sales of StubHub and Classifieds, so growth across a change of basis is
# left out ({glue:md}`au_pub_excluded`); and the paper does not say in which
# currency it measures assets.
#
# **Revenue growth** (finding `public_revenue_growth`). Table 1 gives a
# range from {glue:text}`au_pub_gmin:.2f` to {glue:text}`au_pub_gmax:.2f`
# with mean {glue:text}`au_pub_gmean:.2f` and SD {glue:text}`au_pub_gsd:.2f`.
# Of the {glue:text}`au_pub_n` comparable named firm-years in the paper's
# window ({glue:text}`au_pub_n_all` before the exclusions),
# {glue:text}`au_pub_above` lie above the printed maximum
# ({glue:text}`au_pub_above_shift` with Alibaba's fiscal years shifted by
# one): {glue:md}`au_pub_over_list`. Below the minimum: {glue:md}`au_pub_below`.
# {glue:text}`au_pub_top`'s growth of {glue:text}`au_pub_top_val:.2f` alone
# forces a standard deviation of at least {glue:text}`au_pub_sdmin:.2f` in
# {glue:text}`au_pub_nobs` observations with the printed mean, whatever the
# other values are (they are best all equal), against a printed
# {glue:text}`au_pub_gsd:.2f`. If the named firms are in the sample, as the
# paper says, Table 1's growth row cannot be right.
#
# **Firm size** (finding `public_log_assets`). The printed range of log total
# assets, {glue:text}`au_pub_amin:.1f` to {glue:text}`au_pub_amax:.1f`, is in
# currency units (logs of millions would be about 10 to 13). In RMB, the
# largest figure is {glue:text}`au_pub_rmb_largest:.2f`
# ({glue:text}`au_pub_rmb_firm`{glue:text}`au_pub_rmb_bound`);
# {glue:text}`au_pub_rmb_over` RMB figures exceed the maximum. In
# US dollars the largest is {glue:text}`au_pub_usd_largest:.2f`
# ({glue:text}`au_pub_usd_firm`), within the range
# ({glue:text}`au_pub_usd_over` above it), and every US-dollar figure found is
# at least {glue:text}`au_pub_usd_smallest:.2f`, above the printed mean. So the
# printed range is possible only if assets were measured in US dollars, which
# the paper does not say: unexplained.

# %%
show_table(growth_wide, "Revenue growth of the five named firms by year (Alibaba: the fiscal year ending in "
           "March of that year), computed from the revenues in data/published/public_financials.csv; blank: "
           "growth across a change of eBay's reporting basis.", "tbl-audit-public-growth",
           digits=3, save_dir=out_dir)

# %%
assets_shown = logs.sort_values(["firm", "currency", "fiscal_year"])[
    ["firm", "fiscal_year", "currency", "item", "value", "log_assets", "bound", "source", "source_kind"]]
show_table(assets_shown, "Total assets (and, for Alibaba, book value: a lower bound) of the named firms as found, "
           "in millions of the stated currency, with ln(assets in currency units) and each figure's source.",
           "tbl-audit-public-assets", digits={"value": 0, "log_assets": 2}, save_dir=out_dir)

# %% tags=["hide-input"]
fig_pub = plot_public_data(panel_g[panel_g["comparable"]], logs,
                           (float(gr["min"]), float(gr["mean"]), float(gr["max"])),
                           (float(ar_["min"]), float(ar_["mean"]), float(ar_["max"])))
glue_figure("fig_audit_public", fig_pub, out_dir, "fig-audit-public", image=to_image, save_first=True)

# %% [markdown]
# ```{glue:figure} fig_audit_public
# :name: fig-audit-public
#
# The five named firms' public revenue growth (left) and log total assets
# (right, solid: RMB, dotted: US dollars; hollow markers: Alibaba's book
# value, a lower bound) against Table 1's range (grey band) and mean (dashed).
# ```
#
# ## Sensitivity to an omitted confounder

# %% tags=["hide-input"]
sens = result["sensitivity"]
(l_main, s_main), (l_alt, s_alt) = sens["by_df"].items()
glue("au_rv_t", sens["t"], display=False)
glue("au_rv_df", s_main["df"], display=False)
glue("au_rv_df_alt", s_alt["df"], display=False)
glue("au_rv", s_main["rv"], display=False)
glue("au_rv_a", s_main["rv_alpha"], display=False)
glue("au_rv_alt", s_alt["rv"], display=False)
glue("au_rv_a_alt", s_alt["rv_alpha"], display=False)
glue("au_rv_pct", 100 * s_main["rv_alpha"], display=False)
glue("au_rv_r2", s_main["partial_r2"], display=False)

# %% [markdown]
# How strong would an omitted confounder have to be to explain the risk
# effect away? The robustness value of {cite:t}`cinelli2020making` answers
# from the printed t alone (`esgrisk.sensitivity`, finding `sensitivity_rv`).
# With t = {glue:text}`au_rv_t:.2f` and {glue:text}`au_rv_df` residual
# degrees of freedom (N - G - k, firm effects), a confounder that explains a
# share {glue:text}`au_rv:.2f` of the residual variance of both risk events
# and ESG would bring the estimate to zero, and one that explains
# {glue:text}`au_rv_a:.2f` (about {glue:text}`au_rv_pct:.0f` %) of both would
# make it insignificant at the 5 % level. With {glue:text}`au_rv_df_alt`
# degrees of freedom (pooled OLS) the values are {glue:text}`au_rv_alt:.2f`
# and {glue:text}`au_rv_a_alt:.2f`. For comparison, risk events themselves
# explain a share {glue:text}`au_rv_r2:.2f` of ESG's residual variance. A
# firm's size, business model or regulatory exposure could plausibly do as
# much; the paper reports no benchmark.
#
# (sec-audit-identification)=
# ## What the models can identify
#
# This section uses the panel ({glue:text}`au_panel_file`) to illustrate
# consequences of the design that hold for any panel of this kind.

# %% tags=["hide-input"]
glue("au_panel_file", display_path(panel_path), display=False)
shares = audit.variation_shares(panel, [*audit.REGRESSORS, "region_incidents"])
industry = audit.industry_instrument_identification(panel)
ident = audit.identification_findings(panel, ts, shares, industry)
shares.to_csv(out_dir / "audit_identification.csv", index=False)
sh = shares.set_index("variable")
glue("au_share_size_within", float(sh.loc["log_assets", "within firm"]), display=False)
glue("au_share_reg_within", float(sh.loc["reg_strength", "within firm"]), display=False)
glue("au_share_cr4_year", float(sh.loc["cr4", "within year"]), display=False)
little = max(float(sh.loc["log_assets", "within firm"]), float(sh.loc["reg_strength", "within firm"])) < 0.1
glue_i18n("au_fe_note", i18n.tr("Their coefficients therefore rest on very little variation.") if little else
          i18n.tr("With firm effects their coefficients rest on that part of the variation only."))
cr4_share = float(sh.loc["cr4", "within year"])
glue_i18n("au_cr4_note", i18n.tr("in this panel its share of variance within a year is {share:.3f}", share=cr4_share)
          if cr4_share < 1e-12 else
          i18n.tr("in this panel, though, {share:.3f} of its variance lies within years, so the panel's cr4 is not "
                  "a pure industry series", share=cr4_share))
glue("au_iv_distinct", industry["distinct_values_inclusive"], display=False)
glue("au_iv_corr", industry["within_year_corr_loo_own"], display=False)
glue("au_iv_gap", f"{industry['iv_minus_ols']:.1e}", display=False)
glue("au_first_f", float(ts.loc["first_stage_f", "statistic"]), display=False)
glue("au_n_regions", int(panel["region"].nunique()), display=False)
glue("au_n_years_panel", int(panel["year"].nunique()), display=False)

# %%
show_table(shares, "Share of each variable's variance left after removing firm means, year means, or both "
           "(0 = absorbed by the effects).", "tbl-audit-variation", digits=3, save_dir=out_dir)

# %% [markdown]
# **Fixed effects.** Firm effects keep only changes within a firm over time.
# In this panel that leaves {glue:text}`au_share_size_within:.3f` of the
# variance of firm size and {glue:text}`au_share_reg_within:.3f` of regulatory
# strength. {glue:text}`au_fe_note` CR4, the
# concentration of the one industry all firms belong to, is the same for every
# firm in a year ({glue:text}`au_cr4_note`).
# Year effects absorb such a variable completely, so a model with year effects cannot
# report a CR4 coefficient; Table 2 reports one, so its model had no year
# effects (unless firms were assigned to different sub-industries, which the
# paper does not describe). Without year effects, the CR4 coefficient is
# identified from {glue:text}`au_n_years_panel` yearly values only.
#
# **The industry-average ESG instrument.** In a sample of one industry the
# industry's average ESG score is the same for every firm in a year: it takes
# {glue:text}`au_iv_distinct` distinct values here, and with year effects it
# is perfectly collinear. Its information is {glue:text}`au_n_years_panel`
# yearly averages, however many firm-years the first-stage F of
# {glue:text}`au_first_f:.2f` counts. The inclusive average also contains the
# firm's own score, so it is correlated with the firm's own shock. Leaving the
# firm out does not help once year effects are in: the leave-one-out mean
# equals the year's total minus the firm's own score, over n - 1, so within a
# year it is an exact linear function of the firm's own ESG (correlation
# {glue:text}`au_iv_corr:.2f`), and 2SLS then reproduces OLS (difference
# {glue:text}`au_iv_gap`). The instrument cannot correct for the endogeneity it
# is meant to address.
#
# **The regional-incidents instrument.** For the count of cyber-security
# incidents in the firm's region to identify the effect of the firm's own
# risk events, three things are needed, and the paper shows none of them:
# a first stage showing that regional incidents predict the firm's events (no
# first-stage statistic is printed for this instrument); an argument that
# regional incidents move ESG only through the firm's own events (not, for
# example, through raters' view of the region, or through regulation that
# tightens after incidents, which the regulation control captures only as
# well as it is measured); and a regional count that excludes the firm's own
# incidents, which otherwise enter both sides. The instrument varies only by
# region and year ({glue:text}`au_n_regions` regions in this panel), so with
# firm effects it is identified from regional changes over time, and firms in
# the same region share it: {numref}`chapter %s <ch-monte-carlo>` shows what that does to precision and
# to firm-clustered standard errors.
#
# ## Findings

# %% tags=["hide-input"]
findings = audit.findings_table([*result["findings"], *ident])
findings.to_csv(out_dir / "audit_findings.csv", index=False)
counts = findings["verdict"].value_counts()
glue("au_n_checks", len(findings), display=False)
for name, verdict in (("inconsistent", audit.INCONSISTENT), ("unexplained", audit.UNEXPLAINED),
                      ("consistent", audit.CONSISTENT), ("notes", audit.NOTE),
                      ("sensitivity", audit.SENSITIVITY)):
    glue(f"au_n_{name}", int(counts.get(verdict, 0)), display=False)
bad = findings[findings["verdict"] == audit.INCONSISTENT]["id"].tolist()
glue("au_bad_ids", Markdown(", ".join(f"`{i}`" for i in bad)), display=False)
unexpl = findings[findings["verdict"] == audit.UNEXPLAINED]["id"].tolist()
glue("au_unexpl_ids", Markdown(", ".join(f"`{i}`" for i in unexpl)), display=False)

# %%
show_table(findings[["id", "check", "printed", "verdict", "assumption"]],
           "Audit of the printed numbers: one row per finding (stable id), what the printed numbers give, "
           "the verdict and the assumption it needs.", "tbl-audit-findings", save_dir=out_dir)

# %% [markdown]
# Of {glue:text}`au_n_checks` findings ({numref}`tbl-audit-findings`),
# {glue:text}`au_n_inconsistent` are inconsistent (the printed numbers cannot
# all be true: {glue:md}`au_bad_ids`), {glue:text}`au_n_unexplained` are
# unexplained (possible, but only in a way the paper does not document:
# {glue:md}`au_unexpl_ids`), {glue:text}`au_n_consistent` are consistent,
# and {glue:text}`au_n_notes` identification notes and
# {glue:text}`au_n_sensitivity` sensitivity analysis say what the design can
# show. Each discrepancy is counted once: the p-values are one finding,
# however many reference distributions were tried. The arithmetic inside
# Table 2 (t = coefficient / SE) and each Table 1 row taken alone holds. What
# fails is the link between the pieces, and between the paper and the public
# record of the firms it names.
#
# ## Replication summary
#
# In the manner of a replication report of the Institute for Replication
# {cite:p}`i4r_site` and the ACRE guide {cite:p}`bitss_acre`:
#
# - **What could be reproduced from data:** nothing. The paper publishes no
#   data and no code, so no number of it can be recomputed; the book's
#   estimates run on a labelled simulation (and on any panel a reader
#   supplies).
# - **What the printed numbers allow:** checks of internal consistency
#   (t ratios, p-values, means, spreads, the equation), checks against the
#   public record of the five named firms, and a sensitivity analysis from the
#   printed t. {numref}`tbl-audit-summary` ranks the findings (inconsistent
#   first) and says, for each, what the authors could release to resolve it.
# - **What would resolve most of them at once:** the panel (or at least the
#   list of the twelve firms with the sources of each variable), the
#   estimation code, and the full regression output, as the AEA Data Editor's
#   template README asks of a replication package.

# %% tags=["hide-input"]
summary = audit.ranked(findings)
summary = summary.assign(release=summary["id"].map(audit.RESOLVE).fillna(""))
summary = summary[summary["verdict"] != audit.CONSISTENT][["id", "verdict", "check", "release"]]
summary.insert(0, "rank", range(1, len(summary) + 1))

# %%
show_table(summary, "Replication summary: the findings that are not simply consistent, ranked by verdict, "
           "with what the authors could release to resolve each.", "tbl-audit-summary", save_dir=out_dir)

# %% [markdown]
# ```{include} ../book/teaching/07_audit.exercises.md
# ```
