"""The figures of the annual status report, drawn from the published tables.

Each figure function returns the :class:`~matplotlib.figure.Figure` and the exact data it
drew (:class:`Plotted`), so the pipeline can publish that data beside the figure and scan
it for disclosure like any other table. Figures show only what the tables show: a value
suppressed for resting on too few organisations or respondents is missing (NaN) there and
is simply not drawn; the figure then carries the suppression footnote.

Every visible word comes from a :class:`~mognad.labels.Labels` object, so one code path
draws the Swedish and the English report. The house style (:func:`house_style`) is applied
in a context manager, never to matplotlib's global state, and :func:`save_figure` writes
byte-identical files on every run.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from mognad.io import write_atomic, write_published_csv
from mognad.labels import DASH, Labels
from mognad.outputs import COEFFICIENT_COLUMNS, FIGURES

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
#: Bottom to top in the stacked shares; the order of ``mognad.scores.QUADRANTS``.
QUADRANT_ORDER = ("mature", "ambitious", "maintaining", "beginning")
CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
DIMENSIONS = ("capability", "legacy", "maturity")
DECOMPOSITION_PARTS = ("within", "composition", "interaction")
SUPPRESSED = "suppressed"

#: A4 text width (about 16.5 cm): figures are drawn at the size they are printed.
TEXT_WIDTH = 6.5
FORMATS = ("png", "svg")
FIGURE_NAMES = FIGURES

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


# --- shared pieces ------------------------------------------------------------------------


def _new_figure(width: float = TEXT_WIDTH, height: float = 3.6) -> Figure:
    """A figure outside pyplot's registry (nothing to leak), laid out so nothing is clipped."""
    return Figure(figsize=(width, height), layout="constrained")


def any_suppressed(*frames: pd.DataFrame) -> bool:
    """Whether any row of the data was suppressed (tables gain a ``suppressed`` flag)."""
    return any(
        SUPPRESSED in f.columns and f[SUPPRESSED].fillna(False).astype(bool).any() for f in frames
    )


def _count_columns(frame: pd.DataFrame) -> list[str]:
    """The counts a table's values rest on; kept in plotted data for the disclosure scan."""
    return [c for c in frame.columns if c == "n" or (c.startswith("n_") and c != "n_items")]


def _suppressed_flag(frame: pd.DataFrame) -> pd.Series:
    if SUPPRESSED not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[SUPPRESSED].fillna(False).astype(bool)


def _footnote(fig: Figure, data: Sequence[pd.DataFrame], note: str | None, name: str) -> None:
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


def _legend_below_or_beside(fig: Figure, data: Sequence[pd.DataFrame], handles, names) -> None:
    """The legend under the axes, or beside them when the suppression note needs the space
    under the figure (a legend under the axes hangs from the figure's lower edge, which a
    tight save moves down to the note)."""
    if any_suppressed(*data):
        fig.legend(handles, names, loc="outside right upper")
    else:
        fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 3))


def _year_axis(ax: Axes, years: Sequence[int]) -> None:
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


def _number_axis(axis: Any, labels: Labels, digits: int = 0) -> None:
    """Numeric ticks written the way the language writes numbers (``0,7`` in Swedish)."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: labels.number(x, digits)))


def _percent_axis(axis: Any, labels: Labels) -> None:
    """Shares (0-1) as per cent ticks in the language's style."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: labels.percent(100 * x)))


def _long_scores(
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
        part[SUPPRESSED] = _suppressed_flag(table)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _draw_band(ax: Axes, frame: pd.DataFrame, colour: str, label: str | None, **line: Any) -> None:
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


# --- 1. national trend --------------------------------------------------------------------


@styled
def national_trend(
    national: pd.DataFrame, labels: Labels, suppressed_note: str | None = None
) -> Plotted:
    """Capability, legacy and maturity nationally by year: the report's headline trend,
    with intervals and the number of organisations behind each year."""
    data = _long_scores(national.sort_values("year"), ["year"], DIMENSIONS)
    fig = _new_figure(height=3.4)
    ax = fig.add_subplot()
    for indicator in DIMENSIONS:
        _draw_band(
            ax,
            data[data["indicator"] == indicator],
            INDICATOR_COLOURS[indicator],
            labels.indicator(indicator),
        )
    years = national["year"].astype(int).tolist()
    n_orgs = dict(zip(years, national["n_orgs"], strict=True))
    _year_axis(ax, years)
    ax.tick_params(axis="x", labelrotation=0)
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda x, _pos: (
                f"{round(x)}\n"
                + labels.text("fig_n_orgs", n=labels.number(n_orgs.get(round(x), np.nan), 0))
            )
        )
    )
    ax.set_ylabel(labels.text("fig_score_axis"))
    _number_axis(ax.yaxis, labels)
    handles, names = ax.get_legend_handles_labels()
    handles.append(Patch(color=GREY, alpha=0.35, lw=0))
    names.append(labels.text("ci"))
    ax.legend(handles, names, loc="upper left")
    ax.set_title(labels.text("fig_national_trend_title"), loc="left")
    _footnote(fig, [national], suppressed_note, "national_trend")
    return Plotted(fig, data)


