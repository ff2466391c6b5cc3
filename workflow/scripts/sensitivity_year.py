"""Snakemake job: Monte Carlo over method choices for one survey year."""

import pandas as pd

from mognad.indices.scores import Method
from mognad.indices.sensitivity import sensitivity_year
from mognad.instrument import load_instrument
from mognad.io import write_tables
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], f"sensitivity_year.{smk.wildcards.year}") as log:
        settings = smk.params.sensitivity
        tables = sensitivity_year(
            pd.read_parquet(smk.input.responses),
            load_instrument(smk.input.instrument),
            Method.from_config(smk.params.method),
            settings["choices"],
            settings["draws"],
            settings["seed"],
        )
        write_tables(tables, smk.output)
        log.info("%s", {name: len(table) for name, table in tables.items()})


main(snakemake)  # noqa: F821 - provided by Snakemake
