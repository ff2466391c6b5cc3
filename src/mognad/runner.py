"""Run the workflow in a scratch folder with a config of its own.

Tests, benchmarks and reviewers use this to run the real Snakefile against other data
without touching the project's own data/processed/ and results/.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from mognad.config import ROOT


def absolute_config(config: Mapping[str, Any], base: Path = ROOT) -> dict[str, Any]:
    """A copy of ``config`` whose file paths are absolute (relative ones taken from ``base``)."""

    def absolute(path: str) -> str:
        return str((base / path).resolve()) if not Path(path).is_absolute() else path

    out = copy.deepcopy(dict(config))  # keeps the order of keys: models are listed in it
    out["instrument"] = absolute(out["instrument"])
    out["labels"] = absolute(out["labels"])
    for key in ("raw_dir", "codebook", "organisations"):
        out["source"][key] = absolute(out["source"][key])
    out["synth"]["truth_dir"] = absolute(out["synth"]["truth_dir"])
    return out


def snakemake_command(
    workdir: Path,
    cores: int | None = 2,
    extra: Sequence[str] = (),
    project: Path = ROOT,
    profile: str = "default",
) -> list[str]:
    """The Snakemake command for a run in ``workdir`` with one of the workflow profiles
    (``workflow/profiles/<profile>``). ``cores=None`` leaves the cores to the profile: on a
    cluster, --cores would cap all jobs together."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(project / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        *(["--cores", str(cores)] if cores is not None else []),
        "--workflow-profile",
        str(project / "workflow" / "profiles" / profile),
        *extra,
    ]


def prepare_workdir(workdir: str | Path, config: Mapping[str, Any]) -> Path:
    """Create ``workdir`` with ``config`` (paths made absolute) as its config.yaml."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(absolute_config(config), allow_unicode=True, sort_keys=False)
    (workdir / "config.yaml").write_text(text, encoding="utf-8")
    return workdir


def run_workflow(
    workdir: str | Path,
    config: Mapping[str, Any],
    cores: int = 2,
    extra: Sequence[str] = (),
    check: bool = True,
    project: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """Write ``config`` (paths made absolute) into ``workdir`` and run Snakemake there.

    ``project`` is the folder holding the Snakefile, workflow/ and src/; the package is
    imported from its src/, so a copy of the project runs its own code.
    """
    workdir = prepare_workdir(workdir, config)
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run(
        snakemake_command(workdir, cores, extra, project),
        cwd=project,
        capture_output=True,
        text=True,
        check=check,
        env=env,
    )


def _snakemake_processes_in(workdir: Path) -> list[int]:
    """Live processes running Snakemake whose working directory is ``workdir``."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            if b"snakemake" in command and (entry / "cwd").resolve() == workdir:
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return [pid for pid in found if pid != os.getpid()]


def stale_lock(workdir: str | Path) -> bool:
    """Whether ``workdir`` holds Snakemake's lock of a run that no longer exists (killed,
    or its machine restarted): then nothing can run there until it is removed. A lock
    held by a live run is not stale."""
    workdir = Path(workdir).resolve()
    locks = workdir / ".snakemake" / "locks"
    if not locks.is_dir() or not any(locks.iterdir()):
        return False
    return not _snakemake_processes_in(workdir)


def clear_stale_lock(workdir: str | Path) -> bool:
    """Remove a stale lock (see :func:`stale_lock`); True when there was one."""
    if not stale_lock(workdir):
        return False
    for lock in (Path(workdir) / ".snakemake" / "locks").iterdir():
        lock.unlink()
    return True
