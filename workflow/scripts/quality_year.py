"""Snakemake job: measurement-quality tables for one survey year."""

import pandas as pd

from mognad.indices.reliability import quality_year
from mognad.instrument import load_instrument
from mognad.io import write_tables
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], f"quality_year.{smk.wildcards.year}") as log:
        tables = quality_year(
            pd.read_parquet(smk.input.responses),
            load_instrument(smk.input.instrument),
            scores=pd.read_parquet(smk.input.respondents),
        )
        write_tables(tables, smk.output)
        log.info("%s", {name: len(table) for name, table in tables.items()})


main(snakemake)  # noqa: F821 - provided by Snakemake
