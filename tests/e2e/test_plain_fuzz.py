"""The README's plain schemathesis recipe, as a user types it, reports only what README.md says it reports.

A small run (3 examples per operation, every phase) of ``tests/fuzz/plain.py`` against a real ``mockcc
serve`` with the default seed, from an empty directory (no configuration file). ``make fuzz-cli`` runs the
full size (25 examples, both commands of the recipe); README.md and ARCHITECTURE.md quote its numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml

from mockcc_contracts.launch import MockServer
from tests.fuzz import plain

REPORT = """\
 ✅  Stateful (in 9.28s)

     Scenarios:    68
     API Links:    6 covered / 10 selected / 18 total (1 inferred)

=================================== FAILURES ===================================
________ POST /api/account/{accountId}/messaging/consumer/conversation _________
1. Test Case ID: AwkKu3

- ST202 Schema-valid request rejected

    curl -X POST -H 'Authorization: [Filtered]' -d '[]' 'http://127.0.0.1:1/api/account/1/messaging/consumer/conversation?v=3'

    st replay AwkKu3

________________________________ Stateful tests ________________________________
1. Test Case ID: 57r54R

- ST202 Schema-valid request rejected

    curl -X GET http://127.0.0.1:1/_mockcc/health
    curl -X POST -H 'Content-Type: application/json' -d '{}' 'http://127.0.0.1:1/api/account/1/messaging/consumer/conversation/send?v=3'

    st replay 57r54R

==================================== ERRORS ====================================
_____ POST /api/account/{accountId}/configuration/provision/featureGrants ______
Failed Health Check

=================================== WARNINGS ===================================

Authentication failed: 2 operations returned only 401/403 responses

401 Unauthorized (2 operations):
  - POST /api/account/{accountId}/refresh
  - GET /api/account/{accountId}/service/baseURI

💡 Ensure valid authentication credentials are set via `--auth` or `-H`

Missing test data: 1 operation repeatedly returned 404 Not Found

  - GET /api/account/{accountId}/service/{serviceName}/baseURI

Test cases:
  2244 generated, 3 found 3 unique failures, 8 skipped

======================= 2 failures, 2 warnings in 38.47s =======================
"""


def test_the_report_is_read_as_a_user_reads_it() -> None:
    """The parser the measurement relies on: failures by operation (a stateful one by its last request),
    errors, the "only 401/403" list (not the missing-test-data one), and what of it README.md does not expect."""
    outcome = plain.parse("connector", REPORT, 1, 40.0)
    assert outcome.failures == [
        ("ST202", "POST /api/account/{accountId}/messaging/consumer/conversation"),
        ("ST202", "POST /api/account/{accountId}/messaging/consumer/conversation/send"),
    ]
    assert outcome.errors == ["POST /api/account/{accountId}/configuration/provision/featureGrants"]
    assert outcome.only_401 == {"POST /api/account/{accountId}/refresh", "GET /api/account/{accountId}/service/baseURI"}
    assert (outcome.generated, outcome.summary) == (2244, "2 failures, 2 warnings in 38.47s")
    assert outcome.links.startswith("6 covered")
    assert outcome.unexpected() == [
        "error: POST /api/account/{accountId}/configuration/provision/featureGrants",
        "only 401/403: GET /api/account/{accountId}/service/baseURI",
    ]


@pytest.mark.live
@pytest.mark.timeout(240)
def test_the_plain_recipe_reports_only_the_documented_400s(tmp_path: Path) -> None:
    outcomes = plain.run(3, workdir=tmp_path, scopes=["connector"])
    # the run's directory held no configuration file: only what schemathesis and hypothesis write there
    assert {path.name for path in tmp_path.iterdir()} <= {".hypothesis", ".schemathesis"}
    [connector] = outcomes
    assert connector.unexpected() == [], plain.report(outcomes)
    assert connector.summary, plain.report(outcomes)
    assert connector.generated > 0, plain.report(outcomes)


@pytest.mark.live
def test_the_logins_links_authenticate_refresh_and_logout() -> None:
    """What the stateful phase does with the document's links, done by hand: deterministic, unlike a small run.

    The login's links name the Session_id cookie (cut from Set-Cookie by schemathesis's regex extension) and the
    csrf; followed on a real login, they authenticate refresh, and then logout."""
    doc = yaml.safe_load((plain.ROOT / "schemas" / "openapi.yaml").read_text(encoding="utf-8"))
    health_links = doc["paths"]["/_mockcc/health"]["get"]["responses"]["200"]["links"]
    login_links = doc["paths"]["/api/account/{accountId}/login"]["post"]["responses"]["200"]["links"]
    with MockServer.start() as mock, httpx.Client(base_url=mock.fields["base_url"], timeout=30) as http:
        [account] = http.get("/_mockcc/health").json()["accounts"]
        login = http.post(f"/api/account/{account}/login", json=health_links["LogInAsTheAdmin"]["requestBody"])
        assert login.status_code == 200, login.text
        for name in ("RefreshTheSession", "LogOut"):
            link = login_links[name]
            expression = link["parameters"]["cookie.Session_id"]
            header, _, pattern = expression.removeprefix("$response.header.").partition("#regex:")
            [session_id] = re.findall(pattern, login.headers[header])
            assert link["requestBody"] == {"csrf": "$response.body#/csrf"}
            path = {"RefreshTheSession": "refresh", "LogOut": "logout"}[name]
            http.cookies.clear()
            answer = http.post(
                f"/api/account/{account}/{path}",
                json={"csrf": login.json()["csrf"]},
                headers={"Cookie": f"Session_id={session_id}"},
            )
            assert answer.status_code == 200, (name, answer.text)
        gone = http.post(
            f"/api/account/{account}/refresh",
            json={"csrf": login.json()["csrf"]},
            headers={"Cookie": f"Session_id={session_id}"},
        )
        assert gone.status_code == 401, gone.text  # logged out: the same cookie and csrf name no session now
        assert "log in again" in gone.text
