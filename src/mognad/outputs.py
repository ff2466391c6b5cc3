"""The names of everything published: tables, figures and the report, in one light module.

The workflow reads these names when it builds its plan, so this module imports nothing
heavy; the stages that make the outputs (:mod:`mognad.publish.tables`,
:mod:`mognad.publish.figures`, :mod:`mognad.publish.report`) take their lists from here.
"""

from __future__ import annotations

#: The index tables: each group's scores by year (the linked tables of the disclosure
#: audit, then the focus sectors).
INDEX_TABLES = (
    "national_by_year",
    "sector_by_year",
    "type_by_year",
    "area_by_year",
    "size_by_year",
    "sector_focus",
)
#: Published tables (``results/tables/<name>.csv``), in workbook order.
PUBLISHED_TABLES = (
    *INDEX_TABLES,
    "sample",
    "quadrants",
    "change_decomposition",
    "year_over_year",
    "fixed_effects_trend",
    "sector_trends",
    "sector_contrasts",
    "type_contrasts",
    "contrast_exclusions",
    "flow",
    "reliability",
    "item_quality",
    "aggregation",
    "cfa_fit",
    "invariance",
    "sensitivity_groups",
    "sensitivity_ranks",
    "sensitivity_draws",
)
#: Published tables the publication stage computes itself rather than receiving.
DERIVED_TABLES = ("sample",)

#: Columns of every model's coefficient table (``results/models/<model>.csv``, before
#: the gate adds ``suppressed``), in order. ``n_orgs``/``n_respondents``: the organisations
#: and respondents a coefficient rests on (:func:`mognad.analyses.models.term_support`).
COEFFICIENT_COLUMNS = [
    "term",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_orgs",
    "n_respondents",
]

#: Category of each published table in the Snakemake report.
TABLE_CATEGORY = {
    **dict.fromkeys((*INDEX_TABLES, "quadrants"), "Indices"),
    **dict.fromkeys(("sample", "flow"), "Sample"),
    **dict.fromkeys(
        ("change_decomposition", "year_over_year", "fixed_effects_trend", "sector_trends"),
        "Trends",
    ),
    **dict.fromkeys(("sector_contrasts", "type_contrasts", "contrast_exclusions"), "Sectors"),
    **dict.fromkeys(
        ("reliability", "item_quality", "aggregation", "cfa_fit", "invariance"), "Quality"
    ),
    **dict.fromkeys(
        ("sensitivity_groups", "sensitivity_ranks", "sensitivity_draws"), "Sensitivity"
    ),
}

#: The report's figures (``results/<lang>/figures/<name>.<format>`` and ``<name>.csv``), in
#: order.
FIGURES = (
    "national_trend",
    "sector_trends",
    "quadrant_scatter",
    "quadrant_shares",
    "category_profile",
    "trend_views",
    "forest_plot",
    "sensitivity",
    "quality_overview",
)
#: Subcategory of each figure in the Snakemake report.
FIGURE_SUBCATEGORY = {
    "national_trend": "National",
    "sector_trends": "Sectors",
    "category_profile": "Sectors",
    "quadrant_scatter": "Quadrants",
    "quadrant_shares": "Quadrants",
    "trend_views": "Trends",
    "forest_plot": "Models",
    "sensitivity": "Quality and sensitivity",
    "quality_overview": "Quality and sensitivity",
}
#: Published data that is not a table for reading (CSV only): the quadrant figure's
#: anonymous points (:func:`mognad.publish.disclosure.quadrant_points`).
POINTS_TABLE = "quadrant_points"
#: The published tables the report reads.
REPORT_TABLES = (
    "national_by_year",
    "sector_by_year",
    "type_by_year",
    "quadrants",
    "flow",
    "year_over_year",
    "change_decomposition",
    "fixed_effects_trend",
    "sector_trends",
    "sector_contrasts",
    "reliability",
    "aggregation",
    "cfa_fit",
    "invariance",
    "sensitivity_groups",
)

#: The published tables "Allas resultat" reads (:mod:`mognad.publish.explorer`): the
#: linked tables of the disclosure audit, national first.
EXPLORER_TABLES = (
    "national_by_year",
    "type_by_year",
    "sector_by_year",
    "area_by_year",
    "size_by_year",
)

#: The published tables released as open data (a Frictionless data package).
OPEN_TABLES = ("national_by_year", "sector_by_year", "type_by_year", "quadrants")


def report_stem(language: str, year: int) -> str:
    """The report's file name without extension: ``statusrapport_2025`` (Swedish) or
    ``status_report_2025`` (English)."""
    return f"statusrapport_{year}" if language == "sv" else f"status_report_{year}"
