"""The figures of the annual status report, drawn from the published tables.

Each figure function returns the :class:`~matplotlib.figure.Figure` and the exact data it
drew (:class:`Plotted`), so the pipeline can publish that data beside the figure and scan
it for disclosure like any other table. Figures show only what the tables show: a value
suppressed for resting on too few organisations or respondents is missing (NaN) there and
is simply not drawn; the figure then carries the suppression footnote.

Every visible word comes from a :class:`~mognad.labels.Labels` object, so one code path
draws the Swedish and the English report. The house style (:func:`house_style`) is applied
in a context manager, never to matplotlib's global state, and :func:`save_figure` writes
byte-identical files on every run.

One module per figure, sharing :mod:`mognad.publish.figures.style`; each module's ``draw`` takes
the published tables, labels and :class:`FigureSettings` as the figure's rule gives them.
"""

from mognad.outputs import FIGURES as FIGURE_NAMES
from mognad.publish.figures.categories import category_profile
from mognad.publish.figures.change import trend_views
from mognad.publish.figures.forest import forest_plot, term_group
from mognad.publish.figures.national import national_trend
from mognad.publish.figures.quadrant_bars import quadrant_shares
from mognad.publish.figures.quadrant_map import quadrant_scatter
from mognad.publish.figures.quality import quality_overview
from mognad.publish.figures.ranks import sensitivity
from mognad.publish.figures.render import draw_figure, make_figures, render_figures
from mognad.publish.figures.sector_lines import sector_trends
from mognad.publish.figures.style import (
    CATEGORIES,
    DIMENSIONS,
    FORMATS,
    QUADRANT_ORDER,
    FigureSettings,
    Plotted,
    house_style,
    save_figure,
    write_figure,
)

__all__ = [
    "CATEGORIES",
    "DIMENSIONS",
    "FIGURE_NAMES",
    "FORMATS",
    "QUADRANT_ORDER",
    "FigureSettings",
    "Plotted",
    "category_profile",
    "draw_figure",
    "forest_plot",
    "house_style",
    "make_figures",
    "national_trend",
    "quadrant_scatter",
    "quadrant_shares",
    "quality_overview",
    "render_figures",
    "save_figure",
    "sector_trends",
    "sensitivity",
    "term_group",
    "trend_views",
    "write_figure",
]
