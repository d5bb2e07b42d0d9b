"""Build pipeline: execute the chapters, build the HTML book, publish both at once or not at all.

``python -m esgrisk.pipeline build`` (what ``make book`` runs) executes every
chapter listed in ``_toc.yml`` (the toc is the one list of chapters) from its
jupytext source ``notebooks/NN_topic.py`` with papermill, then builds the HTML
with Jupyter Book (``-W -n --keep-going``).

**All or nothing.** A build is staged in a fresh *generation* folder
``.builds/gen-*`` (executed notebooks, results, HTML). Only when every chapter
and the HTML succeeded does one atomic rename of the symbolic link
``.builds/current`` publish it; ``executed``, ``results`` and ``_build/html``
are symbolic links through ``.builds/current``, so they always show one
complete build. A failed or interrupted build publishes nothing and leaves
the last good one untouched; the chapters it completed are kept aside in
``.builds/unpublished`` (never shown) so that the next build need not execute
them again if their inputs match.

**Reuse.** Each executed notebook carries its record in its metadata
(``metadata.esgrisk``): the hash of its inputs (chapter source, effective
parameters, the content of every file a parameter names, e.g. the panel, the
package modules the chapter imports, traced statically through the package,
every file under ``data/``, the pins and the Python version), the results
files it wrote with their hashes, its run time. A chapter is reused (its
notebook and results files linked into the new generation) only if that hash
matches and its results files are intact; otherwise it is executed again.

**Interrupts.** Ctrl-C (SIGINT) and SIGTERM kill every kernel at once (each
kernel is its own process group), delete the staged generation and exit
(130 / 143). At most ``--jobs`` kernels are alive at any time: each is shut
down as soon as its chapter ends.

**Failures** are printed as they happen: chapter, the failing cell's lines in
``notebooks/NN_topic.py``, the exception and the failing line; the full
traceback goes to ``executed/failed/NN_topic.log``. The panel is validated
once, before any chapter runs. Warnings printed by a chapter count as
failures, because the reader would see them.

**Provenance.** Every JSON file a chapter writes to ``results/`` gets a
``provenance`` object (panel, its sha256, sizes, parameters, chapter, commit,
build time); ``executed/provenance.md`` states the panel of the build for the
landing page, and ``executed/run_log.json`` lists every chapter's record for
the status page.

Why not make rules or jupyter-cache: make decides by file times, not content,
cannot take a panel's hash or a parameter as a prerequisite, and publishes
each target on its own (an interrupted run leaves a mix); jupyter-cache keys a
notebook on its code cells only (not the data it reads, its parameters or the
package it imports) and caches notebooks, not the results files they write.
Both would still need the staging and publication done here.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import fcntl
import hashlib
import inspect
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from jupyter_client.manager import KernelManager

from esgrisk import paths
from esgrisk.i18n import LANGUAGES
from esgrisk.prose import render
from esgrisk.status import git_commit, panel_summary

BUILDS = paths.ROOT / ".builds"
CURRENT = BUILDS / "current"
# Chapters completed by the last build that failed or was interrupted: never shown, but reusable.
UNPUBLISHED = BUILDS / "unpublished"
LOCK = BUILDS / "lock"
# The live folders and the name each has inside a generation.
LIVE = {"executed": paths.EXECUTED, "results": paths.RESULTS, "html": paths.BUILD_HTML}
RUN_LOG = paths.EXECUTED / "run_log.json"
FAILED = paths.EXECUTED / "failed"
RECORD = "esgrisk"  # key of a chapter's record in the executed notebook's metadata
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}

# Chapters that report on the others (run times, versions, panel) run after all the rest.
RUN_LAST = ("11_reproducibility",)
# Inputs of every chapter besides its own source, parameters and imported modules (the code
# catalogues translate the tables, figures and sentences a chapter writes for the other editions).
SHARED_INPUT_GLOBS = ("data/**/*", "requirements.txt", "constraints.txt", "esgrisk/locale/**/*.po")
# What Jupyter Book reads besides the generation's executed/ and results/ folders.
BOOK_SOURCES = ("_config.yml", "_toc.yml", "book", "notebooks")
# Parameters whose value the pipeline decides (a chapter's own results folder in the staged generation).
PIPELINE_PARAMETERS = ("results_dir", "run_log_path")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# CPython 3.11 can raise "SystemError: AST constructor recursion depth mismatch" when two threads
# build ASTs at once (seen once in a build); the chapter workers parse one at a time.
_AST_LOCK = threading.Lock()


def _parse(code: str) -> ast.Module:
    """``ast.parse`` under :data:`_AST_LOCK` (see there)."""
    with _AST_LOCK:
        return ast.parse(code)
_WARNING_LINE = re.compile(r"\b\w*Warning\b[:(]")


class ChapterFailed(RuntimeError):
    """A chapter raised an error, or printed a warning, while executing (or the HTML build failed)."""


class BuildInterrupted(BaseException):
    """SIGINT or SIGTERM arrived: stop everything, publish nothing."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class ChapterRun:
    name: str
    status: str  # "ran", "reused", "resumed" (completed by an unpublished build) or "kept" (not selected)
    seconds: float


# ---------------------------------------------------------------------------------------------
# Chapters, parameters and their inputs
# ---------------------------------------------------------------------------------------------

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


def _parameters_cell(source_text: str) -> str | None:
    for cell in re.split(r"^# %%", source_text, flags=re.MULTILINE):
        header, _, body = cell.partition("\n")
        if re.search(r"tags\s*=\s*\[[^\]]*[\"']parameters[\"']", header):
            return body
    return None


