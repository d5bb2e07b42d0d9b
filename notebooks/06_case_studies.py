# %% [markdown]
# (ch-case-studies)=
# # Case studies: documented incidents
#
# The paper backs its regressions with "typical cases" of firms whose security
# troubles touched their ESG standing {cite:p}`zhang2025security`. This chapter
# does the same with documented events only: every event below is a row of
# `data/events/incidents.csv`, built from facts checked against public sources
# and cited in each row. The cases cannot test a hypothesis; they show the
# mechanisms the hypotheses rely on, and where the record is too thin to say
# anything. This chapter does not use the simulated panel.
#
# - **Inputs:** `data/events/incidents.csv` (schema in `data/events/README.md`,
#   validated by `esgrisk.incidents.load_incidents`).
# - **Outputs:** the timeline figure and the incident tables of this page, also
#   as `figures/fig-incident-timeline.png` and `tables/<name>.csv` in `results_dir`.
# - **Re-run alone:** `papermill notebooks/06_case_studies.ipynb out.ipynb -p incidents_path my_incidents.csv`
#   (after `jupytext --set-kernel python3 --to ipynb notebooks/06_case_studies.py`;
#   add `-p results_dir my_results` to write the files elsewhere).

# %% [markdown]
# ```{include} ../book/teaching/06_case_studies.objectives.md
# ```

# %% tags=["parameters"]
incidents_path = "data/events/incidents.csv"
results_dir = "results"

# %% tags=["hide-input"]
from myst_nb import glue

from esgrisk import published
from esgrisk.diagram import to_image
from esgrisk.figures import glue_figure
from esgrisk.i18n import glue_i18n, tr
from esgrisk.incidents import format_amount, incidents_markdown, load_incidents
from esgrisk.paths import display_path, output_dir
from esgrisk.prose import comma_list
from esgrisk.tables import save_table, show_markdown_table, show_table
from esgrisk.timeline import incident_timeline

incidents = load_incidents(incidents_path)
out_dir = output_dir(results_dir)

# %% tags=["hide-input"]
fig_timeline = incident_timeline(incidents)
glue_figure("fig_timeline", fig_timeline, out_dir, "fig-incident-timeline", image=to_image)
glue("incidents_file", display_path(incidents_path), display=False)
glue("n_events", len(incidents), display=False)
glue("n_firms", incidents["firm"].nunique(), display=False)
glue("first_year", int(incidents["date"].dt.year.min()), display=False)
glue("last_year", int(incidents["date"].dt.year.max()), display=False)
REGULATORY = ("privacy_fine", "privacy_settlement", "antitrust", "regulatory", "court_ruling")
glue("n_rating", int((incidents["type"] == "esg_rating").sum()), display=False)
# the sample firms the paper names (see the book's introduction)
PAPER_NAMED = ("Alibaba", "JD.com", "Pinduoduo", "Amazon", "eBay")
firms_in_file = sorted(incidents["firm"].unique(), key=str.lower)
named = [f for f in firms_in_file if f in PAPER_NAMED]
others = [f for f in firms_in_file if f not in PAPER_NAMED]
glue("n_named", len(named), display=False)
glue_i18n("named_firms", comma_list(tr(f) for f in named) if named else tr("none"))  # names: code catalogue
glue_i18n("other_firms", comma_list(tr(f) for f in others) if others else tr("none"))
per_firm = incidents["firm"].value_counts()
glue("max_per_firm", int(per_firm.max()), display=False)
glue("span_years", int(incidents["date"].dt.year.max() - incidents["date"].dt.year.min() + 1), display=False)
n_reg, n_breach = int(incidents["type"].isin(REGULATORY).sum()), int((incidents["type"] == "breach").sum())
glue_i18n("route_sentence", tr(
    "Second, {n_reg} of the events are **regulatory or court outcomes** (fines, settlements, reviews, rulings), "
    "against {n_breach} breaches: the route from a security problem to a firm's governance record usually runs "
    "through a regulator.", n_reg=n_reg, n_breach=n_breach) if n_reg > n_breach else tr(
    "Second, {n_reg} of the events are **regulatory or court outcomes** (fines, settlements, reviews, rulings), "
    "against {n_breach} breaches; in this file regulatory outcomes do not outnumber the breaches themselves.",
    n_reg=n_reg, n_breach=n_breach), kind="md")
