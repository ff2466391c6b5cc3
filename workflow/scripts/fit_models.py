"""Snakemake job: fit every regression model in the config and write each model's
complete tables for the publishing stage."""

from pathlib import Path

import pandas as pd

from mognad.analyses.modelresult import model_outputs
from mognad.analyses.models import fit_all
from mognad.instrument import load_instrument
from mognad.io import write_csv
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], "fit_models") as log:
        results = fit_all(
            smk.params.models,
            pd.read_parquet(smk.input.orgs),
            pd.read_parquet(smk.input.responses),
            load_instrument(smk.input.instrument),
            scores=pd.read_parquet(smk.input.respondents),
        )
        folder = Path(smk.output.models[0]).parent
        for result in results.values():
            for name, table in model_outputs(result).items():
                write_csv(table, folder / f"{name}.csv")
        log.info("fitted %s", list(results))


main(snakemake)  # noqa: F821 - provided by Snakemake
