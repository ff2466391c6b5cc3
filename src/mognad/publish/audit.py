"""Interval audit: what a reader can derive about hidden values from the published tables.

Small-cell suppression hides a group's value, but the published numbers of a year are
linked: the national figure is the organisation-weighted mean of the sectors' (and of the
types', the areas' and the size bands'), a type's is the mean of its sectors'. A reader
who knows these relations and the published organisation counts can solve for a hidden
value. This module does what
such a reader would, by linear programming (scipy's HiGHS): for every hidden value, the
tightest interval that the published numbers allow.

The unknowns are the totals T_c of each *cell*, the finest grouping that the published
tables cut the organisations into (sector within organisation type; with the peer
groups' tables, a sector within an area and a size band), each bounded by
0 <= T_c <= 100 n_c (scores are 0-100 %). Every published mean of a group g is the
constraint n_g (v - h) <= sum of its cells' T_c <= n_g (v + h), where h is half a unit in
the value's sixth significant digit (the published precision). A hidden group's interval
is the minimum and maximum of its mean over that polytope. An organisation alone in
its cell of n_c organisations lies in [max(0, T_min - 100 (n_c - 1)), min(100, T_max)].

The *insider* is a participating organisation that knows its own score (its profile
shows it): its cell's total then lies in [x_o, x_o + 100 (n_c - 1)], and the other
organisations of its cell share what remains.

:func:`audit_changes` adds the change tables: over two consecutive years, with every
organisation's value as an unknown, the stayers', joiners' and leavers' parts of each
change are linear in them too.

What the audit does not model: confidence bounds (not linear in the values), and
relations between indicators; a hidden row hides all its indicators, so only a shown
indicator of the same row could link them.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from mognad.analyses.changeparts import part_weights
from mognad.io import SIGNIFICANT_DIGITS
from mognad.publish.disclosure import LINKED_TABLES, linked_levels
from mognad.publish.smallcell import Thresholds

#: Scores lie in [0, SCORE_MAX].
SCORE_MAX = 100.0
#: Levels that cut across sectors: their cells need who is where (``members``).
CROSSING = ("area", "size_band")


@dataclass(frozen=True)
class Group:
    """A published group of one year: its cells and its number of organisations."""

    level: str
    name: str
    cells: tuple[str, ...]
    n_orgs: int


def _linked(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, str, str | None]]:
    """The linked tables among ``tables`` as (level, table, group column), the nation
    first."""
    return [(level, *LINKED_TABLES[level]) for level in linked_levels(tables)]


def cell_columns(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The columns whose values make a cell: the sector, and each crossing level linked."""
    return ["sector", *(lv for lv, _, _ in _linked(tables) if lv in CROSSING)]


def cell_key(row: Mapping | pd.Series, columns: Sequence[str]) -> str:
    """The name of the cell of an organisation (``row`` holds its ``columns``)."""
    return "/".join(str(row[c]) for c in columns)


def year_cells(
    tables: Mapping[str, pd.DataFrame], year: int, members: pd.DataFrame | None = None
) -> tuple[dict[str, int], list[Group]]:
    """The cells of one year (with their organisation counts) and every group of the
    linked tables as a union of cells.

    Without area and size tables a cell is a sector, as the published ``sample`` table
    counts them. With them, a cell is a sector within an area and a size band, from
    ``members`` (``year``, ``org_id``, ``sector`` and the crossing columns): who took
    part is public, and a reader may know every participant's county and size.
    """
    sample = tables["sample"]
    rows = sample[sample["year"] == year]
    type_of = dict(zip(rows["sector"].astype(str), rows["org_type"].astype(str), strict=True))
    columns = cell_columns(tables)
    if len(columns) == 1:
        frame = rows.assign(sector=rows["sector"].astype(str))[["sector", "n_orgs"]]
    elif members is None:
        raise ValueError(f"the {columns[1:]} tables are linked only with the members' groups")
    else:
        part = members[members["year"] == year].astype({c: str for c in columns})
        frame = part.groupby(columns, sort=True).size().rename("n_orgs").reset_index()
    frame = frame.assign(
        org_type=frame["sector"].map(type_of),
        cell=[cell_key(r, columns) for r in frame[columns].to_dict("records")],
    )
    cells = dict(zip(frame["cell"], frame["n_orgs"].astype(int), strict=True))
    groups = [Group("national", "all", tuple(sorted(cells)), sum(cells.values()))]
    for level, _, column in _linked(tables)[1:]:
        for name, part in frame.groupby(column, sort=True):
            members_of = tuple(sorted(part["cell"]))
            groups.append(Group(level, str(name), members_of, int(part["n_orgs"].sum())))
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
    for level, name, column in _linked(tables):
        table = tables[name]
        for row in table[table["year"] == year].itertuples():
            group = "all" if column is None else str(getattr(row, column))
            out[(level, group)] = float(getattr(row, indicator))
    return out


