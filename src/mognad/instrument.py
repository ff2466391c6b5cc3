"""The instrument (canonical items, categories, dimensions, scale) and the codebook.

The instrument says what is measured; the codebook says how each year's export spells it:
file, format, column names, answer labels or codes. Changes between years (renamed,
added or dropped items, labels versus codes) are entries in these YAML files, not code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from mognad.errors import Problem, raise_if_any

#: The codebook's word for an answer that is "Vet ej" (don't know).
DONT_KNOW = "dont_know"

#: Roles that a column of an export can play, besides items and personal columns.
META_ROLES = (
    "submission_id",
    "respondent_token",
    "submitted_at",
    "organisation",
    "role",
    "duration_minutes",
)
REQUIRED_META = ("submission_id", "organisation")
#: Personal fields a codebook may declare; they are read only to flag test responses
#: and find duplicate submissions, and never leave ingestion.
PERSONAL_FIELDS = ("name", "email", "comment")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Item:
    id: str
    category: str
    dimension: str
    reverse: bool
    revisions: tuple[int, ...]
    sv: str
    en: str
    previously: dict[int, str] = field(default_factory=dict)

    def text_sv(self, revision: int) -> str:
        """The Swedish statement as it was worded in a given instrument revision."""
        return self.previously.get(revision, self.sv)


@dataclass(frozen=True)
class Instrument:
    name: str
    version: str
    revisions: tuple[int, ...]
    scale_min: int
    scale_max: int
    points: dict[int, dict[str, str]]
    dont_know: dict[str, str]
    dimensions: dict[str, dict[str, Any]]
    categories: dict[str, dict[str, str]]
    items: tuple[Item, ...]

    def item_ids(self, revision: int | None = None) -> list[str]:
        return [i.id for i in self.items if revision is None or revision in i.revisions]

    def item(self, item_id: str) -> Item:
        return self._by_id[item_id]

    def category_items(self, category: str, revision: int | None = None) -> list[str]:
        return [
            i.id
            for i in self.items
            if i.category == category and (revision is None or revision in i.revisions)
        ]

    def dimension_categories(self, dimension: str) -> list[str]:
        return list(self.dimensions[dimension]["categories"])

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}


#: libyaml's loader where PyYAML was built with it (10x faster: profile jobs read the
#: instrument and labels each), the pure-Python one otherwise; both load the same.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """A YAML file's content; a missing file or invalid YAML is a clear error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise_if_any([Problem(str(path), "no such file", "an existing YAML file")])
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        rows = (mark.line + 1,) if mark is not None else ()
        raise_if_any(
            [Problem(str(path), f"invalid YAML ({err})", "valid YAML", rows=rows, unit="line")]
        )


def load_instrument(path: str | Path) -> Instrument:
    """Read and check the instrument definition; every category must have 5-7 items."""
    path = Path(path)
    doc = read_yaml(path)
    problems: list[Problem] = []
    categories = doc["categories"]
    items = []
    for raw in doc["items"]:
        cat = raw["category"]
        if cat not in categories:
            problems.append(
                Problem(str(path), f"category '{cat}' for item {raw['id']}", "a listed category")
            )
            continue
        items.append(
            Item(
                id=raw["id"],
                category=cat,
                dimension=categories[cat]["dimension"],
                reverse=bool(raw.get("reverse", False)),
                revisions=tuple(raw["revisions"]),
                sv=raw["sv"],
                en=raw["en"],
                previously={int(k): v["sv"] for k, v in (raw.get("previously") or {}).items()},
            )
        )
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        problems.append(Problem(str(path), f"repeated item ids {dupes}", "unique item ids"))
    instrument = Instrument(
        name=doc["instrument"],
        version=str(doc["version"]),
        revisions=tuple(doc["revisions"]),
        scale_min=int(doc["scale"]["min"]),
        scale_max=int(doc["scale"]["max"]),
        points={int(k): v for k, v in doc["scale"]["points"].items()},
        dont_know=doc["scale"]["dont_know"],
        dimensions=doc["dimensions"],
        categories=categories,
        items=tuple(items),
    )
    for rev in instrument.revisions:
        for cat in categories:
            n = len(instrument.category_items(cat, rev))
            if not 5 <= n <= 7:
                problems.append(
                    Problem(str(path), f"{n} items in '{cat}' for revision {rev}", "5 to 7 items")
                )
    raise_if_any(problems)
    return instrument


@dataclass(frozen=True)
class AnswerScale:
    """How one export spells answers: labels (text) or numeric codes, to 1-5 or Vet ej."""

    name: str
    kind: str
    values: dict[str, int | None]  # normalised label/code -> scale point; None = Vet ej
    spelled: tuple[str, ...] = ()  # the labels/codes as the codebook writes them

    def spelling(self) -> dict[int | None, str]:
        """The codebook's own spelling of each scale point (None = Vet ej); first wins."""
        out: dict[int | None, str] = {}
        for text in self.spelled:
            out.setdefault(self.values[normalise_label(text)], text)
        return out


