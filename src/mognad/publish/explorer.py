""" "Allas resultat": one self-contained HTML page to explore the published results.

The page shows the national, type and sector results of every year and indicator with
their intervals: a trend chart (every group of the chosen level over the years) and a
ranking of the groups in the chosen year, with a measure menu, a level menu and a year
slider. It is built from the published, gated tables only (``national_by_year``,
``type_by_year``, ``sector_by_year``), so a value hidden there is missing here too and
shown with the suppression mark; nothing else is read.

The charts are Vega-Lite specifications made with Altair; the page inlines the
Vega/Vega-Lite/vega-embed JavaScript (bundled by ``vl-convert``), its data (once, shared
by both charts) and its number locale, so it works from ``file://`` and any static host
with no request leaving the page.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mognad.files import write_bytes
from mognad.outputs import EXPLORER_TABLES
from mognad.peers import size_band_bounds
from mognad.publish.disclosure import group_rows, linked_levels
from mognad.publish.pages import html_templates

if TYPE_CHECKING:
    from mognad.labels import Labels

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "explorer"
#: The dimensions and the maturity come first in the measure menu, then the categories.
LEADING_INDICATORS = ("maturity", "capability", "legacy")
#: Where the charts' parameters read their values: the page's own form controls.
CONTROLS = {"indicator": "explorer-indicator", "level": "explorer-level", "year": "explorer-year"}
#: The data set both charts read (inlined once in the page).
DATASET = "results"
#: Chart colours: enough distinct hues for the sectors (Tableau 10 plus two).
PALETTE = (
    "#1f5f99",
    "#d9822b",
    "#3a8f4b",
    "#b8383d",
    "#7d5ba6",
    "#8c564b",
    "#c25a9c",
    "#6b6b6b",
    "#9a9a25",
    "#1aa0b0",
    "#2d2d7a",
    "#a06010",
)


def indicators_of(table: pd.DataFrame) -> list[str]:
    """The indicators a linked table carries (a column with ``_ci_low`` and ``_ci_high``
    beside it), the dimensions and maturity first."""
    found = [
        c
        for c in table.columns
        if f"{c}_ci_low" in table.columns and f"{c}_ci_high" in table.columns
    ]
    leading = [c for c in LEADING_INDICATORS if c in found]
    return leading + [c for c in found if c not in leading]


def explorer_data(
    tables: Mapping[str, pd.DataFrame], labels: Labels, indicators: Sequence[str]
) -> pd.DataFrame:
    """The page's data in long form: one row per level, group, year and indicator with
    ``value``, ``ci_low``, ``ci_high`` (missing where the table hides them), ``n_orgs`` and
    ``suppressed``; ``group_label`` is the group's name in the page's language."""
    parts = []
    for level in linked_levels(tables):
        rows = group_rows(tables, level)
        for indicator in indicators:
            part = pd.DataFrame(
                {
                    "level": level,
                    "group": rows["group"].astype(str).to_numpy(),
                    "year": rows["year"].astype(int).to_numpy(),
                    "indicator": indicator,
                    "value": rows[indicator].astype("float64").to_numpy(),
                    "ci_low": rows[f"{indicator}_ci_low"].astype("float64").to_numpy(),
                    "ci_high": rows[f"{indicator}_ci_high"].astype("float64").to_numpy(),
                    "n_orgs": rows["n_orgs"].astype(int).to_numpy(),
                    "suppressed": rows["suppressed"].astype(bool).to_numpy(),
                }
            )
            parts.append(part)
    data = pd.concat(parts, ignore_index=True)
    # a hidden row shows no number at all, whatever the table left in its cells
    hidden = data["suppressed"]
    for column in ("value", "ci_low", "ci_high"):
        data[column] = data[column].mask(hidden)
    names = {
        (lv, g): labels.group(lv, g)
        for lv, g in data[["level", "group"]].drop_duplicates().itertuples(index=False)
    }
    data["group_label"] = [names[k] for k in zip(data["level"], data["group"], strict=True)]
    # legend order: size bands from small to large, other groups by name
    order = {key: i for i, key in enumerate(sorted(names, key=lambda k: _group_order(k, names)))}
    data["group_order"] = [order[k] for k in zip(data["level"], data["group"], strict=True)]
    return data.sort_values(["level", "group", "indicator", "year"], kind="stable").reset_index(
        drop=True
    )


def _records(data: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: missing numbers as null, values rounded as the tables publish
    them (two decimals are more than any reader needs and keep the page small)."""
    out = data.copy()
    for column in ("value", "ci_low", "ci_high"):
        out[column] = out[column].round(2)
    records = out.astype(object).where(out.notna(), None).to_dict("records")
    return [{k: (bool(v) if k == "suppressed" else v) for k, v in r.items()} for r in records]


