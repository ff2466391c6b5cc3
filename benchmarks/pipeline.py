"""Benchmark of the whole pipeline at national scale, stage by stage.

1,500 organisations x ~50 respondents x 8 years, from the raw exports to the report and
1,500 profiles, with the default workflow profile on 2 cores (targets: <= 300 s wall,
<= 4 GiB for every job):

- cold: a fresh scratch folder, the whole default target;
- adding a year: another scratch folder run first with all years but the last, then
  timed again with every year, as when next year's export arrives.

For each run, a table per rule (stage): jobs, stage wall (first job start to last job
end), the sum of job walls and the peak memory of the largest job. Job times come from
Snakemake's own log lines, stamped as they arrive (the log file has whole seconds only,
too coarse for 30 ms profile jobs). Job memory comes from sampling the process tree every
0.1 s: each script job is a Python process running ``.snakemake/scripts/tmpXXXX.<script>.py``
whose rule is read from the Snakemake object pickled in that file (combine_tables.py serves
three rules); its peak is that of its process and descendants. ``run:`` jobs (one profile
per organisation) are threads of the Snakemake process (force-use-threads), so their
figure is the Snakemake process's own peak during that stage.

Writes benchmarks/out/pipeline.md and pipeline.json.

    .venv/bin/python benchmarks/pipeline.py [--cores 2] [--regenerate] [--skip-incremental]
        [--keep]
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import pickle
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest import OUT, national_config
from measure import GIB, busy_cpu_seconds, children, rss

from mognad.config import ROOT
from mognad.runner import prepare_workdir, snakemake_command

TARGET_SECONDS, TARGET_BYTES = 300.0, 4 * GIB
QUIET_CORES = 0.1  # other work above this many cores on average makes a run not quiet
MAIN = "(Snakemake process)"
TITLES = {
    "cold": "Cold run",
    "base": "Base for adding a year: all years but the last, cold",
    "add_year": "Adding the last year to that folder",
}

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
RULE_START = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
JOBID = re.compile(r"^\s+jobid: (\d+)$")
MESSAGE_START = re.compile(r"^Job (\d+): ")  # a rule with `message:` prints this instead
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)$")
SCRIPT = re.compile(r"\.snakemake/scripts/(tmp\w+\.(\w+)\.py)\b")


@dataclass
class Job:
    jobid: int
    rule: str | None
    start: float | None = None
    end: float | None = None


def parse_jobs(records: Iterable[tuple[float, str]]) -> dict[int, Job]:
    """Jobs from Snakemake's log lines, each ``(time, line)``: a job starts or ends at the
    time of the ``[date]`` line printed just before it; other lines' times are unused."""
    jobs: dict[int, Job] = {}
    stamp: float | None = None
    pending: tuple[str, float | None] | None = None  # "rule X:" seen, its jobid comes later
    for when, line in records:
        if STAMP.match(line):
            stamp = when
        elif match := RULE_START.match(line):
            pending = (match[1], stamp)
        elif (match := JOBID.match(line)) and pending:
            jobs[int(match[1])] = Job(int(match[1]), pending[0], pending[1])
            pending = None
        elif match := MESSAGE_START.match(line):
            jobs[int(match[1])] = Job(int(match[1]), None, stamp)
        elif match := FINISHED.match(line):
            job = jobs.setdefault(int(match[1]), Job(int(match[1]), match[2]))
            job.rule, job.end = match[2], stamp
    return jobs


def log_file_jobs(work: Path) -> dict[int, Job]:
    """The same jobs read back from Snakemake's log file (times to the whole second)."""
    [log] = sorted((work / ".snakemake" / "log").glob("*.snakemake.log"))[-1:]

    def records() -> Iterable[tuple[float, str]]:
        for line in log.read_text(encoding="utf-8").splitlines():
            stamp = STAMP.match(line)
            when = datetime.strptime(stamp[1], "%a %b %d %H:%M:%S %Y") if stamp else None
            yield (when.timestamp() if when else 0.0), line

    return parse_jobs(records())


