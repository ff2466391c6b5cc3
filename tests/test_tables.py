"""Publication: small cells are suppressed by the rules and found by the scan, published
values are rounded but not altered, and the readable versions (Markdown, LaTeX, XLSX) are
in the chosen language and byte-identical across runs."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import CONFIG, ROOT

from mognad.instrument import load_instrument
from mognad.io import round_significant
from mognad.labels import LabelError, load_labels
from mognad.publish.disclosure import Thresholds, publishable_orgs, suppress, violations
from mognad.publish.tables import (
    RULES,
    formatted,
    latex_table,
    markdown_table,
    publish_tables,
    readable_texts,
    workbook_bytes,
)

THRESHOLDS = Thresholds(min_orgs=3, min_respondents=5)


def _labels(language: str):
    return load_labels(
        ROOT / CONFIG["labels"],
        load_instrument(ROOT / CONFIG["instrument"]),
        language,
    )


def sector_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2024, 2024, 2024, 2025],
            "sector": ["education", "service", "health_care", "education"],
            "n_orgs": [12, 2, 3, 9],
            "n_respondents": [480, 60, 4, 400],
            "maturity": [44.123456789, 61.0, 55.5, 47.25],
            "maturity_ci_low": [41.0, 55.0, 50.0, 45.0],
            "maturity_ci_high": [47.0, 66.0, 60.0, 49.5],
        }
    )


def test_rows_below_either_threshold_are_suppressed_and_counts_kept():
    out = suppress(sector_table(), RULES["sector_by_year"], THRESHOLDS)
    assert out["suppressed"].tolist() == [False, True, True, False]
    hidden = out.loc[out["suppressed"], ["maturity", "maturity_ci_low", "maturity_ci_high"]]
    assert hidden.isna().all().all()
    assert out["n_orgs"].tolist() == [12, 2, 3, 9]  # counts say why, they stay
    assert out.loc[0, "maturity"] == pytest.approx(44.123456789)


def test_the_scan_finds_what_the_gate_would_hide():
    table = sector_table()
    found = violations(table, RULES["sector_by_year"], THRESHOLDS)
    assert set(found["row"]) == {1, 2}
    assert set(found["column"]) == {"maturity", "maturity_ci_low", "maturity_ci_high"}
    assert violations(
        suppress(table, RULES["sector_by_year"], THRESHOLDS), RULES["sector_by_year"], THRESHOLDS
    ).empty
    # a stricter threshold finds more
    assert set(violations(table, RULES["sector_by_year"], Thresholds(10, 5))["row"]) == {1, 2, 3}


def test_partial_counts_hide_only_the_parts_resting_on_them():
    table = pd.DataFrame(
        {
            "year": [2022, 2022, 2022],
            "scope": ["national", "a", "b"],
            "cross_sectional": [1.0, 2.0, 3.0],
            "within": [0.5, 1.0, 1.5],
            "composition": [0.3, 0.6, 0.9],
            "interaction": [0.2, 0.4, 0.6],
            "n_pairs": [40, 2, 0],
            "n_orgs_prev": [50, 6, 4],
            "n_orgs": [60, 6, 5],
            "n_joiners": [20, 0, 5],
            "n_leavers": [10, 4, 1],
        }
    )
    out = suppress(table, RULES["change_decomposition"], THRESHOLDS)
    parts = ["within", "composition", "interaction"]
    assert out.loc[0, parts].notna().all()
    # two stayers: their change is not shown, and neither are the other parts, which
    # would give it as the change minus them; the change itself (the levels give it) stays
    assert out.loc[1, parts].isna().all() and out.loc[1, "cross_sectional"] == 2.0
    # no stayers (0 is fine) but one leaver: every part hidden, the change shown
    assert out.loc[2, parts].isna().all() and out.loc[2, "cross_sectional"] == 3.0
    yoy = table[["year", "scope", "cross_sectional", "within", "n_pairs", "n_orgs_prev"]].assign(
        n_orgs=table["n_orgs"], n_joiners=table["n_joiners"], n_leavers=table["n_leavers"]
    )
    shown = suppress(yoy, RULES["year_over_year"], THRESHOLDS)
    assert shown["within"].isna().tolist() == [False, True, True]
    assert shown["cross_sectional"].notna().all()


def test_quadrant_cells_rest_on_their_group():
    internal = {
        "quadrants": pd.DataFrame(
            {
                "year": 2025,
                "level": ["sector"] * 4 + ["sector"] * 4,
                "group": ["a"] * 4 + ["b"] * 4,
                "quadrant": ["mature", "ambitious", "maintaining", "beginning"] * 2,
                "n_orgs": [1, 0, 1, 0, 3, 2, 0, 1],
                "share": [0.5, 0, 0.5, 0, 0.5, 1 / 3, 0, 1 / 6],
            }
        )
    }
    orgs = pd.DataFrame(columns=["year", "org_id", "org_type", "sector", "n_respondents"])
    out = publish_tables(internal, orgs, THRESHOLDS)["quadrants"]
    assert out.loc[out["group"] == "a", ["n_orgs", "share"]].isna().all().all()
    assert out.loc[out["group"] == "b", "share"].tolist() == pytest.approx(
        [0.5, 1 / 3, 0, 1 / 6], abs=1e-6
    )


def test_single_organisations_need_enough_respondents():
    orgs = pd.DataFrame({"org_id": ["a", "b", "c"], "n_respondents": [4, 5, 30]})
    assert publishable_orgs(orgs, THRESHOLDS)["org_id"].tolist() == ["b", "c"]


def test_rank_uncertainty_is_published_by_fifths_of_the_ranking_never_per_organisation():
    n = 20
    rng = np.random.default_rng(4)
    ids = [f"o{i:02d}" for i in range(n)]
    ranks = pd.DataFrame(
        {
            "year": 2025,
            "org_id": ids,
            "sector": ["education"] * 2 + ["service"] * (n - 2),
            "org_type": "municipal",
            "maturity_method": rng.uniform(30, 80, n),
            "n_orgs": n,
        }
    )
    ranks["rank_method"] = ranks["maturity_method"].rank(ascending=False)
    ranks["rank_median"] = ranks["rank_method"] + 0.5
    ranks["rank_p05"] = (ranks["rank_method"] - 3).clip(lower=1)
    ranks["rank_p95"] = (ranks["rank_method"] + 3).clip(upper=n)
    orgs = ranks[["year", "org_id", "org_type", "sector"]].assign(
        n_respondents=rng.integers(3, 40, n)
    )
    out = publish_tables({"sensitivity_ranks": ranks}, orgs, THRESHOLDS)["sensitivity_ranks"]
    assert not {"org_id", "sector", "org_type", "maturity_method"} & set(out.columns)
    assert out["rank_group"].tolist() == [1, 2, 3, 4, 5] and (out["n_orgs"] == 4).all()
    assert out["rank_low"].tolist() == [1, 5, 9, 13, 17] and out["rank_high"].iloc[-1] == 20
    # each fifth's figures are means over its four organisations, by rank
    by_rank = ranks.sort_values("rank_method")
    for column in ("rank_method", "rank_p05", "rank_p95"):
        means = by_rank[column].to_numpy().reshape(5, 4).mean(axis=1)
        np.testing.assert_allclose(out[column], means, rtol=1e-5)
    assert out["n_respondents"].sum() == orgs["n_respondents"].sum()
    assert not out["suppressed"].any()


def test_rounding_reaches_the_floats_of_mixed_columns_and_leaves_the_rest():
    record = pd.DataFrame({"value": ["mixed", 35617, True, 9.865929500368689e-07, np.nan]})
    out = round_significant(record)["value"].tolist()
    assert out[:3] == ["mixed", 35617, True] and isinstance(out[1], int)
    assert out[3] == 9.86593e-07 and np.isnan(out[4])


@pytest.mark.parametrize("value", [123456.789, 0.000123456789, -41.23456789, 1e-12])
def test_rounding_keeps_six_significant_digits(value):
    out = round_significant(pd.DataFrame({"x": [value, np.nan]}))
    assert out.loc[0, "x"] == pytest.approx(value, rel=5e-6)
    assert (
        len(f"{out.loc[0, 'x']:.15g}".replace("-", "").replace(".", "").lstrip("0").split("e")[0])
        <= 6
    )
    assert np.isnan(out.loc[1, "x"])


def test_readable_versions_are_in_the_chosen_language():
    table = suppress(sector_table(), RULES["sector_by_year"], THRESHOLDS)
    sv = markdown_table(table, _labels("sv"))
    assert "| År | Sektor | Antal organisationer |" in sv
    assert "Utbildning/skola" in sv and "44,1" in sv and "| 2024 |" in sv  # no "2 024"
    assert "–" in sv and "ja" in sv
    en = markdown_table(table, _labels("en"))
    assert "| Year | Sector | Organisations |" in en and "Education/schools" in en
    assert not any(ch in en for ch in "åäöÅÄÖ")
    latex = latex_table(table, _labels("sv"))
    assert latex.startswith("\\begin{tabular}{rlrrrrrl}") and "\\toprule" in latex
    assert "Utbildning/skola" in latex and "\\bottomrule" in latex


def test_readable_texts_from_the_published_csv_equal_those_from_the_table(tmp_path):
    """Each language's readable tables are made from the published CSV files (one
    publication, several renderings): read back, a table renders byte for byte as the
    table the gate returned."""
    from mognad.io import write_csv

    table = round_significant(suppress(sector_table(), RULES["sector_by_year"], THRESHOLDS))
    table["method_version"] = "1.0"
    write_csv(table, tmp_path / "sector_by_year.csv")
    back = pd.read_csv(tmp_path / "sector_by_year.csv", dtype={"method_version": str})
    for language in ("sv", "en"):
        labels = _labels(language)
        made = readable_texts({"sector_by_year": back}, labels)
        assert set(made) == {"sector_by_year.md", "sector_by_year.tex"}
        assert made["sector_by_year.md"] == markdown_table(table, labels)
        assert made["sector_by_year.tex"] == latex_table(table, labels)
    assert "1.0" in made["sector_by_year.md"]


def test_small_values_get_three_decimals():
    table = pd.DataFrame({"year": [2025], "p_value": [0.0123], "estimate": [12.345]})
    text = formatted(table, _labels("en"))
    assert text.iloc[0].tolist() == ["2025", "0.012", "12.3"]


def test_workbook_is_byte_identical_and_readable():
    table = suppress(sector_table(), RULES["sector_by_year"], THRESHOLDS)
    labels = _labels("sv")
    first = workbook_bytes({"sector_by_year": table}, labels, "not")
    assert first == workbook_bytes({"sector_by_year": table}, labels, "not")
    sheets = pd.read_excel(io.BytesIO(first), sheet_name=None, engine="openpyxl", header=None)
    assert list(sheets) == ["Om tabellerna", "Sektorer per år"]
    index = sheets["Om tabellerna"]
    assert index.iloc[2].tolist() == ["Blad", "Beskrivning"]
    assert index.iloc[3].tolist() == ["Sektorer per år", "Samma värden per sektor och år."]
    sheet = sheets["Sektorer per år"]
    sheet.columns = sheet.iloc[0]
    assert list(sheet.columns[:3]) == ["År", "Sektor", "Antal organisationer"]
    # suppressed cells are marked as the note says, numbers stay numbers
    maturity = sheet["Digital mognad"].iloc[1:].tolist()
    assert [v == "–" for v in maturity] == [False, True, True, False]
    assert all(isinstance(v, float) for v in (maturity[0], maturity[3]))
    links = openpyxl.load_workbook(io.BytesIO(first))["Om tabellerna"]["A4"].hyperlink
    assert links.location == "'Sektorer per år'!A1"


def test_every_published_table_has_a_sheet_title_and_description_in_both_languages():
    from mognad.outputs import PUBLISHED_TABLES

    for language in ("sv", "en"):
        labels = _labels(language)
        titles = [labels.get("table_titles", name) for name in PUBLISHED_TABLES]
        assert len(set(titles)) == len(titles) and all(len(t) <= 31 for t in titles)
        assert not any(set(t) & set("[]:*?/\\") for t in titles)
        assert all(labels.get("table_descriptions", name) for name in PUBLISHED_TABLES)


def test_a_code_without_label_is_a_clear_error():
    table = sector_table().assign(sector=["education", "space_agency", "service", "education"])
    with pytest.raises(LabelError, match=r"space_agency.*sectors"):
        markdown_table(table, _labels("sv"))


def test_every_published_table_has_a_disclosure_rule():
    from mognad.outputs import PUBLISHED_TABLES

    assert list(RULES) == list(PUBLISHED_TABLES)
