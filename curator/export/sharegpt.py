"""ShareGPT JSONL: {"conversations": [{"from", "value"}], "tools"?}, as FastChat and LLaMA-Factory read it."""

from __future__ import annotations

import json
from typing import Any

from curator.export.base import JsonlWriter
from curator.export.messages import content_text
from curator.export.records import ExportRecord

SPEAKERS = {"system": "system", "developer": "system", "user": "human", "assistant": "gpt",
            "tool": "observation", "function": "observation"}


def _call(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function", {})
    arguments = function.get("arguments", "")
    try:
        parsed: Any = json.loads(arguments)
    except (TypeError, ValueError):
        parsed = arguments  # kept as sent; the importer already flagged invalid JSON
    return {"name": function.get("name", ""), "arguments": parsed}


def turns(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """from/value turns; an assistant's tool calls become a function_call turn (LLaMA-Factory)."""
    out: list[dict[str, str]] = []
    for message in messages:
        text = content_text(message.get("content"))
        calls = message.get("tool_calls")
        if calls:
            if text:
                out.append({"from": "gpt", "value": text})
            shaped = [_call(c) for c in calls]
            value = shaped[0] if len(shaped) == 1 else shaped
            out.append({"from": "function_call", "value": json.dumps(value, sort_keys=True, ensure_ascii=False)})
        else:
            out.append({"from": SPEAKERS.get(message["role"], message["role"]), "value": text})
    return out


class ShareGptWriter(JsonlWriter):
    """SFT conversations as ShareGPT turns; tools as a JSON string, as LLaMA-Factory expects."""

    name = "sharegpt"
    kind = "sft"
    description = "ShareGPT JSONL (conversations of from/value turns)"

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        if record.messages is None:
            return []
        row: dict[str, Any] = {"conversations": turns(record.messages)}
        if record.tools:
            row["tools"] = json.dumps(record.tools, sort_keys=True, ensure_ascii=False)
        return [row]
