"""File sharing (Swift temp URLs): upload and download the bytes behind ``hosted/file`` messages.

SEND's GenerateURL requests get a ``relativePath`` and a signed, one-minute temp URL, as from
LivePerson; the PUT and GET on this mock check the signature and expiry the same way.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from mockcc.errors import NotFound, RestError, TempUrlInvalid, TooLarge
from mockcc.http import Ctx, route
from mockcc.state.files import MAX_FILE_BYTES, PREFIX


def _temp_url_error(ctx: Ctx, method: str) -> RestError | None:
    why = ctx.mock.files.check(method, ctx.request.url.path, ctx.query("temp_url_sig"), ctx.query("temp_url_expires"))
    if why is None:
        return None
    return TempUrlInvalid(why, path="$query.temp_url_sig", rule="temp-url")


async def upload(ctx: Ctx) -> Response:
    if (error := _temp_url_error(ctx, "PUT")) is not None:
        raise error
    if len(ctx.body) > MAX_FILE_BYTES:
        raise TooLarge(
            f"the file is {len(ctx.body)} bytes; the limit is {MAX_FILE_BYTES}",
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
        raise NotFound("no such file", rule="uploaded-file")
    return Response(data, media_type="application/octet-stream")


ROUTES = [
    route(PREFIX + "{accountId}/{name}", upload, service="swift", methods=["PUT"]),
    route(PREFIX + "{accountId}/{name}", download, service="swift", methods=["GET"]),
]
