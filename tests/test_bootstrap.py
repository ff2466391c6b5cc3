"""The two-stage cluster bootstrap: reproducible draws, point estimates equal to plain
means, stage-2 draws uniform within each organisation, every stage-1 copy of an
organisation with its own stage-2 sample, standard errors and interval widths as the
variance components predict, and 95 % coverage of a planted national mean."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mognad.indices import bootstrap as bs
from mognad.indices.bootstrap import (
    BootstrapSpec,
    bootstrap_year,
    group_intervals,
    org_intervals,
    org_replicates,
)

COLUMNS = ["a", "b", "c"]
GROUPINGS = {"national": [], "sector": ["sector"], "org_type": ["org_type"]}
Z95 = 1.959963984540054


def survey(
    seed: int = 1,
    n_orgs: int = 30,
    sizes: tuple[int, int] = (1, 25),
    nan_share: float = 0.1,
    year: int = 2022,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small year of respondent scores (%) with NaN, and the organisations' groups."""
    rng = np.random.default_rng(seed)
    size = rng.integers(sizes[0], sizes[1] + 1, n_orgs)
    ids = np.array([f"O{i:03d}" for i in range(n_orgs)])
    org_of_row = np.repeat(np.arange(n_orgs), size)
    values = rng.normal(50 + rng.normal(0, 10, n_orgs)[org_of_row, None], 12, (len(org_of_row), 3))
    values[rng.random(values.shape) < nan_share] = np.nan
    values[org_of_row == 0, 2] = np.nan  # an organisation with no score at all in "c"
    scores = pd.DataFrame(values, columns=COLUMNS)
    scores.insert(0, "org_id", ids[org_of_row])
    scores.insert(0, "year", year)
    scores = scores.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    sector = np.array(["health", "school", "social", "state"])[np.arange(n_orgs) % 4]
    attributes = pd.DataFrame(
        {
            "org_id": ids,
            "sector": sector,
            "org_type": np.where(sector == "state", "state_agency", "municipal"),
        }
    )
    return scores, attributes


def spec(**changes) -> BootstrapSpec:
    return BootstrapSpec(**({"replicates": 200, "seed": 7} | changes))


# --- the specification --------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"level": 1.0}, ValueError),
        ({"level": 0.0}, ValueError),
        ({"replicates": 1}, ValueError),
        ({"replicates": 10.0}, TypeError),
        ({"seed": -1}, ValueError),
        ({"seed": "7"}, TypeError),
        ({"weighting": "equal"}, ValueError),
    ],
)
def test_spec_rejects_nonsense(changes, error):
    with pytest.raises(error):
        spec(**changes)


def test_spec_needs_a_seed():
    with pytest.raises(TypeError):
        BootstrapSpec()  # type: ignore[call-arg]


# --- reproducibility ----------------------------------------------------------------------


def test_same_seed_same_numbers_other_seed_other_numbers():
    scores, attributes = survey()
    first = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(2022,))
    again = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(2022,))
    other = org_replicates(scores, COLUMNS, spec=spec(seed=8), seed_key=(2022,))
    np.testing.assert_array_equal(first.org_totals, again.org_totals)
    np.testing.assert_array_equal(first.org_means, again.org_means)
    assert not np.array_equal(first.org_totals, other.org_totals)
    for by in GROUPINGS.values():
        a = group_intervals(first, attributes, by, spec(), (2022, "x"))
        b = group_intervals(again, attributes, by, spec(), (2022, "x"))
        pd.testing.assert_frame_equal(a, b)


def test_years_are_independent_of_job_order():
    data = {year: survey(seed=year, year=year) for year in (2021, 2022, 2023)}

    def run(order):
        out = {}
        for year in order:
            scores, attributes = data[year]
            out[year] = bootstrap_year(scores, COLUMNS, attributes, GROUPINGS, spec(), year)
        return out

    forward, backward = run([2021, 2022, 2023]), run([2023, 2021, 2022])
    alone = run([2022])
    for year in data:
        for name in ("org", *GROUPINGS):
            pd.testing.assert_frame_equal(forward[year][name], backward[year][name])
    for name in ("org", *GROUPINGS):
        pd.testing.assert_frame_equal(alone[2022][name], forward[2022][name])


