"""Scores at every level: respondent, organisation-year, and sector/type/nation-year.

A respondent's category score is the mean of the category's answered items (reverse-keyed
items flipped), and exists only when enough of the category's items were answered. The two
dimensions (capability, legacy) combine their three categories; maturity combines the two
dimensions. Everything is reported on 0-100 %: (mean - 1) / 4 * 100. An organisation-year's
score is the mean over its respondents; sector, type and national figures are means over
organisations, each counting once (or weighted by respondents, as a documented alternative).
Each organisation-year falls in one of four quadrants by its capability and legacy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mognad.indices.bootstrap import (
    BootstrapSpec,
    OrgReplicates,
    Weighting,
    org_draws,
    org_replicates,
    year_intervals,
)
from mognad.ingest.contracts import enforce, group_scores_contract, org_scores_contract
from mognad.instrument import Instrument
from mognad.peers import DEFAULT_SIZE_BANDS, PEER_COLUMNS, with_peer_groups

#: The quadrant codes, by (capability high, legacy high).
QUADRANTS = {
    (True, True): "mature",
    (True, False): "ambitious",
    (False, True): "maintaining",
    (False, False): "beginning",
}


@dataclass(frozen=True)
class Method:
    """The declared scoring method; its version and fingerprint travel with every output."""

    version: str = "1.0"
    min_answered_share: float = 0.5
    aggregation: str = "arithmetic"  # or "geometric"
    organisation_weighting: Weighting = "organisation"  # or "respondent"
    quadrant_thresholds: Mapping[str, float] = field(
        default_factory=lambda: {"capability": 50.0, "legacy": 50.0}
    )
    #: "missing" (the method): "Vet ej" is no answer. "midpoint" exists only so that the
    #: sensitivity analysis can show what scoring it as 3 would do.
    dont_know: str = "missing"
    #: Relative weight of each category within its dimension; None = equal weights.
    category_weights: Mapping[str, float] | None = None

    @classmethod
    def from_config(cls, method: Mapping[str, Any]) -> Method:
        keys = ("version", "min_answered_share", "aggregation", "organisation_weighting")
        weights = {k: float(v) for k, v in method["category_weights"].items()}
        return cls(
            **{k: method[k] for k in keys},
            quadrant_thresholds=dict(method["quadrant_thresholds"]),
            category_weights=None if set(weights.values()) == {1.0} else weights,
        )

    def fingerprint(self) -> str:
        """Short hash of every choice, so outputs say exactly which method made them."""
        text = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def to_percent(mean_on_scale, instrument: Instrument):
    """Map a mean on the answer scale (1-5) to 0-100 %: (mean - min) / (max - min) * 100."""
    span = instrument.scale_max - instrument.scale_min
    return (mean_on_scale - instrument.scale_min) / span * 100.0


def keyed_answers(
    responses: pd.DataFrame, instrument: Instrument, dont_know: str = "missing"
) -> pd.DataFrame:
    """Answers as floats (NaN = no answer) with reverse-keyed items flipped."""
    ids = instrument.item_ids()
    values = responses[ids].astype("float64")
    if dont_know == "midpoint":
        midpoint = (instrument.scale_min + instrument.scale_max) / 2
        flags = responses[[f"{i}_dk" for i in ids]].to_numpy(dtype=bool)
        values = values.mask(pd.DataFrame(flags, index=values.index, columns=ids), midpoint)
    flip = [i for i in ids if instrument.item(i).reverse]
    values[flip] = instrument.scale_min + instrument.scale_max - values[flip]
    return values


def category_means(
    responses: pd.DataFrame,
    instrument: Instrument,
    min_answered_share: float = 0.5,
    dont_know: str = "missing",
) -> pd.DataFrame:
    """Category means on the answer scale (1-5); NaN where fewer than
    ``min_answered_share`` of the category's items in the response's revision were answered."""
    values = keyed_answers(responses, instrument, dont_know)
    revision = responses["instrument_revision"].to_numpy()
    out = {}
    for category in instrument.categories:
        ids = instrument.category_items(category)
        answered = values[ids].notna().sum(axis=1).to_numpy()
        asked = np.zeros(len(values))
        for rev in instrument.revisions:
            asked[revision == rev] = len(instrument.category_items(category, rev))
        enough = (answered > 0) & (answered >= min_answered_share * asked)
        out[category] = np.where(enough, values[ids].mean(axis=1).to_numpy(), np.nan)
    return pd.DataFrame(out, index=values.index)


def weighted_mean(parts: np.ndarray, weights: np.ndarray, aggregation: str) -> np.ndarray:
    """Row-wise weighted arithmetic or geometric mean of the parts present (scale 1-5)."""
    present = ~np.isnan(parts)
    w = np.where(present, weights, 0.0)
    total = w.sum(axis=1)
    filled = np.where(present, parts, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregation == "geometric":
            combined = np.exp((w * np.log(filled)).sum(axis=1) / total)
        else:
            combined = (w * filled).sum(axis=1) / total
    return np.where(total > 0, combined, np.nan)


def dimension_scores(
    categories: pd.DataFrame,
    instrument: Instrument,
    weights: Mapping[str, float] | None = None,
    aggregation: str = "arithmetic",
) -> pd.DataFrame:
    """Capability, legacy and maturity (scale 1-5) from category means.

    A dimension combines the categories that exist; maturity needs both dimensions.
    """
    weights = weights or {}
    out = {}
    for dimension in instrument.dimensions:
        members = instrument.dimension_categories(dimension)
        w = np.array([weights.get(c, 1.0) for c in members], dtype=float)
        out[dimension] = weighted_mean(categories[members].to_numpy(dtype=float), w, aggregation)
    dims = np.column_stack(list(out.values()))
    maturity = weighted_mean(dims, np.ones(dims.shape[1]), aggregation)
    out["maturity"] = np.where(np.isnan(dims).any(axis=1), np.nan, maturity)
    return pd.DataFrame(out, index=categories.index)


def respondent_scores(
    responses: pd.DataFrame, instrument: Instrument, method: Method | None = None
) -> pd.DataFrame:
    """The six category scores, capability, legacy and maturity (%) of each response."""
    method = method or Method()
    categories = category_means(responses, instrument, method.min_answered_share, method.dont_know)
    dims = dimension_scores(categories, instrument, method.category_weights, method.aggregation)
    return to_percent(pd.concat([categories, dims], axis=1), instrument)


def keyed_scores(
    responses: pd.DataFrame, instrument: Instrument, method: Method | None = None
) -> pd.DataFrame:
    """``year``, ``org_id`` and every score of each response, on a fresh index."""
    scores = respondent_scores(responses, instrument, method)
    return pd.concat([responses[["year", "org_id"]], scores], axis=1).reset_index(drop=True)


def aligned_scores(
    scores: pd.DataFrame, responses: pd.DataFrame, columns: Sequence[str]
) -> pd.DataFrame:
    """Stored respondent scores (:func:`keyed_scores`, as ``score_year`` writes them) row
    for row beside ``responses``, on its index; refused if they are not the same rows."""
    same = len(scores) == len(responses) and all(
        np.array_equal(scores[k].to_numpy(), responses[k].to_numpy()) for k in ("year", "org_id")
    )
    if not same:
        raise ValueError("stored respondent scores do not match the responses row for row")
    return scores[list(columns)].set_axis(responses.index)


def score_columns(instrument: Instrument) -> list[str]:
    """Every score column, in output order: categories, dimensions, maturity."""
    return [*instrument.categories, *instrument.dimensions, "maturity"]


def organisation_scores(
    scores: pd.DataFrame, columns: Sequence[str], keys: Sequence[str] = ("year", "org_id")
) -> pd.DataFrame:
    """Mean over each organisation-year's respondents, with the number of respondents."""
    grouped = scores.groupby(list(keys), sort=True, observed=True)
    out = grouped[list(columns)].mean()
    out.insert(0, "n_respondents", grouped.size().astype("int64"))
    return out.reset_index()


