"""The browser harness (tests/browser.py) sees what it is meant to see: a page that behaves
passes at a phone's and a desktop's width, and each kind of fault is reported."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from browser import invisible_images, open_page_fixture, page_overflow_x  # noqa: F401

WIDTHS = (390, 1280)
CELLS = "".join(f"<td>column {i} with a long value</td>" for i in range(40))
DOT = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16">'
    b'<circle cx="8" cy="8" r="8" fill="teal"/></svg>'
).decode()
HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness check</title>
<style>
  body { margin: 0; padding: 8px; font-family: sans-serif; }
  td { white-space: nowrap; padding: 2px 8px; }
  .scroll { overflow-x: auto; max-width: 100%; }
</style></head>
"""
GOOD = f"""{HEAD}<body>
<h1>A page that behaves</h1>
<div class="scroll"><table><tr>{CELLS}</tr></table></div>
<svg width="120" height="40" viewBox="0 0 120 40" role="img" aria-label="a bar">
  <rect width="80" height="30" fill="steelblue"/><svg><rect width="4" height="4"/></svg>
</svg>
<img alt="a dot" src="data:image/svg+xml;base64,{DOT}">
</body></html>
"""
BAD = f"""{HEAD}<body>
<h1>A page with every fault</h1>
<table><tr>{CELLS}</tr></table>
<svg width="0" height="0"><rect width="10" height="10"/></svg>
<img alt="from elsewhere" src="http://127.0.0.1:9/x">
<script>console.error("deliberate console error");</script>
<script>throw new Error("deliberate exception");</script>
</body></html>
"""


@pytest.fixture
def pages(tmp_path) -> dict[str, Path]:
    paths = {"good": tmp_path / "good.html", "bad": tmp_path / "bad.html"}
    paths["good"].write_text(GOOD, encoding="utf-8")
    paths["bad"].write_text(BAD, encoding="utf-8")
    return paths


@pytest.mark.parametrize("width", WIDTHS)
def test_a_page_that_behaves_passes(open_page, pages, width):
    with open_page(pages["good"], width=width) as run:
        assert run.console_errors == []
        assert run.requests == []
        assert page_overflow_x(run.page) <= 0
        assert invisible_images(run.page) == []
        # the table is wider than the phone, but scrolls inside its own container
        table_width = run.page.evaluate("document.querySelector('table').scrollWidth")
        assert table_width > WIDTHS[0]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_fault_is_reported(open_page, pages, width):
    with open_page(pages["bad"], width=width) as run:
        assert page_overflow_x(run.page) > 0
        assert "deliberate console error" in run.console_errors
        assert any("deliberate exception" in e for e in run.console_errors)
        assert run.requests == ["http://127.0.0.1:9/x"]
        invisible = invisible_images(run.page)
        assert len(invisible) == 2
        assert invisible[0].startswith('<svg width="0"')
        assert invisible[1].startswith('<img alt="from elsewhere"')


def test_a_url_is_opened_as_given(open_page, pages):
    with open_page(pages["good"].as_uri(), width=WIDTHS[0]) as run:
        assert run.page.title() == "harness check"
        assert run.page.evaluate("window.innerWidth") == WIDTHS[0]
