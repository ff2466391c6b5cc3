"""The figures' house style and the pieces every figure shares: colours, fonts,
byte-identical saving, axes, bands, footnotes."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from mognad.io import write_atomic, write_published_csv
from mognad.labels import Labels

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Okabe & Ito (2008): distinguishable with every common form of colour blindness.
OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Six series told apart without colour too (greyscale print, colour blindness): each
#: has its own colour, marker and dash pattern; neighbours in the legend differ in hue
#: family (no sky blue beside blue, no vermillion beside orange).
SERIES_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#000000", "#56B4E9")
SERIES_MARKERS = ("o", "s", "^", "D", "v", "X")
SERIES_DASHES: tuple[tuple[float, ...], ...] = ((), (4, 1.5), (1, 1), (6, 2, 1, 2), (2, 2), (8, 2))
#: Context (other sectors, reference lines) recedes in grey.
GREY = "#9A9A9A"
LIGHT_GREY = "#D9D9D9"
#: Fixed colours, so an indicator or quadrant looks the same in every figure.
INDICATOR_COLOURS = {"capability": OKABE_ITO[3], "legacy": OKABE_ITO[0], "maturity": OKABE_ITO[7]}
QUADRANT_COLOURS = {
    "mature": OKABE_ITO[2],
    "ambitious": OKABE_ITO[1],
    "maintaining": OKABE_ITO[0],
    "beginning": OKABE_ITO[4],
}
#: Bottom to top in the stacked shares; the order of ``mognad.indices.scores.QUADRANTS``.
QUADRANT_ORDER = ("mature", "ambitious", "maintaining", "beginning")
CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
DIMENSIONS = ("capability", "legacy", "maturity")
DECOMPOSITION_PARTS = ("within", "composition", "interaction")
SUPPRESSED = "suppressed"

#: A4 text width (about 16.5 cm): figures are drawn at the size they are printed.
TEXT_WIDTH = 6.5
FORMATS = ("png", "svg")

#: The house style. ``svg.fonttype: none`` keeps text as text in SVG (searchable,
#: accessible); the fixed hash salt makes SVG element ids the same on every run.
STYLE: dict[RcKeyType, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 11,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "lines.linewidth": 1.6,
    "lines.markersize": 4,
    "savefig.dpi": 200,
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
    "svg.hashsalt": "mognad-figures",
    "pdf.fonttype": 42,
    "axes.unicode_minus": True,
}
#: Metadata that would differ between runs (dates, versions) is left out.
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


#: Published tables (or model coefficient tables) by name.
Tables = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class FigureSettings:
    """What figures take besides tables and labels; a figure's rule fills in only the
    settings that figure uses (its config keys in :mod:`mognad.registry`)."""

    year: int = 0
    focus_sectors: Sequence[str] = ()
    thresholds: Mapping[str, float] | None = None
    suppressed_note: str | None = None
    model_specs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def settings_from_config(config: Mapping[str, Any], labels: Labels) -> FigureSettings:
    """A figure's settings from its config keys (:func:`mognad.registry.config_slice`;
    keys the figure does not use are absent and keep their defaults)."""
    from mognad.publish.disclosure import Thresholds

    thresholds = Thresholds.from_config(config["disclosure"])
    return FigureSettings(
        year=int(config.get("report.year") or 0),
        focus_sectors=tuple(config.get("analysis.focus_sectors", ())),
        thresholds=config.get("method.quadrant_thresholds"),
        suppressed_note=labels.text("suppressed_note", **vars(thresholds)),
        model_specs=config.get("models", {}),
    )


class Plotted(NamedTuple):
    """A figure and the data it drew, one row per drawn (or suppressed) value."""

    figure: Figure
    data: pd.DataFrame


P = ParamSpec("P")


@contextmanager
def house_style() -> Iterator[None]:
    """The report's look, for the duration of drawing or saving only."""
    with mpl.rc_context(STYLE):
        yield


def styled(draw: Callable[P, Plotted]) -> Callable[P, Plotted]:
    """Draw a figure under the house style (fonts and sizes are fixed when artists are made)."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Plotted:
        with house_style():
            return draw(*args, **kwargs)

    return wrapper


#: Largest figure side after the tight layout (inches): anything larger is a misplaced
#: artist, and would make a gigapixel PNG that no report can include.
MAX_INCHES = 20.0


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``stem.<format>`` for each format, byte-identical across runs, each atomically."""
    paths = []
    with house_style():
        box = fig.get_tightbbox()
        if max(box.width, box.height) > MAX_INCHES:
            raise ValueError(
                f"figure {Path(stem).name}: its content spans {box.width:.0f} x "
                f"{box.height:.0f} inches (at most {MAX_INCHES:.0f} expected): an artist lies "
                "far outside the axes"
            )
        for fmt in formats:
            path = Path(stem).parent / f"{Path(stem).name}.{fmt}"

            def save(tmp: Path, fmt: str = fmt) -> None:
                fig.savefig(
                    tmp,
                    format=fmt,
                    metadata=METADATA.get(fmt),
                    bbox_inches="tight",
                    pad_inches=0.05,
                )

            write_atomic(path, save)
            paths.append(path)
    return paths


