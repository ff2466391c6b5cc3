"""Sensitivity analysis: degenerate choices reproduce the method; planted cases move as
they must."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import CONFIG, demo_responses

from mognad.indices.scores import Method, group_scores, organisation_scores, respondent_scores
from mognad.indices.sensitivity import data_driven_weights, sensitivity_year

ONLY_METHOD = {
    "category_weights": ["equal"],
    "aggregation": ["arithmetic"],
    "organisation_weighting": ["organisation"],
    "dont_know": ["missing"],
    "min_answered_share": [0.5],
}


@pytest.fixture(scope="module")
def responses_2022() -> pd.DataFrame:
    return demo_responses(2022)


def test_only_the_method_reproduces_the_main_figures(responses_2022, instrument):
    ranks, groups, draws = sensitivity_year(
        responses_2022, instrument, Method(), ONLY_METHOD, 20, 1
    ).values()
    assert len(draws) == 20
    assert (ranks["rank_p05"] == ranks["rank_p95"]).all()
    assert np.allclose(ranks["rank_median"], ranks["rank_method"])
    assert np.allclose(groups["spread"], 0)
    # the same figures through the main scoring path
    scores = pd.concat(
        [
            responses_2022[["year", "org_id", "sector"]],
            respondent_scores(responses_2022, instrument),
        ],
        axis=1,
    )
    orgs = organisation_scores(scores, ["maturity"]).merge(
        responses_2022[["org_id", "sector"]].drop_duplicates(), on="org_id"
    )
    sector = group_scores(orgs, ["maturity"], ["year", "sector"], "organisation").set_index(
        "sector"
    )["maturity"]
    got = groups.query("level == 'sector' and indicator == 'maturity'").set_index("group")[
        "method_value"
    ]
    assert np.allclose(got.sort_index(), sector.sort_index())
    national = groups.query("level == 'national' and indicator == 'maturity'")[
        "method_value"
    ].item()
    assert national == pytest.approx(orgs["maturity"].mean())


def test_choices_move_figures_and_bands_hold_the_method_rank(responses_2022, instrument):
    choices = CONFIG["sensitivity"]["choices"]
    ranks, groups, _ = sensitivity_year(
        responses_2022, instrument, Method(), choices, 60, 7
    ).values()
    assert (groups["spread"] > 0).all()
    assert (ranks["rank_p05"] <= ranks["rank_median"]).all() and (
        ranks["rank_median"] <= ranks["rank_p95"]
    ).all()
    inside = (ranks["rank_p05"] <= ranks["rank_method"]) & (
        ranks["rank_method"] <= ranks["rank_p95"]
    )
    assert inside.mean() > 0.8
    again = sensitivity_year(responses_2022, instrument, Method(), choices, 60, 7)["ranks"]
    pd.testing.assert_frame_equal(ranks, again)


def test_vet_ej_rule_swaps_two_planted_organisations(instrument):
    """A answers 5 except one 4 per category (about 96 %). B answers 5 on every other item
    and "Vet ej" on the rest: 100 % when "Vet ej" is missing, about 80 % when it is the
    midpoint. So B ranks first under the method and second otherwise; both bands are 1-2."""
    items = instrument.item_ids(2)
    first_of_category = {instrument.category_items(c, 2)[0] for c in instrument.categories}
    rows = []
    for org in ("A", "B"):
        for _ in range(5):
            row = {}
            for k, i in enumerate(items):
                if org == "A":
                    row[i], row[f"{i}_dk"] = (4 if i in first_of_category else 5), False
                else:
                    row[i], row[f"{i}_dk"] = (5, False) if k % 2 == 0 else (pd.NA, True)
            rows.append(
                {
                    "year": 2022,
                    "org_id": org,
                    "sector": "s",
                    "org_type": "t",
                    "instrument_revision": 2,
                    **row,
                }
            )
    frame = pd.DataFrame(rows)
    for item in instrument.item_ids():
        if item not in items:
            frame[item], frame[f"{item}_dk"] = pd.NA, False
        frame[item] = frame[item].astype("Float64")  # as the responses table stores them
        if instrument.item(item).reverse:
            frame[item] = 6 - frame[item]  # written reversed, so that scoring flips it back
    method = Method(min_answered_share=0.4)
    midpoint = respondent_scores(
        frame, instrument, Method(min_answered_share=0.4, dont_know="midpoint")
    )
    a_score, b_mid = midpoint["maturity"].iloc[0], midpoint["maturity"].iloc[-1]
    assert b_mid < a_score < 100  # the planted swap really is one
    choices = dict(ONLY_METHOD, dont_know=["missing", "midpoint"], min_answered_share=[0.4])
    ranks = sensitivity_year(frame, instrument, method, choices, 40, 3)["ranks"]
    by_org = ranks.set_index("org_id")
    assert by_org.loc["B", "maturity_method"] == pytest.approx(100.0)
    assert (by_org.loc["B", "rank_method"], by_org.loc["A", "rank_method"]) == (1.0, 2.0)
    for org in ("A", "B"):
        assert (by_org.loc[org, "rank_p05"], by_org.loc[org, "rank_p95"]) == (1.0, 2.0)


def test_data_driven_weights_are_equal_for_exchangeable_categories(instrument):
    rng = np.random.default_rng(0)
    common = rng.normal(size=(20000, 1))
    data = 3 + common + rng.normal(size=(20000, len(instrument.categories)))
    weights = data_driven_weights(
        pd.DataFrame(data, columns=list(instrument.categories)), instrument
    )
    assert np.allclose(list(weights.values()), 1.0, atol=0.03)
