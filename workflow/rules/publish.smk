# Disclosure control and publication: the one gate from data/processed/tables/ (internal,
# complete) to results/tables/ (published).


rule publish_tables:
    input:
        **{name: f"data/processed/tables/{name}.csv" for name in INTERNAL_TABLES},
        orgs="data/processed/org_scores.parquet",
        instrument=config["instrument"],
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
        markdown=expand("results/tables/{name}.md", name=PUBLISHED_TABLES),
        latex=expand("results/tables/{name}.tex", name=PUBLISHED_TABLES),
        workbook=report(
            f"results/tables/tables_{REPORT_YEAR}.xlsx",
            caption="../report/workbook.rst",
            category="Tables",
            labels={"table": "all tables", "format": "XLSX"},
        ),
    log:
        "logs/publish_tables.log",
    conda:
        "../../environment.yml"
    params:
        disclosure=config["disclosure"],
        quadrants=config["method"]["quadrants"],
        method_version=config["method"]["version"],
        language=config["language"],
        year=REPORT_YEAR,
        code=PUBLISH_CODE,
    script:
        "../scripts/publish_tables.py"


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
        quadrants=config["method"]["quadrants"],
        method_version=config["method"]["version"],
        year=REPORT_YEAR,
        ci_level=config["bootstrap"]["level"],
        licence=config["open_data"]["licence"],
        code=OPEN_DATA_CODE,
    script:
        "../scripts/open_data.py"
