# Sector, trend and regression analyses over all years.


rule sector_analysis:
    input:
        orgs="data/processed/org_scores.parquet",
        sector="results/tables/sector_by_year.csv",
    output:
        sector_contrasts=report(
            "results/tables/sector_contrasts.csv",
            caption="../report/sector_contrasts.rst",
            category="Sectors",
            labels={"table": "Pairwise sector contrasts by year"},
        ),
        type_contrasts=report(
            "results/tables/type_contrasts.csv",
            caption="../report/sector_contrasts.rst",
            category="Sectors",
            labels={"table": "Pairwise organisation-type contrasts by year"},
        ),
        contrast_exclusions="results/tables/contrast_exclusions.csv",
        sector_focus="results/tables/sector_focus.csv",
    log:
        "logs/sector_analysis.log",
    conda:
        "../../environment.yml"
    params:
        analysis=config["analysis"],
        code=SECTORS_CODE,
    script:
        "../scripts/sector_analysis.py"
