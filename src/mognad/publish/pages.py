"""The Jinja2 environment of the static HTML pages (profiles, "Allas resultat"): one per
template folder and process, escaping on and strict about missing values, so a template
that names a value the view lacks fails instead of printing nothing."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any


@functools.cache
def html_templates(folder: str | Path) -> Any:
    """The environment loading ``folder``'s templates (cached: pages render by the
    hundred in one process)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
