"""Figure ``sector_trends`` of the status report."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from mognad.labels import Labels
from mognad.publish.figures.style import (
    LIGHT_GREY,
    OKABE_ITO,
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
def sector_trends(
    sectors: pd.DataFrame,
    labels: Labels,
    focus_sectors: Sequence[str],
    suppressed_note: str | None = None,
    indicator: str = "maturity",
) -> Plotted:
    """Maturity by year in small multiples, one panel per sector: the focus sectors in
    colour and first, every other sector in grey, all sectors faintly behind for context."""
    data = long_scores(sectors, ["year", "sector"], [indicator])
    data.insert(2, "focus", data["sector"].isin(focus_sectors))
    others = sorted(set(data["sector"]) - set(focus_sectors), key=labels.sector)
    order = [s for s in focus_sectors if s in set(data["sector"])] + others
    columns = 3
    rows = int(np.ceil(len(order) / columns))
    fig = new_figure(height=1.9 * rows + 0.6)
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    focus_colours = dict(zip(focus_sectors, OKABE_ITO, strict=False))
    for ax, sector in zip(axes, order, strict=False):
        for other in order:
            if other != sector:
                rows_other = data[data["sector"] == other].sort_values("year")
                ax.plot(rows_other["year"], rows_other["value"], color=LIGHT_GREY, lw=0.8, zorder=1)
        colour = focus_colours.get(sector, "#595959")
        draw_band(ax, data[data["sector"] == sector], colour, None, zorder=3)
        ax.set_title(
            labels.sector(sector),
            loc="left",
            color=colour if sector in focus_colours else "black",
            fontweight="bold" if sector in focus_colours else "normal",
            fontsize=8.5,
        )
        number_axis(ax.yaxis, labels)
    for ax in axes[len(order) :]:
        ax.set_visible(False)
    year_axis(axes[0], data["year"])
    for ax in axes:
        ax.tick_params(axis="x", labelrotation=90)
    fig.supylabel(
        labels.indicator(indicator) + ", " + labels.text("fig_score_axis").lower(), fontsize=9
    )
    fig.suptitle(labels.text("fig_sector_trends_title"), x=0.0, ha="left")
    footnote(fig, [sectors], suppressed_note, "sector_trends")
    return Plotted(
        fig, data.sort_values(["sector", "year"], key=_sector_key(order)).reset_index(drop=True)
    )


def _sector_key(order: Sequence[str]) -> Callable[[pd.Series], pd.Series]:
    rank = {s: i for i, s in enumerate(order)}
    return lambda col: col.map(rank) if col.name == "sector" else col


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return sector_trends(
        tables["sector_by_year"], labels, settings.focus_sectors, settings.suppressed_note
    )
