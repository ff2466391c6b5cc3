"""Data contracts: what each processed table must look like before it is written.

A contract lists the exact columns (so a personal column can never slip through), their
kinds, whether blanks are allowed, value ranges, unique keys and row rules. Violations are
reported as :class:`~mognad.errors.Problem` with rows as in the written file (header = 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mognad.errors import InputError, Problem
from mognad.instrument import Instrument

KIND_CHECKS: dict[str, Callable[[pd.Series], bool]] = {
    "int": pd.api.types.is_integer_dtype,
    "float": pd.api.types.is_float_dtype,
    "str": lambda s: pd.api.types.is_string_dtype(s) or s.dtype == object,
    "bool": pd.api.types.is_bool_dtype,
    "datetime": pd.api.types.is_datetime64_any_dtype,
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[object, ...] | None = None


@dataclass(frozen=True)
class RowRule:
    """A condition every row must meet; ``bad`` returns a mask of rows that break it."""

    description: str
    bad: Callable[[pd.DataFrame], np.ndarray]


@dataclass(frozen=True)
class Contract:
    name: str
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    rules: tuple[RowRule, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _rows(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) + 2 for i in np.flatnonzero(mask))


def violations(frame: pd.DataFrame, contract: Contract, file: str) -> list[Problem]:
    """Every way ``frame`` breaks ``contract``."""
    problems: list[Problem] = []
    if list(frame.columns) != contract.names:
        extra = [c for c in frame.columns if c not in contract.names]
        missing = [c for c in contract.names if c not in frame.columns]
        problems.append(
            Problem(
                file,
                f"columns {list(frame.columns)} (extra {extra}, missing {missing})",
                f"exactly the {contract.name} columns {contract.names}",
            )
        )
        return problems
    for col in contract.columns:
        series = frame[col.name]
        if not KIND_CHECKS[col.kind](series):
            problems.append(Problem(file, f"dtype {series.dtype}", f"{col.kind} values", col.name))
            continue
        missing = series.isna().to_numpy()
        if not col.nullable and missing.any():
            problems.append(
                Problem(file, "blank values", "a value in every row", col.name, _rows(missing))
            )
        present = series[~missing]
        checks = []
        if col.min is not None or col.max is not None:
            low = col.min if col.min is not None else -np.inf
            high = col.max if col.max is not None else np.inf
            checks.append((~present.between(low, high), f"values in [{low}, {high}]"))
        if col.allowed is not None:
            checks.append((~present.isin(col.allowed), f"one of {list(col.allowed)}"))
        for bad, expected in checks:
            bad = bad.to_numpy(dtype=bool)
            if bad.any():
                rows = np.zeros(len(frame), dtype=bool)
                rows[np.flatnonzero(~missing)[bad]] = True
                found = f"values such as {present[bad].iloc[0]!r}"
                problems.append(Problem(file, found, expected, col.name, _rows(rows)))
    for key in contract.unique:
        repeated = frame.duplicated(list(key), keep=False).to_numpy()
        if repeated.any():
            problems.append(
                Problem(
                    file,
                    "repeated keys",
                    f"unique ({', '.join(key)})",
                    ", ".join(key),
                    _rows(repeated),
                )
            )
    for rule in contract.rules:
        bad = np.asarray(rule.bad(frame), dtype=bool)
        if bad.any():
            problems.append(
                Problem(file, "rows that break a rule", rule.description, rows=_rows(bad))
            )
    return problems


def enforce(frame: pd.DataFrame, contract: Contract, file: str) -> pd.DataFrame:
    """Return ``frame`` unchanged if it meets the contract; raise with every violation."""
    problems = violations(frame, contract, file)
    if problems:
        raise InputError(problems)
    return frame


#: Why a response is excluded, in the order the rules are applied.
REASONS = ("test_response", "duplicate", "too_few_answers")

RESPONSE_META = (
    Column("year", "int", min=2000, max=2100),
    Column("instrument_revision", "int", min=1),
    Column("org_id", "str"),
    Column("org_type", "str"),
    Column("sector", "str"),
    Column("municipality_id", "str", nullable=True),
    Column("county", "str"),
    Column("employees", "int", min=1),
    Column("respondent_id", "str"),
    Column("role", "str", nullable=True),
    Column("submitted_at", "datetime", nullable=True),
    Column("duration_minutes", "float", nullable=True, min=0),
)


def responses_contract(instrument: Instrument) -> Contract:
    """One row per analysed response: meta columns, then each canonical item (1-5, blank
    when unanswered or "Vet ej"), then ``<item>_dk`` (True where the answer was "Vet ej")."""
    items = instrument.item_ids()
    low, high = instrument.scale_min, instrument.scale_max

    def answered_and_dont_know(frame: pd.DataFrame) -> np.ndarray:
        answers = frame[items].notna().to_numpy()
        flags = frame[[f"{i}_dk" for i in items]].to_numpy(dtype=bool)
        return (answers & flags).any(axis=1)

    return Contract(
        name="responses",
        columns=(
            *RESPONSE_META,
            *(Column(i, "int", nullable=True, min=low, max=high) for i in items),
            *(Column(f"{i}_dk", "bool") for i in items),
        ),
        unique=(("respondent_id",),),
        rules=(
            RowRule("an item is either answered or 'Vet ej', not both", answered_and_dont_know),
        ),
    )


EXCLUSIONS = Contract(
    name="exclusions",
    columns=(
        Column("year", "int", min=2000, max=2100),
        Column("org_id", "str", nullable=True),
        Column("respondent_key", "str"),
        Column("reason", "str", allowed=REASONS),
        Column("source_row", "int", min=2),
    ),
    unique=(("year", "respondent_key"),),
)


def _flow_does_not_add_up(frame: pd.DataFrame) -> np.ndarray:
    excluded = frame[[f"excluded_{r}" for r in REASONS]].sum(axis=1)
    return (frame["received"] != excluded + frame["analysed"]).to_numpy()


FLOW = Contract(
    name="flow",
    columns=(
        Column("year", "int", min=2000, max=2100),
        Column("received", "int", min=0),
        *(Column(f"excluded_{r}", "int", min=0) for r in REASONS),
        Column("analysed", "int", min=0),
    ),
    unique=(("year",),),
    rules=(RowRule("received = sum of exclusions + analysed", _flow_does_not_add_up),),
)


def _score_columns(instrument: Instrument, intervals: bool = True) -> list[Column]:
    names = [*instrument.categories, *instrument.dimensions, "maturity"]
    suffixes = ("", "_ci_low", "_ci_high") if intervals else ("",)
    return [
        Column(f"{name}{suffix}", "float", nullable=True, min=0, max=100)
        for name in names
        for suffix in suffixes
    ]


def org_scores_contract(instrument: Instrument, intervals: bool = True) -> Contract:
    """One row per organisation-year: scores (with bootstrap intervals unless
    ``intervals`` is false, as the workflow keeps them apart), and the quadrant."""
    return Contract(
        name="org_scores",
        columns=(
            Column("year", "int", min=2000, max=2100),
            Column("org_id", "str"),
            Column("org_type", "str"),
            Column("sector", "str"),
            Column("area", "str"),
            Column("size_band", "str"),
            Column("n_respondents", "int", min=1),
            *_score_columns(instrument, intervals),
            Column(
                "quadrant",
                "str",
                nullable=True,
                allowed=("mature", "ambitious", "maintaining", "beginning"),
            ),
            Column("method_version", "str"),
        ),
        unique=(("year", "org_id"),),
    )


def group_scores_contract(instrument: Instrument, by: tuple[str, ...]) -> Contract:
    """One row per year and group (nation, sector, type, area or size band): figures with
    intervals."""
    return Contract(
        name="group_scores",
        columns=(
            Column("year", "int", min=2000, max=2100),
            *(Column(b, "str") for b in by),
            Column("n_orgs", "int", min=1),
            Column("n_respondents", "int", min=1),
            *_score_columns(instrument),
            Column("method_version", "str"),
        ),
        unique=(("year", *by),),
    )
