"""The console of a run: one line per job, progress that only grows, every problem as it
came, Snakemake's full output in the log."""

from __future__ import annotations

import io
import re

from mognad.console import condense, main, summary

#: Snakemake 9's output, as it prints it (abridged): a header, the job table, job
#: blocks, the checkpoint that adds jobs (the step count jumps from 6 to 9), an error.
TRANSCRIPT = """\
Using workflow specific profile workflow/profiles/default for setting default arguments.
Assuming unrestricted shared filesystem usage.

SNAKEMAKE
=========
  Date: 2026-12-01 14:14:38
  Snakemake version: 9.27.1
  Config MD5: c3b22d6f0cdb8d92faf00ab53b2051d0

Building DAG of jobs...
Using shell: /usr/bin/bash
Provided cores: 2
Job stats:
job               count
--------------  -------
ingest_year           2
total                 6

Select jobs to execute...
Execute 2 jobs...

[Tue Dec  1 14:14:39 2026]
Job 4: Read, map and clean the 2024 export
Reason: Missing output files: data/processed/years/responses_2024.parquet
Shell command: None

[Tue Dec  1 14:14:39 2026]
localrule publish_tables:
    input: data/processed/org_scores.parquet
    output: results/tables/sample.csv
    log: logs/publish_tables.log
    jobid: 44
    reason: Missing output files: results/tables/sample.csv
Shell command: None
[Tue Dec  1 14:14:47 2026]
Finished jobid: 4 (Rule: ingest_year)
3 of 6 steps (50%) done
localcheckpoint profile_data:
    wildcards: year=2025
    jobid: 49
DAG of jobs will be updated after completion.
Finished jobid: 49 (Rule: profile_data)
5 of 6 steps (83%) done
Updating checkpoint dependencies...
localrule profile:
    wildcards: year=2025, org_id=O0001
6 of 9 steps (67%) done
localrule profile:
    wildcards: year=2025, org_id=O0002
localrule profile:
    wildcards: year=2025, org_id=O0003
8 of 9 steps (89%) done
rule report:
    jobid: 51
Bad input:
  - data/raw/demo/dimios_2024.csv, row 5, column 'Q7': found '12'; expected one of 1-5
Check an export with `bash dev.sh check YEAR` (logs/ingest_year/2024.log)
Error in rule report:
    jobid: 51
    log: logs/report.log (check log file(s) for error details)
Exiting because a job execution failed. Look below for error messages
Complete log(s): /work/.snakemake/log/2026-12-01T141438.snakemake.log
"""


def test_one_line_per_job_with_progress_that_only_grows_and_every_problem_kept():
    lines = TRANSCRIPT.splitlines()
    shown = list(condense(lines))
    jobs = [line for line in shown if re.match(r"^\[ *\d+%\] ", line)]
    assert jobs == [
        "[  0%] Read, map and clean the 2024 export",
        "[  0%] publish_tables",
        "[ 50%] profile_data year=2025",
        "[ 83%] profile year=2025, org_id=O0001",
        "[ 89%] profile: 2 more jobs",
        "[ 89%] report",
    ]
    percents = [int(line[1:4]) for line in jobs]
    assert percents == sorted(percents)  # Snakemake's own 83 % -> 67 % is not shown
    for kept in (
        "Bad input:",
        "  - data/raw/demo/dimios_2024.csv, row 5, column 'Q7': found '12'; expected one of 1-5",
        "Error in rule report:",
        "Exiting because a job execution failed. Look below for error messages",
    ):
        assert kept in shown
    assert any("bash dev.sh check" in line for line in shown)
    for noise in ("SNAKEMAKE", "Job stats:", "Select jobs", "Shell command", "Finished jobid"):
        assert not any(noise in line for line in shown), noise
    assert len(shown) < len(lines) / 3


def test_the_log_keeps_everything_and_the_summary_counts_what_was_written(tmp_path):
    out = io.StringIO()
    log = tmp_path / "logs" / "runs" / "latest.log"
    assert main(str(log), out, io.StringIO(TRANSCRIPT)) == 0
    assert log.read_text(encoding="utf-8") == TRANSCRIPT
    assert out.getvalue().splitlines() == list(condense(TRANSCRIPT.splitlines()))
    results = tmp_path / "results"
    for name in ("tables/a.csv", "tables/b.csv", "figures/f.png", "manifest.json"):
        (results / name).parent.mkdir(parents=True, exist_ok=True)
        (results / name).write_text("x", encoding="utf-8")
    assert summary(results) == (
        "Done. results/ holds 4 files: figures/ 1, 1 at the top, tables/ 2."
    )
