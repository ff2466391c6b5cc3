"""Confirmatory factor analysis and measurement invariance across survey years.

The instrument claims a structure: items measure six categories, and the categories measure
two dimensions (capability: effektivitet, innovation, balansering; legacy: organisation,
anvandare, teknik). This module tests that claim with a confirmatory factor analysis (CFA),
year by year, and asks whether the items measure the same thing in every year
(configural -> metric -> scalar measurement invariance), which is what comparing scores
across years silently assumes.

Estimation is normal-theory maximum likelihood (ML) on covariance matrices and mean vectors,
implemented with numpy and scipy, following lavaan's conventions so that its published
results can be reproduced (see ``tests/test_factor.py``):

* Discrepancy, summed over groups g with N_g responses (N = sum of N_g)::

      F = sum_g (N_g / N) [log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p
                           + (m_g - mu_g)' Sigma_g^-1 (m_g - mu_g)]

  and chi2 = N * F (N, not N - 1, as lavaan does by default for ML). S_g is the ML
  covariance matrix (divisor N, not N - 1).
* Model (LISREL "all-y" form): y = nu + Lambda eta1 + eps, eta1 = Gamma eta2 + zeta, so
  Sigma = L Psi L' + Theta and mu = nu + L alpha with L = [Lambda, Lambda Gamma]; Psi holds
  the first-order factor (co)variances, or, in a second-order model, the first-order
  disturbance variances (uncorrelated) and the second-order factor (co)variances (correlated).
* Identification. Single group: every factor variance (for first-order factors under a
  second-order factor: the disturbance variance) is fixed to 1 and all loadings are free
  (lavaan's ``std.lv = TRUE``). Multiple groups: the first loading of each factor is fixed to 1
  (marker variable, lavaan's default); latent (co)variances are free in every group.
* Invariance levels (lavaan's ``group.equal``): configural = same pattern, nothing equal;
  metric = all loadings equal (first- and second-order, as lavaan's "loadings");
  scalar = loadings and item intercepts equal, with the first-order latent means fixed to 0 in
  the first group and free in the others. In a second-order model the second-order means are
  fixed to 0 in every group: with free first-order latent means they would not be identified
  (lavaan frees both and then counts too few degrees of freedom). Without equal intercepts the
  mean structure is saturated (intercepts = sample means) and adds nothing to chi2 or df, so it
  is left out, exactly as in lavaan.
* Fit indices as lavaan computes them: baseline = independence model (free variances and means
  per group), CFI, TLI, RMSEA with the sqrt(G) multi-group factor, and SRMR ("Bentler":
  residuals standardised by the observed standard deviations, covariances including the
  diagonal, plus mean residuals when the model has a mean structure, i.e. always with several
  groups; group values weighted by N_g / N).
* Residual and latent variances are bounded below by a tiny positive value, so a Heywood case
  ends at the bound (reported in ``FitResult.warnings``) instead of going negative.

**Ordinal items.** The answers are 1-5 agreement ratings, i.e. ordinal. Treating them as
continuous and normal is an approximation: it is usually adequate for five categories that are
not piled up at one end, but chi2 is then inflated and loadings attenuated to some degree.
Polychoric correlations with a WLSMV estimator would be the ordinal analysis; it is not
implemented here. Read the fit indices as descriptive, and compare levels of invariance by
their change (delta CFI, delta RMSEA) rather than by chi2 difference tests, which at
national sample sizes reject any difference.

**Missing answers ("Vet ej", unanswered).** Each item lacks ~5 % of answers, so complete
responses are rare. :func:`group_moments` therefore uses, per group, *pairwise-present*
moments: each covariance from the responses that answered both items, each mean from those
that answered the item, with N_g = the number of responses in the group. This is simple and
fast, but it is not full-information ML: it assumes answers are missing completely at random,
the matrix may (rarely, in small groups) be indefinite and is then nudged to the nearest
positive-definite matrix, and using N_g for every element slightly overstates the information,
so chi2 is somewhat inflated. ``mode="complete"`` gives the complete-case (listwise) moments
instead, with N_g = the number of complete responses.

Long because the CFA estimator (maximum-likelihood fit, standard errors, fit indices) and
the invariance ladder built on it are one estimator family sharing their internals.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from mognad.indices.scores import keyed_answers
from mognad.instrument import Instrument

Level = Literal["configural", "metric", "scalar"]
LEVELS: tuple[Level, ...] = ("configural", "metric", "scalar")

#: Lower bound of residual and latent variances, relative to the item variances.
_VARIANCE_FLOOR = 1e-6
#: Smallest eigenvalue a sample covariance matrix may have, relative to its largest.
_PD_TOLERANCE = 1e-6


# --------------------------------------------------------------------------------------------
# Model specification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A CFA model: first-order factors -> indicators, optional second-order factors.

    ``factors`` maps each first-order factor to its indicators (each indicator loads on one
    factor only); ``second_order`` maps each second-order factor to its first-order factors
    (each first-order factor under exactly one). Without second-order factors, the first-order
    factors are correlated; with them, the second-order factors are correlated and the
    first-order factors are related only through them.
    """

    factors: dict[str, list[str]]
    second_order: dict[str, list[str]] | None = None

    def __post_init__(self) -> None:
        if self.second_order is not None and not self.second_order:
            object.__setattr__(self, "second_order", None)
        if not self.factors:
            raise ValueError("a model needs at least one factor")
        seen: set[str] = set()
        for name, items in self.factors.items():
            if len(items) < 2:
                raise ValueError(f"factor '{name}' needs at least two indicators")
            twice = seen.intersection(items) | {i for i in items if list(items).count(i) > 1}
            if twice:
                raise ValueError(f"indicators {sorted(twice)} load on more than one factor")
            seen.update(items)
        clash = seen.intersection(self.factors)
        if clash:
            raise ValueError(f"{sorted(clash)} are both factors and indicators")
        if self.second_order is not None:
            under = [f for subs in self.second_order.values() for f in subs]
            unknown = sorted(set(under) - set(self.factors))
            if unknown:
                raise ValueError(f"second-order factors refer to unknown factors {unknown}")
            if sorted(under) != sorted(self.factors):
                raise ValueError("every first-order factor must be under exactly one second-order")
            if set(self.second_order) & (set(self.factors) | seen):
                raise ValueError("second-order factor names must be new names")
            if any(len(subs) < 2 for subs in self.second_order.values()):
                raise ValueError("every second-order factor needs at least two first-order factors")

    @property
    def indicators(self) -> list[str]:
        """All indicators, factor by factor, in the order given."""
        return [i for items in self.factors.values() for i in items]

    @property
    def first_order(self) -> list[str]:
        return list(self.factors)

    @property
    def higher_order(self) -> list[str]:
        return list(self.second_order or {})


