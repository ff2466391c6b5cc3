"""The report's figures: reproducible bytes, labels in the right language, suppressed
values left out with a footnote, and only the data they were given."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from mognad.instrument import load_instrument
from mognad.io import round_significant
from mognad.labels import Labels, load_labels, quadrant_names
from mognad.publish import figures
from mognad.publish.disclosure import Thresholds, quadrant_points
from mognad.publish.figures import CATEGORIES, DIMENSIONS, Plotted
from mognad.publish.tables import rank_groups

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
YEARS = [2021, 2022, 2023, 2024]
YEAR = 2024
SECTORS = ["education", "social_services", "urban_planning", "service", "health_care"]
FOCUS = ["education", "social_services", "urban_planning"]
NOTE = "NOTE: values on fewer than 3 organisations or 5 respondents are not shown."
SCORES = [*CATEGORIES, *DIMENSIONS]


def _labels(language: str) -> Labels:
    instrument = load_instrument(ROOT / CONFIG["instrument"])
    return load_labels(ROOT / "data/codebook/labels.yaml", instrument, language)


@pytest.fixture(scope="module")
def sv() -> Labels:
    return _labels("sv")


@pytest.fixture(scope="module")
def en() -> Labels:
    return _labels("en")


# --- small synthetic tables with the columns of docs/outputs.md --------------------------


def _scores(keys: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = keys.copy()
    out["n_orgs"] = rng.integers(5, 40, len(out))
    out["n_respondents"] = out["n_orgs"] * 20
    for score in SCORES:
        value = rng.uniform(30, 70, len(out))
        out[score] = value
        out[f"{score}_ci_low"] = value - 3
        out[f"{score}_ci_high"] = value + 3
    out["method_version"] = "1.0"
    return out


def _tables(seed: int = 1, orgs: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    national = _scores(pd.DataFrame({"year": YEARS}), rng)
    sector_keys = pd.MultiIndex.from_product([YEARS, SECTORS], names=["year", "sector"])
    sector = _scores(sector_keys.to_frame(index=False), rng)
    quadrant_rows = pd.MultiIndex.from_product(
        [YEARS, list(figures.QUADRANT_ORDER)], names=["year", "quadrant"]
    ).to_frame(index=False)
    quadrants = quadrant_rows.assign(level="national", group="all")
    names = quadrant_names(ROOT / "data/codebook/labels.yaml")
    quadrants["quadrant_sv"] = quadrants["quadrant"].map(lambda q: names[q]["sv"])
    quadrants["quadrant_en"] = quadrants["quadrant"].map(lambda q: names[q]["en"])
    quadrants["n_orgs"] = rng.integers(1, 20, len(quadrants))
    quadrants["share"] = quadrants["n_orgs"] / quadrants.groupby("year")["n_orgs"].transform("sum")
    quadrants = quadrants[
        ["year", "level", "group", "quadrant", "quadrant_sv", "quadrant_en", "n_orgs", "share"]
    ]
    change_keys = pd.DataFrame({"year": YEARS[1:], "scope": "national"})
    parts = rng.normal(0, 2, (len(change_keys), 3))
    decomposition = change_keys.assign(
        cross_sectional=parts.sum(axis=1),
        within=parts[:, 0],
        composition=parts[:, 1],
        interaction=parts[:, 2],
        indicator="maturity",
        n_pairs=20,
        n_orgs_prev=30,
        n_orgs=32,
        n_joiners=12,
        n_leavers=10,
        flag_small=False,
    )
    for part in ("cross_sectional", "within", "composition", "interaction"):
        decomposition[f"{part}_se"] = 0.5
        decomposition[f"{part}_ci_low"] = decomposition[part] - 1
        decomposition[f"{part}_ci_high"] = decomposition[part] + 1
    year_over_year = decomposition[["year", "scope", "indicator", "cross_sectional"]].assign(
        within=decomposition["within"] + decomposition["interaction"],
        n_pairs=20,
        n_orgs_prev=30,
        n_orgs=32,
        n_joiners=12,
        n_leavers=10,
        flag_small=False,
    )
    fixed = pd.DataFrame({"indicator": "maturity", "year": YEARS, "estimate": [0.0, 2.0, 4.5, 6.0]})
    fixed["std_error"] = [np.nan, 0.8, 0.8, 0.9]
    fixed["ci_low"] = fixed["estimate"] - 1.6 * fixed["std_error"] / 0.8
    fixed["ci_high"] = fixed["estimate"] + 1.6 * fixed["std_error"] / 0.8
    org_ids = [f"O{i:04d}" for i in range(12)]
    ranks = pd.DataFrame(
        {
            "year": YEAR,
            "org_id": org_ids,
            "sector": SECTORS * 2 + SECTORS[:2],
            "org_type": "municipal",
            "maturity_method": rng.uniform(30, 70, 12),
        }
    )
    ranks["rank_method"] = ranks["maturity_method"].rank(ascending=False)
    ranks["rank_median"] = ranks["rank_method"]
    ranks["rank_p05"] = (ranks["rank_method"] - 2).clip(lower=1)
    ranks["rank_p95"] = (ranks["rank_method"] + 2).clip(upper=12)
    ranks["n_orgs"] = 12
    groups = pd.DataFrame(
        {
            "year": YEAR,
            "level": "sector",
            "group": SECTORS,
            "indicator": "maturity",
            "method_value": rng.uniform(30, 70, 5),
        }
    )
    groups["median"] = groups["method_value"]
    groups["p05"] = groups["method_value"] - 2
    groups["p95"] = groups["method_value"] + 2
    groups["spread"] = 4.0
    reliability = pd.MultiIndex.from_product(
        [YEARS, list(CATEGORIES)], names=["year", "category"]
    ).to_frame(index=False)
    reliability["alpha"] = rng.uniform(0.7, 0.9, len(reliability))
    reliability["alpha_ci_low"] = reliability["alpha"] - 0.03
    reliability["alpha_ci_high"] = reliability["alpha"] + 0.03
    reliability["omega"] = reliability["alpha"] + 0.01
    reliability["n"] = 300
    reliability["n_items"] = 6
    return {
        "quadrant_points": quadrant_points(_orgs() if orgs is None else orgs, YEAR, Thresholds()),
        "national_by_year": national,
        "sector_by_year": sector,
        "quadrants": quadrants,
        "year_over_year": year_over_year,
        "change_decomposition": decomposition,
        "fixed_effects_trend": fixed,
        "sensitivity_ranks": rank_groups(ranks, _rank_sizes(ranks)),
        "sensitivity_groups": groups,
        "reliability": reliability,
    }


def _rank_sizes(ranks: pd.DataFrame) -> pd.DataFrame:
    """Respondents of each ranked organisation, as the publication stage joins them."""
    return ranks[["year", "org_id"]].assign(n_respondents=30)


def _models() -> dict[str, pd.DataFrame]:
    terms = [
        "Intercept",
        "C(sector)[T.education]",
        "C(sector)[T.social_services]",
        "C(org_type)[T.region]",
        "np.log(employees)",
        "C(year)[T.2022]",
        "C(year)[T.2023]",
    ]
    table = pd.DataFrame(
        {"term": terms, "estimate": np.linspace(-3, 3, len(terms)), "std_error": 0.5}
    )
    table["ci_low"] = table["estimate"] - 1
    table["ci_high"] = table["estimate"] + 1
    table["p_value"] = 0.01
    within = table[table["term"].str.startswith("C(year)")].reset_index(drop=True)
    return {"maturity_ols": table, "maturity_within": within}


def _orgs(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 30
    orgs = pd.DataFrame(
        {
            "year": np.repeat([YEAR - 1, YEAR], n // 2),
            "org_id": [f"O{i:04d}" for i in range(n)],
            "org_type": rng.choice(["municipal", "region", "state_agency"], n),
            "sector": rng.choice(SECTORS, n),
            "n_respondents": rng.integers(5, 50, n),
        }
    )
    for score in SCORES:
        orgs[score] = rng.uniform(20, 80, n)
        orgs[f"{score}_ci_low"] = orgs[score] - 5
        orgs[f"{score}_ci_high"] = orgs[score] + 5
    orgs["quadrant"] = np.where(orgs["capability"] >= 50, "mature", "beginning")
    orgs["method_version"] = "1.0"
    return orgs


def _all_figures(labels: Labels, tables=None, note: str | None = NOTE) -> dict[str, Plotted]:
    return figures.render_figures(
        tables or _tables(),
        _models(),
        labels,
        YEAR,
        FOCUS,
        {"capability": 50, "legacy": 50},
        note,
        CONFIG["models"],
    )


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _draw(fig: Figure) -> None:
    """Lay the figure out (tick labels exist only once drawn)."""
    with figures.house_style():
        fig.draw_without_rendering()


# --- reproducibility ----------------------------------------------------------------------


def _passed_orgs() -> pd.DataFrame:
    """What the caller passes: some organisations of the report year, and an earlier year."""
    orgs = _orgs()
    return pd.concat([orgs[orgs["year"] == YEAR].iloc[::2], orgs[orgs["year"] != YEAR]])


def _write_all(labels: Labels, out: Path) -> dict[str, Path]:
    return figures.make_figures(
        _tables(orgs=_passed_orgs()), _models(), labels, YEAR, FOCUS, None, NOTE, out,
        model_specs=CONFIG["models"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def published(sv, tmp_path_factory) -> dict[str, Path]:
    """Every figure written once by make_figures, in Swedish."""
    out = tmp_path_factory.mktemp("figures")
    return _write_all(sv, out)


def test_two_renders_of_every_figure_are_byte_identical(sv, published, tmp_path):
    second = _write_all(sv, tmp_path)
    expected = {f"{name}.{ext}" for name in figures.FIGURE_NAMES for ext in ("png", "svg", "csv")}
    assert set(published) == expected == set(second)
    for name, path in published.items():
        assert path.read_bytes() == second[name].read_bytes(), name
    assert not list(tmp_path.glob(".*tmp")), "temporary files left behind"
    svg = published["national_trend.svg"].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg


def test_save_figure_writes_requested_formats_with_fixed_metadata(sv, tmp_path):
    fig, _ = figures.national_trend(_tables()["national_by_year"], sv)
    paths = figures.save_figure(fig, tmp_path / "trend", formats=("png", "pdf"))
    assert [p.name for p in paths] == ["trend.png", "trend.pdf"]
    assert b"CreationDate" not in paths[1].read_bytes()
    assert b"Software" not in paths[0].read_bytes()


# --- labels -------------------------------------------------------------------------------


def _swedish_only_phrases(sv: Labels, en: Labels) -> set[str]:
    """Every Swedish label (or literal part of a text template) that English words differently."""
    phrases = set()
    for section, entries in sv.sections.items():
        for code, swedish in entries.items():
            english = en.sections[section].get(code)
            if swedish == english:
                continue
            for part in re.split(r"\{[^}]*\}", swedish):
                part = part.strip(" ,.:()")
                if len(part) >= 4 and part not in english:
                    phrases.add(part)
    return phrases


def test_english_figures_contain_no_swedish(sv, en):
    swedish = _swedish_only_phrases(sv, en)
    assert "Utbildning/skola" in swedish and "Digital mognad" in swedish
    for name, (fig, _) in _all_figures(en).items():
        _draw(fig)
        texts = _texts(fig)
        assert texts, name
        for text in texts:
            assert not re.search("[åäöÅÄÖ]", text), (name, text)
            found = [p for p in swedish if p in text]
            assert not found, (name, text, found)


def _svg_texts(path: Path) -> set[str]:
    """The strings of the SVG's <text> elements (searchable text, not glyph outlines)."""
    root = ElementTree.parse(path).getroot()
    return {"".join(t.itertext()).strip() for t in root.iter("{http://www.w3.org/2000/svg}text")}


