"""The journal entry is built when read: what it shows is what an eager entry showed (redacted, then cut),
every field is there, and no body is held past the journal's bound."""

from __future__ import annotations

from dataclasses import fields

from mockcc.journal import BODY_PREVIEW, LAZY_BODY, TEXT_KEPT, Call, Journal, preview


def _call(journal: Journal, query: str = "") -> Call:
    return journal.open(at=0.0, method="POST", path="/p", query=query, service="send", account_id="1", headers=())


def test_as_dict_shows_every_field_of_the_entry():
    call = _call(Journal())
    shown = call.as_dict()
    public = {f.name for f in fields(Call) if not f.name.startswith("_")}
    assert public | {"query", "request_body", "response_body"} == set(shown)


def test_what_is_read_later_is_what_was_redacted_at_once():
    journal = Journal()
    secret = b'{"client_secret":"s3cr3t-value","token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"}'
    call = _call(journal, query="client_secret=abc&v=1")
    call.keep_request_body(secret)
    call.keep_response_body(b'{"access_token":"abcdefghijklmnop"}')
    shown = call.as_dict()
    assert shown["request_body"] == preview(secret)
    assert "s3cr3t" not in shown["request_body"]
    assert "abcdefghijklmnop" not in shown["response_body"]
    assert "abc" not in shown["query"]


def test_a_long_body_or_query_is_redacted_and_cut_at_once():
    call = _call(Journal(), query="a=" + "x" * (3 * TEXT_KEPT))
    big = b'{"password":"p","pad":"' + b"y" * LAZY_BODY + b'"}'
    call.keep_request_body(big)
    assert isinstance(call._request, str)
    assert len(call._request.encode()) <= BODY_PREVIEW
    assert call._raw_query == ""
    assert len(call.query) <= TEXT_KEPT + 1


def _answered(journal: Journal, service: str = "send", **fields: object) -> Call:
    call = journal.open(
        at=1.5,
        method="POST",
        path="/api/account/1/x",
        query="v=3&client_secret=abc",
        service=service,
        account_id="1",
        headers=[(b"Authorization", b"Bearer eyJsecret.token.value"), (b"x-a", b"1"), (b"x-a", b"2")],
    )
    call.keep_request_body(b'{"token":"abcdefghijklmnop"}')
    call.keep_response_body(b'{"code":"OK"}')
    for name, value in fields.items():
        setattr(call, name, value)
    journal.announce(call)
    return call


def test_an_answered_call_reads_back_whole_and_the_collector_stops_tracking_it():
    import gc

    journal = Journal()
    plain = _answered(journal, status=200, latency_ms=0.4)
    refused = _answered(
        journal,
        status=400,
        outcome="invalid",
        explanation={"explanation": "bad", "path": "$.body", "rule": "enum", "expected": ["a", "b"]},
        fault="400",
        warnings=("w1", "w2"),
        lenient=("no Content-Type",),
    )
    gc.collect()
    rows = list(journal._calls)
    assert all(not isinstance(row, Call) and not gc.is_tracked(row) for row in rows)
    assert [c.as_dict() for c in journal.query()] == [plain.as_dict(), refused.as_dict()]
    assert [c.id for c in journal.query(outcome="invalid")] == [refused.id]
    assert [c.id for c in journal.query(since_id=plain.id)] == [refused.id]


def test_a_call_still_being_answered_is_shown_and_filtered_beside_the_rows():
    journal = Journal()
    done = _answered(journal, status=200)
    pending = journal.open(at=2.0, method="POST", path="/p", query="", service="idp", account_id="2", headers=())
    assert [c.id for c in journal.query()] == [done.id, pending.id]
    assert journal.query(service="idp") == [pending]  # the live object, until it is answered
    pending.status = 201
    journal.announce(pending)
    [shown] = journal.query(service="idp")
    assert shown is not pending
    assert shown.as_dict() == pending.as_dict()
