"""The status report: numbers only from the tables, self-contained HTML, A4 PDF with page
numbers and embedded fonts, byte-identical outputs, clean English, suppressed cells."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mognad.labels import load_labels, quadrant_names
from mognad.publish import report as R

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
LABELS = ROOT / "data/codebook/labels.yaml"
QUADRANT_NAMES = quadrant_names(LABELS)
YEARS = (2023, 2024, 2025)
YEAR = 2025
SECTORS = ("culture_leisure", "education", "service", "social_services", "urban_planning")
CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
SCORES = (*CATEGORIES, "capability", "legacy", "maturity")
QUADRANTS = {"mature": 0.4, "ambitious": 0.3, "maintaining": 0.1, "beginning": 0.2}
MIN_ORGS, MIN_RESPONDENTS = 3, 5


# --- synthetic published tables (documented columns; no pipeline run needed) --------------


def _score_row(rng: np.random.Generator, level: float) -> dict:
    row = {}
    for i, col in enumerate(SCORES):
        value = level + 0.37 * i + rng.uniform(-0.2, 0.2)
        row.update({col: value, f"{col}_ci_low": value - 1.9, f"{col}_ci_high": value + 2.1})
    return row


def _scored(keys: dict, n_orgs: int, n_resp: int, row: dict, suppressed: bool = False) -> dict:
    if suppressed:
        row = {k: np.nan for k in row}
    return {
        **keys,
        "n_orgs": n_orgs,
        "n_respondents": n_resp,
        **row,
        "method_version": "1.0",
        "suppressed": suppressed,
    }


def synthetic_tables() -> tuple[dict, dict, dict, dict]:
    rng = np.random.default_rng(7)
    national, sectors, types, quads, flow = [], [], [], [], []
    for k, year in enumerate(YEARS):
        # National maturity lies apart from every other score, so that a test can find it.
        row = _score_row(rng, 55.0 + 3.21 * k)
        maturity = (41.13, 44.26, 48.77)[k]
        row.update(
            maturity=maturity, maturity_ci_low=maturity - 1.02, maturity_ci_high=maturity + 0.93
        )
        national.append(_scored({"year": year}, 60 + k, 2600 + 11 * k, row))
        for j, sector in enumerate(SECTORS):
            small = sector == "culture_leisure" and year == YEAR
            srow = _score_row(rng, 20.0 + 1.1 * k + 1.7 * j)
            sectors.append(
                _scored({"year": year, "sector": sector}, 2 if small else 12, 90, srow, small)
            )
        for t, org_type in enumerate(("municipal", "state_agency")):
            types.append(
                _scored({"year": year, "org_type": org_type}, 30, 1300, _score_row(rng, 62 + t))
            )
        for level, group in (("national", "all"), ("sector", "education")):
            for code, share in QUADRANTS.items():
                names = QUADRANT_NAMES[code]
                quads.append(
                    {
                        "year": year,
                        "level": level,
                        "group": group,
                        "quadrant": code,
                        "quadrant_sv": names["sv"],
                        "quadrant_en": names["en"],
                        "n_orgs": int(share * 60),
                        "share": share,
                        "suppressed": False,
                    }
                )
        flow.append(
            {
                "year": year,
                "received": 2700 + k,
                "excluded_test_response": 4 + k,
                "excluded_duplicate": 17,
                "excluded_too_few_answers": 23,
                "analysed": 2700 + k - 44 - 2 * k,
            }
        )
    yoy, dec, fe, trends, contrasts, rel, cfa, sens = [], [], [], [], [], [], [], []
    for year in YEARS[1:]:
        for scope in ("national", *SECTORS):
            for indicator in ("capability", "legacy", "maturity"):
                counts = {
                    "n_pairs": 44,
                    "n_orgs_prev": 59,
                    "n_orgs": 61,
                    "n_joiners": 17,
                    "n_leavers": 15,
                    "flag_small": False,
                }
                yoy.append(
                    {
                        "year": year,
                        "scope": scope,
                        "indicator": indicator,
                        "cross_sectional": 2.81,
                        "within": 3.42,
                        **counts,
                    }
                )
                parts = {"cross_sectional": 2.81, "within": 2.96, "composition": -0.61}
                parts["interaction"] = 2.81 - 2.96 + 0.61
                ci = {}
                for part, value in parts.items():
                    ci.update(
                        {
                            f"{part}_se": 0.31,
                            f"{part}_ci_low": value - 0.61,
                            f"{part}_ci_high": value + 0.61,
                        }
                    )
                dec.append(
                    {
                        "year": year,
                        "scope": scope,
                        **parts,
                        "indicator": indicator,
                        **counts,
                        **ci,
                        "suppressed": False,
                    }
                )
    for indicator in ("capability", "legacy", "maturity"):
        for k, year in enumerate(YEARS):
            est = 0.0 if k == 0 else 3.17 * k
            fe.append(
                {
                    "indicator": indicator,
                    "year": year,
                    "estimate": est,
                    "std_error": np.nan if k == 0 else 0.4,
                    "ci_low": np.nan if k == 0 else est - 0.8,
                    "ci_high": np.nan if k == 0 else est + 0.8,
                }
            )
        for j, sector in enumerate(SECTORS):
            slope = 1.13 + 0.41 * j
            trends.append(
                {
                    "indicator": indicator,
                    "sector": sector,
                    "slope": slope,
                    "std_error": 0.3,
                    "ci_low": slope - 0.6,
                    "ci_high": slope + 0.6,
                    "p_value": 0.001,
                    "n_orgs": 14,
                    "n_org_years": 40,
                    "n_years": 3,
                    "flag_small": False,
                    "suppressed": False,
                }
            )
        contrasts.append(
            {
                "year": YEAR,
                "indicator": indicator,
                "group_a": "education",
                "group_b": "urban_planning",
                "n_a": 12,
                "n_b": 12,
                "mean_a": 40.0,
                "mean_b": 46.9,
                "difference": -6.9,
                "std_error": 1.5,
                "ci_low": -9.9,
                "ci_high": -3.9,
                "t": -4.6,
                "df": 21.0,
                "p_value": 0.0002,
                "p_holm": 0.002,
                "cohens_d": -1.2,
                "hedges_g": -1.16,
                "excluded_groups": "culture_leisure",
            }
        )
    for year in YEARS:
        for i, cat in enumerate(CATEGORIES):
            rel.append(
                {
                    "year": year,
                    "category": cat,
                    "alpha": 0.71 + 0.02 * i,
                    "alpha_ci_low": 0.69 + 0.02 * i,
                    "alpha_ci_high": 0.73 + 0.02 * i,
                    "omega": 0.72 + 0.02 * i,
                    "n": 2100,
                    "n_items": 6,
                }
            )
        cfa.append(
            {
                "year": year,
                "n": 2650,
                "chi2": 700.0,
                "df": 587,
                "cfi": 0.991,
                "tli": 0.990,
                "rmsea": 0.012,
                "srmr": 0.021,
                "converged": True,
            }
        )
        for level, group in (("national", "all"), *(("sector", s) for s in SECTORS)):
            sens.append(
                {
                    "year": year,
                    "level": level,
                    "group": group,
                    "indicator": "maturity",
                    "method_value": 45.0,
                    "median": 44.8,
                    "p05": 43.9,
                    "p95": 45.6,
                    "spread": 1.7,
                    "suppressed": False,
                }
            )
    invariance = pd.DataFrame(
        {
            "level": ["configural", "metric", "scalar"],
            "chi2": [5000.0, 5200.0, 5600.0],
            "df": [4000, 4200, 4400],
            "cfi": [0.998, 0.997, 0.996],
            "tli": [0.998, 0.997, 0.996],
            "rmsea": [0.006, 0.0065, 0.0075],
            "srmr": [0.01, 0.012, 0.013],
            "delta_cfi": [np.nan, -0.001, -0.001],
            "delta_rmsea": [np.nan, 0.0005, 0.001],
            "converged": [True, True, True],
        }
    )
    tables = {
        "national_by_year": pd.DataFrame(national),
        "sector_by_year": pd.DataFrame(sectors),
        "type_by_year": pd.DataFrame(types),
        "quadrants": pd.DataFrame(quads),
        "flow": pd.DataFrame(flow),
        "year_over_year": pd.DataFrame(yoy),
        "change_decomposition": pd.DataFrame(dec),
        "fixed_effects_trend": pd.DataFrame(fe),
        "sector_trends": pd.DataFrame(trends),
        "sector_contrasts": pd.DataFrame(contrasts),
        "reliability": pd.DataFrame(rel),
        "aggregation": pd.DataFrame(
            [
                {
                    "year": year,
                    "dimension": "capability" if i < 3 else "legacy",
                    "category": cat,
                    "icc1": 0.11 + 0.01 * i,
                    "rwg_j_skewed_median": 0.66 + 0.02 * i,
                    "rwg_j_skewed_share_above_0_7": 0.35 + 0.07 * i,
                    "rwg_j_pooled_median": 0.24 + 0.03 * i,
                    "suppressed": False,
                }
                for year in YEARS
                for i, cat in enumerate(CATEGORIES)
            ]
        ),
        "cfa_fit": pd.DataFrame(cfa),
        "invariance": invariance,
        "sensitivity_groups": pd.DataFrame(sens),
    }
    terms = [
        ("Intercept", 30.6, 2.4, 1e-20),
        ("C(sector)[T.education]", -7.03, 1.65, 2e-5),
        ("C(sector)[T.urban_planning]", 3.96, 1.47, 0.008),
        ("C(year)[T.2024]", 2.9, 1.2, 0.02),
        ("C(year)[T.2025]", 6.1, 1.2, 1e-6),
        ("np.log(employees)", 1.22, 0.42, 0.004),
    ]
    ols = pd.DataFrame(
        [
            {
                "term": t,
                "estimate": e,
                "std_error": s,
                "ci_low": e - 2 * s,
                "ci_high": e + 2 * s,
                "p_value": p,
            }
            for t, e, s, p in terms
        ]
    )
    within = ols[ols["term"].str.startswith("C(year)")].reset_index(drop=True)
    models = {"maturity_ols": ols, "maturity_within": within}
    fits = {
        "maturity_ols": pd.DataFrame(
            {
                "statistic": [
                    *("model", "kind", "level", "formula", "n", "n_groups", "r_squared"),
                    "reference",
                ],
                "value": [
                    "maturity_ols",
                    "ols",
                    "organisation",
                    "maturity ~ C(sector) + np.log(employees) + C(year)",
                    "180",
                    "70",
                    "0.55",
                    "sector=culture_leisure;year=2023",
                ],
            }
        ),
        "maturity_within": pd.DataFrame(
            {
                "statistic": ["model", "kind", "level", "formula", "n", "n_groups", "r_squared"],
                "value": [
                    "maturity_within",
                    "fixed_effects",
                    "organisation",
                    "maturity ~ C(year)",
                    "180",
                    "70",
                    "0.8",
                ],
            }
        ),
    }
    method = {
        "bootstrap": {"level": 0.95, "replicates": 2000, "seed": 1},
        "fingerprint": "abc123def456",
        "method": {
            "version": "1.0",
            "aggregation": "arithmetic",
            "category_weights": dict.fromkeys(CATEGORIES, 1),
            "min_answered_share": 0.5,
            "organisation_weighting": "organisation",
            "quadrant_thresholds": {"capability": 50, "legacy": 50},
        },
        "sensitivity": {"draws": 500, "seed": 2, "choices": CONFIG["sensitivity"]["choices"]},
    }
    return tables, models, fits, method


# --- fixtures -----------------------------------------------------------------------------


def labels_for(instrument, language):
    return load_labels(LABELS, instrument, language)


def params_for(instrument, language, models=None) -> R.ReportParams:
    return R.ReportParams(
        language=language,
        min_orgs=MIN_ORGS,
        min_respondents=MIN_RESPONDENTS,
        analysis_min_orgs=CONFIG["analysis"]["min_orgs"],
        focus_sectors=tuple(CONFIG["analysis"]["focus_sectors"]),
        bootstrap=CONFIG["bootstrap"],
        models=models
        or {
            "maturity_ols": {
                "kind": "ols",
                "level": "organisation",
                "formula": "maturity ~ C(sector) + np.log(employees) + C(year)",
            },
            "maturity_within": {
                "kind": "fixed_effects",
                "level": "organisation",
                "formula": "maturity ~ C(year)",
            },
        },
        dimensions={d: instrument.dimension_categories(d) for d in instrument.dimensions},
        scale_min=instrument.scale_min,
        scale_max=instrument.scale_max,
    )


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_tables()


@pytest.fixture(scope="module")
def figures_dir(tmp_path_factory) -> Path:
    return write_figures(tmp_path_factory.mktemp("figures"))


def write_figures(folder: Path, size: tuple[float, float] = (5, 3), dpi: int = 60) -> Path:
    """A stand-in PNG for every report figure in ``folder``, with stand-in drawn data
    beside it (the captions are written from it)."""
    import matplotlib
    from test_captions import stand_in_data

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for i, name in enumerate(R.FIGURES):
        fig, ax = plt.subplots(figsize=size)
        ax.plot([0, 1, 2], [1, 3 - i % 2, 2])
        ax.set_title(name)
        fig.savefig(folder / f"{name}.png", dpi=dpi, metadata={"Software": None})
        plt.close(fig)
    for name, data in stand_in_data().items():
        data.to_csv(folder / f"{name}.csv", index=False)
    return folder


def markdown(synthetic, instrument, language="sv", figures_dir=None, tables=None) -> str:
    """The report's Markdown from the synthetic tables, with the figures in ``figures_dir``."""
    base, models, fits, method = synthetic
    labels = labels_for(instrument, language)
    params = params_for(instrument, language)
    drawn = R.figure_data(figures_dir) if figures_dir else None
    ctx = R.report_context(tables or base, models, fits, method, params, labels, YEAR, drawn)
    return R.render_markdown(ctx, R.figure_files(figures_dir))


