"""National-scale benchmark of the analyses: sector contrasts, trends and all configured
regression models over 8 years (1,500 organisations x ~50 respondents a year).

Uses the national data and scratch folder of benchmarks/scores.py (run that first, or
this runs the workflow up to the organisation scores, untimed), then reruns the
`sector_analysis`, `trend_analysis` and `fit_models` jobs, each measured (wall time and
peak memory of the whole process tree). Target for all models: <= 90 s, <= 4 GiB.

    .venv/bin/python benchmarks/analyses.py
"""

from __future__ import annotations

import sys

from ingest import OUT, national_config
from measure import measure, report
from scores import WORK

from mognad.config import ROOT
from mognad.runner import prepare_workdir, snakemake_command


def main() -> int:
    prepare_workdir(WORK, national_config())
    setup = measure(snakemake_command(WORK, 2, ["combine_scores"]), cwd=ROOT)
    if setup.returncode:
        sys.exit(setup.stdout[-3000:] + setup.stderr[-3000:])
    rows = []
    for rule, target in (("sector_analysis", None), ("trend_analysis", None), ("fit_models", 90)):
        run = measure(snakemake_command(WORK, 2, [rule, "--forcerun", rule]), cwd=ROOT)
        if run.returncode:
            sys.exit(run.stdout[-3000:] + run.stderr[-3000:])
        rows.append((rule, run.wall_seconds, run.peak_rss_bytes, target))
    mixed = (WORK / "results" / "models" / "maturity_mixed_fit.csv").read_text()
    print("\nnational mixed model:", mixed.replace("\n", " | ")[:600])
    return report(rows, OUT / "analyses.json")


if __name__ == "__main__":
    sys.exit(main())
