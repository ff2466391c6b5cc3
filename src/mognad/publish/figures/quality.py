"""Figure ``quality_overview`` of the status report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from mognad.labels import Labels
from mognad.publish.figures.style import (
    CATEGORIES,
    GREY,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_MARKERS,
    SUPPRESSED,
    FigureSettings,
    Plotted,
    Tables,
    footnote,
    legend_below_or_beside,
    new_figure,
    number_axis,
    styled,
    suppressed_flag,
    year_axis,
)


@styled
def quality_overview(
    reliability: pd.DataFrame,
    labels: Labels,
    suppressed_note: str | None = None,
    reference: float = 0.70,
) -> Plotted:
    """Cronbach's α and McDonald's ω per category and year, against the usual 0.70: the
    categories are only worth reporting if they measure consistently in every year."""
    parts = []
    for measure in ("alpha", "omega"):
        part = reliability[["year", "category"]].copy()
        part.insert(2, "measure", measure)
        part["value"] = reliability[measure].astype(float)
        part["ci_low"] = reliability.get(f"{measure}_ci_low", np.nan)
        part["ci_high"] = reliability.get(f"{measure}_ci_high", np.nan)
        part["n"] = reliability["n"]
        part[SUPPRESSED] = suppressed_flag(reliability)
        parts.append(part)
    data = pd.concat(parts, ignore_index=True).sort_values(["measure", "category", "year"])
    data = data.reset_index(drop=True)
    fig = new_figure(height=3.4)
    axes = fig.subplots(1, 2, sharey=True)
    shown = [c for c in CATEGORIES if c in set(data["category"])]
    names = {c: labels.indicator(c) for c in shown}
    palette = dict(zip(names.values(), SERIES_COLOURS, strict=False))
    markers = dict(zip(names.values(), SERIES_MARKERS, strict=False))
    dashes = dict(zip(names.values(), SERIES_DASHES, strict=False))
    for ax, measure in zip(axes, ("alpha", "omega"), strict=True):
        rows = data[data["measure"] == measure].assign(name=lambda d: d["category"].map(names))
        # one value per category and year: seaborn draws it, never an estimate of its own
        sns.lineplot(
            data=rows,
            x="year",
            y="value",
            hue="name",
            hue_order=list(names.values()),
            palette=palette,
            style="name",
            style_order=list(names.values()),
            markers=markers,
            dashes=dashes,
            estimator=None,
            errorbar=None,
            ax=ax,
        )
        ax.get_legend().remove()
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.axhline(reference, color=GREY, ls="--", lw=0.9)
        ax.text(
            0.99,
            reference,
            labels.text("fig_reference_value", value=labels.number(reference, 2)),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=7,
            color="#555555",
        )
        ax.set_title(labels.text(f"fig_{measure}"), loc="left")
        year_axis(ax, data["year"])
        number_axis(ax.yaxis, labels, 2)
    finite = data["value"].dropna()
    if len(finite):
        axes[0].set_ylim(min(finite.min(), reference) - 0.05, min(1.0, finite.max() + 0.05))
    handles, names = axes[0].get_legend_handles_labels()
    legend_below_or_beside(fig, [reliability], handles, names)
    fig.suptitle(labels.text("fig_quality_title"), x=0.0, ha="left")
    footnote(fig, [reliability], suppressed_note, "quality_overview")
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return quality_overview(tables["reliability"], labels, settings.suppressed_note)
