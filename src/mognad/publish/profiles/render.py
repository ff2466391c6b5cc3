"""Rendering: the templates and the Typst compiler are loaded once per process."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mognad.files import write_bytes
from mognad.publish.pages import html_templates

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    from mognad.labels import Labels
from mognad.publish.profiles.data import (
    HTML_FONT,
    PDF_FONT,
    TEMPLATES,
    profile_violations,
    read_profile_data,
)
from mognad.publish.profiles.municipality import (
    municipality_view,
    municipality_violations,
)
from mognad.publish.profiles.view import (
    CHARTS,
    PRINT_TREND,
    profile_view,
)

# --------------------------------------------------------------------------------------
# Rendering: templates and the Typst compiler are loaded once per process


def _jinja() -> Any:
    return html_templates(TEMPLATES)


_THREAD = threading.local()


def _typst(template: str = "profile.typ") -> tuple[Any, bytes]:
    """This thread's Typst compiler (a compiler may not be shared between threads, and
    profile jobs can run in threads of one process) and a page template."""
    if not hasattr(_THREAD, "typst"):
        import typst

        compiler = typst.Compiler(root=str(TEMPLATES), ignore_system_fonts=True)
        _THREAD.typst = (compiler, {})
    compiler, sources = _THREAD.typst
    if template not in sources:
        sources[template] = (TEMPLATES / template).read_bytes()
    return compiler, sources[template]


def profile_html(data: Mapping[str, Any], labels: Labels) -> str:
    """The profile as one self-contained HTML page (inline CSS and SVG, no requests)."""
    from markupsafe import Markup

    view = profile_view(data, labels, HTML_FONT)
    for chart in CHARTS:
        view[chart] = Markup(view[chart])
    return _jinja().get_template("profile.html.j2").render(view=view)


def profile_pdf(data: Mapping[str, Any], labels: Labels) -> bytes:
    """The profile as an A4 PDF (two pages), byte-identical for identical input."""
    view = profile_view(data, labels, PDF_FONT, PRINT_TREND)
    compiler, source = _typst()
    svgs = {chart: view.pop(chart) for chart in CHARTS}
    return compiler.compile(
        input=source,
        format="pdf",
        sys_inputs={"view": json.dumps(view, ensure_ascii=False), **svgs},
    )


def municipality_html(data: Mapping[str, Any], labels: Labels) -> str:
    """A municipality's internal comparison as one self-contained HTML page."""
    from markupsafe import Markup

    view = municipality_view(data, labels, HTML_FONT)
    view["chart_svg"] = Markup(view["chart_svg"])
    return _jinja().get_template("municipality.html.j2").render(view=view)


def municipality_pdf(data: Mapping[str, Any], labels: Labels) -> bytes:
    """A municipality's internal comparison as an A4 PDF, byte-identical for identical input."""
    view = municipality_view(data, labels, PDF_FONT)
    compiler, source = _typst("municipality.typ")
    svg = view.pop("chart_svg")
    return compiler.compile(
        input=source,
        format="pdf",
        sys_inputs={"view": json.dumps(view, ensure_ascii=False), "chart_svg": svg},
    )


def render_profile(
    data: Mapping[str, Any],
    labels: Labels,
    out_html: str | Path,
    out_pdf: str | Path | None = None,
) -> None:
    """Write the profile of ``data`` as HTML (and as a PDF when ``out_pdf`` is given)."""
    write_bytes(Path(out_html), profile_html(data, labels).encode("utf-8"))
    if out_pdf is not None:
        write_bytes(Path(out_pdf), profile_pdf(data, labels))


#: Letters that sort after z in Swedish, in their Swedish order (code points put ä first).
_SWEDISH_LAST = str.maketrans({"å": "{", "ä": "|", "ö": "}"})  # the three after "z"


def collation_key(text: str, language: str) -> str:
    """A sort key that puts names in the language's alphabetical order (å ä ö last in
    Swedish, as a Swedish reader expects; accents ignored in English)."""
    import unicodedata

    folded = text.casefold()
    if language == "sv":
        return folded.translate(_SWEDISH_LAST)
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


