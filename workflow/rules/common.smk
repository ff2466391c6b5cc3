# Shared helpers: config validation, year look-up and package-code fingerprints.

import hashlib
from pathlib import Path

from mognad.config import validate_config
from mognad.instrument import load_codebook, load_instrument

validate_config(config, source="config.yaml")

PACKAGE = Path(workflow.basedir) / "src" / "mognad"
CODEBOOK = load_codebook(
    config["source"]["codebook"],
    load_instrument(config["instrument"]),
    config["source"]["raw_dir"],
)
YEARS = config["years"]


wildcard_constraints:
    year=r"\d{4}",


def export_file(wildcards):
    """The raw export of a year, as the codebook names it."""
    return str(CODEBOOK.years[int(wildcards.year)].file)


def package_code(*modules):
    """Fingerprint of the package modules a rule runs.

    Snakemake does not track imported code; passing this as a param makes a change to
    these modules rerun exactly the jobs that use them.
    """
    digest = hashlib.sha256()
    for module in sorted(modules):
        digest.update((PACKAGE / f"{module}.py").read_bytes())
    return digest.hexdigest()[:16]


INGEST_CODE = package_code("ingest", "clean", "contracts", "instrument", "errors", "io")
SENSITIVITY_CODE = package_code("sensitivity", "scores", "instrument", "io")
COMBINE_CODE = package_code("io")


def per_year(pattern):
    """The per-year files of a pattern with a {year} wildcard, in year order."""
    return expand(pattern, year=YEARS)


QUALITY_CODE = package_code("reliability", "scores", "instrument", "io")
FACTOR_CODE = package_code("factor", "scores", "instrument", "io")
SCORE_CODE = package_code("scores", "bootstrap", "contracts", "instrument", "io")
SECTORS_CODE = package_code("sectors", "io")
TRENDS_CODE = package_code("trends", "scores", "instrument", "io")
MODELS_CODE = package_code("models", "scores", "instrument", "io")
MODELS = list(config["models"])
