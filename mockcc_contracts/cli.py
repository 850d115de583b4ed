"""``mockcc contract``: judge a connector against LivePerson's rules while mockcc plays LivePerson.

Starts the mock and the connector (or uses running ones), runs the contracts one by one (each from
its own state), prints progress and a summary table, writes JUnit/JSON, and stops everything it
started however the run ends (normal end, failure, Ctrl-C, SIGTERM; after a kill -9, its watchman
does). Exit status: 0 every MUST held, 1 a MUST failed (or any contract, with --strict), 2 the run could
not start, 130/143 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from mockcc_contracts.catalogue import all_contracts, select
from mockcc_contracts.control import ControlClient, Credentials
from mockcc_contracts.driver import HttpChannelDriver
from mockcc_contracts.harness import Harness
from mockcc_contracts.launch import ConnectorProcess, MockServer, StartupError, connector_env, reserve_port
from mockcc_contracts.report import Report
from mockcc_contracts.runner import run_suite

DEFAULT_SECRET = "m0ckccdefau1tsecretf0rci00"  # the mock's embedded default installation (mockcc.config)

ENVIRONMENT_HELP = """\
The connector started with --connector-cmd gets these environment variables (MOCKCC_* names, and the
same values under the reference connector's CONNECTOR_* names):
  MOCKCC_CSDS_HOST       host:port of the mock's CSDS; discover every other host from it
  MOCKCC_LP_SCHEME       http (the mock serves plain HTTP unless told otherwise)
  MOCKCC_ACCOUNT_ID      the account (site) id
  MOCKCC_CLIENT_ID       the app installation's client id
  MOCKCC_CLIENT_SECRET   its secret (also the webhook signing key)
  MOCKCC_CHANNEL_URL     where the connector POSTs what the consumer should get (the channel protocol)
  MOCKCC_PORT            the port the connector must listen on (webhooks and the channel's inbound URL)
  MOCKCC_HOST            127.0.0.1
  MOCKCC_BASE_URL        the mock's base URL (for the control plane; a connector does not need it)
  MOCKCC_STATE_DIR       a directory that outlives the connector's restarts (LP-CONV-008 restarts it)
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``contract`` subcommand's options (shared by ``mockcc contract`` and ``python -m mockcc_contracts``)."""
    start = p.add_argument_group("start the mock and the connector (the usual way)")
    start.add_argument("--connector-cmd", help='shell command starting the connector, e.g. "node connector.js"')
    start.add_argument(
        "--ready-url", help="ready when this URL answers ({port} = MOCKCC_PORT); default: the port listens"
    )
    start.add_argument("--ready-log", help="ready when a line of the connector's output matches this regex")
    start.add_argument("--startup-timeout", type=float, default=60.0, help="seconds to wait for readiness (60)")
    start.add_argument("--webhook-path", default="/webhooks", help="the connector's webhook path (/webhooks)")
    start.add_argument(
        "--inbound-path", default="/channel/messages", help="the channel's inbound path (/channel/messages)"
    )
    running = p.add_argument_group("or use a mock and a connector that already run")
    running.add_argument("--mock", help="the running mock's base URL")
    running.add_argument("--channel", help="the running connector's inbound channel URL (.../channel/messages)")
    running.add_argument(
        "--channel-port", type=int, default=0, help="port for the suite's channel (the connector's CHANNEL_URL)"
    )
    running.add_argument("--webhook-url", help="the connector's webhook URL (default: read from the installation)")
    running.add_argument(
        "--client-secret", default=DEFAULT_SECRET, help="the installation's secret (default: the mock's)"
    )
    p.add_argument(
        "--registration",
        choices=("seed", "connector"),
        default="seed",
        help="who registers webhooks: the suite, in the mock's seed (default), or the connector (App Installation)",
    )
    p.add_argument("--only", action="append", default=[], help="run only this contract id or prefix (repeatable)")
    p.add_argument("--skip", action="append", default=[], help="skip this contract id or prefix (repeatable)")
    p.add_argument("--junit", type=Path, help="write JUnit XML here")
    p.add_argument("--json", type=Path, help="write the machine report here")
    p.add_argument("--patience", type=float, default=20.0, help="seconds to wait for any one reaction (20)")
    p.add_argument("--webhook-timeout", type=float, default=5.0, help="seconds a webhook may take (LivePerson: 5)")
    p.add_argument("--list", action="store_true", help="list the contracts (run order) and exit")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--verbose", action="store_true", help="print the connector's output as it comes (prefixed with '| ')"
    )
    p.add_argument("--fail-fast", action="store_true", help="stop after the first MUST that fails")
    p.add_argument(
        "--strict",
        action="store_true",
        help="SHOULD contracts count like MUST: a SHOULD not met fails the run (exit 1, a JUnit <failure>)",
    )


def out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def started(args: argparse.Namespace) -> Iterator[tuple[Harness, ConnectorProcess | None]]:
    """The mock, the channel and the connector for a run; everything stopped afterwards."""
    with contextlib.ExitStack() as stack:
        if args.mock:
            control = ControlClient(args.mock)
            stack.callback(control.close)
            installation = control.state()["accounts"][0]["installations"][0]
            credentials = Credentials(
                args.mock.rstrip("/"), control.account_id, installation["client_id"], args.client_secret
            )
            driver = HttpChannelDriver(args.channel, port=args.channel_port)
            stack.callback(driver.stop)
            hooks = installation.get("capabilities", {}).get("webhooks", {})
            webhook_url = args.webhook_url or hooks.get("ms.MessagingEventNotification.ContentEvent", {}).get(
                "endpoint"
            )
            if not webhook_url:
                raise SystemExit("mockcc contract: --webhook-url is needed (the installation has no webhooks)")
            h = Harness(
                control,
                credentials,
                driver,
                webhook_url,
                patience=args.patience,
                webhook_timeout=args.webhook_timeout,
                owns_registration=args.registration == "seed" and bool(args.webhook_url),
                saw_startup=False,
            )
            h.seed()
            yield h, None
            return
        held = stack.enter_context(reserve_port())  # released just before the connector starts
        port = int(held.getsockname()[1])
        base = f"http://127.0.0.1:{port}"
        driver = HttpChannelDriver(base + args.inbound_path)
        stack.callback(driver.stop)
        seed_file = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mockcc-contract-"))) / "seed.json"
        placeholder = Credentials(
            "http://127.0.0.1:0", "70000001", "5f1c8a6e-2d3b-4c7a-9e0f-1a2b3c4d5e6f", DEFAULT_SECRET
        )
        h = Harness(
            ControlClient("http://127.0.0.1:0"),
            placeholder,
            driver,
            base + args.webhook_path,
            patience=args.patience,
            webhook_timeout=args.webhook_timeout,
            owns_registration=args.registration == "seed",
        )
        seed_file.write_text(json.dumps(h.seed_document()), encoding="utf-8")
        mock = MockServer.start(  # each LivePerson service on its own port, as CSDS hands them out (LP-DISC-001)
            "--config",
            str(seed_file),
            "--webhook-read-timeout",
            str(args.webhook_timeout),
            "--split-hosts",
            new_session=True,
        )
        stack.callback(mock.stop)
        h.control.close()
        h.control, h.credentials = mock.control, mock.credentials
        state_dir = seed_file.parent / "connector-state"  # outlives the connector's restarts (LP-CONV-008)
        state_dir.mkdir()
        env = connector_env(mock.credentials, driver.outbound_url, port, str(state_dir))
        ready_url = args.ready_url.format(port=port) if args.ready_url else None
        held.close()
        connector = ConnectorProcess.start(
            args.connector_cmd,
            env,
            port,
            ready_url=ready_url,
            ready_log=args.ready_log,
            timeout=args.startup_timeout,
            echo=(lambda line: out(f"  | {line}")) if getattr(args, "verbose", False) else None,
        )
        stack.callback(connector.stop)
        h.activity = connector.mark
        h.restart = connector.restart
        if args.registration == "connector":
            h.webhook_url = str(h.wait(lambda: _registered(mock.control), "the connector to register its webhooks"))
        yield h, connector


def _registered(control: ControlClient) -> str | None:
    hooks = control.state()["accounts"][0]["installations"][0].get("capabilities", {}).get("webhooks", {})
    endpoint = hooks.get("ms.MessagingEventNotification.ContentEvent", {}).get("endpoint")
    return str(endpoint) if endpoint else None


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived: stop the run (everything started is stopped on the way out)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Turn the first SIGINT/SIGTERM/SIGHUP into ``Interrupted``; later ones are ignored while cleaning up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if got:
            return  # already stopping: let the clean-up finish
        got.append(signum)
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


def run(args: argparse.Namespace) -> int:
    """The whole ``mockcc contract`` command; its exit code (0 ok, 1 a MUST failed, 2 usage or start-up,
    128 + the signal when interrupted)."""
    try:
        contracts = select(all_contracts(), args.only, args.skip)
    except ValueError as exc:
        out(f"mockcc contract: {exc}")
        return 2
    if args.list:
        for c in contracts:
            needs = f" (requires {', '.join(c.requires)})" if c.requires else ""
            out(f"{c.id}  {c.level:<6}  {c.title}{needs}\n    {c.description}")
        return 0
    if not args.connector_cmd and not (args.mock and args.channel):
        out("mockcc contract: give --connector-cmd, or --mock and --channel (see --help)")
        return 2
    progress = (lambda line: None) if args.quiet else out
    running: dict[str, object] = {}
    try:
        with stopped_by_signals(), started(args) as (h, connector):
            running.update(harness=h, connector=connector)
            out(f"mockcc contract: {len(contracts)} contracts; mock {h.credentials.base_url}, webhooks {h.webhook_url}")
            report: Report = run_suite(
                h,
                contracts,
                progress=progress,
                alive=connector.alive if connector else lambda: True,
                output=connector,
                fail_fast=args.fail_fast,
                strict=args.strict,
            )
    except Interrupted as stop:
        return _interrupted(stop, running)
    except (StartupError, RuntimeError) as exc:
        out(f"mockcc contract: {exc}")
        return 2
    out("")
    out(report.table())
    if args.junit:
        report.write_junit(args.junit)
    if args.json:
        report.write_json(args.json)
    return report.exit_code


def _interrupted(stop: Interrupted, running: dict[str, object]) -> int:
    """One line (no verdict for the contract it cut short); on SIGTERM/SIGHUP also the connector's last words."""
    h, connector = running.get("harness"), running.get("connector")
    current = h.current if isinstance(h, Harness) else None
    during = f" during {current[0]} (no verdict)" if current else ""
    judged = f"; {len(h.verdicts)} contract(s) judged" if isinstance(h, Harness) else ""
    out(f"mockcc contract: interrupted by {stop}{during}{judged}; the connector and the mock are stopped")
    if stop.signum != signal.SIGINT and isinstance(connector, ConnectorProcess) and connector.output:
        out("connector output (last lines):\n  | " + "\n  | ".join(list(connector.output)[-30:]))
    return 128 + stop.signum


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mockcc contract",
        description=(__doc__ or "").replace("``", ""),
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
