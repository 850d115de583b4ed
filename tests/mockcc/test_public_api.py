"""The supported surface of ``mockcc``: a short ``__all__``, typed, versioned."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

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
