"""``/_mockcc/state`` lists consumers and conversations a page at a time, so its cost does not grow with the
population (a mock holding a million events still answers it in milliseconds: `make bench` measures that)."""

from __future__ import annotations

from tests.conftest import LP


def test_state_pages_consumers_and_conversations_with_their_totals(client, lp: LP):
    opened = [lp.open(f"page-{i}") for i in range(5)]
    whole = client.get("/_mockcc/state").json()
    account = whole["accounts"][0]
    assert whole["page"] == {"offset": 0, "limit": 100}
    assert account["conversations_total"] == 5
    assert [c["convId"] for c in account["conversations"]] == opened  # oldest first
    page = client.get("/_mockcc/state", params={"offset": 1, "limit": 2}).json()["accounts"][0]
    assert [c["convId"] for c in page["conversations"]] == opened[1:3]
    assert page["conversations_total"] == 5
    consumers = [c["ext_consumer_id"] for c in account["consumers"]]
    assert [c["ext_consumer_id"] for c in page["consumers"]] == consumers[1:3]
    assert page["consumers_total"] == len(consumers)


def test_the_default_page_is_bounded_and_a_page_past_the_most_is_refused(client, lp: LP):
    for i in range(103):
        lp.open(f"many-{i}")
    account = client.get("/_mockcc/state").json()["accounts"][0]
    assert len(account["conversations"]) == 100
    assert account["conversations_total"] == 103
    assert len(client.get("/_mockcc/state", params={"offset": 100}).json()["accounts"][0]["conversations"]) == 3
    refused = client.get("/_mockcc/state", params={"limit": 1001})
    assert refused.status_code == 400
    assert refused.json()["mockcc"]["rule"] == "maximum"
