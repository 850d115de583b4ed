"""Installing mockcc must not change anyone's pytest run: the plugin loads on every run, so it costs nothing.

Each test runs pytest in a throwaway project outside this repository (its own pyproject.toml with
``filterwarnings = error``, and ``-W error`` on the command line), in this environment, where mockcc is
installed and its ``pytest11`` entry point loads the plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STRICT = """
[tool.pytest.ini_options]
filterwarnings = ["error"]
"""

UNUSED = """
def test_plugin_is_loaded_but_silent(request):
    assert request.config.pluginmanager.has_plugin("mockcc")
"""

USED = """
import httpx


def test_in_process(mockcc_inprocess):
    assert mockcc_inprocess.control.clock()["frozen"] is True


def test_live(mockcc_live, mockcc_control, mockcc_credentials, mockcc_agent, mockcc_receiver):
    assert httpx.get(mockcc_credentials.base_url + "/_mockcc/health").json()["status"] == "ok"
    assert mockcc_control.journal() == []
    assert callable(mockcc_agent)
    assert mockcc_receiver.url().startswith("http://127.0.0.1:")
"""


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONWARNINGS"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-W", "error", "-q", "-p", "no:cacheprovider", "--rootdir", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _project(tmp_path: Path, tests: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(STRICT)
    (tmp_path / "test_brand.py").write_text(tests)
    return tmp_path


def test_a_project_that_does_not_use_mockcc_runs_as_before(tmp_path: Path) -> None:
    done = _pytest(_project(tmp_path, UNUSED))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "warning" not in (done.stdout + done.stderr).lower()


@pytest.mark.live
def test_a_project_using_the_fixtures_runs_under_warnings_as_errors(tmp_path: Path) -> None:
    done = _pytest(_project(tmp_path, USED))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "warning" not in (done.stdout + done.stderr).lower()


def test_loading_the_plugin_imports_no_web_framework() -> None:
    """The modules loading the plugin brings in beyond pytest's own: the standard library's, nothing else."""
    probe = (
        "import sys, json, pytest; before = set(sys.modules); import mockcc_contracts.pytest_plugin; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run([sys.executable, "-W", "error", "-c", probe], capture_output=True, text=True, check=True)
    added = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert added <= {"mockcc_contracts"} | set(sys.stdlib_module_names), added
    assert done.stderr == ""
