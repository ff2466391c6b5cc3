"""Read one year's survey export and map it onto the instrument's canonical items.

Reading is strict: an empty or truncated file, undecodable bytes, a missing sheet, an
unknown or missing column, an answer the codebook does not know, an out-of-range value or
an unknown organisation each become a :class:`~mognad.errors.Problem` naming file, row and
column. All problems of a file are collected before anything is raised, so that
``mognad check`` can list every one of them at once.

Personal columns (name, e-mail, free text) are read only to flag test responses and to
find repeated submissions; they are never copied into the canonical frame.

Long because each export format (CSV in its encodings and delimiters, XLSX read without
trusting its formulas) has its own reader and its own ways to break, and every break gets
its own message.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from mognad.errors import EMAIL, PERSONNUMMER, InputError, Problem, shown_value
from mognad.instrument import Instrument, YearSpec, normalise_label
from mognad.peers import COUNTY_AREA

#: Columns of the organisation register, in order.
REGISTER_COLUMNS = (
    "org_id",
    "name",
    "org_type",
    "sector",
    "municipality_id",
    "county",
    "employees",
)
#: Working columns used between ingestion and cleaning; never written out.
WORK_COLUMNS = ("_row", "_is_test", "_duplicate_key", "_complete", "_n_answered")


@dataclass(frozen=True)
class RawTable:
    """An export as text cells ("" = blank) with the spreadsheet row number of each row."""

    file: str
    frame: pd.DataFrame
    rows: np.ndarray


def _problem(file: str, found: str, expected: str, **where) -> InputError:
    return InputError([Problem(file, found, expected, **where)])


# --- reading ---------------------------------------------------------------------------


def _decode(data: bytes, encoding: str, file: str, delimiter: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        row = data.count(b"\n", 0, err.start) + 1
        prefix = data[line_start : err.start].decode(encoding, errors="replace")
        header = data[: data.find(b"\n")].decode(encoding, errors="replace")
        names = next(csv.reader([header.strip("\ufeff\r")], delimiter=delimiter), [])
        index = max(len(next(csv.reader([prefix], delimiter=delimiter), [""])) - 1, 0)
        column = None  # not in the header itself, which is then unreadable too
        if row > 1:
            column = names[index] if index < len(names) else f"field {index + 1}"
        bad = data[err.start : err.end]
        raise _problem(
            file,
            f"bytes {bad!r} that are not valid {encoding}",
            f"text in the codebook's encoding {encoding}",
            rows=(row,),
            column=column,
        ) from None


#: A CSV cell may hold a long free-text comment (dropped at ingestion anyway): far more
#: than the csv module's default limit of 128 KiB.
csv.field_size_limit(2**31 - 1)
#: Delimiters an export may have been saved with instead of the codebook's.
OTHER_DELIMITERS = (",", ";", "\t", "|")
#: How far down a header row is looked for when row 1 is not one (a title above it).
HEADER_SEARCH_ROWS = 10


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "bar"}.get(delimiter, delimiter)


def _sniff(data: bytes, spec: YearSpec, file: str) -> None:
    """Refuse, with the likely cause, what is not a text export at all: a workbook renamed
    to .csv, a UTF-16 ("Unicode text") export, binary data."""
    head = data[:4096]
    expected = f"a CSV text file in {spec.encoding}, as the codebook says"
    if head.startswith(b"PK\x03\x04"):
        raise _problem(
            file,
            "a ZIP archive, as an XLSX workbook is (a workbook renamed to .csv?)",
            f"{expected}; or set the year's format to xlsx in the codebook",
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:200:2].count(0) > 50:
        raise _problem(
            file,
            "UTF-16 text (as Excel's 'Unicode text' export writes)",
            f"{expected}: save the export as CSV in {spec.encoding}",
        )
    if b"\x00" in head:
        raise _problem(file, "binary data (NUL bytes), not text", expected)


def _single_byte(encoding: str) -> bool:
    return "utf" not in encoding.replace("-", "").lower()


def _mojibake(data: bytes, spec: YearSpec, file: str) -> None:
    """A UTF-8 file declared in a single-byte encoding decodes without error, into 'Ã¥'
    for 'å': say so, rather than list every header as unknown."""
    if not _single_byte(spec.encoding) or data.isascii():
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return
    raise _problem(
        file,
        "text encoded as UTF-8 (read as "
        f"{spec.encoding}, 'å' would become '{'å'.encode().decode(spec.encoding, 'replace')}')",
        f"text in {spec.encoding} as the codebook says; or set the year's encoding to utf-8",
    )


def _header_index(records: list[list[str]], spec: YearSpec) -> int:
    """Where the header row is: 0 normally; later when a title sits above it."""
    expected = set(spec.expected_columns())

    def overlap(record: list[str]) -> int:
        return len(expected & {c.strip() for c in record})

    first = overlap(records[0])
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        if overlap(record) > max(first, len(expected) // 2):
            return index
    return 0


def _wrong_delimiter(header: list[str], spec: YearSpec) -> str | None:
    """The delimiter a one-field header (of a file expecting several) is really split by."""
    if len(header) != 1 or len(spec.expected_columns()) < 2:
        return None
    counts = {d: header[0].count(d) for d in OTHER_DELIMITERS if d != spec.delimiter}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _read_csv(path: Path, spec: YearSpec, file: str) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise _problem(file, "an empty file", "a header row and at least one response")
    _sniff(data, spec, file)
    _mojibake(data, spec, file)
    text = _decode(data, spec.encoding, file, spec.delimiter)
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=spec.delimiter, strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as err:
        raise _problem(
            file,
            f"a malformed or truncated record ({err})",
            "complete CSV records (is the file cut off?)",
            rows=(len(records) + 1,),
        ) from None
    if not any(records):
        raise _problem(file, "no text but a byte-order mark", "a header row and responses")
    start = _header_index(records, spec)
    if start:
        raise _problem(
            file,
            f"the header on row {start + 1}, below {start} other row(s) (a title?)",
            "the header on row 1: delete the rows above it",
            rows=(start + 1,),
        )
    header, body = records[0], records[1:]
    other = _wrong_delimiter(header, spec)
    if other is not None:
        raise _problem(
            file,
            f"a header of one field holding {header[0].count(other)} "
            f"{_delimiter_name(other)}s: the file seems {_delimiter_name(other)}-separated",
            f"fields separated by {_delimiter_name(spec.delimiter)}s ('{spec.delimiter}'), "
            "as the codebook says; or set the year's delimiter",
            rows=(1,),
        )
    row_numbers = np.arange(2, len(body) + 2)
    keep = np.array([len(r) > 0 for r in body], dtype=bool)  # blank lines carry nothing
    wrong: dict[int, list[int]] = {}
    for number, record in zip(row_numbers[keep], (r for r in body if r), strict=True):
        if len(record) != len(header):
            wrong.setdefault(len(record), []).append(int(number))
    if wrong:
        raise InputError(
            [
                Problem(
                    file,
                    f"{count} fields",
                    f"{len(header)} fields as in the header (is the file cut off?)",
                    rows=tuple(rows),
                    column=header[count] if count < len(header) else None,
                )
                for count, rows in sorted(wrong.items())
            ]
        )
    body = [r for r in body if r]
    if not body:
        raise _problem(file, "a header but no responses", "at least one response row")
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return RawTable(file, frame, row_numbers[keep])


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _formulas_without_values(path: Path, sheet: str) -> dict[int, list[int]]:
    """Cells of ``sheet`` holding a formula but no stored result, as {column index: rows}.

    Programs that write workbooks without calculating them (scripts, some exporters)
    leave the result out; a reader then sees a blank, and the answer would be lost."""
    import xml.etree.ElementTree as ET
    import zipfile

    with zipfile.ZipFile(path) as book:
        workbook = ET.fromstring(book.read("xl/workbook.xml"))
        rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        target = None
        for node in workbook.iter(f"{_SHEET_NS}sheet"):
            if node.get("name") == sheet:
                rel = node.get(f"{_REL_NS}id")
                for link in rels:
                    if link.get("Id") == rel:
                        target = link.get("Target", "")
        if not target:
            return {}
        name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        data = book.read(name)
    found: dict[int, list[int]] = {}
    if b"<f>" not in data and b"<f " not in data:  # no formula at all: the usual case
        return found
    for _, cell in ET.iterparse(io.BytesIO(data)):
        if cell.tag != f"{_SHEET_NS}c":
            continue
        value = cell.find(f"{_SHEET_NS}v")
        if cell.find(f"{_SHEET_NS}f") is not None and not (value is not None and value.text):
            match = _CELL_REF.fullmatch(cell.get("r", ""))
            if match:
                column, row = _column_index(match.group(1)), int(match.group(2))
                found.setdefault(column, []).append(row)
        cell.clear()
    return found


def _read_xlsx(path: Path, spec: YearSpec, file: str) -> RawTable:
    from python_calamine import CalamineWorkbook

    if path.stat().st_size == 0:
        raise _problem(file, "an empty file", "an XLSX workbook")
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises its own error types for damaged archives
        raise _problem(
            file, f"a file that is not a readable XLSX workbook ({err})", "an XLSX workbook"
        ) from None
    sheet = spec.sheet or book.sheet_names[0]
    if sheet not in book.sheet_names:
        raise _problem(
            file, f"sheets {book.sheet_names}", f"a sheet named '{sheet}' (from the codebook)"
        )
    try:
        cells = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        missing = _formulas_without_values(path, sheet)
    except Exception as err:  # a damaged archive or sheet: calamine, zipfile, zlib, XML
        raise _problem(
            file,
            f"a damaged XLSX workbook: sheet '{sheet}' cannot be read ({type(err).__name__})",
            "an XLSX workbook as saved by a spreadsheet program (is the file cut off?)",
        ) from None
    if not cells or not any(str(c).strip() for c in cells[0]):
        raise _problem(file, f"an empty sheet '{sheet}'", "a header row and responses")
    start = _header_index(
        [[_cell_text(c) for c in row] for row in cells[:HEADER_SEARCH_ROWS]], spec
    )
    if start:
        raise _problem(
            file,
            f"the header on row {start + 1} of sheet '{sheet}', below {start} other row(s) "
            "(a title?)",
            "the header on row 1: delete the rows above it",
            rows=(start + 1,),
        )
    header = [_cell_text(c).strip() for c in cells[0]]
    if missing:
        raise InputError(
            [
                Problem(
                    file,
                    "formulas without a stored result (the workbook was written without "
                    "being calculated), read as blanks",
                    "values: open and save the file in Excel or LibreOffice, or export "
                    "values rather than formulas",
                    column=header[column] if column < len(header) else None,
                    rows=tuple(rows),
                )
                for column, rows in sorted(missing.items())
            ]
        )
    body = [[_cell_text(c) for c in row] for row in cells[1:]]
    row_numbers = np.arange(2, len(body) + 2)
    keep = np.array([any(c.strip() for c in r) for r in body], dtype=bool)
    body = [r for r, k in zip(body, keep, strict=True) if k]
    if not body:
        raise _problem(file, f"a header but no responses in sheet '{sheet}'", "response rows")
    return RawTable(file, pd.DataFrame(body, columns=header, dtype=object), row_numbers[keep])


def read_export(path: str | Path, spec: YearSpec) -> RawTable:
    """Read an export as text cells, strictly, according to its codebook entry."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise _problem(file, "no such file", f"the {spec.year} export named in the codebook")
    reader = _read_csv if spec.format == "csv" else _read_xlsx
    return reader(path, spec, file)


