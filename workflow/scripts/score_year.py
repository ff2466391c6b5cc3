"""Snakemake job: the point scores of one survey year, of respondents and organisations."""

import pandas as pd

from mognad.indices.scores import Method, point_scores_year
from mognad.instrument import load_instrument
from mognad.io import write_tables
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], f"score_year.{smk.wildcards.year}") as log:
        tables = point_scores_year(
            pd.read_parquet(smk.input.responses),
            load_instrument(smk.input.instrument),
            Method.from_config(smk.params.method),
            smk.params.size_bands,
        )
        write_tables(tables, smk.output)
        log.info("%s", {name: len(table) for name, table in tables.items()})


main(snakemake)  # noqa: F821 - provided by Snakemake
