# %% [markdown]
# (ch-monte-carlo)=
# # What the design can show: a Monte Carlo
#
# ```{admonition} Simulated data
# :class: warning
# Every number in this chapter comes from panels drawn from the book's
# calibrated simulation (`esgrisk.simulate`), in which the true effects are
# known; none comes from the paper's firm data, which were not published. The
# panel file is read only for the size of the design (firms x years): the
# default panel (`data/simulated/panel.csv`) has the paper's 12 firms and 6
# years. To study the design of your own data set, pass it:
# `papermill notebooks/08_monte_carlo.ipynb out.ipynb -p panel_path my_panel.csv`;
# the simulation then uses your numbers of firms and years.
# ```
#
# A regression on 12 firms over 6 years gives one number per coefficient. How
# far from the truth can that number be, and how often would the paper's
# tests mislead? This chapter answers by simulation: it draws many panels from
# a model whose effects are known, applies the estimators of chapters {numref}`%s <ch-fixed-effects>` and {numref}`%s <ch-bidirectional>`
# to each, and counts. It then asks how the answers change with more firms and
# more years, and tries the two extensions the paper proposes as future work,
# a dynamic panel and a threshold model {cite:p}`zhang2025security`.
#
# - **Inputs:** the panel (`panel_path`, for its numbers of firms and years);
#   the simulation model and its true effects (`esgrisk.simulate`); the
#   paper's Table 2 standard error (`esgrisk.published.table2()`).
# - **Outputs:** `montecarlo_summary.csv`, `montecarlo_inference.csv`,
#   `montecarlo_grid.csv`, `montecarlo_dynamic.csv`, `montecarlo_threshold.csv`
#   in `results_dir`; {numref}`fig-mc-estimates`, {numref}`fig-mc-grid`,
#   {numref}`fig-mc-threshold` and the tables of this page, also as
#   `figures/<name>.png` and `tables/<name>.csv` (as displayed) in `results_dir`.
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/08_monte_carlo.py`, then
#   `papermill notebooks/08_monte_carlo.ipynb out.ipynb -p n_reps 2000 -p results_dir my_results`
#   (`n_reps`: replications at the panel's size; `n_reps_grid` and
#   `grid_max_rows`: replications per design of the firms x years grid and the
#   cap on simulated firm-years per design; `n_reps_extensions`: per design of
#   the dynamic and threshold studies).

# %% [markdown]
# ```{include} ../book/teaching/08_monte_carlo.objectives.md
# ```

# %% tags=["parameters"]
panel_path = "data/simulated/panel.csv"
results_dir = "results"
seed = 20250601
n_reps = 1000
n_reps_grid = 100
grid_max_rows = 600_000
n_reps_extensions = 200
firms_grid = [12, 50, 200, 1000]
years_grid = [6, 12]

# %% tags=["hide-input"]
from esgrisk.panel import load_panel

panel = load_panel(panel_path)

# %% tags=["hide-input"]
import numpy as np
from myst_nb import glue

from esgrisk import montecarlo as mc
from esgrisk import published
from esgrisk.audit import PAPER_SAMPLE
from esgrisk.diagram import to_image
from esgrisk.figures import save_figure
from esgrisk.paths import display_path, output_dir
from esgrisk.simulate import PARAMS, TRUE_EFFECTS
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)
# one seed sequence, one independent stream per study
ss_main, ss_infer, ss_grid, ss_dyn, ss_thr = np.random.SeedSequence(seed).spawn(5)


def seed_of(ss):
    """An integer seed derived from a SeedSequence (for functions that take an int)."""
    return int(ss.generate_state(1)[0])


n_firms = int(panel["firm"].nunique())
n_years = int(panel["year"].nunique())
true_beta = TRUE_EFFECTS["risk_to_esg"]
paper_se = float(published.table2().loc["risk_events", "se"])
paper_coef = float(published.table2().loc["risk_events", "coef"])

