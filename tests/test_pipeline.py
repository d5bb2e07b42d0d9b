"""The build pipeline: chapter discovery, change detection, loud failures."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
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


def test_inputs_key_changes_with_source_parameters_and_the_panel_content(tmp_path):
    def key(parameters, extra=None):
        return pipeline.inputs_key(pipeline.source_inputs(source, parameters, extra))

    source = tmp_path / "01_x.py"
    source.write_text(SOURCE, encoding="utf-8")
    data = tmp_path / "panel.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    base = key({"panel_path": str(data)})
    assert base == key({"panel_path": str(data)})
    assert base != key({"panel_path": str(data), "seed": 2})
    data.write_text("a\n22\n", encoding="utf-8")  # the same path with other content
    changed = key({"panel_path": str(data)})
    assert base != changed
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy2(data, copy / "panel.csv")  # the same content under the same name elsewhere: same inputs
    assert key({"panel_path": str(copy / "panel.csv")}) == changed
    source.write_text(SOURCE + "\n# %%\ny = 2\n", encoding="utf-8")
    assert changed != key({"panel_path": str(data)})
    assert key({}) != key({}, {"records": "x"})
    inputs = pipeline.source_inputs(source, {"panel_path": str(data)})
    assert str(tmp_path) not in json.dumps(inputs), "the record shows a path of the build machine"


def test_shared_inputs_cover_data_and_pins():
    covered = {p.relative_to(paths.ROOT).as_posix() for p in pipeline._files(pipeline.SHARED_INPUT_GLOBS)}
    assert "requirements.txt" in covered and "constraints.txt" in covered
    assert any(p.startswith("data/") for p in covered)
    assert "esgrisk/locale/zh_CN/tables.po" in covered  # a changed translation re-executes the chapters


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


TINY_CONFIG = """title: tiny
only_build_toc_files: true
exclude_patterns: ["executed/provenance.md", "executed/failed/**", "**/.*", "**/.*/**", "notebooks/**"]
execute:
  execute_notebooks: "off"
"""

TINY_TOC = """format: jb-book
root: book/intro
chapters:
{chapters}
"""

ALPHA = """# %% [markdown]
# # Alpha

# %% tags=["parameters"]
results_dir = "results"
seed = 1

# %%
import json
from pathlib import Path

Path(results_dir).mkdir(parents=True, exist_ok=True)
Path(results_dir, "alpha.json").write_text(json.dumps({"value": seed}))
"""

PANEL_CHAPTER = """# %% [markdown]
# # Panel chapter

# %% tags=["parameters"]
panel_path = "data/simulated/panel.csv"
results_dir = "results"
seed = 1
sleep_seconds = 0

# %%
import json
import time
from pathlib import Path

from esgrisk.panel import load_panel

panel = load_panel(panel_path)
Path(results_dir).mkdir(parents=True, exist_ok=True)
Path(results_dir, "fe_entity.json").write_text(json.dumps({"nobs": len(panel)}))

# %%
time.sleep(sleep_seconds)
"""


def tiny_book(root: Path, chapters: dict[str, str]) -> Path:
    """A throwaway project: this package and data, a toc of ``chapters`` (name -> py:percent source)."""
    shutil.copytree(paths.ROOT / "esgrisk", root / "esgrisk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(paths.ROOT / "data", root / "data")
    for name in ("requirements.txt", "constraints.txt"):
        shutil.copy2(paths.ROOT / name, root / name)
    (root / "notebooks").mkdir()
    for name, text in chapters.items():
        (root / "notebooks" / f"{name}.py").write_text(text, encoding="utf-8")
    (root / "book").mkdir()
    (root / "book" / "intro.md").write_text("# Tiny book\n\n```{include} ../executed/provenance.md\n```\n",
                                            encoding="utf-8")
    (root / "_config.yml").write_text(TINY_CONFIG, encoding="utf-8")
    set_toc(root, list(chapters))
    return root


def set_toc(root: Path, names: list[str]) -> None:
    lines = "\n".join(f"  - file: executed/{n}" for n in names)
    (root / "_toc.yml").write_text(TINY_TOC.format(chapters=lines), encoding="utf-8")


def _env_for(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy's package shadows the editable install, in this process and in the kernels.
    env["PYTHONPATH"] = str(copy)
    return env


def build(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "esgrisk.pipeline", "build", *args], cwd=root,
                          capture_output=True, text=True, env=_env_for(root), timeout=timeout)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file the last published build shows (executed/, results/, _build/html), failure logs aside."""
    files = {}
    for live in ("executed", "results", "_build/html"):
        folder = root / live
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not rel.startswith("executed/failed/"):
                files[rel] = path.read_bytes()
    return files


