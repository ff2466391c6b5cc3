"""Snakemake job: the factor model per year and measurement invariance across years."""

import pandas as pd

from mognad.indices.factor import cfa_fit_table, invariance_table
from mognad.instrument import load_instrument
from mognad.io import write_csv
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], "measurement_model") as log:
        responses = pd.read_parquet(smk.input.responses)
        instrument = load_instrument(smk.input.instrument)
        fit = cfa_fit_table(responses, instrument)
        invariance = invariance_table(responses, instrument)
        write_csv(fit, smk.output.fit)
        write_csv(invariance, smk.output.invariance)
        log.info("fit:\n%s\ninvariance:\n%s", fit.to_string(), invariance.to_string())


main(snakemake)  # noqa: F821 - provided by Snakemake
