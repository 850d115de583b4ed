"""While one costly request runs (CONVERSATION with a SetUserProfile of 15,000 SDEs, 717 KiB: over a
second of schema work on the event loop before), /_mockcc/health still answers promptly.

A behaviour bound with a wide margin, not a speed target: the target is 100 ms; the test fails at
0.5 s, where a request that held the loop for a second would always land."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from mockcc_contracts.launch import MockServer

pytestmark = pytest.mark.live

HEALTH_BOUND = 0.5  # seconds


def _tokens(base: str, fields: dict[str, str]) -> dict[str, str]:
    account = fields["account_id"]
    app_jwt = httpx.post(
        f"{base}/sentinel/api/account/{account}/app/token?v=1.0&grant_type=client_credentials",
        data={"client_id": fields["client_id"], "client_secret": fields["client_secret"]},
    ).json()["access_token"]
    jws = httpx.post(
        f"{base}/api/account/{account}/consumer?v=1.0",
        json={"ext_consumer_id": "big"},
        headers={"Authorization": app_jwt},
    ).json()["token"]
    return {"Authorization": app_jwt, "X-LP-ON-BEHALF": jws, "Content-Type": "application/json"}


def test_health_answers_while_one_costly_request_runs():
    with MockServer.start() as mock:
        fields = mock.fields
        account = fields["account_id"]
        headers = _tokens(mock.url, fields)
        sdes = [{"type": "ctmrinfo", "info": {"ctype": "vip", "customerId": f"c{i}"}} for i in range(15_000)]
        sdes[-1] = {"type": "ctmrinfo"}  # invalid at the very end: every SDE must be checked
        batch = [
            {
                "kind": "req",
                "id": "1",
                "type": "userprofile.SetUserProfile",
                "body": {"authenticatedData": {"lp_sdes": sdes}},
            },
            {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": account}},
        ]
        body = json.dumps(batch, separators=(",", ":")).encode()
        statuses: list[int] = []

        def costly() -> None:
            with httpx.Client(timeout=60) as client:
                for _ in range(3):
                    url = f"{mock.url}/api/account/{account}/messaging/consumer/conversation?v=3"
                    statuses.append(client.post(url, content=body, headers=headers).status_code)

        latencies: list[float] = []
        worker = threading.Thread(target=costly)
        with httpx.Client(timeout=30) as health:
            health.get(mock.url + "/_mockcc/health")  # the connection is open before the clock starts
            worker.start()
            while worker.is_alive():
                started = time.perf_counter()
                assert health.get(mock.url + "/_mockcc/health").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)
            worker.join()
        assert statuses == [400, 400, 400]
        assert latencies, "the costly requests ended before health was asked"
        assert max(latencies) < HEALTH_BOUND, sorted(latencies)[-5:]
