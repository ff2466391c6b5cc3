"""The report's findings, one builder per part: sectors, organisation types, quadrants,
trends and models, each from the published tables."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mognad.publish.report.format import (
    ALPHA,
    QUADRANTS,
    TREND_MIN_YEARS,
    ReportParams,
    _decomposed,
    _direction,
    _float,
    _Fmt,
    _model_header,
    _one,
    _score,
    _suppressed,
    _visible,
)


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
        "sector_codes_left_out": sorted(left_out["sector"]),
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
    # A trend is a finding only for a sector compared this year, over enough years.
    trends = tables["sector_trends"]
    trends = trends[(trends["indicator"] == "maturity") & ~trends["flag_small"].astype(bool)]
    trends = trends[~_suppressed(trends) & trends["slope"].notna()]
    trends = trends[trends["sector"].isin(shown["sector"]) & (trends["n_years"] >= TREND_MIN_YEARS)]
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
            "plural": fmt.labels.get("org_types_plural", row["org_type"]),
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
                "zero": _float(row["n_orgs"]) == 0,
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
        "threshold_equal": _float(thresholds.get("capability")) == _float(thresholds.get("legacy")),
    }


def _trend(fmt: _Fmt, tables: Mapping[str, pd.DataFrame], year: int) -> dict[str, Any]:
    yoy = tables["year_over_year"]
    row = _one(yoy, "year_over_year", year=year, scope="national", indicator="maturity")
    if not _visible(row):
        row = None
    out: dict[str, Any] = {"available": row is not None}
    if row is not None:
        # The decomposition's within part is the stayers' change times their mean share of
        # the two years' participants (mognad.analyses.changeparts.part_weights).
        share = (
            _float(row["n_pairs"]) / _float(row["n_orgs_prev"])
            + _float(row["n_pairs"]) / _float(row["n_orgs"])
        ) / 2
        out.update(
            cross_sectional=fmt.signed(row["cross_sectional"]),
            within=fmt.signed(row["within"]),
            within_direction=_direction(_float(row["within"])),
            within_abs=fmt.num(abs(_float(row["within"]))),
            gap=fmt.num(abs(_float(row["within"]) - _float(row["cross_sectional"]))),
            within_larger=_float(row["within"]) > _float(row["cross_sectional"]),
            n_pairs=fmt.int(row["n_pairs"]),
            n_joiners=fmt.int(row["n_joiners"]),
            n_leavers=fmt.int(row["n_leavers"]),
            stayer_share=fmt.pct(share),
        )
    dec = tables["change_decomposition"]
    row = _one(dec, "change_decomposition", year=year, scope="national", indicator="maturity")
    out["decomposition"] = _decomposed(fmt, row) if _visible(row) and row is not None else None
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


_FACTOR = re.compile(r"^C\((?P<variable>\w+)\)(?:\[T\.(?P<level>.+)\])?$")


def formula_terms(formula: str) -> list[str]:
    """The right-hand-side terms of a model formula, as written (``C(sector)``, ...)."""
    rhs = str(formula).split("~", 1)[-1]
    return [term.strip() for term in rhs.split("+") if term.strip() not in {"", "1", "0"}]


def _term_variable(term: str) -> str:
    """The formula term a design column belongs to: ``C(sector)[T.x]`` -> ``C(sector)``."""
    match = _FACTOR.match(term)
    return f"C({match['variable']})" if match else term


def _dropped_variables(formula: str, dropped: str, table: pd.DataFrame) -> list[str]:
    """Formula terms none of whose design columns could be estimated."""
    gone = [d for d in str(dropped or "").split(";") if d]
    estimated = {_term_variable(t) for t in table["term"]}
    return [
        term
        for term in formula_terms(formula)
        if term not in estimated and any(_term_variable(d) == term for d in gone)
    ]


def _reference(
    fit: Mapping[str, Any], table: pd.DataFrame, variable: str, known: list[str]
) -> str | None:
    """A factor's reference level: from the fit record, or the one known level without a
    coefficient (patsy's default, the first level)."""
    recorded = dict(
        part.split("=", 1) for part in str(fit.get("reference") or "").split(";") if "=" in part
    )
    if variable in recorded:
        return recorded[variable]
    levels = {
        m["level"] for t in table["term"] if (m := _FACTOR.match(t)) and m["variable"] == variable
    }
    missing = [k for k in known if k not in levels]
    return missing[0] if len(missing) == 1 else None


def _models(
    fmt: _Fmt,
    models: Mapping[str, pd.DataFrame],
    fits: Mapping[str, Mapping[str, Any]],
    params: ReportParams,
    year: int,
    sectors: Sequence[str] = (),
    left_out: Sequence[str] = (),
) -> dict[str, Any]:
    """The models in words: each declared model's variables, and the main model's clearest
    terms, reference level and dropped variables (``sectors``: every sector code, to find the
    reference where the fit record lacks it; ``left_out``: sectors not compared this year)."""
    labels = fmt.labels
    specs = dict(params.models) or {m: {"kind": fits[m].get("kind")} for m in models}

    def words(formula: str, leave_out: Sequence[str] = ()) -> list[str]:
        return [labels.get("variables", t) for t in formula_terms(formula) if t not in leave_out]

    listed = []
    for name, spec in specs.items():
        formula = str(spec.get("formula", fits.get(name, {}).get("formula", "")))
        nested = spec.get("nested")
        listed.append(
            {
                "name": name,
                "kind": str(spec.get("kind")),
                "level": str(spec.get("level", "organisation")),
                "formula": formula,
                "nested": labels.get("unit", nested) if nested else None,
                "outcome": _model_header(labels, name, fits.get(name, spec)),
                "outcome_name": labels.indicator(formula.split("~")[0].strip()),
                "variables": words(formula),
            }
        )
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
    # A sector left out of the comparisons is not a finding here either.
    not_compared = [f"C(sector)[T.{s}]" for s in left_out]
    terms = table[
        (table["term"] != "Intercept")
        & ~table["term"].str.startswith("C(year)")
        & ~table["term"].isin(not_compared)
        & (table["p_value"] < ALPHA)
    ].copy()
    terms["strength"] = (terms["estimate"] / terms["std_error"]).abs()
    terms = terms.sort_values(["strength", "term"], ascending=[False, True])
    sector_terms = [t for t in table["term"] if t.startswith("C(sector)")]
    fit = fits[main]
    formula = str(fit.get("formula", ""))
    dropped = _dropped_variables(formula, str(fit.get("dropped", "")), table)
    reference = _reference(fit, table, "sector", sorted(sectors or []))
    out["main"] = {
        "name": main,
        "header": _model_header(labels, main, fit),
        "n": fmt.int(fit.get("n")),
        "n_groups": fmt.int(fit.get("n_groups")),
        "r_squared": fmt.num(fit.get("r_squared"), 2),
        "has_sector": bool(sector_terms),
        "variables": words(formula, dropped),
        "dropped": words(formula, [t for t in formula_terms(formula) if t not in dropped]),
        "reference": labels.sector(reference) if reference else None,
        "log_base": fmt.num(np.e, 1),
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
        mfit = fits[mixed]
        at_zero = [
            labels.get("units", unit)
            for unit, column in (
                ("org_id", "var_organisation"),
                (str(specs.get(mixed, {}).get("nested") or mfit.get("nested") or ""), "var_nested"),
            )
            if unit and _float(mfit.get(column)) == 0
        ]
        out["mixed"] = {
            "header": _model_header(labels, mixed, mfit),
            "icc": fmt.pct(mfit.get("icc_organisation")),
            "boundary": at_zero,
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
