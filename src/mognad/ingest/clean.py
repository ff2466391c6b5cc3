"""Exclusion rules, the exclusion log and the flow table; one survey year at a time.

Rules apply in order and each excluded response gets the first reason that applies:

1. ``test_response``: a configured marker matches the name, e-mail or comment.
2. ``duplicate``: the respondent (same token, or e-mail where there is none) submitted more
   than once to the same organisation. ``latest_complete`` keeps the latest submission that
   answered every item (an answer or "Vet ej"), or, when none did, the latest one;
   ``latest`` keeps the latest. Ties in time go to the later row of the export.
3. ``too_few_answers``: fewer than ``min_answered_share`` of the year's items answered on
   the 1-5 scale.

So received = excluded for each reason + analysed, for every year.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mognad.errors import InputError, Problem
from mognad.ingest.contracts import (
    EXCLUSIONS,
    FLOW,
    REASONS,
    RESPONSE_META,
    enforce,
    responses_contract,
)
from mognad.ingest.exports import WORK_COLUMNS, map_export, read_export, read_organisations
from mognad.instrument import Instrument, load_codebook, load_instrument
from mognad.io import read_csv_table


def duplicate_mask(frame: pd.DataFrame, eligible: np.ndarray, rule: str) -> np.ndarray:
    """True for submissions that another submission of the same respondent supersedes."""
    index = np.flatnonzero(eligible)
    if index.size == 0:
        return np.zeros(len(frame), dtype=bool)
    sub = frame.iloc[index]
    when = sub["submitted_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    complete = sub["_complete"].to_numpy() if rule == "latest_complete" else np.zeros(len(sub))
    org = pd.factorize(sub["org_id"])[0]
    key = sub["_duplicate_key"].to_numpy()
    # Best submission first within each (organisation, respondent): complete, latest, last row.
    order = np.lexsort((-sub["_row"].to_numpy(), -when, -complete.astype(int), key, org))
    ordered = pd.DataFrame({"org": org[order], "key": key[order]})
    superseded = ordered.duplicated(keep="first").to_numpy()
    mask = np.zeros(len(frame), dtype=bool)
    mask[index[order[superseded]]] = True
    return mask


def exclusion_reasons(
    frame: pd.DataFrame, n_items: int, min_answered_share: float, duplicate_rule: str
) -> np.ndarray:
    """The reason each response is excluded (first rule that applies), or None if kept."""
    reasons = np.full(len(frame), None, dtype=object)
    test = frame["_is_test"].to_numpy(dtype=bool)
    reasons[test] = "test_response"
    duplicate = duplicate_mask(frame, ~test, duplicate_rule)
    reasons[duplicate] = "duplicate"
    too_few = frame["_n_answered"].to_numpy() < min_answered_share * n_items
    reasons[too_few & ~test & ~duplicate] = "too_few_answers"
    return reasons


def flow_row(year: int, reasons: np.ndarray) -> pd.DataFrame:
    """One row: received, excluded per reason, analysed."""
    counts = {f"excluded_{r}": int((reasons == r).sum()) for r in REASONS}
    row = {
        "year": year,
        "received": len(reasons),
        **counts,
        "analysed": int(pd.isna(reasons).sum()),
    }
    return pd.DataFrame([row]).astype("int64")


def exclusion_log(frame: pd.DataFrame, reasons: np.ndarray) -> pd.DataFrame:
    excluded = ~pd.isna(reasons)
    sub = frame.loc[excluded]
    return pd.DataFrame(
        {
            "year": sub["year"].astype("int64").to_numpy(),
            "org_id": sub["org_id"].astype("string").to_numpy(),
            "respondent_key": sub["submission_id"].astype("string").to_numpy(),
            "reason": pd.array(reasons[excluded], dtype="string"),
            "source_row": sub["_row"].astype("int64").to_numpy(),
        }
    ).sort_values("source_row", ignore_index=True)


def analysed_responses(
    frame: pd.DataFrame, reasons: np.ndarray, register: pd.DataFrame, instrument: Instrument
) -> pd.DataFrame:
    """Kept responses with the organisation's attributes, in contract column order."""
    kept = frame.loc[pd.isna(reasons)].drop(columns=[*WORK_COLUMNS, "submission_id"])
    attributes = register.drop(columns=["name"]).astype(
        {c: "string" for c in ("org_id", "org_type", "sector", "municipality_id", "county")}
    )
    merged = kept.merge(attributes, on="org_id", how="left", validate="many_to_one")
    columns = [c.name for c in RESPONSE_META]
    items = instrument.item_ids()
    merged = merged[[*columns, *items, *(f"{i}_dk" for i in items)]]
    return merged.sort_values(["org_id", "respondent_id"], ignore_index=True)


@dataclass(frozen=True)
class YearResult:
    responses: pd.DataFrame
    exclusions: pd.DataFrame
    flow: pd.DataFrame


