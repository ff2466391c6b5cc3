"""Snakemake job: the published tables and models for readers in one language
(``wildcards.lang``): Markdown and LaTeX of each, and one workbook."""

from pathlib import Path

import pandas as pd

from mognad.analyses.modelresult import read_model
from mognad.io import write_atomic
from mognad.labels import labels_from_files
from mognad.logs import job_log
from mognad.outputs import PUBLISHED_TABLES
from mognad.publish.disclosure import Thresholds
from mognad.publish.modeltables import regression_texts
from mognad.publish.tables import readable_texts, workbook_bytes


def main(smk) -> None:
    language = smk.wildcards.lang
    with job_log(smk.log[0], f"readable_tables.{language}") as log:
        labels = labels_from_files(smk.input.labels, smk.input.instrument, language)
        tables = {
            name: pd.read_csv(smk.input[name], dtype={"method_version": str})
            for name in PUBLISHED_TABLES
        }
        models = {
            Path(path).stem: read_model(Path(path).stem, pd.read_csv(path), pd.read_csv(fit))
            for path, fit in zip(smk.input.models, smk.input.fits, strict=True)
        }
        texts = {**readable_texts(tables, labels), **regression_texts(models, labels)}
        folder = Path(smk.output.workbook).parent
        expected = {Path(p).name for p in smk.output.texts}
        if set(texts) != expected:
            raise RuntimeError(
                f"readable tables: made {sorted(texts)}, expected {sorted(expected)}"
            )
        for name, text in texts.items():
            write_atomic(
                folder / name, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8")
            )
        note = labels.text(
            "tables_note",
            year=smk.params.year,
            method_version=smk.params.method_version,
            suppressed=labels.text(
                "suppressed_note", **vars(Thresholds.from_config(smk.params.disclosure))
            ),
        )
        data = workbook_bytes(tables, labels, note)
        write_atomic(smk.output.workbook, lambda tmp: tmp.write_bytes(data))
        log.info("wrote %d readable tables and the workbook in %s", len(texts), language)


main(snakemake)  # noqa: F821 - provided by Snakemake
