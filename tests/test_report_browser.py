"""The HTML status report as a reader's browser shows it (headless Chromium, tests/browser.py)
at a phone's and a desktop's width: nothing scrolls the page sideways, every figure is
visible, figures and tables are numbered, tables scroll inside their own box, the download
links are there, and the page asks nothing of the network."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from browser import invisible_images, open_page_fixture, page_overflow_x  # noqa: F401
from test_report import LABELS, YEAR, labels_for, params_for, synthetic_tables, write_figures

from mognad.instrument import load_instrument
from mognad.publish import report as R

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (390, 1280)
CAPTIONS_JS = """
(selector) => [...document.querySelectorAll(selector)].map(
    (el) => el.querySelector("span.number")?.innerText ?? "")
"""
TABLES_JS = """
() => [...document.querySelectorAll("table")].map((t) => ({
    boxed: t.parentElement.classList.contains("table-scroll"),
    inner: t.parentElement.scrollWidth,
    outer: t.parentElement.clientWidth,
}))
"""


@pytest.fixture(scope="module", params=["sv", "en"])
def report_html(request, tmp_path_factory) -> tuple[str, Path]:
    """The report rendered from the synthetic tables, with downloads and a publisher."""
    language = request.param
    folder = tmp_path_factory.mktemp(f"report-{language}")
    write_figures(folder, size=(9, 4), dpi=100)  # wider than a phone
    instrument = load_instrument(ROOT / "data/codebook/instrument.yaml")
    tables, models, fits, method = synthetic_tables()
    base = params_for(instrument, language)
    params = dataclasses.replace(
        base,
        publisher="Konsortiet för prov",
        date="2026-03-16",
        downloads=R.report_downloads("statusrapport_2025", YEAR),
    )
    labels = labels_for(instrument, language)
    assert LABELS.is_file()
    ctx = R.report_context(
        tables, models, fits, method, params, labels, YEAR, R.figure_data(folder)
    )
    md = R.render_markdown(ctx, R.figure_files(folder))
    out = folder / "report.html"
    R.render_html(md, folder, out, ctx["html_words"])
    return language, out


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_fits_the_screen_and_shows_every_figure(open_page, report_html, width):
    _, path = report_html
    with open_page(path, width=width) as run:
        assert run.console_errors == []
        assert run.requests == []
        assert page_overflow_x(run.page) <= 0, "the page scrolls sideways"
        assert invisible_images(run.page) == []
        images = run.page.locator("figure img").count()
        assert images == len(R.FIGURES)
        tables = run.page.evaluate(TABLES_JS)
        assert tables and all(t["boxed"] for t in tables)
        if width == WIDTHS[0]:
            # the widest tables are wider than a phone: they scroll inside their box
            assert any(t["inner"] > t["outer"] for t in tables)


def test_figures_and_tables_are_numbered_in_order(open_page, report_html):
    language, path = report_html
    figure, table = ("Figur", "Tabell") if language == "sv" else ("Figure", "Table")
    with open_page(path, width=WIDTHS[1]) as run:
        figures = run.page.evaluate(CAPTIONS_JS, "figcaption")
        tables = run.page.evaluate(CAPTIONS_JS, "table > caption")
    assert figures == [f"{figure} {i}." for i in range(1, len(figures) + 1)]
    assert len(figures) == len(R.FIGURES)
    assert tables == [f"{table} {i}." for i in range(1, len(tables) + 1)]
    assert len(tables) >= 10


def test_the_cover_and_the_download_links(open_page, report_html):
    _, path = report_html
    with open_page(path, width=WIDTHS[0]) as run:
        header = run.page.locator("header").inner_text()
        links = run.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert "Konsortiet för prov" in header
    assert re.search(r"16 (mars|March) 2026", header)
    wanted = R.report_downloads("statusrapport_2025", YEAR).values()
    for target in wanted:
        tail = re.sub(r"^(\.\./)+", "/", target)  # the link resolved, as the page has it
        assert any(link.endswith(tail) for link in links), target