def _quiet_highs() -> highspy.Highs:
    """A HiGHS solver. Its constructor prints a banner on the process' own standard
    output, past Python's streams, which would reach every job's console: the output
    file is pointed at the null device while it runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    solver.setOptionValue("output_flag", False)
    return solver


class _Polytope:
    """The linear facts of one year and indicator: A T <= b, lo <= T <= hi.

    One HiGHS model holds the rows; each bound (an objective and an attacker's bounds on
    the unknowns) re-solves it from the previous basis, which is many times faster than a
    fresh solve, since the audit asks hundreds of questions of one set of facts."""

    def __init__(self, cells: tuple[str, ...], a_ub: np.ndarray, b_ub: np.ndarray):
        self.cells = cells
        n = len(cells)
        self._columns = np.arange(n, dtype=np.int32)
        self._solver = _quiet_highs()
        self._solver.setOptionValue("threads", 1)
        self._solver.addVars(n, np.zeros(n), np.full(n, SCORE_MAX))
        if len(b_ub):
            matrix = np.asarray(a_ub, dtype=float)
            rows, cols = np.nonzero(matrix)
            starts = np.searchsorted(rows, np.arange(len(matrix))).astype(np.int32)
            self._solver.addRows(
                len(matrix),
                np.full(len(matrix), -highspy.kHighsInf),
                np.asarray(b_ub, dtype=float),
                len(rows),
                starts,
                cols.astype(np.int32),
                matrix[rows, cols],
            )

    def bounds(self, sizes: Mapping[str, int], insider: tuple[str, float] | None):
        out = [(0.0, SCORE_MAX * sizes[c]) for c in self.cells]
        if insider is not None:
            cell, own = insider
            i = self.cells.index(cell)
            out[i] = (own, own + SCORE_MAX * (sizes[cell] - 1))
        return out

    def extent(self, weights: np.ndarray, bounds) -> tuple[float, float]:
        """min and max of weights @ T over the polytope (NaN, NaN when infeasible)."""
        lower, upper = (np.array(side, dtype=float) for side in zip(*bounds, strict=True))
        solver, n = self._solver, len(self.cells)
        solver.changeColsBounds(n, self._columns, lower, upper)
        ends = []
        for sign in (1.0, -1.0):
            solver.changeColsCost(n, self._columns, sign * np.asarray(weights, dtype=float))
            solver.run()
            if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return (math.nan, math.nan)
            ends.append(sign * solver.getInfo().objective_function_value)
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
    members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The tightest interval the published tables of ``year`` allow for every hidden
    group value and for every single organisation, per indicator.

    ``tables`` are the published tables (``sample``, ``national_by_year``,
    ``type_by_year``, ``sector_by_year`` and, if published, ``area_by_year`` and
    ``size_by_year``, which need ``members``: see :func:`year_cells`). ``insiders``:
    organisations that know their own value, with ``org_id``, ``sector`` (and the
    crossing columns) and each indicator; each is audited as an attacker of its own
    (``attacker`` = its id), besides the outside reader (``outsider``, unless
    ``outsider`` is false). ``targets`` limits what is bounded.

    Returns ``year, indicator, attacker, target, level, group, n_orgs, low, high,
    width``: ``target`` is ``group`` (a hidden group's mean) or ``organisation`` (any
    one organisation of the cell ``group``, other than the insider).
    """
    cells, groups = year_cells(tables, year, members)
    columns = cell_columns(tables)
    order = tuple(sorted(cells))
    records = []
    attackers = _attackers(insiders, outsider)
    for indicator in indicators:
        values = published_values(tables, year, indicator)
        polytope = _polytope(cells, groups, values)
        for name, row in attackers:
            insider = None if row is None else (cell_key(row, columns), float(row[indicator]))
            bounds = polytope.bounds(cells, insider)
            for group in groups if "group" in targets else ():
                if math.isfinite(values.get((group.level, group.name), math.nan)):
                    continue
                bounded = _group_extent(polytope, order, group, insider, bounds)
                if bounded is not None:
                    records.append((indicator, name, "group", *bounded))
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
                        Group("cell", cell, (cell,), others),
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


