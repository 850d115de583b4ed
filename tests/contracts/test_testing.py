"""The public testing helpers and the pytest plugin's fixtures, used as a brand would use them."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockcc_contracts.control import Agent, ControlClient, ControlError
from mockcc_contracts.receiver import Receiver
from mockcc_contracts.testing import InProcessMock, ThreadedMock, assert_called, find_calls
from tests.e2e.live import open_conversation

WEBHOOK_KEYS = (
    "ms.MessagingEventNotification.ContentEvent",
    "cqm.ExConversationChangeNotification",
)


def test_inprocess_mock_journal_and_near_misses(mockcc_inprocess: InProcessMock) -> None:
    creds = mockcc_inprocess.credentials
    token = mockcc_inprocess.client.post(
        f"/sentinel/api/account/{creds.account_id}/app/token",
        params={"v": "1.0", "grant_type": "client_credentials"},
        data={"client_id": creds.client_id, "client_secret": "wrong"},
    )
    assert token.status_code == 401
    calls = mockcc_inprocess.control.journal()
    assert find_calls(calls, service="sentinel", status=401)
    with pytest.raises(AssertionError) as failure:
        assert_called(calls, service="sentinel", status=200)
    message = str(failure.value)
    assert "no call with service='sentinel', status=200" in message
    assert "differs in status" in message
    assert "401 sentinel POST" in message
    with pytest.raises(AssertionError, match="expected 2 call"):
        assert_called(calls, service="sentinel", count=2)


def test_control_client_moves_the_clock_and_refuses_bad_calls(mockcc_inprocess: InProcessMock) -> None:
    control = mockcc_inprocess.control
    before = control.now()
    control.advance(3600)
    assert control.now() == before + 3600
    with pytest.raises(ControlError, match="400"):
        control.fault("418")


def test_live_fixtures_deliver_signed_webhooks_to_the_receiver(
    mockcc_live: ThreadedMock, mockcc_control: ControlClient, mockcc_agent: object, mockcc_receiver: Receiver
) -> None:
    creds = mockcc_live.credentials
    hooks = {key: {"endpoint": mockcc_receiver.url("/hooks")} for key in WEBHOOK_KEYS}
    mockcc_control.reset(
        {
            "accounts": [
                {
                    "account_id": creds.account_id,
                    "agent": "none",
                    "installations": [
                        {
                            "client_id": creds.client_id,
                            "client_secret": creds.client_secret,
                            "capabilities": {"webhooks": hooks},
                        }
                    ],
                }
            ]
        }
    )
    ready = {"account_id": creds.account_id, "client_id": creds.client_id, "client_secret": creds.client_secret}
    with httpx.Client(base_url=creds.base_url, timeout=10) as http:
        _, conversation = open_conversation(http, ready, "plugin-consumer")
    agent = mockcc_agent(conversation)  # type: ignore[operator]
    assert isinstance(agent, Agent)
    agent.join()
    agent.say("hello from the plugin")
    mockcc_control.settle()
    bodies = [r.body.decode() for r in mockcc_receiver.wait_for(3)]
    assert any("hello from the plugin" in b for b in bodies)
    assert all(r.header("x-liveperson-signature") for r in mockcc_receiver.wait_for(3))


@pytest.mark.live
@pytest.mark.timeout(180)
def test_contracts_run_as_pytest_tests(tmp_path: Path) -> None:
    command = shlex.join([sys.executable, "-m", "connector_ref"])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "mockcc_contracts.contract_tests",
            "--mockcc-connector-cmd",
            command,
            "-k",
            "LP-AUTH-001 or LP-HOOK-007",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_threaded_mock_serves_a_real_url() -> None:
    with ThreadedMock(frozen=True) as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        assert httpx.get(mock.url + "/_mockcc/health").json()["status"] == "ok"
