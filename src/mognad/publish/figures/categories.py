"""Figure ``category_profile`` of the status report."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd

from mognad.labels import DASH, Labels
from mognad.publish.figures.style import (
    CATEGORIES,
    FigureSettings,
    Plotted,
    Tables,
    footnote,
    long_scores,
    new_figure,
    number_axis,
    styled,
)


@styled
def category_profile(
    sectors: pd.DataFrame,
    labels: Labels,
    year: int,
    suppressed_note: str | None = None,
    national: pd.DataFrame | None = None,
) -> Plotted:
    """The six category scores of each sector in the report year as an annotated heatmap,
    the nation on top for reference, so a sector's strong and weak areas stand out."""
    rows = sectors[sectors["year"] == year].copy()
    if national is not None:
        nat = national[national["year"] == year].copy()
        nat.insert(1, "sector", "national")
        rows = pd.concat([nat, rows], ignore_index=True)
    sector_rows = rows[rows["sector"] != "national"]
    ordered = sorted(sector_rows["sector"], key=labels.sector)
    order = (["national"] if national is not None else []) + ordered
    rows = rows.set_index("sector").loc[order].reset_index()
    data = long_scores(rows, ["year", "sector"], CATEGORIES)
    grid = data.pivot(index="sector", columns="indicator", values="value").loc[
        order, list(CATEGORIES)
    ]
    values = grid.to_numpy(dtype=float)
    fig = new_figure(height=0.32 * len(order) + 1.9)
    ax = fig.add_subplot()
    ax.grid(False)
    finite = values[np.isfinite(values)]
    low, high = (
        (np.floor(finite.min() / 5) * 5, np.ceil(finite.max() / 5) * 5) if finite.size else (0, 100)
    )
    cmap = mpl.colormaps["cividis"].with_extremes(bad="#F2F2F2")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=low, vmax=high, aspect="auto")
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            shade = cmap((value - low) / (high - low) if high > low else 0.5)
            light = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] > 0.55
            ax.text(
                j,
                i,
                labels.number(value, 0),
                ha="center",
                va="center",
                fontsize=7.5,
                color="black" if light else "white",
            )
        else:
            ax.text(j, i, DASH, ha="center", va="center", fontsize=7.5, color="#444444")
    ax.set_xticks(range(len(CATEGORIES)), [labels.indicator(c) for c in CATEGORIES])
    ax.set_yticks(
        range(len(order)),
        [labels.group("national", "all") if s == "national" else labels.sector(s) for s in order],
    )
    ax.tick_params(
        axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, labelrotation=30
    )
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("left")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if national is not None:
        ax.axhline(0.5, color="white", lw=2.5)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label(labels.text("fig_score_axis"))
    number_axis(bar.ax.yaxis, labels)
    bar.outline.set_visible(False)
    ax.set_title(labels.text("fig_category_profile_title", year=year), loc="left")
    footnote(fig, [rows], suppressed_note, "category_profile")
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return category_profile(
        tables["sector_by_year"],
        labels,
        settings.year,
        settings.suppressed_note,
        national=tables["national_by_year"],
    )