def test_seed_key_and_grouping_label_select_independent_streams():
    scores, attributes = survey()
    reps = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(2022,))
    other_year = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(2023,))
    assert not np.array_equal(reps.org_totals, other_year.org_totals)
    a = group_intervals(reps, attributes, [], spec(), (2022, "national"))
    b = group_intervals(reps, attributes, [], spec(), (2022, "other"))
    assert not np.allclose(a["a_ci_low"], b["a_ci_low"])


def test_result_ignores_row_order_across_organisations():
    scores, _ = survey()
    reps = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(1,))
    # reorder rows by organisation, keeping each organisation's respondents in order
    codes = pd.factorize(scores["org_id"], sort=True)[0]
    regrouped = scores.iloc[np.argsort(-codes, kind="stable")]
    again = org_replicates(regrouped, COLUMNS, spec=spec(), seed_key=(1,))
    np.testing.assert_array_equal(reps.org_totals, again.org_totals)


def test_product_splitting_does_not_change_numbers(monkeypatch):
    scores, _ = survey()
    reps = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(1,))
    monkeypatch.setattr(bs, "_PRODUCT_SIZE", 1)  # one replicate per matrix product
    again = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(1,))
    np.testing.assert_allclose(reps.org_totals, again.org_totals, rtol=1e-6)


# --- point estimates and bookkeeping ------------------------------------------------------


@pytest.mark.parametrize("weighting", ["organisation", "respondent"])
@pytest.mark.parametrize("by", list(GROUPINGS.values()))
def test_point_estimates_are_plain_pandas_means(weighting, by):
    scores, attributes = survey(seed=3)
    reps = org_replicates(scores, COLUMNS, spec=spec(weighting=weighting), seed_key=(1,))
    result = group_intervals(reps, attributes, by, spec(weighting=weighting), (1, "x"))

    rows = scores.merge(attributes, on="org_id")
    key = by or (lambda _: 0)
    if weighting == "organisation":
        org_means = scores.groupby("org_id")[COLUMNS].mean().reset_index()
        expected = org_means.merge(attributes, on="org_id").groupby(key)[COLUMNS].mean()
    else:
        expected = rows.groupby(key)[COLUMNS].mean()
    n_orgs = rows.groupby(key)["org_id"].nunique()
    n_respondents = rows.groupby(key).size()
    np.testing.assert_allclose(result[COLUMNS].to_numpy(), expected.to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(result["n_orgs"], n_orgs.to_numpy())
    np.testing.assert_array_equal(result["n_respondents"], n_respondents.to_numpy())
    if by:
        pd.testing.assert_frame_equal(
            result[by], expected.index.to_frame(index=False), check_dtype=False
        )


def test_point_sums_and_counts_ignore_nan():
    scores, _ = survey(seed=4)
    reps = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(1,))
    grouped = scores.groupby("org_id")[COLUMNS]
    np.testing.assert_allclose(reps.point_sums, grouped.sum().loc[reps.orgs].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(reps.point_counts, grouped.count().loc[reps.orgs].to_numpy())
    np.testing.assert_array_equal(reps.sizes, grouped.size().loc[reps.orgs].to_numpy())


def test_output_shapes_and_columns():
    scores, attributes = survey(n_orgs=12)
    result = bootstrap_year(scores, COLUMNS, attributes, GROUPINGS, spec(), 2022)
    assert list(result) == ["org", "national", "sector", "org_type"]
    intervals = [f"{c}_ci_{side}" for c in COLUMNS for side in ("low", "high")]
    assert list(result["org"].columns) == ["year", "org_id", *intervals]
    assert result["org"]["org_id"].tolist() == sorted(attributes["org_id"])
    triplets = [x for c in COLUMNS for x in (c, f"{c}_ci_low", f"{c}_ci_high")]
    counts = ["n_orgs", "n_respondents"]
    assert list(result["national"].columns) == ["year", *triplets, *counts]
    assert list(result["sector"].columns) == ["year", "sector", *triplets, *counts]
    assert result["sector"]["sector"].tolist() == ["health", "school", "social", "state"]
    assert result["org_type"]["org_type"].tolist() == ["municipal", "state_agency"]
    assert (result["national"]["year"] == 2022).all() and len(result["national"]) == 1

    reps = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(2022,))
    for array in (reps.sums, reps.counts, reps.means):
        assert array.shape == (200, 12, 3)
    assert reps.org_totals.shape == (12, 200, 6)


