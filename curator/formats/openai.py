"""Readers for OpenAI's fine-tuning formats: chat (SFT) and preference (DPO)."""

from __future__ import annotations

from typing import Any

from curator.formats import codes
from curator.formats.conversation import Conversation, Converted, leftovers, require
from curator.formats.validate import Issue

_CHAT_KEYS = frozenset({"messages", "tools"})
_PREF_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})


def from_openai(record: dict[str, Any]) -> Converted:
    """{"messages", "tools"?, ...}: other keys (parallel_tool_calls, id...) become metadata."""
    if "messages" not in record:
        return [Issue(codes.MISSING_MESSAGES, "messages",
                      "record has no 'messages' list; is it in another format? try --format auto")]
    return Conversation(record["messages"], record.get("tools"), None,
                        leftovers(record, _CHAT_KEYS))


def from_openai_preference(record: dict[str, Any]) -> Converted:
    """{"input": {"messages", "tools"?}, "preferred_output": [msg], "non_preferred_output": [msg]}."""
    issues = [i for i in (
        require(record, "input", dict),
        require(record, "preferred_output", list),
        require(record, "non_preferred_output", list),
    ) if i]
    if issues:
        return issues
    source = record["input"]
    messages = source.get("messages")
    if messages is None:
        return [Issue(codes.MISSING_MESSAGES, "input.messages", "'input' has no 'messages' list")]
    if not isinstance(messages, list):
        return [Issue(codes.MESSAGES_NOT_LIST, "input.messages", "'input.messages' must be a list")]
    preferred, rejected = record["preferred_output"], record["non_preferred_output"]
    if not preferred:
        return [Issue(codes.EMPTY_MESSAGES, "preferred_output", "'preferred_output' is empty")]
    if len(rejected) != 1:
        return [Issue(codes.WRONG_TYPE, "non_preferred_output",
                      f"'non_preferred_output' must hold exactly one message, not {len(rejected)}")]
    metadata = leftovers(record, _PREF_KEYS)
    metadata.update(leftovers(source, _CHAT_KEYS))
    return Conversation([*messages, *preferred], source.get("tools"), rejected[0], metadata)
