"""The student notebooks run top to bottom on the demo data, use only the package's public
names, and are stored as jupytext percent scripts without outputs."""

from __future__ import annotations

import ast
import importlib
import json
import shutil
import subprocess
import sys

import jupytext
import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("[0-9][0-9]_*.py"))
#: Seconds any one cell may take (the slowest, the mixed model, takes about 10 s).
CELL_TIMEOUT = 120

#: Per notebook: expressions evaluated in its kernel after the last cell, each must be True.
#: They check that the notebook computed what it teaches, not just that it ran.
CHECKS = {
    "01_responses_and_exclusions.py": [
        "len(excluded) == len(demo.exclusions) > 0",
        "set(examples.index) == set(REASONS)",
        "not personal & set(responses.columns)",
        "(flow['received'] == flow[parts].sum(axis=1) + flow['analysed']).all()",
    ],
    "02_items_to_indices.py": [
        "answers.loc[instrument.category_items('teknik', revision), 'vet_ej'].mean()"
        " > answers['vet_ej'].mean()",
        "midpoint.method.dont_know == 'midpoint' and demo.method.dont_know == 'missing'",
        "len(reliability) == 6 * len(demo.years)",
        "bool(cfa['converged'].all()) and cfa['year'].tolist() == [YEAR]",
    ],
    "03_sectors_and_trends.py": [
        "decomposition.loc[2022, 'cross_sectional'] < 0",
        "decomposition.loc[2022, 'composition'] < 0",
        "sorted(fe.index) == list(demo.years)",
        "contrasts['year'].eq(2025).all()",
    ],
    "04_regression_walkthrough.py": [
        "set(results) == set(specs)",
        "bool(results['maturity_ols'].fit['converged'])",
        "comparison.loc['np.log(employees)', 'ratio'] > 1",
        "len(checks) == results['maturity_ols'].fit['n']",
    ],
}


def body(text: str) -> str:
    """The text after the jupytext YAML header (``# ---`` ... ``# ---``)."""
    assert text.startswith("# ---\n"), "no jupytext header"
    return text.split("\n# ---\n", 1)[1]


def test_every_notebook_is_checked_and_listed():
    assert [p.name for p in NOTEBOOKS] == sorted(CHECKS)
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert path.name in readme


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_a_percent_script_without_outputs(path):
    text = path.read_text(encoding="utf-8")
    notebook = jupytext.read(path)
    assert notebook.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    kinds = {cell.cell_type for cell in notebook.cells}
    assert kinds == {"markdown", "code"}
    # Below the header, the stored text is what jupytext itself writes (the header's
    # version stamp aside): opening and saving the notebook gives no diff.
    assert body(jupytext.writes(notebook, fmt="py:percent")) == body(text)
    for cell in notebook.cells:
        assert not cell.get("outputs")
        assert cell.get("execution_count") is None


def test_no_ipynb_with_outputs_is_stored():
    """Converted notebooks (with outputs) are ignored by git and none is tracked."""
    ignored = (FOLDER / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "*.ipynb" in ignored
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "--", "notebooks/*.ipynb"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_public_package_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mognad"):
            parts = node.module.split(".")
            assert not any(p.startswith("_") for p in parts), node.module
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert not alias.name.startswith("_"), f"{node.module}.{alias.name}"
                assert hasattr(module, alias.name), f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert not any(p.startswith("_") for p in alias.name.split(".")), alias.name
        elif isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            assert not private, f"line {node.lineno}: .{node.attr}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = jupytext.read(path)
    checks = CHECKS[path.name]
    listed = ", ".join(f"bool({check})" for check in checks)
    probe = (
        "import json as _json, sys as _sys\n"
        f"print(_json.dumps({{'prefix': _sys.prefix, 'checks': [{listed}]}}))"
    )
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    for cell in notebook.cells:
        if cell.cell_type == "code":
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, cell.source
    printed = "".join(
        o.text for o in notebook.cells[-1].outputs if o.output_type == "stream"
    ).strip()
    result = json.loads(printed.splitlines()[-1])
    # The kernel is this environment's interpreter (jupyter_client runs the "python3"
    # spec with sys.executable), so the notebooks test the package installed here.
    assert result["prefix"] == sys.prefix
    failed = [check for check, ok in zip(checks, result["checks"], strict=True) if not ok]
    assert not failed
