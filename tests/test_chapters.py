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