def test_swedish_labels_with_diacritics_are_text_in_the_svg(sv, published):
    assert sv.indicator("capability") == "Digital förmåga"
    trend = _svg_texts(published["national_trend.svg"])
    assert {"Digital förmåga", "Digitalt arv", sv.text("fig_national_trend_title")} <= trend
    scatter = _svg_texts(published["quadrant_scatter.svg"])
    assert {sv.quadrant("ambitious"), sv.quadrant("maintaining")} <= scatter
    assert {"Samhällsbyggnad", "Socialtjänst"} <= _svg_texts(published["sector_trends.svg"])


def test_swedish_numbers_use_a_decimal_comma(sv):
    fig, _ = figures.quality_overview(_tables()["reliability"], sv)
    _draw(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert ticks and all("," in t and "." not in t for t in ticks), ticks


def test_forest_plot_terms_are_translated(en):
    fig, data = figures.forest_plot(_models(), en, CONFIG["models"])
    _draw(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Education/schools" in ticks and "Social services" in ticks
    assert "Organisation type: Region" in ticks and "2022" in ticks and "2023" in ticks
    assert en.term("np.log(employees)") in ticks
    assert not [t for t in ticks if "C(" in t or "np." in t or "[T." in t]
    assert "Intercept" not in set(data["term"])
    legend = _texts(fig)
    models = CONFIG["models"]
    assert en.model(models["maturity_ols"]) in legend
    assert en.model(models["maturity_within"]) in legend


def test_unlabelled_term_is_an_error(en):
    with pytest.raises(KeyError, match="unknown_thing"):
        en.term("unknown_thing")
    with pytest.raises(KeyError, match="atlantis"):
        en.term("C(sector)[T.atlantis]")


# --- suppression --------------------------------------------------------------------------


def _suppress(table: pd.DataFrame, rows: pd.Series, columns: list[str]) -> pd.DataFrame:
    out = table.copy()
    out.loc[rows, columns] = np.nan
    out["suppressed"] = rows.to_numpy()
    return out


def _finite_points(fig: Figure) -> list[tuple[float, float]]:
    """Every data point any line, marker, band, segment or bar of the figure draws."""
    points = []
    for ax in fig.axes:
        for line in ax.findobj(Line2D):
            if line.axes is not ax or line.get_transform() != ax.transData:
                continue
            x, y = (np.asarray(v, dtype=float) for v in line.get_data())
            if x.shape == y.shape:
                points += [(a, b) for a, b in zip(x, y, strict=True) if np.isfinite([a, b]).all()]
        for coll in ax.collections:
            if isinstance(coll, (PolyCollection, LineCollection)):
                for path in coll.get_paths():
                    points += [tuple(v) for v in path.vertices if np.isfinite(v).all()]
            else:
                points += [tuple(v) for v in coll.get_offsets() if np.isfinite(v).all()]
        for patch in ax.patches:
            if isinstance(patch, Rectangle) and patch.get_height() != 0:
                points.append((patch.get_x() + patch.get_width() / 2, patch.get_y()))
    return points


def test_suppressed_values_are_not_drawn_and_carry_the_footnote(sv):
    tables = _tables()
    national = tables["national_by_year"]
    hidden_year = 2022
    value_columns = [c for c in national.columns if c.split("_ci_")[0] in SCORES]
    tables["national_by_year"] = _suppress(national, national["year"] == hidden_year, value_columns)
    fig, data = figures.national_trend(tables["national_by_year"], sv, NOTE)
    assert NOTE in _texts(fig)
    xs = {round(x) for x, _ in _finite_points(fig)}
    assert hidden_year not in xs and {2021, 2023, 2024} <= xs
    assert data.loc[data["year"] == hidden_year, "value"].isna().all()
    assert data.loc[data["year"] == hidden_year, "suppressed"].all()

    sector = tables["sector_by_year"]
    small = (sector["sector"] == "health_care") & (sector["year"] == YEAR)
    tables["sector_by_year"] = _suppress(
        sector, small, [c for c in sector.columns if c.split("_ci_")[0] in SCORES]
    )
    fig, data = figures.category_profile(tables["sector_by_year"], sv, YEAR, NOTE)
    _draw(fig)
    texts = _texts(fig)
    assert NOTE in texts
    assert texts.count("–") == len(CATEGORIES)  # one dash per hidden cell, no number
    assert data.loc[data["sector"] == "health_care", "value"].isna().all()

    # Every figure renders with suppressed rows in every table, and says so.
    for name, table in tables.items():
        if "suppressed" not in table and name != "quadrant_points":
            rows = pd.Series(False, index=table.index)
            rows.iloc[0] = True
            numeric = [
                c
                for c in table.select_dtypes("number").columns
                if c not in ("year", "n_orgs", "n_respondents", "n", "n_items")
            ]
            tables[name] = _suppress(table, rows, numeric)
    for name, (fig, _) in _all_figures(sv, tables).items():
        _draw(fig)
        if name not in ("quadrant_scatter", "forest_plot"):
            assert NOTE in _texts(fig), name


def test_no_footnote_without_suppression_and_none_without_a_note(sv):
    for name, (fig, _) in _all_figures(sv).items():
        assert NOTE not in _texts(fig), name
    national = _tables()["national_by_year"].assign(suppressed=False)
    fig, _ = figures.national_trend(national, sv, None)
    assert NOTE not in _texts(fig)
    national.loc[0, "suppressed"] = True
    with pytest.raises(ValueError, match="suppression note"):
        figures.national_trend(national, sv, None)


# --- the plotted data ---------------------------------------------------------------------


def test_scatter_data_holds_only_the_organisations_passed_in(sv, published):
    passed = _passed_orgs()
    written = pd.read_csv(published["quadrant_scatter.csv"])
    expected = passed.loc[passed["year"] == YEAR, ["capability", "legacy"]]
    assert "org_id" not in written.columns
    # the figure's data file holds them at the published precision, six significant digits
    published_values = round_significant(expected)["capability"]
    assert sorted(written["capability"]) == sorted(published_values)
    assert len(written) == len(expected)
    assert set(written["year"]) == {YEAR}
    orgs = _orgs()
    fig, data = figures.quadrant_scatter(quadrant_points(orgs, YEAR, Thresholds()), sv, YEAR)
    points = {tuple(np.round(p, 6)) for p in fig.axes[0].collections[0].get_offsets()}
    points |= {tuple(np.round(p, 6)) for c in fig.axes[0].collections[1:] for p in c.get_offsets()}
    expected = orgs.loc[orgs["year"] == YEAR, ["capability", "legacy"]].round(6)
    assert points == set(map(tuple, expected.to_numpy()))
    assert len(data) == len(expected)


def test_sector_trends_highlights_focus_sectors_first(en):
    fig, data = figures.sector_trends(_tables()["sector_by_year"], en, FOCUS)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles[:3] == [en.sector(s) for s in FOCUS]
    assert len(titles) == len(SECTORS)
    assert set(data.loc[data["focus"], "sector"]) == set(FOCUS)


def test_decomposition_bars_add_up_to_the_cross_sectional_change(en):
    tables = _tables()
    fig, data = figures.trend_views(
        tables["year_over_year"],
        tables["change_decomposition"],
        tables["fixed_effects_trend"],
        en,
    )
    assert len(fig.axes) == 3
    bars = [p for p in fig.axes[1].patches if isinstance(p, Rectangle)]
    heights = pd.Series(
        [b.get_height() for b in bars], index=[round(b.get_x() + b.get_width() / 2) for b in bars]
    )
    dec = data[data["view"] == "decomposition"].pivot(
        index="year", columns="series", values="value"
    )
    assert np.allclose(
        heights.groupby(level=0).sum().sort_index(), dec["cross_sectional"].sort_index()
    )


def test_every_figure_survives_everything_suppressed(sv, tmp_path):
    """A source with one organisation a year: every value suppressed. Every figure is still
    drawn at its normal size (a text at a year must not stretch an empty axis)."""
    tables = _tables(orgs=_orgs().iloc[:0])
    for name, table in tables.items():
        if name == "quadrant_points":  # no organisation to show
            continue
        values = [
            c
            for c in table.columns
            if pd.api.types.is_float_dtype(table[c]) and not c.startswith("n_")
        ]
        tables[name] = table.assign(**{c: np.nan for c in values}, suppressed=True)
    written = figures.make_figures(
        tables, _models(), sv, YEAR, FOCUS, None, NOTE, tmp_path,
        model_specs=CONFIG["models"],
    )  # fmt: skip
    from PIL import Image

    for name, path in written.items():
        if path.suffix == ".png":
            width, height = Image.open(path).size
            assert max(width, height) < 3000, (name, width, height)


def test_the_six_categories_stay_apart_in_greyscale_and_in_colour(sv):
    """Each category's line differs from every other in marker and dash pattern (so a
    greyscale print tells them apart) and in colour by a clear distance."""
    from matplotlib.colors import to_rgb

    fig, _ = figures.quality_overview(_tables()["reliability"], sv)
    # every series line and legend entry (the reference line has no marker)
    looks = {
        (line.get_marker(), str(line._unscaled_dash_pattern), line.get_color())
        for line in fig.axes[0].get_lines()
        if line.get_marker() != "None"
    }
    assert len(looks) == 6
    markers, patterns, colours = (set(part) for part in zip(*looks, strict=True))
    assert len(markers) == len(patterns) == len(colours) == 6
    rgb = [np.array(to_rgb(c)) for c in sorted(colours)]
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(rgb) for b in rgb[i + 1 :]]
    assert min(gaps) > 0.3
