"""The report's figure captions, written from the data each figure drew.

Every figure writes the data it shows beside its picture (``<name>.csv``, see
:func:`mognad.publish.figures.style.write_figure`). A caption made from that file names
what is really there: the years on the axis, the indicators and measures drawn, how many
sectors, organisations or models, which sectors are highlighted. When a sector drops out
or a year is added, the caption follows; it cannot promise a national row or a focus the
figure does not have. The words are the labels' (``texts: caption_<figure>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from mognad.labels import Labels
from mognad.outputs import FIGURES
from mognad.publish.report.format import series

#: The national rows of the figures' data (``sector`` or ``group`` column).
NATIONAL = "national"


def _shown(data: pd.DataFrame) -> pd.DataFrame:
    """The rows the figure drew a value for (not suppressed, not missing)."""
    rows = data
    if "suppressed" in rows.columns:
        rows = rows[~rows["suppressed"].astype(bool)]
    value = next((c for c in ("value", "estimate", "share", "capability") if c in rows), None)
    return rows if value is None else rows[rows[value].notna()]


def _years(data: pd.DataFrame) -> str:
    """``2018–2025``, or the one year."""
    years = sorted({int(y) for y in data["year"]})
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _count(n: int, labels: Labels) -> str:
    """A count as running text writes it: small ones in words (``sex``), others in digits."""
    words = labels.text("number_words").split()
    return words[n] if 0 <= n < len(words) else str(n)


def _listed(parts: list[str]) -> str:
    """Parts that hold "and" themselves, listed apart by semicolons."""
    return "; ".join(parts)


def _in_sentence(names: list[str]) -> list[str]:
    """Names after the first as they stand inside a sentence (``digitalt arv``), the
    first as it starts one; an all-capital word (an acronym) is kept."""
    return [names[0], *(n if n[:2].isupper() else n[:1].lower() + n[1:] for n in names[1:])]


def _ordered(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


def _parts(shown: pd.DataFrame, column: str, key: str, labels: Labels) -> list[str]:
    """The words for each part drawn (a panel, a view, a measure), in drawing order."""
    return [labels.text(key.format(v)) for v in _ordered(shown[column])]


def _national_trend(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    names = [labels.indicator(c) for c in _ordered(shown["indicator"])]
    return labels.text(
        "caption_national_trend",
        indicators=series(_in_sentence(names), labels.text("and")),
        years=_years(shown),
        level=level,
    )


def _sector_trends(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    focus = [labels.sector(s) for s in _ordered(shown.loc[shown["focus"].astype(bool), "sector"])]
    text = labels.text(
        "caption_sector_trends",
        indicator=labels.indicator(_ordered(shown["indicator"])[0]),
        n=_count(shown["sector"].nunique(), labels),
        years=_years(shown),
    )
    if focus:
        text += " " + labels.text("caption_focus", sectors=series(focus, labels.text("and")))
    return text


def _category_profile(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    sectors = shown.loc[shown["sector"] != NATIONAL, "sector"]
    key = "caption_category_profile" + ("" if (shown["sector"] == NATIONAL).any() else "_alone")
    return labels.text(
        key,
        n_categories=_count(shown["indicator"].nunique(), labels),
        n=_count(sectors.nunique(), labels),
        years=_years(shown),
    )


def _quadrant_scatter(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    return labels.text(
        "caption_quadrant_scatter", n=_count(len(shown), labels), years=_years(shown)
    )


def _quadrant_shares(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    return labels.text(
        "caption_quadrant_shares",
        n=_count(shown["quadrant"].nunique(), labels),
        years=_years(shown),
    )


def _trend_views(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    views = _parts(shown, "view", "caption_view_{}", labels)
    n = _count(len(views), labels)
    return labels.text("caption_trend_views", n=n, views=_listed(views), years=_years(shown))


def _forest_plot(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    n = _count(shown["model"].nunique(), labels)
    return labels.text("caption_forest_plot", n=n, level=level)


def _sensitivity(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    panels = _listed(_parts(shown, "panel", "caption_panel_{}", labels))
    return labels.text("caption_sensitivity", panels=panels, years=_years(shown))


def _quality_overview(shown: pd.DataFrame, labels: Labels, level: str) -> str:
    measures = _parts(shown, "measure", "fig_{}", labels)
    return labels.text(
        "caption_quality_overview",
        measures=series(measures, labels.text("and")),
        n=_count(shown["category"].nunique(), labels),
        years=_years(shown),
    )


#: The caption writer of each figure, from the rows it drew a value for (:func:`_shown`).
CAPTIONS: dict[str, Callable[[pd.DataFrame, Labels, str], str]] = {
    "national_trend": _national_trend,
    "sector_trends": _sector_trends,
    "category_profile": _category_profile,
    "quadrant_scatter": _quadrant_scatter,
    "quadrant_shares": _quadrant_shares,
    "trend_views": _trend_views,
    "forest_plot": _forest_plot,
    "sensitivity": _sensitivity,
    "quality_overview": _quality_overview,
}


def figure_data(figures_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The data each report figure in ``figures_dir`` drew (``<name>.csv`` beside it)."""
    folder = Path(figures_dir)
    return {
        name: pd.read_csv(folder / f"{name}.csv")
        for name in FIGURES
        if (folder / f"{name}.csv").is_file()
    }


def figure_captions(
    drawn: Mapping[str, pd.DataFrame], labels: Labels, level: str
) -> dict[str, str]:
    """Each figure's caption from the data it drew (``drawn``: figure name -> its CSV);
    ``level`` is the intervals' level as the text writes it (``95 %``). A figure that could
    show no value (every one suppressed) says so instead."""
    captions = {}
    for name, data in drawn.items():
        shown = _shown(data)
        captions[name] = (
            CAPTIONS[name](shown, labels, level)
            if len(shown)
            else labels.text("caption_nothing_shown")
        )
    return captions
