"""The notebooks' loader gives exactly what the workflow's own jobs give, from any folder."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import CONFIG, ROOT, demo_responses

from mognad.explore import Demo, excluded_responses, load_demo, reason_counts, with_method
from mognad.indices.scores import Method, score_columns, score_year
from mognad.ingest.clean import prepare_year
from mognad.ingest.contracts import REASONS

YEARS = (2019, 2018)  # unsorted on purpose


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    """Two small demo years, loaded from a folder that is not the project root."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("elsewhere"))
        return load_demo(YEARS, bootstrap_replicates=20)


def test_years_are_sorted_and_replicates_overridden(demo):
    assert demo.years == (2018, 2019)
    assert demo.bootstrap["replicates"] == 20
    assert demo.bootstrap["seed"] == CONFIG["bootstrap"]["seed"]
    assert sorted(demo.responses["year"].unique()) == [2018, 2019]
    assert list(demo.flow["year"]) == [2018, 2019]


@pytest.mark.parametrize("year", [2018, 2019])
def test_a_year_equals_the_pipelines_ingestion(demo, year):
    source = CONFIG["source"]
    expected = prepare_year(
        year,
        demo.spec(year).file,
        ROOT / CONFIG["instrument"],
        ROOT / source["codebook"],
        ROOT / source["organisations"],
        CONFIG["cleaning"],
    )
    rows = demo.responses["year"] == year
    pd.testing.assert_frame_equal(demo.responses[rows].reset_index(drop=True), expected.responses)
    pd.testing.assert_frame_equal(demo.responses[rows].reset_index(drop=True), demo_responses(year))
    pd.testing.assert_frame_equal(
        demo.exclusions[demo.exclusions["year"] == year].reset_index(drop=True),
        expected.exclusions,
    )
    pd.testing.assert_frame_equal(
        demo.flow[demo.flow["year"] == year].reset_index(drop=True), expected.flow
    )


def test_every_exclusion_has_a_reason_and_the_flow_adds_up(demo):
    assert demo.exclusions["reason"].notna().all()
    assert set(demo.exclusions["reason"]) <= set(REASONS)
    counts = reason_counts(demo.exclusions)
    assert list(counts.columns) == list(REASONS)
    flow = demo.flow.set_index("year")
    for reason in REASONS:
        assert (counts[reason] == flow[f"excluded_{reason}"]).all()
    assert (flow["received"] == counts.sum(axis=1) + flow["analysed"]).all()
    analysed = set(demo.responses["respondent_id"])
    excluded = set(demo.exclusions["year"].astype(str) + "-" + demo.exclusions["respondent_key"])
    assert not analysed & excluded


def test_reason_counts_keep_reasons_that_never_occur():
    log = pd.DataFrame({"year": [2020, 2020, 2021], "reason": ["duplicate"] * 3})
    counts = reason_counts(log)
    assert counts.loc[2020].tolist() == [0, 2, 0]
    assert counts.loc[2021].tolist() == [0, 1, 0]


def test_excluded_responses_show_why(demo):
    table = excluded_responses(demo)
    assert len(table) == len(demo.exclusions)
    pd.testing.assert_frame_equal(
        table[list(demo.exclusions.columns)], demo.exclusions, check_dtype=False
    )
    too_few = table["reason"] == "too_few_answers"
    assert too_few.any()
    assert (table.loc[too_few, "n_answered"] < table.loc[too_few, "min_answered"]).all()
    # The test marker explains exactly the test responses (tests are flagged first).
    assert (table["test_fields"].notna() == (table["reason"] == "test_response")).all()
    duplicate = table[table["reason"] == "duplicate"]
    assert len(duplicate) and duplicate["kept_submission"].notna().all()
    assert table.loc[table["reason"] != "duplicate", "kept_submission"].isna().all()
    assert (duplicate["kept_submission"] != duplicate["respondent_key"]).all()
    # The kept submission is analysed, or excluded later for too few answers; never a
    # duplicate or test itself.
    kept_ids = duplicate["year"].astype(str) + "-" + duplicate["kept_submission"]
    kept_excluded = table.set_index(table["year"].astype(str) + "-" + table["respondent_key"])
    for kept in kept_ids:
        if kept not in set(demo.responses["respondent_id"]):
            assert kept_excluded.loc[kept, "reason"] == "too_few_answers"


def test_no_personal_value_or_column_leaves_ingestion(demo):
    table = excluded_responses(demo)
    personal_values: set[str] = set()
    personal_columns: set[str] = set()
    for year in demo.years:
        spec = demo.spec(year)
        raw = demo.raw_export(year).frame
        for column in spec.personal.values():
            personal_columns.add(column)
            personal_values |= {v for v in raw[column].astype(str) if v.strip()}
    assert personal_values  # the demo exports do carry names, e-mails and comments
    for frame in (table, demo.responses, demo.exclusions, demo.org_scores):
        assert not personal_columns & set(frame.columns)
        cells = set(frame.astype(str).to_numpy().ravel())
        assert not cells & personal_values
    for mapped in demo.mapped.values():
        assert not personal_columns & set(mapped.frame.columns)


def test_point_estimates_equal_the_workflows_scores(demo):
    """Fewer replicates change only the intervals, never the point estimates."""
    full = score_year(
        demo_responses(2018),
        demo.instrument,
        Method.from_config(CONFIG["method"]),
        CONFIG["bootstrap"],
    )
    points = ["year", "org_id", "n_respondents", *score_columns(demo.instrument), "quadrant"]
    ours = demo.org_scores[demo.org_scores["year"] == 2018].reset_index(drop=True)
    pd.testing.assert_frame_equal(ours[points], full["org"][points])
    national = demo.national[demo.national["year"] == 2018].reset_index(drop=True)
    columns = ["n_orgs", "n_respondents", *score_columns(demo.instrument)]
    pd.testing.assert_frame_equal(national[columns], full["national"][columns])
    assert not np.allclose(ours["maturity_ci_low"], full["org"]["maturity_ci_low"])


def test_rescoring_under_another_method(demo):
    same = with_method(demo, demo.method)
    pd.testing.assert_frame_equal(same.org_scores, demo.org_scores)
    midpoint = with_method(demo, replace(demo.method, dont_know="midpoint"))
    assert midpoint.responses is demo.responses
    assert midpoint.method.dont_know == "midpoint"
    # "Vet ej" is common in teknik, so scoring it as 3 moves that category's figures.
    assert not np.allclose(midpoint.national["teknik"], demo.national["teknik"])


def test_unknown_years_are_refused():
    with pytest.raises(ValueError, match="1999"):
        load_demo([1999, 2018])
    with pytest.raises(ValueError, match="choose from"):
        load_demo([])
