"""SVG charts as plain strings, coordinates with two decimals, so output is deterministic.

Every chart is drawn at print size: one SVG unit is one point of the PDF, which places each
chart at its own width (``svg_width``), so a font size here is its size in print. No text is
smaller than :data:`MIN_FONT` points. On screen the charts scale with their column.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from html import escape

from mognad.publish.profiles.data import (
    COLOURS,
    DASHES,
    HTML_FONT,
)

#: The smallest font size of any chart, in points of print.
MIN_FONT = 8.0
#: Colours of a gap below and above the reference group.
BELOW, ABOVE = "#b4541a", "#1f5f99"
#: Geometry of the radar chart (width, height, centre x, centre y, radius of 100) and of
#: the quadrant map (left, top, side of the 0-100 square), in points.
RADAR = (300.0, 270.0, 150.0, 112.0, 80.0)
QUADRANT_MAP = (30.0, 6.0, 160.0)
_WIDTH = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def svg_width(svg: str) -> float:
    """The width of a chart from its viewBox: its width in print, in points."""
    found = _WIDTH.search(svg)
    if found is None:
        raise ValueError("an SVG without a viewBox")
    return float(found.group(1))


def _open(width: float, height: float, font: str, title: str = "") -> list[str]:
    label = f' aria-label="{escape(title)}"' if title else ""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" font-family="{font}" role="img"{label}>',
        f"<title>{escape(title, quote=False)}</title>" if title else "",
    ]


def _f(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _points(xy: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_f(x)},{_f(y)}" for x, y in xy)


def _text(x: float, y: float, text: str, size: float, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}"{extra}>'
        f"{escape(text, quote=False)}</text>"
    )


@functools.cache
def _axes(n: int) -> tuple[tuple[float, float], ...]:
    """Unit vectors of ``n`` radar axes, the first pointing up, then clockwise."""
    return tuple((math.sin(2 * math.pi * k / n), -math.cos(2 * math.pi * k / n)) for k in range(n))


def radar_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    font: str = HTML_FONT,
    title: str = "",
) -> str:
    """A radar chart on the 0-100 scale: one axis per label; ``series`` are
    ``(key, values, legend text)`` with key ``org``, ``sector`` or ``org_type``.

    A series with a missing value is drawn as points only, never as a closed shape.
    """
    width, height, cx, cy, radius = RADAR
    axes = _axes(len(labels))
    parts = [
        *_open(width, height, font, title),
        '<g fill="none" stroke="#c9ced6" stroke-width="0.6">',
    ]
    for level in (20, 40, 60, 80, 100):
        r = radius * level / 100
        ring = [(cx + r * ux, cy + r * uy) for ux, uy in axes]
        parts.append(f'<polygon points="{_points(ring)}"/>')
    for ux, uy in axes:
        parts.append(
            f'<line x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(cx + radius * ux)}" '
            f'y2="{_f(cy + radius * uy)}"/>'
        )
    parts.append("</g>")
    parts.append('<g fill="#7a828e">')
    for level in (20, 40, 60, 80, 100):
        parts.append(_text(cx + 2, cy - radius * level / 100 + 8, str(level), MIN_FONT))
    parts.append("</g>")
    parts.append('<g fill="#1d2430">')
    for (ux, uy), label in zip(axes, labels, strict=True):
        x, y = cx + (radius + 7) * ux, cy + (radius + 7) * uy
        anchor = "middle" if abs(ux) < 1e-9 else ("start" if ux > 0 else "end")
        y += 3.5 if abs(ux) > 1e-9 else (-2 if uy < 0 else 9)
        parts.append(_text(x, y, label, 9.5, anchor))
    parts.append("</g>")
    for key, values, _ in reversed(series):  # the organisation on top
        colour, dash = COLOURS[key], DASHES[key]
        xy = [
            None if v is None else (cx + radius * v / 100 * ux, cy + radius * v / 100 * uy)
            for v, (ux, uy) in zip(values, axes, strict=True)
        ]
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        corners = [p for p in xy if p is not None]
        if len(corners) == len(xy):
            fill = f'fill="{colour}" fill-opacity="0.18"' if key == "org" else 'fill="none"'
            width_ = "1.8" if key == "org" else "1.4"
            parts.append(
                f'<polygon points="{_points(corners)}" {fill} stroke="{colour}" '
                f'stroke-width="{width_}"{dashing} stroke-linejoin="round"/>'
            )
        if key == "org":
            parts.extend(
                f'<circle cx="{_f(p[0])}" cy="{_f(p[1])}" r="2" fill="{colour}"/>'
                for p in xy
                if p is not None
            )
    y = 226.0
    for key, _, text in series:
        colour, dash = COLOURS[key], DASHES[key]
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="20" y1="{_f(y - 3)}" x2="40" y2="{_f(y - 3)}" stroke="{colour}" '
            f'stroke-width="{"2" if key == "org" else "1.6"}"{dashing}/>'
        )
        parts.append(_text(46, y, text, 9, fill="#1d2430"))
        y += 13
    parts.append("</svg>")
    return "".join(parts)


def quadrant_svg(
    capability: tuple[float | None, float | None, float | None],
    legacy: tuple[float | None, float | None, float | None],
    names: Mapping[str, str],
    axis_names: tuple[str, str],
    thresholds: Mapping[str, float],
    current: str | None,
    font: str = HTML_FONT,
) -> str:
    """The 2 × 2 quadrant map as in the report's scatter: capability across, legacy up, the
    organisation as a dot with its intervals; ``names`` maps quadrant codes to their labels,
    ``current`` is shaded. ``axis_names``: (capability, legacy)."""
    left, top, size = QUADRANT_MAP
    width, height = left + size + 6, top + size + 30

    def px(v: float) -> float:
        return left + size * min(max(v, 0.0), 100.0) / 100

    def py(v: float) -> float:
        return top + size * (1 - min(max(v, 0.0), 100.0) / 100)

    tx, ty = px(thresholds["capability"]), py(thresholds["legacy"])
    cells = {  # code: (x0, y0, x1, y1)
        "maintaining": (left, top, tx, ty),
        "mature": (tx, top, left + size, ty),
        "beginning": (left, ty, tx, top + size),
        "ambitious": (tx, ty, left + size, top + size),
    }
    parts = _open(width, height, font)
    for code, (x0, y0, x1, y1) in cells.items():
        fill = "#dbe7f3" if code == current else "#f3f5f8"
        parts.append(
            f'<rect x="{_f(x0)}" y="{_f(y0)}" width="{_f(x1 - x0)}" height="{_f(y1 - y0)}" '
            f'fill="{fill}" stroke="#ffffff" stroke-width="1.5"/>'
        )
        words = names[code].split(" ")
        lines = [" ".join(words[:1]), " ".join(words[1:])] if len(words) > 1 else words
        mid_x = (x0 + x1) / 2
        base = (y0 + 13) if y0 == top else (y1 - 7 - 10 * (len(lines) - 1))
        for k, line in enumerate(lines):
            weight = {"font_weight": "bold"} if code == current else {}
            parts.append(_text(mid_x, base + 10 * k, line, 8.5, "middle", fill="#3b4452", **weight))
    parts.append(
        f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(size)}" height="{_f(size)}" '
        'fill="none" stroke="#9aa3ae" stroke-width="0.8"/>'
    )
    for v in (0, 50, 100):
        parts.append(_text(px(v), top + size + 11, str(v), MIN_FONT, "middle", fill="#5b6472"))
        parts.append(_text(left - 3, py(v) + 3, str(v), MIN_FONT, "end", fill="#5b6472"))
    parts.append(_text(left + size / 2, top + size + 24, axis_names[0], 9, "middle"))
    parts.append(
        f'<text x="10" y="{_f(top + size / 2)}" font-size="9" text-anchor="middle" '
        f'transform="rotate(-90 10 {_f(top + size / 2)})">{escape(axis_names[1], quote=False)}'
        "</text>"
    )
    c, leg = capability, legacy
    if c[0] is not None and leg[0] is not None:
        x, y = px(c[0]), py(leg[0])
        colour = COLOURS["org"]
        if c[1] is not None and c[2] is not None:
            parts.append(
                f'<line x1="{_f(px(c[1]))}" y1="{_f(y)}" x2="{_f(px(c[2]))}" y2="{_f(y)}" '
                f'stroke="{colour}" stroke-width="1.4"/>'
            )
        if leg[1] is not None and leg[2] is not None:
            parts.append(
                f'<line x1="{_f(x)}" y1="{_f(py(leg[1]))}" x2="{_f(x)}" y2="{_f(py(leg[2]))}" '
                f'stroke="{colour}" stroke-width="1.4"/>'
            )
        parts.append(
            f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.6" fill="{colour}" stroke="#ffffff" '
            'stroke-width="1.2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(
    points: Sequence[tuple[int, float | None, float | None, float | None]],
    reference: Sequence[tuple[int, float | None]],
    legend: tuple[str, str],
    axis_name: str,
    font: str = HTML_FONT,
    title: str = "",
    width: float = 360.0,
) -> str:
    """An organisation's score over its years with its intervals, beside a reference
    group's line, ``width`` points wide (narrow for a phone's screen, the text width of
    the PDF for print). ``points``: (year, value, ci_low, ci_high), value None where the year is
    not shown; ``reference``: (year, mean), None where hidden; ``legend``: (organisation,
    reference). The y axis is the full 0-100 scale, so that changes look as large as
    they are."""
    years = sorted({y for y, *_ in points} | {y for y, _ in reference})
    legend_widths = [22 + _text_width(text, MIN_FONT + 0.5) for text in legend]
    two_lines = 34.0 + sum(legend_widths) + 18 > width
    height = 180.0 + (12.0 if two_lines else 0.0)
    left, right, top, bottom = 34.0, 12.0, 18.0, 36.0 + (12.0 if two_lines else 0.0)
    first, last = (years[0], years[-1]) if years else (0, 1)
    span = max(last - first, 1)

    def px(year: float) -> float:
        if first == last:
            return left + (width - left - right) / 2
        return left + (width - left - right) * (year - first) / span

    def py(v: float) -> float:
        return top + (height - top - bottom) * (1 - min(max(v, 0.0), 100.0) / 100)

    parts = [*_open(width, height, font, title), '<g stroke="#e1e5ea" stroke-width="0.6">']
    for level in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(py(level))}" x2="{_f(width - right)}" '
            f'y2="{_f(py(level))}"/>'
        )
    parts.append('</g><g fill="#5b6472">')
    for level in (0, 25, 50, 75, 100):
        parts.append(_text(left - 4, py(level) + 3, str(level), MIN_FONT, "end"))
    step = 1
    while years and (width - left - right) / span * step < 28:  # room for "2025"
        step += 1
    for year in range(first, last + 1, step) if years else ():
        parts.append(_text(px(year), height - bottom + 13, str(year), MIN_FONT, "middle"))
    parts.append("</g>")
    parts.append(_text(left, 10, axis_name, 9, "start", fill="#1d2430", font_weight="bold"))
    ref = [(px(y), py(v)) for y, v in reference if v is not None]
    colour_ref, colour_org = COLOURS["sector"], COLOURS["org"]
    for run in _runs(reference):
        parts.append(
            f'<polyline points="{_points([(px(y), py(v)) for y, v in run])}" fill="none" '
            f'stroke="{colour_ref}" stroke-width="1.4" stroke-dasharray="{DASHES["sector"]}"/>'
        )
    parts.extend(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="1.8" fill="{colour_ref}"/>' for x, y in ref)
    for run in _runs([(y, v) for y, v, _, _ in points]):
        parts.append(
            f'<polyline points="{_points([(px(y), py(v)) for y, v in run])}" fill="none" '
            f'stroke="{colour_org}" stroke-width="1.8"/>'
        )
    for year, value, low, high in points:
        if value is None:
            continue
        x = px(year)
        if low is not None and high is not None:
            parts.append(
                f'<line x1="{_f(x)}" y1="{_f(py(low))}" x2="{_f(x)}" y2="{_f(py(high))}" '
                f'stroke="{colour_org}" stroke-width="1.2" stroke-opacity="0.75"/>'
            )
        parts.append(
            f'<circle cx="{_f(x)}" cy="{_f(py(value))}" r="3" fill="{colour_org}" '
            'stroke="#ffffff" stroke-width="0.8"/>'
        )
    # The legend under the years; the second entry on a line of its own when both do
    # not fit on one.
    ly, lx = height - 4 - (12.0 if two_lines else 0.0), left
    parts.append(
        f'<line x1="{_f(lx)}" y1="{_f(ly - 3)}" x2="{_f(lx + 18)}" y2="{_f(ly - 3)}" '
        f'stroke="{colour_org}" stroke-width="1.8"/>'
    )
    parts.append(_text(lx + 22, ly, legend[0], MIN_FONT + 0.5, fill="#1d2430"))
    if two_lines:
        ly += 12.0
    else:
        lx += legend_widths[0] + 18
    parts.append(
        f'<line x1="{_f(lx)}" y1="{_f(ly - 3)}" x2="{_f(lx + 18)}" y2="{_f(ly - 3)}" '
        f'stroke="{colour_ref}" stroke-width="1.4" stroke-dasharray="{DASHES["sector"]}"/>'
    )
    parts.append(_text(lx + 22, ly, legend[1], MIN_FONT + 0.5, fill="#1d2430"))
    parts.append("</svg>")
    return "".join(parts)


def _text_width(text: str, size: float) -> float:
    """A generous estimate of a text's width (about 0.55 em a character)."""
    return 0.55 * size * len(text)