def organisation_standard_errors(
    scores: pd.DataFrame, columns: Sequence[str], keys: Sequence[str] = ("year", "org_id")
) -> pd.DataFrame:
    """Standard error of each organisation mean from its respondents: s_i / sqrt(n_i).

    The sampling error of measuring an organisation through some of its staff. Where an
    organisation has fewer than two answers for a score, s_i is unknown and the year's
    pooled within-organisation SD is used instead, so one-respondent organisations still
    carry (not zero) uncertainty.
    """
    keys = list(keys)
    grouped = scores.groupby(keys, sort=True, observed=True)[list(columns)]
    n = grouped.count()
    variance = grouped.var(ddof=1)
    year = n.index.get_level_values("year")
    pooled = (variance * (n - 1)).groupby(year).sum() / (n - 1).clip(lower=0).groupby(year).sum()
    fallback = pooled.reindex(year).set_axis(n.index)
    variance = variance.where(n >= 2, fallback)
    return np.sqrt(variance / n.where(n > 0)).reset_index()


def group_scores(
    orgs: pd.DataFrame, columns: Sequence[str], by: Sequence[str], weighting: str
) -> pd.DataFrame:
    """Sector/type/nation figures: the mean over organisations, each counting once
    (``organisation``) or weighted by its respondents (``respondent``)."""
    values = orgs[list(columns)]
    weight = orgs["n_respondents"] if weighting == "respondent" else pd.Series(1.0, orgs.index)
    present = values.notna()
    weighted = values.mul(weight, axis=0).where(present)
    keys = [orgs[b] for b in by]
    sums = weighted.groupby(keys, sort=True).sum(min_count=1)
    norms = present.mul(weight, axis=0).groupby(keys, sort=True).sum()
    out = sums / norms.replace(0, np.nan)
    counts = orgs.groupby(keys, sort=True).agg(
        n_orgs=("org_id", "size"), n_respondents=("n_respondents", "sum")
    )
    return pd.concat([counts, out], axis=1).reset_index()


