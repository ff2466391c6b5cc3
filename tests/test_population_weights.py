"""One year's calibration weights (mognad.population.weights): the demo's participants
weighted up to the frame reproduce its margins every year (counted again with pandas),
one margin is post-stratification, and margins that a year cannot support are coarsened
or left out, with a note saying why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mognad.ingest.exports import read_organisations
from mognad.peers import DEFAULT_SIZE_BANDS
from mognad.population.frame import read_frame
from mognad.population.weights import MarginSpec, classify, year_weights

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data/raw/demo"
MARGINS = MarginSpec.from_config(
    {
        "type_sector": [["org_type", "sector"], ["org_type"]],
        "municipality_group": [["municipality_group"], ["main_group"]],
        "area": [["area"]],
        "size_band": [["size_band"]],
    }
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    register = read_organisations(DEMO / "organisations.csv")
    return classify(read_frame(DEMO / "frame.csv", register), DEFAULT_SIZE_BANDS)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data/truth/demo/panel.csv")


def test_every_year_reproduces_the_frame_margins_it_uses(frame, panel):
    for year, part in panel.groupby("year"):
        result = year_weights(frame, int(year), part["org_id"].tolist(), MARGINS)
        scope = frame[frame["org_type"].isin(set(frame.loc[part["org_id"], "org_type"]))]
        assert result.n_frame == len(scope)
        assert result.weights.sum() == pytest.approx(len(scope), rel=1e-12)
        sample = frame.loc[result.weights.index]
        for coding in (c for c in result.codings.values() if c is not None):
            wanted = scope.groupby(list(coding)).size().astype(float)
            got = result.weights.groupby([sample[c] for c in coding]).sum()
            np.testing.assert_allclose(got.reindex(wanted.index), wanted, rtol=1e-8)
        assert result.diagnostics["deff_kish"] >= 1.0
        assert result.diagnostics["max_margin_error"] <= 1e-8
    first = year_weights(frame, 2018, panel.loc[panel["year"] == 2018, "org_id"].tolist(), MARGINS)
    assert first.n_frame == int((frame["org_type"] == "municipal").sum())
    assert any("type region" in n and "outside" in n for n in first.notes)
    last = year_weights(frame, 2025, panel.loc[panel["year"] == 2025, "org_id"].tolist(), MARGINS)
    assert last.codings["type_sector"] == ("org_type", "sector") and last.n_frame == len(frame)


def test_one_margin_is_post_stratification(frame, panel):
    ids = panel.loc[panel["year"] == 2024, "org_id"].tolist()
    only = [MarginSpec("type_sector", (("org_type", "sector"),))]
    result = year_weights(frame, 2024, ids, only)
    sample = frame.loc[ids]
    cell = sample["org_type"] + "/" + sample["sector"]
    population = (frame["org_type"] + "/" + frame["sector"]).value_counts()
    expected = cell.map(population) / cell.map(cell.value_counts())
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-10)


def test_a_margin_a_year_cannot_support_is_coarsened_then_left_out(frame, panel):
    ids = panel.loc[panel["year"] == 2025, "org_id"]
    sectors = frame.loc[ids, "sector"]
    # no culture/leisure administration takes part: type x sector cannot be met
    ids = ids[(sectors != "culture_leisure").to_numpy()].tolist()
    result = year_weights(frame, 2025, ids, MARGINS)
    assert result.codings["type_sector"] == ("org_type",)
    assert any("culture_leisure" in n and "type_sector" in n for n in result.notes)
    # one participant per group at most: asking for two leaves the group margin out
    strict = year_weights(frame, 2025, ids, MARGINS, min_participants=10_000)
    assert set(strict.codings.values()) == {None}
    assert strict.weights.sum() == pytest.approx(strict.n_frame)
    assert np.ptp(strict.weights.to_numpy()) == 0.0


def test_weights_out_of_reach_within_the_bounds_are_an_error(frame, panel):
    ids = panel.loc[panel["year"] == 2021, "org_id"].tolist()
    with pytest.raises(ValueError, match=r"2021: no weights within the bounds"):
        year_weights(frame, 2021, ids, MARGINS, bounds=(0.9, 1.1))
    with pytest.raises(ValueError, match="not in the frame"):
        year_weights(frame, 2021, [*ids, "O9999"], MARGINS)


def test_the_diagnostics_table_agrees_with_the_weights(frame, panel):
    from mognad.population.weights import DIAGNOSTIC_COLUMNS, diagnostics_table

    years = [
        year_weights(frame, int(y), part["org_id"].tolist(), MARGINS)
        for y, part in panel.groupby("year")
    ]
    table = diagnostics_table(years).set_index("year")
    assert list(table.reset_index().columns) == list(DIAGNOSTIC_COLUMNS)
    for item in years:
        row, w = table.loc[item.year], item.weights.to_numpy()
        assert row["n_orgs"] == len(w) and row["n_frame"] == item.n_frame
        # Kish's deff is 1 + CV² of the weights (population variance)
        assert row["deff_kish"] == pytest.approx(1 + w.var() / w.mean() ** 2, rel=1e-12)
        assert row["weight_ratio"] == pytest.approx(w.max() / w.min(), rel=1e-12)
        g = w / (item.n_frame / len(w))
        assert (row["min_g"], row["max_g"]) == pytest.approx((g.min(), g.max()), rel=1e-12)
    assert "type_sector=org_type×sector" in table.loc[2025, "margins"]
    assert "size_band=size_band" in table.loc[2025, "margins"]
    assert "outside" in table.loc[2018, "notes"]
