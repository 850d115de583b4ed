"""``python -m connector_ref [--config FILE] [--host H] [--port P]``: run the connector with uvicorn.

Once listening it prints one line, so a script can start it on port 0 and learn where it is::

    connector_ref ready url=http://127.0.0.1:PORT inbound_url=.../channel/messages webhook_url=.../webhooks
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import sys
from pathlib import Path

import uvicorn

from connector_ref.app import create_app
from connector_ref.settings import ConfigError, load


class _Server(uvicorn.Server):
    """uvicorn, announcing the bound address once it listens (the port may have been 0)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.servers and self.servers[0].sockets:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            url = f"http://{host}:{port}"
            sys.stdout.write(
                f"connector_ref ready url={url} inbound_url={url}/channel/messages webhook_url={url}/webhooks\n"
            )
            sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connector_ref", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="JSON or KEY=VALUE file (environment CONNECTOR_* wins)")
    parser.add_argument("--host", help="listen address (default CONNECTOR_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port, 0 = any free port (default CONNECTOR_PORT or 8090)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    try:
        settings = load(config_file=args.config, **overrides)
    except ConfigError as exc:
        sys.stderr.write(f"connector_ref: {exc}\n")
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = uvicorn.Config(
        create_app(settings), host=settings.host, port=settings.port, log_level="warning", lifespan="on"
    )
    with contextlib.suppress(KeyboardInterrupt):
        _Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
