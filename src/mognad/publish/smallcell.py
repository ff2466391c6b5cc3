"""The small-cell rule, in one place and without heavy imports.

A value may be published only when it rests on at least ``min_orgs`` organisations and
``min_respondents`` respondents (``config.yaml`` → ``disclosure``). Every stage asks these
two predicates: the table gate (:mod:`mognad.publish.disclosure`, on whole columns), the models'
gate, the quadrant points and each organisation's profile (on single numbers, while
rendering, where pandas is not loaded). They take a number or a numpy array alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

Count = TypeVar("Count")
_Result_co = TypeVar("_Result_co", covariant=True)


class _ComparesToInt(Protocol[_Result_co]):
    """A number or an array: whatever ``< int`` gives (a bool, or an array of them)."""

    def __lt__(self, other: int, /) -> _Result_co: ...


@dataclass(frozen=True)
class Thresholds:
    """The smallest number of organisations and respondents a published value may rest on,
    and how wide (index points) the interval a reader can derive for a hidden value must
    stay (``protection_width``, see :func:`mognad.publish.disclosure.complementary_hidden`)."""

    min_orgs: int = 3
    min_respondents: int = 5
    protection_width: float = 10.0

    @classmethod
    def from_config(cls, disclosure: Mapping[str, Any]) -> Thresholds:
        return cls(
            int(disclosure["min_orgs"]),
            int(disclosure["min_respondents"]),
            float(disclosure.get("protection_width", cls.protection_width)),
        )

    def too_few_orgs(self, n_orgs: _ComparesToInt[Count]) -> Count:
        """True where a value rests on fewer organisations than may be published."""
        return n_orgs < self.min_orgs

    def too_few_respondents(self, n_respondents: _ComparesToInt[Count]) -> Count:
        """True where a value rests on fewer respondents than may be published."""
        return n_respondents < self.min_respondents
