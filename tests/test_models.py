"""Regression models against independent computations: closed-form OLS and within estimators,
a hand-written CR1 sandwich, planted variance components, mixed-model standard errors from an
explicit n×n covariance and from lme4, planted demo-data effects and the empirical coverage of
cluster-robust intervals."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.formula.api as smf
from conftest import CONFIG, ROOT, demo_responses

from mognad.analyses.modelresult import model_outputs, read_model
from mognad.analyses.models import (
    COEFFICIENT_COLUMNS,
    FE_STD_ERROR,
    fit_all,
    fit_model,
    mixed_fixed_effect_cov,
    model_frame,
    term_support,
)
from mognad.indices.scores import Method, keyed_scores, organisation_scores, score_columns
from mognad.io import write_csv
from mognad.labels import load_labels
from mognad.publish.disclosure import Thresholds
from mognad.publish.modeltables import publish_model, regression_table, regression_words

DEMO_YEARS = (2021, 2022, 2023)
EFFECTS = json.loads((ROOT / "data/truth/demo/effects.json").read_text(encoding="utf-8"))


def ols(formula: str, **extra) -> dict:
    return {"kind": "ols", "level": "organisation", "formula": formula, **extra}


def clustered_data(seed: int, n_groups: int = 40, size: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), size)
    x1 = rng.normal(size=n_groups)[g] + rng.normal(size=g.size)
    x2 = rng.normal(size=g.size)
    y = 1 + 0.5 * x1 - 0.3 * x2 + rng.normal(size=n_groups)[g] + rng.normal(size=g.size) * x2
    return pd.DataFrame({"org_id": [f"O{i:03d}" for i in g], "x1": x1, "x2": x2, "y": y})


def cr1(x: np.ndarray, resid: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Textbook CR1: loop over clusters, statsmodels' small-sample factor."""
    n, k = x.shape
    labels = np.unique(groups)
    meat = np.zeros((k, k))
    for label in labels:
        s = x[groups == label].T @ resid[groups == label]
        meat += np.outer(s, s)
    bread = np.linalg.inv(x.T @ x)
    g = len(labels)
    return g / (g - 1) * (n - 1) / (n - k) * bread @ meat @ bread


