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
from mognad.publish.profiles import (
    CATEGORIES,
    COLOURS,
    HEADLINE,
    index_html,
    profile_data,
    profile_html,
    profile_pdf,
    profile_view,
    profile_violations,
    read_profile_data,
    render_profile,
    render_profile_files,
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


@pytest.fixture(scope="module")
def profiles():
    return profile_data(ORGS, SECTORS, TYPES, YEAR, THRESHOLDS)


def _org_row(org_id: str) -> pd.Series:
    return ORGS[(ORGS.org_id == org_id) & (ORGS.year == YEAR)].iloc[0]


def _pdf_text(pdf: bytes) -> tuple[int, tuple[float, float], str]:
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    return len(document), page.get_size(), page.get_textpage().get_text_range()


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


def test_weakest_are_the_three_lowest_categories(profiles, labels):
    for org_id in ("A", "C", "D", "E", "F"):
        row = _org_row(org_id)
        expected = sorted(CATEGORIES, key=lambda c: row[c])[:3]
        assert profiles[org_id]["weakest"] == expected
    # A: organisation 38.1 < teknik 44.9 < innovation 47.3, listed in that order.
    html = profile_html(profiles["A"], labels["sv"])
    weakest = html.split('class="weakest"')[1].split("</ol>")[0]
    names = ["Organisation", "Teknik", "Innovation"]
    assert [weakest.index(n) for n in names] == sorted(weakest.index(n) for n in names)
    assert "38,1" in weakest and "44,9" in weakest and "47,3" in weakest


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
    assert data["scores"] == {} and data["quadrant"] is None and data["weakest"] == []
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
    assert len([n for n in view["footnotes"] if "visas inte" in n]) == 2
    forged = json.loads(json.dumps(profiles["E"]))
    forged["comparisons"]["sector"]["shown"] = True
    assert profile_violations(forged)


def test_radar_places_the_values_on_their_axes(profiles, labels):
    svg = profile_view(profiles["C"], labels["sv"])["radar_svg"]
    org = re.search(r'<polygon points="([^"]+)" fill="#1f5f99"', svg).group(1)
    points = [tuple(map(float, p.split(","))) for p in org.split()]
    cx, cy, radius = 220.0, 166.0, 126.0
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
    assert not re.search(r"https?://|<(link|script|img)\b|url\(", index)


def test_pdf_is_one_a4_page_and_byte_identical(profiles, labels, tmp_path):
    for org_id in ("A", "B", "D", "E"):
        for lang in ("sv", "en"):
            first, second = tmp_path / f"{org_id}1.pdf", tmp_path / f"{org_id}2.pdf"
            render_profile(profiles[org_id], labels[lang], tmp_path / "a.html", first)
            render_profile(profiles[org_id], labels[lang], tmp_path / "b.html", second)
            assert first.read_bytes() == second.read_bytes()
            assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
            pages, size, _ = _pdf_text(first.read_bytes())
            assert pages == 1
            assert size == pytest.approx(A4, abs=0.5)


def test_english_profile_has_no_swedish_letters(profiles, labels):
    swedish = re.compile("[åäöÅÄÖ]")
    for org_id in ("A", "B", "D", "E"):
        html = profile_html(profiles[org_id], labels["en"])
        _, _, text = _pdf_text(profile_pdf(profiles[org_id], labels["en"]))
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
    SECTORS.to_csv(tmp_path / "sector.csv", index=False)
    TYPES.to_csv(tmp_path / "type.csv", index=False)
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
            sector=str(tmp_path / "sector.csv"),
            types=str(tmp_path / "type.csv"),
            instrument=common["instrument"],
        ),
        output=_Files([str(folder)]),
        params=SimpleNamespace(
            disclosure={"min_respondents": 5, "min_orgs": 3},
            quadrant_thresholds=CFG["method"]["quadrant_thresholds"],
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
    assert _pdf_text((tmp_path / "A.pdf").read_bytes())[0] == 1
    assert 'lang="en"' in (tmp_path / "A.html").read_text(encoding="utf-8")
    _run_script(
        "profile_index",
        input=_Files(data=sorted(str(p) for p in folder.glob("*.json")), **common),
        output=_Files(index=str(tmp_path / "index.html")),
        params=SimpleNamespace(),
        wildcards=SimpleNamespace(year=str(YEAR), lang="en"),
        log=[str(tmp_path / "index.log")],
    )
    assert 'href="F.pdf"' in (tmp_path / "index.html").read_text(encoding="utf-8")


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
    assert x0 > 100 and y0 > 100  # the lower-right cell of the 200-pt map
    assert cx > x0 and cy > y0
    assert re.search(r">cap</text>", svg) and re.search(r">leg</text>", svg)
