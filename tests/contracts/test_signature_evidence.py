"""A connector that refuses LivePerson's correctly signed deliveries is told how the header is built and what it got."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mockcc.webhooks.signing import LIVEPERSON_VARIANTS, sign
from mockcc_contracts.fuzz_webhooks import cases
from mockcc_contracts.signatures import explain_refusals
from tests.contracts.conftest import Run, connector_cmd, outcomes

SECRET = "rl9hacst6kqilbofup64n11ga3"  # the protocol notes' Appendix B vector
BODY = b'{"kind":"notification","body":{"changes":[]},"type":"ms.MessagingEventNotification"}'


def delivery(status: int, signature: str, body: bytes = BODY, fault: str | None = None) -> dict[str, object]:
    headers = {"X-Liveperson-Signature": signature, "Content-Type": "application/json"}
    return {"id": 7, "status": status, "headers": headers, "body": body.decode(), "fault": fault}


def test_a_refused_correct_signature_is_explained_with_the_rule_and_the_header() -> None:
    good = sign(BODY, SECRET)
    assert good == "sha1=" + base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha1).digest()).decode()
    lines = explain_refusals([delivery(401, good), delivery(200, good)], SECRET)
    text = "\n".join(lines)
    assert "refused 1 correctly signed deliveries" in text
    assert "'sha1=' + base64(HMAC-SHA1(key = the client secret" in text
    assert "raw request body bytes" in text
    assert "§5.2" in text
    assert f"X-Liveperson-Signature: {good}" in text
    assert f"over these {len(BODY)} body bytes" in text


@pytest.mark.parametrize(
    "refused",
    [
        delivery(401, sign(BODY, "another secret")),  # a wrong signature: refusing it is right
        delivery(401, sign(BODY, SECRET), fault="corrupt_signature"),  # the suite corrupted it on purpose
        delivery(500, sign(BODY, SECRET)),  # not a signature refusal
    ],
)
def test_no_signature_explanation_when_the_refusal_was_right_or_not_about_signatures(
    refused: dict[str, object],
) -> None:
    assert explain_refusals([refused], SECRET) == []


def test_suite_and_fuzz_webhooks_send_the_same_encodings() -> None:
    """Both take them from LIVEPERSON_VARIANTS: sha1/sha256, base64/hex (protocol notes §5.2)."""
    accepted = {
        c.signature.split("=", 1)[0] for c in cases(SECRET, mutations=0) if c.expect == "accept" and c.signature
    }
    assert accepted == {a for a, _ in LIVEPERSON_VARIANTS}
    hexes = [
        c for c in cases(SECRET, mutations=0) if c.name.startswith("valid-") and c.name.split("/")[0].endswith("-hex")
    ]
    assert {c.name.split("/")[0] for c in hexes} == {f"valid-{a}-hex" for a, e in LIVEPERSON_VARIANTS if e == "hex"}


@pytest.mark.live
@pytest.mark.timeout(180)
def test_a_connector_refusing_base64_signatures_gets_the_header_rule_in_its_evidence(run_suite: Run) -> None:
    code, report, printed = run_suite(
        connector_cmd("tests.contracts.broken_connector", "signature-compared-as-hex"),
        *("--only", "LP-AGENT-001"),
        "--patience",
        "4",
    )
    assert code == 1, printed
    assert outcomes(report) == {"LP-AGENT-001": "fail"}, printed
    evidence = "\n".join(next(r for r in report["results"] if r["id"] == "LP-AGENT-001")["evidence"])
    assert "correctly signed deliveries" in evidence, printed
    assert "'sha1=' + base64(HMAC-SHA1" in evidence, printed
    assert "X-Liveperson-Signature: sha1=" in evidence, printed
