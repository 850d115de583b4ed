"""Files shared through Swift temp URLs: the bytes, their paths and the URL signatures, bounded."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict

from mockcc.clock import Clock
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
        if not hmac.compare_digest(self._sign(method, int(expires), path).encode(), sig.encode()):
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
