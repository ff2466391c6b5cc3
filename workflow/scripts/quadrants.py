"""Snakemake job: quadrant counts and shares by year, nationally and by sector and type."""

import pandas as pd

from mognad.indices.scores import quadrant_table
from mognad.io import write_csv
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], "quadrants"):
        orgs = pd.read_parquet(smk.input.orgs)
        write_csv(quadrant_table(orgs), smk.output.quadrants)


main(snakemake)  # noqa: F821 - provided by Snakemake
