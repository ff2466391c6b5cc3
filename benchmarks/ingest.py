"""National-scale ingestion benchmark: 1,500 organisations x ~50 respondents x 8 years.

Generates the national-size synthetic exports once (into benchmarks/out/national/, outside
git), then runs the real workflow's ingestion and combine jobs on them in a scratch folder
with 2 cores, and prints wall time and peak memory (all processes together) against the
targets: <= 60 s and <= 3 GiB.

    .venv/bin/python benchmarks/ingest.py [--cores 2] [--regenerate]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys

import pandas as pd
from measure import measure

from mognad.config import ROOT, load_config
from mognad.runner import prepare_workdir, snakemake_command

OUT = ROOT / "benchmarks" / "out"
DATA = OUT / "national"
TARGET_SECONDS, TARGET_BYTES = 60.0, 3 * 1024**3


def ensure_data(regenerate: bool) -> None:
    """Generate the national exports once: they take a minute, and every benchmark reads them."""
    if regenerate or not (DATA / "raw" / "organisations.csv").exists():
        shutil.rmtree(DATA, ignore_errors=True)
        command = [sys.executable, "-m", "mognad", "demo-data", "--preset", "national"]
        command += ["--out", str(DATA)]
        generated = measure(command, cwd=ROOT)
        if generated.returncode:
            sys.exit(generated.stderr)
        print(
            f"generated national data in {generated.wall_seconds:.0f} s "
            f"(peak {generated.peak_rss_bytes / 1024**3:.2f} GiB)"
        )


def national_config(regenerate: bool = False) -> dict:
    """The project's config pointed at the national data (generated first if missing), so
    every national benchmark runs the same workflow on the same exports."""
    ensure_data(regenerate)
    config = load_config(ROOT / "config.yaml")
    config["source"]["raw_dir"] = str(DATA / "raw")
    config["source"]["organisations"] = str(DATA / "raw" / "organisations.csv")
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)
    config = national_config(args.regenerate)
    work = OUT / "ingest-work"
    shutil.rmtree(work, ignore_errors=True)
    prepare_workdir(work, config)
    command = snakemake_command(work, args.cores, ["combine_years", "--quiet", "all"])
    run = measure(command, cwd=ROOT)
    if run.returncode:
        print(run.stdout, run.stderr)
        return run.returncode

    flow = pd.read_csv(work / "results" / "tables" / "flow.csv")
    print(flow.to_string(index=False))
    wall, peak = run.wall_seconds, run.peak_rss_bytes
    responses = int(flow["received"].sum())
    print(f"\ningestion of {len(flow)} years, {responses:,} responses, {args.cores} cores")
    for name, value, target, unit in (
        ("wall time", wall, TARGET_SECONDS, "s"),
        ("peak memory", peak / 1024**3, TARGET_BYTES / 1024**3, "GiB"),
    ):
        verdict = "ok" if value <= target else "MISSED"
        print(f"{name:12} {value:7.2f} {unit:4} target <= {target:.0f} {unit}  {verdict}")
    result = {
        "wall_seconds": round(wall, 1),
        "peak_rss_gib": round(peak / 1024**3, 2),
        "responses": responses,
        "cores": args.cores,
    }
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if wall <= TARGET_SECONDS and peak <= TARGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
