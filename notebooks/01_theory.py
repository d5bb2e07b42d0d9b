# %% [markdown]
# (ch-theory)=
# # Theory, hypotheses and the causal diagram
#
# This chapter sets out the question the book re-examines, the theories the
# original study builds on, the legal setting of e-commerce data security, the
# three hypotheses, and a causal diagram that says which arrow each later
# chapter tests. It uses no data; its only computed outputs are the diagram and
# the table linking each construct to a column of the panel contract.
#
# - **Inputs:** the panel contract (`esgrisk.panel.CODEBOOK`).
# - **Outputs:** {numref}`fig-causal-diagram` and {numref}`tbl-constructs`, also
#   written to `figures/fig-causal-diagram.png` and `tables/tbl-constructs.csv`
#   in `results_dir`.
# - **Re-run alone:** `papermill notebooks/01_theory.ipynb out.ipynb`
#   (after `jupytext --set-kernel python3 --to ipynb notebooks/01_theory.py`); the parameter
#   `diagram_labels` replaces the chapter labels on the diagram's arrows, `results_dir`
#   says where the files go.

# %% [markdown]
# ```{include} ../book/teaching/01_theory.objectives.md
# ```

# %% tags=["parameters"]
diagram_labels = {}
results_dir = "results"

# %% tags=["hide-input"]
import pandas as pd

from esgrisk.diagram import causal_diagram, to_image
from esgrisk.figures import glue_figure
from esgrisk.panel import CODEBOOK
from esgrisk.paths import output_dir
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)

fig_causal = causal_diagram(diagram_labels)
glue_figure("fig_causal", fig_causal, out_dir, "fig-causal-diagram", image=to_image)