# --- 2. sector trends ---------------------------------------------------------------------


@styled
def sector_trends(
    sectors: pd.DataFrame,
    labels: Labels,
    focus_sectors: Sequence[str],
    suppressed_note: str | None = None,
    indicator: str = "maturity",
) -> Plotted:
    """Maturity by year in small multiples, one panel per sector: the focus sectors in
    colour and first, every other sector in grey, all sectors faintly behind for context."""
    data = _long_scores(sectors, ["year", "sector"], [indicator])
    data.insert(2, "focus", data["sector"].isin(focus_sectors))
    others = sorted(set(data["sector"]) - set(focus_sectors), key=labels.sector)
    order = [s for s in focus_sectors if s in set(data["sector"])] + others
    columns = 3
    rows = int(np.ceil(len(order) / columns))
    fig = _new_figure(height=1.9 * rows + 0.6)
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    focus_colours = dict(zip(focus_sectors, OKABE_ITO, strict=False))
    for ax, sector in zip(axes, order, strict=False):
        for other in order:
            if other != sector:
                rows_other = data[data["sector"] == other].sort_values("year")
                ax.plot(rows_other["year"], rows_other["value"], color=LIGHT_GREY, lw=0.8, zorder=1)
        colour = focus_colours.get(sector, "#595959")
        _draw_band(ax, data[data["sector"] == sector], colour, None, zorder=3)
        ax.set_title(
            labels.sector(sector),
            loc="left",
            color=colour if sector in focus_colours else "black",
            fontweight="bold" if sector in focus_colours else "normal",
            fontsize=8.5,
        )
        _number_axis(ax.yaxis, labels)
    for ax in axes[len(order) :]:
        ax.set_visible(False)
    _year_axis(axes[0], data["year"])
    for ax in axes:
        ax.tick_params(axis="x", labelrotation=90)
    fig.supylabel(
        labels.indicator(indicator) + ", " + labels.text("fig_score_axis").lower(), fontsize=9
    )
    fig.suptitle(labels.text("fig_sector_trends_title"), x=0.0, ha="left")
    _footnote(fig, [sectors], suppressed_note, "sector_trends")
    return Plotted(
        fig, data.sort_values(["sector", "year"], key=_sector_key(order)).reset_index(drop=True)
    )


def _sector_key(order: Sequence[str]) -> Callable[[pd.Series], pd.Series]:
    rank = {s: i for i, s in enumerate(order)}
    return lambda col: col.map(rank) if col.name == "sector" else col


# --- 3. quadrants -------------------------------------------------------------------------


