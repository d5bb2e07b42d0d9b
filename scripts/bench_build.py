"""Benchmark of the book build: seconds per step, cold and with nothing changed.

Run with ``make bench`` (not part of the tests: timings on shared machines are
noisy). Steps: a fresh install of the pinned environment into a temporary
venv (``--skip-install`` to leave it out), data generation, each chapter
(all executed, ``--jobs`` at a time), the HTML build from an empty build
folder; then a whole ``make book`` from nothing generated (cold) and a whole
``make book`` with nothing changed.
"""

from __future__ import annotations

import argparse
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
    started = time.perf_counter()
    pipeline.run(jobs=args.jobs, out=open("/dev/null", "w"))  # every chapter reused: the HTML alone
    rows.append(("html: jupyter-book build from scratch (chapters reused)", time.perf_counter() - started))
    for generated in ("_build", "executed", "results", ".builds"):
        shutil.rmtree(paths.ROOT / generated, ignore_errors=True)
    rows.append(("COLD make book (whole make run; venv present, _build/executed/results deleted)",
                 timed(["make", "book"], capture_output=True)))
    rows.append(("NO-CHANGE make book (whole make run)", timed(["make", "book"], capture_output=True)))

    width = max(len(label) for label, _ in rows)
    print(f"{'step':<{width}}  seconds")
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:7.1f}")
    # ru_maxrss of reaped descendants: the largest resident set of any one process (kernels included), in KiB
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak memory of any single process (kernel, worker or build): {peak_mib:.0f} MiB")
    print(f"machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
          f"Python {sys.version.split()[0]}; budgets: cold <= 90 s, no-change <= 5 s")


if __name__ == "__main__":
    main()
