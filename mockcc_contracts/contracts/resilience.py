"""Failures: LP-RES-* (429 back-off, 5xx persistent and transient, other 4xx, a webhook outage, slow answers)."""

from __future__ import annotations

import functools
import itertools
import time

from mockcc_contracts.contract import Failed, NotApplicable, contract
from mockcc_contracts.evidence import describe_call, describe_delivery
from mockcc_contracts.harness import Harness, event_of, items

MIN_PAUSE = 0.9  # seconds after a 429 (LivePerson: back off; 1 s, with a little slack for clocks)
MAX_5XX_ATTEMPTS = 6  # the first try and at most five retries
GIVE_UP_WITHIN = 40.0  # LivePerson's 5xx guidance (3 retries, 5/10/15 s apart) takes 30 s; a margin
SILENT_AFTER = 17.0  # longer than its longest pause (15 s): no attempt and no error since means given up
FIRST_RETRY = 8.0  # LivePerson's first pause after a 5xx is 5 s; with jitter and a busy machine, 8


def _attempts(h: Harness, since: int, words: str) -> list[dict[str, object]]:
    """Every SEND that carried ``words``, in order."""
    return [
        c
        for c in h.sends(since, event_type="ContentEvent")
        if any(event_of(i).get("message") == words for i in items(c))
    ]


@contract(
    "LP-RES-001",
    "MUST",
    "Backs off after a 429",
    operations=("SEND",),
    faults=("Send API 429",),
    requires=("LP-CONV-001",),
)
def backs_off(h: Harness) -> None:
    """When the Send API answers 429 (too many requests), the connector waits before trying again (at least
    a second, growing) and the message still goes out: the suite measures the time between each 429 and
    the next attempt, so an immediate retry storm fails."""
    if h.control.clock()["frozen"]:
        raise NotApplicable("the mock's clock is frozen: request times cannot be measured")
    consumer = h.consumer("slowdown")
    h.start(consumer)
    since = h.mark()
    h.arm("429", scope="send", count=2)
    words = h.text("under a rate limit")
    h.say(consumer, words)
    h.wait_published(words, since, "after two 429s")
    tries = _attempts(h, since, words)
    evidence = [describe_call(c) for c in tries]
    for refused, following in itertools.pairwise(tries):
        if refused["status"] == 429 and float(following["at"]) - float(refused["at"]) < MIN_PAUSE:  # type: ignore[arg-type]
            gap = float(following["at"]) - float(refused["at"])  # type: ignore[arg-type]
            raise Failed(f"retried {gap:.3f}s after a 429 (at least {MIN_PAUSE}s expected)", evidence)


@contract(
    "LP-RES-002",
    "MUST",
    "Bounded retries on 5xx, then the consumer is told",
    operations=("SEND",),
    faults=("Send API 503 (persistent)",),
    requires=("LP-CONV-001",),
)
def bounded_5xx(h: Harness) -> None:
    """When the Send API keeps answering 5xx, the connector retries a bounded number of times (at most five
    retries; LivePerson's guidance is three, 5, 10 and 15 s apart) and then gives up, telling the consumer
    (the channel's ``error``): neither retrying forever nor dropping the message silently. The suite
    waits as long as that guidance takes (at least 40 s, or --patience), and decides sooner when the
    attempts pass the bound or stop for longer than the longest documented pause without an ``error``."""
    consumer = h.consumer("outage")
    h.start(consumer)
    since = h.mark()
    h.arm("503", scope="send", count=None)
    words = h.text("during an outage")
    h.say(consumer, words)
    seen = {"count": 0, "at": time.monotonic()}

    def decided() -> str | None:
        tries = len(_attempts(h, since, words))
        if tries != seen["count"]:
            seen.update(count=tries, at=time.monotonic())
        if tries > MAX_5XX_ATTEMPTS:
            return "unbounded"
        if h.received(consumer, "error"):
            return "told"
        return "silent" if time.monotonic() - seen["at"] > SILENT_AFTER else None

    h.wait(lambda: _attempts(h, since, words), f"{words!r} to be sent")
    if h.holds(lambda: len(_attempts(h, since, words)) < 2 and not h.received(consumer, "error"), FIRST_RETRY):
        raise Failed(
            f"no retry within {FIRST_RETRY:g}s of a 503 (LivePerson: retry after 5 s, then 10 s, then 15 s)",
            [describe_call(c) for c in _attempts(h, since, words)],
        )
    verdict = h.wait(
        decided, "the connector to give up (an error on the channel)", timeout=max(h.patience, GIVE_UP_WITHIN)
    )
    if verdict == "told":
        h.collect_when_answered()  # every attempt answered before the consumer was told is in the record
    told_after = len(_attempts(h, since, words))  # none may follow: the connector said it gave up
    if verdict == "told":
        h.holds(lambda: len(_attempts(h, since, words)) == told_after, 1.0)
    tries = _attempts(h, since, words)
    evidence = [describe_call(c) for c in tries][-10:]
    if verdict == "told" and len(tries) > told_after:
        raise Failed(
            f"the consumer was told the message was lost after {told_after} attempt(s), and the connector sent it "
            f"again {len(tries) - told_after} more time(s): it never gave up",
            evidence,
        )
    if len(tries) > MAX_5XX_ATTEMPTS:
        raise Failed(f"{len(tries)} attempts while LivePerson answered 503 (at most {MAX_5XX_ATTEMPTS})", evidence)
    if not tries:
        raise Failed("the message was never sent")
    if len(tries) < 2:
        raise Failed("the connector gave up after the first 503, without a retry", evidence)
    if verdict == "silent":
        raise Failed(
            f"the connector gave up after {len(tries)} attempt(s) without telling the consumer (no error on the "
            f"channel for {SILENT_AFTER:g}s): the message was dropped silently",
            evidence,
        )


