# %% [markdown]
# (ch-bidirectional)=
# # Bidirectional causality: 2SLS and 3SLS
#
# ```{admonition} Simulated data
# :class: warning
# By default this chapter runs on the book's calibrated simulation
# (`data/simulated/panel.csv`), not on the paper's firm data, which were not
# published. Its numbers describe the simulated panel, in which both causal
# effects are known. To run the chapter on real data, pass a panel that follows
# the panel contract:
# `papermill notebooks/05_bidirectional_2sls.ipynb out.ipynb -p panel_path my_panel.csv`.
# ```
#
# Section 4.3 of {cite:t}`zhang2025security` asks whether the influence between
# security risk and ESG runs both ways. It instruments a firm's ESG score with
# the industry's average ESG score, reports a first-stage F statistic, an
# effect of ESG on risk events (hypothesis H2) and, in a "bidirectional" check,
# one coefficient for each direction (H3). This chapter re-estimates both
# directions, first equation by equation (two-stage least squares, 2SLS) and
# then as one simultaneous system (three-stage least squares, 3SLS), and asks
# how much an industry-average instrument can identify in a sample that
# consists of one industry.
#
# - **Inputs:** the panel (`panel_path`); the paper's section 4.3 numbers
#   (`data/published/twosls.csv` through `esgrisk.published.twosls()`); the
#   simulation's true effects (`esgrisk.simulate.PARAMS.true_effects`).
# - **Outputs:** `iv_esg_to_risk.json`, `iv_esg_to_risk_inclusive.json` and
#   `system_3sls.json` in `results_dir` (each IV model with its first-stage F
#   and its Anderson-Rubin set; the system with the feedback multiplier). The
#   risk -> ESG arrow is the same estimation as chapter
#   {doc}`04_fixed_effects`'s `fe_iv_twoway` (or `fe_iv_risk` on a panel with
#   one region) and is written there, once; {numref}`fig-ar-sets` and the tables of this page,
#   also as `figures/<name>.png` and `tables/<name>.csv` in `results_dir`.
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/05_bidirectional_2sls.py`, then
#   `papermill notebooks/05_bidirectional_2sls.ipynb out.ipynb -p panel_path my_panel.csv -p results_dir my_results`.

# %% [markdown]
# ```{include} ../book/teaching/05_bidirectional_2sls.objectives.md
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
import pandas as pd
from IPython.display import Markdown
from myst_nb import glue
from scipy import stats

from esgrisk import bidirectional as bd
from esgrisk import estimate as est
from esgrisk import published, report, weakiv
from esgrisk import system as sy
from esgrisk.descriptive import figure_image as to_image
from esgrisk.evidence import WEAK_F, ar_sentence, first_stage_sentence
from esgrisk.figures import glue_figure
from esgrisk.i18n import glue_i18n, tr
from esgrisk.paths import display_path, output_dir
from esgrisk.prose import comma_list
from esgrisk.results import write_result
from esgrisk.simulate import PARAMS
from esgrisk.tables import show_table

n_obs, n_firms, n_years = len(panel), panel["firm"].nunique(), panel["year"].nunique()
paper = published.twosls()
out_dir = output_dir(results_dir)

# --- the four models
fit_loo = est.fit_iv_esg_to_risk(panel, "loo")
fit_inc = est.fit_iv_esg_to_risk(panel, "inclusive")
fit_r2e = bd.fit_iv_risk_to_esg(panel)  # fe_iv_twoway (or fe_iv_risk), as in chapter 4
system = sy.fit_system_3sls(panel)

# --- weak-instrument-robust Anderson-Rubin sets (same specification as each 2SLS fit)
ar_loo = weakiv.anderson_rubin(panel, fit_loo)
ar_inc = weakiv.anderson_rubin(panel, fit_inc)
ar_r2e = weakiv.anderson_rubin(panel, fit_r2e)

# --- feedback multiplier from the system's joint covariance
mult_delta = sy.multiplier_delta(system.beta, system.gamma, system.cov)
mult_boot = sy.multiplier_bootstrap(system.beta, system.gamma, system.cov, seed=seed)

