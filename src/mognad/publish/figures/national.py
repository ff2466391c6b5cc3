"""Figure ``national_trend`` of the status report."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from mognad.labels import Labels
from mognad.publish.figures.style import (
    DIMENSIONS,
    GREY,
    INDICATOR_COLOURS,
    FigureSettings,
    Plotted,
    Tables,
    draw_band,
    footnote,
    long_scores,
    new_figure,
    number_axis,
    styled,
    year_axis,
)


@styled
def national_trend(
    national: pd.DataFrame, labels: Labels, suppressed_note: str | None = None
) -> Plotted:
    """Capability, legacy and maturity nationally by year: the report's headline trend,
    with intervals and the number of organisations behind each year."""
    data = long_scores(national.sort_values("year"), ["year"], DIMENSIONS)
    fig = new_figure(height=3.4)
    ax = fig.add_subplot()
    for indicator in DIMENSIONS:
        draw_band(
            ax,
            data[data["indicator"] == indicator],
            INDICATOR_COLOURS[indicator],
            labels.indicator(indicator),
        )
    years = national["year"].astype(int).tolist()
    n_orgs = dict(zip(years, national["n_orgs"], strict=True))
    year_axis(ax, years)
    ax.tick_params(axis="x", labelrotation=0)
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda x, _pos: (
                f"{round(x)}\n"
                + labels.text("fig_n_orgs", n=labels.number(n_orgs.get(round(x), np.nan), 0))
            )
        )
    )
    ax.set_ylabel(labels.text("fig_score_axis"))
    number_axis(ax.yaxis, labels)
    handles, names = ax.get_legend_handles_labels()
    handles.append(Patch(color=GREY, alpha=0.35, lw=0))
    names.append(labels.text("ci"))
    ax.legend(handles, names, loc="upper left")
    ax.set_title(labels.text("fig_national_trend_title"), loc="left")
    footnote(fig, [national], suppressed_note, "national_trend")
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return national_trend(tables["national_by_year"], labels, settings.suppressed_note)