@contract(
    "LP-RES-003",
    "MUST",
    "No retry on other 4xx, and the consumer is told",
    operations=("SEND",),
    faults=("Send API 400",),
    requires=("LP-CONV-001",),
)
def no_retry_4xx(h: Harness) -> None:
    """A 4xx other than 401 and 429 (here 400 Bad Request) means the request itself is wrong: sending the same
    request again cannot help, so the connector does not. The message is lost, so the consumer is told
    (the channel's ``error``); the consumer's next message goes out."""
    consumer = h.consumer("badreq")
    h.start(consumer)
    since = h.mark()
    h.arm("400", scope="send", count=3)
    words = h.text("refused as bad")
    h.say(consumer, words)
    h.wait(lambda: _attempts(h, since, words), f"{words!r} to be sent")
    try:
        h.wait(lambda: h.received(consumer, "error"), "the consumer to be told (an error on the channel)")
    except Failed as failed:
        raise Failed(
            "the refused message was dropped silently: the consumer was never told",
            [describe_call(c) for c in _attempts(h, since, words)],
        ) from failed
    h.holds(lambda: len(_attempts(h, since, words)) == 1, 0.5)
    tries = _attempts(h, since, words)
    if len(tries) > 1:
        raise Failed(f"the refused request was sent {len(tries)} times", [describe_call(c) for c in tries])
    h.control.clear_faults()
    after = h.text("after the refusal")
    h.say(consumer, after)
    h.wait_published(after, since, "after the refusal")


@contract(
    "LP-RES-004",
    "MUST",
    "A webhook outage in retention mode loses nothing",
    operations=("webhook retention replay",),
    faults=("webhook outage (retention mode)",),
    requires=("LP-AGENT-001", "LP-HOOK-002"),
)
def outage_retention(h: Harness) -> None:
    """With webhooks in retention mode (retry.retention_time), LivePerson keeps what it could not deliver and
    replays it, in order, once the endpoint answers again. After an outage (here: three deliveries the
    connector must refuse, their signature being wrong), the consumer has every agent message, in order."""
    if not h.owns_registration:
        raise NotApplicable("the connector registers its own webhooks: the suite cannot switch them to retention mode")
    h.seed(retention=True)  # the next contract starts from its own reset, in max_retries mode again
    consumer = h.consumer("retained")
    conversation, agent = h.joined(consumer)
    mark = h.delivery_mark()
    h.arm_webhook("corrupt_signature", count=3)
    words = [h.text(f"kept {i}") for i in range(3)]
    for text in words:
        agent.say(text)
    h.control.settle()
    for _ in range(12):  # the retention back-off: 2, 4, 8 ... s on the mock's clock
        if all(w in h.texts(consumer) for w in words):
            break
        h.control.advance(30)
    failed = [
        d
        for d in h.deliveries(mark, conversation)
        if d["outcome"] in ("failed", "fault:corrupt_signature") and d["status"] != 200
    ]
    if not failed:
        raise NotApplicable("no outage happened: the connector accepted wrongly signed deliveries (see LP-HOOK-002)")
    h.wait(lambda: all(w in h.texts(consumer) for w in words), "every kept message to reach the consumer")
    got = [t for t in h.texts(consumer) if t in words]
    if got != words:
        raise Failed(
            f"after the outage the consumer got {got}",
            [describe_delivery(d) for d in h.deliveries(mark, conversation)][-12:],
        )


