"""One-page profiles of the organisations that took part in a year, in HTML and PDF.

Each participating organisation gets back its maturity, capability and legacy with their
intervals, its quadrant, its six-category profile against the means of its sector and of
its organisation type (a radar chart), its change since its last participation, its three
weakest categories and its number of respondents.

The work is split for distribution: :func:`profile_data` computes every number of every
profile at once (vectorised, from the organisation scores and the published sector and
type tables) into one small JSON-able dict per organisation; :func:`render_profile` turns
one dict into a self-contained HTML page and an A4 PDF. Rendering needs neither pandas
nor matplotlib: the radar chart is SVG text built here, the HTML comes from a Jinja2
template and the PDF from a Typst template (``templates/profile/``) that reads the same
display strings, so both show identical words and numbers. The Jinja environment, the
Typst compiler (with only Typst's embedded fonts, so a PDF is byte-identical on every
machine) and the templates are created once per process.

Disclosure control lives in the data, not only in the layout: an organisation with fewer
than ``min_respondents`` respondents gets a dict without scores (its profile says there
were too few respondents), a change is computed only when both years are reportable, and
a sector or type mean based on fewer than ``min_orgs`` organisations, or marked
``suppressed`` in its table, is left out (its profile says so in a footnote).
:func:`profile_violations` checks a dict against these rules.
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mognad.files import write_bytes
from mognad.publish.smallcell import Thresholds

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    import pandas as pd

    from mognad.labels import Labels

#: Version of the profile dict's layout; a renderer refuses other versions.
SCHEMA = 1
#: The instrument's six categories in its order, and the dimensions they form.
CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
DIMENSIONS = {
    "capability": ("effektivitet", "innovation", "balansering"),
    "legacy": ("organisation", "anvandare", "teknik"),
}
#: The three headline figures, in the order a profile shows them.
HEADLINE = ("maturity", "capability", "legacy")
#: Comparison groups: the profile key and the column naming the group in its table.
GROUPS = ("sector", "org_type")
#: The quadrant thresholds when none are given (``method.quadrant_thresholds``' default).
QUADRANT = {"capability": 50.0, "legacy": 50.0}
#: Organisation ids become file names and Snakemake wildcards.
ORG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "profile"

#: Colours of the radar chart's three series (organisation, sector, type).
COLOURS = {"org": "#1f5f99", "sector": "#c8641e", "org_type": "#2e8b57"}
DASHES = {"org": "", "sector": "6 3", "org_type": "2 3"}
#: Fonts: the PDF uses Typst's embedded Libertinus Serif only (no system fonts, so the
#: output does not depend on the machine); the HTML a common sans-serif stack.
PDF_FONT = "Libertinus Serif"
HTML_FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif"


# --------------------------------------------------------------------------------------
# The numbers of every profile of a year, at once


def _number(value: Any) -> float | None:
    """A JSON-safe float: None for missing."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _comparison(
    table: pd.DataFrame,
    key: str,
    year: int,
    thresholds: Thresholds,
    indicators: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """Each group's comparison entry of ``year``: shown only when not suppressed, not a
    small cell, and with every indicator present."""
    rows = table[table["year"] == year]
    if rows[key].duplicated().any():
        raise ValueError(f"the {key} table has more than one row per {key} in {year}")
    suppressed = (
        rows["suppressed"].fillna(False).astype(bool).to_numpy()
        if "suppressed" in rows
        else [False] * len(rows)
    )
    values = rows[list(indicators)].astype(float).to_numpy()
    n_orgs = rows["n_orgs"].fillna(0).astype(int).to_numpy()
    small = thresholds.too_few_orgs(n_orgs)
    if "n_respondents" in rows:
        small |= thresholds.too_few_respondents(rows["n_respondents"].fillna(0).to_numpy())
    complete = ~(values != values).any(axis=1)  # no NaN
    out = {}
    for i, group in enumerate(rows[key].astype(str)):
        shown = bool(not suppressed[i] and not small[i] and complete[i])
        out[group] = {
            "code": group,
            "year": int(year),
            "n_orgs": int(n_orgs[i]),
            "shown": shown,
            "values": (
                {ind: _number(values[i, j]) for j, ind in enumerate(indicators)} if shown else {}
            ),
        }
    return out


