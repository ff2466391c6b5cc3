"""Organisation profiles: their numbers, disclosure control, and the HTML and PDF pages."""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pypdfium2
import pytest
import yaml

from mognad.instrument import load_instrument
from mognad.labels import load_labels
from mognad.peers import with_peer_groups
from mognad.publish.profiles import (
    CATEGORIES,
    CHARTS,
    COLOURS,
    HEADLINE,
    MIN_FONT,
    QUADRANT_MAP,
    RADAR,
    advice,
    index_html,
    profile_data,
    profile_html,
    profile_pdf,
    profile_view,
    profile_violations,
    read_profile_data,
    render_profile,
    render_profile_files,
    svg_width,
    write_profile_data,
)
from mognad.publish.smallcell import Thresholds

ROOT = Path(__file__).resolve().parent.parent
CFG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
YEAR = 2025
THRESHOLDS = Thresholds(min_respondents=5, min_orgs=3)
A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def labels():
    instrument = load_instrument(ROOT / CFG["instrument"])
    path = ROOT / "data/codebook/labels.yaml"
    return {lang: load_labels(path, instrument, lang) for lang in ("sv", "en")}


def _scores(cats: list[float], spread: float = 3.0) -> dict[str, float]:
    row = dict(zip(CATEGORIES, cats, strict=True))
    row["capability"] = float(np.mean(cats[:3]))
    row["legacy"] = float(np.mean(cats[3:]))
    row["maturity"] = (row["capability"] + row["legacy"]) / 2
    for key in [*CATEGORIES, *HEADLINE]:
        row[f"{key}_ci_low"] = row[key] - spread
        row[f"{key}_ci_high"] = row[key] + spread
    return row


def _org(year, org_id, sector, org_type, n, cats) -> dict:
    row = {"year": year, "org_id": org_id, "org_type": org_type, "sector": sector}
    row["n_respondents"] = n
    row |= _scores(cats)
    high_c, high_l = row["capability"] >= 50, row["legacy"] >= 50
    row["quadrant"] = {
        (True, True): "mature",
        (True, False): "ambitious",
        (False, True): "maintaining",
        (False, False): "beginning",
    }[high_c, high_l]
    row["method_version"] = "1.0"
    return row


#: A took part in 2019, 2021 and 2025 (skipping three years); B has too few respondents in
#: 2025; E had too few respondents at its last participation (2023).
ORGS = pd.DataFrame(
    [
        _org(2019, "A", "education", "municipal", 25, [20.0, 25.0, 22.0, 20.0, 31.0, 23.0]),
        _org(2021, "A", "education", "municipal", 18, [40.0, 35.0, 42.0, 30.0, 61.0, 33.0]),
        _org(2025, "A", "education", "municipal", 20, [61.2, 47.3, 55.55, 38.1, 70.4, 44.9]),
        _org(2024, "B", "education", "municipal", 12, [50.0] * 6),
        _org(2025, "B", "education", "municipal", 3, [77.7, 66.6, 55.5, 44.4, 33.3, 22.2]),
        _org(2025, "C", "education", "municipal", 12, [52.0, 53.0, 54.0, 55.0, 56.0, 57.0]),
        _org(2025, "D", "social_services", "municipal", 30, [45.0, 46.0, 47.0, 48.0, 49.0, 50.0]),
        _org(2023, "E", "health_care", "region", 4, [60.0] * 6),
        _org(2025, "E", "health_care", "region", 10, [64.0, 62.0, 60.0, 58.0, 56.0, 54.0]),
        _org(2025, "F", "health_care", "region", 9, [24.0, 22.0, 20.0, 28.0, 26.0, 21.0]),
    ]
)


def _group(year, key, code, n_orgs, cats, suppressed=False) -> dict:
    row = {"year": year, key: code, "n_orgs": n_orgs, "n_respondents": 10 * n_orgs}
    scores = _scores(cats)
    if suppressed:
        scores = dict.fromkeys(scores, np.nan)
    return row | scores | {"method_version": "1.0", "suppressed": suppressed}


SECTORS = pd.DataFrame(
    [
        _group(2021, "sector", "education", 3, [10.0] * 6),  # another year: never used for 2025
        _group(2025, "sector", "education", 3, [63.0, 57.0, 51.0, 45.0, 39.0, 33.0]),
        _group(2025, "sector", "social_services", 1, [45.0] * 6, suppressed=True),
        _group(2025, "sector", "health_care", 2, [44.0] * 6),  # fewer than min_orgs
    ]
)
TYPES = pd.DataFrame(
    [
        _group(2025, "org_type", "municipal", 4, [58.0, 52.0, 50.0, 48.0, 46.0, 42.0]),
        _group(2025, "org_type", "region", 2, [42.0] * 6, suppressed=True),
    ]
)