glue("mc_panel_file", display_path(panel_path), display=False)
glue("mc_G", n_firms, display=False)
glue("mc_T", n_years, display=False)
glue("mc_reps", n_reps, display=False)
glue("mc_reps_grid", n_reps_grid, display=False)
glue("mc_reps_ext", n_reps_extensions, display=False)
glue("mc_true_beta", true_beta, display=False)
glue("mc_true_gamma", TRUE_EFFECTS["esg_to_risk"], display=False)
glue("mc_paper_se", paper_se, display=False)
glue("mc_paper_coef", paper_coef, display=False)
is_paper_size = (n_firms, n_years) == (PAPER_SAMPLE["firms"], PAPER_SAMPLE["years"])
glue("mc_size", "the paper's size" if is_paper_size else f"this panel's size ({n_firms} x {n_years})",
     display=False)


def pct(x):
    return f"{100 * x:.1f} %"

# %% [markdown]
# ## The design and the truth
#
# Each replication is a fresh panel of {glue:text}`mc_G` firms observed for
# {glue:text}`mc_T` years (the size of the panel in
# {glue:text}`mc_panel_file`), drawn from the calibrated simulation of
# {numref}`chapter %s <ch-data>`. In that model risk events lower ESG by
# {glue:text}`mc_true_beta` points each, ESG lowers risk events by
# {glue:text}`mc_true_gamma` per point, so the two are determined jointly,
# firms differ in their levels of both, and the region's cyber-security
# incidents move a firm's risk events without entering its ESG equation. The
# chapter runs {glue:text}`mc_reps` replications at this size.
#
# Five estimators of the ESG equation are applied to every replication, all
# with standard errors clustered by firm and the small-sample factor of
# Stata's `xtreg, fe vce(cluster)`, and with critical values from a t
# distribution with one degree of freedom fewer than the number of firms:
#
# - **pooled OLS**, no firm effects;
# - **firm FE**, the within estimator (the paper's "panel fixed-effects model");
# - **FE-IV**, firm effects with risk events instrumented by the region's
#   incidents (the paper's endogeneity correction);
# - **pooled 2SLS**, the same instrument without firm effects;
# - **FE-IV with firm and year effects**, which drops CR4 because year effects
#   absorb an industry-wide variable ({numref}`chapter %s <ch-audit>`).
#
# The estimators are written for whole batches of replications in NumPy
# (`esgrisk.montecarlo`); the tests check them against linearmodels
# {cite:p}`sheppard_linearmodels` on the same samples to 1e-8, and
# `scripts/bench_montecarlo.py` times them against a loop of linearmodels fits.

# %% tags=["hide-input"]
batch = mc.simulate_batch(n_reps, n_firms, n_years, np.random.default_rng(ss_main))
fits = mc.fit_all_chunked(batch)
summary = mc.summarize_fits(fits, true_beta)
summary.insert(1, "label", summary["estimator"].map(mc.ESTIMATOR_LABELS))
summary.insert(0, "n_years", n_years)
summary.insert(0, "n_firms", n_firms)
summary.to_csv(out_dir / "montecarlo_summary.csv", index=False)
s = summary.set_index("estimator")
for est in mc.ESTIMATORS:
    for col in ("mean", "median_bias", "mae", "rmse", "mean_se", "sd"):
        glue(f"mc_{est}_{col}", float(s.loc[est, col]), display=False)
    glue(f"mc_{est}_coverage", pct(s.loc[est, "coverage"]), display=False)
    glue(f"mc_{est}_power", pct(s.loc[est, "power"]), display=False)
glue("mc_cov_se", pct(mc.mc_standard_error(0.95, n_reps)), display=False)
glue("mc_pooled_ols_positive", pct(np.mean(fits["pooled_ols"].params[:, 0] > 0)), display=False)
se_vs_sd = float(s.loc["fe_iv", "mean_se"] / s.loc["fe_iv", "sd"])
glue("mc_fe_iv_se_word", "too small" if se_vs_sd < 0.9 else "too large" if se_vs_sd > 1.1 else "about right",
     display=False)
glue("mc_2sls_vs_feiv", float(s.loc["pooled_2sls", "mae"] / s.loc["fe_iv", "mae"]), display=False)
glue("mc_fe_bias_in_se", abs(float(s.loc["firm_fe", "median_bias"] / s.loc["firm_fe", "mean_se"])), display=False)
fig_estimates = mc.plot_estimates(fits, true_beta)
glue("fig_mc_estimates", to_image(fig_estimates), display=False)
save_figure(fig_estimates, out_dir, "fig-mc-estimates")