def alt_panel(root: Path, name: str = "alt.csv", firms: int = 20, years: int = 8) -> Path:
    from esgrisk import simulate

    panel = simulate.simulate_panel(n_firms=firms, years=range(2010, 2010 + years), seed=7)
    target = root / name
    panel.to_csv(target, index=False)
    return target


def test_kernel_sockets_are_private_to_each_run(tmp_path):
    """Two kernels started at once must not share IPC socket names (they would read each other's messages)."""
    first = pipeline.LoggedKernelManager(None, tmp_path / "a", kernel_name="python3")
    second = pipeline.LoggedKernelManager(None, tmp_path / "b", kernel_name="python3")
    assert first.transport == second.transport == "ipc"
    assert Path(first.ip).parent == tmp_path / "a" and Path(second.ip).parent == tmp_path / "b"


def test_cell_line_ranges_map_notebook_cells_to_source_lines():
    text = "# %% [markdown]\n# # Title\n\n# %% tags=[\"parameters\"]\nseed = 1\n\n# %%\nx = 1\ny = 2\n"
    assert pipeline.cell_line_ranges(text) == [(2, 2), (5, 5), (8, 9)]


def test_imported_modules_follow_the_package_imports():
    found = {p.name for p in pipeline.imported_modules("from esgrisk.paths import output_dir\n")}
    assert found == {"__init__.py", "paths.py"}
    deeper = {p.name for p in pipeline.imported_modules("from esgrisk import pipeline\n")}
    assert {"pipeline.py", "status.py", "paths.py"} <= deeper  # pipeline imports status, status imports paths
    assert "montecarlo.py" not in deeper


def test_display_path_never_shows_the_machine(tmp_path):
    assert paths.display_path(paths.SIMULATED_PANEL) == "data/simulated/panel.csv"
    assert paths.display_path("data/simulated/panel.csv") == "data/simulated/panel.csv"
    assert paths.display_path(tmp_path / "my panel.csv") == "my panel.csv"


@pytest.fixture(scope="module")
def tiny_built(tmp_path_factory):
    root = tiny_book(tmp_path_factory.mktemp("template") / "tiny", {"01_alpha": ALPHA, "02_panel": PANEL_CHAPTER})
    first = build(root)
    assert first.returncode == 0, first.stderr
    return root


@pytest.fixture()
def tiny(tiny_built, tmp_path):
    """A two-chapter book (one reads the panel) built once successfully (a copy: links are relative)."""
    root = tmp_path / "tiny"
    shutil.copytree(tiny_built, root, symlinks=True)
    return root


def said(output: str, chapter: str, what: str) -> bool:
    """Whether the build's progress lines say ``what`` of ``chapter`` (names are padded to one width)."""
    return re.search(rf"\b{chapter}\s+{re.escape(what)}", output) is not None


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_results_carry_provenance_and_a_rerun_reuses_everything(tiny):
    record = _json(tiny / "results" / "fe_entity.json")["provenance"]
    assert record["panel"] == "data/simulated/panel.csv" and record["nobs"] == 72
    assert record["n_firms"] == 12 and record["n_years"] == 6 and record["chapter"] == "02_panel"
    assert len(record["panel_sha256"]) == 64 and record["built_at"] and record["commit"]
    assert record["parameters"]["results_dir"] == "results"
    alpha = _json(tiny / "results" / "alpha.json")["provenance"]
    assert alpha["panel"] is None and alpha["panel_sha256"] is None and alpha["chapter"] == "01_alpha"
    before = snapshot(tiny)
    again = build(tiny)
    assert again.returncode == 0 and "0 executed, 2 unchanged" in again.stdout
    assert snapshot(tiny) == before
    page = (tiny / "_build" / "html" / "book" / "intro.html").read_text(encoding="utf-8")
    assert "simulated panel" in page and "data/simulated/panel.csv" in page
    for rel, data in before.items():  # no path of the build machine anywhere in what is published
        assert str(tiny).encode() not in data, rel


