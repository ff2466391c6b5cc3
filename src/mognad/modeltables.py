"""The fitted models as published: the publishing stage's half of :mod:`mognad.models`.

Fitting writes complete coefficient tables (with the organisations and respondents each
coefficient rests on) to ``data/processed/models/``; here they pass the small-cell rule
of :mod:`mognad.disclosure` on their way to ``results/models/`` and the side-by-side
regression table. Kept apart from fitting so that a change to either reruns only its own
stage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mognad.disclosure import CellRule, Thresholds, suppress
from mognad.io import round_significant
from mognad.labels import DASH, significance_stars
from mognad.models import ModelResult

#: The disclosure rule of a coefficient table: each coefficient rests on its term's
#: organisations and respondents (:func:`mognad.models.term_support`).
COEFFICIENT_RULE = CellRule(
    org_counts=("n_orgs",),
    respondent_counts=("n_respondents",),
    values=("estimate", "std_error", "ci_low", "ci_high", "p_value"),
)


def publish_model(result: ModelResult, thresholds: Thresholds) -> ModelResult:
    """The model as published: a coefficient resting on too few organisations or
    respondents (a small sector's dummy is its organisations' own adjusted result) hidden
    and marked ``suppressed``, numbers to the published precision."""
    coefficients = round_significant(suppress(result.coefficients, COEFFICIENT_RULE, thresholds))
    return dataclasses.replace(result, coefficients=coefficients)


def _count_text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def regression_table(
    results: Mapping[str, ModelResult], digits: int = 2
) -> tuple[pd.DataFrame, str, str]:
    """Models side by side: rows are terms, cells "estimate (SE)" with stars
    (* p < .05, ** p < .01, *** p < .001), "–" for a hidden coefficient; then n, groups and
    R² or log-likelihood.

    Returns the table (for CSV), its Markdown and its LaTeX.
    """
    terms: list[str] = []
    for result in results.values():
        terms += [t for t in result.coefficients["term"] if t not in terms]
    table = pd.DataFrame(index=pd.Index(terms, name="term"), columns=list(results), dtype=object)
    table[:] = ""
    for name, result in results.items():
        for row in result.coefficients.itertuples():
            stars = significance_stars(row.p_value)
            table.loc[row.term, name] = (
                f"{row.estimate:.{digits}f} ({row.std_error:.{digits}f}){stars}"
                if np.isfinite(row.estimate)
                else DASH
            )
        dropped = result.fit.get("dropped")
        for term in filter(None, ("" if pd.isna(dropped) else str(dropped)).split(";")):
            if term in table.index:
                table.loc[term, name] = "(dropped)"
    bottom = {}
    for name, result in results.items():
        fit = result.fit
        r2, llf = fit.get("r_squared"), fit.get("log_likelihood")
        bottom[name] = {
            "n": _count_text(fit.get("n")),
            "groups": _count_text(fit.get("n_groups")),
            "R² / log-lik": f"{r2:.3f}"
            if r2 is not None and np.isfinite(r2)
            else f"{llf:.0f}"
            if llf is not None and np.isfinite(llf)
            else "",
        }
    table = pd.concat([table, pd.DataFrame(bottom)]).rename_axis("term").reset_index()
    markdown = table.to_markdown(index=False)
    latex = table.to_latex(index=False, escape=True).replace("R²", "$R^2$")
    return table, markdown, latex
