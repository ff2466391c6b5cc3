"""The fitted models as published: the publishing stage's half of :mod:`mognad.analyses.models`.

Fitting writes complete coefficient tables (with the organisations and respondents each
coefficient rests on) to ``data/processed/models/``; here they pass the small-cell rule
of :mod:`mognad.publish.disclosure` on their way to ``results/models/`` and the side-by-side
regression table. Kept apart from fitting so that a change to either reruns only its own
stage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mognad.analyses.modelresult import ModelResult
from mognad.io import as_float as _float
from mognad.io import round_significant
from mognad.labels import DASH, Labels, significance_stars
from mognad.publish import textable
from mognad.publish.disclosure import CellRule, Thresholds, suppress

#: The disclosure rule of a coefficient table: each coefficient rests on its term's
#: organisations and respondents (:func:`mognad.analyses.models.term_support`).
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


def _plain_number(value: Any, digits: int) -> str:
    return f"{float(value):.{digits}f}"


@dataclass(frozen=True)
class RegressionWords:
    """What the regression table writes besides numbers: one set per audience."""

    number: Callable[[Any, int], str] = _plain_number
    term: Callable[[str], str] = str
    dropped: str = "(dropped)"
    n: str = "n"
    groups: str = "groups"
    fit: str = "R² / log-lik"
    term_header: str = "term"
    #: The bottom row naming each model's reference levels, and how a fit record's
    #: ``reference`` (``sector=central_admin;year=2018``) is written in it.
    reference: str = "reference"
    reference_levels: Callable[[str], str] = str


def regression_cells(
    results: Mapping[str, ModelResult], words: RegressionWords = RegressionWords(), digits: int = 2
) -> pd.DataFrame:
    """Models side by side, as text: rows are terms, cells "estimate (SE)" with stars
    (* p < .05, ** p < .01, *** p < .001), "–" for a coefficient hidden by the gate and
    ``words.dropped`` for a term the fit dropped; then the reference levels (what each
    dummy is compared with), n, groups and R² (log-likelihood where there is no R²).
    Column ``term`` holds the term as ``words.term`` names it.
    """
    terms: list[str] = []
    for result in results.values():
        terms += [t for t in result.coefficients["term"] if t not in terms]
        dropped = result.fit.get("dropped")
        terms += [t for t in _split(dropped) if t not in terms]
    table = pd.DataFrame("", index=pd.Index(terms), columns=list(results), dtype=object)
    for name, result in results.items():
        for row in result.coefficients.itertuples():
            estimate, std_error = _float(row.estimate), _float(row.std_error)
            table.loc[row.term, name] = (
                f"{words.number(estimate, digits)} ({words.number(std_error, digits)})"
                f"{significance_stars(_float(row.p_value))}"
                if np.isfinite(estimate)
                else DASH
            )
        for term in _split(result.fit.get("dropped")):
            table.loc[term, name] = words.dropped
    bottom = {}
    for name, result in results.items():
        fit = result.fit
        r2, llf = _float(fit.get("r_squared")), _float(fit.get("log_likelihood"))
        count = {k: _float(fit.get(k)) for k in ("n", "n_groups")}
        reference = fit.get("reference")
        bottom[name] = {
            words.reference: ""
            if reference is None or pd.isna(reference)
            else words.reference_levels(str(reference)),
            words.n: words.number(count["n"], 0) if np.isfinite(count["n"]) else "",
            words.groups: words.number(count["n_groups"], 0)
            if np.isfinite(count["n_groups"])
            else "",
            words.fit: words.number(r2, 3)
            if np.isfinite(r2)
            else words.number(llf, 0)
            if np.isfinite(llf)
            else "",
        }
    table.index = [words.term(t) for t in terms]
    table = pd.concat([table, pd.DataFrame(bottom)])
    return table.rename_axis("term").reset_index()


def _split(dropped: Any) -> list[str]:
    return [
        t for t in ("" if dropped is None or pd.isna(dropped) else str(dropped)).split(";") if t
    ]


def regression_table(
    results: Mapping[str, ModelResult],
    digits: int = 2,
    words: RegressionWords | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, str, str]:
    """The published regression table (:func:`regression_cells`): the table for CSV (term
    codes and plain numbers, for machines), and its Markdown and LaTeX for readers: terms,
    models and numbers in ``words`` (the report language), models headed by ``headers``."""
    table = regression_cells(results, digits=digits)
    readable = regression_cells(results, words or RegressionWords(), digits=digits)
    heads = [readable.columns[0] if words is None else words.term_header]
    heads += [(headers or {}).get(str(m), str(m)) for m in readable.columns[1:]]
    rows = readable.astype(str).to_numpy().tolist()
    align = "l" + "r" * (len(heads) - 1)
    markdown = textable.markdown_table(rows, heads, align) + "\n"
    latex = textable.latex_table(rows, heads, align).replace("R²", "$R^2$") + "\n"
    return table, markdown, latex


def regression_texts(results: Mapping[str, ModelResult], labels: Labels) -> dict[str, str]:
    """The side-by-side regression table for readers in ``labels``' language: file name
    (``regression_table.md``, ``.tex``) -> text, models headed by their readable names."""
    headers = {name: labels.model(result.fit) for name, result in results.items()}
    words = regression_words(labels, labels.number)
    _, markdown, latex = regression_table(results, words=words, headers=headers)
    return {"regression_table.md": markdown, "regression_table.tex": latex}


def regression_words(labels: Labels, number: Callable[[Any, int], str]) -> RegressionWords:
    """The regression table's words in ``labels``' language (terms as readers know them)."""
    return RegressionWords(
        number=number,
        term=labels.term,
        dropped=labels.text("regression_dropped"),
        n=labels.text("regression_n"),
        groups=labels.text("regression_groups"),
        fit=labels.text("regression_fit"),
        term_header=labels.header("term"),
        reference=labels.text("regression_reference"),
        reference_levels=lambda text: reference_words(labels, text),
    )


def reference_words(labels: Labels, reference: str) -> str:
    """``sector=central_admin;year=2018`` as ``Sektor: Kommunledning; År: 2018``."""
    named = {"sector": labels.sector, "org_type": labels.org_type}
    parts = []
    for part in filter(None, reference.split(";")):
        variable, _, level = part.partition("=")
        parts.append(f"{labels.header(variable)}: {named.get(variable, str)(level)}")
    return "; ".join(parts)
