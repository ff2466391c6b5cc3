"""The annual status report: numbers from the published tables, text from templates.

:func:`report_context` computes every number the report states from the published tables
and formats it through :class:`~mognad.labels.Labels` (decimal comma in Swedish); the
Jinja2 Markdown templates in ``templates/report/`` (one per language) only place those
strings, so no number is ever typed into the text. :func:`render_markdown` fills a
template, :func:`render_html` turns the Markdown into one self-contained HTML file
(figures as data URIs, CSS inline, no external requests) and :func:`render_pdf` into an
A4 PDF through pandoc's Typst writer and the ``typst`` compiler, with Typst's bundled
fonts only. Both outputs are byte-identical from run to run.
"""

from __future__ import annotations

import builtins
import math
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import pypandoc
import typst

from mognad.analyses.modelresult import ModelResult, read_model
from mognad.io import write_atomic
from mognad.labels import DASH, Labels
from mognad.outputs import FIGURES
from mognad.outputs import REPORT_TABLES as TABLES
from mognad.publish.modeltables import RegressionWords, regression_cells
from mognad.publish.textable import markdown_table

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "report"

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


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


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

    def ci(self, low: Any, high: Any, digits: builtins.int = 1) -> str:
        """An interval: ``1,2–3,4``, or ``−1,2 till 3,4`` where a dash would read as minus."""
        if _float(low) < 0 or _float(high) < 0:
            to = self.labels.text("to")
            return f"{self.num(low, digits)} {to} {self.num(high, digits)}"
        return f"{self.num(low, digits)}–{self.num(high, digits)}"


def _direction(value: float, digits: int = 1) -> str:
    if not np.isfinite(value):
        return "unknown"
    rounded = round(value, digits)
    return "up" if rounded > 0 else "down" if rounded < 0 else "unchanged"


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
        "ci_low": fmt.num(low),
        "ci_high": fmt.num(high),
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


# --- regression terms -------------------------------------------------------------------


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


def regression_markdown(
    fmt: _Fmt, models: Mapping[str, pd.DataFrame], fits: Mapping[str, Mapping[str, Any]]
) -> str:
    """The models side by side (:func:`mognad.publish.modeltables.regression_cells`), terms in
    words and numbers as the language writes them."""
    labels = fmt.labels
    words = RegressionWords(
        number=fmt.num,
        term=labels.term,
        dropped=labels.text("regression_dropped"),
        n=labels.text("regression_n"),
        groups=labels.text("regression_groups"),
        fit=labels.text("regression_fit"),
    )
    results = {m: ModelResult(m, {}, table, dict(fits[m])) for m, table in models.items()}
    table = regression_cells(results, words)
    headers = [labels.header("term")] + [_model_header(labels, m, fits[m]) for m in models]
    return markdown_table(table.to_numpy().tolist(), headers, "l" + "r" * len(models))


