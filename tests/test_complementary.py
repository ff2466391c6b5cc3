"""Complementary suppression, attacked as a reader would: a synthetic year built to be
vulnerable (one small group in every linked relation) gives hidden values away by
differencing when only the small cells are hidden, and keeps every hidden value at least
the protection width wide once the gate adds complementary suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mognad.publish.audit import audit_year
from mognad.publish.disclosure import Thresholds, suppress
from mognad.publish.tables import RULES, publish_tables

INDICATORS = ["capability", "maturity"]
#: sector -> (type, organisations): a small sector in each type, a one-sector type.
LAYOUT = {
    "a1": ("A", 2),
    "a2": ("A", 9),
    "a3": ("A", 14),
    "b1": ("B", 1),
    "b2": ("B", 7),
    "c": ("C", 6),
}


def _orgs(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for sector, (org_type, n) in LAYOUT.items():
        for i in range(n):
            rows.append((2025, f"{sector}-{i}", org_type, sector, int(rng.integers(6, 40))))
    orgs = pd.DataFrame(rows, columns=["year", "org_id", "org_type", "sector", "n_respondents"])
    for indicator in INDICATORS:
        orgs[indicator] = rng.uniform(25, 85, len(orgs))
    return orgs


def _internal(orgs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The linked tables as the analyses write them: organisation-weighted means."""
    out = {}
    for name, by in (
        ("national_by_year", ["year"]),
        ("type_by_year", ["year", "org_type"]),
        ("sector_by_year", ["year", "sector"]),
    ):
        grouped = orgs.groupby(by, sort=True)
        table = grouped[INDICATORS].mean().reset_index()
        table.insert(len(by), "n_orgs", grouped.size().to_numpy())
        table.insert(len(by) + 1, "n_respondents", grouped["n_respondents"].sum().to_numpy())
        out[name] = table
    return out


def _primary_only(orgs: pd.DataFrame, thresholds: Thresholds) -> dict[str, pd.DataFrame]:
    from mognad.io import round_significant
    from mognad.publish.tables import sample_table

    internal = _internal(orgs)
    tables = {n: round_significant(suppress(t, RULES[n], thresholds)) for n, t in internal.items()}
    return {**tables, "sample": sample_table(orgs)}


def _narrow(tables, width: float, insiders=None) -> pd.DataFrame:
    audit = audit_year(tables, 2025, INDICATORS, insiders)
    hidden = audit[audit["target"] == "group"]
    return hidden[~(hidden["width"] >= width)]


THRESHOLDS = Thresholds(min_orgs=3, min_respondents=5, protection_width=10.0)


def test_the_vulnerable_case_gives_hidden_values_away_without_complementary_suppression():
    narrow = _narrow(_primary_only(_orgs(), THRESHOLDS), THRESHOLDS.protection_width)
    # a1 = A - a2 - a3, b1 = B - b2: both to within the published rounding
    assert {"a1", "b1"} <= set(narrow["group"])
    assert narrow["width"].max() < 0.01


def test_complementary_suppression_keeps_every_hidden_value_wide():
    orgs = _orgs()
    published = publish_tables(_internal(orgs), orgs, THRESHOLDS)
    sectors = published["sector_by_year"].set_index("sector")
    assert sectors.loc[["a1", "b1"], "suppressed"].all()  # small: hidden first
    # one more group beside each small one, in each relation it is in
    assert sectors["suppressed"].sum() >= 4
    assert _narrow(published, THRESHOLDS.protection_width).empty
    # what is hidden is hidden everywhere in the row, and the counts stay
    hidden = sectors[sectors["suppressed"]]
    assert hidden[INDICATORS].isna().all().all() and (hidden["n_orgs"] > 0).all()


def test_an_insider_cannot_narrow_a_hidden_value_below_the_width():
    orgs = _orgs()
    published = publish_tables(_internal(orgs), orgs, THRESHOLDS)
    narrow = _narrow(published, THRESHOLDS.protection_width, insiders=orgs)
    assert narrow.empty, narrow.head()


