"""Snakemake job: "Allas resultat", the self-contained page to explore the published
national, type and sector results."""

import pandas as pd

from mognad.labels import labels_from_files
from mognad.logs import job_log
from mognad.outputs import EXPLORER_TABLES
from mognad.publish.explorer import write_explorer


def main(smk) -> None:
    with job_log(smk.log[0], "explorer") as log:
        tables = {name: pd.read_csv(smk.input[name]) for name in EXPLORER_TABLES}
        labels = labels_from_files(smk.input.labels, smk.input.instrument, smk.wildcards.lang)
        links = {"report": smk.params.report, "profiles": smk.params.profiles}
        write_explorer(
            tables,
            labels,
            int(smk.params.year),
            smk.params.disclosure,
            float(smk.params.level),
            links,
            smk.output.html,
        )
        log.info("explorer of %d tables in %s", len(tables), smk.wildcards.lang)


main(snakemake)  # noqa: F821 - provided by Snakemake
