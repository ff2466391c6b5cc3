"""Load the workflow configuration and check it against its JSON schema.

A wrong key or value stops the run with the file, the key's line and path, what was found
and what the schema expects, for every problem at once.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mognad.errors import InputError, Problem, raise_if_any


def _project_root() -> Path:
    """The checkout the package runs from; for an installed package, the working directory
    (run inside a project folder that holds config.yaml)."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "Snakefile").is_file() else Path.cwd()


ROOT = _project_root()
#: Package data: read from the installed package, wherever it is.
SCHEMA = Path(__file__).resolve().parent / "schemas" / "config.schema.yaml"

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


Sources = str | Path | Sequence[str | Path]


def _source_lines(sources: Sources) -> list[tuple[str, dict[tuple[str, ...], int]]]:
    """(file, key lines) of each config file, in the order they are merged."""
    paths = [sources] if isinstance(sources, str | Path) else list(sources)
    out = []
    for path in map(Path, paths):
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        out.append((str(path), _key_lines(text)))
    return out


def _where(
    sources: list[tuple[str, dict[tuple[str, ...], int]]], path: tuple[str, ...]
) -> tuple[str, int | None]:
    """The file that sets a key (the last one merged that has it) and its line; for a key
    no file has (a missing one), the nearest key above it."""
    for depth in range(len(path), 0, -1):
        for source, lines in reversed(sources):
            if path[:depth] in lines:
                return source, lines[path[:depth]]
    return sources[-1][0], None


#: Keys that moved elsewhere, and where their values live now.
MOVED_KEYS: dict[tuple[str, ...], str] = {
    ("method", "quadrants"): "quadrant names are words, kept with the others in the labels "
    "file (its `quadrants:` section, data/codebook/labels.yaml)",
}


def config_problems(
    config: Mapping[str, Any], source: Sources = "config.yaml", schema_path: Path = SCHEMA
) -> list[Problem]:
    """Every way ``config`` breaks the schema, located where possible in the file that
    sets the bad value: ``source`` is one file, or several merged in order (later ones
    override, as Snakemake's ``--configfile``)."""
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    sources = _source_lines(source)
    problems = []
    config = copy.deepcopy(dict(config))
    for moved, now in MOVED_KEYS.items():
        parent: Any = config
        for part in moved[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and moved[-1] in parent:
            del parent[moved[-1]]  # reported here, not again as an unknown key
            where, line = _where(sources, moved)
            found = f"key '{'.'.join(moved)}', which is no longer read"
            rows = (line,) if line else ()
            problems.append(Problem(where, found, f"it removed: {now}", rows=rows, unit="line"))
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        path = tuple(str(p) for p in error.absolute_path)
        key = ".".join(path) or "(top level)"
        where, line = _where(sources, path)
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
        problems.append(Problem(where, found, expected, rows=(line,) if line else (), unit="line"))
    if not problems:
        problems += _consistency_problems(config, sources)
    return problems


def _consistency_problems(
    config: Mapping[str, Any], sources: list[tuple[str, dict[tuple[str, ...], int]]]
) -> list[Problem]:
    """What the schema cannot say: values that must agree with each other."""
    report_year = (config.get("report") or {}).get("year")
    years = list(config.get("years") or [])
    if report_year is None or report_year in years:
        return []
    where, line = _where(sources, ("report", "year"))
    return [
        Problem(
            where,
            f"key 'report.year' = {report_year!r}, not among the survey years {years}",
            "one of 'years', or null for the latest",
            rows=(line,) if line else (),
            unit="line",
        )
    ]


def codebook_year_problems(
    config: Mapping[str, Any], codebook_years: Iterable[int], codebook_file: str, source: Sources
) -> list[Problem]:
    """Survey years of the config without an entry in the codebook (checked before any
    job runs: a year without its layout cannot be read)."""
    available = set(codebook_years)
    sources = _source_lines(source)
    problems = []
    for i, year in enumerate(config.get("years") or []):
        if year in available:
            continue
        where, line = _where(sources, ("years", str(i)))
        problems.append(
            Problem(
                where,
                f"survey year {year} in 'years', which {codebook_file} has no entry for",
                f"a year of the codebook ({sorted(available)}); add the year's layout first",
                rows=(line,) if line else (),
                unit="line",
            )
        )
    return problems


def validate_config(
    config: Mapping[str, Any], source: Sources = "config.yaml", schema_path: Path = SCHEMA
) -> None:
    raise_if_any(config_problems(config, source, schema_path))


def read_yaml_file(path: str | Path) -> Any:
    """A YAML file's content; a syntax error (a tab for indentation, say) is a problem
    with its line, not a traceback."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), "no such file", "a YAML config file")])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        tab = "\t" in reason or "\\t" in reason  # PyYAML shows the tab escaped
        hint = " (indent with spaces: YAML does not allow tabs)" if tab else ""
        raise InputError(
            [
                Problem(
                    str(path),
                    f"a YAML syntax error: {reason}",
                    f"valid YAML{hint}",
                    rows=(mark.line + 1,) if mark is not None else (),
                    unit="line",
                )
            ]
        ) from None


def merged(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` laid over ``base``, mappings merged key by key (as Snakemake merges
    ``--configfile`` files), everything else replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def load_config(*paths: str | Path) -> dict[str, Any]:
    """Read the project's config with any override files laid over it, in order (as
    ``snakemake --configfile`` does), and check the result; raises InputError listing
    every problem, each in the file that sets the bad value. A single path that is a
    whole config (it has ``years``) is read on its own."""
    files = [Path(p) for p in paths] or [ROOT / "config.yaml"]
    first = read_yaml_file(files[0]) or {}
    if len(files) == 1 and "years" in first:
        config = first
    else:
        if "years" not in first:
            files.insert(0, ROOT / "config.yaml")
        config = {}
        for path in files:
            config = merged(config, read_yaml_file(path) or {})
    validate_config(config, [str(p) for p in files])
    return config
