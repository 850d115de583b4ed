"""``mockcc fuzz-webhooks URL --secret S``: what a connector's webhook receiver does with what LivePerson may send.

The receiver's contract is ``schemas/webhook-receiver.yaml``. This sends it, one request at a time:
- every documented notification (``schemas/examples/webhooks/*/valid``), correctly signed (sha1 and
  sha256, base64 and hex: ``mockcc.webhooks.signing.LIVEPERSON_VARIANTS``, the encodings LivePerson
  sends per the protocol notes §5.2): each must be answered 200 or 201 within LivePerson's timeout;
- malformed and unexpected notifications, correctly signed (unknown event and notification types,
  missing fields, wrong types, truncated or non-JSON bodies, seeded mutations of the valid ones): any
  answer is fine except a server error or no answer in time (LivePerson adds types; a receiver that
  falls over on one loses every later notification to retries);
- forged signatures (wrong secret, a tampered body, a missing or garbled header): each must be refused.
Findings are server errors (5xx), answers slower than the timeout (or none), valid notifications
refused, and forged ones accepted. The report lists each with the request that caused it; the exit
status is 1 when there is any finding, 2 when the receiver cannot be reached at all.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from mockcc.schemas import schema_root, validate
from mockcc.webhooks.signing import LIVEPERSON_VARIANTS, encode, sign

JSON = dict[str, Any]

#: LivePerson's webhook timeout (seconds), as mockcc's own delivery uses it (``--webhook-read-timeout``).
LIVEPERSON_TIMEOUT = 5.0
DEFAULT_ACCOUNT = "70000001"
DEFAULT_CLIENT = "5f1c8a6e-2d3b-4c7a-9e0f-1a2b3c4d5e6f"
KINDS = ("webhooks/messaging-event-notification", "webhooks/ex-conversation-change-notification")


@dataclass(frozen=True, slots=True)
class Case:
    """One request to send, and what a correct receiver does with it."""

    name: str
    body: bytes
    signature: str | None  # the X-Liveperson-Signature header, or None to leave it out
    expect: str  # "accept": 200/201; "survive": anything but 5xx or a timeout; "refuse": not 2xx


@dataclass(frozen=True, slots=True)
class Finding:
    case: Case
    problem: str  # server-error | too-slow | valid-refused | forged-accepted
    detail: str


@dataclass(slots=True)
class Report:
    url: str
    sent: int = 0
    findings: list[Finding] = field(default_factory=list)
    unreachable: str | None = None

    def exit_code(self) -> int:
        return 2 if self.unreachable else (1 if self.findings else 0)

    def text(self) -> str:
        lines = [f"mockcc fuzz-webhooks {self.url}: {self.sent} notifications sent"]
        if self.unreachable:
            lines.append(f"UNREACHABLE: {self.unreachable}")
        by_problem: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_problem.setdefault(finding.problem, []).append(finding)
        for problem, found in sorted(by_problem.items()):
            lines.append(f"{problem}: {len(found)} ({EXPLAIN[problem]})")
            for finding in found[:10]:
                preview = finding.case.body[:160].decode("utf-8", errors="replace")
                lines.append(f"  - {finding.case.name}: {finding.detail}")
                lines.append(f"      signature={finding.case.signature!r} body={preview!r}")
            if len(found) > 10:
                lines.append(f"  ... and {len(found) - 10} more")
        lines.append("OK: no findings" if self.exit_code() == 0 else f"FAILED: {len(self.findings)} findings")
        return "\n".join(lines)


EXPLAIN = {
    "server-error": "the receiver answered 5xx; LivePerson retries or drops, and a crash loses what follows",
    "too-slow": "no answer within LivePerson's webhook timeout; counted as a failed delivery",
    "valid-refused": "a correctly signed, documented notification was not answered 200 or 201",
    "forged-accepted": "a request whose signature does not verify was answered 2xx; anyone can inject messages",
}


def documented() -> list[tuple[str, JSON]]:
    """Every valid notification example of the schemas (each notification and event type of the notes)."""
    out: list[tuple[str, JSON]] = []
    for kind in KINDS:
        for path in sorted((schema_root() / "examples" / kind / "valid").glob("*.json")):
            out.append((f"{kind.split('/')[1]}/{path.stem}", json.loads(path.read_text(encoding="utf-8"))))
    return out


def _unexpected(valid: list[tuple[str, JSON]]) -> Iterator[tuple[str, Any]]:
    """Shapes LivePerson may send tomorrow, or a proxy may garble today (all still JSON values)."""
    messaging = next(doc for name, doc in valid if name.startswith("messaging"))
    change = messaging["body"]["changes"][0]
    yield "unknown-event-type", _with_change(messaging, {**change, "event": {"type": "FutureEvent", "x": 1}})
    yield "event-without-type", _with_change(messaging, {**change, "event": {}})
    yield "unknown-notification-type", {**messaging, "type": "ms.SomethingNewNotification"}
    yield "unknown-change-type", _with_change(messaging, {**change, "type": "PATCH"})
    yield "changes-not-a-list", {**messaging, "body": {"changes": {"0": change}}}
    yield "empty-changes", {**messaging, "body": {"changes": []}}
    yield "no-body", {"kind": "notification", "type": messaging["type"]}
    yield "change-is-a-string", _with_change(messaging, "garbage")
    yield "null-ids", _with_change(messaging, {**change, "conversationId": None, "dialogId": None, "sequence": None})
    yield (
        "huge-message",
        _with_change(messaging, {**change, "event": {**change.get("event", {}), "message": "x" * 200_000}}),
    )
    yield (
        "non-ascii",
        _with_change(messaging, {**change, "event": {**change.get("event", {}), "message": "ü 😀 \u0000"}}),
    )
    yield "empty-object", {}
    yield "array", [messaging]
    yield "null", None
    yield "string", "notification"
    nested: Any = "deep"
    for _ in range(200):
        nested = {"a": nested}
    yield "deep-nesting", {**messaging, "extra": nested}
    for kind in KINDS:
        for path in sorted((schema_root() / "examples" / kind / "invalid").glob("*.json")):
            yield f"schema-invalid/{path.stem}", json.loads(path.read_text(encoding="utf-8"))


def _with_change(doc: JSON, change: Any) -> JSON:
    return {**doc, "body": {**doc["body"], "changes": [change]}}


def _mutate(rng: random.Random, doc: Any) -> Any:
    """One seeded mutation somewhere in ``doc``: drop a key, swap a value's type, or add an unknown key."""
    if isinstance(doc, dict) and doc:
        key = rng.choice(sorted(doc))
        roll = rng.random()
        if roll < 0.3:
            return {k: v for k, v in doc.items() if k != key}
        if roll < 0.5:
            return {**doc, key: rng.choice([None, 0, -1, "", [], {}, True, "🙂" * 3, 2**63])}
        if roll < 0.6:
            return {**doc, f"unknown_{rng.randrange(1000)}": rng.choice([1, "x", {"y": []}])}
        return {**doc, key: _mutate(rng, doc[key])}
    if isinstance(doc, list) and doc:
        i = rng.randrange(len(doc))
        return [*doc[:i], _mutate(rng, doc[i]), *doc[i + 1 :]]
    return rng.choice([None, 0, "", [], {}, "x" * 100])


