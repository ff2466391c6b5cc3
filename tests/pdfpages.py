"""Measuring a rendered PDF as a reader sees its pages: where a text stands, how much of a
page is left empty, and whether each figure stands in its own chapter."""

from __future__ import annotations

import re
from pathlib import Path

#: Page bands (points) of the running header and the page number, left out of a page's fill.
HEADER, FOOTER = 60.0, 50.0
#: A vertical gap larger than this (points) between a page's contents is empty space;
#: smaller ones are line and paragraph spacing.
GAP = 36.0


def first_position(pdf: Path, needle: str, largest: bool = False) -> tuple[int, float] | None:
    """Where ``needle`` first stands as (page index, distance from the page top), or None;
    with ``largest``, only its occurrences in the largest type (a heading, not its line in
    the contents)."""
    import pypdfium2 as pdfium

    hits = []
    for number, page in enumerate(pdfium.PdfDocument(pdf)):
        text = page.get_textpage()
        search = text.search(needle, match_case=True)
        height = page.get_height()
        while (hit := search.get_next()) is not None:
            _, bottom, _, top = text.get_charbox(hit[0])
            hits.append((top - bottom, number, height - top))
    if not hits:
        return None
    if largest:
        size = max(h[0] for h in hits)
        hits = [h for h in hits if h[0] >= size - 0.5]
    return min((number, down) for _, number, down in hits)


def blank_shares(pdf: Path) -> list[float]:
    """Per page, the share of the text area (between header and page number) that is
    empty: the sum of the vertical gaps larger than :data:`GAP` between its contents."""
    import pypdfium2 as pdfium

    shares = []
    for page in pdfium.PdfDocument(pdf):
        low, high = FOOTER, page.get_height() - HEADER
        spans = []
        for item in page.get_objects(max_depth=3):
            _, bottom, _, top = item.get_bounds()
            bottom, top = max(bottom, low), min(top, high)
            if top > bottom:
                spans.append((bottom, top))
        reached, blank = low, 0.0
        for bottom, top in sorted(spans):
            if bottom - reached > GAP:
                blank += bottom - reached
            reached = max(reached, top)
        if high - reached > GAP:
            blank += high - reached
        shares.append(blank / (high - low))
    return shares


def figures_out_of_chapter(markdown: str, pdf: Path) -> list[str]:
    """The figures (by caption) that the PDF shows before the heading of the chapter whose
    Markdown holds them, or after the next chapter's heading; [] when every one stands in
    its own chapter. Chapters are the level-1 headings of ``markdown``."""
    parts = re.split(r"^# (.+?)(?: \{[^}]*\})?$", markdown, flags=re.MULTILINE)
    titles, bodies = parts[1::2], parts[2::2]
    heads = [first_position(pdf, title, largest=True) for title in titles]
    wrong = []
    for k, body in enumerate(bodies):
        for caption in re.findall(r"^!\[([^\]]+)\]", body, flags=re.MULTILINE):
            # up to a quote, which the PDF sets typographically (’)
            at = first_position(pdf, re.split(r"['\"]", caption)[0][:25])
            after_own = at is not None and heads[k] is not None and heads[k] < at
            before_next = k + 1 == len(heads) or (at is not None and at < heads[k + 1])
            if not (after_own and before_next):
                wrong.append(caption)
    return wrong