# --- organisations ---------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Organisation names match whatever their case, accents' encoding or spacing."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


OrgChecks = Callable[[str, pd.DataFrame, np.ndarray], list[Problem]]


def read_organisations(
    path: str | Path,
    columns: Sequence[str] = REGISTER_COLUMNS,
    what: str = "the organisation register",
    more_checks: OrgChecks | None = None,
) -> pd.DataFrame:
    """Read and check the organisation register that export rows are matched against.

    The population frame is read the same way, with its own ``columns``, name (``what``)
    and ``more_checks(file, table, csv_rows)`` adding its own problems."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise _problem(file, "no such file", f"{what} (CSV)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise _problem(file, f"an unreadable file ({err})", f"{what} as UTF-8 CSV") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _problem(file, f"no columns {missing}", f"columns {list(columns)}")
    frame = frame[list(columns)].apply(lambda s: s.str.strip())
    rows = np.arange(2, len(frame) + 2)
    problems = []
    for column in ("org_id", "name", "org_type", "sector"):
        blank = (frame[column] == "").to_numpy()
        if blank.any():
            problems.append(Problem(file, "a blank cell", "a value", column, tuple(rows[blank])))
    for column, values in (
        ("org_id", frame["org_id"]),
        ("name", frame["name"].map(normalise_name)),
    ):
        repeated = values.duplicated(keep=False).to_numpy() & (values != "").to_numpy()
        if repeated.any():
            problems.append(
                Problem(
                    file,
                    "repeated values",
                    "one row per organisation",
                    column,
                    tuple(rows[repeated]),
                )
            )
    employees = pd.to_numeric(frame["employees"], errors="coerce")
    bad = ~(employees > 0).to_numpy()
    if bad.any():
        problems.append(
            Problem(
                file,
                "a non-positive or non-numeric value",
                "a head count > 0",
                "employees",
                tuple(rows[bad]),
            )
        )
    unknown = ~frame["county"].isin(list(COUNTY_AREA)).to_numpy()
    if unknown.any():
        problems.append(
            Problem(
                file,
                ", ".join(repr(c) for c in sorted(set(frame["county"][unknown]))[:3]),
                "a county's full name, as 'Stockholms län' (mognad.peers.COUNTY_AREA)",
                "county",
                tuple(rows[unknown]),
            )
        )
    if more_checks is not None:
        problems += more_checks(file, frame, rows)
    if problems:
        raise InputError(problems)
    frame["employees"] = employees.astype("int64")
    frame["municipality_id"] = frame["municipality_id"].replace("", pd.NA)
    return frame.sort_values("org_id", ignore_index=True)


# --- mapping one export onto canonical items -----------------------------------------


def _rows_where(table: RawTable, mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(r) for r in table.rows[mask])


def _map_values(
    table: RawTable,
    column: str,
    mapping: Mapping[str, object],
    expected: str,
    problems: list[Problem],
    describe=None,
    prepare=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Map a column through a dictionary of normalised labels, vectorised over its distinct
    values (each first passed through ``prepare`` when given). Returns (codes into
    ``mapping``'s values or -1 for blank, known mask)."""
    codes, uniques = pd.factorize(table.frame[column].to_numpy(dtype=object))
    keys = [normalise_label(prepare(u) if prepare else u) for u in uniques]
    options = list(dict.fromkeys(mapping.values()))
    lookup = np.array(
        [options.index(mapping[k]) if k in mapping else (-1 if k == "" else -2) for k in keys]
        + [-1],  # factorize marks missing as -1, mapped here to "blank"
        dtype=np.int64,
    )
    mapped = lookup[codes]
    for index in np.flatnonzero(lookup[:-1] == -2):
        found = shown_value(uniques[index])
        what = describe(uniques[index]) if describe else "a value not in the codebook"
        problems.append(
            Problem(
                table.file,
                f"{found} ({what})",
                expected,
                column,
                _rows_where(table, codes == index),
            )
        )
    return mapped, mapped >= 0


