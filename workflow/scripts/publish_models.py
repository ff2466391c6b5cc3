"""Snakemake job: publish the fitted models: coefficients resting on too few
organisations or respondents hidden, each model's tables and the side-by-side
regression table (term codes, for machines; readers' versions: readable_tables)."""

from pathlib import Path

import pandas as pd

from mognad.analyses.modelresult import model_outputs, read_model
from mognad.io import write_published_csv
from mognad.logs import job_log
from mognad.publish.disclosure import Thresholds
from mognad.publish.modeltables import publish_model, regression_table


def main(smk) -> None:
    with job_log(smk.log[0], "publish_models") as log:
        thresholds = Thresholds.from_config(smk.params.disclosure)
        results = {}
        for coefficients, fit in zip(smk.input.models, smk.input.fits, strict=True):
            name = Path(coefficients).stem
            model = read_model(name, pd.read_csv(coefficients), pd.read_csv(fit))
            results[name] = publish_model(model, thresholds)
        folder = Path(smk.output.models[0]).parent
        for result in results.values():
            for name, table in model_outputs(result).items():
                write_published_csv(table, folder / f"{name}.csv")
        table, _, _ = regression_table(results)
        write_published_csv(table, smk.output.csv)
        log.info(
            "published %s; hidden coefficients: %s",
            list(results),
            {n: int(r.coefficients["suppressed"].sum()) for n, r in results.items()},
        )


main(snakemake)  # noqa: F821 - provided by Snakemake
