"""Calibration weights (mognad.population.raking), each checked against something computed
independently: post-stratification and product-form closed forms, the frame's own counts
(pandas), R's survey package on its example data (tests/data/raking_api_*.csv, made by
tools/raking_reference.R) and Kish's 1 + CV² by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from mognad.population.raking import (
    CalibrationProblem,
    Margin,
    calibrate,
    diagnostics,
    margins_from_frame,
)

DATA = ROOT / "tests" / "data"
# The bounds tools/raking_reference.R passes to calibrate(calfun = "logit").
BOUNDS_API1 = (0.5, 1.6)
BOUNDS_API2 = (0.55, 3.3)


def relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b))))


def one_margin(codes: np.ndarray, totals: np.ndarray, name: str = "group") -> CalibrationProblem:
    return CalibrationProblem((Margin(name, codes, totals),))


def weighted_counts(sample: pd.DataFrame, weights: np.ndarray, columns: list[str]) -> pd.Series:
    return pd.Series(weights, index=sample.index).groupby([sample[c] for c in columns]).sum()


def frame_counts(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    return frame.groupby(columns).size().astype(float)


# --- closed forms ---------------------------------------------------------------------------


def poststratified(d: np.ndarray, codes: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """w_i = d_i N_g / sum_{j in g} d_j, one row at a time."""
    sums = np.bincount(codes, weights=d, minlength=totals.size)
    return d * totals[codes] / sums[codes]


@pytest.mark.parametrize("bounds", [None, (0.2, 5.0)])
def test_one_margin_is_post_stratification(bounds):
    """With one margin g is constant within a category, so both distances give
    post-stratification (the logit one as long as every N_g / D_g is inside the bounds)."""
    rng = np.random.default_rng(3)
    codes = rng.permutation(np.arange(60) % 5)
    d = rng.uniform(0.5, 2.0, 60)
    totals = np.array([30.0, 12.0, 18.0, 25.0, 15.0])
    result = calibrate(d, one_margin(codes, totals), bounds=bounds, tol=1e-13)
    assert result.converged and result.weights.shape == (60,)
    assert relative(result.weights, poststratified(d, codes, totals)) < 1e-12


def test_one_margin_replicates_match_row_by_row_post_stratification():
    rng = np.random.default_rng(4)
    n, replicates = 120, 300
    codes = rng.permutation(np.arange(n) % 4)
    design_weight = rng.uniform(1.0, 3.0, n)
    multiplicity = rng.multinomial(n, np.full(n, 1 / n), size=replicates)
    base = design_weight * multiplicity
    totals = np.array([90.0, 60.0, 75.0, 55.0])
    result = calibrate(base, one_margin(codes, totals), tol=1e-13)
    assert result.weights.shape == (replicates, n) and result.converged.all()
    for r in range(replicates):
        expected = poststratified(base[r], codes, totals)
        drawn = base[r] > 0
        assert relative(result.weights[r, drawn], expected[drawn]) < 1e-12
        assert np.all(result.weights[r, ~drawn] == 0)


def test_two_proportional_margins_give_a_product_of_row_and_column_factors():
    """Sample counts 2, 4, 8 / 3, 6, 12 and base weights a_row * b_col make the weighted table
    D_rc = D_r. D_.c / D.. (independent), so the raked weights are d * (T_r / D_r.) *
    (T_c / D_.c) * D.. / N."""
    counts = np.array([[2, 4, 8], [3, 6, 12]])
    row_weight, col_weight = np.array([1.5, 2.0]), np.array([1.0, 3.0, 0.5])
    rows = np.repeat([0, 0, 0, 1, 1, 1], counts.ravel())
    cols = np.repeat([0, 1, 2, 0, 1, 2], counts.ravel())
    d = row_weight[rows] * col_weight[cols]
    row_totals, col_totals = np.array([70.0, 50.0]), np.array([30.0, 40.0, 50.0])
    table = counts * np.outer(row_weight, col_weight)  # D_rc by hand
    d_rows, d_cols, d_all = table.sum(axis=1), table.sum(axis=0), table.sum()
    factor = np.outer(row_totals / d_rows, col_totals / d_cols) * d_all / 120.0
    problem = CalibrationProblem((Margin("row", rows, row_totals), Margin("col", cols, col_totals)))
    result = calibrate(d, problem, tol=1e-13)
    assert result.converged
    assert relative(result.weights, d * factor[rows, cols]) < 1e-12


def test_nested_margins_are_post_stratification_on_the_finer_one():
    """A margin implied by another (sector inside type x sector) makes the indicator columns
    dependent beyond the shared grand total; the answer is post-stratification on the cells."""
    rng = np.random.default_rng(5)
    sample = pd.DataFrame(
        {"type": rng.choice(list("ab"), 80), "sector": rng.choice(list("xyz"), 80)}
    )
    frame = pd.DataFrame(
        {"type": rng.choice(list("ab"), 500), "sector": rng.choice(list("xyz"), 500)}
    )
    problem = margins_from_frame(sample, frame, [["type", "sector"], ["sector"], ["type"]])
    d = rng.uniform(1, 2, 80)
    result = calibrate(d, problem, tol=1e-13)
    cell = pd.MultiIndex.from_frame(sample)
    cell_d = pd.Series(d, index=cell).groupby(level=[0, 1]).transform("sum").to_numpy()
    cell_n = frame_counts(frame, ["type", "sector"]).reindex(cell).to_numpy()
    assert result.converged
    assert relative(result.weights, d * cell_n / cell_d) < 1e-12


# --- random problems: margins reproduced --------------------------------------------------

MARGINS = [["type", "sector"], ["group"], ["area"], ["size"]]


def organisations(rng: np.random.Generator, m: int, tilt: float) -> pd.DataFrame:
    """Organisations with five classifications; ``tilt`` skews the groups, so a sample and a
    frame can differ in composition."""
    groups = np.linspace(1.0, 1.0 + tilt, 8)
    return pd.DataFrame(
        {
            "type": rng.choice(["kommun", "region", "myndighet"], m, p=[0.5, 0.2, 0.3]),
            "sector": rng.choice(["vård", "skola", "övrigt"], m),
            "group": rng.choice([f"g{k}" for k in range(8)], m, p=groups / groups.sum()),
            "area": rng.choice(["norr", "mitt", "syd", "väst", "öst"], m),
            "size": rng.choice(["S", "M", "L", "XL"], m, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )


def check_margins(sample, frame, weights, tolerance):
    for columns in MARGINS:
        ours = weighted_counts(sample, weights, columns)
        truth = frame_counts(frame, columns)
        assert relative(ours.reindex(truth.index), truth) < tolerance, columns


@pytest.mark.parametrize("seed", [11, 12, 13])
@pytest.mark.parametrize("bounds", [None, (0.25, 6.0)])
def test_margins_reproduced_on_random_problems(seed, bounds):
    rng = np.random.default_rng(seed)
    frame = organisations(rng, 1500, tilt=0.0)
    sample = organisations(rng, 300, tilt=1.0)
    problem = margins_from_frame(sample, frame, MARGINS)
    assert [m.name for m in problem.margins] == ["type:sector", "group", "area", "size"]
    d = 1500 / 300 * rng.uniform(0.8, 1.25, 300)
    result = calibrate(d, problem, bounds=bounds)
    assert result.converged and result.max_error <= 1e-10
    check_margins(sample, frame, result.weights, 1e-8)
    if bounds is not None:
        g = result.weights / d
        assert bounds[0] <= g.min() and g.max() <= bounds[1]

    # Bootstrap replicates: design weight times multiplicity, zero for units not drawn.
    multiplicity = rng.multinomial(300, np.full(300, 1 / 300), size=40)
    base = d * multiplicity
    replicates = calibrate(base, problem, bounds=bounds)
    assert replicates.converged.shape == (40,) and replicates.converged.mean() > 0.9
    for r in np.flatnonzero(replicates.converged):
        check_margins(sample, frame, replicates.weights[r], 1e-8)
        assert np.all(replicates.weights[r][multiplicity[r] == 0] == 0)
        if bounds is not None:
            drawn = base[r] > 0
            g = replicates.weights[r][drawn] / base[r][drawn]
            assert bounds[0] <= g.min() and g.max() <= bounds[1]


def test_many_replicates_at_once():
    """The size the bootstrap needs (R = 2000, n = 200, four margins, 28 categories): every
    replicate that can be calibrated converges, and equals the same replicate solved alone."""
    rng = np.random.default_rng(21)
    frame = organisations(rng, 1200, tilt=0.0)
    sample = organisations(rng, 200, tilt=0.5)
    problem = margins_from_frame(sample, frame, MARGINS)
    base = 6.0 * rng.multinomial(200, np.full(200, 1 / 200), size=2000)
    result = calibrate(base, problem)
    fillable = np.ones(2000, dtype=bool)
    for columns in MARGINS:
        cells = sample.groupby(columns).ngroup().to_numpy()
        sums = np.stack([np.bincount(cells, weights=row) for row in base])
        fillable &= (sums > 0).all(axis=1)
    assert np.array_equal(result.converged, fillable) and fillable.mean() > 0.95
    assert result.max_error[fillable].max() <= 1e-10
    for r in rng.choice(np.flatnonzero(fillable), 5, replace=False):
        alone = calibrate(base[r], problem)
        assert relative(result.weights[r][base[r] > 0], alone.weights[base[r] > 0]) < 1e-8


# --- R's survey package ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def api():
    """apiclus1 with R's weights, and calibration problems built from R's totals through
    margins_from_frame (a frame with the right counts on every margin)."""
    units = pd.read_csv(DATA / "raking_api_survey.csv", comment="#")
    totals = pd.read_csv(DATA / "raking_api_totals.csv", comment="#")
    means = pd.read_csv(DATA / "raking_api_means.csv", comment="#").set_index("weights")
    header = (DATA / "raking_api_survey.csv").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("# R version") and "survey" in line for line in header)

    def frame_for(problem: int) -> tuple[pd.DataFrame, list[list[str]]]:
        columns: dict[str, np.ndarray] = {}
        margins = []
        for margin, rows in totals[totals.problem == problem].groupby("margin", sort=False):
            names = str(margin).split(":")
            values = rows.category.str.split(":", expand=True).to_numpy()
            for j, name in enumerate(names):
                columns[name] = np.repeat(values[:, j], rows.total.to_numpy())
            margins.append(names)
        return pd.DataFrame(columns), margins

    problems = {}
    for number in (1, 2):
        frame, margins = frame_for(number)
        problems[number] = margins_from_frame(units, frame, margins)
    return units, problems, means


@pytest.mark.parametrize(
    ("problem", "bounds", "column"),
    [
        (1, None, "w_rake1"),
        (1, None, "w_raking1"),
        (1, BOUNDS_API1, "w_logit1"),
        (2, None, "w_rake2"),
        (2, BOUNDS_API2, "w_logit2"),
    ],
)
def test_weights_match_r_survey(api, problem, bounds, column):
    units, problems, means = api
    pw = units.pw.to_numpy()
    result = calibrate(pw, problems[problem], bounds=bounds)
    assert result.converged
    reference = units[column].to_numpy()
    assert relative(result.weights, reference) < 1e-8
    mean = np.sum(result.weights * units.api00) / np.sum(result.weights)
    assert mean == pytest.approx(means.loc[column, "api00"], rel=1e-10)
    if bounds is not None:
        g = result.weights / pw
        assert bounds[0] < g.min() and g.max() < bounds[1]


def test_r_bounds_bind(api):
    """The reference is only a test of the bounded distance if the bounds change the
    weights: the unbounded g-weights leave the bounds, the bounded ones come near."""
    units, _, _ = api
    pw = units.pw.to_numpy()
    for raked, logit, (_, upper) in (
        ("w_rake1", "w_logit1", BOUNDS_API1),
        ("w_rake2", "w_logit2", BOUNDS_API2),
    ):
        assert (units[raked] / pw).max() > upper
        assert (units[logit] / pw).max() > upper - 0.02


def test_bounded_solution_where_undamped_newton_fails(api):
    """With bounds (0.6, 3.4) R's calibrate() stops with "Calibration failed" (its Newton
    steps are not damped), yet weights within the bounds exist: the damped solver finds
    them, reproducing every margin."""
    units, problems, _ = api
    pw = units.pw.to_numpy()
    result = calibrate(pw, problems[2], bounds=(0.6, 3.4))
    assert result.converged
    g = result.weights / pw
    assert g.min() > 0.6 and g.max() < 3.4
    for margin in problems[2].margins:
        sums = np.bincount(margin.codes, weights=result.weights)
        assert relative(sums, margin.totals) < 1e-10


# --- what cannot be calibrated --------------------------------------------------------------


def test_replicate_with_an_empty_category_is_not_converged():
    codes_a = np.array([0, 0, 1, 1, 2, 2, 2, 0])
    codes_b = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    problem = CalibrationProblem(
        (
            Margin("area", codes_a, np.array([10.0, 8.0, 12.0]), ("norr", "mitt", "syd")),
            Margin("size", codes_b, np.array([16.0, 14.0]), ("S", "L")),
        )
    )
    base = np.ones((3, 8))
    base[1, codes_a == 1] = 0.0  # no unit of area "mitt" drawn in replicate 1
    result = calibrate(base, problem)
    assert result.converged.tolist() == [True, False, True]
    assert result.max_error[1] >= 1.0 and np.array_equal(result.weights[1], base[1])
    with pytest.raises(ValueError, match=r"margin area: category mitt"):
        calibrate(base[1], problem)


def test_infeasible_bounds_are_reported_not_raised():
    """A category whose total needs g = 4 for its only unit cannot be met with U = 3."""
    codes_a = np.array([0, 1, 1, 1, 1])
    codes_b = np.array([0, 0, 1, 1, 1])
    problem = CalibrationProblem(
        (Margin("a", codes_a, np.array([4.0, 4.0])), Margin("b", codes_b, np.array([5.0, 3.0])))
    )
    result = calibrate(np.ones(5), problem, bounds=(0.5, 3.0))
    assert not result.converged and result.max_error > 0.01
    assert np.all((result.weights >= 0.5) & (result.weights <= 3.0))
    assert calibrate(np.ones(5), problem).converged  # raking has no bounds to hit


def test_already_calibrated_base_weights_are_kept():
    codes = np.array([0, 1, 1, 0])
    result = calibrate(np.array([1.0, 2.0, 2.0, 1.0]), one_margin(codes, np.array([2.0, 4.0])))
    assert result.converged and result.iterations == 0
    assert result.weights.tolist() == [1.0, 2.0, 2.0, 1.0]


def test_problem_rejects_inconsistent_input():
    codes = np.array([0, 1, 1])
    with pytest.raises(ValueError, match="different grand totals"):
        CalibrationProblem(
            (Margin("a", codes, np.array([1.0, 2.0])), Margin("b", codes, np.array([1.0, 3.0])))
        )
    with pytest.raises(ValueError, match=r"category 2 .*no unit"):
        one_margin(codes, np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="bounds"):
        calibrate(np.ones(3), one_margin(codes, np.array([1.0, 2.0])), bounds=(1.2, 2.0))


def test_margins_from_frame_errors_name_margin_and_combination():
    frame = pd.DataFrame({"type": ["k", "k", "r", "r", "m"], "sector": ["x", "y", "x", "x", "y"]})
    sample = pd.DataFrame({"type": ["k", "r", "m", "m", "k"], "sector": ["x", "x", "x", "x", "y"]})
    with pytest.raises(ValueError, match=r"margin type:sector: .*type=m, sector=x \(2 units\)"):
        margins_from_frame(sample, frame, [["type", "sector"]])
    sample_without_y = pd.DataFrame({"type": ["k", "r", "m"], "sector": ["x", "x", "x"]})
    with pytest.raises(ValueError, match=r"margin sector: .*sector=y \(frame count 2\)"):
        margins_from_frame(sample_without_y, frame, [["type"], ["sector"]])
    blank = frame.assign(sector=frame.sector.where(frame.type != "m"))
    with pytest.raises(ValueError, match=r"margin sector: 1 frame organisations lack a value"):
        margins_from_frame(sample, blank, [["sector"]])
    problem = margins_from_frame(sample.iloc[[0, 1, 4]], frame.iloc[:4], [["type", "sector"]])
    (margin,) = problem.margins
    assert margin.labels == ("type=k, sector=x", "type=k, sector=y", "type=r, sector=x")
    assert margin.totals.tolist() == [1.0, 1.0, 2.0] and margin.codes.tolist() == [0, 2, 1]


# --- diagnostics ----------------------------------------------------------------------------


def test_diagnostics_by_hand():
    weights = np.array([1.0, 2.0, 3.0, 6.0])
    base = np.array([1.0, 1.0, 1.0, 2.0])
    problem = one_margin(np.array([0, 0, 1, 1]), np.array([3.0, 10.0]))
    stats = diagnostics(weights, base, problem)
    cv2 = weights.var() / weights.mean() ** 2  # population variance: 3.5 / 9
    assert stats["deff_kish"] == pytest.approx(1 + cv2, rel=1e-14)
    assert stats["deff_kish"] == pytest.approx(4 * 50 / 12**2, rel=1e-14)
    assert stats["n_effective"] == pytest.approx(12**2 / 50, rel=1e-14)
    assert stats["n"] == 4 and stats["sum_weights"] == 12.0
    assert (stats["min_weight"], stats["max_weight"], stats["weight_ratio"]) == (1.0, 6.0, 6.0)
    assert (stats["min_g"], stats["max_g"]) == (1.0, 3.0)
    assert stats["max_margin_error"] == pytest.approx(0.1)  # 9 against a total of 10


def test_diagnostics_equal_weights_and_undrawn_units():
    problem = one_margin(np.array([0, 1, 0, 1, 0]), np.array([6.0, 4.0]))
    stats = diagnostics(np.full(5, 2.0), np.ones(5), problem)
    assert stats["deff_kish"] == pytest.approx(1.0) and stats["n_effective"] == pytest.approx(5)
    # A unit with base weight 0 is not part of the weighted sample.
    stats = diagnostics(np.array([3.0, 2.0, 3.0, 2.0, 0.0]), np.array([1, 1, 1, 1, 0.0]), problem)
    assert stats["n"] == 4 and stats["deff_kish"] == pytest.approx(4 * 26 / 100)
