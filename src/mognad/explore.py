"""The committed demo data, ingested, cleaned and scored in one call, for notebooks.

Why: the workflow writes its intermediate tables to ``data/processed/``, which a fresh clone
does not have, and a notebook should not depend on a full workflow run (or on whatever an
earlier run left behind). :func:`load_demo` starts from the raw exports and runs the same
package functions as the workflow's jobs (``ingest_year`` → ``combine_years`` →
``score_year`` → ``combine_scores``), so what a notebook shows is what the pipeline
computes, and no logic exists twice. The whole demo (8 years, about 36,000 responses)
loads in a few seconds; bootstrap intervals cost little, but a notebook that only needs
point estimates can ask for fewer replicates (point estimates never depend on them).

:func:`excluded_responses` shows *why* each excluded row was excluded (its answered items,
its test flag, the submission that superseded it) without any personal column: names,
e-mail addresses and comments never leave ingestion, here as in the workflow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mognad.config import ROOT, load_config
from mognad.indices.scores import GROUPINGS, Method, score_year
from mognad.ingest.clean import MappedYear, YearResult, combine_years, map_year
from mognad.ingest.contracts import REASONS
from mognad.ingest.exports import RawTable, read_export, test_response_flags
from mognad.instrument import Codebook, Instrument, YearSpec, load_codebook, load_instrument
from mognad.peers import DEFAULT_SIZE_BANDS
from mognad.runner import absolute_config

#: The tables :func:`score_years` returns: organisation-years and the group levels.
SCORE_TABLES = ("org", *GROUPINGS)


@dataclass(frozen=True)
class Demo:
    """One source's survey years, cleaned and scored as the workflow does it.

    ``responses``, ``exclusions`` and ``flow`` are the multi-year tables of
    ``data/processed/`` (see docs/outputs.md); ``org_scores`` is ``org_scores.parquet``
    joined with ``org_intervals.parquet``, and ``national``, ``sector`` and ``org_type`` are
    ``national_by_year``, ``sector_by_year`` and ``type_by_year``, with intervals from
    ``bootstrap["replicates"]`` replicates.
    ``mapped`` holds each year's export mapped onto the canonical items *before* cleaning
    (excluded rows included, personal columns already gone, plus the working columns
    cleaning uses); :func:`excluded_responses` reads it.
    """

    config: dict[str, Any]
    instrument: Instrument
    codebook: Codebook
    method: Method
    bootstrap: dict[str, Any]
    years: tuple[int, ...]
    mapped: dict[int, MappedYear]
    responses: pd.DataFrame
    exclusions: pd.DataFrame
    flow: pd.DataFrame
    org_scores: pd.DataFrame
    national: pd.DataFrame
    sector: pd.DataFrame
    org_type: pd.DataFrame
    area: pd.DataFrame
    size_band: pd.DataFrame

    def spec(self, year: int) -> YearSpec:
        """How the year's export is written: file, layout, columns (from the codebook)."""
        return self.codebook.years[year]

    def raw_export(self, year: int) -> RawTable:
        """The year's export exactly as read by ingestion: text cells, *personal columns
        included* (show their names, never their values)."""
        spec = self.spec(year)
        return read_export(spec.file, spec)


def score_years(
    responses: pd.DataFrame,
    instrument: Instrument,
    method: Method,
    bootstrap: Mapping[str, Any],
    size_bands: Sequence[int] = DEFAULT_SIZE_BANDS,
) -> dict[str, pd.DataFrame]:
    """:func:`mognad.indices.scores.score_year` for every year in ``responses``, stacked in year
    order (as the workflow's ``combine_scores`` does): ``org``, ``national``, ``sector``,
    ``org_type``, ``area`` and ``size_band``.

    Why a function: rescoring all years under another :class:`~mognad.indices.scores.Method`
    (e.g. ``replace(method, dont_know="midpoint")``) is then one call.
    """
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SCORE_TABLES}
    for _, rows in responses.groupby("year", sort=True):
        tables = score_year(rows.reset_index(drop=True), instrument, method, bootstrap, size_bands)
        for name in SCORE_TABLES:
            parts[name].append(tables[name])
    return {name: pd.concat(tables, ignore_index=True) for name, tables in parts.items()}


def load_demo(
    years: Sequence[int] | None = None,
    *,
    config_path: str | Path = ROOT / "config.yaml",
    bootstrap_replicates: int | None = None,
    method: Method | None = None,
) -> Demo:
    """Read, clean and score the survey years of a config (default: the project's
    ``config.yaml``, i.e. the committed demo data), all of them unless ``years`` is given.

    Relative paths in the config are taken from the project root, so this works from any
    working directory. ``bootstrap_replicates`` overrides ``bootstrap.replicates`` (the
    intervals only; point estimates are the same for any number); ``method`` overrides the
    config's scoring method.
    """
    config = absolute_config(load_config(config_path))
    chosen = tuple(config["years"]) if years is None else tuple(sorted({int(y) for y in years}))
    unknown = sorted(set(chosen) - set(config["years"]))
    if unknown or not chosen:
        raise ValueError(f"years {unknown or list(chosen)}: choose from {config['years']}")
    source = config["source"]
    instrument = load_instrument(config["instrument"])
    codebook = load_codebook(source["codebook"], instrument, source["raw_dir"])
    cleaning = config["cleaning"]
    mapped: dict[int, MappedYear] = {}
    results: list[YearResult] = []
    for year in chosen:
        mapped[year] = map_year(
            year,
            None,
            config["instrument"],
            source["codebook"],
            source["raw_dir"],
            source["organisations"],
            cleaning["test_markers"],
        )
        results.append(mapped[year].clean(cleaning))
    combined = combine_years(results)
    method = method or Method.from_config(config["method"])
    bootstrap = dict(config["bootstrap"])
    if bootstrap_replicates is not None:
        bootstrap["replicates"] = int(bootstrap_replicates)
    bands = config["peers"]["size_bands"]
    scores = score_years(combined.responses, instrument, method, bootstrap, bands)
    return Demo(
        config=config,
        instrument=instrument,
        codebook=codebook,
        method=method,
        bootstrap=bootstrap,
        years=chosen,
        mapped=mapped,
        responses=combined.responses,
        exclusions=combined.exclusions,
        flow=combined.flow,
        org_scores=scores["org"],
        national=scores["national"],
        sector=scores["sector"],
        org_type=scores["org_type"],
        area=scores["area"],
        size_band=scores["size_band"],
    )


