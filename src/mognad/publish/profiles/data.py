"""The numbers of every profile of a year at once, their disclosure check, and the
profile files that carry them from the publishing stage to the renderers."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mognad.files import write_bytes
from mognad.publish.profiles.uncertainty import (
    draw_matrix,
    gap_to,
    quadrant_probabilities,
    rank_intervals,
    ranked_by_gap,
)
from mognad.publish.smallcell import Thresholds

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    import pandas as pd


#: Version of the profile dict's layout; a renderer refuses other versions.
SCHEMA = 3
#: The instrument's six categories in its order, and the dimensions they form.
CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
DIMENSIONS = {
    "capability": ("effektivitet", "innovation", "balansering"),
    "legacy": ("organisation", "anvandare", "teknik"),
}
#: The three headline figures, in the order a profile shows them.
HEADLINE = ("maturity", "capability", "legacy")
#: Comparison groups: the profile key and the column naming the group in its table. The
#: first that is shown is the reference of the gaps and of the advice.
GROUPS = ("sector", "org_type")
#: Every peer group a profile compares with, in the order it shows them: the reference
#: groups, then the organisations of its area and of its size band (:mod:`mognad.peers`).
PEER_GROUPS = (*GROUPS, "area", "size_band")
#: Improvement suggestions: at most this many categories clearly below the reference.
ADVICE_CATEGORIES = 2
#: The register's columns a profile shows (its name and where it is).
PLACE = ("name", "municipality_id", "county")
#: The quadrant thresholds when none are given (``method.quadrant_thresholds``' default).
QUADRANT = {"capability": 50.0, "legacy": 50.0}
#: Organisation ids become file names and Snakemake wildcards.
ORG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "profile"

#: Colours of the radar chart's three series (organisation, sector, type).
COLOURS = {"org": "#1f5f99", "sector": "#c8641e", "org_type": "#2e8b57"}
DASHES = {"org": "", "sector": "6 3", "org_type": "2 3"}
#: Fonts: the PDF uses Typst's embedded Libertinus Serif only (no system fonts, so the
#: output does not depend on the machine); the HTML a common sans-serif stack.
PDF_FONT = "Libertinus Serif"
HTML_FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif"


# --------------------------------------------------------------------------------------
# The numbers of every profile of a year, at once


def _number(value: Any) -> float | None:
    """A JSON-safe float: None for missing."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _comparison(
    table: pd.DataFrame,
    key: str,
    year: int,
    thresholds: Thresholds,
    indicators: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """Each group's comparison entry of ``year``: shown only when not suppressed, not a
    small cell, and with every indicator present."""
    rows = table[table["year"] == year]
    if rows[key].duplicated().any():
        raise ValueError(f"the {key} table has more than one row per {key} in {year}")
    suppressed = (
        rows["suppressed"].fillna(False).astype(bool).to_numpy()
        if "suppressed" in rows
        else [False] * len(rows)
    )
    values = rows[list(indicators)].astype(float).to_numpy()
    n_orgs = rows["n_orgs"].fillna(0).astype(int).to_numpy()
    small = thresholds.too_few_orgs(n_orgs)
    if "n_respondents" in rows:
        small |= thresholds.too_few_respondents(rows["n_respondents"].fillna(0).to_numpy())
    complete = ~(values != values).any(axis=1)  # no NaN
    bounds = [f"{ind}_{b}" for ind in HEADLINE for b in ("ci_low", "ci_high")]
    limits = (
        rows[bounds].astype(float).to_numpy().reshape(len(rows), len(HEADLINE), 2)
        if all(b in rows for b in bounds)
        else None
    )
    out = {}
    for i, group in enumerate(rows[key].astype(str)):
        shown = bool(not suppressed[i] and not small[i] and complete[i])
        out[group] = {
            "code": group,
            "year": int(year),
            "n_orgs": int(n_orgs[i]),
            "shown": shown,
            "values": (
                {ind: _number(values[i, j]) for j, ind in enumerate(indicators)} if shown else {}
            ),
            "intervals": (
                {ind: [_number(x) for x in limits[i, j]] for j, ind in enumerate(HEADLINE)}
                if shown and limits is not None
                else {}
            ),
        }
    return out


def _score_entry(values: Any, bounds: Any, indicators: Sequence[str]) -> dict[str, Any]:
    return {
        ind: {
            "value": _number(values[j]),
            "ci_low": _number(bounds[j, 0]),
            "ci_high": _number(bounds[j, 1]),
        }
        for j, ind in enumerate(indicators)
    }