def profile_data(
    orgs: pd.DataFrame,
    sectors: pd.DataFrame,
    types: pd.DataFrame,
    year: int,
    thresholds: Thresholds,
    quadrant: Mapping[str, float] | None = None,
    categories: Sequence[str] = CATEGORIES,
    dimensions: Mapping[str, Sequence[str]] = DIMENSIONS,
) -> dict[str, dict[str, Any]]:
    """One JSON-able dict per organisation taking part in ``year``, keyed by ``org_id``.

    ``orgs`` holds organisation scores of all years (``org_scores.parquet``): the previous
    participation is the organisation's latest earlier year, however many years it
    skipped. ``sectors`` and ``types`` are the published ``sector_by_year`` and
    ``type_by_year`` tables (an optional boolean ``suppressed`` column hides a row).
    ``thresholds``: the disclosure limits (:class:`mognad.publish.smallcell.Thresholds`);
    ``quadrant``: the quadrant thresholds (``method.quadrant_thresholds``, default 50/50).
    """
    import numpy as np

    year = int(year)
    quadrant_thresholds = {k: float(v) for k, v in {**QUADRANT, **(quadrant or {})}.items()}
    indicators = [*HEADLINE, *categories]
    ci = [f"{ind}_{bound}" for ind in indicators for bound in ("ci_low", "ci_high")]
    if orgs.duplicated(["org_id", "year"]).any():
        raise ValueError("the organisation scores have more than one row per org_id and year")
    current = orgs[orgs["year"] == year].sort_values("org_id", kind="stable")
    if current.empty:
        raise ValueError(f"no organisation took part in {year}")
    ids = current["org_id"].astype(str).to_numpy()
    bad = [i for i in ids if not ORG_ID.match(i) or i == "index"]
    if bad:
        raise ValueError(
            f"org_id not usable as a profile's file name (letters, digits, _ . -; not "
            f"'index', the list of profiles): {bad[:5]}"
        )

    earlier = (
        orgs[orgs["year"] < year]
        .sort_values(["org_id", "year"], kind="stable")
        .drop_duplicates("org_id", keep="last")
        .set_index("org_id")
        .reindex(current["org_id"])
    )
    n = current["n_respondents"].fillna(0).astype(int).to_numpy()
    reportable = ~thresholds.too_few_respondents(n)
    values = current[indicators].astype(float).to_numpy()
    bounds = current[ci].astype(float).to_numpy().reshape(len(current), len(indicators), 2)
    prev_year = earlier["year"].to_numpy(dtype=float)
    prev_n = earlier["n_respondents"].to_numpy(dtype=float)
    prev_reportable = ~thresholds.too_few_respondents(np.nan_to_num(prev_n, nan=-1.0))
    prev_reportable &= ~np.isnan(prev_n)  # no earlier year: nothing to compare
    change = values[:, : len(HEADLINE)] - earlier[list(HEADLINE)].astype(float).to_numpy()
    # Weakest categories: lowest first, ties in instrument order, missing never weakest.
    cat_values = values[:, len(HEADLINE) :]
    ranked = np.argsort(np.where(np.isnan(cat_values), np.inf, cat_values), axis=1, kind="stable")
    n_scored = (~np.isnan(cat_values)).sum(axis=1)
    quadrants = current["quadrant"].astype(object).to_numpy()
    compare = {
        level: _comparison(table, level, year, thresholds, indicators)
        for level, table in (("sector", sectors), ("org_type", types))
    }
    version = (
        current["method_version"].astype(str).to_numpy()
        if "method_version" in current
        else [""] * len(current)
    )
    sector = current["sector"].astype(str).to_numpy()
    org_type = current["org_type"].astype(str).to_numpy()

    out = {}
    for i, org_id in enumerate(ids):
        ok = bool(reportable[i])
        previous = None
        if not np.isnan(prev_year[i]):
            both = ok and bool(prev_reportable[i])
            previous = {
                "year": int(prev_year[i]),
                "reportable": bool(prev_reportable[i]),
                "change": (
                    {ind: _number(change[i, j]) for j, ind in enumerate(HEADLINE)} if both else {}
                ),
            }
        groups = {}
        for level, code in (("sector", sector[i]), ("org_type", org_type[i])):
            groups[level] = compare[level].get(
                code, {"code": code, "year": year, "n_orgs": 0, "shown": False, "values": {}}
            )
        quadrant = quadrants[i]
        out[org_id] = {
            "schema": SCHEMA,
            "year": year,
            "org_id": org_id,
            "sector": sector[i],
            "org_type": org_type[i],
            "n_respondents": int(n[i]),
            "method_version": str(version[i]),
            "min_respondents": thresholds.min_respondents,
            "min_orgs": thresholds.min_orgs,
            "quadrant_thresholds": quadrant_thresholds,
            "categories": list(categories),
            "dimensions": {k: list(v) for k, v in dimensions.items()},
            "reportable": ok,
            "scores": (
                {
                    ind: {
                        "value": _number(values[i, j]),
                        "ci_low": _number(bounds[i, j, 0]),
                        "ci_high": _number(bounds[i, j, 1]),
                    }
                    for j, ind in enumerate(indicators)
                }
                if ok
                else {}
            ),
            "quadrant": (str(quadrant) if ok and isinstance(quadrant, str) else None),
            "weakest": ([categories[k] for k in ranked[i, : min(3, n_scored[i])]] if ok else []),
            "previous": previous,
            "comparisons": groups,
        }
    return out