@styled
def quadrant_scatter(
    points: pd.DataFrame,
    labels: Labels,
    year: int,
    thresholds: Mapping[str, float] | None = None,
) -> Plotted:
    """Every (publishable) organisation of the report year by capability and legacy, in the
    four quadrants the thresholds define, so readers can see where organisations stand.
    ``points`` is the published ``quadrant_points`` table (anonymous, built by the gate:
    :func:`mognad.disclosure.quadrant_points`); a point without type is drawn as "other"."""
    thresholds = {"capability": 50.0, "legacy": 50.0, **(thresholds or {})}
    data = points[points["year"] == year].reset_index(drop=True)
    fig = _new_figure(height=5.2)
    ax = fig.add_subplot()
    ax.grid(False)
    x_cut, y_cut = thresholds["capability"], thresholds["legacy"]
    ax.axvline(x_cut, color=GREY, lw=0.9, ls="--", zorder=1)
    ax.axhline(y_cut, color=GREY, lw=0.9, ls="--", zorder=1)
    markers = ("o", "s", "^", "D", "v")
    for (org_type, group), marker, colour in zip(
        data.groupby("org_type", sort=True, dropna=False), markers, OKABE_ITO[3:], strict=False
    ):
        ax.scatter(
            group["capability"],
            group["legacy"],
            s=16,
            marker=marker,
            color=colour,
            alpha=0.75,
            lw=0.3,
            edgecolor="white",
            label=labels.org_type(org_type)
            if isinstance(org_type, str)
            else labels.text("fig_term_other"),
            zorder=3,
        )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    corners = {  # (x, y, ha, va) in axes coordinates; high capability right, high legacy top
        "mature": (0.98, 0.98, "right", "top"),
        "ambitious": (0.98, 0.02, "right", "bottom"),
        "maintaining": (0.02, 0.98, "left", "top"),
        "beginning": (0.02, 0.02, "left", "bottom"),
    }
    for code, (cx, cy, ha, va) in corners.items():
        ax.text(
            cx,
            cy,
            labels.quadrant(code),
            transform=ax.transAxes,
            ha=ha,
            va=va,
            color=QUADRANT_COLOURS[code],
            fontweight="bold",
            fontsize=8.5,
        )
    ax.set_xlabel(labels.indicator("capability"))
    ax.set_ylabel(labels.indicator("legacy"))
    _number_axis(ax.xaxis, labels)
    _number_axis(ax.yaxis, labels)
    if ax.get_legend_handles_labels()[0]:  # no organisation to show: no legend
        ax.legend(title=labels.header("org_type"), loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(labels.text("fig_quadrant_scatter_title", year=year), loc="left")
    return Plotted(fig, data)


@styled
def quadrant_shares(
    quadrants: pd.DataFrame, labels: Labels, suppressed_note: str | None = None
) -> Plotted:
    """Nationally, the share of organisations in each quadrant per year (stacked to 100 %)."""
    national = quadrants[quadrants["level"] == "national"]
    data = national[["year", "quadrant", "share", *_count_columns(national)]].copy()
    data[SUPPRESSED] = _suppressed_flag(national).to_numpy()
    data["quadrant"] = pd.Categorical(data["quadrant"], QUADRANT_ORDER, ordered=True)
    data = data.sort_values(["year", "quadrant"]).reset_index(drop=True)
    data["quadrant"] = data["quadrant"].astype(str)
    fig = _new_figure(height=3.4)
    ax = fig.add_subplot()
    years = sorted(data["year"].astype(int).unique())
    bottom = pd.Series(0.0, index=years)
    for code in QUADRANT_ORDER:
        part = data[(data["quadrant"] == code) & data["share"].notna()].set_index("year")["share"]
        if part.empty:
            continue
        ax.bar(
            part.index,
            part,
            bottom=bottom[part.index],
            width=0.75,
            color=QUADRANT_COLOURS[code],
            label=labels.quadrant(code),
            lw=0,
        )
        for year_, share in part.items():
            if share >= 0.08:
                ax.text(
                    year_,
                    bottom[year_] + share / 2,
                    labels.percent(100 * share),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black",
                )
        bottom[part.index] += part
    for year_ in years:  # a year with nothing shown is marked, not left blank
        if bottom[year_] == 0:
            ax.text(year_, 0.02, DASH, ha="center", va="bottom")
    _year_axis(ax, years)
    ax.tick_params(axis="x", labelrotation=0)
    ax.set_ylim(0, 1)
    _percent_axis(ax.yaxis, labels)
    ax.set_ylabel(labels.header("share"))
    handles, names = ax.get_legend_handles_labels()
    fig.legend(
        handles[::-1], names[::-1], loc="outside right upper", title=labels.header("quadrant")
    )
    ax.set_title(labels.text("fig_quadrant_shares_title"), loc="left")
    _footnote(fig, [national], suppressed_note, "quadrant_shares")
    return Plotted(fig, data)


# --- 4. category profile ------------------------------------------------------------------


@styled
def category_profile(
    sectors: pd.DataFrame,
    labels: Labels,
    year: int,
    suppressed_note: str | None = None,
    national: pd.DataFrame | None = None,
) -> Plotted:
    """The six category scores of each sector in the report year as an annotated heatmap,
    the nation on top for reference, so a sector's strong and weak areas stand out."""
    rows = sectors[sectors["year"] == year].copy()
    if national is not None:
        nat = national[national["year"] == year].copy()
        nat.insert(1, "sector", "national")
        rows = pd.concat([nat, rows], ignore_index=True)
    sector_rows = rows[rows["sector"] != "national"]
    ordered = sorted(sector_rows["sector"], key=labels.sector)
    order = (["national"] if national is not None else []) + ordered
    rows = rows.set_index("sector").loc[order].reset_index()
    data = _long_scores(rows, ["year", "sector"], CATEGORIES)
    grid = data.pivot(index="sector", columns="indicator", values="value").loc[
        order, list(CATEGORIES)
    ]
    values = grid.to_numpy(dtype=float)
    fig = _new_figure(height=0.32 * len(order) + 1.9)
    ax = fig.add_subplot()
    ax.grid(False)
    finite = values[np.isfinite(values)]
    low, high = (
        (np.floor(finite.min() / 5) * 5, np.ceil(finite.max() / 5) * 5) if finite.size else (0, 100)
    )
    cmap = mpl.colormaps["cividis"].with_extremes(bad="#F2F2F2")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=low, vmax=high, aspect="auto")
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            shade = cmap((value - low) / (high - low) if high > low else 0.5)
            light = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] > 0.55
            ax.text(
                j,
                i,
                labels.number(value, 0),
                ha="center",
                va="center",
                fontsize=7.5,
                color="black" if light else "white",
            )
        else:
            ax.text(j, i, DASH, ha="center", va="center", fontsize=7.5, color="#444444")
    ax.set_xticks(range(len(CATEGORIES)), [labels.indicator(c) for c in CATEGORIES])
    ax.set_yticks(
        range(len(order)),
        [labels.group("national", "all") if s == "national" else labels.sector(s) for s in order],
    )
    ax.tick_params(
        axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, labelrotation=30
    )
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("left")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if national is not None:
        ax.axhline(0.5, color="white", lw=2.5)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label(labels.text("fig_score_axis"))
    _number_axis(bar.ax.yaxis, labels)
    bar.outline.set_visible(False)
    ax.set_title(labels.text("fig_category_profile_title", year=year), loc="left")
    _footnote(fig, [rows], suppressed_note, "category_profile")
    return Plotted(fig, data)


