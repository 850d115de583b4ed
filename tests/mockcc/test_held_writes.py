"""``mockcc serve``'s protocol holds each answer until the loop's next turn and writes it whole (``OneWrite``);
whatever the protocol writes or closes itself queues behind a held answer, so no byte is lost or reordered.

The protocol runs on a recording transport here, so each path is taken deterministically (on real sockets the
windows between an answer and a refusal are microseconds wide)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState

from mockcc.server import GuardedHttpProtocol, Limits, protocol_class

pytestmark = pytest.mark.anyio
ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recording:
    """The transport as the protocol sees it: what was written, in order, and how it ended."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.ended: str | None = None

    def write(self, data: bytes) -> None:
        assert self.ended is None, "written after the transport was closed"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.ended = self.ended or "closed"

    def abort(self) -> None:
        self.ended = self.ended or "aborted"

    def is_closing(self) -> bool:
        return self.ended is not None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 5000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_protocol(self, protocol: object) -> None:
        pass


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


Server = tuple[type[GuardedHttpProtocol], uvicorn.Config, ServerState]


def _server(limits: Limits | None = None) -> Server:
    protocol = protocol_class(limits or Limits())
    config = uvicorn.Config(_app, http=protocol, log_level="error", lifespan="off")
    config.load()
    return protocol, config, ServerState()


def _connection(server: Server | None = None) -> tuple[GuardedHttpProtocol, Recording]:
    protocol_type, config, state = server or _server()
    protocol = protocol_type(config=config, server_state=state, app_state={}, _loop=asyncio.get_running_loop())
    transport = Recording()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


def _held(protocol: GuardedHttpProtocol) -> None:
    """An answer made this turn, as uvicorn's cycle writes it: head, then body, not yet on the wire."""
    protocol._one_write.write(ANSWER)
    protocol._one_write.write(b"ok")


async def test_an_answer_leaves_whole_on_the_next_turn_of_the_loop() -> None:
    protocol, transport = _connection()
    request = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"
    protocol.data_received(request + request)  # two pipelined requests
    for _ in range(5):
        await asyncio.sleep(0)
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b"\r\n\r\nok"), "head and body in one write"
    assert len(transport.writes) == 2, "one write per answer"
    protocol.connection_lost(None)


async def test_chunks_written_in_one_turn_leave_in_one_write() -> None:
    protocol, transport = _connection()
    for chunk in (b"a", b"b", b"c"):
        protocol._one_write.write(chunk)
    assert transport.writes == []
    await asyncio.sleep(0)
    assert transport.writes == [b"abc"]
    protocol._one_write.write(b"d")
    await asyncio.sleep(0)
    assert transport.writes == [b"abc", b"d"]


@pytest.mark.parametrize(
    ("taken", "ending"),
    [
        ("send_400_response", "closed"),  # uvicorn's answer to bytes that are not HTTP
        ("shutdown", "closed"),  # the server stopping
        ("timeout_keep_alive_handler", "closed"),
        ("_disconnect", "aborted"),  # the disconnect fault
        ("_refuse", "closed"),  # a 431 or 408 of the protocol's own
    ],
)
async def test_what_the_protocol_writes_or_closes_itself_comes_after_the_held_answer(taken: str, ending: str) -> None:
    protocol, transport = _connection()
    _held(protocol)
    if taken == "send_400_response":
        protocol.send_400_response("Invalid HTTP request received.")
    elif taken == "_refuse":
        from mockcc.errors import RequestTimeout

        protocol._head = b"GET / HTTP/1.1\r\n"
        protocol._refuse(RequestTimeout("too slow", path="$", rule="request-timeout", expected=10))
    else:
        getattr(protocol, taken)()
    sent = b"".join(transport.writes)
    assert sent.startswith(ANSWER + b"ok"), "the held answer first, whole"
    refusal = sent[len(ANSWER + b"ok") :]
    if taken in ("send_400_response", "_refuse"):
        assert refusal.startswith((b"HTTP/1.1 400", b"HTTP/1.1 408")), "then the protocol's own answer"
    else:
        assert refusal == b""
    assert transport.ended == ending
    await asyncio.sleep(0)  # the scheduled flush then finds nothing more to write
    assert b"".join(transport.writes) == sent


async def test_an_evicted_idle_connection_still_gets_the_answer_it_was_given() -> None:
    server = _server(Limits(max_connections=1))
    first, first_transport = _connection(server)
    _held(first)  # answered this turn; idle again (evictable)
    second, second_transport = _connection(server)  # past the cap: the idle one gives way
    assert first_transport.writes == [ANSWER + b"ok"]
    assert first_transport.ended == "closed"
    assert second_transport.ended is None
    second.connection_lost(None)
