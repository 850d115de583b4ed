"""However ``mockcc contract`` ends (Ctrl-C, SIGTERM from CI, ``timeout``, ``kill -9``), the connector's whole process
group and the mock are gone, and Ctrl-C prints one line and exits 130 without a verdict for the contract it cut.

Real processes: ``python -m mockcc contract`` in a session of its own (as a terminal or CI runs it), a
connector behind a shell that stays its parent (``...; true``), so only killing the group ends it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contracts.conftest import connector_cmd

ROOT = Path(__file__).resolve().parents[2]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent, process group) of a live process; None once it is gone (a zombie counts as gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else (fields[0], int(fields[1]), int(fields[2]))


def _processes() -> dict[int, tuple[str, int, int]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = stat
    return found


def descendants(pid: int) -> set[int]:
    table = _processes()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, (_, parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def group_members(pgid: int) -> set[int]:
    return {p for p, (_, _, group) in _processes().items() if group == pgid}


class Suite:
    """``mockcc contract`` as a subprocess (optionally under ``timeout``), its output read as it comes."""

    def __init__(self, tmp_path: Path, prefix: list[str] | None = None) -> None:
        self.pidfile = tmp_path / "connector.pid"
        command = connector_cmd(
            "tests.contracts.broken_connector", "closed-not-forwarded", env=f"CONNECTOR_PIDFILE={self.pidfile}"
        )
        argv = [sys.executable, "-m", "mockcc", "contract", "--connector-cmd", f"{command}; true"]
        argv += ["--only", "LP-AGENT-003", "--patience", "90"]  # the close never comes: it waits
        self.proc = subprocess.Popen(
            [*(prefix or []), *argv],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        STARTED.append(self)

    def _read(self) -> None:
        for line in self.proc.stdout or []:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"never printed {text!r}: {self.lines}"
            assert self.proc.poll() is None, f"exited {self.proc.returncode}: {self.lines}"
            time.sleep(0.05)

    def running(self) -> tuple[set[int], int]:
        """Every process the run started (mock, shell, connector), and the connector's process group."""
        self.wait_for("LP-AGENT-003 The agent's close reaches the consumer ...")
        deadline = time.monotonic() + 30  # written by the connector as it starts; a loaded machine is slow
        while not self.pidfile.exists() or len(self.pidfile.read_text().split()) < 2:
            assert time.monotonic() < deadline, f"the connector never wrote {self.pidfile}: {self.lines}"
            time.sleep(0.05)
        pgid = int(self.pidfile.read_text().split()[1])
        started = descendants(self.proc.pid)
        assert group_members(pgid), "the connector should be running"
        assert any("mockcc" in Path(f"/proc/{p}/cmdline").read_text() for p in started if _stat(p))
        return started, pgid

    def kill(self) -> None:
        """SIGKILL (its watchman stops the mock and the connector) and read to the end, if still running."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()

    def finish(self) -> int:
        code = self.proc.wait(60)
        self._reader.join(10)  # the last lines
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code


STARTED: list[Suite] = []


@pytest.fixture(autouse=True)
def _no_suite_left() -> Iterator[None]:
    """A test that fails midway leaves no suite running, nor its pipe unread for a later test's warnings."""
    yield
    while STARTED:
        STARTED.pop().kill()


