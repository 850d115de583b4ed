"""The watchman: what the suite started is stopped even when the suite dies without a chance to (``kill -9``).

The suite stops the mock and the connector's process group itself on every ending it sees (normal end,
failure, SIGINT, SIGTERM). ``kill -9`` it sees not: the connector (a shell and whatever it started) and
the mock would run on, holding their ports. So the first process group the suite starts also starts a
watchman: a small Python process in a session of its own, reading a pipe from the suite. The suite
tells it each group it starts (``watch``) and each it has stopped (``forget``); when the pipe ends
without the suite having forgotten a group (the kernel closes a dead process's pipes, however it died),
the watchman sends that group SIGTERM, then SIGKILL after ``GRACE`` seconds, and exits.

Why not Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``): it reaches only the direct child, and
the connector runs behind ``/bin/sh -c``, whose children it does not reach (dash forks the command); and
it is Linux-only. A pipe's end is the same on Linux and macOS. Windows has no process groups here
(``mockcc contract`` needs a POSIX system).
"""

from __future__ import annotations

import atexit
import contextlib
import subprocess
import sys
import threading

GRACE = 5.0  # seconds between SIGTERM and SIGKILL, as ``ConnectorProcess.stop`` gives them

_SCRIPT = f"""# mockcc watchman: stops the process groups the suite started if the suite dies (ps shows this line)
import os, signal, sys, time
groups = set()
for line in sys.stdin:
    word = line.strip()
    if word.startswith("-"):
        groups.discard(int(word[1:]))
    elif word:
        groups.add(int(word))
def alive(group):
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
for sig, grace in ((signal.SIGTERM, {GRACE}), (signal.SIGKILL, 0.0)):
    for group in groups:
        try:
            os.killpg(group, sig)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while any(alive(g) for g in groups) and time.monotonic() < deadline:
        time.sleep(0.1)
"""

_lock = threading.Lock()
_watchman: subprocess.Popen[str] | None = None  # kept referenced for the suite's whole life


def _tell(line: str) -> None:
    """One line to the watchman (started on first use); a watchman that cannot be reached is left be."""
    global _watchman
    with _lock:
        if _watchman is None and line.startswith("-"):
            return  # nothing was ever watched
        if _watchman is None:
            try:
                _watchman = subprocess.Popen(  # noqa: S603 - this interpreter, our own script
                    [sys.executable, "-I", "-S", "-c", _SCRIPT],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    start_new_session=True,  # no terminal's Ctrl-C, no kill of the suite's group reaches it
                )
            except OSError:
                return
            atexit.register(_retire)
        if _watchman.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                _watchman.stdin.write(line + "\n")
                _watchman.stdin.flush()


def _retire() -> None:
    """At a normal exit: end the pipe and wait for the watchman (it stops whatever was not forgotten)."""
    if _watchman is not None and _watchman.stdin is not None:
        with contextlib.suppress(OSError, ValueError):
            _watchman.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            _watchman.wait(GRACE + 2)


def watch(group: int) -> None:
    """The suite started process group ``group``: stop it if the suite dies first."""
    _tell(str(group))


def forget(group: int) -> None:
    """The suite stopped ``group`` itself: nothing left for the watchman to do about it."""
    _tell(f"-{group}")
