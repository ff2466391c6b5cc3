"""Peer groups (mognad.peers): every county in exactly one national area, head counts in
the right band at the edges, the register refusing a county it does not know, and the
bands' names as the labels write them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mognad.errors import InputError
from mognad.ingest.exports import read_organisations
from mognad.instrument import load_instrument
from mognad.labels import load_labels
from mognad.peers import (
    AREAS,
    COUNTY_AREA,
    area_of,
    size_band_bounds,
    size_band_codes,
    size_band_of,
    with_peer_groups,
)

ROOT = Path(__file__).resolve().parent.parent


def test_the_21_counties_fall_in_the_8_areas_once_each():
    counties = [c for members in AREAS.values() for c in members]
    assert len(AREAS) == 8 and len(counties) == 21 == len(set(counties))
    assert all(c.endswith(" län") for c in counties)
    register = pd.read_csv(ROOT / "data/raw/demo/organisations.csv")
    assert set(register["county"]) <= set(COUNTY_AREA)  # the demo names real counties
    found = area_of(pd.Series(["Gotlands län", "Norrbottens län", "Stockholms län"]))
    assert list(found) == ["SE21", "SE33", "SE11"]


def test_a_head_count_on_an_edge_opens_the_next_band():
    edges = (100, 250, 1000)
    assert size_band_codes(edges) == ["0-99", "100-249", "250-999", "1000+"]
    counts = pd.Series([1, 99, 100, 249, 250, 999, 1000, 12316])
    expected = ["0-99", "0-99", "100-249", "100-249", "250-999", "250-999", "1000+", "1000+"]
    assert list(size_band_of(counts, edges)) == expected
    for bad in ([], [0, 10], [250, 100], [100, 100]):
        with pytest.raises(ValueError, match="increasing"):
            size_band_of(counts, bad)


def test_a_band_code_reads_back_as_the_head_counts_it_holds():
    edges = (10, 100, 250, 1000)
    codes = size_band_codes(edges)
    bounds = [size_band_bounds(c) for c in codes]
    assert bounds == [(0, 9), (10, 99), (100, 249), (250, 999), (1000, None)]
    for low, high in bounds:  # each band's own head counts land in it
        assert set(size_band_of(pd.Series([low, high or low + 5000]), edges)) == {
            codes[bounds.index((low, high))]
        }
    for bad in ("100", "10-", "+", "1-2+", "x-9", "10++"):
        with pytest.raises(ValueError, match="no size band"):
            size_band_bounds(bad)


def test_peer_groups_join_the_register():
    frame = pd.DataFrame({"county": ["Skåne län", "Jämtlands län"], "employees": [80, 4000]})
    out = with_peer_groups(frame, (100, 250, 1000))
    assert list(out["area"]) == ["SE22", "SE32"] and list(out["size_band"]) == ["0-99", "1000+"]


def test_the_register_refuses_a_name_that_is_no_county(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text(
        "org_id,name,org_type,sector,municipality_id,county,employees\n"
        "O1,Ett,municipal,education,M1,Dalarnas län,10\n"
        "O2,Två,municipal,education,M1,Dalarna,12\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as excinfo:
        read_organisations(path)
    message = str(excinfo.value)
    assert str(path) in message and "row 3" in message and "'county'" in message
    assert "'Dalarna'" in message and "Stockholms län" in message


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("sv", ["0–99 anställda", "100–249 anställda", "1\u00a0000 anställda eller fler"]),
        ("en", ["0–99 employees", "100–249 employees", "1,000 employees or more"]),
    ],
)
def test_size_bands_and_areas_have_names(language, names):
    instrument = load_instrument(ROOT / "data/codebook/instrument.yaml")
    labels = load_labels(ROOT / "data/codebook/labels.yaml", instrument, language)
    assert [labels.size_band(c) for c in ("0-99", "100-249", "1000+")] == names
    assert all(labels.group("area", code) for code in AREAS)
    assert labels.area("SE33") == ("Övre Norrland" if language == "sv" else "Upper Norrland")
