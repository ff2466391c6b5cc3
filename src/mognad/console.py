"""A console a person can follow: Snakemake's output condensed to one line per job.

``bash dev.sh report`` pipes Snakemake through :func:`main`: every line goes to the run's
log file unchanged (``logs/runs/latest.log``), and the console shows one line per job
(a run of jobs of one rule, as the 182 profiles, as two: the first and a count) with a
progress figure
that only grows (Snakemake's own falls when the profile checkpoint adds its jobs), every
problem and error message as it came, and a closing summary of what was written.
``VERBOSE=1`` shows Snakemake's full output instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

_JOB = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
_NAMED_JOB = re.compile(r"^Job \d+: (.+)$")
_WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")
_STEPS = re.compile(r"^(\d+) of (\d+) steps \((\d+(?:\.\d+)?)%\) done$")
_TIMESTAMP = re.compile(r"^\[\w{3} \w{3} +\d+ [\d:]+ \d{4}\]$")
#: Snakemake's own chatter: said in the log, not on the console.
_NOISE = (
    "Using workflow specific profile",
    "Assuming unrestricted shared filesystem",
    "Building DAG of jobs",
    "Using shell:",
    "Provided cores:",
    "Rules claiming more threads",
    "Conda environments:",
    "Select jobs to execute",
    "Execute ",
    "Updating checkpoint dependencies",
    "Loading script code for rule",
    "Shell command:",
    "Finished jobid:",
    "Reason:",
    "Report created.",
    "Creating report...",
    "Config file config.yaml is extended",
    "DAG of jobs will be updated after completion",
    "Adding ",
)


def condense(lines: Iterable[str]) -> Iterator[str]:
    """The console's lines for Snakemake's output ``lines`` (without line ends)."""
    percent = 0
    job: list[str] | None = None  # the rule and wildcards of the job being announced
    last_rule, repeats = "", 0  # jobs of one rule in a row are counted, not listed
    in_header = in_table = False

    def announce() -> Iterator[str]:
        nonlocal job, last_rule, repeats
        if job is None:
            return
        rule, wildcards = job
        job = None
        if rule == last_rule:
            repeats += 1
            return
        yield from counted()
        last_rule = rule
        yield f"[{percent:3d}%] {rule} {wildcards}".rstrip()

    def counted() -> Iterator[str]:
        nonlocal repeats
        if repeats:
            yield f"[{percent:3d}%] {last_rule}: {repeats} more job{'s' * (repeats > 1)}"
        repeats = 0

    for line in lines:
        stripped = line.strip()
        if stripped == "SNAKEMAKE":
            in_header = True
        if in_header:
            in_header = not stripped.startswith("Config MD5")
            continue
        if stripped == "Job stats:":
            in_table = True
        if in_table:
            in_table = stripped != ""
            continue
        if job is not None and line.startswith("    "):  # the job's details
            wildcards = _WILDCARDS.match(line)
            if wildcards:
                job[1] = wildcards.group(1)
            continue
        yield from announce()
        started = _JOB.match(stripped) or _NAMED_JOB.match(stripped)
        if started:
            job = [started.group(1), ""]
            continue
        steps = _STEPS.match(stripped)
        if steps:
            percent = max(percent, int(float(steps.group(3))))
            continue
        if not stripped or _TIMESTAMP.match(stripped) or stripped.startswith(_NOISE):
            continue
        yield from counted()
        last_rule = ""
        yield line
    yield from announce()
    yield from counted()


def summary(results: Path) -> str:
    """What a run left under ``results/``, by folder."""
    if not results.is_dir():
        return "Nothing was written under results/."
    counts: dict[str, int] = {}
    for path in sorted(results.rglob("*")):
        if path.is_file():
            part = path.relative_to(results).parts
            key = part[0] if len(part) > 1 else "."
            counts[key] = counts.get(key, 0) + 1
    shown = ", ".join(f"{k}/ {n}" if k != "." else f"{n} at the top" for k, n in counts.items())
    total = sum(counts.values())
    return f"Done. results/ holds {total} file{'s' * (total != 1)}: {shown}."


def main(log: str, out: TextIO = sys.stdout, source: TextIO = sys.stdin) -> int:
    """Copy ``source`` to the log file ``log`` and print its condensed form to ``out``."""
    path = Path(log)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:

        def lines() -> Iterator[str]:
            for raw in source:
                handle.write(raw)
                handle.flush()
                yield raw.rstrip("\n")

        for shown in condense(lines()):
            print(shown, file=out, flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        print(summary(Path(sys.argv[2])))
        sys.exit(0)
    sys.exit(main(sys.argv[1]))
