"""Change over time in an unbalanced panel of organisations.

Organisations join and leave the survey, so the change in a yearly mean over organisations
(the *cross-sectional* change) mixes real change within organisations with a change in who
answered. This module separates the two:

* :func:`year_over_year` compares each survey year with the previous one: the
  cross-sectional change and the mean change of the organisations present in both years.
* :func:`decompose_change` splits the cross-sectional change exactly into within-organisation
  change, composition (joiners and leavers) and their interaction.
* :func:`fixed_effects_trend` estimates year effects with organisation fixed effects over all
  years, so that every year is compared on the same organisations.
* :func:`sector_trends` gives a linear trend per sector with a cluster-robust interval.

All means are over organisations, each counting once. An organisation-year without a value
for the indicator counts as absent for that indicator.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from mognad.analyses.changeparts import part_weights
from mognad.analyses.models import within_fit

#: The indicators the workflow's trend tables cover.
TREND_INDICATORS: tuple[str, ...] = ("capability", "legacy", "maturity")

#: The decomposition's contract columns, in order.
DECOMPOSITION_COLUMNS = ["year", "scope", "cross_sectional", "within", "composition", "interaction"]

#: Organisation counts behind each comparison.
COUNT_COLUMNS = ["n_pairs", "n_orgs_prev", "n_orgs", "n_joiners", "n_leavers"]

NATIONAL = "national"


def _org_values(orgs: pd.DataFrame, indicator: str, by: str | None) -> pd.DataFrame:
    """One value per organisation-year (mean if repeated), rows without a value dropped."""
    keys = ["year", "org_id"] + ([by] if by else [])
    data = orgs.dropna(subset=[indicator])
    values = data.groupby(keys, observed=True, sort=True)[indicator].mean().reset_index()
    values["year"] = values["year"].astype(int)
    values["scope"] = values[by].astype(str) if by else NATIONAL
    return values[["year", "org_id", "scope", indicator]]


def _pairs(values: pd.DataFrame, indicator: str):
    """Consecutive survey years within each scope: (scope, prev, year, y_prev, y_now).

    The previous survey year is the previous year present in the data as a whole, so a scope
    absent in some year has no comparison across the gap. ``y_prev``/``y_now`` are Series
    indexed by org_id.
    """
    years = sorted(values["year"].unique())
    for scope, group in values.groupby("scope", sort=True):
        by_year = {y: g.set_index("org_id")[indicator] for y, g in group.groupby("year")}
        for prev, year in pairwise(years):
            if prev in by_year and year in by_year:
                yield scope, prev, year, by_year[prev], by_year[year]


def _shared_mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else np.nan


def _part_standard_errors(
    y_prev: pd.Series, y_now: pd.Series, se_prev: pd.Series, se_now: pd.Series
) -> dict[str, float]:
    """Standard errors of the four parts from the organisation values' standard errors.

    The organisations that took part are held fixed: the uncertainty is that of measuring
    each organisation through a sample of its staff, and samples of different organisations
    and of different years are independent, so Var(part) = sum_i w_i^2 se_i(t-1)^2 +
    sum_i v_i^2 se_i(t)^2 exactly for these linear parts. This is the interval for the
    change among the organisations that took part, not for a wider population of
    organisations.
    """
    out = {}
    for part, (w_prev, w_now) in part_weights(y_prev.index, y_now.index).items():
        variance = (w_prev**2 * se_prev.reindex(y_prev.index) ** 2).sum(min_count=1) + (
            w_now**2 * se_now.reindex(y_now.index) ** 2
        ).sum(min_count=1)
        out[f"{part}_se"] = float(np.sqrt(variance))
    return out


def _decompose_pair(y_prev: pd.Series, y_now: pd.Series) -> dict[str, float | int]:
    """The year-over-year quantities and the decomposition for one scope and pair of years.

    Stayers S are present in both years, joiners J only in t, leavers L only in t-1;
    p0 = |S| / N(t-1) and p1 = |S| / N(t) are the stayers' shares, p = (p0 + p1) / 2.
    The cross-sectional change is exactly

        cross       = ybar(t) - ybar(t-1)
        within      = p * (S_t - S_{t-1})
        composition = (1 - p1) * (J_t - S_t) - (1 - p0) * (L_{t-1} - S_{t-1})
        interaction = (1 - p) * (S_t - S_{t-1})

    because ybar(t) = S_t + (1 - p1)(J_t - S_t) and ybar(t-1) = S_{t-1} + (1 - p0)(L_{t-1} -
    S_{t-1}) (the entry/exit decomposition of Melitz & Polanec 2015 with equal weights).
    ``within`` is the stayers' change at their average share of the two years;
    ``composition`` is what joiners and leavers add by differing from the stayers of the
    same year, at their shares (zero when they are like the stayers, or when nobody joins or
    leaves); ``interaction`` is the stayers' change times the turnover share (zero when either
    is zero). ``within + interaction`` is the stayers' mean change, the ``within`` of
    :func:`year_over_year`. ``interaction`` is computed as the remainder, so the parts add up
    to ``cross`` to floating point. Without stayers the whole change is composition.
    """
    stay = y_prev.index.intersection(y_now.index)
    joiners = y_now.index.difference(y_prev.index)
    leavers = y_prev.index.difference(y_now.index)
    n_prev, n_now, n_s = len(y_prev), len(y_now), len(stay)
    cross = float(y_now.mean() - y_prev.mean())
    if n_s == 0:
        stayer_change, within, composition = np.nan, 0.0, cross
    else:
        s_prev, s_now = float(y_prev[stay].mean()), float(y_now[stay].mean())
        stayer_change = float((y_now[stay] - y_prev[stay]).mean())
        p0, p1 = n_s / n_prev, n_s / n_now
        within = (p0 + p1) / 2 * (s_now - s_prev)
        entry = (1 - p1) * (_shared_mean(y_now[joiners]) - s_now) if len(joiners) else 0.0
        exit_ = (1 - p0) * (_shared_mean(y_prev[leavers]) - s_prev) if len(leavers) else 0.0
        composition = entry - exit_
    return {
        "cross_sectional": cross,
        "within": within,
        "composition": composition,
        "interaction": cross - within - composition,
        "stayer_change": stayer_change,
        "n_pairs": n_s,
        "n_orgs_prev": n_prev,
        "n_orgs": n_now,
        "n_joiners": len(joiners),
        "n_leavers": len(leavers),
    }


#: The parts of the cross-sectional change, in contract order.
PARTS = ("cross_sectional", "within", "composition", "interaction")


def _se_by_year(se: pd.DataFrame | None, indicator: str) -> dict[int, pd.Series]:
    """The organisation standard errors of ``indicator`` per year, indexed by org_id."""
    if se is None:
        return {}
    return {
        int(year): group.set_index("org_id")[indicator]
        for year, group in se[["year", "org_id", indicator]].groupby("year")
    }


def _pair_rows(
    orgs: pd.DataFrame,
    indicator: str,
    by: str | None,
    se: pd.DataFrame | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    values = _org_values(orgs, indicator, by)
    errors = _se_by_year(se, indicator)
    rows = []
    for scope, prev, year, y_prev, y_now in _pairs(values, indicator):
        row = {"year": year, "scope": scope, **_decompose_pair(y_prev, y_now)}
        if errors:
            row |= _part_standard_errors(y_prev, y_now, errors[prev], errors[year])
        rows.append(row)
    columns = [*DECOMPOSITION_COLUMNS, "stayer_change", *COUNT_COLUMNS]
    if se is not None:
        columns += [f"{part}_se" for part in PARTS]
    table = pd.DataFrame(rows, columns=columns)
    if se is not None:
        z = stats.norm.ppf(0.5 + level / 2)
        for part in PARTS:
            table[f"{part}_ci_low"] = table[part] - z * table[f"{part}_se"]
            table[f"{part}_ci_high"] = table[part] + z * table[f"{part}_se"]
    return table.sort_values(["year", "scope"], kind="stable").reset_index(drop=True)


def year_over_year(
    orgs: pd.DataFrame, indicator: str, by: str | None = None, min_orgs: int = 5
) -> pd.DataFrame:
    """Cross-sectional and within-organisation change from each survey year to the next.

    ``cross_sectional`` compares all participants of t with all of t-1; ``within`` is the mean
    change of the ``n_pairs`` organisations present in both years, the change not driven by
    who answered. ``scope`` is ``national`` (``by=None``) or each value of ``by``.
    ``flag_small``: fewer than ``min_orgs`` organisations in either year (values kept).
    """
    table = _pair_rows(orgs, indicator, by)
    columns = ["year", "scope", "cross_sectional", "stayer_change", *COUNT_COLUMNS]
    out = table[columns].rename(columns={"stayer_change": "within"})
    out["flag_small"] = (out["n_orgs_prev"] < min_orgs) | (out["n_orgs"] < min_orgs)
    return out


def decompose_change(
    orgs: pd.DataFrame,
    indicator: str,
    by: str | None = None,
    min_orgs: int = 5,
    se: pd.DataFrame | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Exact split of the cross-sectional change into within, composition and interaction.

    See :func:`_decompose_pair` for the formulation. Scopes with fewer than ``min_orgs``
    organisations in either year keep their values and get ``flag_small`` = True; the
    report decides what to show. Given ``se`` (``year``, ``org_id`` and the organisations'
    standard errors under the indicator's name, from
    :func:`mognad.indices.scores.organisation_standard_errors`), each part also gets ``<part>_se``
    and normal ``<part>_ci_low``/``_ci_high`` at ``level`` (see
    :func:`_part_standard_errors`).
    """
    table = _pair_rows(orgs, indicator, by, se, level)
    uncertainty = [c for c in table.columns if c.endswith(("_se", "_ci_low", "_ci_high"))]
    out = table[[*DECOMPOSITION_COLUMNS, *COUNT_COLUMNS]].copy()
    out["flag_small"] = (out["n_orgs_prev"] < min_orgs) | (out["n_orgs"] < min_orgs)
    return pd.concat([out, table[uncertainty]], axis=1)


