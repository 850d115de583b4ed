"""Schemathesis's in-process calls, run on the test's own thread.

Schemathesis reaches an ASGI app through a blocking portal: an event loop in another thread, two
cross-thread calls per request. Each wakes that loop through its self-pipe, and under gVisor that
write is a slow system call: the hops cost more than the mock's own work, on each of the ~15,000
cases of ``make test``'s fuzz pass. ``SameThreadClient`` runs the app (its lifespan and every request)
on one event loop owned by the calling thread instead. The cases, the requests the app sees and the
checks on each answer are the same; only the way there is shorter.

It subclasses schemathesis's ``ASGIClient`` because that is how ``case.call(session=...)`` knows an
in-process session from a network one (it then sends through it as it is).
"""

from __future__ import annotations

import asyncio
import io
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
import requests.adapters
import urllib3
from schemathesis.python.asgi import ASGIClient
from starlette.types import ASGIApp, Message


class _Adapter(requests.adapters.HTTPAdapter):
    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.app = app
        self.loop = loop

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(str(request.url))
        host = parts.hostname or ""
        port = parts.port or 80
        headers = [] if "host" in request.headers else [(b"host", (host if port == 80 else f"{host}:{port}").encode())]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
        body = request.body or b""
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": request.method,
            "path": unquote(parts.path),
            "raw_path": parts.path.encode(),
            "root_path": "",
            "scheme": parts.scheme,
            "query_string": parts.query.encode(),
            "headers": headers,
            "client": ["testclient", 50000],
            "server": [host, port],
            "state": {},
        }
        status, response_headers, content = self.loop.run_until_complete(
            self._call(scope, body.encode() if isinstance(body, str) else body)
        )
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            headers=response_headers,
            status=status,
            version=11,
            preload_content=False,
            request_method=request.method,
        )
        return self.build_response(request, raw)

    async def _call(self, scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        sent = asyncio.Event()
        done = asyncio.Event()
        start: Message = {}
        chunks: list[bytes] = []

        async def receive() -> Message:
            if sent.is_set():
                await done.wait()
                return {"type": "http.disconnect"}
            sent.set()
            return {"type": "http.request", "body": body}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]
        content = b"" if scope["method"] == "HEAD" else b"".join(chunks)
        return int(start["status"]), headers, content


class SameThreadClient(ASGIClient):
    """A session for ``case.call_and_validate(session=...)``: the app and its lifespan on this thread."""

    def __init__(self, app: ASGIApp, base_url: str = "http://testserver") -> None:
        super().__init__(app, base_url)
        self.loop = asyncio.new_event_loop()
        self.adapter = _Adapter(app, self.loop)  # type: ignore[assignment]  # ours, not schemathesis's
        self.mount("http://", self.adapter)
        self.mount("https://", self.adapter)
        self.trust_env = False  # no proxy environment lookups per request: the app is in this process
        self._lifespan_in: asyncio.Queue[Message] = asyncio.Queue()
        self._lifespan_out: asyncio.Queue[Message] = asyncio.Queue()
        self._lifespan: asyncio.Task[None] | None = None

    def __enter__(self) -> SameThreadClient:
        self._lifespan = self.loop.create_task(self._run_lifespan())
        self._exchange("lifespan.startup")
        return self

    def __exit__(self, *exc: object) -> None:
        self._exchange("lifespan.shutdown")
        if self._lifespan is not None:
            self.loop.run_until_complete(self._lifespan)
        self.loop.close()
        self.close()

    async def _run_lifespan(self) -> None:
        async def send(message: Message) -> None:
            await self._lifespan_out.put(message)

        await self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, self._lifespan_in.get, send)

    def _exchange(self, kind: str) -> None:
        async def ask() -> Message:
            await self._lifespan_in.put({"type": kind})
            return await self._lifespan_out.get()

        answer = self.loop.run_until_complete(ask())
        if answer["type"] != f"{kind}.complete":
            raise RuntimeError(f"the app's {kind} failed: {answer}")
