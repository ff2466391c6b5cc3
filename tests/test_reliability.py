"""Reliability and agreement statistics, each checked against a value obtained independently:
by hand, from a closed form, from a planted population, or from another implementation."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from conftest import CONFIG, demo_responses
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mognad.indices.reliability import (
    aggregation_table,
    alpha_ci,
    corrected_item_total,
    cronbach_alpha,
    group_item_variances,
    icc1_icc2,
    item_rates,
    item_table,
    mcdonald_omega,
    null_variance,
    omega_from_covariance,
    one_factor_ml,
    pooled_null_variance,
    reliability_table,
    rwg_j,
    rwg_j_from_variances,
    skewed_null_variance,
    uniform_null_variance,
)
from mognad.indices.scores import respondent_scores

# 5 respondents x 3 items, plus a sixth with a blank that listwise deletion must drop.
HAND = pd.DataFrame(
    {
        "x1": [1, 2, 3, 4, 5, 5],
        "x2": [2, 2, 3, 4, 4, np.nan],
        "x3": [1, 3, 3, 3, 5, 1],
    },
    dtype="float64",
)


def data_with_covariance(cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n rows whose sample covariance (ddof=1) is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    return z @ np.linalg.cholesky(cov).T + 3.0


def alpha_from_covariance(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


# --- Cronbach's alpha ---------------------------------------------------------------------


def test_alpha_by_hand_with_listwise_deletion():
    # Complete cases are the first five rows.
    # x1 = 1 2 3 4 5: mean 3, squared deviations 4+1+0+1+4 = 10, variance 10/4 = 2.5
    # x2 = 2 2 3 4 4: mean 3, squared deviations 1+1+0+1+1 = 4,  variance 4/4  = 1.0
    # x3 = 1 3 3 3 5: mean 3, squared deviations 4+0+0+0+4 = 8,  variance 8/4  = 2.0
    # total = 4 7 9 11 14: mean 9, squared deviations 25+4+0+4+25 = 58, variance 14.5
    # alpha = 3/2 * (1 - (2.5 + 1 + 2) / 14.5) = 1.5 * 9/14.5 = 27/29
    assert cronbach_alpha(HAND) == pytest.approx(27 / 29, abs=1e-12)


def test_alpha_of_a_published_covariance_matrix():
    # The covariance example of StatsBase.jl's cronbachalpha docstring, which gives 0.8136:
    # item variances sum to 46, all 16 entries to 46 + 12 * 6 = 118, 4/3 * (1 - 46/118).
    cov = np.array([[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]], dtype=float)
    alpha = cronbach_alpha(data_with_covariance(cov, n=50, seed=1))
    assert alpha == pytest.approx(4 / 3 * (1 - 46 / 118), abs=1e-10)
    assert round(alpha, 4) == 0.8136


def test_alpha_is_one_for_identical_items():
    x = np.array([1, 2, 2, 3, 4, 5, 5], dtype=float)
    assert cronbach_alpha(pd.DataFrame({"a": x, "b": x, "c": x, "d": x})) == pytest.approx(1.0)


def test_alpha_equals_hoyt_anova_reliability():
    # Hoyt (1941): alpha = 1 - MS(residual) / MS(persons) in the persons x items ANOVA.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 1)) + rng.normal(size=(40, 5))
    long = pd.DataFrame(x).stack().rename("y").reset_index()
    long.columns = ["person", "item", "y"]
    table = sm.stats.anova_lm(smf.ols("y ~ C(person) + C(item)", data=long).fit())
    ms = table["sum_sq"] / table["df"]
    hoyt = 1 - ms["Residual"] / ms["C(person)"]
    assert cronbach_alpha(x) == pytest.approx(hoyt, abs=1e-10)


def test_alpha_of_parallel_items_follows_spearman_brown():
    # k parallel items with inter-item correlation rho: alpha = k rho / (1 + (k - 1) rho).
    k, rho, n = 5, 0.4, 200_000
    rng = np.random.default_rng(11)
    x = 2.0 * (np.sqrt(rho) * rng.normal(size=(n, 1)) + np.sqrt(1 - rho) * rng.normal(size=(n, k)))
    assert cronbach_alpha(x) == pytest.approx(k * rho / (1 + (k - 1) * rho), abs=0.005)


def test_alpha_is_nan_without_enough_data():
    assert np.isnan(cronbach_alpha(HAND[["x1"]]))
    assert np.isnan(cronbach_alpha(HAND.iloc[:1]))


# --- Feldt interval -----------------------------------------------------------------------


@pytest.mark.parametrize(("alpha", "n", "k", "level"), [(0.85, 89, 7, 0.95), (0.6, 25, 4, 0.9)])
def test_feldt_interval_matches_the_f_closed_form(alpha, n, k, level):
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    low = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)  # upper F quantile
    high = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    assert alpha_ci(alpha, n, k, level) == pytest.approx((low, high), abs=1e-12)
    assert low < alpha < high


def test_feldt_interval_covers_at_its_level_for_parallel_normal_items():
    # Under the persons x items random model Feldt's F distribution is exact, so about
    # 95 % of intervals must contain the population alpha (binomial SE ~ 0.007 at 1000).
    k, n, rho, reps = 4, 30, 0.3, 1000
    truth = k * rho / (1 + (k - 1) * rho)
    rng = np.random.default_rng(2024)
    data = np.sqrt(rho) * rng.normal(size=(reps, n, 1)) + np.sqrt(1 - rho) * rng.normal(
        size=(reps, n, k)
    )
    hits = 0
    for x in data:
        low, high = alpha_ci(cronbach_alpha(x), n, k)
        hits += low <= truth <= high
    assert abs(hits / reps - 0.95) < 0.025


def test_feldt_interval_is_nan_for_undefined_alpha():
    assert all(np.isnan(alpha_ci(float("nan"), 100, 5)))
    assert all(np.isnan(alpha_ci(0.8, 1, 5)))


# --- McDonald's omega ---------------------------------------------------------------------

LAMBDA = np.array([1.2, 0.9, 0.7, 0.5, 0.8, 0.6])
PSI = np.array([0.5, 0.6, 0.8, 1.0, 0.4, 0.9])
SIGMA = np.outer(LAMBDA, LAMBDA) + np.diag(PSI)
OMEGA = LAMBDA.sum() ** 2 / (LAMBDA.sum() ** 2 + PSI.sum())


def test_one_factor_fit_recovers_a_one_factor_population():
    loadings, uniquenesses = one_factor_ml(SIGMA)
    assert loadings == pytest.approx(LAMBDA, abs=1e-6)
    assert uniquenesses == pytest.approx(PSI, abs=1e-6)
    assert omega_from_covariance(SIGMA) == pytest.approx(OMEGA, abs=1e-8)


def test_omega_from_data_with_the_population_covariance():
    x = pd.DataFrame(data_with_covariance(SIGMA, n=200, seed=5))
    assert mcdonald_omega(x) == pytest.approx(OMEGA, abs=1e-8)
    # standardised: loadings lambda / sd, uniquenesses psi / variance
    sd = np.sqrt(np.diag(SIGMA))
    lam_s, psi_s = LAMBDA / sd, PSI / sd**2
    standard = lam_s.sum() ** 2 / (lam_s.sum() ** 2 + psi_s.sum())
    assert mcdonald_omega(x, standardized=True) == pytest.approx(standard, abs=1e-8)


def test_omega_from_a_large_sample_and_not_below_alpha_for_congeneric_items():
    rng = np.random.default_rng(8)
    n = 50_000
    x = rng.normal(size=(n, 1)) * LAMBDA + rng.normal(size=(n, LAMBDA.size)) * np.sqrt(PSI)
    assert mcdonald_omega(x) == pytest.approx(OMEGA, abs=0.01)
    assert mcdonald_omega(x) >= cronbach_alpha(x)
    assert alpha_from_covariance(SIGMA) < OMEGA


def test_omega_equals_alpha_for_tau_equivalent_items():
    sigma = np.full((5, 5), 0.49) + np.diag([0.3, 0.5, 0.7, 0.9, 1.1])
    assert omega_from_covariance(sigma) == pytest.approx(alpha_from_covariance(sigma), abs=1e-8)


def test_omega_is_nan_where_the_model_does_not_exist():
    assert np.isnan(mcdonald_omega(HAND[["x1", "x3"]]))  # two items: not identified
    x = np.arange(1.0, 7.0)
    assert np.isnan(mcdonald_omega(np.column_stack([x, x, x[::-1] ** 2])))  # singular


# --- corrected item-total -----------------------------------------------------------------


def test_corrected_item_total_by_hand():
    # Complete cases as in the alpha example; deviations from the means:
    # x1: -2 -1 0 1 2 (SS 10), rest x2+x3 = 3 5 6 7 9: -3 -1 0 1 3 (SS 20), cross 14
    # x2: -1 -1 0 1 1 (SS 4),  rest x1+x3 = 2 5 6 7 10: -4 -1 0 1 4 (SS 34), cross 10
    # x3: -2 0 0 0 2 (SS 8),   rest x1+x2 = 3 4 6 8 9: -3 -2 0 2 3 (SS 26), cross 12
    expected = [14 / np.sqrt(10 * 20), 10 / np.sqrt(4 * 34), 12 / np.sqrt(8 * 26)]
    result = corrected_item_total(HAND)
    assert list(result.index) == ["x1", "x2", "x3"]
    assert result.to_numpy() == pytest.approx(expected, abs=1e-12)


# --- ICC(1), ICC(2) -----------------------------------------------------------------------

ICC_VALUES = np.array([4, 6, 4, 5, 6, 1, 2, 3, 4, 5], dtype=float)
ICC_GROUPS = np.array(["A"] * 2 + ["B"] * 3 + ["C"] * 5)


def test_icc_by_hand_with_unequal_groups():
    # Groups A = 4 6 (mean 5), B = 4 5 6 (mean 5), C = 1 2 3 4 5 (mean 3); grand mean 4.
    # SSB = 2*1 + 3*1 + 5*1 = 10, MSB = 10 / (3 - 1) = 5
    # SSW = 2 + 2 + 10 = 14,       MSW = 14 / (10 - 3) = 2
    # k0 = (10 - (4 + 9 + 25) / 10) / 2 = 3.1
    # ICC(1) = (5 - 2) / (5 + 2.1 * 2) = 3 / 9.2;  ICC(2) = (5 - 2) / 5 = 0.6
    icc1, icc2 = icc1_icc2(ICC_VALUES, ICC_GROUPS)
    assert icc1 == pytest.approx(3 / 9.2, abs=1e-12)
    assert icc2 == pytest.approx(0.6, abs=1e-12)


def test_icc1_uses_k0_where_multilevel_uses_the_mean_group_size():
    # Same unbalanced groups (sizes 2, 3, 5). Mean squares from statsmodels' ANOVA table.
    # Ours, k0 = (10 - 38/10) / 2 = 3.1:  ICC(1) = (5 - 2) / (5 + 2.1 * 2) = 3 / 9.2.
    # multilevel::ICC1: GSIZE = (df_within + (df_between + 1)) / (df_between + 1)
    #   = (7 + 3) / 3 = N / G = 10/3:     ICC(1) = (5 - 2) / (5 + 7/3 * 2) = 9 / 29.
    frame = pd.DataFrame({"y": ICC_VALUES, "g": ICC_GROUPS})
    table = sm.stats.anova_lm(smf.ols("y ~ C(g)", data=frame).fit())
    msb, msw = table["mean_sq"]
    df_between, df_within = table["df"]
    sizes = pd.Series(ICC_GROUPS).value_counts().to_numpy()
    n, g = sizes.sum(), sizes.size
    k0 = (n - (sizes**2).sum() / n) / (g - 1)
    gsize = (df_within + (df_between + 1)) / (df_between + 1)
    assert (k0, gsize) == pytest.approx((3.1, 10 / 3), abs=1e-12)

    ours, icc2 = icc1_icc2(ICC_VALUES, ICC_GROUPS)
    multilevel, icc2_mean = icc1_icc2(ICC_VALUES, ICC_GROUPS, group_size="mean")
    assert ours == pytest.approx((msb - msw) / (msb + (k0 - 1) * msw), abs=1e-12)
    assert ours == pytest.approx(3 / 9.2, abs=1e-12)
    assert multilevel == pytest.approx((msb - msw) / (msb + (gsize - 1) * msw), abs=1e-12)
    assert multilevel == pytest.approx(9 / 29, abs=1e-12)
    assert multilevel < ours  # k0 < N / G for unequal groups
    assert icc2 == icc2_mean  # ICC(2) does not involve the group size
    # equal groups: k0 = N / G, one value
    equal = np.repeat(["A", "B", "C"], 3)
    values = np.array([1, 2, 3, 3, 4, 5, 2, 2, 5], dtype=float)
    assert icc1_icc2(values, equal) == pytest.approx(icc1_icc2(values, equal, "mean"), abs=1e-12)
    with pytest.raises(ValueError, match="group_size"):
        icc1_icc2(values, equal, "median")  # type: ignore[arg-type]


def test_k0_is_the_between_variance_factor_of_the_expected_msb():
    # Why k0: in the one-way random model E[MSB] = s2_w + k0 s2_b for unequal groups, so
    # (MSB - MSW) / k0 estimates s2_b without bias. Few, very unequal groups (2, 2, 2, 30):
    # k0 = (36 - 912/36) / 3 = 32/9 ~ 3.56 while N / G = 9. 20 000 simulated samples.
    sizes = np.array([2, 2, 2, 30])
    n, g = sizes.sum(), sizes.size
    k0 = (n - (sizes**2).sum() / n) / (g - 1)
    assert k0 == pytest.approx(32 / 9, abs=1e-12)
    groups = np.repeat(np.arange(g), sizes)
    rng = np.random.default_rng(12)
    reps = 20_000
    values = rng.normal(size=(reps, g))[:, groups] + rng.normal(size=(reps, n))  # s2 = 1, 1
    means = np.stack([values[:, groups == j].mean(axis=1) for j in range(g)], axis=1)
    msb = (sizes * (means - values.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) / (g - 1)
    msw = ((values - means[:, groups]) ** 2).sum(axis=1) / (n - g)
    assert msb.mean() == pytest.approx(1 + k0, rel=0.03)  # not 1 + N / G = 10
    assert ((msb - msw) / k0).mean() == pytest.approx(1.0, abs=0.05)


def test_icc_mean_squares_agree_with_statsmodels_anova_and_nans_are_dropped():
    frame = pd.DataFrame({"y": ICC_VALUES, "g": ICC_GROUPS})
    table = sm.stats.anova_lm(smf.ols("y ~ C(g)", data=frame).fit())
    msb, msw = table["mean_sq"]
    values = np.append(ICC_VALUES, [np.nan, 3.0])
    groups = np.append(ICC_GROUPS, ["A", None])
    assert icc1_icc2(values, groups)[1] == pytest.approx((msb - msw) / msb, abs=1e-12)


@pytest.mark.parametrize("equal", [True, False])
def test_icc_recovers_planted_variance_components(equal):
    # sigma2_b = 0.25, sigma2_w = 1: ICC(1) = 0.2; with k = 8 per group ICC(2) is the
    # Spearman-Brown value 8 * 0.2 / (1 + 7 * 0.2) = 2/3.
    rng = np.random.default_rng(99 if equal else 100)
    n_groups = 1500
    sizes = np.full(n_groups, 8) if equal else rng.integers(2, 15, size=n_groups)
    groups = np.repeat(np.arange(n_groups), sizes)
    values = rng.normal(0, 0.5, n_groups)[groups] + rng.normal(0, 1, groups.size)
    icc1, icc2 = icc1_icc2(values, groups)
    assert icc1 == pytest.approx(0.2, abs=0.02)
    if equal:
        assert icc2 == pytest.approx(8 * 0.2 / (1 + 7 * 0.2), abs=0.02)


def test_icc_is_nan_with_one_group():
    assert all(np.isnan(icc1_icc2([1.0, 2.0, 3.0], ["A", "A", "A"])))


# --- rwg(J) -------------------------------------------------------------------------------


#: Group "h": 4 raters x 3 items; "same": everyone alike; "split": 1 5 1 5; "alone": one.
RWG_ITEMS = pd.DataFrame(
    {
        "i1": [4, 4, 5, 5, 3, 3, 3, 1, 5, 1, 5, 2],
        "i2": [3, 4, 4, 5, 2, 2, 2, 1, 5, 1, 5, 2],
        "i3": [2, 3, 3, 4, 4, 4, 4, 1, 5, 1, 5, 2],
    },
    dtype="float64",
)
RWG_GROUPS = ["h"] * 4 + ["same"] * 3 + ["split"] * 4 + ["alone"]


def test_rwg_j_by_hand_and_limiting_cases():
    # Group "h", 5 options, sigma2_EU = (25 - 1) / 12 = 2.
    #   item 1 = 4 4 5 5: variance 1/3;  item 2 = 3 4 4 5: 2/3;  item 3 = 2 3 3 4: 2/3
    #   mean variance 5/9, ratio 5/18, J(1 - ratio) = 3 * 13/18 = 13/6
    #   rwg(J) = (13/6) / (13/6 + 5/18) = 39/44
    # Group "same": everyone answers alike -> 1. Group "split": 1 5 1 5 on every item,
    # variance 16/3 > 2 -> truncated to 0. Group "alone": one respondent -> NaN.
    rwg = rwg_j(RWG_ITEMS, RWG_GROUPS)
    assert list(rwg.index) == ["alone", "h", "same", "split"]
    assert rwg["h"] == pytest.approx(39 / 44, abs=1e-12)
    assert rwg["same"] == 1.0
    assert rwg["split"] == 0.0
    assert np.isnan(rwg["alone"])


def test_rwg_j_with_the_skewed_null_by_hand():
    # Group "h" again, sigma2 = 1.34: ratio = (5/9) / 1.34 = 250/603,
    #   J(1 - ratio) = 3 * 353/603 = 1059/603, rwg(J) = 1059 / (1059 + 250) = 1059/1309.
    # "split" (variance 16/3 > 1.34) is still 0, "same" still 1, "alone" still NaN.
    rwg = rwg_j(RWG_ITEMS, RWG_GROUPS, null_variance=skewed_null_variance(5))
    assert rwg["h"] == pytest.approx(1059 / 1309, abs=1e-12)
    assert (rwg["same"], rwg["split"]) == (1.0, 0.0)
    assert np.isnan(rwg["alone"])
    # a null the mean variance exceeds truncates to 0: 5/9 > 0.5
    assert rwg_j(RWG_ITEMS, RWG_GROUPS, null_variance=0.5)["h"] == 0.0
    assert rwg_j(RWG_ITEMS, RWG_GROUPS, null_variance=float("nan")).isna().all()


@pytest.mark.parametrize(
    ("shares", "variance"),
    [
        # The null distributions for five options tabulated by LeBreton & Senter (2008,
        # Table 2) after James, Demaree & Wolf (1984), with their variances.
        ((0.2, 0.2, 0.2, 0.2, 0.2), 2.00),  # uniform
        ((0.05, 0.15, 0.20, 0.35, 0.25), 1.34),  # slight skew
        ((0.00, 0.10, 0.15, 0.40, 0.35), 0.90),  # moderate skew
        ((0.00, 0.00, 0.10, 0.40, 0.50), 0.44),  # heavy skew
        ((0.11, 0.22, 0.34, 0.22, 0.11), 1.32),  # triangular
        ((0.07, 0.24, 0.38, 0.24, 0.07), 1.04),  # normal
    ],
)
def test_null_variances_of_the_published_null_distributions(shares, variance):
    assert null_variance(shares) == pytest.approx(variance, abs=1e-12)


def test_uniform_and_skewed_null_variances():
    assert uniform_null_variance(5) == 2.0
    assert uniform_null_variance(7) == 4.0
    assert null_variance([1 / 7] * 7) == pytest.approx(uniform_null_variance(7), abs=1e-12)
    assert skewed_null_variance(5) == pytest.approx(1.34, abs=1e-12)
    assert np.isnan(skewed_null_variance(7))  # not tabulated: no column rather than a guess
    with pytest.raises(ValueError, match="distribution"):
        null_variance([0.5, 0.6])


def test_pooled_null_is_the_exact_mean_over_all_random_groups():
    # Random-group resampling draws groups of the real size from all respondents. Over
    # every possible group of 3 out of 6 (20 groups) the mean item variance averages to
    # exactly the pooled ddof=1 variance, which is what pooled_null_variance returns.
    items = pd.DataFrame({"a": [1, 2, 2, 4, 5, 5], "b": [3, 3, 4, 4, 4, 1]}, dtype="float64")
    groups = list(combinations(range(6), 3))
    means = [items.iloc[list(rows)].var(ddof=1).mean() for rows in groups]
    assert len(groups) == 20
    assert pooled_null_variance(items) == pytest.approx(np.mean(means), abs=1e-12)
    # by hand: a = 1 2 2 4 5 5 (mean 19/6), b = 3 3 4 4 4 1 (mean 19/6)
    a = (np.array([1, 2, 2, 4, 5, 5]) - 19 / 6) ** 2
    b = (np.array([3, 3, 4, 4, 4, 1]) - 19 / 6) ** 2
    assert pooled_null_variance(items) == pytest.approx((a.sum() + b.sum()) / 10, abs=1e-12)


def reference_rwg_j(items: pd.DataFrame, groups: np.ndarray, sigma2: float) -> pd.Series:
    """rwg(J) group by group, the slow plain way, as an independent check."""
    out = {}
    for label in sorted(set(groups)):
        block = items.to_numpy()[groups == label]
        variances = [
            np.var(col[~np.isnan(col)], ddof=1) for col in block.T if (~np.isnan(col)).sum() > 1
        ]
        if not variances:
            out[label] = np.nan
            continue
        j, ratio = len(variances), np.mean(variances) / sigma2
        out[label] = 0.0 if ratio > 1 else j * (1 - ratio) / (j * (1 - ratio) + ratio)
    return pd.Series(out, dtype="float64")


@pytest.mark.parametrize("sigma2", [2.0, 1.34, 0.9])
def test_rwg_j_matches_a_group_by_group_computation(sigma2):
    rng = np.random.default_rng(21)
    groups = np.repeat(np.arange(30), rng.integers(1, 12, size=30))
    latent = rng.normal(0, 1.2, size=(30, 1))[groups]
    answers = np.clip(np.rint(3 + latent + rng.normal(0, 0.8, (groups.size, 6))), 1, 5)
    answers[rng.random(answers.shape) < 0.1] = np.nan
    items = pd.DataFrame(answers)
    expected = reference_rwg_j(items, groups, sigma2)
    result = rwg_j(items, groups, null_variance=sigma2)
    assert list(result.index) == list(expected.index)
    np.testing.assert_allclose(result.to_numpy(), expected.to_numpy(), atol=1e-12)
    assert result.notna().sum() > 20 and result.between(0, 1).sum() == result.notna().sum()


def test_rwg_j_is_the_spearman_brown_step_up_of_single_item_agreement():
    # rwg(J) = J r1 / (1 + (J - 1) r1) with r1 = 1 - s2 / sigma2: why it grows with J.
    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(50), 25)
    answers = np.clip(np.rint(rng.normal(3.5, 0.9, size=(groups.size, 7))), 1, 5)
    variances = group_item_variances(pd.DataFrame(answers), groups)
    r1 = 1 - variances.mean(axis=1) / 2.0
    assert (r1 > 0).all()
    for j in (1, 3, 7):
        rwg = rwg_j_from_variances(variances.iloc[:, :j], 2.0)
        r1_j = 1 - variances.iloc[:, :j].mean(axis=1) / 2.0
        np.testing.assert_allclose(rwg, j * r1_j / (1 + (j - 1) * r1_j), atol=1e-12)
    whole = rwg_j_from_variances(variances, 2.0)
    assert (whole > rwg_j_from_variances(variances.iloc[:, :1], 2.0)).mean() > 0.9


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(
    answers=st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4),
        min_size=2,
        max_size=30,
    ),
    data=st.data(),
)
def test_rwg_j_with_the_skewed_null_is_at_most_the_uniform_one(answers, data):
    groups = data.draw(st.lists(st.integers(0, 3), min_size=len(answers), max_size=len(answers)))
    items = pd.DataFrame(answers, dtype="float64")
    variances = group_item_variances(items, np.array(groups))
    uniform = rwg_j_from_variances(variances, uniform_null_variance(5))
    skewed = rwg_j_from_variances(variances, skewed_null_variance(5))
    defined = uniform.notna()
    assert (skewed.notna() == defined).all()
    assert (skewed[defined] <= uniform[defined] + 1e-12).all()
    assert ((uniform[defined] >= 0) & (uniform[defined] <= 1)).all()
    # strictly lower where there is some disagreement that the uniform null does not cap
    s2 = variances.mean(axis=1)[defined]
    strict = (s2 > 0) & (uniform[defined] > 0)
    assert (skewed[defined][strict] < uniform[defined][strict]).all()


def test_rwg_j_with_one_item_is_single_item_rwg():
    # J = 1 reduces to rwg = 1 - s2 / sigma2_EU; 7 options: sigma2_EU = 48/12 = 4.
    items = pd.DataFrame({"i": [2.0, 3.0, 4.0, np.nan]})  # variance 1, the blank is skipped
    assert rwg_j(items, ["g"] * 4, n_options=7)["g"] == pytest.approx(1 - 1 / 4)


def test_rwg_j_is_near_zero_for_uniform_random_answers():
    rng = np.random.default_rng(7)
    n_groups, size = 40, 200
    items = pd.DataFrame(rng.integers(1, 6, size=(n_groups * size, 6)).astype(float))
    rwg = rwg_j(items, np.repeat(np.arange(n_groups), size))
    assert rwg.median() < 0.1
    assert rwg.max() < 0.35


# --- item rates ---------------------------------------------------------------------------


def empty_responses(instrument, years: dict[int, int], n: int) -> pd.DataFrame:
    """n responses per year, every item asked in the year's revision answered 3."""
    rows = [(year, rev) for year, rev in years.items() for _ in range(n)]
    frame = pd.DataFrame(rows, columns=["year", "instrument_revision"])
    frame["year"] = frame["year"].astype("int16")
    frame["instrument_revision"] = frame["instrument_revision"].astype("int8")
    for item in instrument.item_ids():
        asked = frame["instrument_revision"].isin(instrument.item(item).revisions)
        frame[item] = pd.array(np.where(asked, 3, None), dtype="Int8")
    for item in instrument.item_ids():
        frame[f"{item}_dk"] = False
    return frame


