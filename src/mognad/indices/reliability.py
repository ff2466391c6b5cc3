"""Reliability of the categories and agreement within organisations, per survey year.

Why: category and dimension scores are only worth reporting if their items hang together
(internal consistency: Cronbach's alpha with a Feldt interval, McDonald's omega, corrected
item-total correlations), if items are understood and answered ("Vet ej" and blank rates),
and, since results are reported per organisation, if respondents of one organisation agree
enough for their mean to describe it (ICC(1), ICC(2), rwg(J)).

Conventions (each chosen once, here):

* Answers are the *keyed* answers of :func:`mognad.indices.scores.keyed_answers`: reverse-keyed
  items flipped, "Vet ej" and blanks missing.
* Alpha, omega and corrected item-total correlations use **listwise deletion**: only
  respondents who answered every item of the set on the 1-5 scale (``n`` in the tables).
  R's ``psych::alpha`` defaults to pairwise covariances (``use = "pairwise"``); both give
  the same alpha when no answer is missing.
* Omega comes from a one-factor **maximum-likelihood** fit to the correlation matrix of those
  complete cases (the uniquenesses-only optimisation of Joreskog, as in R's ``factanal``,
  with uniquenesses bounded to [0.005, 1]); loadings and uniquenesses are then put back on
  the items' own scale, so omega is the reliability of the *unweighted raw sum* and is
  comparable with raw alpha. ``standardized=True`` gives omega for standardised items.
  Its denominator is the *model-implied* variance of the sum; ``psych::omega``'s
  ``omega.tot`` divides by the *observed* one (and fits by minres on correlations), so the
  two differ by the model's misfit.
* ICC(1) uses k0 = (N - sum n_j^2 / N) / (G - 1) for the group size, the ANOVA estimator
  for unequal groups; R's ``multilevel::ICC1`` uses the mean group size N / G (equal for
  equal groups, nearer zero otherwise).
* rwg(J) uses, per organisation, each item's variance over the respondents who answered it
  (available cases, ddof=1), averaged over the items with at least two answers; J is the
  number of those items. It is computed against three null variances: uniform
  ((A^2 - 1) / 12 = 2 for A = 5), the slightly skewed distribution of James, Demaree &
  Wolf (1984) (1.34 for A = 5) and the pooled answers of the year (the mean item variance
  that random groups would show). When the mean variance exceeds the null variance the
  index is set to 0 (truncation, the usual practice); organisations with fewer than two
  respondents get NaN.
* Each survey year uses exactly one instrument revision (the codebook maps year to
  revision); a year whose rows carry several revisions is an error.

Long because its statistics share the item matrices of each category and year, built once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from mognad.indices.scores import (
    Method,
    aligned_scores,
    keyed_answers,
    respondent_scores,
    score_columns,
)
from mognad.instrument import Instrument

RELIABILITY_COLUMNS = [
    "year",
    "category",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "omega",
    "n",
    "n_items",
]
ITEM_COLUMNS = [
    "year",
    "item",
    "category",
    "corrected_item_total",
    "dont_know_rate",
    "missing_rate",
    "n_asked",
]
ITEM_RATE_COLUMNS = ["year", "item", "n_asked", "dont_know_rate", "missing_rate"]
AGGREGATION_COLUMNS = [
    "year",
    "dimension",
    "category",
    "icc1",
    "icc2",
    "rwg_j_median",
    "rwg_j_mean",
    "rwg_j_share_above_0_7",
    "rwg_j_skewed_median",
    "rwg_j_skewed_mean",
    "rwg_j_skewed_share_above_0_7",
    "rwg_j_pooled_median",
    "rwg_j_pooled_mean",
    "rwg_j_pooled_share_above_0_7",
    "rwg_j_pooled_null_variance",
    "n_items",
    "n_orgs",
    "n_respondents",
]
#: rwg(J) at or above this is the conventional threshold for "enough agreement".
RWG_THRESHOLD = 0.7
#: Shares of the answers 1..A under the "slightly skewed" null distribution of James,
#: Demaree & Wolf (1984), by number of options A (as tabulated by LeBreton & Senter 2008):
#: a mild leniency towards agreeing, variance 1.34 for A = 5.
SKEWED_NULL_SHARES: dict[int, tuple[float, ...]] = {5: (0.05, 0.15, 0.20, 0.35, 0.25)}
#: Lower bound on the standardised uniquenesses in the one-factor fit (as R's factanal).
MIN_UNIQUENESS = 0.005

# --- internal consistency ----------------------------------------------------------------


def _complete(items: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Rows with every item answered, as a float array (listwise deletion)."""
    values = np.asarray(items, dtype="float64")
    return values[~np.isnan(values).any(axis=1)]