# %% [markdown]
# ## The question and why it matters
#
# Zhang, Meng, Li and Wang ask how security risk and ESG (environmental,
# social and governance) performance are causally linked in listed e-commerce
# firms {cite:p}`zhang2025security`. Do security-risk events (cyber-attacks,
# data leaks, supply-chain disruptions, payment-security flaws) lower a firm's
# ESG score? Do firms with better ESG performance suffer fewer such events?
# And do the two effects feed each other?
#
# The stakes follow from the size of the sector. The paper opens with a
# global forecast that it does not attribute; the forecast is Forrester's:
# global retail e-commerce of USD 4.4 trillion in 2023 (20 % of retail sales),
# expected to reach USD 6.8 trillion (24 %) by 2028
# {cite:p}`ecommerce2028_forrester`. Platforms of that scale hold personal
# and payment data in bulk, and, as the paper stresses, investors increasingly
# use ESG ratings in their decisions {cite:p}`zhang2025security`. If security failures
# show up in ESG ratings, security is an ESG issue; if ESG practice prevents
# failures, ESG spending is also risk management. Two further motivating claims
# of the paper, a steep rise in attacks on e-commerce in 2023 and a sharp MSCI
# downgrade of a social e-commerce platform after a data leak, come without a
# source; the second could not be confirmed (chapter {doc}`06_case_studies`).
#
# The paper answers with a panel of 12 listed firms over 2018-2023, a
# fixed-effects regression with an instrument, a two-stage least squares
# (2SLS) check in each direction, and case material. This book rebuilds that
# analysis in code, tests what can be tested, and says where the evidence
# stops.
#
# ## Three theories behind the hypotheses
#
# **Stakeholder theory.** A firm survives on the support of many groups:
# shareholders, staff, customers, suppliers, communities and regulators. A
# security incident hurts some of them directly (customers whose data leak,
# suppliers whose orders stall) and makes all of them doubt the firm's
# competence. Lost trust shows up in reputation, and ESG raters score
# reputation-related issues mainly under the social and governance pillars.
# The paper reads the theory in both directions: visible care for customers
# and transparent supply chains earn goodwill that cushions the firm when
# something goes wrong {cite:p}`zhang2025security`.
#
# **Risk-management theory.** Managing risk is a cycle of identifying,
# assessing, treating and monitoring threats. Much of what ESG frameworks ask
# for (a resilient logistics network, staff training and safe working
# conditions, a board-level committee that owns data security) is part of that
# cycle under another name. On this view good ESG practice lowers the chance
# of incidents, and sound security keeps operations stable enough for
# long-term ESG goals {cite:p}`zhang2025security`.
#
# **Sustainable-development theory.** A firm should pursue profit together
# with environmental and social value. Because e-commerce runs on large data
# flows and global supply chains, security risk and ESG questions are
# entangled, and balancing them is both a way to avoid short-term losses and
# part of a firm's social responsibility. The paper uses this theory to argue
# that security management belongs inside a firm's ESG strategy
# {cite:p}`zhang2025security`.
#
# ## The companion documents: duty, supervision and safeguards
#
# Two further Chinese-language documents supply the platform-level view.
#
# **Trust protection and the platform's duty to keep users safe.** A
# companion article argues that users transact on a platform because they
# trust it to be safe, and that this reliance creates a duty for the platform
# to protect their data {cite:p}`platformduty_nd`. It borrows the civil-law
# idea of a *security-protection duty* (安全保障义务): an operator of a
# public place must take reasonable steps to prevent harm to the people in it.
# Because a platform can see and steer what users do in its virtual space, the
# article holds that the duty should extend online, and it cites court
# decisions treating cyberspace as a public place. It then lists the
# weaknesses it sees (technical vulnerabilities, laws that lag behind
# technology, consumers who know little about data protection, and weak
# industry self-regulation) and proposes stronger encryption and testing,
# clearer statutory duties with higher penalties, consumer education, and
# industry data-security alliances {cite:p}`platformduty_nd`.
#
# **Supervision and technical safeguards.** An anonymous report on security
# supervision of e-commerce platforms describes a layered system: laws and
# regulatory inspections on the outside, and on the inside encryption,
# distributed architecture, big-data monitoring, machine-learning fraud
# detection and cloud computing {cite:p}`platformsupervision_nd`. Its central
# idea is a *linkage* between supervision and technology: technical monitoring
# generates the warnings on which supervisors act, and supervisory rules tell
# engineers what to build. Its case section presents Alibaba, JD, Amazon and
# Pinduoduo as examples of good practice, without sources; the documented
# incidents of chapter {doc}`06_case_studies` give a less flattering picture.
#
# Both documents see security as a duty owed to stakeholders and enforced by
# law and technology. That is the stakeholder and risk-management reasoning of
# the main paper seen from the platform's side, and it explains why, in the
# cases, the route from an incident to a firm's governance record usually
# runs through a regulator.
#
# ## The legal frame
#
# | law | in force | what it does for this question |
# | --- | --- | --- |
# | PRC Cybersecurity Law | 1 June 2017 | security obligations of network operators {cite:p}`chinadatalaws_haynesboone` |
# | PRC E-Commerce Law | 1 January 2019 (adopted 31 August 2018) | platform duties; art. 38 concerns the safety of goods and services {cite:p}`chinaecommercelaw2018_cjo` |
# | EU General Data Protection Regulation | applies from 25 May 2018 | art. 83 fines up to EUR 20 million or 4 % of worldwide annual turnover, whichever is higher; a lower tier of EUR 10 million or 2 % {cite:p}`gdprart83_eurocomply` |
# | PRC Data Security Law | 1 September 2021 | duties of anyone processing data {cite:p}`chinadatalaws_haynesboone` |
# | PRC Personal Information Protection Law (PIPL) | 1 November 2021 | rules for processing personal information {cite:p}`chinadatalaws_haynesboone` |
#
# One correction matters. The companion article grounds a platform's
# *data*-security duty in art. 38 of the E-Commerce Law
# {cite:p}`platformduty_nd`. That article is about the safety of goods and
# services sold through a platform: under 38(1) the platform is jointly
# liable with a merchant when it knew or should have known that goods or
# services endangered people's safety or property and took no necessary
# measures; under 38(2) it bears "corresponding liability" for goods and
# services that concern consumers' life and health
# {cite:p}`chinaecommercelaw2018_cjo`. It is not a data-security clause. A
# platform's data duties come from the Cybersecurity Law, the Data Security
# Law and the PIPL {cite:p}`chinadatalaws_haynesboone`. For the panel, these
# dates matter because regulation changed inside the sample window: the
# paper's control `reg_strength` is a region score, but the rules behind it
# tightened in 2018 (GDPR) and 2021 (DSL, PIPL).
#
# (sec-hypotheses)=
# ## Hypotheses
#
# The paper states three hypotheses {cite:p}`zhang2025security`, restated here
# with the panel's variable names:
#
# - **H1 (risk lowers ESG).** The more security-risk events a firm has in a
#   year, the lower its ESG score: in
#
#   $$
#   \begin{aligned}
#   \text{esg}_{it} = \alpha &+ \beta_1\,\text{risk_events}_{it} + \beta_2\,\text{log_assets}_{it} \\
#   &+ \beta_3\,\text{revenue_growth}_{it} + \beta_4\,\text{cr4}_{it} \\
#   &+ \beta_5\,\text{reg_strength}_{it} + u_{it},
#   \end{aligned}
#   $$
#
#   $\beta_1 < 0$. The paper calls this a fixed-effects model and instruments
#   `risk_events` with the cyber-security incidents of the firm's region
#   (`region_incidents`).
# - **H2 (ESG lowers risk).** Firms with better ESG performance have fewer
#   security-risk events: in an equation for `risk_events` with `esg` on the
#   right, the coefficient of `esg` is negative. The paper instruments `esg`
#   with the industry's average ESG score.
# - **H3 (feedback).** Both effects hold at once, so security risk and ESG
#   performance form a feedback loop: an incident lowers ESG, and the paper
#   argues that a lower score prompts more security investment, while high ESG
#   keeps incidents rare and so protects the score.
#
# H3 as stated contains a tension the book returns to: if a falling score
# makes managers invest in security, a *low* score would be followed by
# *fewer* events, the opposite sign of H2. The two mechanisms work at
# different time lags, and a same-year model cannot tell them apart.
#
# (sec-causal-diagram)=
# ## The causal diagram
#
# ```{glue:figure} fig_causal
# :name: fig-causal-diagram
#
# The feedback loop between security-risk events and ESG, with the observed
# controls, the unobserved firm effects removed by fixed effects, and the two
# instruments (dotted) that enter only the equation of the variable they
# instrument. Node labels are the columns of the panel contract; arrow labels
# give the hypothesis and the chapters that test the arrow.
# ```
#
# What each chapter does with the diagram:
#
# | arrow or assumption | chapter |
# | --- | --- |
# | risk events -> ESG (H1), with and without firm and year effects, and instrumented | {doc}`04_fixed_effects` |
# | both arrows at once (H2, H3); relevance of both instruments; weak-instrument-robust sets | {doc}`05_bidirectional_2sls` |
# | documented incidents that illustrate or challenge each arrow | {doc}`06_case_studies` |
# | whether the paper's printed numbers are consistent with each other | {doc}`07_audit` |
# | whether 72 firm-years can detect these arrows at all | {doc}`08_monte_carlo` |
# | the controls and the within-firm variation the estimators use | {doc}`03_descriptive` |
#
# Three identification points follow from the diagram; the estimation
# chapters treat them in detail.
#
# 1. **Exclusion restrictions.** Regional cyber incidents may affect a firm's
#    ESG score only through the firm's own events; if regional incidents also
#    tighten regulation or shift investors' attention, the instrument is
#    invalid. The industry-average ESG score is an instrument for a firm's
#    score drawn from the same industry's scores; a group average explaining
#    an individual outcome is the *reflection problem*
#    {cite:p}`manski1993identification`, which the book's leave-one-out
#    version only partly addresses. Instrument strength is judged by the
#    first-stage F statistic against the critical values of
#    {cite:t}`stock2005testing`, and inference that survives weak instruments
#    uses the test of {cite:t}`anderson1949estimation`.
# 2. **Few clusters.** Twelve firms are twelve clusters; cluster-robust
#    standard errors are unreliable with so few
#    {cite:p}`cameron2008bootstrap`, which is why the book also reports
#    wild-cluster-bootstrap p-values {cite:p}`roodman2019fast` and
#    Driscoll-Kraay standard errors {cite:p}`driscoll1998consistent`.
# 3. **Timing.** A same-year loop needs a simultaneous-equations model
#    {cite:p}`wooldridge2010econometric`; modelling the lagged feedback with a
#    lagged dependent variable and firm effects brings the short-panel bias of
#    {cite:t}`nickell1981biases`, and the non-linear effects the paper
#    proposes as an extension call for threshold panels
#    {cite:p}`hansen1999threshold`.
#
# ## Constructs and variables
#
# The paper's constructs map onto the columns of the panel contract as in
# {numref}`tbl-constructs`; the rules and meanings are read from the loader's
# own codebook (`esgrisk.panel.CODEBOOK`), so this table cannot drift from
# what the loader enforces.

