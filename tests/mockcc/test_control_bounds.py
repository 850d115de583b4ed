"""The control plane's bounds are in its document, and no number a pattern admits breaks a page query."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from tests.fuzz.plain import ROOT


def _openapi() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "schemas" / "openapi.yaml").read_text(encoding="utf-8"))
    return doc


def test_a_page_offset_of_any_length_is_a_page_not_an_error(client) -> None:
    """The pattern admits any digits; Python's int() refuses over 4300 of them: an empty page, not a 500."""
    for offset in ("9" * 5000, "0" * 5000 + "1", "18446744073709551616"):
        r = client.get("/_mockcc/state", params={"offset": offset})
        assert r.status_code == 200, r.text
        assert all(account["consumers"] == [] for account in r.json()["accounts"])
    assert client.get("/_mockcc/journal", params={"since_id": "9" * 5000}).json()["calls"] == []


def test_the_state_page_limit_is_bounded_in_the_document_as_in_the_mock(client) -> None:
    [limit] = [p for p in _openapi()["paths"]["/_mockcc/state"]["get"]["parameters"] if p["name"] == "limit"]
    pattern = limit["schema"]["pattern"]
    for value, served in (("1000", True), ("0001000", True), ("7", True), ("1001", False), ("99999", False)):
        assert bool(jsonschema.Draft202012Validator({"pattern": pattern}).is_valid(value)) is served
        status = client.get("/_mockcc/state", params={"limit": value}).status_code
        assert status == (200 if served else 400), value


@pytest.mark.parametrize(
    ("fault", "accepted"),
    [
        ({"kind": "401", "error_code": 40103}, True),
        ({"kind": "401"}, True),
        ({"kind": "500", "error_code": 40102}, False),
        ({"kind": "delay", "error_code": 40103}, False),
    ],
)
def test_error_code_only_with_kind_401_in_the_document_as_in_the_mock(client, fault, accepted) -> None:
    schema = _openapi()["components"]["schemas"]["Fault"]
    assert jsonschema.Draft202012Validator(schema).is_valid(fault) is accepted
    r = client.post("/_mockcc/faults", json=fault)
    assert r.status_code == (201 if accepted else 400), r.text
    client.delete("/_mockcc/faults")
