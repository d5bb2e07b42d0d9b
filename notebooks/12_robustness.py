# %% [markdown]
# (ch-robustness)=
# # Robustness checks
#
# ```{admonition} Simulated data
# :class: warning
# This chapter runs on the panel named by `panel_path`, by default the book's
# calibrated simulation (`data/simulated/panel.csv`), not on the paper's
# firm data, which were not published. Every check here runs on any panel
# that follows the panel contract, so a reader with real data gets them by
# passing it: `papermill notebooks/12_robustness.ipynb out.ipynb -p panel_path my_panel.csv`.
# ```
#
# A replication reviewer asks of any estimate not only whether it can be
# reproduced but whether it survives reasonable changes: to the sample, to
# the inference, to the specification. This chapter applies five such checks
# to the book's fixed-effects and fixed-effects IV estimates of the effect of
# risk events on ESG ({doc}`04_fixed_effects`), and a specification curve to
# both directions of the relation ({doc}`05_bidirectional_2sls`):
#
# - **leave one firm out**: the estimate without each firm in turn, and how
#   far (in standard errors) each firm moves it;
# - **randomization inference** {cite:p}`young2019channeling`: how often a
#   regressor with the same values, reassigned at random between firms, gives
#   a t statistic as large;
# - **the restricted wild cluster bootstrap** {cite:p}`cameron2008bootstrap,roodman2019fast`
#   for the fixed-effects estimates, which keeps its size with few clusters;
# - **the Anderson-Rubin test** {cite:p}`anderson1949estimation` for the IV
#   estimates, which stays valid however weak the instrument;
# - **a specification curve** {cite:p}`simonsohn2020specification`: one
#   estimate for every combination of fixed effects, estimator and
#   instrument, controls and clustering that the book discusses.
#
# The functions are in `esgrisk.robustness`, each tested against
# linearmodels and wildboottest; they are vectorised (no refit per firm,
# permutation or bootstrap draw), and `max_draws` caps the permutations and
# bootstrap draws, so they also run on panels of thousands of firms.
# Inference follows the book's one rule: standard errors clustered by firm
# with the small-sample factor G/(G-1)(N-1)/(N-K), t(G-1) reference.
#
# - **Inputs:** the panel (`panel_path`).
# - **Outputs:** `robustness.csv` in `results_dir` (one row per model and
#   method: `model`, `method`, `estimate`, `ci_low`, `ci_high`, `p_value`,
#   `statistic`, `draws` and the specification), `robustness_lofo.csv` (the
#   estimate without each firm); the tables and figures of this page, each
#   also as a file in `results_dir`.
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/12_robustness.py`, then
#   `papermill notebooks/12_robustness.ipynb out.ipynb -p panel_path my_panel.csv -p results_dir my_results`.

# %% tags=["parameters"]
panel_path = "data/simulated/panel.csv"  # .csv, .xlsx, .dta or .parquet following the panel contract
panel_encoding = None  # CSV only: a Python codec such as "gb18030"; None = UTF-8
panel_columns = None  # {"your column": "contract column"}, or a YAML / JSON file holding that mapping
results_dir = "results"
seed = None  # None = esgrisk.simulate.DEFAULT_SEED
panel_accept = []  # plausibility rules waived on purpose, e.g. ["esg_unit_scale"] (esgrisk.panel.PLAUSIBILITY)
max_draws = 999

# %% tags=["hide-input"]
from esgrisk.panel import load_panel
from esgrisk.preflight import require_design
from esgrisk.simulate import seed_or_default

panel = load_panel(panel_path, encoding=panel_encoding, columns=panel_columns, accept=panel_accept)
design = require_design(panel, source=panel_path)  # stops here, naming columns and rule, before any model
seed = seed_or_default(seed)

# %% tags=["hide-input"]
import re

import numpy as np
from IPython.display import Markdown
from myst_nb import glue

from esgrisk import robustness as rb
from esgrisk.audit_figures import plot_leave_one_out, plot_specification_curve
from esgrisk.descriptive import figure_image as to_image
from esgrisk.figures import glue_figure
from esgrisk.i18n import glue_i18n, tr
from esgrisk.paths import display_path, output_dir
from esgrisk.prose import semicolon_list
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)
checks = rb.robustness_table(panel, draws=int(max_draws), seed=int(seed))
table = checks["table"]
table.to_csv(out_dir / "robustness.csv", index=False, float_format="%.10g")
checks["lofo"].to_csv(out_dir / "robustness_lofo.csv", index=False, float_format="%.10g")
n_obs, n_firms, n_years = len(panel), panel["firm"].nunique(), panel["year"].nunique()
glue("rb_panel_file", Markdown(f"`{display_path(panel_path)}`"), display=False)
glue("rb_n_obs", n_obs, display=False)
glue("rb_n_firms", n_firms, display=False)
glue("rb_n_years", n_years, display=False)
glue("rb_max_draws", int(max_draws), display=False)


def pick(model, method):
    """The row of ``table`` for one model and method."""
    return table[(table["model"] == model) & (table["method"] == method)].iloc[0]


def sig_phrase(p, level=0.05):
    return "rejects" if p < level else "does not reject"


# %% [markdown]
# The panel is {glue:md}`rb_panel_file`: {glue:text}`rb_n_obs` firm-years of
# {glue:text}`rb_n_firms` firms over {glue:text}`rb_n_years` years.
#
# ## Inference with few clusters
#
# {numref}`tbl-rb-inference` sets the conventional clustered t test of "no
# effect of risk events on ESG" beside the checks that do not rely on its
# large-cluster approximation.

# %% tags=["hide-input"]
models = list(rb.MODELS)
main = table[table["model"].isin(models)]
shown = main[["model", "method", "estimate", "ci_low", "ci_high", "p_value", "draws", "note"]].copy()
shown["draws"] = shown["draws"].map(lambda v: "" if np.isnan(v) else f"{int(v)}")
fe_t, fe_wb, fe_ri = pick("fe_entity", "cluster_t"), pick("fe_entity", "wild_cluster_bootstrap"), \
    pick("fe_entity", "randomization_inference")
iv_t, iv_ar = pick("fe_iv_risk", "cluster_t"), pick("fe_iv_risk", "anderson_rubin")
glue("rb_fe_est", float(fe_t["estimate"]), display=False)
glue("rb_fe_p", float(fe_t["p_value"]), display=False)
glue("rb_fe_wb_p", float(fe_wb["p_value"]), display=False)
glue("rb_fe_wb_lo", float(fe_wb["ci_low"]), display=False)
glue("rb_fe_wb_hi", float(fe_wb["ci_high"]), display=False)
glue("rb_fe_lo", float(fe_t["ci_low"]), display=False)
glue("rb_fe_hi", float(fe_t["ci_high"]), display=False)
glue("rb_fe_wb_draws", int(fe_wb["draws"]), display=False)
glue_i18n("rb_fe_wb_kind", tr(str(fe_wb["note"]).split(",")[0]))  # a scheme name of esgrisk.robustness
glue("rb_fe_ri_p", float(fe_ri["p_value"]), display=False)
glue("rb_fe_ri_draws", int(fe_ri["draws"]), display=False)
glue_i18n("rb_fe_ri_scheme", tr(str(fe_ri["note"])))  # a scheme name of esgrisk.robustness
glue("rb_fe_ri_min", 1 / (1 + int(fe_ri["draws"])), display=False)
glue("rb_iv_est", float(iv_t["estimate"]), display=False)
glue("rb_iv_p", float(iv_t["p_value"]), display=False)
glue("rb_iv_ar_p", float(iv_ar["p_value"]), display=False)
ar_shape = str(iv_ar["note"]).split(";")[0].replace("95 % set: ", "")
rays = re.fullmatch(r"two rays: \(-inf, (.+)\] and \[(.+), inf\)", ar_shape)
glue_i18n("rb_iv_ar_set", tr("the interval from {lo:.3f} to {hi:.3f}", lo=float(iv_ar["ci_low"]),
                             hi=float(iv_ar["ci_high"])) if ar_shape == "interval" else
          tr("two rays: (-inf, {lo}] and [{hi}, inf)", lo=rays[1], hi=rays[2]) if rays else tr(ar_shape))
rejects = [float(p) < 0.05 for p in main["p_value"].dropna()]
glue_i18n("rb_verdict", tr("Every test rejects the null of no effect at the 5 % level on this panel: the "
                            "conventional and the few-cluster-robust answers agree.") if all(rejects) else
          tr("No test rejects the null of no effect at the 5 % level on this panel.") if not any(rejects) else
          tr("{k} of {n} tests reject the null of no effect at the 5 % level on this panel: the conventional and "
             "the few-cluster-robust answers differ, and the robust ones are the safer guide.",
             k=sum(rejects), n=len(rejects)))

# %%
show_table(shown, "The effect of risk events on ESG: the conventional clustered t test (cluster_t) beside "
           "leave-one-firm-out (interval: smallest and largest estimate without one firm), randomization "
           "inference, the restricted wild cluster bootstrap and the Anderson-Rubin test.", "tbl-rb-inference",
           digits={"estimate": 3, "ci_low": 3, "ci_high": 3, "p_value": 4}, save_dir=out_dir)

# %% [markdown]
# For the firm fixed-effects estimate ({glue:text}`rb_fe_est:.3f`), the
# clustered t test gives p = {glue:text}`rb_fe_p:.2g` with a 95 % interval
# from {glue:text}`rb_fe_lo:.3f` to {glue:text}`rb_fe_hi:.3f`. The restricted
# wild cluster bootstrap ({glue:text}`rb_fe_wb_draws` draws:
# {glue:text}`rb_fe_wb_kind`) gives p = {glue:text}`rb_fe_wb_p:.4f` and, by
# inverting the test, a 95 % set from {glue:text}`rb_fe_wb_lo:.3f` to
# {glue:text}`rb_fe_wb_hi:.3f`. Randomization inference
# ({glue:text}`rb_fe_ri_draws` permutations, {glue:text}`rb_fe_ri_scheme`)
# gives p = {glue:text}`rb_fe_ri_p:.4f`; the smallest p-value that many
# permutations can show is {glue:text}`rb_fe_ri_min:.4f`. For the IV estimate
# ({glue:text}`rb_iv_est:.3f`, clustered p = {glue:text}`rb_iv_p:.2g`) the
# Anderson-Rubin test, valid however weak the regional-incidents instrument
# is, gives p = {glue:text}`rb_iv_ar_p:.2g` and a 95 % set that is
# {glue:text}`rb_iv_ar_set`.
# {glue:text}`rb_verdict` The Monte Carlo chapter ({doc}`08_monte_carlo`) shows
# how the tests behave over many panels of the paper's size.
#
# ## One firm at a time

# %% tags=["hide-input"]
lofo = checks["lofo"]
full = main[main["method"] == "cluster_t"][["model", "estimate", "ci_low", "ci_high"]]
fig_lofo = plot_leave_one_out(lofo, full)
glue_figure("fig_rb_lofo", fig_lofo, out_dir, "fig-rb-lofo", image=to_image)
lf = pick("fe_entity", "leave_one_firm_out")
glue("rb_lofo_lo", float(lf["ci_low"]), display=False)
glue("rb_lofo_hi", float(lf["ci_high"]), display=False)
glue("rb_lofo_max_se", float(lf["statistic"]), display=False)
glue("rb_lofo_firm", str(lf["note"]).rsplit(": ", 1)[1], display=False)
inside = [(float(pick(m, "leave_one_firm_out")["ci_low"]) >= float(pick(m, "cluster_t")["ci_low"])
           and float(pick(m, "leave_one_firm_out")["ci_high"]) <= float(pick(m, "cluster_t")["ci_high"]))
          for m in models]
glue_i18n("rb_lofo_inside", tr("{k} of {n}", k=sum(inside), n=len(models)))
worst = max(float(pick(m, "leave_one_firm_out")["statistic"]) for m in models)
glue("rb_lofo_worst", worst, display=False)

# %% [markdown]
# ```{glue:figure} fig_rb_lofo
# :name: fig-rb-lofo
#
# The estimate of each model without one firm (dots, sorted), against the
# full-sample estimate (line) and its clustered 95 % interval (band). With
# many firms only the most influential are drawn.
# ```
#
# Without any one firm, the firm fixed-effects estimate ranges from
# {glue:text}`rb_lofo_lo:.3f` to {glue:text}`rb_lofo_hi:.3f`; the most
# influential firm, {glue:text}`rb_lofo_firm`, moves it by
# {glue:text}`rb_lofo_max_se:.2f` standard errors. For
# {glue:text}`rb_lofo_inside` models every leave-one-out estimate stays
# inside the full-sample interval; the largest influence of any firm on any
# model is {glue:text}`rb_lofo_worst:.2f` standard errors. The computation is
# exact: each firm's rows enter the within-transformed regression only
# through their own cross-products, which are subtracted one firm at a time.
#
# ## Specification curve