shown = summary[["label", "median_bias", "mae", "sd", "rmse", "mean_se", "coverage", "power"]].copy()
shown.columns = ["estimator", "median bias", "median abs. error", "SD of estimates", "RMSE",
                 "mean clustered SE", "coverage of 95% CI", "rejects beta = 0"]
for c in shown.columns[1:6]:
    shown[c] = shown[c].map(lambda v: f"{v:.3f}")
for c in shown.columns[6:]:
    shown[c] = shown[c].map(pct)

# %% [markdown]
# (sec-mc-five-estimators)=
# ## Five estimators at the panel's size

# %%
show_table(shown, f"The risk coefficient across {n_reps} simulated {n_firms} x {n_years} panels "
           f"(true value {true_beta:g}).", "tbl-mc-summary", save_dir=out_dir)

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
#   the truth in {glue:text}`mc_firm_fe_coverage` of the replications.
# - **FE-IV** is centred on the truth (median bias
#   {glue:text}`mc_fe_iv_median_bias:.3f`) but is noisier (median absolute
#   error {glue:text}`mc_fe_iv_mae:.3f`), and its clustered standard error is
#   {glue:text}`mc_fe_iv_se_word` on average ({glue:text}`mc_fe_iv_mean_se:.3f` against a spread of
#   {glue:text}`mc_fe_iv_sd:.3f`): coverage {glue:text}`mc_fe_iv_coverage`.
#   Adding year effects gives coverage {glue:text}`mc_twoway_fe_iv_coverage`.
# - **Pooled 2SLS** scatters widely at this size: without firm effects the
#   regional instrument explains little of the firm's risk (median absolute
#   error {glue:text}`mc_pooled_2sls_mae:.2f`, {glue:text}`mc_2sls_vs_feiv:.0f`
#   times that of FE-IV;
#   just-identified IV has no finite mean in small samples, hence the median
#   measures).
#
# The last column is the share of replications that reject "no effect" at
# 5 %: {glue:text}`mc_firm_fe_power` for firm FE and
# {glue:text}`mc_fe_iv_power` for FE-IV, against
# {glue:text}`mc_pooled_ols_power` for pooled OLS and
# {glue:text}`mc_pooled_2sls_power` for pooled 2SLS. A coverage rate computed from {glue:text}`mc_reps` replications has a Monte
# Carlo standard error of about {glue:text}`mc_cov_se` near 95 %.

# %% tags=["hide-input"]
infer_params, noise_factor = mc.scaled_noise_params(paper_se, n_reps=100, n_firms=n_firms, n_years=n_years,
                                                    seed=seed_of(ss_infer))
n_boot = mc.bootstrap_draws(n_firms)  # all 2**G sign patterns when feasible, else random draws
inference = mc.inference_study(n_reps, infer_params, n_firms, n_years, seed=seed_of(ss_infer) + 1,
                               n_boot=n_boot)
inference.to_csv(out_dir / "montecarlo_inference.csv")
for model, tag in (("firm FE", "fe"), ("firm and year FE", "tw")):
    for rate, what in (("size (H0: beta = true)", "size"), ("power (H0: beta = 0)", "power")):
        row = inference.loc[(model, rate)]
        for col, test in zip(inference.columns, ("normal", "t", "boot"), strict=True):
            glue(f"mc_{what}_{tag}_{test}", pct(row[col]), display=False)
glue("mc_size_se", pct(mc.mc_standard_error(0.05, n_reps)), display=False)
power_t = float(inference.loc[("firm FE", "power (H0: beta = 0)")].iloc[1])
glue("mc_power_verdict",
     f"So the paper's headline effect, if its standard error were right, is large enough to be found "
     f"in most samples of {n_firms} firms; the weak points are elsewhere (bias and the validity of the "
     "instruments)." if power_t >= 0.8 else
     f"So even if its standard error were right, the paper's headline effect would be missed in many "
     f"samples of {n_firms} firms.", display=False)