class Moments(NamedTuple):
    """One group's sample moments: ML covariance matrix, means and number of responses."""

    cov: pd.DataFrame
    means: pd.Series
    n: int


@dataclass
class FitResult:
    """The outcome of a (multi-group) ML fit.

    ``chi2`` = N * F at the minimum (``fmin`` = F; lavaan reports F / 2 as its fmin), ``df``
    = number of sample moments - ``npar``; ``cfi``, ``tli`` against the independence baseline
    (``baseline_chi2``, ``baseline_df``); ``rmsea`` with the sqrt(G) multi-group factor;
    ``srmr`` as lavaan's default ("Bentler"). ``loadings`` is tidy: one row per group and
    loading (first-order: factor -> indicator; second-order: dimension -> first-order factor)
    with the ``estimate``, the completely standardised ``std_all`` and whether it was ``free``
    (marker loadings are fixed to 1). ``implied`` maps each group to its model-implied
    covariance matrix and means. ``warnings`` lists adjusted inputs and Heywood cases.
    """

    chi2: float
    df: int
    pvalue: float
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    converged: bool
    iterations: int
    loadings: pd.DataFrame
    n: int
    groups: list
    level: str
    baseline_chi2: float
    baseline_df: int
    npar: int
    fmin: float
    seconds: float
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    implied: dict = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, float | int | bool]:
        """The fit indices as a flat dict (one table row)."""
        return {
            "chi2": self.chi2,
            "df": self.df,
            "pvalue": self.pvalue,
            "cfi": self.cfi,
            "tli": self.tli,
            "rmsea": self.rmsea,
            "srmr": self.srmr,
            "converged": self.converged,
        }


# --------------------------------------------------------------------------------------------
# Parameter structure: which matrix cells are free, fixed or shared across groups
# --------------------------------------------------------------------------------------------


@dataclass
class _Cells:
    """Free cells of one matrix in one group: row, column, parameter index."""

    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    params: list[int] = field(default_factory=list)

    def add(self, row: int, col: int, param: int) -> None:
        self.rows.append(row)
        self.cols.append(col)
        self.params.append(param)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            np.asarray(self.rows, dtype=np.intp),
            np.asarray(self.cols, dtype=np.intp),
            np.asarray(self.params, dtype=np.intp),
        )


@dataclass
class _Group:
    """Fixed values and free cells of every model matrix in one group."""

    label: object
    n: int
    S: np.ndarray
    m: np.ndarray
    logdet_S: float
    lam: np.ndarray  # p x k1 (fixed values; free cells overwritten)
    gam: np.ndarray  # k1 x k2
    psi: np.ndarray  # k x k, k = k1 + k2
    theta: np.ndarray  # p (diagonal)
    nu: np.ndarray  # p
    alpha: np.ndarray  # k
    cells: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)


@dataclass
class _Structure:
    model: Model
    groups: list[_Group]
    keys: list[tuple]
    lower: np.ndarray
    meanstructure: bool
    level: str


_MATRICES = ("lam", "gam", "psi", "theta", "nu", "alpha")


