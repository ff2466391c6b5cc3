"""The report's context: every number and name its text uses, assembled from the parts."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from mognad.labels import DASH, Labels
from mognad.outputs import REPORT_TABLES as TABLES
from mognad.publish.report.appendix import (
    _appendix,
)
from mognad.publish.report.captions import figure_captions
from mognad.publish.report.findings import (
    _models,
    _quadrants,
    _sectors,
    _trend,
    _types,
)
from mognad.publish.report.format import (
    INDICATORS,
    ReportParams,
    _direction,
    _fit_dict,
    _float,
    _Fmt,
    _one,
    _score,
    _suppressed,
)
from mognad.publish.report.method import (
    _flow,
    _method,
    _quality,
    _recommendations,
    _sensitivity,
)
from mognad.publish.report.story import _participation, _since_last_year, _turns

# --- the context ------------------------------------------------------------------------


def _cover(labels: Labels, params: ReportParams) -> dict[str, Any]:
    """Publisher, authors and date (``15 mars 2026`` / ``15 March 2026``) for the cover."""
    date = ""
    if params.date:
        when = datetime.date.fromisoformat(str(params.date))
        month = labels.get("months", str(when.month))
        date = f"{when.day} {month} {when.year}"
    return {"publisher": params.publisher, "authors": list(params.authors), "date": date}


def _national_advice(fmt: _Fmt, row: pd.Series | None, params: ReportParams) -> dict | None:
    """The nation's weakest and strongest category, and the suggestion for the weakest."""
    if row is None or not all(math.isfinite(_float(row[c])) for c in params.categories):
        return None
    ranked = sorted(params.categories, key=lambda c: (_float(row[c]), c))

    def entry(code: str) -> dict[str, str]:
        return {
            "name": fmt.labels.indicator(code),
            "value": fmt.num(row[code]),
            "advice": fmt.labels.get("advice", code),
        }

    return {"weakest": entry(ranked[0]), "strongest": entry(ranked[-1])}


def _previous_year(years: Sequence[int], year: int) -> int | None:
    earlier = [y for y in years if y < year]
    return max(earlier) if earlier else None


def report_context(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    fits: Mapping[str, pd.DataFrame | Mapping[str, Any]],
    method: Mapping[str, Any],
    params: ReportParams,
    labels: Labels,
    year: int,
    drawn: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Every number and name the report's text uses, formatted for ``labels.language``.

    ``tables`` are the published tables by name (:data:`TABLES`), ``models`` and ``fits``
    each regression model's coefficients and fit (``results/models``), ``method`` the
    method record (``results/method.json``), ``drawn`` the data each figure drew (its
    caption is written from it, :mod:`mognad.publish.report.captions`).
    """
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise KeyError(f"report: missing published tables {missing}")
    fmt = _Fmt(labels)
    fits = {name: _fit_dict(name, fit) for name, fit in fits.items()}
    national = tables["national_by_year"]
    years = sorted(int(y) for y in national["year"])
    if year not in years:
        raise ValueError(f"report: year {year} is not in national_by_year ({years})")
    prev = _previous_year(years, year)
    boot = {**dict(params.bootstrap), **dict(method.get("bootstrap", {}))}
    level = _float(boot.get("level", 0.95))
    note = labels.text(
        "suppressed_note", min_orgs=params.min_orgs, min_respondents=params.min_respondents
    )
    level_text = labels.percent(level * 100, 0)
    ctx: dict[str, Any] = {
        "year": str(year),
        "prev_year": str(prev) if prev is not None else None,
        "first_year": str(years[0]),
        "n_years": fmt.int(len(years)),
        "language": labels.language,
        "level": level_text,
        "captions": figure_captions(drawn or {}, labels, level_text),
        "suppressed_note": note,
        "and_word": labels.text("and"),
        "cover": _cover(labels, params),
        "downloads": dict(params.downloads) or None,
        "html_words": {
            "figure": labels.text("figure"),
            "table": labels.text("table"),
            "publisher": params.publisher,
        },
    }

    # Headline: national scores, change, organisations and respondents.
    cur = _one(national, "national_by_year", year=year)
    before = _one(national, "national_by_year", year=prev) if prev is not None else None
    headline = {}
    for ind in INDICATORS:
        score = _score(fmt, cur, ind)
        change = score["raw"] - _float(before[ind]) if before is not None else math.nan
        score.update(
            change=fmt.signed(change),
            change_abs=fmt.num(abs(change)),
            direction=_direction(change),
            previous=fmt.num(before[ind]) if before is not None else DASH,
        )
        headline[ind] = score
    ctx["national"] = headline
    ctx["national_suppressed"] = bool(cur is not None and _suppressed(cur.to_frame().T).any())
    assert cur is not None, f"national_by_year: no row for {year}"
    ctx["n_orgs"] = fmt.int(cur["n_orgs"])
    ctx["n_respondents"] = fmt.int(cur["n_respondents"])
    first = _one(national, "national_by_year", year=years[0])
    assert first is not None, f"national_by_year: no row for {years[0]}"
    ctx["since_first"] = {
        "change": fmt.signed(_float(cur["maturity"]) - _float(first["maturity"])),
        "change_abs": fmt.num(abs(_float(cur["maturity"]) - _float(first["maturity"]))),
        "direction": _direction(_float(cur["maturity"]) - _float(first["maturity"])),
    }

    ctx.update(_sectors(fmt, tables, params, year, note))
    ctx["types"] = _types(fmt, tables["type_by_year"], year)
    ctx["quadrants"] = _quadrants(fmt, tables["quadrants"], method, year)
    ctx["trend"] = _trend(fmt, tables, year)
    compared = [s["sector"] for s in ctx["sectors"]]
    ctx["models"] = _models(
        fmt,
        models,
        fits,
        params,
        year,
        sorted(set(tables["sector_by_year"]["sector"])),
        ctx["sector_codes_left_out"],
    )
    ctx["quality"] = _quality(fmt, tables, year)
    ctx["sensitivity"] = _sensitivity(fmt, tables["sensitivity_groups"], year, compared)
    ctx["participation"] = _participation(fmt, tables, year)
    ctx["since"] = _since_last_year(fmt, tables, params, year)
    ctx["turns"] = _turns(fmt, tables, year)
    ctx["national_advice"] = _national_advice(fmt, cur, params)
    ctx["flow"] = _flow(fmt, tables["flow"], year)
    ctx["method"] = _method(fmt, method, params, tables, year, boot)
    ctx["recommendations"] = _recommendations(fmt, tables, params, year)
    ctx["appendix"] = _appendix(fmt, tables, models, fits, params, year)
    ctx["any_suppressed"] = ctx["national_suppressed"] or any(
        t["suppressed"] for t in ctx["appendix"].values()
    )
    return ctx
