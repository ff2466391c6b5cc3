"""Provenance and verification.

The manifest records inputs, outputs and versions. Verification compares each output's
content with the committed reference: numbers within one unit of their last published
digit, everything else exactly. On the demo, verify passes under several CPU-dispatch
settings (BLAS kernels, numpy's SIMD paths) in one test run, and fails naming the cell
when one published number or one word is changed, or when an input byte changes. No test
here compares a hash made on another machine: the reference is read by content.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import CONFIG, ROOT

from mognad.cli import REFERENCE_MANIFEST, REFERENCE_OUTPUTS
from mognad.provenance import NOT_COMPARED, Difference, build_manifest, compare
from mognad.verify import (
    DIFFERS,
    IDENTICAL,
    WITHIN,
    compare_content,
    compare_outputs,
    compare_tables,
    compare_texts,
    extract,
    read_reference,
    write_reference,
)

matplotlib.use("Agg")


def _manifest(tmp_path, content: bytes):
    (tmp_path / "in.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "results").mkdir(exist_ok=True)
    (tmp_path / "results" / "out.csv").write_bytes(content)
    return build_manifest(
        [tmp_path / "in.csv"], [tmp_path / "results" / "out.csv"], CONFIG, tmp_path, tmp_path
    )


def test_manifest_records_hashes_config_versions_and_commit(tmp_path):
    manifest = _manifest(tmp_path, b"x\n")
    assert [(r["path"], r["bytes"]) for r in manifest["inputs"]] == [("in.csv", 8)]
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert manifest["outputs"][0]["path"] == "results/out.csv"
    assert manifest["method_version"] == CONFIG["method"]["version"]
    assert manifest["packages"]["pandas"] and manifest["packages"]["statsmodels"]
    assert set(manifest["git"]) == {"commit", "dirty"}


def test_compare_names_differing_missing_and_extra_outputs(tmp_path):
    reference = _manifest(tmp_path, b"x\n")
    changed = _manifest(tmp_path, b"y\n")
    assert [d.status for d in compare(reference, reference)] == ["same", "same"]
    found = compare(changed, reference)
    assert Difference("output", "results/out.csv", "differs") in found
    extra = {
        **changed,
        "outputs": [*changed["outputs"], {"path": "results/new.csv", "sha256": "0"}],
    }
    statuses = {d.path: d.status for d in compare(extra, reference)}
    assert statuses["results/new.csv"] == "extra"
    statuses = {d.path: d.status for d in compare(reference, extra)}
    assert statuses["results/new.csv"] == "missing"


# --- tables -------------------------------------------------------------------------------

TABLE = "year,n_orgs,maturity,share,suppressed\n2024,165,44.7447,0.1,False\n2025,182,58.1,,False\n"


def _table(*, maturity="44.7447", share="0.1", n="182", mark="False", header="maturity"):
    return (
        f"year,n_orgs,{header},share,suppressed\n2024,165,{maturity},{share},False\n"
        f"2025,{n},58.1,,{mark}\n"
    )


def test_a_float_one_unit_off_in_its_sixth_digit_is_within_tolerance():
    verdict = compare_tables("t.csv", TABLE, _table(maturity="44.7448", share="0.100001"))
    assert verdict.verdict == WITHIN
    assert verdict.numbers == 2
    assert verdict.max_abs == pytest.approx(1e-4)
    assert verdict.max_rel == pytest.approx(1e-6 / 0.100001)  # share: 0.1 vs 0.100001


@pytest.mark.parametrize(
    ("change", "column", "reference", "found"),
    [
        ({"maturity": "44.7449"}, "maturity", "44.7447", "44.7449"),  # two units
        ({"share": "0.100002"}, "share", "0.1", "0.100002"),
        ({"n": "183"}, "n_orgs", "182", "183"),  # counts are exact
        ({"mark": "True"}, "suppressed", "False", "True"),  # suppression marks are exact
    ],
)
def test_a_cell_beyond_tolerance_differs_and_is_named(change, column, reference, found):
    verdict = compare_tables("t.csv", TABLE, _table(**change))
    assert verdict.verdict == DIFFERS
    cell = verdict.cells[0]
    assert column in cell.where and "row" in cell.where
    assert (cell.reference, cell.found) == (reference, found)
    assert f"{cell.where}: reference '{reference}', found '{found}'" in verdict.line()


def test_a_suppressed_value_that_reappears_differs():
    found = TABLE.replace("58.1,,False", "58.1,0.3,False")
    verdict = compare_tables("t.csv", TABLE, found)
    assert verdict.verdict == DIFFERS and verdict.cells[0].where == "row 3, column share"


def test_column_names_and_row_order_are_compared_exactly():
    assert compare_tables("t.csv", TABLE, _table(header="capability")).verdict == DIFFERS
    lines = TABLE.splitlines()
    swapped = "\n".join([lines[0], lines[2], lines[1]]) + "\n"
    assert compare_tables("t.csv", TABLE, swapped).verdict == DIFFERS
    assert compare_tables("t.csv", TABLE, TABLE + "2026,1,1.0,,True\n").verdict == DIFFERS


# --- texts --------------------------------------------------------------------------------

TEXT = "Mognaden var 58,1 år 2025 (KI 57,1–59,0).\nDen ökade med 2,1 procentenheter.\n"


def test_printed_numbers_may_move_one_unit_in_their_last_decimal():
    found = TEXT.replace("58,1", "58,2").replace("2,1 ", "2,0 ")
    verdict = compare_texts("r.md", TEXT, found)
    assert verdict.verdict == WITHIN and verdict.numbers == 2
    assert verdict.max_abs == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("58,1", "58,3", 1),  # two units
        ("2025", "2024", 1),  # whole numbers are exact
        ("58,1", "58,10", 1),  # printed with another precision
        ("ökade", "minskade", 2),  # one word
    ],
)
def test_a_text_beyond_tolerance_differs_naming_the_line(old, new, line):
    verdict = compare_texts("r.md", TEXT, TEXT.replace(old, new, 1))
    assert verdict.verdict == DIFFERS
    assert verdict.cells[0].where == f"line {line}"
    assert old in verdict.cells[0].reference and new in verdict.cells[0].found


def test_json_numbers_are_data_at_six_significant_digits():
    reference = '{"share": 0.1234567890123, "n": 182}'
    assert compare_texts("m.json", reference, reference.replace("890123", "890456")).ok
    assert not compare_texts("m.json", reference, reference.replace("0.1234567", "0.1234587")).ok
    assert not compare_texts("m.json", reference, reference.replace("182", "183")).ok


def test_white_space_is_folded_and_digit_lists_are_words():
    assert compare_texts("r.md", TEXT, TEXT.replace(" var ", "\nvar  ")).verdict == WITHIN
    # "1,2,3" is not the decimal 1.2: a changed digit in it is a changed word
    assert compare_texts("r.md", "codes 1,2,3", "codes 1,3,3").verdict == DIFFERS


def test_html_images_are_left_to_the_figures_and_json_hashes_to_their_files(tmp_path):
    page = '<p>58,1</p><img src="data:image/png;base64,{}">'
    (tmp_path / "a.html").write_text(page.format("iVBORw0KGgo="), encoding="utf-8")
    (tmp_path / "b.html").write_text(page.format("AAAAAAAAAA=="), encoding="utf-8")
    assert extract(tmp_path / "a.html") == extract(tmp_path / "b.html")
    package = {"resources": [{"path": "data/x.csv", "hash": "sha256:ab", "bytes": 10}]}
    (tmp_path / "a.json").write_text(json.dumps(package), encoding="utf-8")
    package["resources"][0].update(hash="sha256:cd", bytes=11)
    (tmp_path / "b.json").write_text(json.dumps(package), encoding="utf-8")
    assert extract(tmp_path / "a.json") == extract(tmp_path / "b.json")
    assert "(hash of data/x.csv)" in extract(tmp_path / "a.json")


def test_an_inlined_library_is_kept_as_its_hash_and_its_change_differs(tmp_path):
    page = '<p>58,1</p><script type="module" data-library="vega">{}</script><p>ok</p>'
    (tmp_path / "a.html").write_text(page.format("const n=1;" * 50), encoding="utf-8")
    (tmp_path / "b.html").write_text(page.format("const n=2;" * 50), encoding="utf-8")
    a, b = extract(tmp_path / "a.html"), extract(tmp_path / "b.html")
    digest = hashlib.sha256(("const n=1;" * 50).encode()).hexdigest()
    assert f"(sha256 {digest})" in a and "const n" not in a and a.endswith("<p>ok</p>")
    assert compare_content("a.html", a, b).verdict == DIFFERS


def test_svg_pdf_and_workbook_content_is_extracted(tmp_path):
    import matplotlib.pyplot as plt
    import xlsxwriter

    fig, ax = plt.subplots()
    ax.set_title("Användare 58,1")
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(tmp_path / "f.svg")
        fig.savefig(tmp_path / "f.pdf")
    plt.close(fig)
    assert "Användare 58,1" in extract(tmp_path / "f.svg").splitlines()
    assert "Användare 58,1" in extract(tmp_path / "f.pdf")

    def book(path, value, word):
        workbook = xlsxwriter.Workbook(path)
        sheet = workbook.add_worksheet("Riket")
        sheet.write_row(0, 0, ["År", "Mognad", "Text"])
        sheet.write_row(1, 0, [2025, value, word])
        workbook.close()

    book(tmp_path / "a.xlsx", 58.1234, "nej")
    book(tmp_path / "b.xlsx", 58.1235, "nej")
    book(tmp_path / "c.xlsx", 58.1234, "ja")
    reference = extract(tmp_path / "a.xlsx")
    assert compare_tables("t.xlsx", reference, extract(tmp_path / "b.xlsx")).verdict == WITHIN
    changed = compare_tables("t.xlsx", reference, extract(tmp_path / "c.xlsx"))
    assert changed.verdict == DIFFERS and "sheet 'Riket', row 2" in changed.cells[0].where


def _tree(root: Path, data: str, png: bytes, table: str) -> list[str]:
    files = {
        "results/figures/trend.csv": data,
        "results/figures/trend.png": png,
        "results/tables/t.csv": table,
    }
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(root / path, mode) as stream:
            stream.write(content)
    return sorted(files)


def _hashes(root: Path, paths: list[str]) -> dict[str, str]:
    return {p: hashlib.sha256((root / p).read_bytes()).hexdigest() for p in paths}


def test_a_run_gets_a_verdict_per_output_and_drawings_follow_their_data(tmp_path):
    ref, run = tmp_path / "ref", tmp_path / "run"
    paths = _tree(ref, "x,y\n1,44.7447\n", b"\x89PNG1", TABLE)
    hashes = _hashes(ref, paths)
    stored = tmp_path / "stored"
    assert write_reference(ref, paths, stored) == 2  # the PNG has no content of its own
    assert read_reference(stored, "results/tables/t.csv") == TABLE

    _tree(run, "x,y\n1,44.7448\n", b"\x89PNG2", TABLE)
    verdicts = {v.path: v for v in compare_outputs(run, paths, hashes, stored)}
    assert verdicts["results/tables/t.csv"].verdict == IDENTICAL
    assert verdicts["results/figures/trend.csv"].verdict == WITHIN
    assert verdicts["results/figures/trend.png"].verdict == WITHIN
    assert "judged by its data" in verdicts["results/figures/trend.png"].line()

    _tree(run, "x,y\n1,45.0\n", b"\x89PNG2", TABLE)
    (run / "results/tables/t.csv").unlink()
    verdicts = {v.path: v for v in compare_outputs(run, paths[:2], hashes, stored)}
    assert verdicts["results/figures/trend.png"].verdict == DIFFERS
    assert verdicts["results/tables/t.csv"].note == "missing in this run"


def test_the_committed_reference_holds_content_for_every_output_but_drawings():
    reference = json.loads(REFERENCE_MANIFEST.read_text(encoding="utf-8"))
    without = [
        record["path"]
        for record in reference["outputs"]
        if not record["path"].endswith((".png", "manifest.json", "snakemake_report.html"))
        and read_reference(REFERENCE_OUTPUTS, record["path"]) is None
    ]
    assert without == []


# --- the demo under several CPU-dispatch settings -----------------------------------------


def _dispatch_settings() -> dict[str, dict[str, str]]:
    """Three settings that change which kernels run: the machine as it is; another
    OpenBLAS kernel; the oldest OpenBLAS kernel with numpy's dispatched SIMD paths off."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    flags = (
        Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    )
    other = (
        "Sandybridge"
        if " avx " in flags and os.environ.get("OPENBLAS_CORETYPE") != "Sandybridge"
        else "Prescott"
    )
    available = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    return {
        "as is": {},
        f"OPENBLAS_CORETYPE={other}": {"OPENBLAS_CORETYPE": other},
        "OPENBLAS_CORETYPE=Nehalem, numpy SIMD off": {
            "OPENBLAS_CORETYPE": "Nehalem",
            "NPY_DISABLE_CPU_FEATURES": " ".join(available),
        },
    }