records = {
    "iv_esg_to_risk": {**fit_loo.to_record(), "anderson_rubin": ar_loo.to_record()},
    "iv_esg_to_risk_inclusive": {**fit_inc.to_record(), "anderson_rubin": ar_inc.to_record()},
    "system_3sls": {**system.to_record(), "feedback_multiplier": {
        "point": mult_delta["multiplier"], "delta_se": mult_delta["se"],
        "delta_ci": [mult_delta["ci_low"], mult_delta["ci_high"]],
        "bootstrap_ci": [mult_boot["ci_low"], mult_boot["ci_high"]],
        "bootstrap_median": mult_boot["median"],
        "bootstrap_share_unstable": mult_boot["share_unstable"],
        "bootstrap_draws": mult_boot["n_draws"], "seed": seed}},
}
written = [write_result(rec, results_dir) for rec in records.values()]


def fs(fit):
    """The first stage of ``fit`` as its record shows it (f_cluster decides; f_classical shown)."""
    return fit.first_stage[fit.endogenous[0]].to_record()


t_crit = float(stats.t.ppf(0.975, n_firms - 1))
true_beta, true_gamma = (float(PARAMS.true_effects["risk_to_esg"]),
                          float(PARAMS.true_effects["esg_to_risk"]))

glue("n_obs", n_obs, display=False)
glue("panel_file", Markdown(f"`{display_path(panel_path)}`"), display=False)
glue("n_firms", n_firms, display=False)
glue("n_years", n_years, display=False)
glue("df_p", n_firms - 1, display=False)
glue("true_beta", true_beta, display=False)
glue("true_gamma", true_gamma, display=False)
glue("true_multiplier", sy.feedback_multiplier(true_beta, true_gamma), display=False)
glue("paper_f", report.paper_first_stage_f(paper), display=False)
glue("weak_f", WEAK_F, display=False)
glue("r2e_model", Markdown(f"`{fit_r2e.model_id}`"), display=False)
glue("paper_h2", float(paper.loc["h2_esg_to_risk", "coef"]), display=False)
glue("paper_h3_r2e", float(paper.loc["bidir_risk_to_esg", "coef"]), display=False)
glue("paper_h3_e2r", float(paper.loc["bidir_esg_to_risk", "coef"]), display=False)
glue("results_files", Markdown(", ".join(f"`{p.name}`" for p in written)), display=False)

# %% [markdown]
# ## Two equations, two instruments
#
# The system behind H3 has one equation for each direction:
#
# $$
# \begin{aligned}
# \text{Risk}_{it} &= \gamma\,\text{ESG}_{it} + x_{it}'\theta_R
#    + \delta\,\text{Incidents}_{rt} + c_i + u_{it}, \\
# \text{ESG}_{it} &= \beta\,\text{Risk}_{it} + x_{it}'\theta_E + a_i + S_t + v_{it},
# \end{aligned}
# $$
#
# with the four controls $x_{it}$ (size, revenue growth, CR4, regulatory
# strength), firm effects $a_i, c_i$, and an industry-wide ESG shift $S_t$
# (rating methodology, investor attention). Each equation needs a variable that
# moves its right-hand endogenous variable and is absent from the equation
# itself {cite:p}`wooldridge2010econometric`:
#
# - **ESG in the risk equation** ($\gamma$, the paper's H2): the paper uses the
#   industry's average ESG score. It can only work through $S_t$: it moves a
#   firm's ESG and, if the exclusion holds, touches risk only through the
#   firm's own ESG.
# - **Risk in the ESG equation** ($\beta$): the region's cyber-security
#   incidents, the instrument of {numref}`chapter %s <ch-fixed-effects>`. They move risk events, so they also
#   belong in the risk equation as a regressor; left out of it, they would sit
#   in $u_{it}$ next to any year pattern the ESG instrument has.
#
# The simulation that produced the default panel has $\beta$ =
# {glue:text}`true_beta:.2f` and $\gamma$ = {glue:text}`true_gamma:.2f` and
# satisfies both exclusions by construction. On real data neither is known.
# This run uses the panel {glue:md}`panel_file`: {glue:text}`n_obs`
# firm-years of {glue:text}`n_firms` firms over {glue:text}`n_years` years.
# All standard errors below are clustered by firm, and $p$-values use a $t$
# distribution with {glue:text}`df_p` degrees of freedom (one fewer than the
# number of firms), as Stata does after clustering; with
# {glue:text}`n_firms` clusters the usual large-sample $p$-values would be too
# small {cite:p}`cameron2008bootstrap`.

# %% tags=["hide-input"]
refl = bd.reflection_check(panel)
demo = bd.reflection_demo(n_firms=int(round(refl["n_firms_per_year"])), n_years=n_years,
                          seed=seed)