def test_intervals_bracket_the_point_estimate():
    scores, attributes = survey(seed=5, n_orgs=40, sizes=(5, 30), nan_share=0.05)
    result = bootstrap_year(scores, COLUMNS, attributes, GROUPINGS, spec(), 2022)
    for name in GROUPINGS:
        frame = result[name]
        for column in COLUMNS:
            assert (frame[f"{column}_ci_low"] < frame[column]).all()
            assert (frame[column] < frame[f"{column}_ci_high"]).all()


def test_degenerate_organisations():
    """One respondent: a zero-width interval at its score; no score at all: NaN."""
    scores = pd.DataFrame(
        {"org_id": ["A", "B", "B", "B"], "a": [40.0, 10.0, 20.0, 30.0], "b": np.nan}
    )
    reps = org_replicates(scores, ["a", "b"], spec=spec(), seed_key=(1,))
    result = org_intervals(reps, 0.95).set_index("org_id")
    assert result.loc["A", "a_ci_low"] == result.loc["A", "a_ci_high"] == 40.0
    assert 10.0 <= result.loc["B", "a_ci_low"] < result.loc["B", "a_ci_high"] <= 30.0
    assert result[["b_ci_low", "b_ci_high"]].isna().all().all()


def test_percentiles_equal_nanquantile():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(101, 7, 3)).astype(np.float32)
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 0, 0] = np.nan
    low, high = bs._percentiles(values, 0.9, axis=0)
    with pytest.warns(RuntimeWarning):
        expected = np.nanquantile(values.astype(np.float64), [0.05, 0.95], axis=0)
    np.testing.assert_allclose(low, expected[0], rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(high, expected[1], rtol=1e-6, equal_nan=True)


def test_bad_groupings_are_refused():
    scores, attributes = survey(n_orgs=8)
    reps = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(1,))
    with pytest.raises(ValueError, match="lacks 1 organisation"):
        group_intervals(reps, attributes.iloc[1:], ["sector"], spec(), (1,))
    unassigned = attributes.assign(sector=attributes["sector"].where(attributes.index != 2))
    with pytest.raises(ValueError, match="no value for"):
        group_intervals(reps, unassigned, ["sector"], spec(), (1,))
    with pytest.raises(ValueError, match="more than once"):
        group_intervals(reps, pd.concat([attributes, attributes]), ["sector"], spec(), (1,))
    with pytest.raises(ValueError, match="replicates"):
        group_intervals(reps, attributes, [], spec(replicates=100), (1,))
    with pytest.raises(ValueError, match="other years"):
        bootstrap_year(scores, COLUMNS, attributes, GROUPINGS, spec(), 2021)


# --- stage 2 draws ------------------------------------------------------------------------


