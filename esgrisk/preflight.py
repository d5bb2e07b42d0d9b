"""Pre-flight design checks: can the book's models be fitted on this panel?

:func:`esgrisk.panel.load_panel` checks each *value* against the panel
contract. This module checks the *design* the values make, before any model
is fitted, so that a property of the data never surfaces as a linearmodels or
numpy traceback ("exog does not have full column rank", "Singular matrix",
"no residual degrees of freedom"):

* enough firms for cluster-robust inference (a covariance estimated from G
  firm clusters has rank at most G - 1, so it cannot support more than G - 1
  slope coefficients);
* residual degrees of freedom left in the largest model (firm and year
  effects and every regressor);
* no constant regressor;
* no exact linear relation among the regressors of one equation, at the level
  each model uses (raw, within firms, within firms and years), named as a
  formula such as ``cr4 = 0.1 x reg_strength``;
* the endogenous regressor and its instrument keep variation after the firm
  effects;
* what each set of effects absorbs (reported, not an error: the estimators drop
  an absorbed control and say so).

:func:`check_design` returns a :class:`DesignReport`; :func:`require_design`
raises :class:`DesignError` with every blocking finding in one message.
Every model chapter runs them in its loading cell (:func:`require_design`);
``python -m esgrisk.preflight PANEL [--encoding ..] [--columns map.yml]`` runs
the loader and these checks once, by hand. The build runs both once, before
any chapter (``esgrisk.pipeline.check_panel``), so a panel no model can be
fitted on is reported in one message per build.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from esgrisk.core import within_frame
from esgrisk.i18n import tr
from esgrisk.panel import PanelError, load_panel
from esgrisk.prose import Text, comma_list, text
from esgrisk.spec import DERIVED, ENTITY, ESG_EQUATION, RISK_EQUATION, TIME, Equation

__all__ = ["EQUATIONS", "FEW_CLUSTERS", "Finding", "DesignReport", "DesignError",
           "check_design", "require_design", "linear_relations", "main"]



def _columns(equation: Equation) -> tuple[str, ...]:
    """An equation's regressors and instruments read from the panel (derived ones are built in
    code), in the order relations are reported: a column is expressed through the ones before it."""
    cols = (*equation.exog, *equation.instruments, *equation.endogenous)
    return tuple(dict.fromkeys(c for c in cols if c not in DERIVED))


#: The regressors (with the instruments) of the book's two equations (esgrisk.spec).
EQUATIONS: dict[str, tuple[str, ...]] = {
    "risk -> ESG": _columns(ESG_EQUATION),
    "ESG -> risk": _columns(RISK_EQUATION),
}
#: What the firm effects may not absorb: the endogenous regressor and the instrument of H1.
_NEEDED = (*ESG_EQUATION.endogenous, *ESG_EQUATION.instruments)
#: Below this many firms, cluster-robust standard errors are noted as fragile.
FEW_CLUSTERS = 30
_REL_TOL = 1e-9
_LEVELS = (("in the data as they are", ()), ("within firms", (ENTITY,)), ("within firms and years", (ENTITY, TIME)))


@dataclass(frozen=True)
class Finding:
    """One result of a check: ``blocking`` findings stop the build, the others are notes."""

    rule: str
    message: str
    blocking: bool

    def __str__(self) -> str:
        return f"{'rule broken' if self.blocking else 'note'}: {self.rule}: {self.message}"


@dataclass
class DesignReport:
    """The findings of :func:`check_design` and the sizes they refer to."""

    n_firms: int
    n_years: int
    nobs: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]

    def markdown(self) -> Text:
        """The notes (and errors) as a Markdown list, for a chapter to show (a Text: English, translatable)."""
        if not self.findings:
            return text("No design problems found.")
        lines = [tr("- **{rule}**: {message}", rule=tr(f.rule), message=f.message) for f in self.findings]
        return Text(_lines(lines))


def _or(items: list) -> object:
    """``a or b or c`` as a Message."""
    return items[0] if len(items) == 1 else tr("{first} or {rest}", first=items[0], rest=_or(items[1:]))


def _lines(items: list) -> object:
    """The items one per line, as a Message."""
    return items[0] if len(items) == 1 else tr("{first}\n{rest}", first=items[0], rest=_lines(items[1:]))


class DesignError(ValueError):
    """The panel passes the contract but the book's models cannot be fitted on it."""


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def linear_relations(frame: pd.DataFrame, columns: Sequence[str], *,
                     constant: bool) -> list[tuple[str, frozenset[str]]]:
    """Exact linear relations among ``columns``, each as a formula.

    Columns are taken in order; one that is (to relative precision 1e-9) a
    linear combination of the columns before it (and of a constant, when
    ``constant``) is reported as ``col = a x other + ... + c`` and left out of
    what later columns are compared with. A two-term relation is written with
    the earlier column on the left (``cr4 = 0.1 x reg_strength``). Returns
    (formula, the columns it involves) pairs.
    """
    kept: list[str] = []
    out: list[tuple[str, frozenset[str]]] = []
    for name in columns:
        y = frame[name].to_numpy(float)
        sd_y = float(np.std(y))
        if sd_y == 0.0 or not kept:
            kept.append(name)
            continue
        X = frame[kept].to_numpy(float)
        if constant:
            X = np.column_stack([X, np.ones(len(y))])
        scale = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        if constant:
            scale[-1] = 1.0
        coef, *_ = np.linalg.lstsq(X / scale, y, rcond=None)
        resid = y - (X / scale) @ coef
        if float(np.sqrt(np.mean(resid**2))) > _REL_TOL * sd_y:
            kept.append(name)
            continue
        coef = coef / scale
        sds = np.append(frame[kept].to_numpy(float).std(axis=0), 1.0 if constant else [])
        terms = [(kept[i], coef[i]) for i in range(len(kept)) if abs(coef[i]) * sds[i] > 1e-7 * sd_y]
        const = float(coef[-1]) if constant and abs(coef[-1]) > 1e-7 * max(sd_y, abs(y.mean())) else 0.0
        if len(terms) == 1:  # x = a y + c  ->  y = (1/a) x - c/a, the earlier column first
            (other, a), lhs = terms[0], name
            lhs, terms, const = other, [(name, 1.0 / a)], -const / a
        else:
            lhs = name
        rhs = " + ".join(f"{_fmt(b)} x {n}" for n, b in terms)
        if const:
            rhs += f" + {_fmt(const)}"
        out.append((f"{lhs} = {rhs}".replace("+ -", "- "), frozenset([lhs, *(t for t, _ in terms)])))
    return out


