"""The report's settings and constants, and numbers and tables written the way its
language writes them."""

from __future__ import annotations

import builtins
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mognad.analyses.modelresult import read_model
from mognad.io import as_float as _float
from mognad.labels import DASH, NBSP, Labels
from mognad.publish.textable import markdown_table

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "report"

#: The figures the report shows, in order; each is a file ``<name>.png`` or ``.svg``.
#: The published tables the report reads (``results/tables/<name>.csv``).
INDICATORS = ("maturity", "capability", "legacy")
#: Quadrants in reading order (the labels' ``quadrants``; method.json sorts its keys).
QUADRANTS = ("mature", "ambitious", "maintaining", "beginning")
DECOMPOSITION_PARTS = ("cross_sectional", "within", "composition", "interaction")
EXCLUSION_REASONS = ("test_response", "duplicate", "too_few_answers")
#: Figure file types in order of preference.
FIGURE_TYPES = (".png", ".svg")
#: Significance level for "clear" differences and regression results in the text.
ALPHA = 0.05
#: A sector's trend is a finding only with at least this many survey years behind it.
TREND_MIN_YEARS = 3
#: Measurement invariance holds at a level if CFI drops by at most this much and RMSEA
#: rises by at most ``RMSEA_STEP`` (Chen 2007).
CFI_STEP = 0.01
RMSEA_STEP = 0.015


@dataclass(frozen=True)
class ReportParams:
    """What the report needs from the configuration besides the tables."""

    language: str = "sv"
    #: Disclosure thresholds of suppressed cells (for the footnote).
    min_orgs: int = 5
    min_respondents: int = 10
    #: ``analysis.min_orgs``: smaller sectors are shown but never a finding.
    analysis_min_orgs: int = 5
    focus_sectors: tuple[str, ...] = ("education", "social_services", "urban_planning")
    #: ``bootstrap`` of the config (replicates, level); ``method.json`` wins where given.
    bootstrap: Mapping[str, Any] = field(default_factory=dict)
    #: ``models`` of the config: name -> kind, level, formula, ...
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Dimension -> its categories, from the instrument.
    dimensions: Mapping[str, Sequence[str]] = field(
        default_factory=lambda: {
            "capability": ("effektivitet", "innovation", "balansering"),
            "legacy": ("organisation", "anvandare", "teknik"),
        }
    )
    scale_min: int = 1
    scale_max: int = 5
    instrument_name: str = ""
    #: The cover: who publishes the report, its authors and its date (ISO, or empty).
    publisher: str = ""
    authors: tuple[str, ...] = ()
    date: str = ""
    #: Where the other published files lie, relative to the report (name -> path).
    downloads: Mapping[str, str] = field(default_factory=dict)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c for cats in self.dimensions.values() for c in cats)


# --- helpers ----------------------------------------------------------------------------


def _suppressed(frame: pd.DataFrame) -> pd.Series:
    if "suppressed" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["suppressed"].fillna(False).astype(bool)


def _one(frame: pd.DataFrame, what: str, **where: Any) -> pd.Series | None:
    """The single row matching ``where`` (None if there is none)."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame[mask]
    if len(rows) > 1:
        raise ValueError(f"{what}: {len(rows)} rows for {where}, expected one")
    return None if rows.empty else rows.iloc[0]


class _Fmt:
    """Formatting shortcuts bound to one language."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels

    def num(self, value: Any, digits: int = 1) -> str:
        value = _float(value)
        if np.isfinite(value) and round(value, digits) == 0:
            value = 0.0  # no "−0,0"
        return self.labels.number(value, digits)

    def int(self, value: Any) -> str:
        return self.labels.number(_float(value), 0)

    def signed(self, value: Any, digits: builtins.int = 1) -> str:
        value = _float(value)
        text = self.labels.number(value, digits)
        return f"+{text}" if np.isfinite(value) and round(value, digits) > 0 else text

    def pct(self, share: Any, digits: builtins.int = 0) -> str:
        """A share (0-1) as per cent."""
        return self.labels.percent(_float(share) * 100, digits)

    def p(self, value: Any) -> str:
        value = _float(value)
        if not np.isfinite(value):
            return DASH
        if value < 0.001:
            return f"< {self.num(0.001, 3)}"
        return f"= {self.num(value, 3)}"

    def with_percent(self, text: str) -> str:
        """A level or an interval of levels with its per cent sign, as ``percent`` writes it."""
        return f"{text}{NBSP if self.labels.language == 'sv' else ''}%"

    def series(self, items: Sequence[str]) -> str:
        return series(items, self.labels.text("and"))

    def ci(self, low: Any, high: Any, digits: builtins.int = 1) -> str:
        """An interval: ``1,2–3,4``, or ``−1,2 till 3,4`` where a dash would read as minus."""
        if _float(low) < 0 or _float(high) < 0:
            to = self.labels.text("to")
            return f"{self.num(low, digits)} {to} {self.num(high, digits)}"
        return f"{self.num(low, digits)}–{self.num(high, digits)}"


