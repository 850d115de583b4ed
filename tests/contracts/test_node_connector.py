"""The Node.js starter connector (examples/node-connector) keeps every MUST of the suite.

It is what a brand that does not write Python copies first, so the whole suite runs against it as it
is, a separate `node` process that knows the suite only through its environment and HTTP. `make node`
installs Debian's nodejs when it is missing (``make test`` depends on it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.contracts.conftest import Run

CONNECTOR = Path(__file__).resolve().parents[2] / "examples" / "node-connector" / "connector.js"


@pytest.mark.live
@pytest.mark.timeout(300)
def test_the_node_starter_connector_keeps_every_must(run_suite: Run) -> None:
    node = shutil.which("node")
    assert node, "node is not installed: run `make node` (make test does)"
    code, report, printed = run_suite(f"{node} {CONNECTOR}", "--patience", "15")
    musts = {r["id"]: r["outcome"] for r in report["results"] if r["level"] == "MUST"}
    assert musts, printed
    assert {cid: outcome for cid, outcome in musts.items() if outcome != "pass"} == {}, printed
    assert code == 0, printed


def test_the_node_starter_connector_stays_small_and_dependency_free() -> None:
    source = CONNECTOR.read_text(encoding="utf-8")
    required = {line.split("require(")[1].split(")")[0] for line in source.splitlines() if "require(" in line}
    assert required <= {"'node:http'", "'node:crypto'", "'node:fs'"}, required
    assert not (CONNECTOR.parent / "package-lock.json").exists()
    lines = source.count("\n")  # as `wc -l` counts them, comments and blank lines included
    assert 150 <= lines <= 300, lines  # issue 18's 150-300 lines
