"""Command line: ``python -m mognad check``, ``verify`` and ``demo-data``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mognad.config import ROOT, load_config
from mognad.errors import InputError, format_problems
from mognad.ingest.clean import map_year


def check(year: int, file: str | None, config_paths: Sequence[str]) -> int:
    """Check one year's export against the codebook and print every problem at once."""
    try:
        config = load_config(*config_paths)
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


def demo_data(config_paths: Sequence[str], preset: str | None, out: str | None) -> int:
    """Regenerate the demo exports and the planted truth from the config's seed."""
    from mognad.demo import synth

    config = load_config(*config_paths)
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


#: The committed reference of the demo run: its manifest (every output's SHA-256) and the
#: content of every output that numeric verification reads (docs/reproducing.md).
REFERENCE_MANIFEST = ROOT / "data" / "reference" / "demo_manifest.json"
REFERENCE_OUTPUTS = ROOT / "data" / "reference" / "demo_outputs"


def verify(
    reference_path: str,
    outputs_dir: str | None,
    config_paths: Sequence[str],
    keep: str | None = None,
    write: str | None = None,
    compare_dir: str | None = None,
    update: bool = False,
) -> int:
    """Rerun the pipeline from raw data in a scratch folder (or take the run in
    ``compare_dir``) and compare every output with the reference: identical, equal within
    tolerance, or differs (see :mod:`mognad.verify`). Exit 0 only if nothing differs."""
    import json
    import tempfile

    from mognad.files import write_bytes
    from mognad.provenance import compare, manifest_text
    from mognad.runner import run_workflow
    from mognad.verify import compare_outputs, summary

    if outputs_dir is None and Path(reference_path).resolve() == REFERENCE_MANIFEST.resolve():
        outputs_dir = str(REFERENCE_OUTPUTS)
    with tempfile.TemporaryDirectory(prefix="mognad-verify-") as scratch:
        work = Path(compare_dir or keep or scratch)
        if compare_dir is None:
            print(f"verify: running the pipeline from the raw data in {work}", flush=True)
            run = run_workflow(work, load_config(*config_paths), check=False)
            if run.returncode:
                print(run.stdout[-2000:], run.stderr[-4000:], sep="\n")
                print("verify: the pipeline failed; nothing was compared")
                return 2
        found = json.loads((work / "results" / "manifest.json").read_text(encoding="utf-8"))
        paths = [record["path"] for record in found["outputs"]]
        if write:
            write_bytes(write, manifest_text(found).encode("utf-8"))
            print(f"verify: wrote this run's manifest to {write}")
        if update:
            return _update_reference(work, found, paths, reference_path, outputs_dir)
        if not Path(reference_path).is_file():
            print(f"verify: no reference manifest at {reference_path}")
            return 2
        reference = json.loads(Path(reference_path).read_text(encoding="utf-8"))
        hashes = {record["path"]: record["sha256"] for record in reference["outputs"]}
        verdicts = compare_outputs(work, paths, hashes, outputs_dir)
        inputs = [
            d for d in compare(found, reference) if d.kind == "input" and d.status == "differs"
        ]
    for verdict in verdicts:
        print(verdict.line())
    for difference in inputs:
        print(f"note: input {difference.path} differs from the reference's")
    counts, passed = summary(verdicts)
    print(
        f"verify: {len(verdicts)} outputs compared with {reference_path}: "
        + ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
        + (". Every published number is reproduced." if passed else ".")
    )
    return 0 if passed else 1


def _update_reference(
    work: Path, found: dict, paths: list[str], reference_path: str, outputs_dir: str | None
) -> int:
    """Make this run the reference: its manifest, and its outputs' content."""
    import shutil

    from mognad.files import write_bytes
    from mognad.provenance import manifest_text
    from mognad.verify import write_reference

    if outputs_dir is None:
        print("verify: --update needs --outputs, the folder for the outputs' content")
        return 2
    staging = Path(f"{outputs_dir}.new")
    shutil.rmtree(staging, ignore_errors=True)
    written = write_reference(work, paths, staging)
    shutil.rmtree(outputs_dir, ignore_errors=True)
    staging.rename(outputs_dir)
    write_bytes(reference_path, manifest_text(found).encode("utf-8"))
    print(f"verify: wrote {reference_path} and the content of {written} outputs to {outputs_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        action="append",
        help="config file; an override (without 'years') is laid over config.yaml, as "
        "snakemake --configfile does; repeat to lay several",
    )
    parser = argparse.ArgumentParser(
        prog="mognad",
        description="Check a year's export, verify a run against the reference, or "
        "regenerate the demo data.",
    )
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
    verifier.add_argument(
        "--outputs",
        help="folder with the reference outputs or their content (default for the demo "
        "reference: data/reference/demo_outputs)",
    )
    verifier.add_argument("--keep", help="run in this folder and keep it, instead of a scratch one")
    verifier.add_argument("--write", help="also write this run's manifest here")
    verifier.add_argument(
        "--compare", metavar="DIR", help="compare the run already in DIR instead of running"
    )
    verifier.add_argument(
        "--update",
        action="store_true",
        help="make this run the reference: write its manifest to --manifest and its "
        "outputs' content to --outputs",
    )
    config_check = commands.add_parser(
        "check-config",
        help="check config.yaml with any override files laid over it; list every problem",
    )
    config_check.add_argument("files", nargs="*", help="override files, in order")
    commands.add_parser(
        "unlock-stale",
        help="remove Snakemake's lock left by a run that was killed (never a live run's)",
    )
    args = parser.parse_args(argv)
    if args.command == "check-config":
        try:
            load_config(ROOT / "config.yaml", *args.files)
        except InputError as err:
            print(format_problems(err.problems) + "\nNothing was run.", file=sys.stderr)
            return 1
        return 0
    if args.command == "unlock-stale":
        from mognad.runner import clear_stale_lock

        if clear_stale_lock(Path.cwd()):
            print("mognad: removed the lock of an earlier run that ended abruptly", file=sys.stderr)
        return 0
    configs = args.config or []
    try:
        if args.command == "check":
            return check(args.year, args.file, configs)
        if args.command == "verify":
            return verify(
                args.manifest,
                args.outputs,
                configs,
                args.keep,
                args.write,
                args.compare,
                args.update,
            )
        return demo_data(configs, args.preset, args.out)
    except InputError as err:  # a bad config: the problems, not a traceback
        print(format_problems(err.problems), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