REGISTER = pd.DataFrame(
    {
        "org_id": list("ABCDEFG"),
        "name": [
            "Åby kommun, Utbildningsförvaltningen",
            "Åby kommun, Barn- och ungdomsförvaltningen",
            "Zeta kommun, Skolförvaltningen",
            "Äby kommun, Socialförvaltningen",
            "Region Öst",
            "Region Väst",
            "Never took part",
        ],
        "municipality_id": ["M1", "M1", "M2", "M3", None, None, "M4"],
        "county": ["Uppsala län", "Uppsala län", "Kalmar län", "Skåne län", "Östergötlands län",
                   "Hallands län", "Gotlands län"],
        "employees": [500, 80, 300, 200, 9000, 7000, 40],
    }
)  # fmt: skip
# each organisation's peer groups from the register, as scoring adds them
ORGS = ORGS.merge(
    with_peer_groups(REGISTER, (100, 250, 1000))[["org_id", "area", "size_band"]], on="org_id"
)
#: A and B are in Uppsala län (SE12): the area's mean is shown; A's size band (250-999)
#: has two organisations, too few to show.
AREAS = pd.DataFrame(
    [
        _group(2025, "area", "SE12", 4, [60.0, 55.0, 50.0, 45.0, 40.0, 35.0]),
        _group(2025, "area", "SE21", 1, [52.0] * 6, suppressed=True),
    ]
)
SIZES = pd.DataFrame(
    [
        _group(2025, "size_band", "250-999", 2, [54.0] * 6),
        _group(2025, "size_band", "0-99", 3, [48.0] * 6),
    ]
)
PEERS = {"area": AREAS, "size_band": SIZES}
#: Replicate draws of 2025: each organisation's replicate means spread around its scores
#: as a bootstrap's would (a planted normal spread of 2.5 points).
N_REPLICATES = 400


