"""Benchmark of the book at A-share scale: every panel chapter on panels of 500 to 5,000 firms.

Run with ``make bench-scale`` (not part of the tests: timings on a shared
machine are noisy). For each size it simulates a panel of ``firms`` x
``--years`` years (``esgrisk.simulate.simulate_panel``), runs the loader and
the pre-flight checks, then executes every chapter that reads a panel with
papermill, the way ``make book PANEL=...`` does, into a temporary folder (the
book's ``executed/`` and ``results/`` are not touched). It prints, per size
and chapter, the wall-clock seconds and the peak resident memory of the
chapter's kernel (the largest process of the run), then the growth exponent b
fitted to seconds = a x (firm-years)^b over the sizes (b <= 1: cost grows no
faster than linearly).

    .venv/bin/python scripts/bench_scale.py [--firms 500 1000 2000 5000] [--years 15]
        [--chapters 03_descriptive 04_fixed_effects] [--timeout 900] [--whole-book]

With ``--whole-book`` it then times the whole cold build on the largest panel
the way a user runs it, ``make book FORCE=1 PANEL=<panel>`` (every chapter
re-executed, two at a time, and the HTML), with the peak resident memory of
the largest process, and afterwards rebuilds the default book
(``make book FORCE=1``): the book in ``_build/html`` is the default one again
when the benchmark ends.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import jupytext
import numpy as np
import psutil

from esgrisk import paths, pipeline
from esgrisk.panel import load_panel
from esgrisk.preflight import check_design
from esgrisk.simulate import DEFAULT_SEED, simulate_panel


def panel_chapters() -> list[str]:
    """The chapters of _toc.yml that declare a ``panel_path`` parameter."""
    return [n for n in pipeline.chapters_from_toc()
            if "panel_path" in pipeline.declared_parameters(pipeline.source_of(n).read_text(encoding="utf-8"))]


def run_measured(command: list[str], timeout: float) -> tuple[float, float, int]:
    """Seconds, peak RSS (GiB) of the largest process in the tree, and the exit code."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=paths.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def poll():
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                for p in [root, *root.children(recursive=True)]:
                    peak = max(peak, p.memory_info().rss)
            except psutil.Error:
                pass
            stop.wait(0.1)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    stop.set()
    watcher.join()
    if proc.returncode:
        print(f"    FAILED ({proc.returncode}): {err.strip().splitlines()[-1] if err.strip() else ''}",
              file=sys.stderr)
    return time.perf_counter() - started, peak / 2**30, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    ap.add_argument("--years", type=int, default=15)
    ap.add_argument("--chapters", nargs="+", default=None)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--whole-book", action="store_true", help="also time cold `make book PANEL=` on the largest")
    args = ap.parse_args()
    chapters = args.chapters or panel_chapters()
    years = list(range(2023 - args.years + 1, 2024))
    totals: dict[int, float] = {}
    per_chapter: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        tmp = Path(tmp)
        notebooks = {}
        for name in chapters:
            nb = jupytext.read(pipeline.source_of(name))
            nb.metadata["kernelspec"] = dict(pipeline.KERNEL)
            notebooks[name] = tmp / f"{name}.ipynb"
            jupytext.write(nb, notebooks[name])
        print(f"{'firms':>6} {'firm-years':>10}  {'step':<24} {'seconds':>8} {'peak GiB':>9}")
        for firms in args.firms:
            panel_file = tmp / f"panel_{firms}.csv"
            simulate_panel(n_firms=firms, years=years, seed=DEFAULT_SEED).to_csv(panel_file, index=False)
            started = time.perf_counter()
            panel = load_panel(panel_file)
            check_design(panel)
            n = len(panel)
            print(f"{firms:>6} {n:>10}  {'load + preflight':<24} {time.perf_counter() - started:>8.1f}")
            total = 0.0
            for name in chapters:
                out = tmp / f"r{firms}"
                command = [sys.executable, "-m", "papermill", str(notebooks[name]), str(tmp / f"{name}_{firms}.ipynb"),
                           "--no-progress-bar", "-k", pipeline.KERNEL["name"], "-p", "panel_path", str(panel_file),
                           "-p", "results_dir", str(out)]
                seconds, gib, code = run_measured(command, args.timeout)
                total += seconds
                per_chapter.setdefault(name, {})[n] = seconds
                flag = "" if code == 0 else "  FAILED"
                print(f"{firms:>6} {n:>10}  {name:<24} {seconds:>8.1f} {gib:>9.2f}{flag}", flush=True)
            totals[n] = total
            print(f"{firms:>6} {n:>10}  {'all chapters (serial)':<24} {total:>8.1f}", flush=True)
        if args.whole_book:
            whole_book(panel_file, n, args.timeout)
    if len(totals) >= 2:
        b = growth_exponent(totals)
        print(f"growth exponent b in seconds ~ (firm-years)^b, all chapters: {b:.2f} "
              f"({'no faster than linear' if b <= 1.05 else 'faster than linear'})")
        steepest = max(per_chapter, key=lambda name: growth_exponent(per_chapter[name]))
        print(f"steepest chapter: {steepest}, b = {growth_exponent(per_chapter[steepest]):.2f} "
              "(each chapter's time includes a kernel start of a few seconds, which flattens b)")


def growth_exponent(seconds_by_size: dict[int, float]) -> float:
    """The slope b of log(seconds) on log(firm-years): seconds ~ a x (firm-years)^b."""
    x, y = np.log(list(seconds_by_size)), np.log(list(seconds_by_size.values()))
    return float(np.polyfit(x, y, 1)[0])


def whole_book(panel_file: Path, firm_years: int, timeout: float) -> None:
    """Time cold ``make book FORCE=1 PANEL=panel_file``, then rebuild the default book."""
    seconds, gib, code = run_measured(["make", "book", "FORCE=1", f"PANEL={panel_file}"], timeout)
    flag = "" if code == 0 else "  FAILED"
    print(f"{'':>6} {firm_years:>10}  {'cold make book PANEL=':<24} {seconds:>8.1f} {gib:>9.2f}{flag}  "
          "(budget 180 s, 2 GiB)", flush=True)
    seconds, _, code = run_measured(["make", "book", "FORCE=1"], timeout)
    print(f"{'':>6} {'':>10}  {'default book rebuilt':<24} {seconds:>8.1f}{'' if code == 0 else '  FAILED'}")


if __name__ == "__main__":
    main()
