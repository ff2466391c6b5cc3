"""National-scale benchmark of the organisation profiles: 1,500 profiles, HTML and PDF.

Simulates the organisation scores of two years (1,500 participants in the report year,
most of them also the year before) and the sector and type tables, or reads a national
``org_scores.parquet`` (``--scores``; e.g. the one benchmarks/scores.py leaves in
benchmarks/out/scores-work/data/processed/) with its sector and type tables when they lie
beside it in ``results/tables/`` (else group means are computed here). Then, in this one
process, measures:

- computing every profile's numbers (``profile_data``, vectorised);
- rendering every profile as HTML only, then as HTML + PDF (``render_profile``);
- one profile in a fresh Python process (imports, labels, one render): the floor of a
  one-profile Snakemake job, before Snakemake's own per-job overhead;

and prints wall time, profiles per second per core and peak memory against the target:
>= 10 profiles per second per core for HTML + PDF, <= 4 GiB.

With ``--workflow`` it measures instead what a run does: the same organisations through
the workflow's own rules (the ``profile_data`` checkpoint, one ``profile`` job per
organisation, ``profile_index``) with Snakemake on ``--cores`` cores, in a scratch folder.

    .venv/bin/python benchmarks/profiles.py [--orgs 1500] [--scores PATH] [--year 2025]
    .venv/bin/python benchmarks/profiles.py --workflow [--orgs 1500] [--cores 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from bootstrap import SECTORS

from mognad.config import ROOT
from mognad.instrument import load_instrument
from mognad.labels import load_labels
from mognad.publish.profiles import (
    CATEGORIES,
    HEADLINE,
    profile_data,
    render_profile,
    write_profile_data,
)
from mognad.publish.smallcell import Thresholds

OUT = Path(__file__).resolve().parent / "out"
TARGET_PER_SECOND, TARGET_GIB = 10.0, 4.0
SCORES = [*CATEGORIES, *HEADLINE]


def simulate(rng: np.random.Generator, n_orgs: int, year: int) -> pd.DataFrame:
    """Organisation scores of ``year`` and the year before (85 % of them took part then;
    1 in 40 has fewer than 5 respondents)."""
    frames = []
    ids = np.array([f"O{i:04d}" for i in range(n_orgs)])
    sector = rng.choice(list(SECTORS), n_orgs)
    level = rng.normal(50.0, 10.0, n_orgs)
    for y, share in ((year - 1, 0.85), (year, 1.0)):
        take = rng.random(n_orgs) < share
        n = int(take.sum())
        cats = np.clip(level[take, None] + rng.normal(0, 6, (n, 6)) + (y - year) * 2, 0, 100)
        frame = pd.DataFrame(cats, columns=list(CATEGORIES))
        frame["capability"] = cats[:, :3].mean(axis=1)
        frame["legacy"] = cats[:, 3:].mean(axis=1)
        frame["maturity"] = (frame["capability"] + frame["legacy"]) / 2
        respondents = np.maximum(1, rng.gamma(2.0, 25.0, n).round().astype(int))
        respondents[rng.random(n) < 0.025] = 3
        half = 14.0 / np.sqrt(respondents)
        for col in SCORES:
            frame[f"{col}_ci_low"] = frame[col] - half
            frame[f"{col}_ci_high"] = frame[col] + half
        frame.insert(0, "n_respondents", respondents)
        frame.insert(0, "sector", sector[take])
        frame.insert(0, "org_type", [SECTORS[s] for s in sector[take]])
        frame.insert(0, "org_id", ids[take])
        frame.insert(0, "year", y)
        high_c, high_l = frame["capability"] >= 50, frame["legacy"] >= 50
        frame["quadrant"] = np.select(
            [high_c & high_l, high_c & ~high_l, ~high_c & high_l],
            ["mature", "ambitious", "maintaining"],
            "beginning",
        )
        frame["method_version"] = "1.0"
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def group_table(orgs: pd.DataFrame, key: str) -> pd.DataFrame:
    """Means over organisations per year and group (intervals left blank)."""
    grouped = orgs.groupby(["year", key], sort=True)
    table = grouped[SCORES].mean()
    table.insert(0, "n_respondents", grouped["n_respondents"].sum())
    table.insert(0, "n_orgs", grouped.size())
    return table.reset_index().assign(suppressed=lambda t: t["n_orgs"] < 3)


def cold_start(data_path: Path, out: Path) -> float:
    """Seconds for a fresh Python process to import, load labels and render one profile."""
    code = f"""
import yaml
from mognad.instrument import load_instrument
from mognad.labels import load_labels
from mognad.publish.profiles import read_profile_data, render_profile
cfg = yaml.safe_load(open({str(ROOT / "config.yaml")!r}, encoding="utf-8"))
labels = load_labels({str(ROOT / "data/codebook/labels.yaml")!r},
    load_instrument({str(ROOT / "config.yaml")!r}.replace("config.yaml", cfg["instrument"])),
    "sv")
render_profile(read_profile_data({str(data_path)!r}), labels,
    {str(out / "cold.html")!r}, {str(out / "cold.pdf")!r})
