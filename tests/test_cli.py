"""`python -m mognad check`: a consortium member checks a new export before a run."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from conftest import CONFIG, ROOT, valid_export, write_export


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mognad", "check", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_check_passes_the_demo_export_and_says_what_would_be_excluded():
    result = _check("2022")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout and "duplicate:" in result.stdout


def test_check_lists_every_problem_of_a_broken_export(codebook, tmp_path):
    spec = codebook.years[2023]
    frame = valid_export(spec, n=10).drop(columns=["Q4"]).assign(Kommentar2="")
    demo_register = pd.read_csv(ROOT / CONFIG["source"]["organisations"])
    frame[spec.columns["organisation"]] = demo_register.loc[0, "name"]
    frame.loc[2, "Q1"] = "7"
    frame.loc[6, "Q30"] = "vet inte"
    frame.loc[8, spec.columns["organisation"]] = "Ingen sådan förvaltning"
    path = write_export(frame, spec, tmp_path / "dimios_2023.csv").file
    result = _check("2023", str(path))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("  - ")]
    assert len(lines) == 5, result.stdout
    for where in (
        "column 'Q4'",
        "column 'Kommentar2'",
        "row 4, column 'Q1'",
        "row 8, column 'Q30'",
        "row 10",
    ):
        assert any(where in line and str(path) in line for line in lines), where


def test_check_of_a_year_without_codebook_entry_says_what_to_add():
    result = _check("2031")
    assert result.returncode == 1
    assert "no entry for 2031" in result.stdout


def test_check_lays_an_override_over_the_config_and_names_its_bad_values(tmp_path):
    """``--config`` takes an override, as ``snakemake --configfile`` does: the rest of
    config.yaml stays; a bad value in it is named there, without a traceback."""
    good = tmp_path / "stricter.yaml"
    good.write_text("cleaning:\n  min_answered_share: 0.9\n", encoding="utf-8")
    result = _check("2022", "--config", str(good))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("report:\n  year: 2031\n", encoding="utf-8")
    result = _check("2022", "--config", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert f"{bad}, line 2" in result.stdout and "'report.year' = 2031" in result.stdout
    result = _check("2022", "--config", str(tmp_path / "missing.yaml"))
    assert result.returncode == 1 and "no such file" in result.stdout


def test_help_is_plain_text():
    command = [sys.executable, "-m", "mognad", "--help"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "``" not in result.stdout and "check" in result.stdout


def _dev(*args: str) -> subprocess.CompletedProcess[str]:
    command = ["bash", str(ROOT / "dev.sh"), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_main_command_checks_config_overrides_before_snakemake(tmp_path):
    """A tab in an override: Snakemake would only say 'not valid JSON or YAML'; the main
    command names the file and the line first, and runs nothing."""
    override = tmp_path / "override.yaml"
    override.write_text("bootstrap:\n\treplicates: 10\n", encoding="utf-8")
    result = _dev("report", "-n", "--configfile", str(override))
    assert result.returncode == 1
    assert f"{override}, line 2" in result.stderr and "tabs" in result.stderr
    assert "Nothing was run." in result.stderr and "Traceback" not in result.stderr


def test_unlock_through_the_main_command_does_not_fail_in_the_report_step():
    result = _dev("report", "--unlock")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "marked for report" not in result.stdout + result.stderr


def test_the_package_works_outside_the_checkout(tmp_path):
    """Installed elsewhere (here: the package folder copied alone onto the path), the
    commands find their schema and templates in the package and the project in the
    working directory."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "src" / "mognad", site / "mognad", ignore=shutil.ignore_patterns("__pycache__")
    )
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "config.yaml", project)
    shutil.copytree(ROOT / "data" / "codebook", project / "data" / "codebook")
    shutil.copytree(ROOT / "data" / "raw" / "demo", project / "data" / "raw" / "demo")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "HOME": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mognad", *args]
        return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)

    where = subprocess.run(
        [sys.executable, "-c", "import mognad.config as c; print(c.__file__, c.ROOT)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where == [str(site / "mognad" / "config.py"), str(project)]
    assert (site / "mognad" / "schemas" / "config.schema.yaml").is_file()
    checked = run("check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    year = run("check", "2022")
    assert year.returncode == 0, year.stdout + year.stderr
    assert "no problems" in year.stdout
    (project / "config.yaml").write_text(
        (project / "config.yaml")
        .read_text(encoding="utf-8")
        .replace("replicates: 2000", "replicates: -1"),
        encoding="utf-8",
    )
    bad = run("check-config")
    assert bad.returncode != 0 and "replicates" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stdout + bad.stderr
