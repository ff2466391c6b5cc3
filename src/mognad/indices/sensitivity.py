"""Sensitivity of the index to the method (composite-indicator practice).

Each Monte Carlo draw picks one alternative per declared method choice (category weights,
arithmetic or geometric aggregation, organisation or respondent weighting, "Vet ej" rule,
minimum answered share), recomputes every organisation's maturity and the national,
sector and type figures, and ranks the organisations. The result says how far figures and
ranks move under choices a reasonable analyst could have made instead.

Category means depend only on the "Vet ej" rule and the minimum share, so they are
computed once per such pair; each draw then only recombines them, which keeps a draw
cheap at national scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mognad.indices.scores import Method, category_means, dimension_scores, to_percent
from mognad.instrument import Instrument

INDICATORS = ("capability", "legacy", "maturity")
LEVELS = {"national": None, "sector": "sector", "org_type": "org_type"}


@dataclass(frozen=True)
class Draw:
    category_weights: str
    aggregation: str
    organisation_weighting: str
    dont_know: str
    min_answered_share: float


def draw_choices(
    choices: Mapping[str, Sequence[Any]], draws: int, seed: int, year: int
) -> list[Draw]:
    """The method choices of every draw; one seeded stream per year."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, year]))
    names = list(Draw.__dataclass_fields__)
    picks = {n: rng.integers(0, len(choices[n]), size=draws) for n in names}
    return [Draw(**{n: choices[n][picks[n][d]] for n in names}) for d in range(draws)]


def data_driven_weights(categories: pd.DataFrame, instrument: Instrument) -> dict[str, float]:
    """Category weights from the first principal component of each dimension's category
    means (complete rows), scaled to average 1 within the dimension; equal weights where
    the correlation is undefined (too few rows, or a constant category)."""
    weights: dict[str, float] = {}
    for dimension in instrument.dimensions:
        members = instrument.dimension_categories(dimension)
        complete = categories[members].dropna().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            correlation = np.corrcoef(complete, rowvar=False) if len(complete) > 2 else None
        if correlation is None or not np.isfinite(correlation).all():
            weights |= dict.fromkeys(members, 1.0)
            continue
        _, vectors = np.linalg.eigh(correlation)
        loading = np.abs(vectors[:, -1])
        weights |= dict(zip(members, loading / loading.mean(), strict=True))
    return weights


def _org_means(values: np.ndarray, org_codes: np.ndarray, n_orgs: int) -> np.ndarray:
    """Per organisation, the mean of each column over its respondents (NaN ignored)."""
    present = ~np.isnan(values)
    out = np.empty((n_orgs, values.shape[1]))
    for j in range(values.shape[1]):
        sums = np.bincount(
            org_codes, weights=np.where(present[:, j], values[:, j], 0.0), minlength=n_orgs
        )
        counts = np.bincount(org_codes, weights=present[:, j], minlength=n_orgs)
        with np.errstate(invalid="ignore"):
            out[:, j] = sums / counts
    return out


def _group_means(
    org_values: np.ndarray, weights: np.ndarray, group_codes: np.ndarray, n_groups: int
) -> np.ndarray:
    present = ~np.isnan(org_values)
    out = np.empty((n_groups, org_values.shape[1]))
    for j in range(org_values.shape[1]):
        w = np.where(present[:, j], weights, 0.0)
        sums = np.bincount(
            group_codes, weights=w * np.nan_to_num(org_values[:, j]), minlength=n_groups
        )
        norms = np.bincount(group_codes, weights=w, minlength=n_groups)
        with np.errstate(invalid="ignore"):
            out[:, j] = sums / norms
    return out


def _ranks(maturity: np.ndarray) -> np.ndarray:
    """Rank 1 = most mature; ties share their average rank; no score, no rank."""
    ranked = pd.Series(maturity).rank(ascending=False, method="average", na_option="keep")
    return ranked.to_numpy()


