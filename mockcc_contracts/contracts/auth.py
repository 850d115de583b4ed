"""Discovery and tokens: LP-DISC-*, LP-AUTH-*."""

from __future__ import annotations

from mockcc_contracts.contract import Failed, NotApplicable, contract
from mockcc_contracts.evidence import describe_call
from mockcc_contracts.harness import Harness

LP_SERVICES = ("sentinel", "idp", "conversation", "send", "appinstall", "swift")


def _tokens(h: Harness, since: int) -> list[dict[str, object]]:
    return [c for c in h.calls(since, "sentinel") if c["status"] == 200 and "/token" in str(c["path"])]


def _auth_tails(calls: list[dict[str, object]]) -> list[str]:
    return [str(dict(c.get("request_headers") or {}).get("authorization", "?")) for c in calls]  # type: ignore[call-overload]


def _explanation(call: dict[str, object]) -> dict[str, object]:
    found = call.get("explanation")
    return found if isinstance(found, dict) else {}


def _wrong_hosts(h: Harness) -> list[dict[str, object]]:
    """Calls the mock refused for reaching another service's host (``mockcc serve --split-hosts``)."""
    return [c for c in h.calls() if _explanation(c).get("rule") == "csds-host"]


@contract("LP-DISC-001", "MUST", "LivePerson hosts come from CSDS", operations=("CSDS",))
def discovery(h: Harness) -> None:
    """The connector asks CSDS (the Domain API) where LivePerson's services are before it calls any of
    them, and calls each service at the host CSDS names for it, rather than hard-coding hosts that differ
    by account and region (the suite's mock answers each service on its own port, as CSDS hands them out,
    and refuses a call that reaches the wrong one)."""
    unfinished: Failed | None = None
    try:
        h.start(h.consumer("disc"))
    except Failed as failed:  # judged on what the connector called anyway: the first text is LP-CONV-001's
        unfinished = failed
    wrong = _wrong_hosts(h)
    if wrong:
        raise Failed(
            f"a LivePerson service called at another service's host: {_explanation(wrong[0])['explanation']}",
            [describe_call(c) for c in wrong[:5]],
        )
    calls = h.calls()
    csds = [c for c in calls if c["service"] == "csds"]
    others = [c for c in calls if c["service"] in LP_SERVICES]
    if not csds:
        if not h.saw_startup:
            raise NotApplicable(
                "the connector was already running: its start-up (where discovery happens) was not seen"
            )
        raise Failed("the connector never called CSDS", [describe_call(c) for c in others[:5]])
    if others and others[0]["id"] < csds[0]["id"]:
        raise Failed("the connector called a LivePerson service before asking CSDS", [describe_call(others[0])])
    if unfinished is not None and not others:
        raise NotApplicable(f"the connector called no LivePerson service after CSDS ({unfinished.reason})")


@contract(
    "LP-AUTH-001",
    "MUST",
    "One AppJWT serves many requests",
    operations=("Sentinel token", "SEND"),
    requires=("LP-CONV-001",),
)
def app_jwt_reused(h: Harness) -> None:
    """The connector gets an AppJWT from Sentinel once and reuses it for every Send API call until it
    nears expiry; it does not ask for a token per request or per consumer (here: three consumers, six
    messages)."""
    h.start(h.consumer("warm"))
    since = h.mark()
    for i in range(3):
        consumer = h.consumer(f"jwt{i}")
        h.start(consumer)
        words = h.text("again")
        h.say(consumer, words)
        h.wait_published(words, since)
    tokens = _tokens(h, since)
    sends = h.calls(since, "send") + h.calls(since, "conversation")
    if tokens:
        raise Failed(
            f"{len(tokens)} new AppJWT(s) fetched for {len(sends)} Send API calls; the first was valid for an hour",
            [describe_call(c) for c in tokens[:5]] + [f"Authorization of the Send API calls: {_auth_tails(sends)}"],
        )


