"""``python -m mockcc_contracts.demo`` (what ``make run`` calls): one whole conversation, nothing to configure.

Starts three servers on loopback, on free ports: ``mockcc serve`` and ``python -m connector_ref``
as real subprocesses, and the channel simulator in this process. Then one scripted consumer says
hello, the mock's echo agent joins, types and answers, receipts go both ways (the consumer reads
the answer), and the consumer closes. Prints both sides of the conversation, the connector's calls
to LivePerson (the mock's journal) and the webhooks the mock delivered, then the URLs to look at.

Exit status 0 when the conversation completed, 1 otherwise. ``--keep`` leaves everything
up for a person to explore until Ctrl-C. Nothing is left running when it exits.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from mockcc_contracts.channel.sim import render
from mockcc_contracts.driver import HttpChannelDriver
from mockcc_contracts.launch import ConnectorProcess, MockServer, connector_env, free_port, python_command

JSON = dict[str, Any]
CONSUMER = "+15550100"
GREETING = "Hello! Is anyone there? 👋"
PROFILE = {
    "firstName": "Grace",
    "lastName": "Hopper",
    "email": "grace@example.com",
    "phone": CONSUMER,
    "customerId": "demo-0001",
    "ctype": "vip",
    "language": "en-US",
}


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def wait(check: Callable[[], Any], timeout: float) -> Any:
    """Poll ``check`` until truthy; its last value (falsy on timeout)."""
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


class Demo:
    """The three servers and the scripted conversation."""

    def __init__(self, logs: Path, timeout: float) -> None:
        self.logs = logs
        self.timeout = timeout
        self.stops: list[Callable[[], None]] = []

    def start(self) -> None:
        """The suite's own launchers: the channel driver, ``mockcc serve``, then the connector by command."""
        driver = HttpChannelDriver()
        self.stops.append(driver.stop)
        self.channel_url = driver.url
        port = free_port()
        self.connector_url = f"http://127.0.0.1:{port}"
        sink = (self.logs / "mockcc.log").open("w", encoding="utf-8")
        self.stops.append(sink.close)
        mock = MockServer.start("--webhook-url", f"{self.connector_url}/webhooks", stderr=sink)
        self.stops.append(mock.stop)
        self.mock_url = mock.url
        env = connector_env(mock.credentials, driver.outbound_url, port)
        connector = ConnectorProcess.start(python_command("connector_ref"), env, port, ready_log="connector_ref ready")
        self.stops.append(lambda: self._keep_log(connector))
        driver.connect(f"{self.connector_url}/channel/messages")
        self.channel = httpx.Client(base_url=self.channel_url, timeout=30)
        self.mock = httpx.Client(base_url=self.mock_url, timeout=30)
        self.stops += [self.channel.close, self.mock.close]

    def _keep_log(self, connector: ConnectorProcess) -> None:
        connector.stop()
        (self.logs / "connector.log").write_text("\n".join(connector.output) + "\n", encoding="utf-8")

    def stop(self) -> None:
        for stop in reversed(self.stops):
            with contextlib.suppress(Exception):
                stop()
        self.stops.clear()

    def transcript(self) -> list[JSON]:
        return list(self.channel.get(f"/consumers/{CONSUMER}/transcript").json()["transcript"])

    def events(self, kind: str) -> list[JSON]:
        return [e for e in self.transcript() if e["from"] == "connector" and e["type"] == kind]

    def converse(self) -> list[str]:
        """Run the script; the steps that did not happen (empty: the conversation completed)."""
        missing: list[str] = []

        def step(name: str, check: Callable[[], Any]) -> Any:
            value = wait(check, self.timeout)
            if not value:
                missing.append(name)
            return value

        answer = self.channel.post(f"/consumers/{CONSUMER}/messages", json={"text": GREETING, "profile": PROFILE})
        message_id = answer.json().get("messageId")
        if answer.status_code != 200:
            return [f"the connector refused the consumer's message: {answer.text}"]
        step("the agent joined", lambda: self.events("agent_joined"))
        step("the agent typed", lambda: self.events("typing"))
        step("the agent answered", lambda: [e for e in self.events("text") if e["text"] == GREETING])
        step(
            "the agent read the message",
            lambda: [e for e in self.events("receipt") if e["status"] == "READ" and message_id in e["messageIds"]],
        )
        step(
            "the connector sent an ACCEPT receipt (delivered)",
            lambda: [c for c in self.journal() if '"status":"ACCEPT"' in c["request_body"]],
        )
        self.channel.post(f"/consumers/{CONSUMER}/read", json={})
        step(
            "the consumer read the answer: the connector sent READ",
            lambda: [c for c in self.journal() if '"status":"READ"' in c["request_body"]],
        )
        self.channel.post(f"/consumers/{CONSUMER}/close")
        step("the conversation closed", lambda: [e for e in self.events("closed") if e["by"] == "CONSUMER"])
        errors = self.events("error")
        if errors:
            missing.append(f"the connector reported errors: {errors}")
        self.mock.post("/_mockcc/settle", json={})
        return missing

    def journal(self) -> list[JSON]:
        calls = self.mock.get("/_mockcc/journal").json()["calls"]
        return [c for c in calls if c["service"] != "control"]

    def report(self) -> None:
        out("\n--- the conversation, as the channel saw it " + "-" * 36)
        for line in render(CONSUMER, self.transcript()):
            out(line)
        out("\n--- connector -> LivePerson (mock journal) " + "-" * 37)
        for call in self.journal():
            summary = _request_summary(call["request_body"]) if call["service"] in ("send", "conversation") else ""
            out(f"  {call['status']}  {call['service']:<12} {call['method']:<4} {call['path']}  {summary}".rstrip())
        out("\n--- LivePerson -> connector (webhook deliveries) " + "-" * 31)
        deliveries = self.mock.get("/_mockcc/webhooks/deliveries").json()["deliveries"]
        start = deliveries[0]["at"] if deliveries else 0.0
        for d in deliveries:
            out(
                f"  +{d['at'] - start:6.2f}s  {d.get('status') or '---'}  {d['outcome']:<9} "
                f"{d['event_key'].split('.')[-1]:<32} {_notification_summary(d.get('body'))}"
            )

    def urls(self, keep_logs: bool, kept: bool) -> None:
        out("\n--- look around " + "-" * 64)
        if not kept:
            out("  (these servers stop when the demo exits: run `make run ARGS=--keep` or")
            out("   `python -m mockcc_contracts.demo --keep` to keep them up until Ctrl-C)")
        out(f"  channel simulator, every transcript:   {self.channel_url}/")
        out(
            f"  make the consumer write:               curl -X POST {self.channel_url}/consumers/{CONSUMER}/messages "
            "-H 'content-type: application/json' -d '{\"text\": \"hi again\"}'"
        )
        out(f"  connector counters:                    {self.connector_url}/status")
        out(f"  the console (watch, answer as agent):  {self.mock_url}/ui")
        out(f"  mock state (conversations, consumers): {self.mock_url}/_mockcc/state")
        out(f"  mock journal (every call it got):      {self.mock_url}/_mockcc/journal")
        out(f"  webhook deliveries:                    {self.mock_url}/_mockcc/webhooks/deliveries")
        if keep_logs:
            out(f"  server logs:                           {self.logs}")


