"""Snakemake job: publish the fitted models: coefficients resting on too few
organisations or respondents hidden, each model's tables and the side-by-side
regression table."""

from pathlib import Path

import pandas as pd

from mognad.analyses.modelresult import model_outputs, read_model
from mognad.io import write_atomic, write_published_csv
from mognad.labels import labels_from_files
from mognad.logs import job_log
from mognad.publish.disclosure import Thresholds
from mognad.publish.modeltables import publish_model, regression_table, regression_words


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
        labels = labels_from_files(smk.input.labels, smk.input.instrument, smk.params.language)
        headers = {name: labels.model(result.fit) for name, result in results.items()}
        words = regression_words(labels, labels.number)
        table, markdown, latex = regression_table(results, words=words, headers=headers)
        write_published_csv(table, smk.output.csv)
        for path, text in ((smk.output.markdown, markdown), (smk.output.latex, latex)):
            write_atomic(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
        log.info(
            "published %s; hidden coefficients: %s",
            list(results),
            {n: int(r.coefficients["suppressed"].sum()) for n, r in results.items()},
        )


main(snakemake)  # noqa: F821 - provided by Snakemake
