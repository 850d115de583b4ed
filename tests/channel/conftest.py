"""The channel simulator's end-to-end tests run against the same mock processes as the connector's."""

from tests.connector_ref.conftest import live_mock, stack  # noqa: F401 - fixtures, re-exported for pytest
