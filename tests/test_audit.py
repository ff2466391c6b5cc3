"""The interval audit against closed forms: what differencing and the insider's own
value reveal about hidden group means and single organisations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mognad.publish.audit import audit_year

NAN = math.nan


def _tables(cells: dict[str, tuple[str, int, float]], types: dict[str, float], national: float):
    """Published tables of one year: cells as sector -> (type, n_orgs, mean or NaN)."""
    sample = pd.DataFrame(
        [(2025, t, s, n, 20 * n) for s, (t, n, _) in cells.items()],
        columns=["year", "org_type", "sector", "n_orgs", "n_respondents"],
    )
    sectors = pd.DataFrame(
        [(2025, s, n, m) for s, (_, n, m) in cells.items()],
        columns=["year", "sector", "n_orgs", "maturity"],
    )
    counts = sample.groupby("org_type")["n_orgs"].sum()
    by_type = pd.DataFrame(
        [(2025, t, int(counts[t]), m) for t, m in types.items()],
        columns=["year", "org_type", "n_orgs", "maturity"],
    )
    nation = pd.DataFrame([(2025, int(sample["n_orgs"].sum()), national)],
                          columns=["year", "n_orgs", "maturity"])  # fmt: skip
    return {
        "sample": sample,
        "sector_by_year": sectors,
        "type_by_year": by_type,
        "national_by_year": nation,
    }


def _interval(audit: pd.DataFrame, group: str, target: str = "group", attacker="outsider"):
    row = audit[(audit["group"] == group) & (audit["target"] == target)]
    row = row[row["attacker"] == attacker]
    assert len(row) == 1, row
    return float(row["low"].iloc[0]), float(row["high"].iloc[0])


def test_a_hidden_sector_is_the_national_total_minus_the_others():
    # a: 2 organisations, hidden; b: 10 organisations, 60.0; nation (12): 58.5
    tables = _tables({"a": ("t", 2, NAN), "b": ("t", 10, 60.0)}, {"t": 58.5}, 58.5)
    low, high = _interval(audit_year(tables, 2025, ["maturity"]), "a")
    exact = (12 * 58.5 - 10 * 60.0) / 2  # 51.0
    # only the published rounding (half a unit in the sixth digit) is left
    slack = (12 * 0.00005 + 10 * 0.00005) / 2  # 58.5000 and 60.0000
    assert low == pytest.approx(exact - slack, abs=1e-9)
    assert high == pytest.approx(exact + slack, abs=1e-9)


def test_a_complementary_hidden_sector_leaves_the_range_the_bounds_allow():
    # a (2) and b (4) hidden, c (10) published: a + b totals 16 v - 10 m_c = 360
    tables = _tables(
        {"a": ("t", 2, NAN), "b": ("t", 4, NAN), "c": ("u", 10, 60.0)},
        {"t": NAN, "u": 60.0},
        (360 + 600) / 16,
    )
    audit = audit_year(tables, 2025, ["maturity"])
    low, high = _interval(audit, "a")
    total = 360.0  # 2 m_a + 4 m_b, with 0 <= m_b <= 100
    assert low == pytest.approx(max(0.0, (total - 4 * 100) / 2), abs=0.01)
    assert high == pytest.approx(min(100.0, total / 2), abs=0.01)
    assert _interval(audit, "t") == pytest.approx((60.0, 60.0), abs=0.01)  # (360 / 6)


def test_a_sector_hidden_in_one_table_is_derived_from_another():
    # the demo's 2025 case: region (5) = health care (3) + regional development (2)
    tables = _tables(
        {"health": ("region", 3, 65.3117), "regdev": ("region", 2, NAN), "m": ("mun", 9, 60.0)},
        {"region": 62.5552, "mun": 60.0},
        (5 * 62.5552 + 9 * 60.0) / 14,
    )
    low, high = _interval(audit_year(tables, 2025, ["maturity"]), "regdev")
    assert (low + high) / 2 == pytest.approx((5 * 62.5552 - 3 * 65.3117) / 2, abs=1e-3)
    assert high - low < 1e-3


def test_the_insider_narrows_the_others_of_its_cell_and_nothing_beyond_the_bounds():
    tables = _tables({"a": ("t", 3, 90.0), "b": ("t", 10, 50.0)}, {"t": 770 / 13}, 770 / 13)
    insiders = pd.DataFrame({"org_id": ["O1"], "sector": ["a"], "maturity": [75.0]})
    audit = audit_year(tables, 2025, ["maturity"], insiders)
    # outsider: three organisations totalling 270 -> each in [70, 100]
    assert _interval(audit, "a", "organisation") == pytest.approx((70.0, 100.0), abs=0.01)
    # insider with 75: the other two total 195 -> each in [95, 100]
    assert _interval(audit, "a", "organisation", "O1") == pytest.approx((95.0, 100.0), abs=0.01)
    # and an organisation of b is as free for the insider as for anyone
    assert _interval(audit, "b", "organisation", "O1") == pytest.approx((0.0, 100.0), abs=0.01)


def test_every_hidden_value_and_cell_gets_an_interval_for_every_indicator():
    tables = _tables({"a": ("t", 2, NAN), "b": ("t", 10, 60.0)}, {"t": 58.5}, 58.5)
    for name in ("sector_by_year", "type_by_year", "national_by_year"):
        tables[name]["legacy"] = tables[name]["maturity"]
    audit = audit_year(tables, 2025, ["maturity", "legacy"])
    assert sorted(audit["indicator"].unique()) == ["legacy", "maturity"]
    assert set(audit["target"]) == {"group", "organisation"}
    assert np.all(audit["width"] >= 0)


def test_a_crossing_grouping_reveals_a_hidden_sector_through_the_cells():
    """Size bands cut across sectors: with who is in which band known, a band's mean
    pins the one organisation of sector b that shares a band with sector a, and with it
    a's hidden mean (closed form), although nation and type are hidden too."""
    tables = _tables({"a": ("t", 2, NAN), "b": ("t", 10, 59.8)}, {"t": NAN}, NAN)
    # a: 30 and 50 (mean 40); b: one organisation of 40 in the small band, nine of 62
    members = pd.DataFrame(
        {
            "year": 2025,
            "org_id": [f"O{i}" for i in range(12)],
            "sector": ["a", "a", *["b"] * 10],
            "size_band": ["0-99"] * 3 + ["100+"] * 9,
        }
    )
    tables["size_by_year"] = pd.DataFrame(
        {"year": 2025, "size_band": ["0-99", "100+"], "n_orgs": [3, 9], "maturity": [40.0, 62.0]}
    )
    low, high = _interval(audit_year(tables, 2025, ["maturity"], members=members), "a")
    exact = (3 * 40.0 - (10 * 59.8 - 9 * 62.0)) / 2
    assert exact == pytest.approx(40.0)
    assert low == pytest.approx(exact, abs=1e-3) and high == pytest.approx(exact, abs=1e-3)
    # the same tables without the bands leave a anywhere in [0, 100]
    del tables["size_by_year"]
    assert _interval(audit_year(tables, 2025, ["maturity"]), "a") == pytest.approx((0, 100))
    # and the bands cannot be linked without knowing who is in which
    tables["size_by_year"] = pd.DataFrame({"year": [2025], "size_band": ["0-99"], "n_orgs": [3]})
    with pytest.raises(ValueError, match="members"):
        audit_year(tables, 2025, ["maturity"])