@pytest.fixture(scope="module")
def rendered(synthetic, instrument, figures_dir, tmp_path_factory) -> dict:
    """The Swedish report rendered twice to HTML and PDF."""
    md = markdown(synthetic, instrument, "sv", figures_dir)
    out = tmp_path_factory.mktemp("report")
    for run in ("a", "b"):
        R.render_html(md, figures_dir, out / f"{run}.html")
        R.render_pdf(md, figures_dir, out / f"{run}.pdf")
    return {"md": md, "dir": out}


# --- (a) no typed numbers -------------------------------------------------------------------


def _token(text: str) -> re.Pattern:
    """A formatted number as a whole token (not part of a longer number)."""
    return re.compile(rf"(?<![\d,.]){re.escape(text)}(?![\d])")


def assert_changes_exactly(
    before: str, after: str, swaps: dict[str, str], strict: bool = True
) -> None:
    """``after`` differs from ``before`` exactly on the lines holding an old value, and
    each such line holds the new value instead. Not ``strict``: an old value may also be
    some other number of the text (real data), so lines holding one may stay as they were,
    but every changed line holds an old value before and its new value after."""
    a, b = before.splitlines(), after.splitlines()
    assert len(a) == len(b)
    changed = 0
    for line_a, line_b in zip(a, b, strict=True):
        holds_old = any(_token(old).search(line_a) for old in swaps)
        if holds_old and not strict:
            if line_a != line_b:
                assert any(_token(new).search(line_b) for new in swaps.values()), line_b
                changed += 1
        elif holds_old:
            expected = line_a
            for old, new in swaps.items():
                expected = _token(old).sub(new, expected)
            assert line_b == expected
            changed += line_a != line_b
        else:
            assert line_a == line_b, f"unexpected change: {line_a!r} -> {line_b!r}"
    assert changed >= 3  # summary, national chapter, appendix
    new_value = next(iter(swaps.values()))
    assert len(_token(new_value).findall(after)) >= 3


