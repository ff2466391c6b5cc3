"""Rendering: the templates and the Typst compiler are loaded once per process."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mognad.files import write_bytes

if TYPE_CHECKING:  # rendering a profile must not pay for importing pandas
    from mognad.labels import Labels
from mognad.publish.profiles.data import (
    HTML_FONT,
    PDF_FONT,
    TEMPLATES,
    profile_violations,
    read_profile_data,
)
from mognad.publish.profiles.view import (
    profile_view,
)

# --------------------------------------------------------------------------------------
# Rendering: templates and the Typst compiler are loaded once per process


@functools.cache
def _jinja() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


_THREAD = threading.local()


def _typst() -> tuple[Any, bytes]:
    """This thread's Typst compiler (a compiler may not be shared between threads, and
    profile jobs can run in threads of one process) and the page template."""
    if not hasattr(_THREAD, "typst"):
        import typst

        compiler = typst.Compiler(root=str(TEMPLATES), ignore_system_fonts=True)
        _THREAD.typst = (compiler, (TEMPLATES / "profile.typ").read_bytes())
    return _THREAD.typst


def profile_html(data: Mapping[str, Any], labels: Labels) -> str:
    """The profile as one self-contained HTML page (inline CSS and SVG, no requests)."""
    from markupsafe import Markup

    view = profile_view(data, labels, HTML_FONT)
    view["radar_svg"] = Markup(view["radar_svg"])
    view["quadrant_svg"] = Markup(view["quadrant_svg"])
    return _jinja().get_template("profile.html.j2").render(view=view)


def profile_pdf(data: Mapping[str, Any], labels: Labels) -> bytes:
    """The profile as a one-page A4 PDF, byte-identical for identical input."""
    view = profile_view(data, labels, PDF_FONT)
    compiler, source = _typst()
    svgs = {"radar_svg": view.pop("radar_svg"), "quadrant_svg": view.pop("quadrant_svg")}
    return compiler.compile(
        input=source,
        format="pdf",
        sys_inputs={"view": json.dumps(view, ensure_ascii=False), **svgs},
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


def index_html(profiles: Sequence[Mapping[str, Any]], labels: Labels, year: int) -> str:
    """The index page of a year's profiles: one row per organisation, linking to its
    ``<org_id>.html`` and ``<org_id>.pdf`` beside the index."""
    rows = [
        {
            "org_id": p["org_id"],
            "sector": labels.sector(p["sector"]),
            "org_type": labels.org_type(p["org_type"]),
            "n_respondents": labels.number(p["n_respondents"], 0),
        }
        for p in sorted(profiles, key=lambda p: p["org_id"])
    ]
    view = {
        "language": labels.language,
        "title": labels.text("profile_index_title", year=year),
        "intro": labels.text("profile_index_intro", n=labels.number(len(rows), 0), year=year),
        "header": [
            labels.text("profile_organisation"),
            labels.header("sector"),
            labels.header("org_type"),
            labels.header("n_respondents"),
            labels.text("profile_profile"),
        ],
        "rows": rows,
    }
    return _jinja().get_template("index.html.j2").render(view=view)


def write_index(
    profiles: Sequence[Mapping[str, Any]], labels: Labels, year: int, out: str | Path
) -> None:
    write_bytes(Path(out), index_html(profiles, labels, year).encode("utf-8"))


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
    """One profile job: read an organisation's numbers, check them against the disclosure
    rules, write its HTML and PDF, and log it (to its own log: jobs may run in threads)."""
    from mognad.logs import job_log

    with job_log(log_path, f"profile.{Path(data_path).stem}", exit_on_input_error=False) as log:
        data = read_profile_data(data_path)
        problems = profile_violations(data)
        if problems:
            raise ValueError(f"{data_path}: disclosure rules broken: " + "; ".join(problems))
        labels = _job_labels(str(labels_path), str(instrument_path), language)
        render_profile(data, labels, out_html, out_pdf)
        log.info("profile of %s %s (%s)", data["org_id"], data["year"], language)
