"""Identifiers shaped like LivePerson's: UUIDs, 64-hex consumer ids, 26-char app secrets.

All randomness in the mock comes from one seedable ``Ids`` so a seeded run repeats exactly.
"""

from __future__ import annotations

import hashlib
import random
import string
import uuid

_SECRET_ALPHABET = string.ascii_lowercase + string.digits


class Ids:
    """Makes every id the mock hands out; seed it for repeatable runs."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)  # noqa: S311 - ids of a mock, not secrets

    def uuid(self) -> str:
        """A version-4 UUID string (conversation ids, agent ids, client ids)."""
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def secret(self) -> str:
        """An app-installation client secret: 26 lowercase letters and digits, like LivePerson's."""
        return "".join(self._random.choice(_SECRET_ALPHABET) for _ in range(26))

    def hex(self, length: int) -> str:
        """``length`` lowercase hex characters (file-sharing signatures)."""
        return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def short(self) -> str:
        """A 22-char url-safe id, the shape of a POST_SURVEY dialog id (``PwT_YK91Sum3vu5H6T3YnA``)."""
        return "".join(self._random.choice(string.ascii_letters + string.digits + "_-") for _ in range(22))


def lp_consumer_id(account_id: str, ext_consumer_id: str) -> str:
    """The 64-hex consumer participant id: stable for the same account and external consumer id."""
    return hashlib.sha256(f"{account_id}\x00{ext_consumer_id}".encode()).hexdigest()
