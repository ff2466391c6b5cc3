"""National-scale benchmark of the index stage: 1,500 organisations x ~50 respondents x 8 years.

Uses the national data of benchmarks/ingest.py (generated once into benchmarks/out/),
ingests it once (not timed), then measures, each in a process of its own:

- scores at every level (respondent, organisation, sector, type, nation) for all years,
  without intervals: target <= 30 s;
- the 2,000-replicate two-stage bootstrap for all organisation, national, sector and type
  figures of all years, in one process: target <= 60 s;
- the workflow's jobs on 2 cores: score_year (scores + bootstrap), quality_year,
  measurement_model and sensitivity_year, each stage with its combine step;

and prints wall time and peak memory (whole process tree; target <= 4 GiB).

    .venv/bin/python benchmarks/scores.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import pandas as pd
from ingest import OUT, national_config
from measure import measure, report

from mognad.config import ROOT
from mognad.runner import prepare_workdir, snakemake_command

WORK = OUT / "scores-work"


def org_attributes(responses: pd.DataFrame, size_bands: list[int]) -> pd.DataFrame:
    """Each organisation's type, sector and peer groups, as scoring gives them."""
    from mognad.peers import with_peer_groups

    register = ["org_type", "sector", "county", "employees"]
    first = responses.groupby("org_id")[register].first().reset_index()
    return with_peer_groups(first, size_bands)


def step(name: str) -> None:
    """One measured step, run in a fresh process by ``main``."""
    from mognad.indices.bootstrap import BootstrapSpec, bootstrap_year
    from mognad.indices.scores import (
        GROUPINGS,
        Method,
        group_scores,
        organisation_scores,
        respondent_scores,
        score_columns,
    )
    from mognad.instrument import load_instrument

    cfg = national_config()
    instrument = load_instrument(cfg["instrument"])
    responses = pd.read_parquet(WORK / "data" / "processed" / "responses.parquet")
    method = Method.from_config(cfg["method"])
    columns = score_columns(instrument)
    start = time.perf_counter()
    frames = []
    for _, year_rows in responses.groupby("year", sort=True):
        scores = pd.concat(
            [year_rows[["year", "org_id"]], respondent_scores(year_rows, instrument, method)],
            axis=1,
        ).reset_index(drop=True)
        frames.append((year_rows, scores))
    if name == "scores":
        for year_rows, scores in frames:
            attributes = org_attributes(year_rows, cfg["peers"]["size_bands"])
            orgs = organisation_scores(scores, columns).merge(attributes, on="org_id")
            for by in GROUPINGS.values():
                group_scores(orgs, columns, ["year", *by], method.organisation_weighting)
    else:
        start = time.perf_counter()  # the bootstrap alone: scores are its input
        spec = BootstrapSpec(
            replicates=cfg["bootstrap"]["replicates"], seed=cfg["bootstrap"]["seed"]
        )
        for year_rows, scores in frames:
            attributes = org_attributes(year_rows, cfg["peers"]["size_bands"])
            year = int(year_rows["year"].iloc[0])
            bootstrap_year(
                scores, columns, attributes, {k: list(v) for k, v in GROUPINGS.items()}, spec, year
            )
    print(json.dumps({"seconds": time.perf_counter() - start}))


def workflow(rules: list[str]) -> tuple[float, int]:
    """Rerun ``rules`` (the last one is the target; per-year rules cannot be targets)."""
    command = snakemake_command(WORK, 2, [rules[-1], "--forcerun", *rules])
    run = measure(command, cwd=ROOT)
    if run.returncode:
        sys.exit(run.stdout[-3000:] + run.stderr[-3000:])
    return run.wall_seconds, run.peak_rss_bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=["scores", "bootstrap"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        step(args.step)
        return 0
    prepare_workdir(WORK, national_config())
    ingest = measure(snakemake_command(WORK, 2, ["combine_years", "--quiet", "all"]), cwd=ROOT)
    if ingest.returncode:
        sys.exit(ingest.stdout + ingest.stderr)
    n = len(pd.read_parquet(WORK / "data/processed/responses.parquet", columns=["year"]))

    rows = []
    for name, target in (("scores, all levels, all years", 30), ("bootstrap 2,000, all years", 60)):
        key = "scores" if name.startswith("scores") else "bootstrap"
        run = measure([sys.executable, __file__, "--step", key], cwd=ROOT)
        if run.returncode:
            sys.exit(run.stderr)
        seconds = json.loads(run.stdout.splitlines()[-1])["seconds"]
        rows.append((name, seconds, run.peak_rss_bytes, target))
    for name, targets in (
        ("workflow: score_year x 8 + combine (2 cores)", ["score_year", "combine_scores"]),
        ("workflow: quality_year x 8 + combine (2 cores)", ["quality_year", "combine_quality"]),
        ("workflow: measurement_model", ["measurement_model"]),
        (
            "workflow: sensitivity_year x 8 + combine (2 cores)",
            ["sensitivity_year", "combine_sensitivity"],
        ),
    ):
        seconds, peak = workflow(targets)
        rows.append((name, seconds, peak, None))

    print(f"\nindex stage at national scale: {n:,} analysed responses, 8 years")
    return report(rows, OUT / "scores.json")


if __name__ == "__main__":
    sys.exit(main())
