"""File sharing (Swift temp URLs): upload and download the bytes behind ``hosted/file`` messages.

SEND's GenerateURL requests get a ``relativePath`` and a signed, one-minute temp URL, as from
LivePerson; the PUT and GET on this mock check the signature and expiry the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict

from starlette.responses import PlainTextResponse, Response

from mockcc.clock import Clock
from mockcc.errors import RestError
from mockcc.http import Ctx, route
from mockcc.ids import Ids

MAX_FILE_BYTES = 3 * 1024 * 1024
TEMP_URL_SECONDS = 60
PREFIX = "/v1/AUTH_async-images/"


class FileStore:
    """Uploaded files, newest ``limit`` kept (oldest evicted first)."""

    def __init__(self, clock: Clock, ids: Ids, limit: int = 200) -> None:
        self._clock = clock
        self._ids = ids
        self._key = secrets.token_bytes(32)
        self.limit = limit
        self._files: OrderedDict[str, bytes] = OrderedDict()

    def new_path(self, account_id: str, file_type: str) -> str:
        stamp = time.strftime("%d-%m-%Y_%H-%M-%S", time.gmtime(self._clock.now()))
        millis = self._clock.now_ms() % 1000
        path = (
            f"{PREFIX}{account_id}/{self._ids.hex(64)}_uuid_{self._ids.uuid()}_{stamp}-{millis:03d}.{file_type.upper()}"
        )
        return path

    def _sign(self, method: str, expires: int, path: str) -> str:
        return hmac.new(self._key, f"{method}\n{expires}\n{path}".encode(), hashlib.sha1).hexdigest()

    def temp_url(self, method: str, path: str) -> dict[str, str]:
        expires = int(self._clock.now()) + TEMP_URL_SECONDS
        return {"temp_url_sig": self._sign(method, expires, path), "temp_url_expires": str(expires)}

    def check(self, method: str, path: str, sig: str | None, expires: str | None) -> str | None:
        """Why this temp URL is refused, or None."""
        if not sig or not expires or not expires.isdigit():
            return "temp_url_sig and temp_url_expires are required"
        if not hmac.compare_digest(self._sign(method, int(expires), path), sig):
            return "temp_url_sig does not match this path and method"
        if self._clock.now() > int(expires):
            return f"the temp URL expired at {expires}"
        return None

    def put(self, path: str, data: bytes) -> None:
        self._files[path] = data
        while len(self._files) > self.limit:
            self._files.popitem(last=False)

    def get(self, path: str) -> bytes | None:
        return self._files.get(path)

    def exists(self, path: str) -> bool:
        return path in self._files

    def clear(self) -> None:
        self._files.clear()


def _temp_url_error(ctx: Ctx, method: str) -> RestError | None:
    why = ctx.mock.files.check(method, ctx.request.url.path, ctx.query("temp_url_sig"), ctx.query("temp_url_expires"))
    if why is None:
        return None
    return RestError(why, status=401, msg="Temp URL invalid", path="$query.temp_url_sig", rule="temp-url")


async def upload(ctx: Ctx) -> Response:
    if (error := _temp_url_error(ctx, "PUT")) is not None:
        raise error
    if len(ctx.body) > MAX_FILE_BYTES:
        raise RestError(
            f"the file is {len(ctx.body)} bytes; the limit is {MAX_FILE_BYTES}",
            status=413,
            msg="Request Entity Too Large",
            rule="maximum",
            expected=MAX_FILE_BYTES,
        )
    ctx.mock.files.put(ctx.request.url.path, ctx.body)
    return PlainTextResponse("", status_code=201)


async def download(ctx: Ctx) -> Response:
    if (error := _temp_url_error(ctx, "GET")) is not None:
        raise error
    data = ctx.mock.files.get(ctx.request.url.path)
    if data is None:
        raise RestError("no such file", status=404, msg="Not Found", rule="uploaded-file")
    return Response(data, media_type="application/octet-stream")


ROUTES = [
    route(PREFIX + "{accountId}/{name}", upload, service="swift", methods=["PUT"]),
    route(PREFIX + "{accountId}/{name}", download, service="swift", methods=["GET"]),
]
