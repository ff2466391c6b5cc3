"""Numeric verification: does a rerun reproduce every published number?

Two runs on one machine give byte-identical outputs. On another CPU a few numbers can
move in their last published digit: BLAS kernels and optimisers differ there beyond the
tenth significant digit, and rounding to the published precision now and then turns such
a difference into a changed digit. So each output is compared by its *content*, and gets
one of three verdicts:

* ``identical``: the same bytes (the same SHA-256 as the reference manifest);
* ``equal within tolerance``: every text, column name, code, row order and suppression
  mark is the same, and every number equals the reference to within one unit in its last
  published digit (below); the largest differences are printed;
* ``differs``: anything else, printed with the first differing cells (row and column of a
  table, or line of a text, with the reference and the found value).

**The tolerance: one unit in the last published digit.** Numbers in the data files
(CSV, the workbook, JSON) are published at :data:`mognad.io.SIGNIFICANT_DIGITS`
significant digits, so a float may differ by one unit in that digit, taken at the larger
of the two magnitudes (``0.1`` and ``0.100001`` are one unit apart). Numbers in texts
(Markdown, LaTeX, HTML, the PDFs' text, figure labels) are printed with a fixed number of
decimals, so they may differ by one unit in their last decimal, printed with as many
decimals. Whole numbers (counts, years, codes, whole percentages) must be equal.

**What is compared.** CSV and workbook cells; the full text of Markdown, LaTeX, JSON and
HTML (images embedded in HTML as ``data:`` URIs are figures, judged by their data; an
inlined library's code, ``<script data-library>``, by its SHA-256); the
text of every PDF page; the text elements of SVG figures. A figure's drawing (SVG paths,
PNG pixels) is judged by the data it plots, ``<name>.csv`` beside it. In an open-data
package, a resource's ``hash`` and ``bytes`` describe its data file, which is compared on
its own.

The reference is a folder holding, for each output path, either the output itself (a
published ``results/`` tree) or its extracted content under the path plus ``.txt`` (what
the project commits for the demo: small, readable, and enough for every comparison).

Long because each kind of output (tables, text, PDF, images, workbooks) needs its own judge.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mognad.files import write_bytes
from mognad.io import SIGNIFICANT_DIGITS
from mognad.provenance import NOT_COMPARED, sha256

#: Verdicts, from best to worst.
IDENTICAL, WITHIN, DIFFERS = "identical", "equal within tolerance", "differs"
#: Differing cells printed per file.
SHOWN_CELLS = 5
#: Relative slack on a tolerance, for the binary representation of decimal numbers.
_SLACK = 1e-9

#: Outputs compared as tables (cell by cell); all others with content are texts.
TABLE_SUFFIXES = (".csv", ".xlsx")
#: Extracted, not verbatim: stored in a reference folder as ``<path>.txt``.
EXTRACTED_SUFFIXES = (".xlsx", ".html", ".svg", ".pdf", ".json")
#: Figure drawings, judged by the data they plot (``<name>.csv`` beside them).
DRAWING_SUFFIXES = (".png", ".svg")

# A number in a text: digits with an optional decimal part ("." or the Swedish ","),
# not part of a word or identifier (O0298), nor of a list of digits ("1,2,3").
_NUMBER = re.compile(
    r"(?<![\w.,])[-−]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?(?![\w]|[.,]\d)", flags=re.UNICODE
)
_DATA_URI = re.compile(r"data:([\w/+.-]+)(;[\w=-]+)*,[A-Za-z0-9+/=%\s]+")
#: A library's code inlined in a page (``<script data-library="vega">``): not content to
#: read number by number, but it must be the same code, so it is compared by its hash.
_LIBRARY = re.compile(r'(<script[^>]*\sdata-library="[^"]*"[^>]*>)(.*?)(</script>)', re.S)


def _library_hash(match: re.Match[str]) -> str:
    digest = hashlib.sha256(match.group(2).encode("utf-8")).hexdigest()
    return f"{match.group(1)}(sha256 {digest}){match.group(3)}"


@dataclass(frozen=True)
class Cell:
    """One differing place: where, and what the reference and this run hold there."""

    where: str
    reference: str
    found: str

    def __str__(self) -> str:
        return f"{self.where}: reference {self.reference!r}, found {self.found!r}"


@dataclass
class Verdict:
    """How one output compares with the reference."""

    path: str
    verdict: str
    max_abs: float = 0.0
    max_rel: float = 0.0
    numbers: int = 0  #: numbers that differ within tolerance
    cells: list[Cell] = field(default_factory=list)  #: the first differing places
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict != DIFFERS

    def line(self) -> str:
        """One line for the console, then the differing places indented below it."""
        if self.verdict == WITHIN:
            detail = (
                f" (max abs {self.max_abs:.3g}, max rel {self.max_rel:.3g};"
                f" {self.numbers} number{'s' * (self.numbers != 1)})"
                if self.numbers
                else ""
            )
            head = f"{WITHIN}{detail}"
        else:
            head = self.verdict
        text = f"{head:<24}  {self.path}" + (f"  [{self.note}]" if self.note else "")
        return "\n".join([text, *(f"    {cell}" for cell in self.cells)])


# --- extraction ---------------------------------------------------------------------------


def _svg_text(data: bytes) -> str:
    """The text elements of an SVG, one per line, in document order."""
    root = ET.fromstring(data)
    lines = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "text":
            lines.append(" ".join("".join(element.itertext()).split()))
    return "\n".join(lines) + "\n"


def _pdf_text(path: Path) -> str:
    """The text of every page of a PDF, pages separated by a form-feed line."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
    finally:
        document.close()
    return "\n\f\n".join(pages) + "\n"