def _answer_expectation(spec: YearSpec) -> str:
    scale = spec.answers
    shown = ", ".join(
        f"'{text}'" + (" (Vet ej)" if scale.values[normalise_label(text)] is None else "")
        for text in scale.spelled
    )
    return f"one of {shown} or blank (codebook scale '{spec.answers.name}')"


def _describe_code(value: object) -> str:
    try:
        float(str(value).replace(",", "."))
    except ValueError:
        return "an answer not in the codebook"
    return "a code out of range"


#: A whole number written with a zero decimal part ("3.0", "3,00"), as spreadsheets save
#: numeric codes.
_INTEGRAL = re.compile(r"^\s*([+-]?\d+)[.,]0+\s*$")


def _integral_code(value: object) -> object:
    """'3.0' as the code '3': the same answer however the number was saved."""
    match = _INTEGRAL.match(str(value)) if isinstance(value, str) else None
    return match.group(1) if match else value


def _map_items(
    table: RawTable, spec: YearSpec, instrument: Instrument, problems: list[Problem]
) -> pd.DataFrame:
    """Canonical item columns (Int8, NA = no answer) and ``<item>_dk`` (Vet ej) flags."""
    n = len(table.frame)
    scale = spec.answers.values
    options = list(dict.fromkeys(scale.values()))
    points = np.array([0 if v is None else v for v in options] + [0], dtype=np.int8)
    is_dk = np.array([v is None for v in options] + [False])
    expected = _answer_expectation(spec)
    codes = spec.answers.kind == "codes"
    describe = _describe_code if codes else None
    prepare = _integral_code if codes else None
    by_item = {item: column for column, item in spec.items.items()}
    values: dict[str, pd.array] = {}
    dont_know: dict[str, np.ndarray] = {}
    for item in instrument.item_ids():
        column = by_item.get(item)
        if column is None or column not in table.frame.columns:
            index = np.full(n, len(options))  # not asked this year: no answer
        else:
            mapped, _ = _map_values(table, column, scale, expected, problems, describe, prepare)
            index = np.where(mapped >= 0, mapped, len(options))
        point = points[index]
        values[item] = pd.arrays.IntegerArray(point, mask=point == 0)
        dont_know[f"{item}_dk"] = is_dk[index]
    return pd.concat([pd.DataFrame(values), pd.DataFrame(dont_know)], axis=1).set_axis(
        table.frame.index
    )