def _draws(orgs: pd.DataFrame, year: int, spread: float = 2.5, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = orgs[orgs.year == year].sort_values("org_id")
    parts = []
    for row in rows.itertuples():
        cap = row.capability + spread * rng.standard_normal(N_REPLICATES)
        leg = row.legacy + spread * rng.standard_normal(N_REPLICATES)
        parts.append(
            pd.DataFrame(
                {
                    "year": year,
                    "org_id": row.org_id,
                    "replicate": np.arange(N_REPLICATES, dtype=np.int32),
                    "capability": cap.astype(np.float32),
                    "legacy": leg.astype(np.float32),
                    "maturity": ((cap + leg) / 2).astype(np.float32),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


DRAWS = _draws(ORGS, YEAR)


@pytest.fixture(scope="module")
def profiles():
    return profile_data(
        ORGS, SECTORS, TYPES, YEAR, THRESHOLDS, register=REGISTER, draws=DRAWS, peers=PEERS
    )


def _org_row(org_id: str) -> pd.Series:
    return ORGS[(ORGS.org_id == org_id) & (ORGS.year == YEAR)].iloc[0]


def _pdf_text(pdf: bytes) -> tuple[int, tuple[float, float], str]:
    """Pages, the size of the first page and the text of all pages."""
    document = pypdfium2.PdfDocument(pdf)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return len(document), document[0].get_size(), text


def test_one_profile_per_participant_of_the_year(profiles):
    assert list(profiles) == ["A", "B", "C", "D", "E", "F"]
    assert all(p["year"] == YEAR for p in profiles.values())
    assert all(profile_violations(p) == [] for p in profiles.values())


def test_rendered_numbers_equal_the_input(profiles, labels):
    sv = labels["sv"]
    row = _org_row("A")
    html = profile_html(profiles["A"], sv)
    text = _pdf_text(profile_pdf(profiles["A"], sv))[2]
    for key in [*HEADLINE, *CATEGORIES]:
        shown = sv.number(row[key])
        interval = f"{sv.number(row[f'{key}_ci_low'])}–{sv.number(row[f'{key}_ci_high'])}"
        assert shown in html and interval in html, key
        assert shown in text and interval in text, key
    # The maturity card: 51.xx -> "5x,x" in Swedish, its interval in the card's line.
    view = profile_view(profiles["A"], sv)
    card = view["headline"][0]
    assert card["value"] == sv.number(row["maturity"]) and "," in card["value"]
    assert (
        card["ci"] == f"95 % KI {sv.number(row.maturity_ci_low)}–{sv.number(row.maturity_ci_high)}"
    )
    # Comparison columns are the 2025 sector and type means, not another year's.
    education = SECTORS[(SECTORS.year == YEAR) & (SECTORS.sector == "education")].iloc[0]
    rows = {r["label"]: r for r in view["table"]}
    assert rows[sv.indicator("teknik")]["sector"] == sv.number(education.teknik)
    assert rows[sv.indicator("maturity")]["org_type"] == sv.number(TYPES.maturity.iloc[0])
    assert view["quadrant"].endswith(sv.quadrant(row.quadrant))


def test_gaps_rank_categories_by_their_distance_to_the_sector_with_its_interval(profiles, labels):
    education = SECTORS[(SECTORS.year == YEAR) & (SECTORS.sector == "education")].iloc[0]
    for org_id in ("A", "C"):
        row, data = _org_row(org_id), profiles[org_id]
        assert data["gap_reference"] == "sector"
        gaps = {g["category"]: g for g in data["gaps"]}
        for c in CATEGORIES:
            assert gaps[c]["gap"] == pytest.approx(row[c] - education[c])
            assert gaps[c]["gap_low"] == pytest.approx(row[f"{c}_ci_low"] - education[c])
            assert gaps[c]["gap_high"] == pytest.approx(row[f"{c}_ci_high"] - education[c])
        expected = sorted(CATEGORIES, key=lambda c: row[c] - education[c])
        assert [g["category"] for g in data["gaps"]] == expected
    # D: its sector is hidden, so the reference is its type; E: neither is shown.
    assert profiles["D"]["gap_reference"] == "org_type"
    assert profiles["E"]["gap_reference"] is None and profiles["E"]["gaps"] == []
    view = profile_view(profiles["E"], labels["sv"])
    assert view["gap_svg"] == "" and "inga skillnader" in view["gaps_note"]
    # A's largest shortfall (innovation, 47.3 - 57 = -9.7) is the chart's first row.
    svg = profile_view(profiles["A"], labels["sv"])["gap_svg"]
    assert svg.index("Innovation") < svg.index("Organisation") < svg.index("Effektivitet")
    assert "−9,7" in svg and "+31,4" in svg


def test_advice_follows_the_documented_rule_set():
    def gap(category, value, low, high):
        return {"category": category, "gap": value, "gap_low": low, "gap_high": high}

    clear = [gap("teknik", -12, -16, -8), gap("innovation", -9, -12, -6),
             gap("organisation", -7, -10, -4), gap("effektivitet", 3, -1, 7)]  # fmt: skip
    # At most two categories clearly below, largest shortfall first, then the quadrant.
    assert advice(clear, "ambitious") == [
        {"kind": "category", "code": "teknik", "clear": True},
        {"kind": "category", "code": "innovation", "clear": True},
        {"kind": "quadrant", "code": "ambitious", "clear": True},
    ]
    # None clearly below: the largest shortfall, marked uncertain.
    unclear = [gap("teknik", -2, -6, 2), gap("innovation", -1, -4, 2), gap("anvandare", 4, 1, 7)]
    assert advice(unclear, None) == [{"kind": "category", "code": "teknik", "clear": False}]
    # Nothing below: only the quadrant.
    assert advice([gap("teknik", 2, 1, 3)], "mature") == [
        {"kind": "quadrant", "code": "mature", "clear": True}
    ]


def test_profile_shows_its_advice_in_words(profiles, labels):
    sv, en = labels["sv"], labels["en"]
    # A: innovation (-9.7 +- 3) and organisation (-6.9 +- 3) are clearly below its sector.
    codes = [(a["kind"], a["code"], a["clear"]) for a in profiles["A"]["advice"]]
    assert codes == [
        ("category", "innovation", True),
        ("category", "organisation", True),
        ("quadrant", "mature", True),
    ]
    html = profile_html(profiles["A"], sv)
    for item in profiles["A"]["advice"][:2]:
        assert sv.get("advice", item["code"])[1:] + "." in html  # as a sentence
    assert sv.text("advice_quadrant_mature") in html
    assert "Innovation ligger tydligt under sektorns medel." in html
    assert en.get("advice", "innovation")[1:] in profile_html(profiles["A"], en)


def test_name_and_place_come_from_the_register(profiles, labels):
    a = profiles["A"]
    assert a["name"] == "Åby kommun, Utbildningsförvaltningen"
    assert (a["municipality_id"], a["county"]) == ("M1", "Uppsala län")
    view = profile_view(a, labels["sv"])
    assert view["org"] == a["name"]
    assert view["subtitle"] == "Kommun · Utbildning/skola · Uppsala län · 20 svarande"
    html = profile_html(a, labels["sv"])
    assert "<h1>Åby kommun, Utbildningsförvaltningen</h1>" in html
    # Without a register the id stands in.
    bare = profile_data(ORGS, SECTORS, TYPES, YEAR, THRESHOLDS)
    assert bare["A"]["name"] is None
    assert profile_view(bare["A"], labels["sv"])["org"] == "Organisation A"


def test_trend_covers_every_year_taken_part_and_hides_what_is_hidden(profiles, labels):
    trend = profiles["A"]["trend"]
    assert [p["year"] for p in trend] == [2019, 2021, 2025]
    for point in trend:
        row = ORGS[(ORGS.org_id == "A") & (ORGS.year == point["year"])].iloc[0]
        assert point["scores"]["maturity"]["value"] == pytest.approx(row.maturity)
        assert point["scores"]["maturity"]["ci_low"] == pytest.approx(row.maturity_ci_low)
    # The sector mean: shown in 2021 and 2025 (education has 3 organisations), absent in 2019.
    assert [p["sector"]["shown"] for p in trend] == [False, True, True]
    assert trend[1]["sector"]["values"]["maturity"] == pytest.approx(
        SECTORS[(SECTORS.year == 2021) & (SECTORS.sector == "education")].maturity.iloc[0]
    )
    # E had too few respondents in 2023: that year is listed, without scores.
    e = profiles["E"]["trend"]
    assert (e[0]["year"], e[0]["reportable"], e[0]["scores"]) == (2023, False, {})
    view = profile_view(profiles["E"], labels["sv"])
    assert any("2023" in note and "visas inte i kurvan" in note for note in view["footnotes"])
    assert labels["sv"].number(60.0) not in view["trend_svg"]
    forged = json.loads(json.dumps(profiles["E"]))
    forged["trend"][0]["scores"] = profiles["E"]["trend"][1]["scores"]
    assert profile_violations(forged)
    # The chart: one dot per shown year; the line never bridges the hidden year.
    svg = profile_view(profiles["A"], labels["sv"])["trend_svg"]
    assert svg.count(f'r="3" fill="{COLOURS["org"]}"') == 3
    assert svg.count("<polyline") == 2  # A's three years, and the sector's 2021-2025


def test_quadrant_probabilities_and_rank_come_from_the_draws(profiles, labels):
    from scipy.stats import norm

    a = profiles["A"]
    row = _org_row("A")
    # Planted: capability and legacy spread N(0, 2.5) around A's scores (54.7, 51.1).
    p_cap, p_leg = norm.cdf((row.capability - 50) / 2.5), norm.cdf((row.legacy - 50) / 2.5)
    mc = 4 * np.sqrt(0.25 / N_REPLICATES)  # four Monte Carlo standard errors
    chances = a["quadrant_probability"]
    assert sum(chances.values()) == pytest.approx(1.0)
    assert chances["mature"] == pytest.approx(p_cap * p_leg, abs=mc)
    assert chances["ambitious"] == pytest.approx(p_cap * (1 - p_leg), abs=mc)
    assert chances["maintaining"] == pytest.approx((1 - p_cap) * p_leg, abs=mc)
    # Ranks among the five reportable organisations (B has 3 < 5 respondents).
    maturity = {k: _org_row(k).maturity for k in "ACDEF"}
    order = sorted(maturity, key=maturity.get, reverse=True)
    for k in "ACDEF":
        rank = profiles[k]["rank"]
        assert rank["of"] == 5 and rank["rank"] == order.index(k) + 1
        assert rank["low"] <= rank["rank"] <= rank["high"]
    assert profiles["B"]["rank"] is None and profiles["B"]["quadrant_probability"] == {}
    sv = labels["sv"]
    html = profile_html(a, sv)
    p = sv.percent(100 * chances["mature"])
    assert f"{p} sannolikhet att vara digitalt mogen" in html
    assert f"Plats {a['rank']['rank']} av 5 i digital mognad" in html


def test_charts_are_legible_in_print(profiles, labels):
    """Each chart is placed in the PDF at its own width (one SVG unit per point), so its
    font sizes are its sizes in print: none below 8 pt."""
    for org_id in ("A", "D", "E"):
        view = profile_view(profiles[org_id], labels["sv"], trend_width=496.0)
        assert set(view["widths"]) == {c for c in CHARTS if view[c]}
        for chart in view["widths"]:
            sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)"', view[chart])]
            assert sizes and min(sizes) >= MIN_FONT >= 8, (org_id, chart, min(sizes))
            assert view["widths"][chart] == svg_width(view[chart])
    # The template places every chart at view.widths, nothing else sets a chart's size.
    template = (ROOT / "src/mognad/templates/profile/profile.typ").read_text(encoding="utf-8")
    assert "width: view.widths.at(name) * 1pt" in template
    assert template.count("image(") == 1


def test_change_is_since_the_previous_participation_even_after_skipped_years(profiles, labels):
    previous = profiles["A"]["previous"]
    assert previous["year"] == 2021
    now, then = _org_row("A"), ORGS[(ORGS.org_id == "A") & (ORGS.year == 2021)].iloc[0]
    for key in HEADLINE:
        assert previous["change"][key] == pytest.approx(now[key] - then[key])
    html = profile_html(profiles["A"], labels["sv"])
    change = round(now.maturity - then.maturity, 1)
    assert f"+{labels['sv'].number(change)} sedan 2021" in html
    assert profiles["C"]["previous"] is None
    assert "Första deltagandet" in profile_html(profiles["C"], labels["sv"])


def test_no_change_when_the_previous_year_had_too_few_respondents(profiles, labels):
    previous = profiles["E"]["previous"]
    assert previous == {"year": 2023, "reportable": False, "change": {}}
    html = profile_html(profiles["E"], labels["sv"])
    assert "sedan 2023" not in html and "för få svarande 2023" in html


def test_org_below_the_respondent_threshold_shows_no_scores(profiles, labels):
    data = profiles["B"]
    assert not data["reportable"]
    assert data["scores"] == {} and data["quadrant"] is None
    assert data["gaps"] == [] and data["advice"] == [] and data["rank"] is None
    assert [p["scores"] for p in data["trend"] if p["year"] == YEAR] == [{}]
    assert data["previous"]["change"] == {}
    for lang, lab in labels.items():
        html = profile_html(data, lab)
        _, _, text = _pdf_text(profile_pdf(data, lab))
        body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)  # CSS has numbers
        for page in (body, text):
            assert not re.search(r"\d[.,]\d", page), lang  # no score of any kind
            assert "<svg" not in page
            for value in (77.7, 66.6, 55.5, 44.4, 33.3, 22.2):
                assert lab.number(value) not in page
        assert lab.text("profile_too_few", n=3, year=YEAR, min_respondents=5) in html
        assert "3" in text and str(YEAR) in text
    leaked = dict(data, scores=profiles["A"]["scores"])
    assert profile_violations(leaked)


def test_suppressed_or_small_comparison_means_are_not_drawn(profiles, labels):
    sv = labels["sv"]
    # D: its sector is suppressed (NaN, suppressed=True); its type mean is drawn.
    d = profiles["D"]["comparisons"]
    assert not d["sector"]["shown"] and d["sector"]["values"] == {}
    assert d["org_type"]["shown"]
    view = profile_view(profiles["D"], sv)
    svg = view["radar_svg"]
    assert COLOURS["sector"] not in svg and COLOURS["org_type"] in svg
    assert any(sv.sector("social_services") in note for note in view["footnotes"])
    assert all(r["sector"] == "–" for r in view["table"])
    # E: the health-care mean has values but only 2 < 3 organisations; region is suppressed.
    e = profiles["E"]["comparisons"]
    assert not e["sector"]["shown"] and not e["org_type"]["shown"]
    view = profile_view(profiles["E"], sv)
    assert COLOURS["sector"] not in view["radar_svg"]
    assert COLOURS["org_type"] not in view["radar_svg"]
    assert sv.number(44.0) not in profile_html(profiles["E"], sv)
    assert len([n for n in view["footnotes"] if n.startswith("Medelvärdet för")]) == 2
    forged = json.loads(json.dumps(profiles["E"]))
    forged["comparisons"]["sector"]["shown"] = True
    assert profile_violations(forged)


def test_radar_places_the_values_on_their_axes(profiles, labels):
    svg = profile_view(profiles["C"], labels["sv"])["radar_svg"]
    org = re.search(r'<polygon points="([^"]+)" fill="#1f5f99"', svg).group(1)
    points = [tuple(map(float, p.split(","))) for p in org.split()]
    _, _, cx, cy, radius = RADAR
    distances = [np.hypot(x - cx, y - cy) / radius * 100 for x, y in points]
    assert distances == pytest.approx([52, 53, 54, 55, 56, 57], abs=0.02)
    assert points[0][0] == pytest.approx(cx)  # the first category points straight up


def test_html_is_self_contained(profiles, labels):
    for org_id in ("A", "B", "D"):
        html = profile_html(profiles[org_id], labels["sv"])
        assert html.startswith("<!DOCTYPE html>")
        external = re.findall(r"(?:https?:)?//[^\s\"')]+", html)
        assert set(external) <= {"http://www.w3.org/2000/svg"}, external
        assert not re.search(r"<(link|script|img|iframe)\b|url\(|@import", html)
    index = index_html(list(profiles.values()), labels["sv"], YEAR)
    assert not re.search(r"https?://|<(link|img)\b|<script [^>]*src|url\(", index)


def test_pdf_is_three_a4_pages_and_byte_identical(profiles, labels, tmp_path):
    for org_id in ("A", "B", "D", "E"):
        for lang in ("sv", "en"):
            first, second = tmp_path / f"{org_id}1.pdf", tmp_path / f"{org_id}2.pdf"
            render_profile(profiles[org_id], labels[lang], tmp_path / "a.html", first)
            render_profile(profiles[org_id], labels[lang], tmp_path / "b.html", second)
            assert first.read_bytes() == second.read_bytes()
            assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
            pages, size, _ = _pdf_text(first.read_bytes())
            assert pages == (3 if profiles[org_id]["reportable"] else 1)
            assert size == pytest.approx(A4, abs=0.5)


def test_english_profile_has_no_swedish_letters(profiles, labels):
    swedish = re.compile("[åäöÅÄÖ]")
    for org_id in ("A", "B", "D", "E"):
        html = profile_html(profiles[org_id], labels["en"])
        _, _, text = _pdf_text(profile_pdf(profiles[org_id], labels["en"]))
        for name in (profiles[org_id]["name"], profiles[org_id]["county"]):  # proper names
            html, text = html.replace(name, ""), text.replace(name, "")
        assert not swedish.search(html) and not swedish.search(text), org_id
        assert 'lang="en"' in html
    assert swedish.search(profile_html(profiles["A"], labels["sv"]))  # the check can fail


def test_index_links_every_profile(profiles, labels):
    index = index_html(list(profiles.values()), labels["en"], YEAR)
    for org_id in profiles:
        assert f'href="{org_id}.html"' in index and f'href="{org_id}.pdf"' in index
    assert "6 organisations took part in 2025" in index
    assert "Education/schools" in index and "Municipality" in index


def test_profile_data_round_trips_through_json(profiles, tmp_path):
    paths = write_profile_data(profiles, tmp_path)
    assert sorted(p.name for p in paths) == [f"{k}.json" for k in "ABCDEF"]
    for path in paths:
        assert "NaN" not in path.read_text(encoding="utf-8")
        data = read_profile_data(path)
        assert data == profiles[data["org_id"]]


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="no organisation"):
        profile_data(ORGS, SECTORS, TYPES, 2030, THRESHOLDS)
    with pytest.raises(ValueError, match="more than one row"):
        profile_data(pd.concat([ORGS, ORGS.iloc[:1]]), SECTORS, TYPES, YEAR, THRESHOLDS)
    with pytest.raises(ValueError, match="file name"):
        profile_data(ORGS.assign(org_id=ORGS.org_id + "/x"), SECTORS, TYPES, YEAR, THRESHOLDS)
    index = ORGS.assign(org_id=ORGS.org_id.where(ORGS.org_id != "A", "index"))
    with pytest.raises(ValueError, match="'index'"):
        profile_data(index, SECTORS, TYPES, YEAR, THRESHOLDS)


def test_thresholds_from_config():
    assert Thresholds.from_config(CFG["disclosure"]).min_respondents == 5
    custom = Thresholds.from_config({"min_respondents": 8, "min_orgs": 4})
    assert (custom.min_respondents, custom.min_orgs) == (8, 4)
    shifted = profile_data(ORGS, SECTORS, TYPES, YEAR, custom, quadrant={"legacy": 60})
    assert next(iter(shifted.values()))["quadrant_thresholds"] == {
        "capability": 50.0,
        "legacy": 60.0,
    }


class _Files(list):
    """Snakemake's named file lists: a list with attributes."""

    def __init__(self, items=(), **named):
        super().__init__(items or named.values())
        self.__dict__.update(named)


def _run_script(name: str, **smk) -> None:
    runpy.run_path(
        str(ROOT / "workflow" / "scripts" / f"{name}.py"),
        init_globals={"snakemake": SimpleNamespace(**smk)},
        run_name="__main__",
    )


def test_workflow_scripts_write_data_profiles_and_index(tmp_path):
    # as the workflow keeps them: point scores and the organisations' intervals apart
    bounds = [c for c in ORGS.columns if c.endswith(("_ci_low", "_ci_high"))]
    ORGS.drop(columns=bounds).to_parquet(tmp_path / "orgs.parquet")
    ORGS[["year", "org_id", *bounds]].to_parquet(tmp_path / "intervals.parquet")
    DRAWS.to_parquet(tmp_path / "draws.parquet")
    REGISTER.assign(org_type="municipal", sector="education").to_csv(
        tmp_path / "register.csv", index=False
    )
    SECTORS.to_csv(tmp_path / "sector.csv", index=False)
    TYPES.to_csv(tmp_path / "type.csv", index=False)
    AREAS.to_csv(tmp_path / "area.csv", index=False)
    SIZES.to_csv(tmp_path / "size.csv", index=False)
    common = {
        "labels": str(ROOT / "data/codebook/labels.yaml"),
        "instrument": str(ROOT / CFG["instrument"]),
    }
    folder = tmp_path / "data"
    _run_script(
        "profile_data",
        input=_Files(
            orgs=str(tmp_path / "orgs.parquet"),
            intervals=str(tmp_path / "intervals.parquet"),
            draws=str(tmp_path / "draws.parquet"),
            register=str(tmp_path / "register.csv"),
            sector=str(tmp_path / "sector.csv"),
            types=str(tmp_path / "type.csv"),
            area=str(tmp_path / "area.csv"),
            size_band=str(tmp_path / "size.csv"),
            instrument=common["instrument"],
        ),
        output=_Files([str(folder)]),
        params=SimpleNamespace(
            disclosure={"min_respondents": 5, "min_orgs": 3},
            quadrant_thresholds=CFG["method"]["quadrant_thresholds"],
            ci_level=0.95,
        ),
        wildcards=SimpleNamespace(year=str(YEAR)),
        log=[str(tmp_path / "data.log")],
    )
    assert sorted(p.stem for p in folder.glob("*.json")) == list("ABCDEF")
    # the profile rule renders in the Snakemake process (common.smk: render_profile_job)
    render_profile_files(
        folder / "A.json",
        common["labels"],
        common["instrument"],
        "en",
        tmp_path / "A.html",
        tmp_path / "A.pdf",
        tmp_path / "A.log",
    )
    assert _pdf_text((tmp_path / "A.pdf").read_bytes())[0] == 3
    assert 'lang="en"' in (tmp_path / "A.html").read_text(encoding="utf-8")
    _run_script(
        "profile_index",
        input=_Files(data=sorted(str(p) for p in folder.glob("*.json")), **common),
        output=_Files(index=str(tmp_path / "index.html")),
        params=SimpleNamespace(
            report="../../report/status_report_2025.html", explorer="../../explorer.html"
        ),
        wildcards=SimpleNamespace(year=str(YEAR), lang="en"),
        log=[str(tmp_path / "index.log")],
    )
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="F.pdf"' in index and 'href="../../report/status_report_2025.html"' in index
    assert 'href="../../explorer.html"' in index
    assert "Region Öst" in index and "Skåne län" in index


def test_pdf_is_byte_identical_in_a_fresh_process(profiles, labels, tmp_path):
    """Typst caches between compilations in a process; a fresh one must give the same bytes."""
    import subprocess
    import sys

    (tmp_path / "A.json").write_text(json.dumps(profiles["A"]), encoding="utf-8")
    code = (
        "import sys, yaml\n"
        "from mognad.instrument import load_instrument\n"
        "from mognad.labels import load_labels\n"
        "from mognad.publish.profiles import profile_pdf, read_profile_data\n"
        f"cfg = yaml.safe_load(open({str(ROOT / 'config.yaml')!r}, encoding='utf-8'))\n"
        f"labels = load_labels({str(ROOT / 'data/codebook/labels.yaml')!r}, "
        f"load_instrument({str(ROOT)!r} + '/' + cfg['instrument']), 'sv')\n"
        f"sys.stdout.buffer.write(profile_pdf(read_profile_data({str(tmp_path / 'A.json')!r}), "
        "labels))\n"
    )
    fresh = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout
    assert fresh == profile_pdf(profiles["A"], labels["sv"])


def test_respondent_counts_of_means_and_stricter_thresholds():
    """A mean resting on too few respondents is not drawn even with enough organisations,
    and a stricter respondent limit makes more profiles unreportable."""
    strict = Thresholds(min_orgs=3, min_respondents=10)
    sectors = SECTORS.assign(n_respondents=np.where(SECTORS.sector == "education", 9, 100))
    out = profile_data(ORGS, sectors, TYPES, YEAR, strict)
    assert out["A"]["quadrant_thresholds"] == {"capability": 50.0, "legacy": 50.0}
    assert not out["A"]["comparisons"]["sector"]["shown"]
    assert out["A"]["comparisons"]["org_type"]["shown"]
    assert [k for k, p in out.items() if not p["reportable"]] == ["B", "F"]  # F: 9 < 10
    assert all(profile_violations(p) == [] for p in out.values())
    assert profile_violations(out["A"], Thresholds(min_orgs=3, min_respondents=25))


def test_quadrant_map_has_capability_across_and_legacy_up_as_the_report_scatter():
    import re

    from mognad.publish.profiles import quadrant_svg

    names = {"mature": "M", "ambitious": "A", "maintaining": "F", "beginning": "B"}
    svg = quadrant_svg(
        (80.0, 75.0, 85.0), (20.0, 15.0, 25.0), names, ("cap", "leg"),
        {"capability": 50.0, "legacy": 50.0}, "ambitious",
    )  # fmt: skip
    cx, cy = (float(v) for v in re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg).groups())
    shaded = re.search(r'<rect x="([\d.]+)" y="([\d.]+)"[^>]*fill="#dbe7f3"', svg)
    x0, y0 = float(shaded.group(1)), float(shaded.group(2))
    # high capability, low legacy: right of the middle, below it, inside the shaded cell
    left, top, size = QUADRANT_MAP
    assert x0 == pytest.approx(left + size / 2) and y0 == pytest.approx(top + size / 2)
    assert cx > x0 and cy > y0
    assert re.search(r">cap</text>", svg) and re.search(r">leg</text>", svg)