@pytest.mark.parametrize("seed", range(3))
def test_a_wider_protection_hides_at_least_as_much(seed):
    orgs = _orgs(seed)
    counts = []
    for width in (10.0, 40.0):
        thresholds = Thresholds(3, 5, width)
        published = publish_tables(_internal(orgs), orgs, thresholds)
        assert _narrow(published, width).empty
        counts.append(int(published["sector_by_year"]["suppressed"].sum()))
    assert counts[0] <= counts[1]


def test_a_sector_trend_cannot_give_a_hidden_year_away():
    """Over two years a sector's trend is the change of its mean, so a published slope
    and the other year's published mean give a hidden year's mean exactly. The gate hides
    the trend of every sector with a hidden year in its fit, and only those."""
    from mognad.analyses.trends import sector_trends

    second = _orgs(8).assign(year=2024)
    orgs = pd.concat([second, _orgs()], ignore_index=True)
    internal = _internal(orgs)
    slopes = sector_trends(orgs, "maturity", min_orgs=5).set_index("sector")["slope"]
    internal["sector_trends"] = sector_trends(orgs, "maturity", min_orgs=5).assign(
        indicator="maturity"
    )
    published = publish_tables(internal, orgs, THRESHOLDS, trend_min_orgs=5)
    sectors = published["sector_by_year"].set_index(["year", "sector"])
    complete = internal["sector_by_year"].set_index(["year", "sector"])["maturity"]
    hidden = sectors.index[sectors["suppressed"].to_numpy()]
    in_fit = [(y, s) for y, s in hidden if LAYOUT[s][1] >= 5]
    assert in_fit  # complementary cells of sectors large enough to have a trend
    for year, sector in in_fit:  # the attack, with the slope as the analyses computed it
        other = complete[(2024 if year == 2025 else 2025, sector)]
        derived = other + slopes[sector] if year == 2025 else other - slopes[sector]
        assert derived == pytest.approx(complete[(year, sector)], abs=1e-9)
    trends = published["sector_trends"].set_index("sector")
    leaking = {s for _, s in in_fit}
    assert trends.loc[sorted(leaking), "slope"].isna().all()
    shown = [s for s in trends.index if s not in leaking and LAYOUT[s][1] >= 5]
    assert shown and trends.loc[shown, "slope"].notna().all()


def _two_years(seed: int = 11) -> pd.DataFrame:
    """Two years of the same organisations, except one leaver in each sector: so every
    row's composition part rests on a single organisation."""
    rng = np.random.default_rng(seed)
    first = _orgs(seed).assign(year=2024)
    leavers = first.groupby("sector").head(1)["org_id"]
    second = first[~first["org_id"].isin(leavers)].assign(year=2025)
    second[INDICATORS] = np.clip(second[INDICATORS] + rng.normal(2, 3, (len(second), 2)), 0, 100)
    return pd.concat([first, second], ignore_index=True)


def _change_tables(orgs: pd.DataFrame, rules) -> dict[str, pd.DataFrame]:
    from mognad.analyses.trends import decompose_change, year_over_year
    from mognad.io import round_significant

    tables = {}
    for name, make in (
        ("change_decomposition", decompose_change),
        ("year_over_year", year_over_year),
    ):
        parts = []
        for by in (None, "sector"):
            table = make(orgs, "maturity", by, 5)
            parts.append(table.assign(indicator="maturity"))
        table = pd.concat(parts, ignore_index=True)
        tables[name] = round_significant(suppress(table, rules[name], THRESHOLDS))
    return tables


