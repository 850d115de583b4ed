"""The request log: one line per call on stderr with ``mockcc serve --request-log``, nothing without it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mockcc.app import create_app
from mockcc.settings import Settings
from mockcc_contracts.launch import MockServer

LINE = re.compile(r"^mockcc (GET|POST|PUT|DELETE) (\S+) (\d{3}) (\w+) (\d+\.\d)ms(?: rule=(\S+))?$")


def lines(log: Path, count: int) -> list[re.Match[str]]:
    deadline = time.monotonic() + 10
    found: list[re.Match[str]] = []
    while time.monotonic() < deadline:
        found = [m for line in log.read_text().splitlines() if (m := LINE.match(line))]
        if len(found) >= count:
            break
        time.sleep(0.05)
    return found


def test_a_real_server_logs_one_line_per_call(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    with (
        log.open("w", encoding="utf-8") as sink,
        MockServer.start("--request-log", stderr=sink) as mock,
        httpx.Client(base_url=mock.url) as http,
    ):
        account = mock.fields["account_id"]
        assert http.get(f"/api/account/{account}/service/baseURI.json?version=1.0").status_code == 200
        assert http.post(f"/api/account/{account}/messaging/consumer/conversation/send?v=3").status_code == 401
        assert http.get("/no/such/path?secret=hidden").status_code == 404
        found = lines(log, 3)
    assert [m.groups()[:4] for m in found] == [
        ("GET", f"/api/account/{account}/service/baseURI.json", "200", "ok"),
        ("POST", f"/api/account/{account}/messaging/consumer/conversation/send", "401", "rejected"),
        ("GET", "/no/such/path", "404", "unmatched"),
    ]
    assert [m.group(6) for m in found] == [None, "auth", "route"]
    assert "hidden" not in log.read_text()  # the query string (it may carry credentials) is never logged


def test_off_by_default(capfd: pytest.CaptureFixture[str]) -> None:
    with TestClient(create_app(Settings(random_seed=1))) as client:
        client.get("/_mockcc/health")
        client.get("/no/such/path")
    assert "mockcc GET" not in capfd.readouterr().err
