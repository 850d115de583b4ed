"""``python -m mockcc_contracts.channel``: run the channel simulator, or drive load through a running one.

python -m mockcc_contracts.channel serve [--connector URL] [--host H] [--port P]
    prints ``channel ready url=... outbound_url=.../outbound``; point the connector's
    CONNECTOR_CHANNEL_URL at outbound_url, and --connector at its inbound URL
python -m mockcc_contracts.channel load --channel URL [--consumers N] [--messages M] [--seed S] [--concurrency C]
    runs the seeded load driver inside that simulator and prints its JSON report
    (exit 0 when every message was answered)
"""

from __future__ import annotations

import argparse
import json
import socket
import sys

import httpx
import uvicorn

from mockcc_contracts.channel.app import create_channel_app


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.servers and self.servers[0].sockets:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            sys.stdout.write(f"channel ready url=http://{host}:{port} outbound_url=http://{host}:{port}/outbound\n")
            sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    root = argparse.ArgumentParser(prog="python -m mockcc_contracts.channel", description=__doc__.splitlines()[0])
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the simulator")
    serve.add_argument("--connector", help="the connector's inbound URL (e.g. http://127.0.0.1:8090/channel/messages)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8091, help="0 picks a free port")
    load = sub.add_parser("load", help="drive many faker-made consumers through a running simulator")
    load.add_argument("--channel", required=True, help="the simulator's base URL")
    load.add_argument("--consumers", type=int, default=10)
    load.add_argument("--messages", type=int, default=3)
    load.add_argument("--seed", type=int, default=1)
    load.add_argument("--concurrency", type=int, default=20)
    load.add_argument("--reply-timeout", type=float, default=15.0)
    load.add_argument("--no-close", action="store_true", help="leave the conversations open")
    args = root.parse_args(argv)
    if args.command == "serve":
        config = uvicorn.Config(
            create_channel_app(args.connector), host=args.host, port=args.port, log_level="warning", access_log=False
        )
        try:
            _Server(config).run()
        except KeyboardInterrupt:
            return 0
        return 0
    spec = {
        "consumers": args.consumers,
        "messages": args.messages,
        "seed": args.seed,
        "concurrency": args.concurrency,
        "reply_timeout": args.reply_timeout,
        "close": not args.no_close,
    }
    budget = args.reply_timeout * (args.messages + 1) * (args.consumers / args.concurrency + 1) + 60
    response = httpx.post(args.channel.rstrip("/") + "/load", json=spec, timeout=budget)
    sys.stdout.write(json.dumps(response.json(), indent=2, ensure_ascii=False) + "\n")
    return 0 if response.status_code == 200 and response.json().get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