def _params(indicators: Sequence[str], year: int) -> dict[str, Any]:
    """The charts' shared parameters, bound to the page's own controls."""
    import altair as alt

    return {
        "indicator": alt.param(
            name="indicator",
            value=indicators[0],
            bind=alt.BindDirect(element=f"#{CONTROLS['indicator']}"),
        ),
        "level": alt.param(
            name="level", value="sector", bind=alt.BindDirect(element=f"#{CONTROLS['level']}")
        ),
        "year": alt.param(
            name="year", value=int(year), bind=alt.BindDirect(element=f"#{CONTROLS['year']}")
        ),
    }


def _base() -> Any:
    """The shared data source and filter of both charts (level and measure)."""
    import altair as alt

    return alt.Chart(alt.NamedData(DATASET)).transform_filter(
        "datum.indicator == indicator && datum.level == level"
    )


def _tooltip(labels: Labels) -> list[Any]:
    import altair as alt

    return [
        alt.Tooltip("group_label:N", title=labels.text("explorer_group")),
        alt.Tooltip("year:O", title=labels.header("year")),
        alt.Tooltip("value:Q", title=labels.text("explorer_value"), format=".1f"),
        alt.Tooltip("ci_low:Q", title=labels.header("ci_low"), format=".1f"),
        alt.Tooltip("ci_high:Q", title=labels.header("ci_high"), format=".1f"),
        alt.Tooltip("n_orgs:Q", title=labels.header("n_orgs"), format="d"),
    ]


def _group_order(key: tuple[str, str], names: Mapping[tuple[str, str], str]) -> tuple:
    """Where a group comes in its level's legend: a size band by its lower edge."""
    level, group = key
    if level == "size_band":
        return (level, size_band_bounds(group)[0], "")
    return (level, 0, names[key])


def _colour() -> Any:
    """One colour per group of the chosen level, in the legend below the chart."""
    import altair as alt

    return alt.Color(
        "group_label:N",
        sort=alt.EncodingSortField("group_order", op="min"),
        scale=alt.Scale(range=list(PALETTE)),
        legend=alt.Legend(title=None, orient="bottom", columns=2, symbolOpacity=1, labelLimit=260),
    )


def trend_spec(
    data: pd.DataFrame, labels: Labels, indicators: Sequence[str], year: int
) -> dict[str, Any]:
    """Every group of the chosen level over the years: mean, interval band and points;
    clicking a legend entry brings its group forward."""
    import altair as alt

    params = _params(indicators, year)
    focus = alt.selection_point(fields=["group_label"], bind="legend", name="focus")
    base = _base()
    x = alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=labels.text("fig_score_axis"), scale=alt.Scale(zero=False))
    colour = _colour()
    opacity = alt.condition(focus, alt.value(1.0), alt.value(0.15))
    band = base.mark_area(opacity=0.15).encode(
        x=x,
        y="ci_low:Q",
        y2="ci_high:Q",
        color=colour,
        opacity=alt.condition(focus, alt.value(0.18), alt.value(0.03)),
    )
    line = (
        base.mark_line(point=True, strokeWidth=2)
        .encode(x=x, y=y, color=colour, opacity=opacity, tooltip=_tooltip(labels))
        .add_params(focus)
    )
    current = (
        base.mark_rule(color="#1d2430", strokeDash=[3, 3])
        .encode(x=alt.X("year:O"))
        .transform_filter("datum.year == toNumber(year)")
        .transform_aggregate(groupby=["year"], n="count()")
    )
    chart = alt.layer(band, line, current).add_params(*params.values())
    chart = chart.properties(width="container", height=300)
    return _spec(chart, data)


def ranking_spec(
    data: pd.DataFrame, labels: Labels, indicators: Sequence[str], year: int
) -> dict[str, Any]:
    """The groups of the chosen level in the chosen year, ranked by their mean, each with
    its interval (the axis spans the intervals shown, not 0–100: the differences are the
    point); a hidden group is listed last with the suppression mark."""
    import altair as alt

    params = _params(indicators, year)
    base = (
        _base()
        .transform_filter("datum.year == toNumber(year)")
        .transform_calculate(order="datum.suppressed ? -1 : datum.value")
    )
    y = alt.Y(
        "group_label:N",
        title=None,
        sort=alt.EncodingSortField("order", op="max", order="descending"),
        axis=alt.Axis(labelLimit=170),
    )
    scale = alt.Scale(zero=False, nice=True)
    x_axis = alt.Axis(title=labels.text("fig_score_axis"), tickMinStep=1)
    interval = base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
        y=y, x=alt.X("ci_low:Q", scale=scale, axis=x_axis), x2="ci_high:Q"
    )
    point = base.mark_point(filled=True, size=80, opacity=1, color=PALETTE[0]).encode(
        y=y, x=alt.X("value:Q", scale=scale), tooltip=_tooltip(labels)
    )
    mark = (
        base.transform_filter("datum.suppressed")
        .mark_text(align="left", fontSize=12, color="#5b6472")
        .encode(y=y, x=alt.value(4), text=alt.value(labels.text("explorer_hidden")))
    )
    chart = alt.layer(interval, point, mark).add_params(*params.values())
    chart = chart.properties(width="container", height={"step": 24})
    return _spec(chart, data)


