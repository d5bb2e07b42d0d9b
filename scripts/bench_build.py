"""Benchmark of the book build: seconds per step, cold and with nothing changed.

Run with ``make bench`` (not part of the tests: timings on shared machines are
noisy). Steps: a fresh install of the pinned environment into a temporary
venv (``--skip-install`` to leave it out), data generation, each chapter
(all executed, ``--jobs`` at a time), the HTML build from an empty build
folder; then a whole ``make book`` from nothing generated (cold) and a whole
``make book`` with nothing changed. The book has two editions (English, and Chinese in
``_build/html/zh``); the HTML build and the cold ``make book`` are measured with both and with
the English one alone (``ESGRISK_EDITIONS=en``), and their ratio printed (issue 16: at most 1.5).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from esgrisk import paths, pipeline


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=paths.ROOT, **kwargs)
    return time.perf_counter() - started


@contextlib.contextmanager
def _editions(only: str | None):
    """Build only the editions ``only`` names (``"en"``: the English book alone), or all (None)."""
    saved = os.environ.get(pipeline.EDITIONS_ENV)
    if only is None:
        os.environ.pop(pipeline.EDITIONS_ENV, None)
    else:
        os.environ[pipeline.EDITIONS_ENV] = only
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(pipeline.EDITIONS_ENV, None)
        else:
            os.environ[pipeline.EDITIONS_ENV] = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-install", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []

    if not args.skip_install:
        with tempfile.TemporaryDirectory() as tmp:
            venv = Path(tmp) / "venv"
            rows.append(("install: fresh venv + pinned packages", timed(
                [sys.executable, "-m", "venv", str(venv)]) + timed(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "-r", "requirements.txt", "-c", "constraints.txt"])))

    rows.append(("data: python -m esgrisk.simulate", timed([sys.executable, "-m", "esgrisk.simulate"],
                                                            capture_output=True)))
    started = time.perf_counter()
    runs = pipeline.run(force=True, jobs=args.jobs, html=False, out=open("/dev/null", "w"))
    notebooks_wall = time.perf_counter() - started
    for run in runs:
        rows.append((f"  chapter {run.name}", run.seconds))
    rows.append((f"notebooks: all chapters, {args.jobs} at a time (wall clock)", notebooks_wall))
    html = {}
    for label, only in (("English only", "en"), ("both editions", None)):
        with _editions(only):
            started = time.perf_counter()
            pipeline.run(jobs=args.jobs, out=open("/dev/null", "w"))  # every chapter reused: the HTML alone
            html[label] = time.perf_counter() - started
        rows.append((f"html: jupyter-book build from scratch, {label} (chapters reused)", html[label]))
    cold = {}
    for label, only in (("English only", "en"), ("both editions", None)):
        for generated in ("_build", "executed", "results", ".builds"):
            shutil.rmtree(paths.ROOT / generated, ignore_errors=True)
        with _editions(only):
            cold[label] = timed(["make", "book"], capture_output=True)
        rows.append((f"COLD make book, {label} (whole make run; venv present, _build/executed/results deleted)",
                     cold[label]))
    rows.append(("NO-CHANGE make book (whole make run)", timed(["make", "book"], capture_output=True)))
    ratios = (f"both editions / English only: html {html['both editions'] / html['English only']:.2f}, "
              f"cold make book {cold['both editions'] / cold['English only']:.2f} (budget 1.5)")

    width = max(len(label) for label, _ in rows)
    print(f"{'step':<{width}}  seconds")
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:7.1f}")
    # ru_maxrss of reaped descendants: the largest resident set of any one process (kernels included), in KiB
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak memory of any single process (kernel, worker or build): {peak_mib:.0f} MiB")
    print(ratios)
    print(f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
          f"Python {sys.version.split()[0]}; budgets: cold <= 90 s, no-change <= 5 s")


if __name__ == "__main__":
    main()
