"""The year's story: who took part, what changed since last year, and why the national
figure rose or fell (the change split into organisations changing and who took part)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mognad.publish.report.format import (
    INDICATORS,
    QUADRANTS,
    ReportParams,
    _decomposed,
    _direction,
    _float,
    _Fmt,
    _one,
    _suppressed,
    _visible,
)


def _participation(fmt: _Fmt, tables: Mapping[str, pd.DataFrame], year: int) -> dict[str, Any]:
    """Organisations and respondents by year, and who joined or left since last year."""
    national = tables["national_by_year"].sort_values("year")
    national = national[national["year"] <= year]
    rows = [
        {
            "year": str(int(r["year"])),
            "n_orgs": fmt.int(r["n_orgs"]),
            "n_respondents": fmt.int(r["n_respondents"]),
        }
        for _, r in national.iterrows()
    ]
    types = tables["type_by_year"]
    types = types[(types["year"] == year) & ~_suppressed(types)].sort_values("org_type")
    yoy = tables["year_over_year"]
    pair = _one(yoy, "year_over_year", year=year, scope="national", indicator="maturity")
    counts = None
    if pair is not None and np.isfinite(_float(pair["n_pairs"])):
        counts = {
            "n_pairs": fmt.int(pair["n_pairs"]),
            "n_joiners": fmt.int(pair["n_joiners"]),
            "n_leavers": fmt.int(pair["n_leavers"]),
            "n_orgs_prev": fmt.int(pair["n_orgs_prev"]),
        }
    most = national.loc[national["n_orgs"].idxmax()] if len(national) else None
    return {
        "by_year": rows,
        "first": rows[0] if rows else None,
        "current": rows[-1] if rows else None,
        "grew": len(rows) > 1
        and _float(national["n_orgs"].iloc[-1]) > _float(national["n_orgs"].iloc[0]),
        "largest_year": str(int(most["year"])) if most is not None else None,
        "types": [
            {
                "name": fmt.labels.org_type(r["org_type"]),
                "n_orgs": fmt.int(r["n_orgs"]),
                "counted": fmt.int(r["n_orgs"])
                + " "
                + fmt.labels.get("org_types_plural", r["org_type"]),
            }
            for _, r in types.iterrows()
        ],
        "pairs": counts,
    }


def _turns(fmt: _Fmt, tables: Mapping[str, pd.DataFrame], year: int) -> list[dict[str, Any]]:
    """Every year up to ``year`` in which the national maturity fell, and why."""
    national = tables["national_by_year"].sort_values("year")
    national = national[national["year"] <= year].reset_index(drop=True)
    dec = tables["change_decomposition"]
    out = []
    for i in range(1, len(national)):
        before, now = national.iloc[i - 1], national.iloc[i]
        change = _float(now["maturity"]) - _float(before["maturity"])
        if _direction(change) != "down":
            continue
        this = int(now["year"])
        row = _one(dec, "change_decomposition", year=this, scope="national", indicator="maturity")
        out.append(
            {
                "year": str(this),
                "prev_year": str(int(before["year"])),
                "from": fmt.num(before["maturity"]),
                "to": fmt.num(now["maturity"]),
                "change_abs": fmt.num(abs(change)),
                "n_joiners": fmt.int(row["n_joiners"]) if row is not None else None,
                "parts": _decomposed(fmt, row) if _visible(row) else None,
            }
        )
    return out


def _since_last_year(
    fmt: _Fmt, tables: Mapping[str, pd.DataFrame], params: ReportParams, year: int
) -> dict[str, Any] | None:
    """The changes from the previous survey year: indicators, categories, sectors, quadrants."""
    national = tables["national_by_year"]
    earlier = sorted(int(y) for y in national["year"] if int(y) < year)
    if not earlier:
        return None
    prev = earlier[-1]
    now, before = (_one(national, "national_by_year", year=y) for y in (year, prev))
    assert now is not None and before is not None

    def change(code: str, a: pd.Series, b: pd.Series) -> dict[str, Any]:
        value = _float(a[code]) - _float(b[code])
        return {
            "code": code,
            "name": fmt.labels.indicator(code),
            "value": fmt.num(a[code]),
            "previous": fmt.num(b[code]),
            "change": fmt.signed(value),
            "change_abs": fmt.num(abs(value)),
            "direction": _direction(value),
            "named_change": f"{fmt.labels.indicator(code)} ({fmt.signed(value)})",
            "raw": value,
        }

    categories = sorted(
        (change(c, now, before) for c in params.categories), key=lambda c: (-c["raw"], c["code"])
    )
    sectors = tables["sector_by_year"]
    moved = []
    for code in sorted(set(sectors["sector"])):
        a = _one(sectors, "sector_by_year", year=year, sector=code)
        b = _one(sectors, "sector_by_year", year=prev, sector=code)
        eligible = all(
            _visible(r) and r is not None and _float(r["n_orgs"]) >= params.analysis_min_orgs
            for r in (a, b)
        )
        if eligible and a is not None and b is not None:
            moved.append({**change("maturity", a, b), "sector_name": fmt.labels.sector(code)})
    moved.sort(key=lambda s: (-s["raw"], s["sector_name"]))
    quad = tables["quadrants"]
    quad = quad[quad["level"] == "national"]
    shares = []
    for code in QUADRANTS:
        a = _one(quad, "quadrants", year=year, quadrant=code)
        b = _one(quad, "quadrants", year=prev, quadrant=code)
        if _visible(a) and _visible(b) and a is not None and b is not None:
            points = (_float(a["share"]) - _float(b["share"])) * 100
            shares.append(
                {
                    "name": fmt.labels.quadrant(code),
                    "share": fmt.pct(a["share"]),
                    "previous": fmt.pct(b["share"]),
                    "change": fmt.signed(points, 0),
                    "direction": _direction(points, 0),
                }
            )
    return {
        "prev_year": str(prev),
        "indicators": {i: change(i, now, before) for i in INDICATORS},
        "categories": categories,
        "rose": [c for c in categories if c["direction"] == "up"],
        "fell": [c for c in categories if c["direction"] == "down"],
        "sectors": moved,
        "sectors_up": [s for s in moved if s["direction"] == "up"],
        "sectors_down": [s for s in moved if s["direction"] == "down"],
        "quadrants": shares,
    }
