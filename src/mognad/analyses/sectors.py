"""Sector and organisation-type comparisons: small-group flags, pairwise contrasts, focus rows.

Contrasts compare groups (sectors or organisation types) within a year on organisation-level
scores, every organisation counting once. Each pair gets Welch's t-test (unequal variances,
Welch-Satterthwaite degrees of freedom), the difference ``mean_a - mean_b`` with its
t-based interval, Cohen's d (pooled SD) and Hedges' g. p-values are Holm-adjusted within
each (year, indicator) family, i.e. over all pairs compared that year on that indicator.

Groups with fewer than ``min_orgs`` organisations scored on the indicator that year are not
compared; they are named in the ``excluded_groups`` column of every row of that year and
listed by :func:`excluded_groups`, so they are never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

#: Indicators compared by default.
INDICATORS = ("capability", "legacy", "maturity")

#: Columns of a contrast table, in order.
CONTRAST_COLUMNS = [
    "year",
    "indicator",
    "group_a",
    "group_b",
    "n_a",
    "n_b",
    "mean_a",
    "mean_b",
    "difference",
    "std_error",
    "ci_low",
    "ci_high",
    "t",
    "df",
    "p_value",
    "p_holm",
    "cohens_d",
    "hedges_g",
    "excluded_groups",
]

#: Columns of the excluded-groups table.
EXCLUDED_COLUMNS = ["year", "indicator", "by", "group", "n_orgs", "min_orgs"]


def flag_small_groups(table: pd.DataFrame, min_orgs: int) -> pd.DataFrame:
    """A copy of a sector/type-by-year table with ``flag_small`` = ``n_orgs < min_orgs``.

    All rows are kept; the report decides what to show.
    """
    if "n_orgs" not in table.columns:
        raise ValueError("table has no n_orgs column")
    out = table.copy()
    out["flag_small"] = out["n_orgs"] < int(min_orgs)
    return out


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (statsmodels' ``multipletests``), in the input order.

    NaN p-values are left NaN and are not counted in the family size, which
    ``multipletests`` itself does not allow for.
    """
    p = np.asarray(p_values, dtype="float64")
    out = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    if present.any():
        out[present] = multipletests(p[present], method="holm")[1]
    return out


