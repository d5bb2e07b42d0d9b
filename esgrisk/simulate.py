"""The calibrated simulation behind the book's default panel.

The paper's firm-level data are not published, so the book runs on a panel
simulated from a model whose *true* effects are known. The model is a
simultaneous-equations system with firm effects. For firm ``i`` (in region
``r(i)``) and year ``t``::

    esg_it  = a_i + beta  * risk_it + b_size * log_assets_it + b_growth * revenue_growth_it
                  + b_cr4 * cr4_t + b_reg * reg_strength_rt + S_t + e_it        (ESG equation)
    risk*_it = c_i + gamma * esg_it + delta * region_incidents_rt + u_it        (risk equation)

with ``beta = -0.92`` (Table 2) and ``gamma = -0.72`` (section 4.3, H3) and the
Table 2 control slopes 0.35, 0.12, -0.15, 0.20.

* ``S_t`` is an exogenous year-level shifter of the whole industry's ESG
  scores (rating-agency methodology changes, investor attention). It makes the
  industry-average ESG instrument relevant for a firm's ESG; it reaches the
  risk equation only through ``esg`` (exclusion restriction holds).
* ``region_incidents_rt`` (region-year, exogenous, >= 0) shifts risk only;
  it is the instrument for ``risk_events``.
* ``cr4_t`` is industry-level, common to all firms in a year (varies by year only).
* ``reg_strength_rt`` is region-level: a fixed regional level plus a common
  tightening trend and small region-year noise, so it varies within firms
  (firm effects do not absorb it; two-way effects absorb only the trend).
* ``e_it`` and ``u_it`` are independent normal structural shocks.
* The *observed* ESG score is ``esg_it + m_it`` where ``m_it`` is optional
  rating noise (``sd_rating``, **0 by default**), not fed back into the risk
  equation (firms respond to their actual ESG practice, not to the rater's
  noise). It adds to ``e_it`` in the ESG equation and is classical
  measurement error in the risk equation (OLS attenuated, 2SLS with the
  leave-one-out industry mean consistent). It is off by default because, with
  only six years, it makes the 3SLS system estimate lean on the few
  year-level draws and wander from the truth even with thousands of firms.
  Without it the strong feedback (``beta * gamma = 0.66``) makes every shock
  move risk and ESG in opposite directions, so the within-firm correlation of
  the two is close to -1: a consequence of taking both printed effects at face
  value.

**Solving.** With ``kappa = 1 - beta * gamma = 0.3376`` the system has the
reduced form ``risk* = (B + gamma*A) / kappa`` where ``A`` is everything in the
ESG equation except ``beta*risk`` and ``B`` everything in the risk equation
except ``gamma*esg``. Any shock is multiplied by ``1/kappa`` (about 3).

**Discretisation.** Risk events are counts, so the latent reduced-form
``risk*`` is rounded to the nearest integer and floored at 0
(``risk_events = max(0, rint(risk*))``). ESG is then computed from the ESG
equation *with the integer risk*, so the ESG equation holds exactly with the
true ``beta`` and error ``e_it + m_it`` (up to the rounding of the CSV). The
risk equation then holds with the error
``u_it + kappa * (risk_events - risk*)`` (written with the true ESG; in terms
of observed ESG add ``- gamma * m_it``); the rounding adds an
error of SD about ``0.34 * 0.29 = 0.1`` that is correlated with
``risk_events`` itself but not with the instruments. ``esg`` is clipped to
[0, 100] (never binding at the default parameters; the number of clipped
cells is returned by :func:`simulate_arrays`).

**Firm effects.** Each firm has a baseline risk level ``R_i`` (log-normal, so
risk is right-skewed as in Table 1) and ESG level ``G_i``; the intercepts are
set so that at the reference controls (Table 1 means) and zero shocks the
firm sits exactly at ``(R_i, G_i)``: ``a_i = G_i - beta R_i - b'x_ref`` and
``c_i = R_i - gamma G_i - delta * incidents_level_r``. Size, ``R_i`` and
``G_i`` are positively correlated across firms (large platforms report more
incidents and have more ESG resources).

**Where the paper's numbers cannot all hold** (computed by
:func:`esgrisk.report.paper_inconsistencies`): Table 2's constant 50.21, evaluated with the
other coefficients at Table 1's means, implies a mean ESG of about 45.7, not
68.5; and ``|beta| * SD(risk) = 0.92 * 8.3 = 7.6`` exceeds ``SD(esg) = 7.2``,
so if risk varied independently of everything else it would explain more than
all of ESG's variance. The simulation honours the Table 1 moments and the true
slopes; the level is absorbed by the firm intercepts (no single constant), and
most of the risk variation is *between* firms with firm risk and ESG levels
positively correlated, which is what lets ``SD(esg)`` stay near 7.2 while the
within-firm causal slope is -0.92.

**Moment matching.** With ``moment_match=True`` (default) the firm-level and
year-level latent draws are whitened to sample mean 0 and identity sample
covariance (divisor n), so a 12 x 6 panel reproduces the Table 1 moments at any seed; the
firm-year shocks are never standardised.

Run ``python -m esgrisk.simulate`` to (re)write ``data/simulated/panel.csv``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from esgrisk import published
from esgrisk.paths import SIMULATED_PANEL, resolve

__all__ = [
    "DEFAULT_SEED", "TRUE_EFFECTS", "SimulationParams", "PARAMS", "PARAM_NOTES",
    "simulate_arrays", "simulate_panel", "panel_csv_bytes", "write_default_panel",
    "params_table", "between_within", "DEFAULT_N_FIRMS", "DEFAULT_YEARS",
]

DEFAULT_SEED = 20250601
_PAPER_SAMPLE = published.sample()
DEFAULT_N_FIRMS = _PAPER_SAMPLE["firms"]  # the paper's 12 listed firms (data/published/sample.csv)
DEFAULT_YEARS = range(_PAPER_SAMPLE["first_year"], _PAPER_SAMPLE["last_year"] + 1)  # 2018-2023

# Decimals kept in the CSV (and in simulate_panel's output).
DECIMALS = {
    "esg": 3, "log_assets": 4, "revenue_growth": 4, "cr4": 4,
    "reg_strength": 3, "region_incidents": 2,
}


@dataclass(frozen=True)
class SimulationParams:
    """Every parameter of the simulation; the comment after each says what it targets."""

    beta: float = -0.92  # risk -> ESG, Table 2 coefficient on risk events (H1)
    gamma: float = -0.72  # ESG -> risk, section 4.3 bidirectional 2SLS (H3)
    b_size: float = 0.35  # Table 2 coefficient on firm size (log assets)
    b_growth: float = 0.12  # Table 2 coefficient on revenue growth
    b_cr4: float = -0.15  # Table 2 coefficient on competition (CR4)
    b_reg: float = 0.20  # Table 2 coefficient on regulation (table value, not the text's 0.28)
    delta: float = 0.03  # region incidents -> latent risk; strong first stage for the risk IV (not in paper)
    regions: tuple[str, ...] = ("CN", "US", "EU", "JP")  # jurisdictions of the 12 firms (paper: domestic and foreign firms)
    # firm level
    risk_level_mean: float = 15.2  # population mean of firm baseline risk; mean risk events 15.2 (Table 1)
    risk_level_cv: float = 0.55  # firm baseline risk CV; between part of SD 8.3 and range 3-35 (Table 1)
    esg_level_mean: float = 68.5  # firm baseline ESG; mean ESG 68.5 (Table 1)
    esg_level_sd: float = 4.8  # firm baseline ESG SD; between part of SD 7.2 and range 52-85 (Table 1)
    corr_size_risk: float = 0.5  # larger firms report more events (assumption; keeps SD(esg) near 7.2)
    corr_size_esg: float = 0.3  # larger firms have higher ESG levels (assumption)
    corr_risk_esg: float = 0.75  # firm risk and ESG levels co-move, needed since 0.92*8.3 > 7.2 (Table 1)
    size_mean: float = 23.1  # mean log assets 23.1 (Table 1)
    size_sd_between: float = 2.45  # SD of log assets 2.5, almost all between firms (Table 1)
    size_trend: float = 0.06  # yearly growth of log assets (~6 % a year; keeps range 18.7-27.3)
    size_sd_within: float = 0.03  # idiosyncratic year noise in log assets (small)
    growth_mean: float = 0.18  # mean revenue growth 0.18 (Table 1)
    growth_sd_firm: float = 0.03  # persistent firm part of growth; SD 0.06 (Table 1)
    growth_sd_within: float = 0.05  # firm-year part of growth; SD 0.06 (Table 1)
    # year level
    cr4_mean: float = 0.65  # mean CR4 0.65 (Table 1)
    cr4_sd: float = 0.12  # SD of CR4 0.12, range 0.40-0.85 (Table 1)
    shifter_sd: float = 0.7  # SD of the industry ESG shifter S_t; first-stage F 23.67 (section 4.3)
    # region level
    reg_levels: tuple[float, ...] = (8.8, 6.0, 9.0, 6.2)  # CN, US, EU, JP regulation levels; mean 7.5, SD 1.5, range 5-9 (Table 1)
    reg_trend: float = 0.12  # yearly tightening of regulation (GDPR 2018, PIPL 2021); keeps max near 9
    reg_sd_noise: float = 0.15  # region-year noise in regulation (small)
    incidents_levels: tuple[float, ...] = (120.0, 150.0, 90.0, 60.0)  # CN, US, EU, JP incidents per year (illustrative; not in paper)
    incidents_trend: float = 0.05  # yearly growth of regional incidents (illustrative)
    incidents_sd_log: float = 0.25  # region-year log noise of incidents; drives the risk first stage
    # structural shocks
    sd_e: float = 0.55  # ESG equation shock; within-firm SD of ESG (Table 1 SD 7.2 minus between part)
    sd_u: float = 0.60  # risk equation shock; within-firm SD of risk (Table 1 SD 8.3 minus between part)
    sd_rating: float = 0.0  # rating noise in observed ESG, not fed back to risk; off by default (sensitivity option, not in paper)
    x_ref: tuple[float, float, float, float] = (23.1, 0.18, 0.65, 7.5)  # reference controls = Table 1 means (size, growth, CR4, reg)
    moment_match: bool = True  # whiten firm- and year-level draws so 12 x 6 matches Table 1 at any seed

    @property
    def true_effects(self) -> dict[str, float]:
        """The two causal effects the estimators target: risk -> ESG (beta), ESG -> risk (gamma)."""
        return {"risk_to_esg": self.beta, "esg_to_risk": self.gamma}


PARAMS = SimulationParams()
#: the default simulation's true effects, derived from :data:`PARAMS` (their one home)
TRUE_EFFECTS = PARAMS.true_effects


def _param_notes() -> dict[str, str]:
    """The one-line comment of each SimulationParams field, read from this file's source."""
    import inspect
    import re

    notes: dict[str, str] = {}
    src = inspect.getsource(SimulationParams)
    for line in src.splitlines():
        m = re.match(r"\s+(\w+): [^=]+=.*?#\s*(.+)$", line)
        if m:
            notes[m.group(1)] = m.group(2).strip()
    return notes


