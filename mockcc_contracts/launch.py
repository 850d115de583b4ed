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
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

from mockcc_contracts.channel.runner import Launched, stop
from mockcc_contracts.control import ControlClient, Credentials
from mockcc_contracts.watchman import forget, watch


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the connector binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def reserve_port(host: str = "127.0.0.1") -> socket.socket:
    """A port held bound (not listening) so no ``--port 0`` bind of the mock takes it before the connector does.

    The caller closes the socket just before it starts the connector: a port picked and released at once
    was seen handed to one of the mock's split-host listeners, so the channel spoke to the mock.
    """
    sock = socket.socket()
    sock.bind((host, 0))
    return sock


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
        new_session: bool = False,
    ) -> MockServer:
        """``python -m mockcc serve --host 127.0.0.1 --port 0 ARGS``, once its ready line is out.

        ``stderr``: where the server's log goes (a file, ``None`` for this process's stderr);
        ``preexec_fn`` runs in the server process before it starts (a test lowers its file limit with it);
        ``new_session``: its own session, so a terminal's Ctrl-C reaches only the caller, which stops it.
        """
        launched = Launched.start(
            ["-m", "mockcc", "serve", "--host", "127.0.0.1", "--port", "0", *args],
            "mockcc",
            stderr=stderr,
            timeout=timeout,
            preexec_fn=preexec_fn,
            new_session=new_session,
        )
        if new_session:  # a group of its own: the watchman stops it if the suite dies (``kill -9``)
            watch(launched.proc.pid)
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
        forget(self.launched.proc.pid)  # nothing unless it was watched

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


class StartupError(RuntimeError):
    """The connector (or the mock) could not be started; the message says what happened and after how long."""


SHELL_STATUS = {
    126: "the shell found the command but could not run it (not executable?)",
    127: "the shell did not find the command (a typo in --connector-cmd, or not on PATH?)",
}


class ConnectorProcess:
    """A brand's connector started from a shell command, in its own process group.

    Its output (stdout and stderr, merged) is read line by line as it comes: kept numbered (the last
    ``KEPT`` lines) so each contract can take the lines printed while it ran, and handed to ``echo``
    (``--verbose`` prints them). ``stop`` ends the whole group, whatever the command started.
    """

    KEPT = 5000

    def __init__(
        self, command: str, proc: subprocess.Popen[str], port: int, echo: Callable[[str], None] | None = None
    ) -> None:
        self.command = command
        self.proc = proc
        self.port = port
        self.output: deque[str] = deque(maxlen=self.KEPT)
        self.started = time.monotonic()
        self._count = 0
        self._lock = threading.Lock()
        self._echo = echo
        self._how: dict[str, Any] = {}  # start's environment and readiness test, for a restart

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
        echo: Callable[[str], None] | None = None,
    ) -> ConnectorProcess:
        """Run ``command`` (through the shell, so ``node x.js`` or ``./run.sh`` work) and wait until ready;
        ``StartupError`` saying what happened (its exit status and when, or still running) otherwise."""
        connector = cls(command, _spawn(command, env), port, echo)
        connector._how = {"env": env, "ready_url": ready_url, "ready_log": ready_log, "timeout": timeout}
        connector._until_ready()
        return connector

    def restart(self) -> None:
        """Stop the connector (as a deploy would: SIGTERM to its group) and run the same command with the
        same environment again, on the same port; returns once it is ready. Its output goes on, numbered."""
        self.stop()
        self._keep("(mockcc: the connector was stopped and started again)")
        self.proc, self.started = _spawn(self.command, self._how["env"]), time.monotonic()
        self._until_ready()

    def _until_ready(self) -> None:
        """Read the output as it comes, and return once the connector is ready (else ``StartupError``)."""
        ready_url, ready_log, timeout = self._how["ready_url"], self._how["ready_log"], self._how["timeout"]
        proc = self.proc
        pattern = re.compile(ready_log) if ready_log else None
        matched = threading.Event()

        def read() -> None:
            with contextlib.suppress(ValueError, OSError):
                for line in proc.stdout or []:
                    self._keep(line.rstrip("\n"))
                    if pattern is not None and pattern.search(line):
                        matched.set()

        threading.Thread(target=read, name="connector-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                if pattern is not None:
                    ready = matched.wait(0.05)
                elif ready_url:
                    ready = _answers(ready_url)
                else:
                    ready = _listens(self.port)
                if ready:
                    return
                time.sleep(0.05)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) while waiting: nobody else can stop it yet
            self.stop()
            raise
        raise StartupError(self._why_not_ready(ready_url, ready_log, timeout))

    def _why_not_ready(self, ready_url: str | None, ready_log: str | None, timeout: float) -> str:
        """What happened (exited: its status, after how long; or still not ready), once the connector is stopped."""
        how = f"a line matching {ready_log!r}" if ready_log else ready_url or f"a listener on port {self.port}"
        status = self.proc.poll()
        elapsed = time.monotonic() - self.started
        self.stop()
        time.sleep(0.1)  # the reader takes the last lines of a process that just exited
        last = list(self.output)[-10:]
        said = "its output:\n  " + "\n  ".join(last) if last else "it printed nothing"
        if status is not None:
            hint = f" ({SHELL_STATUS[status]})" if status in SHELL_STATUS else ""
            return (
                f"the connector exited with status {status}{hint} {elapsed:.1f}s after it started, "
                f"before it was ready ({how}); command: {self.command}; {said}"
            )
        return (
            f"the connector did not become ready ({how}) within {timeout:g}s "
            f"(it was still running; now stopped); {said}"
        )

    def _keep(self, line: str) -> None:
        with self._lock:
            self.output.append(line)
            self._count += 1
        if self._echo is not None:
            self._echo(line)

    def mark(self) -> int:
        """How many lines the connector has printed so far."""
        with self._lock:
            return self._count

    def since(self, mark: int) -> list[str]:
        """The lines printed after ``mark`` (those still kept)."""
        with self._lock:
            kept = list(self.output)
            first = self._count - len(kept)
        return kept[max(0, mark - first) :]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        """End the whole process group: SIGTERM, up to ``grace`` seconds for every member to exit, then
        SIGKILL for what is left (a shell's children included), and reap the shell."""
        group = self.proc.pid  # a new session: the shell leads its own group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and (self.proc.poll() is None or _group_alive(group)):
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        stop(self.proc)
        forget(group)


def _spawn(command: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """The connector's shell, leading a process group of its own, which the watchman stops if the suite dies."""
    proc = subprocess.Popen(  # noqa: S602 - the brand's own command line, run as the brand wrote it
        command,
        shell=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        start_new_session=True,  # its own process group: stopped whole, and no terminal's Ctrl-C reaches it
    )
    watch(proc.pid)
    return proc


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
