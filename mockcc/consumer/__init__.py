"""The consumer side's rules, shared by the transports that carry a consumer's requests (the Send API over
REST, the Messaging Window API over a websocket): ``requests`` checks and applies them."""