def _verify(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mognad", "verify", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory) -> Path:
    """The demo config with the raw data copied, so that a test may change an export."""
    folder = tmp_path_factory.mktemp("verify")
    raw = folder / "raw"
    shutil.copytree(ROOT / CONFIG["source"]["raw_dir"], raw)
    config = {**CONFIG, "source": {**CONFIG["source"], "raw_dir": str(raw)}}
    config["source"]["organisations"] = str(raw / "organisations.csv")
    path = folder / "config.yaml"
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)  # keep the models order
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dispatch_runs(demo_config) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    runs = {}
    for name, env in _dispatch_settings().items():
        work = demo_config.parent / f"work-{len(runs)}"
        runs[name] = work, _verify("--config", str(demo_config), "--keep", str(work), env=env)
    return runs


@pytest.mark.slow
def test_verify_passes_on_the_demo_under_three_cpu_dispatch_settings(dispatch_runs):
    reference = json.loads(REFERENCE_MANIFEST.read_text(encoding="utf-8"))
    for name, (_work, run) in dispatch_runs.items():
        summary = run.stdout.strip().splitlines()[-1]
        print(name, summary)
        print("\n".join(line for line in run.stdout.splitlines() if line.startswith(DIFFERS)))
        assert run.returncode == 0, f"{name}: {summary}\n{run.stderr[-2000:]}"
        compared = [r for r in reference["outputs"] if r["path"] not in NOT_COMPARED]
        assert f"{len(compared)} outputs compared" in summary
        assert " 0 differs" in summary


