"""``mockcc contract --mock URL --channel URL``: a mock and a connector that already run."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from mockcc.__main__ import main
from mockcc_contracts.launch import ConnectorProcess, MockServer, connector_env, free_port


@pytest.mark.live
@pytest.mark.timeout(180)
def test_the_suite_judges_a_connector_that_already_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port, channel_port = free_port(), free_port()
    webhook_url = f"http://127.0.0.1:{port}/webhooks"
    with MockServer.start("--webhook-url", webhook_url) as mock:
        env = connector_env(mock.credentials, f"http://127.0.0.1:{channel_port}/outbound", port)
        connector = ConnectorProcess.start(shlex.join([sys.executable, "-m", "connector_ref"]), env, port)
        try:
            report = tmp_path / "report.json"
            code = main(
                [
                    "contract",
                    "--mock",
                    mock.url,
                    "--channel",
                    f"http://127.0.0.1:{port}/channel/messages",
                    "--channel-port",
                    str(channel_port),
                    "--webhook-url",
                    webhook_url,
                    "--only",
                    "LP-CONV-001",
                    "--only",
                    "LP-HOOK-002",
                    "--only",
                    "LP-DISC-001",
                    "--json",
                    str(report),
                ]
            )
            printed = capsys.readouterr().out
            assert code == 0, printed
            results = {r["id"]: r["outcome"] for r in json.loads(report.read_text())["results"]}
            assert results.pop("LP-DISC-001") in ("pass", "skip"), printed  # skipped when discovery came before the run
            assert results == {"LP-CONV-001": "pass", "LP-HOOK-002": "pass"}, printed
        finally:
            connector.stop()
