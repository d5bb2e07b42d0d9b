# %% [markdown]
# (ch-monte-carlo)=
# # What the design can show: a Monte Carlo
#
# ```{admonition} Simulated data
# :class: warning
# Every number in this chapter comes from panels drawn from the book's
# calibrated simulation (`esgrisk.simulate`), in which the true effects are
# known; none comes from the paper's firm data, which were not published. The
# study is run at the paper's design (its numbers of firms and years)
# whatever panel is passed; the panel (`panel_path`) supplies one illustrative draw, placed in
# the design's distribution, and, with `design_at_panel_size=True`, its own
# size for a second study whose replications are bounded by `time_budget_s`:
# `papermill notebooks/08_monte_carlo.ipynb out.ipynb -p panel_path my_panel.csv -p design_at_panel_size True`.
# ```
#
# A regression on 12 firms over 6 years gives one number per coefficient. How
# far from the truth can that number be, and how often would the paper's
# tests mislead? This chapter answers by simulation: it draws many
# independent panels from a model whose effects are known, applies the
# estimators of chapters {numref}`%s <ch-fixed-effects>` and {numref}`%s <ch-bidirectional>` to each, and counts. It then asks how the
# answers change with the size of the effect and with more firms and years,
# and tries the two extensions the paper proposes as future work, a dynamic
# panel and a threshold model {cite:p}`zhang2025security`.
#
# - **Inputs:** the panel (`panel_path`: one draw to place in the design, and
#   its size if asked); the simulation model and its true effects
#   (`esgrisk.simulate`); the paper's Table 2 standard error and first-stage F
#   (`esgrisk.published`).
# - **Outputs:** `montecarlo_summary.csv` (one row per equation, estimator
#   and design, with Monte Carlo standard errors), `montecarlo_power.csv`,
#   `montecarlo_inference.csv`, `montecarlo_dynamic.csv`,
#   `montecarlo_threshold.csv` in `results_dir`; the figures and tables of
#   this page, also as `figures/<name>.png` and `tables/<name>.csv` (as
#   displayed) in `results_dir`.
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/08_monte_carlo.py`, then
#   `papermill notebooks/08_monte_carlo.ipynb out.ipynb -p n_reps 2000 -p results_dir my_results`
#   (`n_reps`: replications at the paper's design; `n_reps_power`:
#   per point of the power curves; `n_reps_grid` and `grid_max_rows`:
#   replications per design of the firms x years grid and the cap on
#   simulated firm-years per design; `n_reps_extensions`: per design of the
#   dynamic and threshold studies; `design_at_panel_size` and
#   `time_budget_s`: the optional study at the panel's own size).

# %% [markdown]
# ```{include} ../book/teaching/08_monte_carlo.objectives.md
# ```

# %% tags=["parameters"]
panel_path = "data/simulated/panel.csv"  # .csv, .xlsx, .dta or .parquet following the panel contract
panel_encoding = None  # CSV only: a Python codec such as "gb18030"; None = UTF-8
panel_columns = None  # {"your column": "contract column"}, or a YAML / JSON file holding that mapping
results_dir = "results"
seed = None  # None = esgrisk.simulate.DEFAULT_SEED
panel_accept = []  # plausibility rules waived on purpose, e.g. ["esg_unit_scale"] (esgrisk.panel.PLAUSIBILITY)
design_at_panel_size = False
time_budget_s = 60.0
n_reps = 2000
n_reps_power = 500
n_reps_grid = 200
grid_max_rows = 600_000
n_reps_extensions = 300
firms_grid = [12, 50, 200, 1000]
years_grid = [6, 12]

# %% tags=["hide-input"]
from esgrisk.panel import load_panel
from esgrisk.simulate import seed_or_default

panel = load_panel(panel_path, encoding=panel_encoding, columns=panel_columns, accept=panel_accept)
seed = seed_or_default(seed)

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from myst_nb import glue

from esgrisk import evidence as ev
from esgrisk import montecarlo as mc
from esgrisk import published
from esgrisk.audit import PAPER_SAMPLE
from esgrisk.diagram import to_image
from esgrisk.figures import glue_figure
from esgrisk.i18n import glue_i18n, tr
from esgrisk.paths import display_path, output_dir
from esgrisk.report import paper_first_stage_f
from esgrisk.simulate import PARAMS, TRUE_EFFECTS
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)
streams = mc.study_streams(seed)


def seed_of(name):
    """An integer seed derived from one of the study's streams (for functions that take an int)."""
    return int(streams[name].generate_state(1)[0])


def pct(x):
    return f"{100 * x:.1f} %"


def pct_se(x, se):
    return tr("{pct:.1f} % (MC s.e. {se:.1f})", pct=100 * x, se=100 * se)


G0, T0 = PAPER_SAMPLE["firms"], PAPER_SAMPLE["years"]
n_firms = int(panel["firm"].nunique())
n_years = int(panel["year"].nunique())
true_beta = TRUE_EFFECTS["risk_to_esg"]
true_gamma = TRUE_EFFECTS["esg_to_risk"]
paper_se = float(published.table2().loc["risk_events", "se"])
paper_coef = float(published.table2().loc["risk_events", "coef"])
paper_f = paper_first_stage_f(published.twosls())

glue("mc_panel_file", display_path(panel_path), display=False)
glue("mc_G", G0, display=False)
glue("mc_T", T0, display=False)
glue("mc_panel_G", n_firms, display=False)
glue("mc_panel_T", n_years, display=False)
glue("mc_reps", n_reps, display=False)
glue("mc_reps_power", n_reps_power, display=False)
glue("mc_reps_grid", n_reps_grid, display=False)
glue("mc_reps_ext", n_reps_extensions, display=False)
glue("mc_true_beta", true_beta, display=False)
glue("mc_true_gamma", true_gamma, display=False)
glue("mc_paper_se", paper_se, display=False)
glue("mc_paper_coef", paper_coef, display=False)
glue("mc_paper_f", paper_f, display=False)
glue("mc_weak_f", ev.WEAK_F, display=False)
glue_i18n("mc_size", tr("{firms} firms x {years} years", firms=G0, years=T0))

# %% [markdown]
# ## The design and the truth
#
# Each replication is a fresh, independent panel of {glue:text}`mc_G` firms
# observed for {glue:text}`mc_T` years, the paper's design, drawn from the
# calibrated simulation of {numref}`chapter %s <ch-data>`. In that model one more risk event changes ESG by
# {glue:text}`mc_true_beta` points and one more ESG point changes risk events by
# {glue:text}`mc_true_gamma`, so the two are determined jointly,
# firms differ in their levels of both, the region's cyber-security
# incidents move a firm's risk events without entering its ESG equation, and
# an industry-wide yearly shifter moves every firm's ESG (which is what makes
# the industry-average ESG score a relevant instrument). The chapter runs
# {glue:text}`mc_reps` replications of every estimator, each written for
# whole batches in NumPy (`esgrisk.montecarlo`); the tests check each against
# linearmodels {cite:p}`sheppard_linearmodels` run directly on the same
# samples to 1e-8 (the 3SLS system against the function of
# {doc}`05_bidirectional_2sls`, linearmodels' `IV3SLS`; Poisson FE against
# statsmodels).
#
# The replications are **independent draws**. The book's default panel is
# drawn with a variance-reduction device (`moment_match`: each panel's firm-
# and year-level draws are whitened so that one 12 x 6 draw reproduces the
# paper's Table 1); the Monte Carlo switches it off, because it makes the
# yearly shifter exactly orthogonal to CR4 in every panel and so understates
# how much year-level quantities, such as the strength of the industry-mean
# instrument, vary from one sample to the next. The true effects are the
# same either way (tested).
#
# All estimators use the book's one rule for standard errors: clustered by
# firm with the small-sample factor of Stata's `xtreg, fe vce(cluster)` (K
# counts every coefficient except the firm effects) and critical values from
# a t distribution with one degree of freedom fewer than the number of firms;
# normal critical values are shown alongside. Every rate is given with its
# Monte Carlo standard error, sqrt(p(1 - p)/R).