def test_item_rates_on_planted_counts(instrument):
    frame = empty_responses(instrument, {2020: 1, 2021: 2}, n=4)
    y20, y21 = frame.index[frame["year"] == 2020], frame.index[frame["year"] == 2021]
    # 2020 (revision 1), EFF1: one "Vet ej", two blank, one answered
    frame.loc[y20[0], ["EFF1", "EFF1_dk"]] = [pd.NA, True]
    frame.loc[y20[1:3], "EFF1"] = pd.NA
    # 2021 (revision 2), INN7 (new in revision 2): two "Vet ej", one blank
    frame.loc[y21[:2], "INN7"] = pd.NA
    frame.loc[y21[:2], "INN7_dk"] = True
    frame.loc[y21[2], "INN7"] = pd.NA
    rates = item_rates(frame, instrument).set_index(["year", "item"])
    assert list(rates.columns) == ["n_asked", "dont_know_rate", "missing_rate"]
    assert len(rates) == 2 * len(instrument.item_ids())
    assert tuple(rates.loc[(2020, "EFF1")]) == (4, 0.25, 0.5)
    assert tuple(rates.loc[(2021, "INN7")]) == (4, 0.5, 0.25)
    # not asked: INN7 in 2020, ORG6 (dropped in revision 2) in 2021, blank though they are
    for key in [(2020, "INN7"), (2021, "ORG6")]:
        assert rates.loc[key, "n_asked"] == 0
        assert rates.loc[key, ["dont_know_rate", "missing_rate"]].isna().all()
    assert rates.loc[(2021, "EFF1"), "missing_rate"] == 0.0
    assert rates.loc[(2020, "ORG6"), "n_asked"] == 4