def cronbach_alpha(items: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's alpha, k/(k-1) * (1 - sum of item variances / variance of the sum).

    Why: the classic lower bound to the reliability of the unweighted sum score that the
    category scores are. Complete cases only (listwise), variances with ddof=1: one sample
    behind every covariance, so the matrix is a proper covariance matrix. This is
    ``psych::alpha``'s ``raw_alpha`` with ``use = "complete.obs"``; its default, pairwise
    covariances, gives the same value when no answer is missing. NaN when there are fewer
    than two items or two complete cases, or the sum does not vary.
    """
    values = _complete(items)
    n, k = values.shape
    if k < 2 or n < 2:
        return float("nan")
    cov = np.cov(values, rowvar=False, ddof=1)
    total = cov.sum()
    if total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total))


def alpha_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) / Feldt, Woodruff & Salih (1987) interval for alpha.

    Why: alpha from a few hundred respondents is itself uncertain; under the model
    (1 - alpha) / (1 - alpha_hat) ~ F(n - 1, (n - 1)(k - 1)), so the limits are
    1 - (1 - alpha_hat) * F quantiles (upper quantile gives the lower limit).
    """
    if not (np.isfinite(alpha) and n >= 2 and k >= 2 and 0 < level < 1):
        return float("nan"), float("nan")
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1.0 - level) / 2.0
    f_low, f_high = stats.f.ppf([tail, 1.0 - tail], df1, df2)
    return float(1.0 - (1.0 - alpha) * f_high), float(1.0 - (1.0 - alpha) * f_low)


