"""Snakemake job: the index page of a year's profiles, linking to each organisation's."""

from mognad.labels import labels_from_files
from mognad.logs import job_log
from mognad.publish.profiles import read_profile_data, write_index


def main(smk) -> None:
    with job_log(smk.log[0], "profile_index") as log:
        profiles = [read_profile_data(path) for path in smk.input.data]
        labels = labels_from_files(smk.input.labels, smk.input.instrument, smk.wildcards.lang)
        year = int(smk.wildcards.year)
        links = smk.params.report, smk.params.explorer
        write_index(profiles, labels, year, smk.output.index, *links)
        log.info("index of %d profiles", len(profiles))


main(snakemake)  # noqa: F821 - provided by Snakemake