PARAM_NOTES = _param_notes()


def params_table(params: SimulationParams = PARAMS) -> pd.DataFrame:
    """Every simulation parameter with its value and the paper number it targets."""
    rows = []
    for f in fields(params):
        value = getattr(params, f.name)
        rows.append((f.name, ", ".join(map(str, value)) if isinstance(value, tuple) else str(value),
                     PARAM_NOTES.get(f.name, "")))
    return pd.DataFrame(rows, columns=["parameter", "value", "targets / reason"])


def _std_normal(rng: np.random.Generator, n: int, k: int, whiten: bool) -> np.ndarray:
    """n x k standard normal draws; whitened to mean 0 and identity sample covariance if asked."""
    z = rng.standard_normal((n, k))
    if whiten and n > k + 1:
        z = z - z.mean(axis=0)
        cov = z.T @ z / n
        z = z @ np.linalg.inv(np.linalg.cholesky(cov)).T
    elif whiten and n > 2:
        z = (z - z.mean(axis=0)) / z.std(axis=0)
    return z


def simulate_arrays(n_firms: int, n_years: int, rng: np.random.Generator,
                    params: SimulationParams = PARAMS) -> dict[str, np.ndarray]:
    """Draw one panel as numpy arrays (the fast core used by the Monte Carlo).

    Arrays of length ``n_firms * n_years`` are in firm-major order (row
    ``i * n_years + t``). Keys: ``firm_index``, ``year_index``,
    ``region_index`` (into ``params.regions``), the panel columns ``esg``,
    ``risk_events`` (int64), ``log_assets``, ``revenue_growth``, ``cr4``,
    ``reg_strength``, ``region_incidents``; the structural pieces
    ``a`` and ``c`` (firm intercepts, per row), ``S`` (industry ESG shifter),
    ``e`` and ``u`` (structural shocks), ``m`` (rating noise), ``esg_true``
    (ESG before rating noise, what risk responds to), ``risk_latent`` (reduced-form risk
    before rounding) and ``risk_error`` (``kappa * (risk_events - risk_latent)``,
    the extra risk-equation error from discretisation); and ``n_clipped_esg``
    (0-d int array). Unrounded.
    """
    p = params
    n, T = int(n_firms), int(n_years)
    if n < 1 or T < 1:
        raise ValueError("n_firms and n_years must be positive")
    R = len(p.regions)
    mm = p.moment_match
    kappa = 1.0 - p.beta * p.gamma
    tau = np.arange(T) - (T - 1) / 2.0

    region = (np.arange(n) * R) // n  # contiguous blocks: each region gets n/R firms
    # firm-level latent draws: size, risk level, esg level, growth level
    corr = np.array([[1.0, p.corr_size_risk, p.corr_size_esg],
                     [p.corr_size_risk, 1.0, p.corr_risk_esg],
                     [p.corr_size_esg, p.corr_risk_esg, 1.0]])
    zf = _std_normal(rng, n, 4, mm)
    zc = zf[:, :3] @ np.linalg.cholesky(corr).T
    size_i = p.size_mean + p.size_sd_between * zc[:, 0]
    s2 = math.log1p(p.risk_level_cv ** 2)
    R_i = np.exp(math.log(p.risk_level_mean) - s2 / 2 + math.sqrt(s2) * zc[:, 1])
    G_i = p.esg_level_mean + p.esg_level_sd * zc[:, 2]
    growth_i = p.growth_mean + p.growth_sd_firm * zf[:, 3]
    # year-level draws: cr4, industry ESG shifter
    zy = _std_normal(rng, T, 2, mm)
    cr4_t = np.clip(p.cr4_mean + p.cr4_sd * zy[:, 0], 0.0, 1.0)
    S_t = p.shifter_sd * zy[:, 1]
    # region-year draws
    zr = rng.standard_normal((2, R, T))
    reg_levels = np.asarray(p.reg_levels, dtype=float)
    inc_levels = np.asarray(p.incidents_levels, dtype=float)
    reg_rt = np.clip(reg_levels[:, None] + p.reg_trend * tau[None, :] + p.reg_sd_noise * zr[0], 0.0, 10.0)
    inc_rt = inc_levels[:, None] * np.exp(p.incidents_trend * tau[None, :]
                                        + p.incidents_sd_log * zr[1] - p.incidents_sd_log ** 2 / 2)
    # firm-year draws
    zit = rng.standard_normal((5, n, T))
    log_assets = size_i[:, None] + p.size_trend * tau[None, :] + p.size_sd_within * zit[0]
    growth = growth_i[:, None] + p.growth_sd_within * zit[1]
    e = p.sd_e * zit[2]
    u = p.sd_u * zit[3]
    m = p.sd_rating * zit[4]
    cr4 = np.broadcast_to(cr4_t[None, :], (n, T))
    S = np.broadcast_to(S_t[None, :], (n, T))
    reg = reg_rt[region]
    inc = inc_rt[region]

    x0 = p.x_ref
    a_i = G_i - p.beta * R_i - (p.b_size * x0[0] + p.b_growth * x0[1] + p.b_cr4 * x0[2] + p.b_reg * x0[3])
    c_i = R_i - p.gamma * G_i - p.delta * inc_levels[region]
    A = (a_i[:, None] + p.b_size * log_assets + p.b_growth * growth + p.b_cr4 * cr4
         + p.b_reg * reg + S + e)
    B = c_i[:, None] + p.delta * inc + u
    risk_latent = (B + p.gamma * A) / kappa
    risk = np.maximum(np.rint(risk_latent), 0.0)
    esg_true = A + p.beta * risk
    esg_raw = esg_true + m
    esg = np.clip(esg_raw, 0.0, 100.0)

    flat = lambda x: np.ascontiguousarray(x, dtype=float).reshape(-1)  # noqa: E731
    return {
        "firm_index": np.repeat(np.arange(n), T),
        "year_index": np.tile(np.arange(T), n),
        "region_index": np.repeat(region, T),
        "esg": flat(esg),
        "risk_events": flat(risk).astype(np.int64),
        "log_assets": flat(log_assets),
        "revenue_growth": flat(growth),
        "cr4": flat(cr4),
        "reg_strength": flat(reg),
        "region_incidents": flat(inc),
        "a": np.repeat(a_i, T),
        "c": np.repeat(c_i, T),
        "S": flat(S),
        "e": flat(e),
        "u": flat(u),
        "m": flat(m),
        "esg_true": flat(esg_true),
        "risk_latent": flat(risk_latent),
        "risk_error": flat(kappa * (risk - risk_latent)),
        "n_clipped_esg": np.asarray(int(np.sum(esg != esg_raw))),
    }


