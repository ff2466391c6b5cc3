"""Snakemake job: draw one figure of the status report from the published tables, with the
data it shows written beside it (which figure: ``params.figure``, see mognad.registry)."""

import importlib
from pathlib import Path

import pandas as pd

from mognad.labels import labels_from_files
from mognad.logs import job_log
from mognad.publish.figures.style import settings_from_config, write_figure
from mognad.registry import FIGURE_MODULES


def main(smk) -> None:
    name = smk.params.figure
    with job_log(smk.log[0], f"figure.{name}") as log:
        config = smk.params.settings
        labels = labels_from_files(smk.input.labels, smk.input.instrument, config["language"])
        tables = {table: pd.read_csv(smk.input[table]) for table in smk.params.tables}
        models = {Path(path).stem: pd.read_csv(path) for path in smk.input.models}
        plotted = importlib.import_module(FIGURE_MODULES[name]).draw(
            tables, models, labels, settings_from_config(config, labels)
        )
        out_dir = Path(smk.output[0]).parent
        written = write_figure(name, plotted, out_dir, config["report.figure_formats"])
        missing = {Path(p).resolve() for p in smk.output} - {p.resolve() for p in written.values()}
        if missing:
            raise RuntimeError(f"figure {name}: not written: {sorted(map(str, missing))}")
        log.info("drew %s (%s) in %s", name, labels.language, out_dir)


main(snakemake)  # noqa: F821 - provided by Snakemake
