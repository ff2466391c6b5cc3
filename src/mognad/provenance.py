"""Provenance: what went into a run and what came out, and a check that a rerun matches.

Every run writes ``results/manifest.json``: each input file (path, SHA-256, size), the
configuration and the method version, the versions of the packages that computed the
results, the project's git commit (and whether the working tree had uncommitted
changes), and each published output's SHA-256. :func:`compare` sets a fresh run's
manifest against a reference one file by file, by hash; :mod:`mognad.verify` judges the
outputs whose hashes differ by their content (``bash dev.sh verify``).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

#: Packages whose versions can change a number, a figure or a page of the report.
PACKAGES = (
    "mognad",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "python-calamine",
    "xlsxwriter",
    "jinja2",
    "pypandoc-binary",
    "typst",
    "snakemake",
)
#: Layout version of the manifest.
MANIFEST_VERSION = 1
#: Outputs that describe the run rather than its results, so never compared.
NOT_COMPARED = ("results/manifest.json", "results/snakemake_report.html")


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(path: Path, bases: Iterable[Path]) -> str:
    """``path`` relative to the first base it lies in (the project or the run folder), so
    manifests from different machines and folders can be compared."""
    resolved = path.resolve()
    for base in bases:
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return resolved.as_posix()


def file_records(paths: Iterable[str | Path], bases: Iterable[Path]) -> list[dict[str, Any]]:
    """Path, SHA-256 and size of each file, sorted by path."""
    bases = list(bases)
    records = {
        _relative(Path(p), bases): {"sha256": sha256(p), "bytes": Path(p).stat().st_size}
        for p in paths
    }
    return [{"path": path, **records[path]} for path in sorted(records)]


def git_state(root: str | Path) -> dict[str, Any]:
    """The commit checked out in ``root`` and whether the tree differs from it (None and
    None outside a git checkout)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace choices left open: same value, same text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def build_manifest(
    inputs: Iterable[str | Path],
    outputs: Iterable[str | Path],
    config: Mapping[str, Any],
    root: str | Path,
    workdir: str | Path = ".",
) -> dict[str, Any]:
    """The manifest of one run: inputs and outputs with hashes, config, versions, commit.

    Input paths are written relative to the project ``root`` when they lie in it, outputs
    relative to the run's ``workdir``.
    """
    root, workdir = Path(root), Path(workdir)
    return {
        "manifest_version": MANIFEST_VERSION,
        "method_version": str(config["method"]["version"]),
        "config_sha256": hashlib.sha256(canonical_json(dict(config)).encode()).hexdigest(),
        "config": dict(config),
        "git": git_state(root),
        "python": platform.python_version(),
        "packages": package_versions(),
        "inputs": file_records(inputs, [root, workdir]),
        "outputs": file_records(outputs, [workdir, root]),
    }


def manifest_text(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Difference:
    """One output or input of a comparison and how it compares to the reference."""

    kind: str  # "input" or "output"
    path: str
    status: str  # "same", "differs", "missing" (in the run), "extra" (not in the reference)


def _by_path(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {r["path"]: r["sha256"] for r in records if r["path"] not in NOT_COMPARED}


def compare(run: Mapping[str, Any], reference: Mapping[str, Any]) -> list[Difference]:
    """Every input and output of either manifest, with its status against the reference.

    Inputs are compared by path and hash only where both manifests name them relative to
    a project (absolute paths belong to one machine and are skipped).
    """
    found: list[Difference] = []
    for kind in ("input", "output"):
        mine, theirs = _by_path(run[f"{kind}s"]), _by_path(reference[f"{kind}s"])
        for path in sorted(set(mine) | set(theirs)):
            if kind == "input" and path.startswith("/"):
                continue
            if path not in mine:
                status = "missing"
            elif path not in theirs:
                status = "extra"
            else:
                status = "same" if mine[path] == theirs[path] else "differs"
            found.append(Difference(kind, path, status))
    return found