size_normal = float(inference.loc[("firm FE", "size (H0: beta = true)")].iloc[0])
over = size_normal > 0.05 + 2 * mc.mc_standard_error(0.05, n_reps)
glue("mc_normal_verdict",
     f"Normal critical values with {n_firms} clusters over-reject (a true null in {pct(size_normal)} of "
     "samples at 5 %); t(G-1) critical values or the wild cluster bootstrap should accompany every "
     "p-value." if over else
     f"Normal critical values with {n_firms} clusters reject a true null in {pct(size_normal)} of samples "
     "at 5 %, within Monte Carlo error of the nominal rate here; with fewer clusters they over-reject, "
     "so t(G-1) critical values or the wild cluster bootstrap are the safer default.", display=False)
glue("mc_boot_weights",
     f"enumerating all {2 ** n_firms:,} sign patterns of the firms, which makes it exact and deterministic"
     if n_boot is None else
     f"with {n_boot:,} random sign patterns of the firms (the 2^{n_firms} possible patterns are "
     "too many to enumerate)", display=False)
glue("mc_noise_factor", noise_factor, display=False)
inference_shown = inference.map(pct).reset_index().rename(columns={"rate": "rejection rate"})

# %% [markdown]
# (sec-mc-few-clusters)=
# ## Inference with few clusters
#
# A firm-clustered standard error treats each firm as one independent piece
# of information, so with {glue:text}`mc_G` firms the t statistic rests on
# {glue:text}`mc_G` clusters. Two
# questions follow: does a 5 % test reject a true hypothesis 5 % of the time
# (its size), and how often does it detect the paper's effect (its power)?
# The fixed-effects estimator is biased in the calibrated model, which would
# confound the answer, so this study switches the feedback from ESG to risk
# off (risk exogenous) and scales the noise of the ESG equation (by a factor
# of {glue:text}`mc_noise_factor:.2f`) until the average clustered standard
# error equals the paper's {glue:text}`mc_paper_se:.2f`. The effect is the
# paper's {glue:text}`mc_paper_coef:.2f`. Three tests are compared:
# the clustered t statistic with normal critical values (what a large-sample
# p-value does), the same with t(G-1) critical values, and the restricted wild
# cluster bootstrap with Rademacher weights {cite:p}`cameron2008bootstrap,mackinnon2017wild`,
# {glue:text}`mc_boot_weights`, computed with the closed form of
# {cite:t}`roodman2019fast` (checked against the `wildboottest` package in
# the tests).

# %%
show_table(inference_shown, "Rejection rates of 5 % tests on the fixed-effects risk coefficient "
           f"({n_reps} replications, {n_firms} clusters).", "tbl-mc-inference", save_dir=out_dir)

# %% [markdown]
# In the paper's model (firm effects only), normal critical values reject a
# true null in {glue:text}`mc_size_fe_normal` of the replications instead of
# 5 %; t(G-1) critical values give {glue:text}`mc_size_fe_t` and the wild
# bootstrap {glue:text}`mc_size_fe_boot` (Monte Carlo standard error about
# {glue:text}`mc_size_se`). With year effects added, which absorb the
# simulation's industry-wide yearly ESG shifter (a shock common to all firms
# in a year, which firm clustering does not allow for), the three rates are
# {glue:text}`mc_size_tw_normal`, {glue:text}`mc_size_tw_t` and
# {glue:text}`mc_size_tw_boot`. With a standard error as large as the
# paper's, an effect of {glue:text}`mc_paper_coef:.2f` is detected in
# {glue:text}`mc_power_fe_t` of samples with t(G-1) critical values and
# {glue:text}`mc_power_fe_boot` with the bootstrap (firm effects only).
# {glue:text}`mc_power_verdict`

