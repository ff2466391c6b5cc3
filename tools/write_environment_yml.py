"""Write environment.yml (for conda and Binder users) from requirements.lock.

requirements.lock pins every package with hashes (``uv pip compile --universal``); this
script lists each of them in environment.yml's ``pip:`` section with the same version and
environment marker, then ``-e .`` so that the project itself is installed. The output depends
only on the lock, so it is reproducible. Standard library only.

Regenerate (from the repository root)::

    python3 tools/write_environment_yml.py          # or: bash dev.sh lock (re-locks first)
    python3 tools/write_environment_yml.py --check  # exit 1 if environment.yml is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = ROOT / "requirements.lock"
ENV_FILE = ROOT / "environment.yml"
PYTHON_SPEC = "python=3.11"

PIN = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*(?P<version>[^\s;\\]+)"
    r"\s*(?:;\s*(?P<marker>[^\\]+?))?\s*$"
)


def normalize(name: str) -> str:
    """Normalise a distribution name as PEP 503 does."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(text: str) -> list[str]:
    """Logical requirement lines of a requirements file: continuations joined, hashes,
    comments and options dropped."""
    joined = re.sub(r"\\\n", " ", text)
    lines = []
    for raw in joined.splitlines():
        line = re.sub(r"\s--hash=\S+", "", raw.split(" #")[0]).strip()
        if line and not line.startswith(("#", "-")):
            lines.append(line)
    return lines


def pins(lines: list[str]) -> set[tuple[str, str, str]]:
    """(normalised name, version, marker) for each ``name==version[ ; marker]`` line.

    Raises ValueError for a line that is not an exact pin.
    """
    out = set()
    for line in lines:
        match = PIN.match(line)
        if match is None:
            raise ValueError(f"not an exact pin: {line!r}")
        out.add((normalize(match["name"]), match["version"], (match["marker"] or "").strip()))
    return out


def render(lock_text: str) -> str:
    """The text of environment.yml for a lock file's text."""
    entries = sorted(pins(requirement_lines(lock_text)))
    out = [
        "# Generated from requirements.lock by tools/write_environment_yml.py; do not edit.",
        "name: mognad",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - {PYTHON_SPEC}",
        "  - pip",
        "  - pip:",
    ]
    for name, version, marker in entries:
        req = f"{name}=={version}" + (f" ; {marker}" if marker else "")
        out.append(f"      - {json.dumps(req)}")  # JSON strings are valid YAML scalars
    out.append('      - "-e ."')
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; write nothing")
    args = parser.parse_args(argv)
    text = render(LOCK_FILE.read_text(encoding="utf-8"))
    if args.check:
        current = ENV_FILE.read_text(encoding="utf-8") if ENV_FILE.exists() else ""
        if current != text:
            print("environment.yml is stale: run python3 tools/write_environment_yml.py")
            return 1
        return 0
    ENV_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