# --- 5. the three trend views -------------------------------------------------------------


def _stacked_parts(values: pd.DataFrame) -> Iterator[tuple[str, pd.Series, pd.Series]]:
    """Each part with its bar bottom: positive parts stack upwards, negative downwards."""
    up = pd.Series(0.0, index=values.index)
    down = pd.Series(0.0, index=values.index)
    for part in DECOMPOSITION_PARTS:
        height = values[part]
        shown = height.notna()
        base = up.where(height >= 0, down)
        yield part, height[shown], base[shown]
        up += height.clip(lower=0).fillna(0)
        down += height.clip(upper=0).fillna(0)


@styled
def trend_views(
    year_over_year: pd.DataFrame,
    decomposition: pd.DataFrame,
    fixed_effects: pd.DataFrame,
    labels: Labels,
    suppressed_note: str | None = None,
    indicator: str = "maturity",
    scope: str = "national",
) -> Plotted:
    """Three honest answers to "did maturity rise?": all participants vs the same
    organisations, the change split into within/composition/interaction, and year effects
    within organisations. Side by side, because they can disagree when participation shifts."""
    yoy = year_over_year[
        (year_over_year["indicator"] == indicator) & (year_over_year["scope"] == scope)
    ]
    dec = decomposition[
        (decomposition["indicator"] == indicator) & (decomposition["scope"] == scope)
    ]
    fe = fixed_effects[fixed_effects["indicator"] == indicator]
    yoy, dec, fe = (f.sort_values("year") for f in (yoy, dec, fe))
    counts = ["n_pairs", "n_orgs_prev", "n_orgs"]

    def view(frame: pd.DataFrame, name: str, series: str, column: str) -> pd.DataFrame:
        out = pd.DataFrame(
            {
                "view": name,
                "year": frame["year"].astype(int),
                "series": series,
                "value": frame[column].astype(float),
            }
        )
        out["ci_low"] = frame.get(
            f"{column}_ci_low" if name != "fixed_effects" else "ci_low", np.nan
        )
        out["ci_high"] = frame.get(
            f"{column}_ci_high" if name != "fixed_effects" else "ci_high", np.nan
        )
        for count in counts:
            out[count] = frame.get(count, pd.NA)
        out[SUPPRESSED] = _suppressed_flag(frame)
        return out

    data = pd.concat(
        [view(yoy, "year_over_year", s, s) for s in ("cross_sectional", "within")]
        + [view(dec, "decomposition", s, s) for s in ("cross_sectional", *DECOMPOSITION_PARTS)]
        + [view(fe, "fixed_effects", "year_effect", "estimate")],
        ignore_index=True,
    )
    fig = _new_figure(width=TEXT_WIDTH + 0.5, height=3.3)
    axes = fig.subplots(1, 3, sharey=False)
    names = {
        "cross_sectional": labels.text("fig_cross_sectional"),
        "within": labels.text("fig_within"),
        "within_part": labels.text("fig_within_part"),
        "composition": labels.text("fig_composition"),
        "interaction": labels.text("fig_interaction"),
    }
    # A: all participants vs the same organisations.
    ax = axes[0]
    for series, colour, marker in (
        ("cross_sectional", OKABE_ITO[7], "D"),
        ("within", OKABE_ITO[3], "o"),
    ):
        rows = data[(data["view"] == "year_over_year") & (data["series"] == series)]
        ax.plot(rows["year"], rows["value"], color=colour, marker=marker, label=names[series])
    ax.set_title(labels.text("fig_view_year_over_year"), loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=1)
    # B: the decomposition, stacked, with the cross-sectional change as a marker.
    ax = axes[1]
    parts = data[data["view"] == "decomposition"].pivot(
        index="year", columns="series", values="value"
    )
    parts = parts.reindex(columns=["cross_sectional", *DECOMPOSITION_PARTS])
    part_colours = dict(
        zip(DECOMPOSITION_PARTS, (OKABE_ITO[3], OKABE_ITO[0], OKABE_ITO[5]), strict=True)
    )
    for part, height, base in _stacked_parts(parts):
        label = names["within_part" if part == "within" else part]
        ax.bar(
            height.index,
            height,
            bottom=base,
            width=0.7,
            color=part_colours[part],
            lw=0,
            label=label,
        )
    total = data[(data["view"] == "decomposition") & (data["series"] == "cross_sectional")]
    total = total[total["value"].notna()]
    has_ci = total["ci_low"].notna() & total["ci_high"].notna()
    if has_ci.any():
        ax.errorbar(
            total.loc[has_ci, "year"],
            total.loc[has_ci, "value"],
            yerr=[
                total.loc[has_ci, "value"] - total.loc[has_ci, "ci_low"],
                total.loc[has_ci, "ci_high"] - total.loc[has_ci, "value"],
            ],
            fmt="none",
            ecolor="black",
            elinewidth=0.9,
            capsize=2,
            zorder=4,
        )
    ax.plot(
        total["year"],
        total["value"],
        ls="none",
        marker="D",
        color="black",
        zorder=5,
        label=names["cross_sectional"],
    )
    ax.axhline(0, color="black", lw=0.6)
    ax.set_title(labels.text("fig_view_decomposition"), loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=1)
    # C: year effects within organisations, against the first year.
    ax = axes[2]
    rows = data[(data["view"] == "fixed_effects") & data["value"].notna()]
    ci = rows["ci_low"].notna() & rows["ci_high"].notna()
    ax.errorbar(
        rows.loc[ci, "year"],
        rows.loc[ci, "value"],
        yerr=[
            rows.loc[ci, "value"] - rows.loc[ci, "ci_low"],
            rows.loc[ci, "ci_high"] - rows.loc[ci, "value"],
        ],
        fmt="none",
        ecolor=OKABE_ITO[3],
        elinewidth=1,
        capsize=2,
    )
    ax.plot(
        rows["year"],
        rows["value"],
        marker="o",
        color=OKABE_ITO[3],
        label=labels.text("fig_year_effect"),
    )
    base_year = int(fe["year"].min()) if len(fe) else 0
    ax.set_title(labels.text("fig_view_fixed_effects", year=base_year), loc="left")
    ax.legend(
        handles=[
            Line2D([], [], color=OKABE_ITO[3], marker="o"),
            Line2D([], [], color=OKABE_ITO[3], lw=1, marker="|", ms=8, ls="-"),
        ],
        labels=[labels.text("fig_year_effect"), labels.text("ci")],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
        ncols=1,
    )
    for ax in axes:
        _year_axis(ax, data["year"])
        ax.tick_params(axis="x", labelrotation=90)
        _number_axis(ax.yaxis, labels)
        ax.axhline(0, color="black", lw=0.6, zorder=1)
        ax.set_title(textwrap.fill(ax.get_title(loc="left"), 30), loc="left", fontsize=8.5)
    axes[0].set_ylabel(labels.text("fig_change_axis"))
    fig.suptitle(
        labels.text("fig_trend_views_title", indicator=labels.indicator(indicator)),
        x=0.0,
        ha="left",
    )
    _footnote(fig, [yoy, dec, fe], suppressed_note, "trend_views")
    return Plotted(fig, data)


