"""LivePerson's own Node Agent SDK, both lines in use, unmodified: npm's ``node-agent-sdk`` 1.2.0 and the
repository's unpublished 1.4.11 (vendored byte for byte in ``vendor/``; ``make test`` installs both into
.agent-sdk/). One small bot (``bot.js``, the SDK's documented API only) runs on each line at once, against
one mock on TLS (its CA trusted through NODE_EXTRA_CA_CERTS): CSDS, agentVep login, the brand socket
(``v=2.1``; 1.2.0 dials CSDS ``asyncMessagingEnt``, 1.4.11 ``facadeMsg``, reads ``config.userPid`` and
keeps the session with ``refresh``). Each accepts the ring of one of connector_ref's consumers, reads the
consumer's profile, answers (with BotResponse metadata), and closes when the consumer says "bye". The connector
reaches the same mock over the plain-http port served beside TLS (``--http-port``). This replaces the earlier
hand-written replay of the 1.4.x wire: the real SDK now runs.
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

from mockcc.config import DEFAULT_SEED
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
    """``node bot.js`` on one SDK line from .agent-sdk; its JSON lines, read on a thread."""

    def __init__(self, package: str, env: dict[str, str]) -> None:
        self.package = package
        self.proc = subprocess.Popen(
            [NODE, str(Path(__file__).with_name("bot.js"))],
            env={**os.environ, "NODE_PATH": str(SDK), "LP_SDK": package, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.taken: set[int] = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"step": "output", "text": line.rstrip()})

    def wait(self, step: str, timeout: float = 20.0, **match: Any) -> dict[str, Any]:
        """The first line reporting ``step`` (with ``match``ing fields) not taken yet, in whatever order the
        bot's callbacks ran; any error line fails the test."""
        while True:
            for line in self.seen:
                assert line["step"] != "error", f"the {self.package} bot reported an error: {line} ({self.seen!r})"
                if (
                    line["step"] == step
                    and all(line.get(k) == v for k, v in match.items())
                    and id(line) not in self.taken
                ):
                    self.taken.add(id(line))
                    return line
            try:
                self.seen.append(self.lines.get(timeout=timeout))
            except queue.Empty:
                raise AssertionError(f"the {self.package} bot never reported {step!r}; it said {self.seen!r}") from None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


#: Each SDK line, the agent user its bot logs in as, and the consumer it answers. Routing rings the least
#: loaded routable agent first, then by login name: ``admin`` takes the first conversation, ``bot`` the second.
LINES = [
    ("node-agent-sdk", "1.2.0", "admin", "mockcc-admin", "sdk-sam"),
    ("node-agent-sdk-1.4.11", "1.4.11", "bot", "mockcc-bot", "sdk-kim"),
]


def test_livepersons_agent_sdk_both_lines_answer_connector_refs_consumers(
    tls_mock: tuple[MockProcess, str, Path],
) -> None:
    for package, version, *_ in LINES:
        installed = SDK / package / "package.json"
        assert installed.is_file(), "run `make test`: it installs both SDK lines into .agent-sdk/"
        assert json.loads(installed.read_text())["version"] == version
    mock, tls_host, cert = tls_mock
    s = Stack(mock, agent="echo")
    account = mock.fields["account_id"]
    seed = mock.seed(s.webhook_url, agent="echo")  # connector_ref's webhooks, plus the default seed's bot user
    seed["accounts"][0]["agent_users"] = DEFAULT_SEED["accounts"][0]["agent_users"]
    mock.post("/_mockcc/reset", seed)
    common = {"NODE_EXTRA_CA_CERTS": str(cert), "LP_ACCOUNT": account, "LP_CSDS": tls_host}
    bots = [
        Bot(package, {**common, "LP_USER": user, "LP_PASSWORD": password}) for package, _, user, password, _ in LINES
    ]
    users = {u["loginName"]: u for u in mock.get(f"/_mockcc/accounts/{account}/agents")["agents"]}
    try:
        for bot, (_, version, user, _, _) in zip(bots, LINES, strict=True):
            connected = bot.wait("connected")
            assert connected["version"] == version
            assert connected["agentId"] == users[user]["pid"]  # config.userPid: how the bot knows its own events
        for bot in bots:
            bot.wait("ready")
        for bot, (*_, consumer) in zip(bots, LINES, strict=True):
            s.say(consumer, f"hello {bot.package}")
            accepted = bot.wait("accepted")
            assert accepted["conversationId"] == s.conversation_id(consumer)
        for bot, (*_, consumer) in zip(bots, LINES, strict=True):
            conversation = s.conversation_id(consumer)
            # the UPSERT that made the bot an ASSIGNED_AGENT carries the consumer's message it was rung for
            bot.wait("last-content", conversationId=conversation, message=f"hello {bot.package}")
            profile = bot.wait("profile", conversationId=conversation)["profile"]
            assert isinstance(profile, list)  # the SDK turned GetUserProfile$Response into its SDE array
            bot.wait("answered", text=f"hello {bot.package}")
            wait_until(
                lambda c=consumer, b=bot: s.agent_texts(c) == [f"bot: hello {b.package}"],
                what=f"the {bot.package} bot's answer on the channel",
            )
            s.say(consumer, "bye")
            bot.wait("closed")
            s.wait_for(consumer, "closed")
            assert s.agent_texts(consumer) == [f"bot: hello {bot.package}"]  # no echo, no answer to its own message
        answers = [
            e
            for *_, consumer in LINES
            for e in mock.conversation(s.conversation_id(consumer))["events"]
            if str(e["event"].get("message", "")).startswith("bot: ")
        ]
        assert [e["metadata"][0]["type"] for e in answers] == ["BotResponse", "BotResponse"]  # publishEvent's metadata
        bots[1].wait("refreshed")  # 1.4.11 refreshed its agentVep session with the csrf and the login's cookies
    finally:
        for bot in bots:
            bot.stop()
        s.close()
    calls = mock.journal("agentsocket")
    assert [c for c in calls if c["outcome"] != "ok"] == []
    kinds = {c["method"] for c in calls}
    assert {
        "CONNECT",
        "routing.SetAgentState",
        "routing.UpdateRingState",
        "ms.QueryMessages",
        "ms.PublishEvent",
    } <= kinds
    agentvep = mock.journal("agentvep")
    assert [c["path"].rsplit("/", 1)[1] for c in agentvep].count("login") == 2
    assert any(c["path"].endswith("/refresh") and c["status"] == 200 for c in agentvep)
    connects = [c for c in calls if c["method"] == "CONNECT"]
    assert sorted(c["query"] for c in connects) == ["v=2.1", "v=2.1"]
    assert all("<redacted" in c["path"] for c in connects)  # the bearer is a path segment: never journaled
