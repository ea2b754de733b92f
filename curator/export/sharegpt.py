"""ShareGPT JSONL as FastChat trains on it: {"system", "conversations": [{"from", "value"}...]}.

FastChat's rules (``fastchat/train``): turns alternate human, gpt, human, ... from the first;
the system prompt is the top-level ``system`` field (read by ``train_with_template``). What
FastChat cannot express — tool definitions, calls and results, a system message after the first
turn, turns that do not alternate — is left out and counted, never flattened into text.
LLaMA-Factory's ShareGPT variant, which holds tools, is the ``llama-factory`` format.
"""

from __future__ import annotations

from typing import Any

from curator.export.base import JsonlWriter
from curator.export.messages import (
    ROLES_NOT_ALTERNATING,
    SYSTEM_NOT_FIRST,
    TOOLS,
    content_text,
    unsupported,
)
from curator.export.records import ExportRecord
from curator.models import SYSTEM_ROLES


def leading_system(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The first message's text if it is a system (or developer) message, and the rest."""
    if messages and messages[0].get("role") in SYSTEM_ROLES:
        return content_text(messages[0].get("content")), messages[1:]
    return "", messages


def fastchat_turns(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]] | str:
    """(system, human/gpt turns), or the reason FastChat cannot take these messages."""
    system, rest = leading_system(messages)
    turns = []
    for i, message in enumerate(rest):
        role = message.get("role")
        if role in SYSTEM_ROLES:
            return SYSTEM_NOT_FIRST
        if role in ("tool", "function") or message.get("tool_calls") or message.get("function_call"):
            return TOOLS
        if role != ("user", "assistant")[i % 2]:
            return ROLES_NOT_ALTERNATING
        turns.append({"from": "human" if role == "user" else "gpt", "value": content_text(message.get("content"))})
    return system, turns


class ShareGptWriter(JsonlWriter):
    """SFT conversations as FastChat's human/gpt turns, the system prompt beside them."""

    name = "sharegpt"
    kind = "sft"
    description = "ShareGPT JSONL as FastChat reads it (system + alternating human/gpt turns)"

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        if record.messages is None:
            return []
        if record.tools:
            return self.leave_out(TOOLS)
        reason = unsupported(record.messages)
        shaped = reason or fastchat_turns(record.messages)
        if isinstance(shaped, str):
            return self.leave_out(shaped)
        self.note_dropped_keys(record)
        system, turns = shaped
        # Every row has both keys: the train and test files share one schema.
        return [{"system": system, "conversations": turns}]