def script_job(script: Path, name: str) -> str:
    """The rule and wildcards of a script job, read from the Snakemake object that
    Snakemake pickles into the script's preamble; the script's name if that is gone."""
    try:
        preamble = script.read_text(encoding="utf-8").split("\n", 2)[1]
    except (OSError, IndexError):
        return f"{name}.py"
    for node in ast.walk(ast.parse(preamble)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "loads":
            smk = pickle.loads(node.args[0].value)  # our own run's file
            wildcards = ",".join(f"{k}={v}" for k, v in smk.wildcards.items())
            return f"{smk.rule}[{wildcards}]" if wildcards else smk.rule
    return f"{name}.py"


@dataclass
class Sampler:
    """Samples Snakemake's process tree: the whole tree, Snakemake's own process and each
    script job's process with its descendants (keyed by pid, labelled ``rule[wildcards]``)."""

    root: int
    work: Path
    every: float = 0.1
    total_peak: int = 0
    main: list[tuple[float, int]] = field(default_factory=list)
    job_label: dict[int, str] = field(default_factory=dict)
    job_peak: dict[int, int] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        tree, now = children(), time.time()
        total, todo = 0, [(self.root, None)]
        job_rss: dict[int, int] = {}
        while todo:
            pid, job = todo.pop()
            size = rss(pid)
            total += size
            if job is None and pid != self.root:
                job = self.identify(pid)
            if job is not None:
                job_rss[job] = job_rss.get(job, 0) + size
            todo.extend((child, job) for child in tree.get(pid, []))
        self.total_peak = max(self.total_peak, total)
        self.main.append((now, rss(self.root)))
        for job, size in job_rss.items():
            self.job_peak[job] = max(self.job_peak.get(job, 0), size)

    def identify(self, pid: int) -> int | None:
        """``pid`` when it runs a job's script (the first process that does, not its
        descendants), else None."""
        if pid not in self.job_label:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                return None
            match = SCRIPT.search(cmdline.decode(errors="replace"))
            if not match:
                return None
            script = self.work / ".snakemake" / "scripts" / match[1]
            self.job_label[pid] = script_job(script, match[2])
        return pid

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            time.sleep(self.every)

    def main_peak(self, start: float, end: float) -> int:
        """Snakemake's own peak between two times (the memory of its ``run:`` jobs), with
        one sample either side so that a job shorter than the interval is seen."""
        start, end = start - self.every, end + self.every
        return max((size for when, size in self.main if start <= when <= end), default=0)


@dataclass
class Run:
    start: float
    wall: float
    jobs: dict[int, Job]
    sampler: Sampler
    first_job: float
    other_cores: float
    load: tuple[float, float]
    file_jobs: int


def timed_run(work: Path, cores: int) -> Run:
    """Run Snakemake in ``work``; stamp its log lines as they arrive, sample its memory."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = snakemake_command(work, cores)
    busy, own = busy_cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    me, load = resource.getrusage(resource.RUSAGE_SELF), os.getloadavg()[0]
    start, wall_start = time.time(), time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler = Sampler(process.pid, work)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    records = []
    with (work / "snakemake.out").open("w", encoding="utf-8") as out:
        for line in process.stdout:  # read as it comes: a full pipe would stall Snakemake
            records.append((time.time(), line.rstrip("\n")))
            out.write(line)
    process.wait()
    wall = time.perf_counter() - wall_start
    sampler.done.set()
    thread.join()
    if process.returncode:
        print("\n".join(line for _, line in records[-60:]))
        sys.exit(f"Snakemake failed ({process.returncode}) in {work}")
    tree_cpu = cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - cpu(own)
    self_cpu = cpu(resource.getrusage(resource.RUSAGE_SELF)) - cpu(me)
    other = (busy_cpu_seconds() - busy - tree_cpu - self_cpu) / wall
    jobs = parse_jobs(records)
    starts = [job.start for job in jobs.values() if job.start is not None]
    return Run(
        start=start,
        wall=wall,
        jobs=jobs,
        sampler=sampler,
        first_job=(min(starts) - start) if starts else float("nan"),
        other_cores=max(other, 0.0),
        load=(load, os.getloadavg()[0]),
        file_jobs=len(log_file_jobs(work)),
    )


def cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def stages(run: Run) -> list[dict[str, Any]]:
    """One row per rule, in the order its first job started."""
    by_rule: dict[str, list[Job]] = {}
    for job in sorted(run.jobs.values(), key=lambda j: (j.start or 0, j.jobid)):
        by_rule.setdefault(job.rule or "?", []).append(job)
    peaks: dict[str, tuple[int, str]] = {}
    for pid, peak in run.sampler.job_peak.items():
        label = run.sampler.job_label[pid]
        rule = label.split("[")[0]
        if peak > peaks.get(rule, (-1, ""))[0]:
            peaks[rule] = (peak, label)
    rows = []
    for rule, jobs in by_rule.items():
        start = min(j.start for j in jobs if j.start is not None)
        end = max(j.end for j in jobs if j.end is not None)
        peak, largest = peaks.pop(rule, (run.sampler.main_peak(start, end), MAIN))
        rows.append(
            {
                "rule": rule,
                "jobs": len(jobs),
                "stage_wall_s": round(end - start, 1),
                "job_walls_s": round(sum(j.end - j.start for j in jobs if j.end and j.start), 1),
                "starts_at_s": round(start - run.start, 1),
                "peak_gib": round(peak / GIB, 2),
                "largest_job": largest,
            }
        )
    # Script processes whose rule could not be read (their file was already gone).
    rows += [
        {"rule": rule, "peak_gib": round(peak / GIB, 2), "largest_job": label}
        for rule, (peak, label) in peaks.items()
    ]
    return rows


def summary(run: Run, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "wall_s": round(run.wall, 1),
        "jobs": len(run.jobs),
        "jobs_in_log_file": run.file_jobs,
        "before_first_job_s": round(run.first_job, 1),
        "whole_tree_peak_gib": round(run.sampler.total_peak / GIB, 2),
        "snakemake_process_peak_gib": round(max(s for _, s in run.sampler.main) / GIB, 2),
        "largest_job_peak_gib": max(row["peak_gib"] for row in rows),
        "memory_samples_per_s": round(len(run.sampler.main) / run.wall, 1),
        "other_work_cores": round(run.other_cores, 2),
        "load_1min_start_end": [round(v, 2) for v in run.load],
        "stages": rows,
        "jobs_timeline": [  # jobid, rule, start and end in seconds since Snakemake started
            [job.jobid, job.rule, round(job.start - run.start, 2), round(job.end - run.start, 2)]
            for job in sorted(run.jobs.values(), key=lambda j: j.jobid)
            if job.start is not None and job.end is not None
        ],
    }


def markdown(title: str, record: dict[str, Any]) -> str:
    lines = [
        f"### {title}",
        "",
        f"{record['wall_s']} s wall, {record['jobs']} jobs ({record['jobs_in_log_file']} in "
        f"the log file), first job after {record['before_first_job_s']} s; peak memory "
        f"{record['whole_tree_peak_gib']} GiB whole tree, "
        f"{record['snakemake_process_peak_gib']} GiB Snakemake's process, "
        f"{record['largest_job_peak_gib']} GiB largest job "
        f"({record['memory_samples_per_s']} samples/s). Other work on the machine: "
        f"{record['other_work_cores']} cores on average; 1-min load "
        f"{record['load_1min_start_end'][0]} at start, {record['load_1min_start_end'][1]} "
        "at end.",
        "",
        "| rule | jobs | starts at s | stage wall s | sum job walls s | peak GiB | largest job |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for row in record["stages"]:
        cells = [row.get(k, "") for k in ("rule", "jobs", "starts_at_s", "stage_wall_s")]
        cells += [row.get(k, "") for k in ("job_walls_s", "peak_gib", "largest_job")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def measured(title: str, work: Path, cores: int) -> dict[str, Any]:
    """Run the workflow in ``work``, print its stage table and return its record."""
    print(f"\n{title}: running in {work} ...", flush=True)
    run = timed_run(work, cores)
    record = summary(run, stages(run))
    print(markdown(title, record))
    return record


def verdicts(records: dict[str, dict[str, Any]]) -> list[tuple[bool, str]]:
    """The targets: the cold run within 300 s; every job of every run within 4 GiB
    (Snakemake's own process counts as the job of its ``run:`` jobs)."""
    checks = []
    if "cold" in records:
        wall = records["cold"]["wall_s"]
        checks.append((wall <= TARGET_SECONDS, f"cold run wall {wall} s <= {TARGET_SECONDS:.0f} s"))
    for name, record in records.items():
        peak = max(record["largest_job_peak_gib"], record["snakemake_process_peak_gib"])
        checks.append((peak <= TARGET_BYTES / GIB, f"{name}: largest job {peak} GiB <= 4 GiB"))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders")
    args = parser.parse_args(argv)
    config = national_config(args.regenerate)
    scratch = {"cold": OUT / "pipeline-cold", "add_year": OUT / "pipeline-add-year"}
    for folder in scratch.values():
        shutil.rmtree(folder, ignore_errors=True)

    work = prepare_workdir(scratch["cold"], config)
    records = {"cold": measured(TITLES["cold"], work, args.cores)}
    if not args.skip_incremental:
        earlier = copy.deepcopy(config)
        earlier["years"] = config["years"][:-1]
        work = prepare_workdir(scratch["add_year"], earlier)
        records["base"] = measured(TITLES["base"], work, args.cores)
        prepare_workdir(work, config)
        records["add_year"] = measured(TITLES["add_year"], work, args.cores)

    checks = verdicts(records)
    for ok, text in checks:
        print(("PASS " if ok else "FAIL ") + text)
    for name, record in records.items():
        if record["other_work_cores"] > QUIET_CORES:
            print(
                f"NOTE {name}: other work used {record['other_work_cores']} cores on average "
                "during the run: its times are not those of a quiet machine"
            )
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    text = f"Commit {commit}, {args.cores} cores.\n\n" + "\n".join(
        markdown(TITLES[name], record) for name, record in records.items()
    )
    records = {"commit": commit, "cores": args.cores, **records}
    (OUT / "pipeline.md").write_text(text, encoding="utf-8")
    (OUT / "pipeline.json").write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    if not args.keep:
        for folder in scratch.values():
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