def _bump_and_compare(tables, models, fits, method, instrument, language, strict=True) -> None:
    labels = labels_for(instrument, language)
    params = params_for(instrument, language)
    nat = tables["national_by_year"]
    ctx = R.report_context(tables, models, fits, method, params, labels, YEAR)
    before = R.render_markdown(ctx)
    bumped = dict(tables)
    bumped["national_by_year"] = nat.copy()
    mask = bumped["national_by_year"]["year"] == YEAR
    bumped["national_by_year"].loc[mask, "maturity"] += 7.3
    after = R.render_markdown(R.report_context(bumped, models, fits, method, params, labels, YEAR))
    years = sorted(nat["year"])
    value = {y: float(nat.loc[nat["year"] == y, "maturity"].iloc[0]) for y in years}
    prev, first = years[-2], years[0]

    def signed(x):
        text = labels.number(x)
        return f"+{text}" if round(x, 1) > 0 else text

    swaps = {
        labels.number(value[YEAR]): labels.number(value[YEAR] + 7.3),
        signed(value[YEAR] - value[prev]): signed(value[YEAR] + 7.3 - value[prev]),
        labels.number(abs(value[YEAR] - value[prev])): labels.number(
            abs(value[YEAR] + 7.3 - value[prev])
        ),
        signed(value[YEAR] - value[first]): signed(value[YEAR] + 7.3 - value[first]),
        labels.number(abs(value[YEAR] - value[first])): labels.number(
            abs(value[YEAR] + 7.3 - value[first])
        ),
    }
    assert _token(labels.number(value[YEAR])).search(before)
    assert labels.number(value[YEAR] + 7.3) in after
    assert_changes_exactly(before, after, swaps, strict)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_text_numbers_follow_the_tables(synthetic, instrument, language):
    _bump_and_compare(*synthetic, instrument, language)


