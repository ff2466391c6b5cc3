"""Random damage to real-looking exports, as a property: whatever the bytes, delimiters,
encodings, headers or cells, reading and mapping an export either accepts it or stops
with an InputError (file, row, column, found, expected); never another exception, and no
message repeats an e-mail address that was typed into a cell."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from conftest import CONFIG, ROOT, valid_export, write_export
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mognad.errors import InputError
from mognad.ingest.exports import map_export, read_export, read_organisations
from mognad.instrument import load_codebook, load_instrument

INSTRUMENT = load_instrument(ROOT / CONFIG["instrument"])
CODEBOOK = load_codebook(ROOT / CONFIG["source"]["codebook"], INSTRUMENT, ROOT / "data/raw/demo")
REGISTER = read_organisations(ROOT / CONFIG["source"]["organisations"])
YEARS = (2019, 2022, 2024)  # cp1252 with ';', UTF-8 with ',', XLSX
EMAIL = "fuzz.person@example.se"


def _byte_damage(data: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["truncate", "insert", "flip", "delete", "nul"]))
    if not data:
        return data
    # a position as a share of the file, so that what is drawn never depends on the bytes
    at = draw(st.integers(0, 9_999)) * len(data) // 10_000
    if kind == "truncate":
        return data[:at]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 200)) :]
    return data[:at] + b"\x00" + data[at:]


def _text_damage(text: str, spec, draw) -> str:
    kind = draw(st.sampled_from(["delimiter", "title", "header", "blank_lines"]))
    if kind == "delimiter":
        other = draw(st.sampled_from([",", ";", "\t", "|"]))
        return text.replace(spec.delimiter, other)
    if kind == "title":
        return "Export " + str(spec.year) + "\r\n" + text
    if kind == "header":
        lines = text.split("\r\n")
        lines[0] = lines[0].upper() if draw(st.booleans()) else ""
        return "\r\n".join(lines)
    return text.replace("\r\n", "\r\n\r\n", draw(st.integers(1, 5)))


def _cell_damage(frame: pd.DataFrame, draw) -> pd.DataFrame:
    frame = frame.copy()
    row = draw(st.integers(0, 7)) % len(frame)
    column = draw(st.sampled_from(list(frame.columns)))
    frame.loc[row, column] = draw(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from([EMAIL, "3.0", "-1", "99", "", " ", "Vet ej", "x" * 5000]),
        )
    )
    if draw(st.booleans()):  # a repeated or renamed column
        names = list(frame.columns)
        names[draw(st.integers(0, 200)) % len(names)] = draw(
            st.sampled_from([names[0], "Okänd kolumn", ""])
        )
        frame.columns = names
    return frame


@st.composite
def damaged_exports(draw):
    year = draw(st.sampled_from(YEARS))
    spec = CODEBOOK.years[year]
    frame = valid_export(spec, n=draw(st.integers(1, 8)))
    damage = draw(st.sampled_from(["cells", "bytes", "text", "encoding"]))
    if damage == "cells":
        frame = _cell_damage(frame, draw)
    return spec, frame, damage, draw(st.data())


def _write(spec, frame, damage, data, folder: Path):
    try:
        spec = write_export(frame, spec, folder / f"export.{spec.format}")
    except UnicodeEncodeError:  # a drawn character the export's encoding cannot hold
        (folder / f"export.{spec.format}").unlink(missing_ok=True)
        assume(False)
    raw = spec.file.read_bytes()
    if damage == "bytes":
        raw = _byte_damage(raw, data.draw)
    elif damage == "text" and spec.format == "csv":
        raw = _text_damage(raw.decode(spec.encoding), spec, data.draw).encode(
            spec.encoding, errors="replace"
        )
    elif damage == "encoding" and spec.format == "csv":
        other = data.draw(st.sampled_from(["utf-16", "utf-8", "cp1252", "latin-1"]))
        raw = raw.decode(spec.encoding).encode(other, errors="replace")
    spec.file.write_bytes(raw)
    return replace(spec, file=spec.file)


@settings(
    max_examples=120,
    derandomize=True,  # a fixed sequence of examples: the same on every run and machine
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=damaged_exports())
def test_damaged_exports_are_read_or_refused_with_a_message(case, tmp_path_factory):
    spec, frame, damage, data = case
    folder = tmp_path_factory.mktemp("fuzz")
    spec = _write(spec, frame, damage, data, folder)
    try:
        table = read_export(spec.file, spec)
        mapped, problems = map_export(table, spec, INSTRUMENT, REGISTER, [])
    except InputError as err:
        problems = list(err.problems)
        mapped = None
    message = str(InputError(problems)) if problems else ""
    assert EMAIL not in message
    for problem in problems:
        assert problem.file == str(spec.file) and problem.found and problem.expected
    if not problems:
        assert mapped is not None and len(mapped) >= 1
    assert sorted(p.name for p in folder.iterdir()) == [spec.file.name]  # nothing else written
