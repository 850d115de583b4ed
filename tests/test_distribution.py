"""The sdist and the wheel hold the package and nothing else, whatever a test run left in the checkout.

Builds both with ``python -m build`` (the README's command) from a copy of this checkout in which a
test run's leftovers are planted: hypothesis's database, caches, console screenshots, reports.
"""

from __future__ import annotations

import os
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
    assert {f"{package}py.typed" for package in PACKAGES} <= set(wheel)  # each package says it is typed
    metadata = next(name for name in wheel if name.endswith("METADATA"))
    assert "mockcc-0.1.0.dist-info/licenses/LICENSE" in wheel, metadata


@pytest.mark.live
@pytest.mark.timeout(300)
def test_pip_installs_it_from_a_git_url(tmp_path: Path) -> None:
    """README's `pip install "mockcc @ git+<url>"`, with a file:// URL to a clone: what pip builds from git runs."""
    repo = tmp_path / "mockcc.git"
    ignore = shutil.ignore_patterns(".git", ".venv", ".bench", ".agent-sdk", "node_modules", "dist", "build", "tests")
    shutil.copytree(ROOT, repo, ignore=ignore)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*git, *step], check=True, capture_output=True, timeout=60)
    site = tmp_path / "site"
    url = f"mockcc @ git+{repo.as_uri()}@main"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), url],
        check=True,
        capture_output=True,
        timeout=240,
    )
    assert (site / "mockcc" / "py.typed").is_file()
    assert (site / "mockcc" / "_schemas" / "openapi.yaml").is_file()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import mockcc; print(mockcc.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert where.stdout.strip() == str(site / "mockcc" / "__init__.py")  # the installed copy, not this checkout
    version = subprocess.run(
        [sys.executable, "-m", "mockcc", "--version"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert version.stdout.strip() == "mockcc 0.1.0", version.stderr