for key, value in refl.items():
    glue(f"refl_{key}", float(value), display=False)
glue("demo_n", int(demo["n_firms"]), display=False)
glue("demo_corr_inc", demo["corr_own_inclusive"], display=False)
glue("demo_corr_loo", demo["corr_own_loo"], display=False)
glue("demo_theory", demo["theory_inclusive"], display=False)
collapse = bd.twoway_collapse(panel, fit_loo)
glue("tw_ols", collapse["ols_twoway"], display=False)
glue("tw_iv", collapse["iv_loo_twoway"], display=False)
glue("tw_diff", abs(collapse["difference"]), display=False)

# %% [markdown]
# (sec-reflection)=
# ## The reflection problem in a one-industry sample
#
# All firms in the sample are e-commerce firms, so "the industry" of a firm in
# a year is the whole cross-section of that year. Two versions of the average
# follow:
#
# - the **inclusive** mean, the average over all $n$ firms including the firm
#   itself, which is what the paper's wording describes;
# - the **leave-one-out** mean, the average over the other $n-1$ firms.
#
# They are tied by an identity, $\bar{e}^{\,\text{inc}}_{t} = \big(e_{it} +
# (n-1)\,\bar{e}^{\,\text{loo}}_{it}\big)/n$ (on this panel it holds to
# {glue:text}`refl_identity_gap:.1e`). The inclusive mean therefore contains
# the firm's own score, its own shock included, with weight $1/n$: an
# instrument built from the outcome it is meant to explain. This is a version
# of the reflection problem of {cite:t}`manski1993identification`. The size of
# the mechanical link is easy to compute. If every firm's score were drawn
# independently, so that the other firms' mean carried no information about
# the firm at all, the correlation between a firm's score and the inclusive
# mean would still be $1/\sqrt{n}$, {glue:text}`demo_theory:.2f` for
# {glue:text}`demo_n` firms. Simulated with independent scores, it is
# {glue:text}`demo_corr_inc:.2f`, against {glue:text}`demo_corr_loo:.2f` for
# the leave-one-out mean.
#
# On the panel itself, the correlation of a firm's ESG with the inclusive mean
# is {glue:text}`refl_corr_own_inclusive:.2f` and with the leave-one-out mean
# {glue:text}`refl_corr_own_loo:.2f`; both include the genuine common shift
# $S_t$, and only the difference between them is mechanical.
#
# A second property matters even more. In one industry the average varies only
# from year to year: once firm effects are removed, year dummies explain
# {glue:text}`refl_year_share_inclusive:.3f` of the within-firm variation of
# the inclusive mean and {glue:text}`refl_year_share_loo:.3f` of the
# leave-one-out mean (the rest is the own-score term, of weight $1/(n-1)$).
# The instrument is, for practical purposes, a year effect, and the ESG ->
# risk coefficient is identified from {glue:text}`n_years` year-to-year
# movements, however many firms there are. Two consequences:
#
# - With **year effects** in the model, the inclusive mean is absorbed entirely
#   and the coefficient is not identified. The leave-one-out mean keeps only
#   its own-score term, which is proportional to the firm's own ESG, so 2SLS
#   reproduces OLS exactly: with firm and year effects, OLS gives
#   {glue:text}`tw_ols:.3f`, the "instrumented" estimate
#   {glue:text}`tw_iv:.3f` (difference {glue:text}`tw_diff:.1e`).
# - **Without year effects**, the instrument is valid only if nothing else that
#   changes from year to year moves risk events: new data-protection laws, a
#   wave of attacks on the whole sector, or a change in how incidents are
#   reported would all be attributed to ESG.

# %% tags=["hide-input"]
def iv_row(fit, ar):
    first = fs(fit)
    return {
        "coefficient": fit.coef,
        "std. error": fit.se,
        "p-value, t(G-1)": fit.pvalue,
        "95% CI low": fit.coef - t_crit * fit.se,
        "95% CI high": fit.coef + t_crit * fit.se,
        "first-stage F (classical)": first["f_classical"],
        "first-stage F (cluster-robust)": first["f_cluster"],
        "partial R2": first["partial_r2"],
        "endogeneity test p": fit.extra["endogeneity"]["control_function_clustered"]["pvalue"],
        "AR 95% set": ar.describe(2),
    }


