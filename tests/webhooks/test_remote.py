"""The delivery worker (``remote.py``): POSTs really leave from a second process, answers and failures come
back as ``WebhookClient`` gives them, and closing it stops the process and fails what still waits."""

from __future__ import annotations

import asyncio
import os

import pytest

from mockcc.webhooks.client import DeliveryError
from mockcc.webhooks.remote import RemoteWebhookClient
from mockcc_contracts.receiver import Receiver, Reply, free_port

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["worker"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)  # these tests are about the worker alone: no in-process twin


async def test_posts_leave_from_another_process_with_the_exact_bytes(receiver: Receiver) -> None:
    client = RemoteWebhookClient(limit=4, connect_timeout=1.0, read_timeout=1.0)
    try:
        statuses = await asyncio.gather(
            *(client.post(receiver.url(f"/n{i}"), b'{"n":%d}' % i, [("X-Seq", str(i))]) for i in range(20))
        )
        assert statuses == [200] * 20
        assert client.worker_pid not in (None, os.getpid())
        got = {r.path: (r.body, r.header("x-seq")) for r in receiver.requests}
        assert got == {f"/n{i}": (b'{"n":%d}' % i, str(i)) for i in range(20)}
    finally:
        await client.close()


async def test_failures_come_back_named_as_the_log_names_them(receiver: Receiver) -> None:
    receiver.set_default(Reply(503))
    client = RemoteWebhookClient(limit=2, connect_timeout=1.0, read_timeout=0.2)
    try:
        assert await client.post(receiver.url("/busy"), b"{}", []) == 503
        with pytest.raises(DeliveryError) as refused:
            await client.post(f"http://127.0.0.1:{free_port()}/", b"{}", [])
        assert refused.value.kind == "ConnectError"
        with pytest.raises(DeliveryError) as bad:
            await client.post("ftp://example/", b"{}", [])
        assert bad.value.kind == "InvalidURL"
        receiver.set_default(Reply(200, delay=5.0))
        with pytest.raises(DeliveryError) as slow:
            await client.post(receiver.url("/slow"), b"{}", [])
        assert slow.value.kind == "ReadTimeout"
    finally:
        await client.close()


async def test_close_stops_the_worker_and_fails_what_waits(receiver: Receiver) -> None:
    receiver.set_default(Reply(200, delay=3600.0))
    client = RemoteWebhookClient(limit=2, connect_timeout=1.0, read_timeout=3600.0)
    waiting = asyncio.ensure_future(client.post(receiver.url("/hang"), b"{}", []))
    await receiver.wait_for_async(1)
    pid = client.worker_pid
    await asyncio.wait_for(client.close(), 30)  # a bound on waiting, not a speed assertion
    with pytest.raises(DeliveryError):
        await waiting
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