def profile_violations(data: Mapping[str, Any], thresholds: Thresholds | None = None) -> list[str]:
    """Every way ``data`` breaks the disclosure rules (empty when it keeps them).

    The limits are ``thresholds`` when given, else those recorded in ``data``.
    """
    if thresholds is None:
        thresholds = Thresholds(int(data["min_orgs"]), int(data["min_respondents"]))
    who = f"{data.get('org_id')} {data.get('year')}"
    problems = []
    small = thresholds.too_few_respondents(data["n_respondents"])
    if small and data.get("reportable"):
        problems.append(
            f"{who}: reportable with {data['n_respondents']} < "
            f"{thresholds.min_respondents} respondents"
        )
    if (small or not data.get("reportable")) and (
        data.get("scores") or data.get("quadrant") or data.get("weakest")
    ):
        problems.append(f"{who}: scores present although too few respondents")
    previous = data.get("previous") or {}
    if previous.get("change") and (small or not previous.get("reportable")):
        problems.append(f"{who}: change shown although a year had too few respondents")
    for level, group in (data.get("comparisons") or {}).items():
        if group.get("shown") and thresholds.too_few_orgs(group.get("n_orgs", 0)):
            problems.append(
                f"{who}: {level} mean shown from {group['n_orgs']} < {thresholds.min_orgs} orgs"
            )
        if group.get("values") and not group.get("shown"):
            problems.append(f"{who}: {level} mean carries values although not shown")
    return problems