def _within(panel: pd.DataFrame, columns: Iterable[str], groups: Sequence[str]) -> pd.DataFrame:
    cols = list(columns)
    if not groups:
        return panel[cols]
    centred = (panel[cols] - panel[cols].mean()).assign(**{g: panel[g] for g in groups})
    return within_frame(centred, cols, groups)


def check_design(panel: pd.DataFrame) -> DesignReport:
    """Every design check on a panel returned by :func:`esgrisk.panel.load_panel`."""
    g = int(panel[ENTITY].nunique())
    t = int(panel[TIME].nunique())
    n = len(panel)
    report = DesignReport(g, t, n)
    add = report.findings.append
    k = len(ESG_EQUATION.regressors)  # slopes of the ESG equation (the instrument is not one)

    if g - 1 < k:
        add(Finding("too few firms for clustered inference",
                    text("{g} firms (clusters) for {k} slope coefficients: a covariance estimated from G clusters "
                         "has rank at most G - 1 = {g1}, so standard errors and tests of the {k} coefficients "
                         "cannot all be computed; at least {k1} firms are needed", g=g, k=k, g1=g - 1, k1=k + 1),
                    True))
    elif g < FEW_CLUSTERS:
        add(Finding("few clusters",
                    text("{g} firms: cluster-robust standard errors are biased downward with few clusters; the "
                         "book uses t({g1}) critical values, which corrects only part of that", g=g, g1=g - 1),
                    False))
    resid_df = n - g - (t - 1) - k
    if resid_df <= 0:
        add(Finding("no residual degrees of freedom",
                    text("{n} firm-years leave {resid_df} residual degrees of freedom after {g} firm effects, {t1} "
                         "year effects and {k} slopes: the two-way model cannot be fitted", n=n, resid_df=resid_df,
                         g=g, t1=t - 1, k=k), True))

    names = list(dict.fromkeys(c for cols in EQUATIONS.values() for c in cols))
    constant = [c for c in names if float(panel[c].std(ddof=0)) == 0.0]
    for c in constant:
        add(Finding("constant column", text("'{c}' takes the single value {value} in every firm-year, so no model "
                                            "can estimate its effect", c=c, value=_fmt(float(panel[c].iloc[0]))),
                    True))

    seen: list[frozenset[str]] = []
    for level, groups in _LEVELS:
        varying = [c for c in names if c not in constant]
        frame = _within(panel, varying, groups)
        absorbed = [c for c in varying
                    if float(np.sqrt(np.mean(frame[c].to_numpy() ** 2))) <= 1e-8 * float(panel[c].std(ddof=0))]
        if groups and absorbed:
            effects = tr("firm effects") if groups == (ENTITY,) else tr("firm and year effects")
            blocking = groups == (ENTITY,) and any(c in absorbed for c in _NEEDED)
            what = comma_list(f"'{c}'" for c in absorbed)
            why = tr("; {needed} (the H1 regressor and its instrument) has no variation left, so the fixed-effects "
                     "IV model is not identified", needed=_or([repr(c) for c in _NEEDED])) if blocking else \
                tr("; the models with these effects drop them and say so")
            add(Finding("absorbed by the effects" if not blocking else "instrument or regressor absorbed",
                        text("{effects} absorb {what} (no variation left {level}){why}", effects=effects, what=what,
                             level=tr(level), why=why), blocking))
        for equation, cols in EQUATIONS.items():
            use = [c for c in cols if c in frame.columns and c not in absorbed]
            for relation, involved in linear_relations(frame, use, constant=not groups):
                if any(earlier <= involved for earlier in seen):
                    continue  # the same relation, found at an earlier level or in the other equation
                seen.append(involved)
                add(Finding("exact collinearity",
                            text("in the {equation} equation, {relation} holds in every firm-year ({level}): the "
                                 "regressors are collinear, so their separate effects are not identified; drop or "
                                 "rebuild one of them", equation=tr(equation), relation=relation, level=tr(level)),
                            True))
    return report


