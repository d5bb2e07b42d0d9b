"""Plain-language verdicts on the paper's hypotheses: on the design, and on one panel.

The conclusions chapter grades each hypothesis first on the paper's
*design* (12 firms x 6 years, many simulated draws, :func:`design_verdict`):
can the estimator the paper relies on detect the effect (power) and do its
intervals cover the truth (coverage)? The panel the chapter runs on is one
draw, graded by :func:`arrow_verdict` and placed in the design's
distribution (``draw_percentile``). The rules are deliberately simple and
stated in the chapter: an arrow whose instrument is weak (cluster-robust
first-stage F below ``WEAK_F``) is not established on that panel whatever
its p-value; otherwise a significant estimate (``p < ALPHA``) is reported
with its sign against the hypothesised negative sign.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from esgrisk.i18n import Message, tr
from esgrisk.prose import Text, and_list, group_by, semicolon_list, space_list, text

ALPHA = 0.05   # significance level of the verdicts
WEAK_F = 10.0  # rule-of-thumb first-stage F below which an instrument counts as weak (Stock and Yogo)
MIN_POWER = 0.80     # a design that detects the effect less often than this is called underpowered
MIN_COVERAGE = 0.90  # nominal 95 % intervals covering less often than this are called unreliable
#: the estimator that grades each hypothesis on the design: (equation, estimator) of montecarlo's summary
GRADING = {"H1": ("risk_to_esg", "fe_iv"), "H2": ("esg_to_risk", "iv_loo"), "H3": ("esg_to_risk", "system_3sls")}
#: the statistic of this panel placed in the design's distribution, per hypothesis (key of the draws)
DRAW_STATISTIC = {"H1": ("fe_iv:f_cluster", "cluster-robust first-stage F"),
                  "H2": ("iv_loo:f_cluster", "cluster-robust first-stage F"),
                  "H3": ("system_3sls:esg_to_risk:estimate", "3SLS estimate of ESG -> risk")}
EVIDENCE_COLUMNS = ("hypothesis", "paper_estimate", "book_estimate", "design_power", "design_power_mc_se",
                    "design_coverage", "design_coverage_mc_se", "design_reps", "draw_statistic", "draw_value",
                    "draw_percentile", "design_verdict", "draw_verdict", "verdict")


def arrow_verdict(coef: float, pvalue: float, first_f: float,
                  alpha: float = ALPHA, weak_f: float = WEAK_F) -> Text:
    """Verdict on one instrumented arrow whose hypothesised sign is negative."""
    if not first_f >= weak_f:  # NaN counts as weak: no evidence of a relevant instrument
        return text("not established: weak instrument")
    if pvalue < alpha:
        return text("negative, significant") if coef < 0 else \
            text("positive, significant (against the hypothesis)")
    return text("not significant")


def loop_verdict(risk_to_esg: str, esg_to_risk: str, esg_to_risk_first_f: float,
                 weak_f: float = WEAK_F) -> Text:
    """Verdict on the feedback loop (H3), from the verdicts on its two arrows."""
    if risk_to_esg.startswith("negative") and esg_to_risk.startswith("negative"):
        return text("both arrows detected")
    if not esg_to_risk_first_f >= weak_f:
        return text("not established: the ESG -> risk arrow rests on the same weak instrument")
    return text("not established: at least one arrow not detected")


def loop_stability_sentence(share_unstable: float, alpha: float = ALPHA) -> Text:
    """One sentence on how often parametric draws of the system make the loop unstable."""
    if share_unstable > alpha:
        return text("In {pct:.0f} % of parametric draws of the two system coefficients the feedback loop is "
                    "not stable, so the data cannot say whether it damps or amplifies shocks",
                    pct=100 * share_unstable)
    return text("The feedback loop is stable in {pct:.0f} % of parametric draws of the two system coefficients",
                pct=100 * (1 - share_unstable))


def design_verdict(power: float, coverage: float, min_power: float = MIN_POWER,
                   min_coverage: float = MIN_COVERAGE) -> Text:
    """What the design can show for one hypothesis, from its power and coverage over many draws."""
    if not coverage >= min_coverage:
        return text("the design's intervals under-cover: significance would overstate the evidence")
    if not power >= min_power:
        return text("the design is underpowered: a miss says little")
    return text("the design can detect the effect")


#: a verdict "not established: <reason>" as it reads inside a sentence, "not established (<reason>)"
_PARENTHESISED = {
    "not established: the ESG -> risk arrow rests on the same weak instrument":
        "not established (the ESG -> risk arrow rests on the same weak instrument)",
    "not established: at least one arrow not detected": "not established (at least one arrow not detected)",
    "not established: weak instrument": "not established (weak instrument)",
}


def parenthesised(verdict: str) -> Text | str:
    """A verdict "not established: <reason>" as "not established (<reason>)", to sit inside a sentence."""
    if verdict in _PARENTHESISED:
        return text(_PARENTHESISED[verdict])
    head, _, reason = verdict.partition(": ")
    return f"{head} ({reason})" if reason else verdict


#: how a design verdict reads after "For H1 and H3, ..." (keys: the strings of :func:`design_verdict`)
_DESIGN_CLAUSES = {
    "the design's intervals under-cover: significance would overstate the evidence":
        "the design's intervals under-cover, so significance would overstate the evidence",
    "the design is underpowered: a miss says little": "the design is underpowered, so a miss says little",
    "the design can detect the effect": "the design can detect the effect",
}


def design_summary(verdicts: Mapping[str, str]) -> Text:
    """One sentence on the design verdicts of several hypotheses, each verdict said once.

    ``{"H1": v, "H2": w, "H3": v}`` reads "For H1 and H3, <v>; for H2, <w>."
    """
    parts = [tr("For {items}, {clause}" if i == 0 else "for {items}, {clause}", items=and_list(keys),
                clause=tr(_DESIGN_CLAUSES[str(v)]) if str(v) in _DESIGN_CLAUSES else v)
             for i, (keys, v) in enumerate(group_by(verdicts))]
    return text("{text}.", text=semicolon_list(parts))


#: where an instrument's two first-stage F statistics fall against the threshold (templates of the catalogue)
_F_CLAUSES = {"above": "both statistics are above {threshold}", "below": "both statistics are below {threshold}",
              "split": "the classical and cluster-robust statistics fall on different sides of {threshold}, "
                       "and the cluster-robust one decides"}


def first_stage_sentence(stats: Mapping[str, tuple[float, float]], weak_f: float = WEAK_F) -> Text:
    """Where the classical and cluster-robust first-stage F of each instrument fall against ``weak_f``.

    ``stats`` maps an instrument's name ("leave-one-out mean", or a Message of it) to its
    ``(classical F, cluster-robust F)``; instruments with the same outcome
    share one clause, so two weak instruments read as one sentence.
    """
    def outcome(classical: float, cluster: float) -> str:
        sides = {"above" if f > weak_f else "below" for f in (classical, cluster)}
        return sides.pop() if len(sides) == 1 else "split"

    clauses = _F_CLAUSES
    groups = group_by({name: outcome(*fs) for name, fs in stats.items()})
    threshold = tr("the rule-of-thumb threshold of {weak_f:g}", weak_f=weak_f)
    names = lambda keys: and_list(tr("the {name}", name=k) for k in keys)  # noqa: E731
    if len(groups) == 1:
        keys, side = groups[0]
        return text("For {names} alike, {clause}." if len(keys) > 1 else "For {names}, {clause}.",
                    names=names(keys), clause=tr(clauses[side], threshold=threshold))
    parts = [tr("for {names}, {clause}", names=names(keys), clause=tr(clauses[side], threshold=tr("it")))
             for keys, side in groups]
    return text("Against {threshold}: {parts}.", threshold=threshold, parts=semicolon_list(parts))


#: what an Anderson-Rubin set is, by shape, said of one set and of several (templates of the catalogue)
_AR_PREDICATES = {
    "empty": ("is empty: every value is rejected, so the model itself is in doubt",
              "are empty: every value is rejected, so the model itself is in doubt"),
    "rays": ("is unbounded: it excludes only the interval ({lo}, {hi}) and cannot rule out large effects of "
             "either sign, the honest statement of a weak instrument",
             "are unbounded: they exclude only the interval ({lo}, {hi}) and cannot rule out large effects of "
             "either sign, the honest statement of a weak instrument"),
    "line": ("is the whole real line: the data cannot rule out effects of any size, the honest statement of a "
             "weak instrument",
             "are the whole real line: the data cannot rule out effects of any size, the honest statement of a "
             "weak instrument"),
    "unbounded": ("is unbounded: the data cannot rule out effects of any size, the honest statement of a weak "
                  "instrument",
                  "are unbounded: the data cannot rule out effects of any size, the honest statement of a weak "
                  "instrument"),
    "bounded": ("is bounded", "are bounded"),
}


def ar_sentence(sets: Mapping[str, object], digits: int = 2) -> Text:
    """What the Anderson-Rubin sets ``sets`` (name -> :class:`esgrisk.weakiv.ARSet`) say, each fact once.

    Sets of the same shape share one sentence ("The sets for A and B are the
    whole real line: ..."; "All three sets are bounded."); an unbounded set
    that excludes an interval names it.
    """
    def shape(ar) -> tuple:
        if ar.empty:
            return ("empty",)
        if not ar.bounded and len(ar.intervals) == 2:  # two rays: an interval is excluded
            lo, hi = ar.intervals[0][1], ar.intervals[1][0]
            return ("rays", f"{lo:.{digits}f}", f"{hi:.{digits}f}")
        if not ar.bounded:
            return ("line",) if len(ar.intervals) == 1 else ("unbounded",)
        return ("bounded",)

    def predicate(key: tuple, plural: bool) -> Message:
        template = _AR_PREDICATES[key[0]][plural]
        return tr(template, lo=key[1], hi=key[2]) if key[0] == "rays" else tr(template)

    groups = group_by({name: shape(ar) for name, ar in sets.items()})
    if len(groups) == 1 and len(sets) > 1:
        if len(sets) == 2:
            return text("Both sets {predicate}.", predicate=predicate(groups[0][1], True))
        return text("All {count} sets {predicate}.", count=tr(NUMBER_WORDS[len(sets)]) if len(sets) in NUMBER_WORDS
                    else len(sets), predicate=predicate(groups[0][1], True))
    sentences = [tr("The set for {name} {predicate}.", name=keys[0], predicate=predicate(key, False))
                 if len(keys) == 1 else
                 tr("The sets for {names} {predicate}.", names=and_list(keys), predicate=predicate(key, True))
                 for keys, key in groups]
    return Text(space_list(sentences))


NUMBER_WORDS = {3: "three", 4: "four", 5: "five", 6: "six"}


def evidence_table(design: pd.DataFrame, draws: Mapping[str, object], paper: Mapping[str, float],
                   book: Mapping[str, float], draw_values: Mapping[str, float],
                   draw_verdicts: Mapping[str, str],
                   design_matches_panel: bool | Mapping[str, bool] = True) -> pd.DataFrame:
    """One row per hypothesis: the paper's number, this panel's, the design's power and coverage, the draw.

    ``design`` is the Monte Carlo summary (``esgrisk.montecarlo.study_batch``
    rows, library rows included) at one design; ``draws`` its per-draw
    statistics; ``paper``, ``book``, ``draw_values`` and ``draw_verdicts`` are
    keyed ``"H1"``.. ``"H3"``. For H3, power is the share of draws in which
    3SLS detects both arrows. When the design is not the panel's size
    (``design_matches_panel`` False, for all hypotheses or per hypothesis)
    the percentile is NaN: the draw does not belong to that distribution.
    """
    from esgrisk.montecarlo import draw_percentile, mc_standard_error

    table = design.set_index(["equation", "estimator"])
    rows = []
    for h, key in GRADING.items():
        row = table.loc[key]
        if h == "H3":
            both = draws["system_3sls:both_detected"]
            power = float(sum(both) / len(both))
            power_se = mc_standard_error(power, len(both))
        else:
            power, power_se = float(row["power"]), float(row["power_mc_se"])
        coverage, coverage_se = float(row["coverage"]), float(row["coverage_mc_se"])
        stat_key, stat_label = DRAW_STATISTIC[h]
        value = float(draw_values[h])
        matches = (design_matches_panel.get(h, False) if isinstance(design_matches_panel, Mapping)
                   else design_matches_panel)
        pct = draw_percentile(value, draws[stat_key]) if matches else math.nan
        dv = design_verdict(power, coverage)
        rows.append({"hypothesis": h, "paper_estimate": float(paper[h]), "book_estimate": float(book[h]),
                     "design_power": power, "design_power_mc_se": power_se,
                     "design_coverage": coverage, "design_coverage_mc_se": coverage_se,
                     "design_reps": int(row["reps"]), "draw_statistic": stat_label, "draw_value": value,
                     "draw_percentile": pct, "design_verdict": dv, "draw_verdict": draw_verdicts[h],
                     "verdict": f"{dv}; this panel: {draw_verdicts[h]}"})
    return pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))


def _first_stage_f(fit, endog: str) -> tuple[float, float]:
    """(cluster-robust, classical) first-stage F of ``fit`` for ``endog``, whichever results API it has."""
    stage = getattr(fit, "first_stage", None)
    if isinstance(stage, Mapping) and endog in stage and hasattr(stage[endog], "f_cluster"):
        return float(stage[endog].f_cluster), float(stage[endog].f_classical)
    record = getattr(fit, "record", None) or {}
    row = record.get("first_stage", {}).get(endog) or getattr(fit, "extra", {})["first_stage"][endog]
    if "f_cluster" in row:
        return float(row["f_cluster"]), float(row["f_classical"])
    return float(row["partial_f_cluster"]), float(row["partial_f"])


def panel_draw(panel: pd.DataFrame) -> dict[str, object]:
    """The chapters' own fits of H1-H3 on one panel, and the statistics placed in the design's distribution.

    H1: FE-IV of the ESG equation (``esgrisk.estimate.fit_fe_iv_risk``); H2:
    ESG -> risk 2SLS with the leave-one-out industry mean
    (``esgrisk.estimate.fit_iv_esg_to_risk``); H3: the 3SLS system
    (``esgrisk.system.fit_system_3sls``).
    Returns the fits, the cluster-robust first-stage F of H1 and H2 (decision
    2: the F that decides weak-instrument verdicts), the classical F's for
    display, and the values of :data:`DRAW_STATISTIC`.
    """
    from esgrisk import estimate as est
    from esgrisk import system as sy

    h1 = est.fit_fe_iv_risk(panel)
    h2 = est.fit_iv_esg_to_risk(panel)
    system = sy.fit_system_3sls(panel)
    f1, f1c = _first_stage_f(h1, "risk_events")
    f2, f2c = _first_stage_f(h2, "esg")
    return {"h1": h1, "h2": h2, "system": system,
            "h1_f_cluster": f1, "h1_f_classical": f1c, "h2_f_cluster": f2, "h2_f_classical": f2c,
            "values": {"H1": f1, "H2": f2, "H3": float(system.gamma)}}
