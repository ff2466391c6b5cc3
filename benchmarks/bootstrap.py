"""National-scale bootstrap benchmark: 8 years x 1,500 organisations x ~50 respondents.

Simulates a respondent score frame directly (9 score columns in %, some NaN), then runs
the two-stage bootstrap in this one process for every year: organisation intervals and
national, sector and organisation-type intervals (2,000 replicates). Prints wall time of
the bootstrap (simulation not included) and the process's peak memory against the
targets: <= 60 s and <= 4 GiB.

    .venv/bin/python benchmarks/bootstrap.py [--years 8] [--orgs 1500] [--replicates 2000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

from mognad.indices.bootstrap import BootstrapSpec, bootstrap_year

TARGET_SECONDS, TARGET_GIB = 60.0, 4.0
CATEGORIES = ("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik")
COLUMNS = [*CATEGORIES, "capability", "legacy", "maturity"]
SECTORS = {
    "education": "municipal",
    "social_services": "municipal",
    "urban_planning": "municipal",
    "service": "municipal",
    "culture_leisure": "municipal",
    "central_admin": "municipal",
    "health_care": "region",
    "regional_development": "region",
    "state_agency": "state_agency",
}
GROUPINGS = {"national": [], "sector": ["sector"], "org_type": ["org_type"]}


def simulate_year(
    rng: np.random.Generator, year: int, n_orgs: int, mean_size: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondent scores of one year and the organisations' sector and type."""
    sizes = np.maximum(1, rng.gamma(2.0, mean_size / 2.0, n_orgs).round().astype(int))
    sector = rng.choice(list(SECTORS), n_orgs)
    orgs = pd.DataFrame(
        {
            "org_id": [f"O{i:04d}" for i in range(n_orgs)],
            "sector": sector,
            "org_type": [SECTORS[s] for s in sector],
        }
    )
    org_effect = rng.normal(45.0 + (year - 2018), 8.0, n_orgs)
    codes = np.repeat(np.arange(n_orgs), sizes)
    n = len(codes)
    person = rng.normal(0.0, 12.0, n)
    categories = org_effect[codes, None] + person[:, None] + rng.normal(0.0, 8.0, (n, 6))
    categories = np.clip(categories, 0.0, 100.0)
    categories[rng.random((n, 6)) < 0.04] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all three categories missing: NaN
        capability = np.nanmean(categories[:, :3], axis=1)
        legacy = np.nanmean(categories[:, 3:], axis=1)
    maturity = (capability + legacy) / 2.0  # NaN unless both dimensions exist
    values = np.column_stack([categories, capability, legacy, maturity])
    scores = pd.DataFrame(values, columns=COLUMNS)
    scores.insert(0, "org_id", orgs["org_id"].to_numpy()[codes])
    scores.insert(0, "year", year)
    return scores, orgs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--orgs", type=int, default=1500)
    parser.add_argument("--respondents", type=float, default=50.0, help="mean per organisation")
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    years = list(range(2018, 2018 + args.years))
    data = {year: simulate_year(rng, year, args.orgs, args.respondents) for year in years}
    rows = sum(len(scores) for scores, _ in data.values())
    sizes = np.concatenate([scores.groupby("org_id").size() for scores, _ in data.values()])
    print(
        f"simulated {rows:,} respondents; per organisation min {sizes.min()}, "
        f"median {np.median(sizes):.0f}, max {sizes.max()}"
    )
    spec = BootstrapSpec(replicates=args.replicates, seed=args.seed)

    start = time.perf_counter()
    results = []
    for year, (scores, orgs) in data.items():
        begun = time.perf_counter()
        results.append(bootstrap_year(scores, COLUMNS, orgs, GROUPINGS, spec, year))
        print(f"{year}: {len(scores):,} respondents, {time.perf_counter() - begun:5.1f} s")
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1024**3  # KiB on Linux

    national = pd.concat([r["national"] for r in results], ignore_index=True)
    print(national[["year", "maturity", "maturity_ci_low", "maturity_ci_high", "n_orgs"]])
    print(
        f"\nbootstrap of {len(years)} years, {rows:,} respondents, "
        f"{args.replicates} replicates, 1 process"
    )
    for name, value, target, unit in (
        ("wall time", wall, TARGET_SECONDS, "s"),
        ("peak memory", peak, TARGET_GIB, "GiB"),
    ):
        verdict = "ok" if value <= target else "MISSED"
        print(f"{name:12} {value:7.2f} {unit:4} target <= {target:.0f} {unit}  {verdict}")
    return 0 if wall <= TARGET_SECONDS and peak <= TARGET_GIB else 1


if __name__ == "__main__":
    sys.exit(main())