# --- the context ------------------------------------------------------------------------


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
) -> dict[str, Any]:
    """Every number and name the report's text uses, formatted for ``labels.language``.

    ``tables`` are the published tables by name (:data:`TABLES`), ``models`` and ``fits``
    each regression model's coefficients and fit (``results/models``), ``method`` the
    method record (``results/method.json``).
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
    ctx: dict[str, Any] = {
        "year": str(year),
        "prev_year": str(prev) if prev is not None else None,
        "first_year": str(years[0]),
        "n_years": fmt.int(len(years)),
        "language": labels.language,
        "level": labels.percent(level * 100, 0),
        "suppressed_note": note,
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
        "direction": _direction(_float(cur["maturity"]) - _float(first["maturity"])),
    }

    ctx.update(_sectors(fmt, tables, params, year, note))
    ctx["types"] = _types(fmt, tables["type_by_year"], year)
    ctx["quadrants"] = _quadrants(fmt, tables["quadrants"], method, year)
    ctx["trend"] = _trend(fmt, tables, year)
    ctx["models"] = _models(fmt, models, fits, params, year)
    ctx["quality"] = _quality(fmt, tables, year)
    ctx["sensitivity"] = _sensitivity(fmt, tables["sensitivity_groups"], year)
    ctx["flow"] = _flow(fmt, tables["flow"], year)
    ctx["method"] = _method(fmt, method, params, tables, year, boot)
    ctx["recommendations"] = _recommendations(fmt, tables, params, year)
    ctx["appendix"] = _appendix(fmt, tables, models, fits, params, year)
    ctx["any_suppressed"] = ctx["national_suppressed"] or any(
        t["suppressed"] for t in ctx["appendix"].values()
    )
    return ctx


def _eligible_sectors(
    frame: pd.DataFrame, year: int, min_orgs: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = frame[frame["year"] == year]
    ok = ~_suppressed(rows) & rows["maturity"].notna() & (rows["n_orgs"] >= min_orgs)
    return rows[ok].sort_values(["maturity", "sector"], ascending=[False, True]), rows[~ok]


def _sectors(
    fmt: _Fmt, tables: Mapping[str, pd.DataFrame], params: ReportParams, year: int, note: str
) -> dict[str, Any]:
    labels = fmt.labels
    shown, left_out = _eligible_sectors(tables["sector_by_year"], year, params.analysis_min_orgs)
    ranked = [
        {
            **_score(fmt, row, "maturity"),
            "sector": row["sector"],
            "sector_name": labels.sector(row["sector"]),
            "n_orgs": fmt.int(row["n_orgs"]),
        }
        for _, row in shown.iterrows()
    ]
    out: dict[str, Any] = {
        "sectors": ranked,
        "n_sectors": fmt.int(len(ranked)),
        "most_mature": ranked[0] if ranked else None,
        "least_mature": ranked[-1] if len(ranked) > 1 else None,
        "sector_gap": fmt.num(ranked[0]["raw"] - ranked[-1]["raw"]) if len(ranked) > 1 else None,
        "sectors_left_out": [labels.sector(s) for s in sorted(left_out["sector"])],
        "sectors_any_suppressed": bool(_suppressed(left_out).any()),
    }
    contrasts = tables["sector_contrasts"]
    cur = contrasts[(contrasts["year"] == year) & (contrasts["indicator"] == "maturity")]
    clear = cur[cur["p_holm"] < ALPHA].sort_values(["p_holm", "group_a", "group_b"])
    out["contrasts"] = {
        "n_pairs": fmt.int(len(cur)),
        "n_clear": fmt.int(len(clear)),
        "any": len(cur) > 0,
        "examples": [
            {
                "higher": labels.sector(r["group_a"] if r["difference"] > 0 else r["group_b"]),
                "lower": labels.sector(r["group_b"] if r["difference"] > 0 else r["group_a"]),
                "difference": fmt.num(abs(r["difference"])),
                "ci": fmt.ci(*sorted((abs(r["ci_low"]), abs(r["ci_high"])))),
                "d": fmt.num(abs(r["hedges_g"]), 2),
                "p": fmt.p(r["p_holm"]),
            }
            for _, r in clear.head(3).iterrows()
            if np.sign(r["ci_low"]) == np.sign(r["ci_high"])
        ],
    }
    trends = tables["sector_trends"]
    trends = trends[(trends["indicator"] == "maturity") & ~trends["flag_small"].astype(bool)]
    trends = trends[~_suppressed(trends) & trends["slope"].notna()]
    trends = trends.sort_values(["slope", "sector"], ascending=[False, True])
    out["sector_trends"] = [
        {
            "sector_name": labels.sector(r["sector"]),
            "slope": fmt.num(r["slope"]),
            "ci": fmt.ci(r["ci_low"], r["ci_high"]),
            "n_years": fmt.int(r["n_years"]),
        }
        for _, r in trends.iterrows()
    ]
    out["fastest"] = out["sector_trends"][0] if out["sector_trends"] else None
    out["slowest"] = out["sector_trends"][-1] if len(out["sector_trends"]) > 1 else None
    return out


def _types(fmt: _Fmt, frame: pd.DataFrame, year: int) -> list[dict[str, Any]]:
    rows = frame[(frame["year"] == year) & ~_suppressed(frame)].sort_values("org_type")
    return [
        {
            **_score(fmt, row, "maturity"),
            "type_name": fmt.labels.org_type(row["org_type"]),
            "n_orgs": fmt.int(row["n_orgs"]),
        }
        for _, row in rows.iterrows()
        if np.isfinite(_float(row["maturity"]))
    ]


def _quadrants(
    fmt: _Fmt, frame: pd.DataFrame, method: Mapping[str, Any], year: int
) -> dict[str, Any]:
    rows = frame[(frame["year"] == year) & (frame["level"] == "national")]
    known = [q for q in QUADRANTS if q in set(rows["quadrant"])]
    order = known + sorted(set(rows["quadrant"]) - set(known))
    shares = []
    for code in order:
        row = _one(rows, "quadrants", quadrant=code)
        if row is None:
            continue
        shares.append(
            {
                "code": code,
                "name": fmt.labels.quadrant(code),
                "share": fmt.pct(row["share"]),
                "n_orgs": fmt.int(row["n_orgs"]),
                "raw": _float(row["share"]),
            }
        )
    valid = [s for s in shares if np.isfinite(s["raw"])]
    largest = max(valid, key=lambda s: s["raw"]) if valid else None
    thresholds = method.get("method", {}).get("quadrant_thresholds", {})
    return {
        "shares": shares,
        "largest": largest,
        "by_code": {s["code"]: s for s in shares},
        "n_orgs": fmt.int(rows["n_orgs"].sum()),
        "n_quadrants": fmt.int(len(shares)),
        "threshold_capability": fmt.num(thresholds.get("capability"), 0),
        "threshold_legacy": fmt.num(thresholds.get("legacy"), 0),
    }


def _trend(fmt: _Fmt, tables: Mapping[str, pd.DataFrame], year: int) -> dict[str, Any]:
    yoy = tables["year_over_year"]
    row = _one(yoy, "year_over_year", year=year, scope="national", indicator="maturity")
    out: dict[str, Any] = {"available": row is not None}
    if row is not None:
        out.update(
            cross_sectional=fmt.signed(row["cross_sectional"]),
            within=fmt.signed(row["within"]),
            within_direction=_direction(_float(row["within"])),
            gap=fmt.num(abs(_float(row["within"]) - _float(row["cross_sectional"]))),
            within_larger=_float(row["within"]) > _float(row["cross_sectional"]),
            n_pairs=fmt.int(row["n_pairs"]),
            n_joiners=fmt.int(row["n_joiners"]),
            n_leavers=fmt.int(row["n_leavers"]),
        )
    dec = tables["change_decomposition"]
    row = _one(dec, "change_decomposition", year=year, scope="national", indicator="maturity")
    out["decomposition"] = None
    if row is not None:
        parts = {}
        for part in DECOMPOSITION_PARTS:
            has_ci = f"{part}_ci_low" in row.index and np.isfinite(_float(row[f"{part}_ci_low"]))
            parts[part] = {
                "value": fmt.signed(row[part]),
                "ci": fmt.ci(row[f"{part}_ci_low"], row[f"{part}_ci_high"]) if has_ci else None,
            }
        out["decomposition"] = parts
    fe = tables["fixed_effects_trend"]
    fe = fe[fe["indicator"] == "maturity"]
    row = _one(fe, "fixed_effects_trend", year=year)
    out["fixed_effects"] = None
    if row is not None and len(fe):
        out["fixed_effects"] = {
            "estimate": fmt.signed(row["estimate"]),
            "ci": fmt.ci(row["ci_low"], row["ci_high"]),
            "base_year": str(int(fe["year"].min())),
        }
    return out


def _models(
    fmt: _Fmt,
    models: Mapping[str, pd.DataFrame],
    fits: Mapping[str, Mapping[str, Any]],
    params: ReportParams,
    year: int,
) -> dict[str, Any]:
    labels = fmt.labels
    specs = dict(params.models) or {m: {"kind": fits[m].get("kind")} for m in models}
    listed = [
        {
            "name": name,
            "kind": str(spec.get("kind")),
            "level": str(spec.get("level", "organisation")),
            "formula": str(spec.get("formula", fits.get(name, {}).get("formula", ""))),
            "nested": spec.get("nested"),
            "outcome": _model_header(labels, name, fits.get(name, spec)),
        }
        for name, spec in specs.items()
    ]
    available = [m for m in specs if m in models]

    def outcome(name: str) -> str:
        return str(fits[name].get("formula", "")).split("~")[0].strip()

    main = next(
        (m for m in available if fits[m].get("kind") == "ols" and outcome(m) == "maturity"),
        available[0] if available else None,
    )
    out: dict[str, Any] = {"listed": listed, "main": None}
    if main is None:
        return out
    table = models[main]
    terms = table[
        (table["term"] != "Intercept")
        & ~table["term"].str.startswith("C(year)")
        & (table["p_value"] < ALPHA)
    ].copy()
    terms["strength"] = (terms["estimate"] / terms["std_error"]).abs()
    terms = terms.sort_values(["strength", "term"], ascending=[False, True])
    sector_terms = [t for t in table["term"] if t.startswith("C(sector)")]
    fit = fits[main]
    out["main"] = {
        "name": main,
        "header": _model_header(labels, main, fit),
        "n": fmt.int(fit.get("n")),
        "n_groups": fmt.int(fit.get("n_groups")),
        "r_squared": fmt.num(fit.get("r_squared"), 2),
        "has_sector": bool(sector_terms),
        "strongest": [
            {
                "term": labels.term(r["term"]),
                "is_sector": r["term"].startswith("C(sector)"),
                "is_employees": "employees" in r["term"],
                "estimate": fmt.signed(r["estimate"]),
                "direction": _direction(_float(r["estimate"])),
                "ci": fmt.ci(r["ci_low"], r["ci_high"]),
                "p": fmt.p(r["p_value"]),
            }
            for _, r in terms.head(4).iterrows()
        ],
    }
    mixed = next((m for m in available if fits[m].get("kind") == "mixed"), None)
    out["mixed"] = None
    if mixed is not None:
        out["mixed"] = {
            "header": _model_header(labels, mixed, fits[mixed]),
            "icc": fmt.pct(fits[mixed].get("icc_organisation")),
        }
    within = next((m for m in available if fits[m].get("kind") == "fixed_effects"), None)
    out["within"] = None
    if within is not None:
        row = _one(models[within], "model", term=f"C(year)[T.{year}]")
        if row is not None:
            out["within"] = {
                "header": _model_header(labels, within, fits[within]),
                "estimate": fmt.signed(row["estimate"]),
                "ci": fmt.ci(row["ci_low"], row["ci_high"]),
                "r_squared": fmt.num(fits[within].get("r_squared"), 2),
            }
    return out


def _quality(fmt: _Fmt, tables: Mapping[str, pd.DataFrame], year: int) -> dict[str, Any]:
    labels = fmt.labels
    rel = tables["reliability"]
    rel = rel[rel["year"] == year]
    out: dict[str, Any] = {"reliability": None, "cfa": None, "invariance": None}
    if len(rel):
        low = rel.sort_values(["alpha", "category"]).iloc[0]
        out["reliability"] = {
            "alpha_min": fmt.num(rel["alpha"].min(), 2),
            "alpha_max": fmt.num(rel["alpha"].max(), 2),
            "omega_min": fmt.num(rel["omega"].min(), 2),
            "omega_max": fmt.num(rel["omega"].max(), 2),
            "lowest": labels.indicator(low["category"]),
        }
    cfa = _one(tables["cfa_fit"], "cfa_fit", year=year)
    if cfa is not None:
        out["cfa"] = {
            "cfi": fmt.num(cfa["cfi"], 3),
            "tli": fmt.num(cfa["tli"], 3),
            "rmsea": fmt.num(cfa["rmsea"], 3),
            "srmr": fmt.num(cfa["srmr"], 3),
            "n": fmt.int(cfa["n"]),
        }
    inv = tables["invariance"]
    levels = []
    for _, row in inv.iterrows():
        d_cfi, d_rmsea = _float(row["delta_cfi"]), _float(row["delta_rmsea"])
        holds = (not np.isfinite(d_cfi)) or (d_cfi >= -CFI_STEP and d_rmsea <= RMSEA_STEP)
        levels.append(
            {
                "level": str(row["level"]),
                "cfi": fmt.num(row["cfi"], 3),
                "delta_cfi": fmt.signed(d_cfi, 3),
                "delta_rmsea": fmt.signed(d_rmsea, 3),
                "holds": bool(holds and str(row.get("converged", True)) != "False"),
            }
        )
    if levels:
        highest = None
        for entry in levels:
            if not entry["holds"]:
                break
            highest = entry["level"]
        out["invariance"] = {
            "levels": levels,
            "highest": highest,
            "by_level": {e["level"]: e for e in levels},
            "cfi_step": fmt.num(CFI_STEP, 2),
            "rmsea_step": fmt.num(RMSEA_STEP, 3),
        }
    return out


def _sensitivity(fmt: _Fmt, frame: pd.DataFrame, year: int) -> dict[str, Any] | None:
    rows = frame[(frame["year"] == year) & (frame["indicator"] == "maturity")]
    rows = rows[~_suppressed(rows)]
    nat = _one(rows, "sensitivity_groups", level="national")
    if nat is None:
        return None
    sectors = rows[(rows["level"] == "sector") & rows["spread"].notna()]
    widest = sectors.sort_values(["spread", "group"], ascending=[False, True]).head(1)
    return {
        "method_value": fmt.num(nat["method_value"]),
        "median": fmt.num(nat["median"]),
        "p05": fmt.num(nat["p05"]),
        "p95": fmt.num(nat["p95"]),
        "spread": fmt.num(nat["spread"]),
        "q_low": fmt.int(5),
        "q_high": fmt.int(95),
        "widest": None
        if widest.empty
        else {
            "name": fmt.labels.sector(widest.iloc[0]["group"]),
            "spread": fmt.num(widest.iloc[0]["spread"]),
        },
    }


def _flow(fmt: _Fmt, frame: pd.DataFrame, year: int) -> dict[str, Any]:
    row = _one(frame, "flow", year=year)
    if row is None:
        return {"available": False}
    excluded = {r: _float(row[f"excluded_{r}"]) for r in EXCLUSION_REASONS}
    total = sum(excluded.values())
    return {
        "available": True,
        "received": fmt.int(row["received"]),
        "analysed": fmt.int(row["analysed"]),
        "excluded": fmt.int(total),
        "excluded_share": fmt.pct(total / _float(row["received"]), 1),
        "reasons": {r: fmt.int(n) for r, n in excluded.items()},
    }


def _method(
    fmt: _Fmt,
    method: Mapping[str, Any],
    params: ReportParams,
    tables: Mapping[str, pd.DataFrame],
    year: int,
    boot: Mapping[str, Any],
) -> dict[str, Any]:
    labels = fmt.labels
    spec = method.get("method", {})
    rel = tables["reliability"]
    rel = rel[rel["year"] == year]
    weights = spec.get("category_weights", {})
    equal = len({float(w) for w in weights.values()}) <= 1
    sens = method.get("sensitivity", {})
    return {
        "version": str(spec.get("version", "")),
        "fingerprint": str(method.get("fingerprint", "")),
        "n_items": fmt.int(rel["n_items"].sum()) if len(rel) else DASH,
        "n_categories": fmt.int(len(params.categories)),
        "n_dimensions": fmt.int(len(params.dimensions)),
        "dimensions": [
            {
                "name": labels.indicator(dim),
                "categories": [labels.indicator(c) for c in cats],
            }
            for dim, cats in params.dimensions.items()
        ],
        "scale_min": fmt.int(params.scale_min),
        "scale_max": fmt.int(params.scale_max),
        "scale_steps": fmt.int(params.scale_max - params.scale_min),
        "pct_max": fmt.int(100),
        "pct_min": fmt.int(0),
        "min_answered": fmt.pct(spec.get("min_answered_share")),
        "aggregation": str(spec.get("aggregation", "")),
        "weighting": str(spec.get("organisation_weighting", "")),
        "equal_weights": equal,
        "replicates": fmt.int(boot.get("replicates")),
        "level": labels.percent(_float(boot.get("level")) * 100, 0),
        "draws": fmt.int(sens.get("draws")),
        "n_choices": fmt.int(len(sens.get("choices", {}))),
        "choices": list(sens.get("choices", {})),
        "min_orgs": fmt.int(params.min_orgs),
        "min_respondents": fmt.int(params.min_respondents),
        "analysis_min_orgs": fmt.int(params.analysis_min_orgs),
        "alpha": fmt.num(ALPHA, 2),
        "p_levels": [fmt.num(0.05, 2), fmt.num(0.01, 2), fmt.num(0.001, 3)],
    }


def _recommendations(
    fmt: _Fmt, tables: Mapping[str, pd.DataFrame], params: ReportParams, year: int
) -> list[dict[str, Any]]:
    """Per focus sector, the categories furthest below the national level."""
    labels = fmt.labels
    national = _one(tables["national_by_year"], "national_by_year", year=year)
    sectors = tables["sector_by_year"]
    out = []
    for code in params.focus_sectors:
        row = _one(sectors, "sector_by_year", year=year, sector=code)
        entry: dict[str, Any] = {"code": code, "name": labels.sector(code), "lagging": []}
        usable = (
            row is not None
            and not bool(_suppressed(row.to_frame().T).iloc[0])
            and _float(row["n_orgs"]) >= params.analysis_min_orgs
            and all(np.isfinite(_float(row[c])) for c in params.categories)
        )
        if not usable:
            entry["status"] = "insufficient"
            entry["n_orgs"] = fmt.int(row["n_orgs"]) if row is not None else fmt.int(0)
            out.append(entry)
            continue
        assert row is not None  # usable
        assert national is not None, f"national_by_year: no row for {year}"
        gaps = sorted(
            ((_float(row[c]) - _float(national[c]), c) for c in params.categories),
            key=lambda g: (g[0], g[1]),
        )
        lagging = [(g, c) for g, c in gaps if round(g, 1) < 0][:2]
        entry["status"] = "lagging" if lagging else "ahead"
        entry["maturity"] = fmt.num(row["maturity"])
        entry["n_orgs"] = fmt.int(row["n_orgs"])
        entry["lagging"] = [
            {
                "code": c,
                "name": labels.indicator(c),
                "value": fmt.num(row[c]),
                "national": fmt.num(national[c]),
                "gap": fmt.num(abs(g)),
            }
            for g, c in lagging
        ]
        best = gaps[-1]
        entry["strongest"] = {"name": labels.indicator(best[1]), "gap": fmt.signed(best[0])}
        out.append(entry)
    return out


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


# --- rendering --------------------------------------------------------------------------


def figure_files(figures_dir: str | Path | None) -> dict[str, str]:
    """The report's figures found in ``figures_dir``: name -> file name (PNG preferred)."""
    if figures_dir is None:
        return {}
    folder = Path(figures_dir)
    found = {}
    for name in FIGURES:
        for ext in FIGURE_TYPES:
            if (folder / f"{name}{ext}").is_file():
                found[name] = f"{name}{ext}"
                break
    return found


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_markdown(context: Mapping[str, Any], figures: Mapping[str, str] | None = None) -> str:
    """The report as pandoc Markdown in the context's language; ``figures`` (name -> file
    name, see :func:`figure_files`) are included with captions where present."""
    template = _environment().get_template(f"report.{context['language']}.md.j2")
    text = template.render(**context, figures=dict(figures or {}))
    return re.sub(r"\n{3,}", "\n\n", text)


