"""Complementary suppression, attacked as a reader would: a synthetic year built to be
vulnerable (one small group in every linked relation) gives hidden values away by
differencing when only the small cells are hidden, and keeps every hidden value at least
the protection width wide once the gate adds complementary suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mognad.audit import audit_year
from mognad.disclosure import Thresholds, suppress
from mognad.tables import RULES, publish_tables

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
    from mognad.tables import sample_table

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
