"""Packaging: citation, licences, CI workflow, pre-commit hooks, and launch links that open real files."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import yaml
from conftest import missing

from esgrisk import paths, pipeline

ROOT = paths.ROOT
BUILD = Path(os.environ.get("ESGRISK_BOOK_HTML", paths.BUILD_HTML))


def _yaml(name: str):
    path = ROOT / name
    assert path.exists(), f"{name} is missing"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _config():
    return _yaml("_config.yml")


# --- citation and licences -------------------------------------------------------------------

def test_citation_cff_is_valid_yaml_with_the_required_keys():
    cff = _yaml("CITATION.cff")
    for key in ("cff-version", "message", "title", "authors", "license", "repository-code", "version"):
        assert key in cff, f"CITATION.cff lacks {key}"
    assert str(cff["cff-version"]).startswith("1.2")
    assert cff["authors"] and all("name" in a or "family-names" in a for a in cff["authors"])
    licences = cff["license"] if isinstance(cff["license"], list) else [cff["license"]]
    assert {"MIT", "CC-BY-4.0"} <= set(licences)
    assert cff["repository-code"] == _config()["repository"]["url"], \
        "CITATION.cff and _config.yml name different repositories"
    paper = cff["references"][0]
    assert paper["doi"] == "10.12677/ecl.2025.1461909"


def test_licences_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    text = (ROOT / "LICENSE-text.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "creativecommons.org/licenses/by/4.0" in text


# --- CI and hooks ---------------------------------------------------------------------------

def test_workflow_builds_tests_and_publishes_to_pages():
    wf = _yaml(".github/workflows/book.yml")
    on = wf.get("on", wf.get(True))  # PyYAML reads the key `on` as True
    assert "push" in on and "pull_request" in on
    jobs = wf["jobs"]
    assert set(jobs) >= {"build", "deploy"}
    build_steps = jobs["build"]["steps"]
    runs = " ".join(s.get("run", "") for s in build_steps)
    uses = [s.get("uses", "") for s in build_steps]
    assert ".ci/run" in runs or "make test" in runs
    assert "make browser-deps" in runs
    assert any(u.startswith("actions/setup-python") for u in uses)
    python = next(s for s in build_steps if s.get("uses", "").startswith("actions/setup-python"))
    assert str(python["with"]["python-version"]) == "3.11"
    pages = next(s for s in build_steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert pages["with"]["path"] == "_build/html"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
    assert "refs/heads/main" in deploy["if"]


def test_ci_entry_point_is_what_the_workflow_runs():
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_pre_commit_has_ruff_and_a_jupytext_sync_check():
    cfg = _yaml(".pre-commit-config.yaml")
    hooks = {h["id"]: (repo["repo"], h) for repo in cfg["repos"] for h in repo["hooks"]}
    assert "ruff" in hooks and "astral-sh/ruff-pre-commit" in hooks["ruff"][0]
    assert "jupytext" in hooks and "--sync" in hooks["jupytext"][1].get("args", [])
    assert re.search(r"notebooks", hooks["jupytext"][1].get("files", ""))
    assert "no-ipynb" in hooks


# --- launch links ---------------------------------------------------------------------------

def _extension():
    spec = importlib.util.spec_from_file_location("book_extras", ROOT / "book" / "_ext" / "book_extras.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tracked_or_trackable(rel: str) -> bool:
    """The file exists and git would commit it (it is not ignored, like executed/ is)."""
    if not (ROOT / rel).is_file():
        return False
    ignored = subprocess.run(["git", "check-ignore", "-q", rel], cwd=ROOT)
    return ignored.returncode != 0  # 0 = ignored, 1 = not ignored, 128 = no git (then trust the file)


def test_launch_config_names_the_repository_once_and_binder():
    cfg = _config()
    url = cfg["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url)
    assert cfg["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert "book_extras" in cfg["sphinx"]["local_extensions"]


@pytest.mark.parametrize("name", pipeline.chapters_from_toc())
def test_every_chapter_launches_a_committed_file(name):
    ext = _extension()
    source = ext.chapter_source(ROOT, f"executed/{name}")
    assert source is not None, f"no notebooks/{name}.py for the launch button of {name}"
    assert _tracked_or_trackable(source.relative_to(ROOT).as_posix())


def test_binder_environment_opens_py_sources_as_notebooks():
    env = _yaml("environment.yml")
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert any(p.startswith("jupytext") for p in pip)
    post = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert "jupytext-config set-default-viewer" in post
    assert os.access(ROOT / "postBuild", os.X_OK)
    assert not (ROOT / "binder").exists(), "a binder/ folder would make Binder ignore environment.yml"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


LAUNCH_HOSTS = ("mybinder.org", "colab.research.google.com", "deepnote.com")


def _launch_links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [h for h in parser.hrefs if urlparse(h).netloc.endswith(LAUNCH_HOSTS)]


def repository_path_of(url: str, org: str, repo: str) -> str:
    """The repository-relative file a launch URL opens (Binder urlpath, or Colab's blob path)."""
    parsed = urlparse(url)
    if parsed.netloc.endswith("mybinder.org"):
        assert parsed.path.startswith(f"/v2/gh/{org}/{repo}/"), url
        urlpath = unquote(parse_qs(parsed.query)["urlpath"][0])
        return re.sub(r"^(lab/tree|tree|notebooks|doc/tree)/", "", urlpath)
    match = re.match(rf"^/github/{org}/{repo}/blob/[^/]+/(.+)$", parsed.path)
    assert match, url
    return unquote(match[1])


@pytest.mark.book
def test_built_launch_links_open_files_that_exist_in_the_repository():
    if not (BUILD / "index.html").exists():
        missing(f"the book is not built ({BUILD}): run `make book`")
    org, repo = urlparse(_config()["repository"]["url"]).path.strip("/").split("/")[:2]
    links = {p: _launch_links(p) for p in sorted(BUILD.rglob("*.html")) if "_static" not in p.parts}
    checked = 0
    for page, hrefs in links.items():
        for href in hrefs:
            rel = repository_path_of(href, org, repo)
            assert _tracked_or_trackable(rel), f"{page.relative_to(BUILD)}: {href} opens {rel}, " \
                                               "which is not a committed file of the repository"
            checked += 1
    chapters = [n for n in pipeline.chapters_from_toc() if (BUILD / "executed" / f"{n}.html").exists()]
    assert checked >= len(chapters), "a chapter page has no launch link"


def test_repository_path_parser():
    org, repo = "o", "r"
    assert repository_path_of("https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/notebooks/01_x.py",
                              org, repo) == "notebooks/01_x.py"
    assert repository_path_of("https://colab.research.google.com/github/o/r/blob/main/a/b.ipynb",
                              org, repo) == "a/b.ipynb"