def _match_pattern(series: pd.Series, pattern: str) -> np.ndarray:
    return series.astype(str).str.contains(re.compile(pattern), regex=True).to_numpy(dtype=bool)


def test_response_flags(
    table: RawTable, spec: YearSpec, markers: Sequence[dict[str, str]]
) -> np.ndarray:
    """True where any configured marker matches the response's personal field."""
    flags = np.zeros(len(table.frame), dtype=bool)
    for marker in markers:
        column = spec.personal.get(marker["field"])
        if column is not None and column in table.frame.columns:
            flags |= _match_pattern(table.frame[column], marker["pattern"])
    return flags


def _duplicate_keys(table: RawTable, spec: YearSpec) -> np.ndarray:
    """Who submitted: the respondent token, else the e-mail; unknown means unique.

    The key is reduced to an integer here, so no identifier leaves this function.
    """
    frame = table.frame
    token_column = spec.columns.get("respondent_token")
    email_column = spec.personal.get("email")
    if token_column in frame.columns:
        key = frame[token_column].map(normalise_label)
    elif email_column in frame.columns:
        key = frame[email_column].map(normalise_label)
    else:
        key = pd.Series([""] * len(frame), index=frame.index)
    codes, _ = pd.factorize(key.to_numpy(dtype=object))
    blank = (key == "").to_numpy()
    unique_codes = codes.max(initial=-1) + 1 + np.arange(len(frame))
    return np.where(blank, unique_codes, codes)


