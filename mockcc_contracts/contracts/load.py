"""Under load: LP-CONV-007 (a burst from one consumer, in order), LP-AUTH-006 (many consumers, a token renewal).

Both send from the channel as fast as it accepts; the connector works concurrently behind its 202s,
which is where ordering and single-flight token renewal break.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from mockcc_contracts.contract import Failed, contract
from mockcc_contracts.evidence import describe_call
from mockcc_contracts.harness import Harness

BURST = 12
CONSUMERS = 20


@contract(
    "LP-CONV-007",
    "MUST",
    "A burst of consumer messages reaches LivePerson in order, each once",
    operations=("SEND",),
    faults=("burst of 12 consumer messages",),
    requires=("LP-CONV-001",),
)
def burst_in_order(h: Harness) -> None:
    """A consumer sends 12 messages in quick succession (a paste split by the channel, an impatient
    user). They reach LivePerson in the order written, each exactly once: a connector that sends each
    message from its own task lets them overtake one another, and the agent reads nonsense."""
    consumer = h.consumer("rapid")
    conversation = h.start(consumer)
    since = h.mark()
    words = [h.text(f"part {i}") for i in range(BURST)]
    h.faults_armed.add(f"burst of {BURST} consumer messages")
    for text in words:
        h.say(consumer, text)
    h.wait(
        lambda: all(w in h.published_texts(since, conversation) for w in words),
        f"all {BURST} messages to reach LivePerson",
    )
    got = [t for t in h.published_texts(since, conversation) if t in words]
    if got != words:
        order = [words.index(t) for t in got]
        raise Failed(
            f"LivePerson got them in this order: {order}",
            [describe_call(c) for c in h.sends(since, event_type="ContentEvent")][: BURST + 4],
        )


#: Mock seconds Sentinel holds every renewal: until the suite moves the clock, so the pile-up of refused
#: requests behind it does not depend on how fast this machine is (the suite releases it, not a timer).
HELD = 60.0
#: The renewals have stopped growing for this long: every request that would pile up has (sooner when
#: more than two renewals already show the storm).
SETTLED = 1.0


@contract(
    "LP-AUTH-006",
    "MUST",
    "Many consumers at once: every message arrives, with one AppJWT renewal",
    operations=("Sentinel token", "IdP consumer", "CONVERSATION", "SEND"),
    faults=("clock +1h", "20 consumers at once", "Sentinel holds each renewal until released"),
    requires=("LP-CONV-001",),
    moves_clock=True,
)
def many_consumers(h: Harness) -> None:
    """Twenty consumers write at once just after the AppJWT expired (the mock's clock moves past it), and
    Sentinel holds every renewal until the suite releases it (on the mock's clock, once the renewals have
    stopped growing), so every request refused with the expired token piles up behind the renewal whatever
    the machine's load. Every message reaches LivePerson, and the connector renews the AppJWT once for all
    of them (at most twice): a renewal per refused request is a storm on Sentinel that LivePerson may
    throttle."""
    h.start(h.consumer("warm"))
    h.control.advance(3600 + 120)
    h.arm("delay", scope="sentinel", count=None, delay_seconds=HELD)
    h.faults_armed.update({"clock moved past the AppJWT's expiry", f"{CONSUMERS} consumers at once"})
    since = h.mark()
    crowd = [(h.consumer(f"crowd{i}"), h.text(f"crowd {i}")) for i in range(CONSUMERS)]
    with ThreadPoolExecutor(CONSUMERS) as pool:  # all at once, as a busy channel would
        list(pool.map(lambda pair: h.say(pair[0], pair[1], firstName="Ada"), crowd))

    def renewals() -> int:  # token requests Sentinel received, answered or still held
        return sum("/token" in str(c["path"]) for c in h.control.journal(service="sentinel", since_id=since))

    seen = {"count": 0, "at": time.monotonic()}

    def settled() -> bool:
        count, now = renewals(), time.monotonic()
        if count != seen["count"]:
            seen.update(count=count, at=now)
        return count > 2 or (count > 0 and now - seen["at"] > SETTLED)

    h.wait(settled, "the connector to renew its expired AppJWT (Sentinel)")
    h.control.clear_faults()
    h.control.advance(HELD)  # Sentinel answers every held renewal now
    sent = [words for _, words in crowd]
    h.wait(lambda: all(w in h.published_texts(since) for w in sent), f"all {CONSUMERS} consumers' messages to arrive")
    tokens = [c for c in h.calls(since, "sentinel") if c["status"] == 200 and "/token" in str(c["path"])]
    if len(tokens) > 2:
        raise Failed(
            f"{len(tokens)} AppJWTs fetched for one expiry while {CONSUMERS} consumers wrote",
            [describe_call(c) for c in tokens[:6]],
        )
    published = h.published_texts(since)
    twice = [w for w in sent if published.count(w) > 1]
    if twice:
        raise Failed(f"{len(twice)} message(s) published more than once: {twice[:3]}")