# %% tags=["hide-input"]
design, draws = mc.paper_design(n_reps, seed, G0, T0)
design.insert(2, "label", design["estimator"].map(mc.ESTIMATOR_LABELS))
d0 = design.set_index(["equation", "estimator"])
esg_eq = design[design["equation"] == "risk_to_esg"]
s = esg_eq.set_index("estimator")
for name in [*mc.ESTIMATORS, "system_3sls"]:
    tag = "sys_beta" if name == "system_3sls" else name
    for col in ("mean", "median_bias", "mae", "rmse", "mean_se", "sd"):
        glue(f"mc_{tag}_{col}", float(s.loc[name, col]), display=False)
    for col in ("coverage", "power", "coverage_normal"):
        glue_i18n(f"mc_{tag}_{col}", pct_se(s.loc[name, col], s.loc[name, f"{col}_mc_se"]))
glue("mc_pooled_ols_positive", pct(np.mean(draws["pooled_ols:estimate"] > 0)), display=False)
se_vs_sd = float(s.loc["fe_iv", "mean_se"] / s.loc["fe_iv", "sd"])
glue_i18n("mc_fe_iv_se_word", tr("too small") if se_vs_sd < 0.9 else tr("too large") if se_vs_sd > 1.1
          else tr("about right"))
glue_i18n("mc_fe_iv_centred", tr("centred on the truth") if abs(s.loc["fe_iv", "median_bias"]) < 0.02
          else tr("close to the truth in the median"))
glue("mc_2sls_vs_feiv", float(s.loc["pooled_2sls", "mae"] / s.loc["fe_iv", "mae"]), display=False)
glue("mc_fe_bias_in_se", abs(float(s.loc["firm_fe", "median_bias"] / s.loc["firm_fe", "mean_se"])), display=False)
for name in ("fe_iv", "twoway_fe_iv"):
    glue(f"mc_{name}_fc_median", float(s.loc[name, "f_cluster_median"]), display=False)
glue_i18n("mc_fe_iv_strength", tr("strong") if s.loc["fe_iv", "f_cluster_median"] >= ev.WEAK_F else tr("weak"))
fits_h1 = {name: mc.BatchFit(draws[f"{name}:estimate"][:, None], np.ones((n_reps, 1)), np.ones((n_reps, 1, 1)),
                             G0, G0 * T0) for name in mc.ESTIMATORS}
fig_estimates = mc.plot_estimates(fits_h1, true_beta)
glue_figure("fig_mc_estimates", fig_estimates, out_dir, "fig-mc-estimates", image=to_image)


def shown_rows(frame):
    out = frame[["label", "reps", "median_bias", "mae", "rmse", "mean_se", "coverage", "coverage_normal",
                 "power"]].copy()
    out.columns = ["estimator", "replications", "median bias", "median abs. error", "RMSE",
                   "mean clustered SE", "coverage, t(G-1)", "coverage, normal", "rejects 'no effect', t(G-1)"]
    for c in out.columns[2:6]:
        out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    for c, src in zip(out.columns[6:], ("coverage", "coverage_normal", "power"), strict=True):
        out[c] = [("" if pd.isna(v) else f"{100 * v:.1f} ({100 * e:.1f})")
                  for v, e in zip(frame[src], frame[f"{src}_mc_se"], strict=True)]
    return out


shown = shown_rows(esg_eq)

# %% [markdown]
# (sec-mc-five-estimators)=
# ## The ESG equation (H1) at the paper's size

# %%
show_table(shown, tr("The risk coefficient of the ESG equation across simulated {G0} x {T0} panels "
                     "(true value {true_beta:g}); rates in %, Monte Carlo standard errors in brackets.",
                     G0=G0, T0=T0, true_beta=true_beta),
           "tbl-mc-summary", save_dir=out_dir)

# %% [markdown]
# ```{glue:figure} fig_mc_estimates
# :name: fig-mc-estimates
#
# Distribution of the estimated effect of risk events on ESG across the
# replications, by estimator; the red line is the true effect.
# ```
#
# {numref}`tbl-mc-summary` and {numref}`fig-mc-estimates` separate the
# estimators clearly:
#
# - **Pooled OLS** centres on {glue:text}`mc_pooled_ols_mean:.2f`, far from
#   the truth; {glue:text}`mc_pooled_ols_positive` of its estimates are even
#   positive. In this model firms with many incidents also have high ESG
#   levels (both rise with firm size), and the pooled regression mixes that
#   cross-firm pattern with the causal effect.
# - **Firm FE** removes the firm levels but not the feedback from ESG to risk:
#   its median bias is {glue:text}`mc_firm_fe_median_bias:.3f`, which is
#   {glue:text}`mc_fe_bias_in_se:.1f` times its own average standard error
#   ({glue:text}`mc_firm_fe_mean_se:.3f`), so the nominal 95 % interval covers
#   the truth in {glue:text}`mc_firm_fe_coverage` of the replications. With
#   year effects as well its median bias is
#   {glue:text}`mc_twoway_fe_median_bias:.3f` (coverage
#   {glue:text}`mc_twoway_fe_coverage`): year effects do not remove a
#   feedback that works within the year.
# - **FE-IV** is {glue:text}`mc_fe_iv_centred` (median bias
#   {glue:text}`mc_fe_iv_median_bias:.3f`) but is noisier (median absolute
#   error {glue:text}`mc_fe_iv_mae:.3f`), and its clustered standard error is
#   {glue:text}`mc_fe_iv_se_word` on average ({glue:text}`mc_fe_iv_mean_se:.3f` against a spread of
#   {glue:text}`mc_fe_iv_sd:.3f`): coverage {glue:text}`mc_fe_iv_coverage`.
#   Adding year effects gives coverage {glue:text}`mc_twoway_fe_iv_coverage`.
#   Its instrument is {glue:text}`mc_fe_iv_strength` in this design (median
#   cluster-robust first-stage F {glue:text}`mc_fe_iv_fc_median:.1f`).
# - **Pooled 2SLS** scatters widely: without firm effects the regional
#   instrument explains little of the firm's risk (median absolute error
#   {glue:text}`mc_pooled_2sls_mae:.2f`, {glue:text}`mc_2sls_vs_feiv:.0f`
#   times that of FE-IV; just-identified IV has no finite mean in small
#   samples, hence the median measures).
# - **3SLS**, both equations at once, has median bias
#   {glue:text}`mc_sys_beta_median_bias:.3f` and coverage
#   {glue:text}`mc_sys_beta_coverage`.
#
# The last column is the share of replications that reject "no effect" at
# 5 %: {glue:text}`mc_firm_fe_power` for firm FE and
# {glue:text}`mc_fe_iv_power` for FE-IV.

