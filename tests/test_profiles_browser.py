"""Organisation profiles, a municipality's internal comparison and the profiles' index as
a reader's browser shows them (headless
Chromium, tests/browser.py) at a phone's and a desktop's width: no console errors, no
network requests, nothing scrolls sideways, every chart visible; the index's search,
filters and sorting change what is shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import invisible_images, open_page_fixture, page_overflow_x  # noqa: F401
from test_profiles import DRAWS, ORGS, REGISTER, SECTORS, THRESHOLDS, TYPES, YEAR

from mognad.instrument import load_instrument
from mognad.labels import load_labels
from mognad.publish.profiles import (
    municipality_data,
    municipality_html,
    profile_data,
    render_profile,
    write_index,
)

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (390, 1280)
VISIBLE_ROWS_JS = """
() => [...document.querySelectorAll("#profiles tbody tr")]
    .filter((tr) => tr.offsetParent !== null).map((tr) => tr.id)
"""


@pytest.fixture(scope="module", params=["sv", "en"])
def pages(request, tmp_path_factory) -> tuple[str, Path]:
    """Every profile of the test organisations and their index, in one folder."""
    language = request.param
    folder = tmp_path_factory.mktemp(f"profiles-{language}")
    instrument = load_instrument(ROOT / "data/codebook/instrument.yaml")
    labels = load_labels(ROOT / "data/codebook/labels.yaml", instrument, language)
    profiles = profile_data(ORGS, SECTORS, TYPES, YEAR, THRESHOLDS, register=REGISTER, draws=DRAWS)
    for org_id, data in profiles.items():
        render_profile(data, labels, folder / f"{org_id}.html")
    write_index(
        list(profiles.values()), labels, YEAR, folder / "index.html", "report.html", "explorer.html"
    )
    for group, data in municipality_data(list(profiles.values())).items():
        (folder / f"{group}.html").write_text(municipality_html(data, labels), encoding="utf-8")
    return language, folder


@pytest.mark.parametrize("width", WIDTHS)
def test_a_municipality_comparison_loads_cleanly_and_fits_the_screen(open_page, pages, width):
    _, folder = pages
    with open_page(folder / "M1.html", width=width) as run:
        assert run.console_errors == [] and run.requests == []
        assert page_overflow_x(run.page) <= 0
        assert invisible_images(run.page) == []
        assert run.page.locator("article.member").count() == 2
        assert run.page.locator("article.member table").count() == 1  # B: too few


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("org_id", ["A", "B", "D", "E"])
def test_a_profile_loads_cleanly_and_fits_the_screen(open_page, pages, width, org_id):
    _, folder = pages
    with open_page(folder / f"{org_id}.html", width=width) as run:
        assert run.console_errors == []
        assert run.requests == []
        assert page_overflow_x(run.page) <= 0
        assert invisible_images(run.page) == []
        charts = run.page.locator("main svg").count()
        assert charts == (0 if org_id == "B" else (3 if org_id == "E" else 4))
        # The smallest text of any chart as shown on this screen: legible on a phone.
        smallest = run.page.evaluate(
            """() => Math.min(...[...document.querySelectorAll("main svg text")]
                .map((t) => t.getBoundingClientRect().height))"""
        )
        assert charts == 0 or smallest >= 8, smallest
        run.page.click("nav.crumbs a")
        assert run.page.url.endswith("/index.html")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_index_searches_filters_and_sorts(open_page, pages, width):
    language, folder = pages
    with open_page(folder / "index.html", width=width) as run:
        page = run.page
        assert run.console_errors == [] and run.requests == []
        assert page_overflow_x(page) <= 0
        everyone = page.evaluate(VISIBLE_ROWS_JS)
        # Alphabetical by name in the language's order: Swedish puts Å, Ä, Ö after Z.
        expected = ["F", "E", "C", "B", "A", "D"] if language == "sv" else None
        if expected:
            assert everyone == expected
        assert sorted(everyone) == list("ABCDEF")
        page.fill("#search", "region")
        assert page.evaluate(VISIBLE_ROWS_JS) == [r for r in everyone if r in "EF"]
        shown = page.inner_text("#shown")
        assert "2" in shown and "6" in shown
        page.fill("#search", "")
        page.select_option("#filter-county", "Uppsala län")
        assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == ["A", "B"]
        page.select_option("#filter-county", "")
        page.select_option("#filter-type", "region")
        assert sorted(page.evaluate(VISIBLE_ROWS_JS)) == ["E", "F"]
        page.select_option("#filter-type", "")
        if width > 640:  # the column headers are the sort buttons (cards on a phone)
            page.click("th[data-column='4'] button")
            by_respondents = page.evaluate(VISIBLE_ROWS_JS)
            n = {row.org_id: row.n_respondents for row in ORGS[ORGS.year == YEAR].itertuples()}
            assert [n[r] for r in by_respondents] == sorted(n[r] for r in by_respondents)
            page.click("th[data-column='4'] button")
            assert page.evaluate(VISIBLE_ROWS_JS)[0] == max(n, key=n.get)
        links = page.eval_on_selector_all("main p a", "(a) => a.map((x) => x.getAttribute('href'))")
        assert links == ["report.html", "explorer.html"]
