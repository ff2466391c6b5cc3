"""Calibration weights of one year's participants to the population frame.

Each declared margin has codings from fine to coarse, e.g. type x sector, then type. In a
year, a margin uses its finest coding in which every category of the frame has at least
``min_participants`` participants; when none has, the margin is left out that year. When
the margins cannot all be met at once (few participants leave combinations empty, or the
bounds are too tight), the last declared margin is left out, then the one before it, so
the margins are declared in order of importance. Frame
organisations of a type without any participant are outside the year's scope: nothing
in the data speaks for them, so the estimate covers the other types, and says so. Every
such decision is a note in the year's diagnostics.

The base weight is the same for every participant (the frame's size over the number of
participants): taking part is voluntary, there is no design weight. The calibrated
weights then come from :func:`mognad.population.raking.calibrate` (raking, or bounded
logit calibration with ``bounds`` on the ratio to the base weight).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mognad.peers import area_of, size_band_of
from mognad.population.raking import calibrate, diagnostics, margins_from_frame

#: The category of organisations a column does not apply to (a region's municipality
#: group): a category of its own in the margins, for the frame and the participants alike.
NOT_APPLICABLE = "none"


@dataclass(frozen=True)
class MarginSpec:
    """A declared margin: its name and its codings (column lists), finest first."""

    name: str
    codings: tuple[tuple[str, ...], ...]

    @classmethod
    def from_config(cls, margins: Mapping[str, Sequence[Sequence[str]]]) -> list[MarginSpec]:
        """``{name: [[column, ...], ...]}`` as ``config.yaml`` declares it."""
        return [
            cls(name, tuple(tuple(coding) for coding in codings))
            for name, codings in margins.items()
        ]


def classify(frame: pd.DataFrame, size_bands: Sequence[int]) -> pd.DataFrame:
    """The frame (from :func:`mognad.population.frame.read_frame`) with the columns margins
    may name besides its own: ``area``, ``size_band`` and ``main_group`` (A, B, C), and
    ``none`` where a municipality group does not apply."""
    group = frame["municipality_group"].astype("string").fillna(NOT_APPLICABLE)
    return frame.assign(
        municipality_group=group,
        main_group=group.where(group == NOT_APPLICABLE, group.str[0]),
        area=area_of(frame["county"]),
        size_band=size_band_of(frame["employees"], size_bands),
    ).set_index("org_id", drop=False)


@dataclass(frozen=True)
class YearWeights:
    """One year's calibrated weights and what was decided to get them."""

    year: int
    #: participant org_id -> calibrated weight (sums to ``n_frame``)
    weights: pd.Series
    #: the frame organisations the estimate covers (the types with participants)
    n_frame: int
    #: margin name -> the coding used, or None when the margin was left out
    codings: dict[str, tuple[str, ...] | None]
    diagnostics: dict[str, float]
    notes: tuple[str, ...] = field(default=())


def _coding_gaps(
    sample: pd.DataFrame, scope: pd.DataFrame, coding: Sequence[str], minimum: int
) -> list[str]:
    """The frame categories of ``coding`` with fewer than ``minimum`` participants."""
    wanted = scope.groupby(list(coding), observed=True).size()
    have = sample.groupby(list(coding), observed=True).size().reindex(wanted.index, fill_value=0)
    short = have[have < minimum]
    return [
        "/".join(map(str, key if isinstance(key, tuple) else (key,))) + f" ({count})"
        for key, count in short.items()
    ]


