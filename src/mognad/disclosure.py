"""Small-cell suppression for everything published.

A figure for a group of one or two organisations is that organisation's own result, and a
mean of a handful of respondents comes close to a person's answers. Every published value
is therefore checked against two thresholds (``config.yaml`` → ``disclosure``): the
organisations and the respondents it rests on. Below either, the value is suppressed: it
becomes missing, the row is marked ``suppressed`` and the output carries a footnote.

Suppression works on *rules* that say, for one table, which count columns a row rests on
and which value columns it shows (:class:`CellRule`). The same rules drive the check
(:func:`violations`) that a test runs over every published file, so the gate and the
check cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Name of the flag column added to every suppressed table.
SUPPRESSED = "suppressed"
#: Columns that describe a row rather than measure anything (never suppressed).
DESCRIPTIVE = ("year", "method_version")


@dataclass(frozen=True)
class Thresholds:
    """The smallest number of organisations and respondents a published value may rest on."""

    min_orgs: int = 3
    min_respondents: int = 5

    @classmethod
    def from_config(cls, disclosure: Mapping[str, Any]) -> Thresholds:
        return cls(int(disclosure["min_orgs"]), int(disclosure["min_respondents"]))


@dataclass(frozen=True)
class CellRule:
    """Which counts a table's rows rest on and which of its columns are values.

    ``org_counts``/``respondent_counts``: columns holding the number of organisations /
    respondents behind a row (a row is small when any of them is below its threshold).
    ``partial``: value columns that rest on further counts of their own (e.g. the
    decomposition's within-organisation part rests on the stayers): ``{count column:
    [value columns]}``, organisations. ``zero_ok``: count columns where 0 means "not part
    of this value" rather than "no data" (nobody joined: no composition from joiners).
    ``values``: the value columns; default every numeric column that is not a count.
    """

    org_counts: tuple[str, ...] = ()
    respondent_counts: tuple[str, ...] = ()
    partial: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    zero_ok: tuple[str, ...] = ()
    values: tuple[str, ...] | None = None

    def counts(self) -> list[str]:
        return [*self.org_counts, *self.respondent_counts, *self.partial]

    def value_columns(self, table: pd.DataFrame) -> list[str]:
        if self.values is not None:
            return [c for c in self.values if c in table.columns]
        skip = {*self.counts(), SUPPRESSED, *DESCRIPTIVE}
        return [
            c
            for c in table.columns
            if c not in skip
            and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])
            and not c.startswith("n_")
        ]


def _below(table: pd.DataFrame, columns: Sequence[str], minimum: int, zero_ok: Sequence[str]):
    small = pd.Series(False, index=table.index)
    for column in columns:
        counts = pd.to_numeric(table[column], errors="coerce")
        low = counts < minimum
        if column in zero_ok:
            low &= counts != 0
        small |= low.fillna(False).to_numpy()
    return small


def small_rows(table: pd.DataFrame, rule: CellRule, thresholds: Thresholds) -> pd.Series:
    """Rows resting on too few organisations or respondents (their values are all hidden)."""
    orgs = _below(table, rule.org_counts, thresholds.min_orgs, rule.zero_ok)
    people = _below(table, rule.respondent_counts, thresholds.min_respondents, rule.zero_ok)
    return orgs | people


def _hidden_cells(table: pd.DataFrame, rule: CellRule, thresholds: Thresholds) -> pd.DataFrame:
    """Boolean frame over the value columns: True where the value must not be shown."""
    values = rule.value_columns(table)
    rows = small_rows(table, rule, thresholds).to_numpy()
    hidden = pd.DataFrame(np.repeat(rows[:, None], len(values), axis=1), table.index, values)
    for count, columns in rule.partial.items():
        low = _below(table, [count], thresholds.min_orgs, rule.zero_ok).to_numpy()
        for column in columns:
            if column in hidden.columns:
                hidden[column] |= low
    return hidden


def suppress(table: pd.DataFrame, rule: CellRule, thresholds: Thresholds) -> pd.DataFrame:
    """The table with every value resting on too few units set missing and a
    ``suppressed`` column marking the rows where anything was hidden. Counts stay: they
    say why a value is missing and disclose nothing about anyone's answers."""
    hidden = _hidden_cells(table, rule, thresholds)
    out = table.copy()
    for column in hidden.columns:
        if hidden[column].any():
            out[column] = out[column].astype("float64").mask(hidden[column].to_numpy())
    out[SUPPRESSED] = hidden.any(axis=1).to_numpy()
    return out


def violations(table: pd.DataFrame, rule: CellRule, thresholds: Thresholds) -> pd.DataFrame:
    """Cells that are shown although they rest on too few units: (row, column, value)."""
    hidden = _hidden_cells(table, rule, thresholds)
    shown = table[hidden.columns].notna() & hidden
    rows, cols = np.nonzero(shown.to_numpy())
    return pd.DataFrame(
        {
            "row": table.index[rows],
            "column": [hidden.columns[c] for c in cols],
            "value": [
                table.iat[r, table.columns.get_loc(hidden.columns[c])]
                for r, c in zip(rows, cols, strict=True)
            ],
        }
    )


def publishable_orgs(orgs: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Organisation rows that may be shown as single points: enough respondents."""
    return orgs[orgs["n_respondents"] >= thresholds.min_respondents]