def _runs(values: Sequence[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    """Consecutive shown years as separate line pieces: a line never bridges a year that
    is hidden, only years the organisation skipped."""
    runs: list[list[tuple[int, float]]] = [[]]
    for year, value in sorted(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((year, value))
    return [run for run in runs if len(run) > 1]


def gap_svg(
    rows: Sequence[tuple[str, float, float | None, float | None, str]],
    font: str = HTML_FONT,
    title: str = "",
) -> str:
    """Each category's gap to the reference group with its interval, largest shortfall
    first: ``rows`` are (label, gap, gap_low, gap_high, the gap as text)."""
    width, row_height, top = 250.0, 21.0, 8.0
    label_width, text_width = 78.0, 34.0
    height = top + row_height * len(rows) + 20
    reach = max([10.0, *(abs(v) for _, g, lo, hi, _ in rows for v in (g, lo, hi) if v is not None)])
    reach = 10.0 * math.ceil(reach / 10.0)
    x0, x1 = label_width, width - text_width

    def px(v: float) -> float:
        return x0 + (x1 - x0) * (min(max(v, -reach), reach) + reach) / (2 * reach)

    parts = [*_open(width, height, font, title)]
    bottom = top + row_height * len(rows)
    parts.append(
        f'<line x1="{_f(px(0))}" y1="{_f(top - 2)}" x2="{_f(px(0))}" y2="{_f(bottom)}" '
        'stroke="#9aa3ae" stroke-width="0.8"/>'
    )
    for v in (-reach, 0.0, reach):
        tick = f"{v:+.0f}".replace("+0", "0") if v else "0"
        parts.append(
            _text(px(v), bottom + 11, tick.replace("-", "−"), MIN_FONT, "middle", fill="#5b6472")
        )
    for k, (label, gap, low, high, shown) in enumerate(rows):
        y = top + row_height * (k + 0.5)
        colour = BELOW if gap < 0 else ABOVE
        parts.append(_text(2, y + 3, label, 9, fill="#1d2430"))
        if low is not None and high is not None:
            parts.append(
                f'<line x1="{_f(px(low))}" y1="{_f(y)}" x2="{_f(px(high))}" y2="{_f(y)}" '
                f'stroke="{colour}" stroke-width="1.4" stroke-opacity="0.7"/>'
            )
        parts.append(f'<circle cx="{_f(px(gap))}" cy="{_f(y)}" r="3.2" fill="{colour}"/>')
        parts.append(_text(width - 2, y + 3, shown, 9, "end", fill=colour))
    parts.append("</svg>")
    return "".join(parts)