"""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return time.perf_counter() - start


def through_workflow(
    orgs: pd.DataFrame,
    sectors: pd.DataFrame,
    types: pd.DataFrame,
    year: int,
    cores: int,
    extra: list[str],
) -> int:
    """Run the profile rules of the workflow on these organisations and time them."""
    from measure import GIB, measure

    from mognad.runner import prepare_workdir, snakemake_command

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    cfg["report"]["year"] = year
    with tempfile.TemporaryDirectory(prefix="mognad-profile-jobs-") as scratch:
        work = prepare_workdir(Path(scratch), cfg)
        (work / "data/processed").mkdir(parents=True)
        (work / "results/tables").mkdir(parents=True)
        orgs.to_parquet(work / "data/processed/org_scores.parquet", index=False)
        sectors.to_csv(work / "results/tables/sector_by_year.csv", index=False)
        types.to_csv(work / "results/tables/type_by_year.csv", index=False)
        rules = ["profile_data", "profile", "profile_index"]
        command = snakemake_command(
            work,
            cores,
            [f"results/sv/profiles/{year}/index.html", "--allowed-rules", *rules, "-q", *extra],
        )
        run = measure(command, cwd=ROOT)
        if run.returncode:
            print(run.stderr[-3000:])
            return 1
        n = len(list((work / f"results/sv/profiles/{year}").glob("*.pdf")))
    seconds, peak = run.wall_seconds, run.peak_rss_bytes / GIB
    rate = n / seconds / cores
    ok = rate >= TARGET_PER_SECOND and peak <= TARGET_GIB
    print(
        f"{n:,} profiles through {n + 2:,} Snakemake jobs on {cores} cores: {seconds:.1f} s "
        f"wall, {rate:.1f} profiles/s/core (target >= {TARGET_PER_SECOND:.0f}), peak memory "
        f"{peak:.2f} GiB (target <= {TARGET_GIB:.0f}): {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1500)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--scores", type=Path, help="a national org_scores.parquet")
    parser.add_argument("--language", default="sv", choices=["sv", "en"])
    parser.add_argument("--seed", type=int, default=20260501)
    parser.add_argument("--record", type=Path, default=OUT / "profiles.json")
    parser.add_argument("--workflow", action="store_true", help="through Snakemake's jobs")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--snakemake-args", default="", help="further Snakemake arguments, one string"
    )
    args = parser.parse_args(argv)

    if args.scores:
        orgs = pd.read_parquet(args.scores)
        tables = args.scores.parent.parent.parent / "results" / "tables"
        if (tables / "sector_by_year.csv").exists():
            sectors = pd.read_csv(tables / "sector_by_year.csv")
            types = pd.read_csv(tables / "type_by_year.csv")
        else:
            sectors, types = group_table(orgs, "sector"), group_table(orgs, "org_type")
    else:
        orgs = simulate(np.random.default_rng(args.seed), args.orgs, args.year)
        sectors, types = group_table(orgs, "sector"), group_table(orgs, "org_type")
    if args.workflow:
        return through_workflow(
            orgs, sectors, types, args.year, args.cores, args.snakemake_args.split()
        )
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    labels = load_labels(
        ROOT / "data/codebook/labels.yaml",
        load_instrument(ROOT / cfg["instrument"]),
        args.language,
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="mognad-profiles-") as scratch:
        folder = Path(scratch)
        start = time.perf_counter()
        profiles = profile_data(
            orgs,
            sectors,
            types,
            args.year,
            Thresholds.from_config(cfg["disclosure"]),
            quadrant=cfg["method"]["quadrant_thresholds"],
        )
        write_profile_data(profiles, folder / "data")
        rows.append(("profile_data + JSON files", time.perf_counter() - start, len(profiles)))
        small = sum(not p["reportable"] for p in profiles.values())
        print(f"{len(profiles):,} profiles for {args.year} ({small} below the threshold)")

        for name, pdf in (("render HTML", False), ("render HTML + PDF", True)):
            start = time.perf_counter()
            for org_id, data in profiles.items():
                render_profile(
                    data,
                    labels,
                    folder / f"{org_id}.html",
                    folder / f"{org_id}.pdf" if pdf else None,
                )
            rows.append((name, time.perf_counter() - start, len(profiles)))
        sizes = [p.stat().st_size for p in folder.glob("*.pdf")]
        print(
            f"PDF sizes: median {np.median(sizes) / 1024:.0f} KiB, max {max(sizes) / 1024:.0f} KiB"
        )
        first = next(iter(profiles))
        cold = cold_start(folder / "data" / f"{first}.json", folder)
        rows.append(("one profile, fresh process", cold, 1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1024**3  # KiB on Linux

    print(f"\n{'what':28} {'wall s':>8} {'profiles/s/core':>16}")
    for name, seconds, count in rows:
        print(f"{name:28} {seconds:8.2f} {count / seconds:16.1f}")
    rate = rows[2][2] / rows[2][1]
    ok = rate >= TARGET_PER_SECOND and peak <= TARGET_GIB
    print(
        f"\nHTML + PDF {rate:.1f} profiles/s/core (target >= {TARGET_PER_SECOND:.0f}), "
        f"peak memory {peak:.2f} GiB (target <= {TARGET_GIB:.0f}): {'ok' if ok else 'MISSED'}"
    )
    record = [
        {"what": n, "seconds": round(s, 2), "per_second": round(c / s, 1)} for n, s, c in rows
    ]
    args.record.parent.mkdir(parents=True, exist_ok=True)
    args.record.write_text(
        json.dumps({"rows": record, "peak_gib": round(peak, 2)}, indent=2) + "\n",
        encoding="utf-8",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
