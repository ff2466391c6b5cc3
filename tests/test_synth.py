"""The synthetic demo data: deterministic, calibrated, with the planted panel dynamics, and
written exactly as the codebook describes each year's export, mess included."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mognad.demo import synth
from mognad.instrument import normalise_label
from mognad.verify import compare_content, extract

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data/raw/demo"
TRUTH = ROOT / "data/truth/demo"
PUBLISHED = {2019: 41.0, 2020: 47.0, 2021: 53.0, 2022: 51.0}
HIGH_SECTORS = ("service", "urban_planning")
LOW_SECTORS = ("education", "social_services")


def tiny_spec(seed: int) -> synth.SynthSpec:
    """A small spec with one year of each export layout."""
    return replace(
        synth.SynthSpec.demo(seed),
        preset="tiny",
        years=(2019, 2022, 2025),
        org_counts=(6, 9, 12),
        maturity_targets=(41.0, 51.0, 58.0),
        gap_targets=(2.0, 5.5, 10.0),
        n_municipalities=5,
        n_regions=2,
        n_agencies=4,
        respondents_mean=12.0,
        respondents_max=25,
    )


@pytest.fixture(scope="module")
def demo(instrument, codebook) -> synth.SynthResult:
    return synth.generate(synth.SynthSpec.demo(), instrument, codebook)


@pytest.fixture(scope="module")
def demo_files(demo, codebook, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    synth.write_demo(demo, codebook, out / "raw", out / "truth")
    return out


@pytest.fixture(scope="module")
def org_scores(demo, instrument) -> pd.DataFrame:
    """Organisation-level scores (%) from scores.respondent_scores on canonical responses."""
    from mognad.indices.scores import respondent_scores

    scores = respondent_scores(demo.responses, instrument)
    scores["year"] = demo.responses["year"].to_numpy()
    scores["org_id"] = demo.responses["org_id"].to_numpy()
    org = scores.groupby(["year", "org_id"])[["capability", "legacy", "maturity"]].mean()
    sector = demo.register.set_index("org_id")["sector"]
    return org.reset_index().assign(sector=lambda f: f["org_id"].map(sector))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- determinism ------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(instrument, codebook, tmp_path):
    written = {}
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        result = synth.generate(tiny_spec(seed), instrument, codebook)
        synth.write_demo(result, codebook, tmp_path / name / "raw", tmp_path / name / "truth")
        written[name] = {
            **_files(tmp_path / name / "raw"),
            **{f"truth/{k}": v for k, v in _files(tmp_path / name / "truth").items()},
        }
    assert written["a"] == written["b"]
    assert set(written["a"]) == set(written["c"])
    exports = [k for k in written["a"] if k.startswith("dimios_")]
    assert len(exports) == 3
    assert all(written["a"][k] != written["c"][k] for k in exports)


def test_committed_demo_data_matches_a_fresh_generation(demo_files, codebook):
    """data/raw/demo and data/truth/demo are what the generator writes for the configured
    seed; regenerate them with `bash dev.sh demo-data` after changing it.

    The committed files were written on another machine, so files whose bytes differ are
    compared by content, as `verify` compares outputs: answer codes, ids and words exactly,
    planted floats to within one unit of their sixth significant digit (a CPU's own exp
    and log may round a last bit differently)."""
    encodings = {spec.file.name: spec.encoding for spec in codebook.years.values()}
    for committed, fresh in ((RAW, demo_files / "raw"), (TRUTH, demo_files / "truth")):
        assert committed.is_dir(), f"{committed} is missing: run `bash dev.sh demo-data`"
        old, new = _files(committed), _files(fresh)
        old = {k: v for k, v in old.items() if not k.startswith(".") and k != "README.md"}
        assert sorted(old) == sorted(new)
        for name in (n for n in new if old[n] != new[n]):
            contents = [_content(folder / name, encodings) for folder in (committed, fresh)]
            verdict = compare_content(name, *contents)
            assert verdict.ok, f"{name} differs from a fresh generation:\n{verdict.line()}"


def _content(path: Path, encodings: dict[str, str]) -> str:
    """A generated file's text (an export in its codebook encoding) or, for a workbook,
    its cells."""
    if path.suffix == ".xlsx":
        return str(extract(path))
    return path.read_bytes().decode(encodings.get(path.name, "utf-8"))


def test_truth_is_kept_out_of_the_raw_folder(demo_files, codebook):
    exports = {spec.file.name for spec in codebook.years.values()}
    assert set(_files(demo_files / "raw")) == exports | {"organisations.csv", "frame.csv"}
    assert set(_files(demo_files / "truth")) == {
        "org_latents.csv",
        "panel.csv",
        "effects.json",
        "mess.csv",
    }


# --- register and panel -----------------------------------------------------------------


def test_register_is_a_plausible_pool_of_fictional_organisations(demo):
    register = demo.register
    assert list(register.columns) == [
        "org_id", "name", "org_type", "sector", "municipality_id", "county", "employees",
    ]  # fmt: skip
    assert 400 <= len(register) <= 450
    assert register["org_id"].is_monotonic_increasing and register["org_id"].is_unique
    assert register["name"].map(normalise_label).is_unique
    assert register["name"].str.contains("[åäöÅÄÖ]").any()
    assert set(register["org_type"]) == set(synth.ORG_TYPES)
    assert set(register["sector"]) == set(synth.SECTORS)
    assert set(register["county"]) <= set(synth.COUNTIES)
    municipal = register["org_type"] == "municipal"
    assert (register.loc[municipal, "municipality_id"] != "").all()
    assert (register.loc[~municipal, "municipality_id"] == "").all()
    assert (register["employees"] > 0).all()
    by_type = register["org_type"].value_counts()
    assert by_type["region"] == 20 and by_type["state_agency"] == 40


def test_panel_counts_and_respondents_per_organisation(demo):
    spec = demo.spec
    counts = demo.panel.groupby("year").size()
    assert counts.to_dict() == dict(zip(spec.years, spec.org_counts, strict=True))
    per_org = demo.responses.groupby(["year", "org_id"]).size()
    assert per_org.between(spec.respondents_min, spec.respondents_max).all()
    assert abs(per_org.loc[2022].mean() - 48) <= 6
    first = demo.panel[demo.panel["year"] == spec.years[0]]
    assert (first["status"] == "newcomer").all()
    assert set(demo.panel["status"]) == {"stayer", "newcomer", "rejoiner"}


# --- calibration and planted structure --------------------------------------------------


def test_national_maturity_is_calibrated_to_the_published_levels(demo, org_scores):
    national = org_scores.groupby("year")[["capability", "legacy", "maturity"]].mean()
    for year, level in PUBLISHED.items():
        assert abs(national.loc[year, "maturity"] - level) <= 2.0, year
    for year in demo.spec.years:
        assert abs(national.loc[year, "maturity"] - demo.spec.targets(year)["maturity"]) <= 1.5
        achieved = demo.effects["calibration"][str(year)]["achieved"]["maturity"]
        assert achieved == pytest.approx(national.loc[year, "maturity"])
    gap = national["capability"] - national["legacy"]
    assert gap.loc[2025] > gap.loc[2019] + 3


def test_sector_ordering_holds_in_most_years(org_scores):
    holds = []
    for _, year in org_scores.groupby("year"):
        high = year.loc[year["sector"].isin(HIGH_SECTORS), "maturity"]
        low = year.loc[year["sector"].isin(LOW_SECTORS), "maturity"]
        if len(high) and len(low):
            holds.append(high.mean() > low.mean())
    assert sum(holds) >= len(holds) - 1 and len(holds) >= 7


def test_respondents_cluster_within_organisations(demo):
    icc = np.array(list(demo.effects["icc1_maturity"].values()))
    assert 0.15 <= icc.mean() <= 0.25


def test_2022_dip_is_partly_within_organisations_and_partly_composition(demo):
    latents = demo.org_latents
    before = latents[latents["year"] == 2021].set_index("org_id")["expected_maturity"]
    after = latents[latents["year"] == 2022].set_index("org_id")["expected_maturity"]
    both = before.index.intersection(after.index)
    within = (after[both] - before[both]).mean()
    assert within < 0
    cross_section = after.mean() - before.mean()
    assert cross_section < within  # the newcomers pull the cross-section down further
    status = demo.panel[demo.panel["year"] == 2022].set_index("org_id")["status"]
    by_status = after.groupby(status).mean()
    assert by_status["newcomer"] < by_status["stayer"]
    mu = demo.effects["year_effects"]
    assert all(mu[d]["2022"] < mu[d]["2021"] for d in synth.DIMENSIONS)


# --- the exports ------------------------------------------------------------------------


def _read_written(path: Path, spec) -> pd.DataFrame:
    """Read back a written export as text cells, the way a strict reader would."""
    if spec.format == "csv":
        text = path.read_bytes().decode(spec.encoding)
        assert "\ufeff" not in text  # a BOM, if any, is consumed by the codec
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=spec.delimiter))
        return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)
    from python_calamine import CalamineWorkbook

    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(spec.sheet).to_python()
    return pd.DataFrame(cells[1:], columns=cells[0], dtype=object)


def test_exports_have_exactly_the_codebook_columns(demo, codebook, demo_files):
    for year in demo.spec.years:
        spec = codebook.years[year]
        written = _read_written(demo_files / "raw" / spec.file.name, spec)
        assert sorted(written.columns) == sorted(spec.expected_columns())
        assert len(written) == len(demo.submissions[year])
        for column in spec.personal.values():
            assert (written[column].astype(str).str.strip() != "").any(), (year, column)


def _cell_key(value: object) -> str:
    """A cell as the codebook's normalised label or code ("" = blank)."""
    if value is None or value == "":
        return ""
    return normalise_label(int(value) if isinstance(value, float) else value)