def _resolve_organisations(
    table: RawTable,
    spec: YearSpec,
    register: pd.DataFrame,
    is_test: np.ndarray,
    problems: list[Problem],
) -> np.ndarray:
    column = spec.columns["organisation"]
    values = table.frame[column].astype(str)
    if spec.organisation_match == "id":
        keys = values.str.strip().str.upper()
        index = pd.Series(register["org_id"].to_numpy(), index=register["org_id"].str.upper())
        expected = "an org_id of the organisation register"
    else:
        keys = values.map(normalise_name)
        index = pd.Series(register["org_id"].to_numpy(), index=register["name"].map(normalise_name))
        expected = "an organisation name of the register (case and spacing are ignored)"
    org_id = keys.map(index).to_numpy(dtype=object)
    blank = (keys == "").to_numpy() & ~is_test
    if blank.any():
        problems.append(
            Problem(table.file, "no organisation", expected, column, _rows_where(table, blank))
        )
    unknown = pd.isna(org_id) & ~(keys == "").to_numpy() & ~is_test
    for value in pd.unique(values[unknown]):
        rows = unknown & (values == value).to_numpy()
        problems.append(
            Problem(table.file, shown_value(value), expected, column, _rows_where(table, rows))
        )
    return org_id


def _parse_submitted(table: RawTable, spec: YearSpec, problems: list[Problem]) -> np.ndarray:
    column = spec.columns.get("submitted_at")
    n = len(table.frame)
    if column is None or column not in table.frame.columns:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    text = table.frame[column].astype(str).str.strip()
    fmt = spec.submitted_at_format or "ISO8601"
    parsed = pd.to_datetime(text.replace("", None), format=fmt, errors="coerce")
    bad = parsed.isna().to_numpy() & (text != "").to_numpy()
    if bad.any():
        problems.append(
            Problem(
                table.file,
                f"dates such as {shown_value(text[bad].iloc[0])}",
                f"dates in the form {fmt}",
                column,
                _rows_where(table, bad),
            )
        )
    years = parsed.dt.year.dropna()
    if len(years) and not (years == spec.year).any():
        found = sorted(int(y) for y in years.unique())
        problems.append(
            Problem(
                table.file,
                f"submission dates only in {', '.join(map(str, found[:3]))}"
                + (" …" if len(found) > 3 else "")
                + f", none in {spec.year}",
                f"answers submitted in {spec.year}, the year this export is for "
                "(is it another year's export?)",
                column,
            )
        )
    return parsed.to_numpy(dtype="datetime64[s]")


