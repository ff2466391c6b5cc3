"""Snakemake job: year-over-year change, its decomposition, fixed-effects and sector trends."""

import pandas as pd

from mognad.io import write_tables
from mognad.logs import job_log
from mognad.trends import trend_tables


def main(smk) -> None:
    with job_log(smk.log[0], "trend_analysis") as log:
        tables = trend_tables(pd.read_parquet(smk.input.orgs), smk.params.analysis["min_orgs"])
        write_tables(tables, smk.output)
        log.info("%s", {name: len(table) for name, table in tables.items()})


main(snakemake)  # noqa: F821 - provided by Snakemake