# %% tags=["hide-input"]
grid = mc.design_grid(n_reps_grid, firms_grid, years_grid, seed=seed_of(ss_grid), max_rows=grid_max_rows)
grid.insert(3, "label", grid["estimator"].map(mc.ESTIMATOR_LABELS))
grid.to_csv(out_dir / "montecarlo_grid.csv", index=False)
fig_grid = mc.plot_design_grid(grid)
glue("fig_mc_grid", to_image(fig_grid), display=False)
save_figure(fig_grid, out_dir, "fig-mc-grid")
g = grid.set_index(["estimator", "n_firms", "n_years"])
big, small, long_t, short_t = max(firms_grid), min(firms_grid), max(years_grid), min(years_grid)
glue("mc_big_G", big, display=False)
glue("mc_small_G", small, display=False)
glue("mc_short_T", short_t, display=False)
ols_grid_bias = grid.loc[grid["estimator"] == "pooled_ols", "median_bias"]
glue("mc_ols_grid_bias_low", float(ols_grid_bias.min()), display=False)
glue("mc_ols_grid_bias_high", float(ols_grid_bias.max()), display=False)
glue("mc_long_T", long_t, display=False)
glue("mc_fe_bias_big", float(g.loc[("firm_fe", big, short_t), "median_bias"]), display=False)
glue("mc_fe_cov_big", pct(g.loc[("firm_fe", big, short_t), "coverage"]), display=False)
glue("mc_feiv_mae_small", float(g.loc[("fe_iv", small, short_t), "mae"]), display=False)
glue("mc_feiv_mae_big", float(g.loc[("fe_iv", big, short_t), "mae"]), display=False)
glue("mc_feiv_mae_big_long", float(g.loc[("fe_iv", big, long_t), "mae"]), display=False)
glue("mc_feiv_cov_big", pct(g.loc[("fe_iv", big, short_t), "coverage"]), display=False)
glue("mc_tw_cov_big", pct(g.loc[("twoway_fe_iv", big, short_t), "coverage"]), display=False)
glue("mc_tw_mae_big", float(g.loc[("twoway_fe_iv", big, short_t), "mae"]), display=False)
glue("mc_2sls_mae_big", float(g.loc[("pooled_2sls", big, short_t), "mae"]), display=False)
glue("mc_2sls_mae_small", float(g.loc[("pooled_2sls", small, short_t), "mae"]), display=False)
n_regions = len(PARAMS.regions)
glue("mc_n_regions", n_regions, display=False)
glue("mc_grid_min_reps", int(grid["n_reps"].min()), display=False)

# %% [markdown]
# (sec-mc-more-data)=
# ## More firms, more years
#
# {numref}`fig-mc-grid` repeats the experiment with more firms and more years
# ({glue:text}`mc_reps_grid` replications per design, fewer for the largest
# designs to bound the run time, at least {glue:text}`mc_grid_min_reps`; the
# `n_reps` column of `montecarlo_grid.csv` gives each design's count).
#
# ```{glue:figure} fig_mc_grid
# :name: fig-mc-grid
#
# Median bias, median absolute error (log scale) and coverage of the nominal
# 95 % interval of the risk coefficient, by number of firms (log scale) and
# years (solid: {glue:text}`mc_short_T`, dashed: {glue:text}`mc_long_T`).
# Pooled OLS is left out: its median bias (from
# {glue:text}`mc_ols_grid_bias_low:+.2f` to {glue:text}`mc_ols_grid_bias_high:+.2f`
# across the designs) dwarfs the rest.
# ```
#
# - **Simultaneity bias does not go away with more data.** With
#   {glue:text}`mc_big_G` firms the firm-FE median bias is still
#   {glue:text}`mc_fe_bias_big:.3f`, and because the standard error shrinks
#   while the bias does not, coverage falls to {glue:text}`mc_fe_cov_big`.
# - **More firms do not help the regional instrument much.** The instrument
#   varies by region and year, and the simulation has
#   {glue:text}`mc_n_regions` regions, so adding firms adds little new
#   variation in it. The FE-IV median absolute error goes from
#   {glue:text}`mc_feiv_mae_small:.3f` ({glue:text}`mc_small_G` firms) to only
#   {glue:text}`mc_feiv_mae_big:.3f` ({glue:text}`mc_big_G` firms), and its
#   firm-clustered interval covers the truth in just
#   {glue:text}`mc_feiv_cov_big` of samples: the industry-wide yearly shifter
#   hits every firm at once, so firms are not independent clusters. Year
#   effects remove that common shock (coverage {glue:text}`mc_tw_cov_big`,
#   error {glue:text}`mc_tw_mae_big:.3f`).
# - **More years help.** With {glue:text}`mc_long_T` years and
#   {glue:text}`mc_big_G` firms the FE-IV error is
#   {glue:text}`mc_feiv_mae_big_long:.3f`, since each year adds a new draw of
#   every region's incidents and of the yearly shifter.
# - **Pooled 2SLS** improves only slowly with more firms: its median absolute
#   error goes from {glue:text}`mc_2sls_mae_small:.2f` with
#   {glue:text}`mc_small_G` firms to {glue:text}`mc_2sls_mae_big:.2f` with
#   {glue:text}`mc_big_G` firms ({glue:text}`mc_short_T` years).