def write_profile_data(profiles: Mapping[str, Mapping[str, Any]], folder: str | Path) -> list[Path]:
    """One ``<org_id>.json`` per profile in ``folder`` (created; other files untouched)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for org_id, data in profiles.items():
        path = folder / f"{org_id}.json"
        write_bytes(path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())
        paths.append(path)
    return paths


def read_profile_data(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: profile data schema {data.get('schema')!r}, expected {SCHEMA}")
    return data


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


# --------------------------------------------------------------------------------------
# What a profile shows: display strings, shared by the HTML and the PDF


def _signed(labels: Labels, value: float | None) -> str:
    if value is None:
        return labels.number(None)
    rounded = round(value, 1)
    text = labels.number(0.0 if rounded == 0 else rounded)
    return f"+{text}" if rounded > 0 else text


def profile_view(data: Mapping[str, Any], labels: Labels, font: str = HTML_FONT) -> dict[str, Any]:
    """Every string a profile shows, in ``labels``' language, and its charts as SVG text."""
    if data.get("schema") != SCHEMA:
        raise ValueError(f"profile data schema {data.get('schema')!r}, expected {SCHEMA}")
    year, scores = data["year"], data["scores"]
    sector, org_type = labels.sector(data["sector"]), labels.org_type(data["org_type"])
    view: dict[str, Any] = {
        "language": labels.language,
        "title": labels.text("profile_title", year=year),
        "org": labels.text("profile_org", org_id=data["org_id"]),
        "subtitle": " · ".join(
            [
                sector,
                org_type,
                labels.text("profile_respondents", n=labels.number(data["n_respondents"], 0)),
            ]
        ),
        "reportable": bool(data["reportable"]),
        "too_few": "",
        "headline": [],
        "quadrant": "",
        "radar_heading": labels.text("profile_radar"),
        "radar_svg": "",
        "quadrant_svg": "",
        "weakest_heading": labels.text("profile_weakest"),
        "weakest": [],
        "table_header": [],
        "table": [],
        "footnotes": [],
    }
    if not data["reportable"]:
        view["too_few"] = labels.text(
            "profile_too_few",
            n=labels.number(data["n_respondents"], 0),
            year=year,
            min_respondents=data["min_respondents"],
        )
        return view

    def value(ind: str) -> str:
        return labels.number(scores[ind]["value"])

    def interval(ind: str) -> str:
        low, high = scores[ind]["ci_low"], scores[ind]["ci_high"]
        if low is None or high is None:
            return labels.number(None)
        return labels.text("profile_ci", low=labels.number(low), high=labels.number(high))

    previous = data["previous"]
    for ind in HEADLINE:
        if previous is None:
            change = labels.text("profile_first")
        elif previous["change"]:
            change = labels.text(
                "profile_change",
                change=_signed(labels, previous["change"][ind]),
                year=previous["year"],
            )
        else:
            change = labels.number(None)
        view["headline"].append(
            {"label": labels.indicator(ind), "value": value(ind), "ci": interval(ind),
             "change": change, "key": ind}
        )  # fmt: skip
    if previous is not None and not previous["change"]:
        view["footnotes"].append(labels.text("profile_change_too_few", year=previous["year"]))
    if data["quadrant"]:
        view["quadrant"] = labels.text(
            "profile_quadrant", quadrant=labels.quadrant(data["quadrant"])
        )

    categories = data["categories"]
    series: list[tuple[str, list[float | None], str]] = [
        ("org", [scores[c]["value"] for c in categories], labels.text("profile_this_org"))
    ]
    names = {"sector": sector, "org_type": org_type}
    legend_keys = {"sector": "profile_sector_mean", "org_type": "profile_type_mean"}
    comparisons = data["comparisons"]
    for level in GROUPS:
        group = comparisons[level]
        if group["shown"]:
            series.append(
                (
                    level,
                    [group["values"][c] for c in categories],
                    labels.text(legend_keys[level], group=names[level]),
                )
            )
        else:
            view["footnotes"].append(
                labels.text(
                    "profile_mean_suppressed",
                    group=names[level],
                    year=group["year"],
                    min_orgs=data["min_orgs"],
                )
            )
    view["radar_svg"] = radar_svg(
        [labels.indicator(c) for c in categories], series, font, view["radar_heading"]
    )
    cap, leg = scores["capability"], scores["legacy"]
    view["quadrant_svg"] = quadrant_svg(
        (cap["value"], cap["ci_low"], cap["ci_high"]),
        (leg["value"], leg["ci_low"], leg["ci_high"]),
        {q: labels.quadrant(q) for q in ("mature", "ambitious", "maintaining", "beginning")},
        (labels.indicator("capability"), labels.indicator("legacy")),
        data["quadrant_thresholds"],
        data["quadrant"],
        font,
    )
    view["weakest"] = [{"label": labels.indicator(c), "value": value(c)} for c in data["weakest"]]
    view["table_header"] = [
        labels.header("category"),
        labels.text("profile_value_col"),
        labels.text("ci"),
        labels.text("profile_sector_col"),
        labels.text("profile_type_col"),
    ]

    def mean(level: str, ind: str) -> str:
        group = comparisons[level]
        return labels.number(group["values"][ind]) if group["shown"] else labels.number(None)

    rows = []
    for dimension, members in data["dimensions"].items():
        for ind in (*members, dimension):
            rows.append(
                {
                    "label": labels.indicator(ind),
                    "value": value(ind),
                    "ci": _ci_range(labels, scores[ind]),
                    "sector": mean("sector", ind),
                    "org_type": mean("org_type", ind),
                    "total": ind == dimension,
                }
            )
    rows.append(
        {
            "label": labels.indicator("maturity"),
            "value": value("maturity"),
            "ci": _ci_range(labels, scores["maturity"]),
            "sector": mean("sector", "maturity"),
            "org_type": mean("org_type", "maturity"),
            "total": True,
        }
    )
    view["table"] = rows
    view["footnotes"].append(labels.text("profile_note", year=year))
    return view


def _ci_range(labels: Labels, score: Mapping[str, float | None]) -> str:
    low, high = score["ci_low"], score["ci_high"]
    if low is None or high is None:
        return labels.number(None)
    return f"{labels.number(low)}–{labels.number(high)}"


# --------------------------------------------------------------------------------------
# Rendering: templates and the Typst compiler are loaded once per process


