"""The sockets' part of ``GET /_mockcc/limits``: each cap, how full it is, what overload cost."""

from __future__ import annotations

from collections import Counter

from mockcc.settings import SocketLimits
from mockcc.streams.subscriptions import Peer
from mockcc.types import JSON

OVERLOAD = (
    "a socket past the cap (in all, per user, connects per minute) is closed with 1013 at once; a subscription "
    "past the cap is refused (429); a socket whose reader lets frames pile up past the cap is closed with 1013 "
    "and its waiting frames dropped; a socket whose close cannot reach it (its reader stopped) is let go after "
    "the close's wait: its slot and subscriptions are freed"
)


def status(limits: SocketLimits, peers: list[Peer], overload: Counter[str]) -> JSON:
    return {
        "sockets_limit": limits.sockets,
        "sockets_open": len(peers),
        "sockets_open_by_side": dict(Counter(p.side for p in peers)),  # agent, consumer
        "sockets_per_user_limit": limits.sockets_per_user,
        "connects_per_user_per_minute": limits.connects_per_user_per_minute,
        "subscriptions_per_socket_limit": limits.subscriptions_per_socket,
        "subscriptions": sum(p.subscriptions for p in peers),
        "frames_waiting_per_socket_limit": limits.frames_waiting_per_socket,
        "frames_waiting_most": max((len(p.outbox) for p in peers), default=0),
        "idle_seconds": limits.idle_seconds,
        "sockets_refused": overload["sockets_refused"],
        "subscriptions_refused": overload["subscriptions_refused"],
        "closed_slow_reader": overload["closed_slow_reader"],
        "closed_idle": overload["closed_idle"],
        "closed_expired": overload["closed_expired"],
        "detached_unreachable": overload["detached_unreachable"],
        "overload": OVERLOAD,
    }
