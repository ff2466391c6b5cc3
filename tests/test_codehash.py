"""Rerun triggers follow what a script imports from the package, transitively."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

from mognad.codehash import code_fingerprint, imported_modules, module_closure


def _package(root: Path) -> Path:
    package = root / "mognad"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from mognad.b import f\n")
    (package / "b.py").write_text("def f():\n    import mognad.c\n")
    (package / "c.py").write_text("X = 1\n")
    (package / "unrelated.py").write_text("Y = 2\n")
    (package / "templates").mkdir()
    (package / "templates" / "page.j2").write_text("{{ x }}")
    return package


def test_imports_are_found_in_every_form():
    source = "import mognad.a\nfrom mognad.b import x\nfrom mognad import c, d\nimport os\n"
    assert imported_modules(source) == {"a", "b", "b.x", "c", "d"}
    assert imported_modules("from mognad.sub import mod\n") == {"sub", "sub.mod"}


def test_a_fingerprint_changes_with_imported_code_only(tmp_path):
    package = _package(tmp_path)
    script = tmp_path / "job.py"
    script.write_text("from mognad.a import something\n")
    files = module_closure([script.read_text()], package)
    assert [p.name for p in files] == ["a.py", "b.py", "c.py"]
    before = code_fingerprint([script], root=package)
    (package / "unrelated.py").write_text("Y = 3\n")
    assert code_fingerprint([script], root=package) == before
    (package / "c.py").write_text("X = 2\n")  # imported inside a function of b
    changed = code_fingerprint([script], root=package)
    assert changed != before
    with_templates = code_fingerprint([script], ["templates"], root=package)
    (package / "templates" / "page.j2").write_text("{{ y }}")
    assert code_fingerprint([script], ["templates"], root=package) != with_templates
    assert code_fingerprint([script], root=package) == changed


def test_every_workflow_script_imports_only_existing_package_modules():
    """A module a script imports from must be found, or its changes would rerun nothing."""
    package = ROOT / "src" / "mognad"
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        named = re.findall(r"^from mognad\.([\w.]+) import", source, flags=re.MULTILINE)
        assert named, script.name
        files = set(module_closure([source]))
        for module in named:
            path = package.joinpath(*module.split("."))
            expected = path.with_suffix(".py") if path.with_suffix(".py").is_file() else None
            expected = expected or (path / "__init__.py")
            assert expected.is_file() and expected.resolve() in files, (script.name, module)
