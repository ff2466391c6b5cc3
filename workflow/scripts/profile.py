"""Snakemake job: organisations' profiles as self-contained HTML pages and A4 PDFs.

The workflow renders each profile in its own job inside the Snakemake process (see
workflow/rules/profiles.smk); this script is for batched rules, where ``input.data``,
``output.html`` and ``output.pdf`` are lists of equal length.
"""

from mognad.profiles import render_profile_files


def _files(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def main(smk) -> None:
    inputs, htmls, pdfs = (_files(x) for x in (smk.input.data, smk.output.html, smk.output.pdf))
    if not len(inputs) == len(htmls) == len(pdfs):
        raise ValueError("profile: input.data, output.html and output.pdf differ in length")
    for path, html, pdf in zip(inputs, htmls, pdfs, strict=True):
        render_profile_files(
            path,
            smk.input.labels,
            smk.input.instrument,
            smk.params.quadrants,
            smk.params.language,
            html,
            pdf,
            smk.log[0],
        )


main(snakemake)  # noqa: F821 - provided by Snakemake