ols_e2r = bd.within_ols(panel, fit_loo)
e2r_table = pd.DataFrame({
    "leave-one-out mean (book)": iv_row(fit_loo, ar_loo),
    "inclusive mean (paper)": iv_row(fit_inc, ar_inc),
    "OLS, ESG taken as given": {"coefficient": ols_e2r["coef"], "std. error": ols_e2r["se"],
                                "p-value, t(G-1)": ols_e2r["pvalue"],
                                "95% CI low": ols_e2r["coef"] - t_crit * ols_e2r["se"],
                                "95% CI high": ols_e2r["coef"] + t_crit * ols_e2r["se"]},
})
glue("b_ols_e2r", ols_e2r["coef"], display=False)

glue("b_loo", fit_loo.coef, display=False)
glue("se_loo", fit_loo.se, display=False)
glue("p_loo", fit_loo.pvalue, display=False)
glue("b_inc", fit_inc.coef, display=False)
glue("se_inc", fit_inc.se, display=False)
glue("p_inc", fit_inc.pvalue, display=False)
glue("f_loo", fs(fit_loo)["f_classical"], display=False)
glue("f_inc", fs(fit_inc)["f_classical"], display=False)
glue("fc_loo", fs(fit_loo)["f_cluster"], display=False)
glue("fc_inc", fs(fit_inc)["f_cluster"], display=False)
glue("f_df_resid", fs(fit_loo)["df_classical"][1], display=False)


glue_i18n("f_verdict", first_stage_sentence({
    tr("leave-one-out mean"): (fs(fit_loo)["f_classical"], fs(fit_loo)["f_cluster"]),
    tr("inclusive mean"): (fs(fit_inc)["f_classical"], fs(fit_inc)["f_cluster"])}, WEAK_F))

# %% [markdown]
# (sec-esg-risk-loo)=
# ## ESG -> risk: inclusive against leave-one-out
#
# {numref}`tbl-iv-esg-to-risk` reports the ESG -> risk equation estimated with each version of
# the instrument, with identical controls (the four controls and regional
# incidents) and firm effects.

# %%
show_table(e2r_table,
           "ESG -> risk events, 2SLS with firm effects. SEs clustered by firm; first-stage F: "
           "classical with firm dummies counted (ivreg2 convention) and cluster-robust Wald/q; "
           "endogeneity: cluster-robust control-function test; AR: Anderson-Rubin set.",
           "tbl-iv-esg-to-risk", digits=3, na_rep="", index=True, save_dir=out_dir)

# %% [markdown]
# With the leave-one-out mean, the coefficient is {glue:text}`b_loo:.2f`
# (SE {glue:text}`se_loo:.2f`, $p$ = {glue:text}`p_loo:.3f`); with the
# inclusive mean it is {glue:text}`b_inc:.2f` (SE {glue:text}`se_inc:.2f`,
# $p$ = {glue:text}`p_inc:.3f`). The paper reports {glue:text}`paper_h2:.2f`.
#
# **First-stage strength.** The paper prints a first-stage F of
# {glue:text}`paper_f:.2f` and calls the instrument strong. It does not say how
# the F was computed. The closest convention is the classical F of the excluded
# instrument with the firm dummies counted in the residual degrees of freedom
# ({glue:text}`f_df_resid` here), as Stata's `ivreg2` reports it:
# {glue:text}`f_loo:.2f` for the leave-one-out mean and {glue:text}`f_inc:.2f`
# for the inclusive mean. With errors clustered by firm, the relevant statistic
# is the cluster-robust one, {glue:text}`fc_loo:.2f` and
# {glue:text}`fc_inc:.2f`. {glue:text}`f_verdict` The critical values of
# {cite:t}`stock2005testing` assume independent errors; with
# {glue:text}`n_firms` clusters any single threshold is a rough guide, which is
# why the next section uses a test that does not depend on the instrument's
# strength.
#
# The inclusive mean carries the firm's own score, so part of its first stage
# is mechanical, and that part pulls the second stage towards the OLS estimate
# ({glue:text}`b_ols_e2r:.2f` here), which mixes in the reverse effect of risk
# on ESG. A stronger first stage bought this way is a symptom, not a virtue.