@pytest.mark.slow
def test_interrupted_run_on_another_panel_leaves_the_last_build_and_a_plain_rerun_serves_it(tiny):
    """The issue's scenario 1: interrupt a PANEL run, then a plain build: nothing of the other panel shows."""
    alt = alt_panel(tiny)
    before = snapshot(tiny)
    process = subprocess.Popen(
        [sys.executable, "-m", "esgrisk.pipeline", "build", "--jobs", "1", "-p", "panel_path", str(alt),
         "-p", "sleep_seconds", "60"], cwd=tiny, env=_env_for(tiny), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    # wait until the other panel's result is written in the staged build, then interrupt
    deadline = time.monotonic() + 120
    while not list((tiny / ".builds").glob("gen-*/work/02_panel/results/fe_entity.json")):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "nothing published" in err
    assert snapshot(tiny) == before
    assert len(list((tiny / ".builds").glob("gen-*"))) == 1, "the staged build was not removed"
    plain = build(tiny)
    assert plain.returncode == 0 and "0 executed" in plain.stdout, plain.stdout
    assert _json(tiny / "results" / "fe_entity.json")["nobs"] == 72
    # a completed run on the other panel is published whole, and a plain run goes back to the default
    other = build(tiny, "-p", "panel_path", str(alt))
    assert other.returncode == 0, other.stderr
    assert said(other.stdout, "01_alpha", "unchanged")  # it reads no panel
    provenance = _json(tiny / "results" / "fe_entity.json")["provenance"]
    assert provenance["nobs"] == 160 and provenance["panel"] == "alt.csv"
    assert "a user's panel" in (tiny / "executed" / "provenance.md").read_text(encoding="utf-8")
    back = build(tiny)
    assert said(back.stdout, "02_panel", "ran") and _json(tiny / "results" / "fe_entity.json")["nobs"] == 72


def _kernels_of(pid: int) -> list[int]:
    """Kernel processes started by process ``pid`` (its children running ipykernel)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"ipykernel" in cmdline:
            found.append(int(proc.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_the_build_within_seconds_and_kills_every_kernel(tiny, sig):
    before = snapshot(tiny)
    process = subprocess.Popen(
        [sys.executable, "-m", "esgrisk.pipeline", "build", "--force", "-p", "sleep_seconds", "600"],
        cwd=tiny, env=_env_for(tiny), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((tiny / ".builds").glob("gen-*/work/02_panel/results/fe_entity.json")):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.2)
    kernels = _kernels_of(process.pid)
    assert kernels, "no kernel is running the sleeping chapter"
    sent = time.monotonic()
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    elapsed = time.monotonic() - sent
    assert process.returncode == 128 + sig, err
    assert elapsed < 15, f"the build took {elapsed:.1f} s to stop"  # generous: 'a few seconds'
    assert "Traceback" not in err
    time.sleep(0.5)
    assert not [k for k in kernels if _alive(k)], "a kernel survived the interrupt"
    assert snapshot(tiny) == before
    assert len(list((tiny / ".builds").glob("gen-*"))) == 1


SLEEPER = """# %% tags=["parameters"]
results_dir = "results"

# %%
import time
time.sleep(2)
"""


@pytest.mark.slow
def test_at_most_jobs_kernels_are_alive_at_once(tmp_path):
    root = tiny_book(tmp_path / "tiny", {f"0{i}_sleep": SLEEPER for i in range(1, 6)})
    process = subprocess.Popen([sys.executable, "-m", "esgrisk.pipeline", "build", "--jobs", "2", "--no-html"],
                               cwd=root, env=_env_for(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    most, seen = 0, set()
    while process.poll() is None:
        alive = [k for k in _kernels_of(process.pid) if _alive(k)]
        seen.update(alive)
        most = max(most, len(alive))
        time.sleep(0.05)
    out, err = process.communicate()
    assert process.returncode == 0, err
    assert len(seen) == 5, f"expected one kernel per chapter, saw {len(seen)}"
    assert most <= 2, f"{most} kernels alive at once with --jobs 2"
    assert not [k for k in seen if _alive(k)], "kernels left running after the build"


BROKEN = """# %% [markdown]
# # Broken

# %% tags=["parameters"]
results_dir = "results"

# %%
import json
from pathlib import Path

Path(results_dir).mkdir(parents=True, exist_ok=True)
Path(results_dir, "broken.json").write_text("{}")
value = 1
raise RuntimeError(f"deliberately broken cell {value}")
"""


@pytest.mark.slow
def test_failing_chapter_is_reported_with_its_source_lines_and_publishes_nothing(tiny):
    before = snapshot(tiny)
    (tiny / "notebooks" / "03_broken.py").write_text(BROKEN, encoding="utf-8")
    set_toc(tiny, ["01_alpha", "02_panel", "03_broken"])
    failed = build(tiny, "--jobs", "1")
    assert failed.returncode == 1
    message = failed.stderr
    assert "FAILED 03_broken: RuntimeError: deliberately broken cell 1" in message
    assert "in the cell at notebooks/03_broken.py lines 8-14" in message
    assert 'notebooks/03_broken.py:14: raise RuntimeError(f"deliberately broken cell {value}")' in message
    log = re.search(r"full traceback: (\S+)", message).group(1)
    assert log == "executed/failed/03_broken.log"
    assert "RuntimeError" in (tiny / log).read_text(encoding="utf-8")
    assert message.count("deliberately broken cell 1") <= 2  # once in the headline, once in the line shown
    assert snapshot(tiny) == before, "a failed build changed the published one"
    # fixed, the chapter runs; what the failed build completed on the same inputs is not executed again
    again = build(tiny, "--jobs", "1", "-p", "seed", "5")
    assert again.returncode == 1 and said(again.stdout, "01_alpha", "ran") and said(again.stdout, "02_panel", "ran")
    (tiny / "notebooks" / "03_broken.py").write_text(BROKEN.replace("raise RuntimeError", "print"), encoding="utf-8")
    fixed = build(tiny, "--jobs", "1", "-p", "seed", "5")
    assert fixed.returncode == 0, fixed.stderr
    assert said(fixed.stdout, "01_alpha", "completed by the last unpublished build")
    assert said(fixed.stdout, "02_panel", "completed by the last unpublished build")
    assert said(fixed.stdout, "03_broken", "ran")
    assert _json(tiny / "results" / "alpha.json")["value"] == 5
    assert not (tiny / ".builds" / "unpublished").exists()


@pytest.mark.slow
def test_failing_html_keeps_the_last_good_book(tiny):
    before = snapshot(tiny)
    chapter = tiny / "notebooks" / "01_alpha.py"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "# # Alpha\n", "# # Alpha\n#\n# See {numref}`no-such-label`.\n"), encoding="utf-8")
    failed = build(tiny)
    assert failed.returncode == 1
    assert "FAILED html build" in failed.stderr and "no-such-label" in failed.stderr
    assert (tiny / "executed" / "failed" / "jupyter-book.log").exists()
    assert snapshot(tiny) == before


@pytest.mark.slow
def test_rejected_panel_is_reported_once_and_nothing_runs(tiny):
    before = snapshot(tiny)
    bad = tiny / "bad panel.csv"
    text = (tiny / "data" / "simulated" / "panel.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([text[0].replace("esg", "esg_score"), *text[1:]]) + "\n", encoding="utf-8")
    failed = build(tiny, "-p", "panel_path", "bad panel.csv")
    assert failed.returncode == 1
    assert failed.stderr.count("PANEL REJECTED (bad panel.csv)") == 1
    assert "esg" in failed.stderr and "ran in" not in failed.stdout
    assert snapshot(tiny) == before


@pytest.mark.slow
def test_only_toc_chapters_enter_the_book_and_stale_pages_go(tiny):
    hidden = tiny / ".scratch"
    hidden.mkdir()
    (hidden / "draft.md").write_text("# Draft\n\n{numref}`broken`\n", encoding="utf-8")
    (tiny / "book" / ".draft.md").write_text("# Hidden draft\n", encoding="utf-8")
    set_toc(tiny, ["01_alpha"])
    done = build(tiny)
    assert done.returncode == 0, done.stderr
    html = tiny / "_build" / "html"
    assert (html / "executed" / "01_alpha.html").exists()
    assert not (html / "executed" / "02_panel.html").exists(), "a page left the toc but stayed in the book"
    assert not list(html.rglob("*draft*"))
    assert not (tiny / "results" / "fe_entity.json").exists(), "results of a chapter no longer in the toc"
    set_toc(tiny, ["01_alpha", "02_panel"])
    assert build(tiny, "--no-html").returncode == 0
    set_toc(tiny, ["01_alpha"])
    without_html = build(tiny, "--no-html")  # every chapter reused, yet one fewer: a new build to publish
    assert without_html.returncode == 0 and "[publish]" in without_html.stdout
    assert not (tiny / "executed" / "02_panel.ipynb").exists()


@pytest.mark.slow
def test_make_book_takes_a_panel_path_with_a_space(tiny):
    shutil.copy2(paths.ROOT / "Makefile", tiny / "Makefile")
    (tiny / ".venv").symlink_to(Path(sys.prefix))
    alt_panel(tiny, "my panel.csv", firms=6, years=4)
    done = subprocess.run(["make", "-o", ".venv/.installed", "-o", "data", "notebooks", 'PANEL=my panel.csv'],
                          cwd=tiny, capture_output=True, text=True, env=_env_for(tiny), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _json(tiny / "results" / "fe_entity.json")["provenance"]["panel"] == "my panel.csv"
    assert _json(tiny / "results" / "fe_entity.json")["nobs"] == 24


@pytest.mark.slow
def test_editing_the_panel_in_place_or_an_imported_module_reruns_only_what_depends_on_it(tiny):
    alt = alt_panel(tiny, "alt.csv", firms=6, years=4)
    first = build(tiny, "--no-html", "-p", "panel_path", "alt.csv")
    assert said(first.stdout, "02_panel", "ran"), first.stderr
    alt_panel(tiny, "alt.csv", firms=7, years=4)  # same path, other content
    second = build(tiny, "--no-html", "-p", "panel_path", str(alt))
    assert said(second.stdout, "02_panel", "ran") and said(second.stdout, "01_alpha", "unchanged")
    assert _json(tiny / "results" / "fe_entity.json")["nobs"] == 28
    module = tiny / "esgrisk" / "panel.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    third = build(tiny, "--no-html", "-p", "panel_path", str(alt))
    assert said(third.stdout, "02_panel", "ran") and said(third.stdout, "01_alpha", "unchanged")


PROVENANCE_KEYS = {"panel", "panel_sha256", "n_firms", "n_years", "nobs", "parameters", "chapter", "commit",
                   "built_at"}


def _built_book():
    from conftest import missing

    if not (paths.BUILD_HTML / "index.html").exists():
        missing("the book is not built: run `make book` (make test does it first)")


@pytest.mark.book
def test_every_results_json_of_the_book_carries_its_provenance():
    _built_book()
    files = sorted(paths.RESULTS.rglob("*.json"))
    assert files
    chapters = set(pipeline.chapters_from_toc())
    for file in files:
        data = _json(file)
        assert isinstance(data, dict) and PROVENANCE_KEYS <= set(data.get("provenance", {})), file.name
        provenance = data["provenance"]
        assert provenance["chapter"] in chapters
        if provenance["panel_sha256"] is not None:
            panel = paths.resolve(provenance["panel"])
            if panel.is_file():  # a user's panel outside the repository is known by its name only
                assert pipeline.sha256_file(panel) == provenance["panel_sha256"], f"{file.name}: panel changed"
            assert provenance["nobs"] > 0 and provenance["n_firms"] >= 2


@pytest.mark.book
def test_the_published_build_is_one_generation_and_names_its_panel():
    _built_book()
    current = pipeline.current_generation()
    assert current is not None
    for live in pipeline.LIVE.values():
        assert live.resolve().parent == current, f"{live} is not part of the published build"
    line = (paths.EXECUTED / "provenance.md").read_text(encoding="utf-8").strip()
    assert "panel" in line
    for page in ("book/intro.html", "executed/11_reproducibility.html"):
        assert "Data of this build" in (paths.BUILD_HTML / page).read_text(encoding="utf-8"), page
    log = _json(pipeline.RUN_LOG)
    for name in pipeline.chapters_from_toc():
        record = pipeline.read_record(paths.EXECUTED / f"{name}.ipynb")
        assert record and record["key"] == log[name]["key"], name


@pytest.mark.book
def test_no_page_download_or_result_shows_a_path_of_the_build_machine():
    _built_book()
    machine = str(paths.ROOT.resolve()).encode()
    for folder in (paths.EXECUTED, paths.RESULTS, paths.BUILD_HTML):
        for file in folder.rglob("*"):
            if file.is_file() and "failed" not in file.relative_to(folder).parts:
                assert machine not in file.read_bytes(), f"{file.relative_to(folder.parent)} shows {machine!r}"


def test_cell_location_names_the_source_lines_of_an_executed_cell():
    import jupytext

    name = "11_reproducibility"
    nb = jupytext.read(pipeline.source_of(name))
    parameters = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(parameters + 1, nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["injected-parameters"]}))
    index = next(i for i, c in enumerate(nb.cells) if "show_plain_table(times" in c.source)
    lines = pipeline.source_of(name).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("show_plain_table(times"))
    location = pipeline.cell_location(name, nb, index)
    first, last = map(int, re.search(r"lines (\d+)-(\d+)", location).groups())
    assert location.startswith(f"the cell at notebooks/{name}.py") and first <= line <= last
    assert lines[first - 2].startswith("# %%")  # the range starts right after the cell's marker


@pytest.mark.slow
def test_a_printed_warning_fails_the_chapter_with_its_source_lines(tiny):
    before = snapshot(tiny)
    (tiny / "notebooks" / "03_warns.py").write_text(
        '# %% tags=["parameters"]\nresults_dir = "results"\n\n# %%\nimport warnings\n\n'
        'warnings.warn("the reader would see this", UserWarning)\n', encoding="utf-8")
    set_toc(tiny, ["01_alpha", "02_panel", "03_warns"])
    failed = build(tiny, "--no-html")
    assert failed.returncode == 1
    assert "the cell at notebooks/03_warns.py lines 5-7 printed a warning" in failed.stderr
    assert "UserWarning: the reader would see this" in failed.stderr
    assert snapshot(tiny) == before


@pytest.mark.slow
def test_ctrl_c_on_make_stops_it_within_seconds_and_publishes_nothing(tiny):
    """Ctrl-C in a terminal signals make and the pipeline together (one process group)."""
    shutil.copy2(paths.ROOT / "Makefile", tiny / "Makefile")
    (tiny / ".venv").symlink_to(Path(sys.prefix))
    before = snapshot(tiny)
    make = subprocess.Popen(["make", "-o", ".venv/.installed", "-o", "data", "book", "FORCE=1",
                             "PIPELINE_PARAMETERS=-p sleep_seconds 600"],
                            cwd=tiny, env=_env_for(tiny), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list((tiny / ".builds").glob("gen-*/work/02_panel/results/fe_entity.json")):
        assert time.monotonic() < deadline and make.poll() is None, make.communicate()
        time.sleep(0.1)
    time.sleep(0.5)
    sent = time.monotonic()
    os.killpg(make.pid, signal.SIGINT)
    _, err = make.communicate(timeout=60)
    assert make.returncode != 0 and time.monotonic() - sent < 15
    assert "nothing published" in err and "Traceback" not in err
    assert snapshot(tiny) == before
