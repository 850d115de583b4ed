"""The plain run: schemathesis's own CLI exactly as README.md's recipe types it, measured end to end.

    python -m tests.fuzz.plain [--max-examples N]

It starts ``mockcc serve`` with the default seed, fetches the tokens the README's ``curl`` lines fetch
(an AppJWT from Sentinel, a ConsumerJWS for ``fuzz-1``, the admin login's bearer) and runs the README's two
``schemathesis run URL/openapi.json --checks all ... -H ...`` commands, every phase (stateful included),
from an empty directory so that no ``schemathesis.toml`` is read. It prints what a user sees (failures by
code and operation, errors, the "only 401/403" warning, cases, links, wall time) and what the mock's
journal says the stateful chains reached, and exits 0 when the run reports nothing but what README.md
says a plain run reports:

- ``ST202`` on the three operations where LivePerson documents a 400 for schema-valid data (a consumer
  who already has an open conversation, SEND into a closed one, a backwards or over-three-months history
  window);
- "only 401/403" for the operations whose credentials exist only inside the stateful phase's chains
  (Swift's signed temp URLs, the login session's refresh and logout) or only in a brand's key
  (``authenticate``): schemathesis 4 counts the examples, coverage and fuzzing phases for that warning.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from mockcc_contracts.control import ControlClient
from mockcc_contracts.launch import MockServer

ROOT = Path(__file__).parents[2]
CLIENT_ID, CLIENT_SECRET = "5f1c8a6e-2d3b-4c7a-9e0f-1a2b3c4d5e6f", "m0ckccdefau1tsecretf0rci00"  # README's recipe
#: The README's two commands' scopes (tags), the first with the connector's tokens, the second with the admin's.
SCOPES = {
    "connector": [
        *["--exclude-tag", "control", "--exclude-tag", "appinstall"],
        *["--exclude-tag", "accountconfig", "--exclude-tag", "msghist"],
    ],
    "admin": [
        *["--include-tag", "appinstall", "--include-tag", "accountconfig"],
        *["--include-tag", "msghist", "--include-tag", "health"],
    ],
}
#: LivePerson documents a 400 for schema-valid data here (README.md, "Fuzz the mock").
DOCUMENTED_400 = {
    "POST /api/account/{accountId}/messaging/consumer/conversation",
    "POST /api/account/{accountId}/messaging/consumer/conversation/send",
    "POST /messaging_history/api/account/{accountId}/conversations/search",
}
_ONE_APP = "/api/account/{accountId}/configuration/app-install/installations/{appId}"
#: Never served in the unit phases, so schemathesis may call them unauthenticated: credentials minted inside the
#: stateful phase's chains (Swift's signed URLs, the session's cookie and csrf), a brand's own key (authenticate),
#: or an installation id and If-Match revision only a create hands out (random account ids, LivePerson's 401 for
#: an unknown site, then dominate what the unit phases saw of those).
CHAINED_OR_BRAND_KEY = {
    "GET /v1/AUTH_async-images/{accountId}/{name}",
    "PUT /v1/AUTH_async-images/{accountId}/{name}",
    "POST /api/account/{accountId}/refresh",
    "POST /api/account/{accountId}/logout",
    "POST /api/account/{accountId}/authenticate",
    *(f"{method} {_ONE_APP}" for method in ("GET", "PUT", "DELETE", "POST")),
}
#: The chained operations the journal can show answered 2xx (the stateful phase reached them authenticated).
CHAINED = {
    ("PUT", re.compile(r"^/v1/AUTH_async-images/")),
    ("GET", re.compile(r"^/v1/AUTH_async-images/")),
    ("POST", re.compile(r"^/api/account/[^/]+/refresh$")),
    ("POST", re.compile(r"^/api/account/[^/]+/logout$")),
    *(
        (m, re.compile(r"^/api/account/[^/]+/configuration/app-install/installations/[^/]+$"))
        for m in ("GET", "PUT", "DELETE", "POST")
    ),
}


@dataclass
class Outcome:
    """One schemathesis run as its output says, plus the chained operations the journal saw answered 2xx."""

    scope: str
    exit_code: int
    wall_seconds: float
    failures: list[tuple[str, str]] = field(default_factory=list)  # (check code, "METHOD /path")
    errors: list[str] = field(default_factory=list)  # error block headings
    only_401: set[str] = field(default_factory=set)
    summary: str = ""  # "1 failure, 2 warnings in 38.47s"
    operations: str = ""  # "19 selected / 52 total"
    generated: int = 0
    links: str = ""  # "11 covered / 15 selected / 24 total"
    reached: set[str] = field(default_factory=set)  # "METHOD path" of chained operations answered 2xx

    def unexpected(self) -> list[str]:
        """Everything the run reported that README.md does not say a plain run reports."""
        found = [f"{code} on {op}" for code, op in self.failures if code != "ST202" or op not in DOCUMENTED_400]
        found += [f"error: {heading}" for heading in self.errors]
        found += [f"only 401/403: {op}" for op in sorted(self.only_401 - CHAINED_OR_BRAND_KEY)]
        return found


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    doc = yaml.safe_load((ROOT / "schemas" / "openapi.yaml").read_text(encoding="utf-8"))
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in doc["paths"]]


def parse(scope: str, out: str, exit_code: int, wall: float) -> Outcome:
    """schemathesis's text report (``--no-color``) as an Outcome."""
    outcome = Outcome(scope, exit_code, wall)
    section, heading, last_request, listing_401 = "", "", "", False

    def operation() -> str:
        if heading != "Stateful tests":
            return heading
        method, _, url = last_request.partition(" ")
        return f"{method} {_template(httpx.URL(url).path)}"

    for line in out.splitlines():
        if banner := re.match(r"^=+ (.+?) =+$", line):
            section = banner.group(1)
            if " in " in section and section[0].isdigit():
                outcome.summary = section
            continue
        if block := re.match(r"^_+ (.+?) _+$", line):
            heading = block.group(1)
            if section == "ERRORS":
                outcome.errors.append(heading)
            continue
        if curl := re.match(r"^\s+curl -X (\w+) .*?'?(https?://[^' ]+)'?$", line):
            last_request = f"{curl.group(1)} {curl.group(2)}"
        if section == "FAILURES" and (check := re.match(r"^- (ST\d+) ", line)):
            outcome.failures.append((check.group(1), heading))  # resolved below once the request is read
        if section == "FAILURES" and line.startswith("    st replay") and outcome.failures:
            outcome.failures[-1] = (outcome.failures[-1][0], operation())
        if section == "WARNINGS" and line.startswith("  - ") and listing_401:
            outcome.only_401.add(line.strip()[2:])
        if section == "WARNINGS":
            listing_401 = bool(re.match(r"^40[13] \w+ \(\d+ operations?\):$", line)) or (
                listing_401 and line.startswith("  - ")
            )
        else:
            listing_401 = False
        if found := re.search(r"Operations:\s+(.+)$", line):
            outcome.operations = found.group(1).strip()
        if found := re.search(r"API Links:\s+(.+)$", line):
            outcome.links = found.group(1).strip()
        if found := re.match(r"^\s+(\d+) generated", line):
            outcome.generated = int(found.group(1))
    return outcome


