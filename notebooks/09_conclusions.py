# %% [markdown]
# (ch-conclusions)=
# # Conclusions, recommendations and the strength of the evidence
#
# ```{admonition} Simulated data
# :class: warning
# By default the estimates on this page come from the book's calibrated
# simulation (`data/simulated/panel.csv`), not from the paper's firm data,
# which were not published. On that panel the true effects are the paper's
# own, so finding them shows what the methods can do, not that the paper is
# right. To weigh the conclusions against real data, pass a panel that
# follows the panel contract:
# `papermill notebooks/09_conclusions.ipynb out.ipynb -p panel_path my_panel.csv`.
# ```
#
# The paper ends with three conclusions and a set of management
# recommendations at the strategy, execution and technology levels
# {cite:p}`zhang2025security`. This chapter restates each one in the book's
# words and tags it with how strongly the book's own evidence supports it.
# Each hypothesis is graded first on the paper's *design* (its numbers of
# firms and years): over many simulated panels, how often does the paper's kind of
# estimator detect the effect (power) and how often do its intervals cover
# the truth (coverage), as in {doc}`08_monte_carlo`. The panel this page
# runs on is one draw from such a design: its estimates illustrate, and the
# page says where in the design's distribution they fall. The estimates
# ({doc}`04_fixed_effects`, {doc}`05_bidirectional_2sls`), the audit of the
# printed numbers ({doc}`07_audit`) and the documented cases
# ({doc}`06_case_studies`) complete the picture.
#
# - **Inputs:** the panel (`panel_path`); the paper's printed coefficients
#   (`esgrisk.published`); the Monte Carlo of the design (`esgrisk.montecarlo`,
#   the same replications as {doc}`08_monte_carlo` for the same `seed`
#   and `n_reps`).
# - **Outputs:** `evidence.csv` (one row per hypothesis: the paper's and this
#   panel's estimate, the design's power and coverage, the panel's percentile
#   in the design, the verdict), {numref}`tbl-evidence-design` and
#   {numref}`tbl-evidence-estimates` (also as `tables/<name>.csv`) in
#   `results_dir`; no model results (the estimation chapters write the
#   models).
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/09_conclusions.py`, then
#   `papermill notebooks/09_conclusions.ipynb out.ipynb -p panel_path my_panel.csv`.

# %% [markdown]
# ```{include} ../book/teaching/09_conclusions.objectives.md
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
from myst_nb import glue

from esgrisk import bidirectional as bi
from esgrisk import evidence as ev
from esgrisk import montecarlo as mc
from esgrisk import published, weakiv
from esgrisk import system as sy
from esgrisk.audit import PAPER_SAMPLE
from esgrisk.i18n import glue_i18n, tr
from esgrisk.paths import SIMULATED_PANEL, display_path, output_dir, resolve
from esgrisk.prose import text
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)
G0, T0 = PAPER_SAMPLE["firms"], PAPER_SAMPLE["years"]
n_firms = int(panel["firm"].nunique())
n_years = int(panel["year"].nunique())
same_size = (n_firms, n_years) == (G0, T0)

# the design: chapter 8's replications at the paper's size (same seed, same counts)
design, draws = mc.paper_design(n_reps, seed, G0, T0)
design_label = size_h12 = f"{G0} x {T0}"
own_size = design_at_panel_size and not same_size
if own_size:   # the panel's own size, batched estimators only, replications bounded by the time budget
    own_stream = mc.study_streams(seed)["own_size"]
    own_reps = mc.reps_within_budget(n_firms, n_years, time_budget_s, n_reps,
                                     seed=int(own_stream.generate_state(1)[0]))
    design, draws = mc.design_study(own_reps, n_firms, n_years, np.random.default_rng(own_stream))
    design_label = size_h12 = f"{n_firms} x {n_years}"

