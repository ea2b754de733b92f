"""Small JSONL writers (OpenAI chat, ShareGPT), enough for round trips; training exports live in curator.export."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from curator.models import Example, Message

_SPEAKERS = {"system": "system", "developer": "system", "user": "human", "assistant": "gpt",
             "tool": "observation", "function": "observation"}


def write_openai_jsonl(examples: Iterable[Example], path: str | os.PathLike[str], *,
                       metadata: bool = False) -> int:
    """Write examples as OpenAI chat JSONL ({"messages", "tools"?}); return how many."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for example in examples:
            line: dict[str, Any] = {"messages": [m.dump() for m in example.messages]}
            if example.tools:
                line["tools"] = example.tools
            if metadata:
                line.update({k: v for k, v in example.metadata.items() if k not in line})
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_sharegpt_jsonl(examples: Iterable[Example], path: str | os.PathLike[str]) -> int:
    """Write examples as ShareGPT JSONL (LLaMA-Factory's chosen/rejected for pairs); return how many."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for example in examples:
            messages = list(example.messages)
            line: dict[str, Any] = {}
            if example.rejected is not None and messages:
                line["chosen"] = _turns(messages[-1:])[0]
                line["rejected"] = _turns([example.rejected])[0]
                messages = messages[:-1]
            line = {"conversations": _turns(messages), **line}
            if example.tools:
                line["tools"] = json.dumps(example.tools, ensure_ascii=False)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count


def _turns(messages: list[Message]) -> list[dict[str, str]]:
    turns = []
    for message in messages:
        if message.tool_calls:
            calls = [{"name": c.function.name, "arguments": json.loads(c.function.arguments)}
                     for c in message.tool_calls]
            if message.text:
                turns.append({"from": "gpt", "value": message.text})
            value = json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)
            turns.append({"from": "function_call", "value": value})
        else:
            turns.append({"from": _SPEAKERS[message.role.value], "value": message.text})
    return turns
