"""Schemathesis drives the mock from schemas/openapi.yaml: never a 500, every answer as documented.

`make test` runs a short pass (FUZZ_EXAMPLES, default 12 per operation); `make fuzz` a deep one.
Generated requests carry real tokens and the seeded account, so they reach validation and the rules
instead of stopping at authentication.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from mockcc.app import create_app
from mockcc.clock import Clock
from mockcc.schemas import schema_root
from mockcc.settings import Settings
from tests.conftest import ACCOUNT, LP, quiet_seed
from tests.fuzz.same_thread import SameThreadClient

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
#: make test's short pass draws the same examples every run, with no example database: a fresh clone's CI
#: and a developer's next run agree, and no stored example carries one run's failure into every later
#: one (a rare schemathesis InvalidSchema on one operation, drawn once, failed each run after until
#: .hypothesis/ was removed). make fuzz (FUZZ_EXAMPLES set) explores anew each time and keeps its database.
REPEATABLE = "FUZZ_EXAMPLES" not in os.environ
PASS = settings(derandomize=True, database=None) if REPEATABLE else settings()

app = create_app(
    # public_host: schemathesis sends Host: testserver, which must be a name the mock serves (mockcc/guard.py)
    Settings(seed_doc=quiet_seed(), random_seed=1, journal_limit=1_000_000, public_host="testserver"),
    clock=Clock(start=1_700_000_000.0, frozen=True),
)
# The control plane can arm faults by design (a 500 on the next SEND); it is fuzzed against its own mock,
# so the faults it arms never reach the LivePerson surface's cases.
CONTROL = "^/(_mockcc/|openapi\\.json)"
control_app = create_app(
    Settings(seed_doc=quiet_seed(), random_seed=1), clock=Clock(start=1_700_000_000.0, frozen=True)
)
schema = schemathesis.openapi.from_path(schema_root() / "openapi.yaml").exclude(path_regex=CONTROL)
schema.app = app
# The event stream (tag stream) never ends by itself: a case would wait on it forever; tests/console covers it.
control = (
    schemathesis.openapi.from_path(schema_root() / "openapi.yaml").include(path_regex=CONTROL).exclude(tag="stream")
)
control.app = control_app


@pytest.fixture(scope="module")
def client() -> Iterator[SameThreadClient]:
    """The LivePerson surface's mock, called on this thread (tests/fuzz/same_thread.py says why)."""
    with SameThreadClient(app) as session:
        yield session


@pytest.fixture(scope="module")
def control_client() -> Iterator[SameThreadClient]:
    with SameThreadClient(control_app) as session:
        yield session


@pytest.fixture(scope="module")
def credentials(client: SameThreadClient) -> dict[str, dict[str, str]]:
    """Real tokens: the Send API pair, and an admin bearer for App Installation."""
    send_api = LP(client).headers("fuzz-consumer")  # type: ignore[arg-type]  # requests' API, as LP uses it
    login = client.post(f"/api/account/{ACCOUNT}/login", json={"username": "admin", "password": "mockcc-admin"})
    return {"send": send_api, "admin": {"Authorization": "Bearer " + login.json()["bearer"]}}


@schema.parametrize()
@settings(PASS, max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_mock_answers_every_request_as_documented(case, client, credentials):
    if "accountId" in (case.path_parameters or {}):
        case.path_parameters["accountId"] = ACCOUNT
    kind = (
        "admin" if "/configuration/" in case.operation.path or "/messaging_history/" in case.operation.path else "send"
    )
    headers = {**(case.headers or {}), **credentials[kind]}  # real tokens win, so cases get past auth
    case.call_and_validate(
        session=client,
        headers=headers,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    # A generated grants POST (overrideAll=true) can turn Async Messaging off; keep the Send API reachable.
    app.state.mock.accounts[ACCOUNT].feature_grants = {"Common.Async_Messaging": True}


@control.parametrize()
@settings(PASS, max_examples=max(3, EXAMPLES // 2), deadline=None, suppress_health_check=list(HealthCheck))
def test_the_control_plane_answers_every_request_as_documented(case, control_client):
    if "accountId" in (case.path_parameters or {}):
        case.path_parameters["accountId"] = ACCOUNT
    case.call_and_validate(
        session=control_client, checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
    )


def test_the_fuzzer_reached_every_service():
    """Runs after the fuzz cases (same module): the journal proves they hit the mock, not a stub."""
    services = {call.service for call in app.state.mock.journal.query()}
    assert {
        "csds",
        "sentinel",
        "idp",
        "conversation",
        "send",
        "appinstall",
        "agentvep",
        "accountconfig",
        "msghist",
    } <= services
