"""Showing untrusted conversation text safely: plain text in chat bubbles, never HTML or markdown."""

from __future__ import annotations

import json

import streamlit as st

from curator.app.chat import plain
from curator.models import Example, Message, Role

_AVATARS = {Role.USER: "user", Role.ASSISTANT: "assistant"}


def message(msg: Message, *, label: str | None = None) -> None:
    """One message as a chat bubble; its text is plain text (st.text parses no markdown/HTML)."""
    with st.chat_message(_AVATARS.get(msg.role, msg.role.value)):
        st.caption(plain(label or msg.role.value + (f" · {msg.name}" if msg.name else "")))
        if msg.text:
            st.text(msg.text)
        for call in msg.tool_calls or []:
            st.caption(plain(f"tool call {call.function.name}"))
            st.code(_pretty(call.function.arguments), language="json")
        if msg.function_call:
            st.code(json.dumps(msg.function_call, indent=2, ensure_ascii=False), language="json")
        if msg.tool_call_id:
            st.caption(plain(f"result of {msg.tool_call_id}"))


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def conversation(example: Example) -> None:
    """The whole conversation: system prompts folded, then the turns, then any rejected reply."""
    system = [m for m in example.messages if m.role in (Role.SYSTEM, Role.DEVELOPER)]
    if system:
        with st.expander("System prompt", expanded=False):
            for m in system:
                st.text(m.text)
    for m in example.messages:
        if m.role not in (Role.SYSTEM, Role.DEVELOPER):
            message(m)
    if example.rejected is not None:
        st.caption("Rejected alternative (imported as the undesired reply)")
        message(example.rejected, label="rejected reply")
    if example.tools:
        with st.expander("Tools", expanded=False):
            st.code(json.dumps(example.tools, indent=2, ensure_ascii=False), language="json")