#: Columns of :func:`excluded_responses`, in order.
EXCLUDED_COLUMNS = [
    "year",
    "org_id",
    "respondent_key",
    "reason",
    "source_row",
    "role",
    "submitted_at",
    "duration_minutes",
    "n_items",
    "n_answered",
    "min_answered",
    "complete",
    "test_fields",
    "kept_submission",
]


def _test_fields(raw: RawTable, spec: YearSpec, markers: Sequence[Mapping[str, str]]) -> pd.Series:
    """Per export row, the personal fields whose test marker matched (";"-joined): which
    rule fired, never what the field held."""
    fields = pd.Series("", index=raw.frame.index, dtype=object)
    for marker in markers:
        hit = test_response_flags(raw, spec, [dict(marker)])
        fields[hit] = fields[hit] + ";" + marker["field"]
    return fields.str.strip(";")


def excluded_responses(demo: Demo, years: Sequence[int] | None = None) -> pd.DataFrame:
    """Every excluded response with what its reason rests on, without personal data.

    One row per row of ``demo.exclusions`` (same order), with the response's role, time
    and duration, ``n_items`` (items of the year's instrument revision), ``n_answered``
    (answered on the 1-5 scale; "Vet ej" does not count), ``min_answered``
    (``cleaning.min_answered_share`` × ``n_items``), ``complete`` (every item answered or
    "Vet ej"), ``test_fields`` (the personal fields whose test marker matched, e.g.
    ``name;email``) and, for duplicates, ``kept_submission``: the submission id of the same
    respondent's submission that was kept instead (respondents are matched by token or
    e-mail inside ingestion; neither is shown).
    """
    chosen = demo.years if years is None else tuple(years)
    cleaning = demo.config["cleaning"]
    parts = []
    for year in chosen:
        frame = demo.mapped[year].frame
        exclusions = demo.exclusions[demo.exclusions["year"] == year]
        reason = (
            frame["submission_id"]
            .map(exclusions.set_index("respondent_key")["reason"])
            .astype("string")
        )
        raw = demo.raw_export(year)
        tests = _test_fields(raw, demo.spec(year), cleaning["test_markers"])
        # The kept submission of each (organisation, respondent): the one not superseded.
        group = frame["org_id"].astype(str) + "/" + frame["_duplicate_key"].astype(str)
        superseded_or_test = reason.isin(["duplicate", "test_response"]).fillna(False)
        survivor = frame["submission_id"].where(~superseded_or_test)
        kept = survivor.groupby(group).transform("first")
        n_items = demo.mapped[year].n_items
        info = pd.DataFrame(
            {
                "respondent_key": frame["submission_id"],
                "role": frame["role"],
                "submitted_at": frame["submitted_at"],
                "duration_minutes": frame["duration_minutes"],
                "n_items": n_items,
                "n_answered": frame["_n_answered"].astype("int64"),
                "min_answered": cleaning["min_answered_share"] * n_items,
                "complete": frame["_complete"].astype(bool),
                "test_fields": tests.set_axis(frame.index).astype("string"),
                "kept_submission": kept.where(reason.eq("duplicate").fillna(False)).astype(
                    "string"
                ),
            }
        )
        merged = exclusions.merge(info, on="respondent_key", how="left", validate="one_to_one")
        parts.append(merged)
    columns = EXCLUDED_COLUMNS
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    out["test_fields"] = out["test_fields"].replace("", pd.NA)
    return out.astype({"org_id": "string", "respondent_key": "string"})


def reason_counts(exclusions: pd.DataFrame) -> pd.DataFrame:
    """Excluded responses per year (rows) and reason (columns, every reason, in rule order),
    zeros included: the exclusion log summarised as the flow table counts it."""
    counts = pd.crosstab(exclusions["year"], exclusions["reason"])
    return counts.reindex(columns=list(REASONS), fill_value=0).astype(np.int64)


def with_method(demo: Demo, method: Method, bootstrap_replicates: int | None = None) -> Demo:
    """``demo`` rescored under another method (same responses): e.g. "Vet ej" as midpoint."""
    bootstrap = dict(demo.bootstrap)
    if bootstrap_replicates is not None:
        bootstrap["replicates"] = int(bootstrap_replicates)
    scores = score_years(demo.responses, demo.instrument, method, bootstrap)
    return replace(
        demo,
        method=method,
        bootstrap=bootstrap,
        org_scores=scores["org"],
        national=scores["national"],
        sector=scores["sector"],
        org_type=scores["org_type"],
        area=scores["area"],
        size_band=scores["size_band"],
    )