@pytest.mark.slow
def test_verify_names_a_number_moved_beyond_tolerance_and_a_changed_word(dispatch_runs, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(next(iter(dispatch_runs.values()))[0], work, symlinks=True)
    table = work / "results/tables/national_by_year.csv"
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    value = float(frame.loc[3, "maturity"])
    moved = value + 2 * 10.0 ** (np.floor(np.log10(abs(value))) - 5)  # two units
    frame.loc[3, "maturity"] = repr(float(f"{moved:.6g}"))
    frame.to_csv(table, index=False, lineterminator="\n")
    report = next((work / "results/sv/report").glob("*.md"))
    text = report.read_text(encoding="utf-8")
    assert "ökade" in text
    report.write_text(text.replace("ökade", "minskade", 1), encoding="utf-8")

    run = _verify("--compare", str(work))
    print(run.stdout[-3000:])
    assert run.returncode == 1
    assert "national_by_year.csv\n    row 5, column maturity: reference" in run.stdout
    assert f"found '{frame.loc[3, 'maturity']}'" in run.stdout
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "ökade" in s)
    assert f"{report.name}\n    line {line}: reference" in run.stdout
    assert "2 differs" in run.stdout.splitlines()[-1]


@pytest.mark.slow
def test_verify_fails_when_an_input_byte_changes(dispatch_runs, demo_config):
    work, _ = next(iter(dispatch_runs.values()))
    raw = Path(yaml.safe_load(demo_config.read_text(encoding="utf-8"))["source"]["raw_dir"])
    export = raw / "dimios_2023.csv"
    data = bytearray(export.read_bytes())
    position = _analysed_answer(data, 2023)
    data[position] = ord("4") if data[position] != ord("4") else ord("3")
    export.write_bytes(bytes(data))
    run = _verify("--config", str(demo_config), "--keep", str(work))
    print(run.stdout[-3000:])
    assert run.returncode == 1
    differing = [line for line in run.stdout.splitlines() if line.startswith(DIFFERS)]
    assert any("results/tables/national_by_year.csv" in line for line in differing)
    assert any("results/sv/figures/national_trend.csv" in line for line in differing)
    assert any("results/en/figures/national_trend.csv" in line for line in differing)
    # The report's text rounds 2023 to one decimal, where the change does not show; its
    # embedded figures changed, and are judged by their data (just above).
    report = [line for line in run.stdout.splitlines() if "statusrapport_" in line]
    assert report and all(line.startswith(WITHIN) for line in report)


def _analysed_answer(data: bytearray, year: int) -> int:
    """The byte of the last answer code on the first export line of a response that is
    analysed (not in the generator's list of excluded submissions)."""
    mess = pd.read_csv(ROOT / CONFIG["synth"]["truth_dir"] / "mess.csv", dtype=str)
    excluded = set(mess.loc[mess["year"] == str(year), "submission_id"])
    start = data.index(b"\n") + 1  # after the header
    for line in bytes(data[start:]).split(b"\n"):
        row = line.rstrip(b"\r")
        submission = row.split(b",", 1)[0].decode()
        answered = row[-1:] in (b"1", b"2", b"3", b"4", b"5") and row[-2:-1] == b","
        if submission.isdigit() and submission not in excluded and answered:
            return start + len(row) - 1
        start += len(line) + 1
    raise AssertionError("no analysed response found")
