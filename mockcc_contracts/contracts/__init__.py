"""The contracts, one module per area; importing this package registers them all.

auth          LP-DISC, LP-AUTH: CSDS discovery, AppJWT and ConsumerJWS handling
conversation  LP-CONV: opening, reusing and closing conversations, typing, receipts
webhooks      LP-HOOK: answering, signatures, duplicates, order, unknown conversations, notes
agent         LP-AGENT: what the agent does reaches the consumer
resilience    LP-RES: 429, 5xx, other 4xx, a webhook outage in retention mode
content       LP-CONT: long and non-ASCII messages
run           LP-RUN: checks over the whole run's journal (they run last)
"""

from mockcc_contracts.contracts import agent, auth, content, conversation, resilience, run, webhooks

__all__ = ["agent", "auth", "content", "conversation", "resilience", "run", "webhooks"]
