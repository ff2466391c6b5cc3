"""Snakemake job: sector and type contrasts, excluded small groups, flagged sector table."""

import pandas as pd

from mognad.analyses.sectors import sector_tables
from mognad.io import write_tables
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], "sector_analysis") as log:
        tables = sector_tables(
            pd.read_parquet(smk.input.orgs),
            pd.read_csv(smk.input.sector),
            smk.params.analysis["min_orgs"],
            smk.params.analysis["focus_sectors"],
        )
        write_tables(tables, smk.output)
        log.info("%s", {name: len(table) for name, table in tables.items()})


main(snakemake)  # noqa: F821 - provided by Snakemake
