"""Facts for the book's status page: run times, panel, versions, commit, machine.

Computed at build time from ``executed/run_log.json`` (the records of the
chapters of this build, written by :mod:`esgrisk.pipeline` into the staged
build and published with it), the installed packages and git, so the page
can never disagree with the build that produced it.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd

from esgrisk import paths
from esgrisk.i18n import tr
from esgrisk.prose import Text, comma_list, semicolon_list, text


def run_times(run_log: dict) -> pd.DataFrame:
    """One row per chapter: seconds of its last execution, when, on which panel, with which parameters."""
    rows = [
        {"chapter": name, "seconds": entry["seconds"], "executed_at (UTC)": entry["executed_at"],
         "panel": entry.get("panel") or "none",
         "parameters": ", ".join(f"{k}={v}" for k, v in sorted(entry.get("parameters", {}).items())
                                 if k not in ("results_dir", "run_log_path")) or "defaults"}
        for name, entry in sorted(run_log.items())
    ]
    return pd.DataFrame(rows, columns=["chapter", "seconds", "executed_at (UTC)", "panel", "parameters"])


def panel_summary(records: list[dict]) -> Text:
    """One sentence (Markdown) saying which panel the chapters of a build read: simulated or a user's, and which.

    A :class:`esgrisk.prose.Text`: the English string, rendered in every edition by ``render(language)``.

    ``records``: the chapters' records (``panel``, ``panel_sha256``, ``n_firms``,
    ``n_years``, ``nobs`` and the chapter name). A build whose chapters read
    different panels (only possible when some chapters were re-executed
    alone) says so and lists them.
    """
    used: dict[tuple, list[str]] = {}
    for record in records:
        if record.get("panel_sha256"):
            key = (record["panel"], record["panel_sha256"], record.get("n_firms"), record.get("n_years"),
                   record.get("nobs"))
            used.setdefault(key, []).append(record.get("chapter", "?"))
    if not used:
        return text("No chapter of this build read a panel.")
    simulated = _sha256(paths.SIMULATED_PANEL) if paths.SIMULATED_PANEL.is_file() else None

    def describe(key: tuple):
        panel, digest, firms, years, nobs = key
        kind = tr("the book's simulated panel") if digest == simulated else tr("a user's panel (not the simulation)")
        return tr("{kind} `{panel}` ({firms} firms, {years} years, {nobs} firm-years; sha256 `{digest}`)",
                  kind=kind, panel=panel, firms=firms, years=years, nobs=nobs, digest=digest[:12])

    if len(used) == 1:
        return text("**Data of this build:** every chapter that reads a panel read {panel}.",
                    panel=describe(next(iter(used))))
    parts = [tr("{panel} in {chapters}", panel=describe(key), chapters=comma_list(sorted(names)))
             for key, names in used.items()]
    return text("**Data of this build: the chapters read different panels:** {parts}.", parts=semicolon_list(parts))


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_time_summary(times: pd.DataFrame) -> Text:
    """One sentence on the chapters' execution times (a table from :func:`run_times`), empty log included."""
    if times.empty:
        return text("No other chapter has been executed yet in this folder.")
    total = float(times["seconds"].sum())
    slowest = times.loc[times["seconds"].idxmax()]
    share = 100 * float(slowest["seconds"]) / total if total > 0 else 0.0
    return text("{n} chapters; their last executions took {total:.1f} seconds of execution in total, of which "
                "{share:.0f} % in the slowest, {slowest}.", n=len(times), total=total, share=share,
                slowest=slowest["chapter"])


def pinned_requirements(path: Path = paths.ROOT / "requirements.txt") -> dict[str, str]:
    """``name -> pinned version`` from a requirements file of ``name==version`` lines."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def package_versions(pins: dict[str, str]) -> pd.DataFrame:
    """Pinned versus installed version of each package (a mismatch means a stale environment)."""
    rows = []
    for name, pinned in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        rows.append({"package": name, "pinned": pinned, "installed": installed, "matches": installed == pinned})
    return pd.DataFrame(rows)


def git_commit(root: Path = paths.ROOT) -> str:
    """The commit the book was built from, with ``-dirty`` if tracked files had uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("-dirty" if dirty else "")


def machine() -> dict[str, str]:
    """Python version, operating system and processor count of the building machine."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "cpus": str(os.cpu_count()),
    }
