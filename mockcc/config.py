"""The seed: which accounts, app installations and scripted agents the mock starts with.

The same document is read from ``--config FILE`` (YAML or JSON), posted to ``/_mockcc/seed``, or,
with neither, taken from ``DEFAULT_SEED``: one account, one installation, the echo agent. ::

    accounts:
      - account_id: "70000001"
        agent: echo                   # echo | none | {type: script, steps: [...]}
        skill_agents: {"1234": none}  # per-skill override
        webhook_signature: sha1       # or sha256
        webhook_signature_encoding: base64  # or hex
        feature_grants:               # Account Configuration features (compoundFeatureID: on/off)
          Common.Async_Messaging: false   # on by default; off makes the Send API refuse (403)
        agent_users:                  # besides admin / mockcc-admin: who logs in on agentVep, takes brand sockets
          - {login_name: bot, password: mockcc-bot, skills: ["1234"], max_conversations: 10,
             availability: OFFLINE, app_key: {appKey: ..., secret: ..., accessToken: ..., accessTokenSecret: ...}}
        consumer_auth:                # the brand's key for IdP authenticate (consumer JWTs for the socket)
          public_key: "MIGfMA0G..."   # PEM or bare base64; or jwks: {keys: [...]}; optional issuer
        installations:                # LivePerson app objects (manifest keys), client_id/secret optional
          - client_id: ...
            client_secret: ...
            client_name: My connector
            capabilities: {webhooks: {...}}
    faults: [{kind: "429", count: 3, scope: send}]            # armed at start and on every reset
    webhook_faults: [{endpoint: "http://...", kind: drop, count: 1}]

Unknown keys are refused: a misspelt key silently ignored would change what a test means.
"""

from __future__ import annotations

import copy
import json
import re
import types
from pathlib import Path

from mockcc import strictjson
from mockcc.errors import ConfigError, DuplicateAccount
from mockcc.ids import Ids
from mockcc.schemas import validate
from mockcc.state.agents import DEFAULT_MAX_CONVERSATIONS, AgentUser
from mockcc.state.models import GRANTS_PER_ACCOUNT, Account, Installation
from mockcc.tokens import check_brand_keys
from mockcc.types import JSON

DEFAULT_ACCOUNT = "70000001"
DEFAULT_CLIENT_ID = "5f1c8a6e-2d3b-4c7a-9e0f-1a2b3c4d5e6f"
DEFAULT_CLIENT_SECRET = "m0ckccdefau1tsecretf0rci00"

DEFAULT_SEED: JSON = {
    "accounts": [
        {
            "account_id": DEFAULT_ACCOUNT,
            "agent": "echo",
            # A bot for LivePerson's Agent SDK (or any brand-socket client): it takes conversations once it
            # is ONLINE and subscribed to routing tasks; until then the echo agent answers.
            "agent_users": [
                {
                    "login_name": "bot",
                    "password": "mockcc-bot",
                    "app_key": {
                        "appKey": "mockcc-bot-app-key",
                        "secret": "mockcc-bot-secret",
                        "accessToken": "mockcc-bot-access-token",
                        "accessTokenSecret": "mockcc-bot-access-token-secret",
                    },
                }
            ],
            "installations": [
                {
                    "client_id": DEFAULT_CLIENT_ID,
                    "client_secret": DEFAULT_CLIENT_SECRET,
                    "client_name": "mockcc default connector",
                    "description": "The embedded default installation; point webhooks at your connector.",
                    "capabilities": {"webhooks": {}},
                }
            ],
        }
    ]
}

AGENT_TYPES = ("echo", "none", "script")
SCRIPT_STEPS = ("wait", "expect", "join", "read", "typing", "say", "rich", "transfer", "close", "resume")


def _yaml() -> types.ModuleType:
    """PyYAML, loaded when a file is read (the embedded default seed needs none)."""
    import yaml

    return yaml


def read_seed_file(path: Path) -> JSON:
    """Load a seed from YAML or JSON (YAML is a superset, but JSON gets JSON's error messages)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    yaml = _yaml()
    try:
        doc = (
            strictjson.loads(text, max_values=None) if path.suffix == ".json" else json_compatible(yaml.safe_load(text))
        )
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"config {path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"config {path} must be a mapping with an 'accounts' list")
    for entry in doc.get("accounts") or []:  # the command line's config may name script files: read them now
        if isinstance(entry, dict):
            specs = [entry.get("agent"), *dict(entry.get("skill_agents") or {}).values()]
            for spec in specs:
                if isinstance(spec, dict) and isinstance(spec.get("file"), str) and "steps" not in spec:
                    spec["steps"] = _read_steps(Path(spec["file"]))
    return doc


def json_compatible(doc: object) -> object:
    """What YAML read, held to strict JSON's rules (no NaN, infinity, dates, runaway nesting)."""
    try:
        text = json.dumps(doc, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"it holds a value JSON cannot (strict JSON only): {exc}") from None
    return strictjson.loads(text, max_values=None)  # a file the command line named: trusted, any size