# %% tags=["hide-input"]
r2e_first = fs(fit_r2e)
glue("b_r2e", fit_r2e.coef, display=False)
glue("se_r2e", fit_r2e.se, display=False)
glue("p_r2e", fit_r2e.pvalue, display=False)
glue("f_r2e", r2e_first["f_classical"], display=False)
glue("fc_r2e", r2e_first["f_cluster"], display=False)
effects = fit_r2e.effects
glue_i18n("r2e_effects", tr("firm and year effects") if "year" in effects else
          tr("firm effects only (this panel has a single region, so year effects would absorb the instrument)"),
          kind="md")
absorbed = list(fit_r2e.absorbed)
glue_i18n("r2e_absorbed", comma_list(f"`{c}`" for c in absorbed) if absorbed else tr("none"), kind="md")
r2e_table = pd.DataFrame({"risk -> ESG (2SLS)": iv_row(fit_r2e, ar_r2e)})
yearly_incidents = panel.groupby("year")["region_incidents"].mean()
glue_i18n("inc_trend", tr("on this panel their yearly average moves between {low:.0f} and {high:.0f}, "
                          "highest in {year}", low=yearly_incidents.min(), high=yearly_incidents.max(),
                          year=yearly_incidents.idxmax()))
glue_i18n("r2e_ident", tr("by differences in regional incident waves within a year") if "year" in effects else
          tr("by the regional incidents' changes over time (this panel has a single region, so year effects "
             "cannot be added)"), kind="md")

# %% [markdown]
# ## Risk -> ESG
#
# The reverse equation instruments risk events with regional incidents, as in
# {numref}`chapter %s <ch-fixed-effects>`, with one change: where the panel allows it, the equation includes
# year effects (here: {glue:md}`r2e_effects`; year-level controls absorbed:
# {glue:md}`r2e_absorbed`). The reason is the
# industry-wide shift $S_t$. It is what makes the industry mean a relevant
# instrument for ESG, and it is part of this equation's error. Regional
# incidents have their own year pattern ({glue:text}`inc_trend`), and with only
# {glue:text}`n_years` years the sample correlation between that pattern and
# $S_t$ does not shrink as firms are added. Year effects remove $S_t$; the
# instrument then works through the differences between regions within a year.

# %%
show_table(r2e_table,
           "Risk events -> ESG, 2SLS with firm and year effects, regional incidents as instrument.",
           "tbl-iv-risk-to-esg", digits=3, na_rep="", index=True, save_dir=out_dir)

# %% [markdown]
# The estimate is {glue:text}`b_r2e:.2f` (SE {glue:text}`se_r2e:.3f`,
# $p$ = {glue:text}`p_r2e:.2g`), with a first-stage F of {glue:text}`f_r2e:.1f`
# (cluster-robust {glue:text}`fc_r2e:.1f`). The paper's bidirectional check
# reports {glue:text}`paper_h3_r2e:.2f`. The instrument is valid only if
# regional incident waves change a firm's ESG score solely through the firm's
# own incidents. Rating agencies that mark down every platform in a region after
# a publicised wave of attacks would break that.

# %% tags=["hide-input"]
ar_sets = {"ESG -> risk, leave-one-out": ar_loo, "ESG -> risk, inclusive": ar_inc,
           "risk -> ESG": ar_r2e}
fig_ar = report.plot_ar_curves(
    ar_sets,
    truths={"ESG -> risk, leave-one-out": true_gamma, "ESG -> risk, inclusive": true_gamma,
            "risk -> ESG": true_beta},
    estimates={"ESG -> risk, leave-one-out": fit_loo.coef, "ESG -> risk, inclusive": fit_inc.coef,
               "risk -> ESG": fit_r2e.coef})
glue_figure("fig_ar_sets", fig_ar, out_dir, "fig-ar-sets", image=to_image)
glue_i18n("ar_loo", ar_loo.describe(2))
glue_i18n("ar_inc", ar_inc.describe(2))
glue_i18n("ar_r2e", ar_r2e.describe(2))
glue("ar_crit", ar_loo.critical_value, display=False)


unbounded = [name for name, ar in ((tr("leave-one-out"), ar_loo), (tr("inclusive"), ar_inc)) if not ar.bounded]
from esgrisk import montecarlo as mc  # noqa: E402  (mc's passage: this panel as one draw of the design)