def welch_contrast(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Welch's t-test and effect sizes for ``mean(a) - mean(b)`` (NaNs must be removed)."""
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    n_a, n_b = a.size, b.size
    mean_a, mean_b = a.mean(), b.mean()
    var_a, var_b = a.var(ddof=1), b.var(ddof=1)
    difference = mean_a - mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        test = stats.ttest_ind(a, b, equal_var=False)
        interval = test.confidence_interval(confidence_level=level)
        pooled_sd = np.sqrt(((n_a - 1) * var_a + (n_b - 1) * var_b) / (n_a + n_b - 2))
        d = difference / pooled_sd
        se = np.sqrt(var_a / n_a + var_b / n_b)
    j = 1.0 - 3.0 / (4.0 * (n_a + n_b) - 9.0)
    return {
        "n_a": n_a,
        "n_b": n_b,
        "mean_a": mean_a,
        "mean_b": mean_b,
        "difference": difference,
        "std_error": se,
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
        "t": float(test.statistic),
        "df": float(test.df),
        "p_value": float(test.pvalue),
        "cohens_d": d,
        "hedges_g": j * d,
    }


def _year_groups(
    orgs: pd.DataFrame, indicator: str, by: str
) -> Iterable[tuple[int, dict[str, np.ndarray]]]:
    """Per year, each group's non-missing organisation scores on the indicator."""
    scored = orgs.loc[orgs[indicator].notna() & orgs[by].notna(), ["year", by, indicator]]
    for year, frame in scored.groupby("year", sort=True):
        groups = {
            str(g): part[indicator].to_numpy(dtype="float64")
            for g, part in frame.groupby(by, sort=True)
        }
        yield int(year), groups


def excluded_groups(
    orgs: pd.DataFrame, indicator: str, by: str = "sector", min_orgs: int = 5
) -> pd.DataFrame:
    """Groups left out of the contrasts: fewer than ``min_orgs`` scored organisations."""
    rows = [
        {
            "year": year,
            "indicator": indicator,
            "by": by,
            "group": g,
            "n_orgs": len(v),
            "min_orgs": int(min_orgs),
        }
        for year, groups in _year_groups(orgs, indicator, by)
        for g, v in groups.items()
        if len(v) < min_orgs
    ]
    return pd.DataFrame(rows, columns=EXCLUDED_COLUMNS)


def pairwise_contrasts(
    orgs: pd.DataFrame,
    indicator: str,
    by: str = "sector",
    min_orgs: int = 5,
    level: float = 0.95,
) -> pd.DataFrame:
    """Every pair of groups within each year, compared on organisation-level scores.

    ``orgs`` has one row per organisation-year (``year``, ``by``, ``indicator``); rows
    without a score are ignored. Groups are ordered alphabetically and ``group_a`` comes
    first, so ``difference = mean_a - mean_b``. Only groups with at least ``min_orgs``
    scored organisations that year (and at least 2, so a variance exists) are compared;
    the others are named, ``;``-separated, in ``excluded_groups`` (blank when none).
    ``p_holm`` adjusts over all pairs of the year (one family per year and indicator).
    """
    if min_orgs < 1:
        raise ValueError("min_orgs must be at least 1")
    threshold = max(int(min_orgs), 2)
    frames = []
    for year, groups in _year_groups(orgs, indicator, by):
        kept = [g for g, v in groups.items() if len(v) >= threshold]
        dropped = ";".join(g for g in groups if g not in kept)
        rows = [
            {"year": year, "indicator": indicator, "group_a": a, "group_b": b}
            | welch_contrast(groups[a], groups[b], level)
            for a, b in combinations(kept, 2)
        ]
        if not rows:
            continue
        frame = pd.DataFrame(rows)
        frame["p_holm"] = holm(frame["p_value"].to_numpy())
        frame["excluded_groups"] = dropped
        frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in CONTRAST_COLUMNS})
    out = pd.concat(frames, ignore_index=True)[CONTRAST_COLUMNS]
    return out.astype({"year": "int64", "n_a": "int64", "n_b": "int64"})


def contrast_tables(
    orgs: pd.DataFrame, min_orgs: int, indicators: Sequence[str] = INDICATORS
) -> dict[str, pd.DataFrame]:
    """The contrast tables of one workflow job: by sector and by organisation type.

    Rows are ordered by year, indicator (in the given order), group_a, group_b.
    """
    out = {}
    for key, by in (("sector_contrasts", "sector"), ("type_contrasts", "org_type")):
        parts = [pairwise_contrasts(orgs, ind, by=by, min_orgs=min_orgs) for ind in indicators]
        table = pd.concat(parts, ignore_index=True)
        rank = {ind: i for i, ind in enumerate(indicators)}
        order = table["indicator"].map(rank)
        table = (
            table.assign(_order=order)
            .sort_values(["year", "_order", "group_a", "group_b"], kind="stable")
            .drop(columns="_order")
            .reset_index(drop=True)
        )
        out[key] = table
    return out


def focus_table(sector_by_year: pd.DataFrame, focus_sectors: Iterable[str]) -> pd.DataFrame:
    """A copy of the sector-by-year table with ``focus`` True on the focus sectors' rows."""
    out = sector_by_year.copy()
    out["focus"] = out["sector"].isin(list(focus_sectors))
    return out


def sector_tables(
    orgs: pd.DataFrame,
    sector_by_year: pd.DataFrame,
    min_orgs: int,
    focus_sectors: Iterable[str],
    indicators: Sequence[str] = INDICATORS,
) -> dict[str, pd.DataFrame]:
    """Everything one workflow job writes: contrasts by sector and type, the groups left out
    of them, and the sector table with small-group and focus flags."""
    tables = contrast_tables(orgs, min_orgs, tuple(indicators))
    excluded = [
        excluded_groups(orgs, indicator, by, min_orgs)
        for by in ("sector", "org_type")
        for indicator in indicators
    ]
    tables["contrast_exclusions"] = pd.concat(excluded, ignore_index=True)
    tables["sector_focus"] = focus_table(flag_small_groups(sector_by_year, min_orgs), focus_sectors)
    return tables
