"""Snakemake job: suppress small cells, round, and publish every table as CSV (the
readable Markdown, LaTeX and workbook per language: readable_tables)."""

from pathlib import Path

import pandas as pd

from mognad.io import write_csv, write_published_csv
from mognad.labels import quadrant_names
from mognad.logs import job_log
from mognad.outputs import DERIVED_TABLES, PUBLISHED_TABLES
from mognad.publish.disclosure import Thresholds, quadrant_points
from mognad.publish.tables import publish_tables


def main(smk) -> None:
    with job_log(smk.log[0], "publish_tables") as log:
        thresholds = Thresholds.from_config(smk.params.disclosure)
        internal = {
            n: pd.read_csv(smk.input[n], dtype={"method_version": str})
            for n in PUBLISHED_TABLES
            if n not in DERIVED_TABLES
        }
        orgs = pd.read_parquet(smk.input.orgs)
        tables = publish_tables(
            internal,
            orgs,
            thresholds,
            smk.params.trend_min_orgs,
            quadrant_names(smk.input.labels),
        )
        write_published_csv(
            quadrant_points(orgs, int(smk.params.year), thresholds), smk.output.points
        )
        for path in smk.output.tables:
            write_csv(tables[Path(path).stem], path)
        log.info(
            "published %d tables; suppressed rows: %s",
            len(tables),
            {n: int(t["suppressed"].sum()) for n, t in tables.items()},
        )


main(snakemake)  # noqa: F821 - provided by Snakemake