# --- tables -------------------------------------------------------------------------------


def synthetic_responses(instrument, seed: int = 1) -> pd.DataFrame:
    """Two years (one per revision), 6 organisations x 12 respondents, one factor per
    category plus an organisation effect; reverse-keyed items stored unflipped, some
    "Vet ej" and blanks."""
    rng = np.random.default_rng(seed)
    years, n_orgs, per_org = {2019: 1, 2022: 2}, 6, 12
    per_year = n_orgs * per_org
    frame = empty_responses(instrument, years, n=per_year)
    frame.insert(2, "org_id", [f"O{i % per_year // per_org:02d}" for i in range(len(frame))])
    org = rng.normal(0, 0.6, size=(2, n_orgs))
    year_code = (frame["year"] == 2022).to_numpy().astype(int)
    org_code = frame["org_id"].str[1:].astype(int).to_numpy()
    for category in instrument.categories:
        latent = org[year_code, org_code] + rng.normal(size=len(frame))
        for item in instrument.category_items(category):
            answer = np.clip(np.rint(3 + 0.9 * latent + rng.normal(0, 0.7, len(frame))), 1, 5)
            if instrument.item(item).reverse:
                answer = 6 - answer
            asked = frame[item].notna().to_numpy()
            draw = rng.random(len(frame))
            dont_know, blank = asked & (draw < 0.05), asked & (draw > 0.97)
            frame[item] = pd.array(np.where(asked & ~dont_know & ~blank, answer, None), "Int8")
            frame[f"{item}_dk"] = dont_know
    return frame