def advice(
    gaps: Sequence[Mapping[str, Any]], quadrant: str | None, limit: int = ADVICE_CATEGORIES
) -> list[dict[str, Any]]:
    """The improvement suggestions of a profile, as keys of texts in the labels.

    The rule set: the (at most ``limit``) categories whose whole gap interval lies below
    the reference group's mean, largest shortfall first, each marked ``clear``; when no
    category is clearly below, the one with the largest shortfall, if any is below at
    all, marked not ``clear`` (its text says the difference is uncertain); then one
    suggestion for the organisation's quadrant. ``gaps`` are ranked, largest shortfall
    first.
    """
    clear = [g for g in gaps if g["gap_high"] is not None and g["gap_high"] < 0][:limit]
    out = [{"kind": "category", "code": g["category"], "clear": True} for g in clear]
    if not out:
        below = [g for g in gaps if g["gap"] < 0][:1]
        out = [{"kind": "category", "code": g["category"], "clear": False} for g in below]
    if quadrant:
        out.append({"kind": "quadrant", "code": quadrant, "clear": True})
    return out


def profile_data(
    orgs: pd.DataFrame,
    sectors: pd.DataFrame,
    types: pd.DataFrame,
    year: int,
    thresholds: Thresholds,
    quadrant: Mapping[str, float] | None = None,
    categories: Sequence[str] = CATEGORIES,
    dimensions: Mapping[str, Sequence[str]] = DIMENSIONS,
    register: pd.DataFrame | None = None,
    draws: pd.DataFrame | None = None,
    level: float = 0.95,
    peers: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, dict[str, Any]]:
    """One JSON-able dict per organisation taking part in ``year``, keyed by ``org_id``.

    ``orgs`` holds organisation scores of all years (``org_scores.parquet``): the previous
    participation is the organisation's latest earlier year, however many years it
    skipped, and the trend covers every year up to ``year``. ``sectors`` and ``types`` are
    the published ``sector_by_year`` and ``type_by_year`` tables (an optional boolean
    ``suppressed`` column hides a row). ``thresholds``: the disclosure limits
    (:class:`mognad.publish.smallcell.Thresholds`); ``quadrant``: the quadrant thresholds
    (``method.quadrant_thresholds``, default 50/50). ``register``: the organisation
    register (names and places; without it a profile has none). ``draws``: the year's
    replicate draws (``org_draws``) for quadrant probabilities and ranks at ``level``
    (without them a profile has neither). ``peers``: the published tables of the peer
    groups by their column (``area``: ``area_by_year``, ``size_band``:
    ``size_by_year``), each compared with where ``orgs`` names the organisation's group.
    """
    import numpy as np

    year = int(year)
    quadrant_thresholds = {k: float(v) for k, v in {**QUADRANT, **(quadrant or {})}.items()}
    indicators = [*HEADLINE, *categories]
    ci = [f"{ind}_{bound}" for ind in indicators for bound in ("ci_low", "ci_high")]
    if orgs.duplicated(["org_id", "year"]).any():
        raise ValueError("the organisation scores have more than one row per org_id and year")
    current = orgs[orgs["year"] == year].sort_values("org_id", kind="stable")
    if current.empty:
        raise ValueError(f"no organisation took part in {year}")
    ids = current["org_id"].astype(str).to_numpy()
    bad = [i for i in ids if not ORG_ID.match(i) or i == "index"]
    if bad:
        raise ValueError(
            f"org_id not usable as a profile's file name (letters, digits, _ . -; not "
            f"'index', the list of profiles): {bad[:5]}"
        )

    earlier = (
        orgs[orgs["year"] < year]
        .sort_values(["org_id", "year"], kind="stable")
        .drop_duplicates("org_id", keep="last")
        .set_index("org_id")
        .reindex(current["org_id"])
    )
    n = current["n_respondents"].fillna(0).astype(int).to_numpy()
    reportable = ~thresholds.too_few_respondents(n)
    values = current[indicators].astype(float).to_numpy()
    bounds = current[ci].astype(float).to_numpy().reshape(len(current), len(indicators), 2)
    prev_year = earlier["year"].to_numpy(dtype=float)
    prev_n = earlier["n_respondents"].to_numpy(dtype=float)
    prev_reportable = ~thresholds.too_few_respondents(np.nan_to_num(prev_n, nan=-1.0))
    prev_reportable &= ~np.isnan(prev_n)  # no earlier year: nothing to compare
    change = values[:, : len(HEADLINE)] - earlier[list(HEADLINE)].astype(float).to_numpy()
    quadrants = current["quadrant"].astype(object).to_numpy()
    years = sorted(int(y) for y in orgs.loc[orgs["year"] <= year, "year"].unique())
    tables = {"sector": sectors, "org_type": types, **(peers or {})}
    compare = {
        (level_name, y): _comparison(table, level_name, y, thresholds, indicators)
        for level_name, table in tables.items()
        for y in (years if level_name == "sector" else [year])
    }
    levels = [g for g in PEER_GROUPS if g in tables and g in current]
    version = (
        current["method_version"].astype(str).to_numpy()
        if "method_version" in current
        else [""] * len(current)
    )
    sector = current["sector"].astype(str).to_numpy()
    org_type = current["org_type"].astype(str).to_numpy()
    group_of = {g: current[g].astype(str).to_numpy() for g in levels}
    places = _places(register, ids)
    trends = _trends(orgs, ids, year, thresholds, compare, sector)
    chances, ranks = _from_draws(draws, ids, values[:, 0], reportable, quadrant_thresholds, level)

    out = {}
    for i, org_id in enumerate(ids):
        ok = bool(reportable[i])
        previous = None
        if not np.isnan(prev_year[i]):
            both = ok and bool(prev_reportable[i])
            previous = {
                "year": int(prev_year[i]),
                "reportable": bool(prev_reportable[i]),
                "change": (
                    {ind: _number(change[i, j]) for j, ind in enumerate(HEADLINE)} if both else {}
                ),
            }
        groups = {}
        for level_name in levels:
            code = group_of[level_name][i]
            groups[level_name] = compare[level_name, year].get(
                code,
                {
                    "code": code,
                    "year": year,
                    "n_orgs": 0,
                    "shown": False,
                    "values": {},
                    "intervals": {},
                },
            )
        scores = _score_entry(values[i], bounds[i], indicators) if ok else {}
        code = quadrants[i]
        own_quadrant = str(code) if ok and isinstance(code, str) else None
        reference = next((g for g in GROUPS if groups[g]["shown"]), None) if ok else None
        gaps = []
        if reference is not None:
            found = {}
            for c in categories:
                gap = gap_to(
                    scores[c]["value"],
                    scores[c]["ci_low"],
                    scores[c]["ci_high"],
                    groups[reference]["values"].get(c),
                )
                if gap is not None:
                    found[c] = gap
            gaps = [{"category": c, **found[c]} for c in ranked_by_gap(found, categories)]
        out[org_id] = {
            "schema": SCHEMA,
            "year": year,
            "org_id": org_id,
            **places[i],
            "sector": sector[i],
            "org_type": org_type[i],
            "n_respondents": int(n[i]),
            "method_version": str(version[i]),
            "min_respondents": thresholds.min_respondents,
            "min_orgs": thresholds.min_orgs,
            "quadrant_thresholds": quadrant_thresholds,
            "ci_level": float(level),
            "categories": list(categories),
            "dimensions": {k: list(v) for k, v in dimensions.items()},
            "reportable": ok,
            "scores": scores,
            "quadrant": own_quadrant,
            "quadrant_probability": chances[i] if ok else {},
            "rank": ranks[i] if ok else None,
            "previous": previous,
            "trend": trends[i],
            "comparisons": groups,
            "gap_reference": reference,
            "gaps": gaps,
            "advice": advice(gaps, own_quadrant) if ok else [],
        }
    return out


