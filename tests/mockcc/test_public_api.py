"""The supported surface of ``mockcc``: a short ``__all__``, typed, versioned."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import mockcc


def test_the_public_names_are_pinned() -> None:
    assert mockcc.__all__ == ["MockccError", "Settings", "__version__", "create_app"]
    assert all(hasattr(mockcc, name) for name in mockcc.__all__)


def test_the_package_is_typed_and_versioned() -> None:
    assert (Path(mockcc.__file__).parent / "py.typed").is_file()
    assert mockcc.__version__ == metadata.version("mockcc")


def test_the_public_names_run_a_mock() -> None:
    app = mockcc.create_app(mockcc.Settings(random_seed=1))
    with TestClient(app, base_url="http://127.0.0.1") as client:  # a Host the mock serves (mockcc/guard.py)
        assert client.get("/_mockcc/health").json()["status"] == "ok"
    assert issubclass(mockcc.MockccError, Exception)


def test_a_submodule_does_not_load_the_app() -> None:
    """The public names load on first use: ``import mockcc.ids`` builds no app."""
    probe = "import sys, mockcc.ids; print(sorted(m for m in ('mockcc.app', 'starlette') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert "create_app" in dir(mockcc)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = mockcc.nothing_here  # type: ignore[attr-defined]
