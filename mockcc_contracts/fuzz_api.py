"""``mockcc fuzz URL``: schemathesis against a running mock, every operation with the credentials it takes.

    mockcc fuzz http://127.0.0.1:8080 [--include-control] [--client-id ID --client-secret S] [schemathesis options]

It fetches what a connector would (an AppJWT from Sentinel, a ConsumerJWS for a fresh consumer, the admin
login's bearer), writes a schemathesis configuration that gives each operation its own through the
document's security schemes (Send API: AppJWT + ConsumerJWS; App Installation and feature grants: the
bearer; Sentinel: the client credentials; the login: the examples' admin user) and runs ``schemathesis run
URL/openapi.json --checks all`` with every phase, twice: the connector's surface (CSDS, Sentinel, IdP, Send
API, Swift, the login), then the admin's (App Installation, feature grants), which can take away what the
first needs. Options it does not know go to ``schemathesis run`` unchanged (``--max-examples 50``,
``--phases stateful``, ``--report junit``...). The tokens travel in the environment, never on a command
line. Exit status: the worst of schemathesis's (0: no failure), 2 when it cannot start.

The control plane (``/_mockcc/...``) is left out unless ``--include-control``: fuzzing it reseeds the
mock, moves its clock and arms the faults it is asked for, so it belongs on a mock of its own.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

DEFAULT_CLIENT_ID = "5f1c8a6e-2d3b-4c7a-9e0f-1a2b3c4d5e6f"  # the default seed's installation (mockcc/config.py)
DEFAULT_CLIENT_SECRET = "m0ckccdefau1tsecretf0rci00"

CONFIG = """\
# Written by `mockcc fuzz`; the ${...} are read from the environment it sets.
# The feature grants' body (five required levels, open at each) is slow to draw: on a busy machine Hypothesis's
# too_slow health check fails on generation speed alone, before any request. No check of the answers is affected.
suppress-health-check = ["too_slow"]

# Each operation gets the credentials its security scheme in /openapi.json names.
[auth.openapi.appJwt]
api_key = "${MOCKCC_APP_JWT}"

[auth.openapi.consumerJws]
api_key = "${MOCKCC_CONSUMER_JWS}"

[auth.openapi.adminBearer]
bearer = "${MOCKCC_ADMIN_BEARER}"

# Every path's account is the one the mock holds, so generated requests reach the rules behind it.
[parameters]
accountId = "${MOCKCC_ACCOUNT_ID}"

# Sentinel's client credentials are query parameters (or a form body), not a security scheme.
[[operations]]
include-tag = "sentinel"
parameters = { client_id = "${MOCKCC_CLIENT_ID}", client_secret = "${MOCKCC_CLIENT_SECRET}" }

# LivePerson documents a 400 for schema-valid requests that a rule across calls or fields refuses: CONVERSATION
# for a consumer who already has an open conversation, SEND into a closed one ("Bad Request, Conversation is
# close"), a history search whose start window is backwards or over three months. No schema can say these; a
# plain run reports them (README.md, "Fuzz the mock").
[[operations]]
include-operation-id-regex = "^(createConversation|sendRequest|searchConversationHistory)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"""

# With the control plane in the run, a 5xx from the Send API, the IdP or Sentinel may be one the run armed itself
# (POST /_mockcc/faults {"kind": "500"}): what it asked for, not a failure of the mock.
CONTROL_CONFIG = """
[[operations]]
include-tag-regex = "^(sendapi|idp|sentinel)$"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "5xx"]

# A seed's consumer_auth key must parse as an RSA public key (PEM, bare base64 or a JWK): no schema can say which
# strings are keys, and a seed is refused whole (400) rather than failing every later authenticate.
[[operations]]
include-operation-id-regex = "^(reset|seed)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"""

CONTROL_WARNING = (
    "mockcc fuzz: --include-control fuzzes the control plane too: it reseeds the mock under test with generated "
    "seeds, moves its clock and arms the faults it asks for. Point it at a mock of its own, never one your "
    "tests share."
)


def _footprint(url: str) -> tuple[list[str], float] | None:
    """The accounts the mock holds and its clock's offset (None when it does not answer)."""
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            accounts = http.get("/_mockcc/health").raise_for_status().json()["accounts"]
            offset = float(http.get("/_mockcc/clock").raise_for_status().json()["offset"])
    except (httpx.HTTPError, KeyError, TypeError, ValueError):
        return None
    return [str(a) for a in accounts], offset


def aftermath(before: tuple[list[str], float] | None, after: tuple[list[str], float] | None) -> str:
    """What the control plane's run left of the mock, and how to get the seed back."""
    restart = (
        "restart `mockcc serve` to get your seed and a fresh clock back (POST /_mockcc/reset restores only the "
        "last seed the run posted, and nothing moves the clock back)"
    )
    if after is None:
        return f"mockcc fuzz: the mock no longer answers /_mockcc/health and /_mockcc/clock: {restart}."
    accounts, offset = after
    moved = offset - (before[1] if before else 0.0)
    if before is not None and accounts == before[0] and moved == 0:
        return f"mockcc fuzz: the mock still holds the accounts it started with ({', '.join(accounts)}) and its clock."
    return (
        f"mockcc fuzz: the control plane's run left the mock holding accounts {accounts or '(none)'} "
        f"(it started with {before[0] if before else 'unknown'}) with its clock {moved:.0f} s further on: {restart}."
    )


