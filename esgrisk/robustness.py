"""Robustness checks that run on any panel following the panel contract.

Each check takes the panel and a :class:`Spec` (dependent variable, the
regressor of interest, controls, fixed effects, an optional instrument, the
clustering) and returns plain numbers, so a user with real data gets them for
free:

* :func:`leave_one_firm_out`: the estimate without each firm, exact and
  vectorised (firm-level cross-products are removed one firm at a time, no
  refitting), and each firm's influence in standard errors;
* :func:`randomization_inference`: permutation p-value of the cluster-robust
  t statistic, permuting the regressor's whole firm trajectories between
  firms (within years when the panel is unbalanced);
* :func:`wild_cluster_bootstrap`: the restricted wild cluster bootstrap
  (WCR11, Rademacher weights, all sign vectors when there are few clusters)
  with a confidence set by test inversion, in the closed form of Roodman et
  al. (2019) that needs no refit per draw;
* :func:`anderson_rubin`: the weak-instrument-robust Anderson-Rubin test and
  confidence set of an IV model with one instrument, cluster-robust;
* :func:`specification_curve`: one estimate per combination of effects,
  estimator (OLS or IV), controls and clustering.

Inference follows the book's one rule (clustered by firm, small-sample factor
G/(G-1)(N-1)/(N-K) with K counting every reported coefficient except the firm
effects: slopes, year dummies, and the constant where the book's records
report one, i.e. pooled models and firm-effects OLS; t(G-1) reference). Fixed effects are
removed by the within transformation; year effects enter as firm-demeaned
year dummies, which is exact for unbalanced panels and keeps every firm's
transformed rows independent of the other firms, so dropping a firm changes
nothing else. All estimators are checked against linearmodels and
wildboottest in ``tests/test_robustness.py``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import sparse, stats

from esgrisk import core, weakiv
from esgrisk import spec as eqs

__all__ = ["Spec", "Design", "design", "fit", "leave_one_firm_out", "randomization_inference",
           "wild_cluster_bootstrap", "anderson_rubin", "specification_curve", "rademacher",
           "DEFAULT_DRAWS", "EFFECTS", "CSV_COLUMNS"]

#: Fixed effects a specification can have.
EFFECTS = ("none", "firm", "firm+year")
#: Default cap on permutations and bootstrap draws (a parameter of every function that draws).
DEFAULT_DRAWS = 999
#: Columns of ``results/robustness.csv``.
CSV_COLUMNS = ["model", "method", "estimate", "ci_low", "ci_high", "p_value", "statistic", "draws",
               "equation", "effects", "estimator", "instrument", "controls", "cluster", "note"]
_TOL = 1e-10


@dataclass(frozen=True)
class Spec:
    """One model: ``dependent ~ regressor + controls`` with ``effects``; ``instrument`` makes it 2SLS.

    ``cluster`` is ``"firm"`` (the book's rule) or ``"robust"``
    (heteroskedasticity-robust, HC1, no clustering).
    """

    dependent: str = eqs.ESG_EQUATION.dependent
    regressor: str = eqs.ESG_EQUATION.endogenous[0]
    controls: tuple[str, ...] = eqs.ESG_EQUATION.exog
    effects: str = "firm"
    instrument: str | None = None
    cluster: str = "firm"
    entity: str = eqs.ENTITY
    time: str = eqs.TIME

    def __post_init__(self):
        if self.effects not in EFFECTS:
            raise ValueError(f"effects must be one of {EFFECTS}, got {self.effects!r}")
        if self.cluster not in ("firm", "robust"):
            raise ValueError(f"cluster must be 'firm' or 'robust', got {self.cluster!r}")


@dataclass(frozen=True)
class Design:
    """Transformed arrays of one :class:`Spec`: column 0 of ``x`` is the regressor of interest.

    ``z`` is ``x`` with column 0 replaced by the instrument (or ``None``);
    ``groups`` are firm codes 0..G-1; ``k_df`` is the K of the small-sample
    factor; ``df_resid`` the residual df of non-clustered inference;
    ``dropped`` the controls the effects absorb.
    """

    y: np.ndarray
    x: np.ndarray
    z: np.ndarray | None
    groups: np.ndarray
    names: list[str]
    k_df: int
    df_resid: int
    dropped: list[str] = field(default_factory=list)
    spec: Spec = field(default_factory=Spec)

    @property
    def n_clusters(self) -> int:
        return int(self.groups.max()) + 1

    @property
    def df(self) -> int:
        """Degrees of freedom of t and F references: G-1 (:func:`esgrisk.core.cluster_df`), or N-K-G for HC1."""
        return core.cluster_df(self.n_clusters) if self.spec.cluster == "firm" else self.df_resid

    @property
    def small_sample_factor(self) -> float:
        """The book's G/(G-1)(N-1)/(N-K) (:func:`esgrisk.core.cluster_factor`), or N/(N-K-G) for HC1."""
        n = len(self.y)
        if self.spec.cluster == "firm":
            return core.cluster_factor(n, self.k_df, self.n_clusters)
        return n / self.df_resid


def _group_matrix(groups: np.ndarray) -> sparse.csr_matrix:
    """Sparse G x N indicator matrix: ``M @ v`` sums ``v`` within each group."""
    n = groups.size
    return sparse.csr_matrix((np.ones(n), (groups, np.arange(n))), shape=(int(groups.max()) + 1, n))


def _transform(columns: np.ndarray, groups: np.ndarray, effects: str) -> np.ndarray:
    """Firm-demeaned ``columns`` (the core's within transformation), unchanged for pooled models."""
    return columns if effects == "none" else core.within(columns, [groups])


def _independent_columns(x: np.ndarray, scale: np.ndarray, tol: float = 1e-9) -> list[int]:
    """Indices of columns of ``x`` not (numerically) spanned by earlier kept columns.

    Works on the Gram matrix: a column is kept when its squared norm is not
    negligible against ``scale`` and the share of it the kept columns leave
    unexplained exceeds ``tol``.
    """
    gram = x.T @ x
    n = x.shape[0]
    kept: list[int] = []
    for j in range(x.shape[1]):
        if gram[j, j] <= n * (1e-10 * scale[j]) ** 2:
            continue
        if kept:
            gkk, gkj = gram[np.ix_(kept, kept)], gram[kept, j]
            left = gram[j, j] - gkj @ np.linalg.solve(gkk, gkj)
            if left <= tol * gram[j, j]:
                continue
        kept.append(j)
    return kept


def design(panel: pd.DataFrame, spec: Spec) -> Design:
    """Build the transformed arrays of ``spec`` on ``panel``; ``ValueError`` if it is not identified.

    Pooled models get a constant; firm effects are removed by demeaning; year
    effects enter as firm-demeaned year dummies. A control with no variation
    left is dropped and listed; the regressor or the instrument with none
    left raises.
    """
    groups = pd.factorize(panel[spec.entity], sort=True)[0]
    cols = [spec.regressor, *spec.controls]
    raw = panel[cols].to_numpy(float)
    names = list(cols)
    if spec.effects == "firm+year":
        years = sorted(panel[spec.time].unique())
        dummies = np.column_stack([(panel[spec.time] == y).to_numpy(float) for y in years[1:]])
        raw = np.column_stack([raw, dummies])
        names += [f"year[{y}]" for y in years[1:]]
    if spec.effects == "none":
        raw = np.column_stack([raw, np.ones(len(panel))])
        names.append("const")
    x = _transform(raw, groups, spec.effects)
    y = _transform(panel[spec.dependent].to_numpy(float), groups, spec.effects)
    # check the regressor, then the effects' dummies and the constant, then the controls, so that a
    # control the effects absorb (cr4 with year effects) is the column dropped, not a dummy
    order = [0, *range(len(cols), x.shape[1]), *range(1, len(cols))]
    scale = np.sqrt(np.mean(raw**2, axis=0)) + 1.0
    kept = sorted(order[i] for i in _independent_columns(x[:, order], scale[order]))
    if 0 not in kept:
        raise ValueError(f"{spec.regressor} has no variation left after the {spec.effects} effects")
    dropped = [names[j] for j in range(len(names)) if j not in kept and j < len(cols)]
    z = None
    if spec.instrument is not None:
        zraw = panel[spec.instrument].to_numpy(float)
        zcol = _transform(zraw, groups, spec.effects)
        zmat = np.column_stack([zcol, x[:, kept[1:]]])
        exog = x[:, kept[1:]]
        # the instrument must keep variation the exogenous columns do not span
        order = np.column_stack([exog, zcol])
        if exog.shape[1] not in _independent_columns(order, np.append(np.ones(exog.shape[1]),
                                                                        np.sqrt(np.mean(zraw**2)) + 1.0)):
            raise ValueError(f"instrument {spec.instrument} has no variation left after the "
                             f"{spec.effects} effects and the controls")
        z = zmat
    x = x[:, kept]
    n_firm = 0 if spec.effects == "none" else int(groups.max()) + 1
    # K as the book's records count it (esgrisk.core.cluster_k): the firm effects are not counted;
    # pooled models and firm-effects OLS report a constant (Stata's _cons), firm-effects 2SLS none
    kept_names = [names[j] for j in kept]
    n_year = sum(name.startswith("year[") for name in kept_names)
    n_slopes = len(kept_names) - n_year - ("const" in kept_names)
    k_df = core.cluster_k(n_slopes, constant=spec.effects == "none" or spec.instrument is None,
                          n_time_effects=n_year)
    return Design(y, x, z, groups, kept_names, k_df, len(y) - x.shape[1] - n_firm, dropped, spec)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.solve(a, b)


def _coefficients(d: Design) -> tuple[np.ndarray, np.ndarray]:
    """(beta, bread) of OLS or just-identified 2SLS; bread = (Z'X)^-1 (X'X)^-1 for OLS."""
    if d.z is None:
        bread = np.linalg.inv(d.x.T @ d.x)
        return bread @ (d.x.T @ d.y), bread
    bread = np.linalg.inv(d.z.T @ d.x)
    return bread @ (d.z.T @ d.y), bread


def _cov(d: Design, resid: np.ndarray, bread: np.ndarray) -> np.ndarray:
    """Sandwich covariance with the book's small-sample rule (or HC1 for ``cluster='robust'``)."""
    inst = d.x if d.z is None else d.z
    if d.spec.cluster == "firm":
        scores = _group_matrix(d.groups) @ (inst * resid[:, None])
    else:
        scores = inst * resid[:, None]
    meat = scores.T @ scores
    return d.small_sample_factor * bread @ meat @ bread.T


def fit(d: Design, level: float = 0.95) -> dict[str, float]:
    """Estimate, SE, t, p and confidence interval of the regressor of interest (column 0)."""
    beta, bread = _coefficients(d)
    resid = d.y - d.x @ beta
    se = float(np.sqrt(_cov(d, resid, bread)[0, 0]))
    df = d.df
    t = float(beta[0] / se)
    ci = core.conf_int(pd.Series([float(beta[0])]), pd.Series([se]), df, level).iloc[0]
    return {"estimate": float(beta[0]), "se": se, "t": t, "df": df,
            "p_value": float(core.t_pvalues(t, df)),
            "ci_low": float(ci["lower"]), "ci_high": float(ci["upper"])}


# ---------------------------------------------------------------------------
# leave one firm out
# ---------------------------------------------------------------------------

def _by_group(a: np.ndarray, b: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per-group cross-products ``A_g' B_g``, shape (G, ka, kb), without an N x k x k array."""
    g = int(groups.max()) + 1
    order = np.argsort(groups, kind="stable")
    counts = np.bincount(groups, minlength=g)
    width = int(counts.max())
    pos = np.arange(len(groups)) - np.repeat(np.cumsum(counts) - counts, counts)
    pa = np.zeros((g, width, a.shape[1]))
    pb = np.zeros((g, width, b.shape[1]))
    pa[groups[order], pos] = a[order]
    pb[groups[order], pos] = b[order]
    return np.einsum("gtk,gtl->gkl", pa, pb)


def leave_one_firm_out(panel: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """The estimate without each firm: one row per firm with ``estimate``, ``change``, ``change_in_se``.

    Exact: with firm effects every firm's transformed rows depend on that firm
    only, so dropping firm g subtracts its cross-products
    (``X'X - X_g'X_g`` and, for 2SLS, ``Z'X - Z_g'X_g``, ``Z'y - Z_g'y_g``).
    For pooled models the constant is not demeaned, which is exact too.
    ``change_in_se`` divides by the full-sample SE (a DFBETA per cluster).
    """
    d = design(panel, spec)
    full = fit(d)
    inst = d.x if d.z is None else d.z
    zx = _by_group(inst, d.x, d.groups)
    zy = _by_group(inst, d.y[:, None], d.groups)[:, :, 0]
    zx_all, zy_all = zx.sum(axis=0), zy.sum(axis=0)
    a = zx_all[None] - zx
    rhs = zy_all[None] - zy
    with np.errstate(all="ignore"):
        ok = np.abs(np.linalg.det(a)) > 1e-12 * abs(np.linalg.det(zx_all))
        est = np.full(len(a), np.nan)
        est[ok] = np.linalg.solve(a[ok], rhs[ok][..., None])[:, 0, 0]
    firms = pd.factorize(panel[spec.entity], sort=True)[1]
    out = pd.DataFrame({"firm": np.asarray(firms), "estimate": est})
    out["change"] = out["estimate"] - full["estimate"]
    out["change_in_se"] = out["change"] / full["se"]
    return out


# ---------------------------------------------------------------------------
# randomization inference
# ---------------------------------------------------------------------------

def _permuter(panel: pd.DataFrame, spec: Spec, rng: np.random.Generator):
    """A function ``draw(b) -> (b x N) row indices`` that permutes the regressor, and the scheme's name.

    Balanced panels: whole firm trajectories are permuted between firms.
    Otherwise values are permuted across firms within each year.
    """
    firm = pd.factorize(panel[spec.entity], sort=True)[0]
    year_codes, years = pd.factorize(panel[spec.time], sort=True)
    g, t = firm.max() + 1, len(years)
    if len(panel) == g * t and len(set(zip(firm, year_codes, strict=True))) == g * t:
        lookup = np.empty((g, t), dtype=int)
        lookup[firm, year_codes] = np.arange(len(panel))

        def draw(b):
            perms = rng.permuted(np.tile(np.arange(g), (b, 1)), axis=1)
            return lookup[perms[:, firm], year_codes[None, :]]
        return draw, "whole firm trajectories permuted between firms"
    by_year = [np.asarray(rows) for rows in panel.groupby(spec.time).indices.values()]

    def draw(b):
        idx = np.empty((b, len(panel)), dtype=int)
        for rows in by_year:
            idx[:, rows] = rows[rng.permuted(np.tile(np.arange(len(rows)), (b, 1)), axis=1)]
        return idx
    return draw, "permuted across firms within each year (unbalanced panel)"


def randomization_inference(panel: pd.DataFrame, spec: Spec, draws: int = DEFAULT_DRAWS,
                            seed: int = 0, chunk: int = 128) -> dict[str, object]:
    """Permutation p-value of the studentised (cluster-robust t) statistic of the regressor.

    The regressor's values are permuted (:func:`_permuter`), every other
    column stays; each draw's t is computed by Frisch-Waugh-Lovell on the
    residualised columns, ``chunk`` draws at a time. ``p = (1 + #{|t*| >= |t|}) / (1 + draws)``.
    OLS models only (for IV models see :func:`anderson_rubin`).
    """
    if spec.instrument is not None:
        raise ValueError("randomization_inference permutes the regressor of an OLS model; "
                         "use anderson_rubin for IV models")
    d = design(panel, spec)
    full = fit(d)
    rng = np.random.default_rng(seed)
    draw, scheme = _permuter(panel, spec, rng)
    w = np.ascontiguousarray(d.x[:, 1:])
    proj = np.linalg.pinv(w.T @ w) @ w.T if w.shape[1] else None       # k x N

    def resid_on_w(v):
        """Residuals of the rows of ``v`` (b x N, or a vector) on the other columns."""
        return v - (v @ proj.T) @ w.T if proj is not None else v

    ytil = resid_on_w(d.y)
    # whole-trajectory permutations commute with the within transformation: permute the
    # transformed regressor directly; within-year permutations must be transformed again
    blocks = scheme.startswith("whole")
    raw = d.x[:, 0] if blocks else panel[spec.regressor].to_numpy(float)
    gm_t = _group_matrix(d.groups).T.tocsr()                          # N x G
    factor = d.small_sample_factor
    t_draws = np.empty(draws)
    for start in range(0, draws, chunk):
        block = raw[draw(min(chunk, draws - start))]                  # b x N, C order
        if not blocks:
            block = _transform(block.T, d.groups, spec.effects).T
        xt = resid_on_w(np.ascontiguousarray(block))
        sxx = np.einsum("bn,bn->b", xt, xt)
        beta = (xt @ ytil) / sxx
        e = ytil[None, :] - xt * beta[:, None]
        sc = (gm_t.T @ (xt * e).T) if spec.cluster == "firm" else (xt * e).T
        var = factor * np.einsum("gb,gb->b", sc, sc) / sxx**2
        t_draws[start:start + len(beta)] = beta / np.sqrt(var)
    p = (1 + np.sum(np.abs(t_draws) >= abs(full["t"]) * (1 - 1e-12))) / (1 + draws)
    return {"estimate": full["estimate"], "t": full["t"], "p_value": float(p), "draws": draws,
            "scheme": scheme, "t_draws": t_draws}


# ---------------------------------------------------------------------------
# wild cluster bootstrap (restricted, WCR11)
# ---------------------------------------------------------------------------

#: Up to this many sign vectors (12 clusters) every one is used, whatever the cap on draws: exact and cheap.
ENUMERATE_UP_TO = 2**12


def _enumerated(n_clusters: int, draws: int) -> bool:
    return 2**n_clusters <= max(draws, ENUMERATE_UP_TO)


def rademacher(n_clusters: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Rademacher weights (G x B) from :func:`esgrisk.core.rademacher_weights`.

    All 2^G sign vectors if at most max(draws, 4,096), else ``draws`` random ones.
    """
    return core.rademacher_weights(n_clusters, None if _enumerated(n_clusters, draws) else draws, rng)


class _WCR:
    """Pieces of the closed-form restricted wild cluster bootstrap for column 0 of an OLS design."""

    def __init__(self, d: Design, weights: np.ndarray):
        self.d, self.w = d, weights
        self.wt = np.ascontiguousarray(weights.T)
        self.gm = _group_matrix(d.groups)
        self.inv = np.linalg.inv(d.x.T @ d.x)
        self.a = self.inv[0]
        xgxg = _by_group(d.x, d.x, d.groups)                              # G x k x k
        self.q = np.einsum("k,gkl,lm->gm", self.a, xgxg, self.inv)        # G x k: a' X_g'X_g (X'X)^-1
        self.ssc = d.small_sample_factor
        self.x0 = d.x[:, 1:]
        # y0 - x0 b0 with b0 the restricted OLS fit, as a projection computed once
        self.p0 = np.linalg.pinv(self.x0.T @ self.x0) @ self.x0.T if self.x0.shape[1] else None

    def pvalue(self, null: float, t_obs: float) -> float:
        d = self.d
        y0 = d.y - null * d.x[:, 0]
        u0 = y0 - self.x0 @ (self.p0 @ y0) if self.p0 is not None else y0
        s = self.gm @ (d.x * u0[:, None])                                # G x k: X_g'u_g
        c = s @ self.a                                                    # G
        sw = self.wt @ s                                                  # B x k: (S w)'
        numer = c @ self.w                                                # B
        z = c[:, None] * self.w - self.q @ sw.T                           # G x B
        denom = self.ssc * np.einsum("gb,gb->b", z, z)
        t_star = numer / np.sqrt(denom)
        return float(np.mean(np.abs(t_star) > abs(t_obs) * (1 + 1e-9)))


def _t_at(d: Design, null: float) -> float:
    f = fit(d)
    return (f["estimate"] - null) / f["se"]


def wild_cluster_bootstrap(panel: pd.DataFrame, spec: Spec, draws: int = DEFAULT_DRAWS, seed: int = 0,
                           level: float = 0.95, null: float = 0.0, ci: bool = True) -> dict[str, object]:
    """Restricted wild cluster bootstrap (WCR11, Rademacher) p-value of ``beta = null``, and its confidence set.

    The p-value is the share of bootstrap |t*| strictly above |t| (as
    wildboottest counts). All ``2^G`` sign vectors are used when there are at
    most ``max(draws, 4096)`` of them (exact and deterministic), otherwise
    ``draws`` random ones. The confidence set inverts the test: its ends are found by
    bisection between the estimate and points the test rejects, with the same
    weights at every null. OLS models clustered by firm only.
    """
    if spec.instrument is not None or spec.cluster != "firm":
        raise ValueError("the wild cluster bootstrap here is for OLS models clustered by firm")
    d = design(panel, spec)
    full = fit(d)
    weights = rademacher(d.n_clusters, draws, np.random.default_rng(seed))
    wcr = _WCR(d, weights)
    p = wcr.pvalue(null, _t_at(d, null))
    out = {"estimate": full["estimate"], "p_value": p, "draws": int(weights.shape[1]),
           "enumerated": _enumerated(d.n_clusters, draws), "ci_low": math.nan, "ci_high": math.nan}
    if ci:
        alpha = 1 - level

        def rejects(b):
            return wcr.pvalue(b, _t_at(d, b)) < alpha

        est, se = full["estimate"], full["se"]
        ends = []
        for sign in (-1.0, 1.0):
            inside, step = est, 2.0 * se
            outside = est + sign * step
            tries = 0
            while not rejects(outside) and tries < 30:
                inside, step = outside, step * 2
                outside = est + sign * step
                tries += 1
            if tries == 30:
                ends.append(sign * math.inf)
                continue
            for _ in range(40):
                mid = 0.5 * (inside + outside)
                if rejects(mid):
                    outside = mid
                else:
                    inside = mid
                if abs(outside - inside) < 2e-3 * se:
                    break
            ends.append(0.5 * (inside + outside))
        out["ci_low"], out["ci_high"] = ends
    return out


# ---------------------------------------------------------------------------
# Anderson-Rubin (weak-instrument robust) for IV models
# ---------------------------------------------------------------------------

def anderson_rubin(panel: pd.DataFrame, spec: Spec, level: float = 0.95, null: float = 0.0) -> dict[str, object]:
    """Cluster-robust Anderson-Rubin test of ``beta = null`` and its confidence set (one instrument).

    AR(b) is the Wald statistic of the instrument's coefficient in the
    regression of ``y - b x`` on the instrument and the exogenous columns,
    with the book's clustered covariance, compared with F(1, G-1). Because
    the reduced-form and first-stage coefficients (pi_y, pi_x) are linear in
    the data, ``AR(b) = (pi_y - b pi_x)^2 / (V_yy - 2 b V_xy + b^2 V_xx)``
    and the set ``{b: AR(b) <= c}`` solves a quadratic: an interval, the
    complement of one, or the whole line.
    """
    if spec.instrument is None:
        raise ValueError("anderson_rubin needs an IV spec (instrument set)")
    d = design(panel, spec)
    full = fit(d)
    # the pieces and the quadratic are the estimation core's (esgrisk.weakiv), on this design's arrays
    codes = d.groups if spec.cluster == "firm" else np.arange(len(d.y))
    pieces = weakiv.ar_pieces_from_arrays(d.z, np.column_stack([d.y, d.x[:, 0]]), codes, 1,
                                          d.small_sample_factor)
    df2 = d.df
    qa, qb, qc = weakiv.ar_quadratic_roots(pieces, level, df=df2)
    px, vxx = float(pieces.pi_x[0]), float(pieces.q11[0, 0])
    disc = qb * qb - 4 * qa * qc
    if qa > 0 and disc >= 0:
        r = sorted([(-qb - math.sqrt(disc)) / (2 * qa), (-qb + math.sqrt(disc)) / (2 * qa)])
        lo, hi, shape = r[0], r[1], "interval"
    elif qa < 0 and disc > 0:
        r = sorted([(-qb - math.sqrt(disc)) / (2 * qa), (-qb + math.sqrt(disc)) / (2 * qa)])
        lo, hi, shape = -math.inf, math.inf, f"two rays: (-inf, {r[0]:.4g}] and [{r[1]:.4g}, inf)"
    else:
        lo, hi, shape = -math.inf, math.inf, "the whole line"
    ar0 = float(pieces.stat(null)[0])
    return {"estimate": full["estimate"], "statistic": float(ar0),
            "p_value": float(stats.f.sf(ar0, 1, df2)), "ci_low": lo, "ci_high": hi, "shape": shape,
            "first_stage_t": float(px / math.sqrt(vxx)), "df": df2}


# ---------------------------------------------------------------------------
# specification curve
# ---------------------------------------------------------------------------

def control_sets(controls: Sequence[str]) -> list[tuple[str, ...]]:
    """All controls, none, and every set that leaves one out."""
    controls = tuple(controls)
    sets = [controls, ()] + [tuple(c for c in controls if c != drop) for drop in controls]
    seen, out = set(), []
    for s in sets:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def specification_curve(panel: pd.DataFrame, base: Spec, instruments: Iterable[str | None],
                        effects: Iterable[str] = EFFECTS, clusters: Iterable[str] = ("firm", "robust"),
                        controls: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """One row per specification: effects x estimator (instrument) x controls x clustering.

    Specifications that the panel cannot identify (the regressor or the
    instrument absorbed) are kept with NaN estimates and the reason in
    ``note``. ``instruments`` lists instrument columns (``None`` = OLS);
    a list of derived columns must be in ``panel`` already.
    """
    rows = []
    sets = control_sets(base.controls if controls is None else controls)
    clusters = list(clusters)
    for eff, inst, ctrl in itertools.product(list(effects), list(instruments), sets):
        spec = replace(base, effects=eff, instrument=inst, controls=ctrl, cluster=clusters[0])
        base_row = {"effects": eff, "estimator": "OLS" if inst is None else "2SLS", "instrument": inst or "",
                    "controls": "+".join(ctrl) if ctrl else "none"}
        try:
            d = design(panel, spec)
        except (ValueError, np.linalg.LinAlgError) as err:
            for cl in clusters:
                rows.append({**base_row, "cluster": cl, "estimate": math.nan, "ci_low": math.nan,
                             "ci_high": math.nan, "p_value": math.nan, "note": f"not identified: {err}"})
            continue
        for cl in clusters:
            # the estimate does not depend on the clustering: one design, one covariance per rule
            res = fit(replace(d, spec=replace(d.spec, cluster=cl)), level)
            rows.append({**base_row, "cluster": cl,
                         **{k: res[k] for k in ("estimate", "ci_low", "ci_high", "p_value")},
                         "note": ("absorbed: " + ", ".join(d.dropped)) if d.dropped else ""})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# every check on the book's models: the rows of results/robustness.csv
# ---------------------------------------------------------------------------

#: The book's models the toolkit checks (ids of the results registry) and their specifications.
MODELS = {
    "fe_entity": Spec(effects="firm"),
    "fe_twoway": Spec(effects="firm+year"),
    "fe_iv_risk": Spec(effects="firm", instrument="region_incidents"),
    "fe_iv_twoway": Spec(effects="firm+year", instrument="region_incidents"),
}
#: The reverse equation (ESG -> risk) of the specification curve, with the derived instruments.
ESG_TO_RISK = Spec(dependent=eqs.RISK_EQUATION.dependent, regressor=eqs.RISK_EQUATION.endogenous[0],
                   controls=eqs.RISK_EQUATION.exog)
INDUSTRY_INSTRUMENTS = {"industry_esg_loo": True, "industry_esg": False}


def with_industry_instruments(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel with both industry-average ESG instruments (leave-one-out and inclusive) as columns."""
    from esgrisk.panel import industry_mean_esg

    out = panel.copy()
    for name, loo in INDUSTRY_INSTRUMENTS.items():
        out[name] = industry_mean_esg(panel, leave_one_out=loo).to_numpy()
    return out.dropna(subset=list(INDUSTRY_INSTRUMENTS))


def _row(model: str, method: str, spec: Spec, **values) -> dict[str, object]:
    row = dict.fromkeys(CSV_COLUMNS, math.nan)
    row.update({"model": model, "method": method, "equation": f"{spec.dependent} ~ {spec.regressor}",
                "effects": spec.effects, "estimator": "OLS" if spec.instrument is None else "2SLS",
                "instrument": spec.instrument or "", "controls": "+".join(spec.controls) or "none",
                "cluster": spec.cluster, "note": ""})
    row.update(values)
    return row


def robustness_table(panel: pd.DataFrame, draws: int = DEFAULT_DRAWS, seed: int = 0,
                     models: dict[str, Spec] | None = None) -> dict[str, pd.DataFrame]:
    """Run every check on the book's models; returns ``table`` (the CSV rows), ``lofo`` and ``curve``.

    Per model: the conventional clustered t (``cluster_t``), leave-one-firm-out
    (estimate = full sample; ci_low/ci_high = the smallest and largest
    leave-one-out estimate; statistic = the largest influence in SEs), and for
    OLS models randomization inference and the wild cluster bootstrap, for IV
    models Anderson-Rubin. Then the specification curves of both equations.
    ``draws`` caps permutations and bootstrap draws; ``seed`` fixes them.
    """
    models = MODELS if models is None else models
    rows, lofos = [], []
    for model, spec in models.items():
        d = design(panel, spec)
        base = fit(d)
        rows.append(_row(model, "cluster_t", spec, estimate=base["estimate"], ci_low=base["ci_low"],
                         ci_high=base["ci_high"], p_value=base["p_value"], statistic=base["t"],
                         note=f"t({base['df']})"))
        lofo = leave_one_firm_out(panel, spec).assign(model=model)
        lofos.append(lofo)
        worst = lofo.loc[lofo["change_in_se"].abs().idxmax()]
        rows.append(_row(model, "leave_one_firm_out", spec, estimate=base["estimate"],
                         ci_low=float(lofo["estimate"].min()), ci_high=float(lofo["estimate"].max()),
                         statistic=float(abs(worst["change_in_se"])), draws=len(lofo),
                         note=f"range of the estimates without one firm; largest influence: {worst['firm']}"))
        if spec.instrument is None:
            ri = randomization_inference(panel, spec, draws=draws, seed=seed)
            rows.append(_row(model, "randomization_inference", spec, estimate=ri["estimate"],
                             p_value=ri["p_value"], statistic=ri["t"], draws=ri["draws"], note=ri["scheme"]))
            wb = wild_cluster_bootstrap(panel, spec, draws=draws, seed=seed)
            rows.append(_row(model, "wild_cluster_bootstrap", spec, estimate=wb["estimate"],
                             ci_low=wb["ci_low"], ci_high=wb["ci_high"], p_value=wb["p_value"],
                             draws=wb["draws"], note=("all sign vectors" if wb["enumerated"] else
                                                      "random Rademacher weights") + ", WCR11"))
        else:
            ar = anderson_rubin(panel, spec)
            rows.append(_row(model, "anderson_rubin", spec, estimate=ar["estimate"], ci_low=ar["ci_low"],
                             ci_high=ar["ci_high"], p_value=ar["p_value"], statistic=ar["statistic"],
                             note=f"95 % set: {ar['shape']}; F(1, {ar['df']})"))
    curves = []
    risk_curve = specification_curve(panel, MODELS["fe_entity"], [None, "region_incidents"])
    curves.append(risk_curve.assign(model="risk_to_esg", equation="esg ~ risk_events"))
    esg_panel = with_industry_instruments(panel)
    esg_curve = specification_curve(esg_panel, ESG_TO_RISK, [None, *INDUSTRY_INSTRUMENTS])
    curves.append(esg_curve.assign(model="esg_to_risk", equation="risk_events ~ esg"))
    curve = pd.concat(curves, ignore_index=True)
    curve_rows = curve.assign(method="specification_curve")
    table = pd.concat([pd.DataFrame(rows), curve_rows], ignore_index=True)
    for c in CSV_COLUMNS:
        if c not in table:
            table[c] = math.nan
    return {"table": table[CSV_COLUMNS], "lofo": pd.concat(lofos, ignore_index=True), "curve": curve}
