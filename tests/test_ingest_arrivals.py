"""Exports as they really arrive: saved with the wrong delimiter, encoding or format, a
title above the header, numbers saved as "3.0", very long comments, personal data typed
into the wrong column. Each is read, or stopped with one message that names the likely
cause, and never quotes a personal value."""

from __future__ import annotations

import zipfile
from dataclasses import replace

import numpy as np
import pytest
from conftest import CONFIG, ROOT, valid_export, write_export

from mognad.errors import InputError, shown_value
from mognad.ingest.exports import map_export, read_export, read_organisations

LABEL_YEAR, CODE_YEAR, XLSX_YEAR = 2019, 2022, 2024  # cp1252 ';', utf-8 ',', xlsx


def _mapped(frame, spec, instrument, register_file, path):
    """Write ``frame`` as ``spec`` lays it out, read it and map it: (frame, problems)."""
    written = write_export(frame, spec, path)
    table = read_export(written.file, written)
    return map_export(table, written, instrument, read_organisations(register_file), [])


def _refused(spec) -> str:
    with pytest.raises(InputError) as excinfo:
        read_export(spec.file, spec)
    return str(excinfo.value)


def _export(codebook, year, tmp_path, frame=None, name="export.csv"):
    spec = codebook.years[year]
    return write_export(valid_export(spec) if frame is None else frame, spec, tmp_path / name)


def test_a_workbook_renamed_to_csv_is_named_as_such(codebook, tmp_path):
    book = _export(codebook, XLSX_YEAR, tmp_path, name="export.xlsx")
    spec = replace(codebook.years[CODE_YEAR], file=tmp_path / "export.csv")
    spec.file.write_bytes(book.file.read_bytes())
    assert zipfile.is_zipfile(spec.file)
    message = _refused(spec)
    assert str(spec.file) in message and "ZIP archive" in message and "format to xlsx" in message


def test_a_utf16_unicode_text_export_is_named_as_such(codebook, tmp_path):
    spec = _export(codebook, CODE_YEAR, tmp_path)
    spec.file.write_bytes(spec.file.read_text(encoding=spec.encoding).encode("utf-16"))
    message = _refused(spec)
    assert "UTF-16" in message and f"CSV in {spec.encoding}" in message


def test_random_bytes_give_a_message_not_a_traceback(codebook, tmp_path):
    spec = replace(codebook.years[CODE_YEAR], file=tmp_path / "noise.csv")
    spec.file.write_bytes(np.random.default_rng(5).bytes(5000))
    message = _refused(spec)
    assert str(spec.file) in message and "binary data" in message


def test_a_semicolon_file_against_a_comma_layout_names_the_delimiter(codebook, tmp_path):
    comma = codebook.years[CODE_YEAR]
    spec = write_export(valid_export(comma), replace(comma, delimiter=";"), tmp_path / "e.csv")
    message = _refused(replace(spec, delimiter=","))
    assert "semicolon-separated" in message and "commas (',')" in message
    assert message.startswith("Bad input:") and len(message.splitlines()) == 2  # one problem


def test_a_utf8_file_declared_cp1252_names_the_encoding(codebook, tmp_path):
    cp1252 = codebook.years[LABEL_YEAR]
    spec = write_export(
        valid_export(cp1252), replace(cp1252, encoding="utf-8"), tmp_path / "export.csv"
    )
    message = _refused(replace(spec, encoding="cp1252"))
    assert "encoded as UTF-8" in message and "'Ã¥'" in message and "encoding to utf-8" in message


def test_a_title_above_the_header_is_named(codebook, tmp_path):
    spec = _export(codebook, CODE_YEAR, tmp_path)
    text = spec.file.read_text(encoding=spec.encoding)
    spec.file.write_text("Digital mognad 2022\r\n\r\n" + text, encoding=spec.encoding)
    message = _refused(spec)
    assert "the header on row 3" in message and "title" in message


def test_rows_with_the_wrong_number_of_fields_are_grouped(codebook, tmp_path):
    spec = _export(codebook, CODE_YEAR, tmp_path)
    lines = spec.file.read_bytes().split(b"\r\n")
    for i in (2, 3, 5):  # three rows, each cut after three fields
        lines[i] = b",".join(lines[i].split(b",")[:3])
    spec.file.write_bytes(b"\r\n".join(lines))
    message = _refused(spec)
    assert message.startswith("Bad input:") and "rows 3, 4, 6" in message


def test_numeric_codes_saved_with_decimals_are_read_as_the_codes(
    codebook, instrument, register_file, cleaning, tmp_path
):
    spec = codebook.years[CODE_YEAR]
    plain = valid_export(spec)
    decimals = plain.copy()
    for column in spec.items:
        decimals[column] = [f"{v}.0" if v.isdigit() else v for v in plain[column]]
    frames = []
    for frame, name in ((plain, "plain.csv"), (decimals, "decimals.csv")):
        mapped, problems = _mapped(frame, spec, instrument, register_file, tmp_path / name)
        assert problems == []
        frames.append(mapped[list(instrument.item_ids())])
    assert frames[0].equals(frames[1])


