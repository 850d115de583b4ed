"""Many consumers at once: names, profiles, SDEs and messages made with faker, seeded to repeat.

Each simulated consumer writes its messages one after another, waiting for the agent's answer to
each (any agent text after it; with the mock's ``echo`` agent, the same text) before the next,
then optionally asks to close. Consumers run concurrently, ``concurrency`` at a time. The report
counts what was sent, answered, echoed, refused and missing, with answer latencies.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from faker import Faker

from mockcc_contracts.channel.sim import JSON, ChannelSim, agent_texts

#: Text that must survive every hop unchanged: accents, other scripts, emoji (incl. ZWJ sequences).
NON_ASCII = [
    "¡Hola! ¿Qué tal? 👋",
    "Grüße aus Köln, schönen Tag",
    "日本語のメッセージです",
    "Привет, как дела?",
    "مرحبا بك",
    "Family: 👨‍👩‍👧‍👦 and flags 🇫🇷🇯🇵",
    "naïve café — “quotes” ‘too’",
]
CTYPES = ["vip", "gold", "silver", "regular"]


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """What to run. ``seed`` makes consumers, profiles and texts identical from run to run."""

    consumers: int = 10
    messages: int = 3
    seed: int = 1
    concurrency: int = 20
    reply_timeout: float = 15.0
    close: bool = True
    non_ascii_ratio: float = 0.3
    locale: str = "en_US"
    prefix: str = "load"

    @classmethod
    def parse(cls, doc: JSON) -> LoadSpec:
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(doc) - set(known)
        if unknown:
            raise ValueError(f"unknown load settings: {', '.join(sorted(unknown))}")
        spec = cls(**doc)
        if spec.consumers < 1 or spec.messages < 1 or spec.concurrency < 1 or spec.reply_timeout <= 0:
            raise ValueError("consumers, messages and concurrency must be >= 1 and reply_timeout > 0")
        return spec


@dataclass(frozen=True, slots=True)
class Persona:
    """One generated consumer: external id, channel profile (becomes SDEs) and the texts it will send."""

    consumer_id: str
    profile: JSON
    texts: list[str]


def personas(spec: LoadSpec) -> list[Persona]:
    """The consumers of a run; the same ``spec`` always yields the same list."""
    fake = Faker(spec.locale)
    fake.seed_instance(spec.seed)
    rng = random.Random(spec.seed)  # noqa: S311 - test data, not security
    out = []
    for i in range(spec.consumers):
        first, last = fake.first_name(), fake.last_name()
        profile = {
            "firstName": first,
            "lastName": last,
            "email": fake.email(),
            "phone": fake.numerify("+1555#######"),
            "customerId": fake.uuid4(),
            "ctype": rng.choice(CTYPES),
            "userName": fake.user_name(),
            "gender": rng.choice(["MALE", "FEMALE", "OTHER"]),
            "language": spec.locale.replace("_", "-"),
            "company": fake.company(),
        }
        texts = [
            rng.choice(NON_ASCII) if rng.random() < spec.non_ascii_ratio else fake.sentence()
            for _ in range(spec.messages)
        ]
        out.append(Persona(f"{spec.prefix}-{spec.seed}-{i:04d}", profile, texts))
    return out


@dataclass(slots=True)
class LoadReport:
    consumers: int = 0
    sent: int = 0
    refused: int = 0
    answered: int = 0
    echoed: int = 0
    missing: int = 0
    errors_reported: int = 0
    closed: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.sent == self.answered and not self.refused and not self.missing and not self.errors_reported

    def as_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        lat = sorted(doc.pop("latencies"))
        doc["latency_p50"] = statistics.median(lat) if lat else None
        doc["latency_p95"] = lat[min(len(lat) - 1, int(len(lat) * 0.95))] if lat else None
        doc["problems"] = doc["problems"][:50]
        doc["ok"] = self.ok
        return doc


async def _consumer(sim: ChannelSim, spec: LoadSpec, persona: Persona, report: LoadReport) -> None:
    cid = persona.consumer_id
    for i, text in enumerate(persona.texts):
        before = len(agent_texts(sim.transcripts.get(cid, [])))
        message_id = f"{cid}-m{i}"

        def done(transcript: list[JSON], before: int = before, message_id: str = message_id) -> bool:
            return len(agent_texts(transcript)) > before or _error_for(transcript, message_id)

        started = time.monotonic()
        answer = await sim.send(cid, text, profile=persona.profile if i == 0 else None, message_id=message_id)
        report.sent += 1
        if not answer.get("accepted"):
            report.refused += 1
            report.problems.append(f"{cid}: message {i} refused: {answer}")
            continue
        replied = await sim.wait_for(cid, done, spec.reply_timeout)
        transcript = sim.transcripts.get(cid, [])
        if _error_for(transcript, message_id):
            report.errors_reported += 1
            report.problems.append(f"{cid}: connector reported message {i} undeliverable")
        elif not replied:
            report.missing += 1
            report.problems.append(f"{cid}: no agent answer to message {i} within {spec.reply_timeout}s")
        else:
            report.answered += 1
            report.latencies.append(time.monotonic() - started)
            report.echoed += text in agent_texts(transcript)[before:]
    if spec.close:
        await sim.close(cid)
        closed = await sim.wait_for(cid, lambda t: any(e.get("type") == "closed" for e in t), spec.reply_timeout)
        report.closed += closed


def _error_for(transcript: list[JSON], message_id: str) -> bool:
    return any(e.get("type") == "error" and e.get("messageId") == message_id for e in transcript)


async def run_load(sim: ChannelSim, spec: LoadSpec) -> LoadReport:
    """Drive every persona through ``sim``; returns when all finished (or timed out)."""
    report = LoadReport(consumers=spec.consumers)
    gate = asyncio.Semaphore(spec.concurrency)
    started = time.monotonic()

    async def one(persona: Persona) -> None:
        async with gate:
            await _consumer(sim, spec, persona, report)

    await asyncio.gather(*(one(p) for p in personas(spec)))
    report.seconds = round(time.monotonic() - started, 3)
    return report