# %% tags=["hide-input"]
CONSTRUCTS = {  # the paper's construct (English / Chinese) for each contract column
    "firm": ("firm", "企业"),
    "year": ("year", "年份"),
    "region": ("region (jurisdiction)", "地区"),
    "esg": ("ESG performance (dependent in H1)", "ESG 表现 / ESG 评分"),
    "risk_events": ("security risk (dependent in H2)", "安全风险事件数量"),
    "log_assets": ("firm size (control)", "企业规模"),
    "revenue_growth": ("revenue growth (control)", "营收增长率"),
    "cr4": ("industry competition (control)", "行业竞争程度"),
    "reg_strength": ("regional regulatory strength (control)", "区域监管强度"),
    "region_incidents": ("instrument for security risk", "地区网络安全事件总数"),
}
rows = [
    {"construct": CONSTRUCTS[s.name][0], "Chinese term": CONSTRUCTS[s.name][1],
     "column": f"`{s.name}`", "rule": s.rule, "paper's measure": s.paper_measure}
    for s in CODEBOOK
]
rows.append({"construct": "instrument for ESG", "Chinese term": "行业平均 ESG 评分",
             "column": "derived: `esgrisk.panel.industry_mean_esg`",
             "rule": "computed, never read from the file",
             "paper's measure": "industry average ESG score (leave-one-out variant added by the book)"})
table = pd.DataFrame(rows)
assert set(CONSTRUCTS) == {s.name for s in CODEBOOK}, "construct map out of date with the contract"

# %% tags=["hide-input"]
show_table(table, "Constructs of the paper and the panel-contract columns that measure them.",
           "tbl-constructs", save_dir=out_dir)

# %% [markdown]
# The English-Chinese terms used throughout are collected in the
# {doc}`../book/glossary`.

# %% [markdown]
# ```{include} ../book/teaching/01_theory.exercises.md
# ```