# %% tags=["hide-input"]
curve = checks["curve"]
risk_curve = curve[curve["model"] == "risk_to_esg"]
esg_curve = curve[curve["model"] == "esg_to_risk"]
fig_c1 = plot_specification_curve(risk_curve, "risk -> ESG: coefficient of risk events")
fig_c2 = plot_specification_curve(esg_curve, "ESG -> risk: coefficient of ESG")
glue_figure("fig_rb_curve_risk", fig_c1, out_dir, "fig-rb-curve-risk", image=to_image)
glue_figure("fig_rb_curve_esg", fig_c2, out_dir, "fig-rb-curve-esg", image=to_image)


def curve_facts(c, prefix):
    ok = c[c["estimate"].notna()]
    glue(f"{prefix}_n", len(c), display=False)
    glue(f"{prefix}_ok", len(ok), display=False)
    glue(f"{prefix}_min", float(ok["estimate"].min()), display=False)
    glue(f"{prefix}_max", float(ok["estimate"].max()), display=False)
    glue(f"{prefix}_neg", int((ok["estimate"] < 0).sum()), display=False)
    glue(f"{prefix}_sig", int(((ok["p_value"] < 0.05) & (ok["estimate"] < 0)).sum()), display=False)
    glue(f"{prefix}_pos_sig", int(((ok["p_value"] < 0.05) & (ok["estimate"] > 0)).sum()), display=False)
    glue(f"{prefix}_unid", len(c) - len(ok), display=False)
    by_eff = ok.groupby("effects")["estimate"].median()
    glue_i18n(f"{prefix}_by_effects", semicolon_list(tr("{effects}: {median:.3f}", effects=tr(k), median=v)
                                                     for k, v in by_eff.items()), kind="md")


