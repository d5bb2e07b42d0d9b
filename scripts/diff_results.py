#!/usr/bin/env python
"""Compare two results directories (results contract) and report every number that changed.

Usage::

    python scripts/diff_results.py PUBLISHED_DIR FRESH_DIR [--rtol 1e-6] [--atol 1e-10]
                                   [--only MODEL ...] [--ignore KEY ...]
    make diff-results A=published_results B=results

Each directory holds one ``<model>.json`` per estimated model (see
``esgrisk/results.py``). The script compares the model ids, then every value
of every record, recursively: ``params``, ``std_errors``, ``tstats``,
``pvalues``, ``first_stage`` and any other key. Two numbers agree when
``|a - b| <= atol + rtol * max(|a|, |b|)`` (NaN equals NaN); strings, booleans
and ``null`` must be equal. Every difference is printed as
``model: key.path: a -> b``. Exit status: 0 when the directories agree, 1 when
anything differs, 2 on a usage error (e.g. a missing directory).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MISSING = object()


@dataclass(frozen=True)
class Difference:
    model: str
    path: str
    a: Any
    b: Any
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.model}: {self.path or '(record)'}: {_show(self.a)} -> {_show(self.b)}"
        return f"{text}  [{self.note}]" if self.note else text


def _show(value: Any) -> str:
    if value is MISSING:
        return "(missing)"
    return repr(value) if isinstance(value, float) else json.dumps(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numbers_agree(a: float, b: float, rtol: float, atol: float) -> bool:
    """True if ``a`` and ``b`` are equal within ``atol + rtol * max(|a|, |b|)`` (NaN == NaN)."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def compare_values(a: Any, b: Any, *, model: str, path: str = "", rtol: float, atol: float,
                   ignore: frozenset[str] = frozenset()) -> Iterator[Difference]:
    """Yield every difference between two JSON values, descending into dicts and lists."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key in ignore:
                continue
            sub = f"{path}.{key}" if path else str(key)
            yield from compare_values(a.get(key, MISSING), b.get(key, MISSING), model=model,
                                      path=sub, rtol=rtol, atol=atol, ignore=ignore)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield Difference(model, path, f"list of {len(a)}", f"list of {len(b)}", "length")
        for index, (x, y) in enumerate(zip(a, b)):
            yield from compare_values(x, y, model=model, path=f"{path}[{index}]", rtol=rtol,
                                      atol=atol, ignore=ignore)
    elif _is_number(a) and _is_number(b):
        if not numbers_agree(a, b, rtol, atol):
            scale = max(abs(float(a)), abs(float(b)))
            rel = abs(float(a) - float(b)) / scale if scale and math.isfinite(scale) else math.inf
            yield Difference(model, path, a, b, f"rel. diff {rel:.2e}")
    elif a is MISSING or b is MISSING:
        yield Difference(model, path, a, b, "only in " + ("B" if a is MISSING else "A"))
    elif a != b:
        yield Difference(model, path, a, b)


def read_dir(directory: Path) -> dict[str, Any]:
    """Every ``*.json`` record of a results directory, keyed by file stem (the model id)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}


def diff_dirs(a_dir: Path, b_dir: Path, *, rtol: float = 1e-6, atol: float = 1e-10,
              only: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[Difference]:
    """All differences between two results directories."""
    a, b = read_dir(a_dir), read_dir(b_dir)
    models = sorted(set(a) | set(b))
    if only:
        models = [m for m in models if m in set(only)]
    out: list[Difference] = []
    for model in models:
        if model not in a or model not in b:
            out.append(Difference(model, "", "(present)" if model in a else MISSING,
                                  "(present)" if model in b else MISSING,
                                  "model only in " + ("B" if model not in a else "A")))
            continue
        out.extend(compare_values(a[model], b[model], model=model, rtol=rtol, atol=atol,
                                  ignore=frozenset(ignore)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="reference results directory (e.g. the published one)")
    parser.add_argument("b", type=Path, help="results directory to check (e.g. a fresh run)")
    parser.add_argument("--rtol", type=float, default=1e-6, help="relative tolerance (default 1e-6)")
    parser.add_argument("--atol", type=float, default=1e-10, help="absolute tolerance (default 1e-10)")
    parser.add_argument("--only", nargs="+", default=[], metavar="MODEL", help="compare only these models")
    parser.add_argument("--ignore", nargs="+", default=[], metavar="KEY",
                        help="keys to skip at any depth (e.g. a timing field); provenance.built_at is always skipped")
    args = parser.parse_args(argv)
    for directory in (args.a, args.b):
        if not directory.is_dir():
            print(f"diff_results: {directory} is not a directory", file=sys.stderr)
            return 2
    n_models = len(set(read_dir(args.a)) | set(read_dir(args.b)))
    if n_models == 0:
        print(f"diff_results: no *.json results in {args.a} or {args.b}", file=sys.stderr)
        return 2
    diffs = diff_dirs(args.a, args.b, rtol=args.rtol, atol=args.atol, only=args.only,
                      ignore=[*args.ignore, "built_at"])  # two runs of one build differ only in their time
    for d in diffs:
        print(d)
    changed = len({d.model for d in diffs})
    print(f"[diff-results] {args.a} vs {args.b}: {n_models} models, "
          + (f"{len(diffs)} differences in {changed} models" if diffs else "no differences")
          + f" (rtol={args.rtol:g}, atol={args.atol:g})")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
