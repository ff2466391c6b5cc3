"""Snakemake job: stack the cleaned years into the multi-year tables."""

from mognad.ingest.clean import combine_years, read_year_result
from mognad.io import write_csv, write_parquet
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], "combine_years") as log:
        years = [
            read_year_result(*paths)
            for paths in zip(smk.input.responses, smk.input.exclusions, smk.input.flow, strict=True)
        ]
        combined = combine_years(years)
        write_parquet(combined.responses, smk.output.responses)
        write_csv(combined.exclusions, smk.output.exclusions)
        write_csv(combined.flow, smk.output.flow)
        log.info("%d responses analysed over %d years", len(combined.responses), len(years))


main(snakemake)  # noqa: F821 - provided by Snakemake
