"""Run servers on loopback for tests and the demo: an ASGI app in a thread, or a subprocess.

Both pick a free port (port 0) and report where they listen only once they do, so callers never
guess ports or sleep: ``ServerThread(app).start()`` returns the base URL; ``Launched.start(cmd)``
waits for the process's one ready line (``<name> ready key=value ...``) and parses it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    """uvicorn that signals a threading.Event once listening (or once it gave up)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()


class ServerThread:
    """An ASGI app served by uvicorn on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, name: str = "server") -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._server.run, name=name, daemon=True)
        self.url = ""

    def start(self, timeout: float = 15.0) -> str:
        """Start serving; returns ``http://127.0.0.1:PORT`` once the socket listens."""
        self._thread.start()
        if not self._server.ready.wait(timeout) or not self._server.started:
            self.stop()
            raise RuntimeError(f"{self._thread.name} did not start within {timeout}s")
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit (lifespan shutdown runs) and wait for the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class Launched:
    """A subprocess that announces itself with one ready line on stdout; stopped for sure on exit."""

    def __init__(self, proc: subprocess.Popen[str], fields: dict[str, str], name: str) -> None:
        self.proc = proc
        self.fields = fields
        self.name = name
        self._drain = threading.Thread(target=self._discard, daemon=True)
        self._drain.start()

    def _discard(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            for _ in self.proc.stdout or []:
                pass

    @classmethod
    def start(
        cls,
        args: Sequence[str],
        ready: str,
        *,
        env: dict[str, str] | None = None,
        timeout: float = 20.0,
        stderr: Any = None,
        preexec_fn: Callable[[], None] | None = None,
        new_session: bool = False,
    ) -> Launched:
        """Run ``python ARGS``; wait for a line starting with ``ready`` + " ready"; parse its key=value pairs.

        ``preexec_fn`` runs in the child before it starts (a test lowers a resource limit with it);
        ``new_session`` starts it in a session of its own (signals to the caller's group do not reach it).
        """
        proc = subprocess.Popen(  # noqa: S603 - our own modules, no shell
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            preexec_fn=preexec_fn,
            start_new_session=new_session,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        lines: list[str] = []

        def read() -> None:  # until the ready line or EOF; anything before it is kept for the error message
            for text in proc.stdout or []:
                lines.append(text.strip())
                if text.startswith(f"{ready} ready"):
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            reader.join(timeout)
        except BaseException:  # interrupted while waiting: nobody else can stop it yet
            stop(proc)
            raise
        line = lines[-1] if lines else ""
        if not line.startswith(f"{ready} ready"):
            stop(proc)
            raise RuntimeError(
                f"{ready} did not start within {timeout}s (exit code {proc.returncode}; "
                f"output {lines[-5:]!r}); run `python {' '.join(args)}` to see why"
            )
        pairs = dict(p.split("=", 1) for p in line.split()[2:] if "=" in p)
        return cls(proc, pairs, ready)

    def stop(self) -> None:
        stop(self.proc)

    def __enter__(self) -> Launched:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop(proc: subprocess.Popen[str], timeout: float = 10.0) -> None:
    """Terminate, then kill if it does not exit in ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream:
            with contextlib.suppress(OSError):
                stream.close()