# %% tags=["hide-input"]
rho = 0.5
many_firms, many_years = 200, 12   # the larger designs of the extension studies
dyn = mc.dynamic_study(n_reps_extensions, designs=[(n_firms, n_years), (many_firms, n_years), (n_firms, many_years),
                                                   (many_firms, many_years)],
                       rho=rho, seed=seed_of(ss_dyn))
dyn.insert(3, "label", dyn["estimator"].map({"fe_lagged": "within (FE)", "anderson_hsiao": "Anderson-Hsiao"}))
dyn.to_csv(out_dir / "montecarlo_dynamic.csv", index=False)
d = dyn.set_index(["estimator", "parameter", "n_firms", "n_years"])
glue("mc_rho", rho, display=False)
glue("mc_many_firms", many_firms, display=False)
glue("mc_many_years", many_years, display=False)
glue("mc_usable_T", n_years - 1, display=False)
glue("mc_nickell", mc.nickell_approximation(rho, n_years - 1), display=False)
glue("mc_dyn_fe_rho_bias", float(d.loc[("fe_lagged", "rho", n_firms, n_years), "median_bias"]), display=False)
glue("mc_dyn_fe_rho_bias_200", float(d.loc[("fe_lagged", "rho", many_firms, n_years), "median_bias"]),
     display=False)
glue("mc_dyn_fe_rho_bias_12", float(d.loc[("fe_lagged", "rho", n_firms, many_years), "median_bias"]),
     display=False)
glue("mc_dyn_fe_rho_cov_200", pct(d.loc[("fe_lagged", "rho", many_firms, n_years), "coverage"]), display=False)
glue("mc_dyn_fe_beta_bias", float(d.loc[("fe_lagged", "beta", n_firms, n_years), "median_bias"]), display=False)
glue("mc_dyn_ah_rho_bias", float(d.loc[("anderson_hsiao", "rho", n_firms, n_years), "median_bias"]), display=False)
glue("mc_dyn_ah_rho_rmse", float(d.loc[("anderson_hsiao", "rho", n_firms, n_years), "rmse"]), display=False)
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
# within estimator of rho is biased downwards {cite:p}`nickell1981biases`;
# the first-difference estimator of {cite:t}`anderson1949estimation`-style
# instrumenting (Anderson and Hsiao: last-but-one year's level as the
# instrument for last year's change) is consistent for a fixed number of
# years.

# %%
show_table(dyn_shown, f"Dynamic panel: within and Anderson-Hsiao estimates ({n_reps_extensions} replications "
           "per design).", "tbl-mc-dynamic", digits=None, save_dir=out_dir)

# %% [markdown]
# With {glue:text}`mc_T` years the within estimate of rho has a median bias
# of {glue:text}`mc_dyn_fe_rho_bias:.3f` ({glue:text}`mc_G` firms) and
# {glue:text}`mc_dyn_fe_rho_bias_200:.3f` with {glue:text}`mc_many_firms`
# firms: more firms do not reduce it, and with {glue:text}`mc_many_firms`
# firms the interval covers the truth in
# {glue:text}`mc_dyn_fe_rho_cov_200` of samples. Nickell's approximation
# -(1 + rho)/(T - 1) for a pure autoregression gives
# {glue:text}`mc_nickell:.3f` with the {glue:text}`mc_usable_T` usable years; the simulated bias
# is smaller because most of the movement in ESG here comes from the
# exogenous risk events, not from its own shocks. With
# {glue:text}`mc_many_years` years the bias is
# {glue:text}`mc_dyn_fe_rho_bias_12:.3f`. The
# Anderson-Hsiao estimator is nearly unbiased in the median
# ({glue:text}`mc_dyn_ah_rho_bias:.3f`) but so noisy at {glue:text}`mc_G` x
# {glue:text}`mc_T` (RMSE
# {glue:text}`mc_dyn_ah_rho_rmse:.1f`) that it says little. A dynamic model on
# the paper's panel would therefore trade one problem for another.