def _build(
    model: Model,
    moments: Sequence[tuple[object, np.ndarray, np.ndarray, int]],
    level: str,
    marker: bool,
) -> _Structure:
    """Lay out the free parameters (lavaan's defaults for the level and identification)."""
    first = model.first_order
    second = model.higher_order
    k1, k2 = len(first), len(second)
    items = model.indicators
    row = {item: i for i, item in enumerate(items)}
    equal_loadings = level in ("metric", "scalar")
    equal_intercepts = level == "scalar"
    meanstructure = equal_intercepts

    keys: dict[tuple, int] = {}
    lower: dict[int, float] = {}

    def param(key: tuple, floor: float | None = None) -> int:
        index = keys.setdefault(key, len(keys))
        if floor is not None:
            lower[index] = floor
        return index

    groups: list[_Group] = []
    for g, (label, S, m, n) in enumerate(moments):
        p = len(items)
        cells = {name: _Cells() for name in _MATRICES}
        lam = np.zeros((p, k1))
        gam = np.zeros((k1, k2))
        psi = np.zeros((k1 + k2, k1 + k2))
        theta = np.zeros(p)
        nu = np.zeros(p)
        alpha = np.zeros(k1 + k2)
        tag = None if equal_loadings else g
        for f, name in enumerate(first):
            for j, item in enumerate(model.factors[name]):
                if marker and j == 0:
                    lam[row[item], f] = 1.0
                else:
                    cells["lam"].add(row[item], f, param(("=~", name, item, tag)))
        floor = _VARIANCE_FLOOR * float(np.min(np.diag(S)))
        if k2:
            index = {name: f for f, name in enumerate(first)}
            for s, name in enumerate(second):
                for j, sub in enumerate(model.second_order[name]):  # type: ignore[index]
                    if marker and j == 0:
                        gam[index[sub], s] = 1.0
                    else:
                        cells["gam"].add(index[sub], s, param(("=~", name, sub, tag)))
            for f, name in enumerate(first):  # disturbances, uncorrelated
                if marker:
                    cells["psi"].add(f, f, param(("~~", name, name, g), floor))
                else:
                    psi[f, f] = 1.0
            latent = [(k1 + s, name) for s, name in enumerate(second)]
        else:
            latent = list(enumerate(first))
        for a, (ia, na) in enumerate(latent):
            for ib, nb in latent[a:]:
                if ia == ib and not marker:
                    psi[ia, ia] = 1.0
                    continue
                index_ab = param(("~~", na, nb, g), floor if ia == ib else None)
                cells["psi"].add(ia, ib, index_ab)
                if ia != ib:
                    cells["psi"].add(ib, ia, index_ab)
        for item in items:
            i = row[item]
            cells["theta"].add(i, 0, param(("~~", item, item, g), _VARIANCE_FLOOR * S[i, i]))
        if meanstructure:
            for item in items:
                cells["nu"].add(row[item], 0, param(("~1", item, None)))
            if g > 0:
                for f, name in enumerate(first):
                    cells["alpha"].add(f, 0, param(("~1", name, g)))
        group = _Group(
            label=label,
            n=int(n),
            S=S,
            m=m,
            logdet_S=float(np.linalg.slogdet(S)[1]),
            lam=lam,
            gam=gam,
            psi=psi,
            theta=theta,
            nu=nu,
            alpha=alpha,
        )
        group.cells = {name: c.arrays() for name, c in cells.items()}
        groups.append(group)
    bounds = np.full(len(keys), -np.inf)
    for slot, floor in lower.items():
        bounds[slot] = floor
    return _Structure(model, groups, list(keys), bounds, meanstructure, level)


def _fill(group: _Group, x: np.ndarray) -> dict[str, np.ndarray]:
    """The group's model matrices at parameter vector ``x``."""
    out = {}
    for name in _MATRICES:
        base = getattr(group, name)
        mat = base.copy()
        rows, cols, params = group.cells[name]
        if len(params):
            if mat.ndim == 1:
                mat[rows] = x[params]
            else:
                mat[rows, cols] = x[params]
        out[name] = mat
    return out


def _loading_matrix(mats: dict[str, np.ndarray]) -> np.ndarray:
    lam, gam = mats["lam"], mats["gam"]
    if gam.shape[1] == 0:
        return lam
    return np.hstack([lam, lam @ gam])