def _attackers(insiders: pd.DataFrame | None, outsider: bool) -> list[tuple[str, pd.Series | None]]:
    """Who reads the tables: the outside reader, then each insider by id."""
    attackers: list[tuple[str, pd.Series | None]] = [("outsider", None)] if outsider else []
    if insiders is not None:
        attackers += [(str(r["org_id"]), r) for _, r in insiders.sort_values("org_id").iterrows()]
    return attackers


def _group_extent(
    polytope: _Polytope,
    order: tuple[str, ...],
    group: Group,
    insider: tuple[str, float] | None,
    bounds: list[tuple[float, float]],
) -> tuple[Group, float, float] | None:
    """The interval for a hidden group's mean as one reader sees it; an insider in the
    group is audited on the mean of the group's others (None when it has none)."""
    own = insider is not None and insider[0] in group.cells
    others = group.n_orgs - own
    if others < 1:
        return None
    weights = np.array([c in group.cells for c in order], float) / others
    low, high = polytope.extent(weights, bounds)
    if insider is not None and own:
        low, high = low - insider[1] / others, high - insider[1] / others
    return Group(group.level, group.name, group.cells, others), low, high


def first_narrow_group(
    tables: Mapping[str, pd.DataFrame],
    year: int,
    indicators: Sequence[str],
    insiders: pd.DataFrame | None,
    members: pd.DataFrame | None,
    width: float,
) -> tuple[str, str] | None:
    """The first hidden group in (level, group) order whose mean the outside reader or an
    insider can bound narrower than ``width`` on some indicator, or None.

    The same answer as the smallest narrow group of :func:`audit_year` over the outsider
    and ``insiders``, found without bounding the groups after it: complementary
    suppression asks this after every group it hides."""
    cells, groups = year_cells(tables, year, members)
    columns = cell_columns(tables)
    order = tuple(sorted(cells))
    facts = []
    for indicator in indicators:
        values = published_values(tables, year, indicator)
        facts.append((indicator, values, _polytope(cells, groups, values)))
    attackers = _attackers(insiders, outsider=True)
    for group in sorted(groups, key=lambda g: (g.level, g.name)):
        for indicator, values, polytope in facts:
            if math.isfinite(values.get((group.level, group.name), math.nan)):
                continue
            for _, row in attackers:
                insider = None if row is None else (cell_key(row, columns), float(row[indicator]))
                bounded = _group_extent(
                    polytope, order, group, insider, polytope.bounds(cells, insider)
                )
                if bounded is not None and not (bounded[2] - bounded[1] >= width):
                    return group.level, group.name
    return None


# --- the change tables --------------------------------------------------------------------

#: The change tables and the parts each publishes, as parts of :func:`part_weights`
#: (``year_over_year``'s ``within`` is the stayers' mean change: within + interaction).
CHANGE_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "year_over_year": {
        "cross_sectional": ("cross_sectional",),
        "within": ("within", "interaction"),
    },
    "change_decomposition": {
        part: (part,) for part in ("cross_sectional", "within", "composition", "interaction")
    },
}