def sensitivity_year(
    responses: pd.DataFrame,
    instrument: Instrument,
    method: Method,
    choices: Mapping[str, Sequence[Any]],
    draws: int,
    seed: int,
) -> dict[str, pd.DataFrame]:
    """Ranks, group figures and the draws themselves for one survey year.

    Returns ``ranks`` (one row per organisation), ``groups`` (one row per level, group and
    indicator) and ``draws`` (the choices of every draw).
    """
    year = int(responses["year"].iloc[0])
    org_codes, org_ids = pd.factorize(responses["org_id"], sort=True)
    n_orgs = len(org_ids)
    attributes = responses.groupby("org_id", sort=True)[["sector", "org_type"]].first().loc[org_ids]
    n_respondents = np.bincount(org_codes, minlength=n_orgs).astype(float)
    groups = {"national": (np.zeros(n_orgs, dtype=np.int64), pd.Index(["all"]))}
    for level, column in LEVELS.items():
        if column is not None:
            codes, labels = pd.factorize(attributes[column], sort=True)
            groups[level] = (codes, labels)

    cache: dict[tuple[str, float], pd.DataFrame] = {}
    weight_cache: dict[tuple[str, float], dict[str, float]] = {}

    def categories_for(dont_know: str, share: float) -> pd.DataFrame:
        key = (dont_know, float(share))
        if key not in cache:
            cache[key] = category_means(responses, instrument, share, dont_know)
        return cache[key]

    rng = np.random.default_rng(np.random.SeedSequence([seed, year, 1]))

    def evaluate(draw: Draw, weights: Mapping[str, float] | None) -> tuple[np.ndarray, dict]:
        cats = categories_for(draw.dont_know, draw.min_answered_share)
        dims = to_percent(dimension_scores(cats, instrument, weights, draw.aggregation), instrument)
        org_values = _org_means(dims[list(INDICATORS)].to_numpy(), org_codes, n_orgs)
        group_weight = (
            n_respondents if draw.organisation_weighting == "respondent" else np.ones(n_orgs)
        )
        figures = {
            level: _group_means(org_values, group_weight, codes, len(labels))
            for level, (codes, labels) in groups.items()
        }
        return org_values[:, INDICATORS.index("maturity")], figures

    def weights_for(draw: Draw) -> dict[str, float] | None:
        if draw.category_weights == "data_driven":
            key = (draw.dont_know, float(draw.min_answered_share))
            if key not in weight_cache:
                weight_cache[key] = data_driven_weights(categories_for(*key), instrument)
            return weight_cache[key]
        if draw.category_weights == "perturbed":
            return dict(
                zip(
                    instrument.categories,
                    rng.uniform(0.75, 1.25, len(instrument.categories)),
                    strict=True,
                )
            )
        return None

    plan = draw_choices(choices, draws, seed, year)
    maturity = np.empty((draws, n_orgs))
    figures = {
        level: np.empty((draws, len(labels), len(INDICATORS)))
        for level, (_, labels) in groups.items()
    }
    for d, draw in enumerate(plan):
        maturity[d], by_level = evaluate(draw, weights_for(draw))
        for level in groups:
            figures[level][d] = by_level[level]

    base = Draw(
        "equal",
        method.aggregation,
        method.organisation_weighting,
        method.dont_know,
        method.min_answered_share,
    )
    base_maturity, base_figures = evaluate(base, method.category_weights)
    ranks = np.apply_along_axis(_ranks, 1, maturity)
    with np.errstate(all="ignore"):
        rank_table = pd.DataFrame(
            {
                "year": year,
                "org_id": pd.array(org_ids, dtype="string"),
                "sector": pd.array(attributes["sector"].to_numpy(), dtype="string"),
                "org_type": pd.array(attributes["org_type"].to_numpy(), dtype="string"),
                "maturity_method": base_maturity,
                "rank_method": _ranks(base_maturity),
                "rank_median": np.nanmedian(ranks, axis=0),
                "rank_p05": np.nanpercentile(ranks, 5, axis=0),
                "rank_p95": np.nanpercentile(ranks, 95, axis=0),
                "n_orgs": n_orgs,
            }
        )
    rows = []
    for level, (_, labels) in groups.items():
        values = figures[level]
        for g, label in enumerate(labels):
            for k, indicator in enumerate(INDICATORS):
                series = values[:, g, k]
                rows.append(
                    {
                        "year": year,
                        "level": level,
                        "group": str(label),
                        "indicator": indicator,
                        "method_value": base_figures[level][g, k],
                        "median": np.nanmedian(series),
                        "p05": np.nanpercentile(series, 5),
                        "p95": np.nanpercentile(series, 95),
                    }
                )
    group_table = pd.DataFrame(rows)
    group_table["spread"] = group_table["p95"] - group_table["p05"]
    draw_table = pd.DataFrame([{"year": year, "draw": d, **vars(p)} for d, p in enumerate(plan)])
    return {"ranks": rank_table, "groups": group_table, "draws": draw_table}
