# The run's manifest: every input and published output with its SHA-256, the config, the
# method version, package versions and the git commit. `bash dev.sh verify` compares a
# fresh run's manifest with a reference one.


rule manifest:
    input:
        published=[
            *rules.method_record.output,
            *rules.publish_models.output,
            *rules.publish_tables.output,
            *READABLE_TABLE_FILES,
            *rules.open_data.output,
            *FIGURE_FILES,
            *REPORT_FILES,
            *PROFILE_INDEXES,
            *EXPLORER_PAGES,
        ],
        pages=profile_pages,
        exports=per_year_exports(),
        register=config["source"]["organisations"],
        codebook=config["source"]["codebook"],
        instrument=config["instrument"],
        labels=config["labels"],
    output:
        "results/manifest.json",
    log:
        "logs/manifest.log",
    conda:
        "../../environment.yml"
    params:
        config=config,
        root=workflow.basedir,
        code=script_code("manifest.py"),
    script:
        "../scripts/manifest.py"