def _cluster_fit(y: np.ndarray, x: np.ndarray, groups: np.ndarray, level: float):
    """OLS with standard errors clustered by ``groups`` and t intervals on G - 1 df.

    Returns (params, bse, conf_int, pvalues). With fewer than two organisations clustered
    uncertainty does not exist: the estimates stand, their uncertainty is NaN.
    """
    codes = pd.factorize(groups)[0]
    if codes.max(initial=-1) < 1:
        params = np.asarray(sm.OLS(y, x).fit().params, dtype=float)
        nan = np.full(len(params), np.nan)
        return params, nan, np.column_stack([nan, nan]), nan
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    return fit.params, fit.bse, fit.conf_int(alpha=1 - level), fit.pvalues


def fixed_effects_trend(orgs: pd.DataFrame, indicator: str, level: float = 0.95) -> pd.DataFrame:
    """Year effects relative to the first survey year, with organisation fixed effects.

    Each organisation is compared with itself, so the effects are free of the joiners' and
    leavers' levels. Within estimator (:func:`mognad.analyses.models.within_fit`, the one the
    ``fixed_effects`` models use): the indicator and the year dummies (first year left
    out) are demeaned by organisation and fitted by OLS without constant; organisations seen
    only once carry no within information and are dropped. Standard errors are clustered by
    organisation with statsmodels' small-sample factor G/(G-1) * (N-1)/(N-K), where K counts
    only the year dummies, not the absorbed organisation means: these are nested in the
    clusters, so counting them would overstate the correction (Cameron & Miller 2015,
    sec. VI; as Stata's ``xtreg, fe vce(cluster)``). Intervals use t with G - 1 df. The first
    year has estimate 0 and no interval.
    """
    values = _org_values(orgs, indicator, None)
    years = sorted(values["year"].unique())
    dummies = pd.DataFrame(
        {year: (values["year"] == year).to_numpy(float) for year in years[1:]},
        index=values.index,
    )
    coefs, _ = within_fit(values[indicator], dummies, values["org_id"].to_numpy(), level)
    effects = coefs.set_index("term").reindex(years[1:])
    nan = float("nan")
    rows = [{"year": years[0], "estimate": 0.0, "std_error": nan, "ci_low": nan, "ci_high": nan}]
    rows += [
        {"year": year, **effects.loc[year, ["estimate", "std_error", "ci_low", "ci_high"]]}
        for year in years[1:]
    ]
    return pd.DataFrame(rows)