def _one_factor_ml_correlation(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ML one-factor fit to a correlation matrix: (loadings, uniquenesses).

    For fixed uniquenesses psi the ML loadings are the first eigenvector of
    psi^-1/2 R psi^-1/2 scaled by sqrt(e1 - 1); the remaining discrepancy
    -sum_{j>1}(log e_j - e_j) is minimised over psi in [MIN_UNIQUENESS, 1] (L-BFGS-B),
    with the analytic gradient diag(lambda lambda' + psi - R) / psi^2 (Joreskog 1967).
    """
    p = corr.shape[0]

    def eig(psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scale = 1.0 / np.sqrt(psi)
        return np.linalg.eigh(corr * np.outer(scale, scale))  # ascending

    def loadings(psi: np.ndarray) -> np.ndarray:
        values, vectors = eig(psi)
        return np.sqrt(psi) * vectors[:, -1] * np.sqrt(max(values[-1] - 1.0, 0.0))

    def objective(psi: np.ndarray) -> float:
        rest = eig(psi)[0][:-1]
        return float(-(np.log(rest) - rest).sum() - 1.0 + p)

    def gradient(psi: np.ndarray) -> np.ndarray:
        lam = loadings(psi)
        return (lam**2 + psi - np.diag(corr)) / psi**2

    start = (1.0 - 0.5 / p) / np.diag(np.linalg.pinv(corr))
    start = np.clip(np.nan_to_num(start, nan=0.5), MIN_UNIQUENESS, 1.0)
    fit = optimize.minimize(
        objective,
        start,
        jac=gradient,
        method="L-BFGS-B",
        bounds=[(MIN_UNIQUENESS, 1.0)] * p,
        options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000},
    )
    psi = fit.x
    lam = loadings(psi)
    if lam.sum() < 0:
        lam = -lam
    return lam, psi


def one_factor_ml(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood one-factor loadings and uniquenesses on the scale of ``cov``.

    Why: omega needs a congeneric measurement model; ML is scale-free, so the fit is done
    on the correlation matrix and rescaled by the item standard deviations.
    """
    cov = np.asarray(cov, dtype="float64")
    sd = np.sqrt(np.diag(cov))
    lam, psi = _one_factor_ml_correlation(cov / np.outer(sd, sd))
    return lam * sd, psi * sd**2


def omega_from_covariance(cov: np.ndarray, standardized: bool = False) -> float:
    """omega_total = (sum lambda)^2 / ((sum lambda)^2 + sum psi) of a one-factor ML fit.

    The denominator is the variance of the sum *implied by the model*, so omega is a
    proper share in [0, 1]. ``psych::omega``'s ``omega.tot`` is 1 - sum psi / 1'S1 with the
    *observed* variance of the sum 1'S1 (and a minres fit to the correlations, i.e. the
    ``standardized`` case); the two are equal when the model reproduces S exactly and
    otherwise differ by its misfit. NaN with fewer than three items (a one-factor model on
    two items is not identified), or when the matrix is not positive definite (e.g. an
    item without variance, or items that are exact linear functions of each other), where
    the ML fit does not exist.
    """
    cov = np.asarray(cov, dtype="float64")
    if cov.shape[0] < 3 or not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        return float("nan")
    sd = np.sqrt(np.diag(cov))
    if np.linalg.eigvalsh(cov / np.outer(sd, sd))[0] <= 1e-10:
        return float("nan")
    if standardized:
        cov = cov / np.outer(sd, sd)
    lam, psi = one_factor_ml(cov)
    common = lam.sum() ** 2
    return float(common / (common + psi.sum()))


def mcdonald_omega(items: pd.DataFrame | np.ndarray, standardized: bool = False) -> float:
    """McDonald's omega_total of the unweighted sum, from complete cases.

    Why: alpha assumes equal loadings (tau-equivalence); omega allows each item its own
    loading and equals alpha when they are equal, so the pair shows how much it matters.
    Complete cases, as for alpha; see :func:`omega_from_covariance` for the definition.
    """
    values = _complete(items)
    if values.shape[0] < 3:
        return float("nan")
    return omega_from_covariance(np.cov(values, rowvar=False, ddof=1), standardized)


def corrected_item_total(items: pd.DataFrame) -> pd.Series:
    """Correlation of each item with the sum of the *other* items (complete cases).

    Why: an item that does not go with the rest of its category (low or negative value,
    e.g. a reverse-keyed item left unflipped) shows here. Computed from the covariance
    matrix C: cov(x_i, T - x_i) = sum_j C_ij - C_ii, var(T - x_i) = sum C - 2 sum_j C_ij
    + C_ii.
    """
    values = _complete(items)
    if values.shape[1] < 2 or values.shape[0] < 2:
        return pd.Series(np.nan, index=items.columns, dtype="float64")
    cov = np.cov(values, rowvar=False, ddof=1)
    row, var = cov.sum(axis=1), np.diag(cov)
    rest_var = cov.sum() - 2.0 * row + var
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (row - var) / np.sqrt(var * rest_var)
    return pd.Series(r, index=items.columns, dtype="float64")


# --- answering -------------------------------------------------------------------------


def _asked(responses: pd.DataFrame, instrument: Instrument, ids: list[str]) -> np.ndarray:
    """Rows x items: True where the response's instrument revision asks the item."""
    table = pd.DataFrame(
        {rev: [rev in instrument.item(i).revisions for i in ids] for rev in instrument.revisions},
        index=ids,
    ).T
    revision = responses["instrument_revision"].astype("int64")
    unknown = sorted(set(revision) - set(instrument.revisions))
    if unknown:
        raise ValueError(f"instrument revisions {unknown} are not in the instrument")
    return table.loc[revision.to_numpy()].to_numpy(dtype=bool)


def item_rates(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Per year and item: how many were asked it, and the shares "Vet ej" and left blank.

    Why: a high "Vet ej" rate says respondents cannot judge the statement; a high blank rate
    says they skip it. Both are shares of the responses whose revision asks the item;
    items a year does not ask get ``n_asked`` 0 and NaN rates.
    """
    ids = instrument.item_ids()
    asked = _asked(responses, instrument, ids)
    blank = responses[ids].isna().to_numpy()
    dont_know = responses[[f"{i}_dk" for i in ids]].eq(True).to_numpy(dtype=bool)
    year = responses["year"].to_numpy()
    counts = {
        "n_asked": asked,
        "n_dont_know": dont_know & asked,
        "n_missing": blank & ~dont_know & asked,
    }
    long = []
    for name, flags in counts.items():
        per_year = pd.DataFrame(flags.astype("int64"), columns=ids).groupby(year).sum()
        long.append(per_year.stack().rename(name))
    out = pd.concat(long, axis=1).rename_axis(["year", "item"]).reset_index()
    n = out["n_asked"].where(out["n_asked"] > 0)
    out["dont_know_rate"] = out.pop("n_dont_know") / n
    out["missing_rate"] = out.pop("n_missing") / n
    out["year"] = out["year"].astype("int64")
    return out[ITEM_RATE_COLUMNS]


# --- within-organisation agreement -----------------------------------------------------


def icc1_icc2(
    values: pd.Series | np.ndarray,
    groups: pd.Series | np.ndarray,
    group_size: Literal["k0", "mean"] = "k0",
) -> tuple[float, float]:
    """ICC(1) and ICC(2) from a one-way ANOVA of ``values`` by ``groups`` (Bliese 2000).

    Why: ICC(1) is the share of score variance that lies between organisations; ICC(2) the
    reliability of an organisation's mean. ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW) and
    ICC(2) = (MSB - MSW) / MSB (as ``multilevel::ICC2``). By default k = k0 =
    (N - sum n_j^2 / N) / (G - 1), the factor of the between variance in E[MSB] for
    unequal groups, so that (MSB - MSW) / k0 is the unbiased ANOVA estimate of that
    variance (Searle, Casella & McCulloch 1992; Snijders & Bosker 2012). R's
    ``multilevel::ICC1`` uses the mean group size N / G instead (its GSIZE,
    (df_within + G) / G): ``group_size="mean"`` gives that value. As k0 = N / G -
    var(n_j) / N, the two agree for equal groups and differ little with many groups;
    otherwise multilevel's value is nearer zero. Rows with a missing value or group are
    dropped.
    """
    values = np.asarray(values, dtype="float64")
    labels = pd.Series(np.asarray(groups, dtype=object))
    ok = ~np.isnan(values) & labels.notna().to_numpy()
    values = values[ok]
    codes, _ = pd.factorize(labels[ok])
    n, g = values.size, int(codes.max()) + 1 if values.size else 0
    if g < 2 or n - g < 1:
        return float("nan"), float("nan")
    n_g = np.bincount(codes, minlength=g).astype("float64")
    means = np.bincount(codes, weights=values, minlength=g) / n_g
    msb = float((n_g * (means - values.mean()) ** 2).sum()) / (g - 1)
    msw = float(((values - means[codes]) ** 2).sum()) / (n - g)
    if group_size == "k0":
        k = (n - (n_g**2).sum() / n) / (g - 1)
    elif group_size == "mean":
        k = n / g
    else:
        raise ValueError(f"group_size must be 'k0' or 'mean', not {group_size!r}")
    icc1_den = msb + (k - 1.0) * msw
    icc1 = (msb - msw) / icc1_den if icc1_den > 0 else float("nan")
    icc2 = (msb - msw) / msb if msb > 0 else float("nan")
    return float(icc1), float(icc2)


def null_variance(shares: Sequence[float]) -> float:
    """Variance of answers 1..A drawn with the given shares: the expected variance of an
    item when respondents answer from that distribution whatever the statement says."""
    p = np.asarray(shares, dtype="float64")
    if p.ndim != 1 or p.size < 2 or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"shares must be a distribution over two or more options: {shares}")
    x = np.arange(1, p.size + 1, dtype="float64")
    mean = float(p @ x)
    return float(p @ (x - mean) ** 2)


def uniform_null_variance(n_options: int) -> float:
    """(A^2 - 1) / 12: every option equally likely, the null of no agreement and no bias."""
    return (n_options**2 - 1) / 12.0


def skewed_null_variance(n_options: int) -> float:
    """Variance of the slightly skewed null (:data:`SKEWED_NULL_SHARES`), 1.34 for five
    options; NaN for a number of options it is not tabulated for."""
    shares = SKEWED_NULL_SHARES.get(n_options)
    return null_variance(shares) if shares is not None else float("nan")


def pooled_null_variance(items: pd.DataFrame) -> float:
    """Mean over the items of each item's variance over everyone who answered it (ddof=1).

    Why: this is the mean item variance that *random* groups drawn from the same
    respondents would show, the null of random-group resampling (Bliese 2000; R's
    ``multilevel::rgr.agree``) in closed form: the ddof=1 variance of a sample drawn
    without replacement is unbiased for the ddof=1 variance of the whole, so no draws
    are needed. It keeps the answers' real spread and skew, and also their differences
    between organisations, so rwg(J) against it asks whether an organisation agrees
    more than a random set of respondents.
    """
    variances = items.astype("float64").var(ddof=1)
    return float(variances.mean()) if variances.notna().any() else float("nan")


def group_item_variances(items: pd.DataFrame, groups: pd.Series | np.ndarray) -> pd.DataFrame:
    """Groups x items: each item's variance over the group's respondents who answered it
    (available cases, ddof=1; NaN below two answers), groups sorted; missing groups dropped."""
    values = items.astype("float64")
    labels = pd.Series(np.asarray(groups, dtype=object), index=values.index, name="group")
    variances = values.groupby(labels, sort=True).var(ddof=1)
    variances.index.name = None
    return variances


def rwg_j_from_variances(variances: pd.DataFrame, null_variance: float) -> pd.Series:
    """rwg(J) per row of :func:`group_item_variances` against one null variance.

    With s2 the mean over the J items that have a variance and r = s2 / null_variance:
    rwg(J) = J(1 - r) / (J(1 - r) + r) (James, Demaree & Wolf 1984), the Spearman-Brown
    step-up of the single-item 1 - r, so it grows with J; 0 when r > 1, NaN when J = 0
    (fewer than two respondents) or the null variance is not finite and positive.
    """
    j = variances.notna().sum(axis=1).astype("float64")
    if not (np.isfinite(null_variance) and null_variance > 0):
        return pd.Series(np.nan, index=variances.index, name="rwg_j", dtype="float64")
    ratio = variances.mean(axis=1) / null_variance
    agreement = j * (1.0 - ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        rwg = agreement / (agreement + ratio)
    rwg = rwg.where(ratio <= 1.0, 0.0).where((j > 0) & ratio.notna())
    return rwg.rename("rwg_j").astype("float64")


def rwg_j(
    items: pd.DataFrame,
    groups: pd.Series | np.ndarray,
    n_options: int = 5,
    null_variance: float | None = None,
) -> pd.Series:
    """rwg(J) per group (James, Demaree & Wolf 1984); uniform null unless ``null_variance``.

    Why: ICCs speak of organisations as a whole; rwg(J) says, organisation by organisation,
    whether its respondents agree more than answering from the null distribution would.
    The uniform null (A^2 - 1) / 12 assumes no response bias, so it overstates agreement
    when answers cluster on some options; :func:`skewed_null_variance` and
    :func:`pooled_null_variance` give nulls that allow for that. See
    :func:`rwg_j_from_variances` for the formula and the edge cases.
    """
    sigma2 = uniform_null_variance(n_options) if null_variance is None else null_variance
    return rwg_j_from_variances(group_item_variances(items, groups), sigma2)


# --- tables per year -------------------------------------------------------------------


def _year_rows(responses: pd.DataFrame, year: int) -> tuple[pd.DataFrame, int]:
    """The year's rows and its single instrument revision."""
    rows = responses[responses["year"].to_numpy() == year]
    revisions = sorted(pd.unique(rows["instrument_revision"]))
    if len(revisions) != 1:
        found = "no responses" if not revisions else f"revisions {revisions}"
        raise ValueError(f"year {year}: {found}; expected one instrument revision")
    return rows, int(revisions[0])


def reliability_table(responses: pd.DataFrame, instrument: Instrument, year: int) -> pd.DataFrame:
    """Alpha (with Feldt 95 % interval) and omega per category for one year.

    Items are the keyed items of the category that the year's revision asks; ``n`` is the
    number of complete cases behind alpha and omega.
    """
    rows, revision = _year_rows(responses, year)
    keyed = keyed_answers(rows, instrument)
    records = []
    for category in instrument.categories:
        ids = instrument.category_items(category, revision)
        complete = _complete(keyed[ids])
        n, k = complete.shape
        alpha = cronbach_alpha(complete)
        low, high = alpha_ci(alpha, n, k)
        records.append((year, category, alpha, low, high, mcdonald_omega(complete), n, k))
    out = pd.DataFrame.from_records(records, columns=RELIABILITY_COLUMNS)
    return out.astype({"year": "int64", "n": "int64", "n_items": "int64"})


def item_table(responses: pd.DataFrame, instrument: Instrument, year: int) -> pd.DataFrame:
    """Per item asked in the year: corrected item-total correlation and answer rates.

    The item-total correlation is within the item's category, on the category's complete
    cases (as for alpha); the rates are from :func:`item_rates`.
    """
    rows, revision = _year_rows(responses, year)
    keyed = keyed_answers(rows, instrument)
    item_total = pd.concat(
        [
            corrected_item_total(keyed[instrument.category_items(category, revision)])
            for category in instrument.categories
        ]
    )
    ids = instrument.item_ids(revision)
    rates = item_rates(rows, instrument).set_index("item").loc[ids]
    out = pd.DataFrame(
        {
            "year": np.full(len(ids), year, dtype="int64"),
            "item": ids,
            "category": [instrument.item(i).category for i in ids],
            "corrected_item_total": item_total.loc[ids].to_numpy(),
            "dont_know_rate": rates["dont_know_rate"].to_numpy(),
            "missing_rate": rates["missing_rate"].to_numpy(),
            "n_asked": rates["n_asked"].to_numpy(dtype="int64"),
        }
    )
    return out[ITEM_COLUMNS]


def _rwg_summary(rwg: pd.Series) -> tuple[float, float, float]:
    """Median, mean and share at or above :data:`RWG_THRESHOLD` of the defined values."""
    rwg = rwg.dropna()
    if not len(rwg):
        return float("nan"), float("nan"), float("nan")
    return float(rwg.median()), float(rwg.mean()), float((rwg >= RWG_THRESHOLD).mean())


def aggregation_table(
    scores: pd.DataFrame,
    responses: pd.DataFrame,
    instrument: Instrument,
    year: int,
    group: str = "org_id",
) -> pd.DataFrame:
    """ICC(1), ICC(2) and rwg(J) summaries per category, dimension and maturity, one year.

    Rows in score order (:func:`mognad.indices.scores.score_columns`): each category (with
    its ``dimension``), then each dimension and maturity (``category`` missing). Why per
    category: rwg(J) rises with J, so over a dimension's or all items it is near 1 in every
    organisation and cannot tell them apart; five to seven items say more. ``scores`` is
    :func:`mognad.indices.scores.respondent_scores` of ``responses`` (same index, so the
    scoring rule stays with the caller). The ICCs use the score (%) of each respondent
    who has one; rwg(J) uses the keyed items of the set asked in the year's revision
    (``n_items``), per organisation, against the uniform, the slightly skewed and the
    pooled null (:func:`uniform_null_variance`, :func:`skewed_null_variance`,
    :func:`pooled_null_variance` over the year's respondents with an organisation).
    ``n_orgs`` and ``n_respondents`` count the organisations and respondents behind the ICCs.
    """
    if not scores.index.equals(responses.index):
        raise ValueError("scores must have the same index as responses (row for row)")
    rows, revision = _year_rows(responses, year)
    keyed = keyed_answers(rows, instrument)
    orgs = rows[group]
    n_options = instrument.scale_max - instrument.scale_min + 1
    sets: list[tuple[str, str, str | None, list[str]]] = [
        (category, str(spec["dimension"]), category, [category])
        for category, spec in instrument.categories.items()
    ]
    sets += [
        (dimension, dimension, None, instrument.dimension_categories(dimension))
        for dimension in instrument.dimensions
    ]
    sets.append(("maturity", "maturity", None, list(instrument.categories)))
    asked = instrument.item_ids(revision)
    variances = group_item_variances(keyed[asked], orgs)
    with_org = keyed.loc[orgs.notna().to_numpy(), asked]
    fixed_nulls = (uniform_null_variance(n_options), skewed_null_variance(n_options))
    records = []
    for column, dimension, category, categories in sets:
        ids = [i for c in categories for i in instrument.category_items(c, revision)]
        values = scores.loc[rows.index, column]
        icc1, icc2 = icc1_icc2(values, orgs)
        pooled = pooled_null_variance(with_org[ids])
        summaries = [
            _rwg_summary(rwg_j_from_variances(variances[ids], sigma2))
            for sigma2 in (*fixed_nulls, pooled)
        ]
        scored = values.notna() & orgs.notna()
        records.append(
            (
                year,
                dimension,
                category,
                icc1,
                icc2,
                *(value for summary in summaries for value in summary),
                pooled,
                len(ids),
                int(orgs[scored].nunique()),
                int(scored.sum()),
            )
        )
    out = pd.DataFrame.from_records(records, columns=AGGREGATION_COLUMNS)
    return out.astype(
        {"year": "int64", "n_items": "int64", "n_orgs": "int64", "n_respondents": "int64"}
    )


def quality_year(
    responses: pd.DataFrame,
    instrument: Instrument,
    method: Method | None = None,
    scores: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """All measurement-quality tables of one survey year: the work of one workflow job.
    ``scores``: the year's stored respondent scores (``score_year``); computed under
    ``method`` when not given."""
    year = int(responses["year"].iloc[0])
    if scores is None:
        scores = respondent_scores(responses, instrument, method)
    else:
        scores = aligned_scores(scores, responses, score_columns(instrument))
    return {
        "reliability": reliability_table(responses, instrument, year),
        "item_quality": item_table(responses, instrument, year),
        "aggregation": aggregation_table(scores, responses, instrument, year),
    }