def cases(secret: str, *, seed: int = 0, mutations: int = 100) -> list[Case]:
    """Every case, in a fixed order for a given seed."""
    rng = random.Random(seed)  # noqa: S311 - seeded mutations, not security
    valid = documented()
    out: list[Case] = []
    for name, doc in valid:
        body = encode(doc)
        out.append(Case(f"valid/{name}", body, sign(body, secret), "accept"))
    for algorithm, encoding in LIVEPERSON_VARIANTS[1:]:  # the default (sha1, base64) signed every case above
        name, doc = valid[0]
        body = encode(doc)
        out.append(
            Case(f"valid-{algorithm}-{encoding}/{name}", body, sign(body, secret, algorithm, encoding), "accept")
        )
    for name, doc in _unexpected(valid):
        body = json.dumps(doc, separators=(",", ":")).encode()
        out.append(Case(f"unexpected/{name}", body, sign(body, secret), "survive"))
    for name, raw in (("not-json", b"<html>oops</html>"), ("truncated", encode(valid[0][1])[:-7]), ("empty", b"")):
        out.append(Case(f"malformed/{name}", raw, sign(raw, secret), "survive"))
    for i in range(mutations):
        name, doc = valid[i % len(valid)]
        mutated = _mutate(rng, doc)
        body = json.dumps(mutated, separators=(",", ":")).encode()
        still_valid = isinstance(mutated, dict) and validate(name_of(name), mutated) is None
        out.append(Case(f"mutated-{i}/{name}", body, sign(body, secret), "accept" if still_valid else "survive"))
    name, doc = valid[0]
    body = encode(doc)
    good = sign(body, secret)
    tampered = body.replace(b'"', b"'", 1) if b'"' in body else body + b" "
    for label, signature, sent in (
        ("wrong-secret", sign(body, secret + "x"), body),
        ("tampered-body", good, tampered),
        ("missing", None, body),
        ("empty", "", body),
        ("no-algorithm", good.split("=", 1)[1], body),
        ("unknown-algorithm", "md5=" + good.split("=", 1)[1], body),
        ("garbage", "sha1=!!!not-base64!!!", body),
        ("other-body", sign(b"{}", secret), body),
    ):
        out.append(Case(f"forged/{label}", sent, signature, "refuse"))
    return out


