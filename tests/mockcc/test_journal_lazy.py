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
