"""Snakemake job: draw every figure of the status report from the published tables, with
the data each figure shows written beside it."""

from pathlib import Path

import pandas as pd

from mognad.disclosure import Thresholds
from mognad.figures import FIGURE_NAMES, make_figures
from mognad.labels import labels_from_files
from mognad.logs import job_log
from mognad.outputs import FIGURE_TABLES


def main(smk) -> None:
    with job_log(smk.log[0], "figures") as log:
        thresholds = Thresholds.from_config(smk.params.disclosure)
        labels = labels_from_files(smk.input.labels, smk.input.instrument, smk.params.language)
        tables = {name: pd.read_csv(smk.input[name]) for name in FIGURE_TABLES}
        models = {Path(path).stem: pd.read_csv(path) for path in smk.input.models}
        out_dir = Path(smk.output[0]).parent
        written = make_figures(
            tables,
            models,
            labels,
            int(smk.params.year),
            list(smk.params.focus_sectors),
            dict(smk.params.thresholds),
            labels.text("suppressed_note", **vars(thresholds)),
            out_dir,
            tuple(smk.params.formats),
            model_specs=smk.params.models,
        )
        expected = {Path(path).resolve() for path in smk.output}
        missing = expected - {path.resolve() for path in written.values()}
        if missing:
            raise RuntimeError(f"figures not written: {sorted(map(str, missing))}")
        log.info("drew %s (%s) in %s", list(FIGURE_NAMES), labels.language, out_dir)


main(snakemake)  # noqa: F821 - provided by Snakemake