# %% tags=["hide-input"]
risk_eq = design[design["equation"] == "esg_to_risk"]
r = risk_eq.set_index("estimator")
for name in [*mc.ESG_TO_RISK_VARIANTS, "system_3sls", "poisson_fe"]:
    tag = "sys_gamma" if name == "system_3sls" else name
    for col in ("median_bias", "mae", "mean_se", "sd"):
        glue(f"mc_{tag}_{col}", float(r.loc[name, col]), display=False)
    for col in ("coverage", "coverage_normal", "power"):
        glue_i18n(f"mc_{tag}_{col}", pct_se(r.loc[name, col], r.loc[name, f"{col}_mc_se"]))
for name in mc.ESG_TO_RISK_VARIANTS:
    for col in ("f_cluster_median", "f_classical_median"):
        glue(f"mc_{name}_{col}", float(r.loc[name, col]), display=False)
    for col in ("f_cluster_above_weak", "f_classical_above_weak", "ar_coverage", "ar_unbounded", "ar_power"):
        glue_i18n(f"mc_{name}_{col}", pct_se(r.loc[name, col], r.loc[name, f"{col}_mc_se"]))
    glue(f"mc_{name}_ar_median_length", float(r.loc[name, "ar_median_length"]), display=False)
glue("mc_loo_mean_se_vs_sd", float(r.loc["iv_loo", "mean_se"]), display=False)
loo_f = draws["iv_loo:f_cluster"]
glue("mc_loo_f_p10", float(np.percentile(loo_f, 10)), display=False)
glue("mc_loo_f_p90", float(np.percentile(loo_f, 90)), display=False)
glue("mc_loo_f_below_paper", pct(np.mean(loo_f < paper_f)), display=False)
ar_len = r.loc["iv_loo", "ar_median_length"]
glue_i18n("mc_loo_ar_len_text", tr("unbounded (more than half the sets are)") if not np.isfinite(ar_len)
          else f"{ar_len:.2f}")
glue("mc_loo_year_bias", float(r.loc["iv_loo_year", "median_bias"]), display=False)
glue("mc_incl_size", pct(1 - r.loc["iv_inclusive", "coverage"]), display=False)
# this panel as one draw (the chapters' own estimator, so any balanced or unbalanced panel works)
draw = ev.panel_draw(panel)
same_size = (n_firms, n_years) == (G0, T0)
panel_f = draw["h2_f_cluster"]
glue("mc_panel_f", panel_f, display=False)
glue("mc_panel_f_classical", draw["h2_f_classical"], display=False)
if same_size:
    glue_i18n("mc_panel_f_sentence",
              tr("This panel is one draw: its cluster-robust F of {f:.2f} lies at the {pct:.0f}th percentile of "
                 "the design's distribution (classical F {fc:.2f}, {pct_c:.0f}th percentile).",
                 f=panel_f, pct=mc.draw_percentile(panel_f, loo_f), fc=draw["h2_f_classical"],
                 pct_c=mc.draw_percentile(draw["h2_f_classical"], draws["iv_loo:f_classical"])))
else:
    glue_i18n("mc_panel_f_sentence",
              tr("The panel passed to this chapter has {n_firms} firms and {n_years} years, so it is not a draw "
                 "from this {G} x {T} design; its cluster-robust F is {f:.2f} (see the study at its own size "
                 "below, when requested).", n_firms=n_firms, n_years=n_years, G=G0, T=T0, f=panel_f))
fig_f = mc.plot_first_stage_f(draws, weak_f=ev.WEAK_F, paper_f=paper_f, panel_f=panel_f if same_size else None)
glue_figure("fig_mc_first_stage", fig_f, out_dir, "fig-mc-first-stage", image=to_image)
shown_risk = shown_rows(risk_eq)
iv_cols = risk_eq[risk_eq["estimator"].isin(list(mc.ESG_TO_RISK_VARIANTS))]
shown_iv = pd.DataFrame({
    "estimator": iv_cols["label"],
    "median F, cluster-robust": iv_cols["f_cluster_median"].map(lambda v: f"{v:.3g}"),
    f"F > {ev.WEAK_F:g}, cluster-robust": [f"{100 * v:.1f} ({100 * e:.1f})" for v, e in
                                          zip(iv_cols["f_cluster_above_weak"], iv_cols["f_cluster_above_weak_mc_se"],
                                              strict=True)],
    "median F, classical": iv_cols["f_classical_median"].map(lambda v: f"{v:.3g}"),
    "AR set covers truth": [f"{100 * v:.1f} ({100 * e:.1f})" for v, e in
                            zip(iv_cols["ar_coverage"], iv_cols["ar_coverage_mc_se"], strict=True)],
    "AR set unbounded": [f"{100 * v:.1f} ({100 * e:.1f})" for v, e in
                         zip(iv_cols["ar_unbounded"], iv_cols["ar_unbounded_mc_se"], strict=True)],
    "AR rejects 'no effect'": [f"{100 * v:.1f} ({100 * e:.1f})" for v, e in
                               zip(iv_cols["ar_power"], iv_cols["ar_power_mc_se"], strict=True)],
    "median AR length": iv_cols["ar_median_length"].map(lambda v: "unbounded" if not np.isfinite(v) else f"{v:.2f}"),
})

# %% [markdown]
# ## The ESG -> risk equation (H2) at the paper's size
#
# {doc}`05_bidirectional_2sls` estimates the reverse arrow by 2SLS with firm effects, a firm's
# ESG instrumented by the industry's average ESG score, either of the other
# firms (leave-one-out, the book's choice) or of all firms (inclusive, the
# paper's). {numref}`tbl-mc-risk` gives the estimates, {numref}`tbl-mc-risk-iv`
# the strength of the instrument and the weak-instrument-robust
# Anderson-Rubin sets {cite:p}`anderson1949estimation`.

# %%
show_table(shown_risk, tr("The ESG coefficient of the risk equation across simulated {G0} x {T0} panels "
                          "(true value {true_gamma:g}; Poisson FE, the conditional maximum-likelihood count model of "
                          "the fixed-effects chapter computed for whole batches and checked against statsmodels, "
                          "estimates a log-linear model "
                          "with no true value here, so only its rejection rate is shown); rates in %, Monte Carlo "
                          "standard errors in brackets.", G0=G0, T0=T0, true_gamma=true_gamma),
           "tbl-mc-risk", save_dir=out_dir)

# %%
show_table(shown_iv, tr("First-stage strength (both F flavours) and Anderson-Rubin 95 % sets of the ESG -> risk "
                        "2SLS ({n_reps} replications; rates in %, Monte Carlo standard errors in brackets).",
                        n_reps=n_reps),
           "tbl-mc-risk-iv", save_dir=out_dir)

