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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mognad.publish.smallcell import Thresholds

#: Name of the flag column added to every suppressed table.
SUPPRESSED = "suppressed"
#: Columns that describe a row rather than measure anything (never suppressed).
DESCRIPTIVE = ("year", "method_version")


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


def _below(
    table: pd.DataFrame,
    columns: Sequence[str],
    too_few: Callable[[pd.Series], pd.Series],
    zero_ok: Sequence[str],
) -> pd.Series:
    small = pd.Series(False, index=table.index)
    for column in columns:
        counts = pd.to_numeric(table[column], errors="coerce")
        low = too_few(counts)
        if column in zero_ok:
            low &= counts != 0
        small |= low.fillna(False).to_numpy()
    return small


def small_rows(table: pd.DataFrame, rule: CellRule, thresholds: Thresholds) -> pd.Series:
    """Rows resting on too few organisations or respondents (their values are all hidden)."""
    orgs = _below(table, rule.org_counts, thresholds.too_few_orgs, rule.zero_ok)
    people = _below(table, rule.respondent_counts, thresholds.too_few_respondents, rule.zero_ok)
    return orgs | people


def _hidden_cells(table: pd.DataFrame, rule: CellRule, thresholds: Thresholds) -> pd.DataFrame:
    """Boolean frame over the value columns: True where the value must not be shown."""
    values = rule.value_columns(table)
    rows = small_rows(table, rule, thresholds).to_numpy()
    hidden = pd.DataFrame(np.repeat(rows[:, None], len(values), axis=1), table.index, values)
    for count, columns in rule.partial.items():
        low = _below(table, [count], thresholds.too_few_orgs, rule.zero_ok).to_numpy()
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
    return orgs[~small_rows(orgs, CellRule(respondent_counts=("n_respondents",)), thresholds)]


#: Columns of the anonymous points of the quadrant figure (``quadrant_points``).
POINT_COLUMNS = ("year", "org_type", "capability", "legacy", "quadrant")


def quadrant_points(orgs: pd.DataFrame, year: int, thresholds: Thresholds) -> pd.DataFrame:
    """The report year's organisations as anonymous points: capability, legacy and
    quadrant of every organisation with enough respondents, and its type only where the
    type has at least ``min_orgs`` points (else missing: a point of a type of two is one
    of two known organisations). No id, sector or size; rows in the order of their
    values, not of the register."""
    rows = publishable_orgs(orgs[orgs["year"] == year], thresholds)
    points = rows[[c for c in POINT_COLUMNS if c in rows.columns]]
    points = points.dropna(subset=["capability", "legacy"]).copy()
    if "org_type" in points:
        size = points.groupby("org_type", observed=True)["year"].transform("size")
        points["org_type"] = points["org_type"].astype(object).where(~thresholds.too_few_orgs(size))
    return points.sort_values(["capability", "legacy"], kind="stable").reset_index(drop=True)


# --- complementary suppression -------------------------------------------------------------

#: The linked tables of a year, by level: the national mean is the organisation-weighted
#: mean of the types', of the sectors', of the areas' and of the size bands', and a type's
#: is that of its sectors'. Areas and size bands cut across sectors (:mod:`mognad.peers`).
LINKED_TABLES = {
    "national": ("national_by_year", None),
    "org_type": ("type_by_year", "org_type"),
    "sector": ("sector_by_year", "sector"),
    "area": ("area_by_year", "area"),
    "size_band": ("size_by_year", "size_band"),
}
GroupKey = tuple[int, str, str]  # (year, level, group)


