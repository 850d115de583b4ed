"""``mockcc fuzz URL`` against a real ``mockcc serve``: every operation gets past authentication in one step.

The examples phase (a few seconds): every operation's documented example, sent with the credentials
``mockcc fuzz`` fetched for it. Swift's temp URLs are the exception: their signature comes from a SEND, so
only the stateful phase's chains reach them. The full run is ``make fuzz-cli``'s job and the README's numbers.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from mockcc_contracts.launch import MockServer


def _fuzz(url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockcc", "fuzz", url, *options],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )


@pytest.mark.live
@pytest.mark.timeout(300)
def test_one_step_fuzzing_authenticates_every_operation_and_leaves_the_control_plane_alone() -> None:
    with MockServer.start("--seed", "1") as mock:
        done = _fuzz(
            mock.fields["base_url"], "--phases", "examples,stateful", "-n", "5", "--workers", "1", "--no-color"
        )
        health = mock.control.get("/_mockcc/health")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    # "Authentication failed: N operations returned only 401/403 responses", then the operations, one a line
    only_refused, listing = set(), False
    for line in out.splitlines():
        listing = line.startswith(("401 Unauthorized (", "403 Forbidden (")) or (listing and line.startswith("  - "))
        if listing and line.startswith("  - "):
            only_refused.add(line.strip())
    # Swift's temp URLs are signed by a SEND (only a chain reaches them); the consumer authenticate exchange needs
    # the brand's own signing key in the seed's consumer_auth, which the default seed has none of (always 401); the
    # login session's refresh and logout need its Session_id cookie and csrf, which no example can hold.
    chained_or_unconfigured = {
        "- GET /v1/AUTH_async-images/{accountId}/{name}",
        "- PUT /v1/AUTH_async-images/{accountId}/{name}",
        "- POST /api/account/{accountId}/authenticate",
        "- POST /api/account/{accountId}/refresh",
        "- POST /api/account/{accountId}/logout",
    }
    assert only_refused <= chained_or_unconfigured, only_refused
    assert "--include-control" not in out  # no warning: the control plane was not in the run
    selected = next(line for line in out.splitlines() if "Operations:" in line)
    assert "/_mockcc/reset" not in out
    total = int(selected.split("/")[1].split()[0])
    assert 0 < int(selected.split()[1]) < total  # the control plane's operations were left out
    assert health["accounts"] == [mock.fields["account_id"]]  # nothing reseeded the mock


@pytest.mark.live
def test_including_the_control_plane_says_it_reseeds_the_mock() -> None:
    done = _fuzz("http://127.0.0.1:9", "--include-control")  # nothing listens there: the warning comes first
    assert done.returncode == 2
    assert "reseeds the mock under test" in done.stderr
    assert "cannot reach the mock" in done.stderr


@pytest.mark.live
def test_wrong_credentials_stop_the_run_before_it_starts() -> None:
    with MockServer.start("--seed", "1") as mock:
        done = _fuzz(mock.fields["base_url"], "--client-secret", "not-the-secret")
    assert done.returncode == 2
    assert "Sentinel refused client_id" in done.stderr
    assert "Schemathesis" not in done.stdout


@pytest.mark.live
@pytest.mark.timeout(300)
def test_fuzzing_the_control_plane_warns_first_and_says_what_it_left_and_how_to_recover() -> None:
    with MockServer.start("--seed", "1") as mock:
        done = _fuzz(mock.fields["base_url"], "--only", "control", "--phases", "examples", "--workers", "1")
        health = mock.control.get("/_mockcc/health")
    warning = done.stderr.index("reseeds the mock under test")
    aftermath = done.stderr.index("mockcc fuzz: the ", warning + 1)
    assert warning < aftermath
    said = done.stderr[aftermath:]
    if health["accounts"] == [mock.fields["account_id"]]:
        assert "still holds the accounts it started with" in said, said
    else:  # the examples reseeded it: the message names what it holds now and how to get the seed back
        assert f"holding accounts {health['accounts']}" in said, said
        assert "restart `mockcc serve`" in said


def test_the_aftermath_names_the_change_and_the_way_back() -> None:
    from mockcc_contracts.fuzz_api import aftermath

    assert "still holds the accounts it started with (70000001)" in aftermath((["70000001"], 0.0), (["70000001"], 0.0))
    moved = aftermath((["70000001"], 0.0), (["0"], 3600.0))
    assert "holding accounts ['0'] (it started with ['70000001']) with its clock 3600 s further on" in moved
    assert "restart `mockcc serve`" in moved
    assert "restart `mockcc serve`" in aftermath((["70000001"], 0.0), None)
