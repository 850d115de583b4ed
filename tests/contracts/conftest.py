"""Run ``mockcc contract`` in-process (the mock and the connector are real subprocesses) and read its JSON report."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockcc.__main__ import main

Run = Callable[..., tuple[int, dict[str, Any], str]]


def connector_cmd(*module_args: str, env: str = "") -> str:
    """A shell command starting ``python -m MODULE ARGS`` with this interpreter (``env``: ``K=V`` prefixes)."""
    return f"{env} {shlex.join([sys.executable, '-m', *module_args])}".strip()


@pytest.fixture
def run_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """``run_suite(connector_cmd, *args)``: the exit code, the JSON report and what it printed."""

    def run(command: str, *args: str) -> tuple[int, dict[str, Any], str]:
        report = tmp_path / "report.json"
        code = main(["contract", "--connector-cmd", command, "--json", str(report), *args])
        printed = capsys.readouterr().out
        return code, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}, printed

    return run


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in report["results"]}
