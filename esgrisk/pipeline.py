"""Build pipeline: execute the chapters with papermill, then build the HTML book.

``python -m esgrisk.pipeline execute`` runs every chapter listed in
``_toc.yml`` (the toc is the one list of chapters) from its jupytext source
``notebooks/NN_topic.py`` into ``executed/NN_topic.ipynb``. A chapter is
skipped when its *fingerprint* (source, parameters, data files, the
package's code and the pinned environment) equals the one recorded when it last
ran; jupyter-cache would miss changes to data files, hence this.

``python -m esgrisk.pipeline html`` runs Jupyter Book (``-W -n --keep-going``)
unless neither the executed notebooks nor the book's pages changed.

A failing cell stops the build with the chapter's name, the failing cell's
source and the error; the notebook with the error is kept under
``executed/failed/`` and never reaches the book. Warnings printed by a
chapter count as failures too, because the reader would see them.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from jupyter_client.manager import KernelManager

from esgrisk import paths
from esgrisk.status import git_commit

RUN_LOG = paths.EXECUTED / "run_log.json"
FAILED = paths.EXECUTED / "failed"
PARTIAL = paths.EXECUTED / ".partial"
LOGS = paths.EXECUTED / "logs"
HTML_STAMP = paths.ROOT / "_build" / ".html_fingerprint"
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}

# Chapters that report on the others (run times, versions) run after all the rest.
RUN_LAST = ("11_reproducibility",)

# Inputs shared by every chapter: any change re-executes all of them.
SHARED_INPUT_GLOBS = ("esgrisk/*.py", "data/**/*", "requirements.txt", "constraints.txt")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WARNING_LINE = re.compile(r"\b\w*Warning\b[:(]")


class ChapterFailed(RuntimeError):
    """A chapter raised an error, or printed a warning, while executing."""


@dataclass(frozen=True)
class ChapterRun:
    name: str
    status: str  # "ran" or "skipped"
    seconds: float


def chapters_from_toc(toc_path: Path = paths.ROOT / "_toc.yml") -> list[str]:
    """Return the chapter names (``NN_topic``) that the toc takes from ``executed/``, in toc order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                value = node.get(key)
                if isinstance(value, str) and value.startswith("executed/"):
                    names.append(Path(value).stem)
            for value in node.values():
                if isinstance(value, list | dict):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return names


def source_of(name: str) -> Path:
    """The jupytext source of chapter ``name``."""
    return paths.NOTEBOOKS / f"{name}.py"


def declared_parameters(source_text: str) -> set[str]:
    """Names assigned in the cell tagged ``parameters`` of a py:percent source."""
    cells = re.split(r"^# %%", source_text, flags=re.MULTILINE)
    for cell in cells:
        header, _, body = cell.partition("\n")
        if re.search(r"tags\s*=\s*\[[^\]]*[\"']parameters[\"']", header):
            names = set()
            for node in ast.parse(body).body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                names.update(t.id for t in targets if isinstance(t, ast.Name))
            return names
    return set()


def _files(globs: Iterable[str]) -> list[Path]:
    found = {p for pattern in globs for p in paths.ROOT.glob(pattern) if p.is_file()}
    return sorted(found)


def fingerprint(source: Path, parameters: Mapping[str, Any], extra: Iterable[Path] = ()) -> str:
    """Hash everything a chapter's output depends on.

    The source file, the parameters it is given, every data file, the
    package's code and the pinned requirements. A parameter that names an
    existing file (e.g. a user's ``panel_path``) adds that file's bytes, so
    editing the user's panel re-executes the chapters.
    """
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("source", source.read_bytes())
    add("parameters", json.dumps(dict(parameters), sort_keys=True, default=str).encode())
    for value in parameters.values():
        if isinstance(value, str) and value and paths.resolve(value).is_file():
            add(f"param-file:{value}", paths.resolve(value).read_bytes())
    for path in [*_files(SHARED_INPUT_GLOBS), *extra]:
        add(str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else str(path),
            path.read_bytes())
    return digest.hexdigest()


