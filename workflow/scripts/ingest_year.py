"""Snakemake job: read, map and clean one survey year's export."""

from mognad.ingest.clean import prepare_year
from mognad.io import write_csv, write_parquet
from mognad.logs import job_log


def main(smk) -> None:
    year = int(smk.wildcards.year)
    with job_log(smk.log[0], f"ingest_year.{year}") as log:
        result = prepare_year(
            year,
            smk.input.export,
            smk.input.instrument,
            smk.input.codebook,
            smk.input.organisations,
            smk.params.cleaning,
        )
        write_parquet(result.responses, smk.output.responses)
        write_csv(result.exclusions, smk.output.exclusions)
        write_csv(result.flow, smk.output.flow)
        log.info("%s", result.flow.to_dict("records")[0])


main(snakemake)  # noqa: F821 - provided by Snakemake