def clean_year(
    frame: pd.DataFrame,
    year: int,
    n_items: int,
    register: pd.DataFrame,
    instrument: Instrument,
    cleaning: dict[str, Any],
) -> YearResult:
    """Apply the exclusion rules to a mapped year and check every output's contract."""
    reasons = exclusion_reasons(
        frame, n_items, cleaning["min_answered_share"], cleaning["duplicate_rule"]
    )
    label = f"{year} responses"
    return YearResult(
        responses=enforce(
            analysed_responses(frame, reasons, register, instrument),
            responses_contract(instrument),
            label,
        ),
        exclusions=enforce(exclusion_log(frame, reasons), EXCLUSIONS, f"{year} exclusions"),
        flow=enforce(flow_row(year, reasons), FLOW, f"{year} flow"),
    )


@dataclass(frozen=True)
class MappedYear:
    """One year's export mapped onto canonical items, with what is needed to clean it."""

    year: int
    frame: pd.DataFrame
    problems: list[Problem]
    instrument: Instrument
    register: pd.DataFrame
    n_items: int

    def clean(self, cleaning: dict[str, Any]) -> YearResult:
        if self.problems:
            raise InputError(self.problems)
        return clean_year(
            self.frame, self.year, self.n_items, self.register, self.instrument, cleaning
        )


def _refuse_copies(path: Path, year: int, codebook) -> None:
    """A year's export that is byte for byte another year's (last year's file copied
    under the new name) would silently make the new year equal the old one."""
    if not path.is_file():
        return  # read_export says so
    size = path.stat().st_size
    data = None
    for other, spec in sorted(codebook.years.items()):
        if other == year or not spec.file.is_file() or spec.file.stat().st_size != size:
            continue
        if spec.file.resolve() == path.resolve():
            continue
        data = path.read_bytes() if data is None else data
        if spec.file.read_bytes() == data:
            raise InputError(
                [
                    Problem(
                        str(path),
                        f"the same bytes as the {other} export ({spec.file.name})",
                        f"the {year} export itself (was last year's file copied?)",
                    )
                ]
            )


def map_year(
    year: int,
    export_path: str | Path | None,
    instrument_path: str | Path,
    codebook_path: str | Path,
    raw_dir: str | Path,
    organisations_path: str | Path,
    test_markers: list[dict[str, str]],
) -> MappedYear:
    """Read a year's export (the codebook's file unless ``export_path`` is given) and map
    it, collecting every problem; unreadable input raises at once."""
    instrument = load_instrument(instrument_path)
    codebook = load_codebook(codebook_path, instrument, raw_dir)
    if year not in codebook.years:
        expected = f"a year entry (file and layout), as for {sorted(codebook.years)}"
        raise InputError([Problem(str(codebook_path), f"no entry for {year}", expected)])
    spec = codebook.years[year]
    if export_path is not None:
        spec = replace(spec, file=Path(export_path))
    _refuse_copies(spec.file, year, codebook)
    register = read_organisations(organisations_path)
    frame, problems = map_export(
        read_export(spec.file, spec), spec, instrument, register, test_markers, str(codebook_path)
    )
    n_items = len(instrument.item_ids(spec.instrument_revision))
    return MappedYear(year, frame, problems, instrument, register, n_items)


def prepare_year(
    year: int,
    export_path: str | Path,
    instrument_path: str | Path,
    codebook_path: str | Path,
    organisations_path: str | Path,
    cleaning: dict[str, Any],
) -> YearResult:
    """Read, map and clean one year's export: the whole work of one ingestion job."""
    raw_dir = Path(export_path).parent
    mapped = map_year(
        year,
        export_path,
        instrument_path,
        codebook_path,
        raw_dir,
        organisations_path,
        cleaning["test_markers"],
    )
    return mapped.clean(cleaning)


def combine_years(results: list[YearResult]) -> YearResult:
    """Stack per-year outputs into the multi-year tables, in year order."""
    ordered = sorted(results, key=lambda r: int(r.flow["year"].iloc[0]))
    return YearResult(
        responses=pd.concat([r.responses for r in ordered], ignore_index=True),
        exclusions=pd.concat([r.exclusions for r in ordered], ignore_index=True),
        flow=pd.concat([r.flow for r in ordered], ignore_index=True),
    )


def read_year_result(responses: str | Path, exclusions: str | Path, flow: str | Path) -> YearResult:
    """Read back one year's written outputs with their column types."""
    return YearResult(
        responses=pd.read_parquet(responses),
        exclusions=read_csv_table(
            exclusions,
            {
                "year": "int64",
                "org_id": "string",
                "respondent_key": "string",
                "reason": "string",
                "source_row": "int64",
            },
        ),
        flow=read_csv_table(flow, {c.name: "int64" for c in FLOW.columns}),
    )
