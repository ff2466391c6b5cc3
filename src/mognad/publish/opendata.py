"""Open data: the published aggregates as a Frictionless data package.

The open data are the national, sector, type and quadrant tables exactly as the disclosure
gate published them (:mod:`mognad.publish.tables`), never respondent- or organisation-level rows.
The package describes every column in Swedish and English (words from the ``fields``
section of ``data/codebook/labels.yaml``), states the licence, the report year and the
method version, and carries each CSV's size and SHA-256 so a reader can check the files.
Nothing in it comes from the clock: two runs give identical bytes.

:func:`check_package` is the package's own gate: it refuses identifying or answer
columns, tables that are not declared aggregates, and any shown value that rests on too
few organisations or respondents (the rules of :data:`mognad.publish.tables.RULES`).

Long because the descriptor, its checks and the writer must agree field by field.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mognad.files import write_bytes
from mognad.io import CSV_OPTIONS
from mognad.labels import LabelError, Labels
from mognad.outputs import OPEN_TABLES
from mognad.publish.disclosure import SUPPRESSED, Thresholds, violations
from mognad.publish.tables import RULES

#: The published tables that are open data: aggregates over groups of organisations.
#: The package's name (stable across years; ``version`` says which edition).
PACKAGE_NAME = "mognad-digital-maturity"
#: Folder of the CSVs inside the package.
DATA_FOLDER = "data"
#: The descriptor's file name.
DESCRIPTOR = "datapackage.json"
#: Data Package v2 (frictionless 5 validates it; custom properties are allowed).
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
#: Licence when the configuration names none.
DEFAULT_LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
LANGUAGES = ("sv", "en")

#: Columns that identify an organisation: organisation-level rows are not aggregates.
ORGANISATION_COLUMNS = ("org_id", "municipality_id", "name", "employees")
#: Columns of respondent-level data (see docs/outputs.md): never published as open data.
RESPONDENT_COLUMNS = (
    "respondent_id",
    "respondent_key",
    "submission_id",
    "source_row",
    "email",
    "comment",
    "role",
    "submitted_at",
    "duration_minutes",
)
#: What an item column looks like (``EFF1``, ``TEK7_dk``) when no item list is given.
ITEM_COLUMN = re.compile(r"^[A-Z]{2,5}\d+(_dk)?$")
#: Text columns of the published tables: read as text, so a version "1.10" stays "1.10".
TEXT_COLUMNS = (
    "sector",
    "org_type",
    "level",
    "group",
    "quadrant",
    "quadrant_sv",
    "quadrant_en",
    "method_version",
)
#: The columns that identify a row of each open table.
PRIMARY_KEYS = {
    "national_by_year": ("year",),
    "sector_by_year": ("year", "sector"),
    "type_by_year": ("year", "org_type"),
    "quadrants": ("year", "level", "group", "quadrant"),
}
_SCORE_SUFFIXES = {"_ci_low": "score.ci_low", "_ci_high": "score.ci_high"}


def read_published(path: str | Path) -> pd.DataFrame:
    """A published table as the gate wrote it (text columns as text, blanks missing)."""
    return pd.read_csv(
        path,
        keep_default_na=False,
        na_values=[""],
        dtype={c: str for c in TEXT_COLUMNS},
    )


def _is_count(column: str) -> bool:
    return column == "year" or column.startswith("n_")


def open_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as the package holds it: counts that suppression turned into floats
    (``3.0``) back to integers, so the schema can say ``integer``; values unchanged."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if _is_count(column) and pd.api.types.is_float_dtype(values):
            finite = values.dropna()
            if (finite == finite.round()).all():
                out[column] = values.astype("Int64")
    if "method_version" in out.columns:
        out["method_version"] = out["method_version"].astype("string")
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as the pipeline writes CSVs (:data:`mognad.io.CSV_OPTIONS`)."""
    buffer = io.BytesIO()
    table.to_csv(buffer, **CSV_OPTIONS)
    return buffer.getvalue()