# this panel: one draw, with the chapters' own estimators
draw = ev.panel_draw(panel)
h1, h2, system = draw["h1"], draw["h2"], draw["system"]
h1_f, h2_f = draw["h1_f_cluster"], draw["h2_f_cluster"]        # decision 2: the cluster-robust F
h2_ar = weakiv.anderson_rubin(panel, h2)
loop = sy.multiplier_bootstrap(system.beta, system.gamma, system.cov, seed=seed)
reflection = bi.reflection_check(panel)

h1_verdict = ev.arrow_verdict(float(h1.params["risk_events"]), float(h1.pvalues["risk_events"]), h1_f)
h2_verdict = ev.arrow_verdict(h2.coef, h2.pvalue, h2_f)
if not h2_ar.bounded:
    h2_verdict = text("{verdict}; robust confidence set unbounded", verdict=h2_verdict)
h3_verdict = ev.loop_verdict(h1_verdict, h2_verdict, h2_f)

paper_h1 = published.table2().loc["risk_events", "coef"]
paper = published.twosls()
evidence = ev.evidence_table(
    design, draws,
    paper={"H1": paper_h1, "H2": paper.loc["h2_esg_to_risk", "coef"], "H3": paper.loc["bidir_esg_to_risk", "coef"]},
    book={"H1": float(h1.params["risk_events"]), "H2": h2.coef, "H3": system.gamma},
    draw_values=draw["values"],
    draw_verdicts={"H1": h1_verdict, "H2": h2_verdict, "H3": h3_verdict},
    design_matches_panel=same_size or own_size)
evidence.insert(1, "design", design_label)
evidence.to_csv(out_dir / "evidence.csv", index=False)
e = evidence.set_index("hypothesis")


def pct(x):
    return f"{100 * x:.0f} %"


def percentile_text(h):
    p = e.loc[h, "draw_percentile"]
    return "not comparable (other size)" if not np.isfinite(p) else f"{p:.0f}"


estimates = pd.DataFrame([
    {"hypothesis": "H1: risk events -> ESG", "paper": paper_h1,
     "this panel (one draw)": float(h1.params["risk_events"]), "p (t, G-1)": float(h1.pvalues["risk_events"]),
     "first-stage F (cluster-robust)": h1_f},
    {"hypothesis": "H2: ESG -> risk events", "paper": paper.loc["h2_esg_to_risk", "coef"],
     "this panel (one draw)": h2.coef, "p (t, G-1)": h2.pvalue, "first-stage F (cluster-robust)": h2_f},
    {"hypothesis": "H3: risk -> ESG in the system", "paper": paper.loc["bidir_risk_to_esg", "coef"],
     "this panel (one draw)": system.beta, "p (t, G-1)": system.pvalues["esg.risk_events"],
     "first-stage F (cluster-robust)": float("nan")},
    {"hypothesis": "H3: ESG -> risk in the system", "paper": paper.loc["bidir_esg_to_risk", "coef"],
     "this panel (one draw)": system.gamma, "p (t, G-1)": system.pvalues["risk_events.esg"],
     "first-stage F (cluster-robust)": float("nan")},
])
# decimals shown; the paper's numbers as printed (shortest form)
digits = {"paper": None, "this panel (one draw)": 3, "p (t, G-1)": 3, "first-stage F (cluster-robust)": 2}
graded = pd.DataFrame({
    "hypothesis": evidence["hypothesis"],
    "estimator graded": ["FE-IV (region incidents)", "2SLS, leave-one-out industry mean", "3SLS, both arrows"],
    "design power": [pct(v) for v in evidence["design_power"]],
    "design coverage": [pct(v) for v in evidence["design_coverage"]],
    "this panel's statistic": [f"{lab}: {v:.2f}" for lab, v in zip(evidence["draw_statistic"],
                                                                   evidence["draw_value"], strict=True)],
    "percentile in the design": [percentile_text(h) for h in evidence["hypothesis"]],
    "on the design": evidence["design_verdict"],
    "on this panel": evidence["draw_verdict"],
})
loop_sentence = ev.loop_stability_sentence(loop["share_unstable"])

