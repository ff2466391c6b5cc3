"""Scoring checked against hand computation on tiny, fully known responses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mognad.indices.scores import (
    Method,
    group_scores,
    organisation_scores,
    quadrant,
    quadrant_shares,
    respondent_scores,
)


def _responses(instrument, answers: dict[str, list], revision: int = 2, dk=None) -> pd.DataFrame:
    """Responses where every item not listed is answered 3 (so only the listed ones vary)."""
    n = len(next(iter(answers.values())))
    ids = instrument.item_ids()
    frame = pd.DataFrame({i: [3.0] * n for i in ids})
    for item in instrument.item_ids():
        if revision not in instrument.item(item).revisions:
            frame[item] = np.nan
    for item, values in answers.items():
        frame[item] = values
    for item in ids:
        frame[f"{item}_dk"] = False
    for item, rows in (dk or {}).items():
        frame.loc[rows, f"{item}_dk"] = True
    frame["instrument_revision"] = revision
    return frame


def test_category_score_is_the_mean_of_answered_items_with_reverse_keys_flipped(instrument):
    # effektivitet: EFF1..EFF6, EFF5 reverse-keyed. Answers 5,4,3,2,(1 -> flipped 5),NaN.
    responses = _responses(
        instrument,
        {"EFF1": [5], "EFF2": [4], "EFF3": [3], "EFF4": [2], "EFF5": [1], "EFF6": [np.nan]},
    )
    scores = respondent_scores(responses, instrument)
    mean = (5 + 4 + 3 + 2 + 5) / 5  # 3.8 on the 1-5 scale
    assert scores.loc[0, "effektivitet"] == pytest.approx((mean - 1) / 4 * 100)  # 70 %
    assert scores.loc[0, "innovation"] == pytest.approx(50.0)


def test_dimensions_and_maturity_combine_categories(instrument):
    responses = _responses(
        instrument, {i: [5] for i in instrument.category_items("effektivitet", 2)}
    )
    for item in instrument.category_items("effektivitet"):
        if instrument.item(item).reverse:
            responses[item] = 1  # flipped to 5
    scores = respondent_scores(responses, instrument).iloc[0]
    assert scores["effektivitet"] == pytest.approx(100)
    assert scores["capability"] == pytest.approx((100 + 50 + 50) / 3)
    assert scores["legacy"] == pytest.approx(50)
    assert scores["maturity"] == pytest.approx((scores["capability"] + 50) / 2)
    geometric = respondent_scores(responses, instrument, Method(aggregation="geometric")).iloc[0]
    cap_scale = (5 * 3 * 3) ** (1 / 3)  # geometric mean of the category means on the 1-5 scale
    assert geometric["capability"] == pytest.approx((cap_scale - 1) / 4 * 100)
    assert geometric["maturity"] == pytest.approx(((cap_scale * 3) ** 0.5 - 1) / 4 * 100)


def test_minimum_answered_share_depends_on_the_revision(instrument):
    # innovation has 6 items in revision 1 and 7 in revision 2; answer 3 of them.
    inn = instrument.category_items("innovation", 2)
    answers = {i: [4.0] if k < 3 else [np.nan] for k, i in enumerate(inn)}
    v2 = respondent_scores(
        _responses(instrument, answers, revision=2), instrument, Method(min_answered_share=0.5)
    )
    assert np.isnan(v2.loc[0, "innovation"])  # 3 of 7 < 50 %
    inn1 = instrument.category_items("innovation", 1)
    answers1 = {i: [4.0] if k < 3 else [np.nan] for k, i in enumerate(inn1)}
    v1 = respondent_scores(
        _responses(instrument, answers1, revision=1), instrument, Method(min_answered_share=0.5)
    )
    assert v1.loc[0, "innovation"] == pytest.approx(75.0)  # 3 of 6 = 50 %
    assert v2.loc[0, "capability"] == pytest.approx(50.0)  # the other two categories
    assert not np.isnan(v2.loc[0, "maturity"])


def test_vet_ej_is_missing_unless_the_sensitivity_rule_says_midpoint(instrument):
    responses = _responses(instrument, {"TEK1": [np.nan], "TEK2": [5.0]}, dk={"TEK1": [0]})
    missing = respondent_scores(responses, instrument).loc[0, "teknik"]
    midpoint = respondent_scores(responses, instrument, Method(dont_know="midpoint")).loc[
        0, "teknik"
    ]
    teknik = instrument.category_items("teknik", 2)  # 7 items: TEK2 = 5, TEK1 Vet ej, rest 3
    assert missing == pytest.approx(((5 + 3 * 5) / 6 - 1) / 4 * 100)
    assert midpoint == pytest.approx(((5 + 3 * (len(teknik) - 1)) / len(teknik) - 1) / 4 * 100)


def test_maturity_needs_both_dimensions(instrument):
    legacy_items = [
        i for c in instrument.dimension_categories("legacy") for i in instrument.category_items(c)
    ]
    responses = _responses(instrument, {i: [np.nan] for i in legacy_items})
    scores = respondent_scores(responses, instrument).iloc[0]
    assert np.isnan(scores["legacy"]) and np.isnan(scores["maturity"])
    assert scores["capability"] == pytest.approx(50)


def test_organisation_and_group_scores_weight_as_declared():
    respondents = pd.DataFrame(
        {"year": 2022, "org_id": ["A", "A", "A", "B"], "maturity": [40.0, 50.0, np.nan, 80.0]}
    )
    orgs = organisation_scores(respondents, ["maturity"])
    assert orgs.set_index("org_id")["maturity"].to_dict() == {"A": 45.0, "B": 80.0}
    assert orgs["n_respondents"].tolist() == [3, 1]
    orgs["sector"] = "education"
    by_org = group_scores(orgs, ["maturity"], ["year", "sector"], "organisation")
    by_resp = group_scores(orgs, ["maturity"], ["year", "sector"], "respondent")
    assert by_org.loc[0, "maturity"] == pytest.approx((45 + 80) / 2)
    assert by_resp.loc[0, "maturity"] == pytest.approx((3 * 45 + 1 * 80) / 4)
    assert (by_org.loc[0, "n_orgs"], by_org.loc[0, "n_respondents"]) == (2, 4)


def test_quadrants_at_and_around_the_thresholds():
    capability = pd.Series([50.0, 49.9, 70.0, 10.0, np.nan])
    legacy = pd.Series([50.0, 80.0, 20.0, 49.99, 60.0])
    codes = quadrant(capability, legacy, {"capability": 50, "legacy": 50})
    assert codes.tolist()[:4] == ["mature", "maintaining", "ambitious", "beginning"]
    assert pd.isna(codes.iloc[4])


def test_quadrant_shares_list_every_quadrant_and_sum_to_one():
    orgs = pd.DataFrame(
        {
            "year": [2022] * 4 + [2023],
            "sector": ["a", "a", "b", "b", "a"],
            "quadrant": ["mature", "mature", "beginning", None, "ambitious"],
        }
    )
    national = quadrant_shares(orgs)
    assert len(national) == 8  # 2 years x 4 quadrants
    assert national.groupby("year")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    row = national.query("year == 2022 and quadrant == 'mature'").iloc[0]
    assert (row["n_orgs"], row["share"]) == (2, pytest.approx(2 / 3))
    by_sector = quadrant_shares(orgs, ["sector"])
    assert (
        by_sector.query("year == 2022 and sector == 'b' and quadrant == 'beginning'")[
            "share"
        ].item()
        == 1.0
    )


def test_method_fingerprint_changes_with_any_choice():
    base = Method()
    assert base.fingerprint() == Method().fingerprint()
    assert base.fingerprint() != Method(min_answered_share=0.6).fingerprint()
    assert base.fingerprint() != Method(organisation_weighting="respondent").fingerprint()


def test_configured_category_weights_weight_the_dimension(instrument):
    from conftest import CONFIG

    method_config = {
        **CONFIG["method"],
        "category_weights": {**CONFIG["method"]["category_weights"], "effektivitet": 2},
    }
    method = Method.from_config(method_config)
    assert Method.from_config(CONFIG["method"]).category_weights is None  # all 1 = equal
    responses = _responses(
        instrument, {i: [5] for i in instrument.category_items("effektivitet", 2)}
    )
    for item in instrument.category_items("effektivitet"):
        if instrument.item(item).reverse:
            responses[item] = 1  # flipped to 5
    scores = respondent_scores(responses, instrument, method).iloc[0]
    assert scores["capability"] == pytest.approx((2 * 100 + 50 + 50) / 4)
