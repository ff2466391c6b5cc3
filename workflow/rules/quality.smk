# Measurement quality: reliability, item statistics and aggregation statistics per year;
# the factor model and measurement invariance over all years.


rule quality_year:
    input:
        responses="data/processed/years/responses_{year}.parquet",
        instrument=config["instrument"],
    output:
        reliability="data/processed/years/reliability_{year}.parquet",
        item_quality="data/processed/years/item_quality_{year}.parquet",
        aggregation="data/processed/years/aggregation_{year}.parquet",
    log:
        "logs/quality_year/{year}.log",
    conda:
        "../../environment.yml"
    params:
        method=config["method"],
        code=QUALITY_CODE,
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
        reliability=report(
            "results/tables/reliability.csv",
            caption="../report/reliability.rst",
            category="Measurement quality",
            labels={"table": "Reliability by category and year"},
        ),
        item_quality=report(
            "results/tables/item_quality.csv",
            caption="../report/item_quality.rst",
            category="Measurement quality",
            labels={"table": "Item statistics by year"},
        ),
        aggregation=report(
            "results/tables/aggregation.csv",
            caption="../report/aggregation.rst",
            category="Measurement quality",
            labels={"table": "ICC and rwg(J) by dimension and year"},
        ),
    log:
        "logs/combine_quality.log",
    conda:
        "../../environment.yml"
    params:
        code=COMBINE_CODE,
    script:
        "../scripts/combine_tables.py"


rule measurement_model:
    input:
        responses="data/processed/responses.parquet",
        instrument=config["instrument"],
    output:
        fit=report(
            "results/tables/cfa_fit.csv",
            caption="../report/cfa_fit.rst",
            category="Measurement quality",
            labels={"table": "Factor model fit by year"},
        ),
        invariance=report(
            "results/tables/invariance.csv",
            caption="../report/invariance.rst",
            category="Measurement quality",
            labels={"table": "Measurement invariance across years"},
        ),
    log:
        "logs/measurement_model.log",
    conda:
        "../../environment.yml"
    params:
        code=FACTOR_CODE,
    message:
        "Fit the factor model and test invariance across years"
    script:
        "../scripts/measurement_model.py"
