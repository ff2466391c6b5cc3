"""The annual status report: numbers from the published tables, text from templates.

:func:`report_context` computes every number the report states from the published tables
and formats it through :class:`~mognad.labels.Labels` (decimal comma in Swedish); the
Jinja2 Markdown templates in ``templates/report/`` (one per language) only place those
strings, so no number is ever typed into the text. :func:`render_markdown` fills a
template, :func:`render_html` turns the Markdown into one self-contained HTML file
(figures as data URIs, CSS inline, no external requests) and :func:`render_pdf` into an
A4 PDF through pandoc's Typst writer and the ``typst`` compiler, with Typst's bundled
fonts only. Both outputs are byte-identical from run to run.

The package: :mod:`~mognad.publish.report.format` (settings, numbers, tables),
:mod:`~mognad.publish.report.findings` and :mod:`~mognad.publish.report.method` (one
builder per part), :mod:`~mognad.publish.report.appendix`,
:mod:`~mognad.publish.report.captions` (figure captions from the data drawn),
:mod:`~mognad.publish.report.context` (the assembly) and
:mod:`~mognad.publish.report.render` (template, HTML, PDF).
"""

from mognad.outputs import FIGURES
from mognad.outputs import REPORT_TABLES as TABLES
from mognad.publish.report.appendix import (
    regression_markdown,
)
from mognad.publish.report.captions import figure_captions, figure_data
from mognad.publish.report.context import (
    report_context,
)
from mognad.publish.report.format import (
    TEMPLATES,
    ReportParams,
)
from mognad.publish.report.render import (
    external_references,
    figure_files,
    render_html,
    render_markdown,
    render_pdf,
    render_report,
    report_downloads,
    typst_source,
)

__all__ = [
    "FIGURES",
    "TABLES",
    "TEMPLATES",
    "ReportParams",
    "external_references",
    "figure_captions",
    "figure_data",
    "figure_files",
    "regression_markdown",
    "render_html",
    "render_markdown",
    "render_pdf",
    "render_report",
    "report_context",
    "report_downloads",
    "typst_source",
]
