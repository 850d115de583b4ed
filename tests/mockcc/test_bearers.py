"""Login sessions are bounded by use: the bearer a client keeps using outlives a flood of newer logins."""

from __future__ import annotations

from mockcc.state.bearers import Bearers, Session


def _session(name: str) -> Session:
    return Session("1", name, expires_at=100.0, csrf=f"csrf-{name}", session_id=f"cookie-{name}")


def test_the_least_recently_used_session_is_forgotten_first() -> None:
    bearers = Bearers(limit=2)
    bearers.add("kept", _session("kept"))
    bearers.add("idle", _session("idle"))
    assert bearers.session("1", "kept", now=0.0) is not None  # in use: a fuzz run's own admin bearer
    bearers.add("new", _session("new"))  # a generated login, over the cap
    assert bearers.session("1", "kept", now=0.0) is not None
    assert bearers.session("1", "idle", now=0.0) is None
    assert bearers.by_cookie("1", "cookie-idle", "csrf-idle", now=0.0) is None
    assert bearers.by_cookie("1", "cookie-new", "csrf-new", now=0.0) == "new"
    assert (len(bearers), bearers.evicted) == (2, 1)  # what GET /_mockcc/limits reports as login_sessions


def test_another_accounts_lookup_does_not_count_as_use() -> None:
    bearers = Bearers(limit=2)
    bearers.add("a", _session("a"))
    bearers.add("b", _session("b"))
    assert bearers.session("2", "a", now=0.0) is None
    bearers.add("c", _session("c"))
    assert bearers.session("1", "a", now=0.0) is None
    assert bearers.session("1", "b", now=0.0) is not None
