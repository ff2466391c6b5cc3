"""One figure by name, or all at once (notebooks, tests)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mognad.labels import Labels
from mognad.outputs import FIGURES
from mognad.publish.figures.style import (
    FORMATS,
    FigureSettings,
    Plotted,
    Tables,
    write_figure,
)
from mognad.registry import FIGURE_MODULES


def draw_figure(
    name: str, tables: Tables, models: Tables, labels: Labels, settings: FigureSettings
) -> Plotted:
    """Figure ``name`` (a file stem of :data:`mognad.outputs.FIGURES`), drawn by its own
    module (:data:`mognad.registry.FIGURE_MODULES`)."""
    return importlib.import_module(FIGURE_MODULES[name]).draw(tables, models, labels, settings)


def render_figures(
    tables: Tables,
    models: Tables,
    labels: Labels,
    year: int,
    focus_sectors: Sequence[str],
    thresholds: Mapping[str, float] | None,
    suppressed_note: str | None,
    model_specs: Mapping[str, Mapping[str, Any]],
) -> dict[str, Plotted]:
    """Every figure of the report, by name (the file stem). ``model_specs``: the models'
    specifications (config ``models``), which name them in the forest plot."""
    settings = FigureSettings(year, focus_sectors, thresholds, suppressed_note, model_specs)
    return {name: draw_figure(name, tables, models, labels, settings) for name in FIGURES}


def make_figures(
    tables: Tables,
    models: Tables,
    labels: Labels,
    year: int,
    focus_sectors: Sequence[str],
    thresholds: Mapping[str, float] | None,
    suppressed_note: str | None,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    *,
    model_specs: Mapping[str, Mapping[str, Any]],
) -> dict[str, Path]:
    """Render every figure and write each (:func:`write_figure`) to ``out_dir``; returns
    every written path by ``<name>.<ext>``."""
    written: dict[str, Path] = {}
    for name, plotted in render_figures(
        tables, models, labels, year, focus_sectors, thresholds, suppressed_note, model_specs
    ).items():
        written |= write_figure(name, plotted, out_dir, formats)
    return written
