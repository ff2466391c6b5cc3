"""Students can open the notebooks in JupyterLab, here and on Binder: the environment has
JupyterLab, its server serves the percent scripts in notebooks/ as notebooks (jupytext), saving
one writes it back unchanged, and binder/ installs exactly the locked environment."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jupytext
import pytest
from conftest import ROOT
from packaging.specifiers import SpecifierSet

BIN = Path(sys.executable).parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
BINDER = ROOT / "binder"
#: Where an environment keeps JupyterLab's settings overrides.
LAB_SETTINGS = "share/jupyter/lab/settings/overrides.json"
#: Seconds the server may take to start (about 3 s here) and to stop.
START_TIMEOUT = 60
STOP_TIMEOUT = 20


def locked_version(name: str) -> str:
    """The version requirements.lock pins for ``name`` (one pin for all platforms)."""
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    (version,) = set(re.findall(rf"(?m)^{re.escape(name)}==([^\s;\\]+)", lock))
    return version


def jupyter_env(scratch: Path) -> dict[str, str]:
    """The environment with Jupyter's runtime, config and data folders in ``scratch``, so
    neither the user's Jupyter settings nor other servers interfere and nothing is written
    to the home folder."""
    env = dict(os.environ)
    for name in ("runtime", "config", "data"):
        (scratch / name).mkdir(exist_ok=True)
        env[f"JUPYTER_{name.upper()}_DIR"] = str(scratch / name)
    return env


def test_jupyterlab_and_nbconvert_run_from_the_environment(tmp_path):
    commands = {"jupyterlab": "lab", "nbconvert": "nbconvert"}
    running = {
        package: subprocess.Popen(
            [BIN / "jupyter", command, "--version"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=jupyter_env(tmp_path),
        )
        for package, command in commands.items()
    }
    for package, process in running.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert out.strip() == locked_version(package)


def test_the_notebooks_use_the_project_jupytext_config():
    from jupytext.config import find_jupytext_configuration_file

    found = find_jupytext_configuration_file(str(ROOT / "notebooks"))
    assert found is not None and Path(found) == ROOT / "jupytext.toml"


@dataclass
class Server:
    """A running Jupyter server: where it listens and the token it wants."""

    url: str
    token: str

    def get(self, path: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get_json(self, path: str) -> dict:
        status, body = self.get(path)
        assert status == 200, body[:500]
        return json.loads(body)


def wait_for_server(runtime: Path, process: subprocess.Popen, log: Path, token: str) -> Server:
    """The server once it answers, found through the info file it writes in ``runtime``."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log.read_text()}")
        info = runtime / f"jpserver-{process.pid}.json"
        if info.exists():
            try:
                port = json.loads(info.read_text())["port"]
            except (ValueError, KeyError):
                port = None  # still being written
            if port:
                server = Server(f"http://127.0.0.1:{port}", token)
                try:
                    if server.get("/api/status")[0] == 200:
                        return server
                except OSError:
                    pass
        time.sleep(0.2)
    pytest.fail(f"jupyter lab did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """``jupyter lab`` as a student starts it (root: the project), on a free local port with
    a token and its own Jupyter folders; shut down through its API afterwards."""
    scratch = tmp_path_factory.mktemp("jupyter")
    env = jupyter_env(scratch)
    token = secrets.token_hex(16)
    command = [
        str(BIN / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        "--port=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = scratch / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        server = wait_for_server(scratch / "runtime", process, log, token)
        yield server
        request = urllib.request.Request(
            server.url + "/api/shutdown",
            method="POST",
            headers={"Authorization": f"token {token}"},
        )
        urllib.request.urlopen(request, timeout=10).close()
        assert process.wait(timeout=STOP_TIMEOUT) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_double_click_opens_a_notebook_as_a_notebook(server):
    """As a student does it: JupyterLab in a real browser, notebooks/ in the file browser,
    a double-click on a notebook; it opens as a notebook with the stored cells, not in the
    text editor (the default viewer of Python files, which binder/overrides.json changes)."""
    from browser import launch

    path = NOTEBOOKS[0]
    cells = jupytext.read(path).cells
    with (
        launch() as chromium,
        chromium.open_page(
            f"{server.url}/lab/tree/notebooks?token={server.token}",
            width=1280,
            allowed=(f"{server.url}/", f"{server.url.replace('http', 'ws', 1)}/"),
        ) as run,
    ):
        page = run.page
        item = page.locator(f'.jp-DirListing-item[title^="Name: {path.name}"]')
        item.wait_for(timeout=60_000)
        item.dblclick()
        panel = page.locator(".jp-NotebookPanel").first
        panel.wait_for(timeout=60_000)
        panel.locator(".jp-Cell").nth(len(cells) - 1).wait_for()
        assert panel.locator(".jp-Cell").count() == len(cells)
        assert page.locator(".jp-FileEditor").count() == 0
        assert run.requests == []


def test_the_server_runs_jupytext(server):
    status = server.get_json("/api/status")
    assert status["started"]
    status_code, page = server.get("/lab")
    assert status_code == 200
    # jupytext's JupyterLab extension ("Open With → Jupytext Notebook") is served
    assert b"jupyterlab-jupytext" in page


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_percent_script_opens_as_a_notebook(server, path):
    model = server.get_json(f"/api/contents/notebooks/{path.name}?content=1")
    assert model["type"] == "notebook"
    assert model["format"] == "json"
    cells = model["content"]["cells"]
    stored = jupytext.read(path).cells
    assert [c["cell_type"] for c in cells] == [c.cell_type for c in stored]
    assert [c["source"] for c in cells] == [c.source for c in stored]
    assert model["content"]["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_saving_from_jupyterlab_leaves_the_notebook_unchanged(tmp_path, monkeypatch, path):
    """The server's own contents manager class (async, with jupytext) and the project's
    jupytext.toml, on a copy: open, add what JupyterLab adds (cell metadata, language
    info, outputs), save, and the file is byte for byte what is stored."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    for name, value in jupyter_env(tmp_path).items():
        monkeypatch.setenv(name, value)  # the notebook signatures go there
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(ROOT / "jupytext.toml", root)
    shutil.copy(path, root)
    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(root_dir=str(root))

    async def open_and_save() -> None:
        model = await manager.get(path.name)
        notebook = model["content"]
        notebook["metadata"]["language_info"] = {"name": "python", "version": "3.11"}
        for cell in notebook["cells"]:
            cell["metadata"]["collapsed"] = False
            cell["metadata"]["tags"] = ["student"]
            if cell["cell_type"] == "code":
                cell["execution_count"] = 1
                cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
        await manager.save({"type": "notebook", "format": "json", "content": notebook}, path.name)

    asyncio.run(open_and_save())
    assert (root / path.name).read_bytes() == path.read_bytes()


def requirement_entries(path: Path) -> set[tuple[str, str, frozenset[str]]]:
    """(requirement, marker, hashes) of every requirement in a requirements file, following
    ``-r`` relative to the including file as pip does; other options are dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    entries = set()
    for raw in text.splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        included = re.fullmatch(r"(?:-r|--requirement)[\s=]+(\S+)", line)
        if included:
            entries |= requirement_entries(path.parent / included[1])
            continue
        if line.startswith("-"):
            continue
        hashes = frozenset(re.findall(r"--hash=(\S+)", line))
        requirement, _, marker = re.sub(r"\s--hash=\S+", "", line).partition(";")
        entries.add((requirement.strip().lower(), marker.strip(), hashes))
    return entries


def test_binder_installs_exactly_the_lock():
    assert sorted(p.name for p in BINDER.iterdir()) == [
        "overrides.json",  # JupyterLab's settings: postBuild copies it, repo2docker ignores it
        "postBuild",
        "requirements.txt",
        "runtime.txt",
    ], "repo2docker must install nothing but binder/requirements.txt (and run postBuild)"
    options = [
        line.strip()
        for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("-")
    ]
    assert "--require-hashes" in options
    binder = requirement_entries(BINDER / "requirements.txt")
    locked = requirement_entries(ROOT / "requirements.lock")
    assert binder == locked
    assert all(re.search(r"==", req) and hashes for req, _, hashes in binder)
    assert {"jupyterlab", "jupytext", "ipykernel", "pandas"} <= {
        req.split("==")[0] for req, _, _ in binder
    }


def test_binder_python_is_the_lock_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, runtime
    version = match[1]
    header = (ROOT / "requirements.lock").read_text(encoding="utf-8").split("\n", 3)[:3]
    assert f"--python-version {version}" in "\n".join(header), "the lock was made for it"
    assert f"--python-version {version}" in (ROOT / "dev.sh").read_text(encoding="utf-8")
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert f"  - python={version}\n" in env
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version + ".0" in SpecifierSet(requires)


def test_binder_postbuild_makes_the_package_importable(tmp_path):
    """postBuild writes the same .pth as ``bash dev.sh setup`` into the kernel's
    environment (here a bare venv standing in for repo2docker's), and the same JupyterLab
    settings into the notebook environment's."""
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env_dir], check=True, timeout=60)
    notebook_env = tmp_path / "notebook-env"
    environ = os.environ | {
        "KERNEL_PYTHON_PREFIX": str(env_dir),
        "NB_PYTHON_PREFIX": str(notebook_env),
    }
    done = subprocess.run(
        [BINDER / "postBuild"], cwd=tmp_path, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    python = env_dir / "bin" / "python"

    def ask(code: str) -> str:
        """What the new environment's Python prints for ``code``."""
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    purelib = ask("import sysconfig; print(sysconfig.get_paths()['purelib'])")
    written = (Path(purelib) / "mognad-src.pth").read_text()
    ours = Path(sysconfig.get_paths()["purelib"], "mognad-src.pth").read_text()
    assert written == ours == f"{ROOT / 'src'}\n"
    origin = ask("import importlib.util as u; print(u.find_spec('mognad').origin)")
    assert Path(origin) == ROOT / "src" / "mognad" / "__init__.py"
    settings = notebook_env / "share/jupyter/lab/settings/overrides.json"
    assert settings.read_bytes() == (BINDER / "overrides.json").read_bytes()
    assert settings.read_bytes() == (BIN.parent / LAB_SETTINGS).read_bytes()  # as dev.sh
