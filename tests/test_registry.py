"""The registry of published outputs: every entry's code exists, its caption renders and
names that code, and docs/outputs.md shows the registry as it is."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from conftest import CONFIG, ROOT
from docutils.core import publish_parts

from mognad import registry
from mognad.outputs import FIGURES, PUBLISHED_TABLES

CAPTIONS = ROOT / "workflow" / "report"


def _resolve(target: str):
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


@pytest.mark.parametrize("output", registry.OUTPUTS, ids=lambda o: o.name)
def test_every_entry_names_code_that_exists(output):
    assert callable(_resolve(output.builder))
    if output.source:
        assert callable(_resolve(output.source))


@pytest.mark.parametrize(
    "caption", sorted({o.caption for o in registry.OUTPUTS if o.caption}), ids=str
)
def test_every_caption_renders_and_names_its_code(caption):
    source = (CAPTIONS / caption).read_text(encoding="utf-8")
    text = jinja2.Template(source).render(snakemake=SimpleNamespace(config=CONFIG))
    # warnings are errors: a caption that renders with complaints is a broken caption
    html = publish_parts(text, writer="html", settings_overrides={"halt_level": 2})["body"]
    assert html.strip()
    assert source.rstrip().endswith(registry.caption_line(caption))
    for output in registry.OUTPUTS:
        if output.caption == caption:
            assert output.builder in source and output.rule in source


def test_every_caption_file_belongs_to_an_entry():
    used = {o.caption for o in registry.OUTPUTS}
    assert sorted(p.name for p in CAPTIONS.glob("*.rst") if p.name not in used) == []


def test_figures_and_tables_are_all_registered_once():
    figures = [o.name for o in registry.OUTPUTS if o.kind == "figure"]
    assert figures == list(FIGURES) == list(registry.FIGURE_MODULES)
    tables = [o.name for o in registry.OUTPUTS if o.kind == "table"]
    assert tables == [*PUBLISHED_TABLES, "regression_table"]
    keys = [o.key for o in registry.OUTPUTS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("name", FIGURES)
def test_each_figure_module_draws_its_figure_and_only_it(name):
    output = registry.by_name(name, "figure")
    module = importlib.import_module(output.module)
    assert callable(module.draw) and callable(getattr(module, name))
    # draw calls the registered function by name, and no other figure's
    source = Path(module.__file__).read_text(encoding="utf-8")
    draw = source.split("\ndef draw(", 1)[1]
    called = set(re.findall(r"\b(\w+)\(", draw)) & set(FIGURES)
    assert called == {name}


def test_docs_show_the_registry_as_it_is():
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    section = text.split(registry.DOC_START + "\n", 1)[1].split(registry.DOC_END, 1)[0]
    assert section == registry.markdown(), "run: python tools/write_outputs_doc.py"


def test_files_match_their_patterns_and_nothing_else():
    assert [o.name for o in registry.owners("results/en/figures/national_trend.svg")] == [
        "national_trend"
    ]
    assert [o.key for o in registry.owners("results/tables/sector_trends.csv")] == [
        "table:sector_trends"
    ]
    assert [o.key for o in registry.owners("results/sv/tables/sector_trends.tex")] == [
        "readable:readable_tables"
    ]
    assert [o.name for o in registry.owners("results/sv/profiles/2025/O0001.pdf")] == ["profiles"]
    assert [o.name for o in registry.owners("results/en/profiles/2025/index.html")] == [
        "profile_index"
    ]
    assert [o.name for o in registry.owners("results/sv/explorer.html")] == ["explorer"]
    assert registry.owners("results/tables/unknown.csv") == []
    assert registry.owners("results/tables/sector_trends.tex") == []  # readable: per language
    assert registry.owners("results/figures/national_trend.svg") == []
    assert registry.owners("results/sv/figures/national_trend/extra.csv") == []


def test_a_config_slice_holds_exactly_the_named_keys():
    keys = registry.by_name("quadrant_scatter").config
    settings = registry.config_slice(CONFIG, keys)
    assert set(settings) == set(keys)
    assert settings["method.quadrant_thresholds"] == CONFIG["method"]["quadrant_thresholds"]
    assert "bootstrap" not in settings and "method" not in settings