def test_exports_decode_to_the_generated_answers(demo, codebook, demo_files):
    """Every answer cell, read back through the codebook, is the generated answer."""
    for year in (2019, 2022, 2025):
        spec = codebook.years[year]
        written = _read_written(demo_files / "raw" / spec.file.name, spec)
        submissions = demo.submissions[year]
        scale = {k: -1 if v is None else v for k, v in spec.answers.values.items()} | {"": 0}
        for column, item in spec.items.items():
            cells = written[column].map(_cell_key)
            decoded = cells.map(scale)
            assert (decoded.to_numpy() == submissions[item].to_numpy()).all(), (year, column)
        ids = written[spec.columns["submission_id"]].map(lambda v: str(int(float(v))))
        assert ids.is_unique
        assert (ids.astype(np.int64).to_numpy() == submissions["submission_id"].to_numpy()).all()


def test_exports_carry_the_mess_of_real_survey_tools(demo, codebook, demo_files):
    register = demo.register.set_index("org_id")["name"]
    known = set(register.map(normalise_label))
    for year in demo.spec.years:
        spec = codebook.years[year]
        written = _read_written(demo_files / "raw" / spec.file.name, spec)
        tokens = written[spec.columns["respondent_token"]]
        assert tokens.duplicated().sum() >= 5, year
        names = written[spec.personal["name"]].astype(str)
        emails = written[spec.personal["email"]].astype(str)
        comments = written[spec.personal["comment"]].astype(str)
        test = emails.str.startswith("test")
        assert test.sum() >= 2, year
        assert names[test].str.startswith("Test").all()
        assert (comments[test] == "Test, ignorera").all()
        assert comments.str.contains(",").any()
        assert not comments[~test].str.lower().str.startswith("test").any()
        if spec.organisation_match == "name":
            raw = written[spec.columns["organisation"]]
            assert set(raw.map(normalise_label)) <= known
            assert (~raw.isin(set(register))).sum() >= 3, year
        kinds = demo.submissions[year]["kind"].value_counts()
        assert kinds["breakoff"] > 0 and kinds["superseded"] > 0 and kinds["test"] > 0
    comments = _read_written(demo_files / "raw" / "dimios_2023.csv", codebook.years[2023])
    assert comments["Comment"].str.contains("\n").any()
    assert comments["Comment"].str.contains(";").any()
    assert comments["Comment"].str.contains('"').any()


