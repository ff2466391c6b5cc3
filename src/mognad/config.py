"""Load the workflow configuration and check it against its JSON schema.

A wrong key or value stops the run with the file, the key's line and path, what was found
and what the schema expects, for every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mognad.errors import Problem, raise_if_any

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"

_TYPE_NAMES = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "a mapping",
    type(None): "nothing",
}


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line of each key path in a YAML text (1-based), for messages that point at it."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                lines[(*path, str(i))] = value.start_mark.line + 1
                walk(value, (*path, str(i)))

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def config_problems(
    config: Mapping[str, Any], source: str = "config.yaml", schema_path: Path = SCHEMA
) -> list[Problem]:
    """Every way ``config`` breaks the schema, located in ``source`` where possible."""
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    source_path = Path(source)
    lines = _key_lines(source_path.read_text(encoding="utf-8")) if source_path.is_file() else {}
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        path = tuple(str(p) for p in error.absolute_path)
        key = ".".join(path) or "(top level)"
        line = lines.get(path)
        value = error.instance
        kind = _TYPE_NAMES.get(type(value), type(value).__name__)
        found = f"key '{key}' = {value!r} ({kind})" if path else error.message
        expected = error.message if path else "the keys the schema describes"
        if error.validator in ("type", "enum", "minimum", "maximum", "minLength"):
            expected = (
                f"{error.validator} {error.validator_value!r}"
                if error.validator != "type"
                else f"type {error.validator_value}"
            )
            described = error.schema.get("description")
            if described:
                expected += f" ({described.strip()})"
        problems.append(Problem(source, found, expected, rows=(line,) if line else (), unit="line"))
    if not problems:
        problems += _consistency_problems(config, source, lines)
    return problems


def _consistency_problems(
    config: Mapping[str, Any], source: str, lines: Mapping[tuple[str, ...], int]
) -> list[Problem]:
    """What the schema cannot say: values that must agree with each other."""
    report_year = (config.get("report") or {}).get("year")
    years = list(config.get("years") or [])
    if report_year is None or report_year in years:
        return []
    line = lines.get(("report", "year"))
    return [
        Problem(
            source,
            f"key 'report.year' = {report_year!r}, not among the survey years {years}",
            "one of 'years', or null for the latest",
            rows=(line,) if line else (),
            unit="line",
        )
    ]


def codebook_year_problems(
    config: Mapping[str, Any], codebook_years: Iterable[int], codebook_file: str, source: str
) -> list[Problem]:
    """Survey years of the config without an entry in the codebook (checked before any
    job runs: a year without its layout cannot be read)."""
    available = set(codebook_years)
    path = Path(source)
    lines = _key_lines(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return [
        Problem(
            source,
            f"survey year {year} in 'years', which {codebook_file} has no entry for",
            f"a year of the codebook ({sorted(available)}); add the year's layout there first",
            rows=(lines[("years", str(i))],) if ("years", str(i)) in lines else (),
            unit="line",
        )
        for i, year in enumerate(config.get("years") or [])
        if year not in available
    ]


def validate_config(
    config: Mapping[str, Any], source: str = "config.yaml", schema_path: Path = SCHEMA
) -> None:
    raise_if_any(config_problems(config, source, schema_path))


def load_config(path: str | Path = ROOT / "config.yaml") -> dict[str, Any]:
    """Read a config file and check it; raises InputError listing every problem."""
    path = Path(path)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    validate_config(config, str(path))
    return config