def test_peers_are_the_published_area_and_size_means_a_small_one_hidden(profiles, labels):
    a = profiles["A"]
    assert [g for g in a["comparisons"]] == ["sector", "org_type", "area", "size_band"]
    area, size = a["comparisons"]["area"], a["comparisons"]["size_band"]
    published = AREAS.iloc[0]
    assert area["code"] == "SE12" and area["shown"] and area["n_orgs"] == 4
    assert area["values"]["maturity"] == pytest.approx(published["maturity"])
    assert area["intervals"]["maturity"] == pytest.approx(
        [published["maturity_ci_low"], published["maturity_ci_high"]]
    )
    # two organisations: hidden although the table did not mark it
    assert size["code"] == "250-999" and not size["shown"]
    assert size["values"] == {} and size["intervals"] == {}
    assert not profile_violations(a)
    leaked = json.loads(json.dumps(a))
    leaked["comparisons"]["size_band"]["intervals"] = {"maturity": [50.0, 58.0]}
    assert profile_violations(leaked)
    # the page: a row per peer group, the difference signed, the hidden one marked
    view = profile_view(a, labels["sv"])
    rows = {r["group"]: r for r in view["peers"]}
    assert list(rows) == [
        "Sektorn: Utbildning/skola",
        "Organisationstypen: Kommun",
        "Riksområdet: Östra Mellansverige",
        "Samma storlek: 250–999 anställda",
    ]
    own = _org_row("A")["maturity"]
    gap = own - published["maturity"]
    area_row = rows["Riksområdet: Östra Mellansverige"]
    assert area_row["difference"].lstrip("+") == labels["sv"].number(round(gap, 1))
    assert area_row["mean"] == labels["sv"].number(published["maturity"])
    hidden = rows["Samma storlek: 250–999 anställda"]
    assert hidden["mean"] == "dolt" and hidden["difference"] == "" and not hidden["shown"]
    html = profile_html(a, labels["sv"])
    assert "Jämfört med liknande organisationer" in html and "54,0" not in html
