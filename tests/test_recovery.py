"""After a killed run: the lock it leaves is recognised as stale and removed by the main
command, while a live run's lock is respected."""

from __future__ import annotations

import subprocess
import sys
import time

from conftest import workflow_outputs

from mognad.runner import clear_stale_lock, stale_lock


def _locked(workdir):
    locks = workdir / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("data/raw/demo/dimios_2025.csv\n", encoding="utf-8")
    (locks / "0.output.lock").write_text("results/manifest.json\n", encoding="utf-8")
    return locks


def test_a_lock_without_its_run_is_stale_and_a_live_runs_is_not(tmp_path):
    assert not stale_lock(tmp_path)  # no lock at all
    locks = _locked(tmp_path)
    assert stale_lock(tmp_path)
    # a live Snakemake in that folder (its command line names snakemake)
    live = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "snakemake", "--cores", "2"],
        cwd=tmp_path,
    )
    try:
        for _ in range(50):  # until the process shows in /proc
            if not stale_lock(tmp_path):
                break
            time.sleep(0.05)
        assert not stale_lock(tmp_path)
        assert not clear_stale_lock(tmp_path) and len(list(locks.iterdir())) == 2
    finally:
        live.kill()
        live.wait()
    assert stale_lock(tmp_path) and clear_stale_lock(tmp_path)
    assert not list(locks.iterdir()) and not stale_lock(tmp_path)


def test_the_unlock_command_says_what_it_removed(tmp_path):
    _locked(tmp_path)
    command = [sys.executable, "-m", "mognad", "unlock-stale"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "ended abruptly" in result.stderr
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert again.stderr == ""


def _small_config() -> dict:
    import copy

    from conftest import CONFIG

    config = copy.deepcopy(CONFIG)
    config["years"] = [2019, 2020]  # short, and the same rule
    config["bootstrap"]["replicates"] = 200
    config["sensitivity"]["draws"] = 20
    return config


def test_a_run_killed_midway_recovers_and_ends_as_a_clean_run(tmp_path):
    """kill -9 of the whole run mid-way (Snakemake and its jobs), then the main
    command's steps: remove the stale lock, run again. Every output ends byte-identical
    to an uninterrupted run."""
    import os
    import signal

    from mognad.runner import prepare_workdir, run_workflow, snakemake_command

    config = _small_config()
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    run_workflow(clean, config)
    prepare_workdir(killed, config)
    run = subprocess.Popen(
        snakemake_command(killed),
        cwd=killed,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(killed.glob("data/processed/years/*")):
        time.sleep(0.2)
    time.sleep(3)  # well inside the run: ingestion written, scoring under way
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert stale_lock(killed)
    unlock = [sys.executable, "-m", "mognad", "unlock-stale"]
    subprocess.run(unlock, cwd=killed, check=True, capture_output=True)
    run_workflow(killed, config)
    first, second = workflow_outputs(clean), workflow_outputs(killed)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
