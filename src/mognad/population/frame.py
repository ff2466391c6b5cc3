"""The population frame: every public organisation that could take part in the survey.

The participants' mean describes the participants. To speak of the public sector, the
estimates are calibrated to the frame's known totals (type and sector, municipality group,
area, size band). The frame is the register's sibling: the same columns plus
``municipality_group``, one row per organisation, and every organisation of the register
must be in it with the same type, sector, municipality and county. Its head counts are the
frame's own: participants are classified by the frame, so sample and population are
counted alike. ``docs/population-frame.md`` says how to build one from public sources.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mognad.errors import InputError, Problem
from mognad.ingest.exports import REGISTER_COLUMNS, read_organisations
from mognad.peers import MUNICIPALITY_GROUPS

#: The frame's columns, in the order the demo writes them.
FRAME_COLUMNS = (*REGISTER_COLUMNS[:5], "municipality_group", *REGISTER_COLUMNS[5:])
#: The register's columns that must agree with the frame.
SHARED_ATTRIBUTES = ("org_type", "sector", "municipality_id", "county")


def _group_problems(file: str, table: pd.DataFrame, rows: np.ndarray) -> list[Problem]:
    """A municipal administration needs one of the nine groups, shared by its whole
    municipality; regions and agencies have none."""
    municipal = (table["org_type"] == "municipal").to_numpy()
    group = table["municipality_group"]
    problems = []
    unknown = municipal & ~group.isin(list(MUNICIPALITY_GROUPS)).to_numpy()
    if unknown.any():
        found = ", ".join(repr(g) for g in sorted(set(group[unknown]))[:3])
        problems.append(
            Problem(
                file,
                found,
                f"a municipality group of a municipal administration, one of "
                f"{', '.join(MUNICIPALITY_GROUPS)}",
                "municipality_group",
                tuple(rows[unknown]),
            )
        )
    stray = ~municipal & (group != "").to_numpy()
    if stray.any():
        problems.append(
            Problem(
                file,
                "a municipality group for a region or state agency",
                "a blank cell (only municipal administrations have a group)",
                "municipality_group",
                tuple(rows[stray]),
            )
        )
    per_municipality = group[municipal].groupby(table["municipality_id"][municipal])
    split = per_municipality.transform("nunique").reindex(table.index, fill_value=1) > 1
    if split.any():
        problems.append(
            Problem(
                file,
                "different groups within one municipality",
                "one group for all administrations of a municipality",
                "municipality_group",
                tuple(rows[split.to_numpy()]),
            )
        )
    return problems


def read_frame(path: str | Path, register: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and check the population frame; with ``register`` (from
    :func:`mognad.ingest.exports.read_organisations`), check that every registered
    organisation is in it with the same attributes."""
    frame = read_organisations(path, FRAME_COLUMNS, "the population frame", _group_problems)
    frame["municipality_group"] = frame["municipality_group"].replace("", pd.NA)
    if register is not None:
        _check_covers(str(path), frame, register)
    return frame


def _check_covers(file: str, frame: pd.DataFrame, register: pd.DataFrame) -> None:
    """Every organisation of the register is in the frame, described alike."""
    joined = register[["org_id", *SHARED_ATTRIBUTES]].merge(
        frame[["org_id", *SHARED_ATTRIBUTES]], on="org_id", how="left", indicator=True
    )
    problems = []
    absent = joined.loc[joined["_merge"] == "left_only", "org_id"]
    if len(absent):
        problems.append(
            Problem(
                file,
                f"no row for {len(absent)} organisations of the register "
                f"({', '.join(absent.astype(str)[:5])}{', ...' if len(absent) > 5 else ''})",
                "every organisation of the register (source.organisations) in the frame",
                "org_id",
            )
        )
    present = joined[joined["_merge"] == "both"]
    position = pd.Series(np.arange(2, len(frame) + 2), index=frame["org_id"])
    for column in SHARED_ATTRIBUTES:
        left = present[f"{column}_x"].astype("string").fillna("")
        right = present[f"{column}_y"].astype("string").fillna("")
        differs = (left != right).to_numpy()
        if differs.any():
            first = present[differs].iloc[0]
            problems.append(
                Problem(
                    file,
                    f"{int(differs.sum())} organisations described otherwise than in the "
                    f"register (first: {first['org_id']}, {first[f'{column}_y']!r} here, "
                    f"{first[f'{column}_x']!r} in the register)",
                    "the register's value (the frame and the register must agree)",
                    column,
                    tuple(int(r) for r in position[present.loc[differs, "org_id"]]),
                )
            )
    if problems:
        raise InputError(problems)