def _request_summary(body: str) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return ""
    items = doc if isinstance(doc, list) else [doc]
    parts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        event = item.get("body", {}).get("event", {}) if isinstance(item.get("body"), dict) else {}
        detail = event.get("type", "")
        if event.get("type") == "AcceptStatusEvent":
            detail += f" {event.get('status')} {event.get('sequenceList')}"
        elif event.get("type") == "ChatStateEvent":
            detail += f" {event.get('chatState')}"
        parts.append(f"{item.get('type')}{' ' + detail if detail else ''}")
    return "; ".join(parts)


def _notification_summary(body: object) -> str:
    try:
        doc = json.loads(body) if isinstance(body, str) else {}
        change = doc["body"]["changes"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    if "result" in change:
        details = change["result"].get("conversationDetails", {})
        roles = "+".join(p["role"] for p in details.get("participants", []))
        return f"state={details.get('state')} stage={details.get('stage')} participants={roles}"
    event = change.get("event", {})
    role = change.get("originatorMetadata", {}).get("role", "")
    detail = event.get("message") or event.get("chatState") or f"{event.get('status')} {event.get('sequenceList')}"
    return f"{role}: {detail}"[:70]


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockcc_contracts.demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", "--keep-running", dest="keep", action="store_true", help="leave everything up until Ctrl-C"
    )
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for each step")
    args = parser.parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGINT):  # `finally` stops the servers on kill as on Ctrl-C (SIGINT
        signal.signal(signum, _terminate)  # included when a background start left it ignored)
    logs = Path(tempfile.mkdtemp(prefix="mockcc-demo-"))
    demo = Demo(logs, args.timeout)
    missing: list[str] = ["the servers did not start"]
    try:
        out("Starting the mock, the reference connector and the channel simulator on 127.0.0.1 ...")
        demo.start()
        out(f"  mock      {demo.mock_url}\n  connector {demo.connector_url}\n  channel   {demo.channel_url}")
        missing = demo.converse()
        demo.report()
        demo.urls(keep_logs=bool(missing) or args.keep, kept=args.keep)
        out("")
        out("Conversation completed." if not missing else "Conversation INCOMPLETE; missing: " + "; ".join(missing))
        if args.keep:
            out("Everything keeps running; press Ctrl-C to stop.")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    except (RuntimeError, httpx.HTTPError) as exc:
        out(f"demo failed: {exc}\n  logs: {logs}")
    except KeyboardInterrupt:
        out("interrupted")
    finally:
        demo.stop()
    if not missing and not args.keep:
        shutil.rmtree(logs, ignore_errors=True)
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
