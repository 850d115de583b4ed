"""A brand's bot on the brand socket answers a brand's connector, end to end over real sockets.

The mock (``mockcc serve``), ``connector_ref`` and the channel simulator, and a bot written from
LivePerson's docs (``tests/sockets/ums.AgentBot``, the notes' §4 "minimal agent bot"): the consumer
writes on the channel, the connector opens the conversation through the Send API, the bot is rung,
accepts, reads, answers; the consumer hears it through the connector's webhooks; the bot transfers,
is rung again, closes, and resumes with the consumer. The seed's echo agent stays silent all along,
and answers again once no socket agent is ONLINE.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.connector_ref.stack import MockProcess, Stack, wait_until
from tests.sockets.ums import AgentBot

pytestmark = pytest.mark.live


def test_the_docs_minimal_bot_flow_against_connector_ref(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="echo")
    bot = AgentBot(live_mock.url, live_mock.http, live_mock.fields["account_id"])
    try:
        bot.start()
        s.say("sam", "hi, I need help")
        ring = bot.next_ring()
        conversation = ring["conversationId"]
        assert ring["ringsDetails"][0]["ringExpiration"] == 72_000
        bot.accept(ring)
        s.wait_for("sam", "agent_joined")
        replay = bot.ok(".ams.ms.QueryMessages", {"dialogId": conversation, "newerThanSequence": 0})
        assert replay["type"] == ".ams.ms.QueryMessages$Response"
        [hello] = [c for c in replay["body"] if c["event"].get("message") == "hi, I need help"]
        assert hello["originatorPId"] == hello["originatorId"]
        assert hello["originatorMetadata"]["role"] == "CONSUMER"
        bot.answer(conversation, hello["sequence"], "Hello from the bot")
        wait_until(lambda: s.agent_texts("sam") == ["Hello from the bot"], what="the bot's answer on the channel")
        view = live_mock.agent_view(conversation)
        assert [m["accepted"] is not None for m in view["messages"] if m.get("role") == "ASSIGNED_AGENT"] in (
            [],
            [True],
            [False],
        )

        # the bot's message reached the connector's webhooks like any agent message: same shape, its pid
        deliveries = [d for d in live_mock.deliveries() if d["event_key"].endswith("ContentEvent")]
        bot_text = next(d for d in deliveries if "Hello from the bot" in d["body"])
        assert bot.pid in bot_text["body"]

        # transfer to a skill: the agent leaves, the conversation rings again, the bot takes it back
        s.say("sam", "please transfer me")
        bot.wait_text(conversation, "please transfer me")
        fields = [
            {"field": "ParticipantsChange", "type": "REMOVE", "role": "ASSIGNED_AGENT"},
            {"field": "Skill", "type": "UPDATE", "skill": "-1"},
        ]
        assert (
            bot.ok(".ams.cm.UpdateConversationField", {"conversationId": conversation, "conversationField": fields})[
                "body"
            ]
            == "OK Agent removed successfully"
        )
        again = bot.next_ring(2)
        assert again["conversationId"] == conversation
        bot.accept(again)
        s.wait_for("sam", "agent_joined", 2)

        # close, then resume: a new conversation with the same consumer, the bot assigned
        close = {"field": "ConversationStateField", "conversationState": "CLOSE"}
        assert (
            bot.ok(".ams.cm.UpdateConversationField", {"conversationId": conversation, "conversationField": close})[
                "body"
            ]
            == "OK Conversation resolved successfully"
        )
        s.wait_for("sam", "closed")
        resumed = bot.ok(".ams.cm.AgentRequestConversation", {"consumerId": ring["consumerId"]})["body"][
            "conversationId"
        ]
        assert resumed != conversation
        bot.ok(".ams.ms.SubscribeMessagingEvents", {"dialogId": resumed, "fromSeq": 0})
        bot.ok(
            ".ams.ms.PublishEvent",
            {
                "dialogId": resumed,
                "event": {"type": "ContentEvent", "contentType": "text/plain", "message": "Your refund went through"},
            },
        )
        s.wait_for("sam", "resumed")
        wait_until(
            lambda: s.agent_texts("sam")[-1:] == ["Your refund went through"], what="the resumed conversation's text"
        )
        assert "hi, I need help" not in s.agent_texts("sam")  # the echo agent stood aside throughout
    finally:
        bot.close()

    # no socket agent ONLINE any more: the seeded echo agent answers, as before
    s.say("ola", "echo me")
    wait_until(lambda: s.agent_texts("ola") == ["echo me"], what="the echo agent's answer")
