"""A municipality's internal comparison: its administrations side by side, built from
their own profile data and shown to that municipality only."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape
from test_profiles import DRAWS, ORGS, REGISTER, SECTORS, THRESHOLDS, TYPES, YEAR, _pdf_text

from mognad.publish.profiles import (
    municipality_data,
    municipality_html,
    municipality_pdf,
    municipality_view,
    municipality_violations,
    profile_data,
)
from mognad.publish.profiles.municipality import group_id


@pytest.fixture(scope="module")
def profiles():
    return profile_data(ORGS, SECTORS, TYPES, YEAR, THRESHOLDS, register=REGISTER, draws=DRAWS)


@pytest.fixture(scope="module")
def labels():
    from test_profiles import CFG, ROOT

    from mognad.instrument import load_instrument
    from mognad.labels import load_labels

    instrument = load_instrument(ROOT / CFG["instrument"])
    return {
        lang: load_labels(ROOT / "data/codebook/labels.yaml", instrument, lang)
        for lang in ("sv", "en")
    }


def test_administrations_of_one_municipality_are_grouped(profiles):
    groups = municipality_data(list(profiles.values()))
    # A and B share M1; C, D are alone in theirs; the regions E, F are in different counties.
    assert list(groups) == ["M1"]
    m1 = groups["M1"]
    assert [m["org_id"] for m in m1["members"]] == ["B", "A"]  # by name
    assert m1["name"] == "Åby kommun" and m1["county"] == "Uppsala län"
    assert municipality_violations(m1) == []
    # Two regions' administrations in one county make one region.
    same_county = [dict(p, county="Skåne län") for k, p in profiles.items() if k in "EF"]
    regions = municipality_data(same_county)
    assert list(regions) == ["R-Skane-lan"]
    assert regions["R-Skane-lan"]["name"] is None  # "Region Öst" and "Region Väst" differ
    assert group_id({"org_type": "state_agency", "county": "X"}) is None


def test_the_comparison_shows_what_the_profiles_show_and_nothing_more(profiles, labels):
    m1 = municipality_data(list(profiles.values()))["M1"]
    a, b = (next(m for m in m1["members"] if m["org_id"] == k) for k in "AB")
    assert a["scores"] == profiles["A"]["scores"]
    assert a["sector_mean"] == profiles["A"]["comparisons"]["sector"]["values"]
    # B has 3 < 5 respondents: listed, without a value.
    assert not b["reportable"] and b["scores"] == {} and b["quadrant"] is None
    sv = labels["sv"]
    html = municipality_html(m1, sv)
    text = _pdf_text(municipality_pdf(m1, sv))[2]
    row = ORGS[(ORGS.org_id == "B") & (ORGS.year == YEAR)].iloc[0]
    for page in (html, text):
        assert "Åby kommun, Barn- och ungdomsförvaltningen" in page
        for value in (row.maturity, row.capability, row.effektivitet):
            assert sv.number(value) not in page
        assert sv.number(profiles["A"]["scores"]["maturity"]["value"]) in page
    # A's teknik row: its value, the sector's mean and the difference.
    view = municipality_view(m1, sv)
    card = next(c for c in view["cards"] if c["org_id"] == "A")
    teknik = next(r for r in card["rows"] if r["label"] == sv.indicator("teknik"))
    own, mean = profiles["A"]["scores"]["teknik"]["value"], a["sector_mean"]["teknik"]
    assert teknik["value"] == sv.number(own) and teknik["sector"] == sv.number(mean)
    difference = round(own - mean, 1)
    assert teknik["diff"] == ("+" if difference > 0 else "") + sv.number(difference)
    forged = json.loads(json.dumps(m1))
    forged["members"][0]["scores"] = a["scores"]
    assert municipality_violations(forged)


def test_the_comparison_is_for_the_municipality_only(profiles, labels):
    m1 = municipality_data(list(profiles.values()))["M1"]
    for lab in labels.values():
        html = municipality_html(m1, lab)
        assert str(escape(lab.text("municipality_private", name="Åby kommun"))) in html
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)|<(link|script|img)\b", html)
        pages, _, text = _pdf_text(municipality_pdf(m1, lab))
        assert pages == 1 and "Åby kommun" in text
        assert municipality_pdf(m1, lab) == municipality_pdf(m1, lab)