def _implied(mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    L = _loading_matrix(mats)
    sigma = L @ mats["psi"] @ L.T + np.diag(mats["theta"])
    mu = mats["nu"] + L @ mats["alpha"]
    return sigma, mu


# --------------------------------------------------------------------------------------------
# Objective and optimisation
# --------------------------------------------------------------------------------------------


def _group_objective(
    x: np.ndarray, st: _Structure, group: _Group
) -> tuple[float, np.ndarray] | None:
    """One group's F and its analytic gradient; None where the implied covariance is not
    positive definite."""
    grad = np.zeros_like(x)
    mats = _fill(group, x)
    L = _loading_matrix(mats)
    psi = mats["psi"]
    sigma = L @ psi @ L.T + np.diag(mats["theta"])
    try:
        chol = linalg.cho_factor(sigma, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return None
    diag = np.diag(chol[0])
    if np.any(diag <= 0) or not np.all(np.isfinite(diag)):
        return None
    inv = linalg.cho_solve(chol, np.eye(len(sigma)), check_finite=False)
    logdet = 2.0 * float(np.sum(np.log(diag)))
    S = group.S
    p = len(S)
    value = logdet + float(np.sum(S * inv)) - group.logdet_S - p
    outer = S
    if st.meanstructure:
        d = group.m - (mats["nu"] + L @ mats["alpha"])
        inv_d = inv @ d
        value += float(d @ inv_d)
        outer = S + np.outer(d, d)
    W = inv - inv @ outer @ inv
    g_L = 2.0 * W @ L @ psi
    g_psi = L.T @ W @ L
    g_theta = np.diag(W)
    if st.meanstructure:
        g_L = g_L - 2.0 * np.outer(inv_d, mats["alpha"])
        g_nu = -2.0 * inv_d
        g_alpha = -2.0 * L.T @ inv_d
    k1 = mats["lam"].shape[1]
    if mats["gam"].shape[1]:
        g_lam = g_L[:, :k1] + g_L[:, k1:] @ mats["gam"].T
        g_gam = mats["lam"].T @ g_L[:, k1:]
    else:
        g_lam = g_L
        g_gam = None
    parts = {"lam": g_lam, "gam": g_gam, "psi": g_psi, "theta": g_theta}
    if st.meanstructure:
        parts |= {"nu": g_nu, "alpha": g_alpha}
    for name, gmat in parts.items():
        rows, cols, params = group.cells[name]
        if not len(params):
            continue
        vals = gmat[rows] if gmat.ndim == 1 else gmat[rows, cols]
        grad += np.bincount(params, weights=vals, minlength=len(x))
    return value, grad


def _objective(x: np.ndarray, st: _Structure, weights: np.ndarray) -> tuple[float, np.ndarray]:
    """F (weighted over groups) and its analytic gradient."""
    total = 0.0
    grad = np.zeros_like(x)
    for w, group in zip(weights, st.groups, strict=True):
        terms = _group_objective(x, st, group)
        if terms is None:
            return 1e10, np.zeros_like(x)
        total += w * terms[0]
        grad += w * terms[1]
    return total, grad


def _start(st: _Structure, marker: bool) -> np.ndarray:
    """Starting values: per group a standardised one-factor-per-block solution, rescaled to
    the identification in use; parameters shared across groups get the mean start."""
    model = st.model
    first, second = model.first_order, model.higher_order
    k1 = len(first)
    items = model.indicators
    row = {item: i for i, item in enumerate(items)}
    sums = np.zeros(len(st.keys))
    counts = np.zeros(len(st.keys))
    for group in st.groups:
        S = group.S
        sd = np.sqrt(np.diag(S))
        R = S / np.outer(sd, sd)
        lam_std = np.zeros(len(items))
        for name in first:
            idx = [row[i] for i in model.factors[name]]
            block = R[np.ix_(idx, idx)]
            eigenvalues, vectors = np.linalg.eigh(block)
            v = vectors[:, -1] * (1 if vectors[:, -1].sum() >= 0 else -1)
            lam_std[idx] = np.clip(np.sqrt(max(eigenvalues[-1], 1e-6)) * v, -0.95, 0.95)
            lam_std[idx] = np.where(np.abs(lam_std[idx]) < 0.2, 0.2, lam_std[idx])
        phi = np.eye(k1)
        for a, na in enumerate(first):
            ia = [row[i] for i in model.factors[na]]
            for b in range(a + 1, k1):
                ib = [row[i] for i in model.factors[first[b]]]
                ratio = R[np.ix_(ia, ib)] / np.outer(lam_std[ia], lam_std[ib])
                phi[a, b] = phi[b, a] = np.clip(np.mean(ratio), -0.9, 0.9)
        while np.linalg.eigvalsh(phi)[0] < 0.05:
            phi = 0.9 * phi + 0.1 * np.eye(k1)
        theta_std = np.maximum(1.0 - lam_std**2, 0.05)
        lam = np.zeros((len(items), k1))
        for f, name in enumerate(first):
            for item in model.factors[name]:
                lam[row[item], f] = lam_std[row[item]] * sd[row[item]]
        theta = theta_std * sd**2
        # latent part, standardised (every latent variable has total variance 1)
        if second:
            k2 = len(second)
            of = {name: f for f, name in enumerate(first)}
            gam = np.zeros((k1, k2))
            for s, name in enumerate(second):
                subs = [of[f] for f in model.second_order[name]]  # type: ignore[index]
                for f in subs:
                    others = [phi[f, h] for h in subs if h != f]
                    mean_r = np.mean(others) if others else 0.5
                    gam[f, s] = np.sqrt(np.clip(mean_r, 0.1, 0.9))
            owner = gam.argmax(axis=1)
            gmax = gam.max(axis=1)
            psi2 = np.eye(k2)
            for s in range(k2):
                for t in range(s + 1, k2):
                    fs = np.flatnonzero(owner == s)
                    ft = np.flatnonzero(owner == t)
                    ratio = phi[np.ix_(fs, ft)] / np.outer(gmax[fs], gmax[ft])
                    psi2[s, t] = psi2[t, s] = np.clip(np.mean(ratio), -0.9, 0.9)
            zeta = 1.0 - gmax**2
            # rescale: eta_new = c * eta  (loadings / c, variances * c^2, gamma * c_f / c_s)
            if marker:
                c1 = np.array([lam[row[model.factors[n][0]], f] for f, n in enumerate(first)])
                c2 = np.array(
                    [
                        gam[of[model.second_order[n][0]], s] * c1[of[model.second_order[n][0]]]  # type: ignore[index]
                        for s, n in enumerate(second)
                    ]
                )
            else:
                c1 = 1.0 / np.sqrt(zeta)
                c2 = np.ones(k2)
            lam = lam / c1
            gam = gam * c1[:, None] / c2[None, :]
            psi = np.zeros((k1 + k2, k1 + k2))
            psi[np.arange(k1), np.arange(k1)] = zeta * c1**2
            psi[k1:, k1:] = psi2 * np.outer(c2, c2)
        else:
            gam = np.zeros((k1, 0))
            if marker:
                c1 = np.array([lam[row[model.factors[n][0]], f] for f, n in enumerate(first)])
            else:
                c1 = np.ones(k1)
            lam = lam / c1
            psi = phi * np.outer(c1, c1)
        values = {
            "lam": lam,
            "gam": gam,
            "psi": psi,
            "theta": theta,
            "nu": group.m,
            "alpha": np.zeros(psi.shape[0]),
        }
        for name in _MATRICES:
            rows, cols, params = group.cells[name]
            if not len(params):
                continue
            mat = values[name]
            vals = mat[rows] if mat.ndim == 1 else mat[rows, cols]
            np.add.at(sums, params, vals)
            np.add.at(counts, params, 1.0)
    x0 = sums / np.maximum(counts, 1.0)
    return np.maximum(x0, np.where(np.isfinite(st.lower), st.lower * 10, -np.inf))


def _optimise(st: _Structure, marker: bool) -> tuple[np.ndarray, optimize.OptimizeResult]:
    n = np.array([g.n for g in st.groups], dtype=float)
    weights = n / n.sum()
    x0 = _start(st, marker)
    bounds = [(lo if np.isfinite(lo) else None, None) for lo in st.lower]
    res = optimize.minimize(
        _objective,
        x0,
        args=(st, weights),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 20000, "maxfun": 40000, "maxcor": 30, "ftol": 1e-14, "gtol": 1e-9},
    )
    return _polish(res.x, st, weights), res


#: Newton steps (with one Hessian) that follow L-BFGS-B, and the relative step below
#: which they stop.
_POLISH_STEPS = 4
_POLISH_DONE = 1e-13


def _polish(x: np.ndarray, st: _Structure, weights: np.ndarray) -> np.ndarray:
    """Newton steps on the free parameters from where L-BFGS-B stopped.

    L-BFGS-B stops where F no longer falls measurably; near the minimum F changes with the
    square of a parameter's error, so the parameters are then only known to about 1e-7,
    and where exactly the optimiser stops depends on the CPU's BLAS kernel. Newton steps
    on the analytic gradient (one Hessian, by central differences of it, for every step)
    take them to about 1e-13, so that the published digits of fit indices agree across
    machines. Parameters at a lower bound (Heywood cases) stay there; a step that does not
    shrink the gradient is not taken.
    """
    free = ~(np.isfinite(st.lower) & (x <= st.lower * (1 + 1e-6)))
    index = np.flatnonzero(free)
    if not len(index):
        return x
    hessian = _free_hessian(x, st, weights, index)
    try:
        factor = linalg.cho_factor(hessian, check_finite=False)
    except linalg.LinAlgError:
        return x  # not a minimum of the free parameters: leave it to the optimiser
    _, grad = _objective(x, st, weights)
    for _ in range(_POLISH_STEPS):
        step = linalg.cho_solve(factor, grad[index], check_finite=False)
        trial = x.copy()
        trial[index] -= step
        if np.any(trial < st.lower):
            break
        _, trial_grad = _objective(trial, st, weights)
        if not np.max(np.abs(trial_grad[index])) < np.max(np.abs(grad[index])):
            break
        x, grad = trial, trial_grad
        if np.max(np.abs(step) / np.maximum(1.0, np.abs(x[index]))) < _POLISH_DONE:
            break
    return x


def _free_hessian(
    x: np.ndarray, st: _Structure, weights: np.ndarray, index: np.ndarray
) -> np.ndarray:
    """The Hessian of F in the parameters ``index``, by central differences of the
    analytic gradient; each difference re-evaluates only the groups the parameter is in."""
    users = [
        set(np.concatenate([group.cells[name][2] for name in _MATRICES]).tolist())
        for group in st.groups
    ]
    hessian = np.zeros((len(index), len(index)))
    for column, i in enumerate(index):
        h = 1e-5 * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        for w, group, used in zip(weights, st.groups, users, strict=True):
            if int(i) not in used:
                continue
            above, below = _group_objective(up, st, group), _group_objective(down, st, group)
            if above is None or below is None:
                return np.full((len(index), len(index)), np.nan)
            hessian[:, column] += w * (above[1][index] - below[1][index]) / (2 * h)
    return (hessian + hessian.T) / 2


# --------------------------------------------------------------------------------------------
# Fit indices
# --------------------------------------------------------------------------------------------


def _srmr_group(S, m, sigma, mu, meanstructure: bool) -> float:
    sd = np.sqrt(np.diag(S))
    resid = (S - sigma) / np.outer(sd, sd)
    lower = resid[np.tril_indices(len(S))]
    total = float(np.sum(lower**2))
    count = lower.size
    if meanstructure:
        total += float(np.sum(((m - mu) / sd) ** 2))
        count += len(S)
    return float(np.sqrt(total / count))


def _indices(
    chi2: float, df: int, base_chi2: float, base_df: int, n: int, groups: int
) -> dict[str, float]:
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, base_chi2 - base_df, 0.0)
    cfi = 1.0 if t2 == 0 else 1.0 - t1 / t2
    if df > 0 and base_df > 0:
        tli = (base_chi2 / base_df - chi2 / df) / (base_chi2 / base_df - 1.0)
        rmsea = float(np.sqrt(max(chi2 / n / df - 1.0 / n, 0.0)) * np.sqrt(groups))
        pvalue = float(stats.chi2.sf(chi2, df))
    else:
        tli, rmsea, pvalue = 1.0, 0.0, float("nan")
    return {"cfi": float(cfi), "tli": float(tli), "rmsea": rmsea, "pvalue": pvalue}


