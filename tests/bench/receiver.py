"""A webhook receiver for the bench, in its own process: answers 200 at once, counts deliveries and
measures each event's delay from the mock's ``serverTimestamp`` (when SEND published it) to arrival.

``GET /stats`` returns ``{"count": n, "delay_ms": {"p50": .., "p99": ..}}`` for deliveries since the
last ``GET /reset``. A raw asyncio protocol (no framework), so the receiver costs the bench little.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import sys
import time

_TS = re.compile(rb'"serverTimestamp":\s*(\d+)')
_OK = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
SAMPLES = 20_000  # a reservoir of delays: bounded whatever the rate


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.seen = 0
        self.delays: list[float] = []

    def add(self, body: bytes) -> None:
        self.count += 1
        found = _TS.search(body)
        if found is None:
            return
        delay = time.time() * 1000 - int(found.group(1))
        self.seen += 1
        if len(self.delays) < SAMPLES:
            self.delays.append(delay)
        elif (slot := random.randrange(self.seen)) < SAMPLES:
            self.delays[slot] = delay

    def as_json(self) -> bytes:
        ordered = sorted(self.delays)

        def pct(p: float) -> float | None:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1) if ordered else None

        return json.dumps({"count": self.count, "delay_ms": {"p50": pct(0.50), "p99": pct(0.99)}}).encode()


STATS = Stats()


class Http(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            found = re.search(rb"content-length:\s*(\d+)", head)
            length = int(found.group(1)) if found else 0
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            if head.startswith(b"get /stats"):
                out = STATS.as_json()
                self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(out), out))
            elif head.startswith(b"get /reset"):
                STATS.reset()
                self.transport.write(_OK)
            else:
                STATS.add(body)
                self.transport.write(_OK)


async def serve() -> None:
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    server = await asyncio.get_running_loop().create_server(Http, sock=sock, backlog=1024)
    print(f"ready port={sock.getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(serve())
    except KeyboardInterrupt:
        sys.exit(0)