def parameter_defaults(source_text: str) -> dict[str, Any]:
    """Names assigned in the cell tagged ``parameters`` with their default (literal) values.

    A default that is not a literal is kept as its source text.
    """
    body = _parameters_cell(source_text)
    defaults: dict[str, Any] = {}
    for node in _parse(body or "").body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for target in targets:
            if isinstance(target, ast.Name) and node.value is not None:
                try:
                    defaults[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    defaults[target.id] = ast.unparse(node.value)
    return defaults


def declared_parameters(source_text: str) -> set[str]:
    """Names assigned in the cell tagged ``parameters`` of a py:percent source."""
    return set(parameter_defaults(source_text))


_SHA_CACHE: dict[tuple, str] = {}


def sha256_file(path: Path) -> str:
    """Content hash of a file (remembered while its size and modification time stay the same)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _SHA_CACHE:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _SHA_CACHE[key] = digest.hexdigest()
    return _SHA_CACHE[key]


def _files(globs: Iterable[str]) -> list[Path]:
    found = {p for pattern in globs for p in paths.ROOT.glob(pattern) if p.is_file()}
    return sorted(found)


def _rel(path: Path) -> str:
    return paths.display_path(path)


def _module_file(dotted: str) -> Path | None:
    base = paths.ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports_of(code: str, package: str) -> set[str]:
    """Dotted ``esgrisk`` modules imported anywhere in ``code`` (``package``: where relative imports start)."""
    found: set[str] = set()
    for node in ast.walk(_parse(code)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                "import_module", "__import__"):
            raise SyntaxError("dynamic import: cannot be traced")
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "esgrisk")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.split(".")[0] != "esgrisk":
                continue
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)  # ``from esgrisk import paths``
    return found


def imported_modules(code: str) -> list[Path]:
    """The package's module files ``code`` imports, directly or through other package modules.

    Traced statically (``ast``): every ``import`` statement, including those
    inside functions. If any module imports dynamically (a call of
    ``import_module`` or ``__import__``) or a source does not parse, every
    module of the package counts.
    """
    every = sorted((paths.ROOT / "esgrisk").rglob("*.py"))
    try:
        pending = _imports_of(code, "esgrisk") | {"esgrisk"}
    except SyntaxError:
        return every
    seen: dict[str, Path] = {}
    while pending:
        dotted = pending.pop()
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):  # parents: importing esgrisk.a.b runs esgrisk/a/__init__.py
            prefix = ".".join(parts[:i])
            module = _module_file(prefix)
            if module is None or prefix in seen:
                continue
            seen[prefix] = module
            text = module.read_text(encoding="utf-8")
            package = prefix if module.name == "__init__.py" else ".".join(prefix.split(".")[:-1])
            try:
                pending |= _imports_of(text, package) - set(seen)
            except SyntaxError:
                return every
    return sorted(set(seen.values()))


def _file_parameters(parameters: Mapping[str, Any]) -> dict[str, Path]:
    """Parameters whose value names an existing file (the panel, a column map, ...)."""
    return {k: paths.resolve(v) for k, v in parameters.items()
            if isinstance(v, str) and v and k not in PIPELINE_PARAMETERS and paths.resolve(v).is_file()}


def display_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as a reader sees them: file paths relative to the repository (or the file name)."""
    files = _file_parameters(parameters)
    shown = {k: (paths.display_path(files[k]) if k in files else v) for k, v in parameters.items()}
    shown.update({k: v for k, v in DEFAULT_PIPELINE_VALUES.items() if k in parameters})
    return shown


DEFAULT_PIPELINE_VALUES = {"results_dir": "results", "run_log_path": "executed/run_log.json"}


def source_inputs(source: Path, parameters: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> dict:
    """Everything the output of ``source`` run with ``parameters`` depends on, as hashes (decides reuse)."""
    return {
        "source": sha256_file(source),
        "parameters": display_parameters(parameters),
        "files": {k: sha256_file(p) for k, p in sorted(_file_parameters(parameters).items())},
        "modules": {_rel(p): sha256_file(p) for p in imported_modules(source.read_text(encoding="utf-8"))},
        "shared": {_rel(p): sha256_file(p) for p in _files(SHARED_INPUT_GLOBS)},
        "python": sys.version.split()[0],
        **({"extra": dict(extra)} if extra else {}),
    }


def chapter_inputs(name: str, parameters: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> dict:
    """The inputs record of chapter ``name`` (see :func:`source_inputs`)."""
    return source_inputs(source_of(name), parameters, extra)


def inputs_key(inputs: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------------------------

def problem_outputs(nb: Any, where=None) -> list[str]:
    """Describe every error output and every printed warning in an executed notebook.

    ``where(index)`` names cell ``index`` (default ``cell N``, counting every cell).
    """
    where = where or (lambda index: f"cell {index}")
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"{where(index)}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = _ANSI.sub("", output.get("text", ""))
                if _WARNING_LINE.search(text):
                    problems.append(f"{where(index)} printed a warning:\n{text.strip()}")
    return problems


def cell_location(name: str, nb: Any, index: int) -> str:
    """Cell ``index`` of chapter ``name``'s executed notebook as lines of ``notebooks/NN_topic.py``."""
    ranges = cell_line_ranges(source_of(name).read_text(encoding="utf-8"))
    src_index = source_cell_index(nb, index)
    if 0 <= src_index < len(ranges):
        return f"the cell at notebooks/{name}.py lines {ranges[src_index][0]}-{ranges[src_index][1]}"
    return f"cell {index} of executed/{name}.ipynb"


def cell_line_ranges(source_text: str) -> list[tuple[int, int]]:
    """1-based (first, last) line of each cell's body in a py:percent source, in notebook order.

    The ``# %%`` marker line is excluded; trailing blank lines are not counted.
    """
    lines = source_text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("# %%")]
    ranges = []
    if starts and any(line.strip() for line in lines[: starts[0]]):
        starts = [-1, *starts]  # text before the first marker is a cell of its own
    for k, start in enumerate(starts):
        end = (starts[k + 1] if k + 1 < len(starts) else len(lines)) - 1
        while end > start + 1 and not lines[end].strip():
            end -= 1
        ranges.append((start + 2, end + 1))
    return ranges


def source_cell_index(nb: Any, executed_index: int) -> int:
    """Index among the source's cells of cell ``executed_index`` of an executed notebook (skips papermill's cell)."""
    added = ("injected-parameters", "papermill-error-cell-tag")  # papermill's parameters cell and error banner
    injected = sum(any(tag in cell.get("metadata", {}).get("tags", []) for tag in added)
                   for cell in nb.cells[:executed_index])
    return executed_index - injected


def describe_error(name: str, nb: Any, log_path: Path) -> str:
    """The failure of an executed notebook: chapter, cell's source lines, exception, failing line, log."""
    source_path = source_of(name)
    source_lines = source_path.read_text(encoding="utf-8").splitlines()
    ranges = cell_line_ranges("\n".join(source_lines))
    rel = f"notebooks/{name}.py"
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            traceback = _ANSI.sub("", "\n".join(output.get("traceback", [])))
            message = [f"FAILED {name}: {output.get('ename')}: {output.get('evalue')}"]
            src_index = source_cell_index(nb, index)
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                message.append("  in the parameters papermill injected (check the -p values)")
            elif 0 <= src_index < len(ranges):
                first, last = ranges[src_index]
                message.append(f"  in the cell at {rel} lines {first}-{last}")
                # IPython names the cell's frame "Cell In[n], line k"; its first frame is the cell's own line.
                frame = re.search(r"Cell In\[\d+\], line (\d+)", traceback)
                if frame:
                    line_no = first + int(frame.group(1)) - 1
                    if first <= line_no <= last:
                        message.append(f"  {rel}:{line_no}: {source_lines[line_no - 1].strip()}")
            message.append(f"  full traceback: {_shown_failure(log_path)}")
            return "\n".join(message)
    return f"FAILED {name} ({rel})\n  full log: {_shown_failure(log_path)}"


# ---------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------

class LoggedKernelManager(KernelManager):
    """A kernel whose own process stderr goes to a log file, on private IPC sockets.

    Cell output reaches the notebook through the messaging protocol either
    way; the process stream only carries the kernel's start-up and shutdown
    chatter. IPC transport: a local kernel needs no TCP port. Its sockets live
    in a private folder (``socket_dir``): two kernels started at once could
    otherwise pick the same ``kernel-ipc-N`` names and read each other's
    messages ("Invalid Signature"). ``on_start`` is called with the manager as
    soon as the kernel process exists (the build tracks it to kill it on an interrupt).
    """

    def __init__(self, log_file, socket_dir: Path, on_start=None, **kwargs):
        super().__init__(transport="ipc", ip=str(socket_dir / "kernel"), **kwargs)
        self._log_file = log_file
        self._on_start = on_start

    def start_kernel(self, **kw):
        kw.setdefault("stderr", self._log_file)
        started = super().start_kernel(**kw)
        if self._on_start is not None:
            self._on_start(self)
        return started


def kernel_pid(km: KernelManager) -> int | None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    return getattr(process, "pid", None)


def _kill_group(pid: int | None, sig: int = signal.SIGKILL) -> None:
    """Kill process group ``pid`` (a kernel or Jupyter Book runs in a session of its own)."""
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)


class Kernels:
    """The kernels alive now, so that an interrupt can kill every one of them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._alive: dict[int, KernelManager] = {}
        self.cancelled = threading.Event()

    def started(self, km: KernelManager) -> None:
        with self._lock:
            self._alive[id(km)] = km
        if self.cancelled.is_set():
            _kill_group(kernel_pid(km))

    def finished(self, km: KernelManager) -> None:
        with contextlib.suppress(Exception):
            km.shutdown_kernel(now=True)
        _kill_group(kernel_pid(km))  # whatever it started, too
        with self._lock:
            self._alive.pop(id(km), None)

    def kill_all(self) -> None:
        self.cancelled.set()
        with self._lock:
            alive = list(self._alive.values())
        for km in alive:
            _kill_group(kernel_pid(km))


# ---------------------------------------------------------------------------------------------
# Generations
# ---------------------------------------------------------------------------------------------

@dataclass
class Generation:
    """A staged build: ``executed/``, ``results/``, ``html/`` and scratch space for each chapter."""

    root: Path
    records: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def executed(self) -> Path:
        return self.root / "executed"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def html(self) -> Path:
        return self.root / "html"

    def work(self, name: str) -> Path:
        return self.root / "work" / name

    @classmethod
    def create(cls) -> Generation:
        BUILDS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        root = Path(tempfile.mkdtemp(prefix=f"gen-{stamp}-", dir=BUILDS))
        root.chmod(0o755)  # mkdtemp makes it private; the published book must be readable like any folder
        for folder in ("executed", "results", "work"):
            (root / folder).mkdir()
        return cls(root)

    def add_results(self, name: str, files: Iterable[tuple[Path, str]]) -> None:
        """Move (or link) ``(file, path relative to results/)`` into the generation's results, refusing clashes."""
        with self.lock:
            for source, rel in files:
                target = self.results / rel
                if target.exists():
                    owner = next((n for n, r in self.records.items() if rel in r.get("outputs", {})), "another")
                    raise ChapterFailed(f"FAILED {name}: it writes results/{rel}, which {owner} chapter writes too")
                target.parent.mkdir(parents=True, exist_ok=True)
                _link_or_copy(source, target)


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link ``source`` to ``target`` (files of a generation are never modified in place), or copy it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def current_generation() -> Path | None:
    return CURRENT.resolve() if CURRENT.is_symlink() and CURRENT.resolve().is_dir() else None


def publish(gen: Generation) -> None:
    """Make ``gen`` the current build with one atomic rename; point the live folders at it; drop the old one."""
    previous = current_generation()
    link = BUILDS / f".current-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(gen.root.name)
    os.replace(link, CURRENT)  # the one atomic step: from here on the new build is the book
    for name, live in LIVE.items():
        target = os.path.relpath(CURRENT / name, live.parent)
        if live.is_symlink() and os.readlink(live) == target:
            continue
        live.parent.mkdir(parents=True, exist_ok=True)
        if live.is_symlink() or live.is_file():
            live.unlink()
        elif live.exists():  # a real folder left by an older pipeline
            shutil.rmtree(live)
        live.symlink_to(target, target_is_directory=True)
    if previous is not None and previous != gen.root:
        shutil.rmtree(previous, ignore_errors=True)


def remove_stale_generations() -> None:
    """Delete generations left by builds killed without a chance to clean up (SIGKILL, power loss)."""
    keep = current_generation()
    for folder in BUILDS.glob("gen-*"):
        if folder.resolve() != keep:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def build_lock():
    """One build at a time in a checkout (two would publish over each other)."""
    BUILDS.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ChapterFailed("another build is running in this checkout (.builds/lock)") from None
        yield


@contextlib.contextmanager
def signals_deferred():
    """Hold SIGINT/SIGTERM while the build is being published, so it completes."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def failure_folder() -> Path:
    """``executed/failed/``: tracebacks and executed copies of the failures of the last failed build."""
    folder = FAILED.resolve() if paths.EXECUTED.exists() else FAILED
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shown_failure(path: Path) -> str:
    """A file of ``executed/failed/`` as the user finds it (through the ``executed`` link)."""
    return f"executed/failed/{path.name}"


# ---------------------------------------------------------------------------------------------
# One chapter
# ---------------------------------------------------------------------------------------------

def read_record(notebook: Path) -> dict | None:
    """The record stored in an executed notebook's metadata (None if absent or unreadable)."""
    try:
        return json.loads(notebook.read_text(encoding="utf-8"))["metadata"].get(RECORD)
    except (OSError, ValueError, KeyError):
        return None


def reusable(name: str, key: str, sources: Iterable[Path | None]) -> tuple[dict, Path] | None:
    """A record of ``name`` whose inputs hash is ``key`` and whose results are intact, and the build holding it.

    ``sources``: the published build first, then the chapters an unpublished build completed.
    """
    for source in sources:
        if source is None or not source.is_dir():
            continue
        record = read_record(source / "executed" / f"{name}.ipynb")
        if not record or record.get("key") != key:
            continue
        if all((source / "results" / rel).is_file() and sha256_file(source / "results" / rel) == digest
               for rel, digest in record.get("outputs", {}).items()):
            return record, source
    return None


def carry_over(name: str, record: dict, previous: Path, gen: Generation) -> None:
    """Link a previous build's executed notebook and results files of ``name`` into ``gen``."""
    gen.add_results(name, [(previous / "results" / rel, rel) for rel in record.get("outputs", {})])
    _link_or_copy(previous / "executed" / f"{name}.ipynb", gen.executed / f"{name}.ipynb")
    with gen.lock:
        gen.records[name] = record


@dataclass(frozen=True)
class Panel:
    """What the provenance says about the panel a chapter read."""

    panel: str | None = None
    panel_sha256: str | None = None
    n_firms: int | None = None
    n_years: int | None = None
    nobs: int | None = None
    simulated: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("panel", "panel_sha256", "n_firms", "n_years", "nobs", "simulated")}


def check_panel(parameters: Mapping[str, Any]) -> Panel:
    """Load and validate the panel these parameters name, once; raise :class:`ChapterFailed` if rejected."""
    from esgrisk.panel import load_panel
    from esgrisk.preflight import require_design

    path = paths.resolve(parameters["panel_path"])
    options = {}
    accepted = inspect.signature(load_panel).parameters
    for parameter, option in (("panel_encoding", "encoding"), ("panel_columns", "columns"),
                              ("panel_accept", "accept")):
        if parameters.get(parameter) not in (None, "", []) and option in accepted:
            options[option] = parameters[parameter]
    try:
        panel = load_panel(path, **options)
        # the design checks too, once per build: a panel no model can be fitted on stops here
        # with one message, not once per model chapter
        require_design(panel, source=paths.display_path(path))
    except Exception as error:  # the loader's message names file, column, rows and rule
        raise ChapterFailed(f"PANEL REJECTED ({paths.display_path(path)}); no chapter was executed:\n"
                            f"  {type(error).__name__}: {error}") from None
    digest = sha256_file(path)
    simulated = paths.SIMULATED_PANEL.is_file() and digest == sha256_file(paths.SIMULATED_PANEL)
    return Panel(paths.display_path(path), digest, int(panel["firm"].nunique()), int(panel["year"].nunique()),
                 int(len(panel)), simulated)


def stamp_provenance(json_file: Path, provenance: Mapping[str, Any]) -> None:
    """Add the ``provenance`` object to a results JSON file (which must hold a JSON object)."""
    data = json.loads(json_file.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ChapterFailed(f"{json_file.name} holds a JSON {type(data).__name__}, not an object: "
                            "results files must be objects so that they can carry their provenance")
    data = {k: v for k, v in data.items() if k != "provenance"}
    data["provenance"] = dict(provenance)
    json_file.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")


def _rewrite_staging_paths(nb: Any, shown: Mapping[str, Any]) -> None:
    """Show the parameters as a reader needs them: no path of the build machine, the final folders.

    Papermill's injected cell and its metadata name the staged folders and
    absolute paths; after publication the results are in ``results/`` and a
    user's panel is known by its path in the repository or its file name.
    """
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            lines = ["# Parameters"]
            lines += [f"{k} = {v!r}" for k, v in shown.items()]
            cell["source"] = "\n".join(lines) + "\n"
    meta = nb.metadata.get("papermill", {})
    meta["parameters"] = dict(shown)
    meta["input_path"] = f"notebooks/{nb.metadata.get(RECORD, {}).get('chapter', '')}.py"
    meta["output_path"] = f"executed/{nb.metadata.get(RECORD, {}).get('chapter', '')}.ipynb"
    meta.pop("environment_variables", None)


def execute_chapter(name: str, given: Mapping[str, Any], gen: Generation, kernels: Kernels,
                    provenance: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict:
    """Execute one chapter into ``gen``; return its record. Raise :class:`ChapterFailed` on an error or a warning."""
    import jupytext
    import nbformat
    import papermill

    nb = jupytext.read(source_of(name))
    nb.metadata["kernelspec"] = dict(KERNEL)
    work = gen.work(name)
    (work / "results").mkdir(parents=True, exist_ok=True)
    staged = work / f"{name}.ipynb"
    parameters = dict(given)
    if "results_dir" in parameters:
        parameters["results_dir"] = str(work / "results")
    env = {"PYDEVD_DISABLE_FILE_VALIDATION": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    started = time.perf_counter()
    error: Exception | None = None
    km = None
    with open(work / "kernel.log", "w", encoding="utf-8") as kernel_log, \
            tempfile.TemporaryDirectory(prefix="esgrisk-kernel-") as sockets:
        km = LoggedKernelManager(kernel_log, Path(sockets), on_start=kernels.started, kernel_name=KERNEL["name"])
        try:
            papermill.execute_notebook(
                nb, str(staged), parameters=parameters, kernel_name=KERNEL["name"],
                progress_bar=False, cwd=str(paths.ROOT), km=km, env=env)
        except Exception as caught:  # PapermillExecutionError for a cell error, DeadKernelError when killed
            error = caught
        finally:
            kernels.finished(km)
    if kernels.cancelled.is_set():
        raise ChapterFailed(f"{name}: interrupted")
    seconds = time.perf_counter() - started
    executed = nbformat.read(staged, as_version=4) if staged.exists() else None
    problems = (problem_outputs(executed, lambda index: cell_location(name, executed, index))
                if executed is not None else [f"{type(error).__name__}: {error}"])
    if error is not None or problems:
        failed = failure_folder()
        log = failed / f"{name}.log"
        detail = []
        if executed is not None:
            for cell in executed.cells:
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        detail.append(_ANSI.sub("", "\n".join(output.get("traceback", []))))
            shutil.copy2(staged, failed / f"{name}.ipynb")
        kernel_chatter = (work / "kernel.log").read_text(encoding="utf-8", errors="replace")
        log.write_text("\n\n".join([*problems, *detail, f"{type(error).__name__}: {error}" if error else "",
                                     "kernel process output:\n" + kernel_chatter]), encoding="utf-8")
        if executed is not None and any(o.get("output_type") == "error"
                                        for c in executed.cells for o in c.get("outputs", [])):
            raise ChapterFailed(describe_error(name, executed, log))
        raise ChapterFailed(f"FAILED {name} (notebooks/{name}.py)\n  " + "\n  ".join(problems)
                            + f"\n  full log: {_shown_failure(log)}")
    # Publish into the generation: results with provenance, the notebook with its record.
    outputs = {}
    produced = sorted(p for p in (work / "results").rglob("*") if p.is_file())
    stamp = {**provenance, "built_at": datetime.now(UTC).isoformat(timespec="seconds")}
    for file in produced:
        if file.suffix == ".json":
            stamp_provenance(file, stamp)
        outputs[file.relative_to(work / "results").as_posix()] = sha256_file(file)
    record = {"chapter": name, "key": inputs_key(inputs), "inputs": inputs, "outputs": outputs,
              "seconds": round(seconds, 2), "executed_at": stamp["built_at"], "commit": provenance["commit"],
              "panel": provenance.get("panel"), "panel_sha256": provenance.get("panel_sha256"),
              "n_firms": provenance.get("n_firms"), "n_years": provenance.get("n_years"),
              "nobs": provenance.get("nobs"), "parameters": provenance["parameters"]}
    executed.metadata[RECORD] = record
    _rewrite_staging_paths(executed, display_parameters(given))
    gen.add_results(name, [(file, file.relative_to(work / "results").as_posix()) for file in produced])
    nbformat.write(executed, gen.executed / f"{name}.ipynb")
    with gen.lock:
        gen.records[name] = record
    return record


# ---------------------------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------------------------

@dataclass
class Plan:
    """What one chapter receives and what its record must match to be reused."""

    name: str
    parameters: dict[str, Any]  # the effective parameters: defaults with the overrides it declares
    given: dict[str, Any]  # what papermill passes (the overrides it declares, plus the pipeline's own)
    panel: Panel = field(default_factory=Panel)


def plan(names: list[str], overrides: Mapping[str, Any]) -> dict[str, Plan]:
    """Parameters each chapter will receive: the overrides it declares, nothing else."""
    plans = {}
    for name in names:
        source = source_of(name)
        if not source.exists():
            raise SystemExit(f"_toc.yml lists executed/{name} but its source {source} does not exist")
        defaults = parameter_defaults(source.read_text(encoding="utf-8"))
        given = {k: v for k, v in overrides.items() if k in defaults}
        for k in PIPELINE_PARAMETERS:
            if k in defaults:
                given[k] = DEFAULT_PIPELINE_VALUES[k]
        plans[name] = Plan(name, {**defaults, **given}, given)
    return plans


def _print(out, text: str) -> None:
    print(text, file=out, flush=True)


def _interrupt(signum, frame):
    raise BuildInterrupted(signum)


def html_inputs(gen: Generation) -> str:
    """Hash of what the HTML build reads: the chapters' records and every page, config and toc file.

    The catalogues (``book/locale``), the translation code and whether untranslated units may
    fall back to English (``ESGRISK_I18N_FALLBACK``) are inputs of the Chinese edition.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps({n: r.get("key") for n, r in sorted(gen.records.items())}).encode())
    for path in _files(("_config.yml", "_toc.yml", "book/**/*", "esgrisk/i18n.py")):
        digest.update(_rel(path).encode() + b"\0" + sha256_file(path).encode())
    digest.update((gen.executed / "provenance.md").read_bytes())
    digest.update(f"fallback={os.environ.get(I18N_FALLBACK_ENV) == '1'} editions={sorted(editions())}".encode())
    return digest.hexdigest()


# Every edition but the English one: its language and the folder of _build/html it is written to.
EDITIONS = {"zh_CN": "zh"}
I18N_FALLBACK_ENV = "ESGRISK_I18N_FALLBACK"  # development only: untranslated units stay English
# Benchmarks only (scripts/bench_build.py): ESGRISK_EDITIONS=en builds the English book alone.
EDITIONS_ENV = "ESGRISK_EDITIONS"


def editions() -> dict[str, str]:
    """The editions this build makes besides the English one.

    Every edition of :data:`EDITIONS` whose configuration ``book/locale/<language>/_config.yml``
    exists (a book without one, e.g. a test's, is English only), unless ``ESGRISK_EDITIONS`` names some.
    """
    wanted = os.environ.get(EDITIONS_ENV)
    chosen = EDITIONS if wanted is None else {
        lang: folder for lang, folder in EDITIONS.items() if lang in wanted.replace(",", " ").split()}
    return {lang: folder for lang, folder in chosen.items()
            if (paths.ROOT / "book" / "locale" / lang / "_config.yml").is_file()}


def _merge(base: dict, over: Mapping[str, Any]) -> dict:
    """``base`` with ``over`` laid over it: mappings merged key by key, other values replaced."""
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, Mapping) and isinstance(
            merged.get(key), dict) else value
    return merged


def edition_config(language: str, src: Path) -> tuple[Path, Path]:
    """Write the configuration and toc of an edition into the build's source folder ``src``.

    The edition's ``book/locale/<language>/_config.yml`` is laid over ``_config.yml``; its
    ``toc_captions`` translate the captions of ``_toc.yml`` (the pages are the same). Returns
    (config, toc) paths.
    """
    base = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    over = yaml.safe_load((paths.ROOT / "book" / "locale" / language / "_config.yml").read_text(encoding="utf-8"))
    captions = over.pop("toc_captions", {}) or {}
    toc = yaml.safe_load((paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    for part in toc.get("parts", []):
        if "caption" in part:
            if part["caption"] not in captions:
                raise ChapterFailed(f"FAILED html build ({language}): no translation of the toc caption "
                                    f"{part['caption']!r} in book/locale/{language}/_config.yml (toc_captions)")
            part["caption"] = captions[part["caption"]]
    config, toc_file = src / f"_config.{language}.yml", src / f"_toc.{language}.yml"
    config.write_text(yaml.safe_dump(_merge(base, over), allow_unicode=True, sort_keys=False), encoding="utf-8")
    toc_file.write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config, toc_file


def _jupyter_book(src: Path, output: Path, builder: str, language: str | None = None) -> list[str]:
    """The ``jupyter-book build`` command of one edition (warnings as errors)."""
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb), "build", str(src), "--path-output", str(output), "--builder", builder,
               "-W", "-n", "--keep-going"]
    if language is not None:
        config, toc = edition_config(language, src)
        command += ["--config", str(config), "--toc", str(toc)]
    return command


def single_page_command(src: Path, output: Path, language: str | None = None) -> list[str]:
    """The single-page build (``singlehtml``) of an edition that ``scripts/make_pdf.py`` prints."""
    return _jupyter_book(src, output, "singlehtml", language)


def build_html(gen: Generation, out=sys.stdout, jobs: int = 2) -> float:
    """Build the generation's book, every edition, with Jupyter Book (warnings as errors) into ``gen/html``.

    Jupyter Book reads a source folder of the generation's own: links to the
    book's pages, config and toc, and the generation's ``executed/`` and
    ``results/``. Nothing else in the checkout (stray notebooks, hidden
    folders, earlier builds) can enter the book, and no page of an earlier
    build survives in the new one. The English book goes to ``gen/html``, each
    other edition (:data:`EDITIONS`) to its folder inside it (``gen/html/zh``),
    from the same executed notebooks (``book/_ext/book_i18n.py``); with
    ``jobs`` >= 2 the editions build at the same time. If any edition fails,
    the build fails: no edition is published without the others.
    """
    src = gen.root / "src"
    src.mkdir(exist_ok=True)
    for name in BOOK_SOURCES:
        (src / name).symlink_to(paths.ROOT / name)
    for name in ("executed", "results"):
        (src / name).symlink_to(Path("..") / name, target_is_directory=True)
    started = time.perf_counter()
    others = editions()
    builds = {"en": _jupyter_book(src, gen.root / "jb", "html")}
    for language in others:
        builds[language] = _jupyter_book(src, gen.root / f"jb-{language}", "html", language)
    logs = {lang: gen.root / ("jupyter-book.log" if lang == "en" else f"jupyter-book.{lang}.log")
            for lang in builds}
    codes: dict[str, int] = {}
    running: dict[str, subprocess.Popen] = {}
    handles = []
    try:
        for language, command in builds.items():
            handle = open(logs[language], "w", encoding="utf-8")
            handles.append(handle)
            running[language] = subprocess.Popen(command, cwd=src, stdout=handle, stderr=subprocess.STDOUT,
                                                 start_new_session=True)
            if jobs < 2:  # one at a time
                codes[language] = running.pop(language).wait()
        for language, process in running.items():
            codes[language] = process.wait()
    except BaseException:
        for process in running.values():
            _kill_group(process.pid)
            process.wait()
        raise
    finally:
        for handle in handles:
            handle.close()
    seconds = time.perf_counter() - started
    for language, code in codes.items():
        if code != 0:
            log = logs[language]
            kept = failure_folder() / log.name
            shutil.copy2(log, kept)
            text = _ANSI.sub("", log.read_text(encoding="utf-8"))
            problems = [line for line in text.splitlines() if "WARNING" in line or "ERROR" in line]
            tail = "\n".join((problems or text.strip().splitlines())[-20:]).replace(str(src) + "/", "")
            which = "" if language == "en" else f" of the {language} edition"
            raise ChapterFailed(f"FAILED html build{which} (jupyter-book exit {code}); the last good book is "
                                f"kept; full log: {_shown_failure(kept)}\n{tail}")
    (gen.root / "jb" / "_build" / "html").rename(gen.html)
    shutil.rmtree(gen.root / "jb", ignore_errors=True)
    for language, folder in others.items():
        (gen.root / f"jb-{language}" / "_build" / "html").rename(gen.html / folder)
        shutil.rmtree(gen.root / f"jb-{language}", ignore_errors=True)
    _print(out, f"[html] built in {seconds:5.1f} s (editions: {', '.join(['en', *others])})")
    return seconds


def _write_manifest(gen: Generation, panel_line: str) -> None:
    entries = {}
    for name, record in sorted(gen.records.items()):
        entries[name] = {k: record.get(k) for k in ("seconds", "executed_at", "commit", "parameters", "panel",
                                                     "panel_sha256", "n_firms", "n_years", "nobs", "key")}
    (gen.executed / "run_log.json").write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n",
                                               encoding="utf-8")
    (gen.executed / "provenance.md").write_text(panel_line + "\n", encoding="utf-8")
    for language in LANGUAGES:  # the same line in every edition: executed/provenance.<language>.md (issue 16)
        (gen.executed / f"provenance.{language}.md").write_text(render(panel_line, language) + "\n", encoding="utf-8")


def run(names: list[str] | None = None, overrides: Mapping[str, Any] | None = None, force: bool = False,
        jobs: int = 2, html: bool = True, out=sys.stdout, err=sys.stderr) -> list[ChapterRun]:
    """Build the book; publish it only if everything succeeded. See the module's docstring."""
    all_names = chapters_from_toc()
    selected = all_names if not names else list(names)
    unknown = sorted(set(selected) - set(all_names))
    if unknown:
        raise SystemExit(f"not chapters of _toc.yml: {', '.join(unknown)}")
    handlers = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _run(all_names, selected, dict(overrides or {}), force, jobs, html, out, err)
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)


def _run(all_names, selected, overrides, force, jobs, html, out, err) -> list[ChapterRun]:
    clash = sorted(set(overrides) & set(PIPELINE_PARAMETERS))
    if clash:
        raise SystemExit(f"the pipeline sets {', '.join(clash)} itself (the build is published to results/)")
    plans = plan(all_names, overrides)
    # The panel is checked once, before anything runs.
    panels: dict[str, Panel] = {}
    for name in selected:
        p = plans[name]
        if "panel_path" in p.parameters:
            where = str(paths.resolve(p.parameters["panel_path"]))
            if where not in panels:
                panels[where] = check_panel(p.parameters)
            p.panel = panels[where]
    commit = git_commit()
    previous = current_generation()
    remove_stale_generations()
    if FAILED.is_dir():  # the failures of the last failed build; this build reports its own
        shutil.rmtree(FAILED.resolve(), ignore_errors=True)
    gen = Generation.create()
    kernels = Kernels()
    results: list[ChapterRun] = []
    width = max(map(len, all_names))
    try:
        # Chapters not selected (CHAPTERS=...) are carried over as the last build left them.
        for name in all_names:
            if name not in selected and previous is not None:
                record = read_record(previous / "executed" / f"{name}.ipynb")
                if record:
                    carry_over(name, record, previous, gen)
                    results.append(ChapterRun(name, "kept", 0.0))
        first = [n for n in selected if n not in RUN_LAST]
        last = [n for n in selected if n in RUN_LAST]
        failures = _run_chapters(first, plans, gen, kernels, previous, commit, force, jobs, width, out, err, results)
        if failures:
            raise ChapterFailed(f"{failures} chapter(s) failed (reported above); the last good build is kept")
        panel_line = panel_summary(list(gen.records.values()))
        if last:
            # The status chapter reports every other chapter's record and the commit: both are its inputs.
            _write_manifest(gen, panel_line)
            others = {n: r.get("key") for n, r in gen.records.items() if n not in RUN_LAST}
            extra = {"records": inputs_key(others), "commit": commit}
            for name in last:
                plans[name].given["run_log_path"] = str(gen.executed / "run_log.json")
            failures = _run_chapters(last, plans, gen, kernels, previous, commit, force, 1, width, out, err,
                                     results, extra)
            if failures:
                raise ChapterFailed("the status chapter failed (reported above); the last good build is kept")
        _write_manifest(gen, panel_line)
        # Nothing to publish if no chapter ran and the chapters are the ones the published build has.
        same = previous is not None and not force and not any(r.status in ("ran", "resumed") for r in results) \
            and {p.stem for p in (previous / "executed").glob("*.ipynb")} == set(gen.records)
        previous_html = previous is not None and (previous / "html" / "index.html").exists()
        if not html:
            if same:
                shutil.rmtree(gen.root, ignore_errors=True)
                return results
            gen.html.mkdir()  # no HTML in this build: no page of another build may stand next to it
        else:
            fp = html_inputs(gen)
            if same and previous_html and (previous / "html_inputs").exists() \
                    and (previous / "html_inputs").read_text() == fp:
                _print(out, "[html] unchanged, skipped")
                shutil.rmtree(gen.root, ignore_errors=True)
                return results
            build_html(gen, out, jobs)
            (gen.root / "html_inputs").write_text(fp)
        shutil.rmtree(gen.root / "work", ignore_errors=True)
        shutil.rmtree(gen.root / "src", ignore_errors=True)
        with signals_deferred():
            publish(gen)
        shutil.rmtree(UNPUBLISHED, ignore_errors=True)
        _print(out, "[publish] executed/, results/ and _build/html now show this build")
        return results
    except BaseException:
        kernels.kill_all()
        keep_unpublished(gen)
        raise


def keep_unpublished(gen: Generation) -> None:
    """Keep the chapters a failed or interrupted build completed (for reuse, never shown); drop the rest."""
    for scratch in ("work", "src", "jb", *(f"jb-{lang}" for lang in EDITIONS), "html"):
        shutil.rmtree(gen.root / scratch, ignore_errors=True)
    shutil.rmtree(UNPUBLISHED, ignore_errors=True)
    try:
        gen.root.rename(UNPUBLISHED)
    except OSError:
        shutil.rmtree(gen.root, ignore_errors=True)


def _run_chapters(names, plans, gen, kernels, previous, commit, force, jobs, width, out, err, results,
                  extra=None) -> int:
    """Reuse or execute ``names``, ``jobs`` at a time; print each outcome as it happens; return the failures."""
    todo: queue.Queue = queue.Queue()
    done: queue.Queue = queue.Queue()
    total = len(names)
    for name in names:
        todo.put(name)

    def worker():
        while not kernels.cancelled.is_set():
            try:
                name = todo.get_nowait()
            except queue.Empty:
                return
            p = plans[name]
            try:
                inputs = chapter_inputs(name, p.parameters, extra)
                found = None if force else reusable(name, inputs_key(inputs), (previous, UNPUBLISHED))
                if found is not None:
                    record, source = found
                    carry_over(name, record, source, gen)
                    done.put((name, "reused" if source == previous else "resumed", 0.0, None))
                    continue
                provenance = {**{k: v for k, v in p.panel.as_dict().items() if k != "simulated"},
                              "parameters": display_parameters(p.parameters), "chapter": name, "commit": commit}
                record = execute_chapter(name, p.given, gen, kernels, provenance, inputs)
                done.put((name, "ran", record["seconds"], None))
            except ChapterFailed as failure:
                done.put((name, "failed", 0.0, str(failure)))
            except Exception as error:  # a bug of the pipeline itself: still one line per chapter
                done.put((name, "failed", 0.0, f"FAILED {name}: {type(error).__name__}: {error}"))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(jobs, total)))]
    for thread in threads:
        thread.start()
    failures = 0
    try:
        for count in range(1, total + 1):
            while True:
                try:
                    name, status, seconds, message = done.get(timeout=0.2)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and done.empty():
                        return failures + (total - count + 1)
            if status == "failed":
                failures += 1
                _print(err, f"\n{message}\n")
                _print(out, f"[{count:2d}/{total}] {name:<{width}}  FAILED")
                continue
            results.append(ChapterRun(name, status, seconds))
            what = {"ran": f"ran in {seconds:5.1f} s", "reused": "unchanged, reused",
                    "resumed": "completed by the last unpublished build, reused"}[status]
            _print(out, f"[{count:2d}/{total}] {name:<{width}}  {what}")
    except BaseException:
        kernels.kill_all()
        # A worker notices its dead kernel within a second or so; one still starting a kernel can
        # wait much longer, so do not wait for it: it publishes nothing, and its kernel is killed.
        deadline = time.monotonic() + 1.5
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        kernels.kill_all()
        raise
    for thread in threads:
        thread.join()
    return failures


def _parse_overrides(pairs: list[list[str]], cwd: Path) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs: YAML values; a value naming a file relative to ``cwd`` becomes its absolute path."""
    overrides: dict[str, Any] = {}
    for key, raw in pairs:
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        if not isinstance(value, str) and (cwd / raw).exists():
            value = raw  # e.g. a panel called "2024.csv" read as a number
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute() \
                and (cwd / value).exists():
            value = str((cwd / value).resolve())
        overrides[key] = value
    return overrides


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esgrisk.pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="execute the chapters whose inputs changed, build the HTML, publish")
    build.add_argument("chapters", nargs="*", help="chapter names (default: all in _toc.yml); the others are kept")
    build.add_argument("--force", action="store_true", help="re-execute even unchanged chapters")
    build.add_argument("--jobs", type=int, default=2, help="chapters executed at once (default 2)")
    build.add_argument("--no-html", action="store_true", help="execute only; the published build then has no HTML")
    build.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                       help="papermill parameter given to every chapter that declares it")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    cwd = Path.cwd()
    os.chdir(paths.ROOT)
    started = time.perf_counter()
    try:
        with build_lock():
            runs = run(args.chapters or None, _parse_overrides(args.parameter, cwd), args.force, args.jobs,
                       html=not args.no_html)
    except ChapterFailed as failure:
        print(f"\n{failure}\n", file=sys.stderr, flush=True)
        return 1
    except (BuildInterrupted, KeyboardInterrupt) as interrupt:
        if isinstance(interrupt, KeyboardInterrupt):
            interrupt = BuildInterrupted(signal.SIGINT)
        print(f"\n[interrupted] {interrupt}: kernels stopped, nothing published; the last good build is kept",
              file=sys.stderr, flush=True)
        return 128 + interrupt.signum
    ran = sum(r.status == "ran" for r in runs)
    resumed = sum(r.status == "resumed" for r in runs)
    print(f"[done] {ran} executed, {sum(r.status == 'reused' for r in runs)} unchanged, "
          + (f"{resumed} taken from the last unpublished build, " if resumed else "")
          + f"{time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
