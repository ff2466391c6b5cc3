# Indices: per year the point scores (respondents and organisations), then their bootstrap
# intervals; then the multi-year tables, the quadrant table and the record of the method.


rule score_year:
    input:
        responses="data/processed/years/responses_{year}.parquet",
        instrument=config["instrument"],
    output:
        respondents="data/processed/years/respondent_scores_{year}.parquet",
        org="data/processed/years/org_points_{year}.parquet",
    log:
        "logs/score_year/{year}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        method=config["method"],
        size_bands=config["peers"]["size_bands"],
        code=script_code("score_year.py"),
    message:
        "Scores of {wildcards.year}"
    script:
        "../scripts/score_year.py"


# Intervals apart from the point scores: a change of bootstrap settings (replicates, seed,
# level) reruns what shows intervals and leaves every analysis of the scores alone.
rule bootstrap_year:
    input:
        respondents="data/processed/years/respondent_scores_{year}.parquet",
        org="data/processed/years/org_points_{year}.parquet",
        instrument=config["instrument"],
    output:
        org_intervals="data/processed/years/org_intervals_{year}.parquet",
        national="data/processed/years/national_{year}.parquet",
        sector="data/processed/years/sector_{year}.parquet",
        org_type="data/processed/years/org_type_{year}.parquet",
        area="data/processed/years/area_{year}.parquet",
        size_band="data/processed/years/size_band_{year}.parquet",
        org_draws="data/processed/years/org_draws_{year}.parquet",
    log:
        "logs/bootstrap_year/{year}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        method=config["method"],
        bootstrap=config["bootstrap"],
        code=script_code("bootstrap_year.py"),
    message:
        "Bootstrap intervals for {wildcards.year}"
    script:
        "../scripts/bootstrap_year.py"


rule combine_scores:
    input:
        org=per_year("data/processed/years/org_points_{year}.parquet"),
        respondents=per_year("data/processed/years/respondent_scores_{year}.parquet"),
    output:
        org="data/processed/org_scores.parquet",
        respondents="data/processed/respondent_scores.parquet",
    log:
        "logs/combine_scores.log",
    conda:
        "../../environment.yml"
    params:
        code=script_code("combine_tables.py"),
    script:
        "../scripts/combine_tables.py"


rule combine_intervals:
    input:
        org_intervals=per_year("data/processed/years/org_intervals_{year}.parquet"),
        national=per_year("data/processed/years/national_{year}.parquet"),
        sector=per_year("data/processed/years/sector_{year}.parquet"),
        org_type=per_year("data/processed/years/org_type_{year}.parquet"),
        area=per_year("data/processed/years/area_{year}.parquet"),
        size_band=per_year("data/processed/years/size_band_{year}.parquet"),
    output:
        org_intervals="data/processed/org_intervals.parquet",
        national="data/processed/tables/national_by_year.csv",
        sector="data/processed/tables/sector_by_year.csv",
        org_type="data/processed/tables/type_by_year.csv",
        area="data/processed/tables/area_by_year.csv",
        size_band="data/processed/tables/size_by_year.csv",
    log:
        "logs/combine_intervals.log",
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
