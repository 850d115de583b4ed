"""The UMS websockets, another transport over the same domain as the Send API and the control plane.

``endpoint`` (WebSocketRoute plumbing, ``Side``), ``conn`` (one socket), ``envelope`` (frames),
``dispatch`` (one request through the pipeline), ``common`` (what both sides answer alike, the shared
subscriptions) and one module per side: ``agent`` (Messaging Agent API). What subscribers hear is
``mockcc.streams``. ARCHITECTURE.md, "Websocket transports", is the design.
"""