is_default = resolve(panel_path) == SIMULATED_PANEL
glue_i18n("panel_kind", tr("the book's calibrated simulation") if is_default else tr("the panel you supplied"))
glue("panel_file", display_path(panel_path), display=False)
glue_i18n("h1_verdict", h1_verdict)
glue_i18n("h2_verdict", h2_verdict)
glue_i18n("h3_verdict", h3_verdict)
glue("h2_first_f", h2_f, display=False)
glue_i18n("h2_ar_set", h2_ar.describe())
glue_i18n("loop_sentence", loop_sentence)
glue("year_share_loo_pct", 100 * reflection["year_share_loo"], display=False)
glue("weak_f", ev.WEAK_F, display=False)
glue("design_label", design_label, display=False)
glue_i18n("design_kind", tr("this panel's own size (`design_at_panel_size`)") if own_size else tr("the paper's size"))
glue("min_power", pct(ev.MIN_POWER), display=False)
glue("min_coverage", pct(ev.MIN_COVERAGE), display=False)
glue("design_reps", int(e.loc["H1", "design_reps"]), display=False)
design_verdicts = {h: tr(str(v)) for h, v in e["design_verdict"].items()}  # templates of design_verdict
glue_i18n("design_summary", ev.design_summary(design_verdicts))
d_loo = design.set_index(["equation", "estimator"]).loc[("esg_to_risk", "iv_loo")]
if np.isfinite(e.loc["H2", "draw_percentile"]):
    glue_i18n("h2_draw_sentence", tr("This panel's cluster-robust F of {f:.2f} lies at the {pct:.0f}th percentile "
                                     "of the design's F distribution (median {median:.1f}): it is one draw.",
                                     f=h2_f, pct=e.loc["H2", "draw_percentile"], median=d_loo["f_cluster_median"]))
else:
    glue_i18n("h2_draw_sentence", tr("This panel ({n_firms} x {n_years}) is not a draw from the {size} design, so "
                                     "its F is not placed in that distribution (run with "
                                     "`design_at_panel_size=True`).", n_firms=n_firms, n_years=n_years,
                                     size=size_h12))
h2_design_ok = e.loc["H2", "design_verdict"] == "the design can detect the effect"
h3_design_ok = e.loc["H3", "design_verdict"] == "the design can detect the effect"
glue_i18n("c2_label", tr("weak") if h2_design_ok else tr("not established"))
glue_i18n("c3_label", tr("weak") if h3_design_ok and h2_design_ok else tr("not established"))
glue_i18n("c2_design",
          tr("On the design the leave-one-out 2SLS detects the arrow in {power} of {size} panels with intervals "
             "covering the truth in {coverage}, so the statistical objection that a panel of {size} cannot "
             "identify it does not hold in this model; its first-stage F is nevertheless below {weak_f:g} in "
             "{weak_share} of panels, so on any one panel the instrument may well be weak.",
             power=pct(e.loc["H2", "design_power"]), size=size_h12, coverage=pct(e.loc["H2", "design_coverage"]),
             weak_f=ev.WEAK_F, weak_share=pct(1 - d_loo["f_cluster_above_weak"]))
          if h2_design_ok else
          tr("On the design the leave-one-out 2SLS detects the arrow in {power} of {size} panels (coverage "
             "{coverage}): {verdict}.", power=pct(e.loc["H2", "design_power"]), size=size_h12,
             coverage=pct(e.loc["H2", "design_coverage"]), verdict=design_verdicts["H2"]))
glue_i18n("c3_design",
          tr("On the design 3SLS detects both arrows in {power} of {size} panels with intervals for the ESG -> "
             "risk arrow covering the truth in {coverage}: {verdict}.", power=pct(e.loc["H3", "design_power"]),
             size=size_h12, coverage=pct(e.loc["H3", "design_coverage"]), verdict=design_verdicts["H3"]))