def simulate_panel(n_firms: int = DEFAULT_N_FIRMS, years=DEFAULT_YEARS, seed: int = DEFAULT_SEED,
                   params: SimulationParams = PARAMS, rounded: bool = True) -> pd.DataFrame:
    """Simulate a panel following the panel contract (see :mod:`esgrisk.panel`).

    Firms are anonymous ids ``F01``.. zero-padded to the width ``n_firms``
    needs; regions are assigned in contiguous blocks over ``params.regions``.
    With ``rounded=True`` floats are rounded as in the CSV (:data:`DECIMALS`),
    so the result equals ``load_panel`` of the written file.
    """
    years = np.asarray(list(years), dtype=np.int64)
    rng = np.random.default_rng(seed)
    arr = simulate_arrays(n_firms, len(years), rng, params)
    width = max(2, len(str(int(n_firms))))
    firm_ids = np.array([f"F{i + 1:0{width}d}" for i in range(int(n_firms))], dtype=object)
    regions = np.asarray(params.regions, dtype=object)
    df = pd.DataFrame({
        "firm": pd.array(firm_ids[arr["firm_index"]], dtype="str"),
        "year": years[arr["year_index"]],
        "region": pd.array(regions[arr["region_index"]], dtype="str"),
        "esg": arr["esg"],
        "risk_events": arr["risk_events"],
        "log_assets": arr["log_assets"],
        "revenue_growth": arr["revenue_growth"],
        "cr4": arr["cr4"],
        "reg_strength": arr["reg_strength"],
        "region_incidents": arr["region_incidents"],
    })
    if rounded:
        for col, d in DECIMALS.items():
            df[col] = df[col].round(d)
    return df


