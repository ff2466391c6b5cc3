"""Provenance and verification: the manifest records inputs, outputs and versions; the
verify command reproduces the committed demo manifest byte for byte and, when an input
byte changes, fails naming the outputs that differ."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import CONFIG, ROOT

from mognad.cli import REFERENCE_MANIFEST
from mognad.provenance import Difference, build_manifest, compare, verdict_lines


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
    lines, passed = verdict_lines(found)
    assert not passed and any(
        line.startswith("FAIL") and "results/out.csv" in line for line in lines
    )


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mognad", "verify", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_verify_reproduces_the_committed_manifest_and_fails_on_a_changed_input(tmp_path):
    """From raw data in a scratch folder, every output matches the committed demo manifest;
    after one byte of one export changes, verify fails and names the outputs that moved."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / CONFIG["source"]["raw_dir"], raw)
    config = {**CONFIG, "source": {**CONFIG["source"], "raw_dir": str(raw)}}
    config["source"]["organisations"] = str(raw / "organisations.csv")
    config_path = tmp_path / "config.yaml"
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)  # keep the models order
    config_path.write_text(text, encoding="utf-8")
    work = tmp_path / "work"

    first = _verify("--config", str(config_path), "--keep", str(work))
    print(first.stdout[-3000:], first.stderr[-3000:])
    assert first.returncode == 0, "outputs differ from " + str(REFERENCE_MANIFEST)
    reference = json.loads(REFERENCE_MANIFEST.read_text(encoding="utf-8"))
    assert f"{len(reference['outputs'])} outputs compared" in first.stdout

    export = raw / "dimios_2023.csv"
    data = bytearray(export.read_bytes())
    position = _analysed_answer(data, 2023)
    data[position] = ord("4") if data[position] != ord("4") else ord("3")
    export.write_bytes(bytes(data))
    second = _verify("--config", str(config_path), "--keep", str(work))
    print(second.stdout[-3000:])
    assert second.returncode == 1
    failed = [line for line in second.stdout.splitlines() if line.startswith("FAIL")]
    assert any("results/tables/national_by_year.csv" in line for line in failed)
    assert any("results/report/statusrapport_" in line for line in failed)
    assert "files differ" in second.stdout


def _analysed_answer(data: bytearray, year: int) -> int:
    """The byte of the last answer code on the first export line of a response that is
    analysed (not in the generator's list of excluded submissions)."""
    import pandas as pd

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
