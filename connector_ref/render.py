"""Agent content the channel cannot show natively, flattened to text.

A plain-text channel (SMS and the like) cannot render structured content, quick replies or hosted
files; dropping them would leave the consumer with a gap in the conversation, so each becomes a
readable text fallback: texts in order, buttons and quick replies as ``[title]``, links as URLs.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
MAX_DEPTH = 20


def _element(element: object, out: list[str], depth: int) -> None:
    if not isinstance(element, dict) or depth > MAX_DEPTH:
        return
    kind = element.get("type")
    if isinstance(element.get("elements"), list):  # vertical, horizontal, carousel
        for child in element["elements"]:
            _element(child, out, depth + 1)
    elif kind == "text" and isinstance(element.get("text"), str):
        out.append(element["text"])
    elif kind == "button" and isinstance(element.get("title"), str):
        out.append(f"[{element['title']}]" + _link(element))
    elif kind == "image":
        caption = element.get("caption") or "image"
        out.append(f"({caption}) {element.get('url', '')}".rstrip())
    elif kind == "linkPreview":
        out.append(f"{element.get('title', '')} {element.get('url', '')}".strip())
    elif kind == "map":
        out.append(f"(map {element.get('la')},{element.get('lo')})")
    if kind == "quickReplies" or isinstance(element.get("replies"), list):
        _quick_replies(element, out)


def _link(element: JSON) -> str:
    click = element.get("click")
    actions = click.get("actions") if isinstance(click, dict) else None
    for action in actions if isinstance(actions, list) else []:
        if isinstance(action, dict) and action.get("type") == "link" and action.get("uri"):
            return f" {action['uri']}"
    return ""


def _quick_replies(quick: object, out: list[str]) -> None:
    replies = quick.get("replies") if isinstance(quick, dict) else None
    titles = [r["title"] for r in replies or [] if isinstance(r, dict) and isinstance(r.get("title"), str)]
    if titles:
        out.append(" ".join(f"[{t}]" for t in titles))


def rich_content(content: object) -> str:
    """Structured content (``RichContentEvent.content``) as lines of text."""
    out: list[str] = []
    _element(content, out, 0)
    return "\n".join(line for line in out if line) or "(rich content)"


def content_event(event: JSON) -> tuple[str, bool]:
    """A ContentEvent as (text, is_fallback): plain text verbatim, everything else flattened."""
    content_type = event.get("contentType", "text/plain")
    message = event.get("message")
    if content_type == "text/plain" and isinstance(message, str):
        lines = [message]
        fallback = False
    elif content_type == "hosted/file" and isinstance(message, dict):
        caption = message.get("caption") or "file"
        lines = [f"({caption}) [{message.get('fileType', 'file')} file]"]
        fallback = True
    elif isinstance(message, dict):  # secure forms, external files
        title = message.get("title") or message.get("caption") or content_type
        lines = [f"({title})"]
        fallback = True
    else:
        lines = [str(message) if message is not None else f"({content_type})"]
        fallback = True
    if "quickReplies" in event:
        _quick_replies(event["quickReplies"], lines)
        fallback = True
    return "\n".join(lines), fallback


def agent_message(event: JSON, sequence: object, role: object) -> JSON:
    """The channel's ``text`` event for an agent ContentEvent or RichContentEvent."""
    if event.get("type") == "RichContentEvent":
        text, fallback = rich_content(event.get("content")), True
    else:
        text, fallback = content_event(event)
    out: JSON = {"type": "text", "text": text, "sequence": sequence, "fallback": fallback, "role": role}
    if fallback:
        out["content"] = event.get("content", event.get("message"))
    return out
