"""Shared fixtures: the project's instrument and codebook, and small controlled exports."""

from __future__ import annotations

import csv
import functools
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mognad.instrument import Codebook, Instrument, YearSpec, load_codebook, load_instrument
from mognad.outputs import FIGURES
from mognad.runner import run_workflow

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


@functools.cache
def demo_responses(year: int) -> pd.DataFrame:
    """One year of the committed demo data, ingested and cleaned by the package (cached;
    callers must not modify it)."""
    from mognad.ingest.clean import prepare_year

    source = CONFIG["source"]
    spec = load_codebook(
        ROOT / source["codebook"],
        load_instrument(ROOT / CONFIG["instrument"]),
        ROOT / source["raw_dir"],
    )
    return prepare_year(
        year,
        spec.years[year].file,
        ROOT / CONFIG["instrument"],
        ROOT / source["codebook"],
        ROOT / source["organisations"],
        CONFIG["cleaning"],
    ).responses


@pytest.fixture(scope="session")
def instrument() -> Instrument:
    return load_instrument(ROOT / CONFIG["instrument"])


@pytest.fixture(scope="session")
def codebook(instrument) -> Codebook:
    return load_codebook(ROOT / CONFIG["source"]["codebook"], instrument, ROOT / "data/raw/demo")


@pytest.fixture
def cleaning() -> dict:
    return dict(CONFIG["cleaning"])


REGISTER = pd.DataFrame(
    {
        "org_id": ["O0001", "O0002", "O0003"],
        "name": [
            "Ekhalla kommun, Socialförvaltningen",
            "Region Västerfjäll, Hälso- och sjukvården",
            "Myndigheten för öppna data",
        ],
        "org_type": ["municipal", "region", "state_agency"],
        "sector": ["social_services", "health_care", "state_agency"],
        "municipality_id": ["M001", "", ""],
        "county": ["Dalarnas län", "Jämtlands län", "Stockholms län"],
        "employees": [850, 12000, 300],
    }
)


@pytest.fixture
def register_file(tmp_path) -> Path:
    path = tmp_path / "organisations.csv"
    REGISTER.to_csv(path, index=False)
    return path


def valid_export(spec: YearSpec, n: int = 6) -> pd.DataFrame:
    """A small, fully valid export frame for ``spec`` (text cells), rows cycling answers."""
    spelled = spec.answers.spelling()
    role_label = next(iter(spec.role_labels.values()))
    org = REGISTER.loc[0, "org_id" if spec.organisation_match == "id" else "name"]
    meta = {
        "submission_id": [f"S{i:04d}" for i in range(n)],
        "respondent_token": [f"tok{i:03d}" for i in range(n)],
        "submitted_at": [
            pd.Timestamp(f"{spec.year}-03-{i % 28 + 1:02d} 10:00").strftime(
                spec.submitted_at_format or "%Y-%m-%dT%H:%M:%S"
            )
            for i in range(n)
        ],
        "organisation": [org] * n,
        "role": [role_label] * n,
        "duration_minutes": [f"12{spec.decimal}5"] * n,
    }
    frame = {column: meta[role] for role, column in spec.columns.items()}
    frame |= {column: [""] * n for column in spec.personal.values()}
    frame |= {column: ["x"] * n for column in spec.ignore}
    for k, column in enumerate(spec.items):
        frame[column] = [spelled[(i + k) % 5 + 1] for i in range(n)]
    return pd.DataFrame(frame)[spec.expected_columns()]


def write_export(frame: pd.DataFrame, spec: YearSpec, path: Path) -> YearSpec:
    """Write ``frame`` as ``spec`` says (CSV encoding/delimiter or XLSX sheet)."""
    if spec.format == "csv":
        with path.open("w", encoding=spec.encoding, newline="") as handle:
            writer = csv.writer(handle, delimiter=spec.delimiter, lineterminator="\r\n")
            writer.writerow(frame.columns)
            writer.writerows(frame.itertuples(index=False))
    else:
        frame.to_excel(path, sheet_name=spec.sheet or "Sheet1", index=False, engine="xlsxwriter")
    return replace(spec, file=path)


def workflow_outputs(workdir: Path) -> dict[str, bytes]:
    """Every file a run wrote (internal data and published results), by relative path."""
    files = [*workdir.glob("data/processed/**/*.*"), *workdir.glob("results/**/*.*")]
    return {str(p.relative_to(workdir)): p.read_bytes() for p in files if p.is_file()}


def copy_project(target: Path) -> Path:
    """A copy of the project's code (Snakefile, workflow, package) whose modules a test may
    edit; data paths in configs stay absolute, pointing at the real project."""
    target.mkdir(parents=True)
    for part in ("Snakefile", "config.yaml", "environment.yml", "workflow", "src"):
        if (ROOT / part).is_dir():
            shutil.copytree(
                ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(ROOT / part, target / part)
    return target


#: Rules with a job per published language (each writes under results/<lang>/).
PER_LANGUAGE = frozenset(
    {
        "readable_tables",
        "report",
        "profile",
        "municipality_profile",
        "profile_index",
        "explorer",
        *(f"figure_{n}" for n in FIGURES),
    }
)


def per_language(jobs: dict[str, int], config: dict) -> dict[str, int]:
    """Job counts with each per-language rule's count times the configured languages."""
    languages = len(config["languages"])
    return {rule: n * languages if rule in PER_LANGUAGE else n for rule, n in jobs.items()}


def planned_jobs(workdir: Path, config: dict, project: Path = ROOT) -> dict[str, int]:
    """Jobs per rule that a dry run of the default target plans (`all` and the total left
    out); {} when everything is up to date."""
    dry = run_workflow(workdir, config, extra=["-n", "--quiet", "rules"], project=project)
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", dry.stdout, flags=re.MULTILINE))
    return {rule: int(n) for rule, n in counts.items() if rule not in ("total", "all")}
