# mognad: the reproducible pipeline behind the digital-maturity status report.
# Rules per stage live in workflow/rules/; all logic lives in the mognad package (src/).


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/scores.smk"
include: "workflow/rules/quality.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/analyses.smk"
include: "workflow/rules/publish.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/profiles.smk"
include: "workflow/rules/provenance.smk"


# On a cluster these run in Snakemake's own process, not as jobs: each takes seconds and
# little memory (stacking small tables, publishing, one-page profiles), far less than a
# job submission costs. The rules that do the heavy work declare threads and resources.
localrules:
    all,
    combine_scores,
    combine_quality,
    combine_sensitivity,
    quadrants,
    method_record,
    publish_tables,
    publish_models,
    readable_tables,
    open_data,
    explorer,
    profile_data,
    profile,
    municipality_profile,
    profile_index,
    manifest,


rule all:
    default_target: True
    input:
        rules.combine_years.output,
        rules.combine_scores.output,
        rules.combine_intervals.output,
        rules.quadrants.output,
        rules.method_record.output,
        rules.combine_quality.output,
        rules.measurement_model.output,
        rules.combine_sensitivity.output,
        rules.sector_analysis.output,
        rules.trend_analysis.output,
        rules.publish_models.output,
        rules.publish_tables.output,
        READABLE_TABLE_FILES,
        rules.open_data.output,
        FIGURE_FILES,
        REPORT_FILES,
        PROFILE_INDEXES,
        EXPLORER_PAGES,
        rules.manifest.output,