def assert_all_gone(started: set[int], pgid: int) -> None:
    deadline = time.monotonic() + 10
    while (left := {p for p in started if _stat(p)} | group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"still running: {[(p, Path(f'/proc/{p}/cmdline').read_bytes()) for p in left]}"


@pytest.mark.live
@pytest.mark.timeout(120)
def test_ctrl_c_prints_one_line_exits_130_and_stops_everything(tmp_path: Path) -> None:
    suite = Suite(tmp_path)
    started, pgid = suite.running()
    before = len(suite.lines)
    os.killpg(suite.proc.pid, signal.SIGINT)  # what a terminal does: the foreground group gets SIGINT
    assert suite.finish() == 130
    after = suite.lines[before:]
    assert after == [
        "mockcc contract: interrupted by SIGINT during LP-AGENT-003 (no verdict); 0 contract(s) judged; "
        "the connector and the mock are stopped"
    ], suite.lines
    assert not any("Traceback" in line or "ERROR" in line for line in suite.lines)
    assert_all_gone(started, pgid)


@pytest.mark.live
@pytest.mark.timeout(120)
def test_sigterm_stops_everything_and_shows_the_connectors_last_words(tmp_path: Path) -> None:
    suite = Suite(tmp_path)
    started, pgid = suite.running()
    suite.proc.send_signal(signal.SIGTERM)  # a CI cancel
    assert suite.finish() == 128 + signal.SIGTERM
    assert any("interrupted by SIGTERM during LP-AGENT-003 (no verdict)" in line for line in suite.lines)
    assert "connector output (last lines):" in suite.lines
    assert not any("Traceback" in line for line in suite.lines)
    assert_all_gone(started, pgid)


@pytest.mark.live
@pytest.mark.timeout(120)
def test_kill_9_of_the_suite_still_stops_the_connectors_group_and_the_mock(tmp_path: Path) -> None:
    """SIGKILL leaves the suite no chance: its watchman (mockcc_contracts/watchman.py) sees its pipe end."""
    suite = Suite(tmp_path)
    started, pgid = suite.running()
    mock = {p for p in started if b"serve" in Path(f"/proc/{p}/cmdline").read_bytes()}
    assert mock, "the mock runs"
    assert group_members(pgid), "the connector (behind its shell) runs"
    suite.proc.kill()
    suite.finish()
    assert_all_gone(started, pgid)


@pytest.mark.live
@pytest.mark.timeout(120)
def test_timeout_stops_everything(tmp_path: Path) -> None:
    suite = Suite(tmp_path, prefix=["timeout", "-s", "TERM", "12"])
    started, pgid = suite.running()
    assert suite.finish() == 124  # timeout's own status: it had to send SIGTERM
    assert any("interrupted by SIGTERM" in line for line in suite.lines), suite.lines
    assert_all_gone(started, pgid)


@pytest.mark.live
@pytest.mark.timeout(120)
def test_an_interrupt_while_waiting_for_the_connector_to_get_ready_stops_it() -> None:
    """A connector that never listens (``sleep``), and SIGTERM while the suite waits for it."""
    argv = [sys.executable, "-m", "mockcc", "contract", "--connector-cmd", "sleep 300; true", "--startup-timeout", "90"]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def sleeping() -> set[int]:
        return {p for p in descendants(proc.pid) if b"sleep" in Path(f"/proc/{p}/cmdline").read_bytes()}

    deadline = time.monotonic() + 60
    while not sleeping():
        assert time.monotonic() < deadline, "the connector never started"
        assert proc.poll() is None, "the suite ended before the connector started"
        time.sleep(0.05)
    started = descendants(proc.pid)
    stat = _stat(next(iter(sleeping())))
    assert stat is not None
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, out
    assert "interrupted by SIGTERM" in out
    assert "Traceback" not in out
    assert_all_gone(started, stat[2])


@pytest.mark.live
@pytest.mark.timeout(120)
def test_sigterm_to_the_contracts_as_pytest_tests_stops_the_connector(tmp_path: Path) -> None:
    pidfile = tmp_path / "connector.pid"
    command = connector_cmd(
        "tests.contracts.broken_connector", "closed-not-forwarded", env=f"CONNECTOR_PIDFILE={pidfile}"
    )
    argv = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "--pyargs"]
    argv += ["mockcc_contracts.contract_tests", "-k", "LP-AGENT-003", "--mockcc-patience", "90"]
    argv += ["--mockcc-connector-cmd", f"{command}; true"]
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.monotonic() < deadline, "the connector never started"
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.05)
    time.sleep(2)  # into the contract's wait
    started, pgid = descendants(proc.pid), int(pidfile.read_text().split()[1])
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0, out
    assert_all_gone(started, pgid)
