"""The channel simulator: its HTTP API, transcripts, the seeded load driver, the CLI and the demo."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from mockcc_contracts.channel.app import create_channel_app
from mockcc_contracts.channel.load import LoadSpec, personas
from mockcc_contracts.channel.runner import Launched, ServerThread
from mockcc_contracts.receiver import Receiver, Reply
from tests.connector_ref.stack import Stack

ACCEPTED = Reply(202, body=b'{"accepted": true, "messageId": "m-1"}', headers=(("Content-Type", "application/json"),))


@pytest.fixture
def connector() -> Iterator[Receiver]:
    """A stand-in connector: records what the simulator sends, answers 202 like connector_ref."""
    with Receiver(default=ACCEPTED) as receiver:
        yield receiver


@pytest.fixture
def sim(connector: Receiver) -> Iterator[TestClient]:
    with TestClient(create_channel_app(connector.url("/channel/messages"))) as client:
        yield client


def test_consumer_actions_are_posted_to_the_connector_and_recorded(sim: TestClient, connector: Receiver) -> None:
    answer = sim.post("/consumers/+1555/messages", json={"text": "héllo 👋", "profile": {"firstName": "Zoë"}})
    assert answer.status_code == 200
    assert answer.json() == {"status": 202, "accepted": True, "messageId": "m-1"}
    assert sim.post("/consumers/+1555/typing", json={"chatState": "PAUSE"}).status_code == 200
    assert sim.post("/consumers/+1555/close").status_code == 200
    sent = [r.json() for r in connector.wait_for(3)]
    assert sent == [
        {"consumerId": "+1555", "type": "text", "text": "héllo 👋", "profile": {"firstName": "Zoë"}},
        {"consumerId": "+1555", "type": "typing", "chatState": "PAUSE"},
        {"consumerId": "+1555", "type": "close"},
    ]
    transcript = sim.get("/consumers/+1555/transcript").json()["transcript"]
    assert [(e["from"], e["type"]) for e in transcript] == [
        ("consumer", "text"),
        ("consumer", "typing"),
        ("consumer", "close"),
    ]


def test_refusals_are_visible(sim: TestClient, connector: Receiver) -> None:
    connector.script(Reply(503, body=b'{"accepted": false}'))
    answer = sim.post("/consumers/c/messages", json={"text": "x"})
    assert answer.status_code == 502
    assert sim.get("/consumers/c/transcript").json()["transcript"][-1]["type"] == "send_failed"
    assert sim.post("/consumers/c/messages", json={}).status_code == 400
    assert sim.post("/consumers/c/dance").status_code == 404


def test_outbound_posts_become_transcript_entries(sim: TestClient) -> None:
    event = {"consumerId": "c", "conversationId": "x", "type": "text", "text": "hi 😀", "sequence": 2}
    assert sim.post("/outbound", json=event).status_code == 200
    assert sim.post("/outbound", json={"no": "consumer"}).status_code == 400
    assert sim.post("/outbound", content=b"not json").status_code == 400
    assert sim.post("/faults", json={"fail": 1, "status": 500}).json() == {"fail": 1, "status": 500}
    assert sim.post("/outbound", json=event).status_code == 500
    [entry] = sim.get("/consumers/c/transcript").json()["transcript"]
    assert entry["from"] == "connector"
    assert entry["text"] == "hi 😀"
    assert "agent says: hi 😀" in sim.get("/").text
    later = sim.get("/consumers/c/transcript", params={"after": entry["n"]}).json()["transcript"]
    assert later == []
    assert sim.get("/transcripts").json()["unrouted"][0]["body"] == {"no": "consumer"}
    assert sim.get("/consumers").json() == {"consumers": {"c": 1}}
    sim.post("/reset")
    assert sim.get("/consumers").json() == {"consumers": {}}


def test_config(sim: TestClient) -> None:
    assert sim.put("/config", json={"connector_url": "ftp://x"}).status_code == 400
    assert sim.put("/config", json={"connector_url": "http://127.0.0.1:1/in"}).json() == {
        "connector_url": "http://127.0.0.1:1/in"
    }
    answer = sim.post("/consumers/c/messages", json={"text": "nobody home"})
    assert answer.status_code == 502
    assert answer.json()["type"] == "send_failed"


def test_personas_are_seeded() -> None:
    spec = LoadSpec(consumers=5, messages=4, seed=42, non_ascii_ratio=0.5)
    first, again, other = personas(spec), personas(spec), personas(LoadSpec(consumers=5, messages=4, seed=43))
    assert first == again
    assert first != other
    assert len({p.consumer_id for p in first}) == 5
    for persona in first:
        assert {"firstName", "lastName", "email", "phone", "customerId", "ctype"} <= set(persona.profile)
        assert len(persona.texts) == 4
    assert any(not t.isascii() for p in first for t in p.texts)


@pytest.mark.parametrize("doc", [{"consumers": 0}, {"bogus": 1}, {"reply_timeout": 0}])
def test_load_spec_is_checked(doc: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        LoadSpec.parse(doc)


@pytest.mark.live
def test_load_driver_against_the_connector(stack: Callable[..., Stack]) -> None:
    s = stack()
    spec = {"consumers": 12, "messages": 2, "seed": 7, "concurrency": 6, "reply_timeout": 10}
    report = s.channel.post("/load", json=spec, timeout=60).json()
    assert report["ok"], report["problems"]
    assert (report["sent"], report["answered"], report["echoed"], report["closed"]) == (24, 24, 24, 12)
    assert report["latency_p95"] is not None
    # Same seed, same consumers: a second run replays the same ids and texts.
    transcripts = s.channel.get("/transcripts").json()["transcripts"]
    assert sorted(transcripts) == [p.consumer_id for p in personas(LoadSpec(consumers=12, messages=2, seed=7))]
    # The same driver from the command line: JSON report, exit status 0 when every message was answered.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockcc_contracts.channel",
            "load",
            "--channel",
            str(s.channel.base_url),
            "--consumers",
            "3",
            "--messages",
            "1",
            "--seed",
            "8",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["answered"] == 3


def test_cli_serve_prints_a_ready_line() -> None:
    with Launched.start(
        ["-m", "mockcc_contracts.channel", "serve", "--port", "0"], "channel", stderr=subprocess.DEVNULL
    ) as served:
        assert served.fields["outbound_url"].endswith("/outbound")
        assert httpx.get(served.fields["url"] + "/config").json() == {"connector_url": None}


def test_server_thread_reports_its_url() -> None:
    with ServerThread(create_channel_app(), name="t") as server:
        assert httpx.get(server.url + "/consumers").status_code == 200


@pytest.mark.live
def test_demo_completes_and_leaves_nothing_running() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockcc_contracts.demo"], capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout
    assert "Conversation completed." in text
    for expected in (
        "says: Hello! Is anyone there? 👋",
        "joined",
        "agent is typing",
        "receipt READ",
        "conversation closed by CONSUMER",
        "AcceptStatusEvent READ",
        "ExConversationChangeNotification",
        "/_mockcc/webhooks/deliveries",
        "/ui",
    ):
        assert expected in text, expected
    for url in re.findall(r"^  (?:mock|connector|channel)\s+(http://\S+)$", text, flags=re.MULTILINE):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)


@pytest.mark.live
def test_demo_exits_1_when_the_conversation_does_not_complete() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockcc_contracts.demo", "--timeout", "0"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "INCOMPLETE" in done.stdout


@pytest.mark.parametrize(
    ("event", "path", "rule", "words"),
    [
        ({"type": "closed", "closedBy": "AGENT"}, "$.by", "required", "did you mean 'by'?"),
        ({"type": "agent_joined", "agentID": "a-1"}, "$.agentId", "required", "did you mean 'agentId'?"),
        ({"type": "text", "message": "hi", "sequence": 1}, "$.text", "required", "did you mean 'text'?"),
        ({"type": "text", "text": {"text": "hi"}, "sequence": 1}, "$.text", "type", "must be of type string"),
        ({"type": "closed", "by": "agent"}, "$.by", "enum", '"CONSUMER", "AGENT", "SYSTEM"'),
        ({"type": "agent_joined", "agentId": "a", "name": "Al"}, "$", "additionalProperties", "'name'"),
        ({"type": "joined"}, "$.type", "enum", '"resumed"'),
    ],
)
def test_an_event_off_the_protocol_is_refused_with_field_rule_and_expected(
    sim: TestClient, event: dict[str, object], path: str, rule: str, words: str
) -> None:
    answer = sim.post("/outbound", json={"consumerId": "c", **event})
    assert answer.status_code == 400
    explanation = answer.json()["mockcc"]
    assert (explanation["path"], explanation["rule"]) == (path, rule)
    assert words in explanation["explanation"]
    assert explanation["expected"]
    [entry] = sim.get("/consumers/c/transcript").json()["transcript"]
    assert (entry["from"], entry["type"], entry["event"]) == ("simulator", "refused", {"consumerId": "c", **event})
    assert sim.get("/refusals").json()["refusals"] == [entry]
    assert "channel refused the connector's event" in sim.get("/").text


def test_every_event_the_reference_connector_sends_is_in_the_protocol() -> None:
    """The event list of connector_ref's channel docstring, the README and the schema agree."""
    from pathlib import Path

    import connector_ref.channel
    from mockcc_contracts.channel.protocol import event_types

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for kind in event_types():
        assert f"``{kind}``" in (connector_ref.channel.__doc__ or ""), kind
        assert f"`{kind}`" in readme, kind


def test_unrouted_objects_are_bounded(sim: TestClient) -> None:
    from mockcc_contracts.channel.sim import MAX_UNROUTED

    state = sim.app.state.sim  # type: ignore[attr-defined]
    for i in range(MAX_UNROUTED + 5):
        state.unroutable({"i": i}, {"explanation": "x"})
    assert len(state.unrouted) == MAX_UNROUTED
    assert state.unrouted[0]["body"] == {"i": 5}
