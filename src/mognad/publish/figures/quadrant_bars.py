"""Figure ``quadrant_shares`` of the status report."""

from __future__ import annotations

import pandas as pd

from mognad.labels import DASH, Labels
from mognad.publish.figures.style import (
    QUADRANT_COLOURS,
    QUADRANT_ORDER,
    SUPPRESSED,
    FigureSettings,
    Plotted,
    Tables,
    count_columns,
    footnote,
    new_figure,
    percent_axis,
    styled,
    suppressed_flag,
    year_axis,
)


@styled
def quadrant_shares(
    quadrants: pd.DataFrame, labels: Labels, suppressed_note: str | None = None
) -> Plotted:
    """Nationally, the share of organisations in each quadrant per year (stacked to 100 %)."""
    national = quadrants[quadrants["level"] == "national"]
    data = national[["year", "quadrant", "share", *count_columns(national)]].copy()
    data[SUPPRESSED] = suppressed_flag(national).to_numpy()
    data["quadrant"] = pd.Categorical(data["quadrant"], QUADRANT_ORDER, ordered=True)
    data = data.sort_values(["year", "quadrant"]).reset_index(drop=True)
    data["quadrant"] = data["quadrant"].astype(str)
    fig = new_figure(height=3.4)
    ax = fig.add_subplot()
    years = sorted(data["year"].astype(int).unique())
    bottom = pd.Series(0.0, index=years)
    for code in QUADRANT_ORDER:
        part = data[(data["quadrant"] == code) & data["share"].notna()].set_index("year")["share"]
        if part.empty:
            continue
        ax.bar(
            part.index,
            part,
            bottom=bottom[part.index],
            width=0.75,
            color=QUADRANT_COLOURS[code],
            label=labels.quadrant(code),
            lw=0,
        )
        for year_, share in part.items():
            if share >= 0.08:
                ax.text(
                    year_,
                    bottom[year_] + share / 2,
                    labels.percent(100 * share),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black",
                )
        bottom[part.index] += part
    for year_ in years:  # a year with nothing shown is marked, not left blank
        if bottom[year_] == 0:
            ax.text(year_, 0.02, DASH, ha="center", va="bottom")
    year_axis(ax, years)
    ax.tick_params(axis="x", labelrotation=0)
    ax.set_ylim(0, 1)
    percent_axis(ax.yaxis, labels)
    ax.set_ylabel(labels.header("share"))
    handles, names = ax.get_legend_handles_labels()
    fig.legend(
        handles[::-1], names[::-1], loc="outside right upper", title=labels.header("quadrant")
    )
    ax.set_title(labels.text("fig_quadrant_shares_title"), loc="left")
    footnote(fig, [national], suppressed_note, "quadrant_shares")
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return quadrant_shares(tables["quadrants"], labels, settings.suppressed_note)
