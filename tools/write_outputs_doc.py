"""Write the registry's table of published outputs into docs/outputs.md (between its
markers), so the document and mognad.registry cannot drift apart."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mognad.registry import DOC_END, DOC_START, markdown  # noqa: E402


def main() -> None:
    path = ROOT / "docs" / "outputs.md"
    text = path.read_text(encoding="utf-8")
    before, rest = text.split(DOC_START, 1)
    _, after = rest.split(DOC_END, 1)
    path.write_text(f"{before}{DOC_START}\n{markdown()}{DOC_END}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