def _xlsx_rows(path: Path) -> str:
    """Every sheet's cells as CSV, each row led by its sheet's name."""
    from python_calamine import CalamineWorkbook

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
            writer.writerow([name, *(_cell_text(value) for value in row)])
    return buffer.getvalue()


def _cell_text(value: Any) -> str:
    """A workbook cell as a CSV writer of the same table would have written it."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _json_text(data: bytes) -> str:
    """JSON, indented with sorted keys; a data-package resource's ``hash`` and ``bytes``
    name the file they describe instead (that file is compared itself)."""

    def describe(value: Any) -> Any:
        if isinstance(value, dict):
            out = {key: describe(item) for key, item in value.items()}
            if "path" in value:
                for key in ("hash", "bytes"):
                    if key in value:
                        out[key] = f"({key} of {value['path']})"
            return out
        if isinstance(value, list):
            return [describe(item) for item in value]
        return value

    parsed = json.loads(data.decode("utf-8"))
    return json.dumps(describe(parsed), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def extract(path: str | Path) -> str | None:
    """The content of an output as compared: text for tables and texts (see the module
    docstring), ``None`` for a drawing that only its data can judge (PNG)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix == ".pdf":
        return _pdf_text(path)
    if suffix == ".png":
        return None
    data = path.read_bytes()
    if suffix == ".svg":
        return _svg_text(data)
    if suffix == ".json":
        return _json_text(data)
    text = data.decode("utf-8")
    if suffix == ".html":
        text = _LIBRARY.sub(_library_hash, text)
        return _DATA_URI.sub(lambda m: f"data:{m.group(1)},(embedded)", text)
    return text


def reference_name(path: str) -> str:
    """Where a reference folder keeps an output's content: extracted ones as ``.txt``."""
    return path + ".txt" if Path(path).suffix.lower() in EXTRACTED_SUFFIXES else path


def write_reference(results_root: str | Path, paths: Iterable[str], out_dir: str | Path) -> int:
    """Write the extracted content of every output in ``paths`` (relative to
    ``results_root``) under ``out_dir``; returns how many files were written."""
    written = 0
    for path in sorted(paths):
        if path in NOT_COMPARED:
            continue
        content = extract(Path(results_root) / path)
        if content is None:
            continue
        write_bytes(Path(out_dir) / reference_name(path), content.encode("utf-8"))
        written += 1
    return written


def read_reference(reference_dir: str | Path, path: str) -> str | None:
    """An output's reference content: extracted from the output itself where the folder
    holds it, else the stored ``.txt``; ``None`` when the folder holds neither."""
    folder = Path(reference_dir)
    if (folder / path).is_file() and Path(path).suffix.lower() != ".txt":
        return extract(folder / path)
    stored = folder / reference_name(path)
    return stored.read_text(encoding="utf-8") if stored.is_file() else None


# --- numbers ------------------------------------------------------------------------------


def _as_float(token: str) -> float | None:
    try:
        return float(token.replace("−", "-").replace(",", "."))
    except ValueError:
        return None


def _is_whole(token: str) -> bool:
    return re.fullmatch(r"[-−+]?\d+", token) is not None


def _decimals(token: str) -> int:
    match = re.search(r"[.,](\d+)", token)
    return len(match.group(1)) if match else 0


def _significant_unit(a: float, b: float) -> float:
    """One unit in the last of SIGNIFICANT_DIGITS digits, at the larger magnitude."""
    magnitude = max(abs(a), abs(b))
    if magnitude == 0:
        return 0.0
    return 10.0 ** (math.floor(math.log10(magnitude)) - SIGNIFICANT_DIGITS + 1)


