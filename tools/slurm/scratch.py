"""Scratch runs for tools/slurm/test.sh: run the workflow in a run folder, locally or on
SLURM, and compare the outputs of two run folders byte for byte.

    python tools/slurm/scratch.py local WORKDIR [--cores N]
    python tools/slurm/scratch.py slurm WORKDIR [SNAKEMAKE_ARGS...]
    python tools/slurm/scratch.py compare WORKDIR_A WORKDIR_B

`local` and `slurm` write the project's config.yaml (the demo data) into the run folder,
with absolute paths, by the same package code that the tests and `mognad verify` use,
print the Snakemake command and replace this process with it (so a signal from `timeout`
reaches Snakemake itself). `local` runs exactly what the tests run (the default
profile); `slurm` uses workflow/profiles/slurm and appends SNAKEMAKE_ARGS.
Needs the package importable (PYTHONPATH=src or the .venv that `bash dev.sh setup` made).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from mognad.config import ROOT, load_config
from mognad.provenance import sha256
from mognad.runner import prepare_workdir, snakemake_command

#: Folders of a run whose files are compared.
COMPARED = ("data/processed", "results")
#: Written by `snakemake --report` after a run, not by the workflow: never compared.
IGNORED = {"results/snakemake_report.html"}
#: Hashes of the inputs and outputs, the config, package versions and the git commit.
MANIFEST = "results/manifest.json"


def run(workdir: Path, command: list[str]) -> int:
    """Prepare ``workdir`` and replace this process with ``command``, run from the project
    folder with the package importable, as :func:`mognad.runner.run_workflow` does."""
    prepare_workdir(workdir, load_config(ROOT / "config.yaml"))
    print("+", shlex.join(command), file=sys.stderr, flush=True)
    os.chdir(ROOT)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    os.execve(command[0], command, env)
    return 1  # not reached


def outputs(workdir: Path) -> dict[str, Path]:
    """Every file under the compared folders of a run, by path relative to the run."""
    found = {}
    for folder in COMPARED:
        for path in (workdir / folder).rglob("*"):
            name = path.relative_to(workdir).as_posix()
            if path.is_file() and name not in IGNORED:
                found[name] = path
    return found


def manifest_keys(a: dict[str, Path], b: dict[str, Path]) -> list[str]:
    """The top-level keys in which two runs' manifests differ: `git` alone means the
    checkout changed between the runs, `outputs` that some published output differs."""
    first, second = (json.loads(x[MANIFEST].read_text(encoding="utf-8")) for x in (a, b))
    return sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))


def compare(first: Path, second: Path) -> int:
    """Print one line per difference and a PASS/FAIL summary; 0 only if all are identical."""
    a, b = outputs(first), outputs(second)
    problems = [f"only in {first}: {name}" for name in sorted(a.keys() - b.keys())]
    problems += [f"only in {second}: {name}" for name in sorted(b.keys() - a.keys())]
    common = sorted(a.keys() & b.keys())
    problems += [f"differs: {n}" for n in common if sha256(a[n]) != sha256(b[n])]
    if f"differs: {MANIFEST}" in problems:
        problems.append(f"  ({MANIFEST} differs in: {', '.join(manifest_keys(a, b))})")
    for line in problems:
        print(f"  {line}")
    if not a:
        print(f"FAIL: no outputs found under {first}")
        return 1
    if problems:
        failed = sum(not line.startswith(" ") for line in problems)
        print(f"FAIL: {failed} of {len(a.keys() | b.keys())} files differ or are missing")
        return 1
    print(f"PASS: {len(common)} files under {' and '.join(COMPARED)} are byte-identical")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="run the workflow locally in a run folder")
    local.add_argument("workdir", type=Path)
    local.add_argument("--cores", type=int, default=2)
    slurm = commands.add_parser("slurm", help="run the workflow on SLURM in a run folder")
    slurm.add_argument("workdir", type=Path)
    slurm.add_argument("extra", nargs=argparse.REMAINDER, help="more Snakemake arguments")
    comparer = commands.add_parser("compare", help="compare the outputs of two run folders")
    comparer.add_argument("first", type=Path)
    comparer.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    if args.command == "local":
        return run(args.workdir, snakemake_command(args.workdir.resolve(), args.cores))
    if args.command == "slurm":
        workdir = args.workdir.resolve()
        return run(args.workdir, snakemake_command(workdir, None, args.extra, profile="slurm"))
    return compare(args.first, args.second)


if __name__ == "__main__":
    sys.exit(main())
