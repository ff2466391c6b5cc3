# What readers read, from published tables only, once per language (`languages`, each
# in results/<lang>/): the readable tables and workbook, the figures and the report.


rule readable_tables:
    input:
        **{name: f"results/tables/{name}.csv" for name in PUBLISHED_TABLES},
        models=expand("results/models/{model}.csv", model=MODELS),
        fits=expand("results/models/{model}_fit.csv", model=MODELS),
        labels=config["labels"],
        instrument=config["instrument"],
    output:
        texts=[
            f"results/{{lang}}/tables/{name}.{ext}"
            for name in [*PUBLISHED_TABLES, "regression_table"]
            for ext in ("md", "tex")
        ],
        workbook=report(
            f"results/{{lang}}/tables/tables_{REPORT_YEAR}.xlsx",
            caption="../report/workbook.rst",
            category="Tables",
            labels={"table": "all tables", "format": "XLSX", "language": "{lang}"},
        ),
    log:
        "logs/readable_tables_{lang}.log",
    conda:
        "../../environment.yml"
    params:
        disclosure=config["disclosure"],
        method_version=config["method"]["version"],
        year=REPORT_YEAR,
        code=script_code("readable_tables.py"),
    script:
        "../scripts/readable_tables.py"


# One rule per figure (mognad.registry): each reads only its own tables and receives only
# its own config keys, so a change reruns just the figures it touches.
for figure in FIGURE_OUTPUTS:

    rule:
        name:
            figure.rule
        input:
            **{name: f"results/tables/{name}.csv" for name in figure.inputs},
            models=(
                expand("results/models/{model}.csv", model=MODELS)
                if figure.name == "forest_plot"
                else []
            ),
            instrument=config["instrument"],
            labels=config["labels"],
        output:
            [
                report(
                    f"results/{{lang}}/figures/{figure.name}.{ext}",
                    caption=f"../report/{figure.caption}",
                    category="Figures",
                    subcategory=FIGURE_SUBCATEGORY[figure.name],
                    labels={
                        "figure": figure.name,
                        "format": ext.upper(),
                        "language": "{lang}",
                    },
                )
                for ext in config["report"]["figure_formats"]
            ],
            f"results/{{lang}}/figures/{figure.name}.csv",
        log:
            f"logs/figures/{{lang}}/{figure.name}.log",
        conda:
            "../../environment.yml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            figure=figure.name,
            tables=list(figure.inputs),
            settings=lambda w, figure=figure: figure_settings(figure, w.lang),
            code=figure_code(figure),
        script:
            "../scripts/figure.py"


rule report:
    input:
        **{name: f"results/tables/{name}.csv" for name in REPORT_TABLES},
        models=expand("results/models/{model}.csv", model=MODELS),
        fits=expand("results/models/{model}_fit.csv", model=MODELS),
        method="results/method.json",
        figures=expand("results/{{lang}}/figures/{name}.png", name=REPORT_FIGURES),
        drawn=expand("results/{{lang}}/figures/{name}.csv", name=REPORT_FIGURES),
        labels=config["labels"],
        instrument=config["instrument"],
        templates=REPORT_TEMPLATES,
    output:
        markdown="results/{lang}/report/{stem}.md",
        html=report(
            "results/{lang}/report/{stem}.html",
            caption="../report/status_report.rst",
            category="Report",
            labels={"report": "{stem}", "format": "HTML", "language": "{lang}"},
        ),
        pdf=report(
            "results/{lang}/report/{stem}.pdf",
            caption="../report/status_report.rst",
            category="Report",
            labels={"report": "{stem}", "format": "PDF", "language": "{lang}"},
        ),
    log:
        "logs/report_{lang}_{stem}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        year=REPORT_YEAR,
        disclosure=config["disclosure"],
        analysis=config["analysis"],
        bootstrap=config["bootstrap"],
        models=config["models"],
        cover={k: config["report"].get(k) for k in ("publisher", "authors", "date")},
        code=script_code("report.py"),
    script:
        "../scripts/report.py"


rule explorer:
    input:
        **{name: f"results/tables/{name}.csv" for name in EXPLORER_TABLES},
        labels=config["labels"],
        instrument=config["instrument"],
    output:
        html=report(
            "results/{lang}/explorer.html",
            caption="../report/explorer.rst",
            category="Explorer",
            labels={"page": "Allas resultat", "format": "HTML", "language": "{lang}"},
        ),
    log:
        "logs/explorer_{lang}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        year=REPORT_YEAR,
        disclosure=config["disclosure"],
        level=config["bootstrap"]["level"],
        report=lambda w: f"report/{report_stem(w.lang, REPORT_YEAR)}.html",
        profiles=f"profiles/{REPORT_YEAR}/index.html",
        code=script_code("explorer.py", "templates/explorer"),
    script:
        "../scripts/explorer.py"