mc_design = mc.batched_design(2000, seed)[0].set_index("estimator")  # chapter 8's draws, the paper's 12 x 6
design_unbounded = {k: float(mc_design.loc[f"iv_{k}", "ar_unbounded"]) for k in ("loo", "inclusive")}
if len(unbounded) == 2:
    ar_summary = tr("The robust confidence sets above are unbounded for ESG -> risk with either mean on this "
                    "panel, which is one draw: over 2000 independent simulated panels of the paper's design "
                    "(12 firms x 6 years) the leave-one-out set is unbounded in {loo:.0f} % and the inclusive "
                    "one in {inclusive:.0f} %.", loo=100 * design_unbounded["loo"],
                    inclusive=100 * design_unbounded["inclusive"])
elif unbounded:
    ar_summary = tr("On this panel the robust confidence set for ESG -> risk is unbounded with the {which} mean "
                    "and bounded with the other, so what the industry-average instrument identifies depends on "
                    "how it is built.", which=unbounded[0])
else:
    ar_summary = tr("On this panel the robust confidence sets for ESG -> risk are bounded, so the "
                    "industry-average instrument carries information here; that information still comes from "
                    "{n_years} yearly movements of the industry (the reflection problem above) and is valid "
                    "only under the exclusion restriction of the previous point.", n_years=n_years)
glue_i18n("ar_summary", ar_summary)

glue_i18n("ar_text", ar_sentence({tr("ESG -> risk with the leave-one-out mean"): ar_loo,
                                  tr("ESG -> risk with the inclusive mean"): ar_inc,
                                  tr("risk -> ESG"): ar_r2e}))

# %% [markdown]
# ## Confidence sets that survive weak instruments
#
# A $t$-based interval around a 2SLS estimate is unreliable when the
# instrument is weak: its coverage can be far below 95 %. The Anderson-Rubin
# test {cite:p}`anderson1949estimation` avoids the problem. For a hypothesised
# coefficient $b_0$ it regresses $y - b_0\,x$ on the instrument, the controls
# and the fixed effects and tests whether the instrument's coefficient is zero
# (clustered Wald statistic against $F(1, G-1)$, critical value
# {glue:text}`ar_crit:.2f`). Collecting all $b_0$ that are not rejected gives a
# 95 % confidence set that is valid however weak the instrument. The set can be
# an interval, the whole line, or two rays; it is unbounded exactly when the
# first stage is not significant at the same level. (The statistic linearmodels
# labels `anderson_rubin` is a different test, of over-identifying
# restrictions.)
#
# | equation | Anderson-Rubin 95 % set |
# | --- | --- |
# | ESG -> risk, leave-one-out mean | {glue:text}`ar_loo` |
# | ESG -> risk, inclusive mean | {glue:text}`ar_inc` |
# | risk -> ESG | {glue:text}`ar_r2e` |
#
# {glue:text}`ar_text`
#
# ```{glue:figure} fig_ar_sets
# :name: fig-ar-sets
#
# Anderson-Rubin statistic as a function of the hypothesised coefficient. The
# 95 % set (shaded) is where the curve lies below the dashed critical value.
# Red: the simulation's true value; green dotted: the 2SLS estimate.
# ```

# %% tags=["hide-input"]
sys_rec = system.to_record()
sys_fs = sys_rec["first_stage"]
glue("sys_beta", system.beta, display=False)
glue("sys_gamma", system.gamma, display=False)
glue("sys_se_beta", float(np.sqrt(system.cov[0, 0])), display=False)
glue("sys_se_gamma", float(np.sqrt(system.cov[1, 1])), display=False)
glue("sys_p_beta", float(sys_rec["pvalues"]["esg.risk_events"]), display=False)
glue("sys_p_gamma", float(sys_rec["pvalues"]["risk_events.esg"]), display=False)
glue("sys_corr", float(system.cov[0, 1] / np.sqrt(system.cov[0, 0] * system.cov[1, 1])),
     display=False)
glue("sys_f_years", float(sys_fs["esg"]["f_classical"]), display=False)
glue("sys_fc_years", float(sys_fs["esg"]["f_cluster"]), display=False)
glue("sys_n_year_inst", len(sys_fs["esg"]["instruments"]), display=False)
if "year effects" in sys_rec["instruments"]:
    sys_variant_text = tr(
        "On this panel the year effects enter as {n:d} year indicators beyond the year-level controls; their "
        "first-stage F is {f:.2f} (classical) and {fc:.2f} (cluster-robust).",
        n=len(sys_fs["esg"]["instruments"]), f=sys_fs["esg"]["f_classical"], fc=sys_fs["esg"]["f_cluster"])
