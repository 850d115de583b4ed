"""The engine's pieces without processes: attribution of late calls, root causes, run order, reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from mockcc_contracts.catalogue import all_contracts, ordered
from mockcc_contracts.contract import Contract
from mockcc_contracts.evidence import describe_delivery
from mockcc_contracts.report import Report, Result
from mockcc_contracts.watch import Attribution, explain

CONV = "0c4b7e2a-0000-4000-8000-000000000001"


def call(
    id: int, status: int = 200, *, service: str = "send", request: Any = None, response: Any = None, **more: Any
) -> dict[str, Any]:
    return {
        "id": id,
        "status": status,
        "service": service,
        "method": "POST",
        "path": f"/api/account/70000001/messaging/consumer/conversation/{'send' if service == 'send' else ''}",
        "outcome": more.pop("outcome", "ok" if status < 400 else "invalid"),
        "request_body": json.dumps(request or {}),
        "response_body": json.dumps(response or {}),
        **more,
    }


def test_a_late_retry_belongs_to_the_contract_that_opened_its_conversation() -> None:
    who = Attribution()
    who.begin(1, "LP-RES-002")
    who.observe(call(1, service="conversation", response=[{"body": {"conversationId": CONV}}]))
    who.observe(call(2, 503, request={"body": {"dialogId": CONV}}, outcome="fault"))
    who.begin(3, "LP-RES-004")  # the suite reset the mock here
    late = call(
        4, 400, request={"body": {"dialogId": CONV}}, explanation={"explanation": f"dialog '{CONV}' does not exist"}
    )
    who.observe(late)
    own = call(5, 400, request={"body": {"dialogId": "another"}})
    who.observe(own)
    assert who.belongs_to_another(late)
    assert who.late[4] == "LP-RES-002"
    assert not who.belongs_to_another(own)
    assert who.refusals([late, own]) == [own]  # the late refusal is not the running contract's root cause


def test_a_refusal_is_the_root_cause_only_when_nothing_recovered_from_it() -> None:
    who = Attribution()
    who.begin(1, "LP-AUTH-002")
    expired = call(
        1, 401, outcome="rejected", explanation={"explanation": "the AppJWT expired at 5", "path": "$headers"}
    )
    renewed = [call(2, 200, service="sentinel"), call(3, 200)]
    assert who.unrecovered([expired, *renewed], grace=0) is None  # a new token, and the send went through
    assert who.unrecovered([expired], grace=60) is None  # the connector still has time to recover
    assert who.unrecovered([expired], grace=0) == expired
    armed = call(4, 503, outcome="fault")
    assert who.unrecovered([armed], grace=0) is None  # a fault the suite armed is not a refusal
    assert explain(expired).startswith("401 send POST ")
    assert "the AppJWT expired at 5 at $headers (journal #1)" in explain(expired)


def _contract(id: str, requires: tuple[str, ...] = (), moves_clock: bool = False) -> Contract:
    return Contract(id, "MUST", id, "", lambda h: None, requires=requires, moves_clock=moves_clock)


def test_prerequisites_run_first_and_clock_movers_last() -> None:
    chosen = [
        _contract("LP-RUN-001"),
        _contract("LP-AUTH-002", moves_clock=True),
        _contract("LP-CONV-003", requires=("LP-AGENT-003",)),
        _contract("LP-AGENT-003"),
        _contract("LP-DISC-001"),
    ]
    assert [c.id for c in ordered(chosen)] == [
        "LP-DISC-001",
        "LP-AGENT-003",
        "LP-CONV-003",
        "LP-AUTH-002",
        "LP-RUN-001",
    ]
    with pytest.raises(ValueError, match="circle"):
        ordered([_contract("LP-A-001", ("LP-B-001",)), _contract("LP-B-001", ("LP-A-001",))])


def test_the_real_catalogue_keeps_every_prerequisite_before_its_dependents() -> None:
    run = [c.id for c in all_contracts()]
    for c in all_contracts():
        assert all(run.index(need) < run.index(c.id) for need in c.requires), c.id
    run_wide = [cid for cid in run if cid.startswith("LP-RUN-")]
    assert run[-len(run_wide) :] == run_wide  # the checks over the whole run come last
    assert run.index("LP-AUTH-002") > max(
        run.index(c.id) for c in all_contracts() if not c.moves_clock and not c.id.startswith("LP-RUN-")
    )


def _result(id: str, level: str, outcome: str, **more: Any) -> Result:
    title = "A very long title that the table wraps but the machine reports keep whole, word for word"
    return Result(id, level, title, "why it matters", outcome, 1.0, more.pop("reason", f"{id} reason"), **more)


SETUP = [
    "journal #1 t=1.00 201 idp POST /api/account/1/consumer",
    "journal #2 t=1.00 200 conversation POST /api/account/1/conversation",
]


def _report(strict: bool = False) -> Report:
    return Report(
        [
            _result("LP-AGENT-003", "MUST", "fail", setup=SETUP, output=["conn: closed event dropped"]),
            _result(
                "LP-CONV-003",
                "MUST",
                "blocked",
                reason="blocked by LP-AGENT-003: no close",
                blocked_by="LP-AGENT-003",
                setup=[s.replace("#1", "#7").replace("#2", "#8") for s in SETUP],
            ),
            _result("LP-CONV-005", "SHOULD", "fail", reason="no typing"),
            _result("LP-CONV-001", "MUST", "pass"),
        ],
        {},
        3.0,
        strict=strict,
    )


def test_junit_shows_should_and_blocked_as_skipped_unless_strict(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    _report().write_junit(path)
    suite = ET.parse(path).getroot()  # noqa: S314 - our own file
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("1", "0", "2")
    cases = {c.get("name", "").split()[0]: c for c in suite.iter("testcase")}
    assert cases["LP-AGENT-003"].find("failure") is not None
    assert "word for word" in str(cases["LP-AGENT-003"].get("name"))  # the whole title
    assert "conn: closed event dropped" in str(cases["LP-AGENT-003"].findtext("system-out"))
    blocked = cases["LP-CONV-003"].find("skipped")
    assert blocked is not None
    assert str(blocked.get("message")).startswith("blocked by LP-AGENT-003")
    should = cases["LP-CONV-005"].find("skipped")
    assert should is not None
    assert should.get("message") == "SHOULD not met: no typing"
    verdicts = {p.get("name"): p.get("value") for p in cases["LP-CONV-005"].iter("property")}
    assert verdicts == {"level": "SHOULD", "verdict": "fail"}
    assert _report().exit_code == 1  # the MUST

    _report(strict=True).write_junit(path)
    suite = ET.parse(path).getroot()  # noqa: S314
    assert (suite.get("failures"), suite.get("skipped")) == ("2", "1")
    only_should = Report([_result("LP-CONV-005", "SHOULD", "fail")], {}, 1.0)
    assert only_should.exit_code == 0
    assert Report(only_should.results, {}, 1.0, strict=True).exit_code == 1


def test_the_table_wraps_titles_and_shows_a_repeated_set_up_once() -> None:
    table = _report().table()
    assert "word for word" in table  # wrapped onto a second line, not cut
    assert table.count("201 idp POST") == 1
    assert "set-up: the same 2 calls as LP-AGENT-003" in table
    assert "| conn: closed event dropped" in table
    assert "1 blocked" in table
    assert "1 SHOULD not met" in table
    assert "None" not in table


def test_a_delivery_line_never_says_none() -> None:
    line = describe_delivery(
        {
            "id": 1,
            "event_key": "cqm.ExConversationChangeNotification",
            "conversation_id": CONV,
            "sequence": None,
            "attempt": 1,
            "status": None,
            "outcome": "failed",
            "latency_ms": None,
            "error": "ConnectError",
        }
    )
    assert "None" not in line
    assert (
        line == f"delivery #1 ExConversationChangeNotification conv={CONV} attempt 1: no answer failed (ConnectError)"
    )