# %% [markdown]
# ```{glue:figure} fig_mc_first_stage
# :name: fig-mc-first-stage
#
# Distribution of the first-stage F of the ESG -> risk 2SLS across the
# replications, cluster-robust (the one that decides weak-instrument
# verdicts) and classical, with the rule-of-thumb threshold and the paper's
# printed F.
# ```
#
# - **Leave-one-out mean.** The median bias is {glue:text}`mc_iv_loo_median_bias:.3f`, the t(G-1) interval
#   covers it in {glue:text}`mc_iv_loo_coverage` of samples (normal critical
#   values: {glue:text}`mc_iv_loo_coverage_normal`), and "no effect" is
#   rejected in {glue:text}`mc_iv_loo_power`. The instrument's strength
#   varies enormously from one sample to the next: the cluster-robust F has
#   median {glue:text}`mc_iv_loo_f_cluster_median:.1f`, a 10th percentile of
#   {glue:text}`mc_loo_f_p10:.2f` and a 90th of {glue:text}`mc_loo_f_p90:.1f`,
#   exceeds {glue:text}`mc_weak_f:.0f` in
#   {glue:text}`mc_iv_loo_f_cluster_above_weak`, and falls below the paper's
#   {glue:text}`mc_paper_f` in {glue:text}`mc_loo_f_below_paper` of samples.
#   The industry's {glue:text}`mc_T` yearly movements carry the
#   identification, and so few draws of a shifter can line up well or badly. The Anderson-Rubin set,
#   valid however weak the instrument, covers the truth in
#   {glue:text}`mc_iv_loo_ar_coverage`, is unbounded in
#   {glue:text}`mc_iv_loo_ar_unbounded` and excludes zero in
#   {glue:text}`mc_iv_loo_ar_power`; its median length is
#   {glue:text}`mc_loo_ar_len_text`.
#   {glue:text}`mc_panel_f_sentence`
# - **Inclusive mean.** The paper's instrument contains the firm's own score,
#   so it is correlated with the error; the t interval covers in
#   {glue:text}`mc_iv_inclusive_coverage`, so a true null is rejected in
#   {glue:text}`mc_incl_size` of samples.
# - **Leave-one-out mean with year effects.** Given firm and year effects the
#   leave-one-out mean is exactly minus the firm's own score divided by G-1,
#   so the first stage fits perfectly and 2SLS *is* OLS with firm and year
#   effects: median bias {glue:text}`mc_loo_year_bias:.3f`, coverage
#   {glue:text}`mc_iv_loo_year_coverage`. The inclusive mean with year effects
#   is absorbed altogether (not identified).
# - **3SLS**, which uses the year
#   effects as the instruments for ESG, has median bias
#   {glue:text}`mc_sys_gamma_median_bias:.3f` and coverage
#   {glue:text}`mc_sys_gamma_coverage` for this arrow; Poisson FE, which
#   treats ESG as exogenous, rejects "no effect" in
#   {glue:text}`mc_poisson_fe_power`.

# %% tags=["hide-input"]
infer_params, noise_factor = mc.scaled_noise_params(paper_se, n_reps=100, n_firms=G0, n_years=T0,
                                                    seed=seed_of("inference"))
n_boot = mc.bootstrap_draws(G0)  # all 2**G sign patterns when feasible, else random draws
inference = mc.inference_study(n_reps, infer_params, G0, T0, seed=seed_of("inference") + 1, n_boot=n_boot)
inference.to_csv(out_dir / "montecarlo_inference.csv")
tests_short = ("normal", "t", "boot", "webb")
for model, tag in (("firm FE", "fe"), ("firm and year FE", "tw")):
    for rate_, what in (("size (H0: beta = true)", "size"), ("power (H0: beta = 0)", "power")):
        row = inference.loc[(model, rate_)]
        for col, test in zip(inference.columns, tests_short, strict=True):
            glue_i18n(f"mc_{what}_{tag}_{test}", pct_se(row[col], mc.mc_standard_error(row[col], n_reps)))
power_t = float(inference.loc[("firm FE", "power (H0: beta = 0)")].iloc[1])
glue_i18n("mc_power_verdict",
          tr("So the paper's headline effect, if its standard error were right, is large enough to be found in "
             "most samples of {G} firms; the weak points are elsewhere (bias and the validity of the "
             "instruments).", G=G0) if power_t >= 0.8 else
          tr("So even if its standard error were right, the paper's headline effect would be missed in many "
             "samples of {G} firms.", G=G0))
size_normal = float(inference.loc[("firm FE", "size (H0: beta = true)")].iloc[0])
over = size_normal > 0.05 + 2 * mc.mc_standard_error(size_normal, n_reps)
glue_i18n("mc_normal_verdict",
          tr("Normal critical values with {G} clusters over-reject (a true null in {size} of samples at 5 %); "
             "t(G-1) critical values or the wild cluster bootstrap should accompany every p-value.",
             G=G0, size=pct(size_normal)) if over else
          tr("Normal critical values with {G} clusters reject a true null in {size} of samples at 5 %, within "
             "Monte Carlo error of the nominal rate here; with fewer clusters they over-reject, so t(G-1) "
             "critical values or the wild cluster bootstrap are the safer default.", G=G0, size=pct(size_normal)))
glue_i18n("mc_boot_weights",
          tr("enumerating all {patterns:,} sign patterns of the firms, so that its p-value carries no simulation "
             "noise (it is deterministic, which does not make the test's size exact)", patterns=2 ** G0)
          if n_boot is None else
          tr("with {n_boot:,} random sign patterns of the firms (the 2^{G} possible patterns are too many to "
             "enumerate)", n_boot=n_boot, G=G0))
glue("mc_webb_draws", f"{mc.WEBB_DRAWS:,}", display=False)
glue("mc_noise_factor", noise_factor, display=False)
inference_shown = inference.map(pct).reset_index().rename(columns={"rate": "rejection rate"})
glue("mc_inf_se", pct(mc.mc_standard_error(0.05, n_reps)), display=False)

# %% [markdown]
# (sec-mc-few-clusters)=
# ## Inference with few clusters
#
# A firm-clustered standard error treats each firm as one independent piece
# of information, so with {glue:text}`mc_G` firms the t statistic rests on
# {glue:text}`mc_G` clusters. Two questions follow: does a 5 % test reject a
# true hypothesis 5 % of the time (its size), and how often does it detect
# the paper's effect (its power)? The fixed-effects estimator is biased in
# the calibrated model, which would confound the answer, so this study
# switches the feedback from ESG to risk off (risk exogenous) and scales the
# noise of the ESG equation (by a factor of
# {glue:text}`mc_noise_factor:.2f`) until the average clustered standard
# error equals the paper's {glue:text}`mc_paper_se:.2f`. The effect is the
# paper's {glue:text}`mc_paper_coef:.2f`. Four tests are compared: the
# clustered t statistic with normal critical values (what a large-sample
# p-value does), the same with t(G-1) critical values, and the restricted
# wild cluster bootstrap {cite:p}`cameron2008bootstrap,mackinnon2017wild`
# with Rademacher weights, {glue:text}`mc_boot_weights`, and with Webb's
# six-point weights {cite:p}`webb2014reworking` ({glue:text}`mc_webb_draws`
# random draws), both computed with the closed form of
# {cite:t}`roodman2019fast` (checked against the `wildboottest` package in
# the tests).

# %%
show_table(inference_shown, tr("Rejection rates of 5 % tests on the fixed-effects risk coefficient "
                               "({n_reps} replications, {G0} clusters; Monte Carlo standard error of a rate near "
                               "5 %: {mcse}).", n_reps=n_reps, G0=G0, mcse=pct(mc.mc_standard_error(0.05, n_reps))),
           "tbl-mc-inference", save_dir=out_dir)

