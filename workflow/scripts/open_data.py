"""Snakemake job: the published aggregates as a Frictionless data package (open data)."""

from pathlib import Path

from mognad.instrument import load_instrument
from mognad.labels import load_labels
from mognad.logs import job_log
from mognad.publish.disclosure import Thresholds
from mognad.publish.opendata import (
    OPEN_TABLES,
    check_package,
    data_package,
    read_published,
    validate_package,
    write_package,
)


def main(smk) -> None:
    with job_log(smk.log[0], "open_data") as log:
        thresholds = Thresholds.from_config(smk.params.disclosure)
        instrument = load_instrument(smk.input.instrument)
        labels_sv, labels_en = (
            load_labels(smk.input.labels, instrument, language) for language in ("sv", "en")
        )
        tables = {name: read_published(smk.input[name]) for name in OPEN_TABLES}
        descriptor, data = data_package(
            tables,
            labels_sv,
            labels_en,
            str(smk.params.method_version),
            int(smk.params.year),
            smk.params.licence or None,
            thresholds=thresholds,
            ci_level=float(smk.params.ci_level),
        )
        problems = check_package(descriptor, data, thresholds, instrument.item_ids())
        if problems:
            raise ValueError("not publishable as open data:\n  " + "\n  ".join(problems))
        folder = Path(smk.output.descriptor).parent
        written = write_package(folder, descriptor, data)
        expected = {Path(p) for p in [smk.output.descriptor, *smk.output.tables]}
        if set(written) != expected:
            raise ValueError(f"wrote {sorted(map(str, written))}, rule declares {sorted(expected)}")
        invalid = validate_package(smk.output.descriptor)
        if invalid:
            raise ValueError("the data package does not validate:\n  " + "\n  ".join(invalid))
        log.info(
            "open data: %d tables, %d rows, suppressed rows: %s",
            len(data),
            sum(len(t) for t in data.values()),
            {n: int(t["suppressed"].sum()) for n, t in data.items()},
        )


main(snakemake)  # noqa: F821 - provided by Snakemake