def demo_inputs() -> tuple[dict, dict, dict, dict] | None:
    """The report's inputs from a demo run in ``results/`` (None if it has not run)."""
    folder = ROOT / "results"
    needed = [folder / "tables" / f"{t}.csv" for t in R.TABLES] + [folder / "method.json"]
    if not all(p.is_file() for p in needed):
        return None
    tables = {t: pd.read_csv(folder / "tables" / f"{t}.csv") for t in R.TABLES}
    names = [m for m in CONFIG["models"] if (folder / "models" / f"{m}.csv").is_file()]
    models = {m: pd.read_csv(folder / "models" / f"{m}.csv") for m in names}
    fits = {m: pd.read_csv(folder / "models" / f"{m}_fit.csv") for m in names}
    method = json.loads((folder / "method.json").read_text(encoding="utf-8"))
    return tables, models, fits, method


def test_text_numbers_follow_the_demo_tables(instrument):
    demo = demo_inputs()
    if demo is None:
        pytest.skip("the pipeline has not run (no results/)")
    tables, models, fits, method = demo
    year = int(tables["national_by_year"]["year"].max())
    assert year == YEAR or pytest.skip("demo data end in another year")
    _bump_and_compare(tables, models, fits, method, instrument, "sv", strict=False)


def test_templates_type_no_digits():
    templates = sorted(R.TEMPLATES.glob("*.md.j2"))
    assert {p.name for p in templates} == {"report.sv.md.j2", "report.en.md.j2"}
    for path in templates:
        text = path.read_text(encoding="utf-8")
        prose = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)
        prose = re.sub(r"lme4|ICC\(1\)", "", prose)  # names with a digit, not numbers
        digits = [
            (n, line) for n, line in enumerate(prose.splitlines(), 1) if re.search(r"\d", line)
        ]
        assert not digits, f"{path.name}: digits typed in the prose: {digits[:5]}"


