# Sensitivity of the index to the method: one Monte Carlo job per year, then combined.


rule sensitivity_year:
    input:
        responses="data/processed/years/responses_{year}.parquet",
        instrument=config["instrument"],
    output:
        ranks="data/processed/years/sensitivity_ranks_{year}.parquet",
        groups="data/processed/years/sensitivity_groups_{year}.parquet",
        draws="data/processed/years/sensitivity_draws_{year}.parquet",
    log:
        "logs/sensitivity_year/{year}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=20,
    params:
        method=config["method"],
        sensitivity=config["sensitivity"],
        code=script_code("sensitivity_year.py"),
    message:
        "Monte Carlo over method choices for {wildcards.year}"
    script:
        "../scripts/sensitivity_year.py"


rule combine_sensitivity:
    input:
        ranks=per_year("data/processed/years/sensitivity_ranks_{year}.parquet"),
        groups=per_year("data/processed/years/sensitivity_groups_{year}.parquet"),
        draws=per_year("data/processed/years/sensitivity_draws_{year}.parquet"),
    output:
        ranks="data/processed/tables/sensitivity_ranks.csv",
        groups="data/processed/tables/sensitivity_groups.csv",
        draws="data/processed/tables/sensitivity_draws.csv",
    log:
        "logs/combine_sensitivity.log",
    conda:
        "../../environment.yml"
    params:
        code=script_code("combine_tables.py"),
    script:
        "../scripts/combine_tables.py"
