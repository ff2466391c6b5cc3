"""National-scale benchmark of the analyses: sector contrasts, trends and all configured
regression models over 8 years (1,500 organisations x ~50 respondents a year).

Uses the national data and scratch folder of benchmarks/scores.py (run that first, or
this runs the workflow up to the organisation scores, untimed), then reruns the
`sector_analysis`, `trend_analysis` and `fit_models` jobs, each measured (wall time and
peak memory of the whole process tree). Target for all models: <= 90 s, <= 4 GiB.

    .venv/bin/python benchmarks/analyses.py
"""

from __future__ import annotations

import json
import sys

from ingest import OUT, ensure_data
from measure import measure
from scores import WORK, config

from mognad.config import ROOT
from mognad.runner import prepare_workdir, snakemake_command

GIB = 1024**3


def main() -> int:
    ensure_data(regenerate=False)
    prepare_workdir(WORK, config())
    setup = measure(snakemake_command(WORK, 2, ["combine_scores"]), cwd=ROOT)
    if setup.returncode:
        sys.exit(setup.stdout[-3000:] + setup.stderr[-3000:])
    rows = []
    for rule, target in (("sector_analysis", None), ("trend_analysis", None), ("fit_models", 90)):
        run = measure(snakemake_command(WORK, 2, [rule, "--forcerun", rule]), cwd=ROOT)
        if run.returncode:
            sys.exit(run.stdout[-3000:] + run.stderr[-3000:])
        rows.append((rule, run.wall_seconds, run.peak_rss_bytes, target))
    print(f"\n{'job':20} {'wall s':>8} {'peak GiB':>9}  target")
    for rule, seconds, peak, target in rows:
        verdict = (
            ""
            if target is None
            else f"<= {target} s, 4 GiB: "
            + ("ok" if seconds <= target and peak <= 4 * GIB else "MISSED")
        )
        print(f"{rule:20} {seconds:8.1f} {peak / GIB:9.2f}  {verdict}")
    mixed = (WORK / "results" / "models" / "maturity_mixed_fit.csv").read_text()
    print("\nnational mixed model:", mixed.replace("\n", " | ")[:600])
    record = [
        {"job": r[0], "seconds": round(r[1], 1), "peak_gib": round(r[2] / GIB, 2)} for r in rows
    ]
    (OUT / "analyses.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0 if all(t is None or (s <= t and p <= 4 * GIB) for _, s, p, t in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
