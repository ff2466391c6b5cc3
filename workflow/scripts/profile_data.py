"""Snakemake job (checkpoint): the numbers of every profile of a year, computed at once,
written as one ``<org_id>.json`` per participating organisation into the output folder."""

import pandas as pd

from mognad.indices.scores import with_org_intervals
from mognad.ingest.exports import read_organisations
from mognad.instrument import load_instrument
from mognad.logs import job_log
from mognad.publish.profiles import (
    municipality_data,
    municipality_violations,
    profile_data,
    profile_violations,
    write_profile_data,
)
from mognad.publish.smallcell import Thresholds


def main(smk) -> None:
    with job_log(smk.log[0], "profile_data") as log:
        year = int(smk.wildcards.year)
        instrument = load_instrument(smk.input.instrument)
        thresholds = Thresholds.from_config(smk.params.disclosure)
        orgs = with_org_intervals(
            pd.read_parquet(smk.input.orgs), pd.read_parquet(smk.input.intervals)
        )
        profiles = profile_data(
            orgs,
            pd.read_csv(smk.input.sector),
            pd.read_csv(smk.input.types),
            year,
            thresholds,
            quadrant=smk.params.quadrant_thresholds,
            categories=list(instrument.categories),
            dimensions={d: instrument.dimension_categories(d) for d in instrument.dimensions},
            register=read_organisations(smk.input.register),
            draws=pd.read_parquet(smk.input.draws),
            level=smk.params.ci_level,
            peers={g: pd.read_csv(getattr(smk.input, g)) for g in ("area", "size_band")},
        )
        problems = [p for data in profiles.values() for p in profile_violations(data)]
        if problems:
            raise ValueError("disclosure rules broken: " + "; ".join(problems[:20]))
        municipalities = municipality_data(list(profiles.values()))
        problems = [p for data in municipalities.values() for p in municipality_violations(data)]
        if problems:
            raise ValueError("disclosure rules broken: " + "; ".join(problems[:20]))
        write_profile_data(profiles, smk.output[0])
        write_profile_data(municipalities, f"{smk.output[0]}/municipalities")
        small = sum(not d["reportable"] for d in profiles.values())
        log.info(
            "%d profiles for %d (%d below %d respondents), %d internal comparisons",
            len(profiles),
            year,
            small,
            thresholds.min_respondents,
            len(municipalities),
        )


main(snakemake)  # noqa: F821 - provided by Snakemake
