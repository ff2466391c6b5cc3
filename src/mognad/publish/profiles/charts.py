"""SVG charts as plain strings, coordinates with two decimals, so output is deterministic."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    pass
from mognad.publish.profiles.data import (
    COLOURS,
    DASHES,
    HTML_FONT,
)

# --------------------------------------------------------------------------------------
# SVG charts: plain strings, coordinates with two decimals, so output is deterministic


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
    width, height, cx, cy, radius = 440.0, 388.0, 220.0, 166.0, 126.0
    axes = _axes(len(labels))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" font-family="{font}" role="img"'
        f' aria-label="{escape(title)}">',
        f"<title>{escape(title, quote=False)}</title>" if title else "",
        '<g fill="none" stroke="#c9ced6" stroke-width="0.8">',
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
        parts.append(_text(cx + 3, cy - radius * level / 100 + 9, str(level), 8.5))
    parts.append("</g>")
    parts.append('<g fill="#1d2430">')
    for (ux, uy), label in zip(axes, labels, strict=True):
        x, y = cx + (radius + 10) * ux, cy + (radius + 10) * uy
        anchor = "middle" if abs(ux) < 1e-9 else ("start" if ux > 0 else "end")
        y += 4.5 if abs(ux) > 1e-9 else (-2 if uy < 0 else 12)
        parts.append(_text(x, y, label, 13, anchor))
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
            width_ = "2.2" if key == "org" else "1.8"
            parts.append(
                f'<polygon points="{_points(corners)}" {fill} stroke="{colour}" '
                f'stroke-width="{width_}"{dashing} stroke-linejoin="round"/>'
            )
        if key == "org":
            parts.extend(
                f'<circle cx="{_f(p[0])}" cy="{_f(p[1])}" r="2.6" fill="{colour}"/>'
                for p in xy
                if p is not None
            )
    y = 342.0
    for key, _, text in series:
        colour, dash = COLOURS[key], DASHES[key]
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="40" y1="{_f(y - 4)}" x2="68" y2="{_f(y - 4)}" stroke="{colour}" '
            f'stroke-width="{"2.6" if key == "org" else "2"}"{dashing}/>'
        )
        parts.append(_text(76, y, text, 12, fill="#1d2430"))
        y += 17
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
    left, top, size = 34.0, 8.0, 200.0
    width, height = left + size + 8, top + size + 34

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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" font-family="{font}" role="img">'
    ]
    for code, (x0, y0, x1, y1) in cells.items():
        fill = "#dbe7f3" if code == current else "#f3f5f8"
        parts.append(
            f'<rect x="{_f(x0)}" y="{_f(y0)}" width="{_f(x1 - x0)}" height="{_f(y1 - y0)}" '
            f'fill="{fill}" stroke="#ffffff" stroke-width="1.5"/>'
        )
        words = names[code].split(" ")
        lines = [" ".join(words[:1]), " ".join(words[1:])] if len(words) > 1 else words
        mid_x = (x0 + x1) / 2
        base = (y0 + 15) if y0 == top else (y1 - 8 - 11 * (len(lines) - 1))
        for k, line in enumerate(lines):
            weight = {"font_weight": "bold"} if code == current else {}
            parts.append(_text(mid_x, base + 11 * k, line, 10, "middle", fill="#3b4452", **weight))
    parts.append(
        f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(size)}" height="{_f(size)}" '
        'fill="none" stroke="#9aa3ae" stroke-width="0.8"/>'
    )
    for v in (0, 50, 100):
        parts.append(_text(px(v), top + size + 12, str(v), 8.5, "middle", fill="#7a828e"))
        parts.append(_text(left - 4, py(v) + 3, str(v), 8.5, "end", fill="#7a828e"))
    parts.append(_text(left + size / 2, top + size + 27, axis_names[0], 10.5, "middle"))
    parts.append(
        f'<text x="10" y="{_f(top + size / 2)}" font-size="10.5" text-anchor="middle" '
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
            f'<circle cx="{_f(x)}" cy="{_f(y)}" r="4.5" fill="{colour}" stroke="#ffffff" '
            'stroke-width="1.2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
