"""Chapters re-run on other data: papermill parameters change the outputs; bad data fail clearly."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from conftest import missing

from esgrisk import paths, pipeline

pytestmark = pytest.mark.slow


def _papermill(chapter: str, tmp_path, **parameters) -> subprocess.CompletedProcess:
    """Run a chapter the way a reviewer would: paired .ipynb, then the papermill command line."""
    notebook = tmp_path / f"{chapter}.ipynb"
    nb = jupytext.read(pipeline.source_of(chapter))
    nb.metadata["kernelspec"] = dict(pipeline.KERNEL)
    jupytext.write(nb, notebook)
    command = [sys.executable, "-m", "papermill", str(notebook), str(tmp_path / f"{chapter}_out.ipynb"),
               "--no-progress-bar", "-k", "python3"]
    for key, value in parameters.items():
        command += ["-p", key, str(value)]
    return subprocess.run(command, cwd=paths.ROOT, capture_output=True, text=True, timeout=600)


def test_other_panel_changes_the_results(tmp_path):
    simulate = pytest.importorskip("esgrisk.simulate")
    other_panel = tmp_path / "other_panel.csv"
    simulate.simulate_panel(seed=simulate.DEFAULT_SEED + 1).to_csv(other_panel, index=False)
    default_run = _papermill("04_fixed_effects", tmp_path, results_dir=tmp_path / "default")
    assert default_run.returncode == 0, default_run.stderr[-3000:]
    other_run = _papermill("04_fixed_effects", tmp_path, results_dir=tmp_path / "other", panel_path=other_panel)
    assert other_run.returncode == 0, other_run.stderr[-3000:]
    default = json.loads((tmp_path / "default" / "fe_entity.json").read_text())
    # Deterministic: a second run on the same panel and seed writes the same bytes as the book's run.
    built = paths.RESULTS / "fe_entity.json"
    if not built.exists():
        missing(f"{built} does not exist: run `make book` first")
    for written in sorted((tmp_path / "default").glob("*.json")):
        # the book's copy also carries the build's provenance (stamped by the pipeline): compare the rest
        book = json.loads((paths.RESULTS / written.name).read_text(encoding="utf-8"))
        assert set(book.pop("provenance")) >= {"panel_sha256", "built_at"}
        assert written.read_text(encoding="utf-8") == json.dumps(book, indent=2, sort_keys=True) + "\n", written.name
    other = json.loads((tmp_path / "other" / "fe_entity.json").read_text())
    assert default["params"].keys() == other["params"].keys()
    assert default["params"]["risk_events"] != other["params"]["risk_events"]
    out = (tmp_path / "04_fixed_effects_out.ipynb").read_text(encoding="utf-8")
    assert str(other_panel) in out, "the chapter does not say which panel it used"


def test_broken_panel_fails_at_the_loader_with_its_message(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("firm,year,region,esg\nA,2018,CN,70\n", encoding="utf-8")
    run = _papermill("03_descriptive", tmp_path, panel_path=broken, results_dir=tmp_path / "r")
    assert run.returncode != 0
    assert "PanelError" in run.stderr
    assert "broken.csv" in run.stderr and "risk_events" in run.stderr


RERUN = re.compile(r"\*\*Re-run alone:\*\*\s*`(?P<convert>[^`]+)`,\s*then\s*`(?P<run>[^`]+)`", re.S)


def test_the_documented_rerun_commands_work(tmp_path):
    """The "Re-run alone" line at the top of a chapter, run as printed (on the default panel)."""
    source = pipeline.source_of("02_data").read_text(encoding="utf-8")
    match = RERUN.search(source.replace("\n# ", " "))
    assert match, "02_data has no 'Re-run alone: `...`, then `...`' line"
    bin_dir = Path(sys.executable).parent
    convert = shlex.split(match["convert"]) + ["-o", str(tmp_path / "02_data.ipynb")]
    run = [arg.replace("my_panel.csv", str(paths.SIMULATED_PANEL)) for arg in shlex.split(match["run"])]
    run = [str(tmp_path / Path(a).name) if a.endswith(".ipynb") else a for a in run]
    for command in (convert, run + ["--no-progress-bar"]):
        done = subprocess.run([str(bin_dir / command[0]), *command[1:]], cwd=paths.ROOT,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-3000:]}"
    assert (tmp_path / "out.ipynb").exists()


def test_descriptive_chapter_runs_on_a_panel_with_chinese_firm_names(tmp_path):
    """Non-ASCII firm names must work end to end, figures included (a missing glyph would fail the chapter)."""
    from esgrisk.simulate import simulate_panel

    panel = simulate_panel(n_firms=4, seed=5)
    names = dict(zip(sorted(panel["firm"].unique()), ["阿里巴巴", "京东", "Amazon", "eBay"]))
    panel["firm"] = panel["firm"].map(names)
    path = tmp_path / "chinese_names.csv"
    panel.to_csv(path, index=False, encoding="utf-8")
    run = _papermill("03_descriptive", tmp_path, panel_path=path, results_dir=tmp_path / "r")
    assert run.returncode == 0, run.stderr[-3000:]
    out = (tmp_path / "03_descriptive_out.ipynb").read_text(encoding="utf-8")
    # the shipped CJK font draws the names in the figures: no firm is replaced by a number
    assert "Names the plotting font cannot draw" not in out


def _bad_panel(tmp_path, case: str) -> Path:
    """The default panel broken the way a real panel can be (issue cases)."""
    import pandas as pd

    panel = pd.read_csv(paths.SIMULATED_PANEL, dtype={"firm": str, "region": str})
    if case == "two_firms":
        panel = panel[panel["firm"].isin(sorted(panel["firm"].unique())[:2])]
    elif case == "constant_cr4":
        panel["cr4"] = 0.6
    elif case == "collinear":
        panel["cr4"] = panel["reg_strength"] / 10
    elif case == "huge":
        panel["log_assets"] = 1e300
    path = tmp_path / f"{case}.csv"
    panel.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("case, error, words", [
    ("two_firms", "DesignError", ["too few firms for clustered inference", "2 firms"]),
    ("constant_cr4", "DesignError", ["constant column", "'cr4'"]),
    ("collinear", "DesignError", ["exact collinearity", "cr4 = 0.1 x reg_strength"]),
    ("huge", "PanelError", ["'log_assets'", "log_assets_in_levels"]),
])
def test_design_problems_stop_at_the_loading_cell_not_in_linearmodels(tmp_path, case, error, words):
    path = _bad_panel(tmp_path, case)
    run = _papermill("04_fixed_effects", tmp_path, panel_path=path, results_dir=tmp_path / "r")
    assert run.returncode != 0
    assert error in run.stderr and path.name in run.stderr, run.stderr[-3000:]
    for word in words:
        assert word in run.stderr, run.stderr[-3000:]
    for raw in ("LinAlgError", "not positive definite", "full column rank", "Singular matrix"):
        assert raw not in run.stderr, raw
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").glob("*.json")), "a model was fitted"


def test_preflight_command_prints_one_message(tmp_path):
    path = _bad_panel(tmp_path, "collinear")
    run = subprocess.run([sys.executable, "-m", "esgrisk.preflight", str(path)], cwd=paths.ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and run.stderr.count("cr4 = 0.1 x reg_strength") == 1, run.stderr
    ok = subprocess.run([sys.executable, "-m", "esgrisk.preflight"], cwd=paths.ROOT, capture_output=True,
                        text=True, timeout=120)
    assert ok.returncode == 0 and "12 firms" in ok.stdout, ok.stderr


def test_excel_panel_with_chinese_headers_through_a_chapter(tmp_path):
    """An .xlsx with Chinese headers and a YAML column map, as `make book PANEL=... PANEL_COLUMNS=...` passes them."""
    import pandas as pd

    names = {"firm": "企业", "year": "年份", "esg": "ESG评分"}
    panel = pd.read_csv(paths.SIMULATED_PANEL, dtype={"firm": str, "region": str}).rename(columns=names)
    path = tmp_path / "面板.xlsx"
    panel.to_excel(path, index=False)
    mapping = tmp_path / "map.yml"
    mapping.write_text("".join(f"{v}: {k}\n" for k, v in names.items()), encoding="utf-8")
    run = _papermill("04_fixed_effects", tmp_path, panel_path=path, panel_columns=mapping,
                     results_dir=tmp_path / "r")
    assert run.returncode == 0, run.stderr[-3000:]
    ours = json.loads((tmp_path / "r" / "fe_entity.json").read_text())
    book = json.loads((paths.RESULTS / "fe_entity.json").read_text()) if (paths.RESULTS / "fe_entity.json").exists() \
        else None
    if book is None:
        missing("results/fe_entity.json does not exist: run `make book` first")
    assert ours["params"] == book["params"] and ours["std_errors"] == book["std_errors"]
