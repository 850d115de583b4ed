"""Seeding: a seed document checked whole, then the mock's starting state (accounts, armed faults).

The mock is seeded at start and again on every ``/_mockcc/reset``; a seed is read completely
before anything is touched, so a bad one is refused and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockcc.config import DEFAULT_SEED, build_accounts, check_against_schema, inline_scripts, read_seed_file
from mockcc.errors import ConfigError
from mockcc.faults import Fault, Faults
from mockcc.ids import Ids
from mockcc.settings import Settings
from mockcc.state.models import Account
from mockcc.types import JSON
from mockcc.webhooks.dispatcher import WebhookDispatcher
from mockcc.webhooks.faults import WebhookFault


def first_seed(settings: Settings) -> JSON:
    """The document the mock starts from: given inline, read from ``--config``, or the embedded default."""
    if settings.seed_doc is not None:
        return settings.seed_doc
    if settings.config is not None:
        return read_seed_file(settings.config)
    return DEFAULT_SEED


@dataclass(frozen=True, slots=True)
class Seed:
    """A checked seed: its document, the accounts it makes and the faults it arms."""

    doc: JSON
    accounts: dict[str, Account]
    faults: list[Fault]
    webhook_faults: list[tuple[str, WebhookFault]]

    @classmethod
    def read(cls, doc: JSON, ids: Ids, now: int, *, script_dir: Path | None = None) -> Seed:
        """Check the whole document; raises ``ConfigError`` naming the bad entry.

        A script ``file`` is read only inside ``script_dir`` unless the command line's config read it.
        """
        resolved = inline_scripts(doc, script_dir)  # what will run, so the schema judges it
        try:
            accounts: dict[str, Account] | None = build_accounts(resolved, ids, now, script_dir=script_dir)
        except (TypeError, ValueError, AttributeError):  # a shape the checks do not expect: the schema says which
            accounts = None
        faults = [Fault.parse(item) for item in _list(doc, "faults")]
        webhook_faults = [_webhook_fault(item) for item in _list(doc, "webhook_faults")]
        check_against_schema(resolved, built=accounts is not None)
        assert accounts is not None  # noqa: S101 - check_against_schema refuses a seed that did not build
        return cls(doc, accounts, faults, webhook_faults)

    def arm(self, faults: Faults, dispatcher: WebhookDispatcher) -> None:
        """Arm the seed's Send API faults and webhook faults."""
        for fault in self.faults:
            faults.add(fault)
        for endpoint, webhook_fault in self.webhook_faults:
            dispatcher.set_fault(endpoint, webhook_fault)


def _list(doc: JSON, key: str) -> list[object]:
    items = doc.get(key) or []
    if not isinstance(items, list):
        raise ConfigError(f"the seed's {key} must be a list (got {type(items).__name__})", path=f"$.{key}")
    return items


def _webhook_fault(item: object) -> tuple[str, WebhookFault]:
    """One ``webhook_faults`` entry; its ``ConfigError`` says it comes from the seed."""
    try:
        return WebhookFault.parse_armed(item)
    except ConfigError as exc:
        raise ConfigError(f"the seed's webhook_faults are invalid: {exc}") from exc
