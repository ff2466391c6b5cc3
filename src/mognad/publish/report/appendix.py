"""The report's appendix: the published tables and the regression models side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from mognad.analyses.modelresult import ModelResult
from mognad.labels import DASH
from mognad.publish.modeltables import regression_cells, regression_words
from mognad.publish.report.format import (
    DECOMPOSITION_PARTS,
    EXCLUSION_REASONS,
    QUADRANTS,
    ReportParams,
    _Fmt,
    _frame_table,
    _model_header,
    _one,
    _suppressed,
    _Table,
)
from mognad.publish.textable import markdown_table

# --- regression terms -------------------------------------------------------------------


def regression_markdown(
    fmt: _Fmt, models: Mapping[str, pd.DataFrame], fits: Mapping[str, Mapping[str, Any]]
) -> str:
    """The models side by side (:func:`mognad.publish.modeltables.regression_cells`), terms in
    words and numbers as the language writes them."""
    labels = fmt.labels
    words = regression_words(labels, fmt.num)
    results = {m: ModelResult(m, {}, table, dict(fits[m])) for m, table in models.items()}
    table = regression_cells(results, words)
    headers = [labels.header("term")] + [_model_header(labels, m, fits[m]) for m in models]
    return markdown_table(table.to_numpy().tolist(), headers, "l" + "r" * len(models))


def _appendix(
    fmt: _Fmt,
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    fits: Mapping[str, Mapping[str, Any]],
    params: ReportParams,
    year: int,
) -> dict[str, dict[str, Any]]:
    labels = fmt.labels
    scores = [
        "n_orgs",
        "n_respondents",
        "maturity",
        "maturity_ci_low",
        "maturity_ci_high",
        "capability",
        "legacy",
    ]
    out: dict[str, _Table] = {}
    out["national"] = _frame_table(
        fmt, tables["national_by_year"].sort_values("year"), ["year", *scores]
    )
    sectors = tables["sector_by_year"]
    sectors = sectors[sectors["year"] == year].sort_values("sector")
    out["sectors"] = _frame_table(
        fmt, sectors, ["sector", *scores], names={"sector": labels.sector}
    )
    types = tables["type_by_year"]
    types = types[types["year"] == year].sort_values("org_type")
    out["types"] = _frame_table(
        fmt, types, ["org_type", *scores], names={"org_type": labels.org_type}
    )
    # Category profile: national and each focus sector.
    nat = _one(tables["national_by_year"], "national_by_year", year=year)
    focus = [
        _one(tables["sector_by_year"], "sector_by_year", year=year, sector=s)
        for s in params.focus_sectors
    ]
    rows = []
    for cat in params.categories:
        assert nat is not None, f"national_by_year: no row for {year}"
        rows.append(
            [labels.indicator(cat), fmt.num(nat[cat])]
            + [fmt.num(r[cat]) if r is not None else DASH for r in focus]
        )
    heads = [labels.header("category"), labels.text("national")] + [
        labels.sector(s) for s in params.focus_sectors
    ]
    focus_frame = pd.DataFrame([r for r in focus if r is not None])
    out["profile"] = _Table(
        markdown_table(rows, heads, "l" + "r" * (len(heads) - 1)),
        bool(len(focus_frame) and _suppressed(focus_frame).any()),
    )
    quads = tables["quadrants"]
    quads = quads[quads["level"] == "national"]
    present = set(quads["quadrant"])
    order = [q for q in QUADRANTS if q in present] + sorted(present - set(QUADRANTS))
    qrows = []
    for y, group in quads.groupby("year", sort=True):
        by = {r["quadrant"]: r for _, r in group.iterrows()}
        qrows.append([str(int(y))] + [fmt.pct(by[q]["share"]) if q in by else DASH for q in order])
    out["quadrants"] = _Table(
        markdown_table(
            qrows,
            [labels.header("year")] + [labels.quadrant(q) for q in order],
            "r" * (1 + len(order)),
        ),
        bool(_suppressed(quads).any()),
    )
    flow = tables["flow"].sort_values("year")
    out["flow"] = _frame_table(
        fmt,
        flow,
        ["year", "received", *[f"excluded_{r}" for r in EXCLUSION_REASONS], "analysed"],
    )
    dec = tables["change_decomposition"]
    dec = dec[(dec["year"] == year) & (dec["indicator"] == "maturity")].copy()
    dec["_order"] = dec["scope"] != "national"
    dec = dec.sort_values(["_order", "scope"])
    out["decomposition"] = _frame_table(
        fmt,
        dec,
        ["scope", *DECOMPOSITION_PARTS, "n_pairs", "n_joiners", "n_leavers"],
        names={"scope": lambda s: labels.group("national" if s == "national" else "sector", s)},
    )
    trends = tables["sector_trends"]
    trends = trends[trends["indicator"] == "maturity"].sort_values("sector")
    out["sector_trends"] = _frame_table(
        fmt,
        trends,
        ["sector", "slope", "ci_low", "ci_high", "n_orgs", "n_years"],
        names={"sector": labels.sector},
    )
    no_trend = trends["flag_small"].fillna(False).astype(bool) & ~_suppressed(trends)
    if no_trend.any():
        out["sector_trends"].note = labels.text(
            "trend_small_note", min_orgs=fmt.int(params.analysis_min_orgs)
        )
    out["regression"] = _Table(
        regression_markdown(fmt, models, fits),
        any(bool(_suppressed(table).any()) for table in models.values()),
    )
    rel = tables["reliability"]
    rel = rel[rel["year"] == year]
    out["reliability"] = _frame_table(
        fmt,
        rel,
        ["category", "alpha", "alpha_ci_low", "alpha_ci_high", "omega", "n", "n_items"],
        names={"category": labels.indicator},
        digits={"alpha": 2, "alpha_ci_low": 2, "alpha_ci_high": 2, "omega": 2},
        headers={
            "alpha_ci_low": labels.header("ci_low"),
            "alpha_ci_high": labels.header("ci_high"),
        },
    )
    sens = tables["sensitivity_groups"]
    sens = sens[
        (sens["year"] == year) & (sens["indicator"] == "maturity") & (sens["level"] != "org_type")
    ].copy()
    sens["_order"] = sens["level"] != "national"
    sens = sens.sort_values(["_order", "group"])
    sens["label"] = [
        labels.group(lv, g) for lv, g in zip(sens["level"], sens["group"], strict=True)
    ]
    out["sensitivity"] = _frame_table(
        fmt,
        sens,
        ["label", "method_value", "median", "p05", "p95", "spread"],
        names={"label": str},
        headers={"label": labels.header("group")},
    )
    return {
        k: {"markdown": v.markdown, "suppressed": v.suppressed, "note": v.note}
        for k, v in out.items()
    }