glue("paper_mean_risk", published.table1().loc["risk_events", "printed"].split(" | ")[0],
     display=False)
for row in incidents.itertuples(index=False):
    # Each documented amount, e.g. {glue:text}`amount_E13`, straight from the file.
    glue_i18n(f"amount_{row.event_id}", format_amount(row.amount, row.unit) or tr("not disclosed"))

# %% [markdown]
# ## The record at a glance
#
# The file read here ({glue:text}`incidents_file`) lists {glue:text}`n_events`
# events of {glue:text}`n_firms` firms between {glue:text}`first_year` and
# {glue:text}`last_year`. Of these firms, {glue:text}`n_named` ({glue:text}`named_firms`)
# are ones the paper names in its sample; the others ({glue:text}`other_firms`)
# are not in it, but the companion paper on platforms' security duty uses them
# {cite:p}`platformduty_nd`.
#
# ```{glue:figure} fig_timeline
# :name: fig-incident-timeline
#
# Documented incidents, fines, rulings and ESG-rating events by firm. Marker
# shape = event type; filled = exact day known, hollow = only the month known
# (drawn on the 1st). Labels give the event id of {numref}`tbl-incidents` and,
# where the sources give one, the size of the event (people, records, data
# volume or money, never converted). Drawn from `data/events/incidents.csv`.
# ```
#
# {numref}`tbl-incidents` below is generated from the same file; the last column cites the
# sources of each row.

# %% tags=["hide-input"]
save_table(incidents, out_dir, "tbl-incidents")
show_markdown_table(
    incidents_markdown(incidents),
    "Documented events of the case firms, with sources (generated from `data/events/incidents.csv`).",
    "tbl-incidents",
)

# %% [markdown]
# How the events spread over firms and types (counts from the file,
# {numref}`tbl-incident-counts`):

# %%
show_table(incidents.pivot_table(index="firm", columns="type", values="event_id",
                                 aggfunc="count", fill_value=0),
           "Number of documented events per firm and event type (from `data/events/incidents.csv`).",
           "tbl-incident-counts", index=True, save_dir=out_dir)