def sector_trends(
    orgs: pd.DataFrame, indicator: str, min_orgs: int, level: float = 0.95
) -> pd.DataFrame:
    """Linear trend (points per year) per sector from one sector x year interaction model.

    The model is ``indicator ~ C(sector) + C(sector):year_centred`` at organisation-year
    level (the same fit as ``C(sector) * year_centred``, parametrised so each sector's slope
    is one coefficient), clustered by organisation. Small cells are handled as in the
    sector tables: sector-years with fewer than ``min_orgs`` organisations are left out of
    the fit, and a sector with fewer than two such years left has no slope and is flagged
    (``flag_small``) and excluded. ``n_orgs``/``n_org_years`` count what entered the fit
    (for flagged sectors, all their data); ``n_years`` the years used.
    """
    values = _org_values(orgs, indicator, "sector")
    values["year_centred"] = values["year"] - float(np.mean(sorted(values["year"].unique())))
    cell = values.groupby(["scope", "year"])["org_id"].transform("size")
    used = values[cell >= min_orgs]
    n_years = used.groupby("scope")["year"].nunique()
    eligible = sorted(n_years.index[n_years >= 2])
    used = used[used["scope"].isin(eligible)]
    slopes: dict[str, tuple[float, float, float, float, float]] = {}
    if eligible:
        sector_dummies = (used["scope"].to_numpy()[:, None] == np.array(eligible)).astype(float)
        x = np.hstack([sector_dummies, sector_dummies * used[["year_centred"]].to_numpy()])
        params, bse, ci, pvalues = _cluster_fit(
            used[indicator].to_numpy(), x, used["org_id"].to_numpy(), level
        )
        for j, sector in enumerate(eligible):
            k = len(eligible) + j
            slopes[sector] = (params[k], bse[k], ci[k, 0], ci[k, 1], pvalues[k])
    rows = []
    for sector, data in values.groupby("scope", sort=True):
        flagged = sector not in slopes
        part = data if flagged else used[used["scope"] == sector]
        slope, se, low, high, p = slopes.get(sector, (np.nan,) * 5)
        rows.append(
            {
                "sector": sector,
                "slope": float(slope),
                "std_error": float(se),
                "ci_low": float(low),
                "ci_high": float(high),
                "p_value": float(p),
                "n_orgs": part["org_id"].nunique(),
                "n_org_years": len(part),
                "n_years": int(n_years.get(sector, 0)),
                "flag_small": flagged,
            }
        )
    return pd.DataFrame(rows)