@pytest.fixture(scope="module")
def synthetic(instrument):
    return synthetic_responses(instrument)


@pytest.mark.parametrize(("year", "revision"), [(2019, 1), (2022, 2)])
def test_reliability_table(synthetic, instrument, year, revision):
    table = reliability_table(synthetic, instrument, year)
    assert list(table.columns) == [
        "year",
        "category",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega",
        "n",
        "n_items",
    ]
    assert list(table["category"]) == list(instrument.categories)
    assert (table["year"] == year).all()
    rows = synthetic[synthetic["year"] == year]
    for record in table.itertuples():
        ids = instrument.category_items(record.category, revision)
        keyed = rows[ids].astype(float)
        flip = [i for i in ids if instrument.item(i).reverse]
        keyed[flip] = 6 - keyed[flip]
        complete = keyed.dropna()
        assert record.n_items == len(ids)
        assert record.n == len(complete)
        assert record.alpha == pytest.approx(cronbach_alpha(complete), abs=1e-12)
        assert record.alpha_ci_low < record.alpha < record.alpha_ci_high
        assert record.alpha > 0.6  # keyed items of one factor hang together
        assert record.omega >= record.alpha - 1e-9


@pytest.mark.parametrize(("year", "revision"), [(2019, 1), (2022, 2)])
def test_item_table(synthetic, instrument, year, revision):
    table = item_table(synthetic, instrument, year)
    assert list(table.columns) == [
        "year",
        "item",
        "category",
        "corrected_item_total",
        "dont_know_rate",
        "missing_rate",
        "n_asked",
    ]
    assert list(table["item"]) == instrument.item_ids(revision)
    assert (table["n_asked"] == (synthetic["year"] == year).sum()).all()
    reverse = table[table["item"].map(lambda i: instrument.item(i).reverse)]
    assert len(reverse) == 6 and (reverse["corrected_item_total"] > 0.3).all()
    rates = item_rates(synthetic, instrument).set_index(["year", "item"])
    mine = table.set_index(["year", "item"])
    for column in ["dont_know_rate", "missing_rate"]:
        assert mine[column].to_numpy() == pytest.approx(rates.loc[mine.index, column].to_numpy())


