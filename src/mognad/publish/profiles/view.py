"""What a profile shows: display strings shared by the HTML page and the PDF."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    from mognad.labels import Labels
from mognad.publish.profiles.charts import (
    quadrant_svg,
    radar_svg,
)
from mognad.publish.profiles.data import (
    GROUPS,
    HEADLINE,
    HTML_FONT,
    SCHEMA,
)

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
