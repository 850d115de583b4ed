"""The delivery worker: ``python -m mockcc.webhooks.worker LIMIT CONNECT_TIMEOUT READ_TIMEOUT``.

Reads POST jobs from stdin and answers each on stdout (frames of ``remote.py``), running
``WebhookClient`` on its own event loop (uvloop when installed); it exits when stdin closes, that is
when the mock closes it or dies.
"""

from __future__ import annotations

import asyncio
import sys

from mockcc.webhooks.client import DeliveryError, WebhookClient
from mockcc.webhooks.remote import READY, Batcher, read_frames


async def serve(limit: int, connect_timeout: float, read_timeout: float) -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin.buffer)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout.buffer)
    out = Batcher(asyncio.StreamWriter(transport, protocol, None, loop))
    out.send(READY)
    client = WebhookClient(limit=limit, connect_timeout=connect_timeout, read_timeout=read_timeout)
    running: set[asyncio.Task[None]] = set()

    async def deliver(job: int, url: str, body: bytes, headers: list[tuple[str, str]]) -> None:
        try:
            out.send((job, await client.post(url, body, headers), "", ""))
        except DeliveryError as exc:
            out.send((job, 0, exc.kind, str(exc)))
        except Exception as exc:  # anything else is still an answer, never a silent loss
            out.send((job, 0, type(exc).__name__, str(exc)))

    try:
        async for job, url, body, headers in read_frames(stdin):
            task = asyncio.ensure_future(deliver(job, url, body, [(k, v) for k, v in headers]))
            running.add(task)
            task.add_done_callback(running.discard)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # the mock closed the pipe: done
    for task in running:
        task.cancel()
    await client.close()


def main() -> None:
    limit, connect, read = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    try:
        import uvloop

        uvloop.run(serve(limit, connect, read))
    except ImportError:  # pragma: no cover - uvloop is a dependency; asyncio's loop works too
        asyncio.run(serve(limit, connect, read))


if __name__ == "__main__":
    main()
