"""Reading exports: valid files map onto canonical items; every kind of bad input stops
with a message naming the file, the row and the column."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import valid_export, write_export

from mognad.errors import InputError
from mognad.ingest.clean import prepare_year
from mognad.ingest.exports import map_export, read_export, read_organisations

LABEL_YEAR, CODE_YEAR, XLSX_YEAR = 2019, 2022, 2024


def _ingest(spec, instrument, register_file, cleaning):
    table = read_export(spec.file, spec)
    frame, problems = map_export(
        table, spec, instrument, read_organisations(register_file), cleaning["test_markers"]
    )
    if problems:
        raise InputError(problems)
    return frame


@pytest.fixture
def ingest_error(instrument, register_file, cleaning, tmp_path):
    """Write an export, ingest it, and return the error message it must raise."""

    def run(frame: pd.DataFrame, spec) -> tuple[str, object]:
        spec = write_export(frame, spec, tmp_path / f"export.{spec.format}")
        with pytest.raises(InputError) as excinfo:
            _ingest(spec, instrument, register_file, cleaning)
        return str(excinfo.value), spec.file

    return run


def _message(excinfo) -> str:
    return str(excinfo.value)


def _located(message: str, file, row: int | None, column: str | None) -> bool:
    """The message names the file and, where given, the row and the column."""
    ok = str(file) in message
    if row is not None:
        ok &= re.search(rf"\brows? (?:[\d, ]*\b)?{row}\b", message) is not None
    if column is not None:
        ok &= f"column '{column}'" in message
    return ok


@pytest.mark.parametrize("year", [LABEL_YEAR, CODE_YEAR, XLSX_YEAR])
def test_valid_export_maps_to_canonical_items(
    year, codebook, instrument, register_file, cleaning, tmp_path
):
    spec = codebook.years[year]
    frame = valid_export(spec)
    spec = write_export(frame, spec, tmp_path / f"export.{spec.format}")
    mapped = _ingest(spec, instrument, register_file, cleaning)
    assert len(mapped) == len(frame)
    assert (mapped["org_id"] == "O0001").all()
    for k, (column, item) in enumerate(spec.items.items()):
        expected = [(i + k) % 5 + 1 for i in range(len(frame))]
        assert mapped[item].tolist() == expected, column
    not_asked = [i for i in instrument.item_ids() if i not in spec.items.values()]
    assert mapped[not_asked].isna().all().all()
    assert mapped["duration_minutes"].eq(12.5).all()
    assert mapped["submitted_at"].dt.month.eq(3).all()


def test_vet_ej_is_missing_not_the_midpoint(
    codebook, instrument, register_file, cleaning, tmp_path
):
    spec = codebook.years[LABEL_YEAR]
    frame = valid_export(spec)
    first = next(iter(spec.items))
    frame.loc[0, first] = "  vet EJ "  # case and whitespace are forgiven
    frame.loc[1, first] = ""
    spec = write_export(frame, spec, tmp_path / "export.csv")
    mapped = _ingest(spec, instrument, register_file, cleaning)
    item = spec.items[first]
    assert pd.isna(mapped.loc[0, item]) and mapped.loc[0, f"{item}_dk"]
    assert pd.isna(mapped.loc[1, item]) and not mapped.loc[1, f"{item}_dk"]


def test_organisation_names_match_despite_case_and_spacing(
    codebook, instrument, register_file, cleaning, tmp_path
):
    spec = codebook.years[LABEL_YEAR]
    frame = valid_export(spec)
    column = spec.columns["organisation"]
    frame.loc[0, column] = "  EKHALLA  kommun, socialförvaltningen "
    spec = write_export(frame, spec, tmp_path / "export.csv")
    assert _ingest(spec, instrument, register_file, cleaning)["org_id"].eq("O0001").all()


def test_personal_columns_never_reach_the_canonical_frame(
    codebook, instrument, register_file, cleaning, tmp_path
):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    frame[spec.personal["email"]] = "anna.andersson@ekhalla.example"
    frame[spec.personal["comment"]] = "Bra enkät; tack!"
    spec = write_export(frame, spec, tmp_path / "export.csv")
    mapped = _ingest(spec, instrument, register_file, cleaning)
    assert not set(spec.personal.values()) & set(mapped.columns)
    text = [str(v) for v in mapped.to_numpy().ravel()]
    assert not any("anna" in t or "enkät" in t for t in text)


# --- one test per kind of bad input -------------------------------------------------


def test_unknown_column(codebook, ingest_error):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec).assign(Extra="1")
    message, file = ingest_error(frame, spec)
    assert _located(message, file, 1, "Extra")
    assert "does not list" in message


def test_missing_column(codebook, ingest_error):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec).drop(columns=["Q5"])
    message, file = ingest_error(frame, spec)
    assert _located(message, file, 1, "Q5")
    assert "no such column" in message


def test_answer_label_not_in_codebook(codebook, ingest_error):
    spec = codebook.years[LABEL_YEAR]
    frame = valid_export(spec)
    column = list(spec.items)[3]
    frame.loc[2, column] = "Håller med"
    message, file = ingest_error(frame, spec)
    assert _located(message, file, 4, column)  # header is row 1, frame row 2 is row 4
    assert "'Håller med'" in message and "Instämmer helt" in message


def test_answer_code_out_of_range(codebook, ingest_error):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    frame.loc[5, "Q12"] = "7"
    message, file = ingest_error(frame, spec)
    assert _located(message, file, 7, "Q12")
    assert "'7' (a code out of range)" in message and "'0' (Vet ej)" in message


def test_missing_organisation_id(codebook, ingest_error):
    spec = codebook.years[XLSX_YEAR]
    frame = valid_export(spec)
    frame.loc[1, spec.columns["organisation"]] = ""
    message, file = ingest_error(frame, spec)
    assert _located(message, file, 3, spec.columns["organisation"])
    assert "no organisation" in message


def test_unknown_organisation(codebook, ingest_error):
    spec = codebook.years[LABEL_YEAR]
    frame = valid_export(spec)
    frame.loc[4, spec.columns["organisation"]] = "Okänd förvaltning"
    message, file = ingest_error(frame, spec)
    assert _located(message, file, 6, spec.columns["organisation"])
    assert "'Okänd förvaltning'" in message


def test_empty_file(codebook, tmp_path):
    spec = replace(codebook.years[LABEL_YEAR], file=tmp_path / "empty.csv")
    spec.file.write_bytes(b"")
    with pytest.raises(InputError) as excinfo:
        read_export(spec.file, spec)
    assert str(spec.file) in _message(excinfo) and "an empty file" in _message(excinfo)


def test_truncated_csv(codebook, tmp_path):
    spec = codebook.years[CODE_YEAR]
    spec = write_export(valid_export(spec), spec, tmp_path / "export.csv")
    lines = spec.file.read_bytes().split(b"\r\n")
    lines[-2] = b",".join(lines[-2].split(b",")[:3])  # the last row, cut after three fields
    spec.file.write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as excinfo:
        read_export(spec.file, spec)
    message = _message(excinfo)
    assert _located(message, spec.file, 7, spec.columns["organisation"])
    assert "3 fields" in message and "cut off" in message


def test_truncated_csv_inside_quotes(codebook, tmp_path):
    spec = codebook.years[LABEL_YEAR]
    frame = valid_export(spec)
    frame.loc[5, spec.personal["comment"]] = "Ett långt svar; med semikolon"
    spec = write_export(frame, spec, tmp_path / "export.csv")
    data = spec.file.read_bytes()
    spec.file.write_bytes(data[: data.index("långt".encode("cp1252"))])
    with pytest.raises(InputError) as excinfo:
        read_export(spec.file, spec)
    assert _located(_message(excinfo), spec.file, 7, None)


def test_truncated_xlsx(codebook, tmp_path):
    spec = codebook.years[XLSX_YEAR]
    spec = write_export(valid_export(spec), spec, tmp_path / "export.xlsx")
    data = spec.file.read_bytes()
    spec.file.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as excinfo:
        read_export(spec.file, spec)
    assert str(spec.file) in _message(excinfo) and "not a readable XLSX" in _message(excinfo)


def test_undecodable_bytes(codebook, tmp_path):
    spec = codebook.years[CODE_YEAR]  # declared UTF-8, written here as cp1252
    spec = write_export(valid_export(spec), replace(spec, encoding="cp1252"), tmp_path / "e.csv")
    spec = replace(spec, encoding=codebook.years[CODE_YEAR].encoding)
    with pytest.raises(InputError) as excinfo:
        read_export(spec.file, spec)
    message = _message(excinfo)
    # the first bad byte is the cp1252 "ö" of the (quoted, comma-holding) organisation name
    assert _located(message, spec.file, 2, spec.columns["organisation"])
    assert "b'\\xf6'" in message and "not valid utf-8" in message


def test_xlsx_without_expected_sheet(codebook, tmp_path):
    spec = codebook.years[XLSX_YEAR]
    spec = write_export(valid_export(spec), replace(spec, sheet="Blad1"), tmp_path / "export.xlsx")
    spec = replace(spec, sheet=codebook.years[XLSX_YEAR].sheet)
    with pytest.raises(InputError) as excinfo:
        read_export(spec.file, spec)
    message = _message(excinfo)
    assert str(spec.file) in message and "'Blad1'" in message and f"'{spec.sheet}'" in message


def test_xlsx_is_really_a_zip_of_sheets(codebook, tmp_path):
    """Guard for the test above: the workbook written has the sheet we asked for."""
    spec = write_export(
        valid_export(codebook.years[XLSX_YEAR]), codebook.years[XLSX_YEAR], tmp_path / "e.xlsx"
    )
    with zipfile.ZipFile(spec.file) as archive:
        assert "Svar" in archive.read("xl/workbook.xml").decode()


def test_every_problem_is_listed_at_once(codebook, instrument, register_file, cleaning, tmp_path):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec).drop(columns=["Q2"])
    frame.loc[0, "Q1"] = "8"
    frame.loc[1, "Q3"] = "x"
    frame.loc[2, spec.columns["organisation"]] = ""
    frame.loc[3, spec.columns["duration_minutes"]] = "tolv"
    spec = write_export(frame, spec, tmp_path / "export.csv")
    table = read_export(spec.file, spec)
    _, problems = map_export(
        table, spec, instrument, read_organisations(register_file), cleaning["test_markers"]
    )
    located = {(p.column, p.rows) for p in problems}
    assert {
        ("Q2", (1,)),
        ("Q1", (2,)),
        ("Q3", (3,)),
        (spec.columns["organisation"], (4,)),
        (spec.columns["duration_minutes"], (5,)),
    } <= located


def test_repeated_submission_ids(codebook, ingest_error):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    frame.loc[3, spec.columns["submission_id"]] = frame.loc[1, spec.columns["submission_id"]]
    message, file = ingest_error(frame, spec)
    assert _located(message, file, 3, spec.columns["submission_id"])


def test_bad_register_row(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text(
        "org_id,name,org_type,sector,municipality_id,county,employees\n"
        "O1,Ett,municipal,education,M1,Dalarnas län,10\n"
        "O1,Två,municipal,education,M1,Dalarnas län,-3\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as excinfo:
        read_organisations(path)
    message = _message(excinfo)
    assert _located(message, path, 3, "employees") and _located(message, path, 3, "org_id")


def test_prepare_year_reports_unknown_year(tmp_path, cleaning):
    from conftest import CONFIG, ROOT

    with pytest.raises(InputError, match="no entry for 1999"):
        prepare_year(
            1999,
            tmp_path / "dimios_1999.csv",
            ROOT / CONFIG["instrument"],
            ROOT / CONFIG["source"]["codebook"],
            tmp_path / "organisations.csv",
            cleaning,
        )


def test_row_numbers_survive_blank_lines(codebook, instrument, register_file, cleaning, tmp_path):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    frame.loc[4, "Q9"] = "6"
    spec = write_export(frame, spec, tmp_path / "export.csv")
    lines = spec.file.read_bytes().split(b"\r\n")
    spec.file.write_bytes(b"\r\n".join([*lines[:2], b"", *lines[2:]]))  # blank line after row 2
    with pytest.raises(InputError) as excinfo:
        _ingest(spec, instrument, register_file, cleaning)
    assert _located(_message(excinfo), spec.file, 7, "Q9")
    assert np.array_equal(read_export(spec.file, replace(spec)).rows[:3], [2, 4, 5])
