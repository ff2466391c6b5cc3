"""Incremental reruns: adding next year's export, changing a scoring function and editing
the figures' style each rerun exactly the jobs that depend on the change.

One small workflow run (two demo years, few replicates) in a copy of the project is the
starting point; each test counts the jobs a dry run plans. What *should* rerun is derived
independently of the workflow's own code fingerprints: from the package modules each
rule's script actually imports (Python's ``modulefinder``) and from Snakemake's rule graph
(everything downstream of a rerun job reruns).
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from modulefinder import ModuleFinder
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import CONFIG, ROOT, copy_project, per_language, planned_jobs

from mognad.instrument import year_spec_fingerprint
from mognad.outputs import FIGURES
from mognad.runner import run_workflow

BASE_YEARS = [2021, 2022]
NEW_YEAR = 2023  # the same layout as the base years: what a new year usually looks like
PER_YEAR = ("ingest_year", "score_year", "bootstrap_year", "quality_year", "sensitivity_year")
#: Jobs known only once the profile_data checkpoint has run; a dry run cannot list them.
AFTER_CHECKPOINT = {"profile", "municipality_profile"}


def _codebook_with(years: list[int], target: Path) -> None:
    doc = yaml.safe_load((ROOT / CONFIG["source"]["codebook"]).read_text(encoding="utf-8"))
    doc["years"] = {year: doc["years"][year] for year in years}
    target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> SimpleNamespace:
    """The base run: two years, in a copy of the project and of the raw data."""
    root = tmp_path_factory.mktemp("incremental")
    project = copy_project(root / "project")
    demo_raw = ROOT / CONFIG["source"]["raw_dir"]
    raw = root / "raw"
    raw.mkdir()
    shutil.copy(demo_raw / "organisations.csv", raw)
    for year in BASE_YEARS:
        shutil.copy(demo_raw / f"dimios_{year}.csv", raw)
    codebook = root / "codebook.yaml"
    _codebook_with(BASE_YEARS, codebook)
    config = copy.deepcopy(CONFIG)
    config["years"] = list(BASE_YEARS)
    config["bootstrap"]["replicates"] = 100
    config["sensitivity"]["draws"] = 20
    config["source"].update(
        raw_dir=str(raw), codebook=str(codebook), organisations=str(raw / "organisations.csv")
    )
    work = root / "work"
    run_workflow(work, config, project=project)
    return SimpleNamespace(
        project=project, work=work, config=config, raw=raw, codebook=codebook, demo_raw=demo_raw
    )


def _script_rules(project: Path) -> dict[str, str]:
    """Rule name -> the script it runs, read from the rule files."""
    found = {}
    for path in sorted((project / "workflow" / "rules").glob("*.smk")):
        text = path.read_text(encoding="utf-8")
        for block in re.split(r"^(?=(?:rule|checkpoint) )", text, flags=re.MULTILINE):
            name = re.match(r"(?:rule|checkpoint) (\w+):", block)
            script = re.search(r'^\s+"\.\./scripts/(\w+\.py)"', block, flags=re.MULTILINE)
            if name and script:
                found[name.group(1)] = script.group(1)
    return found


def _rules_importing(project: Path, module: str) -> set[str]:
    """Rules whose script imports ``module`` (directly or through other package modules)."""
    users = set()
    for rule, script in _script_rules(project).items():
        finder = ModuleFinder(path=[str(project / "src")])
        finder.run_script(str(project / "workflow" / "scripts" / script))
        if f"mognad.{module}" in finder.modules:
            users.add(rule)
    return users


def _downstream(run: SimpleNamespace, rules: set[str]) -> set[str]:
    """``rules`` and every rule downstream of them in Snakemake's rule graph."""
    graph = run_workflow(run.work, run.config, extra=["--rulegraph"], project=run.project)
    names = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', graph.stdout, flags=re.MULTILINE))
    edges = [(names[a], names[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", graph.stdout, re.M)]
    found, todo = set(), list(rules)
    while todo:
        rule = todo.pop()
        if rule not in found:
            found.add(rule)
            todo += [b for a, b in edges if a == rule]
    return found - {"all"}


def _expected_jobs(run: SimpleNamespace, rules: set[str]) -> dict[str, int]:
    years = len(run.config["years"])
    jobs = {rule: years if rule in PER_YEAR else 1 for rule in rules - AFTER_CHECKPOINT}
    return per_language(jobs, run.config)


@contextmanager
def _edited(path: Path, old: str, new: str) -> Iterator[None]:
    """Edit a package module of the project copy for the duration of a ``with`` block."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    try:
        yield
    finally:
        path.write_text(text, encoding="utf-8")


def test_an_unchanged_project_plans_nothing(run):
    assert planned_jobs(run.work, run.config, run.project) == {}


def test_changing_a_scoring_function_reruns_its_dependents_and_no_others(run):
    users = _rules_importing(run.project, "indices.scores")
    # the rules that compute scores, and none of ingestion
    assert {"score_year", "quality_year", "sensitivity_year", "fit_models"} <= users
    assert not users & {"ingest_year", "combine_years", "publish_tables", "figures", "report"}
    scores = run.project / "src/mognad/indices/scores.py"
    old = "    method = method or Method()\n    categories = category_means("
    new = "    method = method or Method()  # edited\n    categories = category_means("
    with _edited(scores, old, new):
        plan = planned_jobs(run.work, run.config, run.project)
    assert plan == _expected_jobs(run, _downstream(run, users))
    assert "ingest_year" not in plan and "combine_years" not in plan
    assert planned_jobs(run.work, run.config, run.project) == {}  # the edit is undone


def test_editing_the_figure_style_reruns_only_figures_and_the_report(run):
    style = run.project / "src/mognad/publish/figures/style.py"
    with _edited(style, '"font.size": 9,', '"font.size": 10,'):
        plan = planned_jobs(run.work, run.config, run.project)
    # the manifest records every published file's hash, so it follows any output change
    figures = dict.fromkeys((f"figure_{name}" for name in FIGURES), 1)
    assert plan == per_language({**figures, "report": 1, "manifest": 1}, run.config)


def test_editing_one_figure_reruns_only_that_figure(run):
    national = run.project / "src/mognad/publish/figures/national.py"
    with _edited(national, "new_figure(height=3.4)", "new_figure(height=3.5)"):
        plan = planned_jobs(run.work, run.config, run.project)
    assert plan == per_language(
        {"figure_national_trend": 1, "report": 1, "manifest": 1}, run.config
    )


def test_year_fingerprint_follows_only_that_years_entry(codebook):
    prints = {year: year_spec_fingerprint(spec) for year, spec in codebook.years.items()}
    assert len(set(prints.values())) == len(prints)
    spec = codebook.years[2022]
    assert year_spec_fingerprint(replace(spec, delimiter=";")) != prints[2022]
    moved = replace(spec, file=Path("/elsewhere") / spec.file.name)
    assert year_spec_fingerprint(moved) == prints[2022]  # the export is an input of its own


def _year_files(work: Path, year: int) -> dict[str, int]:
    folder = work / "data/processed/years"
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob(f"*_{year}.*"))}


def test_adding_next_year_reruns_only_that_year_and_the_cross_year_jobs(run):
    """The documented step: the export into the raw folder, its codebook entry, the year in
    the config."""
    before = {year: _year_files(run.work, year) for year in BASE_YEARS}
    shutil.copy(run.demo_raw / f"dimios_{NEW_YEAR}.csv", run.raw)
    _codebook_with([*BASE_YEARS, NEW_YEAR], run.codebook)
    config = copy.deepcopy(run.config)
    config["years"] = [*BASE_YEARS, NEW_YEAR]

    plan = planned_jobs(run.work, config, run.project)
    cross_year = [
        "combine_years",
        "combine_scores",
        "combine_intervals",
        "combine_quality",
        "combine_sensitivity",
        "quadrants",
        "measurement_model",
        "sector_analysis",
        "trend_analysis",
        "fit_models",
        "publish_models",
        "publish_tables",
        "readable_tables",
        "open_data",
        *(f"figure_{name}" for name in FIGURES),
        "report",
        "profile_data",
        "profile_index",
        "explorer",
        "manifest",
    ]
    assert plan == per_language(dict.fromkeys([*PER_YEAR, *cross_year], 1), config)
    assert "method_record" not in plan  # the method is unchanged

    run_workflow(run.work, config, project=run.project)
    for year in BASE_YEARS:  # earlier years' files were not rewritten
        assert _year_files(run.work, year) == before[year]
    assert len(_year_files(run.work, NEW_YEAR)) == len(before[BASE_YEARS[0]])
    assert (run.work / f"results/sv/report/statusrapport_{NEW_YEAR}.pdf").exists()
    assert (run.work / f"results/en/report/status_report_{NEW_YEAR}.pdf").exists()
    for language in config["languages"]:
        assert (run.work / f"results/{language}/profiles/{NEW_YEAR}/index.html").exists()
    assert planned_jobs(run.work, config, run.project) == {}
