"""Message shapes the trainers other than OpenAI's expect: text content, no OpenAI-only keys."""

from __future__ import annotations

from typing import Any

_KEEP = ("role", "content", "name", "tool_calls", "tool_call_id")


def content_text(content: Any) -> str:
    """A message's content as one string: text parts joined by newlines; null becomes ""."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("text"))


def plain_message(message: dict[str, Any]) -> dict[str, Any]:
    """One message with string content (Arrow needs one type per column) and no OpenAI 'weight'."""
    out = {k: message[k] for k in _KEEP if k in message}
    out["content"] = content_text(message.get("content"))
    return out


def plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [plain_message(m) for m in messages]
