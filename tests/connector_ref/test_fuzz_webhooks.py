"""``mockcc fuzz-webhooks``: the reference connector's receiver passes it; planted defects are caught.

Every receiver here is a real HTTP server on loopback; the fuzzer sends real HMAC signatures.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockcc.webhooks.signing import verify
from mockcc_contracts.channel.runner import ServerThread
from mockcc_contracts.fuzz_webhooks import cases, documented, run
from tests.connector_ref.stack import Stack

SECRET = "rl9hacst6kqilbofup64n11ga3"
KNOWN_EVENTS = {"ContentEvent", "RichContentEvent", "AcceptStatusEvent", "ChatStateEvent"}


def test_the_reference_connector_passes(stack: Callable[..., Stack]) -> None:
    s = stack(agent="none")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockcc",
            "fuzz-webhooks",
            s.webhook_url,
            "--secret",
            s.settings.client_secret,
            "--account-id",
            s.settings.account_id,
            "--mutations",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: no findings" in done.stdout
    sent = int(done.stdout.split(": ", 1)[1].split()[0])
    assert sent == len(cases(s.settings.client_secret, mutations=60))


def _serve(handler: Callable[[Request], object]) -> ServerThread:
    async def endpoint(request: Request) -> Response:
        return await handler(request)  # type: ignore[misc, no-any-return]

    return ServerThread(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])]), name="receiver")


def _events(doc: object) -> list[str]:
    changes = doc.get("body", {}).get("changes", []) if isinstance(doc, dict) else []
    return [c["event"]["type"] for c in changes if isinstance(c, dict) and isinstance(c.get("event"), dict)]


def test_it_catches_a_receiver_that_skips_the_signature_check() -> None:
    async def trusting(request: Request) -> Response:
        await request.body()  # never looks at X-Liveperson-Signature
        return Response(status_code=200)

    with _serve(trusting) as server:
        report = run(server.url + "/hook", SECRET, mutations=5)
    assert report.exit_code() == 1
    problems = {f.problem for f in report.findings}
    assert problems == {"forged-accepted"}
    assert {f.case.name for f in report.findings} >= {"forged/wrong-secret", "forged/missing", "forged/tampered-body"}
    assert "forged-accepted: 8" in report.text()


def test_it_catches_a_receiver_that_crashes_on_an_unknown_event_type() -> None:
    async def strict_about_types(request: Request) -> Response:
        body = await request.body()
        if not verify(body, SECRET, request.headers.get("x-liveperson-signature")):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        try:
            doc = json.loads(body)
        except ValueError:
            return Response(status_code=200)
        for event in _events(doc):
            if event not in KNOWN_EVENTS:
                raise RuntimeError(f"unknown event type {event}")  # the defect: a 500 for what LivePerson adds
        return Response(status_code=200)

    with _serve(strict_about_types) as server:
        report = run(server.url + "/hook", SECRET, mutations=0)
    assert report.exit_code() == 1
    assert {f.problem for f in report.findings} == {"server-error"}
    assert "unexpected/unknown-event-type" in {f.case.name for f in report.findings}
    assert "server-error" in report.text()
    assert "HTTP 500" in report.text()


def test_it_catches_a_receiver_slower_than_the_timeout() -> None:
    async def slow_on_typing(request: Request) -> Response:
        body = await request.body()
        if not verify(body, SECRET, request.headers.get("x-liveperson-signature")):
            return Response(status_code=401)
        if b'"ChatStateEvent"' in body:
            await asyncio.sleep(4)  # does its work before answering
        return Response(status_code=200)

    with _serve(slow_on_typing) as server:
        # 1.5 s: far from the 4 s of the slow answers, far above a fast answer's time on a loaded machine
        report = run(server.url + "/hook", SECRET, timeout=1.5, mutations=0)
    assert {f.problem for f in report.findings} == {"too-slow"}
    assert all(b"ChatStateEvent" in f.case.body for f in report.findings)


def test_an_unreachable_receiver_is_exit_status_2() -> None:
    with _serve(lambda r: None) as server:
        url = server.url
    report = run(url + "/hook", SECRET, timeout=1, mutations=0)
    assert report.exit_code() == 2
    assert report.sent == 0


def test_the_valid_cases_are_every_documented_notification_and_validate() -> None:
    names = {name for name, _ in documented()}
    kinds = {doc["type"] for _, doc in documented()}
    assert kinds == {"ms.MessagingEventNotification", "cqm.ExConversationChangeNotification"}
    events = {event for _, doc in documented() for event in _events(doc)}
    assert events == KNOWN_EVENTS
    assert len(names) == len(documented())
    accepted = [c for c in cases(SECRET, mutations=0) if c.expect == "accept"]
    assert len(accepted) >= len(names)
