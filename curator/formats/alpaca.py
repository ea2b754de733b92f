"""Reader for Alpaca: {"instruction", "input"?, "output", "system"?, "history"?}."""

from __future__ import annotations

from typing import Any

from curator.formats import codes
from curator.formats.conversation import Conversation, Converted, leftovers, require
from curator.formats.validate import Issue

_USED = frozenset({"instruction", "input", "output", "system", "history"})


def from_alpaca(record: dict[str, Any]) -> Converted:
    """instruction (+ blank line + input) is the user turn, output the assistant reply."""
    issues = [i for i in (require(record, "instruction", str), require(record, "output", str)) if i]
    for key in ("input", "system"):
        if record.get(key) is not None and not isinstance(record[key], str):
            issues.append(Issue(codes.WRONG_TYPE, key, f"'{key}' must be a string"))
    history = record.get("history") or []
    if not isinstance(history, list) or not all(_is_pair(p) for p in history):
        issues.append(Issue(codes.WRONG_TYPE, "history",
                            "'history' must be a list of [instruction, response] string pairs"))
    if issues:
        return issues
    messages: list[dict[str, Any]] = []
    if record.get("system"):
        messages.append({"role": "system", "content": record["system"]})
    for prompt, reply in history:
        messages.append({"role": "user", "content": prompt})
        messages.append({"role": "assistant", "content": reply})
    extra = record.get("input")
    prompt = f"{record['instruction']}\n\n{extra}" if extra else record["instruction"]
    messages.append({"role": "user", "content": prompt})
    messages.append({"role": "assistant", "content": record["output"]})
    return Conversation(messages, None, None, leftovers(record, _USED))


def _is_pair(pair: object) -> bool:
    return (isinstance(pair, (list, tuple)) and len(pair) == 2
            and all(isinstance(x, str) for x in pair))
