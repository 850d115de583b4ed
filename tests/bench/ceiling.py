"""The stack's ceiling: bare Starlette + uvicorn + jsonschema-rs, a validated SEND answered with a constant.

Same server settings as ``mockcc serve`` (httptools, uvloop, TCP_NODELAY), same schema, no mock:
what the stack can do at best, so mockcc's row is read as a ratio to it. ``--mockcc-protocol`` serves the
same app with mockcc's own HTTP protocol (``mockcc.server``: one write per answer, held to the loop's
next turn, one sweep for deadlines) instead of stock uvicorn's: the bench's informational row that
separates what mockcc's serving layer saves from what its pipeline costs.
"""

from __future__ import annotations

import json
import socket
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockcc.schemas import _fast_validator
from mockcc.server import Limits, protocol_class

SEND = "/api/account/{accountId}/messaging/consumer/conversation/send"
_valid = _fast_validator("sendapi/send-request").is_valid


async def send(request: Request) -> Response:
    body = json.loads(await request.body())
    if not _valid(body):
        return JSONResponse({"code": "BAD_REQUEST"}, status_code=400)
    return JSONResponse({"code": "OK", "body": {"sequence": 1}, "reqId": "1"})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route(SEND, send, methods=["POST"]), Route("/health", health)])


def main() -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"ready port={sock.getsockname()[1]}", flush=True)
    served_by = protocol_class(Limits()) if "--mockcc-protocol" in sys.argv[1:] else "auto"
    config = uvicorn.Config(app, http=served_by, log_level="error", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