def test_label_years_have_stray_case_and_spacing_only(demo, codebook, demo_files):
    spec = codebook.years[2019]
    written = _read_written(demo_files / "raw" / spec.file.name, spec)
    spelled = set(spec.answers.spelled) | {""}
    cells = pd.Series(written[list(spec.items)].to_numpy().ravel())
    stray = cells[~cells.isin(spelled)]
    assert len(stray) > 0
    assert stray.map(normalise_label).isin(set(spec.answers.values)).all()


def test_breakoffs_answer_fewer_than_half_and_final_submissions_are_kept(demo):
    for year, submissions in demo.submissions.items():
        items = [c for c in submissions.columns if c in demo.instrument.item_ids()]
        answered = (submissions[items] > 0).sum(axis=1)
        breakoff = submissions["kind"] == "breakoff"
        assert (answered[breakoff] < len(items) / 2).all(), year
        superseded = submissions[submissions["kind"] == "superseded"]
        final = submissions[submissions["kind"] == "response"].set_index("respondent_token")
        later = final.loc[superseded["respondent_token"], "submitted_at"].to_numpy()
        assert (later > superseded["submitted_at"].to_numpy()).all()
        assert (final.loc[superseded["respondent_token"], items] != synth.BLANK).all().all()


def test_spec_checks_its_lengths():
    with pytest.raises(ValueError, match="one value per year"):
        replace(synth.SynthSpec.demo(), org_counts=(1, 2))


@pytest.mark.slow
def test_national_preset_has_national_scale(instrument, codebook):
    spec = synth.SynthSpec.national()
    assert 1900 <= spec.pool_size <= 2100
    result = synth.generate(spec, instrument, codebook)
    assert (result.panel.groupby("year").size() == 1500).all()
    assert 550_000 <= len(result.responses) <= 650_000
    for year in PUBLISHED:
        achieved = result.effects["calibration"][str(year)]["achieved"]["maturity"]
        assert abs(achieved - PUBLISHED[year]) <= 1.0