# --- 6. forest plot -----------------------------------------------------------------------

_FACTOR_TERM = re.compile(r"^C\((?P<variable>\w+)\)\[T\.(?P<level>.+)\]$")


def term_group(term: str) -> str:
    """The variable a model term belongs to (``sector``, ``year``, ...; ``other`` else)."""
    match = _FACTOR_TERM.match(term)
    return match["variable"] if match else "other"


@styled
def forest_plot(
    models: Mapping[str, pd.DataFrame],
    labels: Labels,
    specs: Mapping[str, Mapping[str, Any]],
    suppressed_note: str | None = None,
) -> Plotted:
    """Every model's coefficients side by side, grouped by variable, so readers can see
    which associations hold whatever the model (intercepts left out: not comparable).
    A coefficient the gate hid (too few organisations behind it) has no point, and the
    footnote says why."""
    data = pd.concat(
        [
            table.assign(model=name)[
                [
                    "model",
                    *[c for c in (*COEFFICIENT_COLUMNS, SUPPRESSED) if c in table.columns],
                ]
            ]
            for name, table in models.items()
        ],
        ignore_index=True,
    )
    data = data[data["term"] != "Intercept"].reset_index(drop=True)
    terms = list(dict.fromkeys(data["term"]))
    group_order = ["sector", "org_type", "other", "year"]
    groups = {
        g: [t for t in terms if term_group(t) == g]
        for g in dict.fromkeys([*group_order, *map(term_group, terms)])
    }
    rows: list[tuple[str, str | None]] = []  # (label, term or None for a group heading)
    for group, members in groups.items():
        if not members:
            continue
        heading = labels.text("fig_term_other") if group == "other" else labels.header(group)
        rows.append((heading, None))
        rows.extend((labels.term(t), t) for t in members)
    position = {term: i for i, (_, term) in enumerate(rows) if term is not None}
    names = list(models)
    step = 0.7 / max(len(names), 1)
    fig = _new_figure(height=0.24 * len(rows) + 1.4)
    ax = fig.add_subplot()
    ax.grid(axis="x", color="#E5E5E5")
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="black", lw=0.7)
    markers = ("o", "s", "D", "^", "v", "P", "X", "*")
    for k, name in enumerate(names):
        rows_k = data[data["model"] == name]
        y = rows_k["term"].map(position).to_numpy(dtype=float) + (k - (len(names) - 1) / 2) * step
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        ci = rows_k["ci_low"].notna() & rows_k["ci_high"].notna()
        ax.hlines(
            y[ci.to_numpy()],
            rows_k.loc[ci, "ci_low"],
            rows_k.loc[ci, "ci_high"],
            color=colour,
            lw=1,
        )
        ax.plot(
            rows_k["estimate"],
            y,
            ls="none",
            marker=markers[k % len(markers)],
            ms=3.5,
            color=colour,
            label=labels.model(specs[name]),
        )
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    for tick, (_, term) in zip(ax.get_yticklabels(), rows, strict=True):
        if term is None:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8))
    _number_axis(ax.xaxis, labels)
    ax.set_xlabel(labels.text("fig_forest_axis"))
    handles, legend_names = ax.get_legend_handles_labels()
    _legend_below_or_beside(fig, [data], handles, legend_names)
    ax.set_title(labels.text("fig_forest_title"), loc="left")
    _footnote(fig, [data], suppressed_note, "forest_plot")
    return Plotted(fig, data)


