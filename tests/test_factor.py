"""Confirmatory factor analysis and measurement invariance (mognad.indices.factor).

The estimator is validated against published lavaan results for the Holzinger & Swineford
(1939) data (tests/data/holzinger_swineford_1939.csv, the data set shipped with lavaan as
``HolzingerSwineford1939``: 301 pupils of two schools, nine ability tests x1-x9):

* lavaan tutorial, "CFA" (three-factor model, ``cfa(HS.model, data)``):
  chi2 = 85.306, df = 24, CFI = 0.931, TLI = 0.896, RMSEA = 0.092, SRMR = 0.065, and, with
  marker identification, the loadings x2 0.554, x3 0.729, x5 1.113, x6 0.926, x8 1.180,
  x9 1.082 and the factor variances 0.809, 0.980, 0.384.
* lavaan tutorial, "Measurement invariance" (``group = "school"``): configural chi2 = 115.851
  (df 48), equal loadings 124.044 (df 54), equal loadings + intercepts 164.103 (df 60).
* semTools ``measurementInvariance(HS.model, data, group = "school")``, the same three models:
  CFI 0.923 / 0.921 / 0.882, RMSEA 0.097 / 0.093 / 0.107.

The survey side is checked on exactly model-implied moments (chi2 = 0, CFI = 1, parameters
recovered) and on a small simulated response frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mognad.indices import factor
from mognad.indices.factor import Model, fit_cfa, fit_multigroup, sample_moments

DATA = Path(__file__).resolve().parent / "data"
TESTS = [f"x{i}" for i in range(1, 10)]
HS_MODEL = Model({"visual": TESTS[:3], "textual": TESTS[3:6], "speed": TESTS[6:]})


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(DATA / "holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def hs_groups(hs) -> dict[str, factor.Moments]:
    # lavaan orders groups as they first appear in the data: Pasteur, then Grant-White
    return {
        school: sample_moments(hs.loc[hs["school"] == school, TESTS])
        for school in hs["school"].unique()
    }


@pytest.fixture(scope="module")
def hs_levels(hs_groups) -> dict[str, factor.FitResult]:
    return {level: fit_multigroup(hs_groups, HS_MODEL, level) for level in factor.LEVELS}


def test_holzinger_swineford_file_is_the_lavaan_data_set(hs):
    assert hs.shape == (301, 15)
    assert list(hs.columns) == ["id", "sex", "ageyr", "agemo", "school", "grade", *TESTS]
    assert hs["school"].value_counts().to_dict() == {"Pasteur": 156, "Grant-White": 145}
    assert hs["grade"].isna().sum() == 1
    # lavaan's sample means (summary of the CFA tutorial's data)
    expected = [4.936, 6.088, 2.250, 3.061, 4.341, 2.186, 4.186, 5.527, 5.374]
    np.testing.assert_allclose(hs[TESTS].mean().to_numpy(), expected, atol=5e-4)


def test_three_factor_model_matches_lavaan(hs):
    moments = sample_moments(hs[TESTS])
    fit = fit_cfa(moments.cov, moments.means, moments.n, HS_MODEL)
    assert fit.converged
    assert fit.df == 24
    assert fit.chi2 == pytest.approx(85.306, abs=0.01)
    assert fit.cfi == pytest.approx(0.931, abs=0.001)
    assert fit.tli == pytest.approx(0.896, abs=0.001)
    assert fit.rmsea == pytest.approx(0.092, abs=0.001)
    assert fit.srmr == pytest.approx(0.065, abs=0.001)
    assert fit.pvalue < 1e-7
    # factor variances fixed to 1: the marker solution is the ratio to the first loading
    est = fit.loadings.set_index("indicator")["estimate"]
    marker = {"x2": 0.554, "x3": 0.729, "x5": 1.113, "x6": 0.926, "x8": 1.180, "x9": 1.082}
    first = {"x2": "x1", "x3": "x1", "x5": "x4", "x6": "x4", "x8": "x7", "x9": "x7"}
    for item, value in marker.items():
        assert est[item] / est[first[item]] == pytest.approx(value, abs=0.001)
    variances = est[["x1", "x4", "x7"]].to_numpy() ** 2
    np.testing.assert_allclose(variances, [0.809, 0.980, 0.384], atol=0.001)
    assert set(fit.loadings.columns) >= {"group", "factor", "indicator", "estimate", "std_all"}
    assert fit.loadings["free"].all()


@pytest.mark.parametrize(
    ("level", "chi2", "df", "cfi", "rmsea"),
    [
        ("configural", 115.851, 48, 0.923, 0.097),
        ("metric", 124.044, 54, 0.921, 0.093),
        ("scalar", 164.103, 60, 0.882, 0.107),
    ],
)
def test_invariance_across_schools_matches_lavaan(hs_levels, level, chi2, df, cfi, rmsea):
    fit = hs_levels[level]
    assert fit.converged
    assert fit.df == df
    assert fit.chi2 == pytest.approx(chi2, abs=0.01)
    assert fit.cfi == pytest.approx(cfi, abs=0.001)
    assert fit.rmsea == pytest.approx(rmsea, abs=0.001)
    assert fit.groups == ["Pasteur", "Grant-White"]


def test_marker_loadings_and_equalities(hs_levels):
    configural = hs_levels["configural"].loadings
    metric = hs_levels["metric"].loadings
    # marker loadings fixed to 1 in every group
    markers = configural[~configural["free"]]
    assert sorted(markers["indicator"]) == ["x1", "x1", "x4", "x4", "x7", "x7"]
    assert (markers["estimate"] == 1.0).all()
    # configural: loadings differ between schools; metric: they are equal
    wide = configural.pivot(index="indicator", columns="group", values="estimate")
    assert (wide["Pasteur"] - wide["Grant-White"]).abs().max() > 0.05
    wide = metric.pivot(index="indicator", columns="group", values="estimate")
    np.testing.assert_allclose(wide["Pasteur"], wide["Grant-White"])


def test_configural_is_the_sum_of_separate_fits(hs_groups, hs_levels):
    # identification-invariance: marker (multi-group) and unit variance (single) agree
    separate = [fit_cfa(m.cov, m.means, m.n, HS_MODEL) for m in hs_groups.values()]
    assert hs_levels["configural"].chi2 == pytest.approx(sum(f.chi2 for f in separate), rel=1e-6)
    assert hs_levels["configural"].df == sum(f.df for f in separate)


# --------------------------------------------------------------------------------------------
# moments
# --------------------------------------------------------------------------------------------


def test_pairwise_moments_match_pandas_with_missing_values():
    rng = np.random.default_rng(1)
    values = pd.DataFrame(rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4)), columns=list("abcd"))
    values = values.mask(rng.random(values.shape) < 0.1)
    moments = sample_moments(values)
    counts = values.notna().astype(int).T @ values.notna().astype(int)
    expected = values.cov() * (counts - 1) / counts  # pandas: pairwise, divisor n_ij - 1
    np.testing.assert_allclose(moments.cov, expected, rtol=1e-12)
    np.testing.assert_allclose(moments.means, values.mean(), rtol=1e-12)
    assert moments.n == 200
    complete = sample_moments(values, mode="complete")
    rows = values.dropna()
    assert complete.n == len(rows)
    np.testing.assert_allclose(complete.cov, rows.cov(ddof=0), rtol=1e-12)


# --------------------------------------------------------------------------------------------
# the survey's second-order model on exact population moments
# --------------------------------------------------------------------------------------------


def population(model: Model, seed: int, kappa=(0.0, 0.0), shift: dict | None = None):
    """Exact moments of the second-order model with planted parameters."""
    rng = np.random.default_rng(seed)
    items = model.indicators
    first, second = model.first_order, model.higher_order
    lam = np.zeros((len(items), len(first)))
    for f, name in enumerate(first):
        for item in model.factors[name]:
            lam[items.index(item), f] = 0.5 + 0.04 * (items.index(item) % 7)
    gam = np.zeros((len(first), len(second)))
    for s, name in enumerate(second):
        for k, sub in enumerate(model.second_order[name]):
            gam[first.index(sub), s] = 0.9 - 0.1 * k
    phi = np.array([[1.0, 0.55], [0.55, 1.0]]) * rng.uniform(0.8, 1.2)
    zeta = np.diag(np.linspace(0.25, 0.45, len(first)))
    theta = np.diag(np.linspace(0.4, 0.8, len(items)))
    nu = np.linspace(2.8, 3.6, len(items))
    for item, delta in (shift or {}).items():
        nu[items.index(item)] += delta
    latent = gam @ phi @ gam.T + zeta
    sigma = lam @ latent @ lam.T + theta
    mu = nu + lam @ gam @ np.asarray(kappa)
    std = lam * np.sqrt(np.diag(latent))[None, :] / np.sqrt(np.diag(sigma))[:, None]
    planted = {items[i]: std[i].sum() for i in range(len(items))}
    return (
        factor.Moments(
            pd.DataFrame(sigma, index=items, columns=items), pd.Series(mu, index=items), 1000
        ),
        planted,
    )


def test_survey_model_structure(instrument):
    items = instrument.item_ids(2)
    model = factor.survey_model(instrument, items)
    assert model.first_order == list(instrument.categories)
    assert model.second_order == {
        "capability": ["effektivitet", "innovation", "balansering"],
        "legacy": ["organisation", "anvandare", "teknik"],
    }
    assert sorted(model.indicators) == sorted(items)
    common = factor.common_items(instrument)
    assert len(common) == 35
    assert {"ORG6", "INN7", "TEK7"}.isdisjoint(common)
    assert {"EFF3", "ANV2"} <= set(common)
    assert "ORG6" not in factor.survey_model(instrument, common).factors["organisation"]
    with pytest.raises(ValueError, match="not in the instrument"):
        factor.survey_model(instrument, [*items, "XYZ1"])


def test_exact_population_covariance_fits_perfectly(instrument):
    model = factor.survey_model(instrument, instrument.item_ids(2))
    moments, planted = population(model, seed=3)
    fit = fit_cfa(moments.cov, moments.means, moments.n, model)
    assert fit.converged
    assert fit.df == 37 * 38 // 2 - (37 + 6 + 1 + 37)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-5)
    assert fit.cfi == pytest.approx(1.0, abs=1e-12)
    assert fit.tli >= 1.0
    assert fit.rmsea == 0.0
    assert fit.srmr < 1e-5
    first = fit.loadings[fit.loadings["indicator"].isin(model.indicators)]
    recovered = first.set_index("indicator")["std_all"]
    np.testing.assert_allclose(recovered[list(planted)], list(planted.values()), atol=1e-4)


def test_population_invariance_levels(instrument):
    model = factor.survey_model(instrument, factor.common_items(instrument))
    same = {
        2019: population(model, seed=5)[0],
        2024: population(model, seed=6, kappa=(0.3, -0.2))[0],
    }
    for level in factor.LEVELS:
        fit = fit_multigroup(same, model, level)
        assert fit.converged, level
        assert fit.chi2 == pytest.approx(0.0, abs=1e-4), level
    # one item's intercept drifts: metric still holds exactly, scalar does not
    drift = {
        2019: same[2019],
        2024: population(model, seed=6, kappa=(0.3, -0.2), shift={"EFF3": 0.4})[0],
    }
    metric = fit_multigroup(drift, model, "metric")
    scalar = fit_multigroup(drift, model, "scalar")
    assert metric.chi2 == pytest.approx(0.0, abs=1e-4)
    assert scalar.chi2 > 10
    p = len(model.indicators)
    assert scalar.df - metric.df == p - len(model.first_order)


def test_model_validation():
    with pytest.raises(ValueError, match="more than one factor"):
        Model({"a": ["x1", "x2"], "b": ["x2", "x3"]})
    with pytest.raises(ValueError, match="two indicators"):
        Model({"a": ["x1"]})
    with pytest.raises(ValueError, match="exactly one second-order"):
        Model({"a": ["x1", "x2"], "b": ["x3", "x4"]}, {"g": ["a"]})
    with pytest.raises(ValueError, match="level"):
        fit_multigroup({1: None, 2: None}, HS_MODEL, "strict")


# --------------------------------------------------------------------------------------------
# survey-facing tables on a small simulated response frame
# --------------------------------------------------------------------------------------------


def simulated_responses(instrument, years: dict[int, int], n: int, seed: int) -> pd.DataFrame:
    """Answers 1-5 from the second-order model, "Vet ej" (NA) ~5 %, reverse items unkeyed."""
    rng = np.random.default_rng(seed)
    ids = instrument.item_ids()
    cats = list(instrument.categories)
    dims = list(instrument.dimensions)
    frames = []
    for k, (year, revision) in enumerate(years.items()):
        eta2 = rng.multivariate_normal([0.1 * k, 0.0], [[1.0, 0.5], [0.5, 1.0]], size=n)
        eta1 = np.column_stack(
            [0.8 * eta2[:, dims.index(instrument.categories[c]["dimension"])] for c in cats]
        ) + rng.normal(scale=0.6, size=(n, len(cats)))
        asked = set(instrument.item_ids(revision))
        data = {}
        for item in ids:
            if item not in asked:
                data[item] = pd.array([pd.NA] * n, dtype="Int8")
                continue
            spec = instrument.item(item)
            latent = 3.0 + 0.8 * eta1[:, cats.index(spec.category)] + rng.normal(scale=0.7, size=n)
            keyed = np.clip(np.rint(latent), 1, 5)
            raw = 6 - keyed if spec.reverse else keyed
            raw = np.where(rng.random(n) < 0.05, np.nan, raw)
            data[item] = pd.array([pd.NA if np.isnan(v) else int(v) for v in raw], dtype="Int8")
        frame = pd.DataFrame(data)
        frame.insert(0, "instrument_revision", np.int8(revision))
        frame.insert(0, "year", np.int16(year))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def simulated(instrument) -> pd.DataFrame:
    return simulated_responses(instrument, {2019: 1, 2021: 2, 2022: 2}, n=300, seed=11)


def test_group_moments_per_year(simulated, instrument):
    groups = factor.group_moments(simulated, instrument)
    assert list(groups) == [2019, 2021, 2022]
    assert groups[2019].cov.shape == (36, 36) and groups[2021].cov.shape == (37, 37)
    assert all(m.n == 300 for m in groups.values())
    # keyed: reverse-worded items correlate positively with their category
    assert groups[2019].cov.loc["EFF5", "EFF1"] > 0
    common = factor.common_items(instrument)
    complete = factor.group_moments(simulated, instrument, items=common, mode="complete")
    assert all(m.n < 300 for m in complete.values())
    assert all(list(m.cov.columns) == common for m in complete.values())


def test_cfa_fit_table(simulated, instrument):
    table = factor.cfa_fit_table(simulated, instrument)
    assert list(table.columns) == [
        "year",
        "n",
        "chi2",
        "df",
        "cfi",
        "tli",
        "rmsea",
        "srmr",
        "converged",
    ]
    assert table["year"].tolist() == [2019, 2021, 2022]
    assert table["n"].tolist() == [300, 300, 300]
    assert table["df"].tolist() == [587, 622, 622]
    assert table["converged"].all()
    assert (table["cfi"] > 0.9).all() and (table["srmr"] < 0.08).all()


def test_invariance_table(simulated, instrument):
    table = factor.invariance_table(simulated, instrument)
    assert list(table.columns) == [
        "level",
        "chi2",
        "df",
        "cfi",
        "tli",
        "rmsea",
        "srmr",
        "delta_cfi",
        "delta_rmsea",
        "converged",
    ]
    assert table["level"].tolist() == ["configural", "metric", "scalar"]
    assert table["converged"].all()
    df = table["df"].tolist()
    groups, items, factors, dims = 3, 35, 6, 2
    assert df[0] == groups * (
        items * (items + 1) // 2 - (items - factors + factors - dims + factors + 3 + items)
    )
    assert df[1] - df[0] == (groups - 1) * (items - factors + factors - dims)
    assert df[2] - df[1] == (groups - 1) * (items - factors)
    assert np.isnan(table.loc[0, "delta_cfi"])
    assert table.loc[1, "delta_cfi"] == pytest.approx(table.loc[1, "cfi"] - table.loc[0, "cfi"])
    assert (table["chi2"].diff().dropna() > 0).all()