def keyed_by_hand(rows: pd.DataFrame, instrument, ids: list[str]) -> pd.DataFrame:
    keyed = rows[ids].astype(float)
    flip = [i for i in ids if instrument.item(i).reverse]
    keyed[flip] = 6 - keyed[flip]
    return keyed


def test_aggregation_table(synthetic, instrument):
    scores = respondent_scores(synthetic, instrument)
    table = aggregation_table(scores, synthetic, instrument, 2022)
    assert list(table.columns) == [
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
    categories = list(instrument.categories)
    assert list(table["category"].iloc[:6]) == categories
    assert table["category"].iloc[6:].isna().all()
    assert list(table["dimension"]) == [
        *(instrument.item(instrument.category_items(c)[0]).dimension for c in categories),
        "capability",
        "legacy",
        "maturity",
    ]
    rows = synthetic["year"] == 2022
    orgs = synthetic.loc[rows, "org_id"].to_numpy()
    for record in table.itertuples():
        column = record.category if isinstance(record.category, str) else record.dimension
        members = (
            [record.category]
            if isinstance(record.category, str)
            else categories
            if record.dimension == "maturity"
            else instrument.dimension_categories(record.dimension)
        )
        ids = [i for c in members for i in instrument.category_items(c, 2)]
        keyed = keyed_by_hand(synthetic.loc[rows], instrument, ids)
        values = scores.loc[rows, column]
        assert record.n_items == len(ids)
        assert record.n_respondents == values.notna().sum()
        assert record.n_orgs == 6
        assert (record.icc1, record.icc2) == pytest.approx(icc1_icc2(values, orgs))
        if not isinstance(record.category, str):
            assert record.icc1 > 0.05  # planted organisation effect (6 orgs: noisy per category)
        pooled = np.mean([keyed[i].dropna().var(ddof=1) for i in ids])
        assert record.rwg_j_pooled_null_variance == pytest.approx(pooled, abs=1e-12)
        for prefix, sigma2 in [("rwg_j", 2.0), ("rwg_j_skewed", 1.34), ("rwg_j_pooled", pooled)]:
            rwg = reference_rwg_j(keyed, orgs, sigma2).dropna()
            assert getattr(record, f"{prefix}_median") == pytest.approx(rwg.median(), abs=1e-12)
            assert getattr(record, f"{prefix}_mean") == pytest.approx(rwg.mean(), abs=1e-12)
            share = getattr(record, f"{prefix}_share_above_0_7")
            assert share == pytest.approx((rwg >= 0.7).mean(), abs=1e-12)
        assert record.rwg_j_skewed_median <= record.rwg_j_median
        assert record.rwg_j_skewed_share_above_0_7 <= record.rwg_j_share_above_0_7


def test_aggregation_table_tells_organisations_apart_on_the_demo_data(instrument):
    # Over a dimension's ~18 items rwg(J) with the uniform null is near 1 everywhere, so
    # its share above 0.7 is 1 and says nothing; per category and against the skewed null
    # the shares differ between categories and lie inside (0, 1).
    year = max(CONFIG["years"])
    responses = demo_responses(year)
    table = aggregation_table(respondent_scores(responses, instrument), responses, instrument, year)
    per_category = table[table["category"].notna()]
    dimensions = table[table["category"].isna()]
    assert (dimensions["rwg_j_median"] > 0.9).all()
    assert (dimensions["rwg_j_share_above_0_7"] > 0.95).all()
    skewed = per_category["rwg_j_skewed_share_above_0_7"]
    assert skewed.between(0.05, 0.95).all() and skewed.nunique() == len(skewed)
    assert per_category["rwg_j_pooled_median"].nunique() == len(per_category)
    assert (per_category["rwg_j_median"] < dimensions["rwg_j_median"].min()).all()


def test_tables_refuse_a_year_with_several_revisions_or_misaligned_scores(synthetic, instrument):
    mixed = synthetic.copy()
    mixed.loc[mixed.index[0], "instrument_revision"] = 2
    with pytest.raises(ValueError, match="one instrument revision"):
        reliability_table(mixed, instrument, 2019)
    with pytest.raises(ValueError, match="no responses"):
        item_table(synthetic, instrument, 2030)
    scores = respondent_scores(synthetic, instrument).iloc[::-1]
    with pytest.raises(ValueError, match="same index"):
        aggregation_table(scores, synthetic, instrument, 2019)
