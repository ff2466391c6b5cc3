"""Figure ``quadrant_scatter`` of the status report."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mognad.labels import Labels
from mognad.publish.figures.style import (
    GREY,
    OKABE_ITO,
    QUADRANT_COLOURS,
    FigureSettings,
    Plotted,
    Tables,
    new_figure,
    number_axis,
    styled,
)


@styled
def quadrant_scatter(
    points: pd.DataFrame,
    labels: Labels,
    year: int,
    thresholds: Mapping[str, float] | None = None,
) -> Plotted:
    """Every (publishable) organisation of the report year by capability and legacy, in the
    four quadrants the thresholds define, so readers can see where organisations stand.
    ``points`` is the published ``quadrant_points`` table (anonymous, built by the gate:
    :func:`mognad.publish.disclosure.quadrant_points`); a point without type is drawn as "other"."""
    thresholds = {"capability": 50.0, "legacy": 50.0, **(thresholds or {})}
    data = points[points["year"] == year].reset_index(drop=True)
    fig = new_figure(height=5.2)
    ax = fig.add_subplot()
    ax.grid(False)
    x_cut, y_cut = thresholds["capability"], thresholds["legacy"]
    ax.axvline(x_cut, color=GREY, lw=0.9, ls="--", zorder=1)
    ax.axhline(y_cut, color=GREY, lw=0.9, ls="--", zorder=1)
    markers = ("o", "s", "^", "D", "v")
    for (org_type, group), marker, colour in zip(
        data.groupby("org_type", sort=True, dropna=False), markers, OKABE_ITO[3:], strict=False
    ):
        ax.scatter(
            group["capability"],
            group["legacy"],
            s=16,
            marker=marker,
            color=colour,
            alpha=0.75,
            lw=0.3,
            edgecolor="white",
            label=labels.org_type(org_type)
            if isinstance(org_type, str)
            else labels.text("fig_term_other"),
            zorder=3,
        )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    corners = {  # (x, y, ha, va) in axes coordinates; high capability right, high legacy top
        "mature": (0.98, 0.98, "right", "top"),
        "ambitious": (0.98, 0.02, "right", "bottom"),
        "maintaining": (0.02, 0.98, "left", "top"),
        "beginning": (0.02, 0.02, "left", "bottom"),
    }
    for code, (cx, cy, ha, va) in corners.items():
        ax.text(
            cx,
            cy,
            labels.quadrant(code),
            transform=ax.transAxes,
            ha=ha,
            va=va,
            color=QUADRANT_COLOURS[code],
            fontweight="bold",
            fontsize=8.5,
        )
    ax.set_xlabel(labels.indicator("capability"))
    ax.set_ylabel(labels.indicator("legacy"))
    number_axis(ax.xaxis, labels)
    number_axis(ax.yaxis, labels)
    if ax.get_legend_handles_labels()[0]:  # no organisation to show: no legend
        ax.legend(title=labels.header("org_type"), loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(labels.text("fig_quadrant_scatter_title", year=year), loc="left")
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return quadrant_scatter(tables["quadrant_points"], labels, settings.year, settings.thresholds)