def _parse_duration(table: RawTable, spec: YearSpec, problems: list[Problem]) -> np.ndarray:
    column = spec.columns.get("duration_minutes")
    n = len(table.frame)
    if column is None or column not in table.frame.columns:
        return np.full(n, np.nan)
    text = table.frame[column].astype(str).str.strip()
    if spec.decimal != ".":
        text = text.str.replace(spec.decimal, ".", regex=False)
    number = pd.to_numeric(text.replace("", None), errors="coerce").to_numpy(dtype=float)
    unreadable = np.isnan(number) & (text != "").to_numpy()
    if unreadable.any():
        problems.append(
            Problem(
                table.file,
                f"values such as {shown_value(table.frame[column][unreadable].iloc[0])}",
                f"a number of minutes with decimal mark '{spec.decimal}'",
                column,
                _rows_where(table, unreadable),
            )
        )
    negative = number < 0
    if negative.any():
        problems.append(
            Problem(
                table.file,
                "negative durations",
                "minutes >= 0",
                column,
                _rows_where(table, negative),
            )
        )
    return number


def _map_roles(table: RawTable, spec: YearSpec, problems: list[Problem]) -> np.ndarray:
    column = spec.columns.get("role")
    n = len(table.frame)
    if column is None or column not in table.frame.columns:
        return np.full(n, None, dtype=object)
    shown = ", ".join(f"'{k}'" for k in spec.roles)
    mapped, known = _map_values(
        table, column, spec.roles, f"one of {shown} or blank", problems, lambda _: "an unknown role"
    )
    options = np.array([*dict.fromkeys(spec.roles.values()), None], dtype=object)
    return np.where(known, options[np.where(known, mapped, len(options) - 1)], np.asarray(None))