def test_clustered_ols_matches_closed_form_and_hand_sandwich():
    data = clustered_data(1)
    result = fit_model("sim", ols("y ~ x1 + x2"), data)
    x = np.column_stack([np.ones(len(data)), data["x1"], data["x2"]])
    y = data["y"].to_numpy()
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    se = np.sqrt(np.diag(cr1(x, y - x @ beta, data["org_id"].to_numpy())))
    coefs = result.coefficients.set_index("term")
    assert list(result.coefficients.columns) == COEFFICIENT_COLUMNS
    np.testing.assert_allclose(coefs["estimate"], beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(coefs["std_error"], se, rtol=0, atol=1e-8)
    assert result.fit["n"] == len(data) and result.fit["n_groups"] == 40
    # intervals use t with G-1 degrees of freedom
    half = (coefs["ci_high"] - coefs["ci_low"]) / 2 / coefs["std_error"]
    assert np.allclose(half, 2.0226909, atol=1e-6)


def balanced_panel(seed: int, n_orgs: int = 30, years: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    org = np.repeat(np.arange(n_orgs), years)
    year = np.tile(np.arange(2019, 2019 + years), n_orgs)
    size = rng.lognormal(5, 1, n_orgs)[org]  # time-invariant
    effect = rng.normal(0, 3, n_orgs)[org] + 0.01 * size
    y = effect + 2.0 * (year - 2019) + rng.normal(0, 1 + 0.5 * rng.random(n_orgs)[org])
    return pd.DataFrame(
        {"org_id": [f"O{i:02d}" for i in org], "year": year, "employees": size, "y": y}
    )


def test_fixed_effects_equal_within_estimator_and_dummy_ols():
    data = balanced_panel(2)
    spec = {"kind": "fixed_effects", "level": "organisation", "formula": "y ~ C(year) + employees"}
    result = fit_model("fe", spec, data)
    coefs = result.coefficients.set_index("term")
    assert result.fit["dropped"] == "employees"
    assert "employees" not in coefs.index and result.fit["converged"]
    # closed form: M_D = I - D (DᵀD)⁻¹ Dᵀ annihilates the organisation dummies
    d = pd.get_dummies(data["org_id"]).to_numpy(float)
    x = pd.get_dummies(data["year"], drop_first=True).to_numpy(float)
    m = np.eye(len(data)) - d @ np.linalg.solve(d.T @ d, d.T)
    y = data["y"].to_numpy()
    beta = np.linalg.solve(x.T @ m @ x, x.T @ m @ y)
    np.testing.assert_allclose(coefs["estimate"], beta, atol=1e-8)
    dummies = smf.ols("y ~ C(year) + C(org_id)", data).fit().params
    np.testing.assert_allclose(
        coefs["estimate"], dummies[[c for c in dummies.index if "year" in c]], atol=1e-8
    )
    # CR1 on the demeaned data, absorbed effects not counted (nested in the clusters)
    se = np.sqrt(np.diag(cr1(m @ x, m @ y - m @ x @ beta, data["org_id"].to_numpy())))
    np.testing.assert_allclose(coefs["std_error"], se, atol=1e-8)


def test_mixed_recovers_planted_variance_components():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(60), 30)
    x = rng.normal(size=g.size)
    y = 50 + 2 * x + rng.normal(0, 2, 60)[g] + rng.normal(0, 4, g.size)
    data = pd.DataFrame({"org_id": [f"O{i:02d}" for i in g], "x": x, "y": y})
    spec = {"kind": "mixed", "level": "respondent", "formula": "y ~ x"}
    fit = fit_model("mixed", spec, data).fit
    print({k: fit[k] for k in ("var_organisation", "var_residual", "icc_organisation")})
    assert fit["converged"] and not fit["boundary"]
    assert fit["var_organisation"] == pytest.approx(4, abs=1.5)
    assert fit["var_residual"] == pytest.approx(16, abs=1.2)
    assert fit["icc_organisation"] == pytest.approx(4 / 20, abs=0.06)
    for name, planted in (("var_organisation", 4), ("var_residual", 16)):
        assert fit[f"{name}_ci_low"] < planted < fit[f"{name}_ci_high"], name
    # the log-scale Wald interval is asymmetric around the estimate, as a variance's should be
    low, est, high = (fit[f"var_organisation{s}"] for s in ("_ci_low", "", "_ci_high"))
    assert high - est > est - low > 0

    # no between-group variation at all: group means of the noise removed
    noise = rng.normal(0, 4, g.size)
    noise -= pd.Series(noise).groupby(g).transform("mean").to_numpy()
    data["y"] = 50 + 2 * x + noise
    fit = fit_model("flat", spec, data).fit
    assert fit["boundary"]
    assert fit["var_organisation"] == 0.0  # at the boundary, as lme4 reports a singular fit
    assert fit["icc_organisation"] == 0.0
    assert np.isnan(fit["var_organisation_ci_low"]) and np.isnan(fit["var_organisation_ci_high"])


def test_variance_standard_error_matches_balanced_anova_closed_form():
    """For the balanced one-way model the information-based SE of the between variance is
    sqrt(2/m^2 [(m s_b + s_e)^2/(G-1) + s_e^2/(G(m-1))]) (Searle, Casella & McCulloch 1992,
    sec. 3.6); the interval's half-width on the log scale implies the SE it used."""
    rng = np.random.default_rng(8)
    n_groups, m = 60, 30
    g = np.repeat(np.arange(n_groups), m)
    y = 50 + rng.normal(0, 2, n_groups)[g] + rng.normal(0, 4, g.size)
    data = pd.DataFrame({"org_id": g, "y": y})
    fit = fit_model("m", {"kind": "mixed", "level": "respondent", "formula": "y ~ 1"}, data).fit
    s_b, s_e = fit["var_organisation"], fit["var_residual"]
    closed = np.sqrt(
        2 / m**2 * ((m * s_b + s_e) ** 2 / (n_groups - 1) + s_e**2 / (n_groups * (m - 1)))
    )
    implied = s_b * np.log(fit["var_organisation_ci_high"] / s_b) / 1.959964
    assert implied == pytest.approx(closed, rel=0.05)


@pytest.mark.slow
def test_variance_component_interval_coverage():
    """Planted between and residual variances (4, 16), unbalanced organisations of 8-25:
    the 95 % intervals cover ~95 % (200 seeded replications)."""
    reps, hits = 200, {"var_organisation": 0, "var_residual": 0}
    spec = {"kind": "mixed", "level": "respondent", "formula": "y ~ x"}
    rng = np.random.default_rng(11)
    for _ in range(reps):
        g = np.repeat(np.arange(40), rng.integers(8, 26, 40))
        x = rng.normal(size=g.size)
        y = 50 + 2 * x + rng.normal(0, 2, 40)[g] + rng.normal(0, 4, g.size)
        fit = fit_model("cov", spec, pd.DataFrame({"org_id": g, "x": x, "y": y})).fit
        for name, planted in (("var_organisation", 4), ("var_residual", 16)):
            hits[name] += fit[f"{name}_ci_low"] <= planted <= fit[f"{name}_ci_high"]
    coverage = {name: count / reps for name, count in hits.items()}
    print(f"coverage of the variance intervals over {reps} replications: {coverage}")
    assert all(0.92 <= c <= 0.98 for c in coverage.values())


@pytest.mark.parametrize("year", CONFIG["years"])
def test_demo_variance_components_recovered_inside_their_intervals(instrument, year):
    """Each demo year's planted variance components on the percent scale: between the
    organisations' expected maturity (from the generator's truth) and of respondents around
    their organisation's expected maturity, inside the random-intercept model's intervals."""
    truth = pd.read_csv(ROOT / "data/truth/demo/org_latents.csv")
    truth = truth[truth["year"] == year].set_index("org_id")["expected_maturity"]
    scores = keyed_scores(demo_responses(year), instrument).dropna(subset=["maturity"])
    planted = {
        "var_organisation": truth.var(ddof=1),
        "var_residual": float(
            ((scores["maturity"] - truth[scores["org_id"]].to_numpy()) ** 2).mean()
        ),
    }
    spec = {"kind": "mixed", "level": "respondent", "formula": "maturity ~ 1"}
    fit = fit_model("demo", spec, scores).fit
    for name, value in planted.items():
        print(
            year,
            name,
            round(value, 1),
            [round(fit[f"{name}{s}"], 1) for s in ("_ci_low", "", "_ci_high")],
        )
        assert fit[f"{name}_ci_low"] <= value <= fit[f"{name}_ci_high"], name


def nested_design(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """6 municipalities × 3 organisations plus 3 organisations without one, 3-7 respondents
    each: design (intercept, an organisation-level dummy, a respondent covariate), organisation
    and top-level group codes (an organisation without a municipality is its own group)."""
    rng = np.random.default_rng(seed)
    n_orgs = 6 * 3 + 3
    top_of_org = np.r_[np.repeat(np.arange(6), 3), 6 + np.arange(3)]
    org = np.repeat(np.arange(n_orgs), rng.integers(3, 8, n_orgs))
    x = np.column_stack(
        [np.ones(org.size), rng.integers(0, 2, n_orgs)[org], rng.normal(size=org.size)]
    )
    return x, org, top_of_org[org]


def dense_fixed_effect_cov(x, org, top, var_org, var_nested, var_residual) -> np.ndarray:
    """(XᵀV⁻¹X)⁻¹ with V = σ²I + τ_org·[same organisation] + τ_nested·[same group], n×n."""
    same_org = (org[:, None] == org[None, :]).astype(float)
    same_top = (top[:, None] == top[None, :]).astype(float)
    v = var_residual * np.eye(len(x)) + var_org * same_org + var_nested * same_top
    return np.linalg.inv(x.T @ np.linalg.inv(v) @ x)


@pytest.mark.parametrize(
    ("var_org", "var_nested", "var_residual"),
    [(4.0, 2.5, 16.0), (0.3, 7.0, 1.0), (0.0, 3.0, 9.0), (2.0, 0.0, 9.0), (50.0, 80.0, 0.5)],
)
def test_mixed_fixed_effect_cov_equals_the_dense_computation(var_org, var_nested, var_residual):
    x, org, top = nested_design(5)
    ours = mixed_fixed_effect_cov(x, org, top, var_org, var_nested, var_residual)
    dense = dense_fixed_effect_cov(x, org, top, var_org, var_nested, var_residual)
    np.testing.assert_allclose(ours, dense, rtol=1e-10, atol=1e-10 * np.abs(dense).max())
    # the codes are labels: any values and order give the same result
    labels = np.array([f"org{i}" for i in org]), np.array([f"top{i}" for i in 10 - top])
    relabelled = mixed_fixed_effect_cov(x, *labels, var_org, var_nested, var_residual)
    np.testing.assert_allclose(relabelled, ours, rtol=1e-12)


@pytest.mark.parametrize(("var_org", "var_residual"), [(4.0, 16.0), (0.0, 9.0), (40.0, 0.5)])
def test_mixed_fixed_effect_cov_of_the_organisation_only_model(var_org, var_residual):
    x, org, _ = nested_design(6)
    ours = mixed_fixed_effect_cov(x, org, org, var_org, 0.0, var_residual)
    dense = dense_fixed_effect_cov(x, org, org, var_org, 0.0, var_residual)
    np.testing.assert_allclose(ours, dense, rtol=1e-10, atol=1e-10 * np.abs(dense).max())


BOUNDARY_DATA = ROOT / "tests/data/mixed_boundary.csv"
BOUNDARY_SPEC = {
    "kind": "mixed",
    "level": "respondent",
    "formula": "y ~ C(sector) + x",
    "nested": "municipality_id",
}


def boundary_data(seed: int = 20240517, n_muni: int = 30, per_muni: int = 4, n_free: int = 15):
    """Respondents of organisations in municipalities (plus organisations without one) with
    organisation variance 4, residual variance 16 and no municipality variance: the
    organisation effects are centred within each municipality (and rescaled to keep their
    variance), so the REML municipality variance lands at the boundary. Rounded to six
    decimals, as stored in tests/data/mixed_boundary.csv."""
    rng = np.random.default_rng(seed)
    n_orgs, n_nested = n_muni * per_muni + n_free, n_muni * per_muni
    muni = [f"M{i // per_muni:02d}" for i in range(n_nested)] + [None] * n_free
    effect = rng.normal(0, 2, n_orgs)
    within = effect[:n_nested].reshape(n_muni, per_muni)
    within = (within - within.mean(axis=1, keepdims=True)) * np.sqrt(per_muni / (per_muni - 1))
    effect[:n_nested] = within.ravel()
    sector = rng.choice(["a", "b", "c"], n_orgs)
    org = np.repeat(np.arange(n_orgs), rng.integers(8, 21, n_orgs))
    x = rng.normal(size=org.size)
    noise = rng.normal(0, 4, org.size)
    y = 50 + 1.5 * (sector[org] == "b") - (sector[org] == "c") + 2 * x + effect[org] + noise
    return pd.DataFrame(
        {
            "org_id": [f"O{i:03d}" for i in org],
            "municipality_id": [muni[i] for i in org],
            "sector": sector[org],
            "x": x.round(6),
            "y": y.round(6),
        }
    )


@pytest.fixture(scope="module")
def boundary() -> dict:
    data = pd.read_csv(BOUNDARY_DATA, comment="#")
    nested = fit_model("nested", BOUNDARY_SPEC, data)
    flat_spec = {k: v for k, v in BOUNDARY_SPEC.items() if k != "nested"}
    return {"data": data, "nested": nested, "flat": fit_model("flat", flat_spec, data)}


def test_boundary_data_file_is_the_simulated_data_set(boundary):
    stored, simulated = boundary["data"], boundary_data()
    pd.testing.assert_frame_equal(stored, simulated, check_dtype=False)


def test_mixed_at_the_boundary_reports_the_model_without_the_component(boundary):
    """The planted zero municipality variance is estimated at the boundary and counted as 0:
    the fixed effects' standard errors are then those of the organisation-only model, and
    both are (XᵀV⁻¹X)⁻¹ at the reported variances, checked against an explicit V."""
    data, nested, flat = boundary["data"], boundary["nested"], boundary["flat"]
    fit = nested.fit
    assert fit["boundary"] and fit["var_nested"] == 0.0 and fit["var_organisation"] > 1
    assert fit["fe_std_error"] == FE_STD_ERROR == flat.fit["fe_std_error"]
    assert "municipality_id variance at the boundary, fixed at 0" in fit["warnings"]
    assert "organisation variance at the boundary" not in fit["warnings"]
    assert not flat.fit["boundary"] and "boundary" not in flat.fit["warnings"]
    ours, refit = (r.coefficients.set_index("term") for r in (nested, flat))
    print(pd.DataFrame({"nested": ours["std_error"], "without": refit["std_error"]}))
    np.testing.assert_allclose(ours["std_error"], refit["std_error"], rtol=1e-4)
    assert np.all(np.abs(ours["estimate"] - refit["estimate"]) < 1e-4 * refit["std_error"])
    x = patsy.dmatrix("C(sector) + x", data, return_type="dataframe").to_numpy()
    org = data["org_id"].to_numpy()
    for result in (nested, flat):
        dense = dense_fixed_effect_cov(
            x, org, org, result.fit["var_organisation"], 0.0, result.fit["var_residual"]
        )
        se = result.coefficients["std_error"].to_numpy()
        np.testing.assert_allclose(se, np.sqrt(np.diag(dense)), rtol=1e-10)
        half = (result.coefficients["ci_high"] - result.coefficients["ci_low"]) / 2 / se
        assert np.allclose(half, 1.959964, atol=1e-6)


def test_mixed_fixed_effects_match_lme4(boundary):
    """lme4's REML fit of the same nested model (tests/data/mixed_boundary_lme4.csv, made by
    tools/lme4_reference.R): a singular fit with the municipality variance at 0."""
    lme4 = pd.read_csv(ROOT / "tests/data/mixed_boundary_lme4.csv", comment="#")
    lme4 = lme4.set_index("term")
    ours = boundary["nested"].coefficients.set_index("term")
    reference = lme4.loc[ours.index]
    print(pd.DataFrame({"ours": ours["std_error"], "lme4": reference["std_error"]}))
    np.testing.assert_allclose(ours["std_error"], reference["std_error"], rtol=1e-4)
    np.testing.assert_allclose(ours["estimate"], reference["estimate"], rtol=1e-4)
    fit = boundary["nested"].fit
    assert lme4.loc["var_nested", "estimate"] < 1e-8 and fit["var_nested"] == 0.0
    for name in ("var_organisation", "var_residual"):
        assert fit[name] == pytest.approx(lme4.loc[name, "estimate"], rel=1e-4)


@pytest.fixture(scope="module")
def demo(instrument) -> dict[str, pd.DataFrame]:
    parts = [demo_responses(year) for year in DEMO_YEARS]
    responses = pd.concat(parts, ignore_index=True)
    scores = keyed_scores(responses, instrument)
    orgs = organisation_scores(scores, score_columns(instrument)).merge(
        responses[["year", "org_id", "org_type", "sector"]].drop_duplicates(),
        on=["year", "org_id"],
    )
    return {"responses": responses, "orgs": orgs}


def test_demo_ols_sector_effects_ordered_as_planted(demo, instrument):
    frame = model_frame("organisation", demo["orgs"], demo["responses"], instrument, Method())
    assert frame["employees"].notna().all()
    result = fit_model("demo", ols("maturity ~ C(sector) + np.log(employees) + C(year)"), frame)
    est = result.coefficients.set_index("term")["estimate"]
    sector = {t.split("T.")[1].rstrip("]"): v for t, v in est.items() if "sector" in t}
    planted = EFFECTS["sector_effects"]
    assert planted["service"]["capability"] > planted["education"]["capability"]
    print({k: round(v, 2) for k, v in sector.items()})
    assert min(sector["service"], sector["urban_planning"]) > max(
        sector["education"], sector["social_services"]
    )


def test_demo_mixed_organisation_share_near_planted_icc(demo, instrument):
    frame = model_frame("respondent", demo["orgs"], demo["responses"], instrument, Method())
    spec = {"kind": "mixed", "level": "respondent", "formula": "maturity ~ C(year)"}
    start = time.perf_counter()
    fit = fit_model("demo_mixed", spec, frame).fit
    planted = np.mean([EFFECTS["icc1_maturity"][str(y)] for y in DEMO_YEARS])
    print(
        f"ICC {fit['icc_organisation']:.3f} vs planted {planted:.3f}, "
        f"n={fit['n']}, {time.perf_counter() - start:.1f} s"
    )
    assert fit["converged"]
    assert fit["icc_organisation"] == pytest.approx(planted, abs=0.08)


@pytest.mark.slow
def test_cluster_robust_interval_coverage():
    """Planted sector effect, organisation random effects: 95 % CIs cover ~95 %."""
    reps, hits, truth = 400, 0, 2.0
    spec = ols("maturity ~ C(sector) + C(year)")
    sector = np.repeat(["a", "b", "c"], 15)
    org = np.repeat(np.arange(45), 4)
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        y = (
            50
            + truth * (sector[org] == "b")
            + rng.normal(0, 3, 45)[org]
            + np.tile([0.0, 1.0, 2.0, 3.0], 45)
            + rng.normal(0, 2, org.size)
        )
        data = pd.DataFrame(
            {
                "org_id": org,
                "sector": sector[org],
                "year": np.tile(range(2021, 2025), 45),
                "maturity": y,
            }
        )
        row = fit_model("cov", spec, data).coefficients.set_index("term").loc["C(sector)[T.b]"]
        hits += row["ci_low"] <= truth <= row["ci_high"]
    coverage = hits / reps
    print(f"coverage of the 95 % CI over {reps} replications: {coverage:.1%}")
    assert 0.92 <= coverage <= 0.98


def test_new_spec_is_configuration_only(demo, instrument):
    specs = {
        "maturity_ols": CONFIG["models"]["maturity_ols"],
        "innovation_recent": ols("innovation ~ C(sector) + C(year)", sample="year >= 2022"),
        "maturity_within": CONFIG["models"]["maturity_within"],
    }
    results = fit_all(specs, demo["orgs"], demo["responses"], instrument, Method())
    assert list(results) == list(specs)
    recent = results["innovation_recent"]
    assert recent.fit["n"] == int((demo["orgs"]["year"] >= 2022).sum())
    outputs = model_outputs(recent)
    assert set(outputs) == {"innovation_recent", "innovation_recent_fit"}
    assert list(outputs["innovation_recent"].columns) == COEFFICIENT_COLUMNS
    fit = outputs["innovation_recent_fit"].set_index("statistic")["value"]
    assert fit["sample"] == "year >= 2022" and fit["n_groups"] > 0
    # the config formula's org_type terms are aliased with sector: reported as dropped
    assert "C(org_type)[T.state_agency]" in results["maturity_ols"].fit["dropped"]
    table, markdown, latex = regression_table(results)
    assert list(table.columns) == ["term", *specs]
    assert {"n", "groups", "R² / log-lik"} <= set(table["term"])
    assert "C(year)[T.2023]" in markdown and r"\begin{tabular}" in latex
    assert "(" in table.set_index("term").loc["C(year)[T.2023]", "maturity_within"]
    # each model names what its dummies are compared with, on its own sample
    reference = table.set_index("term").loc["reference"]
    first = int(demo["orgs"]["year"].min())
    assert reference["maturity_ols"] == f"sector=central_admin;org_type=municipal;year={first}"
    assert reference["innovation_recent"] == f"sector=central_admin;year={max(first, 2022)}"
    # for readers: terms, models and reference levels in words, no formula code
    labels = load_labels(ROOT / CONFIG["labels"], instrument, "sv")
    headers = {name: labels.model(result.fit) for name, result in results.items()}
    _, readable, _ = regression_table(
        results, words=regression_words(labels, labels.number), headers=headers
    )
    assert f"Sektor: Kommunledning; Organisationstyp: Kommun; År: {first}" in readable
    assert "Digital mognad (OLS)" in readable and "Utbildning/skola" in readable
    assert "C(" not in readable and "[T." not in readable


def test_demo_sector_and_year_effects_recovered_inside_their_intervals(demo, instrument):
    """The planted effects in the outcome's own units: the same model fitted to each
    organisation-year's planted expected maturity (data/truth/demo/org_latents.csv). The
    intervals estimated from the observed scores must cover them."""
    frame = model_frame("organisation", demo["orgs"], demo["responses"], instrument, Method())
    truth = pd.read_csv(ROOT / CONFIG["synth"]["truth_dir"] / "org_latents.csv")
    frame = frame.merge(truth[["year", "org_id", "expected_maturity"]], on=["year", "org_id"])
    formula = "C(sector) + np.log(employees) + C(year)"
    observed = fit_model("observed", ols(f"maturity ~ {formula}"), frame).coefficients
    planted = fit_model("planted", ols(f"expected_maturity ~ {formula}"), frame).coefficients
    merged = observed.merge(planted[["term", "estimate"]], on="term", suffixes=("", "_planted"))
    effects = merged[merged["term"].str.startswith(("C(sector)", "C(year)"))]
    inside = (effects["ci_low"] <= effects["estimate_planted"]) & (
        effects["estimate_planted"] <= effects["ci_high"]
    )
    print(effects[["term", "estimate", "ci_low", "ci_high", "estimate_planted"]].to_string())
    assert len(effects) >= 8
    assert inside.all(), effects.loc[~inside, "term"].tolist()


def test_a_sample_with_one_organisation_is_reported_not_fitted():
    frame = pd.DataFrame(
        {"org_id": "A", "year": [2021, 2022, 2023], "maturity": [40.0, 45.0, 50.0]}
    )
    result = fit_model("tiny", ols("maturity ~ C(year)"), frame)
    assert result.coefficients.empty
    assert (
        result.fit["converged"] is False
        and "fewer than two organisations" in result.fit["warnings"]
    )


def test_term_support_counts_the_organisations_and_respondents_behind_each_coefficient():
    """Counted by hand on a small frame: a dummy rests on its own group's organisations
    (distinct, over all their years) and their respondents; the intercept on everyone."""
    frame = pd.DataFrame(
        {
            "org_id": ["a", "a", "b", "c", "c", "d"],
            "sector": ["x", "x", "x", "y", "y", "z"],
            "year": [2020, 2021, 2021, 2020, 2021, 2021],
            "n_respondents": [4, 6, 5, 7, 8, 9],
            "maturity": [50.0, 52.0, 48.0, 60.0, 61.0, 40.0],
        }
    )
    support = term_support("maturity ~ C(sector) + C(year)", frame, "organisation")
    counts = support.set_index("term")
    assert counts.loc["Intercept"].tolist() == [4, 39]
    assert counts.loc["C(sector)[T.y]"].tolist() == [1, 15]
    assert counts.loc["C(sector)[T.z]"].tolist() == [1, 9]
    assert counts.loc["C(year)[T.2021]"].tolist() == [4, 28]
    by_respondent = term_support("maturity ~ C(sector)", frame, "respondent")
    assert by_respondent.set_index("term").loc["C(sector)[T.y]", "n_respondents"] == 2


def test_published_model_hides_coefficients_of_small_groups_and_reads_back(
    demo, instrument, tmp_path
):
    """A sector of two organisations: its dummy is their own adjusted result, hidden in
    the published coefficients and the regression table; the rest survives a round trip
    through the model's two files unchanged."""
    orgs = demo["orgs"]
    sizes = orgs.groupby("sector")["org_id"].nunique()
    small = sizes[sizes >= 2].sort_values(kind="stable").index[0]
    keep = orgs[orgs["sector"] == small]["org_id"].drop_duplicates().head(2)
    orgs = orgs[(orgs["sector"] != small) | orgs["org_id"].isin(keep)]
    spec = ols("maturity ~ C(sector) + C(year)")
    result = fit_all({"m": spec}, orgs, demo["responses"], instrument, Method())["m"]
    for name, table in model_outputs(result).items():
        write_csv(table, tmp_path / f"{name}.csv")
    back = read_model("m", pd.read_csv(tmp_path / "m.csv"), pd.read_csv(tmp_path / "m_fit.csv"))
    assert back.fit["n"] == result.fit["n"] and back.fit["converged"] is True
    published = publish_model(back, Thresholds(min_orgs=3, min_respondents=5))
    table = published.coefficients.set_index("term")
    term = f"C(sector)[T.{small}]"
    assert table.loc[term, "n_orgs"] == 2 and table.loc[term, "suppressed"]
    assert table.loc[term, ["estimate", "std_error", "ci_low", "ci_high", "p_value"]].isna().all()
    others = table.drop(index=term)
    assert not others["suppressed"].any()
    full = result.coefficients.set_index("term").drop(index=term)
    assert np.allclose(others["estimate"], full["estimate"], rtol=1e-5)
    side_by_side = regression_table({"m": published})[0].set_index("term")
    assert side_by_side.loc[term, "m"] == "–"