def linked_levels(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The levels whose linked table is among ``tables``."""
    return [level for level, (name, _) in LINKED_TABLES.items() if name in tables]


def _margins(
    tables: Mapping[str, pd.DataFrame], year: int
) -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
    """Each linked relation of a year as (total, members): nation = its types, its
    sectors, its areas, its size bands; type = its sectors."""
    sample_year = tables["sample"][tables["sample"]["year"] == year]
    margins = []
    for level in linked_levels(tables)[1:]:
        rows = group_rows(tables, level)
        groups = sorted(rows.loc[rows["year"] == year, "group"].astype(str))
        margins.append((("national", "all"), [(level, g) for g in groups]))
    for org_type in sorted(sample_year["org_type"].astype(str).unique()):
        part = sample_year[sample_year["org_type"].astype(str) == org_type]
        margins.append(
            (
                ("org_type", org_type),
                [("sector", str(s)) for s in sorted(part["sector"].astype(str))],
            )
        )
    return margins


def group_rows(tables: Mapping[str, pd.DataFrame], level: str) -> pd.DataFrame:
    """The rows of the linked table of ``level`` with ``group`` (``all`` for the nation)."""
    name, column = LINKED_TABLES[level]
    table = tables[name]
    group = table[column].astype(str) if column else pd.Series("all", index=table.index)
    return table.assign(group=group.to_numpy())


def hide(table: pd.DataFrame, rows: np.ndarray | pd.Series, rule: CellRule) -> pd.DataFrame:
    """The table with every value of ``rows`` set missing and those rows marked."""
    rows = np.asarray(rows, dtype=bool)
    if not rows.any():
        return table
    out = table.copy()
    for column in rule.value_columns(out):
        out[column] = out[column].astype("float64").mask(rows)
    out[SUPPRESSED] = out[SUPPRESSED].astype(bool).to_numpy() | rows
    return out


def complementary_hidden(
    tables: Mapping[str, pd.DataFrame],
    indicators: Sequence[str],
    thresholds: Thresholds,
    orgs: pd.DataFrame | None = None,
) -> set[GroupKey]:
    """Groups to hide besides the small ones, so that no hidden value of the linked
    tables can be narrowed below ``thresholds.protection_width`` from what is published.

    ``tables``: the published ``sample`` and linked tables, small cells already hidden.
    The method is the classic one of table-protection software (τ-Argus' singleton
    rule, sdcTable's simple heuristic), checked by an exact audit: in every relation
    (nation = its types, its sectors, its areas or its size bands; type = its sectors)
    whose total is shown, one hidden member alone would be the total minus the others,
    so the member with the fewest organisations is hidden beside it (the total itself
    where it has one member);
    then :func:`mognad.publish.audit.audit_year` bounds every hidden value by linear programming,
    and while one is narrower than the protection width, the smallest shown group of a
    relation it is in is hidden too. Ties go to the group code's order.

    With ``orgs`` (``year``, ``org_id``, ``sector``, the peer groups' columns and the
    indicators), the audit also takes the part of every organisation of a hidden group,
    which knows its own score: the sole organisation of a sector would otherwise read its
    complement's value off their type's published mean. ``orgs`` also says which cells
    the area and size tables cut the sectors into (:func:`mognad.publish.audit.year_cells`);
    they are needed when those tables are given.
    """
    hidden: set[GroupKey] = set()
    for year in sorted(int(y) for y in tables["sample"]["year"].unique()):
        own = None if orgs is None else orgs[orgs["year"] == year]
        hidden |= {(year, *k) for k in _protect_year(tables, year, indicators, thresholds, own)}
    return hidden


def _cheapest(
    candidates: Sequence[tuple[str, str]], hidden: set[tuple[str, str]], counts: Mapping
) -> tuple[str, str] | None:
    """The shown group with the fewest organisations (sectors first, then by code)."""
    free = [c for c in candidates if c not in hidden and c in counts]
    return min(free, key=lambda c: (counts[c], c[0] != "sector", c)) if free else None


def _protect_year(
    tables: Mapping[str, pd.DataFrame],
    year: int,
    indicators: Sequence[str],
    thresholds: Thresholds,
    orgs: pd.DataFrame | None,
) -> set[tuple[str, str]]:
    """The (level, group) pairs of one year that complementary suppression hides."""
    from mognad.publish.audit import first_narrow_group

    margins = _margins(tables, year)
    levels = linked_levels(tables)
    rows = pd.concat([group_rows(tables, level).assign(level=level) for level in levels])
    rows = rows[rows["year"] == year]
    keys = list(zip(rows["level"], rows["group"].astype(str), strict=True))
    counts = dict(zip(keys, rows["n_orgs"].astype(int), strict=True))
    small = {k for k, flag in zip(keys, rows[SUPPRESSED].astype(bool), strict=True) if flag}
    hidden = set(small)
    for _ in range(len(keys) + 1):
        added = None
        for total, members in margins:
            if total not in hidden and sum(m in hidden for m in members) == 1:
                added = _cheapest(members, hidden, counts) or total
                break
        if added is None:
            masked = _masked(tables, year, hidden)
            insiders = None
            if orgs is not None:
                inside = np.zeros(len(orgs), dtype=bool)
                for level in levels[1:]:
                    groups = {g for lv, g in hidden if lv == level}
                    inside |= orgs[level].astype(str).isin(groups).to_numpy()
                insiders = orgs[inside]
            target = first_narrow_group(
                masked, year, indicators, insiders, orgs, thresholds.protection_width
            )
            if target is None:
                break
            related = [c for t, m in margins if target in (t, *m) for c in (t, *m)]
            added = _cheapest(related, hidden, counts)
            if added is None:
                raise ValueError(f"{year}: no shown group is left to protect {target} with")
        hidden.add(added)
    return hidden - small


def _masked(
    tables: Mapping[str, pd.DataFrame], year: int, hidden: set[tuple[str, str]]
) -> dict[str, pd.DataFrame]:
    """The linked tables with the groups ``hidden`` in ``year`` hidden as well."""
    out = {"sample": tables["sample"]}
    for level in linked_levels(tables):
        name = LINKED_TABLES[level][0]
        rows = group_rows(tables, level)
        mask = (rows["year"] == year) & rows["group"].map(lambda g, lv=level: (lv, g) in hidden)
        out[name] = hide(tables[name], mask.to_numpy(), CellRule())
    return out
