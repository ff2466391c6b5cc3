# Figures and the status report, from published tables only.


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
                    f"results/figures/{figure.name}.{ext}",
                    caption=f"../report/{figure.caption}",
                    category="Figures",
                    subcategory=FIGURE_SUBCATEGORY[figure.name],
                    labels={"figure": figure.name, "format": ext.upper()},
                )
                for ext in config["report"]["figure_formats"]
            ],
            f"results/figures/{figure.name}.csv",
        log:
            f"logs/figures/{figure.name}.log",
        conda:
            "../../environment.yml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            figure=figure.name,
            tables=list(figure.inputs),
            settings=figure_settings(figure),
            code=figure_code(figure),
        script:
            "../scripts/figure.py"


rule report:
    input:
        **{name: f"results/tables/{name}.csv" for name in REPORT_TABLES},
        models=expand("results/models/{model}.csv", model=MODELS),
        fits=expand("results/models/{model}_fit.csv", model=MODELS),
        method="results/method.json",
        figures=expand("results/figures/{name}.png", name=REPORT_FIGURES),
        labels=config["labels"],
        instrument=config["instrument"],
        templates=REPORT_TEMPLATES,
    output:
        markdown=f"results/report/{REPORT_STEM}.md",
        html=report(
            f"results/report/{REPORT_STEM}.html",
            caption="../report/status_report.rst",
            category="Report",
            labels={"report": REPORT_STEM, "format": "HTML"},
        ),
        pdf=report(
            f"results/report/{REPORT_STEM}.pdf",
            caption="../report/status_report.rst",
            category="Report",
            labels={"report": REPORT_STEM, "format": "PDF"},
        ),
    log:
        "logs/report.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        year=REPORT_YEAR,
        language=config["language"],
        disclosure=config["disclosure"],
        analysis=config["analysis"],
        bootstrap=config["bootstrap"],
        models=config["models"],
        cover={k: config["report"].get(k) for k in ("publisher", "authors", "date")},
        code=script_code("report.py"),
    script:
        "../scripts/report.py"
