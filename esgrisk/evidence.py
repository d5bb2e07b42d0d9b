"""Plain-language verdicts on the paper's hypotheses, from the book's estimates.

The conclusions chapter grades each hypothesis on the panel it was run on.
The rules are deliberately simple and stated in the chapter: an arrow whose
instrument is weak (first-stage F below ``WEAK_F``) is not established
whatever its p-value; otherwise a significant estimate (``p < ALPHA``) is
reported with its sign against the hypothesised negative sign.
"""

from __future__ import annotations

ALPHA = 0.05   # significance level of the verdicts
WEAK_F = 10.0  # rule-of-thumb first-stage F below which an instrument counts as weak (Stock and Yogo)


def arrow_verdict(coef: float, pvalue: float, first_f: float,
                  alpha: float = ALPHA, weak_f: float = WEAK_F) -> str:
    """Verdict on one instrumented arrow whose hypothesised sign is negative."""
    if not first_f >= weak_f:  # NaN counts as weak: no evidence of a relevant instrument
        return "not established: weak instrument"
    if pvalue < alpha:
        return "negative, significant" if coef < 0 else "positive, significant (against the hypothesis)"
    return "not significant"


def loop_verdict(risk_to_esg: str, esg_to_risk: str, esg_to_risk_first_f: float,
                 weak_f: float = WEAK_F) -> str:
    """Verdict on the feedback loop (H3), from the verdicts on its two arrows."""
    if risk_to_esg.startswith("negative") and esg_to_risk.startswith("negative"):
        return "both arrows detected"
    if not esg_to_risk_first_f >= weak_f:
        return "not established: the ESG -> risk arrow rests on the same weak instrument"
    return "not established: at least one arrow not detected"


def loop_stability_sentence(share_unstable: float, alpha: float = ALPHA) -> str:
    """One sentence on how often parametric draws of the system make the loop unstable."""
    if share_unstable > alpha:
        return (f"In {100 * share_unstable:.0f} % of parametric draws of the two system coefficients "
                "the feedback loop is not stable, so the data cannot say whether it damps or "
                "amplifies shocks")
    return (f"The feedback loop is stable in {100 * (1 - share_unstable):.0f} % of parametric draws "
            "of the two system coefficients")
