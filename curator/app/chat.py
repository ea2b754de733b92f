"""Showing untrusted conversation text: neutralised markdown in chat bubbles, JSON as code.

Conversation text is data. Every character markdown, HTML, LaTeX, emoji shortcodes or
autolinks could act on is backslash-escaped, so ``<script>`` shows as text and
``![x](http://evil/x.png)`` loads nothing; tool arguments go to st.code, which never renders.
"""

from __future__ import annotations

import difflib
import json
import re

import streamlit as st

from curator.models import Message, Role

# ASCII punctuation markdown may act on; ':' and '/' break autolinks and :shortcodes:,
# '$' LaTeX, '&' HTML entities, '=' and '-' setext headings and rules.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:/&=$%^\"'])")
_AVATARS = {
    Role.USER: ":material/person:",
    Role.ASSISTANT: ":material/smart_toy:",
    Role.SYSTEM: ":material/settings:",
    Role.DEVELOPER: ":material/settings:",
    Role.TOOL: ":material/build:",
    Role.FUNCTION: ":material/build:",
}


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


def message(msg: Message, *, label: str | None = None) -> None:
    """One message as a chat bubble."""
    with st.chat_message(msg.role.value, avatar=_AVATARS.get(msg.role)):
        title = label or msg.role.value + (f" · {msg.name}" if msg.name else "")
        st.caption(plain(title))
        if msg.text:
            st.markdown(plain(msg.text))
        if isinstance(msg.content, list):
            others = [p.type for p in msg.content if p.text is None]
            if others:
                st.caption(plain(f"{len(others)} non-text part(s) not shown: {', '.join(others)}"))
        for call in msg.tool_calls or []:
            st.markdown("**Tool call** " + plain(call.function.name))
            st.code(pretty_arguments(call.function.arguments), language="json")
        if msg.function_call:
            st.code(json.dumps(msg.function_call, indent=2, ensure_ascii=False), language="json")
        if msg.tool_call_id:
            st.caption(plain(f"result of tool call {msg.tool_call_id}"))


def unified_diff(before: list[Message], after: list[Message]) -> str:
    """A unified diff of two message lists, message by message (empty when equal)."""
    def lines(msgs: list[Message]) -> list[str]:
        out: list[str] = []
        for i, m in enumerate(msgs, 1):
            out.append(f"## message {i} ({m.role.value})")
            out.extend(m.text.split("\n"))
        return out

    diff = difflib.unified_diff(lines(before), lines(after), fromfile="original", tofile="edited", lineterm="")
    return "\n".join(diff)