def trend_tables(
    orgs: pd.DataFrame,
    min_orgs: int,
    indicators: Sequence[str] = TREND_INDICATORS,
    se: pd.DataFrame | None = None,
    level: float = 0.95,
) -> dict[str, pd.DataFrame]:
    """Every trend table for the workflow's trends job: national and per-sector change,
    its decomposition (with intervals when ``se`` is given), fixed-effects year effects and
    sector slopes, for each indicator."""
    parts: dict[str, list[pd.DataFrame]] = {
        "change_decomposition": [],
        "year_over_year": [],
        "fixed_effects_trend": [],
        "sector_trends": [],
    }
    for indicator in indicators:
        for by in (None, "sector"):
            dec = decompose_change(orgs, indicator, by, min_orgs, se, level)
            dec.insert(len(DECOMPOSITION_COLUMNS), "indicator", indicator)
            parts["change_decomposition"].append(dec)
            yoy = year_over_year(orgs, indicator, by, min_orgs)
            yoy.insert(2, "indicator", indicator)
            parts["year_over_year"].append(yoy)
        for name, table in (
            ("fixed_effects_trend", fixed_effects_trend(orgs, indicator, level)),
            ("sector_trends", sector_trends(orgs, indicator, min_orgs, level)),
        ):
            table.insert(0, "indicator", indicator)
            parts[name].append(table)
    return {name: pd.concat(tables, ignore_index=True) for name, tables in parts.items()}
