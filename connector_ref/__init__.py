"""connector_ref: a reference LivePerson Connector API connector for a generic HTTP messaging channel.

Small enough to read in one sitting and meant to be copied. Modules, in the order a message flows:

    settings   what is configured (CSDS host, account, credentials, channel URL) and nothing else
    channel    the channel protocol (inbound consumer actions, outbound events) and its client
    lanes      ordered background work per consumer and per conversation
    state      what the connector remembers about consumers and conversations
    bridge     consumers <-> conversations: the rules of the Connector API in one place
    ordering   a dialog's events put back in sequence order when webhooks overtake each other
    lp         CSDS, Sentinel, IdP and the Send API, with tokens and retries
    tokens     AppJWT (renewed before expiry and on 401, single-flight) and ConsumerJWS caches
    retry      back off on 429, bounded retries on 5xx, never retry other 4xx
    webhooks   signature check, answer-now-work-later receiver, duplicate filter
    render     rich content, files and quick replies as text for a plain-text channel
    app        the Starlette app; ``python -m connector_ref`` runs it with uvicorn
"""

__version__ = "0.1.0"
