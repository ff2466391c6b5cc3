# Disclosure control and publication: the one gate from data/processed/ (internal,
# complete) to results/. Only the rules here read internal data for anything published:
# tables, models, the quadrant points, open data and the organisations' profile numbers
# (a checkpoint, since who took part is known only from the data). Figures, report and
# profile pages are built from what these rules wrote.


rule publish_tables:
    input:
        **{name: f"data/processed/tables/{name}.csv" for name in INTERNAL_TABLES},
        orgs="data/processed/org_scores.parquet",
        labels=config["labels"],
    output:
        tables=[
            report(
                f"results/tables/{name}.csv",
                caption=f"../report/{name}.rst",
                category=TABLE_CATEGORY[name],
                labels={"table": name, "format": "CSV"},
            )
            for name in PUBLISHED_TABLES
        ],
        points=f"results/tables/{POINTS_TABLE}.csv",
    log:
        "logs/publish_tables.log",
    conda:
        "../../environment.yml"
    params:
        disclosure=config["disclosure"],
        trend_min_orgs=config["analysis"]["min_orgs"],
        year=REPORT_YEAR,
        code=script_code("publish_tables.py"),
    script:
        "../scripts/publish_tables.py"


rule publish_models:
    input:
        models=expand("data/processed/models/{model}.csv", model=MODELS),
        fits=expand("data/processed/models/{model}_fit.csv", model=MODELS),
    output:
        models=expand("results/models/{model}.csv", model=MODELS),
        fits=expand("results/models/{model}_fit.csv", model=MODELS),
        csv=report(
            "results/tables/regression_table.csv",
            caption="../report/regression_table.rst",
            category="Models",
            labels={"table": "Regression models side by side"},
        ),
    log:
        "logs/publish_models.log",
    conda:
        "../../environment.yml"
    params:
        disclosure=config["disclosure"],
        code=script_code("publish_models.py"),
    script:
        "../scripts/publish_models.py"


rule open_data:
    input:
        **{name: f"results/tables/{name}.csv" for name in OPEN_TABLES},
        labels=config["labels"],
        instrument=config["instrument"],
    output:
        descriptor=report(
            "results/opendata/datapackage.json",
            caption="../report/open_data.rst",
            category="Tables",
            labels={"table": "open data", "format": "Data Package"},
        ),
        tables=expand("results/opendata/data/{name}.csv", name=OPEN_TABLES),
    log:
        "logs/open_data.log",
    conda:
        "../../environment.yml"
    params:
        disclosure=config["disclosure"],
        method_version=config["method"]["version"],
        year=REPORT_YEAR,
        ci_level=config["bootstrap"]["level"],
        licence=config["open_data"]["licence"],
        code=script_code("open_data.py"),
    script:
        "../scripts/open_data.py"


checkpoint profile_data:
    input:
        orgs="data/processed/org_scores.parquet",
        intervals="data/processed/org_intervals.parquet",
        draws="data/processed/years/org_draws_{year}.parquet",
        sector="results/tables/sector_by_year.csv",
        types="results/tables/type_by_year.csv",
        area="results/tables/area_by_year.csv",
        size_band="results/tables/size_by_year.csv",
        register=config["source"]["organisations"],
        instrument=config["instrument"],
    output:
        directory("data/processed/profiles/{year}"),
    log:
        "logs/profile_data_{year}.log",
    conda:
        "../../environment.yml"
    params:
        disclosure=config["disclosure"],
        quadrant_thresholds=config["method"]["quadrant_thresholds"],
        ci_level=config["bootstrap"]["level"],
        code=script_code("profile_data.py"),
    script:
        "../scripts/profile_data.py"
