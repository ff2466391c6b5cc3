"""Two-stage cluster bootstrap confidence intervals for organisation and group means.

The survey is a two-stage sample: organisations take part, and respondents within them
answer. Uncertainty comes from both stages, so a confidence interval resamples both:

1. **Stage 1** draws organisations with replacement *within each cell* of the grouping
   being estimated (within the year for the national figure, within (year, sector) for
   sector figures, ...), so every replicate keeps each cell's number of organisations.
2. **Stage 2** draws respondents with replacement within each drawn organisation.

Intervals are percentile intervals of the replicate statistics (replicates whose
statistic does not exist, because every drawn score was missing, are left out).

Stage 2 does not depend on the grouping, so it runs once per year: ``org_replicates``
computes, for every organisation i and stage-2 replicate q = 0, ..., R - 1, the replicate
sums S_iq and counts N_iq of each score column (a respondent's NaN score does not count)
and the replicate organisation means M_iq = S_iq / N_iq (NaN where N_iq = 0). Every
grouping reuses them (``group_intervals``). In stage-1 replicate r, a cell's G
organisations are drawn G times with replacement; c_ri is how often organisation i is
drawn, and its j-th copy (j = 0, ..., c_ri - 1) takes stage-2 replicate q = (r + j) mod R.
A cell's replicate statistic is, with sums over the cell's organisations i and their
copies j, and q = (r + j) mod R:

* organisation-weighted: sum_ij M_iq [N_iq > 0] / sum_ij [N_iq > 0];
* respondent-weighted: sum_ij S_iq / sum_ij N_iq.

Organisation-level intervals are percentiles of the stage-2 replicate means alone.

Why (r + j) mod R: an organisation's stage-2 replicates are independent draws, independent
of stage 1 (separate streams), and the copies of an organisation in one replicate read
distinct ones (as long as c_ri <= R: c_ri is about Poisson(1), so always in practice).
Each replicate statistic therefore has exactly the distribution of the two-stage
bootstrap with an independent second-stage sample for every drawn organisation. Only the
independence *between* replicates is approximate: a later copy in replicate r reads a
sample that replicate r + j may read too. Per organisation, replicates one apart share
0.19 samples on average (0.06 two apart, 0.26 summed over all lags); a shared sample
correlates them only through the stage-2 part of their variance, at most half of it, so
replicate statistics correlate by at most 0.1 at lag 1, and their squares and tail
indicators (what a variance or a percentile uses) far less. This biases nothing and costs
a negligible share of the intervals' Monte Carlo precision; a per-organisation stride
(r + j * s_i) would move the sharing to other lags without reducing it.

What resampling at both stages costs: with between- and within-organisation variances
σ_b² and σ_w², G organisations of m respondents and the organisation-weighted mean, the
sampling variance of a cell's mean is (σ_b² + σ_w²/m) / G. Stage 1 alone reproduces it
(the organisation means it resamples already vary by σ_b² + σ_w²/m); stage 2 adds each
drawn organisation's within variance σ_w²/m (times (m - 1)/m, the plug-in) once more. The
replicate variance is therefore about (σ_b² + 2 σ_w²/m) / G: the two-stage bootstrap with
replacement at both stages is conservative by the within-organisation term (Davison &
Hinkley 1997, §3.8). The standard error comes out too large by the factor
sqrt(1 + 1 / (1 + m ICC / (1 - ICC))), ICC = σ_b² / (σ_b² + σ_w²): about +4 % with
ICC ≈ 0.2 and m ≈ 50 as in the survey, +8 % at m = 20, +13 % at m = 10. (If all copies of
an organisation shared one stage-2 sample, as an earlier version did, the within term
would count about three times: +7 % at m = 50, +25 % at m = 10 with ICC 0.2.) In the tests'
simulated surveys (40 organisations of 10-30 respondents, σ_b = 8, σ_w = 10), 95 %
intervals cover the planted mean 94 % of the time (percentile intervals from 40
organisations run slightly narrow).

Random draws come from ``numpy.random.SeedSequence(spec.seed, spawn_key=...)`` with a key
built from the stage, the caller's ``seed_key`` (for example ``(year,)``) and, for stage 1,
the grouping columns. Per-year jobs therefore give identical numbers in any order or
process, and groupings draw independently of each other and of stage 2. The draws depend
on the seed, the key and the data (organisation ids, respondents' order within their
organisation) only.

The numbers are the same bit for bit on every CPU. Matrix products are BLAS calls, and
BLAS kernels (chosen per CPU, or by ``OPENBLAS_CORETYPE``) add in different orders. So
every term of a product is put on the grid of multiples of 2**-24 first (scores are
rounded to it, moving them by less than 3e-8 points; counts are whole numbers), and the
products run in float64: a sum of grid values below 2**29 is then exact in any order
(53 bits hold 29 + 24), and its one rounding to float32 for storage is the same
everywhere. With 0-100 % scores the largest sum, a respondent-weighted national total, is
100 x the respondents drawn: exact up to five million respondents in a cell.

Nothing loops over respondents or organisations in Python. Stage 2 works on blocks of
organisations of similar size (padded to a common width): one ``bincount`` turns a
block's respondent draws into how often each respondent was taken, one batched matrix
product into replicate sums and counts. Stage 1 sums a cell's first copies by one batched
matrix product (c_ri capped at 1) and its later copies (about 1/e of the draws) by
gathering their stage-2 rows through index arrays and one ``reduceat`` per chunk of
replicates. Python loops run only over blocks, replicate chunks and cells.

Long because the two stages, the grouping cells and the vectorised replicate means are one
resampling scheme that is only correct as a whole.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "BootstrapSpec",
    "OrgReplicates",
    "Weighting",
    "bootstrap_year",
    "group_intervals",
    "org_draws",
    "org_intervals",
    "org_replicates",
    "year_intervals",
]

Weighting = Literal["organisation", "respondent"]

#: First spawn-key word of each random stream, so that the stages never share draws.
_STAGE2_STREAM = 0
_STAGE1_STREAM = 1
#: Respondent draws per stage-2 block (over all its replicates). Bounds a block's working
#: memory to about 40 bytes a draw. Changing it changes how the random stream is consumed.
_DRAWS_PER_BLOCK = 1 << 19
#: Largest stage-2 matrix product (rows x inner x columns). Products this small run on one
#: BLAS thread (OpenBLAS threads only above 4 * 65536): BLAS threads cost more than they
#: save on such products, and far more when other jobs hold the cores.
_PRODUCT_SIZE = 1 << 18
#: A block spans organisation sizes up to this factor (or a few respondents) above its
#: smallest, so that padding to the block's largest size wastes little.
_BLOCK_RATIO = 1.25
_BLOCK_SLACK = 4
#: Stage-1 draws (replicates x organisations) whose later copies are gathered at once:
#: small enough for the gathered rows to stay in cache. Changes no number.
_STAGE1_CHUNK = 1 << 16
#: Grid of the terms of every sum (see the module docstring): float64 sums of its
#: multiples are exact below 2**29, so no summation order can change them.
_GRID = 2.0**-24
#: Stage-1 replicates per float64 product: bounds the float64 copy of a cell's terms.
_STAGE1_PRODUCT = 64


def _on_grid(values: np.ndarray) -> np.ndarray:
    """``values`` rounded in place to the nearest multiple of ``_GRID``.

    Exact in float32 as in float64: scaling by a power of two and rounding to a whole
    number lose nothing, and every multiple of 2**-24 below 2**0 fits in float32's 24-bit
    significand (float32 values of 0.5 and more are on the grid already).
    """
    values *= values.dtype.type(1 / _GRID)
    np.round(values, out=values)
    values *= values.dtype.type(_GRID)
    return values


@dataclass(frozen=True, kw_only=True)
class BootstrapSpec:
    """How to bootstrap: number of replicates, seed, interval level and weighting.

    ``weighting`` says how organisations combine into a group figure: "organisation"
    (each organisation counts once; the report's headline figures) or "respondent".
    """

    replicates: int = 2000
    seed: int
    level: float = 0.95
    weighting: Weighting = "organisation"

    def __post_init__(self) -> None:
        for name in ("replicates", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise TypeError(f"{name} must be an integer, got {value!r}")
        if self.replicates < 2:
            raise ValueError(f"replicates must be at least 2, got {self.replicates}")
        if self.seed < 0:
            raise ValueError(f"seed must be non-negative, got {self.seed}")
        _check_level(self.level)
        if self.weighting not in ("organisation", "respondent"):
            raise ValueError(
                f"weighting must be 'organisation' or 'respondent', got {self.weighting!r}"
            )


@dataclass(frozen=True, eq=False)
class OrgReplicates:
    """Stage-2 replicates of one year's organisations, shared by every grouping.

    The stored arrays put organisations first (``org_totals`` is (n_orgs, R, 2k)), which
    lets stage 2 write each block of organisations contiguously; ``sums``, ``counts`` and
    ``means`` are (R, n_orgs, k) views of them. Organisations follow ``orgs``, score
    columns ``value_columns``. Replicates are float32: counts are whole numbers (exact),
    and sums of 0-100 % scores lose nothing that matters to an interval.
    """

    orgs: pd.Index  #: organisation ids in array order (by number of respondents, then id)
    org_column: str
    value_columns: tuple[str, ...]
    sizes: np.ndarray  #: (n_orgs,) respondents (rows) per organisation
    point_sums: np.ndarray  #: (n_orgs, k) float64 sums of non-NaN scores, original data
    point_counts: np.ndarray  #: (n_orgs, k) int64 non-NaN scores, original data
    org_totals: np.ndarray  #: (n_orgs, R, 2k) replicate sums, then counts, of non-NaN scores
    org_means: np.ndarray  #: (n_orgs, R, k) replicate means, NaN where the count is 0
    spec: BootstrapSpec
    seed_key: tuple[int | str, ...]

    @property
    def n_replicates(self) -> int:
        return self.org_totals.shape[1]

    @property
    def sums(self) -> np.ndarray:
        """(R, n_orgs, k) replicate sums of non-NaN scores (a view)."""
        return self.org_totals.transpose(1, 0, 2)[..., : len(self.value_columns)]

    @property
    def counts(self) -> np.ndarray:
        """(R, n_orgs, k) replicate counts of non-NaN scores (a view)."""
        return self.org_totals.transpose(1, 0, 2)[..., len(self.value_columns) :]

    @property
    def means(self) -> np.ndarray:
        """(R, n_orgs, k) replicate means, NaN where a replicate drew no score (a view)."""
        return self.org_means.transpose(1, 0, 2)

    @property
    def point_means(self) -> np.ndarray:
        """(n_orgs, k) organisation means of the original data (NaN: no score at all)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.point_sums / self.point_counts

    @cached_property
    def _organisation_terms(self) -> np.ndarray:
        """(n_orgs, R, 2k): replicate means with NaN as 0, then 1 where the mean exists.

        Built once per year, on first use, for all organisation-weighted groupings.
        """
        k = len(self.value_columns)
        terms = np.empty_like(self.org_totals)
        present = self.org_totals[..., k:] > 0
        np.copyto(terms[..., :k], self.org_means)
        np.copyto(terms[..., :k], np.float32(0.0), where=~present)
        np.copyto(terms[..., k:], present)
        return terms

    def terms(self, weighting: Weighting) -> np.ndarray:
        """(n_orgs, R, 2k) per-organisation terms whose stage-1 weighted sums are a cell's
        numerators (first k) and denominators (last k) under ``weighting``."""
        return self._organisation_terms if weighting == "organisation" else self.org_totals


# --- seeds --------------------------------------------------------------------------------


def _key_words(parts: tuple[int | str, ...] | list[str]) -> list[int]:
    """Seed-key parts as 32-bit words: integers as they are, labels by a stable hash."""
    words = []
    for part in parts:
        if isinstance(part, str):
            words.append(zlib.crc32(part.encode("utf-8")))
        elif isinstance(part, int | np.integer) and not isinstance(part, bool):
            if not 0 <= part < 2**32:
                raise ValueError(f"seed key integers must be in [0, 2**32), got {part}")
            words.append(int(part))
        else:
            raise TypeError(f"seed key parts must be int or str, got {part!r}")
    return words


def _generator(seed: int, stream: int, words: list[int]) -> np.random.Generator:
    sequence = np.random.SeedSequence(seed, spawn_key=(stream, *words))
    return np.random.Generator(np.random.PCG64(sequence))


# --- helpers ------------------------------------------------------------------------------


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")


def _percentiles(values: np.ndarray, level: float, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the replicate ``axis``, NaN replicates left out.

    Equals ``numpy.nanquantile`` (linear interpolation) but sorts a contiguous copy in
    place: faster than partitioning for two pairs of order statistics, and NaN sorts
    last, so each row's valid replicates come first. NaN where no replicate is valid.
    """
    _check_level(level)
    moved = np.moveaxis(values, axis, -1)
    shape, n_rep = moved.shape[:-1], moved.shape[-1]
    rows = moved.copy(order="C").reshape(-1, n_rep)  # copy first: reshaping a view is slow
    n_valid = n_rep - np.isnan(rows).sum(axis=1)
    rows.sort(axis=1)
    last = np.maximum(n_valid - 1, 0)
    index = np.arange(len(rows))
    bounds = []
    for q in ((1.0 - level) / 2.0, (1.0 + level) / 2.0):
        position = q * last
        below = np.floor(position).astype(np.intp)
        above = np.minimum(below + 1, last)
        a = rows[index, below].astype(np.float64)
        b = rows[index, above].astype(np.float64)
        bound = a + (b - a) * (position - below)
        bound[n_valid == 0] = np.nan
        bounds.append(bound.reshape(shape))
    return bounds[0], bounds[1]


def _interval_columns(
    value_columns: tuple[str, ...],
    low: np.ndarray,
    high: np.ndarray,
    point: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for j, column in enumerate(value_columns):
        if point is not None:
            out[column] = point[:, j]
        out[f"{column}_ci_low"] = low[:, j]
        out[f"{column}_ci_high"] = high[:, j]
    return out


def _blocks(sizes: np.ndarray, n_rep: int) -> list[tuple[int, int]]:
    """Ranges [a, b) of organisations (sorted by size) whose stage 2 runs together.

    Sizes within a block are close (little padding), and a block holds about
    ``_DRAWS_PER_BLOCK`` respondent draws over all replicates.
    """
    capacity = max(1, _DRAWS_PER_BLOCK // n_rep)  # respondent slots per block
    ends = np.cumsum(sizes)
    blocks, a, n = [], 0, len(sizes)
    while a < n:
        limit = max(sizes[a] * _BLOCK_RATIO, sizes[a] + _BLOCK_SLACK)
        similar = int(np.searchsorted(sizes, limit, side="right"))
        before = ends[a - 1] if a else 0
        fitting = int(np.searchsorted(ends, before + capacity, side="right"))
        b = min(similar, max(fitting, a + 1))
        blocks.append((a, b))
        a = b
    return blocks


# --- stage 2 ------------------------------------------------------------------------------


def org_replicates(
    scores: pd.DataFrame,
    value_columns: list[str],
    org_column: str = "org_id",
    *,
    spec: BootstrapSpec,
    seed_key: tuple[int | str, ...],
) -> OrgReplicates:
    """Stage-2 replicate sums, counts and means of every organisation in ``scores``.

    ``scores`` holds one row per respondent of one year (NaN = no score). The random
    stream derives from ``spec.seed`` and ``seed_key`` (e.g. ``(year,)``) alone, so a
    year's replicates do not depend on which other years run, or in which order.
    """
    columns = tuple(value_columns)
    missing = [c for c in (org_column, *columns) if c not in scores.columns]
    if missing:
        raise KeyError(f"scores lacks column(s) {missing}")
    if not columns:
        raise ValueError("value_columns is empty")
    if len(scores) == 0:
        raise ValueError("scores has no rows")
    org_values = scores[org_column]
    if org_values.isna().any():
        raise ValueError(f"{int(org_values.isna().sum())} row(s) have no {org_column}")
    rng = _generator(spec.seed, _STAGE2_STREAM, _key_words(tuple(seed_key)))

    # Organisations in order of (size, id), so that blocks of similar size are contiguous;
    # respondents grouped by organisation in that order, in their original order within it.
    codes, ids = pd.factorize(org_values, sort=True)
    id_sizes = np.bincount(codes)
    by_size = np.lexsort((np.arange(len(ids)), id_sizes))
    rank = np.empty(len(ids), dtype=np.intp)
    rank[by_size] = np.arange(len(ids))
    orgs, sizes = ids[by_size], id_sizes[by_size]
    rows = np.argsort(rank[codes], kind="stable")
    codes = rank[codes][rows]
    values = scores[list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    valid = ~np.isnan(values)
    values[~valid] = 0.0
    starts = np.concatenate([[0], np.cumsum(sizes)])
    slot = np.arange(len(rows)) - starts[codes]  # rank of the row within its organisation

    n_orgs, k, n_rep = len(orgs), len(columns), spec.replicates
    point_sums = np.add.reduceat(values, starts[:-1], axis=0)
    point_counts = np.add.reduceat(valid.astype(np.int64), starts[:-1], axis=0)
    operand = np.concatenate([_on_grid(values), valid], axis=1)  # float64

    totals = np.empty((n_orgs, n_rep, 2 * k), dtype=np.float32)
    buffers = _Buffers()
    for a, b in _blocks(sizes, n_rep):
        rows_ab = slice(starts[a], starts[b])
        local_org = codes[rows_ab] - a
        block = (sizes[a:b], operand[rows_ab], local_org, slot[rows_ab])
        _stage2_block(rng, totals[a:b], *block, buffers)
    means = np.full((n_orgs, n_rep, k), np.nan, dtype=np.float32)
    np.divide(totals[..., :k], totals[..., k:], out=means, where=totals[..., k:] > 0)
    _on_grid(totals)  # stage 1 sums these and the means: keep its sums exact
    _on_grid(means)
    return OrgReplicates(
        orgs=pd.Index(orgs, name=org_column),
        org_column=org_column,
        value_columns=columns,
        sizes=sizes,
        point_sums=point_sums,
        point_counts=point_counts,
        org_totals=totals,
        org_means=means,
        spec=spec,
        seed_key=tuple(seed_key),
    )


class _Buffers:
    """Work arrays reused from block to block of stage 2.

    Allocating them afresh for every block makes the kernel map and zero new pages each
    time, which cost a third of stage 2's time.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        """A C-contiguous array of ``shape`` (contents undefined)."""
        size = int(np.prod(shape))
        array = self._arrays.get(name)
        if array is None or array.size < size:
            array = self._arrays[name] = np.empty(size, dtype=dtype)
        return array[:size].reshape(shape)


def _stage2_block(
    rng: np.random.Generator,
    totals: np.ndarray,
    sizes: np.ndarray,
    operand: np.ndarray,
    local_org: np.ndarray,
    slot: np.ndarray,
    buffers: _Buffers,
) -> None:
    """Fill ``totals`` (block's orgs, R, 2k) for one block of similar-size organisations.

    Each respondent slot draws, per replicate, which respondent of its organisation it
    takes; ``bincount`` turns the draws into how often each respondent was taken (W, per
    organisation and replicate, padded to the block's width), and the replicate totals
    are W @ [scores with NaN as 0, score present]. Replicates are chunked only when one
    organisation alone exceeds the draw budget.
    """
    n_rep = totals.shape[1]
    n_orgs, width, n_slots = len(sizes), int(sizes.max()), len(slot)
    padded = np.zeros((n_orgs, width, operand.shape[1]))
    padded[local_org, slot] = operand
    chunk = int(min(n_rep, max(1, _DRAWS_PER_BLOCK // n_slots)))
    # bincount target of a draw: (organisation, replicate in chunk, respondent drawn).
    row_base = (local_org * (chunk * width))[:, None]
    column_base = np.arange(chunk) * width
    slot_size = sizes[local_org].astype(np.float32)[:, None]
    n_bins = n_orgs * chunk * width
    assert n_bins < 2**28, "the draw budget keeps bincount targets small"
    step = max(1, _PRODUCT_SIZE // (width * operand.shape[1]))  # replicates per product
    for r0 in range(0, n_rep, chunk):
        c = min(chunk, n_rep - r0)
        draws = rng.random(dtype=np.float32, out=buffers.get("draws", (n_slots, c), np.float32))
        draws *= slot_size  # floor(u * m) is in [0, m - 1]: u < 1 on a 2**-24 grid, m < 2**24
        target = buffers.get("target", (n_slots, c), np.intp)
        # float32 + int64 adds in float64; below 2**28 its rounding (< 2**-25) cannot carry
        # u * m (a float32 below m) over the next integer, so truncating the sum gives
        # base + floor(u * m).
        np.add(draws, row_base, out=target, casting="unsafe")
        target += column_base[:c]
        counts = np.bincount(target.ravel(), minlength=n_bins).reshape(n_orgs, chunk, width)
        weights = buffers.get("weights", (n_orgs, c, width), np.float64)
        np.copyto(weights, counts[:, :c])
        for s0 in range(0, c, step):
            s1 = min(c, s0 + step)
            product = buffers.get("product", (n_orgs, s1 - s0, operand.shape[1]), np.float64)
            np.matmul(weights[:, s0:s1], padded, out=product)  # exact: see _on_grid
            totals[:, r0 + s0 : r0 + s1] = product


# --- intervals ----------------------------------------------------------------------------


def org_intervals(reps: OrgReplicates, level: float) -> pd.DataFrame:
    """Percentile interval of each organisation's mean (stage 2 only), per score column.

    Rows are sorted by organisation id.
    """
    low, high = _percentiles(reps.org_means, level, axis=1)
    frame = pd.DataFrame({reps.org_column: reps.orgs.to_numpy()})
    frame = frame.assign(**_interval_columns(reps.value_columns, low, high))
    return frame.sort_values(reps.org_column, ignore_index=True)


def org_draws(reps: OrgReplicates, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each organisation's stage-2 replicate means of ``columns``, for statistics that
    need the joint draws rather than an interval (quadrant probabilities, ranks).

    Returns the organisation ids sorted (a fixed-width string array) and the
    (n_orgs, R, len(columns)) float32 means in that order; NaN where a replicate drew no
    score. Replicate q of different organisations are independent draws, so the q-th
    slice is one draw of every organisation's mean at once.
    """
    missing = [c for c in columns if c not in reps.value_columns]
    if missing:
        raise KeyError(f"the replicates hold no column(s) {missing}")
    order = np.argsort(reps.orgs.to_numpy(dtype=str), kind="stable")
    picked = [reps.value_columns.index(c) for c in columns]
    return reps.orgs.to_numpy(dtype=str)[order], reps.org_means[order][..., picked]


def _cells(
    reps: OrgReplicates, org_groups: pd.DataFrame, by: list[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """Cell code of each organisation of ``reps`` (cells sorted by ``by``) and cell keys."""
    column = reps.org_column
    missing = [c for c in (column, *by) if c not in org_groups.columns]
    if missing:
        raise KeyError(f"org_groups lacks column(s) {missing}")
    repeated = org_groups[column].duplicated()
    if repeated.any():
        raise ValueError(
            "org_groups lists organisation(s) more than once, e.g. "
            f"{list(org_groups.loc[repeated, column].unique()[:5])}"
        )
    if not by:
        return np.zeros(len(reps.orgs), dtype=np.intp), pd.DataFrame(index=range(1))
    absent = reps.orgs[~reps.orgs.isin(org_groups[column])]
    if len(absent):
        raise ValueError(f"org_groups lacks {len(absent)} organisation(s), e.g. {list(absent[:5])}")
    keys = org_groups.set_index(column)[by].reindex(reps.orgs)
    unassigned = keys.isna().any(axis=1).to_numpy()
    if unassigned.any():
        raise ValueError(
            f"{int(unassigned.sum())} organisation(s) have no value for {by}, "
            f"e.g. {list(reps.orgs[unassigned][:5])}"
        )
    grouped = keys.reset_index(drop=True).groupby(by, sort=True, observed=True)
    return grouped.ngroup().to_numpy(), grouped.size().index.to_frame(index=False)


def group_intervals(
    reps: OrgReplicates,
    org_groups: pd.DataFrame,
    by: list[str],
    spec: BootstrapSpec,
    seed_key: tuple[int | str, ...],
) -> pd.DataFrame:
    """Point estimate and two-stage percentile interval of every cell of ``by``.

    ``org_groups`` maps each organisation (``reps.org_column``) to its grouping values
    (organisations not in ``reps`` are ignored); ``by=[]`` gives the one figure over all
    organisations. Point estimates are the plain means of the original data under
    ``spec.weighting``. Stage 1's stream is keyed by ``seed_key`` (include a label, e.g.
    ``(year, "sector")``) and the grouping columns.
    """
    if spec.replicates != reps.n_replicates:
        raise ValueError(
            f"spec asks for {spec.replicates} replicates but reps has {reps.n_replicates}"
        )
    by = list(by)
    codes, cells = _cells(reps, org_groups, by)
    key = tuple(seed_key)
    rng = _generator(spec.seed, _STAGE1_STREAM, [len(key), *_key_words(key), *_key_words(by)])
    n_cells, k = len(cells), len(reps.value_columns)

    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_cells))])
    point, low, high = (np.full((n_cells, k), np.nan) for _ in range(3))
    n_respondents = np.zeros(n_cells, dtype=np.int64)
    point_means = reps.point_means
    terms = reps.terms(spec.weighting)
    for cell in range(n_cells):
        members = order[bounds[cell] : bounds[cell + 1]]
        n_respondents[cell] = reps.sizes[members].sum()
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # no score at all: NaN
            if spec.weighting == "organisation":
                point[cell] = np.nanmean(point_means[members], axis=0)
            else:
                sums, counts = reps.point_sums[members], reps.point_counts[members]
                point[cell] = sums.sum(axis=0) / counts.sum(axis=0)
        low[cell], high[cell] = _percentiles(_stage1_cell(rng, terms, members), spec.level, 0)

    frame = cells if by else pd.DataFrame(index=range(1))
    frame = frame.assign(**_interval_columns(reps.value_columns, low, high, point))
    return frame.assign(n_orgs=np.diff(bounds), n_respondents=n_respondents)


def _stage1_cell(rng: np.random.Generator, terms: np.ndarray, members: np.ndarray) -> np.ndarray:
    """(R, k) replicate statistics of one cell: its organisations drawn with replacement.

    ``taken[r, i]`` is how often the cell's organisation i is drawn in replicate r; its
    j-th copy (j = 0, ..., taken[r, i] - 1) contributes the organisation's stage-2
    replicate (r + j) mod R. The statistic is (sum of the copies' numerator terms) / (sum
    of their denominator terms): first copies by one matrix product per replicate (with
    taken capped at 1), later copies by ``_later_copies``.
    """
    size, n_rep = len(members), terms.shape[1]
    draws = (rng.random((n_rep, size)) * size).astype(np.intp)
    draws += (np.arange(n_rep) * size)[:, None]
    taken = np.bincount(draws.ravel(), minlength=n_rep * size).reshape(n_rep, size)
    if size == len(terms) and np.array_equal(members, np.arange(size)):
        cell_terms = terms  # every organisation, in order: no copy
    else:
        cell_terms = terms[members]
    first = np.minimum(taken, 1).astype(np.float64).reshape(n_rep, 1, size)
    # The terms lie on the grid (org_replicates puts them there), so float64 products are
    # exact whatever order the BLAS kernel adds in.
    totals = np.empty((n_rep, cell_terms.shape[2]))
    for r0 in range(0, n_rep, _STAGE1_PRODUCT):
        r1 = min(n_rep, r0 + _STAGE1_PRODUCT)
        chunk = cell_terms[:, r0:r1].transpose(1, 0, 2).astype(np.float64)
        totals[r0:r1] = np.matmul(first[r0:r1], chunk)[:, 0]
    totals += _later_copies(taken, cell_terms)
    k = totals.shape[1] // 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals[:, :k] / totals[:, k:]


def _later_copies(taken: np.ndarray, cell_terms: np.ndarray) -> np.ndarray:
    """(R, 2k) sums of the terms of every copy after an organisation's first.

    Copy j >= 1 of organisation i in replicate r reads stage-2 replicate (r + j) mod R of
    ``cell_terms`` (the cell's organisations, R, 2k). About 1/e of a replicate's draws are
    such later copies; they are gathered a chunk of whole replicates at a time (about
    ``_STAGE1_CHUNK`` draws), and each replicate's rows summed in float64, exactly like
    the first copies' product. A replicate never spans chunks, so the chunk size changes no number.
    """
    n_rep, size = taken.shape
    width = cell_terms.shape[2]
    rows_of = cell_terms.reshape(-1, width)  # row i * R + q: organisation i, replicate q
    out = np.zeros((n_rep, width))
    chunk = max(1, _STAGE1_CHUNK // size)
    for r0 in range(0, n_rep, chunk):
        rep, org = np.nonzero(taken[r0 : r0 + chunk] > 1)  # sorted by replicate
        if len(rep) == 0:
            continue
        rep += r0
        later = taken[rep, org] - 1  # copies after the first
        before = np.cumsum(later) - later  # later copies of the (r, i) pairs before
        rep = np.repeat(rep, later)
        copy = np.arange(len(rep)) - np.repeat(before, later) + 1  # j = 1, ..., c - 1
        source = np.repeat(org * n_rep, later) + (rep + copy) % n_rep
        starts = np.flatnonzero(np.diff(rep, prepend=-1))  # each replicate's first row
        rows = np.take(rows_of, source, axis=0).astype(np.float64)  # exact sums: on grid
        out[rep[starts]] = np.add.reduceat(rows, starts, axis=0)
    return out


# --- one year -----------------------------------------------------------------------------


def bootstrap_year(
    scores_year: pd.DataFrame,
    value_columns: list[str],
    org_attributes: pd.DataFrame,
    groupings: dict[str, list[str]],
    spec: BootstrapSpec,
    year: int,
    org_column: str = "org_id",
) -> dict[str, pd.DataFrame]:
    """All intervals of one year: ``{"org": ..., <grouping name>: ...}``.

    Stage 2 runs once and every grouping (e.g. ``{"national": [], "sector": ["sector"],
    "org_type": ["org_type"]}``) reuses it. Each frame starts with a ``year`` column so
    that years concatenate. Seed keys: ``(year,)`` for stage 2, ``(year, name)`` for each
    grouping.
    """
    if "year" in scores_year.columns and not (scores_year["year"] == year).all():
        raise ValueError(f"scores_year holds rows of other years than {year}")
    if "org" in groupings:
        raise ValueError("'org' is reserved for the organisation intervals")
    reps = org_replicates(scores_year, value_columns, org_column, spec=spec, seed_key=(year,))
    return year_intervals(reps, org_attributes, groupings, year)


def year_intervals(
    reps: OrgReplicates,
    org_attributes: pd.DataFrame,
    groupings: dict[str, list[str]],
    year: int,
) -> dict[str, pd.DataFrame]:
    """:func:`bootstrap_year` from a year's stage-2 replicates, for callers that use the
    replicates for more than intervals."""
    if "org" in groupings:
        raise ValueError("'org' is reserved for the organisation intervals")
    spec = reps.spec
    out = {"org": org_intervals(reps, spec.level)}
    for name, by in groupings.items():
        out[name] = group_intervals(reps, org_attributes, by, spec, seed_key=(year, name))
    for frame in out.values():
        frame.insert(0, "year", year)
    return out
