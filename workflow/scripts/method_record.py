"""Snakemake job: record the scoring method (with its fingerprint) beside the results."""

import json

from mognad.indices.scores import method_record
from mognad.io import write_atomic


def main(smk) -> None:
    record = method_record(smk.params.method, smk.params.bootstrap, smk.params.sensitivity)
    text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(smk.output.method, lambda tmp: tmp.write_text(text, encoding="utf-8"))


main(snakemake)  # noqa: F821 - provided by Snakemake
