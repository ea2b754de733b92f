"""Readers for OpenAI's fine-tuning formats: chat (SFT) and preference (DPO)."""

from __future__ import annotations

from typing import Any

from curator.formats import codes
from curator.formats.conversation import Conversation, Converted, leftovers, require, split_pair
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
    if not rejected:
        return [Issue(codes.EMPTY_MESSAGES, "non_preferred_output", "'non_preferred_output' is empty")]
    split = split_pair([*messages, *preferred], [*messages, *rejected], field="non_preferred_output")
    if isinstance(split, Issue):
        return [split]
    metadata = leftovers(record, _PREF_KEYS)
    metadata.update(leftovers(source, _CHAT_KEYS))
    return Conversation(split[0], source.get("tools"), split[1], metadata)
