"""The report's figure captions are written from the data each figure drew: they name the
years, indicators, measures, sectors and counts that are in the figure, and follow when
the data changes."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from conftest import CONFIG, ROOT

from mognad.instrument import load_instrument
from mognad.labels import Labels, load_labels
from mognad.outputs import FIGURES
from mognad.publish import report as R

CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
YEARS = (2023, 2024, 2025)


def stand_in_data() -> dict[str, pd.DataFrame]:
    """Small drawn data of every report figure, with the columns the figures write."""
    grid = pd.DataFrame(
        list(itertools.product(YEARS, ("capability", "legacy", "maturity"))),
        columns=["year", "indicator"],
    )
    sectors = pd.DataFrame(
        {
            "year": [2024, 2025] * 3,
            "sector": ["education"] * 2 + ["service"] * 2 + ["culture_leisure"] * 2,
            "focus": [True] * 2 + [False] * 4,
            "indicator": "maturity",
            "value": [40.0, 42.0, 60.0, 61.0, None, None],
            "suppressed": [False] * 4 + [True] * 2,
        }
    )
    profile = pd.DataFrame(
        list(itertools.product(("national", "education", "service"), CATEGORIES)),
        columns=["sector", "indicator"],
    ).assign(year=2025, value=50.0, suppressed=False)
    views = pd.DataFrame(
        {
            "view": ["year_over_year"] * 2 + ["decomposition"] * 2 + ["fixed_effects"] * 3,
            "year": [2024, 2025, 2024, 2025, 2023, 2024, 2025],
            "value": 1.0,
            "suppressed": False,
        }
    )
    quality = pd.DataFrame(
        list(itertools.product(YEARS, CATEGORIES, ("alpha", "omega"))),
        columns=["year", "category", "measure"],
    ).assign(value=0.8, suppressed=False)
    return {
        "national_trend": grid.assign(value=50.0, suppressed=False),
        "sector_trends": sectors,
        "category_profile": profile,
        "quadrant_scatter": pd.DataFrame(
            {"year": 2025, "org_type": "municipal", "capability": range(12), "legacy": 50.0}
        ),
        "quadrant_shares": pd.DataFrame(
            list(itertools.product(YEARS, ("mature", "ambitious", "maintaining", "beginning"))),
            columns=["year", "quadrant"],
        ).assign(share=0.25, suppressed=False),
        "trend_views": views,
        "forest_plot": pd.DataFrame(
            {"model": ["maturity_ols", "maturity_ols", "maturity_mixed"], "estimate": 1.0}
        ).assign(suppressed=False),
        "sensitivity": pd.DataFrame(
            {"panel": ["ranks", "ranks", "sectors"], "year": 2025, "value": 1.0}
        ).assign(suppressed=False),
        "quality_overview": quality,
    }


@pytest.fixture(scope="module", params=["sv", "en"])
def labels(request) -> Labels:
    instrument = load_instrument(ROOT / CONFIG["instrument"])
    return load_labels(ROOT / CONFIG["labels"], instrument, request.param)


def _captions(labels: Labels, **changed: pd.DataFrame) -> dict[str, str]:
    return R.figure_captions({**stand_in_data(), **changed}, labels, "95 %")


def test_every_figure_gets_a_caption_in_the_report_language(labels):
    captions = _captions(labels)
    assert sorted(captions) == sorted(FIGURES)
    for name, text in captions.items():
        assert text.endswith(".") and "{" not in text, (name, text)
        if labels.language == "en":
            assert not set("åäöÅÄÖ") & set(text), (name, text)


def test_the_national_caption_names_what_is_drawn(labels):
    names = [labels.indicator(c) for c in ("capability", "legacy", "maturity")]
    inside = [names[0], *(n[0].lower() + n[1:] for n in names[1:])]
    both = f"{inside[0]}, {inside[1]} {labels.text('and')} {inside[2]}"
    assert _captions(labels)["national_trend"].startswith(both)
    assert "2023–2025" in _captions(labels)["national_trend"]
    data = stand_in_data()["national_trend"]
    fewer = data[(data["indicator"] != "legacy") & (data["year"] > 2023)]
    text = _captions(labels, national_trend=fewer)["national_trend"]
    assert text.startswith(f"{inside[0]} {labels.text('and')} {inside[2]}")
    assert "2024–2025" in text and "2023" not in text
    # a suppressed value is not drawn, so its year is not on the axis
    hidden = data.assign(suppressed=data["year"] == 2025)
    assert "2023–2024" in _captions(labels, national_trend=hidden)["national_trend"]


def test_sector_captions_count_only_sectors_shown_and_name_the_focus(labels):
    captions = _captions(labels)
    # culture_leisure is all suppressed: two sectors are drawn, one of them in focus
    two, three = (labels.text("number_words").split()[n] for n in (2, 3))
    assert f" {two} " in captions["sector_trends"]
    assert f" {three} " not in captions["sector_trends"]
    assert labels.sector("education") in captions["sector_trends"]
    assert labels.sector("service") not in captions["sector_trends"]
    data = stand_in_data()["sector_trends"]
    no_focus = data.assign(focus=False)
    assert (
        labels.sector("education") not in _captions(labels, sector_trends=no_focus)["sector_trends"]
    )


def test_the_category_caption_promises_a_national_row_only_when_there_is_one(labels):
    six, two = (labels.text("number_words").split()[n] for n in (6, 2))
    national = labels.text("caption_category_profile", n_categories=six, n=two, years="2025")
    assert _captions(labels)["category_profile"] == national
    data = stand_in_data()["category_profile"]
    alone = _captions(labels, category_profile=data[data["sector"] != "national"])
    assert alone["category_profile"] == labels.text(
        "caption_category_profile_alone", n_categories=six, n=two, years="2025"
    )


def test_the_quality_caption_names_the_measures_drawn(labels):
    alpha, omega = labels.text("fig_alpha"), labels.text("fig_omega")
    assert f"{alpha} {labels.text('and')} {omega}" in _captions(labels)["quality_overview"]
    data = stand_in_data()["quality_overview"]
    only = _captions(labels, quality_overview=data[data["measure"] == "alpha"])
    assert f"({alpha})" in only["quality_overview"] and omega not in only["quality_overview"]


def test_counts_and_views_follow_the_data(labels):
    captions = _captions(labels)
    words = labels.text("number_words").split()
    assert (
        f" {words[12]} " in captions["quadrant_scatter"] and "2025" in captions["quadrant_scatter"]
    )
    assert f" {words[4]} " in captions["quadrant_shares"]
    assert f" {words[2]} " in captions["forest_plot"] and "95 %" in captions["forest_plot"]
    many = pd.DataFrame({"year": 2025, "capability": range(13), "legacy": 50.0})
    assert " 13 " in _captions(labels, quadrant_scatter=many)["quadrant_scatter"]
    views = stand_in_data()["trend_views"]
    two = _captions(labels, trend_views=views[views["view"] != "decomposition"])
    assert labels.text("caption_view_decomposition") in captions["trend_views"]
    assert labels.text("caption_view_decomposition") not in two["trend_views"]
    assert labels.text("caption_view_fixed_effects") in two["trend_views"]
    assert f" {words[3]} " in captions["trend_views"] and f" {words[2]} " in two["trend_views"]


def test_a_figure_that_shows_nothing_says_so(labels):
    """Where every value is suppressed (a small year), no caption promises a value."""
    hidden = {
        name: data.assign(suppressed=True) if "suppressed" in data else data.iloc[:0]
        for name, data in stand_in_data().items()
    }
    nothing = labels.text("caption_nothing_shown")
    assert R.figure_captions(hidden, labels, "95 %") == dict.fromkeys(hidden, nothing)


def test_a_figure_without_drawn_data_is_refused(tmp_path):
    (tmp_path / "national_trend.png").write_bytes(b"")
    context = {"captions": {}, "and_word": "och", "language": "sv"}
    with pytest.raises(ValueError, match="national_trend"):
        R.render_markdown(context, R.figure_files(tmp_path))
