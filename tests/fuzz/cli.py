"""The independent fuzz run: the schemathesis CLI against a real ``mockcc serve``, as a new user runs it.

    python -m tests.fuzz.cli [--max-examples N] [--max-time S] [-- extra schemathesis options]

It starts the mock on a free loopback port, gets a real AppJWT and ConsumerJWS the way a connector
does, and runs ``schemathesis run schemas/openapi.yaml --checks all`` with every phase (examples,
coverage, fuzzing, stateful), path parameters left to schemathesis and the tokens supplied only as
headers (tests/fuzz/schemathesis.toml says which). Exit status is schemathesis's (0: no failures).

Three runs, each against its own fresh mock:
- ``liveperson``: the LivePerson surface (every path outside ``/_mockcc/``, plus the read-only
  ``/_mockcc/health`` whose links start the stateful chains), examples, coverage and fuzzing;
- ``liveperson-stateful``: the same surface, the stateful phase alone, from the seed. After the other
  phases the consumer's conversation is open and their apps hold the names the chains draw again,
  and the chains (install, then get/update/delete/token; open, then SEND/close) stopped early: one
  run of all four phases covered 4 of 15 links and never reached get, update or delete;
- ``control``: the control plane (``/_mockcc/...``, ``/openapi.json``), every phase.
The control plane is apart because it can arm faults by design (``POST /_mockcc/faults`` with
``{"kind": "500"}`` makes the next Send API call answer 500, which is what it is for); in one run the
fuzzer would arm them and then report the 500s it asked for. No check is turned off in any run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import httpx

from mockcc_contracts.launch import MockServer

ROOT = Path(__file__).parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
# /_mockcc/health (read-only) stays in the LivePerson runs: its links start the stateful chains in the seeded account
LIVEPERSON = ["--exclude-path-regex", "^/(_mockcc/(?!health$)|openapi\\.json)"]
RUNS = {
    "liveperson": [*LIVEPERSON, "--phases", "examples,coverage,fuzzing"],
    "liveperson-stateful": [*LIVEPERSON, "--phases", "stateful"],
    # the event stream (tag "stream") never ends by itself: nothing to fuzz there
    "control": [
        *["--include-path-regex", "^/(_mockcc/|openapi\\.json)", "--exclude-tag", "stream"],
        *["--phases", "examples,coverage,fuzzing,stateful"],
    ],
}


def tokens(ready: dict[str, str]) -> dict[str, str]:
    """A real AppJWT and ConsumerJWS (no conversation open, so the stateful phase can open one), and an
    admin bearer, as the environment the configuration file reads them from."""
    account = ready["account_id"]
    with httpx.Client(base_url=ready["base_url"], timeout=30) as http:
        token = http.post(
            f"/sentinel/api/account/{account}/app/token",
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": ready["client_id"], "client_secret": ready["client_secret"]},
        ).json()["access_token"]
        jws = http.post(
            f"/api/account/{account}/consumer",
            params={"v": "1.0"},
            json={"ext_consumer_id": "schemathesis-cli"},
            headers={"Authorization": token},
        ).json()["token"]
        bearer = http.post(
            f"/api/account/{account}/login", json={"username": "admin", "password": "mockcc-admin"}
        ).json()["bearer"]
    return {"MOCKCC_APP_JWT": token, "MOCKCC_CONSUMER_JWS": jws, "MOCKCC_ADMIN_BEARER": bearer}


def run(name: str, options: list[str]) -> int:
    with MockServer.start("--frozen-clock", "--seed", "1") as mock:
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(CONFIG),
            "run",
            str(ROOT / "schemas" / "openapi.yaml"),
            "--url",
            mock.fields["base_url"],
            "--checks",
            "all",
            "--workers",
            "1",
            *RUNS[name],
            *options,
        ]
        print(f"== {name}: schemathesis run against {mock.fields['base_url']}", flush=True)  # noqa: T201
        env = {**os.environ, **tokens(mock.fields)}
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--only", choices=sorted(RUNS), help="one of the runs")
    parser.add_argument("extra", nargs="*", help="more schemathesis options (after --)")
    args = parser.parse_args(argv)
    options = ["--max-examples", str(args.max_examples), *args.extra]
    codes = [run(name, options) for name in RUNS if args.only in (None, name)]
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
