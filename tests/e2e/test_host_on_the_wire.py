"""Host on real sockets (uvicorn + httptools, as `mockcc serve` runs): an absolute-form target whose
authority is not the Host, two Host headers, and a Host with a port that is no port are refused."""

from __future__ import annotations

import socket

import httpx
import pytest

from mockcc_contracts.launch import MockServer
from tests.conftest import ACCOUNT
from tests.e2e.test_server_limits import _address, _answer, _envelope

pytestmark = pytest.mark.live


def _send(address: tuple[str, int], head: bytes, body: bytes = b"") -> tuple[int, dict[str, object]]:
    with socket.create_connection(address) as s:
        s.sendall(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        return _envelope(_answer(s))


def test_host_is_parsed_once_and_strictly_on_the_wire():
    with MockServer.start() as mock:
        address = _address(mock.fields)
        host = b"127.0.0.1:%d" % address[1]
        json_ctype = b"Content-Type: application/json\r\n"
        fault = b'{"kind": "500", "count": 1}'

        status, body = _send(
            address, b"POST http://evil.example/_mockcc/faults HTTP/1.1\r\nHost: " + host + b"\r\n" + json_ctype, fault
        )
        assert status == 400
        assert body["mockcc"]["rule"] == "host"  # type: ignore[index]
        assert "target's authority wins" in body["mockcc"]["explanation"]  # type: ignore[index]
        assert httpx.get(mock.url + "/_mockcc/faults").json()["faults"] == []

        status, body = _send(
            address, b"POST http://" + host + b"/_mockcc/faults HTTP/1.1\r\nHost: " + host + b"\r\n" + json_ctype, fault
        )
        assert status == 201, body  # the same authority twice: served
        httpx.delete(mock.url + "/_mockcc/faults", headers={"content-type": "application/json"})

        csds = b"GET /api/account/%s/service/baseURI.json?version=1.0 HTTP/1.1\r\n" % ACCOUNT.encode()
        for head in (
            csds + b"Host: 127.0.0.1:@evil.com\r\n",
            csds + b"Host: [::1]evil.com\r\n",
            csds + b"Host: " + host + b"\r\nHost: evil.example\r\n",
            csds + b"Host: evil.example\r\nHost: " + host + b"\r\n",
        ):
            status, body = _send(address, head)
            assert (status, body["mockcc"]["rule"]) == (400, "host"), (head, body)  # type: ignore[index]
        status, body = _send(address, csds + b"Host: " + host + b"\r\n")
        assert status == 200
        assert {e["baseURI"] for e in body["baseURIs"]} == {host.decode()}  # type: ignore[union-attr]