def series(items: Sequence[Any], and_word: str) -> str:
    """``a, b och c``: a list the way the language writes one (no serial comma)."""
    words = [str(i) for i in items]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {and_word} {words[-1]}"


def _direction(value: float, digits: int = 1) -> str:
    if not np.isfinite(value):
        return "unknown"
    rounded = round(value, digits)
    return "up" if rounded > 0 else "down" if rounded < 0 else "unchanged"


def _visible(row: pd.Series | None) -> bool:
    """A row that exists and is not suppressed."""
    return row is not None and not bool(_suppressed(row.to_frame().T).iloc[0])


def _decomposed(fmt: _Fmt, row: pd.Series) -> dict[str, Any]:
    """One year's national change split into its parts, with intervals where known."""
    parts: dict[str, Any] = {}
    for part in DECOMPOSITION_PARTS:
        low, high = _float(row.get(f"{part}_ci_low")), _float(row.get(f"{part}_ci_high"))
        known = np.isfinite(low) and np.isfinite(high)
        parts[part] = {
            "value": fmt.signed(row[part]),
            "plain": fmt.num(row[part]),
            "abs": fmt.num(abs(_float(row[part]))),
            "direction": _direction(_float(row[part])),
            "ci": fmt.ci(low, high) if known else None,
            # An interval that holds zero: the part cannot be told from no change.
            "clear": bool(known and (low > 0 or high < 0)),
        }
    within, composition = _float(row["within"]), _float(row["composition"])
    parts["driver"] = "composition" if abs(composition) > abs(within) else "within"
    return parts


def _score(fmt: _Fmt, row: pd.Series | None, indicator: str) -> dict[str, Any]:
    if row is None:
        value = low = high = math.nan
    else:
        value = _float(row.get(indicator))
        low = _float(row.get(f"{indicator}_ci_low"))
        high = _float(row.get(f"{indicator}_ci_high"))
    return {
        "code": indicator,
        "name": fmt.labels.indicator(indicator),
        "value": fmt.num(value),
        "pct": fmt.labels.percent(value, 1),
        "ci_low": fmt.num(low),
        "ci_high": fmt.num(high),
        "ci": fmt.with_percent(fmt.ci(low, high)),
        "raw": value,
    }


# --- markdown tables --------------------------------------------------------------------


@dataclass
class _Table:
    markdown: str
    suppressed: bool
    #: A further note on what a "–" means there, besides suppression.
    note: str | None = None


def _frame_table(
    fmt: _Fmt,
    frame: pd.DataFrame,
    columns: Sequence[str],
    names: Mapping[str, Any] | None = None,
    digits: Mapping[str, int] | None = None,
    headers: Mapping[str, str] | None = None,
) -> _Table:
    """A published table as Markdown: translated headers, formatted numbers, "–" for
    missing and suppressed cells. ``names`` translates code columns (column -> function)."""
    names = names or {}
    digits = digits or {}
    headers = headers or {}
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column in columns:
            value = row[column]
            if column in names:
                cells.append(names[column](value))
            elif column == "year":
                cells.append(str(int(value)))
            elif (
                column.startswith("n_")
                or column in {"n", "received", "analysed"}
                or (column.startswith("excluded_"))
            ):
                cells.append(fmt.int(value))
            else:
                cells.append(fmt.num(value, digits.get(column, 1)))
        rows.append(cells)
    heads = [headers.get(c) or fmt.labels.header(c) for c in columns]
    align = "".join("l" if c in names else "r" for c in columns)
    return _Table(markdown_table(rows, heads, align), bool(_suppressed(frame).any()))


def _model_header(labels: Labels, name: str, fit: Mapping[str, str]) -> str:
    """A model's column header: its outcome and kind, or its config name if unlabelled."""
    try:
        return labels.model(fit)
    except KeyError:
        return name


def _fit_dict(name: str, fit: pd.DataFrame | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(fit, pd.DataFrame):
        return read_model(name, pd.DataFrame(), fit).fit
    return dict(fit)
