"""mockcc: a mock of LivePerson Conversational Cloud's Connector API, for testing connectors.

The supported surface is ``__all__``; every other module is an implementation detail. The names are
loaded on first use (PEP 562), so ``import mockcc.ids`` (say, from the contract suite) does not build the app.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what mypy and editors see; at run time ``__getattr__`` below loads them
    from mockcc.app import create_app
    from mockcc.errors import MockccError
    from mockcc.settings import Settings

    __version__: str

__all__ = ["MockccError", "Settings", "__version__", "create_app"]

#: public name -> the module that defines it
_HOMES = {"MockccError": "mockcc.errors", "Settings": "mockcc.settings", "create_app": "mockcc.app"}


def __getattr__(name: str) -> object:
    """Load a public name when it is first asked for, then keep it as an ordinary attribute."""
    if name == "__version__":
        value: object = _version()
    elif name in _HOMES:
        value = getattr(import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module 'mockcc' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _version() -> str:
    from importlib import metadata  # here, not at the top: only a caller of __version__ pays for it

    try:
        return metadata.version("mockcc")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
