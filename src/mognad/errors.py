"""Problems found in inputs, reported so a person can find and fix them.

Every problem names the file, and where they apply the row (as a spreadsheet shows it:
the header is row 1) and the column, what was found and what was expected. Problems are
collected, not raised one at a time, so a check can list all of them at once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: How many row numbers one grouped problem spells out before it summarises.
MAX_ROWS_SHOWN = 10
#: Longest cell text a message quotes; longer text is free text, described, not shown.
MAX_QUOTED = 40
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
#: A Swedish personal or coordination number (samordningsnummer: day + 60): with the
#: century (YYYYMMDD, then an optional - or +) or with the separator (YYMMDD-), then
#: four digits; so that a survey tool's plain ten-digit response number is not one.
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
PERSONNUMMER = re.compile(
    rf"(?<!\d)(?:(?:19|20)\d{{2}}{_DATE}[-+]?|\d{{2}}{_DATE}[-+])\d{{4}}(?!\d)"
)


def shown_value(value: object) -> str:
    """A cell's content as a message may show it: quoted, unless it is, or holds, personal
    data (an e-mail address, a personal identity number) or long free text, which are
    described by kind only, so that no message or log repeats them."""
    text = str(value)
    if EMAIL.search(text):
        return "an e-mail address"
    if PERSONNUMMER.search(text):
        return "a personal identity number"
    if len(text) > MAX_QUOTED:
        return f"a text of {len(text)} characters"
    return f"'{text}'"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, located as precisely as the input allows."""

    file: str
    found: str
    expected: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    #: What a position is called: "row" in a table (header = 1), "line" in a text file.
    unit: str = "row"

    def location(self) -> str:
        parts = [self.file]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_SHOWN])
            more = len(self.rows) - MAX_ROWS_SHOWN
            label = self.unit if len(self.rows) == 1 else f"{self.unit}s"
            parts.append(f"{label} {shown}" + (f" and {more} more" if more > 0 else ""))
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: found {self.found}; expected {self.expected}"


class InputError(Exception):
    """Raised when an input cannot be used as it is; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__(format_problems(self.problems))


def format_problems(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    head = f"{len(problems)} problem(s) in the input:" if len(problems) > 1 else "Bad input:"
    return "\n".join([head, *(f"  - {p}" for p in problems)])


def raise_if_any(problems: Sequence[Problem]) -> None:
    if problems:
        raise InputError(problems)


def exit_if_any(problems: Sequence[Problem], hint: str = "") -> None:
    """For the workflow's own set-up: print the problems, as the check does, and end the
    process (no traceback: the run has not started, nothing was written)."""
    if problems:
        print(format_problems(problems) + (f"\n{hint}" if hint else ""), file=sys.stderr)
        raise SystemExit(1)
