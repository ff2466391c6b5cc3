"""Figure ``trend_views`` of the status report."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from mognad.labels import Labels
from mognad.publish.figures.style import (
    DECOMPOSITION_PARTS,
    OKABE_ITO,
    SUPPRESSED,
    TEXT_WIDTH,
    FigureSettings,
    Plotted,
    Tables,
    footnote,
    new_figure,
    number_axis,
    styled,
    suppressed_flag,
    year_axis,
)


def _stacked_parts(values: pd.DataFrame) -> Iterator[tuple[str, pd.Series, pd.Series]]:
    """Each part with its bar bottom: positive parts stack upwards, negative downwards."""
    up = pd.Series(0.0, index=values.index)
    down = pd.Series(0.0, index=values.index)
    for part in DECOMPOSITION_PARTS:
        height = values[part]
        shown = height.notna()
        base = up.where(height >= 0, down)
        yield part, height[shown], base[shown]
        up += height.clip(lower=0).fillna(0)
        down += height.clip(upper=0).fillna(0)


def _interval_bars(ax: Axes, rows: pd.DataFrame, colour: str, **bars: Any) -> None:
    """Interval whiskers at each year where both ends are known."""
    ci = rows["ci_low"].notna() & rows["ci_high"].notna()
    ax.errorbar(
        rows.loc[ci, "year"],
        rows.loc[ci, "value"],
        yerr=[
            rows.loc[ci, "value"] - rows.loc[ci, "ci_low"],
            rows.loc[ci, "ci_high"] - rows.loc[ci, "value"],
        ],
        fmt="none",
        ecolor=colour,
        capsize=2,
        **bars,
    )


@styled
def trend_views(
    year_over_year: pd.DataFrame,
    decomposition: pd.DataFrame,
    fixed_effects: pd.DataFrame,
    labels: Labels,
    suppressed_note: str | None = None,
    indicator: str = "maturity",
    scope: str = "national",
) -> Plotted:
    """Three honest answers to "did maturity rise?": all participants vs the same
    organisations, the change split into within/composition/interaction, and year effects
    within organisations. Side by side, because they can disagree when participation shifts."""
    yoy = year_over_year[
        (year_over_year["indicator"] == indicator) & (year_over_year["scope"] == scope)
    ]
    dec = decomposition[
        (decomposition["indicator"] == indicator) & (decomposition["scope"] == scope)
    ]
    fe = fixed_effects[fixed_effects["indicator"] == indicator]
    yoy, dec, fe = (f.sort_values("year") for f in (yoy, dec, fe))
    counts = ["n_pairs", "n_orgs_prev", "n_orgs"]

    def view(frame: pd.DataFrame, name: str, series: str, column: str) -> pd.DataFrame:
        out = pd.DataFrame(
            {
                "view": name,
                "year": frame["year"].astype(int),
                "series": series,
                "value": frame[column].astype(float),
            }
        )
        out["ci_low"] = frame.get(
            f"{column}_ci_low" if name != "fixed_effects" else "ci_low", np.nan
        )
        out["ci_high"] = frame.get(
            f"{column}_ci_high" if name != "fixed_effects" else "ci_high", np.nan
        )
        for count in counts:
            out[count] = frame.get(count, pd.NA)
        out[SUPPRESSED] = suppressed_flag(frame)
        return out

    data = pd.concat(
        [view(yoy, "year_over_year", s, s) for s in ("cross_sectional", "within")]
        + [view(dec, "decomposition", s, s) for s in ("cross_sectional", *DECOMPOSITION_PARTS)]
        + [view(fe, "fixed_effects", "year_effect", "estimate")],
        ignore_index=True,
    )
    fig = new_figure(width=TEXT_WIDTH + 0.5, height=3.3)
    axes = fig.subplots(1, 3, sharey=False)
    names = {
        "cross_sectional": labels.text("fig_cross_sectional"),
        "within": labels.text("fig_within"),
        "within_part": labels.text("fig_within_part"),
        "composition": labels.text("fig_composition"),
        "interaction": labels.text("fig_interaction"),
    }
    # A: all participants vs the same organisations.
    ax = axes[0]
    for series, colour, marker in (
        ("cross_sectional", OKABE_ITO[7], "D"),
        ("within", OKABE_ITO[3], "o"),
    ):
        rows = data[(data["view"] == "year_over_year") & (data["series"] == series)]
        ax.plot(rows["year"], rows["value"], color=colour, marker=marker, label=names[series])
    ax.set_title(labels.text("fig_view_year_over_year"), loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=1)
    # B: the decomposition, stacked, with the cross-sectional change as a marker.
    ax = axes[1]
    parts = data[data["view"] == "decomposition"].pivot(
        index="year", columns="series", values="value"
    )
    parts = parts.reindex(columns=["cross_sectional", *DECOMPOSITION_PARTS])
    part_colours = dict(
        zip(DECOMPOSITION_PARTS, (OKABE_ITO[3], OKABE_ITO[0], OKABE_ITO[5]), strict=True)
    )
    for part, height, base in _stacked_parts(parts):
        label = names["within_part" if part == "within" else part]
        ax.bar(
            height.index,
            height,
            bottom=base,
            width=0.7,
            color=part_colours[part],
            lw=0,
            label=label,
        )
    total = data[(data["view"] == "decomposition") & (data["series"] == "cross_sectional")]
    total = total[total["value"].notna()]
    if (total["ci_low"].notna() & total["ci_high"].notna()).any():
        _interval_bars(ax, total, "black", elinewidth=0.9, zorder=4)
    ax.plot(
        total["year"],
        total["value"],
        ls="none",
        marker="D",
        color="black",
        zorder=5,
        label=names["cross_sectional"],
    )
    ax.axhline(0, color="black", lw=0.6)
    ax.set_title(labels.text("fig_view_decomposition"), loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=1)
    # C: year effects within organisations, against the first year.
    ax = axes[2]
    rows = data[(data["view"] == "fixed_effects") & data["value"].notna()]
    _interval_bars(ax, rows, OKABE_ITO[3], elinewidth=1)
    ax.plot(
        rows["year"],
        rows["value"],
        marker="o",
        color=OKABE_ITO[3],
        label=labels.text("fig_year_effect"),
    )
    base_year = int(fe["year"].min()) if len(fe) else 0
    ax.set_title(labels.text("fig_view_fixed_effects", year=base_year), loc="left")
    ax.legend(
        handles=[
            Line2D([], [], color=OKABE_ITO[3], marker="o"),
            Line2D([], [], color=OKABE_ITO[3], lw=1, marker="|", ms=8, ls="-"),
        ],
        labels=[labels.text("fig_year_effect"), labels.text("ci")],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
        ncols=1,
    )
    for ax in axes:
        year_axis(ax, data["year"])
        ax.tick_params(axis="x", labelrotation=90)
        number_axis(ax.yaxis, labels)
        ax.axhline(0, color="black", lw=0.6, zorder=1)
        ax.set_title(textwrap.fill(ax.get_title(loc="left"), 30), loc="left", fontsize=8.5)
    axes[0].set_ylabel(labels.text("fig_change_axis"))
    fig.suptitle(
        labels.text("fig_trend_views_title", indicator=labels.indicator(indicator)),
        x=0.0,
        ha="left",
    )
    footnote(fig, [yoy, dec, fe], suppressed_note, "trend_views")
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return trend_views(
        tables["year_over_year"],
        tables["change_decomposition"],
        tables["fixed_effects_trend"],
        labels,
        settings.suppressed_note,
    )
