"""Snakemake job: write the annual status report (Markdown, self-contained HTML, A4 PDF)
for the report year from the published tables, models, method record and figures."""

import json
from pathlib import Path

import pandas as pd

from mognad.instrument import load_instrument
from mognad.labels import load_labels, localised
from mognad.logs import job_log
from mognad.outputs import report_stem
from mognad.publish.report import (
    TABLES,
    ReportParams,
    figure_data,
    render_report,
    report_context,
    report_downloads,
)


def main(smk) -> None:
    with job_log(smk.log[0], "report") as log:
        instrument = load_instrument(smk.input.instrument)
        language = smk.wildcards.lang
        stem = report_stem(language, int(smk.params.year))
        if smk.wildcards.stem != stem:
            raise ValueError(
                f"the {language} report for {smk.params.year} is {stem}, not {smk.wildcards.stem}"
            )
        labels = load_labels(smk.input.labels, instrument, language)
        tables = {name: pd.read_csv(smk.input[name]) for name in TABLES}
        models = {Path(p).stem: pd.read_csv(p) for p in smk.input.models}
        fits = {Path(p).stem.removesuffix("_fit"): pd.read_csv(p) for p in smk.input.fits}
        method = json.loads(Path(smk.input.method).read_text(encoding="utf-8"))
        params = ReportParams(
            language=language,
            min_orgs=int(smk.params.disclosure["min_orgs"]),
            min_respondents=int(smk.params.disclosure["min_respondents"]),
            analysis_min_orgs=int(smk.params.analysis["min_orgs"]),
            focus_sectors=tuple(smk.params.analysis["focus_sectors"]),
            bootstrap=dict(smk.params.bootstrap),
            models=dict(smk.params.models),
            dimensions={d: instrument.dimension_categories(d) for d in instrument.dimensions},
            scale_min=instrument.scale_min,
            scale_max=instrument.scale_max,
            instrument_name=instrument.name,
            publisher=localised(smk.params.cover.get("publisher"), language),
            authors=tuple(smk.params.cover.get("authors") or ()),
            date=str(smk.params.cover.get("date") or ""),
            downloads=report_downloads(stem, int(smk.params.year)),
        )
        year = int(smk.params.year)
        figures = Path(smk.input.figures[0]).parent
        drawn = figure_data(figures)
        context = report_context(tables, models, fits, method, params, labels, year, drawn)
        render_report(
            context,
            figures,
            html_path=smk.output.html,
            pdf_path=smk.output.pdf,
            markdown_path=smk.output.markdown,
        )
        log.info("wrote the %s status report for %s", language, year)


main(snakemake)  # noqa: F821 - provided by Snakemake