def _field_type(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "integer"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    return "string"


def _score_words(labels: Labels, column: str) -> tuple[str, str] | None:
    """(indicator, fields key) of a score column or one of its interval bounds."""
    indicators = labels.sections["indicators"]
    if column in indicators:
        return column, "score.value"
    for suffix, key in _SCORE_SUFFIXES.items():
        stem = column.removesuffix(suffix)
        if stem != column and stem in indicators:
            return stem, key
    return None


def field_words(
    labels: Labels, table: str, column: str, values: Mapping[str, Any]
) -> tuple[str, str]:
    """(title, description) of a column in one language; a column without a description
    is an error naming the key to add, so no field reaches the package undescribed."""
    fields = labels.sections.get("fields", {})
    where = f"{labels.source}: no {labels.language} {{}} for column {column!r} of {table!r}"
    description = next(
        (fields[k].format(**values) for k in (f"{table}.{column}", column) if k in fields), None
    )
    score = _score_words(labels, column)
    if description is None and score is not None and score[1] in fields:
        indicator, key = score
        description = fields[key].format(**values, indicator=labels.indicator(indicator))
    if description is None:
        raise LabelError(where.format("description") + f"; add fields.{column} to labels.yaml")
    title_key = f"{column}.title"
    if title_key in fields:
        return fields[title_key], description
    try:
        return labels.header(column), description
    except LabelError:
        raise LabelError(where.format("title") + f"; add fields.{title_key}") from None


def _categories(column: str, labels: Labels) -> dict[str, str] | None:
    """Code → name for columns holding codes (their allowed values and what they mean)."""
    sections = labels.sections
    if column == "sector":
        return dict(sections["sectors"])
    if column == "org_type":
        return dict(sections["org_types"])
    if column == "quadrant":
        return dict(sections["quadrants"])
    if column == "level":
        return {
            "national": labels.text("national"),
            "org_type": labels.header("org_type"),
            "sector": labels.header("sector"),
        }
    if column == "group":
        return {"all": labels.text("national"), **sections["org_types"], **sections["sectors"]}
    return None


def _constraints(column: str, kind: str, key: Sequence[str], method_version: str) -> dict:
    """What every value must satisfy; frictionless checks these on every row."""
    out: dict[str, Any] = {}
    if column in key or column in ("year", SUPPRESSED):
        out["required"] = True
    if kind == "integer" and _is_count(column) and column != "year":
        out["minimum"] = 0
    if column == "share":
        out |= {"minimum": 0, "maximum": 1}
    if column == "method_version":  # blank where the gate suppressed the row
        out["enum"] = [method_version]
    return out


def _field(
    table: str,
    column: str,
    values: pd.Series,
    key: Sequence[str],
    labels: Mapping[str, Labels],
    words: Mapping[str, Mapping[str, Any]],
    method_version: str,
) -> dict:
    kind = _field_type(values)
    (title, description), (title_en, description_en) = (
        field_words(labels[lang], table, column, words[lang]) for lang in LANGUAGES
    )
    field: dict[str, Any] = {
        "name": column,
        "type": kind,
        "title": title,
        "description": description,
        "title_en": title_en,
        "description_en": description_en,
    }
    if _score_words(labels["sv"], column) is not None and kind == "number":
        field["constraints"] = {"minimum": 0, "maximum": 100}
    constraints = _constraints(column, kind, key, method_version)
    if constraints:
        field["constraints"] = {**field.get("constraints", {}), **constraints}
    names = {lang: _categories(column, labels[lang]) for lang in LANGUAGES}
    if names["sv"] is not None:
        assert names["en"] is not None  # the same columns hold codes in every language
        codes = sorted(names["sv"])
        field["constraints"] = {**field.get("constraints", {}), "enum": codes}
        field["categories"] = [{"value": c, "label": names["sv"][c]} for c in codes]
        field["categories_en"] = [{"value": c, "label": names["en"][c]} for c in codes]
    return field


def _level(labels: Labels, ci_level: float) -> str:
    percent = ci_level * 100
    return labels.percent(percent, 0 if float(percent).is_integer() else 1)


def data_package(
    tables: Mapping[str, pd.DataFrame],
    labels_sv: Labels,
    labels_en: Labels,
    method_version: str,
    year: int,
    licence: Mapping[str, str] | None = None,
    *,
    thresholds: Thresholds,
    ci_level: float = 0.95,
    names: Sequence[str] = OPEN_TABLES,
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The descriptor and the tables it describes (as they are written), for the open
    tables ``names`` of the published ``tables``. ``year``: the report year (the edition);
    ``licence``: a Data Package licence (``name`` and/or ``path``, ``title``)."""
    missing = [n for n in names if n not in tables]
    if missing:
        raise KeyError(f"open data needs the published tables {', '.join(missing)}")
    identifying = [
        f"{n}: column {c}" for n in names for c in _identifying(list(tables[n].columns), ())
    ]
    if identifying:
        raise ValueError("not open data (not aggregates): " + "; ".join(identifying))
    licence = dict(DEFAULT_LICENCE if licence is None else licence)
    if not (licence.get("name") or licence.get("path")):
        raise ValueError(f"a licence needs a name or a path, got {licence}")
    labels = {"sv": labels_sv, "en": labels_en}
    common = {
        "year": year,
        "method_version": method_version,
        "min_orgs": thresholds.min_orgs,
        "min_respondents": thresholds.min_respondents,
    }
    words = {lang: {**common, "level": _level(labels[lang], ci_level)} for lang in LANGUAGES}

    def text(lang: str, key: str) -> str:
        return labels[lang].get("fields", key).format(**words[lang])

    out = {name: open_table(tables[name]) for name in names}
    resources = []
    for name, table in out.items():
        key = [c for c in PRIMARY_KEYS.get(name, ()) if c in table.columns]
        data = csv_bytes(table)
        schema: dict[str, Any] = {
            "fields": [
                _field(name, c, table[c], key, labels, words, method_version) for c in table.columns
            ],
            "missingValues": [""],
        }
        if key:
            schema["primaryKey"] = key
        resources.append(
            {
                "name": name,
                "type": "table",
                "path": f"{DATA_FOLDER}/{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(data),
                "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
                "title": text("sv", f"{name}.title"),
                "title_en": text("en", f"{name}.title"),
                "description": text("sv", f"{name}.description"),
                "description_en": text("en", f"{name}.description"),
                "schema": schema,
            }
        )
    descriptor = {
        "$schema": PROFILE,
        "name": PACKAGE_NAME,
        "title": text("sv", "package.title"),
        "title_en": text("en", "package.title"),
        "description": text("sv", "package.description"),
        "description_en": text("en", "package.description"),
        "version": f"{year}-{method_version}",
        "report_year": year,
        "method_version": method_version,
        "languages": list(LANGUAGES),
        "disclosure": {
            "min_orgs": thresholds.min_orgs,
            "min_respondents": thresholds.min_respondents,
        },
        "licenses": [licence],
        "resources": resources,
    }
    return descriptor, out


def _identifying(columns: Sequence[str], items: Collection[str]) -> list[str]:
    """Columns that identify organisations or respondents or hold answers."""
    found = []
    for column in columns:
        stem = column.removesuffix("_dk")
        if column in ORGANISATION_COLUMNS:
            found.append(f"{column} (identifies organisations)")
        elif column in RESPONDENT_COLUMNS:
            found.append(f"{column} (respondent-level)")
        elif stem in items or ITEM_COLUMN.match(column):
            found.append(f"{column} (an item's answers)")
    return found


def check_package(
    descriptor: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    thresholds: Thresholds,
    items: Collection[str] = (),
    allowed: Collection[str] = OPEN_TABLES,
) -> list[str]:
    """Everything that must not go out as open data, one line each (empty: fine):
    tables that are not declared aggregates, identifying or answer columns (``items``:
    the instrument's item codes; without them, anything shaped like ``EFF1``), shown
    values resting on too few units, and a descriptor that does not match the tables."""
    problems = []
    resources = {r["name"]: r for r in descriptor.get("resources", [])}
    for name in sorted(set(tables) ^ set(resources)):
        where = "the descriptor" if name in resources else "the tables"
        problems.append(f"{name}: only in {where}")
    for name in sorted(set(tables) & set(resources)):
        table, resource = tables[name], resources[name]
        if name not in allowed:
            problems.append(f"{name}: not a declared open aggregate ({', '.join(allowed)})")
        problems += [f"{name}: column {c}" for c in _identifying(list(table.columns), items)]
        fields = [f["name"] for f in resource.get("schema", {}).get("fields", [])]
        if fields != list(table.columns):
            problems.append(f"{name}: schema fields {fields} differ from columns")
        if resource.get("path") != f"{DATA_FOLDER}/{name}.csv":
            problems.append(f"{name}: path {resource.get('path')!r} is not {DATA_FOLDER}/")
        version = descriptor.get("method_version")
        if "method_version" in table.columns and set(table["method_version"].dropna()) != {version}:
            problems.append(f"{name}: method_version differs from the package's {version!r}")
        rule = RULES.get(name)
        if rule is None:
            problems.append(f"{name}: no disclosure rule in mognad.publish.tables.RULES")
            continue
        absent = [c for c in rule.counts() if c not in table.columns]
        if absent:
            problems.append(f"{name}: lacks the counts its rows rest on: {', '.join(absent)}")
            continue
        if SUPPRESSED not in table.columns:
            problems.append(f"{name}: no {SUPPRESSED} column (not a published table)")
        for cell in violations(table, rule, thresholds).itertuples(index=False):
            problems.append(
                f"{name}: row {cell.row}, column {cell.column} shows {cell.value!r} "
                f"although it rests on fewer than {thresholds.min_orgs} organisations "
                f"or {thresholds.min_respondents} respondents"
            )
    return problems


def descriptor_json(descriptor: Mapping[str, Any]) -> str:
    """The descriptor as written: sorted keys, two-space indent, UTF-8 text, final newline."""
    return json.dumps(descriptor, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_package(
    folder: str | Path, descriptor: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]
) -> list[Path]:
    """Write ``data/<name>.csv`` and ``datapackage.json`` into ``folder`` (each file
    atomically) and return their paths. A table whose bytes do not match the hash in the
    descriptor is an error: the descriptor would describe other data."""
    folder = Path(folder)
    contents = {}
    for resource in descriptor["resources"]:
        data = csv_bytes(tables[resource["name"]])
        if resource.get("hash") != f"sha256:{hashlib.sha256(data).hexdigest()}":
            raise ValueError(f"{resource['name']}: the table differs from the descriptor's")
        contents[folder / resource["path"]] = data
    contents[folder / DESCRIPTOR] = descriptor_json(descriptor).encode("utf-8")
    for path, data in contents.items():
        write_bytes(path, data)
    return list(contents)


def validate_package(path: str | Path) -> list[str]:
    """Frictionless's verdict on a written package (descriptor, types, constraints, keys,
    sizes and hashes), one line per error; empty when valid. Imported here only: the
    other stages need not load frictionless."""
    import frictionless

    report = frictionless.validate(Path(path))
    found = [("package", error) for error in report.errors]
    found += [(task.name, error) for task in report.tasks for error in task.errors]
    lines = []
    for where, error in found:
        row, field = getattr(error, "row_number", None), getattr(error, "field_name", None)
        lines.append(
            where
            + (f", row {row}" if row is not None else "")
            + (f", field {field}" if field is not None else "")
            + f": {error.type}: {error.note}"
        )
    return lines
