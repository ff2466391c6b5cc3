"""Snakemake job: year-over-year change, its decomposition, fixed-effects and sector trends."""

import pandas as pd

from mognad.analyses.trends import trend_tables
from mognad.indices.scores import organisation_standard_errors, score_columns
from mognad.instrument import load_instrument
from mognad.io import write_tables
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], "trend_analysis") as log:
        instrument = load_instrument(smk.input.instrument)
        scores = pd.read_parquet(smk.input.respondents)
        tables = trend_tables(
            pd.read_parquet(smk.input.orgs),
            smk.params.min_orgs,
            se=organisation_standard_errors(scores, score_columns(instrument)),
            level=smk.params.level,
        )
        write_tables(tables, smk.output)
        log.info("%s", {name: len(table) for name, table in tables.items()})


main(snakemake)  # noqa: F821 - provided by Snakemake
