"""Published tables: the analyses' internal tables made safe and readable.

The analysis stages write complete tables to ``data/processed/tables/`` (every group, full
precision). This stage is the one gate to ``results/tables/``: each table passes the
disclosure rules of :mod:`mognad.publish.disclosure` (values resting on too few organisations or
respondents become missing, ``suppressed`` marks the row) and is rounded to six
significant digits. The CSVs keep codes and column names (for machines and the other
stages); the workbook ``tables_<year>.xlsx`` and the Markdown/LaTeX versions show the
chosen language's headers and names (for people and the report).

Long because the gate's rules and the readable renderings follow the same column
conventions; the rules of each table sit next to its preparation.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from mognad.io import round_significant
from mognad.labels import DASH, Labels
from mognad.outputs import PUBLISHED_TABLES
from mognad.publish import textable
from mognad.publish.disclosure import (
    LINKED_TABLES,
    CellRule,
    GroupKey,
    Thresholds,
    complementary_hidden,
    hide,
    small_rows,
    suppress,
)

_GROUP = CellRule(org_counts=("n_orgs",), respondent_counts=("n_respondents",))
_PARTS = ("cross_sectional", "within", "composition", "interaction")


def _with_bounds(*names: str) -> tuple[str, ...]:
    return tuple(f"{n}{s}" for n in names for s in ("", "_se", "_ci_low", "_ci_high"))


#: How each published table is checked: which counts its rows rest on (see CellRule).
RULES: dict[str, CellRule] = {
    "national_by_year": _GROUP,
    "sector_by_year": _GROUP,
    "type_by_year": _GROUP,
    "area_by_year": _GROUP,
    "size_by_year": _GROUP,
    "sector_focus": _GROUP,
    "sample": CellRule(values=()),
    "quadrants": CellRule(org_counts=("n_orgs_group",), values=("n_orgs", "share")),
    # The parts add up to the change, which the two years' levels give: a part hidden
    # alone would be the change minus the others, so a small count hides all three (and,
    # in year_over_year, the stayers' change, which is within + interaction).
    "change_decomposition": CellRule(
        org_counts=("n_orgs_prev", "n_orgs"),
        partial=dict.fromkeys(("n_pairs", "n_joiners", "n_leavers"), _with_bounds(*_PARTS[1:])),
        zero_ok=("n_pairs", "n_joiners", "n_leavers"),
    ),
    "year_over_year": CellRule(
        org_counts=("n_orgs_prev", "n_orgs"),
        partial=dict.fromkeys(("n_pairs", "n_joiners", "n_leavers"), ("within",)),
        zero_ok=("n_pairs", "n_joiners", "n_leavers"),
    ),
    "fixed_effects_trend": CellRule(),
    "sector_trends": CellRule(org_counts=("n_orgs",)),
    "sector_contrasts": CellRule(org_counts=("n_a", "n_b")),
    "type_contrasts": CellRule(org_counts=("n_a", "n_b")),
    "contrast_exclusions": CellRule(values=()),
    "flow": CellRule(values=()),
    "reliability": CellRule(respondent_counts=("n",)),
    "item_quality": CellRule(respondent_counts=("n_asked",)),
    "aggregation": _GROUP,
    "cfa_fit": CellRule(respondent_counts=("n",)),
    "invariance": CellRule(),
    "sensitivity_groups": _GROUP,
    "sensitivity_ranks": CellRule(org_counts=("n_orgs",), respondent_counts=("n_respondents",)),
    "sensitivity_draws": CellRule(values=()),
}


def _group_counts(internal: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """year, level, group, n_orgs, n_respondents of every national/sector/type group."""
    parts = []
    for level, name, column in (
        ("national", "national_by_year", None),
        ("sector", "sector_by_year", "sector"),
        ("org_type", "type_by_year", "org_type"),
    ):
        table = internal[name]
        group = table[column].astype(str) if column else pd.Series("all", index=table.index)
        parts.append(
            pd.DataFrame(
                {
                    "year": table["year"],
                    "level": level,
                    "group": group,
                    "n_orgs": table["n_orgs"],
                    "n_respondents": table["n_respondents"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def sample_table(orgs: pd.DataFrame) -> pd.DataFrame:
    """Organisations and respondents by year, organisation type and sector."""
    return (
        orgs.groupby(["year", "org_type", "sector"], sort=True, observed=True)
        .agg(n_orgs=("org_id", "size"), n_respondents=("n_respondents", "sum"))
        .reset_index()
    )


def _prepare(
    name: str, table: pd.DataFrame, internal: Mapping[str, pd.DataFrame], orgs: pd.DataFrame
) -> pd.DataFrame:
    """Table-specific steps before suppression: the counts a rule needs, and no org ids."""
    if name == "quadrants":
        table = table.copy()
        keys = ["year", "level", "group"]
        table["n_orgs_group"] = table.groupby(keys)["n_orgs"].transform("sum")
    elif name == "sensitivity_groups":
        counts = _group_counts(internal)
        table = table.merge(counts, on=["year", "level", "group"], how="left", validate="m:1")
    elif name == "sensitivity_ranks":
        table = rank_groups(table, orgs)
    return table


#: Rank uncertainty is published by fifths of the ranking, never per organisation.
RANK_GROUPS = 5
_RANK_STATISTICS = ("rank_method", "rank_median", "rank_p05", "rank_p95")


def rank_groups(ranks: pd.DataFrame, orgs: pd.DataFrame, groups: int = RANK_GROUPS) -> pd.DataFrame:
    """How far ranks move under other method choices, by fifths of each year's ranking.

    A row per year and fifth (``rank_group`` 1 = most mature): the ranks it spans
    (``rank_low``-``rank_high``), its organisations and respondents, and the *means*
    over its organisations of their rank under the method and of the median, 5th and 95th
    percentile of their rank over the draws. A mean over a fifth is no organisation's
    value, and there are no sectors, types or scores beside it: an organisation's own rank
    band is its profile's business, not the published tables'.
    """
    sizes = orgs[["year", "org_id", "n_respondents"]]
    table = ranks.merge(sizes, on=["year", "org_id"], how="left", validate="1:1")
    table = table.sort_values(["year", "rank_method", "org_id"], kind="stable")
    position = table.groupby("year").cumcount().to_numpy()
    size = table.groupby("year")["org_id"].transform("size").to_numpy()
    table["rank_group"] = position * groups // size + 1
    grouped = table.groupby(["year", "rank_group"], sort=True)
    out = grouped.agg(
        rank_low=("rank_method", "min"),
        rank_high=("rank_method", "max"),
        n_orgs=("org_id", "size"),
        n_respondents=("n_respondents", "sum"),
        **{column: (column, "mean") for column in _RANK_STATISTICS},
    ).reset_index()
    return out.astype({c: "float64" for c in ("rank_low", "rank_high", *_RANK_STATISTICS)})


#: Tables with a row per group: where their group lies (level, or the column that holds
#: it; the group column(s)), so that a group hidden in the linked tables is hidden there too.
GROUP_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "national_by_year": ("national", ()),
    "type_by_year": ("org_type", ("org_type",)),
    "sector_by_year": ("sector", ("sector",)),
    "area_by_year": ("area", ("area",)),
    "size_by_year": ("size_band", ("size_band",)),
    "sector_focus": ("sector", ("sector",)),
    "quadrants": ("level", ("group",)),
    "sensitivity_groups": ("level", ("group",)),
    "sector_contrasts": ("sector", ("group_a", "group_b")),
    "type_contrasts": ("org_type", ("group_a", "group_b")),
    "year_over_year": ("scope", ("scope",)),
    "change_decomposition": ("scope", ("scope",)),
    "sector_trends": ("sector", ("sector",)),
}
#: Tables of changes between a year and the one before: hidden where either year is.
_CHANGE_TABLES = ("year_over_year", "change_decomposition")


def _hidden_rows(name: str, table: pd.DataFrame, hidden: set[GroupKey], years: list[int]):
    """Rows of a group table that show a group hidden in their year (or, for a change,
    in the year before). A table over all years (a trend's slope is a weighted sum of the
    group's yearly means, so it gives away a hidden year once the others are published)
    hides a group hidden in any year."""
    level, columns = GROUP_TABLES[name]
    previous = dict(zip(years[1:], years[:-1], strict=True))
    rows = np.zeros(len(table), dtype=bool)
    if "year" not in table.columns:
        year_sets = [np.full(len(table), year) for year in years]
    else:
        year_sets = [table["year"].astype(int).to_numpy()]
    if name in _CHANGE_TABLES:
        year_sets.append(np.array([previous.get(int(y), -1) for y in year_sets[0]]))
    for column in columns or (None,):
        groups = table[column].astype(str).to_numpy() if column else np.full(len(table), "all")
        if level == "level":
            levels = table["level"].astype(str).to_numpy()
        elif level == "scope":  # a sector's name, or "national"
            levels = np.where(groups == "national", "national", "sector")
            groups = np.where(groups == "national", "all", groups)
        else:
            levels = np.full(len(table), level)
        for years_of_row in year_sets:
            rows |= np.array(
                [
                    (int(y), lv, g) in hidden
                    for y, lv, g in zip(years_of_row, levels, groups, strict=True)
                ],
                dtype=bool,
            )
    return rows


def _in_trend_fits(
    hidden: set[GroupKey],
    sample: pd.DataFrame,
    thresholds: Thresholds,
    trend_min_orgs: int | None,
) -> set[GroupKey]:
    """The hidden sector-years, small or complementary, that entered a sector's trend
    fit (those with at least ``trend_min_orgs`` organisations, ``analysis.min_orgs``; all
    hidden ones when unknown)."""
    sizes = sample.groupby(["year", "sector"], as_index=False)[["n_orgs", "n_respondents"]].sum()

    def keys_of(rows: pd.DataFrame) -> set[GroupKey]:
        return {
            (int(y), "sector", str(g)) for y, g in zip(rows["year"], rows["sector"], strict=True)
        }

    keys = hidden | keys_of(sizes[small_rows(sizes, _GROUP, thresholds).to_numpy()])
    if trend_min_orgs is None:
        return keys
    return keys & keys_of(sizes[sizes["n_orgs"] >= trend_min_orgs])


def publish_tables(
    internal: Mapping[str, pd.DataFrame],
    orgs: pd.DataFrame,
    thresholds: Thresholds,
    trend_min_orgs: int | None = None,
    quadrant_names: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Every published table from the internal ones (missing internal tables are skipped),
    suppressed and rounded. ``orgs``: the organisation scores (for sample sizes).

    Small cells are hidden first (primary suppression); then the groups that
    :func:`mognad.publish.disclosure.complementary_hidden` chooses, so that no hidden value can be
    derived from the others, are hidden in every table that shows them. A sector's trend
    is hidden when a hidden year of it entered its fit (``trend_min_orgs``, the analyses'
    ``min_orgs``; unknown: any hidden year). ``quadrant_names`` (code -> language -> name,
    :func:`mognad.labels.quadrant_names`) adds the quadrants' names in both languages."""
    tables = {**internal, "sample": sample_table(orgs)}
    out = {}
    for name in PUBLISHED_TABLES:
        if name not in tables:
            continue
        prepared = _prepare(name, tables[name], internal, orgs)
        out[name] = round_significant(suppress(prepared, RULES[name], thresholds))
    if quadrant_names is not None and "quadrants" in out:
        quadrants = out["quadrants"]
        for position, language in enumerate(("sv", "en"), start=4):
            names = quadrants["quadrant"].map(lambda q, lang=language: quadrant_names[q][lang])
            quadrants.insert(position, f"quadrant_{language}", names)
    if all(name in out for name, _ in list(LINKED_TABLES.values())[:3]):
        rule = RULES["national_by_year"]
        indicators = [
            c
            for c in rule.value_columns(out["national_by_year"])
            if not c.endswith(("_ci_low", "_ci_high", "_se"))
        ]
        hidden = complementary_hidden(out, indicators, thresholds, orgs)
        years = sorted(int(y) for y in out["sample"]["year"].unique())
        in_fits = _in_trend_fits(hidden, out["sample"], thresholds, trend_min_orgs)
        for name in GROUP_TABLES:
            if name in out:
                keys = in_fits if name == "sector_trends" else hidden
                rows = _hidden_rows(name, out[name], keys, years)
                out[name] = hide(out[name], rows, RULES[name])
    return out


# --- human-readable versions -------------------------------------------------------------

#: Columns whose values are codes to translate, with the label function to use.
_CODE_COLUMNS: dict[str, Callable[[Labels, str], str]] = {
    "sector": Labels.sector,
    "org_type": Labels.org_type,
    "area": Labels.area,
    "size_band": Labels.size_band,
    "quadrant": Labels.quadrant,
    "indicator": Labels.indicator,
    "category": Labels.indicator,
    "dimension": Labels.indicator,
}


_GROUP_COLUMNS = ("group", "group_a", "group_b", "scope")


def _group_name(labels: Labels, code: str) -> str:
    """A sector's or organisation type's name, whichever the code is."""
    return labels.sector(code) if code in labels.sections["sectors"] else labels.org_type(code)


def _translate_column(labels: Labels, column: str, table: pd.DataFrame) -> pd.Series:
    """One column with its codes replaced by names (each distinct code looked up once)."""
    values = table[column]
    if column in _CODE_COLUMNS:
        name = _CODE_COLUMNS[column]
        return values.map(lambda v: name(labels, v) if isinstance(v, str) else v)
    if column == "excluded_groups":  # "a;b" lists of sector or type codes
        return values.map(
            lambda v: (
                ", ".join(_group_name(labels, c) for c in v.split(";"))
                if isinstance(v, str) and v
                else v
            )
        )
    if column not in _GROUP_COLUMNS:
        return values
    sectors = labels.sections["sectors"]
    if "level" in table.columns:
        level = table["level"].astype(str)
    else:  # contrasts and decompositions: a group is a sector or an organisation type
        level = values.map(lambda v: "sector" if v in sectors else "org_type")
    pairs = pd.MultiIndex.from_arrays([level, values.astype(str)])
    names = {
        (lv, v): labels.text("national") if v in ("all", "national") else labels.group(lv, v)
        for lv, v in pairs.unique()
    }
    return pd.Series([names[p] for p in pairs], index=table.index)


def readable(table: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """Codes replaced by names and headers by the language's column headers."""
    out = table.drop(columns=[c for c in ("quadrant_sv", "quadrant_en") if c in table.columns])
    frame = pd.DataFrame({c: _translate_column(labels, c, out) for c in out.columns})
    return frame.rename(columns=labels.header)


#: Columns shown as plain integers (no thousands separator).
_PLAIN_INTEGERS = ("year", "draw")


def _digits(values: pd.Series) -> int:
    """Decimals for a numeric column: 3 for shares, p-values and coefficients below 1.5
    in size, else 1."""
    finite = values[np.isfinite(values.to_numpy(dtype="float64"))]
    return 3 if len(finite) and float(finite.abs().max()) < 1.5 else 1


def formatted(table: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """The readable table as text: numbers as the language writes them, missing as a dash."""
    yes_no = {"sv": ("nej", "ja"), "en": ("no", "yes")}[labels.language]
    out = {}
    frame = readable(table, labels)
    for code, (header, values) in zip(
        table.columns.drop(["quadrant_sv", "quadrant_en"], errors="ignore"),
        frame.items(),
        strict=True,
    ):
        if pd.api.types.is_bool_dtype(values):
            out[header] = values.map(lambda v: yes_no[bool(v)])
        elif code in _PLAIN_INTEGERS:
            out[header] = values.map(lambda v: DASH if pd.isna(v) else str(int(v)))
        elif pd.api.types.is_integer_dtype(values):
            out[header] = values.map(lambda v: labels.number(float(v), 0))
        elif pd.api.types.is_float_dtype(values):
            digits = _digits(values)
            out[header] = values.map(lambda v, d=digits: labels.number(v, d))
        else:
            out[header] = values.map(lambda v: DASH if pd.isna(v) else str(v))
    return pd.DataFrame(out)


def _numeric(table: pd.DataFrame) -> list[bool]:
    kept = table.drop(columns=["quadrant_sv", "quadrant_en"], errors="ignore")
    return [
        pd.api.types.is_numeric_dtype(kept[c]) and not pd.api.types.is_bool_dtype(kept[c])
        for c in kept.columns
    ]


def _text_table(table: pd.DataFrame, labels: Labels):
    text = formatted(table, labels)
    align = "".join("r" if num else "l" for num in _numeric(table))
    return list(text.itertuples(index=False)), [str(c) for c in text.columns], align


def markdown_table(table: pd.DataFrame, labels: Labels) -> str:
    """A pipe table of the readable table, numbers as the language writes them."""
    return textable.markdown_table(*_text_table(table, labels)) + "\n"


def latex_table(table: pd.DataFrame, labels: Labels) -> str:
    """A booktabs tabular of the readable table (needs \\usepackage{booktabs})."""
    return textable.latex_table(*_text_table(table, labels)) + "\n"


def readable_texts(tables: Mapping[str, pd.DataFrame], labels: Labels) -> dict[str, str]:
    """Every published table as readers read it, in ``labels``' language: file name
    (``<table>.md``, ``<table>.tex``) -> text. Built from the published CSV tables, so a
    language is one more rendering of the same numbers, never a second publication."""
    return {
        f"{name}.{ext}": render(table, labels)
        for name, table in tables.items()
        for ext, render in (("md", markdown_table), ("tex", latex_table))
    }


#: A fixed creation date for the workbook, so that two runs give identical bytes.
_WORKBOOK_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def workbook_bytes(tables: Mapping[str, pd.DataFrame], labels: Labels, note: str) -> bytes:
    """One XLSX workbook in the labels' language: first an index (the note, then every
    sheet with a link and a description), then a sheet per table named by its title, with
    readable headers; a missing or suppressed value is "–", as the note says."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    book.set_properties({"created": _WORKBOOK_DATE.replace(tzinfo=None)})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    dash = book.add_format({"align": "right"})
    about = book.add_worksheet(labels.text("about_tables")[:31])
    about.write(0, 0, note, wrap)
    about.write(2, 0, labels.text("sheet"), bold)
    about.write(2, 1, labels.text("description"), bold)
    about.set_column(0, 0, 34)
    about.set_column(1, 1, 90, wrap)
    titles = {name: labels.get("table_titles", name)[:31] for name in tables}
    for row, name in enumerate(tables, start=3):
        about.write_url(row, 0, f"internal:'{titles[name]}'!A1", string=titles[name])
        about.write(row, 1, labels.get("table_descriptions", name), wrap)
    for name, table in tables.items():
        frame = readable(table, labels)
        sheet = book.add_worksheet(titles[name])
        for col, header in enumerate(frame.columns):
            sheet.write(0, col, str(header), bold)
        for row, values in enumerate(frame.itertuples(index=False), start=1):
            for col, value in enumerate(values):
                if value is None or (
                    isinstance(value, (float, np.floating)) and not np.isfinite(value)
                ):
                    sheet.write_string(row, col, DASH, dash)
                elif isinstance(value, (bool, np.bool_)):
                    sheet.write_boolean(row, col, bool(value))
                elif isinstance(value, (int, float, np.integer, np.floating)):
                    sheet.write_number(row, col, float(value))
                else:
                    sheet.write_string(row, col, str(value))
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