class CannotStart(Exception):
    """The mock refused what the run needs before it starts (exit status 2)."""


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="mockcc fuzz",
        allow_abbrev=False,
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog="Any other option goes to `schemathesis run` (schemathesis run --help lists them).",
    )
    cli.add_argument("url", help="the running mock's base URL, e.g. http://127.0.0.1:8080")
    cli.add_argument(
        "--include-control",
        action="store_true",
        help="fuzz the control plane too: it reseeds the mock, moves its clock and arms faults",
    )
    cli.add_argument(
        "--only",
        choices=["connector", "admin", "control"],
        help="one surface: the connector's (CSDS, Sentinel, IdP, Send API, Swift, login), the admin's (App "
        "Installation, feature grants) or the control plane's (implies --include-control)",
    )
    cli.add_argument("--account-id", help="the account to fuzz (default: the first one /_mockcc/health lists)")
    cli.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help="an installation's client_id (default seed's)")
    cli.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET, help="... and its client_secret")
    cli.add_argument("--username", default="admin", help="the login user (mockcc's: admin)")
    cli.add_argument("--password", default="mockcc-admin", help="... and password (mockcc's: mockcc-admin)")
    return cli


def credentials(args: argparse.Namespace) -> dict[str, str]:
    """What a connector and an admin hold, fetched from the mock the way they fetch it."""
    with httpx.Client(base_url=args.url, timeout=30) as http:
        account = args.account_id or http.get("/_mockcc/health").raise_for_status().json()["accounts"][0]
        token = http.post(
            f"/sentinel/api/account/{account}/app/token",
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": args.client_id, "client_secret": args.client_secret},
        )
        if token.status_code != 200:
            raise CannotStart(f"Sentinel refused client_id {args.client_id} ({token.status_code}): {token.text}")
        app_jwt = token.json()["access_token"]
        # a consumer of this run alone: it starts with no open conversation, so CONVERSATION can open one
        consumer = {"ext_consumer_id": f"mockcc-fuzz-{secrets.token_hex(4)}"}
        jws = http.post(
            f"/api/account/{account}/consumer", params={"v": "1.0"}, json=consumer, headers={"Authorization": app_jwt}
        )
        login = http.post(f"/api/account/{account}/login", json={"username": args.username, "password": args.password})
        for answer, what in ((jws, "the IdP"), (login, "the login")):
            if answer.status_code not in (200, 201):
                raise CannotStart(f"{what} refused ({answer.status_code}): {answer.text}")
    return {
        "MOCKCC_ACCOUNT_ID": str(account),
        "MOCKCC_APP_JWT": app_jwt,
        "MOCKCC_CONSUMER_JWS": jws.json()["token"],
        "MOCKCC_ADMIN_BEARER": login.json()["bearer"],
        "MOCKCC_CLIENT_ID": args.client_id,
        "MOCKCC_CLIENT_SECRET": args.client_secret,
    }


#: The runs, in order, each against the same mock. The admin surface runs after the connector's: a generated
#: feature-grants POST may turn Async Messaging off (then every Send API call is a 403) and an App Installation
#: DELETE may remove the installation whose credentials the connector's run uses.
PASSES: dict[str, list[str]] = {
    "connector": ["--exclude-tag", "control", "--exclude-tag", "appinstall", "--exclude-tag", "accountconfig"],
    "admin": ["--include-tag", "appinstall", "--include-tag", "accountconfig", "--include-tag", "health"],
    "control": ["--include-tag", "control", "--include-tag", "health"],
}


def command(url: str, config: Path, scope: list[str], passthrough: list[str]) -> list[str]:
    """One ``schemathesis run`` command line (no secret on it)."""
    run = ["run", f"{url.rstrip('/')}/openapi.json", "--checks", "all", *scope, *passthrough]
    return [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), *run]


def main(argv: list[str] | None = None) -> int:
    args, passthrough = parser().parse_known_args(argv)
    passthrough = [arg for arg in passthrough if arg != "--"]
    if importlib.util.find_spec("schemathesis") is None:
        print("mockcc fuzz needs schemathesis: pip install 'mockcc[fuzz]'", file=sys.stderr)  # noqa: T201
        return 2
    args.include_control = args.include_control or args.only == "control"
    if args.include_control:
        print(CONTROL_WARNING, file=sys.stderr)  # noqa: T201
    try:
        env = {**os.environ, **credentials(args)}
    except httpx.HTTPError as exc:
        print(f"mockcc fuzz: cannot reach the mock at {args.url}: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    except CannotStart as exc:
        print(f"mockcc fuzz: {exc} (--client-id/--client-secret, --username/--password)", file=sys.stderr)  # noqa: T201
        return 2
    passes = [name for name in PASSES if args.only in (None, name) and (name != "control" or args.include_control)]
    before = _footprint(args.url) if args.include_control else None
    codes = []
    with tempfile.TemporaryDirectory(prefix="mockcc-fuzz-") as tmp:
        config = Path(tmp) / "schemathesis.toml"
        config.write_text(CONFIG + (CONTROL_CONFIG if args.include_control else ""), encoding="utf-8")
        for name in passes:
            print(f"mockcc fuzz: the {name} surface ({' '.join(PASSES[name])})", flush=True)  # noqa: T201
            cmd = command(args.url, config, PASSES[name], passthrough)
            codes.append(subprocess.run(cmd, env=env, check=False).returncode)  # noqa: S603 - our interpreter
    if args.include_control:
        print(aftermath(before, _footprint(args.url)), file=sys.stderr)  # noqa: T201
    return max(codes)
