"""mockcc: a mock of LivePerson Conversational Cloud's Connector API, for testing connectors.

The supported surface is ``__all__``; every other module is an implementation detail.
"""

from __future__ import annotations

from importlib import metadata

from mockcc.app import create_app
from mockcc.errors import MockccError
from mockcc.settings import Settings

try:
    __version__ = metadata.version("mockcc")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["MockccError", "Settings", "__version__", "create_app"]
