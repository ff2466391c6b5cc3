"""Calibration weights: participating organisations weighted up to the frame's totals.

Why: organisations choose to take part, and some kinds take part more often than others.
Weights under which the participants' weighted counts reproduce the frame's counts on
several margins at once (type x sector, municipality group, area, size band, ...) remove the
part of that selection which the margins explain. The weights are recomputed in every
bootstrap replicate, so the solver takes a matrix of base weights, one row per replicate,
and solves all rows at once.

Method (Deville & Särndal 1992, "Calibration estimators in survey sampling", JASA 87).
Unit i with base weight d_i and indicator vector x_i (one entry per category of every
margin) gets w_i = d_i F(x_i'λ), with λ such that sum_i w_i x_i = T, the frame totals:

* no bounds: F = exp, the raking-ratio solution. It minimises the distance
  sum_i w_i log(w_i / d_i) - w_i + d_i and is the limit of iterative proportional fitting
  (Deming & Stephan 1940); R: ``survey::rake``, ``survey::calibrate(calfun = "raking")``.
* bounds (L, U), 0 <= L < 1 < U: the logit distance of Deville & Särndal,
  F(u) = (L(U-1) + U(1-L)e^{Au}) / (U-1 + (1-L)e^{Au}), A = (U-L) / ((1-L)(U-1)), whose
  g-weights g = w/d lie strictly between L and U; R: ``survey::calibrate(calfun = "logit",
  bounds = c(L, U))``.

Either solution is unique when it exists (the distance is strictly convex), so any algorithm
that reaches it gives the same weights. Here λ comes from Newton's method on the convex dual
Φ(λ) = sum_i d_i G(x_i'λ) - λ'T (G' = F), whose gradient is the margins' misfit; steps are
halved until Φ falls enough (Armijo), which makes Newton converge from any start (R's
``calibrate`` takes full steps and can fail where a solution exists). λ lives on a basis of
the indicator columns: a column that is a combination of earlier ones on the year's units
is dropped (every margin after the first repeats the grand total), so the Newton system is
regular. Its block for the margin with most categories is diagonal and is eliminated
exactly; the rest is solved for all replicates by one batched ``np.linalg.solve``, with a
tiny ridge that keeps it solvable in a replicate whose drawn units make it singular.
Convergence is judged on every category of every margin, dropped columns included.

Why not a survey-weighting package: the bootstrap recomputes the weights in thousands of
replicates per year, and the packages calibrate one weight vector per call
(``samplics``' ``rake`` and ``weightipy`` in Python loops over margins and categories;
``samplics`` checks its bounds without enforcing them, ``ipfn`` has none). The tests check
this solver against R's ``survey``, the field's reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

# Ridge on the Newton system after scaling to a diagonal of at most 1: far below its
# eigenvalues in a regular problem, it only bounds steps along null directions.
_RIDGE = 1e-10
_ARMIJO = 1e-4
_MAX_HALVINGS = 40
_PATIENCE = 10
_PROGRESS = 0.9
# Φ is a sum of terms about as large as the totals; differences below a few ulps of that
# magnitude are rounding, so a step is not rejected for them (else the last Newton step,
# which changes Φ by far less than its rounding error, could stall).
_ROUNDING = 16 * np.finfo(np.float64).eps


@dataclass(frozen=True, eq=False)
class Margin:
    """One margin of the calibration: every unit's category and the frame total per category.

    ``codes`` (n,) holds category numbers 0..k-1, ``totals`` (k,) the frame's counts and
    ``labels`` (k,) names the categories in messages.
    """

    name: str
    codes: IntArray
    totals: FloatArray
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        codes = np.asarray(self.codes)
        totals = np.array(self.totals, dtype=np.float64)
        if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(f"margin {self.name}: codes must be a 1-D integer array")
        if totals.ndim != 1 or totals.size == 0:
            raise ValueError(f"margin {self.name}: totals must be a non-empty 1-D array")
        if not np.all(np.isfinite(totals)) or np.any(totals <= 0):
            raise ValueError(f"margin {self.name}: every total must be finite and positive")
        if codes.size and (codes.min() < 0 or codes.max() >= totals.size):
            raise ValueError(f"margin {self.name}: codes must lie in 0..{totals.size - 1}")
        labels = tuple(self.labels) or tuple(str(k) for k in range(totals.size))
        if len(labels) != totals.size:
            raise ValueError(f"margin {self.name}: {len(labels)} labels for {totals.size} totals")
        codes = codes.astype(np.intp)
        codes.flags.writeable = False
        totals.flags.writeable = False
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "totals", totals)
        object.__setattr__(self, "labels", labels)

    @property
    def n_categories(self) -> int:
        return int(self.totals.size)


@dataclass(frozen=True, eq=False)
class _Design:
    """The matrices the solver needs, derived once per problem."""

    indicators: FloatArray  # (n, K): every category of every margin
    totals: FloatArray  # (K,)
    columns: tuple[tuple[str, str], ...]  # (margin, category) of each indicator column
    basis: FloatArray  # (n, p): linearly independent indicator columns, the lead margin first
    basis_totals: FloatArray  # (p,)
    lead: int  # the lead margin's number of categories: the basis' first columns
    # Products of the basis column pairs a <= b that some unit has both of, plus a zero
    # column: h @ pairs holds every distinct entry of the Newton matrix sum_i h_i b_i b_i'.
    pairs: FloatArray  # (n, q + 1)
    # Where each entry of the Newton matrix's blocks is in h @ pairs: the lead block's
    # diagonal (lead,), the block beside it (lead x rest) and the rest's block (rest x rest).
    layout: IntArray


@dataclass(frozen=True, eq=False)
class CalibrationProblem:
    """The margins of one year's calibration, built once and shared by all replicates.

    Every category must have at least one unit and all margins the same grand total;
    otherwise no weights can reproduce the totals.
    """

    margins: tuple[Margin, ...]

    def __post_init__(self) -> None:
        margins = tuple(self.margins)
        if not margins:
            raise ValueError("a calibration problem needs at least one margin")
        n = margins[0].codes.size
        if n == 0:
            raise ValueError("a calibration problem needs at least one unit")
        for margin in margins:
            if margin.codes.size != n:
                raise ValueError(
                    f"margin {margin.name} has {margin.codes.size} units, "
                    f"margin {margins[0].name} has {n}"
                )
            empty = np.flatnonzero(np.bincount(margin.codes, minlength=margin.n_categories) == 0)
            if empty.size:
                k = int(empty[0])
                raise ValueError(
                    f"margin {margin.name}: category {margin.labels[k]} (frame total "
                    f"{margin.totals[k]:g}) has no unit in the sample; collapse it first"
                )
        grand = margins[0].totals.sum()
        for margin in margins[1:]:
            other = margin.totals.sum()
            if abs(other - grand) > 1e-9 * grand:
                raise ValueError(
                    f"margins {margins[0].name} and {margin.name} have different grand "
                    f"totals ({grand:g} and {other:g}); no weights reproduce both"
                )
        object.__setattr__(self, "margins", margins)

    @property
    def n(self) -> int:
        """Number of units."""
        return int(self.margins[0].codes.size)

    @cached_property
    def _design(self) -> _Design:
        n = self.n
        blocks = []
        for margin in self.margins:
            block = np.zeros((n, margin.n_categories))
            block[np.arange(n), margin.codes] = 1.0
            blocks.append(block)
        indicators = np.hstack(blocks)
        totals = np.concatenate([margin.totals for margin in self.margins])
        columns = tuple((margin.name, label) for margin in self.margins for label in margin.labels)
        # The margin with most categories leads: its Newton block is diagonal and is
        # eliminated exactly, leaving the smallest dense system. Its columns have disjoint,
        # non-empty supports, so all of them are kept.
        starts = np.cumsum([0] + [margin.n_categories for margin in self.margins])
        lead = int(np.argmax([margin.n_categories for margin in self.margins]))
        order = [lead] + [m for m in range(len(self.margins)) if m != lead]
        candidates = np.concatenate([np.arange(starts[m], starts[m + 1]) for m in order])
        kept = candidates[_independent_columns(indicators[:, candidates])]
        basis = np.ascontiguousarray(indicators[:, kept])
        size, first = basis.shape[1], self.margins[lead].n_categories
        rows, cols = np.nonzero(np.triu(basis.T @ basis > 0))
        pairs = np.hstack([basis[:, rows] * basis[:, cols], np.zeros((n, 1))])
        position = np.full((size, size), rows.size)  # the zero column
        position[rows, cols] = position[cols, rows] = np.arange(rows.size)
        layout = np.concatenate(
            [
                np.diagonal(position)[:first],
                position[:first, first:].ravel(),
                position[first:, first:].ravel(),
            ]
        )
        return _Design(
            indicators,
            totals,
            columns,
            basis,
            totals[kept],
            first,
            np.ascontiguousarray(pairs),
            layout.astype(np.intp),
        )


def _independent_columns(matrix: FloatArray) -> IntArray:
    """Columns of ``matrix`` in order, skipping each one spanned by those already kept."""
    kept: list[int] = []
    for j in range(matrix.shape[1]):
        if np.linalg.matrix_rank(matrix[:, [*kept, j]]) > len(kept):
            kept.append(j)
    return np.array(kept, dtype=np.intp)


def margins_from_frame(
    sample: pd.DataFrame, frame: pd.DataFrame, margins: Sequence[Sequence[str]]
) -> CalibrationProblem:
    """The calibration problem of ``sample`` (one row per unit) against ``frame`` (one row
    per organisation that could take part).

    Each margin is a list of columns (several columns: their cross-classification); its
    categories are the combinations present in the frame, sorted (categorical columns in
    their categories' order), with the frame's counts as totals. Units outside the frame's
    combinations and frame categories without units are errors, so that collapsing
    categories stays the caller's explicit decision.
    """
    built = []
    for spec in margins:
        columns = [spec] if isinstance(spec, str) else list(spec)
        if not columns:
            raise ValueError("a margin needs at least one column")
        name = ":".join(columns)
        for table, what in ((sample, "sample"), (frame, "frame")):
            absent = [column for column in columns if column not in table.columns]
            if absent:
                raise ValueError(f"margin {name}: the {what} has no column {', '.join(absent)}")
        unclassified = int(frame[columns].isna().any(axis=1).sum())
        if unclassified:
            raise ValueError(
                f"margin {name}: {unclassified} frame organisations lack a value; give them "
                "a category of their own (in the sample too) if blank means 'not applicable'"
            )
        counts = frame.groupby(columns, sort=True, observed=True).size()
        categories = counts.index
        if not isinstance(categories, pd.MultiIndex):
            categories = pd.MultiIndex.from_arrays([categories])
        labels = tuple(_combination(columns, key) for key in categories)
        codes = categories.get_indexer(pd.MultiIndex.from_frame(sample[columns]))
        outside = codes < 0
        if outside.any():
            unmatched = sample.loc[outside, columns].value_counts(dropna=False, sort=True)
            listed = "; ".join(
                f"{_combination(columns, key)} ({count} unit{'' if count == 1 else 's'})"
                for key, count in unmatched.items()
            )
            raise ValueError(f"margin {name}: sample units outside the frame: {listed}")
        observed = np.bincount(codes, minlength=len(categories))
        empty = np.flatnonzero(observed == 0)
        if empty.size:
            listed = "; ".join(f"{labels[k]} (frame count {int(counts.iloc[k])})" for k in empty)
            raise ValueError(
                f"margin {name}: frame categories without a sample unit (collapse them "
                f"first): {listed}"
            )
        built.append(Margin(name, codes.astype(np.intp), counts.to_numpy(dtype=np.float64), labels))
    return CalibrationProblem(tuple(built))


def _combination(columns: Sequence[str], key: object) -> str:
    values = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{column}={value}" for column, value in zip(columns, values, strict=True))


class _Distance:
    """F (the g-weight as a function of u = x'λ), its derivative, primitive and inverse."""

    def __init__(self, bounds: tuple[float, float] | None) -> None:
        self.bounds = bounds
        if bounds is None:
            return
        lower, upper = (float(b) for b in bounds)
        if not (0 <= lower < 1 < upper < np.inf):
            raise ValueError(f"bounds must satisfy 0 <= L < 1 < U < inf, got {bounds}")
        self.lower, self.upper = lower, upper
        # Deville & Särndal's F rewritten as L + (U - L) expit(A u + c), which is stable.
        self.slope = (upper - lower) / ((1 - lower) * (upper - 1))
        self.shift = np.log((1 - lower) / (upper - 1))

    def evaluate(self, u: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """F(u), F'(u) and G(u) (G' = F, up to a constant)."""
        if self.bounds is None:
            with np.errstate(over="ignore"):
                f = np.exp(u)
            return f, f, f
        z = self.slope * u + self.shift
        p, q = expit(z), expit(-z)
        width = self.upper - self.lower
        f = self.lower + width * p
        fprime = width * self.slope * p * q
        primitive = self.lower * u + width / self.slope * np.logaddexp(0.0, z)
        return f, fprime, primitive

    def inverse(self, g: FloatArray) -> FloatArray:
        """u with F(u) = g, for g clipped safely inside the bounds."""
        if self.bounds is None:
            return np.log(g)
        lo = self.lower + 0.01 * (1 - self.lower)
        hi = self.upper - 0.01 * (self.upper - 1)
        share = (np.clip(g, lo, hi) - self.lower) / (self.upper - self.lower)
        return (np.log(share / (1 - share)) - self.shift) / self.slope


@dataclass(frozen=True, eq=False)
class Calibration:
    """Calibrated weights and, per replicate, whether and how well they reproduce the totals.

    For 1-D input the per-replicate fields are 0-d arrays.
    """

    weights: FloatArray  # shape of the base weights
    iterations: IntArray  # Newton steps taken
    converged: BoolArray  # every margin reproduced to ``tol``
    max_error: FloatArray  # largest |weighted count - total| / total over all categories


def calibrate(
    base: ArrayLike,
    problem: CalibrationProblem,
    bounds: tuple[float, float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> Calibration:
    """Raking (``bounds=None``) or bounded logit calibration of base weights (n,) or (R, n).

    Units with base weight 0 keep weight 0. A replicate in which some category has no unit
    with positive base weight cannot be calibrated: it keeps its base weights and is marked
    not converged (1-D input raises ``ValueError`` instead). So is a replicate that does not
    reach ``tol`` within ``max_iter`` steps, or whose largest margin error has not fallen by
    10 % in 10 steps (it returns its last iterate): typically no weights within the bounds
    meet the totals.
    """
    d = np.asarray(base, dtype=np.float64)
    if d.ndim not in (1, 2) or d.shape[-1] != problem.n:
        raise ValueError(f"base weights must have shape (n,) or (R, n), n = {problem.n}")
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ValueError("base weights must be finite and non-negative")
    if not tol > 0 or max_iter < 0:
        raise ValueError("tol must be positive and max_iter non-negative")
    distance = _Distance(bounds)
    design = problem._design
    single = d.ndim == 1
    d = np.atleast_2d(d)
    replicates = d.shape[0]

    empty = (d @ design.indicators) <= 0
    if single and empty.any():
        k = int(np.flatnonzero(empty[0])[0])
        margin, label = design.columns[k]
        raise ValueError(
            f"margin {margin}: category {label} has total {design.totals[k]:g} but no unit "
            "with positive base weight"
        )
    weights = d.copy()
    iterations = np.zeros(replicates, dtype=np.intp)
    error = _max_errors(weights, design)
    converged = error <= tol
    active = np.flatnonzero(~converged & ~empty.any(axis=1))

    # Start from the base weights scaled to the grand total (clipped inside the bounds),
    # which lowers Φ along the intercept (the sum of the lead margin's columns).
    lam = np.zeros((active.size, design.basis.shape[1]))
    ratio = design.basis_totals[: design.lead].sum() / d[active].sum(axis=1)
    lam[:, : design.lead] = distance.inverse(ratio)[:, None]
    state = _State.at(d[active], lam, design, distance)
    recent = np.full((_PATIENCE, replicates), np.inf)  # errors of the last steps, a ring
    for step in range(max_iter + 1):
        weights[active] = state.weights
        now = _max_errors(state.weights, design)
        error[active] = now
        iterations[active] = step
        done = now <= tol
        converged[active] = done
        # Without 10 % progress in _PATIENCE steps, no weights meet the totals (within the
        # bounds); solvable replicates gain orders of magnitude in that many steps.
        going = ~done & (now < _PROGRESS * recent[step % _PATIENCE, active])
        recent[step % _PATIENCE, active] = now
        if step == max_iter or not going.any():
            break
        state, moved = _newton_update(state.select(going), design, distance)
        # A replicate without an acceptable step has stalled as well: it stops.
        active = active[going][moved]
        state = state.select(moved)

    if single:
        return Calibration(
            weights[0], iterations.reshape(()), converged.reshape(()), error.reshape(())
        )
    return Calibration(weights, iterations, converged, error)


@dataclass(frozen=True, eq=False)
class _State:
    """The iterate of each active replicate, with what the next Newton step needs."""

    d: FloatArray  # (r, n) base weights
    lam: FloatArray  # (r, p) λ on the basis
    u: FloatArray  # (r, n) basis λ
    weights: FloatArray  # (r, n) d F(u)
    fprime: FloatArray  # (r, n) F'(u)
    phi: FloatArray  # (r,) the dual Φ(λ)
    size: FloatArray  # (r,) the magnitude of Φ's terms, for its rounding error

    @classmethod
    def at(cls, d: FloatArray, lam: FloatArray, design: _Design, distance: _Distance) -> _State:
        return cls.from_u(d, lam, lam @ design.basis.T, design, distance)

    @classmethod
    def from_u(
        cls,
        d: FloatArray,
        lam: FloatArray,
        u: FloatArray,
        design: _Design,
        distance: _Distance,
    ) -> _State:
        with np.errstate(over="ignore", invalid="ignore"):
            f, fprime, primitive = distance.evaluate(u)
            weights = _times(d, f)
            terms = weights if distance.bounds is None else _times(d, primitive)
            linear = lam @ design.basis_totals
            phi = terms.sum(axis=1) - linear
            size = np.abs(terms).sum(axis=1) + np.abs(lam) @ design.basis_totals
        return cls(d, lam, u, weights, fprime, phi, size)

    def select(self, rows: BoolArray) -> _State:
        if rows.all():
            return self
        return _State(
            self.d[rows],
            self.lam[rows],
            self.u[rows],
            self.weights[rows],
            self.fprime[rows],
            self.phi[rows],
            self.size[rows],
        )


def _max_errors(weights: FloatArray, design: _Design) -> FloatArray:
    """Largest relative margin error of each row of ``weights``."""
    misfit = np.abs(weights @ design.indicators - design.totals) / design.totals
    return np.asarray(misfit.max(axis=1), dtype=np.float64)


def _newton_update(state: _State, design: _Design, distance: _Distance) -> tuple[_State, BoolArray]:
    """One damped Newton step for every row: the new state, and which rows found a step
    that lowers Φ enough (the others keep their iterate)."""
    rows = state.lam.shape[0]
    lead, rest = design.lead, state.lam.shape[1] - design.lead
    grad = state.weights @ design.basis - design.basis_totals
    entries = (_times(state.d, state.fprime) @ design.pairs)[:, design.layout]
    diag = entries[:, :lead]
    beside = entries[:, lead : lead + lead * rest].reshape(rows, lead, rest)
    block = entries[:, lead + lead * rest :].reshape(rows, rest, rest)
    step = _newton_steps(diag, beside, block, grad)
    slope = np.einsum("rk,rk->r", grad, step)
    pending = np.isfinite(step).all(axis=1) & (slope < 0)
    step[~pending] = 0.0
    direction = step @ design.basis.T

    new = state
    accepted = np.zeros(rows, dtype=bool)
    t = np.ones(rows)
    for _ in range(_MAX_HALVINGS):
        idx = np.flatnonzero(pending)
        if idx.size == 0:
            break
        sel = slice(None) if idx.size == rows else idx  # a view when every row is pending
        trial = _State.from_u(
            state.d[sel],
            state.lam[sel] + t[sel, None] * step[sel],
            state.u[sel] + t[sel, None] * direction[sel],
            design,
            distance,
        )
        with np.errstate(invalid="ignore"):
            good = trial.phi <= (
                state.phi[idx] + _ARMIJO * t[idx] * slope[idx] + _ROUNDING * state.size[idx]
            )
        new = _replace_rows(new, idx[good], trial.select(good))
        accepted[idx[good]] = True
        pending[idx[good]] = False
        t[idx[~good]] *= 0.5
    return new, accepted


def _times(d: FloatArray, values: FloatArray) -> FloatArray:
    """d * values, with 0 where d = 0 even if the value is infinite."""
    with np.errstate(invalid="ignore"):
        product = d * values
    if not np.isfinite(product).all():
        product = np.where(d > 0, product, 0.0)
    return product


def _replace_rows(state: _State, rows: IntArray, other: _State) -> _State:
    if rows.size == 0:
        return state
    if rows.size == state.lam.shape[0]:
        return other
    fields = {}
    for name in ("d", "lam", "u", "weights", "fprime", "phi", "size"):
        values = getattr(state, name).copy()
        values[rows] = getattr(other, name)
        fields[name] = values
    return _State(**fields)


def _newton_steps(
    diag: FloatArray, beside: FloatArray, block: FloatArray, grad: FloatArray
) -> FloatArray:
    """Newton steps -H⁻¹ grad, batched, for H = [[diag(diag), beside], [beside', block]].

    H's lead block is diagonal (a unit is in one category of a margin) and is eliminated
    exactly; the Schur complement is solved after scaling by the diagonal of ``block``,
    with a tiny ridge in case it is singular.
    """
    lead = diag.shape[1]
    diag = np.where(diag > 0, diag, 1.0)
    r1, r2 = -grad[:, :lead], -grad[:, lead:]
    rest = r2.shape[1]
    if rest == 0:
        return np.asarray(r1 / diag, dtype=np.float64)
    scaled = beside / diag[:, :, None]
    schur = block - np.swapaxes(beside, 1, 2) @ scaled
    rhs = r2 - (r1[:, None, :] @ scaled)[:, 0, :]
    flat = block.reshape(block.shape[0], rest * rest)[:, :: rest + 1]
    scale = 1.0 / np.sqrt(np.where(flat > 0, flat, 1.0))
    schur *= scale[:, :, None]
    schur *= scale[:, None, :]
    schur.reshape(schur.shape[0], rest * rest)[:, :: rest + 1] += _RIDGE
    with np.errstate(all="ignore"):
        x2 = np.linalg.solve(schur, (rhs * scale)[..., None])[..., 0] * scale
        x1 = (r1 - (beside @ x2[..., None])[..., 0]) / diag
    return np.asarray(np.concatenate([x1, x2], axis=1), dtype=np.float64)


def diagnostics(
    weights: ArrayLike, base: ArrayLike, problem: CalibrationProblem
) -> dict[str, float]:
    """Summary of one set of calibrated weights (n,), over the units with base weight > 0.

    ``deff_kish`` is Kish's (1965) design effect due to weighting, n sum w² / (sum w)²,
    which equals 1 + CV² (CV of the weights with the population variance); ``n_effective``
    is n / deff, the size of an unweighted sample with the same precision.
    """
    w = np.asarray(weights, dtype=np.float64)
    d = np.asarray(base, dtype=np.float64)
    if w.shape != (problem.n,) or d.shape != (problem.n,):
        raise ValueError(f"weights and base weights must have shape ({problem.n},)")
    used = d > 0
    n = int(used.sum())
    if n == 0:
        raise ValueError("no unit has a positive base weight")
    wu, g = w[used], w[used] / d[used]
    total = float(wu.sum())
    deff = n * float(np.sum(wu**2)) / total**2
    smallest, largest = float(wu.min()), float(wu.max())
    return {
        "n": float(n),
        "sum_weights": total,
        "min_weight": smallest,
        "max_weight": largest,
        "weight_ratio": largest / smallest if smallest > 0 else np.inf,
        "min_g": float(g.min()),
        "max_g": float(g.max()),
        "deff_kish": deff,
        "n_effective": n / deff,
        "max_margin_error": float(_max_errors(w[None, :], problem._design)[0]),
    }
