"""The independent fuzz run: the schemathesis CLI against a real ``mockcc serve``, as a new user runs it.

    python -m tests.fuzz.cli [--max-examples N] [--max-time S] [-- extra schemathesis options]

It starts the mock on a free loopback port, gets a real AppJWT and ConsumerJWS the way a connector
does, and runs ``schemathesis run schemas/openapi.yaml --checks all`` with every phase (examples,
coverage, fuzzing, stateful), path parameters left to schemathesis and the tokens supplied only as
headers. Exit status is schemathesis's (0: no failures).

Two runs, each against its own fresh mock:
- the LivePerson surface (every path outside ``/_mockcc/``), and
- the control plane (``/_mockcc/...``, ``/openapi.json``).
They are separate because the control plane can arm faults by design (``POST /_mockcc/faults`` with
``{"kind": "500"}`` makes the next Send API call answer 500, which is what it is for); in one run the
fuzzer would arm them and then report the 500s it asked for. No check is turned off in either run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.live import mockcc_serve, open_conversation

ROOT = Path(__file__).parents[2]
RUNS = {
    "liveperson": ["--exclude-path-regex", "^/(_mockcc/|openapi\\.json)"],
    "control": ["--include-path-regex", "^/(_mockcc/|openapi\\.json)"],
}


def tokens(ready: dict[str, str]) -> dict[str, str]:
    """A real AppJWT and ConsumerJWS, with a conversation open for that consumer."""
    with httpx.Client(base_url=ready["base_url"], timeout=30) as http:
        headers, _ = open_conversation(http, ready, "schemathesis-cli")
    return headers


def run(name: str, options: list[str]) -> int:
    with mockcc_serve("--frozen-clock", "--seed", "1") as ready:
        headers = tokens(ready)
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            str(ROOT / "schemas" / "openapi.yaml"),
            "--url",
            ready["base_url"],
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--workers",
            "1",
            *[arg for name_, value in headers.items() for arg in ("-H", f"{name_}: {value}")],
            *RUNS[name],
            *options,
        ]
        print(f"== {name}: schemathesis run against {ready['base_url']}", flush=True)  # noqa: T201
        return subprocess.run(command, cwd=ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--only", choices=sorted(RUNS), help="one of the two runs")
    parser.add_argument("extra", nargs="*", help="more schemathesis options (after --)")
    args = parser.parse_args(argv)
    options = ["--max-examples", str(args.max_examples), *args.extra]
    codes = [run(name, options) for name in RUNS if args.only in (None, name)]
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
