"""What every contract works with: the mock's control plane, the channel driver and the connector's webhook URL.

The harness never sleeps for a fixed time: every wait polls a condition until ``patience`` runs out,
and ends sooner when the answer is already known: the mock refused a call of the connector that it
did not recover from (that refusal, in the mock's words, becomes the ``why``), or, in a SHOULD
contract, the connector went quiet after its reaction. It keeps the whole run's journal (a reset
clears the mock's) for the run-wide contracts and the coverage report, knows which contract each
call belongs to (``watch.Attribution``), and remembers which faults it armed.

Authoring helpers (stable): ``consumer``, ``text``, ``say``, ``start``, ``joined``, ``agent``,
``wait``, ``holds``, ``calls``, ``sends``, ``published_texts``, ``wait_published``, ``deliveries``,
``received``, ``texts``, ``arm``, ``arm_webhook``, ``needs`` (a step another contract judges),
``expect_refusals`` (refusals the contract provokes on purpose, other than armed faults).

A contract's waits end early on a refusal of the mock that the connector does not recover from (a later
2xx on the same service) within ``GRACE``: provoke refusals with ``arm`` (faults never count), or wrap
the waits in ``expect_refusals()``.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mockcc.webhooks.model import EVENT_KEYS
from mockcc_contracts.control import Agent, ControlClient, Credentials
from mockcc_contracts.driver import ChannelDriver, Received
from mockcc_contracts.evidence import describe_call, describe_delivery, describe_received
from mockcc_contracts.record import RunRecord, event_of, items
from mockcc_contracts.signatures import explain_refusals
from mockcc_contracts.verdict import Blocked, Failed
from mockcc_contracts.watch import explain

__all__ = ["GRACE", "QUIET", "WEBHOOK_KEYS", "Harness", "event_of", "items"]

T = TypeVar("T")
JSON = dict[str, Any]
GRACE = 3.0  # seconds a connector has to recover from a refusal (renew a token, open a conversation)
QUIET = 4.0  # a SHOULD contract stops waiting once the connector has done nothing for this long
START_QUIET = 0.5  # the connector's start-up is over once it has called the mock and then nothing for this long
#: How often a wait looks again: most reactions come within a second, and every poll's lag adds to the run
#: (a hundred waits, 25 ms each on average at 50 ms); after that second, a slower pace spares the machine.
POLL_FIRST, POLL_FIRST_FOR, POLL = 0.01, 1.0, 0.05
WEBHOOK_KEYS = EVENT_KEYS  # the five webhook keys of an installation, as LivePerson names them


class Harness(RunRecord):
    """The mock, the consumer's channel and the connector under test, for one run of the suite."""

    def __init__(
        self,
        control: ControlClient,
        credentials: Credentials,
        driver: ChannelDriver,
        webhook_url: str,
        *,
        patience: float = 20.0,
        webhook_timeout: float = 5.0,
        owns_registration: bool = True,
        saw_startup: bool = True,
    ) -> None:
        super().__init__(control)
        self.credentials = credentials
        self.driver = driver
        self.webhook_url = webhook_url
        self.patience = patience
        self.webhook_timeout = webhook_timeout
        self.owns_registration = owns_registration
        self.saw_startup = saw_startup  # the journal holds the connector's calls from its start
        self.faults_armed: set[str] = set()
        self.invented: set[str] = set()  # conversation/dialog ids the suite made up in forged notifications
        self.retention = False
        self.signing: tuple[str, str] = ("sha1", "base64")  # the installation's algorithm and digest encoding
        self._tag = secrets.token_hex(3)
        self._counter = itertools.count(1)
        self.used: list[str] = []  # the consumers of the current contract (for its evidence)
        self.current: tuple[str, str] | None = None  # (id, level) of the contract running now
        self.verdicts: dict[str, str] = {}  # outcome of every contract judged so far in this run
        self.since = 0  # the journal position where the current contract began
        self.setup_mark = 0  # ... and where its set-up (first text, agent join) ended
        self.activity: Callable[[], int] = lambda: 0  # grows with the connector's own output (set by the CLI)
        self.refusals_expected = False  # see expect_refusals
        self.restart: Callable[[], None] | None = None  # stops and starts the connector, when the suite started it
        self._reset_once = False

    # -- set-up ---------------------------------------------------------------------------------

    def seed_document(self, *, retention: bool = False, signing: tuple[str, str] = ("sha1", "base64")) -> JSON:
        """The mock's seed: webhooks point at the connector, no scripted agent (the suite is the agent)."""
        hook: JSON = {"endpoint": self.webhook_url}
        if not retention:
            hook["max_retries"] = 3
        hooks: JSON = {key: dict(hook) for key in WEBHOOK_KEYS} if self.owns_registration else {}
        if retention:
            hooks["retry"] = {"retention_time": 3600}
        installation = {
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "client_name": "connector under contract test",
            "capabilities": {"webhooks": hooks},
        }
        account = {
            "account_id": self.credentials.account_id,
            "agent": "none",
            "webhook_signature": signing[0],
            "webhook_signature_encoding": signing[1],
            "installations": [installation],
        }
        return {"accounts": [account]}

    def seed(self, *, retention: bool = False, signing: tuple[str, str] = ("sha1", "base64")) -> None:
        """Reset the mock to ``seed_document`` (only when the suite registers the webhooks)."""
        if not self.owns_registration:
            return
        # before the first reset the connector's start-up (discovery, its first token) may still be under way
        self.collect_when_answered(quiet=START_QUIET if self.saw_startup and not self._reset_once else 0.0)
        self._reset_once = True
        self.control.reset(self.seed_document(retention=retention, signing=signing))
        self.retention = retention
        self.signing = signing
        self._seen_delivery = 0  # the mock's delivery log starts again; run_id keeps counting

    def begin(self, contract_id: str, level: str) -> None:
        """A contract starts: its own mock state (a reset when the suite owns the registration, so no
        fault, conversation or delivery of another contract is left) and its own epoch of the journal."""
        self.current = (contract_id, level)
        self.used = []
        self.seed()
        boundary = max([self._seen_call, *(int(c["id"]) for c in self.control.journal(since_id=self._seen_call))])
        self.attribution.begin(boundary + 1, contract_id)
        self.since = self.setup_mark = boundary

    def consumer(self, label: str) -> str:
        """A consumer id no earlier contract (or run) used."""
        consumer = f"mockcc-{self._tag}-{next(self._counter):03d}-{label}"
        self.used.append(consumer)
        return consumer

    def text(self, label: str) -> str:
        """A message text unique to this run, so evidence can be matched exactly."""
        return f"{label} {self._tag}-{next(self._counter)}"

    # -- waiting ----------------------------------------------------------------------------------

    def wait(self, check: Callable[[], T], what: str, timeout: float | None = None) -> T:
        """Poll ``check`` until truthy; ``Failed`` after ``timeout`` (default: patience), or sooner: when the
        mock refused a call of the connector that it did not recover from within ``GRACE`` seconds, or the
        channel refused an event of the connector for ``GRACE`` seconds (the refusal is the why); in a
        SHOULD contract once the connector went quiet."""
        limit = self.patience if timeout is None else timeout
        started = time.monotonic()
        quiet = QUIET if self.current is not None and self.current[1] == "SHOULD" else None
        seen, last_change = self.activity_count(), started
        refused_since: dict[int, float] = {}  # channel refusals, by count, and when the suite saw them
        value = check()
        while not value:
            now = time.monotonic()
            cause = (
                None
                if self.refusals_expected
                else self.attribution.unrecovered(self.calls(self.since), min(GRACE, limit))
            )
            if cause is not None:
                raise Failed(
                    f"LivePerson refused the connector's call: {explain(cause)}", [f"while waiting for {what}"]
                )
            refused = self.channel_refusals()
            if refused and now - refused_since.setdefault(len(refused), now) >= min(GRACE, limit):
                raise Failed(
                    f"the channel refused {len(refused)} event(s) of the connector, the latest: {refused[-1]}",
                    [f"while waiting for {what}"],
                )
            if now - started > limit:
                raise Failed(f"timed out after {limit:g}s waiting for {what}{self._refusal_note()}")
            if quiet is not None:
                count = self.activity_count()
                if count != seen:
                    seen, last_change = count, now
                elif now - last_change > quiet:
                    idle = f"the connector did nothing more for {quiet:g}s"
                    raise Failed(f"never saw {what}: {idle}{self._refusal_note()}")
            time.sleep(POLL_FIRST if now - started < POLL_FIRST_FOR else POLL)
            value = check()
        return value

    def activity_count(self) -> int:
        """Grows whenever the connector does something the suite can see: a call, a delivery answered, output."""
        self.collect()
        return len(self.history) + len(self.delivery_history) + self.activity()

    def _refusal_note(self) -> str:
        """What was refused while waiting: the mock's refusals of the connector's calls, and the channel's
        refusals of its events (sent, but in a shape the channel protocol does not take)."""
        note = ""
        refusals = self.attribution.refusals(self.calls(self.since))
        if refusals:
            note += f"; the mock refused {len(refusals)} call(s), the first: {explain(refusals[0])}"
        refused = self.channel_refusals()
        if refused:
            note += f"; the channel refused {len(refused)} event(s) of the connector, the latest: {refused[-1]}"
        return note

    @contextmanager
    def expect_refusals(self) -> Iterator[None]:
        """Waits inside do not end at the mock's refusals: for a contract that provokes refusals by state
        (not by an armed fault, which never counts) and judges the connector's answer to them itself."""
        self.refusals_expected = True
        try:
            yield
        finally:
            self.refusals_expected = False

    @contextmanager
    def needs(self, prerequisite: str) -> Iterator[None]:
        """A step that ``prerequisite`` judges: its failure here is ``Blocked`` by that contract, so the
        verdict names the root cause (BLOCKED when that contract failed, else this contract's FAIL)."""
        if self.current is not None and self.current[0] == prerequisite:
            yield
            return
        try:
            yield
        except Blocked:
            raise
        except Failed as failed:
            raise Blocked(prerequisite, failed.reason, failed.evidence) from failed

    def channel_refusals(self, consumers: list[str] | None = None) -> list[str]:
        """The explanations of the connector's events the channel refused (this contract's consumers by
        default); empty when the driver cannot tell (a brand's own ``ChannelDriver``)."""
        refusals = getattr(self.driver, "refusals", None)
        if refusals is None:
            return []
        return [
            str(r.get("mockcc", {}).get("explanation"))
            for consumer in (self.used if consumers is None else consumers)
            for r in refusals(consumer)
        ]

    def holds(self, check: Callable[[], bool], seconds: float) -> bool:
        """True when ``check`` stays true for ``seconds`` (for "never happens" checks)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not check():
                return False
            time.sleep(0.05)
        return check()

    # -- what the mock saw (the journal and the deliveries: see RunRecord) ------------------------

    def wait_published(self, words: str, since: int = 0, how: str = "") -> None:
        """Wait until the consumer text ``words`` was accepted by the Send API (after ``since``)."""
        self.wait(lambda: words in self.published_texts(since), f"{words!r} to reach LivePerson {how}".rstrip())

    def consumer_texts(self, conversation_id: str) -> list[str]:
        """The consumer's texts as the mock stored them (whole: the journal keeps only a body preview)."""
        events = self.control.conversation(conversation_id)["events"]
        return [
            str(e["event"].get("message"))
            for e in events
            if e.get("originatorMetadata", {}).get("role") == "CONSUMER" and e["event"].get("type") == "ContentEvent"
        ]

    def conversations_of(self, consumer: str) -> list[JSON]:
        """The consumer's conversations in the mock, oldest first."""
        account = self.control.state()["accounts"][0]
        lp_id = next((c["lp_consumer_id"] for c in account["consumers"] if c["ext_consumer_id"] == consumer), None)
        return [c for c in account["conversations"] if lp_id is not None and c["consumerId"] == lp_id]

    def open_conversation(self, consumer: str) -> str | None:
        return next(
            (c["convId"] for c in self.conversations_of(consumer) if c["conversationDetails"]["state"] == "OPEN"), None
        )

    # -- acting -------------------------------------------------------------------------------------

    def say(self, consumer: str, text: str, **profile: Any) -> str | None:
        """The consumer writes; the channel's message id. Fails when the channel refused it."""
        sent = self.driver.send_text(consumer, text, profile=profile or None)
        if not sent.accepted:
            raise Failed(f"the connector refused the consumer's message {text!r}", [f"channel answer: {sent.detail}"])
        return sent.message_id

    def start(self, consumer: str, text: str | None = None) -> str:
        """The consumer writes; wait until the text is in an open conversation. Its id."""
        words = text or self.text("hello")

        def landed() -> str | None:
            conversation = self.open_conversation(consumer)
            return conversation if conversation and words in self.published_texts(dialog_id=conversation) else None

        with self.needs("LP-CONV-001"):
            self.say(consumer, words, firstName="Ada")
            found = str(
                self.wait(landed, f"the consumer's first text {words!r} to reach LivePerson in an open conversation")
            )
        self.setup_mark = self._seen_call
        return found

    def agent(self, conversation_id: str) -> Agent:
        return Agent(self.control, conversation_id)

    def joined(self, consumer: str) -> tuple[str, Agent]:
        """A conversation with an agent in it, the join delivered."""
        conversation = self.start(consumer)
        agent = self.agent(conversation)
        agent.join()
        self.control.settle()
        self.setup_mark = self.mark()
        return conversation, agent

    def received(self, consumer: str, kind: str | None = None) -> list[Received]:
        return [r for r in self.driver.received(consumer) if kind is None or r.kind == kind]

    def texts(self, consumer: str) -> list[str]:
        return [r.text or "" for r in self.received(consumer, "text")]

    def arm(self, kind: str, **fault: Any) -> None:
        self.control.fault(kind, **fault)
        self.faults_armed.add(f"Send API {kind}")

    def arm_webhook(self, kind: str, **fault: Any) -> None:
        self.control.webhook_fault(self.webhook_url, kind, **fault)
        self.faults_armed.add(f"webhook {kind}")

    @contextmanager
    def clean(self) -> Iterator[None]:
        """Faults off and the mock settled after a contract, whatever happened."""
        try:
            yield
        finally:
            self.control.clear_faults()
            self.control.clear_webhook_faults()
            self.control.settle()

    # -- evidence -----------------------------------------------------------------------------------

    def evidence(self, since_delivery: int) -> tuple[list[str], list[str]]:
        """What the mock and the channel saw during the current contract, as report lines: its set-up
        (the first text, the agent's join) and the rest, with late calls of earlier contracts marked."""
        calls = self.calls(self.since)
        setup = [describe_call(c) for c in calls if c["id"] <= self.setup_mark and c["id"] not in self.attribution.late]
        lines = [
            describe_call(c)
            + (f" (late: {self.attribution.late[c['id']]}'s traffic)" if c["id"] in self.attribution.late else "")
            for c in calls
            if c["id"] > self.setup_mark or c["id"] in self.attribution.late
        ][-25:]
        deliveries = self.deliveries(since_delivery)
        lines += [describe_delivery(d) for d in deliveries][-25:]
        lines += explain_refusals(deliveries, self.credentials.client_secret)  # the signature was right: how
        for consumer in self.used:
            got = self.driver.received(consumer)
            lines.append(f"channel: {consumer} received {len(got)} item(s)")
            lines += [f"  {describe_received(r)}" for r in got[-15:]]
            refused = self.channel_refusals([consumer])
            if refused:
                lines.append(
                    f"channel: refused {len(refused)} event(s) of the connector for {consumer} (schemas/channel.yaml)"
                )
                lines += [f"  {explanation}" for explanation in refused[-5:]]
        return setup, lines