# %% [markdown]
# In the paper's model (firm effects only), normal critical values reject a
# true null in {glue:text}`mc_size_fe_normal` of the replications instead of
# 5 %; t(G-1) critical values give {glue:text}`mc_size_fe_t`, the Rademacher
# bootstrap {glue:text}`mc_size_fe_boot` and the Webb bootstrap
# {glue:text}`mc_size_fe_webb`. With year effects added, which absorb the
# simulation's industry-wide yearly ESG shifter (a shock common to all firms
# in a year, which firm clustering does not allow for), the four rates are
# {glue:text}`mc_size_tw_normal`, {glue:text}`mc_size_tw_t`,
# {glue:text}`mc_size_tw_boot` and {glue:text}`mc_size_tw_webb`. With a
# standard error as large as the paper's, an effect of
# {glue:text}`mc_paper_coef:.2f` is detected in {glue:text}`mc_power_fe_t` of
# samples with t(G-1) critical values and {glue:text}`mc_power_fe_boot` with
# the Rademacher bootstrap (firm effects only).
# {glue:text}`mc_power_verdict`

# %% tags=["hide-input"]
beta_grid = np.round(np.linspace(-1.2, 0.0, 7), 3)
gamma_grid = np.round(np.linspace(-0.9, 0.0, 7), 3)
power = pd.concat([mc.power_curve(beta_grid, n_reps_power, "risk_to_esg", G0, T0, seed_of("power")),
                   mc.power_curve(gamma_grid, n_reps_power, "esg_to_risk", G0, T0, seed_of("power") + 1)],
                  ignore_index=True)
power.to_csv(out_dir / "montecarlo_power.csv", index=False)
fig_power = mc.plot_power_curves(power, {"risk_to_esg": true_beta, "esg_to_risk": true_gamma})
glue_figure("fig_mc_power", fig_power, out_dir, "fig-mc-power", image=to_image)
pw = power.set_index(["estimator", "test", "effect"])["rejection_rate"]


def smallest_detected(name, test, grid, level=0.8):
    """The smallest |effect| on the grid detected in at least ``level`` of samples (NaN if none)."""
    hits = [abs(e) for e in grid if e != 0 and pw[(name, test, e)] >= level]
    return min(hits) if hits else float("nan")


def detect_text(name, test, grid):
    v = smallest_detected(name, test, grid)
    return (f"{v:.2f}" if np.isfinite(v) else
            tr("none of the effects up to {largest:.2f} on the grid", largest=max(abs(grid))))


glue_i18n("mc_pow_feiv_80", detect_text("fe_iv", "clustered t, t(G-1)", beta_grid))
glue_i18n("mc_pow_loo_80", detect_text("iv_loo", "clustered t, t(G-1)", gamma_grid))
glue_i18n("mc_pow_loo_ar_80", detect_text("iv_loo", "Anderson-Rubin", gamma_grid))
glue("mc_pow_incl_null", pct(pw[("iv_inclusive", "clustered t, t(G-1)", 0.0)]), display=False)
glue("mc_pow_loo_null", pct(pw[("iv_loo", "clustered t, t(G-1)", 0.0)]), display=False)
glue("mc_pow_loo_ar_null", pct(pw[("iv_loo", "Anderson-Rubin", 0.0)]), display=False)
incl0, loo0 = pw[("iv_inclusive", "clustered t, t(G-1)", 0.0)], pw[("iv_loo", "clustered t, t(G-1)", 0.0)]
glue_i18n("mc_pow_incl_sentence",
          tr("The inclusive mean's \"detections\" of small effects are partly the instrument's own bias.")
          if incl0 > loo0 + 2 * mc.mc_standard_error(max(incl0, 0.05), n_reps_power) else
          tr("At zero the two t tests cannot be told apart at this number of replications."))

# %% [markdown]
# ## Power against the size of the effect
#
# {numref}`fig-mc-power` repeats the study at the paper's size for a range of
# true effects ({glue:text}`mc_reps_power` replications per point, the same
# random numbers at every point), holding the other arrow at its calibrated
# value. At zero the curves show each test's size.
#
# ```{glue:figure} fig_mc_power
# :name: fig-mc-power
#
# Share of {glue:text}`mc_G` x {glue:text}`mc_T` samples that reject "no
# effect" at 5 %, against the true effect, with bands of two Monte Carlo
# standard errors; the red line is the calibrated value, the dotted line 5 %.
# ```
#
# With t(G-1) critical values, the smallest effect on the grid detected in at
# least 80 % of samples is, for FE-IV (risk on ESG):
# {glue:text}`mc_pow_feiv_80`; for the leave-one-out 2SLS (ESG on risk):
# {glue:text}`mc_pow_loo_80` (the Anderson-Rubin test:
# {glue:text}`mc_pow_loo_ar_80`). With no effect at all, the leave-one-out t
# test rejects in {glue:text}`mc_pow_loo_null` of samples and its
# Anderson-Rubin test in {glue:text}`mc_pow_loo_ar_null`, while the
# inclusive-mean t test rejects in {glue:text}`mc_pow_incl_null`.
# {glue:text}`mc_pow_incl_sentence`

# %% tags=["hide-input"]
grid_firms = [g for g in firms_grid]
grid = mc.design_grid(n_reps_grid, grid_firms, years_grid, seed=seed_of("grid"), max_rows=grid_max_rows)
grid = grid[~((grid["n_firms"] == G0) & (grid["n_years"] == T0))]   # the paper's design comes from the main run
grid.insert(2, "label", grid["estimator"].map(mc.ESTIMATOR_LABELS))
grid_all = pd.concat([design, grid], ignore_index=True)
fig_grid = mc.plot_design_grid(pd.concat([design[design["estimator"].isin(list(mc.ESTIMATORS)
                                                                         + list(mc.ESG_TO_RISK_VARIANTS))],
                                          grid], ignore_index=True))
glue_figure("fig_mc_grid", fig_grid, out_dir, "fig-mc-grid", image=to_image)
g = grid_all.set_index(["estimator", "n_firms", "n_years"])
big, small, long_t, short_t = max(firms_grid), min(firms_grid), max(years_grid), min(years_grid)
glue("mc_big_G", big, display=False)
glue("mc_small_G", small, display=False)
glue("mc_short_T", short_t, display=False)
glue("mc_long_T", long_t, display=False)
ols_grid_bias = grid_all.loc[grid_all["estimator"] == "pooled_ols", "median_bias"]
glue("mc_ols_grid_bias_low", float(ols_grid_bias.min()), display=False)
glue("mc_ols_grid_bias_high", float(ols_grid_bias.max()), display=False)


def gv(name, firms, years, col):
    return float(g.loc[(name, firms, years), col])


glue("mc_fe_bias_big", gv("firm_fe", big, short_t, "median_bias"), display=False)
glue("mc_fe_cov_big", pct(gv("firm_fe", big, short_t, "coverage")), display=False)
for name, tag in (("fe_iv", "feiv"), ("twoway_fe_iv", "tw"), ("pooled_2sls", "2sls"), ("iv_loo", "loo")):
    glue(f"mc_{tag}_mae_small", gv(name, small, short_t, "mae"), display=False)
    glue(f"mc_{tag}_mae_big", gv(name, big, short_t, "mae"), display=False)
    glue(f"mc_{tag}_mae_big_long", gv(name, big, long_t, "mae"), display=False)
    glue(f"mc_{tag}_cov_big", pct(gv(name, big, short_t, "coverage")), display=False)
    glue(f"mc_{tag}_cov_small_long", pct(gv(name, small, long_t, "coverage")), display=False)