def write_figure(
    name: str, plotted: Plotted, out_dir: Path, formats: Sequence[str] = FORMATS
) -> dict[str, Path]:
    """Write ``<name>.<format>`` and ``<name>.csv`` (the plotted data) to ``out_dir``;
    returns the written paths by file name."""
    written: dict[str, Path] = {}
    try:
        for path in save_figure(plotted.figure, Path(out_dir) / name, formats):
            written[path.name] = path
    finally:
        plt.close(plotted.figure)
    write_published_csv(plotted.data, Path(out_dir) / f"{name}.csv")
    written[f"{name}.csv"] = Path(out_dir) / f"{name}.csv"
    return written


# --- shared pieces ------------------------------------------------------------------------


def new_figure(width: float = TEXT_WIDTH, height: float = 3.6) -> Figure:
    """A figure outside pyplot's registry (nothing to leak), laid out so nothing is clipped."""
    return Figure(figsize=(width, height), layout="constrained")


def any_suppressed(*frames: pd.DataFrame) -> bool:
    """Whether any row of the data was suppressed (tables gain a ``suppressed`` flag)."""
    return any(
        SUPPRESSED in f.columns and f[SUPPRESSED].fillna(False).astype(bool).any() for f in frames
    )


def count_columns(frame: pd.DataFrame) -> list[str]:
    """The counts a table's values rest on; kept in plotted data for the disclosure scan."""
    return [c for c in frame.columns if c == "n" or (c.startswith("n_") and c != "n_items")]


def suppressed_flag(frame: pd.DataFrame) -> pd.Series:
    if SUPPRESSED not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[SUPPRESSED].fillna(False).astype(bool)


def footnote(fig: Figure, data: Sequence[pd.DataFrame], note: str | None, name: str) -> None:
    """Add the suppression note below the figure when anything in its data was suppressed."""
    if not any_suppressed(*data):
        return
    if note is None:
        raise ValueError(f"figure {name}: values were suppressed but no suppression note was given")
    width_chars = int(fig.get_figwidth() * 72 / (7.5 * 0.55))
    fig.text(
        0.0,
        -0.01,
        textwrap.fill(note, width_chars),
        ha="left",
        va="top",
        fontsize=7.5,
        color="#444444",
        gid="footnote",
    )


def legend_below_or_beside(fig: Figure, data: Sequence[pd.DataFrame], handles, names) -> None:
    """The legend under the axes, or beside them when the suppression note needs the space
    under the figure (a legend under the axes hangs from the figure's lower edge, which a
    tight save moves down to the note)."""
    if any_suppressed(*data):
        fig.legend(handles, names, loc="outside right upper")
    else:
        fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 3))


def year_axis(ax: Axes, years: Sequence[int]) -> None:
    """Years as plain integers (never with thousands separators), and the axis spanning
    them even when nothing is drawn (all suppressed): text placed at a year must not land
    far outside the axes."""
    years = sorted({int(y) for y in years})
    if years:
        ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.xaxis.set_major_locator(FixedLocator(years))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: str(round(x))))
    if len(years) > 6:
        ax.tick_params(axis="x", labelrotation=90)


def number_axis(axis: Any, labels: Labels, digits: int = 0) -> None:
    """Numeric ticks written the way the language writes numbers (``0,7`` in Swedish)."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: labels.number(x, digits)))


def percent_axis(axis: Any, labels: Labels) -> None:
    """Shares (0-1) as per cent ticks in the language's style."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: labels.percent(100 * x)))


def long_scores(
    table: pd.DataFrame, keys: Sequence[str], indicators: Sequence[str]
) -> pd.DataFrame:
    """Score columns (with intervals) as one row per key and indicator."""
    counts = [c for c in ("n_orgs", "n_respondents") if c in table.columns]
    parts = []
    for indicator in indicators:
        part = table[[*keys, *counts]].copy()
        part.insert(len(keys), "indicator", indicator)
        part["value"] = table[indicator].astype("float64")
        part["ci_low"] = table.get(f"{indicator}_ci_low", np.nan)
        part["ci_high"] = table.get(f"{indicator}_ci_high", np.nan)
        part[SUPPRESSED] = suppressed_flag(table)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def draw_band(ax: Axes, frame: pd.DataFrame, colour: str, label: str | None, **line: Any) -> None:
    """A line with its interval as a band; missing values leave gaps, never invented points."""
    frame = frame.sort_values("year")
    x = frame["year"].to_numpy(dtype=float)
    low = frame["ci_low"].to_numpy(dtype=float)
    high = frame["ci_high"].to_numpy(dtype=float)
    shown = np.isfinite(low) & np.isfinite(high)
    if shown.any():
        ax.fill_between(
            x, low, high, where=shown, color=colour, alpha=0.18, lw=0, interpolate=False
        )
    y = frame["value"].to_numpy(dtype=float)
    ax.plot(x, y, color=colour, marker="o", label=label, **line)
