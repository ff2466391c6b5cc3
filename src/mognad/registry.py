"""Every published output in one place: its files, the one function that builds it, the
rule that writes it, its caption and the config keys it depends on.

A newcomer goes from a caption (which names its builder) or a file under ``results/`` to
the function in one hop. The workflow takes its published-output rules from here (one
rule per figure), ``docs/outputs.md`` is checked against it, and a test walks it: every
file under ``results/`` matches exactly one entry, whose rule is the only writer of it.
Light on purpose: the workflow imports it while it builds its plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mognad.outputs import FIGURES, POINTS_TABLE, PUBLISHED_TABLES


@dataclass(frozen=True)
class Output:
    """One published output. ``files`` are patterns under the project (``{name}``,
    ``{ext}``, ``{year}``, ``{model}``, ``{org_id}``, ``{group_id}``, ``{stem}`` stand for
    parts that vary);
    ``builder`` is the ``module:function`` that makes the files, ``source`` the one that
    computes their numbers where that is another (a table's analysis, before the gate);
    ``config`` the dotted config keys it is built from (its caption may cite others,
    rendered when the Snakemake report is written)."""

    name: str
    kind: str
    files: tuple[str, ...]
    builder: str
    rule: str
    caption: str | None
    inputs: tuple[str, ...] = ()
    config: tuple[str, ...] = ()
    source: str | None = None

    @property
    def key(self) -> str:
        """Unique across the registry (a figure and a table may share a name)."""
        return f"{self.kind}:{self.name}"

    @property
    def module(self) -> str:
        return self.builder.split(":")[0]

    @property
    def function(self) -> str:
        return self.builder.split(":")[1]

    def matches(self, path: str) -> bool:
        """Whether ``path`` (relative to the project) is one of this output's files."""
        return any(_pattern(f).fullmatch(path) for f in self.files)


#: What a part of a file pattern may be; any other ``{part}`` is one path segment.
#: An organisation id is never ``index`` (the profiles' index page; see profile_data).
_PARTS = {"org_id": r"(?!index\.)[A-Za-z0-9][A-Za-z0-9_.-]*"}


def _pattern(template: str) -> re.Pattern[str]:
    out = []
    for part in re.split(r"(\{\w+\})", template):
        name = re.fullmatch(r"\{(\w+)\}", part)
        out.append(_PARTS.get(name.group(1), r"[^/]+") if name else re.escape(part))
    return re.compile("".join(out))


#: Where each figure is drawn (a module with ``draw`` and the figure's own function).
FIGURE_MODULES = {
    "national_trend": "mognad.publish.figures.national",
    "sector_trends": "mognad.publish.figures.sector_lines",
    "quadrant_scatter": "mognad.publish.figures.quadrant_map",
    "quadrant_shares": "mognad.publish.figures.quadrant_bars",
    "category_profile": "mognad.publish.figures.categories",
    "trend_views": "mognad.publish.figures.change",
    "forest_plot": "mognad.publish.figures.forest",
    "sensitivity": "mognad.publish.figures.ranks",
    "quality_overview": "mognad.publish.figures.quality",
}
#: Published tables each figure draws.
FIGURE_INPUTS = {
    "national_trend": ("national_by_year",),
    "sector_trends": ("sector_by_year",),
    "quadrant_scatter": (POINTS_TABLE,),
    "quadrant_shares": ("quadrants",),
    "category_profile": ("sector_by_year", "national_by_year"),
    "trend_views": ("year_over_year", "change_decomposition", "fixed_effects_trend"),
    "forest_plot": (),
    "sensitivity": ("sensitivity_ranks", "sensitivity_groups"),
    "quality_overview": ("reliability",),
}
#: Config keys every figure is drawn with: its words and the suppression note.
_FIGURE_CONFIG = ("languages", "disclosure", "report.figure_formats")
#: Config keys of single figures, besides those.
FIGURE_CONFIG = {
    "sector_trends": ("analysis.focus_sectors",),
    "quadrant_scatter": ("report.year", "method.quadrant_thresholds"),
    "category_profile": ("report.year",),
    "forest_plot": ("models",),
    "sensitivity": ("report.year",),
}

#: The analysis function that computes each published table's content (the gate,
#: :func:`mognad.publish.tables.publish_tables`, then suppresses and rounds it).
TABLE_SOURCES = {
    "national_by_year": "mognad.indices.scores:score_year",
    "sector_by_year": "mognad.indices.scores:score_year",
    "type_by_year": "mognad.indices.scores:score_year",
    "area_by_year": "mognad.indices.scores:score_year",
    "size_by_year": "mognad.indices.scores:score_year",
    "sector_focus": "mognad.analyses.sectors:focus_table",
    "sample": "mognad.publish.tables:sample_table",
    "quadrants": "mognad.indices.scores:quadrant_table",
    "change_decomposition": "mognad.analyses.trends:trend_tables",
    "year_over_year": "mognad.analyses.trends:trend_tables",
    "fixed_effects_trend": "mognad.analyses.trends:fixed_effects_trend",
    "sector_trends": "mognad.analyses.trends:sector_trends",
    "sector_contrasts": "mognad.analyses.sectors:pairwise_contrasts",
    "type_contrasts": "mognad.analyses.sectors:pairwise_contrasts",
    "contrast_exclusions": "mognad.analyses.sectors:excluded_groups",
    "flow": "mognad.ingest.clean:clean_year",
    "reliability": "mognad.indices.reliability:reliability_table",
    "item_quality": "mognad.indices.reliability:item_table",
    "aggregation": "mognad.indices.reliability:aggregation_table",
    "cfa_fit": "mognad.indices.factor:cfa_fit_table",
    "invariance": "mognad.indices.factor:invariance_table",
    "sensitivity_groups": "mognad.indices.sensitivity:sensitivity_year",
    "sensitivity_ranks": "mognad.indices.sensitivity:sensitivity_year",
    "sensitivity_draws": "mognad.indices.sensitivity:sensitivity_year",
}

_PUBLISH = "mognad.publish.tables:publish_tables"


def _figures() -> list[Output]:
    return [
        Output(
            name=name,
            kind="figure",
            files=(
                f"results/{{lang}}/figures/{name}.{{ext}}",
                f"results/{{lang}}/figures/{name}.csv",
            ),
            builder=f"{FIGURE_MODULES[name]}:{name}",
            rule=f"figure_{name}",
            caption=f"figure_{name}.rst",
            inputs=FIGURE_INPUTS[name],
            config=(*_FIGURE_CONFIG, *FIGURE_CONFIG.get(name, ())),
        )
        for name in FIGURES
    ]


def _tables() -> list[Output]:
    return [
        Output(
            name=name,
            kind="table",
            files=(f"results/tables/{name}.csv",),
            builder=_PUBLISH,
            rule="publish_tables",
            caption=f"{name}.rst",
            inputs=(name,),
            config=("disclosure", "analysis.min_orgs"),
            source=TABLE_SOURCES[name],
        )
        for name in PUBLISHED_TABLES
    ]


OUTPUTS: tuple[Output, ...] = (
    *_figures(),
    *_tables(),
    Output(
        "quadrant_points",
        "points",
        (f"results/tables/{POINTS_TABLE}.csv",),
        "mognad.publish.disclosure:quadrant_points",
        "publish_tables",
        None,
        ("org_scores",),
        ("disclosure", "report.year"),
    ),
    Output(
        "readable_tables",
        "readable",
        ("results/{lang}/tables/{name}.md", "results/{lang}/tables/{name}.tex"),
        "mognad.publish.tables:readable_texts",
        "readable_tables",
        None,
        (*PUBLISHED_TABLES, "results/models"),
        ("languages", "labels"),
    ),
    Output(
        "workbook",
        "workbook",
        ("results/{lang}/tables/tables_{year}.xlsx",),
        "mognad.publish.tables:workbook_bytes",
        "readable_tables",
        "workbook.rst",
        PUBLISHED_TABLES,
        ("languages", "report.year", "method.version", "disclosure"),
    ),
    Output(
        "models",
        "models",
        ("results/models/{model}.csv", "results/models/{model}_fit.csv"),
        "mognad.publish.modeltables:publish_model",
        "publish_models",
        None,
        ("data/processed/models",),
        ("models", "disclosure"),
        "mognad.analyses.models:fit_model",
    ),
    Output(
        "regression_table",
        "table",
        ("results/tables/regression_table.csv",),
        "mognad.publish.modeltables:regression_table",
        "publish_models",
        "regression_table.rst",
        ("data/processed/models",),
        ("models", "disclosure"),
        "mognad.analyses.models:fit_model",
    ),
    Output(
        "open_data",
        "open_data",
        ("results/opendata/datapackage.json", "results/opendata/data/{name}.csv"),
        "mognad.publish.opendata:write_package",
        "open_data",
        "open_data.rst",
        ("national_by_year", "sector_by_year", "type_by_year", "quadrants"),
        ("open_data", "report.year", "method.version", "bootstrap.level"),
    ),
    Output(
        "profiles",
        "profiles",
        (
            "results/{lang}/profiles/{year}/{org_id}.html",
            "results/{lang}/profiles/{year}/{org_id}.pdf",
        ),
        "mognad.publish.profiles:render_profile_files",
        "profile",
        "profiles.rst",
        ("data/processed/profiles/{year}",),
        ("languages",),
    ),
    Output(
        "profile_index",
        "profiles",
        ("results/{lang}/profiles/{year}/index.html",),
        "mognad.publish.profiles:write_index",
        "profile_index",
        "profiles.rst",
        ("data/processed/profiles/{year}",),
        ("languages",),
    ),
    Output(
        "municipality_profiles",
        "profiles",
        (
            "results/{lang}/profiles/{year}/municipalities/{group_id}.html",
            "results/{lang}/profiles/{year}/municipalities/{group_id}.pdf",
        ),
        "mognad.publish.profiles:render_profile_files",
        "municipality_profile",
        "profiles.rst",
        ("data/processed/profiles/{year}",),
        ("languages",),
    ),
    Output(
        "explorer",
        "page",
        ("results/{lang}/explorer.html",),
        "mognad.publish.explorer:write_explorer",
        "explorer",
        "explorer.rst",
        ("national_by_year", "type_by_year", "sector_by_year"),
        ("languages", "report.year", "disclosure", "bootstrap.level"),
    ),
    Output(
        "status_report",
        "report",
        tuple(f"results/{{lang}}/report/{{stem}}.{ext}" for ext in ("md", "html", "pdf")),
        "mognad.publish.report:render_report",
        "report",
        "status_report.rst",
        ("tables", "figures", "models", "method.json"),
        ("languages", "report", "disclosure", "analysis", "bootstrap"),
    ),
    Output(
        "method_record",
        "record",
        ("results/method.json",),
        "mognad.indices.scores:method_record",
        "method_record",
        None,
        (),
        ("method", "bootstrap", "sensitivity"),
    ),
    Output(
        "manifest",
        "record",
        ("results/manifest.json",),
        "mognad.provenance:build_manifest",
        "manifest",
        None,
        ("every input and published file",),
        (),
    ),
    Output(
        "snakemake_report",
        "record",
        ("results/snakemake_report.html",),
        "snakemake.report:auto_report",
        "snakemake --report (bash dev.sh report)",
        None,
        ("every output with a caption",),
        (),
    ),
)


def by_name(name: str, kind: str | None = None) -> Output:
    """The output called ``name`` (of ``kind``, where a figure and a table share a name)."""
    found = [o for o in OUTPUTS if o.name == name and kind in (None, o.kind)]
    if len(found) != 1:
        raise KeyError(f"{name}: {len(found)} outputs of that name")
    return found[0]


def owners(path: str) -> list[Output]:
    """The outputs that ``path`` (relative to the project) belongs to."""
    return [o for o in OUTPUTS if o.matches(path)]


def config_slice(config: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The values of dotted ``keys`` in ``config``: what a rule passes to its job."""
    out = {}
    for key in keys:
        value: Any = config
        for part in key.split("."):
            value = value[part]
        out[key] = value
    return out


def caption_line(caption: str) -> str:
    """The sentence a caption ends with: the code behind its outputs, one hop away."""
    parts = []
    for output in OUTPUTS:
        if output.caption == caption:
            made = f"``{output.builder}`` (rule ``{output.rule}``)"
            if output.source:
                made = f"``{output.source}``, published by {made}"
            parts.append(made)
    return "Made by " + "; ".join(parts) + "."


#: The markers around the registry's table in ``docs/outputs.md``.
DOC_START = "<!-- registry: generated by tools/write_outputs_doc.py -->"
DOC_END = "<!-- registry end -->"


def markdown() -> str:
    """The registry as a Markdown table, for ``docs/outputs.md``."""
    rows = ["| output | files | made by | rule | config keys |", "|---|---|---|---|---|"]
    for o in OUTPUTS:
        files = "<br>".join(f"`{f}`" for f in o.files)
        made = f"`{o.builder}`" + (f" (numbers: `{o.source}`)" if o.source else "")
        config = ", ".join(f"`{k}`" for k in o.config) or "–"
        rows.append(f"| {o.name} | {files} | {made} | `{o.rule}` | {config} |")
    return "\n".join(rows) + "\n"
