"""``--split-hosts``: each LivePerson service on its own port, as CSDS hands them out; a wrong host is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockcc.app import create_app
from mockcc.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from mockcc.hosts import OWN_PORT, hostname
from mockcc.settings import Settings
from tests.conftest import ACCOUNT

MAIN = 18080
PORTS = {name: MAIN + 1 + i for i, name in enumerate(OWN_PORT)}
CSDS = f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0"
TOKEN = f"/sentinel/api/account/{ACCOUNT}/app/token?v=1.0&grant_type=client_credentials"
SEND = f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send?v=3"
FORM = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}


@pytest.fixture
def at() -> Iterator[dict[int, TestClient]]:
    """One client per port of the same mock (the ASGI ``server`` is the port a call was accepted on)."""
    app = create_app(Settings(port=MAIN, service_ports=tuple(PORTS.items()), frozen_clock=True))
    clients = {port: TestClient(app, base_url=f"http://127.0.0.1:{port}") for port in [MAIN, *PORTS.values()]}
    with clients[MAIN]:
        yield clients


def test_csds_hands_out_each_service_on_its_own_port(at: dict[int, TestClient]) -> None:
    listed = {u["service"]: u["baseURI"] for u in at[MAIN].get(CSDS).json()["baseURIs"]}
    assert listed["asyncMessagingEnt"] == f"127.0.0.1:{PORTS['asyncMessagingEnt']}"
    assert listed["sentinel"] == f"127.0.0.1:{PORTS['sentinel']}"
    assert listed["accountConfigReadOnly"] == listed["accountConfigReadWrite"]
    assert len({listed[name] for name in OWN_PORT}) == len(OWN_PORT)
    one = at[MAIN].get(f"/api/account/{ACCOUNT}/service/idp/baseURI.json?version=1.0").json()
    assert one["baseURI"] == f"127.0.0.1:{PORTS['idp']}"


def test_each_service_answers_at_its_own_host(at: dict[int, TestClient]) -> None:
    assert at[PORTS["sentinel"]].post(TOKEN, data=FORM).status_code == 200
    assert at[MAIN].get("/_mockcc/health").status_code == 200  # the control plane answers on the main port
    assert at[PORTS["asyncMessagingEnt"]].get("/_mockcc/health").status_code == 200  # and on every other


@pytest.mark.parametrize(
    ("called", "port_of", "words"),
    [
        ("send", "csds", ["the Send API (asyncMessagingEnt) was called at", "which is CSDS"]),
        ("token", "asyncMessagingEnt", ["Sentinel (AppJWT) was called at", "which is the Send API"]),
        ("csds", "sentinel", ["CSDS (the Domain API", "which is Sentinel"]),
    ],
)
def test_a_call_to_another_services_host_is_refused_with_both_named(
    at: dict[int, TestClient], called: str, port_of: str, words: list[str]
) -> None:
    port = MAIN if port_of == "csds" else PORTS[port_of]
    client = at[port]
    if called == "send":
        answer = client.post(SEND, json={"kind": "req", "id": "1", "type": "ms.PublishEvent", "body": {}})
        right = PORTS["asyncMessagingEnt"]
    elif called == "token":
        answer = client.post(TOKEN, data=FORM)
        right = PORTS["sentinel"]
    else:
        answer = client.get(CSDS)
        right = MAIN
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == "NOT_FOUND"  # LivePerson's REST envelope
    assert (body["mockcc"]["rule"], body["mockcc"]["path"]) == ("csds-host", "$host")
    assert body["mockcc"]["expected"] == f"127.0.0.1:{right}"
    for word in words:
        assert word in body["mockcc"]["explanation"]
    [entry] = at[MAIN].get("/_mockcc/journal").json()["calls"][-1:]
    assert (entry["status"], entry["outcome"]) == (404, "unmatched")
    assert entry["explanation"]["rule"] == "csds-host"


def test_without_split_hosts_every_service_is_on_the_one_host() -> None:
    with TestClient(create_app(Settings(port=MAIN)), base_url=f"http://127.0.0.1:{MAIN}") as client:
        listed = {u["baseURI"] for u in client.get(CSDS).json()["baseURIs"]}
        assert listed == {f"127.0.0.1:{MAIN}"}
        assert client.post(TOKEN, data=FORM).status_code == 200


@pytest.mark.parametrize(
    ("host", "name"),
    [("127.0.0.1:8080", "127.0.0.1"), ("[::1]:8080", "[::1]"), ("localhost", "localhost"), ("::1", "::1")],
)
def test_hostname_drops_the_port(host: str, name: str) -> None:
    assert hostname(host) == name