else:
    sys_variant_text = tr(
        "On this panel regional incidents vary only by year, so year effects would absorb them; the system "
        "falls back on the leave-one-out industry mean as the common instrument and has no year effects, "
        "which is valid only without industry-wide ESG shocks. Its first-stage F for ESG is {f:.2f} "
        "(classical) and {fc:.2f} (cluster-robust).", f=sys_fs["esg"]["f_classical"], fc=sys_fs["esg"]["f_cluster"])
glue_i18n("sys_variant_text", sys_variant_text, kind="md")
sys_table = pd.DataFrame({
    "3SLS": {"beta: risk -> ESG": system.beta, "SE(beta)": np.sqrt(system.cov[0, 0]),
             "gamma: ESG -> risk": system.gamma, "SE(gamma)": np.sqrt(system.cov[1, 1]),
             "corr(beta, gamma)": system.cov[0, 1] / np.sqrt(system.cov[0, 0] * system.cov[1, 1])},
    "2SLS, equation by equation": {"beta: risk -> ESG": fit_r2e.coef, "SE(beta)": fit_r2e.se,
                                   "gamma: ESG -> risk": fit_loo.coef, "SE(gamma)": fit_loo.se,
                                   "corr(beta, gamma)": np.nan},
    "simulation truth": {"beta: risk -> ESG": true_beta, "SE(beta)": np.nan,
                         "gamma: ESG -> risk": true_gamma, "SE(gamma)": np.nan,
                         "corr(beta, gamma)": np.nan},
})

# %% [markdown]
# ## Both directions at once: 3SLS
#
# Estimating the two equations as one system (3SLS, linearmodels `IV3SLS`)
# uses the correlation between their errors and gives the joint uncertainty of
# $\beta$ and $\gamma$, which the feedback multiplier below needs. 3SLS requires
# one list of instruments valid in *both* equations, because its weighting step
# sets every instrument against every equation's error. The industry mean is
# not valid in the ESG equation (it carries $S_t$ and the firm's own score), so
# the system uses what that mean stands for: the year effects. They are
# excluded from the risk equation, where they identify $\gamma$, and included
# in the ESG equation, where regional incidents identify $\beta$. The
# assumption is the same as the industry-mean instrument's, stated openly: no
# year-level shock moves risk events except through ESG and the controls.
# {glue:md}`sys_variant_text`

# %%
show_table(sys_table,
           "Simultaneous system by 3SLS next to the single-equation 2SLS estimates "
           "(leave-one-out instrument) and the simulation's true values.",
           "tbl-iv-system", digits=3, na_rep="", index=True, save_dir=out_dir)

# %% [markdown]
# The system gives $\beta$ = {glue:text}`sys_beta:.2f` (SE
# {glue:text}`sys_se_beta:.3f`, $p$ = {glue:text}`sys_p_beta:.2g`) and
# $\gamma$ = {glue:text}`sys_gamma:.2f` (SE {glue:text}`sys_se_gamma:.3f`,
# $p$ = {glue:text}`sys_p_gamma:.2g`). Using every year separately rather than
# one weighted average of them can make $\gamma$ look far more precise than in
# the single-instrument 2SLS. That precision still rests on
# {glue:text}`n_years` years of industry-wide movement, and with several weak
# instruments 2SLS and 3SLS drift towards OLS {cite:p}`stock2005testing`.

# %% tags=["hide-input"]
comparison = report.compare_twosls(
    paper,
    {"2SLS, leave-one-out": {"esg_to_risk": fit_loo.coef, "risk_to_esg": fit_r2e.coef},
     "2SLS, inclusive": {"esg_to_risk": fit_inc.coef, "risk_to_esg": fit_r2e.coef},
     "3SLS": {"esg_to_risk": system.gamma, "risk_to_esg": system.beta}},
    PARAMS.true_effects)
comparison = comparison.rename(index={
    "h2_esg_to_risk": "H2: ESG -> risk", "bidir_risk_to_esg": "H3: risk -> ESG",
    "bidir_esg_to_risk": "H3: ESG -> risk"})

# %% [markdown]
# ## The paper's three numbers
#
# The paper's section 4.3 prints three coefficients: {glue:text}`paper_h2:.2f`
# for ESG -> risk (H2), and {glue:text}`paper_h3_r2e:.2f` and
# {glue:text}`paper_h3_e2r:.2f` in the bidirectional check (H3). The book has
# one estimate per direction, so both ESG -> risk rows show the same book
# values.