if h2_verdict.startswith("negative"):
    h2_bridge = tr("The arrow is detected on this panel, but the estimate rests on {n_years} yearly movements of "
                   "the industry and on the assumption that nothing else that changed from year to year moved "
                   "risk events, which no test in the book can check.", n_years=n_years)
elif is_default:
    h2_bridge = tr("The book's estimator does not detect the arrow on this panel, although the simulation builds "
                   "it in; one panel's miss is one draw, not a property of the design.")
else:
    h2_bridge = tr("The book's estimator does not detect the arrow on this panel; one panel's miss is one draw, "
                   "not a property of the design.")
glue_i18n("h2_bridge", h2_bridge)
if h3_verdict == "both arrows detected":
    h3_text = tr("On this panel both arrows are detected, which does not establish the loop: the ESG -> risk "
                 "arrow rests on the same year-level identification as in C2.")
else:  # "not established: <reason>" reads as "not established (<reason>)"
    h3_text = tr("On this panel the loop is {verdict}, so this draw cannot show it.",
                 verdict=ev.parenthesised(h3_verdict))
glue_i18n("h3_text", h3_text)

# %% [markdown]
# ## What the design can show
#
# {numref}`tbl-evidence-design` grades each hypothesis on a design
# ({glue:text}`design_label`, {glue:text}`design_kind`;
# {glue:text}`design_reps` simulated panels,
# every estimator batched), with
# the estimator the paper relies on for it. A design "can detect the effect"
# when its test rejects "no effect" in at least {glue:text}`min_power` of
# panels and its nominal 95 % intervals cover the truth in at least
# {glue:text}`min_coverage`. {glue:text}`design_summary` The design is the book's
# calibrated model, in which every exclusion restriction holds by
# construction: these rates say what the data could show if the paper's
# identifying assumptions were true, not that they are.

# %% tags=["hide-input"]
show_table(graded, tr("H1-H3 graded on the design ({design_label}; power: share of simulated panels rejecting "
                      "'no effect' at 5 %, for H3 the share detecting both arrows; coverage: share of 95 % "
                      "intervals, t(G-1), covering the truth) and the panel used for this page placed in it.",
                      design_label=design_label),
           "tbl-evidence-design", save_dir=out_dir)

# %% [markdown]
# ## What the book's estimates say on this panel
#
# The estimates below were computed on {glue:text}`panel_kind`
# ({glue:text}`panel_file`) with the book's estimators, each arrow
# instrumented as in the paper (risk events by regional cyber incidents,
# ESG by the industry's average ESG score, leave-one-out). Standard errors
# are clustered by firm with p-values from a t distribution with G-1 degrees
# of freedom; an instrument with a first-stage F statistic below
# {glue:text}`weak_f:.0f` is treated as weak {cite:p}`stock2005testing`.

# %% tags=["hide-input"]
show_table(estimates, "The paper's coefficients (from `data/published`) and the book's estimates "
           "on the panel used for this page (one draw; the first-stage F is the cluster-robust one "
           "that decides weak-instrument verdicts).", "tbl-evidence-estimates", digits=digits,
           save_dir=out_dir)