glue("mc_loo_power_small_long", pct(gv("iv_loo", small, long_t, "power")), display=False)
glue("mc_loo_f_small_long", gv("iv_loo", small, long_t, "f_cluster_median"), display=False)
glue("mc_loo_f_big", gv("iv_loo", big, short_t, "f_cluster_median"), display=False)
glue("mc_n_regions", len(PARAMS.regions), display=False)
glue("mc_grid_min_reps", int(grid["reps"].min()), display=False)
ratio_one = gv("fe_iv", small, short_t, "mae") / gv("fe_iv", big, short_t, "mae")
ratio_two = gv("twoway_fe_iv", small, short_t, "mae") / gv("twoway_fe_iv", big, short_t, "mae")
glue("mc_ratio_one", ratio_one, display=False)
glue("mc_ratio_two", ratio_two, display=False)
glue_i18n("mc_regional_sentence",
          tr("so the firm-effects-only estimator improves less with firms than the two-way one")
          if ratio_two > ratio_one else
          tr("and here the firm-effects-only estimator improves as fast as the two-way one"))
# montecarlo_summary.csv: the paper's design (main run) and every other design of the grid
summary_csv = grid_all.drop(columns=["label"])

# %% [markdown]
# (sec-mc-more-data)=
# ## More firms, more years
#
# {numref}`fig-mc-grid` repeats the experiment with more firms and more years
# ({glue:text}`mc_reps_grid` replications per design, fewer for the largest
# designs to bound the run time, at least {glue:text}`mc_grid_min_reps`; the
# `reps` column of `montecarlo_summary.csv` gives each design's count).
#
# ```{glue:figure} fig_mc_grid
# :name: fig-mc-grid
#
# Median bias, median absolute error (log scale) and coverage of the nominal
# 95 % interval, by number of firms (log scale) and years (solid:
# {glue:text}`mc_short_T`, dashed: {glue:text}`mc_long_T`); the ESG -> risk
# line is measured against its own true value. Pooled OLS is left out: its
# median bias (from {glue:text}`mc_ols_grid_bias_low:+.2f` to
# {glue:text}`mc_ols_grid_bias_high:+.2f` across the designs) dwarfs the rest.
# ```
#
# - **Simultaneity bias does not go away with more data.** With
#   {glue:text}`mc_big_G` firms the firm-FE median bias is still
#   {glue:text}`mc_fe_bias_big:.3f`, and because the standard error shrinks
#   while the bias does not, coverage falls to {glue:text}`mc_fe_cov_big`.
# - **The regional instrument and the number of firms.**
#   The instrument varies by region and year, and the simulation has only
#   {glue:text}`mc_n_regions` regions; yet with firm and year effects the
#   FE-IV median absolute error falls from {glue:text}`mc_tw_mae_small:.4f`
#   ({glue:text}`mc_small_G` firms) to {glue:text}`mc_tw_mae_big:.4f`
#   ({glue:text}`mc_big_G` firms): the firm-year shocks average out over
#   firms, so precision is not bounded by the number of regions. With firm effects only it goes from
#   {glue:text}`mc_feiv_mae_small:.4f` to {glue:text}`mc_feiv_mae_big:.4f`
#   ({glue:text}`mc_ratio_one:.1f`-fold against
#   {glue:text}`mc_ratio_two:.1f`-fold), {glue:text}`mc_regional_sentence`:
#   without year effects the industry-wide yearly ESG shifter stays in the
#   error, hits every firm at once, and is correlated in the sample with the
#   year pattern of the incidents; firm clustering does not allow for it
#   (coverage with {glue:text}`mc_big_G` firms {glue:text}`mc_feiv_cov_big`
#   against {glue:text}`mc_tw_cov_big` with year effects).
# - **The industry-mean instrument.** The leave-one-out 2SLS of ESG on risk
#   has a median cluster-robust F of {glue:text}`mc_loo_f_small_long:.1f`
#   with {glue:text}`mc_small_G` firms and {glue:text}`mc_long_T` years
#   (rejecting "no effect" in {glue:text}`mc_loo_power_small_long` of
#   samples) and of {glue:text}`mc_loo_f_big:.1f` with
#   {glue:text}`mc_big_G` firms and {glue:text}`mc_short_T` years (coverage
#   {glue:text}`mc_loo_cov_big`): more years add draws of the yearly shifter,
#   more firms measure each year's shift more precisely against the firms'
#   own shocks. What more data cannot change is the identifying assumption,
#   that nothing else that moved from year to year moved risk events.
# - **Pooled 2SLS**: its median absolute error goes from {glue:text}`mc_2sls_mae_small:.2f` with
#   {glue:text}`mc_small_G` firms to {glue:text}`mc_2sls_mae_big:.2f` with
#   {glue:text}`mc_big_G` firms ({glue:text}`mc_short_T` years).

# %% tags=["hide-input"]
rho = 0.5
many_firms, many_years = 200, 12   # the larger designs of the extension studies
dyn_designs = [(G0, T0), (50, T0), (many_firms, T0), (G0, many_years), (many_firms, many_years)]
dyn = mc.dynamic_study(n_reps_extensions, designs=dyn_designs, rho=rho, seed=seed_of("dynamic"))
dyn.insert(3, "label", dyn["estimator"].map({"fe_lagged": "within (FE)", "anderson_hsiao": "Anderson-Hsiao"}))
dyn.to_csv(out_dir / "montecarlo_dynamic.csv", index=False)
d = dyn.set_index(["estimator", "parameter", "n_firms", "n_years"]).sort_index()
glue("mc_rho", rho, display=False)
glue("mc_many_firms", many_firms, display=False)
glue("mc_many_years", many_years, display=False)
glue("mc_usable_T", T0 - 1, display=False)
glue("mc_nickell", mc.nickell_approximation(rho, T0 - 1), display=False)
glue("mc_dyn_fe_rho_bias", float(d.loc[("fe_lagged", "rho", G0, T0), "median_bias"]), display=False)
glue("mc_dyn_fe_rho_bias_200", float(d.loc[("fe_lagged", "rho", many_firms, T0), "median_bias"]), display=False)
glue("mc_dyn_fe_rho_bias_12", float(d.loc[("fe_lagged", "rho", G0, many_years), "median_bias"]), display=False)
glue("mc_dyn_fe_rho_cov_200", pct(d.loc[("fe_lagged", "rho", many_firms, T0), "coverage"]), display=False)
ah = d.loc[("anderson_hsiao", "rho")]
for (gg, tt), tag in (((G0, T0), "small"), ((50, T0), "mid"), ((many_firms, T0), "big")):
    glue(f"mc_dyn_ah_rmse_{tag}", float(ah.loc[(gg, tt), "rmse"]), display=False)
    glue(f"mc_dyn_ah_cov_{tag}", pct(ah.loc[(gg, tt), "coverage"]), display=False)
    glue(f"mc_dyn_ah_bias_{tag}", float(ah.loc[(gg, tt), "median_bias"]), display=False)
fe_b12 = float(d.loc[("fe_lagged", "rho", G0, T0), "median_bias"])
fe_b200 = float(d.loc[("fe_lagged", "rho", many_firms, T0), "median_bias"])
glue_i18n("mc_dyn_fe_firms_word", tr("more firms do not reduce it") if abs(fe_b200) >= 0.8 * abs(fe_b12)
          else tr("more firms reduce it only partly"))
