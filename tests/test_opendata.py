"""Open data: the published aggregates as a Frictionless data package that validates,
describes every field in Swedish and English, is byte-identical across runs, and refuses
identifying columns, non-aggregate tables and shown values in small cells."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import CONFIG, ROOT

from mognad.instrument import load_instrument
from mognad.io import write_csv
from mognad.labels import LabelError, load_labels, quadrant_names
from mognad.publish.disclosure import Thresholds
from mognad.publish.opendata import (
    DESCRIPTOR,
    OPEN_TABLES,
    check_package,
    data_package,
    read_published,
    validate_package,
    write_package,
)
from mognad.publish.tables import publish_tables

frictionless = pytest.importorskip("frictionless")

THRESHOLDS = Thresholds(min_orgs=3, min_respondents=5)
YEAR = 2025
VERSION = "1.0"
PUBLISHED = ROOT / "results" / "tables"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(ROOT / CONFIG["instrument"])


@pytest.fixture(scope="module")
def labels(instrument):
    return {lang: load_labels(ROOT / CONFIG["labels"], instrument, lang) for lang in ("sv", "en")}


def _scores(instrument, base: float) -> dict[str, float]:
    """Every score column with its interval, as the analyses write them."""
    row = {}
    names = [*instrument.categories, *instrument.dimensions, "maturity"]
    for i, name in enumerate(names):
        row[name] = base + i
        row[f"{name}_ci_low"] = base + i - 2.5
        row[f"{name}_ci_high"] = base + i + 2.5
    return row


def _groups(instrument, column: str | None, rows: list[tuple]) -> pd.DataFrame:
    """A group table: ``rows`` of (year, group code, n_orgs, n_respondents)."""
    records = []
    for year, code, n_orgs, n_respondents in rows:
        record = {"year": year}
        if column:
            record[column] = code
        record |= {"n_orgs": n_orgs, "n_respondents": n_respondents}
        record |= _scores(instrument, 30.0 + year - 2024)
        record["method_version"] = VERSION
        records.append(record)
    return pd.DataFrame(records)


def _quadrants() -> pd.DataFrame:
    names = quadrant_names(ROOT / CONFIG["labels"])
    rows = []
    for level, group, counts in (
        ("national", "all", (3, 4, 2, 5)),
        ("sector", "education", (4, 2, 0, 3)),
        ("sector", "service", (1, 0, 1, 0)),  # two organisations: suppressed
        ("org_type", "municipal", (3, 4, 2, 5)),
    ):
        total = sum(counts)
        for code, n in zip(names, counts, strict=True):
            rows.append(
                {
                    "year": YEAR,
                    "level": level,
                    "group": group,
                    "quadrant": code,
                    "quadrant_sv": names[code]["sv"],
                    "quadrant_en": names[code]["en"],
                    "n_orgs": n,
                    "share": n / total,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def published(instrument, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """Synthetic published tables: internal tables through the real gate, written and read
    back as the open-data job reads them (one sector-year and one quadrant group small)."""
    internal = {
        "national_by_year": _groups(
            instrument, None, [(2024, None, 14, 520), (2025, None, 9, 410)]
        ),
        "sector_by_year": _groups(
            instrument,
            "sector",
            [(2024, "education", 9, 300), (2025, "education", 9, 350), (2025, "service", 2, 60)],
        ),
        "type_by_year": _groups(
            instrument, "org_type", [(2024, "municipal", 14, 520), (2025, "municipal", 9, 410)]
        ),
        "quadrants": _quadrants(),
    }
    orgs = pd.DataFrame(columns=["year", "org_id", "org_type", "sector", "n_respondents"])
    tables = publish_tables(internal, orgs, THRESHOLDS)
    folder = tmp_path_factory.mktemp("published")
    out = {}
    for name in OPEN_TABLES:
        write_csv(tables[name], folder / f"{name}.csv")
        out[name] = read_published(folder / f"{name}.csv")
    return out


def _package(published, labels, **options):
    return data_package(
        published, labels["sv"], labels["en"], VERSION, YEAR, None, thresholds=THRESHOLDS, **options
    )


def _validate(folder):
    report = frictionless.validate(folder / DESCRIPTOR)
    if not report.valid:
        print(report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"]))
    return report


def test_the_package_validates_and_keeps_suppressed_rows_empty(published, labels, tmp_path):
    assert published["sector_by_year"]["suppressed"].any()
    assert published["quadrants"]["suppressed"].any()
    descriptor, tables = _package(published, labels)
    assert check_package(descriptor, tables, THRESHOLDS) == []
    write_package(tmp_path, descriptor, tables)
    assert _validate(tmp_path).valid
    assert validate_package(tmp_path / DESCRIPTOR) == []
    written = read_published(tmp_path / "data" / "sector_by_year.csv")
    small = written[written["n_orgs"] < THRESHOLDS.min_orgs]
    assert len(small) == 1 and small["suppressed"].all() and small["maturity"].isna().all()
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["method_version"] == VERSION and descriptor["report_year"] == YEAR
    assert "created" not in descriptor
    assert [r["name"] for r in descriptor["resources"]] == list(OPEN_TABLES)


def test_counts_are_integers_in_the_package(published, labels, tmp_path):
    """Suppression leaves quadrant counts as floats; the package declares and writes them
    as integers, with the suppressed ones blank."""
    assert pd.api.types.is_float_dtype(published["quadrants"]["n_orgs"])
    descriptor, tables = _package(published, labels)
    write_package(tmp_path, descriptor, tables)
    fields = {f["name"]: f for f in descriptor["resources"][3]["schema"]["fields"]}
    assert fields["n_orgs"]["type"] == "integer" and fields["share"]["type"] == "number"
    lines = (tmp_path / "data" / "quadrants.csv").read_text(encoding="utf-8").splitlines()
    assert (
        lines[1] == "2025,national,all,mature,Digitalt mogen,Digitally mature,3,0.214286,14,False"
    )
    assert any(line.endswith(",,,2,True") for line in lines)


def test_validation_catches_changed_data(published, labels, tmp_path):
    """The descriptor pins the data: an edited file or a value out of range fails."""
    descriptor, tables = _package(published, labels)
    write_package(tmp_path, descriptor, tables)
    path = tmp_path / "data" / "national_by_year.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",30.0,", ",130.0,", 1))
    report = _validate(tmp_path)
    assert not report.valid and "hash-count" in {row[0] for row in report.flatten(["type"])}
    assert any("national_by_year: hash-count" in p for p in validate_package(tmp_path / DESCRIPTOR))
    # the same edit with a matching hash still fails the 0-100 constraint
    bad = {**tables, "national_by_year": tables["national_by_year"].copy()}
    bad["national_by_year"].loc[0, "effektivitet"] = 130.0
    descriptor, bad = _package(bad, labels)
    write_package(tmp_path / "again", descriptor, bad)
    types = {row[0] for row in _validate(tmp_path / "again").flatten(["type"])}
    assert types == {"constraint-error"}


@pytest.mark.parametrize(
    ("column", "value"),
    [("org_id", "O0001"), ("respondent_key", "abc"), ("submission_id", "17"), ("EFF1", 4)],
)
def test_identifying_or_answer_columns_are_refused(published, labels, column, value):
    tables = dict(published)
    tables["sector_by_year"] = published["sector_by_year"].assign(**{column: value})
    with pytest.raises(ValueError, match=f"sector_by_year: column {column}"):
        _package(tables, labels)
    # a package assembled some other way is refused by the check
    descriptor, data = _package(published, labels)
    descriptor["resources"][1]["schema"]["fields"].append({"name": column, "type": "string"})
    data["sector_by_year"] = tables["sector_by_year"]
    problems = check_package(descriptor, data, THRESHOLDS)
    assert any(p.startswith(f"sector_by_year: column {column} (") for p in problems), problems


def test_organisation_level_tables_are_refused(published, labels):
    ranks = pd.DataFrame(
        {
            "year": [YEAR],
            "sector": ["education"],
            "org_type": ["municipal"],
            "maturity_method": [51.0],
            "rank_method": [1.0],
            "n_orgs": [9],
            "n_respondents": [40],
            "suppressed": [False],
        }
    )
    tables = {**published, "sensitivity_ranks": ranks}
    with pytest.raises(LabelError):  # not even describable: no words for its columns
        _package(tables, labels, names=(*OPEN_TABLES, "sensitivity_ranks"))
    descriptor, data = _package(published, labels)
    descriptor["resources"].append({**descriptor["resources"][0], "name": "sensitivity_ranks"})
    problems = check_package(descriptor, {**data, "sensitivity_ranks": ranks}, THRESHOLDS)
    assert any("sensitivity_ranks: not a declared open aggregate" in p for p in problems)


def test_a_shown_value_in_a_small_cell_is_reported(published, labels):
    tables = dict(published)
    sectors = published["sector_by_year"].copy()
    small = sectors.index[sectors["n_orgs"] < THRESHOLDS.min_orgs][0]
    sectors.loc[small, "maturity"] = 55.0
    tables["sector_by_year"] = sectors
    descriptor, data = _package(tables, labels)
    problems = check_package(descriptor, data, THRESHOLDS)
    assert problems == [
        f"sector_by_year: row {small}, column maturity shows 55.0 although it rests on fewer "
        "than 3 organisations or 5 respondents"
    ]
    # a stricter threshold finds the 9-organisation rows too
    assert len(check_package(descriptor, data, Thresholds(10, 5))) > 1


def test_a_descriptor_that_does_not_match_the_tables_is_reported(published, labels):
    descriptor, data = _package(published, labels)
    descriptor["resources"][0]["schema"]["fields"].pop()
    problems = check_package(descriptor, {**data, "flow": data["national_by_year"]}, THRESHOLDS)
    assert "flow: only in the tables" in problems
    assert any(p.startswith("national_by_year: schema fields") for p in problems)


def test_every_field_is_described_in_both_languages(published, labels):
    descriptor, _ = _package(published, labels)
    for item in [descriptor, *descriptor["resources"]]:
        for key in ("title", "title_en", "description", "description_en"):
            assert item[key].strip(), (item["name"], key)
        assert item["title"] != item["title_en"]
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            for key in ("title", "title_en", "description", "description_en"):
                assert field.get(key, "").strip(), (resource["name"], field["name"], key)
            assert field["description"] != field["description_en"], field["name"]
            assert "{" not in field["description"] + field["description_en"]
    fields = {f["name"]: f for f in descriptor["resources"][1]["schema"]["fields"]}
    assert "95\u00a0%" in fields["maturity_ci_low"]["description"]
    assert "95%" in fields["maturity_ci_low"]["description_en"]
    assert "3 organisations" in fields["suppressed"]["description_en"]
    sectors = {c["value"]: c["label"] for c in fields["sector"]["categories_en"]}
    assert sectors["education"] == "Education/schools"


def test_a_column_without_words_is_an_error(published, labels):
    tables = {**published, "national_by_year": published["national_by_year"].assign(x=1)}
    with pytest.raises(LabelError, match=r"fields\.x "):
        _package(tables, labels)


def test_two_writes_are_byte_identical(published, labels, tmp_path):
    for run in ("a", "b"):
        descriptor, tables = _package(published, labels)
        write_package(tmp_path / run, descriptor, tables)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(files) == 1 + len(OPEN_TABLES)
    for path in files:
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()
    text = (tmp_path / "a" / DESCRIPTOR).read_text(encoding="utf-8")
    assert text.endswith("}\n") and "Enkätåret" in text  # UTF-8, not \u escapes
    assert list(json.loads(text)) == sorted(json.loads(text))
    # the CSVs are written exactly as the pipeline writes CSVs
    write_csv(tables["sector_by_year"], tmp_path / "pipeline.csv")
    assert (tmp_path / "pipeline.csv").read_bytes() == (
        tmp_path / "a" / "data" / "sector_by_year.csv"
    ).read_bytes()


def test_a_stale_descriptor_is_not_written(published, labels, tmp_path):
    descriptor, tables = _package(published, labels)
    changed = {**tables, "quadrants": tables["quadrants"].iloc[:-1]}
    with pytest.raises(ValueError, match="quadrants"):
        write_package(tmp_path, descriptor, changed)
    assert not (tmp_path / DESCRIPTOR).exists()


@pytest.mark.skipif(
    not all((PUBLISHED / f"{n}.csv").exists() for n in OPEN_TABLES),
    reason="no published tables (run the pipeline first)",
)
def test_the_demo_tables_make_a_valid_package(labels, instrument, tmp_path):
    published = {n: read_published(PUBLISHED / f"{n}.csv") for n in OPEN_TABLES}
    thresholds = Thresholds.from_config(CONFIG["disclosure"])
    descriptor, tables = data_package(
        published,
        labels["sv"],
        labels["en"],
        str(CONFIG["method"]["version"]),
        YEAR,
        None,
        thresholds=thresholds,
        ci_level=CONFIG["bootstrap"]["level"],
    )
    assert check_package(descriptor, tables, thresholds, instrument.item_ids()) == []
    write_package(tmp_path, descriptor, tables)
    assert _validate(tmp_path).valid
    for name in OPEN_TABLES:  # the same values as published
        pd.testing.assert_frame_equal(
            read_published(tmp_path / "data" / f"{name}.csv"),
            published[name],
            check_dtype=False,
        )
