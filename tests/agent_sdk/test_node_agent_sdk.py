"""LivePerson's own Node Agent SDK (npm ``node-agent-sdk`` 1.2.0, unmodified, installed by ``make test``)
drives a small bot (``bot.js``, the SDK's documented API only) against the mock on TLS, its CA trusted
through NODE_EXTRA_CA_CERTS: CSDS, agentVep login, the brand socket; it accepts the ring of
connector_ref's consumer, answers, and closes when the consumer says "bye". The connector reaches the
same mock over the plain-http port served beside TLS (``--http-port``).

The repository's unpublished 1.4.x line cannot be installed from npm (only 1.2.0 is published), so its
differences on the wire (``facadeMsg``, ``v=2.1``) are covered with the docs-written client in
``test_sdk14_wire.py``.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockcc.tls import self_signed
from mockcc_contracts.launch import MockServer
from tests.connector_ref.stack import MockProcess, Stack, wait_until

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / ".agent-sdk" / "node_modules"
NODE = "/usr/bin/node"


@pytest.fixture
def tls_mock(tmp_path: Path) -> Iterator[tuple[MockProcess, str, Path]]:
    """The mock on https with a certificate made here (its own CA), plain http beside it."""
    cert, key = self_signed("127.0.0.1")
    log = (tmp_path / "mock.log").open("w", encoding="utf-8")
    server = MockServer.start(
        "--tls-cert", str(cert), "--tls-key", str(key), "--http-port", "0", "--seed", "41", stderr=log
    )
    plain = MockProcess(server.fields["http_url"], server.fields, server.stop, server.alive)
    try:
        yield plain, server.url.removeprefix("https://"), cert
    finally:
        plain.close()
        log.close()


class Bot:
    """``node bot.js`` with the SDK from .agent-sdk; its JSON lines, read on a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [NODE, str(Path(__file__).with_name("bot.js"))],
            env={**os.environ, "NODE_PATH": str(SDK), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"step": "output", "text": line.rstrip()})

    def wait(self, step: str, timeout: float = 20.0, **match: Any) -> dict[str, Any]:
        while True:
            try:
                got = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the SDK bot never reported {step!r}; it said {self.seen!r}") from None
            self.seen.append(got)
            assert got["step"] != "error", f"the SDK bot reported an error: {got} (after {self.seen!r})"
            if got["step"] == step and all(got.get(k) == v for k, v in match.items()):
                return got

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def test_livepersons_agent_sdk_bot_answers_connector_refs_consumer(tls_mock: tuple[MockProcess, str, Path]) -> None:
    assert (SDK / "node-agent-sdk" / "package.json").is_file(), (
        "run `make test`: it installs node-agent-sdk into .agent-sdk/"
    )
    assert json.loads((SDK / "node-agent-sdk" / "package.json").read_text())["version"] == "1.2.0"
    mock, tls_host, cert = tls_mock
    s = Stack(mock, agent="echo")
    bot = Bot(
        {
            "NODE_EXTRA_CA_CERTS": str(cert),
            "LP_ACCOUNT": mock.fields["account_id"],
            "LP_USER": "admin",
            "LP_PASSWORD": "mockcc-admin",
            "LP_CSDS": tls_host,
        }
    )
    try:
        bot.wait("connected")
        bot.wait("ready")
        s.say("sdk-sam", "hello bot")
        accepted = bot.wait("accepted")
        bot.wait("answered", text="hello bot")
        wait_until(lambda: s.agent_texts("sdk-sam") == ["bot: hello bot"], what="the SDK bot's answer on the channel")
        assert accepted["conversationId"] == s.conversation_id("sdk-sam")
        s.say("sdk-sam", "bye")
        bot.wait("closed")
        s.wait_for("sdk-sam", "closed")
        assert s.agent_texts("sdk-sam") == ["bot: hello bot"]  # no echo, no answer to its own message
    finally:
        bot.stop()
        s.close()
    calls = mock.journal("agentsocket")
    kinds = {c["method"] for c in calls}
    assert {
        "CONNECT",
        "routing.SetAgentState",
        "routing.UpdateRingState",
        "ms.QueryMessages",
        "ms.PublishEvent",
    } <= kinds
    assert [c for c in calls if c["outcome"] != "ok"] == []
    assert any(c["method"] == "login" or c["path"].endswith("/login") for c in mock.journal("agentvep"))
