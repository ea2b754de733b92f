"""Reader for ShareGPT: {"conversations": [{"from": ..., "value": ...}]}, as JSONL or a JSON array.

Also LLaMA-Factory's extensions: a top-level "system" and "tools", function_call / observation
turns (tool calls and their results), "chosen" / "rejected" turns for preference data and a
"kto_tag" for KTO data (kept as the example's ``kto_label``). A function_call turn may carry the
assistant's text before ``<tool_call>...</tool_call>``; an observation answering several parallel
calls may hold a JSON list of their results, one per call.
"""

from __future__ import annotations

import json
from typing import Any

from curator.formats import codes
from curator.formats.conversation import Conversation, Converted, leftovers
from curator.formats.trl import KTO_LABEL
from curator.formats.validate import Issue, json_kind

ROLE_MAP = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "model": "assistant",
    "function_call": "assistant",
    "observation": "tool",
    "tool": "tool",
}
_USED = frozenset({"conversations", "system", "tools", "chosen", "rejected", "kto_tag"})
_OPEN, _CLOSE = "<tool_call>", "</tool_call>"


def turns_key(record: dict[str, Any]) -> str:
    """Where the turns are: 'conversations', or 'messages' holding from/value turns."""
    return "conversations" if "conversations" in record else "messages"


def from_sharegpt(record: dict[str, Any]) -> Converted:
    """Map from/value turns to OpenAI messages; other keys become metadata."""
    key = turns_key(record)
    turns = record.get(key)
    if turns is None:
        return [Issue(codes.MISSING_MESSAGES, "conversations", "record has no 'conversations' list")]
    if not isinstance(turns, list):
        return [Issue(codes.MESSAGES_NOT_LIST, key, f"'{key}' must be a list, not {json_kind(turns)}")]
    issues: list[Issue] = []
    calls = _CallIds()
    messages: list[dict[str, Any]] = []
    system = record.get("system")
    if isinstance(system, str) and system:
        messages.append({"role": "system", "content": system})
    for i, turn in enumerate(turns):
        message = _message(turn, f"{key}[{i}]", calls, issues)
        if isinstance(message, list):
            messages.extend(message)
        elif message is not None:
            messages.append(message)
    rejected = None
    if "chosen" in record and "rejected" in record:
        chosen = _message(record["chosen"], "chosen", calls, issues)
        rejected = _message(record["rejected"], "rejected", _CallIds(), issues)
        if isinstance(chosen, dict):
            messages.append(chosen)
    tools = _tools(record.get("tools"), issues)
    kto_tag = record.get("kto_tag")
    if kto_tag is not None and not isinstance(kto_tag, bool):
        issues.append(Issue(codes.WRONG_TYPE, "kto_tag", f"'kto_tag' must be true or false, not {json_kind(kto_tag)}"))
    if issues:
        return issues
    used = _USED if key == "conversations" else _USED | {"messages"}
    metadata = leftovers(record, used)
    if kto_tag is not None:
        metadata[KTO_LABEL] = kto_tag
    return Conversation(messages, tools, rejected if isinstance(rejected, dict) else None, metadata)


class _CallIds:
    """Gives function_call turns ids and lets the following observations answer them."""

    def __init__(self) -> None:
        self.count = 0
        self.pending: list[str] = []
        self.last: str | None = None

    def new(self) -> str:
        self.count += 1
        self.last = f"call_{self.count}"
        self.pending.append(self.last)
        return self.last

    def answer(self) -> str | None:
        return self.pending.pop(0) if self.pending else self.last

    def split_results(self, value: str) -> list[str] | None:
        """The results of several pending parallel calls, when the value is a JSON list of one per call."""
        if len(self.pending) < 2:
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if isinstance(parsed, list) and len(parsed) == len(self.pending) and all(isinstance(r, str) for r in parsed):
            return parsed
        return None


def _message(turn: object, where: str, calls: _CallIds,
             issues: list[Issue]) -> dict[str, Any] | list[dict[str, Any]] | None:
    if not isinstance(turn, dict):
        issues.append(Issue(codes.MESSAGE_NOT_OBJECT, where,
                            f"a turn must be an object with 'from' and 'value', not {json_kind(turn)}"))
        return None
    speaker = turn.get("from")
    value = turn.get("value")
    if speaker is None:
        issues.append(Issue(codes.MISSING_ROLE, f"{where}.from", "turn has no 'from'"))
        return None
    role = ROLE_MAP.get(speaker) if isinstance(speaker, str) else None
    if role is None:
        issues.append(Issue(codes.UNKNOWN_ROLE, f"{where}.from",
                            f"unrecognised 'from' {speaker!r}; use one of " + ", ".join(ROLE_MAP)))
        return None
    if not isinstance(value, str):
        code = codes.MISSING_CONTENT if value is None else codes.CONTENT_TYPE
        issues.append(Issue(code, f"{where}.value",
                            f"'value' must be a string, not {json_kind(value)}"))
        return None
    if speaker == "function_call":
        text: str | None = None
        start, body = value.find(_OPEN), value.rstrip()
        if start > 0 and body.endswith(_CLOSE):  # "text<tool_call>{...}</tool_call>"
            text, value = value[:start], body[start + len(_OPEN):-len(_CLOSE)]
        tool_calls = _tool_calls(value, f"{where}.value", calls, issues)
        return None if tool_calls is None else {"role": "assistant", "content": text,
                                                "tool_calls": tool_calls}
    if role == "tool":
        results = calls.split_results(value)
        if results is not None:
            return [{"role": "tool", "content": r, "tool_call_id": calls.answer()} for r in results]
        return {"role": "tool", "content": value, "tool_call_id": calls.answer()}
    return {"role": role, "content": value}


def _tool_calls(value: str, where: str, calls: _CallIds,
                issues: list[Issue]) -> list[dict[str, Any]] | None:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    items = parsed if isinstance(parsed, list) else [parsed]
    result = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            issues.append(Issue(codes.TOOL_CALLS_MALFORMED, where,
                                'a function_call turn must hold JSON {"name": ..., "arguments": ...}'))
            return None
        arguments = item.get("arguments", {})
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        result.append({"id": calls.new(), "type": "function",
                       "function": {"name": item["name"], "arguments": arguments}})
    return result


def _tools(tools: object, issues: list[Issue]) -> list[dict[str, Any]] | None:
    """LLaMA-Factory keeps tools as a JSON string of bare function definitions."""
    if tools is None or tools == "":
        return None
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except ValueError:
            issues.append(Issue(codes.WRONG_TYPE, "tools", "'tools' is a string but not JSON"))
            return None
    if not isinstance(tools, list):
        issues.append(Issue(codes.WRONG_TYPE, "tools", f"'tools' must be a list, not {json_kind(tools)}"))
        return None
    return [t if not isinstance(t, dict) or "type" in t else {"type": "function", "function": t}
            for t in tools]