def year_weights(
    frame: pd.DataFrame,
    year: int,
    participants: Sequence[str],
    margins: Sequence[MarginSpec],
    bounds: tuple[float, float] | None = None,
    min_participants: int = 1,
) -> YearWeights:
    """Calibration weights of ``participants`` (org_ids, all in ``frame``, a
    :func:`classify` result) to the frame's margins in ``year``; a ValueError when the
    totals cannot be met within ``bounds``."""
    ids = pd.Index(participants).astype(str)
    unknown = ids.difference(frame.index)
    if len(unknown):
        raise ValueError(f"{year}: participants not in the frame: {', '.join(unknown[:5])}")
    sample = frame.loc[ids]
    notes = []
    types = set(sample["org_type"].astype(str))
    scope = frame[frame["org_type"].astype(str).isin(types)]
    left_out = sorted(set(frame["org_type"].astype(str)) - types)
    for org_type in left_out:
        count = int((frame["org_type"] == org_type).sum())
        notes.append(f"no participant of type {org_type}: its {count} organisations are outside")
    codings: dict[str, tuple[str, ...] | None] = {}
    for spec in margins:
        chosen = None
        for coding in spec.codings:
            gaps = _coding_gaps(sample, scope, coding, min_participants)
            if not gaps:
                chosen = coding
                break
            notes.append(
                f"margin {spec.name}: {'×'.join(coding)} left aside, too few participants in "
                f"{', '.join(gaps[:4])}{' ...' if len(gaps) > 4 else ''}"
            )
        if chosen is None:
            notes.append(f"margin {spec.name}: left out this year")
        codings[spec.name] = chosen
    n, n_frame = len(sample), len(scope)
    base = np.full(n, n_frame / n)
    weights = base
    summary = {"n": float(n), "sum_weights": float(n_frame), "deff_kish": 1.0}
    used = [name for name, coding in codings.items() if coding is not None]
    while used:
        problem = margins_from_frame(sample, scope, [list(codings[m] or ()) for m in used])
        result = calibrate(base, problem, bounds)
        if bool(result.converged):
            weights, summary = result.weights, diagnostics(result.weights, base, problem)
            break
        if len(used) == 1:
            raise ValueError(
                f"{year}: no weights within the bounds {bounds} meet the frame's totals of "
                f"margin {used[0]} (largest relative misfit {float(result.max_error):.3g}); "
                "widen the bounds or coarsen the margin"
            )
        dropped = used.pop()
        codings[dropped] = None
        notes.append(
            f"margin {dropped}: left out this year, no weights meet it together with "
            f"{', '.join(used)} (largest relative misfit {float(result.max_error):.3g})"
        )
    return YearWeights(
        year,
        pd.Series(weights, index=ids, name="weight"),
        n_frame,
        codings,
        summary,
        tuple(notes),
    )


#: Columns of the weights' diagnostics table, one row per year.
DIAGNOSTIC_COLUMNS = (
    "year",
    "n_orgs",
    "n_frame",
    "margins",
    "min_g",
    "max_g",
    "weight_ratio",
    "deff_kish",
    "n_effective",
    "max_margin_error",
    "notes",
)


def diagnostics_table(years: Sequence[YearWeights]) -> pd.DataFrame:
    """The weights of every year at a glance: the margins used (``name=coding``, codings
    joined by ``×``), the range of the g-weights (weight / base weight) and of the weights,
    Kish's design effect and effective number of organisations, the largest relative
    margin misfit, and the year's notes joined by ``; ``."""
    rows = []
    for item in years:
        d = item.diagnostics
        rows.append(
            {
                "year": item.year,
                "n_orgs": len(item.weights),
                "n_frame": item.n_frame,
                "margins": ", ".join(
                    f"{name}={'×'.join(coding)}"
                    for name, coding in item.codings.items()
                    if coding is not None
                ),
                "min_g": d.get("min_g", 1.0),
                "max_g": d.get("max_g", 1.0),
                "weight_ratio": d.get("weight_ratio", 1.0),
                "deff_kish": d["deff_kish"],
                "n_effective": d.get("n_effective", float(len(item.weights))),
                "max_margin_error": d.get("max_margin_error", 0.0),
                "notes": "; ".join(item.notes),
            }
        )
    return pd.DataFrame(rows, columns=list(DIAGNOSTIC_COLUMNS))
