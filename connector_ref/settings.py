"""What the connector is told: five facts about the world, everything else is discovered.

Only the CSDS host, the account, the app installation's credentials and the channel's outbound URL
are configured. Every LivePerson host comes from CSDS at run time, because LivePerson moves
services between hosts and a hard-coded host breaks silently.

Sources, later ones winning: built-in defaults, a small file (JSON object or ``KEY=VALUE`` lines,
named by ``--config`` or ``CONNECTOR_CONFIG``), then environment variables ``CONNECTOR_*``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

PREFIX = "CONNECTOR_"
REQUIRED = ("csds_host", "account_id", "client_id", "client_secret", "channel_url")


class ConfigError(Exception):
    """The configuration is incomplete or malformed; the message names the setting."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Connector configuration. Field ``foo_bar`` is set by ``CONNECTOR_FOO_BAR``."""

    #: CSDS (Domain API) host[:port], e.g. ``adminlogin.liveperson.net`` or ``127.0.0.1:8080``.
    csds_host: str = ""
    account_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    #: Where agent-side messages, typing and closes for the channel are POSTed.
    channel_url: str = ""
    #: Scheme for every LivePerson host (CSDS hands out bare hosts): https in production, http for mockcc.
    lp_scheme: str = "http"
    host: str = "127.0.0.1"
    port: int = 8090
    #: Renew the AppJWT this many seconds before it expires (capped at a tenth of its lifetime).
    token_renew_margin: float = 300.0
    #: 429: attempts in all (the first call included); waits start at ``rate_limit_pause`` (>= 1 s).
    rate_limit_attempts: int = 6
    rate_limit_pause: float = 1.0
    #: 5xx and transport errors: pauses before each retry (LivePerson recommends 5, 10, 15 s).
    server_error_pauses: tuple[float, ...] = (5.0, 10.0, 15.0)
    http_timeout: float = 10.0
    #: Send the consumer's receipts for agent messages: ACCEPT once the channel took one, READ when the
    #: channel reports the consumer read it.
    read_receipts: bool = True
    #: Announce AUTO_MESSAGES in Client-Properties (CONVERSATION and every SEND): LivePerson's automatic
    #: messages (role CONTROLLER) then reach the consumer like agent texts.
    auto_messages: bool = False
    #: Hold an agent message that overtook an earlier one for up to this long (seconds; 0: never hold).
    reorder_hold: float = 1.0
    #: Keep each consumer's open conversation here across restarts (``connector_ref.durable``); "": memory only.
    state_dir: str = ""
    log_level: str = "INFO"

    def lp_url(self, host: str, path: str) -> str:
        """A full URL on a LivePerson host that CSDS (or the configuration) named."""
        return f"{self.lp_scheme}://{host}{path}"

    def check(self) -> Settings:
        """Raise ConfigError naming every missing or invalid setting."""
        missing = [PREFIX + name.upper() for name in REQUIRED if not getattr(self, name)]
        if missing:
            raise ConfigError(f"missing required settings: {', '.join(missing)}")
        if self.lp_scheme not in ("http", "https"):
            raise ConfigError(f"{PREFIX}LP_SCHEME must be http or https (got {self.lp_scheme!r})")
        if "://" in self.csds_host or "/" in self.csds_host:
            raise ConfigError(f"{PREFIX}CSDS_HOST is a bare host[:port], without scheme or path")
        if not self.channel_url.startswith(("http://", "https://")):
            raise ConfigError(f"{PREFIX}CHANNEL_URL must be an http(s) URL (got {self.channel_url!r})")
        if self.rate_limit_pause < 1.0:
            raise ConfigError(f"{PREFIX}RATE_LIMIT_PAUSE must be at least 1 second (LivePerson's guidance)")
        return self


def _convert(name: str, raw: object, default: object) -> object:
    """Coerce a file or environment value to the type of the field's default."""
    try:
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(str(raw))
        if isinstance(default, float):
            return float(str(raw))
        if isinstance(default, tuple):
            items = raw if isinstance(raw, list) else [p for p in str(raw).split(",") if p.strip()]
            return tuple(float(p) for p in items)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name.upper()}: cannot read {raw!r} as {type(default).__name__}") from None
    return str(raw)


def read_file(path: Path) -> dict[str, object]:
    """A JSON object, or ``KEY=VALUE`` lines (``#`` comments; keys with or without the prefix)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"config file {path} is not valid JSON: {exc}") from None
        return {str(k).lower().removeprefix(PREFIX.lower()): v for k, v in doc.items()}
    values: dict[str, object] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        values[key.strip().upper().removeprefix(PREFIX).lower()] = value.strip().strip("\"'")
    return values


def load(env: Mapping[str, str] | None = None, config_file: Path | None = None, **overrides: object) -> Settings:
    """Build and check the settings: defaults < file < environment < keyword overrides."""
    env = os.environ if env is None else env
    known = {f.name: f.default for f in fields(Settings)}
    values: dict[str, object] = {}
    file_name = config_file or (Path(env[PREFIX + "CONFIG"]) if env.get(PREFIX + "CONFIG") else None)
    if file_name is not None:
        values.update(read_file(file_name))
    for name in known:
        if (PREFIX + name.upper()) in env:
            values[name] = env[PREFIX + name.upper()]
    values.update(overrides)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(unknown)}")
    converted = {name: _convert(name, raw, known[name]) for name, raw in values.items()}
    return replace(Settings(), **converted).check()  # type: ignore[arg-type]
