"""One-page profiles of the organisations that took part in a year, in HTML and PDF.

Each participating organisation gets back its maturity, capability and legacy with their
intervals, its quadrant, its six-category profile against the means of its sector and of
its organisation type (a radar chart), its change since its last participation, its three
weakest categories and its number of respondents.

The work is split for distribution: :func:`profile_data` computes every number of every
profile at once (vectorised, from the organisation scores and the published sector and
type tables) into one small JSON-able dict per organisation; :func:`render_profile` turns
one dict into a self-contained HTML page and an A4 PDF. Rendering needs neither pandas
nor matplotlib: the radar chart is SVG text built here, the HTML comes from a Jinja2
template and the PDF from a Typst template (``templates/profile/``) that reads the same
display strings, so both show identical words and numbers. The Jinja environment, the
Typst compiler (with only Typst's embedded fonts, so a PDF is byte-identical on every
machine) and the templates are created once per process.

Disclosure control lives in the data, not only in the layout: an organisation with fewer
than ``min_respondents`` respondents gets a dict without scores (its profile says there
were too few respondents), a change is computed only when both years are reportable, and
a sector or type mean based on fewer than ``min_orgs`` organisations, or marked
``suppressed`` in its table, is left out (its profile says so in a footnote).
:func:`profile_violations` checks a dict against these rules.

The package: :mod:`~mognad.publish.profiles.data` (numbers and the disclosure check),
:mod:`~mognad.publish.profiles.charts` (SVG), :mod:`~mognad.publish.profiles.view`
(display strings) and :mod:`~mognad.publish.profiles.render` (HTML, PDF, index).
"""

from mognad.publish.profiles.charts import (
    quadrant_svg,
    radar_svg,
)
from mognad.publish.profiles.data import (
    CATEGORIES,
    COLOURS,
    DASHES,
    DIMENSIONS,
    GROUPS,
    HEADLINE,
    ORG_ID,
    QUADRANT,
    SCHEMA,
    TEMPLATES,
    profile_data,
    profile_violations,
    read_profile_data,
    write_profile_data,
)
from mognad.publish.profiles.render import (
    index_html,
    profile_html,
    profile_pdf,
    render_profile,
    render_profile_files,
    write_index,
)
from mognad.publish.profiles.view import (
    profile_view,
)

__all__ = [
    "CATEGORIES",
    "COLOURS",
    "DASHES",
    "DIMENSIONS",
    "GROUPS",
    "HEADLINE",
    "ORG_ID",
    "QUADRANT",
    "SCHEMA",
    "TEMPLATES",
    "index_html",
    "profile_data",
    "profile_html",
    "profile_pdf",
    "profile_view",
    "profile_violations",
    "quadrant_svg",
    "radar_svg",
    "read_profile_data",
    "render_profile",
    "render_profile_files",
    "write_index",
    "write_profile_data",
]