def test_a_hidden_change_part_cannot_be_read_off_the_others():
    """The parts of a change add up to it, and the two years' levels give it: hiding only
    the part that rests on one leaver (its composition) gives it away as the change minus
    the stayers' part, and with it the leaver's own score. The gate hides the stayers'
    parts beside it, and the audit over both years then leaves every hidden part wide."""
    from mognad.publish.audit import audit_changes
    from mognad.publish.disclosure import CellRule

    orgs = _two_years()
    levels = publish_tables(_internal(orgs), orgs, THRESHOLDS)
    members = orgs[["year", "org_id", "org_type", "sector"]]
    composition_only = {
        "change_decomposition": CellRule(
            org_counts=("n_orgs_prev", "n_orgs"),
            partial={"n_joiners": ("composition",), "n_leavers": ("composition",)},
            zero_ok=("n_pairs", "n_joiners", "n_leavers"),
        ),
        "year_over_year": CellRule(org_counts=("n_orgs_prev", "n_orgs")),
    }
    for rules, leaks in ((composition_only, True), (RULES, False)):
        tables = {**levels, **_change_tables(orgs, rules)}
        audit = audit_changes(tables, 2025, 2024, members, "maturity", THRESHOLDS)
        parts = audit[audit["sensitive"] & (audit["table"] == "change_decomposition")]
        assert len(parts) and set(parts["part"]) >= {"composition"}
        narrow = parts[~(parts["width"] >= THRESHOLDS.protection_width)]
        if leaks:
            assert narrow["width"].max() < 0.01, narrow
        else:
            assert narrow.empty, narrow


def _with_bands(orgs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The organisations in size bands that cut across the sectors (a band of two among
    them), and the internal tables with the bands' table beside the others."""
    bands = np.where(np.arange(len(orgs)) % 3 == 0, "0-99", "100+").astype(object)
    bands[[4, 17]] = "1000+"  # one organisation of a2 and one of a3
    orgs = orgs.assign(size_band=bands)
    internal = _internal(orgs)
    grouped = orgs.groupby(["year", "size_band"], sort=True)
    table = grouped[INDICATORS].mean().reset_index()
    table.insert(2, "n_orgs", grouped.size().to_numpy())
    table.insert(3, "n_respondents", grouped["n_respondents"].sum().to_numpy())
    return orgs, {**internal, "size_by_year": table}


def test_a_crossing_grouping_is_protected_together_with_the_sectors():
    """A size band of two is the nation minus the other bands when only small cells are
    hidden; the gate protects the bands and the sectors together, against the outside
    reader and every insider, who know who is in which band."""
    from mognad.io import round_significant
    from mognad.publish.tables import sample_table

    orgs, internal = _with_bands(_orgs())
    primary = {n: round_significant(suppress(t, RULES[n], THRESHOLDS)) for n, t in internal.items()}
    primary["sample"] = sample_table(orgs)
    audit = audit_year(primary, 2025, INDICATORS, members=orgs)
    leaked = audit[(audit["target"] == "group") & (audit["width"] < 0.01)]
    assert "1000+" in set(leaked["group"])
    published = publish_tables(internal, orgs, THRESHOLDS)
    bands = published["size_by_year"].set_index("size_band")
    assert bands.loc["1000+", "suppressed"] and bands["suppressed"].sum() >= 2
    for insiders in (None, orgs):
        audit = audit_year(published, 2025, INDICATORS, insiders, members=orgs)
        hidden = audit[audit["target"] == "group"]
        assert len(hidden) and (hidden["width"] >= THRESHOLDS.protection_width).all()


@pytest.mark.parametrize("seed", range(3))
def test_the_first_narrow_group_is_the_smallest_narrow_group_of_the_full_audit(seed):
    """Complementary suppression asks only for the first group a reader can narrow; that
    must be the smallest (level, group) of the full audit, over the outsider and every
    insider, for any width."""
    from mognad.io import round_significant
    from mognad.publish.audit import first_narrow_group
    from mognad.publish.tables import sample_table

    orgs, internal = _with_bands(_orgs(seed))
    primary = {n: round_significant(suppress(t, RULES[n], THRESHOLDS)) for n, t in internal.items()}
    primary["sample"] = sample_table(orgs)
    audit = audit_year(primary, 2025, INDICATORS, orgs, targets=("group",), members=orgs)
    widths = sorted(audit["width"].dropna().unique())
    for width in (0.0, widths[len(widths) // 2], 10.0, 1000.0):
        narrow = audit[~(audit["width"] >= width)]
        expected = min(zip(narrow["level"], narrow["group"], strict=True), default=None)
        found = first_narrow_group(primary, 2025, INDICATORS, orgs, orgs, width)
        assert found == expected
