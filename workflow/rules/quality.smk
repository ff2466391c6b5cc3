# Measurement quality: reliability, item statistics and aggregation statistics per year;
# the factor model and measurement invariance over all years.


rule quality_year:
    input:
        responses="data/processed/years/responses_{year}.parquet",
        respondents="data/processed/years/respondent_scores_{year}.parquet",
        instrument=config["instrument"],
    output:
        reliability="data/processed/years/reliability_{year}.parquet",
        item_quality="data/processed/years/item_quality_{year}.parquet",
        aggregation="data/processed/years/aggregation_{year}.parquet",
    log:
        "logs/quality_year/{year}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=script_code("quality_year.py"),
    message:
        "Measurement quality for {wildcards.year}"
    script:
        "../scripts/quality_year.py"


rule combine_quality:
    input:
        reliability=per_year("data/processed/years/reliability_{year}.parquet"),
        item_quality=per_year("data/processed/years/item_quality_{year}.parquet"),
        aggregation=per_year("data/processed/years/aggregation_{year}.parquet"),
    output:
        reliability="data/processed/tables/reliability.csv",
        item_quality="data/processed/tables/item_quality.csv",
        aggregation="data/processed/tables/aggregation.csv",
    log:
        "logs/combine_quality.log",
    conda:
        "../../environment.yml"
    params:
        code=script_code("combine_tables.py"),
    script:
        "../scripts/combine_tables.py"


rule measurement_model:
    input:
        responses="data/processed/responses.parquet",
        instrument=config["instrument"],
    output:
        fit="data/processed/tables/cfa_fit.csv",
        invariance="data/processed/tables/invariance.csv",
    log:
        "logs/measurement_model.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    params:
        code=script_code("measurement_model.py"),
    message:
        "Fit the factor model and test invariance across years"
    script:
        "../scripts/measurement_model.py"
