"""Every path the project uses, in one place.

Relative paths given by a user (for example ``panel_path`` passed to a
notebook through papermill) are resolved against the project root, so a
chapter behaves the same when papermill runs it, when Jupyter opens it from
``notebooks/`` and when a teacher runs it alone.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DATA = ROOT / "data"
SIMULATED_PANEL = DATA / "simulated" / "panel.csv"
PUBLISHED = DATA / "published"
INCIDENTS = DATA / "events" / "incidents.csv"

NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "executed"
RESULTS = ROOT / "results"
BOOK = ROOT / "book"
BUILD_HTML = ROOT / "_build" / "html"


def resolve(path: str | Path) -> Path:
    """Return ``path`` as an absolute path, reading a relative one from the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else ROOT / path


def display_path(path: str | Path) -> str:
    """How the book shows a file: relative to the project root, or just its name if it lies outside.

    No page, download or results file may show a path of the build machine.
    """
    path = resolve(path).resolve()
    try:
        return path.relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        return path.name


def output_dir(results_dir: str | Path) -> Path:
    """The folder a chapter writes its results to (``resolve``d, created if missing)."""
    folder = resolve(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