# --- 7. sensitivity -----------------------------------------------------------------------


def _spread_rows(
    rows: pd.DataFrame, panel: str, group: pd.Series, value: str, median: str, p05: str, p95: str
) -> pd.DataFrame:
    """A value under the method and the spread of its Monte Carlo draws, with the counts
    it rests on (for the disclosure scan)."""
    out = pd.DataFrame(
        {
            "panel": panel,
            "year": rows["year"].astype(int),
            "group": group,
            "value": rows[value].astype(float),
            "median": rows[median].astype(float),
            "p05": rows[p05].astype(float),
            "p95": rows[p95].astype(float),
        }
    )
    for count in _count_columns(rows):
        out[count] = rows[count]
    out[SUPPRESSED] = _suppressed_flag(rows)
    return out


@styled
def sensitivity(
    ranks: pd.DataFrame,
    groups: pd.DataFrame,
    labels: Labels,
    year: int,
    suppressed_note: str | None = None,
    indicator: str = "maturity",
) -> Plotted:
    """How much ranks and sector figures move under other defensible method choices: wide
    rank bands warn against reading a league table into the index. Ranks are shown by
    fifths of the ranking (the published ``sensitivity_ranks``), never per organisation."""
    rank_rows = ranks[ranks["year"] == year]
    spans = [
        f"{labels.number(low, 0)}{DASH}{labels.number(high, 0)}"
        for low, high in zip(rank_rows["rank_low"], rank_rows["rank_high"], strict=True)
    ]
    rank_data = _spread_rows(
        rank_rows,
        "ranks",
        pd.Series(spans, index=rank_rows.index, dtype=object),
        "rank_method",
        "rank_median",
        "rank_p05",
        "rank_p95",
    ).sort_values(["year", "value"], kind="stable")
    group_rows = groups[
        (groups["year"] == year)
        & (groups["level"] == "sector")
        & (groups["indicator"] == indicator)
    ]
    group_data = _spread_rows(
        group_rows, "sectors", group_rows["group"], "method_value", "median", "p05", "p95"
    ).sort_values(["value", "group"], na_position="first", kind="stable")
    fig = _new_figure(height=3.8)
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    # Ranks: one band per fifth of the ranking, the mean 5-95 % band of its organisations.
    x = np.arange(1, len(rank_data) + 1)
    shown_ranks = rank_data["value"].notna().to_numpy()
    left.vlines(
        x[shown_ranks],
        rank_data.loc[shown_ranks, "p05"],
        rank_data.loc[shown_ranks, "p95"],
        color=OKABE_ITO[1],
        lw=6,
        label=labels.text("fig_draw_range"),
    )
    left.plot(
        x,
        rank_data["value"],
        ls="none",
        marker="o",
        ms=4,
        color="black",
        label=labels.text("fig_method_value"),
    )
    n_ranked = max(int(rank_rows["n_orgs"].sum()), 1)  # counts are never hidden
    left.set_ylim(n_ranked + 1, 0)
    left.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=3))
    left.set_yticks([1, *[t for t in left.get_yticks() if 1 < t <= n_ranked]])
    left.set_xlabel(labels.text("fig_orgs_sorted"))
    left.set_ylabel(labels.text("fig_rank_axis"))
    left.set_xticks(x, rank_data["group"].tolist(), fontsize=8)
    left.set_xlim(0.4, len(rank_data) + 0.6)
    _number_axis(left.yaxis, labels)
    left.set_title(labels.text("fig_rank_panel"), loc="left")
    left.legend(loc="lower left")
    # Sectors: the method's value and the range of the draws.
    y = np.arange(len(group_data))
    shown = group_data["p05"].notna() & group_data["p95"].notna()
    right.hlines(
        y[shown.to_numpy()],
        group_data.loc[shown, "p05"],
        group_data.loc[shown, "p95"],
        color=OKABE_ITO[1],
        lw=3,
    )
    right.plot(group_data["value"], y, ls="none", marker="o", ms=4, color="black")
    for i, missing in enumerate(group_data["value"].isna()):
        if missing:
            right.text(
                0.03, i, DASH, transform=right.get_yaxis_transform(), va="center", fontsize=9
            )
    right.set_yticks(y, [labels.sector(s) for s in group_data["group"]])
    right.set_ylim(-0.6, max(len(group_data), 1) - 0.4)
    right.grid(axis="x", color="#E5E5E5")
    right.grid(axis="y", visible=False)
    right.set_xlabel(labels.indicator(indicator))
    _number_axis(right.xaxis, labels)
    right.set_title(labels.text("fig_sector_spread_panel"), loc="left")
    fig.suptitle(labels.text("fig_sensitivity_title", year=year), x=0.0, ha="left")
    _footnote(fig, [rank_rows, group_rows], suppressed_note, "sensitivity")
    data = pd.concat([rank_data, group_data], ignore_index=True)
    return Plotted(fig, data)