def audit_changes(
    tables: Mapping[str, pd.DataFrame],
    year: int,
    previous: int,
    members: pd.DataFrame,
    indicator: str,
    thresholds: Thresholds,
) -> pd.DataFrame:
    """The tightest interval for every hidden value of two consecutive years' level tables
    and of the change tables of ``year``, from all of them together.

    Unlike :func:`audit_year` the unknowns are the organisations' own values in both
    years (each in [0, 100]): a change part is a weighted sum of them (stayers, joiners
    and leavers, :func:`mognad.analyses.changeparts.part_weights`), not of the cells' totals.
    ``members`` (``year``, ``org_id``, ``org_type``, ``sector``) says who took part in
    which group: the reader is assumed to know it (the lists of participants are public),
    the worst case. Every shown value is a constraint at its published precision.

    Returns ``year, indicator, table, scope, part, sensitive, low, high, width`` for every
    hidden
    value (``table`` a level or change table; ``scope`` ``national``, a type or a sector;
    ``part`` the indicator for level tables). ``width`` is in the index points of the
    values a part is made of: the interval's length divided by the sum of the absolute
    weights (1 for a mean; 2 for a difference of two means; 2 (1 - p) for the interaction,
    which the stayers' share p keeps small), so that one protection width applies to all.
    A part that is zero by its definition (within without stayers) is not a target.
    ``sensitive`` marks the values hidden for their own sake, as the small-cell rule
    (``thresholds``) says: a level or change of a small group, a composition part resting
    on few joiners or leavers, a stayers' part resting on few stayers. The others are
    hidden only to protect these (complementary) and need no width of their own: the
    stayers' change of a sector with two joiners is close to its published change.
    """
    who = members[members["year"].isin([previous, year])]
    keys = list(zip(who["year"].astype(int), who["org_id"].astype(str), strict=True))
    position = {key: i for i, key in enumerate(keys)}
    forms: list[tuple[str, int, str, str, np.ndarray, float, bool]] = []

    def level_form(y: int, rows: pd.DataFrame) -> np.ndarray:
        weights = np.zeros(len(keys))
        for org in rows["org_id"].astype(str):
            weights[position[(y, org)]] = 1.0 / len(rows)
        return weights

    for _, name, column in _linked(tables):
        table = tables[name]
        for y in (previous, year):
            part = who[who["year"] == y]
            for row in table[table["year"] == y].itertuples():
                group = "national" if column is None else str(getattr(row, column))
                rows = part if column is None else part[part[column].astype(str) == group]
                if len(rows):
                    value = float(getattr(row, indicator))
                    small = bool(thresholds.too_few_orgs(len(rows)))
                    forms.append((name, y, group, indicator, level_form(y, rows), value, small))
    for name, parts in CHANGE_TABLES.items():
        table = tables[name]
        table = table[(table["year"] == year) & (table["indicator"] == indicator)]
        for row in table.itertuples():
            scope = str(row.scope)
            before = who[who["year"] == previous]
            after = who[who["year"] == year]
            if scope != "national":
                before = before[before["sector"].astype(str) == scope]
                after = after[after["sector"].astype(str) == scope]
            prev_ids = pd.Index(before["org_id"].astype(str))
            now_ids = pd.Index(after["org_id"].astype(str))
            weights = part_weights(prev_ids, now_ids)
            few = {
                count: bool(n > 0 and thresholds.too_few_orgs(n))
                for count, n in (
                    ("group", min(len(prev_ids), len(now_ids))),
                    ("stayers", len(prev_ids.intersection(now_ids))),
                    ("joiners", len(now_ids.difference(prev_ids))),
                    ("leavers", len(prev_ids.difference(now_ids))),
                )
            }
            for column, summed in parts.items():
                form = np.zeros(len(keys))
                for piece in summed:
                    w_prev, w_now = weights[piece]
                    for org, w in w_prev.items():
                        form[position[(previous, org)]] += w
                    for org, w in w_now.items():
                        form[position[(year, org)]] += w
                rests_on = ("joiners", "leavers") if column == "composition" else ("stayers",)
                sensitive = few["group"] or (
                    column != "cross_sectional" and any(few[c] for c in rests_on)
                )
                value = float(getattr(row, column))
                forms.append((name, year, scope, column, form, value, sensitive))
    shown = [(f, v) for *_, f, v, _ in forms if math.isfinite(v)]
    a_ub = np.array([row for f, v in shown for row in (f, -f)]).reshape(-1, len(keys))
    b_ub = np.array(
        [b for f, v in shown for b in (v + _half_unit(v), -(v - _half_unit(v)))], dtype=float
    )
    polytope = _Polytope(tuple(map(str, range(len(keys)))), a_ub, b_ub)
    bounds = [(0.0, SCORE_MAX)] * len(keys)
    records = []
    for name, y, scope, part, form, value, sensitive in forms:
        if math.isfinite(value) or not form.any():  # shown, or zero by its definition
            continue
        low, high = polytope.extent(form, bounds)
        weight = float(np.abs(form).sum())
        records.append((y, indicator, name, scope, part, sensitive, low, high, weight))
    columns = ["year", "indicator", "table", "scope", "part", "sensitive", "low", "high", "weight"]
    frame = pd.DataFrame(records, columns=columns)
    frame["width"] = (frame["high"] - frame["low"]) / frame["weight"]
    return frame.drop(columns="weight")
