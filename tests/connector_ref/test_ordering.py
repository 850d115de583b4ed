"""The reorder buffer on its own."""

from __future__ import annotations

from connector_ref.ordering import Sequencer


def test_in_order_passes_straight_through() -> None:
    order: Sequencer[str] = Sequencer()
    order.start("d")
    assert [order.offer("d", i, f"e{i}") for i in range(3)] == [["e0"], ["e1"], ["e2"]]
    assert not order.waiting("d")


def test_gaps_hold_until_filled() -> None:
    order: Sequencer[str] = Sequencer()
    order.start("d")
    assert order.offer("d", 2, "e2") == []
    assert order.offer("d", 1, "e1") == []
    assert order.waiting("d")
    assert order.offer("d", 0, "e0") == ["e0", "e1", "e2"]
    assert not order.waiting("d")


def test_own_sequences_fill_gaps() -> None:
    order: Sequencer[str] = Sequencer()
    order.start("d")
    assert order.offer("d", 1, "agent") == []
    assert order.note("d", 0)  # our own text's SEND answer said 0: "agent" may go now
    assert order.ready("d") == ["agent"]
    assert order.offer("d", 2, "next") == ["next"]
    assert not order.note("d", 1)  # already past


def test_note_then_event_in_order() -> None:
    order: Sequencer[str] = Sequencer()
    order.start("d")
    assert not order.note("d", 0)
    assert not order.note("d", 2)
    assert order.offer("d", 1, "e1") == ["e1"]
    assert order.offer("d", 3, "e3") == ["e3"]  # 2 was accounted for
    assert order.offer("d", 0, "echo of 0") == ["echo of 0"]  # behind: handled at once


def test_give_up_releases_in_order_and_moves_on() -> None:
    order: Sequencer[str] = Sequencer()
    order.start("d")
    order.offer("d", 5, "e5")
    order.offer("d", 3, "e3")
    assert order.give_up("d") == ["e3", "e5"]
    assert order.offer("d", 6, "e6") == ["e6"]
    assert order.give_up("d") == []


def test_unknown_start_numbers_from_the_first_event() -> None:
    order: Sequencer[str] = Sequencer()
    assert order.offer("x", 7, "e7") == ["e7"]
    assert order.offer("x", 9, "e9") == []
    assert order.offer("x", 8, "e8") == ["e8", "e9"]