# --- 8. measurement quality ---------------------------------------------------------------


@styled
def quality_overview(
    reliability: pd.DataFrame,
    labels: Labels,
    suppressed_note: str | None = None,
    reference: float = 0.70,
) -> Plotted:
    """Cronbach's α and McDonald's ω per category and year, against the usual 0.70: the
    categories are only worth reporting if they measure consistently in every year."""
    parts = []
    for measure in ("alpha", "omega"):
        part = reliability[["year", "category"]].copy()
        part.insert(2, "measure", measure)
        part["value"] = reliability[measure].astype(float)
        part["ci_low"] = reliability.get(f"{measure}_ci_low", np.nan)
        part["ci_high"] = reliability.get(f"{measure}_ci_high", np.nan)
        part["n"] = reliability["n"]
        part[SUPPRESSED] = _suppressed_flag(reliability)
        parts.append(part)
    data = pd.concat(parts, ignore_index=True).sort_values(["measure", "category", "year"])
    data = data.reset_index(drop=True)
    fig = _new_figure(height=3.4)
    axes = fig.subplots(1, 2, sharey=True)
    colours = dict(zip(CATEGORIES, OKABE_ITO, strict=False))
    for ax, measure in zip(axes, ("alpha", "omega"), strict=True):
        for category in [c for c in CATEGORIES if c in set(data["category"])]:
            rows = data[(data["measure"] == measure) & (data["category"] == category)]
            ax.plot(
                rows["year"],
                rows["value"],
                marker="o",
                color=colours[category],
                label=labels.indicator(category),
            )
        ax.axhline(reference, color=GREY, ls="--", lw=0.9)
        ax.text(
            0.99,
            reference,
            labels.text("fig_reference_value", value=labels.number(reference, 2)),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=7,
            color="#555555",
        )
        ax.set_title(labels.text(f"fig_{measure}"), loc="left")
        _year_axis(ax, data["year"])
        _number_axis(ax.yaxis, labels, 2)
    finite = data["value"].dropna()
    if len(finite):
        axes[0].set_ylim(min(finite.min(), reference) - 0.05, min(1.0, finite.max() + 0.05))
    handles, names = axes[0].get_legend_handles_labels()
    _legend_below_or_beside(fig, [reliability], handles, names)
    fig.suptitle(labels.text("fig_quality_title"), x=0.0, ha="left")
    _footnote(fig, [reliability], suppressed_note, "quality_overview")
    return Plotted(fig, data)