#: One of each transient failure (a 5xx either way, and a connection lost with no answer), one message each.
TRANSIENT = {"503": "one 503", "500": "one 500", "disconnect": "a dropped connection"}


@contract(
    "LP-RES-005",
    "MUST",
    "One transient 5xx or dropped connection is retried and the message goes out once",
    operations=("SEND",),
    faults=("Send API 503 (once)", "Send API 500 (once)", "Send API disconnect (once)"),
    requires=("LP-CONV-001",),
)
def transient_5xx(h: Harness) -> None:
    """A single 503, a single 500 and a single dropped connection (the mock closes it with no answer: a
    network error), each on one consumer's message, then LivePerson answers again: the connector retries,
    and each message reaches LivePerson exactly once. Giving up on the first 5xx or network error loses it.
    The three retries run side by side, so the contract takes one back-off, not three."""
    consumers = {kind: h.consumer(f"blip-{kind}") for kind in TRANSIENT}
    for consumer in consumers.values():
        h.start(consumer)
    since = h.mark()
    sent: dict[str, str] = {}
    for kind, consumer in consumers.items():  # armed one at a time, so each message meets its own failure
        h.arm(kind, scope="send", count=1)
        sent[kind] = words = h.text(f"after {TRANSIENT[kind]}")
        h.say(consumer, words)
        h.wait(functools.partial(_fired, h, since, kind), f"{words!r} to be sent (and meet {TRANSIENT[kind]})")
    for kind, words in sent.items():

        def outcome(words: str = words, consumer: str = consumers[kind]) -> str | None:
            if words in h.published_texts(since):
                return "published"
            return "gave up" if h.received(consumer, "error") else None

        if h.wait(outcome, f"{words!r} to reach LivePerson after {TRANSIENT[kind]}") == "gave up":
            raise Failed(
                f"the connector gave up after {TRANSIENT[kind]} (it told the consumer) instead of retrying: "
                f"{words!r} never reached LivePerson",
                [describe_call(c) for c in _attempts(h, since, words)],
            )
    _once(h, since, *sent.values())


def _fired(h: Harness, since: int, kind: str) -> bool:
    return any(c.get("fault") == kind for c in h.calls(since, "send"))


#: A slow moment of LivePerson's: longer than a fast connection, well under any sane client timeout.
SLOW_ANSWER = 3.0


@contract(
    "LP-RES-006",
    "MUST",
    "A slow LivePerson answer loses nothing and duplicates nothing",
    operations=("SEND",),
    faults=("Send API answers after 3 s",),
    requires=("LP-CONV-001",),
)
def slow_answer(h: Harness) -> None:
    """The Send API sometimes takes seconds to answer (here 3 s). The connector waits for it: the message
    reaches LivePerson exactly once. Timing out early and sending again publishes it twice (the Send API
    has no idempotency key); timing out and dropping it loses it."""
    consumer = h.consumer("slowlp")
    h.start(consumer)
    since = h.mark()
    h.arm("delay", scope="send", count=1, delay_seconds=SLOW_ANSWER)
    words = h.text("while LivePerson is slow")
    h.say(consumer, words)
    # The run's record takes calls in journal order, so nothing after the slow attempt shows before it is
    # answered: a resend by a connector that gave up waiting is already in the record here, and a moment
    # more covers one still being answered.
    h.wait_published(words, since, f"with an answer after {SLOW_ANSWER:g}s")
    _once(h, since, words, watch=0.5)


def _once(h: Harness, since: int, *words: str, watch: float = 1.0) -> None:
    """Each of ``words`` was published once, and stays so for ``watch`` seconds (a late retry would publish
    it again)."""
    h.holds(lambda: all(h.published_texts(since).count(w) == 1 for w in words), watch)
    for text in words:
        count = h.published_texts(since).count(text)
        if count != 1:
            raise Failed(f"{text!r} was published {count} times", [describe_call(c) for c in _attempts(h, since, text)])