def problem_outputs(nb: Any) -> list[str]:
    """Describe every error output and every printed warning in an executed notebook."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = _ANSI.sub("", output.get("text", ""))
                if _WARNING_LINE.search(text):
                    problems.append(f"cell {index} printed a warning:\n{text.strip()}")
    return problems


def _describe_failure(name: str, error: Exception) -> str:
    cell_index = getattr(error, "cell_index", None)
    source = getattr(error, "source", "") or ""
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    lines = [f"FAILED {name} (notebooks/{name}.py)"]
    if cell_index is not None:
        lines.append(f"  failing cell #{cell_index} (execution count {getattr(error, 'exec_count', '?')}):")
        lines += [f"  | {line}" for line in source.splitlines()[:20]]
    lines.append(f"  {ename}: {_ANSI.sub('', str(evalue))}")
    lines.append(f"  executed copy with the error: {(FAILED / f'{name}.ipynb').relative_to(paths.ROOT)}")
    return "\n".join(lines)


def read_run_log() -> dict[str, Any]:
    return json.loads(RUN_LOG.read_text(encoding="utf-8")) if RUN_LOG.exists() else {}


def _write_run_log(log: Mapping[str, Any]) -> None:
    RUN_LOG.parent.mkdir(parents=True, exist_ok=True)
    RUN_LOG.write_text(json.dumps(log, indent=2, sort_keys=True) + "\n", encoding="utf-8")


class LoggedKernelManager(KernelManager):
    """A kernel whose own process stderr goes to a log file.

    Cell output reaches the notebook through the messaging protocol either
    way; the process stream only carries the kernel's start-up and shutdown
    chatter (e.g. "Parent appears to have exited"), which would otherwise
    interleave with the build's progress lines. IPC transport: a local
    kernel needs no TCP port. Its sockets live in a private folder
    (``socket_dir``): with the default ``ip`` they are ``kernel-ipc-N`` files in
    the working directory, and two kernels started at once (chapters run side
    by side, or two builds) can pick the same names and read each other's
    messages ("Invalid Signature").
    """

    def __init__(self, log_file, socket_dir: Path, **kwargs):
        super().__init__(transport="ipc", ip=str(socket_dir / "kernel"), **kwargs)
        self._log_file = log_file

    def start_kernel(self, **kw):
        kw.setdefault("stderr", self._log_file)
        return super().start_kernel(**kw)


def execute_chapter(name: str, parameters: Mapping[str, Any]) -> float:
    """Execute one chapter into ``executed/<name>.ipynb``; return its wall-clock seconds.

    Raises :class:`ChapterFailed` with a readable message if a cell fails or
    prints a warning; the executed copy then goes to ``executed/failed/``.
    """
    import jupytext
    import papermill

    nb = jupytext.read(source_of(name))
    nb.metadata["kernelspec"] = dict(KERNEL)
    for folder in (PARTIAL, FAILED, LOGS):
        folder.mkdir(parents=True, exist_ok=True)
    partial, failed, final = PARTIAL / f"{name}.ipynb", FAILED / f"{name}.ipynb", paths.EXECUTED / f"{name}.ipynb"
    final.unlink(missing_ok=True)
    failed.unlink(missing_ok=True)
    env = {"PYDEVD_DISABLE_FILE_VALIDATION": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    started = time.perf_counter()
    try:
        with open(LOGS / f"{name}.kernel.log", "w", encoding="utf-8") as kernel_log, \
                tempfile.TemporaryDirectory(prefix="esgrisk-kernel-") as sockets:
            km = LoggedKernelManager(kernel_log, Path(sockets), kernel_name=KERNEL["name"])
            executed = papermill.execute_notebook(
                nb, str(partial), parameters=dict(parameters), kernel_name=KERNEL["name"],
                progress_bar=False, cwd=str(paths.ROOT), km=km, env=env,
            )
    except Exception as error:  # papermill raises PapermillExecutionError for a cell error
        if partial.exists():
            partial.replace(failed)
        raise ChapterFailed(_describe_failure(name, error)) from None
    problems = problem_outputs(executed)
    if problems:
        partial.replace(failed)
        raise ChapterFailed(f"FAILED {name} (notebooks/{name}.py)\n  " + "\n  ".join(problems)
                            + f"\n  executed copy: {failed.relative_to(paths.ROOT)}")
    partial.replace(final)
    return time.perf_counter() - started


def plan(names: list[str], overrides: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Parameters each chapter will receive: the overrides it declares, nothing else."""
    plans = {}
    for name in names:
        source = source_of(name)
        if not source.exists():
            raise SystemExit(f"_toc.yml lists executed/{name} but its source {source} does not exist")
        declared = declared_parameters(source.read_text(encoding="utf-8"))
        plans[name] = {k: v for k, v in overrides.items() if k in declared}
    return plans


