"""Fingerprints of the package code a workflow script runs, so that Snakemake reruns a job
when, and only when, code it imports changes.

Snakemake tracks a rule's own script but not the modules it imports. The fingerprint
follows the script's ``mognad`` imports (anywhere in the file, including imports inside
functions) through the package transitively, so nobody keeps a list of modules by hand.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from pathlib import Path

#: The package's own source folder.
PACKAGE = Path(__file__).resolve().parent


def imported_modules(source: str, package: str = "mognad") -> set[str]:
    """The package modules a source text imports (``import mognad.x``, ``from mognad.x
    import y``, ``from mognad import x``, ``from mognad.sub import x``; relative imports
    are not used in the package), with names that may be modules."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from mognad.sub import x``: x may be a module of the subpackage or a name
            # in it; both are followed (a name that is no module is skipped later)
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            if node.module == package:
                names = names[1:]
        else:
            continue
        found |= {n.split(".", 1)[1] for n in names if n.startswith(f"{package}.")}
    return found


def _module_file(root: Path, name: str) -> Path | None:
    path = root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None  # a name imported from a module, not a module itself


def module_closure(sources: Iterable[str], root: Path = PACKAGE) -> list[Path]:
    """The package files that ``sources`` (source texts) import, transitively, sorted."""
    files: set[Path] = set()
    todo = [m for s in sources for m in imported_modules(s)]
    while todo:
        path = _module_file(root, todo.pop())
        if path is not None and path not in files:
            files.add(path)
            todo += imported_modules(path.read_text(encoding="utf-8"))
    return sorted(files)


def code_fingerprint(
    scripts: Iterable[str | Path] = (),
    folders: Iterable[str] = (),
    modules: Iterable[str] = (),
    root: Path = PACKAGE,
) -> str:
    """Fingerprint of the package modules the scripts (or code run in the workflow itself,
    named by ``modules``) import, and of every file in the given package folders
    (templates, which are read rather than imported)."""
    sources = [Path(s).read_text(encoding="utf-8") for s in scripts]
    sources += [f"import mognad.{m}" for m in modules]
    files = module_closure(sources, root)
    for folder in folders:
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