def check_columns(table: RawTable, spec: YearSpec, codebook_file: str) -> list[Problem]:
    """Unknown, missing and repeated columns of an export against its codebook entry."""
    columns = list(table.frame.columns)
    expected = spec.expected_columns()
    problems = []
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    for column in repeated:
        problems.append(
            Problem(table.file, "a repeated column name", "unique column names", column, (1,))
        )
    for column in columns:
        if column not in expected:
            problems.append(
                Problem(
                    table.file,
                    "a column the codebook does not list",
                    f"only the columns of the {spec.year} entry in {codebook_file}",
                    column,
                    (1,),
                )
            )
    for column in expected:
        if column not in columns:
            problems.append(
                Problem(
                    table.file,
                    "no such column",
                    f"the column listed for {spec.year} in {codebook_file}",
                    column,
                    (1,),
                )
            )
    return problems


def map_export(
    table: RawTable,
    spec: YearSpec,
    instrument: Instrument,
    register: pd.DataFrame,
    test_markers: Sequence[dict[str, str]],
    codebook_file: str = "the codebook",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Map a raw export onto canonical columns; return the frame and every problem found.

    The frame holds the canonical response columns plus working columns (see
    :data:`WORK_COLUMNS`) that cleaning uses and drops; it is only usable when the problem
    list is empty.
    """
    problems = check_columns(table, spec, codebook_file)
    frame = table.frame
    n = len(frame)
    if frame.columns.duplicated().any():  # no column can be read unambiguously
        return pd.DataFrame(index=frame.index), problems
    is_test = test_response_flags(table, spec, test_markers)
    submission_column = spec.columns["submission_id"]
    submission = (
        frame[submission_column].astype(str).str.strip()
        if submission_column in frame.columns
        else pd.Series([""] * n, index=frame.index)
    )
    if submission_column in frame.columns:
        blank = (submission == "").to_numpy()
        if blank.any():
            problems.append(
                Problem(
                    table.file,
                    "no submission id",
                    "an id per response",
                    submission_column,
                    _rows_where(table, blank),
                )
            )
        personal = (
            submission.str.contains(EMAIL) | submission.str.contains(PERSONNUMMER)
        ).to_numpy(dtype=bool)
        if personal.any():
            problems.append(
                Problem(
                    table.file,
                    "personal data as submission ids (e-mail addresses or personal identity "
                    "numbers)",
                    "ids that name no one, such as the survey tool's response numbers: they "
                    "are kept in the cleaned data and the exclusion log",
                    submission_column,
                    _rows_where(table, personal),
                )
            )
        repeated = submission.duplicated(keep=False).to_numpy() & ~blank
        if repeated.any():
            problems.append(
                Problem(
                    table.file,
                    "the same submission id on several rows",
                    "a unique id per submission",
                    submission_column,
                    _rows_where(table, repeated),
                )
            )
    org_column = spec.columns["organisation"]
    org_id = (
        _resolve_organisations(table, spec, register, is_test, problems)
        if org_column in frame.columns
        else np.full(n, None, dtype=object)
    )
    items = _map_items(table, spec, instrument, problems)
    asked = instrument.item_ids(spec.instrument_revision)
    answered = items[asked].notna().to_numpy()
    dont_know = items[[f"{i}_dk" for i in asked]].to_numpy()
    canonical = pd.DataFrame(
        {
            "year": np.full(n, spec.year, dtype=np.int16),
            "instrument_revision": np.full(n, spec.instrument_revision, dtype=np.int8),
            "org_id": pd.array(org_id, dtype="string"),
            "respondent_id": pd.array((f"{spec.year}-" + submission).to_numpy(), dtype="string"),
            "submission_id": pd.array(submission.to_numpy(), dtype="string"),
            "role": pd.array(_map_roles(table, spec, problems), dtype="string"),
            "submitted_at": _parse_submitted(table, spec, problems),
            "duration_minutes": _parse_duration(table, spec, problems),
        },
        index=frame.index,
    )
    work = pd.DataFrame(
        {
            "_row": table.rows,
            "_is_test": is_test,
            "_duplicate_key": _duplicate_keys(table, spec),
            "_complete": (answered | dont_know).all(axis=1),
            "_n_answered": answered.sum(axis=1),
        },
        index=frame.index,
    )
    return pd.concat([canonical, items, work], axis=1), problems