def test_context_values_and_choices(synthetic, instrument):
    tables, models, fits, method = synthetic
    labels = labels_for(instrument, "sv")
    ctx = R.report_context(tables, models, fits, method, params_for(instrument, "sv"), labels, YEAR)
    assert ctx["national"]["maturity"]["value"] == "48,8"
    assert ctx["national"]["maturity"]["change"] == "+4,5"  # 48.77 - 44.26
    # culture_leisure is suppressed in 2025: neither most nor least mature
    assert ctx["most_mature"]["sector"] == "urban_planning"
    assert ctx["least_mature"]["sector"] == "education"
    assert ctx["quadrants"]["largest"]["code"] == "mature"
    assert ctx["flow"]["reasons"] == {
        "test_response": "6",
        "duplicate": "17",
        "too_few_answers": "23",
    }
    assert ctx["models"]["main"]["strongest"][0]["term"] == labels.sector("education")
    assert ctx["method"]["n_items"] == "36" and ctx["method"]["replicates"] == "2\u00a0000"


def test_recommendations_name_the_lagging_categories(synthetic, instrument):
    tables, models, fits, method = synthetic
    tables = dict(tables)
    sectors = tables["sector_by_year"].copy()
    row = (sectors["year"] == YEAR) & (sectors["sector"] == "social_services")
    nat = tables["national_by_year"].set_index("year").loc[YEAR]
    for cat in CATEGORIES:
        sectors.loc[row, cat] = nat[cat] + 1.0
    sectors.loc[row, "teknik"] = nat["teknik"] - 4.4
    sectors.loc[row, "innovation"] = nat["innovation"] - 2.2
    edu = (sectors["year"] == YEAR) & (sectors["sector"] == "education")
    sectors.loc[edu, "n_orgs"] = 2  # too few to recommend anything
    tables["sector_by_year"] = sectors
    labels = labels_for(instrument, "sv")
    ctx = R.report_context(tables, models, fits, method, params_for(instrument, "sv"), labels, YEAR)
    recs = {r["code"]: r for r in ctx["recommendations"]}
    assert [g["code"] for g in recs["social_services"]["lagging"]] == ["teknik", "innovation"]
    assert recs["social_services"]["lagging"][0]["gap"] == "4,4"
    assert recs["education"]["status"] == "insufficient"
    md = R.render_markdown(ctx)
    section = md.split("# Rekommendationer")[1].split("# Bilaga")[0]
    assert "Teknik ligger 4,4 procentenheter under riket" in section
    assert "Innovation ligger 2,2 procentenheter under riket" in section


