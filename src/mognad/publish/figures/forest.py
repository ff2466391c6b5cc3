"""Figure ``forest_plot`` of the status report."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.ticker import MaxNLocator

from mognad.labels import Labels
from mognad.outputs import COEFFICIENT_COLUMNS
from mognad.publish.figures.style import (
    OKABE_ITO,
    SUPPRESSED,
    FigureSettings,
    Plotted,
    Tables,
    footnote,
    legend_below_or_beside,
    new_figure,
    number_axis,
    styled,
)

_FACTOR_TERM = re.compile(r"^C\((?P<variable>\w+)\)\[T\.(?P<level>.+)\]$")


def term_group(term: str) -> str:
    """The variable a model term belongs to (``sector``, ``year``, ...; ``other`` else)."""
    match = _FACTOR_TERM.match(term)
    return match["variable"] if match else "other"


@styled
def forest_plot(
    models: Mapping[str, pd.DataFrame],
    labels: Labels,
    specs: Mapping[str, Mapping[str, Any]],
    suppressed_note: str | None = None,
) -> Plotted:
    """Every model's coefficients side by side, grouped by variable, so readers can see
    which associations hold whatever the model (intercepts left out: not comparable).
    A coefficient the gate hid (too few organisations behind it) has no point, and the
    footnote says why."""
    data = pd.concat(
        [
            table.assign(model=name)[
                [
                    "model",
                    *[c for c in (*COEFFICIENT_COLUMNS, SUPPRESSED) if c in table.columns],
                ]
            ]
            for name, table in models.items()
        ],
        ignore_index=True,
    )
    data = data[data["term"] != "Intercept"].reset_index(drop=True)
    terms = list(dict.fromkeys(data["term"]))
    group_order = ["sector", "org_type", "other", "year"]
    groups = {
        g: [t for t in terms if term_group(t) == g]
        for g in dict.fromkeys([*group_order, *map(term_group, terms)])
    }
    rows: list[tuple[str, str | None]] = []  # (label, term or None for a group heading)
    for group, members in groups.items():
        if not members:
            continue
        heading = labels.text("fig_term_other") if group == "other" else labels.header(group)
        rows.append((heading, None))
        rows.extend((labels.term(t), t) for t in members)
    position = {term: i for i, (_, term) in enumerate(rows) if term is not None}
    names = list(models)
    step = 0.7 / max(len(names), 1)
    fig = new_figure(height=0.24 * len(rows) + 1.4)
    ax = fig.add_subplot()
    ax.grid(axis="x", color="#E5E5E5")
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="black", lw=0.7)
    markers = ("o", "s", "D", "^", "v", "P", "X", "*")
    for k, name in enumerate(names):
        rows_k = data[data["model"] == name]
        y = rows_k["term"].map(position).to_numpy(dtype=float) + (k - (len(names) - 1) / 2) * step
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        ci = rows_k["ci_low"].notna() & rows_k["ci_high"].notna()
        ax.hlines(
            y[ci.to_numpy()],
            rows_k.loc[ci, "ci_low"],
            rows_k.loc[ci, "ci_high"],
            color=colour,
            lw=1,
        )
        ax.plot(
            rows_k["estimate"],
            y,
            ls="none",
            marker=markers[k % len(markers)],
            ms=3.5,
            color=colour,
            label=labels.model(specs[name]),
        )
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    for tick, (_, term) in zip(ax.get_yticklabels(), rows, strict=True):
        if term is None:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8))
    number_axis(ax.xaxis, labels)
    ax.set_xlabel(labels.text("fig_forest_axis"))
    handles, legend_names = ax.get_legend_handles_labels()
    legend_below_or_beside(fig, [data], handles, legend_names)
    ax.set_title(labels.text("fig_forest_title"), loc="left")
    footnote(fig, [data], suppressed_note, "forest_plot")
    return Plotted(fig, data)


def draw(tables: Tables, models: Tables, labels: Labels, settings: FigureSettings) -> Plotted:
    """The figure from the published tables, as its rule draws it."""
    return forest_plot(models, labels, settings.model_specs, settings.suppressed_note)