nick = mc.nickell_approximation(rho, T0 - 1)
glue_i18n("mc_dyn_nickell_sentence",
          tr("the simulated bias is smaller because most of the movement in ESG here comes from the exogenous "
             "risk events, not from its own shocks.") if abs(fe_b12) < abs(nick) else
          tr("the simulated bias is at least as large."))
fe_rmse_small = float(d.loc[("fe_lagged", "rho", G0, T0), "rmse"])
glue("mc_dyn_fe_rmse_small", fe_rmse_small, display=False)
glue_i18n("mc_dyn_tradeoff",
          tr("A dynamic model on the paper's panel would trade bias for noise.")
          if float(ah.loc[(G0, T0), "rmse"]) > fe_rmse_small else
          tr("At this size the consistent estimator is also the more accurate one."))
rmse_path = [float(ah.loc[(gg, T0), "rmse"]) for gg in (G0, 50, many_firms)]
glue_i18n("mc_dyn_ah_trend", tr("falls") if rmse_path[0] > rmse_path[1] > rmse_path[2]
          else tr("does not fall steadily"))
dyn_shown = dyn[["n_firms", "n_years", "label", "parameter", "true", "median_bias", "rmse", "coverage"]].copy()
dyn_shown.columns = ["firms", "years", "estimator", "parameter", "true", "median bias", "RMSE", "coverage"]
dyn_shown["median bias"] = dyn_shown["median bias"].map(lambda v: f"{v:.3f}")
dyn_shown["RMSE"] = dyn_shown["RMSE"].map(lambda v: f"{v:.3f}")
dyn_shown["coverage"] = dyn_shown["coverage"].map(pct)

# %% [markdown]
# ## Future work in simulation: a dynamic panel
#
# The paper proposes dynamic panel models for future work
# {cite:p}`zhang2025security`. ESG ratings are persistent, so a natural model
# adds last year's score: ESG this year = rho x ESG last year + beta x risk
# events + firm effect + shock. Here rho = {glue:text}`mc_rho:.1f` and beta is
# the simulation's {glue:text}`mc_true_beta`; risk is kept exogenous so that
# the only problem is the lagged dependent variable. With a short panel the
# within estimator of rho is biased downwards {cite:p}`nickell1981biases`.
# The estimator of {cite:t}`anderson1981estimation,anderson1982formulation`
# takes first differences, which remove the firm effect, and instruments last
# year's change by the level two years back; it is consistent for a fixed
# number of years as firms are added. Because the level instrument has a mean
# far from zero while the differences have mean zero, the differenced
# equation carries year effects (which include the constant).

# %%
show_table(dyn_shown, tr("Dynamic panel: within and Anderson-Hsiao estimates ({n_reps_extensions} replications "
                         "per design).", n_reps_extensions=n_reps_extensions),
           "tbl-mc-dynamic", digits=None, save_dir=out_dir)

# %% [markdown]
# With {glue:text}`mc_T` years the within estimate of rho has a median bias
# of {glue:text}`mc_dyn_fe_rho_bias:.3f` ({glue:text}`mc_G` firms) and
# {glue:text}`mc_dyn_fe_rho_bias_200:.3f` with {glue:text}`mc_many_firms`
# firms: {glue:text}`mc_dyn_fe_firms_word`, and with {glue:text}`mc_many_firms`
# firms the interval covers the truth in
# {glue:text}`mc_dyn_fe_rho_cov_200` of samples. Nickell's approximation
# -(1 + rho)/(T - 1) for a pure autoregression gives
# {glue:text}`mc_nickell:.3f` with the {glue:text}`mc_usable_T` usable years;
# {glue:text}`mc_dyn_nickell_sentence` With
# {glue:text}`mc_many_years` years the bias is
# {glue:text}`mc_dyn_fe_rho_bias_12:.3f`. The Anderson-Hsiao RMSE of rho
# {glue:text}`mc_dyn_ah_trend` as firms are added
# ({glue:text}`mc_dyn_ah_rmse_small:.3f`, {glue:text}`mc_dyn_ah_rmse_mid:.3f`,
# {glue:text}`mc_dyn_ah_rmse_big:.3f` with {glue:text}`mc_G`, 50 and
# {glue:text}`mc_many_firms` firms) and its interval covers the truth in
# {glue:text}`mc_dyn_ah_cov_small`, {glue:text}`mc_dyn_ah_cov_mid` and
# {glue:text}`mc_dyn_ah_cov_big` of samples. At {glue:text}`mc_G` x
# {glue:text}`mc_T` it is nearly unbiased in the median
# ({glue:text}`mc_dyn_ah_bias_small:.3f`) with an RMSE of
# {glue:text}`mc_dyn_ah_rmse_small:.3f` against {glue:text}`mc_dyn_fe_rmse_small:.3f`
# for the biased within estimator. {glue:text}`mc_dyn_tradeoff`

# %% tags=["hide-input"]
gamma_true, b_low, b_high = 15.0, -0.6, -1.2
designs_thr = [(G0, T0), (many_firms, T0)]
thr, thresholds = mc.threshold_study(n_reps_extensions, infer_params, designs=designs_thr, gamma=gamma_true,
                                     beta_low=b_low, beta_high=b_high, seed=seed_of("threshold"))
thr.to_csv(out_dir / "montecarlo_threshold.csv", index=False)
t0 = thr.iloc[0]
glue("mc_thr_gamma", gamma_true, display=False)
glue("mc_thr_low", b_low, display=False)
glue("mc_thr_high", b_high, display=False)
glue("mc_thr_within2", pct(t0["threshold within 2 events"]), display=False)
glue("mc_thr_diff", float(t0["median slope difference"]), display=False)
glue("mc_thr_naive_real", pct(t0["naive test rejects (threshold real)"]), display=False)
glue("mc_thr_naive_null", pct(t0["naive test rejects (model linear)"]), display=False)
glue("mc_thr_fixed_null", pct(t0["test at a fixed threshold rejects (model linear)"]), display=False)
glue("mc_thr_naive_null_200", pct(thr.iloc[-1]["naive test rejects (model linear)"]), display=False)
glue("mc_thr_fixed_null_200", pct(thr.iloc[-1]["test at a fixed threshold rejects (model linear)"]), display=False)
fixed_over = t0["test at a fixed threshold rejects (model linear)"] > 0.05 + 2 * mc.mc_standard_error(
    0.05, n_reps_extensions)
glue_i18n("mc_thr_fixed_sentence",
          tr("So part of the excess comes from the clustered t-test itself, not from the search: even a split "
             "chosen in advance over-rejects in this design.")
          if fixed_over else
          tr("At a fixed threshold the test is within Monte Carlo error of its nominal size, so the excess comes "
             "from the search."))
fig_threshold = mc.plot_thresholds(thresholds, gamma_true, mc.THRESHOLD_CANDIDATES)
glue_figure("fig_mc_threshold", fig_threshold, out_dir, "fig-mc-threshold", image=to_image)
thr_shown = thr.drop(columns=["reps"]).rename(columns={"n_firms": "firms", "n_years": "years"})
for c in thr_shown.columns[2:]:
    if "rejects" in c or "within" in c:
        thr_shown[c] = thr_shown[c].map(pct)
    else:
        thr_shown[c] = thr_shown[c].map(lambda v: f"{v:.2f}")