@pytest.mark.parametrize("draws_per_block", [1 << 19, 64])
def test_stage2_draws_each_respondent_of_its_own_organisation_uniformly(
    monkeypatch, draws_per_block
):
    """Scores 10**j for respondent j make each replicate sum spell out how often every
    respondent was drawn: always m draws in all, only of the organisation's own
    respondents, each 1 time on average. A tiny draw budget forces replicate chunks."""
    monkeypatch.setattr(bs, "_DRAWS_PER_BLOCK", draws_per_block)
    sizes = [1, 2, 3, 3, 5, 6]
    org = np.repeat([f"O{i}" for i in range(len(sizes))], sizes)
    digit = np.concatenate([np.arange(m) for m in sizes])
    scores = pd.DataFrame({"org_id": org, "x": 10.0**digit})
    n_rep = 3000
    reps = org_replicates(scores, ["x"], spec=spec(replicates=n_rep), seed_key=(1,))
    assert reps.orgs.tolist() == [f"O{i}" for i in range(len(sizes))]  # sorted by size
    sums = reps.org_totals[..., 0].astype(np.int64)  # (orgs, R), exact below 2**24
    for i, m in enumerate(sizes):
        taken = (sums[i][:, None] // 10 ** np.arange(7)) % 10  # (R, digits)
        assert (taken[:, m:] == 0).all()  # nobody outside the organisation
        assert (taken.sum(axis=1) == m).all()  # m draws per replicate
        assert (reps.org_totals[i, :, 1] == m).all()  # counts: no NaN here
        # each respondent drawn once on average: Binomial(m, 1/m) per replicate
        se = np.sqrt((1 - 1 / m) / n_rep)
        np.testing.assert_array_less(np.abs(taken[:, :m].mean(axis=0) - 1), 4.5 * se + 1e-12)


def test_replicate_means_stay_within_the_organisation_and_count_only_scores():
    scores, _ = survey(seed=6, nan_share=0.3)
    reps = org_replicates(scores, COLUMNS, spec=spec(), seed_key=(1,))
    grouped = scores.groupby("org_id")[COLUMNS]
    low = grouped.min().loc[reps.orgs].to_numpy()[:, None, :]
    high = grouped.max().loc[reps.orgs].to_numpy()[:, None, :]
    means = reps.org_means
    defined = ~np.isnan(means)
    assert ((means >= low - 1e-3) | ~defined).all() and ((means <= high + 1e-3) | ~defined).all()
    counts = reps.org_totals[..., len(COLUMNS) :]
    assert (counts <= reps.sizes[:, None, None]).all()
    assert np.array_equal(counts == 0, ~defined)
    # on average a replicate draws as many scores as the organisation has: Binomial(m, p)
    share = reps.point_counts / reps.sizes[:, None]
    se = np.sqrt(reps.sizes[:, None] * share * (1 - share) / reps.n_replicates)
    assert (np.abs(counts.mean(axis=1) - reps.point_counts) <= 4.5 * se + 1e-9).all()


# --- stage 1 draws ------------------------------------------------------------------------


def test_stage1_draws_organisations_of_the_cell_uniformly():
    """One respondent per organisation scoring 10**i: G times a replicate's mean spells
    out how often each of the cell's G organisations was drawn."""
    n_orgs, n_rep = 6, 4000
    scores = pd.DataFrame({"org_id": np.arange(n_orgs), "x": 10.0 ** np.arange(n_orgs)})
    reps = org_replicates(scores, ["x"], spec=spec(replicates=n_rep), seed_key=(1,))
    order = np.argsort(reps.orgs.to_numpy())  # array position of organisation i
    stat = bs._stage1_cell(bs._generator(1, 9, []), reps.terms("organisation"), order)
    taken = (np.rint(stat[:, 0] * n_orgs).astype(np.int64)[:, None] // 10 ** np.arange(7)) % 10
    assert (taken.sum(axis=1) == n_orgs).all() and (taken[:, n_orgs:] == 0).all()
    se = np.sqrt((1 - 1 / n_orgs) / n_rep)
    np.testing.assert_array_less(np.abs(taken[:, :n_orgs].mean(axis=0) - 1), 4.5 * se)


@pytest.mark.parametrize("weighting", ["organisation", "respondent"])
def test_stage1_resamples_within_cells(weighting):
    """Sectors whose every score is the same keep that score in every replicate; the
    national figure mixes them and varies."""
    rng = np.random.default_rng(2)
    sizes = rng.integers(1, 8, 20)
    org = np.repeat(np.arange(20), sizes)
    sector = np.where(np.arange(20) < 8, "low", "high")
    scores = pd.DataFrame({"org_id": org, "x": np.where(org < 8, 10.0, 90.0)})
    attributes = pd.DataFrame({"org_id": np.arange(20), "sector": sector})
    settings = spec(weighting=weighting)
    reps = org_replicates(scores, ["x"], spec=settings, seed_key=(1,))
    cells = group_intervals(reps, attributes, ["sector"], settings, (1,)).set_index("sector")
    assert cells.loc["low", ["x", "x_ci_low", "x_ci_high"]].tolist() == [10.0] * 3
    assert cells.loc["high", ["x", "x_ci_low", "x_ci_high"]].tolist() == [90.0] * 3
    national = group_intervals(reps, attributes, [], settings, (1,)).iloc[0]
    assert 10.0 < national["x_ci_low"] < national["x"] < national["x_ci_high"] < 90.0


def reference_stage1_cell(rng, terms, members):
    """``_stage1_cell`` written out draw by draw: the j-th copy of an organisation in
    replicate r adds its stage-2 replicate (r + j) mod R."""
    size, n_rep = len(members), terms.shape[1]
    draws = (rng.random((n_rep, size)) * size).astype(np.intp)
    totals = np.zeros((n_rep, terms.shape[2]))
    for r in range(n_rep):
        copies = dict.fromkeys(members, 0)
        for d in draws[r]:
            org = members[d]
            totals[r] += terms[org, (r + copies[org]) % n_rep]
            copies[org] += 1
    k = terms.shape[2] // 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals[:, :k] / totals[:, k:]


@pytest.mark.parametrize("chunk", [1 << 16, 50])
@pytest.mark.parametrize("weighting", ["organisation", "respondent"])
def test_stage1_equals_the_draw_by_draw_definition(monkeypatch, weighting, chunk):
    """Same draws, same copies, same stage-2 replicates as a plain loop; a small chunk
    (a few replicates at a time) changes no number."""
    monkeypatch.setattr(bs, "_STAGE1_CHUNK", chunk)
    scores, _ = survey(seed=8, n_orgs=25, sizes=(1, 12), nan_share=0.3)
    reps = org_replicates(scores, COLUMNS, spec=spec(replicates=60), seed_key=(1,))
    terms = reps.terms(weighting)
    for members in (np.arange(25), np.array([3, 17, 4, 22, 9, 0, 11])):
        got = bs._stage1_cell(bs._generator(5, 9, []), terms, members)
        expected = reference_stage1_cell(bs._generator(5, 9, []), terms, members)
        np.testing.assert_allclose(got, expected, rtol=1e-5, equal_nan=True)


def test_copies_of_an_organisation_use_distinct_stage2_replicates():
    """One-hot terms: numerator column i * R + q is 1 in organisation i's stage-2
    replicate q only (denominators 1), so G times a replicate's statistic counts how often
    it used each (organisation, stage-2 replicate). An organisation drawn c times in
    replicate r uses stage-2 replicates r, r + 1, ..., r + c - 1 (mod R), each once."""
    n_orgs, n_rep = 5, 300
    k = n_orgs * n_rep
    terms = np.zeros((n_orgs, n_rep, 2 * k), dtype=np.float32)
    org, rep = np.meshgrid(np.arange(n_orgs), np.arange(n_rep), indexing="ij")
    terms[org, rep, org * n_rep + rep] = 1.0
    terms[..., k:] = 1.0
    stat = bs._stage1_cell(bs._generator(2, 9, []), terms, np.arange(n_orgs))
    used = np.rint(stat * n_orgs).astype(np.int64).reshape(n_rep, n_orgs, n_rep)
    assert set(np.unique(used)) == {0, 1}  # no stage-2 replicate used twice
    taken = used.sum(axis=2)  # (R, G) copies of each organisation
    assert (taken.sum(axis=1) == n_orgs).all()
    assert (taken >= 3).sum() > 50  # plenty of replicates with several copies
    lag = (np.arange(n_rep)[None, :] - np.arange(n_rep)[:, None]) % n_rep  # (r, q): q - r
    expected = lag[:, None, :] < taken[:, :, None]
    np.testing.assert_array_equal(used == 1, expected)


# --- statistical behaviour ----------------------------------------------------------------


def variance_components(seed, n_orgs, m, mean, sd_between, sd_within) -> pd.DataFrame:
    """Equal-size organisations: score = mean + organisation effect + respondent noise."""
    rng = np.random.default_rng(seed)
    org = np.repeat(np.arange(n_orgs), m)
    value = mean + rng.normal(0, sd_between, n_orgs)[org] + rng.normal(0, sd_within, len(org))
    return pd.DataFrame({"org_id": org, "score": value})


def test_standard_errors_and_widths_match_the_variance_components():
    """The national mean of organisation means has SE sqrt(sb²/G + sw²/(G m)). The
    two-stage bootstrap adds sw²/(G m) once more (respondents are resampled within
    organisations whose means already vary by sw²/m), 1.5 % of the SE here. An
    organisation's interval is about 2 * 1.96 * sw / sqrt(m) wide."""
    n_orgs, m, sd_between, sd_within = 1000, 20, 10.0, 8.0
    scores = variance_components(11, n_orgs, m, 50.0, sd_between, sd_within)
    settings = spec(replicates=1000)
    reps = org_replicates(scores, ["score"], spec=settings, seed_key=(1,))
    taken = bs._stage1_cell(bs._generator(1, 9, []), reps.terms("organisation"), np.arange(n_orgs))
    analytic = np.sqrt(sd_between**2 / n_orgs + sd_within**2 / (n_orgs * m))
    assert taken.std(ddof=1) == pytest.approx(analytic, rel=0.10)
    national = group_intervals(reps, scores[["org_id"]].drop_duplicates(), [], settings, (1,))
    width = national["score_ci_high"].iloc[0] - national["score_ci_low"].iloc[0]
    assert width == pytest.approx(2 * Z95 * analytic, rel=0.10)

    orgs = org_intervals(reps, 0.95)
    widths = (orgs["score_ci_high"] - orgs["score_ci_low"]).mean()
    assert widths == pytest.approx(2 * Z95 * sd_within / np.sqrt(m), rel=0.10)


def test_within_organisation_variance_counts_twice_not_three_times():
    """Where within-organisation noise dominates (sb = 4, sw = 20, m = 10), every copy of
    an organisation needs its own stage-2 sample: the replicate variance of a cell's mean
    is then about (sb² + 2 sw²/m) / G = 96 / G, against (sb² + 3 sw²/m) / G = 136 / G if
    copies shared one. Ten surveys of G = 800 organisations are the cells of one grouping
    (stage 1 resamples each alone), which pools their replicate variances. Expected value
    from the data: (plug-in variance of organisation means + mean plug-in within variance
    / m) / G, which the plug-in (m - 1) / m puts 4 % below the formula."""
    n_surveys, n_orgs, m, sd_between, sd_within = 10, 800, 10, 4.0, 20.0
    scores = variance_components(12, n_surveys * n_orgs, m, 50.0, sd_between, sd_within)
    reps = org_replicates(scores, ["score"], spec=spec(replicates=800), seed_key=(1,))
    terms = reps.terms("organisation")
    position = np.argsort(reps.orgs.to_numpy())  # array position of organisation i
    values = scores["score"].to_numpy().reshape(n_surveys, n_orgs, m)
    rng = bs._generator(1, 9, [])
    variances, exact = [], []
    for cell in range(n_surveys):
        members = position[cell * n_orgs : (cell + 1) * n_orgs]
        variances.append(bs._stage1_cell(rng, terms, members)[:, 0].var(ddof=1))
        means, within = values[cell].mean(axis=1), values[cell].var(axis=1) / m
        exact.append((means.var() + within.mean()) / n_orgs)
    variance = np.mean(variances)
    proper = (sd_between**2 + 2 * sd_within**2 / m) / n_orgs
    shared = (sd_between**2 + 3 * sd_within**2 / m) / n_orgs
    assert variance == pytest.approx(proper, rel=0.10)
    assert variance < 0.8 * shared
    assert np.mean(np.array(variances) / exact) == pytest.approx(1.0, abs=0.05)


@pytest.mark.slow
def test_national_interval_covers_a_planted_mean_95_percent_of_the_time():
    """600 simulated surveys of 40 organisations (10-30 respondents, 5 % missing scores)
    around a planted mean of 50; 500 replicates each. Each survey is one cell of a
    grouping, and stage 1 resamples within cells, so each cell is exactly a survey
    bootstrapped on its own; 100 surveys share one stage-2 call to bound memory."""
    truth, n_surveys, per_call, n_orgs = 50.0, 600, 100, 40
    rng = np.random.default_rng(20260101)
    settings = {
        w: spec(replicates=500, seed=3, weighting=w) for w in ("organisation", "respondent")
    }
    covered = {w: 0 for w in settings}
    for call in range(n_surveys // per_call):
        sizes = rng.integers(10, 31, per_call * n_orgs)
        org = np.repeat(np.arange(len(sizes)), sizes)
        effect = rng.normal(0.0, 8.0, len(sizes))[org]
        value = truth + effect + rng.normal(0.0, 10.0, len(org))
        value[rng.random(len(org)) < 0.05] = np.nan
        scores = pd.DataFrame({"org_id": org, "score": value})
        groups = pd.DataFrame(
            {"org_id": np.arange(len(sizes)), "survey": np.arange(len(sizes)) // n_orgs}
        )
        reps = org_replicates(scores, ["score"], spec=settings["organisation"], seed_key=(call,))
        for weighting, setting in settings.items():
            cells = group_intervals(reps, groups, ["survey"], setting, (call,))
            assert (cells["n_orgs"] == n_orgs).all()
            inside = (cells["score_ci_low"] <= truth) & (truth <= cells["score_ci_high"])
            covered[weighting] += int(inside.sum())
    for weighting, hits in covered.items():
        assert 0.92 <= hits / n_surveys <= 0.98, (weighting, hits / n_surveys)