def normalise_agent(spec: object, where: str, script_dir: Path | None = None) -> JSON:
    """``"echo"`` or ``{"type": "echo", ...}`` -> ``{"type": "echo", ...}``; checked, not trusted.

    A script ``file`` not already read from the command line's config is read only from inside
    ``script_dir`` (``--script-dir``): a seed posted over HTTP must not make the mock read any file.
    """
    agent: JSON = {"type": spec} if isinstance(spec, str) else dict(spec) if isinstance(spec, dict) else {}
    if agent.get("type") not in AGENT_TYPES:
        raise ConfigError(f"{where}: agent must be one of {', '.join(AGENT_TYPES)} (got {spec!r})")
    if agent["type"] == "script":
        if isinstance(agent.get("file"), str) and "steps" not in agent:
            agent["steps"] = _read_steps(_script_path(agent["file"], where, script_dir))
        if not isinstance(agent.get("steps"), list):
            raise ConfigError(f"{where}: a script agent needs a 'steps' list (or a 'file' holding one)")
        for i, step in enumerate(agent["steps"]):
            known = [k for k in step if k in SCRIPT_STEPS] if isinstance(step, dict) else []
            if len(known) != 1:
                raise ConfigError(f"{where}.steps[{i}]: a step has exactly one of {', '.join(SCRIPT_STEPS)}")
    return agent


def _script_path(name: str, where: str, script_dir: Path | None) -> Path:
    if script_dir is None:
        raise ConfigError(
            f"{where}: script files are read only from the --config file or from --script-dir; "
            "give the script's 'steps' inline"
        )
    root = script_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(f"{where}: the script file {name!r} is outside --script-dir")
    return path


def _read_steps(path: Path) -> object:
    yaml = _yaml()
    try:
        return json_compatible(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read agent script {path}: {exc}") from exc


def build_installation(app: JSON, ids: Ids, now: int) -> Installation:
    """Complete a manifest into a stored app object, the way App Installation's create does."""
    client_id = str(app.get("client_id") or ids.uuid())
    stored: JSON = {
        "enabled": True,
        "grant_types": ["client_credentials"],
        "scope": "msg.consumer",
        **app,
        "client_id": client_id,
        "client_secret": str(app.get("client_secret") or ids.secret()),
        "id": str(app.get("id") or client_id),
        "client_id_issued_at": int(app.get("client_id_issued_at") or now),
        "client_secret_expires_at": 0,
        "deleted": False,
    }
    return Installation(app=stored)


SEED_KEYS = ("accounts", "faults", "webhook_faults")
ACCOUNT_KEYS = (
    "account_id",
    "agent",
    "skill_agents",
    "webhook_signature",
    "webhook_signature_encoding",
    "installations",
    "feature_grants",
    "agent_users",
    "consumer_auth",
)
CONSUMER_AUTH_KEYS = ("public_key", "jwks", "issuer")
#: A compoundFeatureID: ``Package.Feature`` (``Common.Async_Messaging``, ``Messaging.Agent_File_Sharing``).
FEATURE_ID = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$")


def _unknown(doc: JSON, known: tuple[str, ...], where: str) -> None:
    """A misspelt key must not be silently ignored: it would change what the test means."""
    extra = sorted(set(doc) - set(known))
    if extra:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(extra)}; known: {', '.join(known)}")


def agent_user(account_id: str, spec: object, where: str) -> AgentUser:
    """One seeded agent user (the schema checked its shape; this names what it cannot)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("login_name"), str) or not spec.get("password"):
        raise ConfigError(f"{where}: an agent user needs login_name and password")
    app_key = spec.get("app_key")
    return AgentUser(
        account_id,
        spec["login_name"],
        str(spec["password"]),
        skills=[str(s) for s in spec.get("skills") or []],
        max_conversations=int(spec.get("max_conversations", DEFAULT_MAX_CONVERSATIONS)),
        availability=str(spec.get("availability", "OFFLINE")),
        app_key={str(k): str(v) for k, v in app_key.items()} if isinstance(app_key, dict) else None,
    )


def feature_grants(base: dict[str, bool], spec: object, where: str) -> dict[str, bool]:
    """``base`` updated by a seed's ``feature_grants`` mapping, checked: LivePerson-shaped ids, booleans, capped."""
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}.feature_grants: must be a mapping of compoundFeatureID to true/false")
    merged = {**base, **spec}
    if len(merged) > GRANTS_PER_ACCOUNT:
        raise ConfigError(f"{where}.feature_grants: at most {GRANTS_PER_ACCOUNT} features (got {len(merged)})")
    for feature, on in spec.items():
        if not isinstance(feature, str) or not FEATURE_ID.match(feature):
            raise ConfigError(
                f"{where}.feature_grants: {feature!r} is not a compoundFeatureID like Common.Async_Messaging"
            )
        if not isinstance(on, bool):
            raise ConfigError(f"{where}.feature_grants.{feature}: must be true or false (got {on!r})")
    return merged


