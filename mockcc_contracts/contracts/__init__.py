"""The contracts, one module per area; importing this package registers them all.

auth           LP-DISC, LP-AUTH: CSDS discovery, AppJWT and ConsumerJWS handling (and a refused JWS)
conversation   LP-CONV: opening, reusing and closing conversations, typing, receipts
lifecycle      LP-CONV-008: a restart of the connector keeps each consumer's conversation
load           LP-CONV-007, LP-AUTH-006: a burst from one consumer, many consumers and a token renewal
webhooks       LP-HOOK: answering, signatures, duplicates, order, unknown conversations, notes
notifications  LP-AGENT-007.., LP-HOOK-008..: files, quick replies, agent typing and receipts, unknown
               notification types, the installation's signing, stale conversation changes
agent          LP-AGENT: what the agent does reaches the consumer
resilience     LP-RES: 429, 5xx (persistent and transient), other 4xx, slow answers, a webhook outage
content        LP-CONT: long and non-ASCII messages
forgery        (no contracts) notifications the suite writes itself
run            LP-RUN: checks over the whole run's journal (they run last)
"""

from mockcc_contracts.contracts import (
    agent,
    auth,
    content,
    conversation,
    lifecycle,
    load,
    notifications,
    resilience,
    run,
    webhooks,
)

__all__ = [
    "agent",
    "auth",
    "content",
    "conversation",
    "lifecycle",
    "load",
    "notifications",
    "resilience",
    "run",
    "webhooks",
]
