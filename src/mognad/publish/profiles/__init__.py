"""Profiles of the organisations that took part in a year, in HTML and PDF.

Each participating organisation gets back, under its name and place (type, sector,
county): its maturity, capability and legacy with their intervals and their change since
its last participation; its maturity over every year it took part beside its sector's
mean; its quadrant with the bootstrap probability of each quadrant and its rank among the
year's participants as an interval; its six categories against the means of its sector
and type (a radar chart), ranked by their gap to the reference group with the gap's
interval; improvement suggestions from a documented rule set (:func:`advice`, texts in
the labels); and a short "how to read this profile".

The work is split for distribution: :func:`profile_data` computes every number of every
profile at once (vectorised, from the organisation scores, their replicate draws, the
register and the published sector and type tables) into one small JSON-able dict per
organisation; :func:`render_profile` turns one dict into a self-contained HTML page and
an A4 PDF. Rendering needs neither pandas nor matplotlib: the charts are SVG text built
here at print size, the HTML comes from a Jinja2 template and the PDF from a Typst
template (``templates/profile/``) that reads the same display strings, so both show
identical words and numbers. The Jinja environment, the Typst compiler (with only Typst's
embedded fonts, so a PDF is byte-identical on every machine) and the templates are
created once per process.

Disclosure control lives in the data, not only in the layout: an organisation with fewer
than ``min_respondents`` respondents gets a dict without scores or anything derived from
them (its profile says there were too few respondents); a year of its trend is shown only
when reportable; a change only when both years are; a sector or type mean based on fewer
than ``min_orgs`` organisations, or marked ``suppressed`` in its table, is left out (its
profile says so in a footnote); ranks are among the reportable organisations only.
:func:`profile_violations` checks a dict against these rules.

The package: :mod:`~mognad.publish.profiles.data` (numbers and the disclosure check),
:mod:`~mognad.publish.profiles.uncertainty` (quadrant probabilities, ranks, gaps),
:mod:`~mognad.publish.profiles.municipality` (a municipality's administrations side by
side, for that municipality only), :mod:`~mognad.publish.profiles.charts` (SVG),
:mod:`~mognad.publish.profiles.view` (display strings) and
:mod:`~mognad.publish.profiles.render` (HTML, PDF, index).
"""

from mognad.publish.profiles.charts import (
    MIN_FONT,
    QUADRANT_MAP,
    RADAR,
    gap_svg,
    quadrant_svg,
    radar_svg,
    svg_width,
    trend_svg,
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
    advice,
    profile_data,
    profile_violations,
    read_profile_data,
    write_profile_data,
)
from mognad.publish.profiles.municipality import (
    municipality_data,
    municipality_view,
    municipality_violations,
)
from mognad.publish.profiles.render import (
    collation_key,
    index_html,
    municipality_html,
    municipality_pdf,
    profile_html,
    profile_pdf,
    render_profile,
    render_profile_files,
    write_index,
)
from mognad.publish.profiles.uncertainty import (
    quadrant_probabilities,
    rank_intervals,
)
from mognad.publish.profiles.view import (
    CHARTS,
    profile_view,
)

__all__ = [
    "CATEGORIES",
    "CHARTS",
    "COLOURS",
    "DASHES",
    "DIMENSIONS",
    "GROUPS",
    "HEADLINE",
    "MIN_FONT",
    "ORG_ID",
    "QUADRANT",
    "QUADRANT_MAP",
    "RADAR",
    "SCHEMA",
    "TEMPLATES",
    "advice",
    "collation_key",
    "gap_svg",
    "index_html",
    "municipality_data",
    "municipality_html",
    "municipality_pdf",
    "municipality_view",
    "municipality_violations",
    "profile_data",
    "profile_html",
    "profile_pdf",
    "profile_view",
    "profile_violations",
    "quadrant_probabilities",
    "quadrant_svg",
    "radar_svg",
    "rank_intervals",
    "read_profile_data",
    "render_profile",
    "render_profile_files",
    "svg_width",
    "trend_svg",
    "write_index",
    "write_profile_data",
]