def consumer_auth(spec: object, where: str) -> JSON:
    """The brand's keys for IdP ``authenticate`` (``public_key`` PEM or bare base64, or ``jwks``; optional
    ``issuer``), parsed now so a bad key refuses the seed rather than every later authenticate."""
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}.consumer_auth: must be a mapping with public_key or jwks (and optional issuer)")
    _unknown(spec, CONSUMER_AUTH_KEYS, f"{where}.consumer_auth")
    try:
        check_brand_keys(spec)
    except ValueError as exc:
        raise ConfigError(f"{where}.consumer_auth: {exc}") from None
    return dict(spec)


def inline_scripts(seed: JSON, script_dir: Path | None) -> JSON:
    """A copy of ``seed`` whose script agents named by ``file`` carry their ``steps`` (read inside
    ``script_dir`` only), so the schema (control/seed.json: a script needs its steps) judges what will run."""
    if script_dir is None:
        return seed
    seed = copy.deepcopy(seed)
    entries = seed.get("accounts")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        skills = entry.get("skill_agents")
        for spec in [entry.get("agent"), *(skills.values() if isinstance(skills, dict) else ())]:
            if isinstance(spec, dict) and isinstance(spec.get("file"), str) and "steps" not in spec:
                spec["steps"] = _read_steps(_script_path(spec["file"], f"accounts[{i}]", script_dir))
    return seed


def check_against_schema(seed: JSON, *, built: bool) -> None:
    """The seed against ``schemas/control/seed.json`` (the OpenAPI's seed body), after the checks that
    explain in the seed's own terms have passed (``built``: they ran to the end without tripping on a
    shape they do not expect). The one rule a schema cannot state, an account_id once, is theirs."""
    violation = validate("control/seed", seed)
    if violation is not None:
        raise ConfigError(f"the seed is refused: {violation.message}", path=violation.path, expected=violation.expected)
    if not built:
        raise ConfigError("the seed is refused: not a seed document")


def build_accounts(seed: JSON, ids: Ids, now: int, *, script_dir: Path | None = None) -> dict[str, Account]:
    """Turn a seed document into accounts, or raise ConfigError naming the bad entry (the schema
    check, ``check_against_schema``, is the caller's: it runs once every part has been read)."""
    return _accounts(seed, ids, now, script_dir)


def _accounts(seed: JSON, ids: Ids, now: int, script_dir: Path | None) -> dict[str, Account]:
    _unknown(seed, SEED_KEYS, "the seed")
    entries = seed.get("accounts")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("the seed needs a non-empty 'accounts' list")
    accounts: dict[str, Account] = {}
    for i, entry in enumerate(entries):
        where = f"accounts[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("account_id"), str | int):
            raise ConfigError(f"{where}: needs an 'account_id' (string)")
        _unknown(entry, ACCOUNT_KEYS, where)
        account = Account(account_id=str(entry["account_id"]))
        account.agent = normalise_agent(entry.get("agent", "none"), where, script_dir)
        for skill, spec in dict(entry.get("skill_agents") or {}).items():
            account.skill_agents[str(skill)] = normalise_agent(spec, f"{where}.skill_agents.{skill}", script_dir)
        algorithm = entry.get("webhook_signature", "sha1")
        if algorithm not in ("sha1", "sha256"):
            raise ConfigError(f"{where}: webhook_signature must be sha1 or sha256")
        account.signature_algorithm = algorithm
        encoding = entry.get("webhook_signature_encoding", "base64")
        if encoding not in ("base64", "hex"):
            raise ConfigError(f"{where}: webhook_signature_encoding must be base64 or hex")
        account.signature_encoding = encoding
        if "feature_grants" in entry:
            account.feature_grants = feature_grants(account.feature_grants, entry["feature_grants"], where)
        for j, spec in enumerate(entry.get("agent_users") or []):
            user = agent_user(account.account_id, spec, f"{where}.agent_users[{j}]")
            if user.login_name in account.agent_users:
                raise ConfigError(f"{where}.agent_users[{j}]: login name {user.login_name} appears twice")
            account.agent_users[user.login_name] = user
        if entry.get("consumer_auth") is not None:
            account.consumer_auth = consumer_auth(entry["consumer_auth"], where)
        for j, app in enumerate(entry.get("installations") or []):
            if not isinstance(app, dict):
                raise ConfigError(f"{where}.installations[{j}]: must be an app object")
            installation = build_installation(app, ids, now)
            account.installations[installation.client_id] = installation
        if account.account_id in accounts:
            raise DuplicateAccount(
                f"{where}: account {account.account_id} appears twice", path=f"$.{where}.account_id", rule="unique"
            )
        accounts[account.account_id] = account
    return accounts