# %% [markdown]
# Three things stand out before any single case. First, the record is
# **sparse**: at most {glue:text}`max_per_firm` documented events per firm over
# {glue:text}`span_years` calendar years, against the mean of
# {glue:text}`paper_mean_risk` security-risk events per firm-year that the
# paper's Table 1 reports (chapter {doc}`07_audit` examines that
# number). Counting events in
# a way that could rebuild `risk_events` would need the paper's own event
# list, which was not published. {glue:md}`route_sentence`
# Third, documented **ESG-rating** events are rare: {glue:text}`n_rating`
# rating facts in the whole file, and none can be tied to a data incident.
#
# ## eBay, 2014: a breach through stolen staff credentials
#
# **What happened.** In late February and early March 2014 attackers used the
# log-in details of a few eBay employees to reach a database holding user
# names, encrypted passwords, e-mail and postal addresses, phone numbers and
# dates of birth. eBay announced the breach on 21 May 2014 and asked its users
# to reset their passwords ({glue:text}`amount_E01` asked, event E01); it said
# no financial data was taken
# {cite:p}`ebay2014breach_kansascity,ebay2014breach_dispatch,ebay2014breach_bbb`.
#
# **Response.** A password reset for every user, some months after the
# intrusion. **ESG dimension:** social (customers' privacy) and governance
# (access control over staff credentials). **Hypothesis:** an illustration of
# the mechanism behind H1 (an incident that harms customers and exposes a
# control weakness), but it lies before the paper's 2018-2023 window and no
# ESG-rating reaction is documented.
#
# ## Amazon: exposure, fines, settlements and a rating cut
#
# **What happened.** On 21 November 2018, days before Black Friday, Amazon
# said a "technical error" had shown some customers' names and e-mail
# addresses on its website; it did not say how many (E06)
# {cite:p}`amazon2018emailexposure_techcrunch`. In July 2021 Luxembourg's data
# protection authority (CNPD) fined Amazon Europe Core {glue:text}`amount_E13`
# under the GDPR over consent for targeted advertising (E13)
# {cite:p}`amazon2021cnpdfine_hunton`; Amazon appealed, and in March 2025 a
# Luxembourg court upheld the fine (E22) {cite:p}`amazon2025courtupholds_luxtoday`.
# In 2023 two US settlements followed: the FTC's case over Ring staff and
# contractors viewing customers' private videos ({glue:text}`amount_E19`, E19)
# {cite:p}`ring2023ftc_nasdaq`, and the FTC/DOJ case over Alexa keeping
# children's voice recordings despite deletion requests, a COPPA violation
# ({glue:text}`amount_E18` civil penalty, E18) {cite:p}`alexa2023coppa_ftc`.
# In August 2023 MSCI cut Amazon's ESG rating from A to BBB (E20)
# {cite:p}`amazon2023msci_columbian`.
#
# **Response.** Appeal of the GDPR fine; settlements with US regulators.
# **ESG dimension:** governance (compliance with data-protection law) and
# social (customer and child privacy). **Hypothesis:** the sequence is the
# closest the file comes to H1 (privacy enforcement in 2023, then a rating cut
# the same year), but the cited report, as its headline says, is about
# Amazon's record as an employer and on the environment, and none of the
# book's sources attributes the cut to the privacy cases: the sequence is
# **consistent with H1 without evidencing it**. An earlier upgrade (BB to BBB
# in 2020) is reported only in an opinion piece and is treated here as
# unconfirmed.
#
# ## Alibaba and Taobao: scraping and an antitrust fine
#
# **What happened.** When MSCI made its ratings public in November 2019,
# Alibaba was rated BBB (E07) {cite:p}`alibaba2019msci_devdiscourse`; later
# grades could not be confirmed. From November 2019 to August 2020 a software
# developer scraped user IDs, phone numbers and comments from Taobao
# ({glue:text}`amount_E08` according to the Global Times). Taobao reported it
# to the police on
# 14 August 2020 (E08); in 2021 a court in Henan convicted two people, each
# sentenced to more than three years, with fines of {glue:text}`amount_E11` in
# total (E11) {cite:p}`taobao2021scraping_danfetv,taobao2021scraping_malwarebytes`.
# Separately, on 10 April 2021 the State Administration for Market Regulation
# fined Alibaba {glue:text}`amount_E10`, 4 % of its 2019 domestic sales, for
# forcing merchants to choose between it and rival platforms (E10)
# {cite:p}`alibaba2021samrfine_peopledaily`.
#
# **Response.** For the scraping, detection, a police report and a public
# statement that no data had been sold; for the fine, compliance. **ESG
# dimension:** the scraping touches social (users' data) and governance (how
# well the platform polices automated access); the antitrust fine is purely
# governance. **Hypothesis:** the scraping illustrates H1's channel and shows
# that a "security-risk event" can be a crime against the platform, detected
# and prosecuted, which a simple count would score the same as a negligent
# leak. The antitrust fine **challenges the design** more than the hypothesis:
# a large governance shock in 2021 unrelated to security, during a year of
# tighter platform regulation in China, is exactly the kind of common,
# time-varying shock that can move both ESG scores and recorded risk events
# and that firm fixed effects alone do not remove (the two-way model of
# {doc}`04_fixed_effects` is the answer in the panel).
#
# ## JD.com: an old leak and the Green Stream initiative
#
# **What happened.** In December 2016 a {glue:text}`amount_E02` package of JD user data was
# offered for sale; JD traced it to a Struts2 vulnerability from 2013 (E02)
# {cite:p}`jd2016dataleak_caixin`. No confirmed JD data-security incident in
# 2018-2023 could be found, nor could the absence of one be confirmed. In June
# 2017 JD launched Green Stream (青流计划), a packaging and supply-chain
# carbon programme run with brand partners (E03); by June 2020 its green boxes
# had been used 160 million times {cite:p}`jd2020greenstream_jdblog`. In
# October 2021 JD Logistics committed {glue:text}`amount_E14` to raising its
# carbon efficiency by 35 % in five years, alongside a science-based target of
# halving emissions by 2030 from 2019 (E14)
# {cite:p}`jdlogistics2021carbon_equalocean`.
#
# **Response.** The leak was attributed to an old, patched flaw. **ESG
# dimension:** the leak is social and governance; Green Stream is
# environmental. **Hypothesis:** the paper itself uses Green Stream to argue
# that JD's growth went with ESG investment {cite:p}`zhang2025security`. The
# case fits H2 (an ESG-active firm with no documented incident in the sample
# years), but weakly: an undocumented incident is not a non-incident, and an
# environmental programme says little about data security. JD's MSCI grades
# could not be confirmed.
#
# ## Pinduoduo: labour deaths and a malicious app
#
# **What happened.** On 29 December 2020 a 22-year-old Pinduoduo employee
# collapsed on her way home from work and died; after the death became public
# in early January 2021, Shanghai's labour authorities opened an investigation
# (E09) {cite:p}`pinduoduo2021death_chinadaily`. In March 2023 Google
# suspended the Pinduoduo app on its Play store and blocked versions
# distributed elsewhere that it found to contain malware (E16)
# {cite:p}`pinduoduo2023googlesuspend_yahoo`; in April 2023 a CNN
# investigation with several security teams reported code in the app able to
# monitor other apps and resist being removed (E17)
# {cite:p}`pinduoduo2023malware_cnn`. PDD denied the claims.
#
# **Response.** Denial in the app case; a labour inspection in the other.
# **ESG dimension:** the deaths are social (working conditions); the app case
# is social (users' privacy and device security) and governance. **Hypothesis:**
# the app case **challenges the paper's framing** of security-risk events as
# threats a firm defends against: here the firm's own product was the reported
# threat. Such events are outcomes of governance, which is H2's direction, but
# they are also poorly explained by the region-level instrument used for H1
# (regional cyber incidents), a point taken up in
# {doc}`05_bidirectional_2sls`. PDD's MSCI grades could not be confirmed.
#
# ## Didi: passenger safety, then data-law enforcement
#
# Didi is a ride-hailing platform, not an online retailer; it is here because
# the companion paper on platforms' security duty builds its argument on the
# 2018 Yueqing case {cite:p}`platformduty_nd`.
#
# **What happened.** In May 2018 a passenger was killed on a Hitch
# (顺风车) ride in Zhengzhou and Didi suspended Hitch for a week (E04)
# {cite:p}`didi2018hitchmay_chinadaily`. On 24 August 2018 a young passenger
# from Yueqing (Wenzhou) was raped and killed by a Hitch driver; Hitch was
# suspended nationwide from 27 August and its general manager was removed (E05)
# {cite:p}`didi2018hitchaug_businesstimes`. In July 2021, two days after
# Didi's US listing, the Cyberspace Administration of China (CAC) opened a
# cybersecurity review, stopped new user sign-ups and then ordered the app
# taken off app stores (E12) {cite:p}`didi2021appremoval_peopledaily`. In July
# 2022 the CAC fined Didi {glue:text}`amount_E15` for 16 violations of data
# and personal-information law, among them collecting facial-recognition data;
# the chairman and the president were also fined personally (E15)
# {cite:p}`didi2022fine_peopledaily`.
#
# **Response.** Service suspensions and management changes in 2018;
# compliance with the review and the fine in 2021-2022. **ESG dimension:**
# the Hitch cases are social (users' physical safety); the review and the
# fine are governance. **Hypothesis:** the 2018 cases illustrate the
# stakeholder-trust channel of H1 for *physical* safety, which is not what the
# panel's `risk_events` counts. The 2021-2022 events show the regulatory route
# by which data misuse becomes a governance event. A legal point matters here:
# the companion paper grounds a platform's *data*-security duty in art. 38 of
# the E-Commerce Law, but that article concerns the safety of goods and
# services sold on a platform; the data duties come from the Cybersecurity
# Law, the Data Security Law and the PIPL
# {cite:p}`chinaecommercelaw2018_cjo,chinadatalaws_haynesboone` (see
# {doc}`01_theory`).
#
# ## Hot Topic, 2024: a breach through a vendor
#
# **What happened.** On 21 October 2024 a seller advertised customer data of
# the US retailer Hot Topic and its BoxLunch and Torrid brands, claiming 350
# million records; Hudson Rock traced the intrusion to information-stealing
# malware at an analytics vendor. Have I Been Pwned counted
# {glue:text}`amount_E21` in the data (E21)
# {cite:p}`hottopic2024breach_cybernoz,hottopic2024breach_cpomagazine`.
# The companion paper cites the claimed figure {cite:p}`platformduty_nd`.
#
# **Response.** The firm's response is not part of the documented facts used here.
# **ESG dimension:** social (customers' data) and governance (vendor and
# cloud-account security; one source reports a cloud account without
# multi-factor authentication {cite:p}`hottopic2024breach_cpomagazine`).
# **Hypothesis:** outside the sample and the window, so an illustration only.
# Its lesson is about measurement: the number of records the seller claimed
# was several times the number of accounts that could be verified, so an
# event count built from news reports inherits their errors.
#
# ## What the cases support, and where the evidence is thin
#
# | case | events | ESG pillar | hypothesis | what it shows |
# | --- | --- | --- | --- | --- |
# | eBay 2014 | E01 | S, G | H1 (mechanism) | credential theft hurts customers; no rating data |
# | Amazon | E06, E13, E18-E20, E22 | S, G | H1 (consistent, not shown) | enforcement then a rating cut in 2023; the cut is not attributed to privacy |
# | Alibaba / Taobao | E07, E08, E10, E11 | S, G | H1; challenges the design | crime against the platform; a non-security governance shock in 2021 |
# | JD.com | E02, E03, E14 | E, S, G | H2 (weak) | ESG programme, no documented incident 2018-2023 (unconfirmed either way) |
# | Pinduoduo | E09, E16, E17 | S, G | challenges H1's framing; fits H2's direction | the firm's own app as the risk |
# | Didi | E04, E05, E12, E15 | S, G | H1 (regulatory route) | physical safety vs data duties; CAC enforcement |
# | Hot Topic 2024 | E21 | S, G | measurement | claimed vs verified size of a breach |
#
# - **No documented rating reaction to a data incident of an e-commerce firm
#   was found.** The paper says an unnamed social e-commerce platform's MSCI
#   rating fell sharply after a data leak and that it lost "more than ten
#   billion US dollars" (超百亿美元) of market value within a week
#   {cite:p}`zhang2025security` (a quotation of the paper's text, not a number
#   this book computes);
#   no source could be found for either claim, and no MSCI downgrade of any
#   e-commerce firm after a data incident could be found. These claims are
#   **unconfirmed**.
# - The nearest documented rating reactions are outside e-commerce. MSCI gave
#   Equifax a privacy and data-security score of zero in August 2016, a year
#   *before* its 2017 breach {cite:p}`equifax2017msci_msspalert`: the rating
#   flagged the weakness in advance, which fits the idea that governance
#   quality predicts incidents (the H2 direction) better than the idea that
#   incidents move ratings. After Cambridge Analytica, Vigeo Eiris lowered
#   Facebook's privacy-related scores {cite:p}`facebook2018vigeoeiris_vigeoeiris`,
#   an H1-type reaction.
# - ESG grades of JD.com, PDD and eBay, and Alibaba's after 2019, are
#   **unconfirmed**; the paper's ESG scores cannot be rebuilt from public
#   sources, which is why the book's estimation chapters run on a calibrated
#   simulation (see {doc}`02_data`).
#
# Cases are chosen because something happened, so they cannot measure how
# often incidents move ratings or how often strong ESG prevents incidents.
# They show that both directions of the loop are plausible and that the route
# from incident to rating usually passes through regulators and the press,
# with delays of months to years that a same-year panel model does not
# capture. The estimation chapters take up what the data can and cannot say;
# {doc}`09_conclusions` weighs the two kinds of evidence together.

# %% [markdown]
# ```{include} ../book/teaching/06_case_studies.exercises.md
# ```
