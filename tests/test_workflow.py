"""The Snakemake workflow end to end, on a small controlled source in a scratch folder:
one ingestion job per year, no-op reruns, identical bytes, and a broken year that stops
the run without touching the other years' outputs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    CONFIG,
    REGISTER,
    ROOT,
    copy_project,
    per_language,
    planned_jobs,
    valid_export,
    write_export,
)

from mognad.outputs import FIGURES
from mognad.runner import run_workflow

YEARS = [2019, 2022, 2024]  # labels in cp1252 CSV, codes in UTF-8 CSV, codes in XLSX
OUTPUTS = [
    "data/processed/responses.parquet",
    "data/processed/exclusions.csv",
    "results/tables/flow.csv",
]


def _source(folder: Path, codebook) -> dict:
    raw = folder / "raw"
    raw.mkdir(parents=True)
    REGISTER.to_csv(raw / "organisations.csv", index=False)
    for year in YEARS:
        spec = codebook.years[year]
        frame = valid_export(spec, n=8)
        frame.loc[0, spec.personal["name"]] = "Test Testsson"
        frame.loc[1:, spec.personal["email"]] = [f"person{i}@example.org" for i in range(1, 8)]
        frame.loc[2, spec.personal["comment"]] = "Svårt att svara; oklart"
        write_export(frame, spec, raw / spec.file.name)
    config = {**CONFIG, "years": YEARS}
    config["source"] = {
        **CONFIG["source"],
        "raw_dir": str(raw),
        "organisations": str(raw / "organisations.csv"),
    }
    return config


def _digests(workdir: Path) -> dict[str, str]:
    files = sorted(p for p in workdir.glob("data/processed/**/*") if p.is_file())
    files += sorted((workdir / "results").rglob("*.csv"))
    return {str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def source(tmp_path_factory, codebook):
    return _source(tmp_path_factory.mktemp("source"), codebook)


def test_dry_run_plans_one_ingestion_job_per_year(source, tmp_path):
    dry = run_workflow(tmp_path / "work", source, extra=["-n", "--quiet", "rules"])
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", dry.stdout, flags=re.MULTILINE))
    assert counts["ingest_year"] == str(len(YEARS))
    assert counts["combine_years"] == "1"


def test_run_is_complete_reproducible_and_a_rerun_is_a_no_op(source, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    run_workflow(first, source)
    for path in OUTPUTS:
        assert (first / path).is_file(), path
    flow = pd.read_csv(first / "results/tables/flow.csv")
    assert flow["year"].tolist() == YEARS
    assert (flow["received"] == 8).all() and (flow["excluded_test_response"] == 1).all()
    responses = pd.read_parquet(first / "data/processed/responses.parquet")
    assert len(responses) == flow["analysed"].sum()
    personal = {"Namn", "E-post", "Kommentar", "Name", "Email", "Comment"}
    for path in first.rglob("*"):
        if path.suffix == ".csv":
            assert not personal & set(pd.read_csv(path).columns), path
            assert "example.org" not in path.read_text(encoding="utf-8"), path
        elif path.suffix == ".parquet":
            assert not personal & set(pd.read_parquet(path).columns), path

    rerun = run_workflow(first, source, extra=["-n"])
    assert "Nothing to be done" in rerun.stdout + rerun.stderr

    run_workflow(second, source)
    assert _digests(first) == _digests(second)


def test_broken_year_stops_the_run_and_leaves_other_years_alone(source, tmp_path, codebook):
    work = tmp_path / "work"
    run_workflow(work, source)
    before = _digests(work)
    raw = Path(source["source"]["raw_dir"])
    broken_raw = tmp_path / "raw"
    broken_raw.mkdir()
    for path in raw.iterdir():
        (broken_raw / path.name).write_bytes(path.read_bytes())
    spec = codebook.years[2022]
    frame = valid_export(spec, n=8)
    frame.loc[3, "Q7"] = "12"
    write_export(frame, spec, broken_raw / spec.file.name)
    config = {**source, "source": {**source["source"], "raw_dir": str(broken_raw)}}
    config["source"]["organisations"] = str(broken_raw / "organisations.csv")

    failed = run_workflow(work, config, extra=["--keep-going"], check=False)
    assert failed.returncode != 0
    # the person running it sees the problem as the check shows it, not a traceback
    assert "Traceback" not in failed.stderr, failed.stderr[-3000:]
    assert "row 5, column 'Q7'" in failed.stderr and "bash dev.sh check" in failed.stderr
    log = (work / "logs/ingest_year/2022.log").read_text(encoding="utf-8")
    assert str(broken_raw / spec.file.name) in log and "row 5" in log and "column 'Q7'" in log
    assert not (work / "data/processed/years/responses_2022.parquet").exists()
    assert not list((work / "data/processed/years").glob(".*.tmp"))
    after = _digests(work)
    for name, digest in before.items():
        if "2022" not in name and name not in OUTPUTS and "processed/responses" not in name:
            assert after[name] == digest, name


def test_package_change_reruns_exactly_the_jobs_that_use_it(source, tmp_path):
    """Snakemake does not track imported code; the rules' code fingerprints make it."""
    project = copy_project(tmp_path / "project")
    work = tmp_path / "work"
    run_workflow(work, source, project=project)

    def planned() -> dict[str, int]:
        return planned_jobs(work, source, project)

    factor = project / "src/mognad/indices/factor.py"
    factor.write_text(factor.read_text() + "\n# a change only the factor model uses\n")
    downstream = ["publish_tables", "readable_tables", "open_data", "report", "profile_data"]
    downstream += ["profile_index", "explorer", "manifest"]
    # every figure but the forest plot, which draws the models only
    downstream += [f"figure_{name}" for name in FIGURES if name != "forest_plot"]
    expected = {"measurement_model": 1, **dict.fromkeys(downstream, 1)}
    assert planned() == per_language(expected, source)
    clean = project / "src/mognad/ingest/clean.py"
    clean.write_text(clean.read_text() + "\n# a change ingestion uses\n")
    jobs = planned()
    assert (jobs["ingest_year"], jobs["combine_years"]) == (len(YEARS), 1)
    assert jobs["score_year"] == len(YEARS)  # and everything downstream of the data