# --- (b) HTML -----------------------------------------------------------------------------


def test_html_is_self_contained_and_reproducible(rendered):
    html = (rendered["dir"] / "a.html").read_text(encoding="utf-8")
    assert html == (rendered["dir"] / "b.html").read_text(encoding="utf-8")
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html, flags=re.I)
    external = [r for r in refs if re.match(r"(?i)(https?:)?//", r)]
    assert not external
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", html, flags=re.I)
    assert "mathjax" not in html.lower() and "<link" not in html.lower()
    images = re.findall(r'<img[^>]*src="([^"]{0,30})', html)
    assert len(images) == len(R.FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert "<style" in html and 'lang="sv-SE"' in html
    assert "Förmåga, arv och kvadranter" in html
    # notes are rendered as notes (a styled block), never as literal fence markers
    assert 'class="note"' in html and ":::" not in html


# --- (c) PDF ------------------------------------------------------------------------------


def test_pdf_is_a4_numbered_embedded_and_reproducible(rendered):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    a = (rendered["dir"] / "a.pdf").read_bytes()
    assert a.startswith(b"%PDF-")
    assert a == (rendered["dir"] / "b.pdf").read_bytes()
    pdf = pdfium.PdfDocument(a)
    assert len(pdf) >= 5
    for i in range(len(pdf)):
        width, height = pdf[i].get_size()
        assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1
    for number in (2, 3, len(pdf)):
        page = pdf[number - 1]
        footer = page.get_textpage().get_text_bounded(bottom=0, top=60).split()
        assert footer == [str(number)], footer
    assert "Sammanfattning" in pdf[1].get_textpage().get_text_range()
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert ":::" not in text  # the notes are typeset, not printed as fences
    embedded = []
    for i in range(len(pdf)):
        for obj in pdf[i].get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT], max_depth=5):
            embedded.append(bool(raw.FPDFFont_GetIsEmbedded(raw.FPDFTextObj_GetFont(obj.raw))))
    assert embedded and all(embedded)


def test_every_figure_stands_in_its_own_chapter_of_the_pdf(rendered):
    """A figure stands within its chapter: in the PDF its caption comes after the heading
    of the chapter that shows it and before the next chapter's heading."""
    from pdfpages import figures_out_of_chapter

    assert len(re.findall(r"^!\[", rendered["md"], flags=re.MULTILINE)) == len(R.FIGURES)
    assert figures_out_of_chapter(rendered["md"], rendered["dir"] / "a.pdf") == []


