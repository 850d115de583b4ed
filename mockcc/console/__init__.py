"""The web console at ``/ui``: static pages plus one server-sent event stream.

The pages call the same ``/_mockcc/...`` control-plane endpoints a test would (JSON bodies, so the
mock's Host/Origin/content-type guard covers them); this package adds only the stream that pushes
what changed (``events.py``, ``hub.py``) and the routes that serve both (``routes.py``).
"""
