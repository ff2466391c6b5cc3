"""What a profile shows: display strings shared by the HTML page and the PDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    from mognad.labels import Labels
from mognad.publish.profiles.charts import (
    gap_svg,
    quadrant_svg,
    radar_svg,
    svg_width,
    trend_svg,
)
from mognad.publish.profiles.data import (
    GROUPS,
    HEADLINE,
    HTML_FONT,
    PEER_GROUPS,
    SCHEMA,
)
from mognad.publish.profiles.uncertainty import gap_to

#: The charts of a profile, in the order the page shows them.
CHARTS = ("trend_svg", "quadrant_svg", "radar_svg", "gap_svg")
QUADRANT_ORDER = ("mature", "ambitious", "maintaining", "beginning")

# --------------------------------------------------------------------------------------
# What a profile shows: display strings, shared by the HTML and the PDF


def _signed(labels: Labels, value: float | None) -> str:
    if value is None:
        return labels.number(None)
    rounded = round(value, 1)
    text = labels.number(0.0 if rounded == 0 else rounded)
    return f"+{text}" if rounded > 0 else text


def _level(labels: Labels, data: Mapping[str, Any]) -> str:
    return labels.number(100 * float(data.get("ci_level", 0.95)), 0)


def _years(labels: Labels, years: Sequence[int]) -> str:
    return ", ".join(str(y) for y in years)


#: Width of the trend chart on screen (a phone's width: it scales up on wider screens)
#: and in the PDF (the text width of the page).
SCREEN_TREND, PRINT_TREND = 360.0, 496.0


def profile_view(
    data: Mapping[str, Any],
    labels: Labels,
    font: str = HTML_FONT,
    trend_width: float = SCREEN_TREND,
) -> dict[str, Any]:
    """Every string a profile shows, in ``labels``' language, and its charts as SVG text
    (with ``widths``: each chart's width in print, in points)."""
    if data.get("schema") != SCHEMA:
        raise ValueError(f"profile data schema {data.get('schema')!r}, expected {SCHEMA}")
    year, scores = data["year"], data["scores"]
    sector, org_type = labels.sector(data["sector"]), labels.org_type(data["org_type"])
    level = _level(labels, data)
    place = [org_type, sector, *([data["county"]] if data.get("county") else [])]
    view: dict[str, Any] = {
        "language": labels.language,
        "title": labels.text("profile_title", year=year),
        "org": data.get("name") or labels.text("profile_org", org_id=data["org_id"]),
        "org_id": data["org_id"],
        "subtitle": " · ".join(
            [*place, labels.text("profile_respondents", n=labels.number(data["n_respondents"], 0))]
        ),
        "back": labels.text("profile_back", year=year),
        "reportable": bool(data["reportable"]),
        "too_few": "",
        "headline": [],
        "how_heading": labels.text("profile_how_heading"),
        "how": [],
        "trend_heading": labels.text("profile_trend_heading"),
        "quadrant": "",
        "chances_heading": labels.text("profile_chances_heading"),
        "chances": [],
        "rank": "",
        "radar_heading": labels.text("profile_radar"),
        "gaps_heading": "",
        "gaps_note": "",
        "advice_heading": labels.text("profile_advice_heading"),
        "advice": [],
        "table_header": [],
        "table": [],
        "footnotes": [],
        "widths": {},
        **dict.fromkeys(CHARTS, ""),
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
        return labels.text(
            "profile_ci", level=level, low=labels.number(low), high=labels.number(high)
        )

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
    thresholds = data["quadrant_thresholds"]
    view["how"] = [
        labels.text("profile_how_scores"),
        labels.text(
            "profile_how_quadrants",
            capability=labels.number(thresholds["capability"], 0),
            legacy=labels.number(thresholds["legacy"], 0),
        ),
        labels.text("profile_how_intervals", level=level),
        labels.text("profile_how_gaps"),
    ]
    if data["quadrant"]:
        view["quadrant"] = labels.text(
            "profile_quadrant", quadrant=labels.quadrant(data["quadrant"])
        )
    _trend(view, data, labels, font, trend_width)
    _chances(view, data, labels, level)

    categories = data["categories"]
    series: list[tuple[str, list[float | None], str]] = [
        ("org", [scores[c]["value"] for c in categories], labels.text("profile_this_org"))
    ]
    names = {"sector": sector, "org_type": org_type}
    legend_keys = {"sector": "profile_sector_mean", "org_type": "profile_type_mean"}
    comparisons = data["comparisons"]
    for group_level in GROUPS:
        group = comparisons[group_level]
        if group["shown"]:
            series.append(
                (
                    group_level,
                    [group["values"][c] for c in categories],
                    labels.text(legend_keys[group_level], group=names[group_level]),
                )
            )
        else:
            view["footnotes"].append(
                labels.text(
                    "profile_mean_suppressed",
                    group=names[group_level],
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
        {q: labels.quadrant(q) for q in QUADRANT_ORDER},
        (labels.indicator("capability"), labels.indicator("legacy")),
        thresholds,
        data["quadrant"],
        font,
    )
    _gaps_and_advice(view, data, labels, font)
    _peers(view, data, labels, level)
    view["table_header"] = [
        labels.header("category"),
        labels.text("profile_value_col"),
        labels.text("ci"),
        labels.text("profile_sector_col"),
        labels.text("profile_type_col"),
    ]

    def mean(group_level: str, ind: str) -> str:
        group = comparisons[group_level]
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
    view["footnotes"].append(labels.text("profile_note", year=year, level=level))
    view["widths"] = {chart: svg_width(view[chart]) for chart in CHARTS if view[chart]}
    return view


def _trend(
    view: dict[str, Any], data: Mapping[str, Any], labels: Labels, font: str, width: float
) -> None:
    """The trend chart over the organisation's years, and notes on what it leaves out."""
    trend = data["trend"]
    points = [
        (
            p["year"],
            p["scores"]["maturity"]["value"],
            p["scores"]["maturity"]["ci_low"],
            p["scores"]["maturity"]["ci_high"],
        )
        if p["reportable"]
        else (p["year"], None, None, None)
        for p in trend
    ]
    reference = [
        (p["year"], p["sector"]["values"]["maturity"] if p["sector"]["shown"] else None)
        for p in trend
    ]
    sector_mean = labels.text("profile_sector_mean", group=labels.sector(data["sector"]))
    view["trend_svg"] = trend_svg(
        points,
        reference,
        (labels.text("profile_this_org"), sector_mean),
        labels.text("profile_trend_axis"),
        font,
        view["trend_heading"],
        width,
    )
    hidden = [p["year"] for p in trend if not p["reportable"]]
    if hidden:
        view["footnotes"].append(
            labels.text(
                "profile_trend_hidden",
                min_respondents=data["min_respondents"],
                years=_years(labels, hidden),
            )
        )
    no_sector = [p["year"] for p in trend if not p["sector"]["shown"]]
    if no_sector:
        view["footnotes"].append(
            labels.text("profile_trend_sector_hidden", years=_years(labels, no_sector))
        )


def _chances(view: dict[str, Any], data: Mapping[str, Any], labels: Labels, level: str) -> None:
    """The quadrant probabilities (the organisation's own first) and its rank."""
    chances = data["quadrant_probability"]
    if chances and all(chances.get(q) is not None for q in QUADRANT_ORDER):
        own = data["quadrant"]
        order = [q for q in QUADRANT_ORDER if q == own] + [q for q in QUADRANT_ORDER if q != own]
        view["chances"] = [
            {
                "code": q,
                "own": q == own,
                "share": round(100 * chances[q], 1),
                "text": labels.text(
                    "profile_chance",
                    p=labels.percent(100 * chances[q]),
                    phrase=labels.text(f"profile_in_{q}"),
                ),
            }
            for q in order
        ]
        view["footnotes"].append(labels.text("profile_chance_note"))
    rank = data.get("rank")
    if rank:
        view["rank"] = labels.text(
            "profile_rank",
            rank=rank["rank"],
            of=rank["of"],
            low=rank["low"],
            high=rank["high"],
            level=level,
        )
        view["footnotes"].append(
            labels.text("profile_rank_note", min_respondents=data["min_respondents"])
        )


def _gaps_and_advice(
    view: dict[str, Any], data: Mapping[str, Any], labels: Labels, font: str
) -> None:
    """The categories ranked by their gap to the reference group, and the suggestions."""
    reference = data["gap_reference"]
    if reference is None:
        view["gaps_note"] = labels.text("profile_gaps_none", year=data["year"])
    else:
        ref_name = labels.text(f"profile_ref_{reference}")
        view["gaps_heading"] = labels.text("profile_gaps_heading", reference=ref_name)
        rows = [
            (
                labels.indicator(g["category"]),
                g["gap"],
                g["gap_low"],
                g["gap_high"],
                _signed(labels, g["gap"]),
            )
            for g in data["gaps"]
        ]
        view["gap_svg"] = gap_svg(rows, font, view["gaps_heading"])
        view["gaps_note"] = labels.text("profile_gaps_axis")
    for item in data["advice"]:
        if item["kind"] == "category":
            key = "profile_advice_clear" if item["clear"] else "profile_advice_unclear"
            lead = labels.text(
                key,
                category=labels.indicator(item["code"]),
                reference=labels.text(f"profile_ref_{reference}"),
            )
            text = _sentence(labels.get("advice", item["code"]))
        else:
            lead = labels.text("profile_advice_quadrant", quadrant=labels.quadrant(item["code"]))
            text = labels.text(f"advice_quadrant_{item['code']}")
        view["advice"].append({"lead": lead, "text": text})


def _peers(view: dict[str, Any], data: Mapping[str, Any], labels: Labels, level: str) -> None:
    """Maturity beside every peer group's published mean: sector, type, area, size band.
    The difference's interval is the organisation's own, shifted by the group's mean
    (as for the categories' gaps)."""
    own = data["scores"]["maturity"]
    rows = []
    for group_level in PEER_GROUPS:
        group = data["comparisons"].get(group_level)
        if group is None:
            continue
        name = labels.group(group_level, group["code"])
        row = {
            "group": labels.text(f"profile_peer_{group_level}", group=name),
            "n_orgs": labels.number(group["n_orgs"], 0),
            "mean": labels.text("profile_peers_hidden"),
            "ci": "",
            "difference": "",
            "difference_ci": "",
            "shown": bool(group["shown"]),
        }
        if group["shown"]:
            mean = group["values"]["maturity"]
            low, high = (group.get("intervals") or {}).get("maturity", (None, None))
            row["mean"] = labels.number(mean)
            row["ci"] = _ci_range(labels, {"ci_low": low, "ci_high": high})
            gap = gap_to(own["value"], own["ci_low"], own["ci_high"], mean)
            if gap is not None:
                row["difference"] = _signed(labels, gap["gap"])
                row["difference_ci"] = (
                    f"{_signed(labels, gap['gap_low'])} {labels.text('to')} "
                    f"{_signed(labels, gap['gap_high'])}"
                    if gap["gap_low"] is not None and gap["gap_high"] is not None
                    else ""
                )
        rows.append(row)
    view["peers"] = rows
    view["peers_heading"] = labels.text("profile_peers_heading")
    view["peers_header"] = [
        labels.text("profile_peers_group"),
        labels.text("profile_peers_n"),
        labels.text("profile_peers_mean"),
        labels.text("profile_peers_difference"),
    ]
    view["peers_note"] = labels.text(
        "profile_peers_note", level=level, min_orgs=labels.number(data["min_orgs"], 0)
    )


def _sentence(phrase: str) -> str:
    """A suggestion as the labels keep it (imperative, lower case) as a sentence."""
    return phrase[:1].upper() + phrase[1:] + "."


def _ci_range(labels: Labels, score: Mapping[str, float | None]) -> str:
    low, high = score["ci_low"], score["ci_high"]
    if low is None or high is None:
        return labels.number(None)
    return f"{labels.number(low)}–{labels.number(high)}"