@dataclass
class _Tally:
    """Differences found so far in one file."""

    max_abs: float = 0.0
    max_rel: float = 0.0
    numbers: int = 0
    cells: list[Cell] = field(default_factory=list)
    n_differing: int = 0

    def within(self, a: float, b: float) -> None:
        self.numbers += 1
        self.max_abs = max(self.max_abs, abs(a - b))
        scale = max(abs(a), abs(b))
        self.max_rel = max(self.max_rel, abs(a - b) / scale if scale else 0.0)

    def differs(self, cell: Cell) -> None:
        self.n_differing += 1
        if len(self.cells) < SHOWN_CELLS:
            self.cells.append(cell)

    def verdict(self, path: str, note: str = "") -> Verdict:
        if self.n_differing:
            more = self.n_differing - len(self.cells)
            note = "; ".join(filter(None, [note, f"{more} more" if more > 0 else ""]))
            return Verdict(path, DIFFERS, cells=self.cells, note=note)
        return Verdict(path, WITHIN, self.max_abs, self.max_rel, self.numbers, note=note)


def _close_structured(reference: str, found: str) -> tuple[float, float] | None:
    """Both cells as numbers, if they are floats one significant unit apart at most."""
    if _is_whole(reference) or _is_whole(found):
        return None
    a, b = _as_float(reference), _as_float(found)
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    tolerance = _significant_unit(a, b) * (1 + _SLACK)
    return (a, b) if abs(a - b) <= tolerance else None


def _close_printed(reference: str, found: str) -> tuple[float, float] | None:
    """Both tokens as numbers, if printed with the same decimals and one unit apart."""
    places = _decimals(reference)
    if places == 0 or _decimals(found) != places or "e" in reference.lower():
        return None
    a, b = _as_float(reference), _as_float(found)
    if a is None or b is None:
        return None
    return (a, b) if abs(a - b) <= 10.0**-places * (1 + _SLACK) else None


# --- tables -------------------------------------------------------------------------------


def compare_tables(path: str, reference: str, found: str) -> Verdict:
    """Cell by cell: the header and every text cell exactly, floats within one unit of
    the published significant digits. Rows are numbered as lines of the file (1 = header);
    workbook rows are led by their sheet's name."""
    ref_rows = list(csv.reader(io.StringIO(reference)))
    found_rows = list(csv.reader(io.StringIO(found)))
    tally = _Tally()
    header = ref_rows[0] if ref_rows else []
    xlsx = path.lower().endswith(".xlsx")
    if not xlsx and ref_rows[:1] != found_rows[:1]:
        tally.differs(
            Cell("header", ",".join(header), ",".join(found_rows[0] if found_rows else []))
        )
        return tally.verdict(path)
    if len(ref_rows) != len(found_rows):
        tally.differs(Cell("number of rows", str(len(ref_rows)), str(len(found_rows))))
    for line, (ref_row, found_row) in enumerate(zip(ref_rows, found_rows, strict=False), 1):
        place = f"sheet {ref_row[0]!r}, row" if xlsx and ref_row else "row"
        if len(ref_row) != len(found_row):
            tally.differs(
                Cell(f"{place} {line}: number of cells", str(len(ref_row)), str(len(found_row)))
            )
            continue
        for col, (a, b) in enumerate(zip(ref_row, found_row, strict=True)):
            if a == b:
                continue
            close = _close_structured(a, b)
            if close is not None:
                tally.within(*close)
                continue
            name = header[col] if not xlsx and col < len(header) else f"cell {col}"
            tally.differs(Cell(f"{place} {line}, column {name}", a, b))
    return tally.verdict(path)


# --- texts --------------------------------------------------------------------------------


_WORD = re.compile(r"\S+")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """("text" | "number", token, offset) in order: numbers, and the words between them
    (so that white space, line breaks included, never counts)."""
    out: list[tuple[str, str, int]] = []
    position = 0
    for match in [*_NUMBER.finditer(text), None]:
        end = match.start() if match else len(text)
        out += [
            ("text", w.group(), position + w.start()) for w in _WORD.finditer(text[position:end])
        ]
        if match:
            out.append(("number", match.group(), match.start()))
            position = match.end()
    return out


def _context(tokens: list[tuple[str, str, int]], index: int, width: int = 6) -> str:
    """The token at ``index`` and a few after it, as one excerpt."""
    return _excerpt(" ".join(token for _, token, _ in tokens[index : index + width]))


def compare_texts(path: str, reference: str, found: str) -> Verdict:
    """Token by token: words exactly (white space folded), numbers within one unit of
    their last printed decimal (in JSON, data: of their sixth significant digit). Places
    are lines of the found file's content."""
    close_numbers = _close_structured if path.lower().endswith(".json") else _close_printed
    tally = _Tally()
    ref_tokens, found_tokens = _tokens(reference), _tokens(found)
    for index, ((kind_a, a, _), (kind_b, b, offset)) in enumerate(
        zip(ref_tokens, found_tokens, strict=False)
    ):
        if a == b and kind_a == kind_b:
            continue
        close = close_numbers(a, b) if kind_a == kind_b == "number" else None
        if close is not None:
            tally.within(*close)
            continue
        where = f"line {found.count(chr(10), 0, offset) + 1}"
        if kind_a == kind_b == "number":
            tally.differs(Cell(where, a, b))
            continue
        tally.differs(Cell(where, _context(ref_tokens, index), _context(found_tokens, index)))
        break  # the texts are out of step from here on: later tokens say nothing
    else:
        if len(ref_tokens) != len(found_tokens):
            tally.differs(
                Cell(
                    "end of text",
                    f"{len(ref_tokens)} words and numbers",
                    f"{len(found_tokens)} words and numbers",
                )
            )
    return tally.verdict(path)


