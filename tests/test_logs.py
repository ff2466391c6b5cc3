"""A job that meets an input problem says so as the check does, without a traceback;
its log keeps the traceback for developers."""

from __future__ import annotations

import subprocess
import sys

JOB = """
import sys
from mognad.errors import InputError, Problem
from mognad.logs import job_log
with job_log(sys.argv[1], "ingest_year") as log:
    log.info("reading")
    raise InputError([Problem("dimios_2026.csv", "'7'", "1-5", column="Q1", rows=(4,))])
"""

BUG = """
import sys
from mognad.logs import job_log
with job_log(sys.argv[1], "figures"):
    raise KeyError("a bug")
"""


def _run(code: str, log) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code, str(log)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_an_input_problem_is_a_message_and_the_traceback_is_in_the_log(tmp_path):
    log = tmp_path / "logs" / "ingest_year_2026.log"
    result = _run(JOB, log)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "dimios_2026.csv, row 4, column 'Q1': found '7'; expected 1-5" in result.stderr
    assert "bash dev.sh check" in result.stderr and str(log) in result.stderr
    text = log.read_text(encoding="utf-8")
    assert "INFO mognad.ingest_year: reading" in text and "Traceback" in text


def test_a_bug_still_fails_loudly_and_is_logged(tmp_path):
    log = tmp_path / "figures.log"
    result = _run(BUG, log)
    assert result.returncode == 1 and "KeyError" in result.stderr
    assert "Traceback" in log.read_text(encoding="utf-8")
