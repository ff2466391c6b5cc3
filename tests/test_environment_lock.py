"""environment.yml (conda/Binder) must pin exactly what requirements.lock pins."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "write_environment_yml", ROOT / "tools" / "write_environment_yml.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def env_pins(env_text: str) -> tuple[set[tuple[str, str, str]], list[str], list[str]]:
    """(pins of the pip section, conda entries, pip options) of an environment.yml text."""
    env = yaml.safe_load(env_text)
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [e for d in env["dependencies"] if isinstance(d, dict) for e in d["pip"]]
    options = [e for e in pip if e.startswith("-")]
    return tool.pins([e for e in pip if not e.startswith("-")]), conda, options


def disagreements(env_text: str, lock_text: str) -> set[tuple[str, str, str]]:
    """Pins present in only one of the two files."""
    locked = tool.pins(tool.requirement_lines(lock_text))
    return env_pins(env_text)[0] ^ locked


def test_environment_yml_pins_what_the_lock_pins():
    env_text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    lock_text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert disagreements(env_text, lock_text) == set()
    _, _, options = env_pins(env_text)
    assert options == ["-e ."], "the project itself is installed from the working tree"
    names = {n for n, _, _ in tool.pins(tool.requirement_lines(lock_text))}
    assert {"pandas", "snakemake", "statsmodels", "seaborn", "pytest"} <= names


def test_environment_python_meets_requires_python():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    _, conda, _ = env_pins((ROOT / "environment.yml").read_text(encoding="utf-8"))
    (python,) = [d for d in conda if d.startswith("python")]
    minimum = re.fullmatch(r">=\s*(\d+)\.(\d+)", requires)
    assert minimum, f"requires-python {requires!r} is expected to be a plain lower bound"
    have = tuple(int(x) for x in python.split("=")[-1].split("."))
    assert have >= (int(minimum[1]), int(minimum[2]))


def test_drift_is_detected():
    lock_text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    env_text = tool.render(lock_text)
    assert disagreements(env_text, lock_text) == set()
    pandas_line = next(line for line in env_text.splitlines() if '"pandas==' in line)
    drifted = env_text.replace(pandas_line, '      - "pandas==0.0.1"')
    assert disagreements(drifted, lock_text) >= {("pandas", "0.0.1", "")}
    with pytest.raises(ValueError, match="not an exact pin"):
        tool.pins(["pandas>=2"])
