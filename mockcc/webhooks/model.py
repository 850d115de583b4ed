"""What the dispatcher is given: installation snapshots, notifications, and their resolved routes.

A ``Subscription`` is a frozen snapshot of ``capabilities.webhooks`` taken when the event happened;
every event keeps the snapshot it was published with, so a retry goes where the original would have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

EVENT_KEYS: tuple[str, ...] = (
    "ms.MessagingEventNotification.ContentEvent",
    "ms.MessagingEventNotification.RichContentEvent",
    "ms.MessagingEventNotification.AcceptStatusEvent",
    "ms.MessagingEventNotification.ChatStateEvent",
    "cqm.ExConversationChangeNotification",
)

MAX_RETRIES_LIMIT = 5
RETENTION_MIN = 2.0
RETENTION_MAX = 259_200.0


@dataclass(frozen=True, slots=True)
class Subscription:
    """Snapshot of one app installation's webhook configuration (``capabilities.webhooks`` verbatim)."""

    account_id: str
    client_id: str
    client_secret: str
    webhooks: Mapping[str, Any]
    signature_algorithm: Literal["sha1", "sha256"] = "sha1"
    enabled: bool = True
    signature_encoding: Literal["base64", "hex"] = "base64"

    @property
    def key(self) -> tuple[str, str]:
        """The installation this snapshot belongs to."""
        return (self.account_id, self.client_id)


@dataclass(frozen=True, slots=True)
class Notification:
    """One change to deliver: ``body`` is the whole ``{"kind":"notification",...}`` envelope."""

    event_key: str
    conversation_id: str
    body: Mapping[str, Any]
    #: The sequence, when the body is not built (an unrouted event is logged, never sent: body ``{}``).
    seq: int | None = None

    @property
    def sequence(self) -> int | None:
        """The change's ``sequence`` (absent on chat states and conversation changes)."""
        if self.seq is not None:
            return self.seq
        inner = self.body.get("body")
        changes = inner.get("changes") if isinstance(inner, Mapping) else None
        if isinstance(changes, list) and changes and isinstance(changes[0], Mapping):
            seq = changes[0].get("sequence")
            if isinstance(seq, int) and not isinstance(seq, bool):
                return seq
        return None


@dataclass(frozen=True, slots=True)
class Route:
    """Where and how one event key is delivered for one installation."""

    event_key: str
    url: str
    headers: tuple[tuple[str, str], ...]
    max_retries: int
    max_retries_given: bool = False

    @property
    def opts_out_of_retention(self) -> bool:
        """An explicit ``max_retries: 0`` keeps this webhook out of the TTL mechanism (absent ≠ 0 here)."""
        return self.max_retries_given and self.max_retries == 0


def _int(value: object, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        return int(value)
    except (ValueError, OverflowError):  # "abc", NaN, infinity
        return default


def route(subscription: Subscription, event_key: str) -> Route | None:
    """The endpoint registered for ``event_key``, or None when there is none (event not delivered)."""
    config = subscription.webhooks.get(event_key)
    if not isinstance(config, Mapping):
        return None
    url = config.get("endpoint")
    if not isinstance(url, str) or not url.strip():
        return None
    headers: list[tuple[str, str]] = []
    raw_headers = config.get("headers")
    if isinstance(raw_headers, list):
        for item in raw_headers:
            if isinstance(item, Mapping):
                name, value = item.get("header_name"), item.get("header_value")
                if isinstance(name, str) and name and value is not None:
                    headers.append((name, str(value)))
    raw_retries = config.get("max_retries")
    retries = min(max(_int(raw_retries, 0), 0), MAX_RETRIES_LIMIT)
    return Route(event_key, url.strip(), tuple(headers), retries, max_retries_given=raw_retries is not None)


def retention_time(subscription: Subscription) -> float | None:
    """``retry.retention_time`` in seconds when set (TTL mode), else None (``max_retries`` mode)."""
    retry = subscription.webhooks.get("retry")
    if not isinstance(retry, Mapping):
        return None
    value = retry.get("retention_time")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return min(max(float(value), RETENTION_MIN), RETENTION_MAX)