# %%
show_table(comparison.drop(columns=["direction"]),
           "Section 4.3 of the paper next to the book's estimates on this panel and the "
           "simulation's true effects (which the default panel was built from).",
           "tbl-iv-paper-compare", digits=3, na_rep="", index=True, save_dir=out_dir)

# %% [markdown]
# On the default panel the "simulation truth" column is what the estimators
# should find; it was set from the paper's own numbers (Table 2's
# {glue:text}`true_beta:.2f` for risk -> ESG and the H3 value
# {glue:text}`true_gamma:.2f` for ESG -> risk), so agreement with the paper
# there is by construction. The paper itself reports two different ESG -> risk
# values ({glue:text}`paper_h2:.2f` and {glue:text}`paper_h3_e2r:.2f`) without
# saying how the two specifications differ, and prints no standard errors, so
# its numbers cannot be checked against each other.

# %% tags=["hide-input"]
glue("mult", mult_delta["multiplier"], display=False)
glue("mult_se", mult_delta["se"], display=False)
glue("mult_dlo", mult_delta["ci_low"], display=False)
glue("mult_dhi", mult_delta["ci_high"], display=False)
glue("mult_blo", mult_boot["ci_low"], display=False)
glue("mult_bhi", mult_boot["ci_high"], display=False)
glue("mult_unstable", 100 * mult_boot["share_unstable"], display=False)
glue("mult_draws", mult_boot["n_draws"], display=False)
glue("bg", system.beta * system.gamma, display=False)

# %% [markdown]
# ## The feedback multiplier
#
# If both effects are real, they feed each other. An incident lowers the ESG
# score by $\beta$ per event; the lower score raises risk by $\gamma$ per
# point; and so on. Summed over the rounds, a shock to risk ends up larger by
# the factor $1/(1-\beta\gamma)$, provided $|\beta\gamma| < 1$. In the
# simulation the factor is {glue:text}`true_multiplier:.2f`.
#
# From the 3SLS estimates, $\beta\gamma$ = {glue:text}`bg:.2f` and the
# multiplier is {glue:text}`mult:.2f`. Its uncertainty is computed two ways
# from the joint covariance of $(\beta, \gamma)$:
#
# - **delta method:** SE {glue:text}`mult_se:.2f`, 95 % interval
#   {glue:text}`mult_dlo:.2f` to {glue:text}`mult_dhi:.2f` (symmetric by
#   construction);
# - **parametric bootstrap** ({glue:text}`mult_draws` draws from the joint
#   normal distribution of the estimates): 95 % percentile interval
#   {glue:text}`mult_blo:.2f` to {glue:text}`mult_bhi:.2f`;
#   {glue:text}`mult_unstable:.1f` % of the draws have $|\beta\gamma| \ge 1$,
#   a loop that would not settle at all.
#
# The multiplier is a ratio with $1-\beta\gamma$ in the denominator, so it is
# skewed to the right and the bootstrap interval is the better guide; the
# share of unstable draws says how close the data come to not pinning down
# whether the loop converges.
#
# ## What can and cannot be concluded
#
# - **What is identified, and from what.** Risk -> ESG is identified
#   {glue:md}`r2e_ident`. ESG -> risk is
#   identified only by year-to-year movements of the industry as a whole:
#   {glue:text}`n_years` data points in time, whatever the number of firms.
# - **What the instruments need.** The industry mean must affect a firm's
#   risk events only through the firm's own ESG, and no other industry-wide
#   change in the same years may move risk. A new data-protection regime, such
#   as the laws China introduced in 2021 {cite:p}`chinadatalaws_haynesboone`,
#   can move ESG ratings and security practice in the same year and would
#   violate this. Regional incidents must not change ESG
#   scores except through the firm's own incidents.
# - **The paper's version.** With the inclusive mean the instrument contains
#   the dependent side of the first stage; with year effects it is gone
#   altogether. The printed F of {glue:text}`paper_f:.2f` comes without the
#   information needed to reproduce it ({numref}`section %s <sec-esg-risk-loo>`). {glue:text}`ar_summary`
# - **On the default panel** both effects exist by construction. Whether the
#   methods find them is a property of the design; {numref}`chapter %s <ch-monte-carlo>` studies it over
#   many simulated panels.
#
# The model results are in {glue:md}`results_files`.

# %% [markdown]
# ```{include} ../book/teaching/05_bidirectional_2sls.exercises.md
# ```