def panel_csv_bytes(panel: pd.DataFrame) -> bytes:
    """The deterministic CSV encoding of a panel (fixed decimals, '\\n' line endings, UTF-8)."""
    out = panel.copy()
    for col, d in DECIMALS.items():
        out[col] = out[col].map(lambda v, d=d: f"{v:.{d}f}")
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_default_panel(path: str | Path = SIMULATED_PANEL) -> bool:
    """Write the default simulated panel to ``path``; rewrite only if the bytes differ.

    Returns True if the file was written, False if it was already identical.
    """
    path = resolve(path)
    data = panel_csv_bytes(simulate_panel())
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def between_within(panel: pd.DataFrame, columns=("risk_events", "esg")) -> pd.DataFrame:
    """Split each column's variation into between-firm and within-firm parts.

    Columns of the result: ``sd_overall`` (ddof=1), ``sd_between`` (SD of firm
    means), ``sd_within`` (SD of deviations from firm means, ddof=1),
    ``between_share`` (between sum of squares / total sum of squares).
    Attributes ``corr_pooled`` and ``corr_within`` of the returned frame hold
    the pooled and within-firm correlation of the first two columns.
    """
    cols = list(columns)
    data = panel[cols].astype(float)
    means = data.groupby(panel["firm"]).transform("mean")
    dev = data - means
    total = ((data - data.mean()) ** 2).sum()
    out = pd.DataFrame({
        "sd_overall": data.std(ddof=1),
        "sd_between": data.groupby(panel["firm"]).mean().std(ddof=1),
        "sd_within": dev.std(ddof=1),
        "between_share": ((means - data.mean()) ** 2).sum() / total,
    })
    if len(cols) >= 2:
        out.attrs["corr_pooled"] = float(data[cols[0]].corr(data[cols[1]]))
        out.attrs["corr_within"] = float(dev[cols[0]].corr(dev[cols[1]]))
    return out


def main(argv: list[str] | None = None) -> int:
    wrote = write_default_panel()
    try:
        shown = SIMULATED_PANEL.relative_to(resolve("."))
    except ValueError:
        shown = SIMULATED_PANEL
    print(f"[data] {'wrote' if wrote else 'unchanged'} {shown} "
          f"({DEFAULT_N_FIRMS} firms x {len(DEFAULT_YEARS)} years, seed {DEFAULT_SEED})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def seed_or_default(seed: int | None) -> int:
    """The seed a chapter uses: its ``seed`` parameter, or :data:`DEFAULT_SEED` when None.

    Chapters declare ``seed = None`` so that the default is typed once, here.
    """
    return DEFAULT_SEED if seed is None else int(seed)
