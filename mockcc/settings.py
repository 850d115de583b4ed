"""How a mock instance is set up: network, limits, clock. Frozen; no globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Conversations kept per account (``--conversations-limit``): past this, the oldest closed ones are
#: forgotten; when every kept one is open, a new one is refused.
CONVERSATIONS_PER_ACCOUNT = 200_000


#: Seconds of wall time a websocket may stay silent (LivePerson: a client sends something at least every 60 s).
IDLE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SocketLimits:
    """The caps of the websocket surfaces [INFERRED: LivePerson documents none of them but the idle 60 s]."""

    sockets: int = 2000
    sockets_per_user: int = 10
    connects_per_user_per_minute: int = 60
    subscriptions_per_socket: int = 1000
    frames_waiting_per_socket: int = 1000
    idle_seconds: float = IDLE_SECONDS


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    #: The host[:port] CSDS hands out as every baseURI; None = the Host the client used to reach us.
    public_host: str | None = None
    #: ``--split-hosts``: (CSDS service name, port) of each service with a port of its own (``mockcc.hosts``);
    #: empty = every service on ``port``.
    service_ports: tuple[tuple[str, int], ...] = ()
    config: Path | None = None
    #: The only directory a seed's script ``file`` is read from (besides the command line's config).
    script_dir: Path | None = None
    seed_doc: dict[str, Any] | None = field(default=None, compare=False)
    #: Whole request bodies over this are refused with 413 before they are parsed.
    body_limit: int = 1 << 20
    #: LivePerson's limit on one Send API request object, in characters.
    send_limit: int = 5000
    journal_limit: int = 5000
    delivery_log_limit: int = 10_000
    #: Conversations kept per account: past it the oldest closed are forgotten; all open -> refused.
    conversations_limit: int = CONVERSATIONS_PER_ACCOUNT
    webhook_connect_timeout: float = 5.0
    webhook_read_timeout: float = 5.0
    #: POST webhooks from a second process (``webhooks/remote.py``); ``mockcc serve`` does unless told not to.
    webhook_worker: bool = False
    #: Freeze the clock (tests): time moves only through /_mockcc/clock/advance.
    frozen_clock: bool = False
    #: Seed for every id and every random fault, so a run repeats exactly.
    random_seed: int | None = None
    #: One line per call on stderr (method, path, status, outcome, ms, the rule on a refusal); off for speed.
    request_log: bool = False
    #: The websockets' caps (sockets in all and per user, subscriptions and waiting frames per socket, idle).
    socket_limits: SocketLimits = field(default_factory=SocketLimits)
