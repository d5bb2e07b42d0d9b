"""The calibrated simulation: deterministic, follows the contract, matches Table 1, recovers the truth."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest

from esgrisk import paths, simulate
from esgrisk.panel import PANEL_COLUMNS, load_panel
from esgrisk.published import compare_table1, table1
from esgrisk.report import paper_inconsistencies
from esgrisk.simulate import (
    DEFAULT_SEED,
    PARAMS,
    TRUE_EFFECTS,
    SimulationParams,
    panel_csv_bytes,
    params_table,
    simulate_arrays,
    simulate_panel,
    write_default_panel,
)


def test_constants():
    assert DEFAULT_SEED == 20250601
    assert TRUE_EFFECTS == {"risk_to_esg": -0.92, "esg_to_risk": -0.72}
    assert PARAMS.beta == TRUE_EFFECTS["risk_to_esg"] and PARAMS.gamma == TRUE_EFFECTS["esg_to_risk"]
    # derived, not a second copy: other parameters give other true effects
    other = SimulationParams(beta=-0.5, gamma=-0.3)
    assert other.true_effects == {"risk_to_esg": -0.5, "esg_to_risk": -0.3}
    assert (PARAMS.b_size, PARAMS.b_growth, PARAMS.b_cr4, PARAMS.b_reg) == (0.35, 0.12, -0.15, 0.20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        PARAMS.beta = 0.0  # type: ignore[misc]


def test_every_parameter_documented():
    table = params_table()
    assert list(table["parameter"]) == [f.name for f in dataclasses.fields(SimulationParams)]
    assert (table["targets / reason"].str.len() > 10).all(), table[table["targets / reason"].str.len() <= 10]


def test_deterministic():
    pd.testing.assert_frame_equal(simulate_panel(), simulate_panel())
    assert not simulate_panel(seed=DEFAULT_SEED + 1).equals(simulate_panel())


def test_committed_panel_is_what_write_default_panel_writes(tmp_path):
    target = tmp_path / "panel.csv"
    assert write_default_panel(target) is True
    assert write_default_panel(target) is False  # unchanged bytes: no rewrite
    data = target.read_bytes()
    assert b"\r" not in data
    assert paths.SIMULATED_PANEL.read_bytes() == data, "run `python -m esgrisk.simulate` and commit"


def test_panel_follows_contract(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(panel_csv_bytes(simulate_panel()))
    loaded = load_panel(path)
    pd.testing.assert_frame_equal(loaded, simulate_panel())
    assert tuple(loaded.columns) == PANEL_COLUMNS
    assert loaded["firm"].iloc[0] == "F01" and loaded["firm"].nunique() == 12
    assert sorted(loaded["year"].unique()) == list(range(2018, 2024))
    # every region has several firms
    assert (loaded.groupby("region")["firm"].nunique() >= 3).all()
    # cr4 varies by year only; reg_strength and region_incidents by region-year only
    assert (loaded.groupby("year")["cr4"].nunique() == 1).all()
    assert (loaded.groupby(["region", "year"])[["reg_strength", "region_incidents"]].nunique() == 1).all().all()
    assert loaded.groupby("firm")["reg_strength"].std().min() > 0  # not absorbed by firm effects


def test_firm_ids_padded_for_large_panels():
    df = simulate_panel(n_firms=120, years=range(2018, 2020), seed=1)
    assert df["firm"].iloc[0] == "F001" and df["firm"].iloc[-1] == "F120"


def test_table1_tolerances():
    """The committed (default-seed) panel vs Table 1, every variable.

    Tolerances: mean within 0.25 paper SD; SD within 20 %; min and max inside the paper's
    range or "near" it, i.e. not beyond it by more than 0.5 paper SD.
    """
    cmp = compare_table1(load_panel(paths.SIMULATED_PANEL))
    paper = table1()
    bad = []
    for var, row in cmp.iterrows():
        sd = paper.loc[var, "sd"]
        if abs(row["mean_diff"]) > 0.25 * sd:
            bad.append((var, "mean", row["mean_panel"]))
        if abs(row["sd_ratio"] - 1) > 0.20:
            bad.append((var, "sd", row["sd_panel"]))
        if row["min_panel"] < paper.loc[var, "min"] - 0.5 * sd:
            bad.append((var, "min", row["min_panel"]))
        if row["max_panel"] > paper.loc[var, "max"] + 0.5 * sd:
            bad.append((var, "max", row["max_panel"]))
    assert not bad, bad


def test_table1_on_average_over_seeds():
    """Across 100 seeds the average mean and SD sit close to Table 1 (the calibration targets)."""
    paper = table1()
    frames = [compare_table1(simulate_panel(seed=s)) for s in range(100)]
    avg = sum(f[["mean_panel", "sd_panel"]] for f in frames) / len(frames)
    assert ((avg["mean_panel"] - paper["mean"]).abs() <= 0.1 * paper["sd"]).all(), avg
    assert ((avg["sd_panel"] / paper["sd"] - 1).abs() <= 0.1).all(), avg


def test_bounds_and_no_clipping():
    arr = simulate_arrays(2000, 6, np.random.default_rng(0), PARAMS)
    assert int(arr["n_clipped_esg"]) == 0
    assert arr["risk_events"].min() >= 0 and arr["risk_events"].dtype == np.int64
    assert (arr["cr4"] >= 0).all() and (arr["cr4"] <= 1).all()
    assert (arr["reg_strength"] >= 0).all() and (arr["reg_strength"] <= 10).all()
    assert (arr["region_incidents"] >= 0).all()


@pytest.mark.parametrize("p", [PARAMS, dataclasses.replace(PARAMS, sd_rating=2.0)],
                         ids=["default", "rating_noise"])
def test_structural_equations_hold_by_construction(p):
    arr = simulate_arrays(2000, 6, np.random.default_rng(7), p)
    controls = (p.b_size * arr["log_assets"] + p.b_growth * arr["revenue_growth"]
                + p.b_cr4 * arr["cr4"] + p.b_reg * arr["reg_strength"])
    esg_resid = arr["esg"] - arr["a"] - p.beta * arr["risk_events"] - controls - arr["S"]
    np.testing.assert_allclose(esg_resid, arr["e"] + arr["m"], atol=1e-9)  # exact, true beta
    np.testing.assert_allclose(arr["esg"], arr["esg_true"] + arr["m"], atol=1e-12)
    risk_resid = (arr["risk_events"] - arr["c"] - p.gamma * arr["esg_true"]
                  - p.delta * arr["region_incidents"])
    np.testing.assert_allclose(risk_resid, arr["u"] + arr["risk_error"], atol=1e-9)  # true gamma
    kappa = 1 - p.beta * p.gamma
    assert np.abs(arr["risk_error"][arr["risk_latent"] > 0.5]).max() <= kappa * 0.5 + 1e-12


def _within(x, firm):
    x = np.asarray(x, float)
    x = x[:, None] if x.ndim == 1 else x
    cnt = np.bincount(firm)
    means = np.stack([np.bincount(firm, weights=x[:, j]) / cnt for j in range(x.shape[1])], 1)
    return x - means[firm]


def _fe_2sls(y, endog, exog, inst, firm):
    """Within (firm-demeaned) 2SLS coefficient on the single endogenous regressor."""
    yd = _within(y, firm)[:, 0]
    X = _within(np.column_stack([endog, exog]), firm)
    Z = _within(np.column_stack([inst, exog]), firm)
    Xh = Z @ np.linalg.lstsq(Z, X, rcond=None)[0]
    return np.linalg.lstsq(Xh, yd, rcond=None)[0][0]


def test_true_effects_recovered_by_fe_2sls_on_a_large_panel():
    """n = 2000 firms: FE-2SLS with each paper instrument recovers beta and gamma; FE-OLS does not."""
    arr = simulate_arrays(2000, 6, np.random.default_rng(11), PARAMS)
    firm = arr["firm_index"]
    controls = np.column_stack([arr["log_assets"], arr["revenue_growth"], arr["cr4"], arr["reg_strength"]])
    year_dummies = np.eye(6)[arr["year_index"]][:, 1:]
    beta = _fe_2sls(arr["esg"], arr["risk_events"], np.column_stack([controls, year_dummies]),
                    arr["region_incidents"], firm)
    esg = arr["esg"].reshape(2000, 6)
    loo = ((esg.sum(0)[None, :] - esg) / 1999).reshape(-1)
    gamma = _fe_2sls(arr["risk_events"], arr["esg"], np.column_stack([controls, arr["region_incidents"]]),
                     loo, firm)
    assert beta == pytest.approx(TRUE_EFFECTS["risk_to_esg"], abs=0.03)
    assert gamma == pytest.approx(TRUE_EFFECTS["esg_to_risk"], abs=0.05)
    ols = np.linalg.lstsq(_within(np.column_stack([arr["risk_events"], controls]), firm),
                          _within(arr["esg"], firm)[:, 0], rcond=None)[0][0]
    assert ols < TRUE_EFFECTS["risk_to_esg"] - 0.05  # simultaneity bias, as the model implies


def test_instruments_relevant_at_paper_size():
    """Median first-stage partial F over 100 12x6 panels (firm FE): both instruments relevant."""
    f_risk, f_esg = [], []
    for s in range(100):
        arr = simulate_arrays(12, 6, np.random.default_rng(s), PARAMS)
        firm = arr["firm_index"]
        controls = np.column_stack([arr["log_assets"], arr["revenue_growth"], arr["cr4"], arr["reg_strength"]])
        esg = arr["esg"].reshape(12, 6)
        loo = ((esg.sum(0)[None, :] - esg) / 11).reshape(-1)
        for y, inst, exog, out in ((arr["risk_events"], arr["region_incidents"], controls, f_risk),
                                   (arr["esg"], loo, np.column_stack([controls, arr["region_incidents"]]),
                                    f_esg)):
            yd = _within(y, firm)[:, 0]
            X0 = _within(exog, firm)
            X1 = np.column_stack([X0, _within(inst, firm)])
            rss = [np.sum((yd - X @ np.linalg.lstsq(X, yd, rcond=None)[0]) ** 2) for X in (X0, X1)]
            dof = len(yd) - 12 - X1.shape[1]
            out.append((rss[0] - rss[1]) / (rss[1] / dof))
    assert np.median(f_risk) > 10 and np.median(f_esg) > 10


def test_large_panel_is_fast():
    simulate_panel(n_firms=2000)
    start = time.perf_counter()
    df = simulate_panel(n_firms=2000)
    assert time.perf_counter() - start < 1.0
    assert len(df) == 12000 and df["firm"].nunique() == 2000
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(200):
        simulate_arrays(12, 6, rng, PARAMS)
    assert (time.perf_counter() - start) / 200 < 0.005


def test_paper_inconsistencies_computed():
    table = paper_inconsistencies().set_index("fact")
    implied = table.loc["mean ESG implied by Table 2 at Table 1 means", "implied"]
    assert implied == pytest.approx(50.21 - 0.92 * 15.2 + 0.35 * 23.1 + 0.12 * 0.18 - 0.15 * 0.65 + 0.20 * 7.5)
    assert table.loc["abs(beta) x SD(risk) vs SD(ESG)", "implied"] == pytest.approx(0.92 * 8.3)
    assert table.loc["regulation coefficient: text vs Table 2", "difference"] == pytest.approx(0.08)


@pytest.mark.parametrize("wrote, word", [(True, "wrote"), (False, "unchanged")])
def test_cli_reports(capsys, monkeypatch, wrote, word):
    monkeypatch.setattr(simulate, "write_default_panel", lambda: wrote)
    assert simulate.main([]) == 0
    assert word in capsys.readouterr().out