def _spec(chart: Any, data: pd.DataFrame) -> dict[str, Any]:
    """A chart's Vega-Lite specification, its data left to the page (one copy for both)."""
    spec = (
        chart.configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFontSize=12)
        .configure_view(stroke=None)
        .to_dict(validate=True)
    )
    spec.pop("datasets", None)
    return spec


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script for inlining, of the Vega-Lite version
    Altair writes its specifications for; the page needs only ``window.vegaEmbed``."""
    import altair as alt
    import vl_convert

    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    bundle = vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;", f"v{major}.{minor}")
    # inlined in a <script> element: a literal end tag inside would close it early
    return bundle.replace("</script", "<\\/script")


def _format_locale(language: str) -> dict[str, Any]:
    """d3-format's number locale of a report language (decimal comma in Swedish)."""
    import vl_convert

    if language == "sv":
        return dict(vl_convert.get_format_locale("sv-SE"))
    return dict(vl_convert.get_format_locale("en-GB"))


def _script_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` element (no end tag can appear)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("</", "<\\/")


def explorer_html(
    tables: Mapping[str, pd.DataFrame],
    labels: Labels,
    year: int,
    disclosure: Mapping[str, Any],
    level: float,
    links: Mapping[str, str],
) -> str:
    """The page: controls, the two charts, how to read them, and links (``report``,
    ``profiles``; relative to the page)."""
    indicators = indicators_of(tables[EXPLORER_TABLES[0]])
    data = explorer_data(tables, labels, indicators)
    years = sorted(int(y) for y in data["year"].unique())
    year = int(year) if int(year) in years else years[-1]
    specs = {
        "explorer-trend": trend_spec(data, labels, indicators, year),
        "explorer-ranking": ranking_spec(data, labels, indicators, year),
    }
    hidden = data[data["suppressed"]][["level", "group", "year"]].drop_duplicates()
    view = {
        "language": labels.language,
        "title": labels.text("explorer_title", year=year),
        "intro": labels.text("explorer_intro", first=years[0], last=years[-1]),
        "controls": CONTROLS,
        "indicators": [{"code": c, "name": labels.indicator(c)} for c in indicators],
        "levels": [
            {
                "code": lv,
                "name": labels.header(lv) if lv != "national" else labels.text("national"),
                "selected": lv == "sector",
            }
            for lv in linked_levels(tables)
        ],
        "indicator_label": labels.text("explorer_indicator"),
        "level_label": labels.text("explorer_level"),
        "year_label": labels.header("year"),
        "years": {"min": years[0], "max": years[-1], "value": year},
        "trend_title": labels.text("explorer_trend_title"),
        "ranking_title": labels.text("explorer_ranking_title"),
        "legend_hint": labels.text("explorer_legend_hint"),
        "how": [
            labels.text("explorer_how_measures"),
            labels.text("explorer_how_interval", level=labels.number(100 * level, 0)),
            labels.text(
                "explorer_how_hidden",
                min_orgs=disclosure["min_orgs"],
                mark=labels.text("explorer_hidden"),
                n=labels.number(len(hidden), 0),
            ),
        ],
        "how_title": labels.text("explorer_how_title"),
        "noscript": labels.text("explorer_noscript"),
        "links": [
            {"href": links[k], "text": labels.text(f"explorer_link_{k}", year=year)}
            for k in ("report", "profiles")
            if links.get(k)
        ],
        "specs": _script_json(specs),
        "data": _script_json({DATASET: _records(data)}),
        "locale": _script_json(_format_locale(labels.language)),
        "bundle": vega_bundle(),
    }
    return html_templates(TEMPLATES).get_template("explorer.html.j2").render(view=view)


def write_explorer(
    tables: Mapping[str, pd.DataFrame],
    labels: Labels,
    year: int,
    disclosure: Mapping[str, Any],
    level: float,
    links: Mapping[str, str],
    out: str | Path,
) -> None:
    html = explorer_html(tables, labels, year, disclosure, level, links)
    write_bytes(Path(out), html.encode("utf-8"))