def _excerpt(token: str, width: int = 60) -> str:
    return token if len(token) <= width else token[: width - 1] + "…"


# --- files and runs -----------------------------------------------------------------------


def compare_content(path: str, reference: str, found: str) -> Verdict:
    """Compare two extracted contents of output ``path`` by its kind."""
    if Path(path).suffix.lower() in TABLE_SUFFIXES:
        return compare_tables(path, reference, found)
    return compare_texts(path, reference, found)


def figure_data(path: str) -> str | None:
    """The data file a figure drawing is judged by (``<name>.csv`` beside it)."""
    p = Path(path)
    return p.with_suffix(".csv").as_posix() if p.suffix.lower() in DRAWING_SUFFIXES else None


def compare_outputs(
    found_root: str | Path,
    found_paths: Iterable[str],
    reference_hashes: Mapping[str, str],
    reference_dir: str | Path | None,
) -> list[Verdict]:
    """A verdict for every output of this run or of the reference, sorted by path.

    ``found_root`` holds this run's outputs (``found_paths``, relative to it);
    ``reference_hashes`` maps each reference output to its SHA-256 (the reference
    manifest); ``reference_dir`` holds their content (see :func:`read_reference`).
    """
    found_root = Path(found_root)
    found = {p: sha256(found_root / p) for p in found_paths if p not in NOT_COMPARED}
    wanted = {p: h for p, h in reference_hashes.items() if p not in NOT_COMPARED}
    verdicts: dict[str, Verdict] = {}
    drawings = []
    for path in sorted(set(found) | set(wanted)):
        if path not in found:
            verdicts[path] = Verdict(path, DIFFERS, note="missing in this run")
        elif path not in wanted:
            verdicts[path] = Verdict(path, DIFFERS, note="not in the reference")
        elif found[path] == wanted[path]:
            verdicts[path] = Verdict(path, IDENTICAL)
        elif figure_data(path) in wanted and Path(path).suffix.lower() in DRAWING_SUFFIXES:
            drawings.append(path)  # needs its data's verdict first
        else:
            verdicts[path] = _compare_file(path, found_root, reference_dir)
    for path in drawings:
        verdicts[path] = _judge_drawing(path, found_root, reference_dir, verdicts)
    return [verdicts[p] for p in sorted(verdicts)]


def _compare_file(path: str, found_root: Path, reference_dir: str | Path | None) -> Verdict:
    reference = read_reference(reference_dir, path) if reference_dir is not None else None
    if reference is None:
        return Verdict(path, DIFFERS, note="hash differs; the reference holds no content")
    content = extract(found_root / path)
    if content is None:
        return Verdict(path, DIFFERS, note="hash differs")
    verdict = compare_content(path, reference, content)
    if verdict.verdict == WITHIN and not verdict.numbers:
        verdict.note = "content equal; the bytes differ in embedded figures or file hashes"
    return verdict


def _judge_drawing(
    path: str, found_root: Path, reference_dir: str | Path | None, verdicts: Mapping[str, Verdict]
) -> Verdict:
    """A figure whose bytes differ: as good as its data, and (SVG) its text elements."""
    data_path = figure_data(path)
    assert data_path is not None
    data = verdicts.get(data_path)
    if data is None or not data.ok:
        return Verdict(path, DIFFERS, note=f"its data {data_path} differ")
    verdict = Verdict(path, WITHIN, data.max_abs, data.max_rel, data.numbers)
    if path.lower().endswith(".svg"):
        text = _compare_file(path, found_root, reference_dir)
        if not text.ok:
            return text
        verdict.numbers += text.numbers
        verdict.max_abs, verdict.max_rel = (
            max(verdict.max_abs, text.max_abs),
            max(verdict.max_rel, text.max_rel),
        )
    verdict.note = f"drawing judged by its data, {Path(data_path).name}"
    return verdict


def summary(verdicts: Sequence[Verdict]) -> tuple[dict[str, int], bool]:
    """How many outputs got each verdict, and whether none differs."""
    counts = {v: sum(x.verdict == v for x in verdicts) for v in (IDENTICAL, WITHIN, DIFFERS)}
    return counts, counts[DIFFERS] == 0
