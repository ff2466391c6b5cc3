"""National-scale benchmark of the calibration weights: 2,000 bootstrap replicates of one
year's participants, weighted to the frame's four margins in one solve.

The frame is the national preset's (about 1,950 organisations, ``mognad.demo.synth``);
1,500 of them take part, drawn with probability rising with size (seeded). Each
replicate resamples the participants with replacement within their type x sector cells,
as a stage-1 bootstrap does, and the weights are recomputed for all replicates at once.
Measured, each in a process of its own: raking, and logit calibration with bounds
(0.3, 3). Target: each <= 5 s and <= 4 GiB, so that weights in every replicate cost no
more than the year's two-stage bootstrap (about 2 s at this scale).

    .venv/bin/python benchmarks/calibration.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from ingest import OUT
from measure import measure, report

from mognad.config import ROOT

REPLICATES = 2000
PARTICIPANTS = 1500
SEED = 20260403
MARGINS = {
    "type_sector": [["org_type", "sector"], ["org_type"]],
    "municipality_group": [["municipality_group"], ["main_group"]],
    "area": [["area"]],
    "size_band": [["size_band"]],
}


def step(bounded: bool) -> None:
    """One measured solve, run in a fresh process by ``main``."""
    from mognad.demo import synth
    from mognad.peers import DEFAULT_SIZE_BANDS
    from mognad.population.raking import calibrate, margins_from_frame
    from mognad.population.weights import MarginSpec, classify, year_weights

    spec = synth.SynthSpec.national()
    register, _ = synth.make_register(spec)
    frame = synth.make_frame(spec, register)
    frame["municipality_group"] = frame["municipality_group"].replace("", None)
    frame = classify(frame, DEFAULT_SIZE_BANDS)
    rng = np.random.default_rng(SEED)
    size = np.log(frame["employees"].to_numpy(dtype=float))
    chance = np.exp(0.5 * (size - size.mean()))
    taking = rng.choice(len(frame), PARTICIPANTS, replace=False, p=chance / chance.sum())
    ids = frame["org_id"].to_numpy()[np.sort(taking)].tolist()
    year = year_weights(frame, 2025, ids, MarginSpec.from_config(MARGINS))
    used = [list(c) for c in year.codings.values() if c is not None]
    sample = frame.loc[ids]
    problem = margins_from_frame(sample, frame, used)
    cells = (sample["org_type"] + "/" + sample["sector"]).to_numpy()
    counts = np.zeros((REPLICATES, len(ids)))
    for cell in np.unique(cells):  # a loop over the ~10 cells, not over units
        members = np.flatnonzero(cells == cell)
        draws = rng.integers(0, len(members), size=(REPLICATES, len(members)))
        rows = np.repeat(np.arange(REPLICATES), len(members))
        np.add.at(counts, (rows, members[draws].ravel()), 1.0)
    base = counts * (len(frame) / len(ids))
    start = time.perf_counter()
    result = calibrate(base, problem, (0.3, 3.0) if bounded else None)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "converged": float(np.mean(result.converged)),
                "margins": len(used),
                "categories": sum(m.n_categories for m in problem.margins),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=["raking", "bounded"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        step(args.step == "bounded")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, key in (("raking", "raking"), ("logit, bounds (0.3, 3)", "bounded")):
        run = measure([sys.executable, __file__, "--step", key], cwd=ROOT)
        if run.returncode:
            sys.exit(run.stderr)
        found = json.loads(run.stdout.splitlines()[-1])
        label = (
            f"{name}: {REPLICATES:,} replicates x {PARTICIPANTS:,}, "
            f"{found['categories']} categories, {found['converged']:.0%} converged"
        )
        rows.append((label, found["seconds"], run.peak_rss_bytes, 5.0))
    print("\ncalibration weights at national scale, one year")
    return report(rows, OUT / "calibration.json")


if __name__ == "__main__":
    sys.exit(main())
