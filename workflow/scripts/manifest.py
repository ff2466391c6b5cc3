"""Snakemake job: write the run's provenance manifest (inputs, outputs, versions, commit)."""

from mognad.files import write_atomic
from mognad.logs import job_log
from mognad.provenance import build_manifest, manifest_text


def main(smk) -> None:
    with job_log(smk.log[0], "manifest") as log:
        inputs = [*smk.input.exports, smk.input.register, smk.input.codebook]
        inputs += [smk.input.instrument, smk.input.labels]
        outputs = [*smk.input.published, *smk.input.pages]
        manifest = build_manifest(inputs, outputs, smk.params.config, smk.params.root)
        text = manifest_text(manifest)
        write_atomic(smk.output[0], lambda tmp: tmp.write_text(text, encoding="utf-8"))
        log.info("%d inputs, %d outputs; git %s", len(inputs), len(outputs), manifest["git"])


main(snakemake)  # noqa: F821 - provided by Snakemake
