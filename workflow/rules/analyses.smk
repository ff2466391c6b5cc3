# Sector, trend and regression analyses over all years.


rule sector_analysis:
    input:
        orgs="data/processed/org_scores.parquet",
        sector="data/processed/tables/sector_by_year.csv",
    output:
        sector_contrasts="data/processed/tables/sector_contrasts.csv",
        type_contrasts="data/processed/tables/type_contrasts.csv",
        contrast_exclusions="data/processed/tables/contrast_exclusions.csv",
        sector_focus="data/processed/tables/sector_focus.csv",
    log:
        "logs/sector_analysis.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        analysis=config["analysis"],
        code=script_code("sector_analysis.py"),
    script:
        "../scripts/sector_analysis.py"


rule trend_analysis:
    input:
        orgs="data/processed/org_scores.parquet",
        respondents="data/processed/respondent_scores.parquet",
        instrument=config["instrument"],
    output:
        change_decomposition="data/processed/tables/change_decomposition.csv",
        year_over_year="data/processed/tables/year_over_year.csv",
        fixed_effects_trend="data/processed/tables/fixed_effects_trend.csv",
        sector_trends="data/processed/tables/sector_trends.csv",
    log:
        "logs/trend_analysis.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        min_orgs=config["analysis"]["min_orgs"],
        level=config["bootstrap"]["level"],
        code=script_code("trend_analysis.py"),
    script:
        "../scripts/trend_analysis.py"


rule fit_models:
    input:
        orgs="data/processed/org_scores.parquet",
        responses="data/processed/responses.parquet",
        respondents="data/processed/respondent_scores.parquet",
        instrument=config["instrument"],
    output:
        models=expand("data/processed/models/{model}.csv", model=MODELS),
        fits=expand("data/processed/models/{model}_fit.csv", model=MODELS),
    log:
        "logs/fit_models.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        models=config["models"],
        code=script_code("fit_models.py"),
    message:
        "Fit the regression models declared in the config"
    script:
        "../scripts/fit_models.py"
