"""Webhooks delivery service of the mock: signed POSTs to the connector with LivePerson's retries."""

from __future__ import annotations

from mockcc.webhooks.dispatcher import WebhookDispatcher
from mockcc.webhooks.faults import FAULT_KINDS, WebhookFault
from mockcc.webhooks.model import EVENT_KEYS, Notification, Route, Subscription, retention_time, route
from mockcc.webhooks.retention import State
from mockcc.webhooks.signing import encode, sign, verify

__all__ = [
    "EVENT_KEYS",
    "FAULT_KINDS",
    "Notification",
    "Route",
    "State",
    "Subscription",
    "WebhookDispatcher",
    "WebhookFault",
    "encode",
    "retention_time",
    "route",
    "sign",
    "verify",
]
