"""Figure ``sensitivity`` of the status report."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from mognad.labels import DASH, Labels
from mognad.publish.figures.style import (
    OKABE_ITO,
    SUPPRESSED,
    FigureSettings,
    Plotted,
    Tables,
    count_columns,
    footnote,
    new_figure,
    number_axis,
    styled,
    suppressed_flag,
)


def _spread_rows(
    rows: pd.DataFrame, panel: str, group: pd.Series, value: str, median: str, p05: str, p95: str
) -> pd.DataFrame:
    """A value under the method and the spread of its Monte Carlo draws, with the counts
    it rests on (for the disclosure scan)."""
    out = pd.DataFrame(
        {
            "panel": panel,
            "year": rows["year"].astype(int),
            "group": group,
            "value": rows[value].astype(float),
            "median": rows[median].astype(float),
            "p05": rows[p05].astype(float),
            "p95": rows[p95].astype(float),
        }
    )
    for count in count_columns(rows):
        out[count] = rows[count]
    out[SUPPRESSED] = suppressed_flag(rows)
    return out


@styled
def sensitivity(
    ranks: pd.DataFrame,
    groups: pd.DataFrame,
    labels: Labels,
    year: int,
    suppressed_note: str | None = None,
    indicator: str = "maturity",
) -> Plotted:
    """How much ranks and sector figures move under other defensible method choices: wide
    rank bands warn against reading a league table into the index. Ranks are shown by
    fifths of the ranking (the published ``sensitivity_ranks``), never per organisation."""
    rank_rows = ranks[ranks["year"] == year]
    spans = [
        f"{labels.number(low, 0)}{DASH}{labels.number(high, 0)}"
        for low, high in zip(rank_rows["rank_low"], rank_rows["rank_high"], strict=True)
    ]
    rank_data = _spread_rows(
        rank_rows,
        "ranks",
        pd.Series(spans, index=rank_rows.index, dtype=object),
        "rank_method",
        "rank_median",
        "rank_p05",
        "rank_p95",
    ).sort_values(["year", "value"], kind="stable")
    group_rows = groups[
        (groups["year"] == year)
        & (groups["level"] == "sector")
        & (groups["indicator"] == indicator)
    ]
    group_data = _spread_rows(
        group_rows, "sectors", group_rows["group"], "method_value", "median", "p05", "p95"
    ).sort_values(["value", "group"], na_position="first", kind="stable")
    fig = new_figure(height=3.8)
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    # Ranks: one band per fifth of the ranking, the mean 5-95 % band of its organisations.
    x = np.arange(1, len(rank_data) + 1)
    shown_ranks = rank_data["value"].notna().to_numpy()
    left.vlines(
        x[shown_ranks],
        rank_data.loc[shown_ranks, "p05"],
        rank_data.loc[shown_ranks, "p95"],
        color=OKABE_ITO[1],
        lw=6,
        label=labels.text("fig_draw_range"),
    )
    left.plot(
        x,
        rank_data["value"],
        ls="none",
        marker="o",
        ms=4,
        color="black",
        label=labels.text("fig_method_value"),
    )
    n_ranked = max(int(rank_rows["n_orgs"].sum()), 1)  # counts are never hidden
    left.set_ylim(n_ranked + 1, 0)
    left.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=3))
    left.set_yticks([1, *[t for t in left.get_yticks() if 1 < t <= n_ranked]])
    left.set_xlabel(labels.text("fig_orgs_sorted"))
    left.set_ylabel(labels.text("fig_rank_axis"))
    left.set_xticks(x, rank_data["group"].tolist(), fontsize=8)
    left.set_xlim(0.4, len(rank_data) + 0.6)
    number_axis(left.yaxis, labels)
    left.set_title(labels.text("fig_rank_panel"), loc="left")
    left.legend(loc="lower left")
    # Sectors: the method's value and the range of the draws.
    y = np.arange(len(group_data))
    shown = group_data["p05"].notna() & group_data["p95"].notna()
    right.hlines(
        y[shown.to_numpy()],
        group_data.loc[shown, "p05"],
        group_data.loc[shown, "p95"],
        color=OKABE_ITO[1],
        lw=3,
    )
    right.plot(group_data["value"], y, ls="none", marker="o", ms=4, color="black")
    for i, missing in enumerate(group_data["value"].isna()):
        if missing:
            right.text(
                0.03, i, DASH, transform=right.get_yaxis_transform(), va="center", fontsize=9
            )
    right.set_yticks(y, [labels.sector(s) for s in group_data["group"]])
    right.set_ylim(-0.6, max(len(group_data), 1) - 0.4)
    right.grid(axis="x", color="#E5E5E5")
    right.grid(axis="y", visible=False)
    right.set_xlabel(labels.indicator(indicator))
    number_axis(right.xaxis, labels)
    right.set_title(labels.text("fig_sector_spread_panel"), loc="left")
    fig.suptitle(labels.text("fig_sensitivity_title", year=year), x=0.0, ha="left")
    footnote(fig, [rank_rows, group_rows], suppressed_note, "sensitivity")
    data = pd.concat([rank_data, group_data], ignore_index=True)
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return sensitivity(
        tables["sensitivity_ranks"],
        tables["sensitivity_groups"],
        labels,
        settings.year,
        settings.suppressed_note,
    )
