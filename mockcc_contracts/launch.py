"""Start the mock and a brand's connector as processes, on free loopback ports, and wait until ready.

Nothing here assumes the repository: the mock is ``python -m mockcc serve`` from the installed
package, the connector is whatever command the brand gives. The connector learns where everything
is from environment variables (``connector_env``); it is ready when its URL answers, when a line of
its output matches a pattern, or (by default) when its port accepts connections.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from mockcc_contracts.channel.runner import Launched, stop
from mockcc_contracts.control import ControlClient, Credentials


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the connector binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class MockServer:
    """``python -m mockcc serve --port 0`` as a subprocess; its credentials and a control client."""

    def __init__(self, launched: Launched) -> None:
        self.launched = launched
        fields = launched.fields
        self.credentials = Credentials(
            fields["base_url"], fields["account_id"], fields["client_id"], fields["client_secret"]
        )
        self.control = ControlClient(self.credentials.base_url, self.credentials.account_id)

    @classmethod
    def start(
        cls,
        *args: str,
        stderr: object = subprocess.DEVNULL,
        timeout: float = 30.0,
        preexec_fn: Callable[[], None] | None = None,
    ) -> MockServer:
        """``python -m mockcc serve --host 127.0.0.1 --port 0 ARGS``, once its ready line is out.

        ``stderr``: where the server's log goes (a file, ``None`` for this process's stderr);
        ``preexec_fn`` runs in the server process before it starts (a test lowers its file limit with it).
        """
        launched = Launched.start(
            ["-m", "mockcc", "serve", "--host", "127.0.0.1", "--port", "0", *args],
            "mockcc",
            stderr=stderr,
            timeout=timeout,
            preexec_fn=preexec_fn,
        )
        return cls(launched)

    @property
    def fields(self) -> dict[str, str]:
        """The ready line's ``key=value`` pairs: ``base_url``, ``account_id``, ``client_id``, ``client_secret``."""
        return self.launched.fields

    @property
    def pid(self) -> int:
        return self.launched.proc.pid

    @property
    def url(self) -> str:
        return self.credentials.base_url

    def alive(self) -> bool:
        return self.launched.proc.poll() is None

    def stop(self) -> None:
        self.control.close()
        self.launched.stop()

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def connector_env(credentials: Credentials, channel_url: str, port: int, state_dir: str = "") -> dict[str, str]:
    """The documented variables a connector under test reads (``MOCKCC_*``, and the reference connector's names).

    ``state_dir``: a directory that outlives the connector's restarts within the run (for what it stores).
    """
    values = {
        "CSDS_HOST": credentials.csds_host,
        "LP_SCHEME": credentials.scheme,
        "ACCOUNT_ID": credentials.account_id,
        "CLIENT_ID": credentials.client_id,
        "CLIENT_SECRET": credentials.client_secret,
        "CHANNEL_URL": channel_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    if state_dir:
        values["STATE_DIR"] = state_dir
    env = {f"MOCKCC_{k}": v for k, v in values.items()}
    env |= {f"CONNECTOR_{k}": v for k, v in values.items()}
    env["MOCKCC_BASE_URL"] = credentials.base_url
    return env


@dataclass
class ConnectorProcess:
    """A brand's connector started from a shell command; its output kept (the last lines) for reports."""

    command: str
    proc: subprocess.Popen[str]
    port: int
    output: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    how: dict[str, Any] = field(default_factory=dict)  # start's arguments, for a restart

    @classmethod
    def start(
        cls,
        command: str,
        env: dict[str, str],
        port: int,
        *,
        ready_url: str | None = None,
        ready_log: str | None = None,
        timeout: float = 60.0,
    ) -> ConnectorProcess:
        """Run ``command`` (through the shell, so ``node x.js`` or ``./run.sh`` work) and wait until ready."""
        proc = subprocess.Popen(  # noqa: S602 - the brand's own command line, run as the brand wrote it
            command,
            shell=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            start_new_session=True,
        )
        connector = cls(command, proc, port)
        connector.how = {"env": env, "ready_url": ready_url, "ready_log": ready_log, "timeout": timeout}
        pattern = re.compile(ready_log) if ready_log else None
        matched = threading.Event()

        def read() -> None:
            with contextlib.suppress(ValueError, OSError):
                for line in proc.stdout or []:
                    connector.output.append(line.rstrip("\n"))
                    if pattern is not None and pattern.search(line):
                        matched.set()

        threading.Thread(target=read, name="connector-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if pattern is not None:
                ready = matched.wait(0.05)
            elif ready_url:
                ready = _answers(ready_url)
            else:
                ready = _listens(port)
            if ready:
                return connector
            time.sleep(0.05)
        connector.stop()
        how = f"a line matching {ready_log!r}" if ready_log else ready_url or f"a listener on port {port}"
        raise RuntimeError(
            f"the connector did not become ready ({how}) within {timeout:g}s; exit code {proc.returncode}; "
            f"last output: {list(connector.output)[-10:]!r}"
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def restart(self) -> None:
        """Stop the connector (as a deploy would: SIGTERM to its group) and start it again, same command
        and environment; returns once it is ready. Its output goes on in the same ``output``."""
        self.stop()
        fresh = ConnectorProcess.start(self.command, port=self.port, **self.how)
        lines = deque([*self.output, "(mockcc: the connector was restarted)", *fresh.output], maxlen=self.output.maxlen)
        fresh.output = self.output = lines  # its reader appends to fresh.output: both see every line
        self.proc = fresh.proc

    def stop(self) -> None:
        """Stop the whole process group the shell started, then the shell."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, 15)
        stop(self.proc)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1.0)
    except httpx.HTTPError:
        return False
    return True


def _listens(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def python_command(module: str, *args: str) -> str:
    """A shell command running ``module`` with this interpreter (quoted for the shell)."""
    return shlex.join([sys.executable, "-m", module, *args])
