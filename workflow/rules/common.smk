# Shared helpers: config validation, year look-up and package-code fingerprints.

import hashlib
import re
from pathlib import Path

from mognad.config import codebook_year_problems, config_problems
from mognad.errors import exit_if_any
from mognad.instrument import load_codebook, load_instrument, year_spec_fingerprint

# Config problems stop the run before any job, printed as the check prints them.
CONFIG_FILES = ["config.yaml", *workflow.overwrite_configfiles]
exit_if_any(config_problems(config, source=CONFIG_FILES), "Nothing was run.")

PACKAGE = Path(workflow.basedir) / "src" / "mognad"
CODEBOOK = load_codebook(
    config["source"]["codebook"],
    load_instrument(config["instrument"]),
    config["source"]["raw_dir"],
)
exit_if_any(
    codebook_year_problems(
        config, CODEBOOK.years, config["source"]["codebook"], CONFIG_FILES
    ),
    "Nothing was run.",
)
YEARS = config["years"]


wildcard_constraints:
    year=r"\d{4}",


def export_file(wildcards):
    """The raw export of a year, as the codebook names it."""
    return str(CODEBOOK.years[int(wildcards.year)].file)


def codebook_entry(wildcards):
    """Fingerprint of the year's own codebook entry, resolved (see ingest_year)."""
    return year_spec_fingerprint(CODEBOOK.years[int(wildcards.year)])


IMPORT = re.compile(
    r"^\s*(?:from mognad\.(\w+) import|import mognad\.(\w+))", re.MULTILINE
)


def package_modules(*modules):
    """The given package modules and every package module they import, transitively."""
    found, todo = set(), list(modules)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            source = (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
            todo += [a or b for a, b in IMPORT.findall(source)]
    return sorted(found)


def package_code(*modules):
    """Fingerprint of the package modules a rule runs, with all they import from the package.

    Snakemake does not track imported code; passing this as a param makes a change to
    these modules rerun exactly the jobs that use them.
    """
    digest = hashlib.sha256()
    for name in package_modules(*modules):
        digest.update((PACKAGE / f"{name}.py").read_bytes())
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
PUBLISH_MODELS_CODE = package_code(
    "modeltables", "models", "disclosure", "labels", "io"
)
MODELS = list(config["models"])

from mognad.outputs import (
    DERIVED_TABLES,
    FIGURE_SUBCATEGORY,
    FIGURE_TABLES,
    FIGURES,
    OPEN_TABLES,
    POINTS_TABLE,
    PUBLISHED_TABLES,
    REPORT_TABLES,
    TABLE_CATEGORY,
    report_stem,
)

INTERNAL_TABLES = [name for name in PUBLISHED_TABLES if name not in DERIVED_TABLES]
REPORT_YEAR = config["report"]["year"] or max(YEARS)
PUBLISH_CODE = package_code("tables", "disclosure", "labels", "instrument", "io")

FIGURE_NAMES = FIGURES
REPORT_FIGURES = FIGURES
REPORT_STEM = report_stem(config["language"], REPORT_YEAR)


def folder_code(folder):
    """Fingerprint of every file in a package folder (templates are not Python modules)."""
    digest = hashlib.sha256()
    for path in sorted((PACKAGE / folder).rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


REPORT_TEMPLATES = sorted(str(p) for p in (PACKAGE / "templates" / "report").iterdir())
FIGURES_CODE = package_code("figures", "disclosure", "labels", "instrument", "io")
REPORT_CODE = package_code("report", "labels", "instrument", "io")
PROFILE_CODE = package_code("profiles", "labels", "instrument") + folder_code(
    "templates/profile"
)


wildcard_constraints:
    org_id=r"[A-Za-z0-9][A-Za-z0-9_.-]*",


def profile_ids_of(year):
    """The organisations with a profile in a year (known once profile_data has run)."""
    folder = checkpoints.profile_data.get(year=str(year)).output[0]
    return sorted(p.stem for p in Path(folder).glob("*.json"))


def profile_ids(wildcards):
    return profile_ids_of(wildcards.year)


def render_profile_job(input, output, params, wildcards, log):
    """Render one organisation's profile inside the Snakemake process."""
    from mognad.profiles import render_profile_files

    render_profile_files(
        Path(input.data) / f"{wildcards.org_id}.json",
        input.labels,
        input.instrument,
        params.quadrants,
        params.language,
        output.html,
        output.pdf,
        log,
    )


def per_year_exports():
    """The raw export of every configured year, as the codebook names it."""
    return [str(CODEBOOK.years[year].file) for year in YEARS]


PROVENANCE_CODE = package_code("provenance", "files", "logs")
OPEN_DATA_CODE = package_code("opendata", "disclosure", "tables", "labels", "io")


def profile_pages(wildcards):
    """Every profile page of the report year (known once profile_data has run)."""
    return expand(
        "results/profiles/{year}/{org_id}.{ext}",
        year=REPORT_YEAR,
        org_id=profile_ids_of(REPORT_YEAR),
        ext=["html", "pdf"],
    )
