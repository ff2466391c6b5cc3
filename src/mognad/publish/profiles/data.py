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
from mognad.publish.smallcell import Thresholds

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    import pandas as pd


#: Version of the profile dict's layout; a renderer refuses other versions.
SCHEMA = 1
#: The instrument's six categories in its order, and the dimensions they form.
CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
DIMENSIONS = {
    "capability": ("effektivitet", "innovation", "balansering"),
    "legacy": ("organisation", "anvandare", "teknik"),
}
#: The three headline figures, in the order a profile shows them.
HEADLINE = ("maturity", "capability", "legacy")
#: Comparison groups: the profile key and the column naming the group in its table.
GROUPS = ("sector", "org_type")
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
        }
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
) -> dict[str, dict[str, Any]]:
    """One JSON-able dict per organisation taking part in ``year``, keyed by ``org_id``.

    ``orgs`` holds organisation scores of all years (``org_scores.parquet``): the previous
    participation is the organisation's latest earlier year, however many years it
    skipped. ``sectors`` and ``types`` are the published ``sector_by_year`` and
    ``type_by_year`` tables (an optional boolean ``suppressed`` column hides a row).
    ``thresholds``: the disclosure limits (:class:`mognad.publish.smallcell.Thresholds`);
    ``quadrant``: the quadrant thresholds (``method.quadrant_thresholds``, default 50/50).
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
    # Weakest categories: lowest first, ties in instrument order, missing never weakest.
    cat_values = values[:, len(HEADLINE) :]
    ranked = np.argsort(np.where(np.isnan(cat_values), np.inf, cat_values), axis=1, kind="stable")
    n_scored = (~np.isnan(cat_values)).sum(axis=1)
    quadrants = current["quadrant"].astype(object).to_numpy()
    compare = {
        level: _comparison(table, level, year, thresholds, indicators)
        for level, table in (("sector", sectors), ("org_type", types))
    }
    version = (
        current["method_version"].astype(str).to_numpy()
        if "method_version" in current
        else [""] * len(current)
    )
    sector = current["sector"].astype(str).to_numpy()
    org_type = current["org_type"].astype(str).to_numpy()

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
        for level, code in (("sector", sector[i]), ("org_type", org_type[i])):
            groups[level] = compare[level].get(
                code, {"code": code, "year": year, "n_orgs": 0, "shown": False, "values": {}}
            )
        quadrant = quadrants[i]
        out[org_id] = {
            "schema": SCHEMA,
            "year": year,
            "org_id": org_id,
            "sector": sector[i],
            "org_type": org_type[i],
            "n_respondents": int(n[i]),
            "method_version": str(version[i]),
            "min_respondents": thresholds.min_respondents,
            "min_orgs": thresholds.min_orgs,
            "quadrant_thresholds": quadrant_thresholds,
            "categories": list(categories),
            "dimensions": {k: list(v) for k, v in dimensions.items()},
            "reportable": ok,
            "scores": (
                {
                    ind: {
                        "value": _number(values[i, j]),
                        "ci_low": _number(bounds[i, j, 0]),
                        "ci_high": _number(bounds[i, j, 1]),
                    }
                    for j, ind in enumerate(indicators)
                }
                if ok
                else {}
            ),
            "quadrant": (str(quadrant) if ok and isinstance(quadrant, str) else None),
            "weakest": ([categories[k] for k in ranked[i, : min(3, n_scored[i])]] if ok else []),
            "previous": previous,
            "comparisons": groups,
        }
    return out


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
    if (small or not data.get("reportable")) and (
        data.get("scores") or data.get("quadrant") or data.get("weakest")
    ):
        problems.append(f"{who}: scores present although too few respondents")
    previous = data.get("previous") or {}
    if previous.get("change") and (small or not previous.get("reportable")):
        problems.append(f"{who}: change shown although a year had too few respondents")
    for level, group in (data.get("comparisons") or {}).items():
        if group.get("shown") and thresholds.too_few_orgs(group.get("n_orgs", 0)):
            problems.append(
                f"{who}: {level} mean shown from {group['n_orgs']} < {thresholds.min_orgs} orgs"
            )
        if group.get("values") and not group.get("shown"):
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