def _std_loadings(st: _Structure, group: _Group, mats: dict[str, np.ndarray], sigma, label):
    model = st.model
    first, second = model.first_order, model.higher_order
    k1 = len(first)
    psi = mats["psi"]
    if second:
        T = np.zeros((k1 + len(second), k1 + len(second)))
        T[:k1, :k1] = np.eye(k1)
        T[:k1, k1:] = mats["gam"]
        T[k1:, k1:] = np.eye(len(second))
        latent_cov = T @ psi @ T.T
    else:
        latent_cov = psi
    latent_sd = np.sqrt(np.clip(np.diag(latent_cov), 0, None))
    item_sd = np.sqrt(np.diag(sigma))
    row = {item: i for i, item in enumerate(model.indicators)}
    free_lam = {(r, c) for r, c in zip(*group.cells["lam"][:2], strict=True)}
    records = []
    for f, name in enumerate(first):
        for item in model.factors[name]:
            i = row[item]
            est = mats["lam"][i, f]
            records.append(
                (label, name, item, est, est * latent_sd[f] / item_sd[i], (i, f) in free_lam)
            )
    if second:
        free_gam = {(r, c) for r, c in zip(*group.cells["gam"][:2], strict=True)}
        of = {name: f for f, name in enumerate(first)}
        for s, name in enumerate(second):
            for sub in model.second_order[name]:  # type: ignore[index]
                f = of[sub]
                est = mats["gam"][f, s]
                std = est * latent_sd[k1 + s] / latent_sd[f]
                records.append((label, name, sub, est, std, (f, s) in free_gam))
    return records


