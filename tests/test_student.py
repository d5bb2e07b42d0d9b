"""`make student`: chapter notebooks without outputs and solutions, runnable as they are."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import textwrap

import nbformat
import pytest
from conftest import missing

from esgrisk import paths, pipeline

SCRIPT = paths.ROOT / "scripts" / "make_student.py"
# A light chapter (no estimation) for the papermill run; the first one of these that exists.
LIGHT_CHAPTERS = ("01_theory", "06_case_studies", "02_data")


def _module():
    spec = importlib.util.spec_from_file_location("make_student", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


EXERCISES = textwrap.dedent('''\
    ## Exercises

    ```{exercise} Re-run with another seed
    :label: ex-99-1

    Run `papermill ... -p seed 7`.
    ```

    ```{solution} ex-99-1
    :class: dropdown

    ~~~python
    print("the answer")
    ~~~
    The SECRET answer.
    ```

    ::::{solution} ex-99-1
    :class: dropdown
    Colon-fenced SECRET.
    ::::
    ''')


def test_includes_are_expanded_and_solutions_removed(tmp_path):
    ms = _module()
    (tmp_path / "book" / "teaching").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book" / "teaching" / "99_x.exercises.md").write_text(EXERCISES, encoding="utf-8")
    (tmp_path / "book" / "teaching" / "99_x.objectives.md").write_text(
        "```{admonition} Learning objectives\n:class: tip\n- one\n```\n", encoding="utf-8")
    source = tmp_path / "notebooks" / "99_x.py"
    source.write_text(textwrap.dedent('''\
        # %% [markdown]
        # # 99. Title

        # %% [markdown]
        # ```{include} ../book/teaching/99_x.objectives.md
        # ```

        # %% tags=["parameters"]
        seed = 1

        # %%
        print(seed)

        # %% [markdown]
        # ```{include} ../book/teaching/99_x.exercises.md
        # ```
        '''), encoding="utf-8")
    nb = ms.student_notebook(source)
    text = "\n".join(c.source for c in nb.cells)
    assert "SECRET" not in text and "the answer" not in text
    assert "{solution}" not in text and "{include}" not in text and "{exercise}" not in text
    assert "**Exercise 1: Re-run with another seed**" in text
    assert "-p seed 7" in text
    assert "**Learning objectives**" in text and "- one" in text
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")


def test_missing_include_is_an_error(tmp_path):
    ms = _module()
    source = tmp_path / "x.py"
    source.write_text("# %% [markdown]\n# ```{include} ../nowhere.md\n# ```\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="nowhere.md"):
        ms.student_notebook(source)


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    names = [n for n in pipeline.chapters_from_toc() if pipeline.source_of(n).exists()]
    names += [n for n in LIGHT_CHAPTERS if pipeline.source_of(n).exists() and n not in names]
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *names],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_every_toc_chapter_has_a_student_notebook_without_outputs_or_solutions(student_dir):
    chapters = [n for n in pipeline.chapters_from_toc() if pipeline.source_of(n).exists()]
    for name in chapters:
        nb = nbformat.read(student_dir / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            assert "{solution}" not in cell.source, f"{name}: a solution reached the student notebook"
            assert ":class: dropdown" not in cell.source
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_a_light_student_notebook_runs_with_papermill(student_dir, tmp_path):
    papermill = pytest.importorskip("papermill")
    name = next((n for n in LIGHT_CHAPTERS if (student_dir / f"{n}.ipynb").exists()), None)
    if name is None:
        pytest.skip(f"none of {LIGHT_CHAPTERS} has a source yet")
    papermill.execute_notebook(str(student_dir / f"{name}.ipynb"), str(tmp_path / "out.ipynb"),
                               parameters={"results_dir": str(tmp_path / "results")},
                               kernel_name="python3", progress_bar=False, cwd=str(student_dir))
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert pipeline.problem_outputs(executed) == []


# ---------------------------------------------------------------------------------------------
# Standalone notebooks of the built book (make student after make book): what Jupyter shows.

MYST_LEFT = re.compile(r"\{[\w:-]+\}`|^\s*(?:`{3,}|:{3,})\{|^\s*\([\w:.-]+\)=\s*$", re.MULTILINE)


def _built(folder):
    notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not notebooks:
        missing(f"no notebooks in {folder}: run `make student` after `make book`")
    return notebooks


@pytest.mark.parametrize("folder", ["student", "_build/standalone"])
def test_standalone_notebooks_have_no_raw_myst(folder):
    for path in _built(paths.ROOT / folder):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                left = MYST_LEFT.findall(cell.source)
                assert not left, f"{path.name}: MyST Jupyter cannot render: {left[:5]}"


def test_standalone_notebooks_use_the_books_numbers_and_values():
    nb = nbformat.read(paths.ROOT / "student" / "04_fixed_effects.ipynb", as_version=4) \
        if (paths.ROOT / "student" / "04_fixed_effects.ipynb").exists() else missing("run make student")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "**Exercise 4.1" in text and "Figure 4.1" in text and "Zhang et al. (2025)" in text
    executed = nbformat.read(paths.EXECUTED / "04_fixed_effects.ipynb", as_version=4)
    n_obs = next(o["data"] for c in executed.cells for o in c.get("outputs", [])
                 if o.get("metadata", {}).get("scrapbook", {}).get("name") == "n_obs")
    assert f"{n_obs['application/papermill.record/text/plain']} firm-years" in text  # glued value written in


def test_standalone_notebooks_write_their_own_results_and_carry_no_machine_paths():
    for path in _built(paths.ROOT / "student") + _built(paths.ROOT / "_build" / "standalone"):
        nb = nbformat.read(path, as_version=4)
        assert "papermill" not in nb.metadata
        assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in nb.cells)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
        if params and "results_dir" in params[0].source:
            assert f'results_dir = "{_module().RESULTS_DIR}"' in params[0].source, path.name
        meta = json.dumps(nb.metadata) + json.dumps([c.metadata for c in nb.cells])
        assert str(paths.ROOT) not in meta, f"{path.name}: machine path in metadata"


def test_executed_standalone_notebooks_keep_figures_and_solutions():
    path = paths.ROOT / "_build" / "standalone" / "04_fixed_effects.ipynb"
    if not path.exists():
        missing("run make student after make book")
    nb = nbformat.read(path, as_version=4)
    assert any(c.get("attachments") for c in nb.cells if c.cell_type == "markdown"), "glued figures missing"
    assert any("<summary>Solution to Exercise 4.1</summary>" in c.source for c in nb.cells)


def test_the_site_offers_the_standalone_notebooks():
    html = paths.BUILD_HTML
    if not (html / "student.zip").exists():
        missing("run make student after make book")
    import zipfile
    names = zipfile.ZipFile(html / "student.zip").namelist()
    chapters = [n for n in pipeline.chapters_from_toc() if pipeline.source_of(n).exists()]
    assert sorted(names) == sorted(f"student/{n}.ipynb" for n in chapters)
    assert all((html / "student" / f"{n}.ipynb").is_file() for n in chapters)
    assert (html / "standalone.zip").is_file()
    teachers = (html / "book" / "teachers.html").read_text(encoding="utf-8")
    assert 'href="../student.zip"' in teachers and 'href="../student/04_fixed_effects.ipynb"' in teachers


# ---------------------------------------------------------------------------------------------
# The Chinese edition's standalone notebooks: same executed notebooks, same catalogues.

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
#: CJK characters / (CJK characters + Latin words) of a Chinese notebook's Markdown, code,
#: math and URLs left out (as tests/test_i18n_edition.py measures the Chinese pages).
CHINESE_SHARE = 0.6


def _prose(text):
    text = re.sub(r"```.*?```|\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`|\]\([^)]*\)|<[^>]+>", " ", text, flags=re.S)
    return text


def _chinese_share(text):
    text = _prose(text)
    cjk, latin = len(CJK.findall(text)), len(LATIN_WORD.findall(text))
    return cjk / max(cjk + latin, 1)


def _chapters():
    return [n for n in pipeline.chapters_from_toc() if pipeline.source_of(n).exists()]


def test_every_chinese_student_notebook_is_chinese_without_solutions_with_the_same_code(student_dir):
    for name in _chapters():
        english = nbformat.read(student_dir / f"{name}.ipynb", as_version=4)
        path = student_dir / "zh_CN" / f"{name}.ipynb"
        assert path.is_file(), f"{name}: no Chinese student notebook"
        chinese = nbformat.read(path, as_version=4)
        nbformat.validate(chinese)
        code = [(c.source, c.metadata.get("tags", [])) for c in chinese.cells if c.cell_type == "code"]
        assert code == [(c.source, c.metadata.get("tags", [])) for c in english.cells if c.cell_type == "code"]
        markdown = "\n".join(c.source for c in chinese.cells if c.cell_type == "markdown")
        assert "{solution}" not in markdown and ":class: dropdown" not in markdown
        assert not MYST_LEFT.findall(markdown), f"{name}: raw MyST {MYST_LEFT.findall(markdown)[:5]}"
        assert _chinese_share(markdown) >= CHINESE_SHARE, f"{name}: {_chinese_share(markdown):.2f} Chinese"
        assert all(c.outputs == [] for c in chinese.cells if c.cell_type == "code")


def test_the_chinese_notebooks_of_the_built_book_number_in_chinese_and_carry_the_same_glued_numbers():
    ms = _module()
    folder = paths.ROOT / "_build" / "standalone" / "zh_CN"
    _built(folder)
    assert sorted(p.stem for p in folder.glob("*.ipynb")) == sorted(
        n for n in _chapters() if (paths.EXECUTED / f"{n}.ipynb").is_file())
    for path in _built(folder):
        chinese = nbformat.read(path, as_version=4)
        markdown = "\n".join(c.source for c in chinese.cells if c.cell_type == "markdown")
        assert not MYST_LEFT.findall(markdown), f"{path.name}: raw MyST {MYST_LEFT.findall(markdown)[:5]}"
        assert "**Exercise " not in markdown and "Solution to Exercise" not in markdown
        # the glued values written in: every number shared by both editions is the English one
        name, values = path.stem, {}
        for language in ("en", "zh_CN"):
            renderer = ms.Renderer(ms.Book.load(language=language), f"executed/{name}", language=language)
            ms.student_notebook(pipeline.source_of(name), renderer.book, paths.EXECUTED / f"{name}.ipynb",
                                with_outputs=True, language=language, renderer=renderer)
            values[language] = renderer.substituted
        english_md = "\n".join(c.source for c in nbformat.read(
            paths.ROOT / "_build" / "standalone" / path.name, as_version=4).cells if c.cell_type == "markdown")
        numeric = re.compile(r"-?[\d,]*\.?\d+%?")
        for key, value in values["en"].items():
            if key in values["zh_CN"] and numeric.fullmatch(value.strip()):
                assert values["zh_CN"][key] == value, f"{name}: {key} is {values['zh_CN'][key]!r}, English {value!r}"
                assert value in markdown and value in english_md, (name, key, value)
    text = "\n".join(c.source for c in nbformat.read(folder / "04_fixed_effects.ipynb", as_version=4).cells)
    assert re.search(r"\*\*练习 4\.1（.+）\*\*", text) and "<summary>练习 4.1 的解答</summary>" in text
    assert "图 4.1" in text and "Zhang 等 (2025)" in text and "et al." not in text


def test_the_chinese_site_offers_the_chinese_notebooks_where_its_teachers_page_links():
    site = paths.BUILD_HTML / "zh"
    if not (site / "student.zip").exists():
        missing("run make student after make book")
    import zipfile
    chapters = _chapters()
    assert sorted(zipfile.ZipFile(site / "student.zip").namelist()) == sorted(f"student/{n}.ipynb" for n in chapters)
    assert (site / "standalone.zip").is_file()
    for n in chapters:
        shipped = site / "student" / f"{n}.ipynb"
        assert shipped.read_bytes() == (paths.ROOT / "student" / "zh_CN" / f"{n}.ipynb").read_bytes()
    teachers = (site / "book" / "teachers.html").read_text(encoding="utf-8")
    for link in re.findall(r'href="\.\./((?:student|standalone)[^"]*)"', teachers):
        assert (site / link).is_file(), f"the Chinese teachers page links {link}, which is not in {site}"
