"""Faults on demand for the Send API: the next N calls, or a fraction of calls, fail, lag or lose their connection.

A connector's resilience (back off on 429, bounded retries on 5xx, renew on 401, retry a network
error) can only be tested if the mock misbehaves when asked; every fault that fires is written to
the journal. ``disconnect`` closes the connection once the request has arrived, before it is
processed (nothing is stored), and answers nothing: the client sees a network error.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from mockcc.errors import ConfigError
from mockcc.types import JSON

KINDS = ("429", "500", "503", "401", "400", "403", "delay", "disconnect")
MAX_RULES = 100  # active rules; each call scans them
SCOPES = ("send", "conversation", "sendapi", "idp", "sentinel")
FIELDS = {"kind", "scope", "count", "probability", "delay_seconds", "account_id", "error_code"}
#: Where ``mockcc serve`` leaves, in each request's ASGI scope, the callable that closes its connection
#: with no answer (kind ``disconnect``: what the client sees is a network error, not an HTTP status).
DISCONNECT_KEY = "mockcc.disconnect"
#: The 401s a fault can answer: a refused AppJWT (40102) or a refused ConsumerJWS (40103).
AUTH_CODES = (40102, 40103)


@dataclass(slots=True)
class Fault:
    """One rule: ``kind`` for ``count`` calls (None = until cleared), or with ``probability``."""

    kind: str
    scope: str = "sendapi"  # send, conversation, sendapi (both), idp, sentinel
    count: int | None = 1
    probability: float = 1.0
    delay_seconds: float = 0.0
    account_id: str | None = None
    error_code: int = 40102  # kind 401 only: which token is refused
    fired: int = 0

    @classmethod
    def parse(cls, doc: object) -> Fault:
        if not isinstance(doc, dict):
            raise ConfigError('a fault is an object like {"kind": "429", "count": 3}')
        unknown = sorted(set(doc) - FIELDS)
        if unknown:  # a misspelt key silently ignored would arm a different fault than the test means
            raise ConfigError(f"unknown fault fields: {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})")
        kind = doc.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            raise ConfigError(f"fault kind must be one of {', '.join(KINDS)} (got {doc.get('kind')!r})")
        scope = doc.get("scope", "sendapi")
        if not isinstance(scope, str) or scope not in SCOPES:
            raise ConfigError(f"fault scope must be one of {', '.join(SCOPES)} (got {scope!r})")
        count = whole(doc.get("count", 1 if "probability" not in doc else None))
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise ConfigError("fault count must be a positive integer or null")
        probability = doc.get("probability", 1.0)
        if not isinstance(probability, int | float) or isinstance(probability, bool) or not 0 < probability <= 1:
            raise ConfigError("fault probability must be in (0, 1]")
        delay = doc.get("delay_seconds", 0.0 if kind != "delay" else 1.0)
        if not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 60:
            raise ConfigError("fault delay_seconds must be between 0 and 60")
        account = doc.get("account_id")
        if account is not None and not isinstance(account, str):
            raise ConfigError("fault account_id must be a string (or absent: every account)")
        error_code = doc.get("error_code", 40102)
        if error_code not in AUTH_CODES or isinstance(error_code, bool) or (kind != "401" and "error_code" in doc):
            raise ConfigError("fault error_code is for kind 401 only: 40102 (the AppJWT) or 40103 (the ConsumerJWS)")
        return cls(
            kind=kind,
            scope=scope,
            count=count,
            probability=float(probability),
            delay_seconds=float(delay),
            account_id=account,
            error_code=int(error_code),
        )

    def as_dict(self) -> JSON:
        return asdict(self)

    def applies(self, service: str, account_id: str | None) -> bool:
        in_scope = self.scope == service or (self.scope == "sendapi" and service in ("send", "conversation"))
        return in_scope and (self.account_id is None or self.account_id == account_id)


def whole(value: object) -> object:
    """JSON's 3.0 is the integer 3 (as JSON Schema's ``integer`` says); anything else is left as it is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class Faults:
    """The active fault rules, consulted once per call; seeded so a run repeats."""

    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[Fault] = []
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security

    def add(self, fault: Fault) -> None:
        if len(self._rules) >= MAX_RULES:
            raise ConfigError(f"at most {MAX_RULES} fault rules at once; DELETE /_mockcc/faults first")
        self._rules.append(fault)

    def clear(self) -> None:
        self._rules.clear()

    def list(self) -> list[JSON]:
        return [f.as_dict() for f in self._rules]

    def draw(self, service: str, account_id: str | None) -> Fault | None:
        """The fault this call suffers, if any; spent rules are removed."""
        for rule in self._rules:
            if rule.applies(service, account_id) and self._random.random() < rule.probability:
                rule.fired += 1
                if rule.count is not None and rule.fired >= rule.count:
                    self._rules.remove(rule)
                return rule
        return None
