"""Internal comparison: the administrations of one municipality (or region) side by side.

Where two or more administrations of one municipality took part in a year, the
municipality gets a profile of its own that shows each administration's maturity,
capability, legacy and six categories beside the mean of that administration's sector.
It is built from the administrations' own profile data, so it shows nothing their
profiles do not (an administration with too few respondents appears without values, a
hidden sector mean is not shown), and it is meant for that municipality only: one file
per municipality, not linked from the public index.

Administrations belong together by the register's ``municipality_id``; regions, which
the register gives no such id, by their county (Sweden has one region per county).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mognad.publish.profiles.charts import MIN_FONT, _f, _open, _text, _text_width, svg_width
from mognad.publish.profiles.data import COLOURS, HEADLINE, HTML_FONT, SCHEMA

if TYPE_CHECKING:
    from mognad.labels import Labels

#: Fewest administrations that make an internal comparison.
MIN_MEMBERS = 2


def group_id(profile: Mapping[str, Any]) -> str | None:
    """The municipality (or region) an administration's profile belongs to, as a file
    name: the municipality id, ``R-<county>`` for a region, None for anything else."""
    if profile.get("municipality_id"):
        return str(profile["municipality_id"])
    if profile.get("org_type") == "region" and profile.get("county"):
        ascii_name = (
            unicodedata.normalize("NFKD", str(profile["county"])).encode("ascii", "ignore").decode()
        )
        return "R-" + re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-")
    return None


def _common_name(names: Sequence[str]) -> str | None:
    """The part before ", " that every administration's name shares ("Altjärn kommun")."""
    heads = {name.split(", ", 1)[0] for name in names if ", " in name}
    return heads.pop() if len(heads) == 1 and all(", " in n for n in names) else None


def municipality_data(
    profiles: Sequence[Mapping[str, Any]], minimum: int = MIN_MEMBERS
) -> dict[str, dict[str, Any]]:
    """One internal-comparison dict per municipality (or region) with at least
    ``minimum`` administrations among ``profiles`` (one year's profile data), keyed by
    :func:`group_id`."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for profile in profiles:
        key = group_id(profile)
        if key is not None:
            groups.setdefault(key, []).append(profile)
    out = {}
    for key, members in sorted(groups.items()):
        if len(members) < minimum:
            continue
        members = sorted(members, key=lambda p: (str(p.get("name") or ""), p["org_id"]))
        first = members[0]
        out[key] = {
            "schema": SCHEMA,
            "kind": "municipality",
            "year": first["year"],
            "group_id": key,
            "name": _common_name([str(p.get("name") or "") for p in members]),
            "county": first.get("county"),
            "org_type": first["org_type"],
            "min_respondents": first["min_respondents"],
            "min_orgs": first["min_orgs"],
            "ci_level": first.get("ci_level", 0.95),
            "categories": list(first["categories"]),
            "members": [
                {
                    "org_id": p["org_id"],
                    "name": p.get("name"),
                    "sector": p["sector"],
                    "n_respondents": p["n_respondents"],
                    "reportable": p["reportable"],
                    "quadrant": p["quadrant"],
                    "scores": p["scores"],
                    "sector_mean": p["comparisons"]["sector"]["values"]
                    if p["comparisons"]["sector"]["shown"]
                    else {},
                }
                for p in members
            ],
        }
    return out


def _diamond(x: float, y: float, colour: str) -> str:
    """A hollow diamond: a comparison group's mean."""
    return (
        f'<path d="M{_f(x)} {_f(y - 4)}L{_f(x + 4)} {_f(y)}L{_f(x)} {_f(y + 4)}'
        f'L{_f(x - 4)} {_f(y)}Z" fill="none" stroke="{colour}" stroke-width="1.3"/>'
    )


def members_svg(
    rows: Sequence[tuple[str, tuple[float, float, float] | None, float | None]],
    legend: tuple[str, str],
    font: str = HTML_FONT,
    title: str = "",
) -> str:
    """Each administration's maturity with its interval (a dot and a line) and its
    sector's mean (a hollow diamond), on the 0-100 scale: ``rows`` are (name, (value,
    low, high) or None, sector mean or None)."""
    width, row_height, top, label_width = 360.0, 26.0, 6.0, 0.0
    height = top + row_height * len(rows) + 40
    left, right = 10.0, 12.0

    def px(v: float) -> float:
        return left + (width - left - right) * min(max(v, 0.0), 100.0) / 100

    parts = _open(width, height, font, title)
    bottom = top + row_height * len(rows)
    for level in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{_f(px(level))}" y1="{_f(top)}" x2="{_f(px(level))}" '
            f'y2="{_f(bottom)}" stroke="#e1e5ea" stroke-width="0.6"/>'
        )
        parts.append(_text(px(level), bottom + 11, str(level), MIN_FONT, "middle", fill="#5b6472"))
    org, ref = COLOURS["org"], COLOURS["sector"]
    for k, (name, score, mean) in enumerate(rows):
        y = top + row_height * k
        parts.append(_text(left + label_width, y + 9, name, 9, fill="#1d2430"))
        mid = y + 17
        if score is not None:
            value, low, high = score
            parts.append(
                f'<line x1="{_f(px(low))}" y1="{_f(mid)}" x2="{_f(px(high))}" y2="{_f(mid)}" '
                f'stroke="{org}" stroke-width="1.4" stroke-opacity="0.75"/>'
            )
            parts.append(f'<circle cx="{_f(px(value))}" cy="{_f(mid)}" r="3.2" fill="{org}"/>')
        if mean is not None:
            parts.append(_diamond(px(mean), mid, ref))
    ly = height - 8
    parts.append(f'<circle cx="{_f(left + 4)}" cy="{_f(ly - 3)}" r="3.2" fill="{org}"/>')
    parts.append(_text(left + 12, ly, legend[0], MIN_FONT + 0.5, fill="#1d2430"))
    x = left + 12 + _text_width(legend[0], MIN_FONT + 0.5) + 18
    parts.append(_diamond(x, ly - 3, ref))
    parts.append(_text(x + 8, ly, legend[1], MIN_FONT + 0.5, fill="#1d2430"))
    parts.append("</svg>")
    return "".join(parts)


