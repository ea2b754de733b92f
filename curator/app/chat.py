"""Showing untrusted text: the one conversation renderer every page uses, and plain markdown.

Conversation text is data. The renderer (curator/app/components/card.js) only ever makes text
nodes of it, so ``<script>`` shows as text and ``![x](http://evil/x.png)`` loads nothing; what
goes to Streamlit's markdown (names, rule titles) passes through ``plain`` first.
"""

from __future__ import annotations

import json
import re
from typing import Any

from curator.models import SYSTEM_ROLES, Example, Message

# ASCII punctuation markdown may act on; ':' and '/' break autolinks and :shortcodes:,
# '$' LaTeX, '&' HTML entities, '=' and '-' setext headings and rules.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:/&=$%^\"'])")


def plain(text: str) -> str:
    """Markdown that displays ``text`` literally: nothing in it is interpreted."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    # Keep the author's line breaks (markdown would join lines) and leading indentation.
    lines = [re.sub(r"^( +)", lambda m: "&nbsp;" * len(m.group(1)), line) for line in escaped.split("\n")]
    return "  \n".join(lines)


def pretty_arguments(arguments: str) -> str:
    """Tool-call arguments as indented JSON (as sent, if they are not valid JSON)."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def message_data(msg: Message) -> dict[str, Any]:
    """One message as the renderer draws it: role, name, text, tool calls, as plain strings."""
    others = [p.type for p in msg.content if p.text is None] if isinstance(msg.content, list) else []
    return {
        "role": msg.role.value,
        "name": msg.name,
        "text": msg.text,
        "other_parts": f"{len(others)} non-text part(s) not shown: {', '.join(others)}" if others else None,
        "tool_calls": [{"name": c.function.name, "arguments": pretty_arguments(c.function.arguments)} for c in msg.tool_calls or []],
        "function_call": json.dumps(msg.function_call, indent=2, ensure_ascii=False) if msg.function_call else None,
        "tool_call_id": msg.tool_call_id,
    }


def conversation_data(example: Example) -> dict[str, Any]:
    """The whole conversation for the renderer: system prompt, tool definitions, turns, rejected."""
    turns = [m for m in example.messages if m.role not in SYSTEM_ROLES]
    final = example.final_reply
    final_index = next((i for i in range(len(turns) - 1, -1, -1) if turns[i] is final), None) if final is not None else None
    return {
        "system": [m.text for m in example.messages if m.role in SYSTEM_ROLES],
        "tools": json.dumps(example.tools, indent=2, ensure_ascii=False) if example.tools else None,
        "tools_count": len(example.tools or []),
        "messages": [message_data(m) for m in turns],
        "final_index": final_index,
        "rejected": message_data(example.rejected) if example.rejected is not None else None,
    }


def conversation(example: Example, *, key: str) -> None:
    """Draw a conversation (read-only) with the one renderer."""
    from curator.app import components

    components.view(conversation_data(example), key=key)


def cluster_data(preview: Any) -> dict[str, Any]:
    """A cluster preview (curator.services.cluster_decisions) as the renderer draws it."""
    return {
        "text": preview.text,
        "size": len(preview.members) + preview.more + 1,
        "more": preview.more,
        "members": [{"example_id": m.example_id, "seq": m.seq, "kind": m.kind, "similarity": m.similarity,
                     "status": m.status, "why": m.why, "text": m.text} for m in preview.members],
    }