# %% tags=["hide-input"]
gamma_true, b_low, b_high = 15.0, -0.6, -1.2
designs_thr = [(n_firms, n_years), (many_firms, n_years)]
thr, thresholds = mc.threshold_study(n_reps_extensions, infer_params, designs=designs_thr, gamma=gamma_true,
                                     beta_low=b_low, beta_high=b_high, seed=seed_of(ss_thr))
thr.to_csv(out_dir / "montecarlo_threshold.csv", index=False)
t0 = thr.iloc[0]
glue("mc_thr_gamma", gamma_true, display=False)
glue("mc_thr_low", b_low, display=False)
glue("mc_thr_high", b_high, display=False)
glue("mc_thr_within2", pct(t0["threshold within 2 events"]), display=False)
glue("mc_thr_diff", float(t0["median slope difference"]), display=False)
glue("mc_thr_naive_real", pct(t0["naive test rejects (threshold real)"]), display=False)
glue("mc_thr_naive_null", pct(t0["naive test rejects (model linear)"]), display=False)
glue("mc_thr_naive_null_200", pct(thr.iloc[-1]["naive test rejects (model linear)"]), display=False)
fig_threshold = mc.plot_thresholds(thresholds, gamma_true, mc.THRESHOLD_CANDIDATES)
glue("fig_mc_threshold", to_image(fig_threshold), display=False)
save_figure(fig_threshold, out_dir, "fig-mc-threshold")
thr_shown = thr.rename(columns={"n_firms": "firms", "n_years": "years"})
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
# error ({numref}`section %s <sec-mc-few-clusters>`), and estimates the threshold by Hansen's grid search
# with firm and year effects {cite:p}`hansen1999threshold`.

# %%
show_table(thr_shown, f"Threshold model: locating the threshold and testing equal slopes "
           f"({n_reps_extensions} replications per design).", "tbl-mc-threshold", save_dir=out_dir)

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
# is {glue:text}`mc_thr_diff:.2f`: a difference this large is visible even
# with {glue:text}`mc_G` firms. The catch is inference. The naive t-test of equal slopes at
# the estimated threshold rejects in {glue:text}`mc_thr_naive_real` of samples
# when the threshold is real, but also in {glue:text}`mc_thr_naive_null` when
# the true model is linear ({glue:text}`mc_thr_naive_null_200` with
# {glue:text}`mc_many_firms` firms), because the search picks the split that fits the noise best. A
# threshold claim needs Hansen's bootstrap of the sup statistic, not the
# conditional t-test.

# %% [markdown]
# ## What the design can and cannot show
#
# - With {glue:text}`mc_G` firms and {glue:text}`mc_T` years an effect as
#   large as the paper's is detected in {glue:text}`mc_power_fe_t` of samples
#   (t(G-1) critical values) **if** the estimator is unbiased and the standard
#   error is honest ({numref}`section %s <sec-mc-few-clusters>`).
# - The firm fixed-effects estimator is not unbiased when ESG also drives
#   risk: at {glue:text}`mc_size` its median bias is
#   {glue:text}`mc_fe_bias_in_se:.1f` times its average standard error
#   ({numref}`section %s <sec-mc-five-estimators>`), and the ratio grows with more data, because the bias stays
#   while the standard error shrinks ({numref}`section %s <sec-mc-more-data>`). More data do not fix a
#   specification problem.
# - The regional instrument removes the simultaneity bias but its precision
#   is bounded by the number of regions and years, not firms, and clustering
#   by firm overstates precision when there are industry-wide yearly shocks.
# - {glue:text}`mc_normal_verdict`
# - The dynamic and threshold extensions can be estimated, but at this size
#   the within dynamic estimator is biased, its consistent alternative is very
#   noisy, and threshold tests need a bootstrap.

# %% [markdown]
# ```{include} ../book/teaching/08_monte_carlo.exercises.md
# ```
