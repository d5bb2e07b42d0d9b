"""The results contract: schema, registry, and linearmodels recipes that reproduce every record.

Every record in ``results/`` (written by the chapters on the default panel) is
validated against ``esgrisk/model_record.schema.json`` and re-estimated from its
own ``linearmodels`` recipe (or ``refit`` entry) with one library call; the same
is done for every model fitted on a second simulated panel (another seed and
size). Records of the same estimation must report identical numbers.
"""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from conftest import missing

from esgrisk import bidirectional as bd
from esgrisk import core, paths, recipe, weakiv
from esgrisk import estimate as est
from esgrisk import montecarlo as mc
from esgrisk import system as sy
from esgrisk.panel import load_panel
from esgrisk.results import MODELS, ModelResult, schema, validate_record, write_result
from esgrisk.simulate import simulate_panel

#: linearmodels solves the normal equations of a dummy regression (condition
#: number squared), so a coefficient it estimates imprecisely can differ from the
#: book's within estimate in the 8th digit; such differences are checked
#: against the coefficient's own standard error instead (1e-8 SE)
REL = 1e-8


@pytest.fixture(scope="module")
def second_panel() -> pd.DataFrame:
    """Another draw and size than the book's default panel."""
    return simulate_panel(n_firms=30, years=range(2010, 2020), seed=7)


def fit_everything(panel: pd.DataFrame) -> dict[str, ModelResult]:
    """Every model the chapters write, fitted by the same functions they call."""
    fits: dict[str, ModelResult] = dict(est.fit_all(panel))
    fits["iv_esg_to_risk"] = est.fit_iv_esg_to_risk(panel)
    fits["iv_esg_to_risk_inclusive"] = est.fit_iv_esg_to_risk(panel, "inclusive")
    fits["system_3sls"] = sy.fit_system_3sls(panel)
    fits["poisson_fe_risk"] = est.fit_poisson_fe_risk(panel)
    return fits


@pytest.fixture(scope="module")
def second_records(second_panel) -> dict[str, dict]:
    return {k: f.to_record() for k, f in fit_everything(second_panel).items()}


def result_records() -> dict[str, dict]:
    files = sorted(paths.RESULTS.glob("*.json"))
    if not files:
        missing("no results/*.json: run `make book` first")
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in files}


def default_panel() -> pd.DataFrame:
    return load_panel(paths.SIMULATED_PANEL)


def record_panel(record: dict) -> pd.DataFrame:
    """The panel a record was computed from: its provenance's panel, else the default one."""
    panel = (record.get("provenance") or {}).get("panel")
    return load_panel(paths.resolve(panel)) if panel else default_panel()


def assert_reproduced(record: dict, panel: pd.DataFrame) -> None:
    """Run the record's recipe and compare params, std_errors (with se_scale) and nobs."""
    if "linearmodels" in record:
        out = recipe.reproduce(record, panel)
        params, ses, nobs = out["params"], out["std_errors"], out["nobs"]
    else:
        out = refit(record, panel)
        params, ses, nobs = out["params"], out["std_errors"], out["nobs"]
    assert nobs == record["nobs"], record["model"]
    for name, value in record["params"].items():
        se = record["std_errors"][name]
        assert params[name] == pytest.approx(value, rel=REL, abs=REL * se), (record["model"], name)
        assert ses[name] == pytest.approx(se, rel=REL), (record["model"], name)


def refit(record: dict, panel: pd.DataFrame) -> dict:
    """Run a record's ``refit`` entry (statsmodels GLM with firm dummies)."""
    spec = record["refit"]
    assert spec["library"] == "statsmodels" and spec["call"] == "statsmodels.formula.api.glm"
    dep = record["dependent"]
    data = panel[panel.groupby(spec["groups"])[dep].transform("sum") > 0]
    fit_kw = dict(spec["fit"])
    fit_kw["cov_kwds"] = {**fit_kw["cov_kwds"], "groups": pd.factorize(data[spec["groups"]])[0]}
    res = smf.glm(spec["formula"], data, family=getattr(sm.families, spec["family"])()).fit(
        **fit_kw)
    names = {n: spec["names"].get(n, n) for n in record["params"]}
    return {"params": pd.Series({n: float(res.params[m]) for n, m in names.items()}),
            "std_errors": pd.Series({n: float(res.bse[m]) * spec["se_scale"]
                                     for n, m in names.items()}),
            "nobs": int(res.nobs)}


