# One profile per participating organisation of the report year, rendered from the numbers
# the publishing stage's checkpoint `profile_data` (publish.smk) wrote for all of them at
# once: one job per organisation, then an index.


# results/profiles/<year>/index.html is the list of profiles, never an organisation's page
# (profile_data refuses an organisation called "index").
ruleorder: profile_index > profile


rule profile:
    input:
        # The checkpoint's folder, not the organisation's file: Snakemake weighs every
        # ready job's inputs each time it schedules one, so one shared path keeps
        # scheduling 1,500 profile jobs linear instead of quadratic.
        data="data/processed/profiles/{year}",
        labels=config["labels"],
        instrument=config["instrument"],
    output:
        html="results/{lang}/profiles/{year}/{org_id}.html",
        pdf="results/{lang}/profiles/{year}/{org_id}.pdf",
    log:
        "logs/profiles/{lang}/{year}/{org_id}.log",
    params:
        code=code_fingerprint(
            modules=["publish.profiles"], folders=["templates/profile"]
        ),
    run:
        # In the main process: a profile takes ~30 ms to render, a fresh interpreter ~0.5 s.
        render_profile_job(input, output, params, wildcards, log[0])


rule municipality_profile:
    input:
        data="data/processed/profiles/{year}",
        labels=config["labels"],
        instrument=config["instrument"],
    output:
        html="results/{lang}/profiles/{year}/municipalities/{group_id}.html",
        pdf="results/{lang}/profiles/{year}/municipalities/{group_id}.pdf",
    log:
        "logs/profiles/{lang}/{year}/municipalities/{group_id}.log",
    params:
        code=code_fingerprint(
            modules=["publish.profiles"], folders=["templates/profile"]
        ),
    run:
        render_profile_job(input, output, params, wildcards, log[0], "municipalities")


rule profile_index:
    input:
        data=lambda w: expand(
            "data/processed/profiles/{year}/{org_id}.json",
            year=w.year,
            org_id=profile_ids(w),
        ),
        pages=lambda w: expand(
            "results/{lang}/profiles/{year}/{org_id}.{ext}",
            lang=w.lang,
            year=w.year,
            org_id=profile_ids(w),
            ext=["html", "pdf"],
        ),
        # built with the index, never linked from it: each is for its municipality only
        municipalities=lambda w: expand(
            "results/{lang}/profiles/{year}/municipalities/{group_id}.{ext}",
            lang=w.lang,
            year=w.year,
            group_id=municipality_ids_of(w.year),
            ext=["html", "pdf"],
        ),
        labels=config["labels"],
        instrument=config["instrument"],
    output:
        index=report(
            "results/{lang}/profiles/{year}/index.html",
            caption="../report/profiles.rst",
            category="Profiles",
            labels={"profiles": "index", "year": "{year}", "language": "{lang}"},
        ),
    log:
        "logs/profile_index_{lang}_{year}.log",
    conda:
        "../../environment.yml"
    params:
        # profiles exist for the report year only, as does its report
        report=lambda w: f"../../report/{report_stem(w.lang, int(w.year))}.html",
        explorer="../../explorer.html",
        code=script_code("profile_index.py", "templates/profile"),
    script:
        "../scripts/profile_index.py"