def test_pdf_pages_render_to_png(rendered, tmp_path):
    """Rendered pages for a look (kept in the test's tmp folder)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(rendered["dir"] / "a.pdf")
    image = pdf[len(pdf) - 1].render(scale=1).to_pil()
    image.save(tmp_path / "last.png")
    assert image.size[0] > 500 and image.getextrema() != ((255, 255), (255, 255), (255, 255))


# --- (d) English ----------------------------------------------------------------------------


def test_english_report_has_no_swedish(synthetic, instrument, figures_dir, tmp_path):
    md = markdown(synthetic, instrument, "en", figures_dir)
    assert not re.search("[åäöÅÄÖ]", md)
    sv, en = labels_for(instrument, "sv"), labels_for(instrument, "en")
    leftovers = []
    for section, entries in sv.sections.items():
        for code, text in entries.items():
            if text != en.sections[section][code] and re.search(rf"\b{re.escape(text)}\b", md):
                leftovers.append((section, code, text))
    assert not leftovers
    assert "# Summary" in md and "# Recommendations" in md
    R.render_html(md, figures_dir, tmp_path / "en.html")
    html = (tmp_path / "en.html").read_text(encoding="utf-8")
    assert 'lang="en-GB"' in html and not re.search("[åäöÅÄÖ]", html)


# --- (e) suppression ------------------------------------------------------------------------


def test_suppressed_values_show_a_dash_and_the_note(synthetic, instrument):
    md = markdown(synthetic, instrument, "sv")
    labels = labels_for(instrument, "sv")
    note = labels.text("suppressed_note", min_orgs=MIN_ORGS, min_respondents=MIN_RESPONDENTS)
    appendix = md.split("# Bilaga")[1]
    row = next(line for line in appendix.splitlines() if line.startswith("| Kultur och fritid |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "2" and set(cells[3:]) == {"–"}
    sectors_table = appendix.split("Sektorer år 2025 (%).")[1]
    assert sectors_table.lstrip().startswith(f"::: note\n{note}\n:::")
    assert "nan" not in md.lower()
    # nothing suppressed in the national table: no note there
    national = appendix.split(": Riket per år")[1].split("|")[0]
    assert note not in national
    en = markdown(synthetic, instrument, "en")
    en_note = labels_for(instrument, "en").text(
        "suppressed_note", min_orgs=MIN_ORGS, min_respondents=MIN_RESPONDENTS
    )
    assert en_note in en


def test_report_stem():
    from mognad.outputs import report_stem

    assert report_stem("sv", 2025) == "statusrapport_2025"
    assert report_stem("en", 2025) == "status_report_2025"


def test_every_dash_of_trends_and_models_is_explained(synthetic, instrument):
    """A sector too small for a trend, and a coefficient the gate hid: each "–" comes with
    the note that says why, in both languages."""
    base, models, fits, method = synthetic
    tables = {name: table.copy() for name, table in base.items()}
    trends = tables["sector_trends"]
    first = trends.index[trends["indicator"] == "maturity"][0]
    trends.loc[first, ["slope", "std_error", "ci_low", "ci_high", "p_value"]] = np.nan
    trends.loc[first, "flag_small"] = True
    hidden = {name: table.copy() for name, table in models.items()}
    ols = hidden["maturity_ols"]
    row = ols.index[ols["term"] == "C(sector)[T.urban_planning]"][0]
    ols.loc[row, ["estimate", "std_error", "ci_low", "ci_high", "p_value"]] = np.nan
    ols["suppressed"] = ols.index == row
    for language, header in (("sv", "# Bilaga"), ("en", "# Appendix")):
        labels = labels_for(instrument, language)
        params = params_for(instrument, language)
        ctx = R.report_context(tables, hidden, fits, method, params, labels, YEAR)
        md = R.render_markdown(ctx)
        appendix = md.split(header)[1]
        trend_note = labels.text("trend_small_note", min_orgs=str(params.analysis_min_orgs))
        after_trends = appendix.split(trend_note)[0].rsplit("\n: ", 1)[0]
        sector = labels.sector(trends.loc[first, "sector"])
        line = next(x for x in after_trends.splitlines() if x.startswith(f"| {sector} |"))
        assert "–" in line
        assert trend_note in appendix
        term = labels.term("C(sector)[T.urban_planning]")
        regression = appendix.split(f"| {labels.header('term')} |")[1].split("\n\n| ")[0]
        model_row = next(x for x in regression.splitlines() if x.startswith(f"| {term} |"))
        assert model_row.split("|")[2].strip() == "–"
        note = labels.text("suppressed_note", min_orgs=MIN_ORGS, min_respondents=MIN_RESPONDENTS)
        assert note in regression, regression[:400]


# --- language: the phrasings a reader flagged stay out ---------------------------------------

#: Patterns a Swedish or English analyst would not write, each with why.
BAD_PHRASINGS = {
    "sv": {
        r"\d\s?%\s+\*?digital[a-z]*\s+(mogen|ambitiös|förvaltande|början)": (
            "a share followed by a quadrant name as an adjective (no agreement)"
        ),
        r"från (\S+) respektive \1 ": "the same threshold twice with 'respektive'",
        r"delar in organisationerna i \d": "the number of quadrants as a finding",
        r"\b0\s?%[^.;]*\(0 organisationer\)": "a zero share with its zero count",
        r"\bpoäng\b": "points, where levels are per cent and changes percentage points",
        r"\bmed \+\d": "a sign after 'med' ('ökade med +2,7')",
        r"högst 0,01 och RMSEA ökar med högst 0,015": "the cut-off criteria quoted as observed",
        r"jämfört med\s+referenssektorn": "a reference sector that is not named",
    },
    "en": {
        r"\d%\s+\*?digital(ly)?\s+(mature|ambitious|maintaining|beginning)": (
            "a share followed by a quadrant name as an adjective"
        ),
        r"from (\S+) and \1 respectively": "the same threshold twice",
        r"\binto \d+ quadrants": "the number of quadrants as a finding",
        r"\b0%[^.;]*\(0 organisations\)": "a zero share with its zero count",
        r"(?<!percentage )(?<!percentage\n)\bpoints\b": "points, where levels are per cent",
        r"\bby \+\d": "a sign after 'by'",
        r"at most 0\.01 and RMSEA rises by at most 0\.015": "criteria quoted as observed",
        r"compared with\s+the reference sector": "a reference sector that is not named",
    },
}
#: Code that must never reach a reader: formula terms and variable names.
CODE_IN_TEXT = r"np\.log|municipality_id|org_id|C\((sector|org_type|year)\)|\[T\.|_ci_low|nan\b"


def _demo_markdown(instrument, language: str) -> str | None:
    demo = demo_inputs()
    if demo is None:
        return None
    tables, models, fits, method = demo
    year = int(tables["national_by_year"]["year"].max())
    params = params_for(instrument, language, CONFIG["models"])
    ctx = R.report_context(
        tables, models, fits, method, params, labels_for(instrument, language), year
    )
    return R.render_markdown(ctx)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_known_bad_phrasings_stay_out(synthetic, instrument, language):
    texts = {"synthetic": markdown(synthetic, instrument, language)}
    demo = _demo_markdown(instrument, language)
    if demo is not None:
        texts["demo"] = demo
    for source, text in texts.items():
        prose = text.split("\n# ", 1)[1]  # after the front matter
        prose = re.sub(r"^\|.*$", "", prose, flags=re.M)  # tables have their own test
        for pattern, why in BAD_PHRASINGS[language].items():
            found = re.search(pattern, prose, flags=re.I)
            assert found is None, f"{source} {language}: {why}: {found.group(0)!r}"
        found = re.search(CODE_IN_TEXT, prose)
        assert found is None, f"{source} {language}: code in the text: {found.group(0)!r}"


def test_a_sector_left_out_of_comparisons_is_never_a_finding(synthetic, instrument):
    """A sector too small to compare is named once, as left out, and nowhere else in the
    text: not as the fastest or slowest trend, not as the most method-sensitive, not as a
    regression result."""
    tables, models, fits, method = synthetic
    tables = {k: v.copy() for k, v in tables.items()}
    sectors = tables["sector_by_year"]
    small = "service"  # not the models' reference sector, which is named as such
    sectors.loc[sectors["sector"] == small, "n_orgs"] = CONFIG["analysis"]["min_orgs"] - 1
    # Make the small sector the extreme of every ranking it could appear in.
    trends = tables["sector_trends"]
    trends.loc[trends["sector"] == small, ["slope", "flag_small", "suppressed"]] = [
        99.0,
        False,
        False,
    ]
    sens = tables["sensitivity_groups"]
    sens.loc[(sens["level"] == "sector") & (sens["group"] == small), "spread"] = 99.0
    labels = labels_for(instrument, "sv")
    name = labels.sector(small)
    ctx = R.report_context(tables, models, fits, method, params_for(instrument, "sv"), labels, YEAR)
    assert name in ctx["sectors_left_out"]
    prose = R.render_markdown(ctx).split("# Bilaga")[0]
    sentences = [s for s in re.split(r"(?<=[.;])\s", prose) if name in s]
    assert sentences and all("ingår inte i jämförelserna" in s for s in sentences), sentences
