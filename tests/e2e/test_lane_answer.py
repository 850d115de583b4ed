"""SEND through the lane (``fastlane``) under a real ``mockcc serve``, read off a raw socket: each answer
is a whole HTTP/1.1 response in uvicorn's layout (its head held for one write with the body, ``OneWrite``),
pipelined requests are answered in order on a kept-alive connection, and ``Connection: close`` closes it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.bench import servers
from tests.bench.client import ACCOUNT, consumer, send_body
from tests.bench.servers import Server

pytestmark = pytest.mark.live

SEND_TARGET = f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send?v=3"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Server, dict[str, str], str]]:
    with servers.mockcc() as server:
        headers, dialog = consumer(server, "lane-e2e")
        yield server, headers, dialog


def _send(headers: dict[str, str], dialog: str, host: str, *, close: bool = False) -> bytes:
    body = send_body(dialog).encode()
    lines = [
        f"POST {SEND_TARGET} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        f"Authorization: {headers['Authorization']}",
        f"X-LP-ON-BEHALF: {headers['X-LP-ON-BEHALF']}",
        *(["Connection: close"] if close else []),
    ]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def _responses(sock: socket.socket, count: int) -> list[tuple[bytes, list[tuple[bytes, bytes]], bytes]]:
    """``count`` whole responses (status line, headers in order, body), read by their Content-Length."""
    buffer = b""
    out: list[tuple[bytes, list[tuple[bytes, bytes]], bytes]] = []
    while len(out) < count:
        head, sep, rest = buffer.partition(b"\r\n\r\n")
        if sep:
            status, *lines = head.split(b"\r\n")
            pairs = [(name, value) for name, _, value in (line.partition(b": ") for line in lines)]
            size = int(dict(pairs)[b"content-length"])
            if len(rest) >= size:
                out.append((status, pairs, rest[:size]))
                buffer = rest[size:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed after {len(out)} of {count} answers"
        buffer += chunk
    assert buffer == b"", "more bytes than the answers asked for"
    return out


def _connect(server: Server) -> tuple[socket.socket, str]:
    url = urlsplit(server.base_url)
    assert url.hostname
    assert url.port
    return socket.create_connection((url.hostname, url.port), timeout=10), f"{url.hostname}:{url.port}"


def test_pipelined_sends_are_answered_whole_in_order_and_the_connection_stays_open(served):
    server, headers, dialog = served
    sock, host = _connect(server)
    with sock:
        sock.sendall(_send(headers, dialog, host) + _send(headers, dialog, host))  # two requests in one write
        answers = _responses(sock, 2)
        sock.sendall(_send(headers, dialog, host))  # and a third on the same connection
        answers += _responses(sock, 1)
    sequences = []
    for status, pairs, body in answers:
        assert status == b"HTTP/1.1 200 OK"
        assert [name for name, _ in pairs] == [b"date", b"server", b"content-length", b"content-type"]
        assert dict(pairs)[b"content-type"] == b"application/json"
        answer = json.loads(body)
        assert answer["code"] == "OK"
        sequences.append(answer["body"]["sequence"])
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == 3


def test_connection_close_is_answered_with_close_and_the_server_closes(served):
    server, headers, dialog = served
    sock, host = _connect(server)
    with sock:
        sock.sendall(_send(headers, dialog, host, close=True))
        [(status, pairs, body)] = _responses(sock, 1)
        assert status == b"HTTP/1.1 200 OK"
        assert (b"connection", b"close") in pairs
        assert json.loads(body)["code"] == "OK"
        assert sock.recv(65536) == b""  # closed by the server, nothing after the answer