def test_a_one_megabyte_comment_is_read_and_dropped(
    codebook, instrument, register_file, cleaning, tmp_path
):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    frame.loc[2, spec.personal["comment"]] = "Mycket att säga. " * 60_000
    mapped, problems = _mapped(frame, spec, instrument, register_file, tmp_path / "export.csv")
    assert problems == [] and len(mapped) == len(frame)
    assert spec.personal["comment"] not in mapped.columns


def test_a_repeated_header_is_a_problem_not_a_crash(codebook, instrument, register_file, tmp_path):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    role = spec.columns["role"]
    frame.columns = [role if c == spec.columns["duration_minutes"] else c for c in frame.columns]
    _, problems = _mapped(frame, spec, instrument, register_file, tmp_path / "export.csv")
    assert any(p.column == role and "repeated column" in p.found for p in problems)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("anna.andersson@kommun.se", "an e-mail address"),
        ("19800101-1234", "a personal identity number"),
    ],
)
def test_personal_values_in_the_wrong_column_are_described_not_quoted(
    codebook, instrument, register_file, tmp_path, typed, kind
):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    frame.loc[1, spec.columns["role"]] = typed
    frame.loc[2, spec.columns["organisation"]] = typed
    _, problems = _mapped(frame, spec, instrument, register_file, tmp_path / "export.csv")
    message = str(InputError(problems))
    assert typed not in message
    assert message.count(kind) == 2
    assert shown_value("Chef") == "'Chef'" and shown_value("x" * 41).startswith("a text of")
    # a survey tool's plain ten-digit response number is not a personal identity number
    assert shown_value("8001011234") == "'8001011234'"
    assert shown_value("800101-1234") == "a personal identity number"


def test_e_mail_addresses_as_submission_ids_are_refused_without_being_shown(
    codebook, instrument, register_file, tmp_path
):
    """Submission ids are kept (cleaned data, exclusion log): personal ones never are."""
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    frame[spec.columns["submission_id"]] = [f"person{i}@kommun.se" for i in range(len(frame))]
    _, problems = _mapped(frame, spec, instrument, register_file, tmp_path / "export.csv")
    message = str(InputError(problems))
    assert "personal data as submission ids" in message and "@" not in message
    assert "rows 2, 3, 4, 5, 6, 7" in message


def test_last_years_export_copied_as_this_years_is_refused(
    codebook, instrument, register_file, cleaning, tmp_path
):
    from mognad.ingest.clean import map_year

    raw = tmp_path / "raw"
    raw.mkdir()
    source = codebook.years[CODE_YEAR]
    for year in (CODE_YEAR, CODE_YEAR + 1):
        (raw / codebook.years[year].file.name).write_bytes(source.file.read_bytes())
    with pytest.raises(InputError) as excinfo:
        map_year(
            CODE_YEAR + 1,
            None,
            ROOT / CONFIG["instrument"],
            codebook.path,
            raw,
            register_file,
            cleaning["test_markers"],
        )
    message = str(excinfo.value)
    assert f"the same bytes as the {CODE_YEAR} export" in message and "copied" in message


def test_an_export_dated_in_another_year_is_named(codebook, instrument, register_file, tmp_path):
    spec = codebook.years[CODE_YEAR]
    frame = valid_export(spec)
    when = spec.columns["submitted_at"]
    frame[when] = [v.replace(str(spec.year), str(spec.year - 1), 1) for v in frame[when]]
    _, problems = _mapped(frame, spec, instrument, register_file, tmp_path / "export.csv")
    message = str(InputError(problems))
    assert f"only in {spec.year - 1}, none in {spec.year}" in message
    assert "another year's export" in message


def test_formulas_without_stored_results_are_named_not_read_as_blanks(codebook, tmp_path):
    """openpyxl, like many scripts, writes formulas without calculating them."""
    import openpyxl

    spec = _export(codebook, XLSX_YEAR, tmp_path, name="export.xlsx")
    book = openpyxl.load_workbook(spec.file)
    sheet = book[spec.sheet] if spec.sheet else book.worksheets[0]
    item = next(iter(spec.items))
    column = [c.value for c in sheet[1]].index(item) + 1
    for row in (3, 5):
        sheet.cell(row=row, column=column, value="=1+2")
    book.save(spec.file)
    message = _refused(spec)
    assert "formulas without a stored result" in message
    assert f"column '{item}'" in message and "rows 3, 5" in message
    # a calculated workbook (xlsxwriter stores a result) reads as before
    assert len(read_export(_export(codebook, XLSX_YEAR, tmp_path, name="ok.xlsx").file, spec).frame)
