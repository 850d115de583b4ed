"""Webhook POSTs from a second process, so deliveries do not take SEND's core.

Only the transport moves: ``RemoteWebhookClient.post`` has ``WebhookClient.post``'s signature and
meaning (the answer's status, or a ``DeliveryError`` naming the failure), so everything the tests hold
about deliveries (order per conversation, retries on the mock's clock, the delivery log, faults,
replay, ``settle``) stays in the mock's process, unchanged. The worker (``python -m
mockcc.webhooks.worker``) runs the same ``WebhookClient`` on its own event loop; per delivery the mock
pays for one marshalled frame out and one back, batched per turn of its loop, instead of the socket
writes, reads and HTTP parsing of the POST itself.

Frames on the worker's stdin and stdout: a 4-byte big-endian length, then ``marshal`` data (the worker
is this interpreter, so the format always matches). Out: ``(id, url, body, headers)``; back:
``(id, status, kind, detail)`` with ``status`` 0 when ``kind`` names a ``DeliveryError``. The worker's
first frame says it is up (``READY``): attempts are timed from then, never over its boot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import marshal
import struct
import sys
from collections.abc import AsyncIterator
from typing import Any

from mockcc.webhooks.client import DeliveryError

_LENGTH = struct.Struct(">I")
READY = (0, 0, "ready", "")  # the worker's first frame, once it reads jobs


#: One frame's data: a tuple of ints, strings, bytes and lists of string pairs.
Frame = tuple[Any, ...]


def frame(payload: Frame) -> bytes:
    data = marshal.dumps(payload)
    return _LENGTH.pack(len(data)) + data


async def read_frame(stream: asyncio.StreamReader) -> Any:
    """The next frame's payload; ``asyncio.IncompleteReadError`` when the other side is gone."""
    size = _LENGTH.unpack(await stream.readexactly(_LENGTH.size))[0]
    return marshal.loads(await stream.readexactly(size))  # noqa: S302 - our own worker, our own interpreter


async def read_frames(stream: asyncio.StreamReader) -> AsyncIterator[Any]:
    """Every frame's payload, in order: each read takes whatever has arrived, and all the whole frames
    in it are decoded at once (two awaits per frame cost more than the frame). Raises
    ``asyncio.IncompleteReadError`` when the other side is gone."""
    buffer = b""
    while True:
        chunk = await stream.read(1 << 16)
        if not chunk:
            raise asyncio.IncompleteReadError(buffer, None)
        buffer = buffer + chunk if buffer else chunk
        at, end = 0, len(buffer)
        while end - at >= _LENGTH.size:
            size = _LENGTH.unpack_from(buffer, at)[0]
            start = at + _LENGTH.size
            if end - start < size:
                break
            yield marshal.loads(buffer[start : start + size])  # noqa: S302 - as read_frame
            at = start + size
        buffer = buffer[at:]


#: How long frames wait to share one pipe write. A pipe write costs the mock about as much CPU as a
#: whole SEND's socket write (more under gVisor); once per turn of a busy loop it was a write per
#: delivery or two. A millisecond's wait makes it one per millisecond, and adds a millisecond at most
#: to a delivery's delay, each way.
BATCH_SECONDS = 0.001


class Batcher:
    """Frames written together: the first frame of a batch schedules one pipe write ``delay`` seconds
    later (0: at the next turn of the loop), which carries every frame sent meanwhile."""

    def __init__(self, writer: asyncio.StreamWriter, delay: float = BATCH_SECONDS) -> None:
        self._writer = writer
        self._delay = delay
        self._frames: list[bytes] = []

    def send(self, payload: Frame) -> None:
        if not self._frames:
            loop = asyncio.get_running_loop()
            if self._delay > 0:
                loop.call_later(self._delay, self._flush)
            else:
                loop.call_soon(self._flush)
        self._frames.append(frame(payload))

    def _flush(self) -> None:
        frames, self._frames = self._frames, []
        if not self._writer.is_closing():
            self._writer.write(b"".join(frames))


class RemoteWebhookClient:
    """``WebhookClient``'s ``post`` and ``close``, answered by a worker process started on first use."""

    def __init__(self, *, limit: int, connect_timeout: float, read_timeout: float) -> None:
        self.limit = max(1, limit)
        self._settings = (self.limit, connect_timeout, read_timeout)
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[int]] = {}
        self._worker: asyncio.subprocess.Process | None = None
        self._starting: asyncio.Task[None] | None = None
        self._out: Batcher | None = None
        self._reader: asyncio.Task[None] | None = None
        self.closed = False

    def prepare(self) -> None:
        """Start the worker now, in the background (the dispatcher's start), so the first delivery does
        not wait for a Python process to boot."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._spawn())

    async def ready(self) -> None:
        """Wait for the worker to be up."""
        self.prepare()
        assert self._starting is not None  # noqa: S101 - made by prepare
        await asyncio.shield(self._starting)

    async def post(self, url: str, body: bytes, headers: list[tuple[str, str]]) -> int:
        """POST ``body`` with ``headers`` to ``url`` from the worker; the answer's status."""
        if self._out is None:
            await self.ready()
        assert self._out is not None  # noqa: S101 - started above
        job = next(self._ids)
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting[job] = answer
        self._out.send((job, url, body, [(k, v) for k, v in headers]))
        try:
            return await answer
        finally:
            self._waiting.pop(job, None)

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id once started."""
        return self._worker.pid if self._worker is not None else None

    async def _spawn(self) -> None:
        limit, connect, read = self._settings
        self._worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mockcc.webhooks.worker", str(limit), repr(connect), repr(read),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self._worker.stdin is not None  # noqa: S101 - piped above
        assert self._worker.stdout is not None  # noqa: S101 - piped above
        try:
            hello = await read_frame(self._worker.stdout)  # the worker is up: it reads jobs from now on
        except (asyncio.IncompleteReadError, ConnectionError):
            raise DeliveryError("RemoteProtocolError", "the delivery worker did not start") from None
        if hello != READY:
            raise DeliveryError("RemoteProtocolError", f"the delivery worker said {hello!r} instead of ready")
        self._out = Batcher(self._worker.stdin)
        self._reader = asyncio.ensure_future(self._answers(self._worker.stdout))

    async def _answers(self, stream: asyncio.StreamReader) -> None:
        try:
            async for job, status, kind, detail in read_frames(stream):
                answer = self._waiting.get(job)
                if answer is None or answer.done():
                    continue  # its waiter was cancelled (aclose, a cancelled attempt)
                if kind:
                    answer.set_exception(DeliveryError(kind, detail))
                else:
                    answer.set_result(status)
        except (asyncio.IncompleteReadError, ConnectionError):
            self._fail_all("the delivery worker stopped")

    def _fail_all(self, why: str) -> None:
        for answer in self._waiting.values():
            if not answer.done():
                answer.set_exception(DeliveryError("RemoteProtocolError", why))

    async def close(self) -> None:
        """Stop the worker; POSTs still waiting fail (``aclose`` has cancelled their attempts first)."""
        self.closed = True
        if self._starting is not None:
            with contextlib.suppress(Exception):
                await self._starting
        worker, self._worker = self._worker, None
        if worker is not None:
            if worker.stdin is not None:
                worker.stdin.close()
            try:
                await asyncio.wait_for(worker.wait(), 2)
            except TimeoutError:
                worker.kill()
                await worker.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._fail_all("the delivery worker was closed")
