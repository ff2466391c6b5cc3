"""Snakemake job: suppress small cells, round, and publish every table (CSV, Markdown,
LaTeX, one workbook)."""

from pathlib import Path

import pandas as pd

from mognad.io import write_atomic, write_csv, write_published_csv
from mognad.labels import labels_from_files, quadrant_names
from mognad.logs import job_log
from mognad.outputs import DERIVED_TABLES, PUBLISHED_TABLES
from mognad.publish.disclosure import Thresholds, quadrant_points
from mognad.publish.tables import (
    latex_table,
    markdown_table,
    publish_tables,
    workbook_bytes,
)


def main(smk) -> None:
    with job_log(smk.log[0], "publish_tables") as log:
        thresholds = Thresholds.from_config(smk.params.disclosure)
        internal = {
            n: pd.read_csv(smk.input[n], dtype={"method_version": str})
            for n in PUBLISHED_TABLES
            if n not in DERIVED_TABLES
        }
        orgs = pd.read_parquet(smk.input.orgs)
        tables = publish_tables(
            internal,
            orgs,
            thresholds,
            smk.params.trend_min_orgs,
            quadrant_names(smk.input.labels),
        )
        write_published_csv(
            quadrant_points(orgs, int(smk.params.year), thresholds), smk.output.points
        )
        labels = labels_from_files(smk.input.labels, smk.input.instrument, smk.params.language)
        for path in smk.output.tables:
            write_csv(tables[Path(path).stem], path)
        for paths, render in (
            (smk.output.markdown, markdown_table),
            (smk.output.latex, latex_table),
        ):
            for path in paths:
                text = render(tables[Path(path).stem], labels)
                write_atomic(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
        note = labels.text(
            "tables_note",
            year=smk.params.year,
            method_version=smk.params.method_version,
            suppressed=labels.text("suppressed_note", **vars(thresholds)),
        )
        data = workbook_bytes(tables, labels, note)
        write_atomic(smk.output.workbook, lambda tmp: tmp.write_bytes(data))
        log.info(
            "published %d tables; suppressed rows: %s",
            len(tables),
            {n: int(t["suppressed"].sum()) for n, t in tables.items()},
        )


main(snakemake)  # noqa: F821 - provided by Snakemake
