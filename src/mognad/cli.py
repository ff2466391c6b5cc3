"""Command line: ``python -m mognad check``, ``verify`` and ``demo-data``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mognad.clean import map_year
from mognad.config import ROOT, load_config
from mognad.errors import InputError, format_problems


def check(year: int, file: str | None, config_path: str) -> int:
    """Check one year's export against the codebook and print every problem at once."""
    try:
        config = load_config(config_path)
        source = config["source"]
        mapped = map_year(
            year,
            file,
            config["instrument"],
            source["codebook"],
            source["raw_dir"],
            source["organisations"],
            config["cleaning"]["test_markers"],
        )
        flow = mapped.clean(config["cleaning"]).flow
    except InputError as err:
        print(format_problems(err.problems))
        return 1
    row = flow.iloc[0]
    excluded = ", ".join(
        f"{c.removeprefix('excluded_')}: {row[c]}"
        for c in flow.columns
        if c.startswith("excluded_")
    )
    print(
        f"{file or year}: no problems. {row['received']} responses received; would exclude "
        f"{excluded}; {row['analysed']} to analyse."
    )
    return 0


def demo_data(config_path: str, preset: str | None, out: str | None) -> int:
    """Regenerate the demo exports and the planted truth from the config's seed."""
    from mognad import synth

    config = load_config(config_path)
    settings = config["synth"]
    args = [
        "--preset", preset or settings["preset"],
        "--seed", str(settings["seed"]),
        "--out", config["source"]["raw_dir"] if out is None else str(Path(out) / "raw"),
        "--truth", settings["truth_dir"] if out is None else str(Path(out) / "truth"),
        "--instrument", config["instrument"],
        "--codebook", config["source"]["codebook"],
    ]  # fmt: skip
    return synth.main(args)


#: The committed manifest of the demo run: what a machine must reproduce byte for byte.
REFERENCE_MANIFEST = ROOT / "data" / "reference" / "demo_manifest.json"


def verify(reference_path: str, config_path: str, keep: str | None, write: str | None) -> int:
    """Rerun the pipeline from raw data in a scratch folder and compare every output's
    hash with the reference manifest; print PASS/FAIL per file. Exit 0 only if all pass."""
    import json
    import tempfile

    from mognad.files import write_bytes
    from mognad.provenance import compare, manifest_text, verdict_lines
    from mognad.runner import run_workflow

    reference = json.loads(Path(reference_path).read_text(encoding="utf-8"))
    config = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix="mognad-verify-") as scratch:
        work = Path(keep) if keep else Path(scratch)
        print(f"verify: running the pipeline from the raw data in {work}", flush=True)
        run = run_workflow(work, config, check=False)
        if run.returncode:
            print(run.stdout[-2000:], run.stderr[-4000:], sep="\n")
            print("verify: the pipeline failed; nothing was compared")
            return 2
        found = json.loads((work / "results" / "manifest.json").read_text(encoding="utf-8"))
    if write:
        write_bytes(write, manifest_text(found).encode("utf-8"))
        print(f"verify: wrote this run's manifest to {write}")
    lines, passed = verdict_lines(compare(found, reference))
    print("\n".join(lines))
    failed = [line for line in lines if line.startswith("FAIL")]
    outputs = sum(" output " in line for line in lines)
    print(
        f"verify: {outputs} outputs compared with {reference_path}: "
        + ("all identical." if passed else f"{len(failed)} files differ.")
    )
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=str(ROOT / "config.yaml"), help="config file")
    parser = argparse.ArgumentParser(prog="mognad", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    checker = commands.add_parser(
        "check", parents=[common], help="check a year's export; list every problem"
    )
    checker.add_argument("year", type=int, help="survey year, as in the codebook")
    checker.add_argument("file", nargs="?", help="export to check instead of the codebook's file")
    demo = commands.add_parser("demo-data", parents=[common], help="regenerate the demo data")
    demo.add_argument("--preset", choices=["demo", "national"], help="override synth.preset")
    demo.add_argument("--out", help="write to OUT/raw and OUT/truth instead of the config's")
    verifier = commands.add_parser(
        "verify",
        parents=[common],
        help="rerun from raw data in a scratch folder; compare every output with a manifest",
    )
    verifier.add_argument(
        "--manifest", default=str(REFERENCE_MANIFEST), help="reference manifest to compare with"
    )
    verifier.add_argument("--keep", help="run in this folder and keep it, instead of a scratch one")
    verifier.add_argument("--write", help="also write this run's manifest here")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.year, args.file, args.config)
    if args.command == "verify":
        return verify(args.manifest, args.config, args.keep, args.write)
    return demo_data(args.config, args.preset, args.out)


if __name__ == "__main__":
    sys.exit(main())
