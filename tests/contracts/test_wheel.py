"""The launchers work from an installed wheel: nothing assumes this repository's layout.

Builds the wheel (pip, about 5 s), unpacks it into a temporary site directory and runs the CLI from
a directory outside the repository with only that site directory ahead on the path: the mock, the
reference connector and the contract suite all start from the installed files.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the wheel, an environment whose PYTHONPATH is the wheel's files alone)."""
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base), str(ROOT)],
        check=True,
        timeout=240,
        capture_output=True,
    )
    wheel = next(base.glob("mockcc-*.whl"))
    site = base / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    return wheel, {**os.environ, "PYTHONPATH": str(site)}


@pytest.mark.live
@pytest.mark.timeout(300)
def test_the_wheel_holds_what_users_need(installed: tuple[Path, dict[str, str]]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("mockcc/py.typed", "mockcc_contracts/py.typed", "mockcc/_schemas/openapi.yaml"):
        assert needed in names
    assert not any(n.startswith(("tests/", "contracts/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text
    assert "mockcc_contracts.pytest_plugin" in text


@pytest.mark.live
@pytest.mark.timeout(300)
def test_the_suite_runs_from_the_installed_wheel(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    _, env = installed
    site = env["PYTHONPATH"]
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import mockcc, mockcc_contracts, connector_ref; print(mockcc.__file__, connector_ref.__file__)",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.count(site) == 2, where
    version = subprocess.run(
        [sys.executable, "-m", "mockcc", "--version"], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == "mockcc 0.1.0"
    connector = shlex.join([sys.executable, "-m", "connector_ref"])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockcc",
            "contract",
            "--connector-cmd",
            connector,
            "--only",
            "LP-CONV-001",
            "--only",
            "LP-AGENT-001",
            "--junit",
            "out.xml",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert (tmp_path / "out.xml").exists()
