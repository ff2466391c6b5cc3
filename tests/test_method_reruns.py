"""Changing a method choice reruns exactly the jobs that depend on the method."""

from __future__ import annotations

import copy

import pandas as pd
from conftest import CONFIG, ROOT, per_language, planned_jobs

from mognad.outputs import COEFFICIENT_COLUMNS, FIGURES
from mognad.runner import run_workflow

#: The analyses downstream of the organisation scores, which any scoring change reruns.
ANALYSES = {"sector_analysis": 1, "trend_analysis": 1, "fit_models": 1}
#: Everything published from the analyses: tables, figures, report, profiles (one job
#: per language for what readers read).
PUBLISHED = {
    "publish_tables": 1,
    "publish_models": 1,
    "readable_tables": 1,
    "open_data": 1,
    **{f"figure_{name}": 1 for name in FIGURES},
    "report": 1,
    "profile_data": 1,
    "profile_index": 1,
    "explorer": 1,
    "manifest": 1,
}


def test_method_change_reruns_the_back_series_and_nothing_upstream(tmp_path):
    config = copy.deepcopy(CONFIG)
    config["years"] = [2019, 2020]  # two years keep the run short; the rule is the same
    config["bootstrap"]["replicates"] = 200
    config["sensitivity"]["draws"] = 20
    labels = tmp_path / "labels.yaml"
    labels.write_text((ROOT / CONFIG["labels"]).read_text(encoding="utf-8"), encoding="utf-8")
    config["labels"] = str(labels)
    work = tmp_path / "work"
    run_workflow(work, config)
    assert planned_jobs(work, config) == {}

    # Display words are the labels' business: renaming a quadrant reruns only what shows
    # words, no scoring, bootstrap, quality, sensitivity or model job.
    text = labels.read_text(encoding="utf-8")
    assert '"Digitalt mogen"' in text
    labels.write_text(text.replace('"Digitalt mogen"', '"Digitalt mogen (ny)"'), encoding="utf-8")
    # (profile_data follows the published sector tables it reads; the models' CSV tables
    # carry codes, so publish_models stays)
    words = {k: n for k, n in PUBLISHED.items() if k != "publish_models"}
    assert planned_jobs(work, config) == per_language(words, config)
    run_workflow(work, config)
    published = pd.read_csv(work / "results/tables/quadrants.csv")
    assert "Digitalt mogen (ny)" in set(published["quadrant_sv"])

    changed = copy.deepcopy(config)
    changed["method"]["min_answered_share"] = 0.6
    plan = planned_jobs(work, changed)
    years = len(config["years"])
    assert plan == per_language(
        {
            "score_year": years,
            "bootstrap_year": years,
            "quality_year": years,
            "sensitivity_year": years,
            "combine_scores": 1,
            "combine_intervals": 1,
            "combine_quality": 1,
            "combine_sensitivity": 1,
            "quadrants": 1,
            "method_record": 1,
            **ANALYSES,
            **PUBLISHED,
        },
        config,
    )

    # Bootstrap settings rerun the intervals and what shows them; the point scores, the
    # analyses of them, quality, sensitivity and the models stay as they are.
    shows_intervals = {
        "bootstrap_year": years,
        "combine_intervals": 1,
        "method_record": 1,
        "sector_analysis": 1,  # its focus table repeats the sector intervals
        **{k: n for k, n in PUBLISHED.items() if k not in ("publish_models", "figure_forest_plot")},
    }
    replicates = copy.deepcopy(config)
    replicates["bootstrap"]["replicates"] = 300
    assert planned_jobs(work, replicates) == per_language(shows_intervals, config)
    level = copy.deepcopy(config)
    level["bootstrap"]["level"] = 0.9
    # the trends' intervals follow the level too
    assert planned_jobs(work, level) == per_language(
        {**shows_intervals, "trend_analysis": 1}, config
    )

    added = copy.deepcopy(config)
    added["models"]["innovation_recent"] = {
        "kind": "ols",
        "level": "organisation",
        "formula": "innovation ~ C(sector)",
        "sample": "year >= 2020",
    }
    # the new model's table, and the figure and report that show every model
    assert planned_jobs(work, added) == per_language(
        {
            "fit_models": 1,
            "publish_models": 1,
            "readable_tables": 1,
            "figure_forest_plot": 1,
            "report": 1,
            "manifest": 1,
        },
        config,
    )
    run_workflow(work, added)
    table = pd.read_csv(work / "results/models/innovation_recent.csv")
    assert list(table.columns) == [*COEFFICIENT_COLUMNS, "suppressed"]
    assert "innovation_recent" in pd.read_csv(work / "results/tables/regression_table.csv").columns
