"""The test receiver itself, used from plain sync code (as connector tests will)."""

from __future__ import annotations

import threading

import httpx
import pytest

from mockcc_contracts.receiver import Receiver, Reply


def test_records_and_answers_from_per_path_scripts() -> None:
    with Receiver(default=204) as hook, httpx.Client(trust_env=False) as client:
        hook.script(500, Reply(201, body=b"ok", headers=(("X-A", "1"),)))
        hook.script(418, path="/tea")
        assert client.post(hook.url("/tea?x=1"), content=b"a").status_code == 418
        assert client.post(hook.url("/any"), content=b"b").status_code == 500
        created = client.post(hook.url("/any"), content=b"c", headers={"X-Test": "yes"})
        assert (created.status_code, created.content, created.headers["x-a"]) == (201, b"ok", "1")
        assert client.get(hook.url("/any")).status_code == 204
        requests = hook.wait_for(4)
        assert [(r.method, r.target, r.body, r.status) for r in requests] == [
            ("POST", "/tea?x=1", b"a", 418),
            ("POST", "/any", b"b", 500),
            ("POST", "/any", b"c", 201),
            ("GET", "/any", b"", 204),
        ]
        assert requests[0].path == "/tea"
        assert requests[0].query == "x=1"
        assert requests[2].header("x-test") == "yes"
        assert len(hook.on("/any")) == 3
        hook.clear()
        assert hook.requests == []


def test_wait_for_times_out_with_an_assertion() -> None:
    with Receiver() as hook, pytest.raises(AssertionError, match="expected 1 requests, got 0"):
        hook.wait_for(1, timeout=0.05)


def test_until_holds_the_answer_and_close_releases_it() -> None:
    gate = threading.Event()
    hook = Receiver(default=Reply(200, until=gate)).start()
    result: list[int] = []

    def call() -> None:
        with httpx.Client(trust_env=False) as client:
            result.append(client.post(hook.url("/"), content=b"{}").status_code)

    worker = threading.Thread(target=call)
    worker.start()
    hook.wait_for(1)
    assert result == []
    gate.set()
    worker.join(timeout=5)
    assert result == [200]
    hook.close()