# ------------------------------------------------------------------ schema and registry

def test_schema_is_valid_draft_2020_12_and_knows_every_model_id():
    sch = schema()
    assert sch["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(sch)
    assert sorted(sch["properties"]["model"]["enum"]) == sorted(MODELS)


def test_every_record_in_results_follows_the_schema():
    records = result_records()
    for name, record in records.items():
        assert name == record["model"]
        validate_record(record)


def test_second_panel_records_follow_the_schema(second_records):
    for record in second_records.values():
        validate_record(record)


def test_schema_rejects_what_the_contract_forbids(second_records):
    good = second_records["fe_entity"]
    validate_record({**good, "provenance": {"chapter": "04_fixed_effects"}})  # BOARD decision 4
    bad = [
        {**good, "model": "iv_risk_to_esg"},                     # an id not in the registry
        {**good, "df_pvalues": 11},                              # a drifted key
        {k: v for k, v in good.items() if k != "linearmodels"},  # neither recipe nor refit
        {**good, "refit": second_records["poisson_fe_risk"]["refit"]},  # both
        {**good, "linearmodels": {**good["linearmodels"], "derived": {"x": "median(esg)"}}},
        {**good, "linearmodels": {**good["linearmodels"], "class": "OLS"}},
        {**good, "pvalues": {**good["pvalues"], "risk_events": 1.5}},
    ]
    for record in bad:
        with pytest.raises(jsonschema.ValidationError):
            validate_record(record)


def test_write_result_validates(tmp_path, second_records):
    with pytest.raises(jsonschema.ValidationError):
        write_result({**second_records["fe_entity"], "model": "not_registered"}, tmp_path)


def test_every_linear_record_carries_a_recipe_and_poisson_a_refit(second_records):
    for model_id, record in second_records.items():
        key = "refit" if model_id == "poisson_fe_risk" else "linearmodels"
        assert key in record, model_id
        if key == "linearmodels":
            lm = record["linearmodels"]
            assert (lm["se_scale"] == 1.0) == (lm["se_scale_reason"] == ""), model_id


# ------------------------------------------------------------------ reproduction

def test_every_record_in_results_is_reproduced_by_linearmodels():
    for record in result_records().values():
        assert_reproduced(record, record_panel(record))


def test_every_model_is_reproduced_on_a_second_panel(second_records, second_panel):
    assert set(second_records) == set(MODELS)
    for record in second_records.values():
        assert_reproduced(record, second_panel)


def _estimation_key(record: dict) -> str:
    """Class, formula terms, derived columns, fit options and clusters (the issue's identity)."""
    lm = record["linearmodels"]
    formula = lm["formula"]
    terms = (sorted(formula.replace("~", "+").replace("[", "+").replace("]", "").split("+"))
             if isinstance(formula, str) else sorted(formula.items()))
    return json.dumps([lm["class"], [t.strip() for t in terms] if isinstance(formula, str)
                       else terms, lm["derived"], lm["fit"], lm["clusters"]], sort_keys=True)


def test_records_of_the_same_estimation_report_identical_numbers():
    groups: dict[str, list[dict]] = {}
    for record in result_records().values():
        if "linearmodels" in record:
            groups.setdefault(_estimation_key(record), []).append(record)
    for same in groups.values():
        for other in same[1:]:
            for field in ("params", "std_errors", "nobs"):
                assert other[field] == same[0][field], (same[0]["model"], other["model"])


def test_chapter_4_and_5_share_the_risk_to_esg_estimation(second_panel):
    """The old ids fe_iv_twoway / iv_risk_to_esg are one model, computed by one function."""
    a = est.fit_fe_iv_risk(second_panel, time_effects=True).to_record()
    b = bd.fit_iv_risk_to_esg(second_panel).to_record()
    assert a == b


# ------------------------------------------------------------------ building blocks

def test_cluster_ols_equals_linearmodels(second_panel):
    from linearmodels.iv import IV2SLS

    p = second_panel
    cols = ["esg", "risk_events", "log_assets", "reg_strength"]
    dm = core.within_frame(p, cols, ("firm", "year"))
    n_year = p["year"].nunique() - 1
    codes = core.cluster_codes(p)
    mine = core.cluster_ols(dm["esg"], dm[cols[1:]], codes, k=3 + n_year)
    lm = IV2SLS(dm["esg"], dm[cols[1:]], None, None).fit(
        cov_type="clustered", clusters=codes, debiased=True, extra_df=n_year)
    np.testing.assert_allclose(mine.params, lm.params, rtol=1e-10)
    np.testing.assert_allclose(mine.std_errors, lm.std_errors, rtol=1e-10)


def test_within_two_way_equals_dummy_residuals(second_panel):
    p = second_panel.drop(index=[0, 5, 17]).reset_index(drop=True)  # unbalanced
    x = p["esg"].to_numpy(float)
    d = pd.get_dummies(p[["firm", "year"]].astype(str), dtype=float).to_numpy()
    resid = x - d @ np.linalg.lstsq(d, x, rcond=None)[0]
    np.testing.assert_allclose(core.within(x, [p["firm"], p["year"]]), resid, atol=1e-9)


def test_first_stage_cluster_f_equals_linearmodels_with_dummies(second_panel):
    """core.first_stage's cluster-robust F is linearmodels' (firm dummies) rescaled by the K rule."""
    from linearmodels.iv import IV2SLS

    p = second_panel
    fit = est.fit_fe_iv_risk(p)
    fs = fit.first_stage["risk_events"]
    exog = list(fit.exog)
    x = pd.concat([p[["region_incidents", *exog]],
                   pd.get_dummies(p["firm"], dtype=float)], axis=1)
    lm = IV2SLS(p["risk_events"], x, None, None).fit(
        cov_type="clustered", clusters=core.cluster_codes(p), debiased=True)
    n, g = len(p), p["firm"].nunique()
    k_lm, k_rule = x.shape[1], 1 + len(exog)
    t2 = float(lm.tstats["region_incidents"]) ** 2 * (n - k_rule) / (n - k_lm)
    assert fs.f_cluster == pytest.approx(t2, rel=1e-8)
    assert fs.df_cluster == (1, g - 1)


def test_ar_sets_in_results_match_their_models():
    """The AR set written with an IV record is the one weakiv computes from that record's fit."""
    records = result_records()
    panel = record_panel(records.get("fe_iv_risk", {}))
    fits = {"fe_iv_risk": est.fit_fe_iv_risk(panel),
            "fe_iv_twoway": est.fit_fe_iv_risk(panel, time_effects=True),
            "iv_esg_to_risk": est.fit_iv_esg_to_risk(panel),
            "iv_esg_to_risk_inclusive": est.fit_iv_esg_to_risk(panel, "inclusive")}
    for model_id, fit in fits.items():
        if model_id in records:
            ar = weakiv.anderson_rubin(panel, fit).to_record()
            assert records[model_id]["anderson_rubin"] == json.loads(json.dumps(ar))


# ------------------------------------------------------------------ the Monte Carlo against the core

@pytest.fixture(scope="module")
def mc_panel() -> pd.DataFrame:
    return simulate_panel(n_firms=20, years=range(2018, 2026), seed=11)


@pytest.fixture(scope="module")
def mc_fits(mc_panel):
    batch = mc.frame_to_batch(mc_panel, ["esg", *mc.ESG_REGRESSORS, "region_incidents"])
    return mc.fit_all(batch)


def _agree(batch_fit, result: ModelResult, names) -> None:
    np.testing.assert_allclose(batch_fit.params[0], result.params[list(names)], rtol=1e-8)
    np.testing.assert_allclose(batch_fit.std_errors[0], result.std_errors[list(names)],
                               rtol=1e-8)


def test_monte_carlo_pooled_and_firm_fe_equal_the_core(mc_panel, mc_fits):
    """Batched pooled OLS and within estimator: same params and SEs (K rule included)."""
    regs = list(mc.ESG_REGRESSORS)
    pooled = est.fit_pooled_ols(mc_panel)
    np.testing.assert_allclose(mc_fits["pooled_ols"].params[0][:len(regs)],
                               pooled.params[regs], rtol=1e-8)
    np.testing.assert_allclose(mc_fits["pooled_ols"].std_errors[0][:len(regs)],
                               pooled.std_errors[regs], rtol=1e-8)
    _agree(mc_fits["firm_fe"], est.fit_fe_entity(mc_panel), regs)


def test_monte_carlo_fe_iv_params_equal_the_core(mc_panel, mc_fits):
    regs = list(mc.ESG_REGRESSORS)
    np.testing.assert_allclose(mc_fits["fe_iv"].params[0], est.fit_fe_iv_risk(mc_panel).params[regs],
                               rtol=1e-8)
    two = est.fit_fe_iv_risk(mc_panel, time_effects=True)
    keep = [r for r in regs if r not in mc.YEAR_LEVEL]
    np.testing.assert_allclose(mc_fits["twoway_fe_iv"].params[0], two.params[keep], rtol=1e-8)


def test_monte_carlo_fe_iv_standard_errors_follow_the_core_k_rule(mc_panel, mc_fits):
    regs = list(mc.ESG_REGRESSORS)
    keep = [r for r in regs if r not in mc.YEAR_LEVEL]
    _agree(mc_fits["fe_iv"], est.fit_fe_iv_risk(mc_panel), regs)
    _agree(mc_fits["twoway_fe_iv"], est.fit_fe_iv_risk(mc_panel, time_effects=True), keep)


# ------------------------------------------------------------------ architecture

CORE_MODULES = ("spec", "core", "results", "recipe", "estimate", "system", "weakiv",
                "bidirectional", "report", "published", "simulate", "validation")


def _package_imports(tree) -> tuple[set[str], set[str]]:
    """(top-level esgrisk modules imported at module level, those imported inside functions)."""
    import ast

    def names(node) -> set[str]:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("esgrisk"):
            if node.module == "esgrisk":
                return {a.name for a in node.names}
            return {node.module.split(".")[1]}
        if isinstance(node, ast.Import):
            return {a.name.split(".")[1] for a in node.names if a.name.startswith("esgrisk.")}
        return set()

    top = set().union(*(names(n) for n in tree.body)) if tree.body else set()
    inner: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                inner |= names(sub)
    return top, inner


def test_package_has_no_import_cycles_and_the_core_no_hidden_imports():
    import ast

    graph, hidden, guarded = {}, {}, []
    for path in sorted((paths.ROOT / "esgrisk").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[path.stem], hidden[path.stem] = _package_imports(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                    isinstance(h.type, ast.Name) and h.type.id in ("ImportError",
                                                                   "ModuleNotFoundError")
                    for h in node.handlers) and any(_package_imports(ast.Module(
                        body=node.body, type_ignores=[]))):
                guarded.append(path.stem)
    assert not guarded, f"except ImportError around the package's own modules: {guarded}"
    for name in CORE_MODULES:
        assert not hidden[name], f"esgrisk.{name} imports {hidden[name]} inside a function"

    def visit(node, stack):
        assert node not in stack, f"import cycle: {' -> '.join([*stack, node])}"
        for nxt in graph.get(node, ()):
            visit(nxt, [*stack, node])

    for module in graph:
        visit(module, [])


def test_compare_sets_results_side_by_side(second_panel):
    from esgrisk.results import compare

    fe, two = est.fit_fe_entity(second_panel), est.fit_fe_twoway(second_panel)
    table = compare({"firm FE": fe, "two-way FE": two})
    assert list(table.columns) == ["firm FE", "two-way FE"]
    assert table.loc["risk_events", "firm FE"] == fe.params["risk_events"]
    assert np.isnan(table.loc["cr4", "two-way FE"])  # absorbed by the year effects
    ses = compare({"firm FE": fe}, "std_errors")
    assert ses.loc["risk_events", "firm FE"] == fe.std_errors["risk_events"]


def test_dummy_cells_counts_the_dummy_matrix_of_a_recipe(second_records, second_panel):
    n, g, t = len(second_panel), second_panel["firm"].nunique(), second_panel["year"].nunique()
    assert recipe.dummy_cells(second_records["fe_entity"], second_panel) == 0
    assert recipe.dummy_cells(second_records["fe_iv_risk"], second_panel) == n * g
    assert recipe.dummy_cells(second_records["fe_iv_twoway"], second_panel) == n * (g + t)