def test_the_git_hooks_run_what_ci_lints():
    """.pre-commit-config.yaml and `bash dev.sh lint` (run by CI) check the same things."""
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = {h["entry"].removeprefix(".venv/bin/") for r in hooks["repos"] for h in r["hooks"]}
    lint = (ROOT / "dev.sh").read_text(encoding="utf-8").split("\nlint() {", 1)[1]
    lint = lint.split("\n}\n", 1)[0]
    ran = {
        (tool + args).strip()
        for tool, args in re.findall(r'"\$VENV/bin/([\w-]+)"((?: +-{0,2}[\w-]+)*)', lint)
    }
    assert (
        entries
        == ran
        == {
            "ruff check",
            "ruff format --check",
            "snakefmt --check",
            "snakemake --lint",
            "mypy",
        }
    )
    assert "bash dev.sh lint" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_captions_state_the_configured_interval_level():
    """A caption cites the level of the intervals its output shows, not a typed "95 %"."""
    import copy
    from types import SimpleNamespace

    import jinja2

    config = copy.deepcopy(CONFIG)
    config["bootstrap"]["level"] = 0.9
    uses_level = []
    for path in sorted((ROOT / "workflow" / "report").glob("*.rst")):
        source = path.read_text(encoding="utf-8")
        text = jinja2.Template(source).render(snakemake=SimpleNamespace(config=config))
        if 'snakemake.config["bootstrap"]["level"]' in source:
            uses_level.append(path.stem)
            assert "90 %" in text and "95 %" not in text, path.name
    assert {"figure_national_trend", "national_by_year", "fixed_effects_trend"} <= set(uses_level)
