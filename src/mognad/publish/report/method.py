"""The report's method parts: measurement quality, sensitivity, the flow of responses,
the method statement and the recommendations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mognad.labels import DASH
from mognad.publish.report.format import (
    ALPHA,
    CFI_STEP,
    EXCLUSION_REASONS,
    RMSEA_STEP,
    TREND_MIN_YEARS,
    ReportParams,
    _float,
    _Fmt,
    _one,
    _suppressed,
    _visible,
)


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
    out["agreement"] = _agreement(fmt, tables["aggregation"], year)
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
            # What was observed, beside the criteria: the largest step of each index.
            "cfi_drop": fmt.num(max(0.0, -inv["delta_cfi"].min(skipna=True)), 3),
            "rmsea_rise": fmt.num(max(0.0, inv["delta_rmsea"].max(skipna=True)), 3),
        }
    return out


def _agreement(fmt: _Fmt, frame: pd.DataFrame, year: int) -> dict[str, Any] | None:
    """Agreement within organisations per category (mognad.indices.reliability): ICC(1)
    and rwg(J) against the slightly skewed null and against random groups, as ranges."""
    rows = frame[(frame["year"] == year) & frame["category"].notna() & ~_suppressed(frame)]
    if rows.empty:
        return None

    def span(column: str, share: bool = False) -> dict[str, str]:
        low, high = rows[column].min(), rows[column].max()
        if share:
            return {"low": fmt.pct(low), "high": fmt.pct(high)}
        return {"low": fmt.num(low, 2), "high": fmt.num(high, 2)}

    return {
        "icc1": span("icc1", share=True),
        "skewed_median": span("rwg_j_skewed_median"),
        "skewed_share": span("rwg_j_skewed_share_above_0_7", share=True),
        "pooled_median": span("rwg_j_pooled_median"),
        "cut": fmt.num(0.7, 2),
    }


def _sensitivity(
    fmt: _Fmt, frame: pd.DataFrame, year: int, compared: Sequence[str] = ()
) -> dict[str, Any] | None:
    """The national spread under other method choices, and the most affected of the sectors
    ``compared`` this year (a sector left out of comparisons is not a finding here either)."""
    rows = frame[(frame["year"] == year) & (frame["indicator"] == "maturity")]
    rows = rows[~_suppressed(rows)]
    nat = _one(rows, "sensitivity_groups", level="national")
    if nat is None:
        return None
    sectors = rows[(rows["level"] == "sector") & rows["spread"].notna()]
    sectors = sectors[sectors["group"].isin(list(compared))]
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
        "trend_min_years": fmt.int(TREND_MIN_YEARS),
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
            and _visible(row)
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
                "advice": labels.get("advice", c),
            }
            for g, c in lagging
        ]
        best = gaps[-1]
        entry["strongest"] = {"name": labels.indicator(best[1]), "gap": fmt.signed(best[0])}
        out.append(entry)
    return out