def name_of(case_name: str) -> str:
    return "webhooks/" + case_name.split("/")[0]


def _headers(case: Case, account_id: str, client_id: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Liveperson-Account-Id": account_id,
        "X-Liveperson-Client-Id": client_id,
    }
    if case.signature is not None:
        headers["X-Liveperson-Signature"] = case.signature
    return headers


def judge(case: Case, status: int | None, seconds: float, timeout: float) -> Finding | None:
    """What is wrong with this answer, if anything (``status`` None: no answer in time)."""
    if status is None or seconds > timeout:
        return Finding(case, "too-slow", f"no answer within {timeout:g} s")
    if status >= 500:
        return Finding(case, "server-error", f"HTTP {status}")
    if case.expect == "accept" and status not in (200, 201):
        return Finding(case, "valid-refused", f"HTTP {status}")
    if case.expect == "refuse" and 200 <= status < 300:
        return Finding(case, "forged-accepted", f"HTTP {status}")
    return None


def run(
    url: str,
    secret: str,
    *,
    account_id: str = DEFAULT_ACCOUNT,
    client_id: str = DEFAULT_CLIENT,
    timeout: float = LIVEPERSON_TIMEOUT,
    seed: int = 0,
    mutations: int = 100,
) -> Report:
    """Send every case to ``url``, one at a time, and judge each answer."""
    report = Report(url)
    with httpx.Client(timeout=httpx.Timeout(timeout, connect=timeout), trust_env=False) as http:
        for case in cases(secret, seed=seed, mutations=mutations):
            started = time.perf_counter()
            status: int | None
            try:
                status = http.post(url, content=case.body, headers=_headers(case, account_id, client_id)).status_code
            except httpx.TimeoutException:
                status = None
            except httpx.TransportError as exc:
                if report.sent == 0:
                    report.unreachable = f"{type(exc).__name__}: {exc}"
                    return report
                report.findings.append(Finding(case, "server-error", f"connection failed: {type(exc).__name__}"))
                report.sent += 1
                continue
            report.sent += 1
            finding = judge(case, status, time.perf_counter() - started, timeout)
            if finding is not None:
                report.findings.append(finding)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mockcc fuzz-webhooks", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("url", help="the connector's webhook endpoint, e.g. http://127.0.0.1:9000/webhooks")
    parser.add_argument("--secret", required=True, help="the app installation's client_secret (the signing key)")
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT, help="X-Liveperson-Account-Id to send")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT, help="X-Liveperson-Client-Id to send")
    parser.add_argument("--timeout", type=float, default=LIVEPERSON_TIMEOUT, help="seconds (LivePerson: 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations (the same seed, the same run)")
    parser.add_argument("--mutations", type=int, default=100, help="how many seeded mutations to send")
    args = parser.parse_args(argv)
    report = run(
        args.url,
        args.secret,
        account_id=args.account_id,
        client_id=args.client_id,
        timeout=args.timeout,
        seed=args.seed,
        mutations=args.mutations,
    )
    print(report.text())  # noqa: T201 - the report is the command's output
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
