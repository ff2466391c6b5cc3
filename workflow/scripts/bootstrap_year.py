"""Snakemake job: bootstrap intervals of one survey year's organisation and group scores."""

import pandas as pd

from mognad.indices.scores import Method, interval_scores_year
from mognad.instrument import load_instrument
from mognad.io import write_tables
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], f"bootstrap_year.{smk.wildcards.year}") as log:
        tables = interval_scores_year(
            pd.read_parquet(smk.input.respondents),
            pd.read_parquet(smk.input.org),
            load_instrument(smk.input.instrument),
            Method.from_config(smk.params.method),
            smk.params.bootstrap,
        )
        write_tables(tables, smk.output)
        log.info("%s", {name: len(table) for name, table in tables.items()})


main(snakemake)  # noqa: F821 - provided by Snakemake