# %% [markdown]
# On this panel the verdicts are: H1 {glue:text}`h1_verdict`; H2
# {glue:text}`h2_verdict` (cluster-robust first-stage F
# {glue:text}`h2_first_f:.2f`, Anderson-Rubin 95 % set
# {glue:text}`h2_ar_set` {cite:p}`anderson1949estimation`); H3
# {glue:text}`h3_verdict`. {glue:text}`h2_draw_sentence` {glue:text}`loop_sentence`
# ({doc}`05_bidirectional_2sls`). Given firm effects, year effects explain
# {glue:text}`year_share_loo_pct:.0f` % of the within-firm variation of the
# leave-one-out industry instrument: when all firms belong to one industry,
# an industry average is by construction close to a pure year effect, the
# practical face of the reflection problem
# {cite:p}`manski1993identification`.
#
# ## How the evidence is graded
#
# | label | meaning |
# | --- | --- |
# | **strong** | reproduced on independent real data with inference that suits the design; no identification problem found |
# | **moderate** | consistent evidence of more than one kind; identification plausible but not verified |
# | **weak** | evidence of one kind only, or real-data estimates that cannot be re-run; mechanism documented in cases |
# | **not established** | the design cannot identify the claim, or the book's tests fail to detect it even where it is built in |
# | **untested** | nothing in the book bears on the claim either way |
#
# No conclusion below earns *strong* or *moderate*: the paper's data are not
# public, so none of its estimates can be re-run, and the cases are chosen
# because something happened. The labels rest on what the book could check.
#
# ## The paper's conclusions
#
# **C1. Security-risk events lower ESG scores, above all on the social
# pillar.** *Evidence: weak (overall); untested (social pillar).* The paper
# reports a large, highly significant negative effect (Table 2). The book
# cannot re-estimate it on real data; {doc}`07_audit` checks whether the
# printed coefficients, standard errors, t and p values and descriptive
# statistics are consistent with one another, and {doc}`08_monte_carlo` shows
# how often a panel of 12 firms and 6 years detects an effect of that size
# and how the inference should be done with so few clusters
# {cite:p}`cameron2008bootstrap`. The cases document the mechanism
# (regulators' fines and settlements after data misuse, a rating cut for
# Amazon in the year of its US privacy settlements) but no documented rating
# reaction of an e-commerce firm to a data incident
# ({doc}`06_case_studies`). The panel has a single ESG score, so the claim
# about the social pillar cannot be tested at all.
#
# **C2. Firms with strong ESG performance resist security risk better and
# have fewer incidents.** *Evidence: {glue:text}`c2_label`.* The paper's
# instrument, the industry's average ESG score, is built from the scores it
# instruments; in a one-industry sample, once firm effects are removed, it
# is almost a year effect (shown above and in {doc}`05_bidirectional_2sls`),
# so the arrow is identified by the industry's few yearly movements and by
# the assumption that nothing else that moved from year to year moved risk
# events, which no test can check. {glue:text}`c2_design` On this panel, one
# draw, the verdict is: {glue:text}`h2_verdict`. {glue:text}`h2_bridge` The
# paper's estimate itself cannot be re-run. The nearest documented case runs
# the other way round from the paper's story: MSCI scored Equifax's privacy
# and data security at the bottom a year *before* its breach
# {cite:p}`equifax2017msci_msspalert`, which fits ESG ratings as an early
# warning of weak controls, not ESG practice as their cause.
#
# **C3. Security risk and ESG cause each other in a feedback loop.**
# *Evidence: {glue:text}`c3_label`.* The loop needs both arrows identified at
# once (3SLS in {doc}`05_bidirectional_2sls`). {glue:text}`c3_design` The
# ESG -> risk arrow of the system rests on the same year-level
# identification as C2. {glue:text}`h3_text` The paper's own mechanism for the loop (a falling
# score prompts security investment, which lowers *future* events) is a
# lagged effect of the opposite sign to H2 and cannot be seen in a same-year
# model ({doc}`01_theory`).
#
# ## The management recommendations
#
# The recommendations follow from the conclusions, so they inherit their
# weakness; none is evaluated by any data in the paper or the book.
#
# **Strategy level.** (1) Set joint security-and-ESG targets with numbers
# (for example a ceiling on data-leak incidents, supplier back-up coverage,
# logistics emission cuts and staff security training), broken down by
# quarter and department and built into annual plans. (2) Write down which
# department owns which part (technology for data protection, operations for
# supply-chain resilience, compliance for ESG rules) and reward cross-
# department work. (3) Set up an ESG-and-security committee chaired by a
# senior executive that plans and budgets every quarter, meets monthly and
# tracks its own decisions {cite:p}`zhang2025security`.
# *Evidence: untested, with indirect support for (3).* The cases show that
# security failures reach a firm's governance record through regulators and
# courts (Alibaba, Amazon, Didi in {doc}`06_case_studies`), which is an
# argument for board-level ownership; whether committees reduce incidents is
# not examined anywhere in the book.
#
# **Execution level.** (1) Build an early-warning system for attacks,
# supply-chain breaks and leaks, with graded alerts, fixed response times and
# a regular review of the indicators. (2) Improve ESG disclosure: a
# dedicated officer, a disclosure guide following GRI and SASB, third-party
# assurance of the security and environmental figures, and wider
# communication {cite:p}`zhang2025security`.
# *Evidence: untested for (1); supported as a precondition for (2).* The book
# repeatedly ran into missing or unverifiable numbers: the yearly event
# counts behind the paper cannot be rebuilt from public sources, ESG grades
# of most sample firms could not be confirmed, and a claimed breach size was
# several times the verified one ({doc}`06_case_studies`). Audited, standard
# disclosure of incidents is what any real test of H1-H3 would need first.
#
# **Technology level.** (1) Use big-data analysis of user behaviour to flag
# account takeover and fraud. (2) Put supply-chain records on a blockchain to
# make them tamper-evident and to score suppliers. (3) Use AI models to
# measure and cut logistics emissions {cite:p}`zhang2025security`. The
# companion documents add encryption, access control, vulnerability testing
# and incident plans {cite:p}`platformduty_nd,platformsupervision_nd`.
# *Evidence: untested.* Some documented incidents came through exactly the
# gaps these measures target (stolen staff log-ins at eBay, an analytics
# vendor's credentials at Hot Topic), but that shows the threat, not that the
# tools work.
#
# ## Limitations
#
# The paper names three: only listed firms, public data that are incomplete
# and late, and a simple linear model without macroeconomic conditions or
# non-linear and long-run effects {cite:p}`zhang2025security`. The book adds:
#
# - **No real panel by default.** Unless a panel is passed, the estimation
#   chapters run on a simulation calibrated to the paper's printed statistics;
#   they then test methods and designs, not the world.
# - **The outcome and the key regressor are not public.** Neither the ESG
#   scores (licensed ratings) nor the yearly event counts can be rebuilt;
#   `data/events/incidents.csv` is a documented sample of events, not a
#   count.
# - **Twelve clusters, six years.** Cluster-robust inference is fragile at
#   this size {cite:p}`cameron2008bootstrap,mackinnon2017wild`.
# - **Identification.** The industry-average instrument faces the reflection
#   problem; the regional-incident instrument needs an exclusion restriction
#   the data cannot check.
# - **Selected cases.** Cases show mechanisms, not frequencies.
#
# ## Extensions
#
# Implemented in the book: a leave-one-out industry instrument; year effects;
# Driscoll-Kraay standard errors {cite:p}`driscoll1998consistent`; wild
# cluster bootstrap {cite:p}`roodman2019fast`; weak-instrument-robust
# Anderson-Rubin sets; the two equations as one 3SLS system with the feedback
# multiplier; an audit of the printed numbers; a Monte Carlo of the design;
# a validated, cited incident file; and a one-parameter switch to real data.
#
# Proposed, for anyone with the data:
#
# - **Dynamics.** Lagged ESG and lagged events separate the paper's two loop
#   mechanisms; with six years, fixed effects plus a lagged dependent variable
#   are biased {cite:p}`nickell1981biases`, so a longer panel or a GMM
#   estimator would be needed.
# - **Thresholds.** The paper suggests non-linear effects; a threshold panel
#   {cite:p}`hansen1999threshold` would test whether risk matters only above
#   some event count.
# - **Pillar scores and event studies.** Social and governance scores, and
#   rating histories around the dated events of the incident file, would test
#   C1 directly.
# - **A broader sample.** Unlisted, cross-border and rural e-commerce firms, as
#   the paper proposes, and more than one industry, which would give the
#   industry-average instrument variation that is not a year effect.

# %% [markdown]
# ```{include} ../book/teaching/09_conclusions.exercises.md
# ```