def run(names: list[str] | None = None, overrides: Mapping[str, Any] | None = None,
        force: bool = False, jobs: int = 2, out=sys.stdout) -> list[ChapterRun]:
    """Execute the chapters whose inputs changed (all of them with ``force``), ``jobs`` at a time."""
    all_names = chapters_from_toc()
    names = all_names if not names else names
    unknown = sorted(set(names) - set(all_names))
    if unknown:
        raise SystemExit(f"not chapters of _toc.yml: {', '.join(unknown)}")
    plans = plan(names, overrides or {})
    log = read_run_log()
    first = [n for n in names if n not in RUN_LAST]
    last = [n for n in names if n in RUN_LAST]
    results: list[ChapterRun] = []
    width = max(map(len, names))
    counter = {"done": 0}

    def one(name: str, extra: tuple[Path, ...] = ()) -> ChapterRun:
        fp = fingerprint(source_of(name), plans[name], extra)
        entry = log.get(name, {})
        if not force and entry.get("fingerprint") == fp and (paths.EXECUTED / f"{name}.ipynb").exists():
            chapter = ChapterRun(name, "skipped", 0.0)
        else:
            seconds = execute_chapter(name, plans[name])
            log[name] = {"fingerprint": fp, "seconds": round(seconds, 2), "parameters": plans[name],
                         "executed_at": datetime.now(UTC).isoformat(timespec="seconds")}
            chapter = ChapterRun(name, "ran", seconds)
        counter["done"] += 1
        what = f"ran in {chapter.seconds:5.1f} s" if chapter.status == "ran" else "unchanged, skipped"
        print(f"[{counter['done']:2d}/{len(names)}] {name:<{width}}  {what}", file=out, flush=True)
        return chapter

    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(one, n) for n in first]
        for future in futures:
            try:
                results.append(future.result())
            except ChapterFailed as failure:
                failures.append(str(failure))
        _write_run_log(log)
        if failures:
            raise ChapterFailed("\n\n".join(failures))
        if last:
            # The status chapter reports every chapter's run and the commit: both are its inputs.
            stamp = paths.EXECUTED / ".status_inputs.json"
            stamp.write_text(json.dumps({"log": {k: v for k, v in log.items() if k not in RUN_LAST},
                                         "git": git_commit()}, sort_keys=True), encoding="utf-8")
            for name in last:
                results.append(one(name, (stamp,)))
            _write_run_log(log)
    return results


def html_fingerprint() -> str:
    """Hash of everything the HTML build reads: executed notebooks, pages, config, toc."""
    digest = hashlib.sha256()
    inputs = [paths.ROOT / "_config.yml", paths.ROOT / "_toc.yml",
              *sorted(paths.EXECUTED.glob("*.ipynb")), *_files(("book/**/*",))]
    for path in inputs:
        digest.update(str(path.relative_to(paths.ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_html(force: bool = False, out=sys.stdout) -> float:
    """Build the book with Jupyter Book, warnings as errors; skip if nothing it reads changed."""
    fp = html_fingerprint()
    index = paths.BUILD_HTML / "index.html"
    if not force and index.exists() and HTML_STAMP.exists() and HTML_STAMP.read_text() == fp:
        print("[html] unchanged, skipped", file=out, flush=True)
        return 0.0
    HTML_STAMP.unlink(missing_ok=True)
    started = time.perf_counter()
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb), "build", str(paths.ROOT), "--builder", "html", "-W", "-n", "--keep-going"]
    completed = subprocess.run(command, cwd=paths.ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        log = paths.ROOT / "_build" / "jupyter-book.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(completed.stdout + completed.stderr, encoding="utf-8")
        tail = "\n".join(_ANSI.sub("", completed.stdout + completed.stderr).strip().splitlines()[-40:])
        raise ChapterFailed(f"FAILED html build (jupyter-book exit {completed.returncode}); "
                            f"full log: {log.relative_to(paths.ROOT)}\n{tail}")
    HTML_STAMP.write_text(fp)
    print(f"[html] built in {seconds:5.1f} s -> {index.relative_to(paths.ROOT)}", file=out, flush=True)
    return seconds


def _parse_overrides(pairs: list[list[str]]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for key, raw in pairs:
        try:
            overrides[key] = yaml.safe_load(raw)
        except yaml.YAMLError:
            overrides[key] = raw
    return overrides


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esgrisk.pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="execute the chapters whose inputs changed")
    ex.add_argument("chapters", nargs="*", help="chapter names (default: all in _toc.yml)")
    ex.add_argument("--force", action="store_true", help="re-execute even unchanged chapters")
    ex.add_argument("--jobs", type=int, default=2, help="chapters executed at once (default 2)")
    ex.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="papermill parameter given to every chapter that declares it")
    html = sub.add_parser("html", help="build the HTML book (skipped if nothing changed)")
    html.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    os.chdir(paths.ROOT)
    try:
        if args.command == "execute":
            started = time.perf_counter()
            runs = run(args.chapters or None, _parse_overrides(args.parameter), args.force, args.jobs)
            ran = sum(r.status == "ran" for r in runs)
            print(f"[done] {ran} executed, {len(runs) - ran} unchanged, "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        else:
            build_html(force=args.force)
    except ChapterFailed as failure:
        print(f"\n{failure}\n", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