def tokens(url: str, account: str) -> dict[str, str]:
    """The README's three curl lines."""
    with httpx.Client(base_url=url, timeout=30) as http:
        jwt = http.post(
            f"/sentinel/api/account/{account}/app/token?v=1.0&grant_type=client_credentials",
            data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        ).json()["access_token"]
        jws = http.post(
            f"/api/account/{account}/consumer?v=1.0", headers={"Authorization": jwt}, json={"ext_consumer_id": "fuzz-1"}
        ).json()["token"]
        bearer = http.post(
            f"/api/account/{account}/login", json={"username": "admin", "password": "mockcc-admin"}
        ).json()["bearer"]
    return {"connector": jwt, "consumer": jws, "admin": bearer}


def _reached(control: ControlClient, since: int) -> set[str]:
    calls = control.get("/_mockcc/journal", since_id=str(since))["calls"]
    return {
        f"{call['method']} {template}"
        for call in calls
        for template in [_template(call["path"].split("?")[0])]
        if 200 <= call["status"] < 300 and any(m == call["method"] and rx.match(call["path"]) for m, rx in CHAINED)
    }


def _template(path: str) -> str:
    return next((template for rx, template in _templates() if rx.match(path)), path)


def run(max_examples: int, *, workdir: Path, scopes: list[str] | None = None) -> list[Outcome]:
    """The recipe's commands (both, or ``scopes``) against one ``mockcc serve`` (default seed), in ``workdir``."""
    schemathesis = str(Path(sys.executable).with_name("schemathesis"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    outcomes = []
    with MockServer.start() as mock:
        url, account = mock.fields["base_url"], mock.fields["account_id"]
        token = tokens(url, account)
        headers = {
            "connector": ["-H", f"Authorization: {token['connector']}", "-H", f"X-LP-ON-BEHALF: {token['consumer']}"],
            "admin": ["-H", f"Authorization: Bearer {token['admin']}"],
        }
        for scope, options in SCOPES.items():
            if scopes is not None and scope not in scopes:
                continue
            journal = mock.control.get("/_mockcc/journal", limit="1")["calls"]
            since = journal[-1]["id"] if journal else 0
            command = [schemathesis, "run", f"{url}/openapi.json", "--checks", "all", *options, *headers[scope]]
            command += ["--max-examples", str(max_examples), "--no-color"]
            started = time.monotonic()
            done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=False)
            outcome = parse(scope, done.stdout + done.stderr, done.returncode, time.monotonic() - started)
            outcome.reached = _reached(mock.control, since)
            outcomes.append(outcome)
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    lines = []
    for o in outcomes:
        lines.append(f"== {o.scope}: exit {o.exit_code}, {o.summary or 'no summary'}, wall {o.wall_seconds:.1f} s")
        lines.append(f"   operations {o.operations}; {o.generated} cases generated; API links {o.links}")
        lines += [f"   failure {code} on {op}" for code, op in o.failures]
        lines += [f"   error {heading}" for heading in o.errors]
        lines += [f"   only 401/403 (unit phases): {op}" for op in sorted(o.only_401)]
        lines += [f"   reached by the stateful chains with 2xx: {op}" for op in sorted(o.reached)]
        lines += [f"   UNEXPECTED: {what}" for what in o.unexpected()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mockcc-plain-") as empty:
        outcomes = run(args.max_examples, workdir=Path(empty))
    print(report(outcomes))  # noqa: T201
    return 1 if any(o.unexpected() for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
