"""Snakemake job: stack per-year tables; each named output gets the input of the same name."""

from mognad.io import concat_tables, write_table
from mognad.logs import job_log


def main(smk) -> None:
    with job_log(smk.log[0], f"combine.{smk.rule}") as log:
        for name, path in smk.output.items():
            table = concat_tables(list(smk.input[name]))
            write_table(table, path)
            log.info("%s: %d rows", path, len(table))


main(snakemake)  # noqa: F821 - provided by Snakemake