def _places(register: pd.DataFrame | None, ids: Any) -> list[dict[str, str | None]]:
    """Each organisation's name and place from the register (None where unknown)."""
    if register is None:
        return [dict.fromkeys(PLACE) for _ in ids]
    import pandas as pd

    if register["org_id"].duplicated().any():
        raise ValueError("the organisation register has more than one row per org_id")
    columns = [c for c in PLACE if c in register]
    rows = register.set_index(register["org_id"].astype(str))[columns].reindex(ids)
    return [
        {k: (None if k not in row or pd.isna(row[k]) else str(row[k])) for k in PLACE}
        for row in rows.to_dict("records")
    ]


def _trends(
    orgs: pd.DataFrame,
    ids: Any,
    year: int,
    thresholds: Thresholds,
    compare: Mapping[tuple[str, int], Mapping[str, Mapping[str, Any]]],
    sector: Any,
) -> list[list[dict[str, Any]]]:
    """Every year each organisation took part up to ``year``: its headline scores when
    reportable, and its report-year sector's published mean of that year when shown."""
    bounds = [f"{ind}_{b}" for ind in HEADLINE for b in ("ci_low", "ci_high")]
    rows = orgs[(orgs["year"] <= year) & orgs["org_id"].astype(str).isin(set(ids))]
    rows = rows.sort_values(["org_id", "year"], kind="stable")
    values = rows[list(HEADLINE)].astype(float).to_numpy()
    limits = rows[bounds].astype(float).to_numpy().reshape(len(rows), len(HEADLINE), 2)
    n = rows["n_respondents"].fillna(0).astype(int).to_numpy()
    ok = ~thresholds.too_few_respondents(n)
    position = {org_id: i for i, org_id in enumerate(ids)}
    out: list[list[dict[str, Any]]] = [[] for _ in ids]
    for k, (org_id, y) in enumerate(zip(rows["org_id"].astype(str), rows["year"], strict=True)):
        i = position[org_id]
        group = compare["sector", int(y)].get(sector[i]) or {"shown": False, "values": {}}
        shown = bool(group["shown"])
        out[i].append(
            {
                "year": int(y),
                "n_respondents": int(n[k]),
                "reportable": bool(ok[k]),
                "scores": _score_entry(values[k], limits[k], HEADLINE) if ok[k] else {},
                "sector": {
                    "shown": shown,
                    "values": {ind: group["values"][ind] for ind in HEADLINE} if shown else {},
                },
            }
        )
    return out