def index_html(
    profiles: Sequence[Mapping[str, Any]],
    labels: Labels,
    year: int,
    report: str = "",
    explorer: str = "",
) -> str:
    """The index page of a year's profiles: one row per organisation (by name), linking
    to its ``<org_id>.html`` and ``<org_id>.pdf`` beside the index, with a search box,
    filters by type, sector and county and sortable columns (inline script: the page
    works from a folder or any static host, and lists everything without script).
    ``report``, ``explorer``: the links to the year's report and to "Allas resultat",
    relative to the index."""
    rows = [
        {
            "org_id": p["org_id"],
            "name": p.get("name") or labels.text("profile_org", org_id=p["org_id"]),
            "sector_code": p["sector"],
            "sector": labels.sector(p["sector"]),
            "type_code": p["org_type"],
            "org_type": labels.org_type(p["org_type"]),
            "county": p.get("county") or "",
            "n_respondents": labels.number(p["n_respondents"], 0),
            "respondents": labels.text(
                "profile_respondents", n=labels.number(p["n_respondents"], 0)
            ),
            "n": int(p["n_respondents"]),
        }
        for p in profiles
    ]
    rows.sort(key=lambda r: (collation_key(r["name"], labels.language), r["org_id"]))

    def options(code: str, name: str) -> list[dict[str, str]]:
        found = {r[code]: r[name] for r in rows if r[code]}
        return [{"code": c, "name": n} for c, n in sorted(found.items(), key=lambda x: x[1])]

    view = {
        "language": labels.language,
        "title": labels.text("profile_index_title", year=year),
        "intro": labels.text("profile_index_intro", n=labels.number(len(rows), 0), year=year),
        "report": report,
        "report_text": labels.text("profile_report_link", year=year),
        "explorer": explorer,
        "explorer_text": labels.text("explorer_title", year=year),
        "search": labels.text("profile_index_search"),
        "filters": [
            {
                "key": "type",
                "all": labels.text("profile_index_all_types"),
                "label": labels.header("org_type"),
                "options": options("type_code", "org_type"),
            },
            {
                "key": "sector",
                "all": labels.text("profile_index_all_sectors"),
                "label": labels.header("sector"),
                "options": options("sector_code", "sector"),
            },
            {
                "key": "county",
                "all": labels.text("profile_index_all_counties"),
                "label": labels.text("profile_county"),
                "options": options("county", "county"),
            },
        ],
        "shown": labels.text("profile_index_shown", shown="{shown}", n="{n}"),
        "sort": labels.text("profile_index_sort", column="{column}"),
        "header": [
            labels.text("profile_organisation"),
            labels.header("org_type"),
            labels.header("sector"),
            labels.text("profile_county"),
            labels.header("n_respondents"),
            labels.text("profile_profile"),
        ],
        "rows": rows,
    }
    return _jinja().get_template("index.html.j2").render(view=view)


def write_index(
    profiles: Sequence[Mapping[str, Any]],
    labels: Labels,
    year: int,
    out: str | Path,
    report: str = "",
    explorer: str = "",
) -> None:
    html = index_html(profiles, labels, year, report, explorer)
    write_bytes(Path(out), html.encode("utf-8"))


@functools.lru_cache(maxsize=8)
def _job_labels(labels_path: str, instrument_path: str, language: str) -> Labels:
    """Labels for profile jobs, read once per process: jobs run in the Snakemake process."""
    from mognad.labels import labels_from_files

    return labels_from_files(labels_path, instrument_path, language)


def render_profile_files(
    data_path: str | Path,
    labels_path: str | Path,
    instrument_path: str | Path,
    language: str,
    out_html: str | Path,
    out_pdf: str | Path | None,
    log_path: str | Path,
) -> None:
    """One profile job: read an organisation's (or a municipality's) numbers, check them
    against the disclosure rules, write its HTML and PDF, and log it (to its own log: jobs
    may run in threads)."""
    from mognad.logs import job_log

    with job_log(log_path, f"profile.{Path(data_path).stem}", exit_on_input_error=False) as log:
        data = read_profile_data(data_path)
        municipal = data.get("kind") == "municipality"
        problems = municipality_violations(data) if municipal else profile_violations(data)
        if problems:
            raise ValueError(f"{data_path}: disclosure rules broken: " + "; ".join(problems))
        labels = _job_labels(str(labels_path), str(instrument_path), language)
        if municipal:
            write_bytes(Path(out_html), municipality_html(data, labels).encode("utf-8"))
            if out_pdf is not None:
                write_bytes(Path(out_pdf), municipality_pdf(data, labels))
            log.info("internal comparison of %s %s (%s)", data["group_id"], data["year"], language)
        else:
            render_profile(data, labels, out_html, out_pdf)
            log.info("profile of %s %s (%s)", data["org_id"], data["year"], language)
