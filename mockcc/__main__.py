"""``mockcc serve``: run the mock on loopback and print one machine-readable ready line.

The ready line is ``mockcc ready base_url=... account_id=... client_id=... client_secret=...``
so a CI script can read the test credentials (the only secrets mockcc ever prints).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import FrameType
from typing import Any, Literal

import uvicorn

from mockcc import heap
from mockcc.app import create_app, journal_refusals
from mockcc.config import DEFAULT_SEED, read_seed_file
from mockcc.errors import ConfigError, MockccError
from mockcc.hosts import OWN_PORT
from mockcc.mock import Mock
from mockcc.server import Limits, connection_cap, protocol_class
from mockcc.settings import CONVERSATIONS_PER_ACCOUNT, IDLE_SECONDS, Settings, SocketLimits
from mockcc.webhooks.model import EVENT_KEYS

DESCRIPTION = """\
mockcc: a faithful mock of LivePerson Conversational Cloud's Connector API, and a contract suite that
judges a brand's connector against it (no credentials, no network).

  mockcc serve            run the mock on loopback; prints one ready line with the test credentials
  mockcc contract         judge a connector: start the mock and the connector, run every contract,
                          print a verdict table, write JUnit/JSON (mockcc contract --help)
  mockcc fuzz-webhooks    fuzz a connector's webhook receiver with signed notifications
                          (mockcc fuzz-webhooks --help)
"""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="mockcc", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root.add_argument("--version", action="version", version=f"mockcc {version()}")
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("contract", help="judge a connector: the contract suite (mockcc contract --help)", add_help=False)
    serve = sub.add_parser("serve", help="run the mock Conversational Cloud")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: loopback only)")
    serve.add_argument("--port", type=int, default=8080, help="port (0 picks a free one; default 8080)")
    serve.add_argument("--config", type=Path, help="seed file (YAML or JSON): accounts, installations, agents")
    serve.add_argument(
        "--script-dir", type=Path, help="the only directory a seed posted over HTTP may name agent script files in"
    )
    serve.add_argument(
        "--public-host", help="host[:port] CSDS hands out (when behind a proxy); default: the Host header"
    )
    serve.add_argument(
        "--split-hosts",
        action="store_true",
        help="each LivePerson service on a port of its own, as CSDS hands them out; a call to the wrong one is refused"
        " (the contract suite turns this on)",
    )
    serve.add_argument("--webhook-url", help="point every installation's webhooks without an endpoint at this URL")
    serve.add_argument("--tls-self-signed", action="store_true", help="serve https with a throwaway certificate")
    serve.add_argument("--tls-cert", type=Path, help="serve https with this certificate (PEM)")
    serve.add_argument("--tls-key", type=Path, help="... and this private key (PEM)")
    serve.add_argument(
        "--http-port",
        type=int,
        help="with TLS: also serve plain http on this port (0 picks one), the same mock; CSDS answers each "
        "caller with the host it came in on (a connector on http beside a bot on https)",
    )
    serve.add_argument("--webhook-connect-timeout", type=float, default=5.0, help="seconds (LivePerson: 5)")
    serve.add_argument("--webhook-read-timeout", type=float, default=5.0, help="seconds (LivePerson: 5)")
    serve.add_argument(
        "--conversations-limit",
        type=int,
        default=CONVERSATIONS_PER_ACCOUNT,
        help=f"conversations kept per account; the oldest closed go first (default {CONVERSATIONS_PER_ACCOUNT:,})",
    )
    serve.add_argument(
        "--request-timeout",
        type=float,
        default=Limits.request_timeout,
        help="seconds a client has to send a whole request (headers and body) once it starts; default 10",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=Limits.max_connections,
        help="open connections at most (also kept under the file-descriptor limit); default 1000",
    )
    serve.add_argument(
        "--deliver-in-process",
        action="store_true",
        help="POST webhooks from the mock's own process (default: from a second process, off SEND's core)",
    )
    serve.add_argument(
        "--socket-idle",
        type=float,
        default=IDLE_SECONDS,
        help="seconds of wall time a websocket may stay silent before it is closed (default 60, LivePerson's)",
    )
    serve.add_argument(
        "--socket-frames-waiting",
        type=int,
        default=SocketLimits().frames_waiting_per_socket,
        help="frames a websocket's reader may leave unread before it is closed 1013 (default 1000)",
    )
    serve.add_argument("--frozen-clock", action="store_true", help="time moves only via /_mockcc/clock/advance")
    serve.add_argument("--seed", type=int, help="seed every id and random fault, for repeatable runs")
    serve.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--request-log",
        action="store_true",
        help="one line per call on stderr (method, path, status, outcome, ms, rule)",
    )
    sub.add_parser(
        "fuzz",
        help="fuzz a running mock with schemathesis, each operation with its credentials (mockcc fuzz URL; see --help)",
        add_help=False,
    )
    sub.add_parser(
        "fuzz-webhooks",
        help="fuzz a connector's webhook receiver: mockcc fuzz-webhooks URL --secret S (see --help)",
        add_help=False,
    )
    return root


def with_webhook_url(seed: dict[str, Any], url: str) -> dict[str, Any]:
    """Fill every installation's missing webhook endpoints with ``url``."""
    seed = copy.deepcopy(seed)
    for account in seed.get("accounts", []):
        for app in account.get("installations", []) or []:
            hooks = app.setdefault("capabilities", {}).setdefault("webhooks", {})
            for key in EVENT_KEYS:
                hooks.setdefault(key, {"endpoint": url})
    return seed