def _from_draws(
    draws: pd.DataFrame | None,
    ids: Any,
    maturity: Any,
    reportable: Any,
    thresholds: Mapping[str, float],
    level: float,
) -> tuple[list[dict[str, float | None]], list[dict[str, int] | None]]:
    """Quadrant probabilities and rank intervals of the organisations ``ids`` (only the
    reportable are ranked, among each other); empty where there are no draws."""
    import numpy as np

    if draws is None:
        return [{} for _ in ids], [None for _ in ids]
    found, capability = draw_matrix(draws, "capability")
    _, legacy = draw_matrix(draws, "legacy")
    _, replicates = draw_matrix(draws, "maturity")
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValueError(f"no replicate draws for {len(missing)} organisation(s): {missing[:5]}")
    rows = np.searchsorted(found, ids)
    chances = quadrant_probabilities(capability[rows], legacy[rows], thresholds)
    shown = np.asarray(reportable, dtype=bool)
    ranked = rank_intervals(np.asarray(maturity)[shown], replicates[rows][shown], level)
    rank_rows: list[dict[str, int] | None] = [None for _ in ids]
    for k, i in enumerate(np.flatnonzero(shown)):
        if not np.isnan(ranked["rank"][k]):
            rank_rows[i] = {
                "rank": int(ranked["rank"][k]),
                "low": int(ranked["rank_low"][k]),
                "high": int(ranked["rank_high"][k]),
                "of": int(ranked["n_ranked"][k]),
            }
    probabilities = [{code: _number(chances[code][i]) for code in chances} for i in range(len(ids))]
    return probabilities, rank_rows


def profile_violations(data: Mapping[str, Any], thresholds: Thresholds | None = None) -> list[str]:
    """Every way ``data`` breaks the disclosure rules (empty when it keeps them).

    The limits are ``thresholds`` when given, else those recorded in ``data``.
    """
    if thresholds is None:
        thresholds = Thresholds(int(data["min_orgs"]), int(data["min_respondents"]))
    who = f"{data.get('org_id')} {data.get('year')}"
    problems = []
    small = thresholds.too_few_respondents(data["n_respondents"])
    if small and data.get("reportable"):
        problems.append(
            f"{who}: reportable with {data['n_respondents']} < "
            f"{thresholds.min_respondents} respondents"
        )
    hidden = small or not data.get("reportable")
    derived = ("scores", "quadrant", "quadrant_probability", "rank", "gaps", "advice")
    if hidden and any(data.get(key) for key in derived):
        problems.append(f"{who}: scores present although too few respondents")
    for point in data.get("trend") or []:
        if point.get("scores") and (
            thresholds.too_few_respondents(point.get("n_respondents", 0))
            or not point.get("reportable")
        ):
            problems.append(f"{who}: {point['year']} shown although too few respondents")
        sector_mean = point.get("sector") or {}
        if sector_mean.get("values") and not sector_mean.get("shown"):
            problems.append(f"{who}: sector mean of {point['year']} carries hidden values")
    previous = data.get("previous") or {}
    if previous.get("change") and (small or not previous.get("reportable")):
        problems.append(f"{who}: change shown although a year had too few respondents")
    for level, group in (data.get("comparisons") or {}).items():
        if group.get("shown") and thresholds.too_few_orgs(group.get("n_orgs", 0)):
            problems.append(
                f"{who}: {level} mean shown from {group['n_orgs']} < {thresholds.min_orgs} orgs"
            )
        if (group.get("values") or group.get("intervals")) and not group.get("shown"):
            problems.append(f"{who}: {level} mean carries values although not shown")
    return problems


def write_profile_data(profiles: Mapping[str, Mapping[str, Any]], folder: str | Path) -> list[Path]:
    """One ``<org_id>.json`` per profile in ``folder`` (created; other files untouched)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for org_id, data in profiles.items():
        path = folder / f"{org_id}.json"
        write_bytes(path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())
        paths.append(path)
    return paths


def read_profile_data(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: profile data schema {data.get('schema')!r}, expected {SCHEMA}")
    return data
