"""The consumer side of a generic HTTP messaging channel (an SMS gateway, say), simulated.

A connector such as ``connector_ref`` sits between this channel and LivePerson. The simulator
plays the channel: it POSTs consumer messages to the connector's inbound URL, receives the
connector's outbound POSTs (agent texts, typing, receipts, closes) and keeps one transcript per
consumer, so a test or a person can drive a conversation end to end and read both sides.

    sim        the simulator's state: transcripts, the connector URL, sending
    app        its HTTP API (Starlette); ``python -m mockcc_contracts.channel serve`` runs it
    load       many faker-made consumers at once, seeded so a run repeats
    runner     run any ASGI app on a free loopback port in a thread; start subprocess servers
"""
