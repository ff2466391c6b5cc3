""" "Allas resultat" (mognad.publish.explorer): the page's data is exactly the published
tables' numbers, hidden values included nowhere; the page is self-contained; and in a real
browser it loads cleanly at a phone's and a desktop's width, its controls change what is
shown, and the ranking follows the published means with the suppression mark."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import open_page_fixture, page_overflow_x  # noqa: F401

from mognad.instrument import load_instrument
from mognad.labels import load_labels
from mognad.publish.explorer import explorer_data, explorer_html, indicators_of

ROOT = Path(__file__).resolve().parent.parent
INDICATORS = ("effektivitet", "teknik", "capability", "legacy", "maturity")
SECTORS = {
    "municipal": ("education", "social_services", "urban_planning", "service"),
    "region": ("health_care", "regional_development"),
}
MIN_ORGS = 3
#: A value only a hidden group has: it must appear nowhere in the page.
PLANTED = 77.7171


def labels(language: str = "sv"):
    instrument = load_instrument(ROOT / "data/codebook/instrument.yaml")
    return load_labels(ROOT / "data/codebook/labels.yaml", instrument, language)


def linked_tables(seed: int = 3) -> dict[str, pd.DataFrame]:
    """National, type, sector, area and size tables of made-up organisations over three
    years: means,
    intervals of ±3, ``suppressed`` where a group has fewer than ``MIN_ORGS``
    organisations (its cells left filled with ``PLANTED``, as a careless table would)."""
    rng = np.random.default_rng(seed)
    sizes = {"education": 6, "social_services": 5, "urban_planning": 7, "service": 4}
    sizes |= {"health_care": 4, "regional_development": 2}
    rows = []
    for year in (2023, 2024, 2025):
        for org_type, sectors in SECTORS.items():
            for sector in sectors:
                for _ in range(sizes[sector]):
                    base = rng.normal(40 + 2 * (year - 2023) + 3 * sectors.index(sector), 5)
                    rows.append(
                        {"year": year, "org_type": org_type, "sector": sector}
                        | {"area": str(rng.choice(["SE11", "SE33"]))}
                        | {"size_band": str(rng.choice(["0-99", "100-249", "1000+"]))}
                        | {i: base + rng.normal(0, 2) for i in INDICATORS}
                    )
    orgs = pd.DataFrame(rows)

    def table(keys: list[str]) -> pd.DataFrame:
        grouped = orgs.groupby(["year", *keys])
        out = grouped[list(INDICATORS)].mean().reset_index()
        out.insert(len(keys) + 1, "n_orgs", grouped.size().to_numpy())
        for i in INDICATORS:
            out[f"{i}_ci_low"], out[f"{i}_ci_high"] = out[i] - 3, out[i] + 3
        out["suppressed"] = out["n_orgs"] < MIN_ORGS
        values = [c for c in out.columns if c.startswith(INDICATORS)]
        out.loc[out["suppressed"], values] = PLANTED
        return out

    return {
        "national_by_year": table([]),
        "type_by_year": table(["org_type"]),
        "sector_by_year": table(["sector"]),
        "area_by_year": table(["area"]),
        "size_by_year": table(["size_band"]),
    }


def page(language: str = "sv", year: int = 2025) -> str:
    links = {"report": "report/statusrapport_2025.html", "profiles": "profiles/2025/index.html"}
    return explorer_html(
        linked_tables(), labels(language), year, {"min_orgs": MIN_ORGS}, 0.95, links
    )


def page_json(html: str, element: str):
    found = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', html, re.S)
    assert found, element
    return json.loads(found.group(1))


def test_indicators_put_maturity_and_the_dimensions_first():
    tables = linked_tables()
    found = indicators_of(tables["national_by_year"])
    assert found[:3] == ["maturity", "capability", "legacy"]
    assert sorted(found) == sorted(INDICATORS)


def test_the_data_is_the_published_tables_with_hidden_groups_empty():
    tables = linked_tables()
    data = explorer_data(tables, labels(), list(INDICATORS))
    # every group, year and indicator of the three tables, once
    groups = sum(len(t) for t in tables.values())
    assert len(data) == groups * len(INDICATORS)
    assert not data.duplicated(["level", "group", "year", "indicator"]).any()
    sector = tables["sector_by_year"].set_index(["year", "sector"])
    rows = data[data["level"] == "sector"]
    for row in rows.itertuples():
        published = sector.loc[(row.year, row.group)]
        assert row.n_orgs == published["n_orgs"]
        if published["suppressed"]:
            assert row.suppressed and np.isnan([row.value, row.ci_low, row.ci_high]).all()
        else:
            assert row.value == pytest.approx(published[row.indicator])
            assert row.ci_low == pytest.approx(published[f"{row.indicator}_ci_low"])
    assert set(rows[rows["suppressed"]]["group"]) == {"regional_development"}
    assert set(data["group_label"][data["level"] == "org_type"]) == {"Kommun", "Region"}


def test_every_grouping_is_offered_and_size_bands_run_from_small_to_large():
    html = page("en")
    menu = re.search(r'<select id="explorer-level".*?</select>', html, re.S)
    assert menu and re.findall(r'<option value="(\w+)"', menu.group(0)) == [
        "national",
        "org_type",
        "sector",
        "area",
        "size_band",
    ]
    records = pd.DataFrame(page_json(html, "explorer-data")["results"])
    bands = records[records["level"] == "size_band"].drop_duplicates("group")
    ordered = bands.sort_values("group_order")
    assert list(ordered["group"]) == ["0-99", "100-249", "1000+"]
    assert list(ordered["group_label"]) == [
        "0–99 employees",
        "100–249 employees",
        "1,000 employees or more",
    ]
    assert set(records.loc[records["level"] == "area", "group_label"]) == {
        "Stockholm",
        "Upper Norrland",
    }


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_hidden_value_is_nowhere_in_the_page(language):
    html = page(language)
    assert "77.7" not in html and "77,7" not in html
    records = page_json(html, "explorer-data")["results"]
    hidden = [r for r in records if r["suppressed"]]
    assert hidden and all(r["value"] is r["ci_low"] is r["ci_high"] is None for r in hidden)
    # the charts carry no data of their own: one copy, the one checked here
    specs = page_json(html, "explorer-specs")
    assert set(specs) == {"explorer-trend", "explorer-ranking"}
    assert all(
        "datasets" not in s and "values" not in json.dumps(s.get("data", {}))
        for s in specs.values()
    )


def test_the_page_is_self_contained_and_in_its_language():
    sv, en = page("sv"), page("en")
    for html in (sv, en):
        assert html.count('data-library="vega"') == 1
        # the page's own markup (the library's code aside, whose strings name elements):
        # no element loads anything from elsewhere, no src at all, links only relative
        html = re.sub(
            r'(<script type="module" data-library="vega">).*?</script>', r"\1", html, flags=re.S
        )
        assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", html)
        assert not re.search(r'href="(https?:)?//', html)
    assert "Allas resultat 2025" in sv and "Så läser du sidan" in sv and "Hälso- och sjukvård" in sv
    assert "Everyone&#39;s results 2025" in en and "Health care" in en
    # numbers in the reader's locale (decimal comma in Swedish)
    assert page_json(sv, "explorer-locale")["decimal"] == ","
    assert page_json(en, "explorer-locale")["decimal"] == "."


def test_the_page_is_the_same_for_the_same_tables():
    assert page("sv") == page("sv")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("explorer")
    out = {}
    for language in ("sv", "en"):
        out[language] = folder / f"explorer_{language}.html"
        out[language].write_text(page(language), encoding="utf-8")
    return out


def ranking_labels(page) -> list[str]:
    """The ranking's group names, top to bottom (the y axis' labels)."""
    labels = page.evaluate(
        """() => {
          const axes = [...document.querySelectorAll("#explorer-ranking .role-axis")];
          const y = axes.find((a) => a.getAttribute("aria-label")?.includes("Y-axis"));
          return [...y.querySelectorAll(".role-axis-label text")]
            .map((t) => [t.getBoundingClientRect().top, t.textContent]);
        }"""
    )
    return [name for _, name in sorted(labels)]


#: The ranking's text marks (the suppression mark), not its axes' labels.
MARKS = "#explorer-ranking .mark-text.role-mark text"


def hidden_marks(page) -> list[str]:
    return page.evaluate(
        f"() => [...document.querySelectorAll('{MARKS}')].map((t) => t.textContent)"
    )


def expected_ranking(level: str, year: int, indicator: str = "maturity") -> list[str]:
    data = explorer_data(linked_tables(), labels(), list(INDICATORS))
    rows = data[
        (data["level"] == level) & (data["year"] == year) & (data["indicator"] == indicator)
    ]
    rows = rows.assign(order=rows["value"].where(~rows["suppressed"], -1))
    return rows.sort_values("order", ascending=False, kind="stable")["group_label"].tolist()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_page_loads_cleanly_and_fits_the_screen(open_page, files, language, width):
    with open_page(files[language], width=width) as run:
        run.page.wait_for_selector("body[data-ready]")
        assert run.console_errors == []
        assert run.requests == []
        assert page_overflow_x(run.page) <= 0
        for chart in ("#explorer-trend", "#explorer-ranking"):
            box = run.page.locator(f"{chart} svg").first.bounding_box()
            assert box and box["width"] > 0.8 * min(width, 1000) - 80 and box["height"] > 100
            assert box["x"] >= 0 and box["x"] + box["width"] <= width


def test_the_controls_change_the_ranking_and_it_follows_the_means(open_page, files):
    with open_page(files["sv"], width=1280) as run:
        page = run.page
        page.wait_for_selector("body[data-ready]")
        # the default: sectors in the latest year, by maturity, the hidden one last
        assert ranking_labels(page) == expected_ranking("sector", 2025)
        assert hidden_marks(page) == ["– dolt"]
        page.select_option("#explorer-level", "org_type")
        page.wait_for_function(f"() => document.querySelectorAll('{MARKS}').length === 0")
        assert ranking_labels(page) == expected_ranking("org_type", 2025)
        page.select_option("#explorer-level", "sector")
        page.select_option("#explorer-indicator", "teknik")
        page.eval_on_selector(
            "#explorer-year",
            "(el) => { el.value = '2023'; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        )
        page.wait_for_timeout(300)
        assert ranking_labels(page) == expected_ranking("sector", 2023, "teknik")
        assert page.text_content("#explorer-ranking-year") == "2023"
        assert run.console_errors == []
