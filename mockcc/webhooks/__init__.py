"""Webhooks delivery service of the mock: signed POSTs to the connector with LivePerson's retries.

Choices made where the protocol notes (§5.5) are silent:

* no endpoint for an event key, or a disabled installation: nothing is sent, an ``unrouted`` entry is logged;
* custom headers never override Content-Type, the X-Liveperson-* headers, Host or Content-Length;
* ``max_retries`` mode retries 30 s after the failed attempt *started*; retention mode 2, 4, 8 … s after
  the failure; a retry overdue after a clock jump fires once, at the new time;
* only an explicit ``max_retries: 0`` opts a webhook out of the retention mechanism (absent = takes part);
* retention mode keeps one request in flight per conversation (also when UP), and replays the store
  one event at a time in publish order; an event expires when its age reaches ``retention_time``;
* each event keeps the ``Subscription`` snapshot it was published with (secret, endpoint, retries);
* faults: ``count`` counts firings; ``drop`` loses the event (no retry); ``reorder`` holds one event per
  endpoint until the next POST to that endpoint has been answered, or ``delay_seconds`` (default 30 s).
"""

from __future__ import annotations

from mockcc.webhooks.dispatcher import WebhookDispatcher
from mockcc.webhooks.faults import FAULT_KINDS, WebhookFault
from mockcc.webhooks.model import EVENT_KEYS, Notification, Route, Subscription, retention_time, route
from mockcc.webhooks.signing import encode, sign, verify

__all__ = [
    "EVENT_KEYS",
    "FAULT_KINDS",
    "Notification",
    "Route",
    "Subscription",
    "WebhookDispatcher",
    "WebhookFault",
    "encode",
    "retention_time",
    "route",
    "sign",
    "verify",
]