glue("rb_n_control_sets", len(rb.control_sets(rb.MODELS["fe_entity"].controls)), display=False)
curve_facts(risk_curve, "rb_cr")
n_unid = int(esg_curve["estimate"].isna().sum())
unid_combos = esg_curve[esg_curve["estimate"].isna()][["effects", "estimator", "instrument"]].drop_duplicates()
glue_i18n("rb_ce_unid_note", tr(
    "{n} of them are not identified on this panel ({combos}): a one-industry average takes one value per year, so "
    "year effects absorb it (see the audit's identification notes).", n=n_unid,
    combos=semicolon_list(tr("{estimator} with `{instrument}` and {effects} effects", estimator=r.estimator,
                             instrument=r.instrument, effects=tr(r.effects)) for r in unid_combos.itertuples()))
    if n_unid else tr("The panel identifies all of them."), kind="md")
curve_facts(esg_curve, "rb_ce")
curve_summary = (curve[curve["estimate"].notna()]
                 .groupby(["model", "effects", "estimator", "instrument"])["estimate"]
                 .agg(["count", "min", "median", "max"]).reset_index())

# %% [markdown]
# The risk -> ESG curve has {glue:text}`rb_cr_n` specifications: fixed
# effects (none, firm, firm and year) x OLS or 2SLS with regional incidents x
# {glue:text}`rb_n_control_sets` control sets (all controls, none, each one left out) x clustering
# by firm or heteroskedasticity-robust only. Of the
# {glue:text}`rb_cr_ok` that the panel identifies, the estimate ranges from
# {glue:text}`rb_cr_min:.3f` to {glue:text}`rb_cr_max:.3f`;
# {glue:text}`rb_cr_neg` are negative and {glue:text}`rb_cr_sig` negative and
# significant at 5 % ({glue:text}`rb_cr_pos_sig` positive and significant).
# Median estimate by fixed effects: {glue:md}`rb_cr_by_effects`.
#
# ```{glue:figure} fig_rb_curve_risk
# :name: fig-rb-curve-risk
#
# Specification curve of the risk -> ESG effect: estimates with 95 %
# intervals, sorted (top; the axis spans the interquartile range of the
# estimates plus three times that range, and says how many it leaves out),
# and the choices behind each (bottom).
# ```
#
# The ESG -> risk curve has {glue:text}`rb_ce_n` specifications, with the
# instrument version as a dimension: OLS, the leave-one-out industry-average
# ESG and the inclusive industry average. {glue:md}`rb_ce_unid_note` Of the
# {glue:text}`rb_ce_ok` others the estimate ranges from
# {glue:text}`rb_ce_min:.3f` to {glue:text}`rb_ce_max:.3f`;
# {glue:text}`rb_ce_sig` are negative and significant at 5 %
# ({glue:text}`rb_ce_pos_sig` positive and significant). Median by fixed
# effects: {glue:md}`rb_ce_by_effects`.
#
# ```{glue:figure} fig_rb_curve_esg
# :name: fig-rb-curve-esg
#
# Specification curve of the ESG -> risk effect.
# ```

# %%
show_table(curve_summary, "Specification curves by fixed effects, estimator and instrument: number of "
           "identified specifications and the smallest, median and largest estimate over control sets and "
           "clustering.", "tbl-rb-curve", digits={"min": 3, "median": 3, "max": 3}, save_dir=out_dir)

# %% [markdown]
# A wide curve is not a failure of the estimate: different specifications
# estimate different things (pooled OLS compares firms, fixed effects compare
# a firm with itself). What the curve shows is which choices the answer
# depends on, which is what a reader of the paper, which reports one
# specification, cannot see.
