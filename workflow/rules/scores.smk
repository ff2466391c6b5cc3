# Indices: one job per year (scores at every level with bootstrap intervals), then the
# multi-year tables, the quadrant table and the record of the method.


rule score_year:
    input:
        responses="data/processed/years/responses_{year}.parquet",
        instrument=config["instrument"],
    output:
        org="data/processed/years/org_scores_{year}.parquet",
        national="data/processed/years/national_{year}.parquet",
        sector="data/processed/years/sector_{year}.parquet",
        org_type="data/processed/years/org_type_{year}.parquet",
    log:
        "logs/score_year/{year}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        method=config["method"],
        bootstrap=config["bootstrap"],
        code=script_code("score_year.py"),
    message:
        "Scores and bootstrap intervals for {wildcards.year}"
    script:
        "../scripts/score_year.py"


rule combine_scores:
    input:
        org=per_year("data/processed/years/org_scores_{year}.parquet"),
        national=per_year("data/processed/years/national_{year}.parquet"),
        sector=per_year("data/processed/years/sector_{year}.parquet"),
        org_type=per_year("data/processed/years/org_type_{year}.parquet"),
    output:
        org="data/processed/org_scores.parquet",
        national="data/processed/tables/national_by_year.csv",
        sector="data/processed/tables/sector_by_year.csv",
        org_type="data/processed/tables/type_by_year.csv",
    log:
        "logs/combine_scores.log",
    conda:
        "../../environment.yml"
    params:
        code=script_code("combine_tables.py"),
    script:
        "../scripts/combine_tables.py"


rule quadrants:
    input:
        orgs="data/processed/org_scores.parquet",
    output:
        quadrants="data/processed/tables/quadrants.csv",
    log:
        "logs/quadrants.log",
    conda:
        "../../environment.yml"
    params:
        code=script_code("quadrants.py"),
    script:
        "../scripts/quadrants.py"


rule method_record:
    output:
        method="results/method.json",
    log:
        "logs/method_record.log",
    conda:
        "../../environment.yml"
    params:
        method=config["method"],
        bootstrap=config["bootstrap"],
        sensitivity=config["sensitivity"],
        code=script_code("method_record.py"),
    script:
        "../scripts/method_record.py"