def _fit(
    model: Model,
    moments: Sequence[tuple[object, np.ndarray, np.ndarray, int]],
    level: str,
    marker: bool,
    notes: list[str],
) -> FitResult:
    started = time.perf_counter()
    st = _build(model, moments, level, marker)
    x, res = _optimise(st, marker)
    n_total = sum(g.n for g in st.groups)
    weights = np.array([g.n for g in st.groups], dtype=float) / n_total
    fmin, grad = _objective(x, st, weights)
    p = len(model.indicators)
    moments_count = len(st.groups) * (p * (p + 1) // 2 + (p if st.meanstructure else 0))
    npar = len(st.keys)
    df = moments_count - npar
    chi2 = float(n_total * fmin)
    base_chi2 = 0.0
    srmr = 0.0
    records = []
    implied = {}
    for w, group in zip(weights, st.groups, strict=True):
        S = group.S
        base_chi2 += group.n * (float(np.sum(np.log(np.diag(S)))) - group.logdet_S)
        mats = _fill(group, x)
        sigma, mu = _implied(mats)
        if not st.meanstructure:
            mu = group.m
        multi = len(st.groups) > 1
        srmr += w * _srmr_group(S, group.m, sigma, mu, multi)
        records.extend(_std_loadings(st, group, mats, sigma, group.label))
        implied[group.label] = (
            pd.DataFrame(sigma, index=model.indicators, columns=model.indicators),
            pd.Series(mu, index=model.indicators),
        )
    base_df = len(st.groups) * p * (p - 1) // 2
    fit = _indices(chi2, df, base_chi2, base_df, n_total, len(st.groups))
    # convergence: optimiser's verdict, or a vanishing projected gradient
    at_bound = np.isfinite(st.lower) & (x <= st.lower * (1 + 1e-6))
    proj = np.where(at_bound & (grad > 0), 0.0, grad)
    converged = bool(res.success or np.max(np.abs(proj)) < 1e-6)
    if np.any(at_bound):
        names = [" ".join(str(k) for k in st.keys[i][1:3]) for i in np.flatnonzero(at_bound)]
        notes.append(f"variance(s) at the lower bound (Heywood case): {names}")
    loadings = pd.DataFrame(
        records, columns=["group", "factor", "indicator", "estimate", "std_all", "free"]
    )
    return FitResult(
        chi2=chi2,
        df=int(df),
        pvalue=fit["pvalue"],
        cfi=fit["cfi"],
        tli=fit["tli"],
        rmsea=fit["rmsea"],
        srmr=float(srmr),
        converged=converged,
        iterations=int(res.nit),
        loadings=loadings,
        n=int(n_total),
        groups=[g.label for g in st.groups],
        level=level,
        baseline_chi2=float(base_chi2),
        baseline_df=int(base_df),
        npar=int(npar),
        fmin=float(fmin),
        seconds=time.perf_counter() - started,
        message=str(res.message),
        warnings=notes,
        implied=implied,
    )


# --------------------------------------------------------------------------------------------
# Public fitting functions
# --------------------------------------------------------------------------------------------


def _as_moments(
    model: Model, label: object, cov, means, n: int, notes: list[str]
) -> tuple[object, np.ndarray, np.ndarray, int]:
    items = model.indicators
    if isinstance(cov, pd.DataFrame):
        missing = sorted(set(items) - set(cov.columns))
        if missing:
            raise ValueError(f"group {label!r}: covariance matrix lacks {missing}")
        S = cov.loc[items, items].to_numpy(dtype=float)
    else:
        S = np.asarray(cov, dtype=float)
        if S.shape != (len(items), len(items)):
            raise ValueError(f"group {label!r}: covariance matrix must be {len(items)} square")
    if means is None:
        m = np.zeros(len(items))
    elif isinstance(means, pd.Series):
        m = means.loc[items].to_numpy(dtype=float)
    else:
        m = np.asarray(means, dtype=float)
    if not np.all(np.isfinite(S)) or not np.all(np.isfinite(m)):
        raise ValueError(f"group {label!r}: moments contain missing values")
    if int(n) < 2:
        raise ValueError(f"group {label!r}: needs at least two responses")
    S = (S + S.T) / 2
    S, nudged = _nearest_pd(S)
    if nudged:
        notes.append(f"group {label!r}: covariance matrix was not positive definite; nudged")
    return label, S, m, int(n)


def _nearest_pd(S: np.ndarray) -> tuple[np.ndarray, bool]:
    """Clip eigenvalues at a small positive value, keeping the diagonal (variances)."""
    values, vectors = np.linalg.eigh(S)
    floor = _PD_TOLERANCE * max(float(values[-1]), 1e-12)
    if values[0] > floor:
        return S, False
    fixed = (vectors * np.maximum(values, floor)) @ vectors.T
    scale = np.sqrt(np.diag(S) / np.diag(fixed))
    return fixed * np.outer(scale, scale), True


def fit_cfa(cov, means, n: int, model: Model) -> FitResult:
    """Fit ``model`` to one group's covariance matrix by ML (factor variances fixed to 1).

    ``cov`` is the ML covariance matrix (divisor n), a DataFrame labelled by item (or an
    array in ``model.indicators`` order); ``means`` may be None: with one group the mean
    structure is saturated and does not affect the fit. ``n`` is the number of responses.
    """
    notes: list[str] = []
    moments = [_as_moments(model, "all", cov, means, n, notes)]
    return _fit(model, moments, "single", marker=False, notes=notes)


def fit_multigroup(
    groups: Mapping[object, tuple], model: Model, level: Level = "configural"
) -> FitResult:
    """Fit ``model`` jointly to several groups at one invariance level.

    ``groups`` maps a label to ``(cov, means, n)`` (e.g. :class:`Moments`); the first group is
    the reference (latent means 0). ``level``: "configural" (same pattern), "metric" (equal
    loadings) or "scalar" (equal loadings and intercepts; latent means free outside the
    reference group). Identification by marker variables (first loading = 1).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if len(groups) < 2:
        raise ValueError("a multi-group fit needs at least two groups")
    notes: list[str] = []
    moments = [
        _as_moments(model, label, cov, means, n, notes) for label, (cov, means, n) in groups.items()
    ]
    return _fit(model, moments, level, marker=True, notes=notes)


# --------------------------------------------------------------------------------------------
# Survey-facing functions
# --------------------------------------------------------------------------------------------


def survey_model(instrument: Instrument, items: Sequence[str]) -> Model:
    """The instrument's structure restricted to ``items``: categories as first-order factors
    under the two dimensions (capability, legacy) as correlated second-order factors."""
    wanted = set(items)
    factors = {}
    for category in instrument.categories:
        inds = [i for i in instrument.category_items(category) if i in wanted]
        if inds:
            factors[category] = inds
    unknown = sorted(wanted - {i for inds in factors.values() for i in inds})
    if unknown:
        raise ValueError(f"items {unknown} are not in the instrument")
    second = {}
    for dimension in instrument.dimensions:
        cats = [c for c in instrument.dimension_categories(dimension) if c in factors]
        if cats:
            second[dimension] = cats
    return Model(factors=factors, second_order=second)


def _pairwise_moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-present ML covariances (divisor n_ij) and available-case means."""
    present = ~np.isnan(values)
    X = np.where(present, values, 0.0)
    M = present.astype(float)
    n_ij = M.T @ M
    if np.any(n_ij < 2):
        raise ValueError("some pair of items has fewer than two joint answers")
    sums = X.T @ M  # [i, j] = sum of item i over responses that answered j
    cross = X.T @ X
    cov = cross / n_ij - (sums * sums.T) / n_ij**2
    means = X.sum(axis=0) / M.sum(axis=0)
    return (cov + cov.T) / 2, means


def sample_moments(
    values: pd.DataFrame, mode: Literal["pairwise", "complete"] = "pairwise"
) -> Moments:
    """ML covariance matrix (divisor n), means and n of numeric columns (NaN = missing).

    ``mode="pairwise"``: each covariance from the rows with both values, each mean from the
    rows with the value, n = all rows. ``mode="complete"``: only rows without missing values,
    n = their number. Without missing values both give the usual ML moments.
    """
    if mode not in ("pairwise", "complete"):
        raise ValueError(f"mode must be 'pairwise' or 'complete', not {mode!r}")
    cols = list(values.columns)
    data = values.to_numpy(dtype=float)
    if mode == "complete":
        data = data[~np.isnan(data).any(axis=1)]
        if len(data) < 2:
            raise ValueError("fewer than two complete rows")
        means = data.mean(axis=0)
        centred = data - means
        cov = centred.T @ centred / len(data)
    else:
        cov, means = _pairwise_moments(data)
    return Moments(
        pd.DataFrame(cov, index=cols, columns=cols), pd.Series(means, index=cols), len(data)
    )


def group_moments(
    responses: pd.DataFrame,
    instrument: Instrument,
    by: str = "year",
    items: Sequence[str] | None = None,
    mode: Literal["pairwise", "complete"] = "pairwise",
) -> dict[object, Moments]:
    """Per group of ``by``: covariance matrix (ML), means and n of the keyed answers.

    Answers are keyed (reverse-worded items flipped, "Vet ej" missing). ``items`` defaults to
    the items answered in the group (those of its instrument revision). ``mode="pairwise"``
    (default) uses pairwise-present moments with n = all responses of the group;
    ``mode="complete"`` uses only complete responses, with n = their number
    (see :func:`sample_moments`).
    """
    keyed = keyed_answers(responses, instrument)
    out: dict[object, Moments] = {}
    for key, index in responses.groupby(by, sort=True).groups.items():
        label = key.item() if isinstance(key, np.generic) else key
        frame = keyed.loc[index]
        if items is None:
            cols = [c for c in frame.columns if frame[c].notna().any()]
        else:
            cols = list(items)
        try:
            out[label] = sample_moments(frame[cols], mode)
        except ValueError as err:
            raise ValueError(f"{by}={label}: {err}") from None
    return out


def _year_items(responses: pd.DataFrame, instrument: Instrument, year) -> list[str]:
    if "instrument_revision" in responses.columns:
        revisions = responses.loc[responses["year"] == year, "instrument_revision"].unique()
        if len(revisions) == 1:
            return instrument.item_ids(int(revisions[0]))
    rows = responses["year"] == year
    return [i for i in instrument.item_ids() if responses.loc[rows, i].notna().any()]


def cfa_fit_table(
    responses: pd.DataFrame,
    instrument: Instrument,
    mode: Literal["pairwise", "complete"] = "pairwise",
) -> pd.DataFrame:
    """One row per year: the second-order survey model fitted to that year alone, with the
    items of that year's instrument revision."""
    rows = []
    for year in sorted(responses["year"].unique()):
        items = _year_items(responses, instrument, year)
        subset = responses[responses["year"] == year]
        moments = group_moments(subset, instrument, by="year", items=items, mode=mode)[year]
        fit = fit_cfa(moments.cov, moments.means, moments.n, survey_model(instrument, items))
        rows.append({"year": int(year), "n": moments.n, **_row(fit)})
    return pd.DataFrame(rows, columns=["year", "n", *_FIT_COLUMNS])


_FIT_COLUMNS = ["chi2", "df", "cfi", "tli", "rmsea", "srmr", "converged"]


def _row(fit: FitResult) -> dict:
    return {name: getattr(fit, name) for name in _FIT_COLUMNS}


def common_items(instrument: Instrument, revisions: Sequence[int] | None = None) -> list[str]:
    """Items asked in every one of ``revisions`` (default: all revisions), instrument order.

    For revisions 1 and 2 these are all items except ORG6 (dropped), INN7 and TEK7 (added);
    EFF3 and ANV2 are included although their wording changed in revision 2.
    """
    revisions = list(revisions or instrument.revisions)
    shared = set(instrument.item_ids(revisions[0]))
    for rev in revisions[1:]:
        shared &= set(instrument.item_ids(rev))
    return [i for i in instrument.item_ids() if i in shared]


def invariance_table(
    responses: pd.DataFrame,
    instrument: Instrument,
    items: Sequence[str] | None = None,
    mode: Literal["pairwise", "complete"] = "pairwise",
) -> pd.DataFrame:
    """Configural, metric and scalar invariance of the survey model across years.

    Groups are years; the items are those common to the instrument revisions of all years in
    ``responses`` (see :func:`common_items`) unless ``items`` is given. ``delta_cfi`` and
    ``delta_rmsea`` compare each level with the one before (usual rule of thumb: a drop in
    CFI of more than 0.01 with a rise in RMSEA of more than 0.015 signals non-invariance).
    """
    if items is None:
        if "instrument_revision" in responses.columns:
            revisions = sorted(int(r) for r in responses["instrument_revision"].unique())
        else:
            revisions = None
        items = common_items(instrument, revisions)
    groups = group_moments(responses, instrument, by="year", items=items, mode=mode)
    model = survey_model(instrument, items)
    rows = []
    previous = None
    for level in LEVELS:
        fit = fit_multigroup(groups, model, level)
        row = {"level": level, **_row(fit)}
        row["delta_cfi"] = np.nan if previous is None else fit.cfi - previous.cfi
        row["delta_rmsea"] = np.nan if previous is None else fit.rmsea - previous.rmsea
        rows.append(row)
        previous = fit
    columns = ["level", *_FIT_COLUMNS[:-1], "delta_cfi", "delta_rmsea", "converged"]
    return pd.DataFrame(rows, columns=columns)
