"""The report rendered: the Markdown template filled, then one self-contained HTML file
and an A4 PDF, byte-identical from run to run."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import jinja2
import pypandoc
import typst

from mognad.io import write_atomic
from mognad.outputs import FIGURES
from mognad.publish.report.format import (
    FIGURE_TYPES,
    TEMPLATES,
    series,
)

# --- rendering --------------------------------------------------------------------------


def report_downloads(stem: str, year: int) -> dict[str, str]:
    """The report's links to the other published files, relative to
    ``results/<lang>/report/``: the same language's workbook and profiles, and the one
    open-data package all languages share."""
    return {
        "pdf": f"{stem}.pdf",
        "workbook": f"../tables/tables_{year}.xlsx",
        "opendata": "../../opendata/datapackage.json",
        "profiles": f"../profiles/{year}/index.html",
    }


def figure_files(figures_dir: str | Path | None) -> dict[str, str]:
    """The report's figures found in ``figures_dir``: name -> file name (PNG preferred)."""
    if figures_dir is None:
        return {}
    folder = Path(figures_dir)
    found = {}
    for name in FIGURES:
        for ext in FIGURE_TYPES:
            if (folder / f"{name}{ext}").is_file():
                found[name] = f"{name}{ext}"
                break
    return found


def _environment(and_word: str = "and") -> jinja2.Environment:
    """Jinja with the report's one filter: ``series`` joins a list as the language does."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["series"] = lambda items: series(list(items), and_word)
    return env


def render_markdown(context: Mapping[str, Any], figures: Mapping[str, str] | None = None) -> str:
    """The report as pandoc Markdown in the context's language; ``figures`` (name -> file
    name, see :func:`figure_files`) are included, each with the caption written from the
    data it drew (the context's ``captions``)."""
    uncaptioned = sorted(set(figures or {}) - set(context["captions"]))
    if uncaptioned:
        raise ValueError(
            f"report: no drawn data (<name>.csv beside the picture) for figures {uncaptioned}, "
            "so no caption can be written for them"
        )
    template = _environment(context["and_word"]).get_template(f"report.{context['language']}.md.j2")
    text = template.render(**context, figures=dict(figures or {}))
    return re.sub(r"\n{3,}", "\n\n", text)


def _pandoc(markdown: str, to: str, args: Sequence[str]) -> str:
    return pypandoc.convert_text(
        markdown,
        to,
        format="markdown",
        extra_args=["--standalone", f"--lua-filter={TEMPLATES / 'notes.lua'}", *args],
    )


_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_DATE = re.compile(r'(<p class="date">.*?</p>)', re.S)


def _numbered(html: str, tag: str, word: str) -> str:
    """``<tag>`` captions numbered in order: ``Figur 1.``, ``Figur 2.``, ..."""
    count = iter(range(1, html.count(f"<{tag}") + 1))
    return re.sub(
        rf"<{tag}(\s[^>]*)?>",
        lambda m: f'{m.group(0)}<span class="number">{word} {next(count)}.</span> ',
        html,
    )


def _html_layout(html: str, words: Mapping[str, str]) -> str:
    """Tables in a box that scrolls sideways on a narrow screen (the page itself never
    does), figures and tables numbered as the PDF numbers them, and the publisher under the
    title, which pandoc's HTML template lacks."""
    html = _TABLE.sub(lambda m: f'<div class="table-scroll">{m.group(0)}</div>', html)
    html = _numbered(html, "figcaption", words["figure"])
    html = _numbered(html, "caption", words["table"])
    if words.get("publisher"):
        line = f'<p class="publisher">{escape(words["publisher"])}</p>'
        html, n = _DATE.subn(lambda m: m.group(1) + "\n" + line, html, count=1)
        if not n:
            html = html.replace("</header>", f"{line}\n</header>", 1)
    return html


_EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", re.I
)


def external_references(html: str) -> list[str]:
    """``src``/``href``/``url()`` references to other hosts (there must be none)."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]


def render_html(
    markdown: str,
    figures_dir: str | Path | None,
    out_path: str | Path,
    words: Mapping[str, str] | None = None,
) -> None:
    """One self-contained HTML file: figures as data URIs, CSS inline, no external requests.
    ``words``: ``figure`` and ``table`` (the caption numbers' words) and ``publisher``."""
    resource = str(Path(figures_dir).resolve()) if figures_dir is not None else "."
    html = _pandoc(
        markdown,
        "html5",
        [
            "--embed-resources",
            f"--css={TEMPLATES / 'report.css'}",
            f"--resource-path={resource}",
            "--number-sections",
            "--toc",
            "--toc-depth=1",
            "--wrap=none",
        ],
    )
    html = _html_layout(html, {"figure": "Figure", "table": "Table", **(words or {})})
    found = external_references(html)
    if found:
        raise ValueError(f"report HTML would load external resources: {found[:3]}")
    write_atomic(out_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))


def typst_source(markdown: str) -> str:
    """The report as a Typst document (pandoc's Typst writer inside ``report.typ``)."""
    return _pandoc(markdown, "typst", [f"--template={TEMPLATES / 'report.typ'}", "--wrap=none"])


_IMAGE = re.compile(r'image\("([^"]+)"')


def render_pdf(markdown: str, figures_dir: str | Path | None, out_path: str | Path) -> None:
    """An A4 PDF with page numbers, compiled by Typst with its bundled fonts only."""
    source = typst_source(markdown)
    with tempfile.TemporaryDirectory(prefix="mognad-report-") as tmp:
        folder = Path(tmp)
        for name in sorted(set(_IMAGE.findall(source))):
            origin = Path(figures_dir or ".") / name
            if not origin.is_file():
                raise FileNotFoundError(f"report figure {origin} does not exist")
            shutil.copyfile(origin, folder / Path(name).name)
        source = _IMAGE.sub(lambda m: f'image("{Path(m.group(1)).name}"', source)
        main = folder / "report.typ"
        main.write_text(source, encoding="utf-8")
        pdf = typst.compile(str(main), root=str(folder), ignore_system_fonts=True, format="pdf")
    write_atomic(out_path, lambda tmp: tmp.write_bytes(pdf))


def render_report(
    context: Mapping[str, Any],
    figures_dir: str | Path | None,
    html_path: str | Path | None = None,
    pdf_path: str | Path | None = None,
    markdown_path: str | Path | None = None,
) -> str:
    """Render the report's Markdown and write the requested outputs; returns the Markdown."""
    markdown = render_markdown(context, figure_files(figures_dir))
    if markdown_path is not None:
        write_atomic(markdown_path, lambda tmp: tmp.write_text(markdown, encoding="utf-8"))
    if html_path is not None:
        render_html(markdown, figures_dir, html_path, context.get("html_words"))
    if pdf_path is not None:
        render_pdf(markdown, figures_dir, pdf_path)
    return markdown