def require_design(panel: pd.DataFrame, *, source: object = "panel") -> DesignReport:
    """:func:`check_design`, raising :class:`DesignError` with every blocking finding at once."""
    report = check_design(panel)
    if report.errors:
        lines = "\n".join(f"{source}: {f}" for f in report.errors)
        raise DesignError(f"{source}: the book's models cannot be fitted on this panel "
                          f"({report.n_firms} firms, {report.n_years} years, {report.nobs} firm-years):\n"
                          f"{lines}")
    return report


def main(argv: list[str] | None = None) -> int:
    """Check a panel (contract and design) once; exit 1 with one message if it fails."""
    ap = argparse.ArgumentParser(prog="python -m esgrisk.preflight", description=main.__doc__)
    ap.add_argument("panel", nargs="?", default="data/simulated/panel.csv")
    ap.add_argument("--encoding", default=None)
    ap.add_argument("--columns", default=None, help="YAML or JSON file mapping your names to the contract's")
    ap.add_argument("--sheet", default=None)
    ap.add_argument("--accept", default="", help="comma-separated plausibility keys to waive")
    args = ap.parse_args(argv)
    accept = [a for a in args.accept.replace(",", " ").split() if a]
    try:
        panel = load_panel(args.panel, encoding=args.encoding or None, columns=args.columns or None,
                           sheet=args.sheet, accept=accept)
        report = require_design(panel, source=args.panel)
    except (PanelError, DesignError) as exc:
        print(f"[preflight] the panel cannot be used; no chapter was run:\n{exc}", file=sys.stderr)
        return 1
    print(f"[preflight] {args.panel}: {report.n_firms} firms, {report.n_years} years, "
          f"{report.nobs} firm-years; {len(report.notes)} note(s)")
    for note in report.notes:
        print(f"[preflight]   {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