def ready_line(mock: Mock, base_url: str) -> str:
    account = next(iter(mock.accounts.values()))
    pairs = {"base_url": base_url, "account_id": account.account_id}
    installation = next(iter(account.installations.values()), None)
    if installation is not None:
        pairs |= {"client_id": installation.client_id, "client_secret": installation.client_secret}
    return "mockcc ready " + " ".join(f"{k}={v}" for k, v in pairs.items())


class _Server(uvicorn.Server):
    """uvicorn waits for open responses before it stops; end the consoles' event streams first."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()
        super().handle_exit(sig, frame)


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it, replies wait out the client's delayed ACK (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def _self_signed(host: str) -> tuple[Path, Path]:
    from mockcc.tls import self_signed  # cryptography's x509 loads only when a certificate is made

    return self_signed(host)


async def serve(args: argparse.Namespace) -> None:
    seed = read_seed_file(args.config) if args.config else DEFAULT_SEED
    if args.webhook_url:
        seed = with_webhook_url(seed, args.webhook_url)
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else _self_signed(args.host) if args.tls_self_signed else None
    if args.tls_cert and not args.tls_key:
        raise ConfigError("--tls-cert needs --tls-key")
    if args.http_port is not None and tls is None:
        raise ConfigError("--http-port serves plain http beside TLS: it needs --tls-self-signed or --tls-cert")
    sock = _listen(args.host, args.port)
    port = sock.getsockname()[1]
    plain_sock = _listen(args.host, args.http_port) if args.http_port is not None else None
    own = {name: _listen(args.host, 0) for name in (OWN_PORT if args.split_hosts else ())}  # each on a free port
    settings = Settings(
        script_dir=args.script_dir,
        host=args.host,
        port=port,
        public_host=args.public_host,
        service_ports=tuple((name, s.getsockname()[1]) for name, s in own.items()),
        seed_doc=seed,
        frozen_clock=args.frozen_clock,
        random_seed=args.seed,
        webhook_connect_timeout=args.webhook_connect_timeout,
        webhook_read_timeout=args.webhook_read_timeout,
        conversations_limit=args.conversations_limit,
        request_log=args.request_log,
        webhook_worker=not args.deliver_in_process,
        socket_limits=SocketLimits(
            idle_seconds=args.socket_idle, frames_waiting_per_socket=max(1, args.socket_frames_waiting)
        ),
    )
    app = create_app(settings)
    app.state.mock.tokens.prepare()  # the signing key is made on a thread while the server starts
    limits = Limits(request_timeout=args.request_timeout, max_connections=connection_cap(args.max_connections))
    app.state.mock.limit_reporters["server"] = limits.report

    def config(ssl: tuple[Path, Path] | None, lifespan: Literal["on", "off"]) -> uvicorn.Config:
        return uvicorn.Config(
            app,
            http=protocol_class(limits, on_refusal=journal_refusals(app)),
            log_level=args.log_level,
            access_log=False,
            # No X-Forwarded-* rewriting of the client and scheme: any local process could claim https
            # for a plain connection, and its middleware was a per-request cost of every call.
            proxy_headers=False,
            lifespan=lifespan,
            ssl_certfile=str(ssl[0]) if ssl else None,
            ssl_keyfile=str(ssl[1]) if ssl else None,
            ws="websockets-sansio",  # the websockets library's sans-I/O core: no deprecated legacy API
            ws_max_size=settings.body_limit,  # a frame is capped like a request body (larger: close 1009)
        )

    # The plain-http twin serves the same app (one lifespan: the main server's) and stops with it.
    plain = _Server(config(None, "off"), on_exit=lambda: None) if plain_sock is not None else None

    def on_exit() -> None:
        app.state.console.close()
        if plain is not None:
            plain.should_exit = True

    server = _Server(config(tls, "on"), on_exit=on_exit)
    task = asyncio.create_task(server.serve(sockets=[sock, *own.values()]))
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.01)
    plain_task = None
    if plain is not None and plain_sock is not None and server.started:
        plain_task = asyncio.create_task(plain._serve(sockets=[plain_sock]))  # no second signal handler
        while not plain.started and not plain_task.done():  # noqa: ASYNC110 - as above
            await asyncio.sleep(0.01)
    if server.started:
        heap.tune_for_serving()  # what serving holds from now on is frozen: see heap.py
        host = f"[{args.host}]" if ":" in args.host else args.host
        line = ready_line(app.state.mock, f"{'https' if tls else 'http'}://{host}:{port}")
        if plain_sock is not None:
            line += f" http_url=http://{host}:{plain_sock.getsockname()[1]}"
        print(line, flush=True)  # noqa: T201
    await task
    if plain is not None and plain_task is not None:
        plain.should_exit = True
        await plain_task


def version() -> str:
    from importlib import metadata  # only for --version: it costs start-up tens of milliseconds

    try:
        return metadata.version("mockcc")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop when it is installed: uvicorn picks it only when it owns the loop, and here we do."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["fuzz"]:  # schemathesis is the optional extra mockcc[fuzz]; fuzz_api says so when it is missing
        from mockcc_contracts import fuzz_api

        return fuzz_api.main(argv[1:])
    if argv[:1] == ["fuzz-webhooks"]:  # lazily, like contract: the CLI is the top of the house
        from mockcc_contracts import fuzz_webhooks

        return fuzz_webhooks.main(argv[1:])
    if argv[:1] == ["contract"]:  # the suite lives in mockcc_contracts; the CLI is the one place that reaches it
        from mockcc_contracts.cli import main as contract_main

        return contract_main(argv[1:])
    args = parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        run(serve(args))
    except MockccError as exc:
        print(f"mockcc: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
