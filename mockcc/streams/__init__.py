"""What websocket subscribers hear: subscriptions fed by the same ``Messaging`` listeners the webhooks use.

No HTTP and no websocket here: a connected socket is a ``Peer`` (who, which account, its bounded
``Outbox``); ``Streams`` keeps every peer (capped per user and in all), their subscriptions
(ExConversations with filters, MessagingEvents per dialog) and, as a ``Messaging`` listener, pushes
each change to the peers whose subscriptions match. The transport above (``mockcc.sockets``) writes
what an outbox holds to its socket and closes the socket when the outbox asks.
"""