def municipality_view(
    data: Mapping[str, Any], labels: Labels, font: str = HTML_FONT
) -> dict[str, Any]:
    """Every string of a municipality's internal comparison, and its chart."""
    if data.get("schema") != SCHEMA or data.get("kind") != "municipality":
        raise ValueError("not the data of a municipality's internal comparison")
    year = data["year"]
    level = labels.number(100 * float(data["ci_level"]), 0)
    name = data["name"] or labels.text("municipality_fallback", group=data["group_id"])
    members = data["members"]
    indicators = [*HEADLINE, *data["categories"]]

    def diff(value: float | None, mean: float | None) -> str:
        if value is None or mean is None:
            return labels.number(None)
        rounded = round(value - mean, 1)
        text = labels.number(0.0 if rounded == 0 else rounded)
        return f"+{text}" if rounded > 0 else text

    cards = []
    for m in members:
        scores, mean = m["scores"], m["sector_mean"]
        rows = []
        if m["reportable"]:
            for ind in indicators:
                value = scores[ind]["value"]
                rows.append(
                    {
                        "label": labels.indicator(ind),
                        "value": labels.number(value),
                        "sector": labels.number(mean.get(ind)) if mean else labels.number(None),
                        "diff": diff(value, mean.get(ind)) if mean else labels.number(None),
                        "total": ind in HEADLINE,
                    }
                )
        cards.append(
            {
                "org_id": m["org_id"],
                "name": m["name"] or labels.text("profile_org", org_id=m["org_id"]),
                "sub": " · ".join(
                    [
                        labels.sector(m["sector"]),
                        labels.text("profile_respondents", n=labels.number(m["n_respondents"], 0)),
                        *([labels.quadrant(m["quadrant"])] if m["quadrant"] else []),
                    ]
                ),
                "too_few": ""
                if m["reportable"]
                else labels.text("municipality_too_few", min_respondents=data["min_respondents"]),
                "rows": rows,
            }
        )
    chart_rows = [
        (
            card["name"].split(", ", 1)[-1],
            (
                m["scores"]["maturity"]["value"],
                m["scores"]["maturity"]["ci_low"],
                m["scores"]["maturity"]["ci_high"],
            )
            if m["reportable"] and m["scores"]["maturity"]["ci_low"] is not None
            else None,
            m["sector_mean"].get("maturity") if m["sector_mean"] else None,
        )
        for card, m in zip(cards, members, strict=True)
    ]
    heading = labels.text("municipality_chart")
    svg = members_svg(
        chart_rows,
        (labels.text("municipality_legend_org"), labels.text("municipality_legend_sector")),
        font,
        heading,
    )
    return {
        "language": labels.language,
        "title": labels.text("municipality_title", year=year),
        "org": name,
        "subtitle": " · ".join(
            [
                *([data["county"]] if data.get("county") else []),
                labels.text("municipality_members", n=labels.number(len(members), 0)),
            ]
        ),
        "private": labels.text("municipality_private", name=name),
        "chart_heading": heading,
        "chart_svg": svg,
        "chart_width": svg_width(svg),
        "columns": [
            labels.header("category"),
            labels.text("profile_value_col"),
            labels.text("profile_sector_col"),
            labels.text("municipality_diff_col"),
        ],
        "cards": cards,
        "footnotes": [
            labels.text("municipality_note", year=year, level=level, min_orgs=data["min_orgs"])
        ],
    }


def municipality_violations(data: Mapping[str, Any]) -> list[str]:
    """Every way a municipality's internal comparison breaks the disclosure rules: an
    administration with too few respondents that carries scores (empty when it keeps
    them). Sector means come from the administrations' own profile data, checked there."""
    who = f"{data.get('group_id')} {data.get('year')}"
    problems = []
    for member in data.get("members") or []:
        small = member["n_respondents"] < data["min_respondents"]
        if (small or not member["reportable"]) and (member["scores"] or member["quadrant"]):
            problems.append(f"{who}: {member['org_id']} shown with too few respondents")
        if small and member["reportable"]:
            problems.append(f"{who}: {member['org_id']} reportable with too few respondents")
    return problems
