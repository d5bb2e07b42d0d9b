"""scripts/diff_results.py: two results directories, every number compared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from esgrisk import paths

SCRIPT = paths.ROOT / "scripts" / "diff_results.py"


def _record(model: str, beta: float, se: float = 0.1, **extra) -> dict:
    record = {"model": model, "estimator": "PanelOLS", "dependent": "esg", "nobs": 72, "entities": 12,
              "params": {"risk_events": beta, "log_assets": 0.35},
              "std_errors": {"risk_events": se, "log_assets": 0.13},
              "tstats": {"risk_events": beta / se, "log_assets": 2.69},
              "pvalues": {"risk_events": 0.001, "log_assets": 0.008}, "cov_type": "clustered"}
    record.update(extra)
    return record


def _write(directory: Path, *records: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for rec in records:
        (directory / f"{rec['model']}.json").write_text(json.dumps(rec, indent=2), encoding="utf-8")
    return directory


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


def test_identical_directories_agree(tmp_path):
    a = _write(tmp_path / "a", _record("fe_entity", -0.92), _record("pooled_ols", -0.5))
    b = _write(tmp_path / "b", _record("fe_entity", -0.92), _record("pooled_ols", -0.5))
    done = run(a, b)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no differences" in done.stdout


def test_a_changed_number_is_reported_with_its_path_and_exit_1(tmp_path):
    a = _write(tmp_path / "a", _record("fe_entity", -0.92))
    b = _write(tmp_path / "b", _record("fe_entity", -0.95))
    done = run(a, b)
    assert done.returncode == 1
    assert "fe_entity: params.risk_events: -0.92 -> -0.95" in done.stdout
    assert "fe_entity: tstats.risk_events" in done.stdout
    assert "std_errors" not in done.stdout  # unchanged numbers are not listed


def test_tolerance_option(tmp_path):
    a = _write(tmp_path / "a", _record("fe_entity", -0.920000))
    b = _write(tmp_path / "b", _record("fe_entity", -0.920001))
    assert run(a, b, "--rtol", "1e-9").returncode == 1
    assert run(a, b, "--rtol", "1e-3").returncode == 0


def test_nested_first_stage_and_missing_models_and_keys(tmp_path):
    a = _write(tmp_path / "a", _record("fe_iv_risk", -1.0, first_stage={"risk_events": {"partial_f": 25.0}}),
               _record("only_a", 1.0))
    b = _write(tmp_path / "b", _record("fe_iv_risk", -1.0, first_stage={"risk_events": {"partial_f": 9.0}},
                                       extra_key="new"))
    done = run(a, b)
    assert done.returncode == 1
    assert "fe_iv_risk: first_stage.risk_events.partial_f: 25.0 -> 9.0" in done.stdout
    assert "only_a" in done.stdout and "model only in A" in done.stdout
    assert "extra_key" in done.stdout and "only in B" in done.stdout


def test_only_and_ignore(tmp_path):
    a = _write(tmp_path / "a", _record("fe_entity", -0.92), _record("pooled_ols", -0.5, seconds=1.0))
    b = _write(tmp_path / "b", _record("fe_entity", -0.99), _record("pooled_ols", -0.5, seconds=2.0))
    assert run(a, b, "--only", "pooled_ols").returncode == 1
    assert run(a, b, "--only", "pooled_ols", "--ignore", "seconds").returncode == 0


def test_nan_equals_nan_and_usage_errors(tmp_path):
    a = _write(tmp_path / "a", _record("m", float("nan")))
    b = _write(tmp_path / "b", _record("m", float("nan")))
    assert run(a, b).returncode == 0
    assert run(a, tmp_path / "missing").returncode == 2
    (tmp_path / "empty1").mkdir()
    (tmp_path / "empty2").mkdir()
    assert run(tmp_path / "empty1", tmp_path / "empty2").returncode == 2


def test_works_on_records_written_by_the_package(tmp_path):
    """The script reads exactly what esgrisk.results writes (a real model on a small panel)."""
    from esgrisk.estimate import fit_fe_entity
    from esgrisk.results import write_result
    from esgrisk.simulate import simulate_panel

    fit = fit_fe_entity(simulate_panel(n_firms=6, years=range(2018, 2022), seed=3))
    write_result(fit, tmp_path / "a")
    write_result(fit, tmp_path / "b")
    assert run(tmp_path / "a", tmp_path / "b").returncode == 0
    other = fit_fe_entity(simulate_panel(n_firms=6, years=range(2018, 2022), seed=4))
    write_result(other, tmp_path / "b")
    assert run(tmp_path / "a", tmp_path / "b").returncode != 0
