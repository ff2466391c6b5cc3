"""Benchmark of the whole report on the demo data: a cold run, a no-op rerun, and
Snakemake's own report.

In a scratch folder (nothing from an earlier run), with the environment present:

- cold: the whole workflow from the raw demo exports to tables, figures, the report
  (HTML + PDF) and every profile, on 2 cores (target <= 60 s);
- no-op: the same command again, nothing to do (target <= 3 s);
- Snakemake's report of that run (`--report`, as `bash dev.sh report` writes it).

    .venv/bin/python benchmarks/report.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml
from ingest import OUT
from measure import measure, report

from mognad.config import ROOT
from mognad.runner import prepare_workdir, snakemake_command


def main() -> int:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="mognad-report-") as scratch:
        work = prepare_workdir(Path(scratch), config)
        for name, extra, target in (
            ("cold run, demo data, 2 cores", [], 60),
            ("no-op rerun", [], 3),
            ("Snakemake report", ["--report", str(work / "snakemake_report.html")], None),
        ):
            run = measure(snakemake_command(work, 2, extra), cwd=ROOT)
            if run.returncode:
                sys.exit(run.stdout[-3000:] + run.stderr[-3000:])
            rows.append((name, run.wall_seconds, run.peak_rss_bytes, target))
        profiles = len(list(work.glob("results/*/profiles/*/*.pdf")))
        print(f"{profiles} profiles, {len(list(work.glob('results/*/figures/*.png')))} figures")
    OUT.mkdir(parents=True, exist_ok=True)
    return report(rows, OUT / "report.json")


if __name__ == "__main__":
    sys.exit(main())