@functools.cache
def _jinja() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


_THREAD = threading.local()


def _typst() -> tuple[Any, bytes]:
    """This thread's Typst compiler (a compiler may not be shared between threads, and
    profile jobs can run in threads of one process) and the page template."""
    if not hasattr(_THREAD, "typst"):
        import typst

        compiler = typst.Compiler(root=str(TEMPLATES), ignore_system_fonts=True)
        _THREAD.typst = (compiler, (TEMPLATES / "profile.typ").read_bytes())
    return _THREAD.typst


def profile_html(data: Mapping[str, Any], labels: Labels) -> str:
    """The profile as one self-contained HTML page (inline CSS and SVG, no requests)."""
    from markupsafe import Markup

    view = profile_view(data, labels, HTML_FONT)
    view["radar_svg"] = Markup(view["radar_svg"])
    view["quadrant_svg"] = Markup(view["quadrant_svg"])
    return _jinja().get_template("profile.html.j2").render(view=view)


def profile_pdf(data: Mapping[str, Any], labels: Labels) -> bytes:
    """The profile as a one-page A4 PDF, byte-identical for identical input."""
    view = profile_view(data, labels, PDF_FONT)
    compiler, source = _typst()
    svgs = {"radar_svg": view.pop("radar_svg"), "quadrant_svg": view.pop("quadrant_svg")}
    return compiler.compile(
        input=source,
        format="pdf",
        sys_inputs={"view": json.dumps(view, ensure_ascii=False), **svgs},
    )


def render_profile(
    data: Mapping[str, Any],
    labels: Labels,
    out_html: str | Path,
    out_pdf: str | Path | None = None,
) -> None:
    """Write the profile of ``data`` as HTML (and as a PDF when ``out_pdf`` is given)."""
    write_bytes(Path(out_html), profile_html(data, labels).encode("utf-8"))
    if out_pdf is not None:
        write_bytes(Path(out_pdf), profile_pdf(data, labels))


def index_html(profiles: Sequence[Mapping[str, Any]], labels: Labels, year: int) -> str:
    """The index page of a year's profiles: one row per organisation, linking to its
    ``<org_id>.html`` and ``<org_id>.pdf`` beside the index."""
    rows = [
        {
            "org_id": p["org_id"],
            "sector": labels.sector(p["sector"]),
            "org_type": labels.org_type(p["org_type"]),
            "n_respondents": labels.number(p["n_respondents"], 0),
        }
        for p in sorted(profiles, key=lambda p: p["org_id"])
    ]
    view = {
        "language": labels.language,
        "title": labels.text("profile_index_title", year=year),
        "intro": labels.text("profile_index_intro", n=labels.number(len(rows), 0), year=year),
        "header": [
            labels.text("profile_organisation"),
            labels.header("sector"),
            labels.header("org_type"),
            labels.header("n_respondents"),
            labels.text("profile_profile"),
        ],
        "rows": rows,
    }
    return _jinja().get_template("index.html.j2").render(view=view)


def write_index(
    profiles: Sequence[Mapping[str, Any]], labels: Labels, year: int, out: str | Path
) -> None:
    write_bytes(Path(out), index_html(profiles, labels, year).encode("utf-8"))


@functools.lru_cache(maxsize=8)
def _job_labels(labels_path: str, instrument_path: str, language: str) -> Labels:
    """Labels for profile jobs, read once per process: jobs run in the Snakemake process."""
    from mognad.labels import labels_from_files

    return labels_from_files(labels_path, instrument_path, language)


def render_profile_files(
    data_path: str | Path,
    labels_path: str | Path,
    instrument_path: str | Path,
    language: str,
    out_html: str | Path,
    out_pdf: str | Path | None,
    log_path: str | Path,
) -> None:
    """One profile job: read an organisation's numbers, check them against the disclosure
    rules, write its HTML and PDF, and log it (to its own log: jobs may run in threads)."""
    from mognad.logs import job_log

    with job_log(log_path, f"profile.{Path(data_path).stem}", exit_on_input_error=False) as log:
        data = read_profile_data(data_path)
        problems = profile_violations(data)
        if problems:
            raise ValueError(f"{data_path}: disclosure rules broken: " + "; ".join(problems))
        labels = _job_labels(str(labels_path), str(instrument_path), language)
        render_profile(data, labels, out_html, out_pdf)
        log.info("profile of %s %s (%s)", data["org_id"], data["year"], language)
