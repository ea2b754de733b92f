"""Readers for OpenAI's fine-tuning formats: chat (SFT) and preference (DPO)."""

from __future__ import annotations

from typing import Any

from curator.formats import codes
from curator.formats.conversation import Conversation, Converted, leftovers, require, split_pair
from curator.formats.validate import Issue

_CHAT_KEYS = frozenset({"messages", "tools"})
_PREF_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})


def from_openai(record: dict[str, Any]) -> Converted:
    """{"messages", "tools"?, ...}: other keys (parallel_tool_calls, id...) become metadata.

    Axolotl's chat_template rows read the same way: an assistant message's ``training`` flag
    is OpenAI's ``weight`` (false = not trained).
    """
    if "messages" not in record:
        return [Issue(codes.MISSING_MESSAGES, "messages",
                      "record has no 'messages' list; is it in another format? try detecting the format (auto)")]
    messages = record["messages"]
    if isinstance(messages, list) and any(type(m) is dict and _TRAINING in m for m in messages):
        messages = [_weighted(m) for m in messages]
    return Conversation(messages, record.get("tools"), None, leftovers(record, _CHAT_KEYS))


_TRAINING = "training"


def _weighted(message: Any) -> Any:
    """Axolotl's per-message training flag on an assistant message as OpenAI's weight (a null flag says nothing)."""
    if type(message) is not dict or _TRAINING not in message:
        return message
    flag = message[_TRAINING]
    if flag is None:
        return {k: v for k, v in message.items() if k != _TRAINING}
    if message.get("role") != "assistant" or not isinstance(flag, bool) or "weight" in message:
        return message  # validation says what is wrong
    out = {k: v for k, v in message.items() if k != _TRAINING}
    out["weight"] = int(flag)
    return out


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