# %% [markdown]
# ## Future work in simulation: a threshold effect
#
# The paper also suggests threshold models {cite:p}`zhang2025security`: the
# harm from one more incident might be larger once a firm already has many.
# The simulation below lets the slope be {glue:text}`mc_thr_low:.1f` up to
# {glue:text}`mc_thr_gamma:.0f` events a year and {glue:text}`mc_thr_high:.1f`
# above, keeps the noise at the level that reproduces the paper's standard
# error (as in the study of inference above), and estimates the threshold by
# Hansen's grid search with firm and year effects {cite:p}`hansen1999threshold`.

# %%
show_table(thr_shown, tr("Threshold model: locating the threshold and testing equal slopes "
                         "({n_reps_extensions} replications per design).", n_reps_extensions=n_reps_extensions),
           "tbl-mc-threshold", save_dir=out_dir)

# %% [markdown]
# ```{glue:figure} fig_mc_threshold
# :name: fig-mc-threshold
#
# Estimated thresholds across replications at {glue:text}`mc_size` and with
# {glue:text}`mc_many_firms` firms; the red line is the true threshold.
# ```
#
# At {glue:text}`mc_size` the threshold is found within two events in
# {glue:text}`mc_thr_within2` of replications and the median slope difference
# is {glue:text}`mc_thr_diff:.2f`. The catch is inference. The naive t-test
# of equal slopes at the estimated threshold rejects in
# {glue:text}`mc_thr_naive_real` of samples when the threshold is real, but
# also in {glue:text}`mc_thr_naive_null` when the true model is linear
# ({glue:text}`mc_thr_naive_null_200` with {glue:text}`mc_many_firms` firms).
# The same test at the true threshold, fixed in advance, rejects a linear
# model in {glue:text}`mc_thr_fixed_null` of samples
# ({glue:text}`mc_thr_fixed_null_200` with {glue:text}`mc_many_firms` firms).
# {glue:text}`mc_thr_fixed_sentence` The rest of the excess is the search,
# which picks the split that fits the noise best. A threshold claim needs
# Hansen's bootstrap of the sup statistic, not the conditional t-test.

# %% tags=["hide-input"]
own_rows = None
if design_at_panel_size and (n_firms, n_years) != (G0, T0):
    own_reps = mc.reps_within_budget(n_firms, n_years, time_budget_s, n_reps, seed=seed_of("own_size"))
    own_rows, own_draws = mc.design_study(own_reps, n_firms, n_years,
                                          np.random.default_rng(streams["own_size"]))
    own_rows.insert(2, "label", own_rows["estimator"].map(mc.ESTIMATOR_LABELS))
    o = own_rows.set_index("estimator")
    own_pct = mc.draw_percentile(panel_f, own_draws["iv_loo:f_cluster"])
    glue_i18n("mc_own_sentence",
              tr("At this panel's own size ({n_firms} firms x {n_years} years; {reps} replications, bounded by the "
                 "time budget of {budget:g} s and by `n_reps`) FE-IV covers the truth in {feiv_cov} of samples "
                 "and rejects 'no effect' in {feiv_power}; the leave-one-out 2SLS of ESG on risk covers in "
                 "{loo_cov}, rejects 'no effect' in {loo_power}, and has a median cluster-robust F of "
                 "{loo_f:.1f}; this panel's F of {f:.2f} lies at the {pct:.0f}th percentile of that "
                 "distribution.", n_firms=n_firms, n_years=n_years, reps=own_reps, budget=time_budget_s,
                 feiv_cov=pct(o.loc["fe_iv", "coverage"]), feiv_power=pct(o.loc["fe_iv", "power"]),
                 loo_cov=pct(o.loc["iv_loo", "coverage"]), loo_power=pct(o.loc["iv_loo", "power"]),
                 loo_f=o.loc["iv_loo", "f_cluster_median"], f=panel_f, pct=own_pct))
    summary_csv = pd.concat([summary_csv, own_rows.drop(columns=["label"])], ignore_index=True)
elif (n_firms, n_years) == (G0, T0):
    glue_i18n("mc_own_sentence", tr("The panel passed to this chapter has the paper's size ({G} x {T}), so the "
                                    "study above is also the study at its own size.", G=G0, T=T0))
else:
    glue_i18n("mc_own_sentence", tr("The panel passed to this chapter has {n_firms} firms and {n_years} years; "
                                    "the study at that size was not requested (set `design_at_panel_size=True`, "
                                    "with `time_budget_s` bounding its replications).",
                                    n_firms=n_firms, n_years=n_years))
summary_csv = summary_csv.drop_duplicates(["equation", "estimator", "n_firms", "n_years"], keep="first")
summary_csv.to_csv(out_dir / "montecarlo_summary.csv", index=False)

# %% [markdown]
# ## The design at the panel's own size
#
# {glue:text}`mc_own_sentence`

# %% tags=["hide-input"]
fe = s.loc["firm_fe"]
glue_i18n("mc_h1_design", tr("FE-IV rejects 'no effect' in {power} of samples with intervals covering in "
                             "{coverage}", power=pct(s.loc["fe_iv", "power"]), coverage=pct(s.loc["fe_iv", "coverage"])))
glue_i18n("mc_h2_design", tr("the leave-one-out 2SLS rejects 'no effect' in {power} of samples with t(G-1) "
                             "intervals covering in {coverage}, and its cluster-robust F is below {weak_f:g} in "
                             "{weak_share}", power=pct(r.loc["iv_loo", "power"]),
                             coverage=pct(r.loc["iv_loo", "coverage"]), weak_f=ev.WEAK_F,
                             weak_share=pct(1 - r.loc["iv_loo", "f_cluster_above_weak"])))
incl_size = 1 - r.loc["iv_inclusive", "coverage"]
glue_i18n("mc_incl_verdict",
          tr("The paper's inclusive mean rejects a true null in {size} of samples at 5 %.", size=pct(incl_size))
          if incl_size > 0.05 + 2 * r.loc["iv_inclusive", "coverage_mc_se"] else
          tr("The paper's inclusive mean rejects a true null in {size} of samples at 5 %, within Monte Carlo "
             "error of the nominal rate here.", size=pct(incl_size)))
glue("mc_h3_design", pct(np.mean(draws["system_3sls:both_detected"])), display=False)

# %% [markdown]
# ## What the design can and cannot show
#
# - **H1 (risk -> ESG).** At {glue:text}`mc_size`, {glue:text}`mc_h1_design`.
#   The firm fixed-effects estimator the paper reports is not unbiased when
#   ESG also drives risk: its median bias is
#   {glue:text}`mc_fe_bias_in_se:.1f` times its average standard error, and
#   the ratio grows with more data, because the bias stays while the standard
#   error shrinks. More data do not fix a specification problem.
# - **H2 (ESG -> risk).** With the leave-one-out industry mean,
#   {glue:text}`mc_h2_design`. Whether one panel's instrument looks strong is
#   largely the luck of a few yearly draws; the Anderson-Rubin set tells the reader
#   which case a panel is in. {glue:text}`mc_incl_verdict`
# - **H3 (the loop).** 3SLS detects both arrows in {glue:text}`mc_h3_design`
#   of samples, if its identifying assumption (no yearly shock moves risk
#   other than through ESG) holds, which no test here can check.
# - **Inference.** {glue:text}`mc_normal_verdict`
# - **Extensions.** The dynamic and threshold models can be estimated, but at
#   this size the within dynamic estimator is biased, its consistent
#   alternative is noisy, and threshold tests need a bootstrap.

# %% [markdown]
# ```{include} ../book/teaching/08_monte_carlo.exercises.md
# ```
