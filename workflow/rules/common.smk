# Shared helpers: config validation, year look-up and package-code fingerprints.

from pathlib import Path

from mognad.codehash import PACKAGE as PACKAGE_DIR, code_fingerprint
from mognad.config import codebook_year_problems, config_problems
from mognad.errors import exit_if_any
from mognad.instrument import load_codebook, load_instrument, year_spec_fingerprint

# Config problems stop the run before any job, printed as the check prints them.
CONFIG_FILES = ["config.yaml", *workflow.overwrite_configfiles]
exit_if_any(config_problems(config, source=CONFIG_FILES), "Nothing was run.")

SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"
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


LANGUAGES = config["languages"]


wildcard_constraints:
    year=r"\d{4}",
    lang="|".join(LANGUAGES),


def export_file(wildcards):
    """The raw export of a year, as the codebook names it."""
    return str(CODEBOOK.years[int(wildcards.year)].file)


def codebook_entry(wildcards):
    """Fingerprint of the year's own codebook entry, resolved (see ingest_year)."""
    return year_spec_fingerprint(CODEBOOK.years[int(wildcards.year)])


def script_code(script, *folders):
    """Fingerprint of the package code a script imports (and of package folders it reads).

    Snakemake does not track imported code; passing this as a param makes a change to
    that code rerun exactly the jobs that use it.
    """
    return code_fingerprint([SCRIPTS / script], folders)


def per_year(pattern):
    """The per-year files of a pattern with a {year} wildcard, in year order."""
    return expand(pattern, year=YEARS)


MODELS = list(config["models"])

from mognad.outputs import (
    DERIVED_TABLES,
    EXPLORER_TABLES,
    FIGURE_SUBCATEGORY,
    FIGURES,
    OPEN_TABLES,
    POINTS_TABLE,
    PUBLISHED_TABLES,
    REPORT_TABLES,
    TABLE_CATEGORY,
    report_stem,
)
from mognad.registry import OUTPUTS, config_slice

INTERNAL_TABLES = [name for name in PUBLISHED_TABLES if name not in DERIVED_TABLES]
REPORT_YEAR = config["report"]["year"] or max(YEARS)

REPORT_FIGURES = FIGURES
FIGURE_OUTPUTS = [output for output in OUTPUTS if output.kind == "figure"]
FIGURE_FILES = [
    f"results/{lang}/figures/{figure.name}.{ext}"
    for lang in LANGUAGES
    for figure in FIGURE_OUTPUTS
    for ext in [*config["report"]["figure_formats"], "csv"]
]


def figure_code(figure):
    """Fingerprint of the code one figure runs: its script and its own module."""
    own = figure.module.removeprefix("mognad.")
    return code_fingerprint([SCRIPTS / "figure.py"], modules=[own])


def figure_settings(figure, language):
    """The config keys a figure is drawn with: the report year resolved, and of the
    languages only its own, so adding a language leaves the others' figures alone."""
    settings = config_slice(config, figure.config)
    if "report.year" in settings:
        settings["report.year"] = REPORT_YEAR
    del settings["languages"]
    settings["language"] = language
    return settings


#: What readers read, in every language (results/<lang>/).
READABLE_TABLE_FILES = [
    *expand(
        "results/{lang}/tables/{name}.{ext}",
        lang=LANGUAGES,
        name=[*PUBLISHED_TABLES, "regression_table"],
        ext=["md", "tex"],
    ),
    *expand(f"results/{{lang}}/tables/tables_{REPORT_YEAR}.xlsx", lang=LANGUAGES),
]
REPORT_FILES = [
    f"results/{lang}/report/{report_stem(lang, REPORT_YEAR)}.{ext}"
    for lang in LANGUAGES
    for ext in ("md", "html", "pdf")
]
#: "Allas resultat", one page per language.
EXPLORER_PAGES = expand("results/{lang}/explorer.html", lang=LANGUAGES)
PROFILE_INDEXES = expand(
    "results/{lang}/profiles/{year}/index.html", lang=LANGUAGES, year=REPORT_YEAR
)


REPORT_TEMPLATES = sorted(
    str(p) for p in (PACKAGE_DIR / "templates" / "report").iterdir()
)


wildcard_constraints:
    org_id=r"[A-Za-z0-9][A-Za-z0-9_.-]*",
    group_id=r"[A-Za-z0-9][A-Za-z0-9_.-]*",


def profile_ids_of(year):
    """The organisations with a profile in a year (known once profile_data has run)."""
    folder = checkpoints.profile_data.get(year=str(year)).output[0]
    return sorted(p.stem for p in Path(folder).glob("*.json"))


def profile_ids(wildcards):
    return profile_ids_of(wildcards.year)


def municipality_ids_of(year):
    """The municipalities (and regions) with an internal comparison in a year."""
    folder = (
        Path(checkpoints.profile_data.get(year=str(year)).output[0]) / "municipalities"
    )
    return sorted(p.stem for p in folder.glob("*.json"))


def render_profile_job(input, output, params, wildcards, log, subfolder=""):
    """Render one organisation's profile (or, from ``subfolder`` "municipalities", one
    municipality's internal comparison) inside the Snakemake process."""
    from mognad.publish.profiles import render_profile_files

    name = wildcards.group_id if subfolder else wildcards.org_id
    render_profile_files(
        Path(input.data) / subfolder / f"{name}.json",
        input.labels,
        input.instrument,
        wildcards.lang,
        output.html,
        output.pdf,
        log,
    )


def per_year_exports():
    """The raw export of every configured year, as the codebook names it."""
    return [str(CODEBOOK.years[year].file) for year in YEARS]


def profile_pages(wildcards):
    """Every profile page of the report year in every language, the municipalities'
    internal comparisons included (known once profile_data has run)."""
    return expand(
        "results/{lang}/profiles/{year}/{org_id}.{ext}",
        lang=LANGUAGES,
        year=REPORT_YEAR,
        org_id=profile_ids_of(REPORT_YEAR),
        ext=["html", "pdf"],
    ) + expand(
        "results/{lang}/profiles/{year}/municipalities/{group_id}.{ext}",
        lang=LANGUAGES,
        year=REPORT_YEAR,
        group_id=municipality_ids_of(REPORT_YEAR),
        ext=["html", "pdf"],
    )
