"""Swedish and English words for everything a reader sees: figures, tables, report, profiles.

Codes (``education``, ``capability``, ``mature``, ``n_orgs``) stay codes inside the
pipeline; only published outputs translate them, through one :class:`Labels` per language.
The words come from three places, each where its owners edit it: category and dimension
names from the instrument, quadrant names from the method in ``config.yaml``, and the rest
(sectors, organisation types, column headers, short texts) from
``data/codebook/labels.yaml``. A code without a label is an error naming the section and
code, so nothing unlabelled reaches a figure.

Numbers are written the way each language writes them: ``41,2`` and ``1 234`` in Swedish
(decimal comma, a no-break space between thousands), ``41.2`` and ``1,234`` in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mognad.instrument import Instrument, load_instrument, read_yaml
from mognad.peers import size_band_bounds

LANGUAGES = ("sv", "en")
#: Shown where a value is missing or suppressed.
DASH = "–"


def significance_stars(p: float) -> str:
    """* p < .05, ** p < .01, *** p < .001; nothing for a missing p-value."""
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


#: The no-break space Swedish puts between thousands (and before a per cent sign).
NBSP = "\u00a0"


#: A patsy dummy term: C(variable)[T.level].
_FACTOR_TERM = re.compile(r"^C\((?P<variable>\w+)\)\[T\.(?P<level>.+)\]$")
#: Column suffixes of indicator columns and the header they take.
_SUFFIX_HEADERS = {"_ci_low": "ci_low", "_ci_high": "ci_high", "_se": "std_error"}


class LabelError(KeyError):
    """A code that has no label in the requested section."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


@dataclass(frozen=True)
class Labels:
    """All labels of one language: ``sections[section][code]`` is the shown text."""

    language: str
    sections: Mapping[str, Mapping[str, str]]
    source: str = "labels"

    def get(self, section: str, code: str) -> str:
        try:
            return self.sections[section][str(code)]
        except KeyError:
            known = ", ".join(sorted(self.sections.get(section, {}))) or "none"
            raise LabelError(
                f"{self.source}: no {self.language} label for {code!r} in section "
                f"{section!r} (known: {known}); add it to data/codebook/labels.yaml"
            ) from None

    def sector(self, code: str) -> str:
        return self.get("sectors", code)

    def org_type(self, code: str) -> str:
        return self.get("org_types", code)

    def area(self, code: str) -> str:
        return self.get("areas", code)

    def size_band(self, code: str) -> str:
        """A size band (``100-249``, ``1000+``, :func:`mognad.peers.size_band_codes`)."""
        try:
            low, high = size_band_bounds(code)
        except ValueError as err:
            raise LabelError(str(err)) from None
        if high is None:
            return self.text("size_band_open", low=self.number(float(low), 0))
        return self.text(
            "size_band_range", low=self.number(float(low), 0), high=self.number(float(high), 0)
        )

    def indicator(self, code: str) -> str:
        """A category, a dimension or ``maturity``."""
        return self.get("indicators", code)

    def quadrant(self, code: str) -> str:
        return self.get("quadrants", code)

    def term(self, term: str) -> str:
        """A regression term in words: ``C(sector)[T.education]`` is the sector's name,
        ``C(year)[T.2020]`` the year, ``C(org_type)[T.region]`` "Organisationstyp: Region"
        (a state agency is both a sector and an organisation type); other terms
        (``np.log(employees)``) from ``terms``."""
        match = _FACTOR_TERM.match(term)
        if not match:
            return self.get("terms", term)
        variable, level = match["variable"], match["level"]
        if variable == "sector":
            return self.sector(level)
        if variable == "org_type":
            return f"{self.header(variable)}: {self.org_type(level)}"
        if variable == "year":
            return str(int(float(level)))
        return f"{self.header(variable)}: {level}"

    def model(self, spec: Mapping[str, Any]) -> str:
        """A model by its outcome and kind, e.g. "Digital mognad (OLS)", from its spec
        (``formula`` and ``kind``, as in config.yaml or a model's fit table)."""
        outcome = str(spec["formula"]).split("~")[0].strip()
        return f"{self.indicator(outcome)} ({self.get('model_kinds', str(spec['kind']))})"

    def header(self, column: str) -> str:
        """A table column's header; ``<indicator>_ci_low`` style columns are composed."""
        if column in self.sections["headers"]:
            return self.get("headers", column)
        if column in self.sections["indicators"]:
            return self.indicator(column)
        for suffix, header in _SUFFIX_HEADERS.items():
            stem = column.removesuffix(suffix)
            if stem == column:
                continue
            if stem in self.sections["indicators"] or stem in self.sections["headers"]:
                return f"{self.header(stem)}, {self.get('headers', header)}"
        return self.get("headers", column)

    def group(self, level: str, code: str) -> str:
        """A group of a ``level`` (``national``, ``sector``, ``org_type``, ``area``,
        ``size_band``) by its code."""
        if level == "national":
            return self.text("national")
        names = {
            "sector": self.sector,
            "org_type": self.org_type,
            "area": self.area,
            "size_band": self.size_band,
        }
        return names[level](code)

    def text(self, key: str, **values: Any) -> str:
        return self.get("texts", key).format(**values)

    def number(self, value: float | None, digits: int = 1) -> str:
        """A number as the language writes it; missing values as a dash."""
        if value is None or not np.isfinite(value):
            return DASH
        text = f"{value:,.{digits}f}"
        if self.language == "sv":
            text = text.replace(",", NBSP).replace(".", ",").replace("-", "−")
        return text

    def percent(self, value: float | None, digits: int = 0) -> str:
        """A value already in per cent, with its sign: ``41 %`` / ``41%``."""
        if value is None or not np.isfinite(value):
            return DASH
        space = NBSP if self.language == "sv" else ""
        return f"{self.number(value, digits)}{space}%"


def localised(value: str | Mapping[str, str] | None, language: str) -> str:
    """A config text that may be given per language (``{sv: ..., en: ...}``) or once for
    all (a name that is not translated); empty when not given for ``language``."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return str(value.get(language) or "")
    return str(value)


def _pick(entries: Mapping[str, Mapping[str, str]], language: str, where: str) -> dict[str, str]:
    out = {}
    for code, names in entries.items():
        if language not in names:
            raise LabelError(f"{where}: {code!r} has no {language!r} text")
        out[str(code)] = str(names[language])
    return out


def load_labels(
    path: str | Path,
    instrument: Instrument,
    language: str,
) -> Labels:
    """Every label in ``language`` from the labels file and the instrument."""
    if language not in LANGUAGES:
        raise LabelError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    path = Path(path)
    raw = read_yaml(path)
    sections = {name: _pick(entries, language, f"{path}: {name}") for name, entries in raw.items()}
    sections["indicators"] = {
        **_pick(instrument.categories, language, "instrument categories"),
        **_pick(instrument.dimensions, language, "instrument dimensions"),
        **sections.get("indicators", {}),
    }
    return Labels(language=language, sections=sections, source=str(path))


def quadrant_names(path: str | Path) -> dict[str, dict[str, str]]:
    """The quadrants' names in every language (code -> language -> name), for tables that
    carry both."""
    raw = read_yaml(Path(path)).get("quadrants", {})
    return {str(code): {lang: raw[code][lang] for lang in LANGUAGES} for code in raw}


def labels_from_files(
    labels_path: str | Path,
    instrument_path: str | Path,
    language: str,
) -> Labels:
    """:func:`load_labels` from the two files a job gets as inputs (labels, instrument)."""
    return load_labels(labels_path, load_instrument(instrument_path), language)