def quadrant(
    capability: pd.Series, legacy: pd.Series, thresholds: Mapping[str, float]
) -> pd.Series:
    """The quadrant code of each organisation; at the threshold counts as high."""
    high_c = (capability >= thresholds["capability"]).to_numpy()
    high_l = (legacy >= thresholds["legacy"]).to_numpy()
    codes = np.select(
        [high_c & high_l, high_c & ~high_l, ~high_c & high_l],
        [QUADRANTS[True, True], QUADRANTS[True, False], QUADRANTS[False, True]],
        QUADRANTS[False, False],
    )
    unknown = capability.isna().to_numpy() | legacy.isna().to_numpy()
    return pd.Series(
        np.where(unknown, np.asarray(None), codes), index=capability.index, dtype="string"
    )


def quadrant_shares(orgs: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Counts and shares of organisations per quadrant, by year and any further grouping.

    Every quadrant appears in every cell, with zero where no organisation falls in it.
    """
    keys = ["year", *by]
    counts = (
        orgs.dropna(subset=["quadrant"])
        .groupby([*keys, "quadrant"], sort=True)
        .size()
        .unstack("quadrant", fill_value=0)
        .reindex(columns=list(QUADRANTS.values()), fill_value=0)
        .stack()
        .rename("n_orgs")
        .reset_index()
    )
    totals = counts.groupby(keys)["n_orgs"].transform("sum")
    counts["share"] = counts["n_orgs"] / totals
    return counts


#: The groupings every year is reported by, beyond single organisations: the nation,
#: sectors and types, and the peer groups of :mod:`mognad.peers` (area, size band).
GROUPINGS: dict[str, tuple[str, ...]] = {
    "national": (),
    "sector": ("sector",),
    "org_type": ("org_type",),
    "area": ("area",),
    "size_band": ("size_band",),
}
#: The groupings the quadrant table counts by: quadrant counts of a peer group beside
#: its sector's would show who is where in small intersections.
QUADRANT_GROUPINGS = ("national", "sector", "org_type")
#: An organisation's attributes that its year's groupings read.
ATTRIBUTES = ("org_type", "sector", *PEER_COLUMNS)


def _with_intervals(
    point: pd.DataFrame, intervals: pd.DataFrame, keys: list[str], columns
) -> pd.DataFrame:
    """Point estimates joined with their intervals, each score followed by its bounds."""
    bounds = [f"{c}{s}" for c in columns for s in ("_ci_low", "_ci_high")]
    merged = point.merge(intervals[[*keys, *bounds]], on=keys, how="left", validate="one_to_one")
    scored = [name for c in columns for name in (c, f"{c}_ci_low", f"{c}_ci_high")]
    rest = [c for c in point.columns if c not in columns]
    return merged[[*rest, *scored]]


def point_scores_year(
    responses: pd.DataFrame,
    instrument: Instrument,
    method: Method,
    size_bands: Sequence[int] = DEFAULT_SIZE_BANDS,
) -> dict[str, pd.DataFrame]:
    """The point scores of one year: every respondent's (``respondents``: ``year``,
    ``org_id`` and the scores, computed once for every job that needs them) and every
    organisation's (``org``, with its quadrant and peer groups, :mod:`mognad.peers`). No
    intervals: those need the bootstrap, and keeping them apart lets a change of interval
    level leave the analyses alone."""
    year = int(responses["year"].iloc[0])
    columns = score_columns(instrument)
    scores = keyed_scores(responses, instrument, method)
    register = ["year", "org_type", "sector", "county", "employees"]
    attributes = (
        responses.groupby("org_id", sort=True, observed=True)[register].first().reset_index()
    )
    attributes = with_peer_groups(attributes, size_bands)
    orgs = organisation_scores(scores, columns).merge(attributes, on=["year", "org_id"])
    orgs = orgs[["year", "org_id", *ATTRIBUTES, "n_respondents", *columns]]
    orgs["quadrant"] = quadrant(orgs["capability"], orgs["legacy"], method.quadrant_thresholds)
    orgs["method_version"] = method.version
    contract = org_scores_contract(instrument, intervals=False)
    return {"respondents": scores, "org": enforce(orgs, contract, f"{year} org_scores")}


def interval_scores_year(
    scores: pd.DataFrame,
    orgs: pd.DataFrame,
    instrument: Instrument,
    method: Method,
    bootstrap: Mapping[str, Any],
) -> dict[str, pd.DataFrame]:
    """Bootstrap intervals of one year from its point scores (:func:`point_scores_year`):
    each organisation's (``org_intervals``) and the national, sector and type scores with
    theirs. The two-stage cluster bootstrap (:mod:`mognad.indices.bootstrap`) supplies
    only intervals; point estimates come from the organisation scores."""
    year = int(orgs["year"].iloc[0])
    columns = score_columns(instrument)
    attributes = orgs[["year", "org_id", *ATTRIBUTES]]
    spec = BootstrapSpec(
        replicates=bootstrap["replicates"],
        seed=bootstrap["seed"],
        level=bootstrap["level"],
        weighting=method.organisation_weighting,
    )
    groupings = {name: list(by) for name, by in GROUPINGS.items()}
    reps = org_replicates(scores, columns, spec=spec, seed_key=(year,))
    intervals = year_intervals(reps, attributes, groupings, year)
    bounds = [f"{c}{s}" for c in columns for s in ("_ci_low", "_ci_high")]
    org_bounds = intervals["org"].assign(year=year)[["year", "org_id", *bounds]]
    out = {"org_intervals": org_bounds.reset_index(drop=True)}
    for name, by in GROUPINGS.items():
        keys = ["year", *by]
        point = group_scores(orgs, columns, keys, method.organisation_weighting)
        table = _with_intervals(point, intervals[name], keys, columns)
        table["method_version"] = method.version
        out[name] = enforce(table, group_scores_contract(instrument, by), f"{year} {name}")
    out["org_draws"] = draws_table(reps, year)
    return out


#: The scores whose joint replicate draws profiles use: quadrant probabilities need
#: capability and legacy together, ranks need every organisation's maturity at once.
DRAW_COLUMNS = ("capability", "legacy", "maturity")


def draws_table(reps: OrgReplicates, year: int) -> pd.DataFrame:
    """The stage-2 replicate means of :data:`DRAW_COLUMNS` in long form: one row per
    organisation (sorted by id) and replicate (0, ..., R - 1), float32 as computed."""
    ids, means = org_draws(reps, list(DRAW_COLUMNS))
    n_orgs, n_rep, _ = means.shape
    frame = pd.DataFrame(
        {
            "year": np.full(n_orgs * n_rep, year, dtype=np.int64),
            "org_id": np.repeat(ids, n_rep).astype(object),
            "replicate": np.tile(np.arange(n_rep, dtype=np.int32), n_orgs),
        }
    )
    for j, column in enumerate(DRAW_COLUMNS):
        frame[column] = means[..., j].reshape(-1)
    return frame


def with_org_intervals(orgs: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """Organisation scores with each score followed by its interval (as profiles show)."""
    columns = [c.removesuffix("_ci_low") for c in intervals.columns if c.endswith("_ci_low")]
    return _with_intervals(orgs, intervals, ["year", "org_id"], columns)


def score_year(
    responses: pd.DataFrame,
    instrument: Instrument,
    method: Method,
    bootstrap: Mapping[str, Any],
    size_bands: Sequence[int] = DEFAULT_SIZE_BANDS,
) -> dict[str, pd.DataFrame]:
    """Organisation and group scores of one year with bootstrap intervals
    (:func:`point_scores_year`, then :func:`interval_scores_year`), for exploring a year
    in one call; the workflow runs the two steps as separate jobs."""
    year = int(responses["year"].iloc[0])
    points = point_scores_year(responses, instrument, method, size_bands)
    out = interval_scores_year(points["respondents"], points["org"], instrument, method, bootstrap)
    out.pop("org_draws")
    orgs = with_org_intervals(points["org"], out.pop("org_intervals"))
    contract = org_scores_contract(instrument)
    orgs = enforce(orgs[[c.name for c in contract.columns]], contract, f"{year} org_scores")
    return {"org": orgs, **out}


def quadrant_table(orgs: pd.DataFrame) -> pd.DataFrame:
    """Quadrant counts and shares per year: nationally (group "all") and by sector and type
    (names are the labels' business and join at publishing)."""
    parts = []
    for level in QUADRANT_GROUPINGS:
        by = GROUPINGS[level]
        shares = quadrant_shares(orgs, list(by))
        shares.insert(1, "level", level)
        shares.insert(2, "group", shares.pop(by[0]) if by else "all")
        parts.append(shares)
    return pd.concat(parts, ignore_index=True)


def method_record(
    method: Mapping[str, Any], bootstrap: Mapping[str, Any], sensitivity: Mapping[str, Any]
) -> dict[str, Any]:
    """The record of how the indices were computed (``results/method.json``): the method
    config with its fingerprint, and the bootstrap and sensitivity settings."""
    return {
        "method": dict(method),
        "fingerprint": Method.from_config(method).fingerprint(),
        "bootstrap": dict(bootstrap),
        "sensitivity": dict(sensitivity),
    }
