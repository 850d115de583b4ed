"""One-line descriptions of journal calls, webhook deliveries and channel items, for reports."""

from __future__ import annotations

import json
from typing import Any

from mockcc_contracts.driver import Received

JSON = dict[str, Any]


def _request_summary(body: str) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return ""
    parts = []
    for item in doc if isinstance(doc, list) else [doc]:
        if not isinstance(item, dict) or "type" not in item:
            continue
        raw = item.get("body")
        body_obj: JSON = raw if isinstance(raw, dict) else {}
        raw_event = body_obj.get("event")
        event: JSON = raw_event if isinstance(raw_event, dict) else {}
        detail = str(event.get("type", ""))
        if "message" in event:
            detail += f" {str(event['message'])[:40]!r}"
        elif "chatState" in event:
            detail += f" {event['chatState']}"
        elif "status" in event:
            detail += f" {event['status']} {event.get('sequenceList')}"
        parts.append(f"{item['type']}{' ' + detail if detail else ''}")
    return "; ".join(parts)


def describe_call(call: JSON) -> str:
    """``journal #12 200 send POST /api/.../send ms.PublishEvent ContentEvent 'hi'``, with outcome and fault."""
    summary = (
        _request_summary(call.get("request_body") or "") if call.get("service") in ("send", "conversation") else ""
    )
    tail = ""
    if call.get("outcome") not in (None, "ok"):
        tail = f" [{call['outcome']}{': ' + str(call['fault']) if call.get('fault') else ''}]"
        explanation = call.get("explanation") or {}
        if explanation.get("explanation"):
            tail += f" {str(explanation['explanation'])[:100]}"
    status = call.get("status") or "no answer"  # the disconnect fault: the connection closed unanswered
    return (
        f"journal #{call.get('id')} t={call.get('at', 0):.2f} {status} {call.get('service')} "
        f"{call.get('method')} {call.get('path')} {summary}{tail}"
    ).rstrip()


def describe_delivery(d: JSON) -> str:
    """``delivery #3 ContentEvent conv=... seq=2 attempt 1: 200 delivered in 3 ms``; what a delivery lacks (a
    conversation change has no sequence, a refused connection no status) is left out, never shown as None."""
    key = str(d.get("event_key", "")).split(".")[-1]
    latency = f" in {d['latency_ms']:.0f} ms" if isinstance(d.get("latency_ms"), int | float) else ""
    error = f" ({d['error']})" if d.get("error") else ""
    conversation = f" conv={d['conversation_id']}" if d.get("conversation_id") is not None else ""
    sequence = f" seq={d['sequence']}" if d.get("sequence") is not None else ""
    status = f" {d['status']}" if d.get("status") else " no answer"
    return (
        f"delivery #{d.get('id')} {key}{conversation}{sequence} attempt {d.get('attempt')}:{status} "
        f"{d.get('outcome')}{latency}{error}"
    )


def describe_received(r: Received) -> str:
    extra = {
        k: v for k, v in r.raw.items() if k not in ("n", "at", "from", "type", "consumerId", "conversationId", "text")
    }
    text = f" {r.text!r}" if r.text is not None else ""
    return f"{r.kind}{text} {json.dumps(extra, ensure_ascii=False)[:120] if extra else ''}".rstrip()
