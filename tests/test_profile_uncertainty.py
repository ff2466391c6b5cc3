"""Quadrant probabilities and rank intervals from the bootstrap's replicate draws, checked
against a plain loop, normal theory and planted orderings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, rankdata

from mognad.indices.bootstrap import BootstrapSpec, org_draws, org_intervals, org_replicates
from mognad.indices.scores import DRAW_COLUMNS, draws_table
from mognad.publish.profiles import quadrant_probabilities, rank_intervals
from mognad.publish.profiles.uncertainty import draw_matrix

THRESHOLDS = {"capability": 50.0, "legacy": 50.0}


def _loop_ranks(point: np.ndarray, replicates: np.ndarray, level: float):
    """The rank definition written out plainly: competition ranks of the negated values
    (1 = highest, ties share the best) per replicate, then floor and ceiling of the
    linear percentiles."""
    point_rank = rankdata(-point, method="min")
    per_replicate = np.empty_like(replicates)
    for r in range(replicates.shape[1]):
        per_replicate[:, r] = rankdata(-replicates[:, r], method="min")
    low = np.floor(np.percentile(per_replicate, 50 * (1 - level), axis=1))
    high = np.ceil(np.percentile(per_replicate, 50 * (1 + level), axis=1))
    return point_rank, low, high


def test_rank_intervals_equal_a_plain_loop_with_ties():
    rng = np.random.default_rng(3)
    point = np.round(rng.uniform(20, 80, 40), 0)  # whole numbers: ties among the points
    replicates = np.round(point[:, None] + rng.normal(0, 6, (40, 300)), 0)  # and draws
    got = rank_intervals(point, np.clip(replicates, 0, 100), 0.9)
    rank, low, high = _loop_ranks(point, np.clip(replicates, 0, 100), 0.9)
    np.testing.assert_array_equal(got["rank"], rank)
    np.testing.assert_array_equal(got["rank_low"], low)
    np.testing.assert_array_equal(got["rank_high"], high)
    assert (got["n_ranked"] == 40).all()


def test_well_separated_organisations_rank_exactly_and_equal_ones_share_the_range():
    rng = np.random.default_rng(5)
    point = np.array([90.0, 70.0, 50.0, 30.0, 30.0])
    replicates = point[:, None] + rng.normal(0, 1, (5, 500))
    got = rank_intervals(point, replicates, 0.95)
    np.testing.assert_array_equal(got["rank"], [1, 2, 3, 4, 4])
    np.testing.assert_array_equal(got["rank_low"][:3], [1, 2, 3])
    np.testing.assert_array_equal(got["rank_high"][:3], [1, 2, 3])
    # The two planted equals swap places half the time: each interval spans both ranks.
    np.testing.assert_array_equal(got["rank_low"][3:], [4, 4])
    np.testing.assert_array_equal(got["rank_high"][3:], [5, 5])


def test_missing_draws_rank_no_one_and_are_left_out():
    point = np.array([60.0, 40.0, np.nan])
    replicates = np.array([[60.0, 61.0, np.nan], [40.0, 39.0, 41.0], [np.nan, np.nan, 99.0]])
    got = rank_intervals(point, replicates, 0.5)
    assert got["rank"][:2].tolist() == [1, 2] and np.isnan(got["rank"][2])
    assert got["n_ranked"][0] == 2
    # The third organisation has no point score and is not ranked: its 99 counts not. In
    # the replicate where the first one's draw is missing, the second ranks first.
    assert got["rank_low"][:2].tolist() == [1, 1] and got["rank_high"][:2].tolist() == [1, 2]
    with pytest.raises(ValueError, match="0-100"):
        rank_intervals(np.array([120.0]), np.array([[50.0]]), 0.95)


def test_quadrant_probabilities_of_the_real_bootstrap_follow_normal_theory():
    """An organisation of 400 respondents: its bootstrap replicate means are close to
    normal around the sample mean with the standard error s / sqrt(n), so the share of
    replicates above a threshold is about Phi((mean - t) / se) for each dimension, and
    (capability and legacy drawn independently here) their product for a quadrant."""
    rng = np.random.default_rng(11)
    n = 400
    scores = pd.DataFrame(
        {
            "org_id": "X",
            "capability": np.clip(rng.normal(51.0, 15.0, n), 0, 100),
            "legacy": np.clip(rng.normal(49.5, 15.0, n), 0, 100),
        }
    )
    spec = BootstrapSpec(replicates=4000, seed=1)
    reps = org_replicates(scores, ["capability", "legacy"], spec=spec, seed_key=(2025,))
    _, means = org_draws(reps, ["capability", "legacy"])
    got = quadrant_probabilities(means[..., 0], means[..., 1], THRESHOLDS)
    se = scores[["capability", "legacy"]].std(ddof=0) / np.sqrt(n)
    p_cap = norm.cdf((scores.capability.mean() - 50) / se.capability)
    p_leg = norm.cdf((scores.legacy.mean() - 50) / se.legacy)
    expected = {
        "mature": p_cap * p_leg,
        "ambitious": p_cap * (1 - p_leg),
        "maintaining": (1 - p_cap) * p_leg,
        "beginning": (1 - p_cap) * (1 - p_leg),
    }
    mc = 4 * np.sqrt(0.25 / spec.replicates)  # four Monte Carlo standard errors
    for code, value in expected.items():
        assert got[code][0] == pytest.approx(value, abs=mc + 0.02), code
    assert sum(got[c][0] for c in got) == pytest.approx(1.0)


def test_a_threshold_counts_as_high_and_missing_draws_are_left_out():
    capability = np.array([[50.0, 49.0, np.nan, 50.0]])
    legacy = np.array([[50.0, 50.0, 50.0, np.nan]])
    got = quadrant_probabilities(capability, legacy, THRESHOLDS)
    assert got["mature"][0] == pytest.approx(0.5) and got["maintaining"][0] == pytest.approx(0.5)
    none = quadrant_probabilities(np.array([[np.nan]]), np.array([[1.0]]), THRESHOLDS)
    assert np.isnan(none["mature"][0])


def test_the_draws_table_holds_the_replicates_behind_the_intervals():
    """The draws written for the profiles are the replicates the organisation intervals
    are percentiles of: their own percentiles give the same intervals."""
    rng = np.random.default_rng(2)
    sizes = {"B2": 12, "A1": 30, "C3": 7}
    scores = pd.DataFrame(
        {
            "org_id": np.repeat(list(sizes), list(sizes.values())),
            **{c: rng.uniform(10, 90, sum(sizes.values())) for c in DRAW_COLUMNS},
        }
    )
    spec = BootstrapSpec(replicates=250, seed=4, level=0.9)
    reps = org_replicates(scores, list(DRAW_COLUMNS), spec=spec, seed_key=(2024,))
    table = draws_table(reps, 2024)
    assert len(table) == 3 * 250 and (table["year"] == 2024).all()
    intervals = org_intervals(reps, 0.9).set_index("org_id")
    for column in DRAW_COLUMNS:
        ids, values = draw_matrix(table, column)
        assert ids.tolist() == ["A1", "B2", "C3"]
        low, high = np.percentile(values, [5, 95], axis=1)
        np.testing.assert_allclose(low, intervals.loc[ids, f"{column}_ci_low"], rtol=1e-6)
        np.testing.assert_allclose(high, intervals.loc[ids, f"{column}_ci_high"], rtol=1e-6)
    with pytest.raises(ValueError, match="replicates"):
        draw_matrix(table.iloc[1:], "maturity")