@dataclass(frozen=True)
class YearSpec:
    """Everything needed to read one year's export and map it onto canonical items."""

    year: int
    file: Path
    format: str
    instrument_revision: int
    answers: AnswerScale
    roles: dict[str, str]  # normalised label -> role code
    columns: dict[str, str]
    organisation_match: str
    items: dict[str, str]
    personal: dict[str, str]
    ignore: tuple[str, ...] = ()
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    sheet: str | None = None
    submitted_at_format: str | None = None
    role_labels: dict[str, str] = field(default_factory=dict)  # role code -> label as written

    def expected_columns(self) -> list[str]:
        return [*self.columns.values(), *self.personal.values(), *self.ignore, *self.items]


def year_spec_fingerprint(spec: YearSpec) -> str:
    """Fingerprint of everything a year's codebook entry resolves to (layout included).

    A year's ingestion depends on this, not on the whole codebook file, so adding next
    year's entry (or editing another year's) leaves the earlier years' jobs alone. The
    export is named by file name only: its location is a separate input of the job.
    """
    fields = {**asdict(spec), "file": spec.file.name}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Codebook:
    source: str
    path: Path
    years: dict[int, YearSpec]


def normalise_label(value: object) -> str:
    """Labels and codes compare without case, surrounding or repeated whitespace."""
    return " ".join(str(value).split()).casefold()


def _answer_scale(name: str, raw: dict[str, Any]) -> AnswerScale:
    values = {
        normalise_label(k): (None if v == DONT_KNOW else int(v)) for k, v in raw["values"].items()
    }
    spelled = tuple(str(k) for k in raw["values"])
    return AnswerScale(name=name, kind=raw["kind"], values=values, spelled=spelled)


def load_codebook(path: str | Path, instrument: Instrument, raw_dir: str | Path) -> Codebook:
    """Read the codebook, resolve each year's layout, and check it against the instrument."""
    path = Path(path)
    doc = read_yaml(path)
    src = str(path)
    problems: list[Problem] = []
    scales = {n: _answer_scale(n, s) for n, s in doc["answer_scales"].items()}
    role_scales = {
        n: {normalise_label(k): v for k, v in s.items()} for n, s in doc["role_scales"].items()
    }
    role_labels = {
        n: {v: k for k, v in reversed(list(s.items()))} for n, s in doc["role_scales"].items()
    }
    years: dict[int, YearSpec] = {}
    for year, entry in doc["years"].items():
        where = f"years.{year}"
        layout_name = entry.get("layout")
        if layout_name not in doc["layouts"]:
            problems.append(Problem(src, f"{where}.layout = {layout_name!r}", "a named layout"))
            continue
        spec = {**doc["layouts"][layout_name], **{k: v for k, v in entry.items() if k != "layout"}}
        rev = int(spec["instrument_revision"])
        wanted = set(instrument.item_ids(rev))
        mapped = list(spec["items"].values())
        unknown = [i for i in mapped if i not in wanted]
        missing = sorted(wanted - set(mapped))
        if unknown:
            problems.append(
                Problem(src, f"{where}: items {unknown}", f"items of instrument revision {rev}")
            )
        if missing:
            problems.append(
                Problem(src, f"{where}: no column for items {missing}", "every item mapped")
            )
        if len(set(mapped)) != len(mapped):
            problems.append(Problem(src, f"{where}: an item mapped twice", "one column per item"))
        for role in REQUIRED_META:
            if role not in spec["columns"]:
                problems.append(Problem(src, f"{where}: no '{role}' column", "one declared"))
        if spec["format"] not in FORMATS:
            problems.append(
                Problem(src, f"{where}.format = {spec['format']!r}", f"one of {FORMATS}")
            )
        if spec["answers"] not in scales:
            problems.append(Problem(src, f"{where}.answers = {spec['answers']!r}", "a scale name"))
            continue
        years[int(year)] = YearSpec(
            year=int(year),
            file=Path(raw_dir) / spec["file"],
            format=spec["format"],
            instrument_revision=rev,
            answers=scales[spec["answers"]],
            roles=role_scales.get(spec.get("roles", ""), {}),
            role_labels=role_labels.get(spec.get("roles", ""), {}),
            columns=dict(spec["columns"]),
            organisation_match=spec.get("organisation_match", "name"),
            items=dict(spec["items"]),
            personal=dict(spec.get("personal") or {}),
            ignore=tuple(spec.get("ignore") or ()),
            encoding=spec.get("encoding", "utf-8"),
            delimiter=spec.get("delimiter", ","),
            decimal=spec.get("decimal", "."),
            sheet=spec.get("sheet"),
            submitted_at_format=spec.get("submitted_at_format"),
        )
    raise_if_any(problems)
    return Codebook(source=doc["source"], path=path, years=years)
