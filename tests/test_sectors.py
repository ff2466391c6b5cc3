"""Sector/type contrasts checked against scipy, statsmodels and hand arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from mognad.analyses.sectors import (
    CONTRAST_COLUMNS,
    contrast_tables,
    excluded_groups,
    flag_small_groups,
    focus_table,
    holm,
    pairwise_contrasts,
    welch_contrast,
)


def _orgs(groups: dict[str, list[float]], year: int = 2023, by: str = "sector") -> pd.DataFrame:
    """One row per organisation: the group and its score on every indicator."""
    rows = [
        {"year": year, "org_id": f"{g}-{i}", by: g, "maturity": v}
        for g, values in groups.items()
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_welch_matches_scipy_and_hand_interval():
    rng = np.random.default_rng(1)
    a = rng.normal(60, 8, 9)
    b = rng.normal(52, 15, 14)
    orgs = _orgs({"education": list(a), "culture_leisure": list(b)})
    row = pairwise_contrasts(orgs, "maturity", min_orgs=5).iloc[0]
    # Alphabetical order: culture_leisure is group_a.
    assert (row.group_a, row.group_b) == ("culture_leisure", "education")
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert row.t == pytest.approx(ref.statistic, abs=1e-10)
    assert row.df == pytest.approx(ref.df, abs=1e-10)
    assert row.p_value == pytest.approx(ref.pvalue, abs=1e-10)
    # Interval by hand: difference ± t_{0.975, df} · SE, SE = sqrt(s_a²/n_a + s_b²/n_b).
    se = np.sqrt(b.var(ddof=1) / 14 + a.var(ddof=1) / 9)
    diff = b.mean() - a.mean()
    half = stats.t.ppf(0.975, ref.df) * se
    assert row.std_error == pytest.approx(se, abs=1e-10)
    assert row.difference == pytest.approx(diff, abs=1e-10)
    assert row.ci_low == pytest.approx(diff - half, abs=1e-10)
    assert row.ci_high == pytest.approx(diff + half, abs=1e-10)
    assert (row.n_a, row.n_b) == (14, 9)
    assert list(pairwise_contrasts(orgs, "maturity").columns) == CONTRAST_COLUMNS


def test_cohens_d_and_hedges_g_by_hand():
    # a = 3, 5, 7: mean 5, s² = (4 + 0 + 4) / 2 = 4.   b = 1, 2, 3: mean 2, s² = (1+0+1)/2 = 1.
    # pooled s² = (2·4 + 2·1) / (3 + 3 − 2) = 2.5;  d = (5 − 2) / √2.5 = 1.8973665961
    # J = 1 − 3 / (4·(3 + 3) − 9) = 1 − 3/15 = 0.8;  g = 0.8 · 1.8973665961 = 1.5178932769
    out = welch_contrast(np.array([3.0, 5.0, 7.0]), np.array([1.0, 2.0, 3.0]))
    assert out["difference"] == pytest.approx(3.0)
    assert out["cohens_d"] == pytest.approx(1.8973665961, abs=1e-9)
    assert out["hedges_g"] == pytest.approx(1.5178932769, abs=1e-9)
    # The same through the table (min_orgs lowered to the tiny example).
    orgs = _orgs({"a": [3.0, 5.0, 7.0], "b": [1.0, 2.0, 3.0]})
    row = pairwise_contrasts(orgs, "maturity", min_orgs=3).iloc[0]
    assert row.hedges_g == pytest.approx(1.5178932769, abs=1e-9)


def test_holm_by_hand_and_statsmodels():
    p = [0.01, 0.04, 0.03, 0.005]
    # Sorted: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04 → max(0.06, 0.04)
    # = 0.06 (monotone). In input order: 0.03, 0.06, 0.06, 0.02.
    expected = [0.03, 0.06, 0.06, 0.02]
    np.testing.assert_allclose(holm(p), expected, atol=1e-12)
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], atol=1e-12)
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1


def test_holm_family_is_year_and_indicator():
    rng = np.random.default_rng(2)
    frames = [
        _orgs({g: list(rng.normal(50 + 3 * k, 10, 8)) for k, g in enumerate("abcd")}, year=y)
        for y in (2022, 2023)
    ]
    table = pairwise_contrasts(pd.concat(frames, ignore_index=True), "maturity")
    assert len(table) == 12  # 6 pairs per year
    for _, fam in table.groupby("year"):
        ref = multipletests(fam["p_value"].to_numpy(), method="holm")[1]
        np.testing.assert_allclose(fam["p_holm"].to_numpy(), ref, atol=1e-12)


def test_small_groups_excluded_and_named():
    rng = np.random.default_rng(3)
    orgs = _orgs(
        {
            "education": list(rng.normal(50, 10, 6)),
            "health_care": list(rng.normal(50, 10, 5)),
            "culture_leisure": list(rng.normal(50, 10, 4)),
        }
    )
    table = pairwise_contrasts(orgs, "maturity", min_orgs=5)
    assert len(table) == 1
    assert set(table[["group_a", "group_b"]].iloc[0]) == {"education", "health_care"}
    assert (table["excluded_groups"] == "culture_leisure").all()
    small = excluded_groups(orgs, "maturity", min_orgs=5)
    assert small[["group", "n_orgs"]].values.tolist() == [["culture_leisure", 4]]
    # Missing scores do not count towards min_orgs.
    orgs.loc[orgs["sector"] == "health_care", "maturity"] = [1.0, 2.0, 3.0, 4.0, np.nan]
    assert pairwise_contrasts(orgs, "maturity", min_orgs=5).empty
    assert set(excluded_groups(orgs, "maturity", min_orgs=5)["group"]) == {
        "culture_leisure",
        "health_care",
    }


def test_planted_difference_found_and_null_pair_mostly_not():
    rng = np.random.default_rng(4)
    years = range(100)  # each year is an independent replicate (its own Holm family)
    sizes = {"education": 20, "social_services": 20, "urban_planning": 20}
    means = {"education": 70.0, "social_services": 50.0, "urban_planning": 50.0}
    orgs = pd.concat(
        [_orgs({g: list(rng.normal(means[g], 10, n)) for g, n in sizes.items()}, y) for y in years],
        ignore_index=True,
    )
    table = pairwise_contrasts(orgs, "maturity", min_orgs=5)
    planted = table[(table.group_a == "education") & (table.group_b == "social_services")]
    null = table[(table.group_a == "social_services") & (table.group_b == "urban_planning")]
    assert len(planted) == len(null) == 100
    assert (planted["p_holm"] < 0.01).all()
    assert (planted["difference"] > 0).all()
    assert (null["p_holm"] > 0.05).mean() >= 0.9


def test_contrast_tables_by_sector_and_type():
    rng = np.random.default_rng(5)
    n = 30
    orgs = pd.DataFrame(
        {
            "year": 2024,
            "org_id": [f"o{i}" for i in range(n)],
            "org_type": np.repeat(["municipal", "region", "state_agency"], 10),
            "sector": np.tile(["education", "service"], 15),
        }
    )
    for ind in ("capability", "legacy", "maturity"):
        orgs[ind] = rng.normal(50, 10, n)
    out = contrast_tables(orgs, min_orgs=5)
    assert set(out) == {"sector_contrasts", "type_contrasts"}
    assert out["sector_contrasts"]["indicator"].tolist() == ["capability", "legacy", "maturity"]
    assert len(out["type_contrasts"]) == 9  # 3 pairs x 3 indicators
    assert list(out["type_contrasts"].columns) == CONTRAST_COLUMNS


def test_flag_small_groups_and_focus_table():
    table = pd.DataFrame(
        {
            "year": [2024] * 3,
            "sector": ["education", "service", "urban_planning"],
            "n_orgs": [12, 4, 5],
        }
    )
    flagged = flag_small_groups(table, 5)
    assert flagged["flag_small"].tolist() == [False, True, False]
    assert len(flagged) == 3 and "flag_small" not in table
    focus = focus_table(table, ["education", "urban_planning", "social_services"])
    assert focus["focus"].tolist() == [True, False, True]