def _pandoc(markdown: str, to: str, args: Sequence[str]) -> str:
    return pypandoc.convert_text(
        markdown, to, format="markdown", extra_args=["--standalone", *args]
    )


_EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", re.I
)


def external_references(html: str) -> list[str]:
    """``src``/``href``/``url()`` references to other hosts (there must be none)."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]


def render_html(markdown: str, figures_dir: str | Path | None, out_path: str | Path) -> None:
    """One self-contained HTML file: figures as data URIs, CSS inline, no external requests."""
    resource = str(Path(figures_dir).resolve()) if figures_dir is not None else "."
    html = _pandoc(
        markdown,
        "html5",
        [
            "--embed-resources",
            f"--css={TEMPLATES / 'report.css'}",
            f"--resource-path={resource}",
            "--number-sections",
            "--toc",
            "--toc-depth=1",
            "--wrap=none",
        ],
    )
    found = external_references(html)
    if found:
        raise ValueError(f"report HTML would load external resources: {found[:3]}")
    write_atomic(out_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))


def typst_source(markdown: str) -> str:
    """The report as a Typst document (pandoc's Typst writer inside ``report.typ``)."""
    return _pandoc(markdown, "typst", [f"--template={TEMPLATES / 'report.typ'}", "--wrap=none"])


_IMAGE = re.compile(r'image\("([^"]+)"')


def render_pdf(markdown: str, figures_dir: str | Path | None, out_path: str | Path) -> None:
    """An A4 PDF with page numbers, compiled by Typst with its bundled fonts only."""
    source = typst_source(markdown)
    with tempfile.TemporaryDirectory(prefix="mognad-report-") as tmp:
        folder = Path(tmp)
        for name in sorted(set(_IMAGE.findall(source))):
            origin = Path(figures_dir or ".") / name
            if not origin.is_file():
                raise FileNotFoundError(f"report figure {origin} does not exist")
            shutil.copyfile(origin, folder / Path(name).name)
        source = _IMAGE.sub(lambda m: f'image("{Path(m.group(1)).name}"', source)
        main = folder / "report.typ"
        main.write_text(source, encoding="utf-8")
        pdf = typst.compile(str(main), root=str(folder), ignore_system_fonts=True, format="pdf")
    write_atomic(out_path, lambda tmp: tmp.write_bytes(pdf))


def render_report(
    context: Mapping[str, Any],
    figures_dir: str | Path | None,
    html_path: str | Path | None = None,
    pdf_path: str | Path | None = None,
    markdown_path: str | Path | None = None,
) -> str:
    """Render the report's Markdown and write the requested outputs; returns the Markdown."""
    markdown = render_markdown(context, figure_files(figures_dir))
    if markdown_path is not None:
        write_atomic(markdown_path, lambda tmp: tmp.write_text(markdown, encoding="utf-8"))
    if html_path is not None:
        render_html(markdown, figures_dir, html_path)
    if pdf_path is not None:
        render_pdf(markdown, figures_dir, pdf_path)
    return markdown
