# Figures and the status report, from published tables only.


rule figures:
    input:
        **{name: f"results/tables/{name}.csv" for name in FIGURE_TABLES},
        models=expand("results/models/{model}.csv", model=MODELS),
        instrument=config["instrument"],
        labels=config["labels"],
    output:
        [
            report(
                f"results/figures/{name}.{ext}",
                caption=f"../report/figure_{name}.rst",
                category="Figures",
                subcategory=FIGURE_SUBCATEGORY[name],
                labels={"figure": name, "format": ext.upper()},
            )
            for name in FIGURE_NAMES
            for ext in config["report"]["figure_formats"]
        ],
        expand("results/figures/{name}.csv", name=FIGURE_NAMES),
    log:
        "logs/figures.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        year=REPORT_YEAR,
        language=config["language"],
        focus_sectors=config["analysis"]["focus_sectors"],
        thresholds=config["method"]["quadrant_thresholds"],
        disclosure=config["disclosure"],
        formats=config["report"]["figure_formats"],
        models=config["models"],
        code=script_code("figures.py"),
    script:
        "../scripts/figures.py"


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
        code=script_code("report.py"),
    script:
        "../scripts/report.py"