@contract(
    "LP-AUTH-002",
    "MUST",
    "The AppJWT is renewed when it expires",
    operations=("Sentinel token", "SEND"),
    faults=("clock +1h",),
    requires=("LP-CONV-001",),
    moves_clock=True,
)
def app_jwt_expiry(h: Harness) -> None:
    """An AppJWT lives an hour. When the mock's clock moves past its expiry, the connector gets a new one
    (before expiry, or when the Send API answers 401 with the old one) and the consumer's next message
    still reaches LivePerson."""
    consumer = h.consumer("expiry")
    h.start(consumer)
    since = h.mark()
    h.control.advance(3600 + 120)
    h.faults_armed.add("clock moved past the AppJWT's expiry")
    words = h.text("after expiry")
    h.say(consumer, words)
    h.wait_published(words, since, "with a renewed AppJWT")
    if not _tokens(h, since):
        raise Failed(
            "the message went out but no new AppJWT was fetched", [describe_call(c) for c in h.calls(since)][:10]
        )


@contract(
    "LP-AUTH-003",
    "MUST",
    "A 401 makes the connector renew the AppJWT and retry",
    operations=("Sentinel token",),
    faults=("Send API 401",),
    requires=("LP-CONV-001",),
)
def app_jwt_on_401(h: Harness) -> None:
    """When the Send API answers 401 to a token the connector believed valid (revoked, or the clocks
    disagree), it fetches a new AppJWT and sends the message again, instead of dropping it."""
    consumer = h.consumer("on401")
    h.start(consumer)
    since = h.mark()
    h.arm("401", scope="send", count=1)
    words = h.text("after a 401")
    h.say(consumer, words)
    h.wait_published(words, since, "after the 401")
    if not _tokens(h, since):
        raise Failed("no new AppJWT was fetched after the 401", [describe_call(c) for c in h.calls(since)][:10])


@contract(
    "LP-AUTH-004",
    "MUST",
    "One ConsumerJWS per consumer, reused",
    operations=("IdP consumer",),
    requires=("LP-CONV-001",),
)
def consumer_jws_reused(h: Harness) -> None:
    """The connector asks the IdP for a consumer's ConsumerJWS once and reuses it for that consumer's later
    calls (it does not expire); three messages make at most one IdP call."""
    consumer = h.consumer("jws")
    since = h.mark()
    h.start(consumer)
    for _ in range(2):
        words = h.text("more")
        h.say(consumer, words)
        h.wait_published(words, since)
    idp = [c for c in h.calls(since, "idp") if c["method"] == "POST"]
    if len(idp) > 1:
        raise Failed(f"{len(idp)} ConsumerJWS requests for one consumer", [describe_call(c) for c in idp[:5]])


@contract(
    "LP-AUTH-005",
    "MUST",
    "A refused ConsumerJWS (40103) is fetched again",
    operations=("IdP consumer", "SEND"),
    faults=("Send API 401 (40103)",),
    requires=("LP-CONV-001",),
)
def consumer_jws_refused(h: Harness) -> None:
    """When the Send API answers 401 with errorCode 40103 (Invalid ConsumerJWS), the consumer's token is
    the problem, not the AppJWT: the connector asks the IdP for a new ConsumerJWS and sends the message
    again with it. Renewing only the AppJWT keeps the refused token, and the message is lost."""
    consumer = h.consumer("jws401")
    h.start(consumer)
    since = h.mark()
    h.arm("401", scope="send", count=1, error_code=40103)
    words = h.text("after a 40103")
    h.say(consumer, words)
    h.wait_published(words, since, "after the refused ConsumerJWS")
    idp = [c for c in h.calls(since, "idp") if c["method"] == "POST" and c["status"] in (200, 201)]
    if not idp:
        raise Failed("no new ConsumerJWS was fetched after the 40103", [describe_call(c) for c in h.calls(since)][:10])
