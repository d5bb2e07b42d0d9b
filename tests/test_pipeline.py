"""The build pipeline: chapter discovery, change detection, loud failures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from esgrisk import paths, pipeline

SOURCE = """# %% [markdown]
# # A chapter

# %% tags=["parameters"]
panel_path = "data/simulated/panel.csv"
results_dir: str = "results"
seed = 1

# %%
x = seed + 1
"""


def test_declared_parameters_reads_only_the_parameters_cell():
    assert pipeline.declared_parameters(SOURCE) == {"panel_path", "results_dir", "seed"}
    assert pipeline.declared_parameters("# %%\nx = 1\n") == set()


def test_every_toc_chapter_has_a_source_with_a_parameters_cell():
    names = pipeline.chapters_from_toc()
    assert names, "the toc lists no executed chapter"
    for name in names:
        source = pipeline.source_of(name)
        assert source.exists(), f"{name}: {source} missing"
        assert pipeline.declared_parameters(source.read_text(encoding="utf-8")), f"{name}: no parameters cell"


def test_chapters_are_named_nn_topic():
    for name in pipeline.chapters_from_toc():
        assert name[:2].isdigit() and name[2] == "_", name


def test_fingerprint_changes_with_source_parameters_and_files(tmp_path):
    source = tmp_path / "01_x.py"
    source.write_text(SOURCE, encoding="utf-8")
    data = tmp_path / "panel.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    base = pipeline.fingerprint(source, {"panel_path": str(data)})
    assert base == pipeline.fingerprint(source, {"panel_path": str(data)})
    assert base != pipeline.fingerprint(source, {"panel_path": str(data), "seed": 2})
    data.write_text("a\n2\n", encoding="utf-8")  # the user's panel file is an input too
    assert base != pipeline.fingerprint(source, {"panel_path": str(data)})
    changed = pipeline.fingerprint(source, {"panel_path": str(data)})
    source.write_text(SOURCE + "\n# %%\ny = 2\n", encoding="utf-8")
    assert changed != pipeline.fingerprint(source, {"panel_path": str(data)})
    extra = tmp_path / "extra.json"
    extra.write_text("{}", encoding="utf-8")
    assert pipeline.fingerprint(source, {}) != pipeline.fingerprint(source, {}, (extra,))


def test_shared_inputs_cover_package_code_and_data():
    covered = {p.relative_to(paths.ROOT).as_posix() for p in pipeline._files(pipeline.SHARED_INPUT_GLOBS)}
    assert "esgrisk/pipeline.py" in covered
    assert "requirements.txt" in covered and "constraints.txt" in covered
    assert any(p.startswith("data/") for p in covered)


def test_problem_outputs_flags_errors_and_printed_warnings():
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("1")
    ok.outputs = [nbformat.v4.new_output("stream", name="stderr", text="progress 3/4\n")]
    warn = nbformat.v4.new_code_cell("2")
    warn.outputs = [nbformat.v4.new_output(
        "stream", name="stderr", text="/x.py:3: FutureWarning: something will change\n")]
    err = nbformat.v4.new_code_cell("3")
    err.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])]
    nb.cells = [ok, warn, err]
    problems = pipeline.problem_outputs(nb)
    assert len(problems) == 2
    assert "cell 1 printed a warning" in problems[0] and "FutureWarning" in problems[0]
    assert problems[1] == "cell 2: ValueError: bad"


@pytest.fixture()
def throwaway_copy(tmp_path):
    """A copy of the project's tracked files, sharing this checkout's virtual environment."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=paths.ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    copy = tmp_path / "book"
    for rel in listed:
        target = copy / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if (paths.ROOT / rel).is_file():
            shutil.copy2(paths.ROOT / rel, target)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    return copy


def _env_for(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy's package shadows the editable install, in this process and in the kernels.
    env["PYTHONPATH"] = str(copy)
    return env


@pytest.mark.slow
def test_broken_cell_fails_make_with_chapter_cell_and_error(throwaway_copy):
    chapter = "11_reproducibility"
    source = throwaway_copy / "notebooks" / f"{chapter}.py"
    source.write_text(source.read_text(encoding="utf-8")
                      + '\n# %%\nraise RuntimeError("deliberately broken cell")\n', encoding="utf-8")
    completed = subprocess.run(
        ["make", "-o", ".venv/.installed", "notebooks", f"CHAPTERS={chapter}"],
        cwd=throwaway_copy, capture_output=True, text=True, env=_env_for(throwaway_copy), timeout=600)
    assert completed.returncode != 0
    message = completed.stderr
    assert f"FAILED {chapter} (notebooks/{chapter}.py)" in message
    assert 'raise RuntimeError("deliberately broken cell")' in message
    assert "RuntimeError: deliberately broken cell" in message
    assert not (throwaway_copy / "executed" / f"{chapter}.ipynb").exists(), "a failed chapter reached the book"
    assert (throwaway_copy / "executed" / "failed" / f"{chapter}.ipynb").exists()


@pytest.mark.slow
def test_unchanged_chapter_is_skipped_and_changed_one_reruns(throwaway_copy):
    chapter = "11_reproducibility"
    command = [sys.executable, "-m", "esgrisk.pipeline", "execute", chapter]
    env = _env_for(throwaway_copy)
    first = subprocess.run(command, cwd=throwaway_copy, capture_output=True, text=True, env=env, check=True)
    assert "ran in" in first.stdout
    second = subprocess.run(command, cwd=throwaway_copy, capture_output=True, text=True, env=env, check=True)
    assert "unchanged, skipped" in second.stdout
    (throwaway_copy / "data" / "extra_input.txt").write_text("new data file\n", encoding="utf-8")
    third = subprocess.run(command, cwd=throwaway_copy, capture_output=True, text=True, env=env, check=True)
    assert "ran in" in third.stdout, "a new data file did not trigger re-execution"


def test_kernel_sockets_are_private_to_each_run(tmp_path):
    """Two kernels started at once must not share IPC socket names (they would read each other's messages)."""
    first = pipeline.LoggedKernelManager(None, tmp_path / "a", kernel_name="python3")
    second = pipeline.LoggedKernelManager(None, tmp_path / "b", kernel_name="python3")
    assert first.transport == second.transport == "ipc"
    assert Path(first.ip).parent == tmp_path / "a" and Path(second.ip).parent == tmp_path / "b"
