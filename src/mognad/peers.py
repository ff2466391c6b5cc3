"""Peer groups beyond sector and type: where an organisation is and how large it is.

An organisation compares itself with organisations like it. Besides its sector and type,
the report publishes two groupings that cut across them:

* **area**: the national area (riksområde, the NUTS 2 regions of Statistics Sweden) of the
  organisation's county. Counties are too small a unit: most would hold one or two
  participants a year, all hidden, and 21 overlapping county means beside the sector
  means would give hidden values away. The eight areas are the finest standard grouping of
  counties.
* **size band**: the organisation's head count (the register's ``employees``) in bands
  whose lower edges are ``config.yaml`` → ``peers`` → ``size_bands``.

Both are computed from the register once, at scoring, so every stage reads the same
groups. Group codes are stable (``SE11``; ``100-249``); names are the labels' business.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where it is used: the labels read codes without it
    import pandas as pd

#: Statistics Sweden's national areas (riksområden, NUTS 2) and their counties.
AREAS: dict[str, tuple[str, ...]] = {
    "SE11": ("Stockholms län",),
    "SE12": (
        "Uppsala län",
        "Södermanlands län",
        "Östergötlands län",
        "Örebro län",
        "Västmanlands län",
    ),
    "SE21": ("Jönköpings län", "Kronobergs län", "Kalmar län", "Gotlands län"),
    "SE22": ("Blekinge län", "Skåne län"),
    "SE23": ("Hallands län", "Västra Götalands län"),
    "SE31": ("Värmlands län", "Dalarnas län", "Gävleborgs län"),
    "SE32": ("Västernorrlands län", "Jämtlands län"),
    "SE33": ("Västerbottens län", "Norrbottens län"),
}
#: Every county the register may name, and its area.
COUNTY_AREA: dict[str, str] = {
    county: area for area, counties in AREAS.items() for county in counties
}

#: Municipality groups in the style of SKR's kommungruppsindelning (2017): nine groups
#: in three main groups, A (storstäder and their commuter municipalities), B (larger towns
#: and municipalities near them), C (smaller towns and rural municipalities).
MUNICIPALITY_GROUPS: dict[str, str] = {
    "A1": "A", "A2": "A", "B3": "B", "B4": "B", "B5": "B",
    "C6": "C", "C7": "C", "C8": "C", "C9": "C",
}  # fmt: skip

#: The grouping columns this module adds to an organisation's attributes.
PEER_COLUMNS = ("area", "size_band")
#: The size bands' lower edges when a caller gives none (the project's ``config.yaml``).
DEFAULT_SIZE_BANDS = (100, 250, 1000)


def area_of(counties: pd.Series) -> pd.Series:
    """The national area of each county (missing for a name that is no county: the
    register's check, :func:`mognad.ingest.exports.read_organisations`, stops those)."""
    return counties.astype("string").map(COUNTY_AREA).astype("string")


def size_band_codes(edges: Sequence[int]) -> list[str]:
    """The bands' codes in order: ``0-99``, ``100-249``, ..., ``1000+`` for edges
    100, 250, 1000 (a band holds head counts from its lower edge to below the next)."""
    bounds = [0, *edges]
    return [
        *(f"{lo}-{hi - 1}" for lo, hi in pairwise(bounds)),
        f"{bounds[-1]}+",
    ]


def size_band_bounds(code: str) -> tuple[int, int | None]:
    """A band code's lowest and highest head count (``None`` for the open top band), or
    a ValueError for a code :func:`size_band_codes` does not make."""
    open_top = code.endswith("+")
    low, dash, high = code.removesuffix("+").partition("-")
    if not low.isdigit() or (open_top == bool(dash)) or (dash and not high.isdigit()):
        raise ValueError(f"{code!r} is no size band (expected e.g. '100-249' or '1000+')")
    return int(low), (int(high) if dash else None)


def check_edges(edges: Sequence[int]) -> list[int]:
    """The size-band edges as increasing positive integers, or a ValueError saying why."""
    values = [int(e) for e in edges]
    if not values or values[0] < 1 or any(b <= a for a, b in pairwise(values)):
        raise ValueError(f"size_bands must be increasing head counts > 0, found {list(edges)}")
    return values


def size_band_of(employees: pd.Series, edges: Sequence[int]) -> pd.Series:
    """The size band of each head count (see :func:`size_band_codes`)."""
    import numpy as np
    import pandas as pd

    values = check_edges(edges)
    codes = np.array(size_band_codes(values), dtype=object)
    position = np.searchsorted(np.asarray(values), employees.to_numpy(dtype="int64"), "right")
    return pd.Series(codes[position], index=employees.index, dtype="string")


def with_peer_groups(frame: pd.DataFrame, edges: Sequence[int]) -> pd.DataFrame:
    """``frame`` (with ``county`` and ``employees``) with ``area`` and ``size_band``."""
    return frame.assign(
        area=area_of(frame["county"]), size_band=size_band_of(frame["employees"], edges)
    )
