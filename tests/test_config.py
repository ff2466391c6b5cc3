"""Configuration: the shipped config is valid; a wrong key stops the run clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mognad.config import SCHEMA, config_problems, load_config, validate_config
from mognad.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_config_is_valid():
    config = load_config(ROOT / "config.yaml")
    assert config["years"] == list(range(2018, 2026))


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_type_names_file_line_key_found_and_expected(tmp_path):
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("min_answered_share: 0.5", 'min_answered_share: "half"')
    path = _write(tmp_path, text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "min_answered_share" in t)
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert str(path) in message and f"line {line}" in message
    assert "cleaning.min_answered_share" in message and "'half' (a string)" in message
    assert "type number" in message


@pytest.mark.parametrize(("key", "low", "floor"), [("min_orgs", 1, 3), ("min_respondents", 4, 5)])
def test_disclosure_thresholds_below_the_floor_are_refused(tmp_path, key, low, floor):
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    shipped = yaml.safe_load(text)["disclosure"][key]
    text = text.replace(f"  {key}: {shipped}\n", f"  {key}: {low}\n")
    path = _write(tmp_path, text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == f"{key}: {low}")
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert str(path) in message and f"line {line}" in message
    assert f"disclosure.{key}' = {low}" in message and f"minimum {floor}" in message


def test_every_problem_is_reported(tmp_path):
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["years"] = ["2019"]
    config["languages"] = ["sv", "de"]
    config["unknown_key"] = 1
    problems = config_problems(config, str(tmp_path / "none.yaml"))
    found = " | ".join(p.found for p in problems)
    assert "years.0" in found and "languages.1" in found and "unknown_key" in found
    with pytest.raises(InputError):
        validate_config(config)


def test_every_schema_key_is_described():
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    undocumented = []

    def walk(node: dict, path: str) -> None:
        for key, sub in (node.get("properties") or {}).items():
            if not sub.get("description"):
                undocumented.append(f"{path}{key}")
            walk(sub, f"{path}{key}.")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[].")

    walk(schema, "")
    assert undocumented == []
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert set(config) == set(schema["properties"])


def test_a_report_year_outside_the_survey_years_is_refused_with_its_line(tmp_path):
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert "  year: null" in text
    text = text.replace("  year: null", "  year: 2031", 1)
    path = _write(tmp_path, text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == "year: 2031")
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert f"line {line}" in message and "'report.year' = 2031" in message


def test_a_survey_year_without_a_codebook_entry_is_named_with_its_line(tmp_path):
    from mognad.config import codebook_year_problems

    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    path = _write(tmp_path, text)
    config = yaml.safe_load(text)
    years = config["years"]
    problems = codebook_year_problems(config, years[:-1], "demo.yaml", str(path))
    assert len(problems) == 1
    message = str(problems[0])
    assert f"survey year {years[-1]}" in message and "demo.yaml" in message
    assert message.startswith(f"{path}, line ")


def test_a_bad_value_in_an_override_is_named_in_the_override(tmp_path):
    """An override (as ``--configfile``) is laid over config.yaml; its bad value is
    reported in the override, at its line, not in config.yaml."""
    override = tmp_path / "override.yaml"
    override.write_text("bootstrap:\n  replicates: 500\n  level: 1.5\n", encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_config(override)
    message = str(excinfo.value)
    assert f"{override}, line 3" in message and "bootstrap.level" in message
    assert "config.yaml" not in message
    override.write_text("bootstrap:\n  replicates: 500\n", encoding="utf-8")
    config = load_config(override)
    assert config["bootstrap"]["replicates"] == 500 and config["years"]  # the rest kept


def test_a_tab_in_the_yaml_is_a_problem_with_its_line(tmp_path):
    path = _write(tmp_path, "years: [2024]\nbootstrap:\n\treplicates: 10\n")
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert f"{path}, line 3" in message and "tabs" in message


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("report:\n  year: 2031\n", "'report.year' = 2031"),
        ("years: [2024, 2025, 2031]\n", "survey year 2031 in 'years'"),
    ],
)
def test_a_workflow_run_with_a_bad_config_stops_before_any_job_without_traceback(
    tmp_path, override, said
):
    import subprocess
    import sys

    path = tmp_path / "override.yaml"
    path.write_text(override, encoding="utf-8")
    command = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", str(path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert f"{path}, line " in result.stderr and said in result.stderr
    assert "Nothing was run." in result.stderr
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr


def test_a_key_that_moved_says_where_its_values_live_now(tmp_path):
    """An old config with quadrant names under method: one problem, pointing to the labels."""
    override = tmp_path / "old.yaml"
    override.write_text('method:\n  quadrants:\n    mature: {sv: "x", en: "y"}\n', encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_config(ROOT / "config.yaml", override)
    problems = excinfo.value.problems
    assert len(problems) == 1
    message = str(excinfo.value)
    assert str(override) in message and "line 2" in message
    assert "method.quadrants" in message and "labels" in message
    assert "Additional properties" not in message


def test_the_publisher_is_one_name_or_one_per_language():
    from mognad.labels import localised

    assert localised("Konsortiet", "en") == "Konsortiet"
    assert localised({"sv": "Konsortiet", "en": "The Consortium"}, "en") == "The Consortium"
    assert localised({"sv": "Konsortiet"}, "en") == ""
    assert localised(None, "sv") == ""
