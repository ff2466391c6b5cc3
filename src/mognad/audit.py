"""Interval audit: what a reader can derive about hidden values from the published tables.

Small-cell suppression hides a group's value, but the published numbers of a year are
linked: the national figure is the organisation-weighted mean of the sectors' (and of the
types'), a type's is the mean of its sectors'. A reader who knows these relations and
the published organisation counts can solve for a hidden value. This module does what
such a reader would, by linear programming (scipy's HiGHS): for every hidden value, the
tightest interval that the published numbers allow.

The unknowns are the totals T_c of each *cell*, the finest grouping that the published
tables cut the organisations into (sector within organisation type), each bounded by
0 <= T_c <= 100 n_c (scores are 0-100 %). Every published mean of a group g is the
constraint n_g (v - h) <= sum of its cells' T_c <= n_g (v + h), where h is half a unit in
the value's sixth significant digit (the published precision). A hidden group's interval
is the minimum and maximum of its mean over that polytope. An organisation alone in
its cell of n_c organisations lies in [max(0, T_min - 100 (n_c - 1)), min(100, T_max)].

The *insider* is a participating organisation that knows its own score (its profile
shows it): its cell's total then lies in [x_o, x_o + 100 (n_c - 1)], and the other
organisations of its cell share what remains.

What the audit does not model (yet): confidence bounds (not linear in the cell totals),
the year-to-year change tables, and relations between indicators; a hidden row hides all
its indicators, so only a shown indicator of the same row could link them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from mognad.io import SIGNIFICANT_DIGITS

#: Scores lie in [0, SCORE_MAX].
SCORE_MAX = 100.0
#: The tables whose group means the audit links: level, table, group column.
LINKED = (
    ("national", "national_by_year", None),
    ("org_type", "type_by_year", "org_type"),
    ("sector", "sector_by_year", "sector"),
)


@dataclass(frozen=True)
class Group:
    """A published group of one year: its cells and its number of organisations."""

    level: str
    name: str
    cells: tuple[str, ...]
    n_orgs: int


def year_cells(sample: pd.DataFrame, year: int) -> tuple[dict[str, int], list[Group]]:
    """The cells (sectors, with their organisation counts) of one year and every group
    of the linked tables as a union of cells, from the published ``sample`` table."""
    rows = sample[sample["year"] == year]
    cells = {str(r.sector): int(r.n_orgs) for r in rows.itertuples()}
    groups = [Group("national", "all", tuple(sorted(cells)), sum(cells.values()))]
    for org_type, part in rows.groupby("org_type", sort=True):
        members = tuple(sorted(part["sector"].astype(str)))
        groups.append(Group("org_type", str(org_type), members, int(part["n_orgs"].sum())))
    groups += [Group("sector", c, (c,), n) for c, n in sorted(cells.items())]
    return cells, groups


def _half_unit(value: float) -> float:
    """Half a unit in the sixth significant digit: how far the published value may lie
    from the exact one."""
    if value == 0:
        return 0.0
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - SIGNIFICANT_DIGITS + 1)


def published_values(
    tables: Mapping[str, pd.DataFrame], year: int, indicator: str
) -> dict[tuple[str, str], float]:
    """(level, group) -> the published value of ``indicator`` (NaN where hidden)."""
    out = {}
    for level, name, column in LINKED:
        table = tables[name]
        for row in table[table["year"] == year].itertuples():
            group = "all" if column is None else str(getattr(row, column))
            out[(level, group)] = float(getattr(row, indicator))
    return out


@dataclass(frozen=True)
class _Polytope:
    """The linear facts of one year and indicator: A T <= b, lo <= T <= hi."""

    cells: tuple[str, ...]
    a_ub: np.ndarray
    b_ub: np.ndarray

    def bounds(self, sizes: Mapping[str, int], insider: tuple[str, float] | None):
        out = [(0.0, SCORE_MAX * sizes[c]) for c in self.cells]
        if insider is not None:
            cell, own = insider
            i = self.cells.index(cell)
            out[i] = (own, own + SCORE_MAX * (sizes[cell] - 1))
        return out

    def extent(self, weights: np.ndarray, bounds) -> tuple[float, float]:
        """min and max of weights @ T over the polytope (NaN, NaN when infeasible)."""
        ends = []
        for sign in (1.0, -1.0):
            res = linprog(
                sign * weights, A_ub=self.a_ub, b_ub=self.b_ub, bounds=bounds, method="highs"
            )
            if res.status != 0:
                return (math.nan, math.nan)
            ends.append(sign * res.fun)
        return ends[0], ends[1]


def _polytope(
    cells: Mapping[str, int], groups: Sequence[Group], values: Mapping[tuple[str, str], float]
) -> _Polytope:
    order = tuple(sorted(cells))
    rows, rhs = [], []
    for group in groups:
        value = values.get((group.level, group.name), math.nan)
        if not math.isfinite(value):
            continue
        member = np.array([c in group.cells for c in order], dtype=float)
        h = _half_unit(value)
        rows += [member, -member]
        rhs += [group.n_orgs * (value + h), -group.n_orgs * (value - h)]
    a_ub = np.array(rows) if rows else np.zeros((0, len(order)))
    return _Polytope(order, a_ub, np.array(rhs))


def audit_year(
    tables: Mapping[str, pd.DataFrame],
    year: int,
    indicators: Sequence[str],
    insiders: pd.DataFrame | None = None,
    targets: Sequence[str] = ("group", "organisation"),
    outsider: bool = True,
) -> pd.DataFrame:
    """The tightest interval the published tables of ``year`` allow for every hidden
    group value and for every single organisation, per indicator.

    ``tables`` are the published tables (``sample``, ``national_by_year``,
    ``type_by_year``, ``sector_by_year``). ``insiders``: organisations that know their own
    value, with ``org_id``, ``sector`` and each indicator; each is audited as an attacker
    of its own (``attacker`` = its id), besides the outside reader (``outsider``, unless
    ``outsider`` is false). ``targets`` limits what is bounded.

    Returns ``year, indicator, attacker, target, level, group, n_orgs, low, high,
    width``: ``target`` is ``group`` (a hidden group's mean) or ``organisation`` (any
    one organisation of the cell ``group``, other than the insider).
    """
    cells, groups = year_cells(tables["sample"], year)
    order = tuple(sorted(cells))
    records = []
    attackers: list[tuple[str, pd.Series | None]] = [("outsider", None)] if outsider else []
    if insiders is not None:
        attackers += [(str(r["org_id"]), r) for _, r in insiders.sort_values("org_id").iterrows()]
    for indicator in indicators:
        values = published_values(tables, year, indicator)
        polytope = _polytope(cells, groups, values)
        for name, row in attackers:
            insider = None if row is None else (str(row["sector"]), float(row[indicator]))
            bounds = polytope.bounds(cells, insider)
            for group in groups if "group" in targets else ():
                if math.isfinite(values.get((group.level, group.name), math.nan)):
                    continue
                # An insider in the group is audited on the mean of the group's others.
                own = insider is not None and insider[0] in group.cells
                others = group.n_orgs - own
                if others < 1:
                    continue
                weights = np.array([c in group.cells for c in order], float) / others
                low, high = polytope.extent(weights, bounds)
                if own:
                    low, high = low - insider[1] / others, high - insider[1] / others
                target = Group(group.level, group.name, group.cells, others)
                records.append((indicator, name, "group", target, low, high))
            for cell in order if "organisation" in targets else ():
                others = cells[cell] - (insider is not None and insider[0] == cell)
                if others < 1:
                    continue
                weights = np.array([c == cell for c in order], dtype=float)
                t_min, t_max = polytope.extent(weights, bounds)
                if insider is not None and insider[0] == cell:
                    t_min, t_max = t_min - insider[1], t_max - insider[1]
                # NaN first: max/min keep it (tables that contradict each other)
                low = max(t_min - SCORE_MAX * (others - 1), 0.0)
                high = min(t_max, SCORE_MAX)
                records.append(
                    (
                        indicator,
                        name,
                        "organisation",
                        Group("sector", cell, (cell,), others),
                        low,
                        high,
                    )
                )
    frame = pd.DataFrame(
        [
            (year, ind, who, target, g.level, g.name, g.n_orgs, lo, hi)
            for ind, who, target, g, lo, hi in records
        ],
        columns=[
            "year",
            "indicator",
            "attacker",
            "target",
            "level",
            "group",
            "n_orgs",
            "low",
            "high",
        ],
    )
    frame["width"] = frame["high"] - frame["low"]
    return frame
