"""The sdist and the wheel hold the package and nothing else, whatever a test run left in the checkout.

Builds both with ``python -m build`` (the README's command) from a copy of this checkout in which a
test run's leftovers are planted: hypothesis's database, caches, console screenshots, reports.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEFTOVERS = [
    ".hypothesis/examples/0a/1b",
    "mockcc/__pycache__/app.cpython-311.pyc",
    "mockcc/.hypothesis/examples/x",
    "tests/console/screenshots/chromium-test.png",
    "schemathesis-report/junit.xml",
    ".pytest_cache/v/cache/lastfailed",
    ".mypy_cache/3.11/mockcc.json",
    "contracts.xml",
    "contracts.json",
]
PACKAGES = ("mockcc/", "mockcc_contracts/", "connector_ref/")
SDIST_TOP = {
    ".gitignore",
    "mockcc",
    "mockcc_contracts",
    "connector_ref",
    "schemas",
    "README.md",
    "LICENSE",
    "pyproject.toml",
    "PKG-INFO",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    """(the sdist's members without their top folder, the wheel's members)."""
    tree = tmp_path_factory.mktemp("checkout") / "mockcc"
    ignore = shutil.ignore_patterns(".git", ".venv", ".bench", ".agent-sdk", "node_modules", "dist", "build")
    shutil.copytree(ROOT, tree, ignore=ignore)
    for leftover in LEFTOVERS:
        (tree / leftover).parent.mkdir(parents=True, exist_ok=True)
        (tree / leftover).write_bytes(b"left by a test run")
    out = tree / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(tree)], check=True, capture_output=True, timeout=240
    )
    with tarfile.open(next(out.glob("mockcc-*.tar.gz"))) as sdist:
        members = [name.split("/", 1)[1] for name in sdist.getnames() if "/" in name]
    wheel = zipfile.ZipFile(next(out.glob("mockcc-*.whl"))).namelist()
    return members, wheel


def _junk(names: list[str]) -> list[str]:
    marks = (".hypothesis", "__pycache__", ".pyc", "screenshots", "schemathesis-report", "_cache", "contracts.")
    return [name for name in names if any(mark in name for mark in marks) or name.startswith("tests/")]


@pytest.mark.live
@pytest.mark.timeout(300)
def test_the_sdist_holds_only_the_package(built: tuple[list[str], list[str]]) -> None:
    sdist, _ = built
    assert {name.split("/")[0] for name in sdist} <= SDIST_TOP
    assert _junk(sdist) == []
    assert "schemas/openapi.yaml" in sdist
    assert "mockcc/py.typed" in sdist


@pytest.mark.live
@pytest.mark.timeout(300)
def test_the_wheel_holds_only_the_package(built: tuple[list[str], list[str]]) -> None:
    _, wheel = built
    assert all(name.startswith((*PACKAGES, "mockcc-0.1.0.dist-info/")) for name in wheel), wheel
    assert _junk(wheel) == []
    assert "mockcc/_schemas/control/seed.json" in wheel
    metadata = next(name for name in wheel if name.endswith("METADATA"))
    assert "mockcc-0.1.0.dist-info/licenses/LICENSE" in wheel, metadata
