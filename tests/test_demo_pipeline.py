"""The workflow on the committed demo data: complete, reproducible, private, and in
agreement with the generator's planted truth and the published national levels."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG, ROOT

from mognad.runner import run_workflow
from mognad.scores import respondent_scores

PUBLISHED = {2019: 41, 2020: 47, 2021: 53, 2022: 51}  # national maturity, % (status report)
TRUTH = ROOT / CONFIG["synth"]["truth_dir"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    run_workflow(first, CONFIG)
    run_workflow(second, CONFIG)
    return first, second


def _outputs(workdir: Path) -> dict[str, bytes]:
    files = [*workdir.glob("data/processed/**/*.*"), *workdir.glob("results/**/*.*")]
    return {str(p.relative_to(workdir)): p.read_bytes() for p in files if p.is_file()}


def test_outputs_are_byte_identical_across_runs(runs):
    first, second = (_outputs(w) for w in runs)
    assert len(first) == 2 * len(CONFIG["years"]) + len(CONFIG["years"]) + 3
    digest = {k: hashlib.sha256(v).hexdigest() for k, v in first.items()}
    assert digest == {k: hashlib.sha256(v).hexdigest() for k, v in second.items()}


def test_flow_adds_up_and_every_exclusion_has_a_reason(runs):
    work = runs[0]
    flow = pd.read_csv(work / "results/tables/flow.csv")
    excluded = flow.filter(like="excluded_").sum(axis=1)
    assert (flow["received"] == excluded + flow["analysed"]).all()
    exclusions = pd.read_csv(work / "data/processed/exclusions.csv", dtype={"respondent_key": str})
    assert exclusions["reason"].notna().all()
    counted = exclusions.groupby(["year", "reason"]).size().unstack(fill_value=0)
    for reason in counted.columns:
        assert counted[reason].tolist() == flow[f"excluded_{reason}"].tolist()
    responses = pd.read_parquet(work / "data/processed/responses.parquet")
    assert responses.groupby("year").size().tolist() == flow["analysed"].tolist()


def test_exclusions_are_exactly_the_planted_mess(runs):
    exclusions = pd.read_csv(runs[0] / "data/processed/exclusions.csv", dtype=str)
    planted = pd.read_csv(TRUTH / "mess.csv", dtype=str)
    reason = {"test": "test_response", "superseded": "duplicate", "breakoff": "too_few_answers"}
    planted_set = set(
        zip(planted["year"], planted["submission_id"], planted["kind"].map(reason), strict=True)
    )
    found = set(
        zip(exclusions["year"], exclusions["respondent_key"], exclusions["reason"], strict=True)
    )
    assert found == planted_set


def test_no_personal_data_anywhere_in_the_outputs(runs):
    personal_columns = {
        "Namn",
        "E-post",
        "Kommentar",
        "Name",
        "Email",
        "Comment",
        "RespondentID",
        "Respondent-ID",
    }
    raw = pd.read_csv(
        ROOT / CONFIG["source"]["raw_dir"] / "dimios_2022.csv", dtype=str, encoding="utf-8-sig"
    )
    emails = set(raw["Email"].dropna())
    for name, data in _outputs(runs[0]).items():
        columns = set(
            pd.read_parquet(runs[0] / name).columns
            if name.endswith(".parquet")
            else pd.read_csv(runs[0] / name).columns
        )
        assert not personal_columns & columns, name
        if name.endswith(".csv"):
            text = data.decode("utf-8")
            assert "@" not in text and not any(e in text for e in list(emails)[:50]), name


def test_national_maturity_after_ingestion_matches_published_levels(runs, instrument):
    responses = pd.read_parquet(runs[0] / "data/processed/responses.parquet")
    scores = pd.concat(
        [responses[["year", "org_id"]], respondent_scores(responses, instrument)], axis=1
    )
    national = scores.groupby(["year", "org_id"])["maturity"].mean().groupby("year").mean()
    for year, published in PUBLISHED.items():
        assert abs(national[year] - published) < 1.5, (year, national[year])
    orgs = responses.groupby("year")["org_id"].nunique()
    assert orgs[2019] == 35 and orgs[2020] == 29 and orgs[2022] == 126
    assert 43 <= len(responses.query("year == 2022")) / orgs[2022] <= 53
