"""The population frame (mognad.population.frame): the demo's frame holds every
participant, described as the register describes it, with a municipality group shared by
each municipality; bad frames are refused with the file, row, column and value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mognad.demo import synth
from mognad.errors import InputError
from mognad.ingest.exports import read_organisations
from mognad.peers import MUNICIPALITY_GROUPS
from mognad.population.frame import FRAME_COLUMNS, read_frame

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data/raw/demo"


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return read_organisations(DEMO / "organisations.csv")


@pytest.fixture(scope="module")
def frame(register) -> pd.DataFrame:
    return read_frame(DEMO / "frame.csv", register)


def test_the_demo_frame_holds_every_participant_in_nine_groups(frame, register):
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert set(register["org_id"]) <= set(frame["org_id"])
    municipal = frame[frame["org_type"] == "municipal"]
    assert municipal["municipality_group"].notna().all()
    assert frame.loc[frame["org_type"] != "municipal", "municipality_group"].isna().all()
    per_municipality = municipal.groupby("municipality_id")["municipality_group"]
    assert (per_municipality.nunique() == 1).all()
    groups = per_municipality.first()
    assert set(groups) == set(MUNICIPALITY_GROUPS)  # all nine occur in the demo
    # main group A (cities and their belts) has the largest municipalities on average
    size = municipal.groupby("municipality_id")["employees"].sum()
    by_main = size.groupby(groups.str[0]).median()
    assert by_main["A"] > by_main["B"] > by_main["C"]
    storstad = municipal[municipal["municipality_group"] == "A1"]["county"].unique()
    assert set(storstad) <= set(synth.METROPOLITAN_COUNTIES)


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "frame.csv"
    frame.fillna("").to_csv(path, index=False)
    return path


def test_a_frame_with_bad_groups_is_refused_with_rows_and_values(tmp_path, frame):
    bad = frame.copy()
    municipal = bad.index[bad["org_type"] == "municipal"]
    bad.loc[municipal[0], "municipality_group"] = "D10"
    agency = bad.index[bad["org_type"] == "state_agency"][0]
    bad.loc[agency, "municipality_group"] = "A1"
    path = _write(tmp_path, bad)
    with pytest.raises(InputError) as excinfo:
        read_frame(path)
    message = str(excinfo.value)
    assert f"row {municipal[0] + 2}" in message and "'D10'" in message
    assert "'municipality_group'" in message and "C9" in message
    assert f"row {agency + 2}" in message and "region or state agency" in message
    assert "different groups within one municipality" in message  # D10 splits its municipality


def test_a_frame_missing_or_contradicting_the_register_is_refused(tmp_path, frame, register):
    participant = register["org_id"].iloc[3]
    other = register["org_id"].iloc[10]
    bad = frame[frame["org_id"] != participant].copy()
    bad.loc[bad["org_id"] == other, "county"] = (
        "Gotlands län"
        if register.loc[register["org_id"] == other, "county"].iloc[0] != "Gotlands län"
        else "Skåne län"
    )
    path = _write(tmp_path, bad)
    with pytest.raises(InputError) as excinfo:
        read_frame(path, register)
    message = str(excinfo.value)
    assert str(path) in message and participant in message and "'org_id'" in message
    assert other in message and "'county'" in message
    row = int(bad.reset_index(drop=True).index[bad["org_id"].to_numpy() == other][0]) + 2
    assert f"row {row}" in message
    read_frame(_write(tmp_path, frame), register)  # the frame as written reads back


def test_a_frame_without_the_group_column_names_the_columns(tmp_path, frame):
    path = _write(tmp_path, frame.drop(columns="municipality_group"))
    with pytest.raises(InputError, match="municipality_group"):
        read_frame(path)