# --- all figures --------------------------------------------------------------------------


def render_figures(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    labels: Labels,
    year: int,
    focus_sectors: Sequence[str],
    thresholds: Mapping[str, float] | None,
    suppressed_note: str | None,
    model_specs: Mapping[str, Mapping[str, Any]],
) -> dict[str, Plotted]:
    """Every figure of the report, by name (the file stem). ``model_specs``: the models'
    specifications (config ``models``), which name them in the forest plot."""
    note = suppressed_note
    return {
        "national_trend": national_trend(tables["national_by_year"], labels, note),
        "sector_trends": sector_trends(tables["sector_by_year"], labels, focus_sectors, note),
        "quadrant_scatter": quadrant_scatter(tables["quadrant_points"], labels, year, thresholds),
        "quadrant_shares": quadrant_shares(tables["quadrants"], labels, note),
        "category_profile": category_profile(
            tables["sector_by_year"], labels, year, note, national=tables["national_by_year"]
        ),
        "trend_views": trend_views(
            tables["year_over_year"],
            tables["change_decomposition"],
            tables["fixed_effects_trend"],
            labels,
            note,
        ),
        "forest_plot": forest_plot(models, labels, model_specs, note),
        "sensitivity": sensitivity(
            tables["sensitivity_ranks"], tables["sensitivity_groups"], labels, year, note
        ),
        "quality_overview": quality_overview(tables["reliability"], labels, note),
    }


def make_figures(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    labels: Labels,
    year: int,
    focus_sectors: Sequence[str],
    thresholds: Mapping[str, float] | None,
    suppressed_note: str | None,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    *,
    model_specs: Mapping[str, Mapping[str, Any]],
) -> dict[str, Path]:
    """Render every figure and write ``<name>.<format>`` and ``<name>.csv`` (the plotted
    data) to ``out_dir``; returns every written path by ``<name>.<ext>``."""
    out_dir = Path(out_dir)
    written: dict[str, Path] = {}
    for name, (fig, data) in render_figures(
        tables, models, labels, year, focus_sectors, thresholds, suppressed_note, model_specs
    ).items():
        try:
            for path in save_figure(fig, out_dir / name, formats):
                written[path.name] = path
        finally:
            plt.close(fig)
        write_published_csv(data, out_dir / f"{name}.csv")
        written[f"{name}.csv"] = out_dir / f"{name}.csv"
    return written
