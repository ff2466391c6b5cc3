"""What the bootstrap says about one organisation beyond its intervals: how likely it is
to be in each quadrant, and where it ranks among the year's participants.

Both come from the stage-2 replicates of the organisation means (``org_draws``, written by
the bootstrap stage): replicate q of every organisation is one joint draw of all their
means, since the organisations' respondents are resampled independently. They therefore
describe the uncertainty from *which respondents answered*, with the set of
participating organisations taken as given; neither says anything about organisations
that did not take part.

* **Quadrant probability**: the share of an organisation's replicates whose capability and
  legacy fall in each quadrant (at a threshold counts as high, as for the point estimate).
  Replicates in which either score does not exist are left out.
* **Rank**: 1 is the highest maturity. The point rank is one plus the number of ranked
  organisations with a strictly higher maturity (ties share the best rank). In every
  replicate each organisation gets the same kind of rank among the replicate's means;
  the interval runs from the floor of the lower to the ceiling of the upper percentile of
  those ranks (linear interpolation, as the score intervals), so that it is whole ranks
  and never narrower than the percentiles. Only organisations whose scores are published
  (enough respondents) are ranked, and only among each other, so that a rank says
  nothing about an organisation whose scores are hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: The quadrants by (capability high, legacy high), as :data:`mognad.indices.scores.QUADRANTS`.
QUADRANT_CODES = {
    (True, True): "mature",
    (True, False): "ambitious",
    (False, True): "maintaining",
    (False, False): "beginning",
}


def draw_matrix(draws: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """The organisation ids and their (n_orgs, R) replicate means of ``column`` from the
    long ``org_draws`` table (one row per organisation and replicate)."""
    ordered = draws.sort_values(["org_id", "replicate"], kind="stable")
    ids, counts = np.unique(ordered["org_id"].to_numpy(dtype=str), return_counts=True)
    if len(ids) == 0:
        raise ValueError("the replicate draws are empty")
    n_rep = int(counts[0])
    if (counts != n_rep).any():
        raise ValueError("the replicate draws hold different numbers of replicates per org_id")
    expected = np.tile(np.arange(n_rep), len(ids))
    if not np.array_equal(ordered["replicate"].to_numpy(), expected):
        raise ValueError(f"the replicate draws are not replicates 0..{n_rep - 1} of each org_id")
    values = ordered[column].to_numpy(dtype=np.float64).reshape(len(ids), n_rep)
    return ids, values


def quadrant_probabilities(
    capability: np.ndarray, legacy: np.ndarray, thresholds: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """Per organisation (rows of the (n_orgs, R) replicate arrays), the share of its
    replicates in each quadrant; NaN where no replicate has both scores."""
    valid = ~(np.isnan(capability) | np.isnan(legacy))
    n_valid = valid.sum(axis=1)
    high_c = capability >= thresholds["capability"]
    high_l = legacy >= thresholds["legacy"]
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for (c, lg), code in QUADRANT_CODES.items():
            hit = valid & (high_c == c) & (high_l == lg)
            out[code] = np.where(n_valid > 0, hit.sum(axis=1) / n_valid, np.nan)
    return out


def _ranks_within_rows(values: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = highest, ties share the best) of each row's values among
    that row's non-NaN values; NaN where a value is NaN. One sort for all rows."""
    n_rows, n_cols = values.shape
    missing = np.isnan(values)
    # Rows apart by more than the 0-100 % range, so one sorted vector serves every row;
    # missing values sit below every score of their row and so outrank nobody.
    span = 1000.0
    offset = (np.arange(n_rows, dtype=np.float64) * span)[:, None]
    shifted = np.where(missing, -1.0, values) + offset
    ordered = np.sort(shifted.reshape(-1))
    row_end = (np.arange(1, n_rows + 1) * n_cols)[:, None]
    not_greater = np.searchsorted(ordered, shifted.reshape(-1), side="right").reshape(shifted.shape)
    ranks = 1.0 + (row_end - not_greater)
    ranks[missing] = np.nan
    return ranks


def rank_intervals(
    point: np.ndarray, replicates: np.ndarray, level: float
) -> dict[str, np.ndarray]:
    """Point rank, interval and the number ranked, for organisations with point maturity
    ``point`` (n_orgs,) and replicate maturities ``replicates`` (n_orgs, R), ranked among
    each other (only pass the organisations whose scores are published)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if replicates.ndim != 2 or replicates.shape[0] != len(point):
        raise ValueError("replicates must be (n_orgs, R) for the n_orgs points")
    if np.any((point < 0) | (point > 100)) or np.nanmax(np.abs(replicates), initial=0) > 100:
        raise ValueError("scores must lie in 0-100 to be ranked")
    ranked = ~np.isnan(point)
    n = int(ranked.sum())
    point_rank = np.full(len(point), np.nan)
    low = np.full(len(point), np.nan)
    high = np.full(len(point), np.nan)
    if n:
        point_rank[ranked] = _ranks_within_rows(point[ranked][None, :])[0]
        by_replicate = _ranks_within_rows(replicates[ranked].T).T  # (n, R)
        with np.errstate(invalid="ignore"):
            lower, upper = np.nanpercentile(
                by_replicate, [50 * (1 - level), 50 * (1 + level)], axis=1
            )
        low[ranked], high[ranked] = np.floor(lower), np.ceil(upper)
    return {
        "rank": point_rank,
        "rank_low": low,
        "rank_high": high,
        "n_ranked": np.full(len(point), n),
    }


def gap_to(
    value: float | None, low: float | None, high: float | None, reference: float | None
) -> dict[str, float | None] | None:
    """The gap of an organisation's score to a comparison group's mean, with the
    organisation's interval shifted by the same mean: the interval covers the
    organisation's own sampling uncertainty, the group's mean is taken as published."""
    if value is None or reference is None:
        return None
    return {
        "gap": value - reference,
        "gap_low": None if low is None else low - reference,
        "gap_high": None if high is None else high - reference,
    }


def ranked_by_gap(
    gaps: Mapping[str, Mapping[str, float | None]], order: Sequence[str]
) -> list[str]:
    """Categories from the largest shortfall to the largest lead (ties in ``order``)."""
    position = {c: i for i, c in enumerate(order)}
    return sorted(gaps, key=lambda c: (gaps[c]["gap"], position[c]))
