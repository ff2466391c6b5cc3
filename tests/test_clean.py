"""Exclusion rules on planted cases: which rows go, why, and that the flow adds up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import valid_export, write_export

from mognad.ingest.clean import clean_year, duplicate_mask
from mognad.ingest.contracts import FLOW, REASONS, violations
from mognad.ingest.exports import map_export, read_export, read_organisations

YEAR = 2022


@pytest.fixture
def planted(codebook, instrument, register_file, cleaning, tmp_path):
    """An export of 12 rows where the fate of every row is known in advance."""
    spec = codebook.years[YEAR]
    frame = valid_export(spec, n=12)
    token, when = spec.columns["respondent_token"], spec.columns["submitted_at"]
    items = list(spec.items)
    # rows 0, 1: test responses (by name, by e-mail); row 1 also has an unknown organisation
    frame.loc[0, spec.personal["name"]] = "Test Testsson"
    frame.loc[1, spec.personal["email"]] = "test.nyckelanvandare@ekhalla.example"
    frame.loc[1, spec.columns["organisation"]] = "Testorganisation"
    # a name that merely starts with "Test" is not a test marker
    frame.loc[11, spec.personal["name"]] = "Testa Lindqvist"
    # rows 2, 3, 4: one respondent three times; 3 is the latest complete, 4 later but partial
    frame.loc[[2, 3, 4], token] = "same-person"
    frame.loc[2, when], frame.loc[3, when], frame.loc[4, when] = (
        "2022-03-01T09:00:00",
        "2022-03-02T09:00:00",
        "2022-03-03T09:00:00",
    )
    frame.loc[4, items[:5]] = ""
    # rows 5, 6: twice, neither complete: the later one (6) is kept
    frame.loc[[5, 6], token] = "twice-partial"
    frame.loc[5, when], frame.loc[6, when] = "2022-03-05T09:00:00", "2022-03-06T09:00:00"
    frame.loc[[5, 6], items[:2]] = ""
    # row 7: answers fewer than half of the items (the rest blank or Vet ej)
    frame.loc[7, items[:20]] = ""
    frame.loc[7, items[20:]] = "0"  # Vet ej does not count as answered
    frame.loc[7, items[-1]] = "4"
    # row 8: exactly half answered (rounded up) is enough
    frame.loc[8, items[: len(items) // 2]] = "0"
    spec = write_export(frame, spec, tmp_path / "export.csv")
    mapped, problems = map_export(
        read_export(spec.file, spec),
        spec,
        instrument,
        read_organisations(register_file),
        cleaning["test_markers"],
    )
    assert problems == []
    register = read_organisations(register_file)
    return clean_year(mapped, YEAR, len(spec.items), register, instrument, cleaning)


def test_each_row_gets_its_planted_fate(planted):
    reasons = dict(
        zip(planted.exclusions["respondent_key"], planted.exclusions["reason"], strict=True)
    )
    assert reasons == {
        "S0000": "test_response",
        "S0001": "test_response",
        "S0002": "duplicate",
        "S0004": "duplicate",
        "S0005": "duplicate",
        "S0007": "too_few_answers",
    }
    kept = set(planted.responses["respondent_id"])
    assert kept == {f"{YEAR}-S{i:04d}" for i in (3, 6, 8, 9, 10, 11)}
    assert pd.isna(planted.exclusions.set_index("respondent_key").loc["S0001", "org_id"])
    assert planted.exclusions["source_row"].tolist() == [2, 3, 4, 6, 7, 9]


def test_flow_adds_up(planted):
    row = planted.flow.iloc[0]
    assert row["received"] == 12 and row["analysed"] == 6
    assert [row[f"excluded_{r}"] for r in REASONS] == [2, 3, 1]
    assert violations(planted.flow, FLOW, "flow") == []
    broken = planted.flow.assign(analysed=planted.flow["analysed"] + 1)
    assert any("received = sum" in p.expected for p in violations(broken, FLOW, "flow"))


def test_outputs_carry_no_personal_or_working_columns(planted):
    for table in (planted.responses, planted.exclusions, planted.flow):
        assert not [c for c in table.columns if c.startswith("_")]
        assert not {"Name", "Email", "Comment", "RespondentID", "submission_id"} & set(
            table.columns
        )
    assert planted.responses[["org_type", "sector"]].notna().all().all()


def test_latest_rule_ignores_completeness():
    frame = pd.DataFrame(
        {
            "org_id": ["A", "A", "A", "B"],
            "_duplicate_key": [1, 1, 1, 1],
            "submitted_at": pd.to_datetime(
                ["2022-01-01", "2022-01-03", "2022-01-02", "2022-01-01"]
            ),
            "_complete": [True, False, True, True],
            "_row": [2, 3, 4, 5],
        }
    )
    everyone = np.ones(4, dtype=bool)
    assert duplicate_mask(frame, everyone, "latest").tolist() == [True, False, True, False]
    assert duplicate_mask(frame, everyone, "latest_complete").tolist() == [True, True, False, False]
    same_time = frame.assign(submitted_at=pd.Timestamp("2022-01-01"), _complete=True)
    assert duplicate_mask(same_time, everyone, "latest").tolist() == [True, True, False, False]
