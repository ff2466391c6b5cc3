# Ingestion and cleaning: one job per survey year, then one job that combines the years.


rule ingest_year:
    input:
        export=export_file,
        instrument=config["instrument"],
        # ancient: the codebook is also where next year's entry goes; this year's own
        # entry is tracked by `params.entry`, so adding a year leaves earlier years alone.
        codebook=ancient(config["source"]["codebook"]),
        organisations=config["source"]["organisations"],
    output:
        responses="data/processed/years/responses_{year}.parquet",
        exclusions="data/processed/years/exclusions_{year}.csv",
        flow="data/processed/years/flow_{year}.csv",
    log:
        "logs/ingest_year/{year}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        cleaning=config["cleaning"],
        entry=codebook_entry,
        code=script_code("ingest_year.py"),
    message:
        "Read, map and clean the {wildcards.year} export"
    script:
        "../scripts/ingest_year.py"


rule combine_years:
    input:
        responses=expand("data/processed/years/responses_{year}.parquet", year=YEARS),
        exclusions=expand("data/processed/years/exclusions_{year}.csv", year=YEARS),
        flow=expand("data/processed/years/flow_{year}.csv", year=YEARS),
    output:
        responses="data/processed/responses.parquet",
        exclusions="data/processed/exclusions.csv",
        flow="data/processed/tables/flow.csv",
    log:
        "logs/combine_years.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        code=script_code("combine_years.py"),
    message:
        "Combine the cleaned years into the multi-year tables"
    script:
        "../scripts/combine_years.py"
