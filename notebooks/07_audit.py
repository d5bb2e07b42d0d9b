# %% [markdown]
# (ch-audit)=
# # Replication audit
#
# ```{admonition} Simulated data
# :class: warning
# The audit's findings come from the paper's printed numbers
# (`data/published/`), not from any panel. Only {numref}`section %s <sec-audit-identification>` uses a panel, to
# illustrate what fixed effects and the instruments can identify; by default
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
# unless something offsets it. A printed number is read as the interval it
# rounds from (a value printed as 1.23 is anything in [1.225, 1.235]), and a check fails only if
# no values inside those intervals satisfy it. The functions are in
# `esgrisk.audit`, each with a test.
#
# - **Inputs:** `data/published/table1.csv`, `table2.csv`, `twosls.csv`,
#   `text_claims.csv` (through `esgrisk.published`); the panel (`panel_path`)
#   for {numref}`section %s <sec-audit-identification>` only.
# - **Outputs:** `audit_findings.csv`, `audit_pvalues.csv`,
#   `audit_identification.csv` in `results_dir`; {numref}`tbl-audit-findings`
#   and the tables of this page, each also as `tables/<name>.csv` in
#   `results_dir`.
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/07_audit.py`, then
#   `papermill notebooks/07_audit.ipynb out.ipynb -p results_dir my_results`.

# %% [markdown]
# ```{include} ../book/teaching/07_audit.objectives.md
# ```

# %% tags=["parameters"]
panel_path = "data/simulated/panel.csv"
results_dir = "results"
seed = 20250601

# %% tags=["hide-input"]
from esgrisk.panel import load_panel

panel = load_panel(panel_path)

# %% tags=["hide-input"]
import numpy as np
from myst_nb import glue

from esgrisk import audit, published
from esgrisk.paths import display_path, output_dir
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)

t1, t2, ts, tc = published.table1(), published.table2(), published.twosls(), published.text_claims()
result = audit.audit(t1, t2, ts, tc)
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
glue("au_size_dfs", size["df reproducing p"], display=False)
glue("au_reg_dfs", reg["df reproducing p"], display=False)
glue("au_t11_label", labels[1].split(" =")[0], display=False)
slopes = pv[pv["variable"] != "const"]
glue("au_t11_ok", int(slopes[f"matches {labels[1]}"].sum()), display=False)
glue("au_slope_rows", len(slopes), display=False)
changed = [v for v, p0, p1 in zip(slopes["variable"], slopes["p printed"], slopes[f"p {labels[1]}"], strict=True)
           if (p0 < 0.05) != (p1 < 0.05)]
glue("au_changed_5", ", ".join(changed) if changed else "none", display=False)
glue("au_size_p11", float(size[f"p {labels[1]}"]), display=False)

# %%
show_table(pv_shown, "Two-sided p-values implied by the printed t under four reference distributions; "
           "(x) marks a value that does not round to the printed p.", "tbl-audit-p", digits=None,
           save_dir=out_dir)

# %% [markdown]
# Three things stand out.
#
# 1. **The p-values are not firm-clustered t(G-1) p-values.** With
#    {glue:text}`au_firms` clusters Stata's `vce(cluster firm)` would use
#    {glue:text}`au_t11_label`; it reproduces {glue:text}`au_t11_ok` of the
#    {glue:text}`au_slope_rows` slope rows.
# 2. **No single distribution reproduces all rows.** The normal reproduces
#    every row except firm size, whose t of {glue:text}`au_size_t:.2f` gives
#    {glue:text}`au_size_pnorm:.4f` (printed {glue:text}`au_size_p:.3f`). That
#    row needs a t distribution with {glue:text}`au_size_dfs` degrees of
#    freedom, more than a sample of {glue:text}`au_n` firm-years can have,
#    while the regulation row needs {glue:text}`au_reg_dfs`.
# 3. The differences matter little at the 5 % level (slopes whose 5 %
#    significance changes under {glue:text}`au_t11_label`:
#    {glue:text}`au_changed_5`), more at 1 %: the text calls firm size
#    significant at 1 %, and under {glue:text}`au_t11_label` its p-value is
#    {glue:text}`au_size_p11:.3f`. Printed p-values that no one computation
#    produces suggest they were not all taken from one regression output.
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

# %% [markdown]
# - **Regulation.** The text gives the regulation coefficient as
#   {glue:text}`au_reg_text:.2f`; Table 2 prints {glue:text}`au_reg_table:.2f`.
#   The gap is {glue:text}`au_reg_gap_se:.1f` of the table's standard errors;
#   with that standard error the text's value would have a t of
#   {glue:text}`au_reg_t_text:.1f`, not the printed {glue:text}`au_reg_t_printed:.2f`. Both cannot describe
#   the same estimate; the book uses the table's value.
# - **ESG to risk.** The effect of ESG on risk events is
#   {glue:text}`au_h2:.2f` where H2 is tested and {glue:text}`au_h3:.2f` in
#   the bidirectional check a paragraph later. The paper does not say that
#   the two come from different specifications, and prints no table for
#   either.
# - **Risk to ESG.** Table 2 has {glue:text}`au_table_risk:.2f`; the
#   bidirectional check reports {glue:text}`au_bidir_risk:.2f`. These may be
#   different estimators (a fixed-effects IV and a system 2SLS), which would
#   explain a difference, but the second model is not specified, so the two
#   cannot be compared.
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

# %% [markdown]
# OLS with a constant passes through the sample means: the mean of the
# outcome equals the constant plus each coefficient times its regressor's
# mean. This also holds for the firm fixed-effects model as Stata
# (`xtreg, fe`) and linearmodels report it: their "constant" is the average
# of the firm effects, defined so that the fitted equation passes through the
# grand means. So, whichever of the two models Table 2 shows, its constant
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
# one regression on one sample.
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
glue("au_beta", float(t2.loc["risk_events", "coef"]), display=False)
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
glue("au_fe_note", "Their coefficients therefore rest on very little variation." if little else
     "With firm effects their coefficients rest on that part of the variation only.", display=False)
cr4_share = float(sh.loc["cr4", "within year"])
glue("au_cr4_note", f"in this panel its share of variance within a year is {cr4_share:.3f}"
     if cr4_share < 1e-12 else
     f"in this panel, though, {cr4_share:.3f} of its variance lies within years, so the panel's cr4 "
     "is not a pure industry series", display=False)
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
glue("au_n_inconsistent", int(counts.get(audit.INCONSISTENT, 0)), display=False)
glue("au_n_consistent", int(counts.get(audit.CONSISTENT, 0)), display=False)

# %%
show_table(findings, "Audit of the printed numbers: each check, what the printed numbers should satisfy, "
           "what they give, and the verdict.", "tbl-audit-findings", save_dir=out_dir)

# %% [markdown]
# Of {glue:text}`au_n_checks` checks, {glue:text}`au_n_consistent` pass and
# {glue:text}`au_n_inconsistent` fail ({numref}`tbl-audit-findings`). The
# arithmetic inside Table 2 (t = coefficient / SE) and Table 1 holds. What
# fails is the link between the pieces: p-values that no single computation
# produces, a regulation coefficient that differs between text and table, an
# ESG-to-risk effect printed twice with different values, and a constant that
# does not return the mean ESG score. The variance bound and the
# identification notes do not show an error; they show what would have to be
# true, and be reported, for the estimates to mean what the paper says they
# mean.

# %% [markdown]
# ```{include} ../book/teaching/07_audit.exercises.md
# ```
