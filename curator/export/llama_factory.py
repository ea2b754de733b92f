"""LLaMA-Factory's ShareGPT variant: SFT, preference and KTO files, and the dataset_info.json entries
that register them.

The rows follow LLaMA-Factory's converter (``SharegptDatasetConverter``): an optional top-level
``system``; turns alternating human/observation with gpt/function_call; an SFT or KTO
conversation ends on gpt/function_call, a preference one on human/observation with ``chosen``
and ``rejected`` gpt/function_call turns beside it; ``tools`` is a JSON string. Tool calls are a
function_call turn holding {"name", "arguments"} (a list for parallel calls); an assistant's text
before its calls rides in the same turn, the calls between ``<tool_call>`` and ``</tool_call>``
(LLaMA-Factory's tool_call_words, 0.9.5 and later); parallel tool results are one observation
turn holding a JSON list of the results, in order. What it cannot express (an image part, a
weight-0 turn, turns out of order) is left out and counted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from curator.export.base import SPLITS, FormatWriter, json_line
from curator.export.messages import ROLES_NOT_ALTERNATING, SYSTEM_NOT_FIRST, content_text, unsupported
from curator.export.records import ExportRecord
from curator.export.sharegpt import leading_system
from curator.models import SYSTEM_ROLES

INFO_NAME = "dataset_info.json"
TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
FILES = {"sft": "{split}.jsonl", "preference": "preference_{split}.jsonl", "kto": "kto_{split}.jsonl"}
_ODD, _EVEN = ("human", "observation"), ("gpt", "function_call")


def _calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    calls = [c.get("function", {}) for c in message.get("tool_calls") or []]
    if message.get("function_call"):
        calls.append(message["function_call"])
    shaped = []
    for function in calls:
        arguments = function.get("arguments", "")
        try:
            parsed: Any = json.loads(arguments)
        except (TypeError, ValueError):
            parsed = arguments  # the importer already flagged arguments that are not JSON
        shaped.append({"name": function.get("name", ""), "arguments": parsed})
    return shaped


def reply_turn(message: dict[str, Any]) -> dict[str, str]:
    """One assistant message as a gpt turn, or a function_call turn when it calls tools."""
    text = content_text(message.get("content"))
    calls = _calls(message)
    if not calls:
        return {"from": "gpt", "value": text}
    value = json.dumps(calls[0] if len(calls) == 1 else calls, sort_keys=True, ensure_ascii=False)
    if text:
        value = f"{text}{TOOL_CALL_OPEN}{value}{TOOL_CALL_CLOSE}"
    return {"from": "function_call", "value": value}


def turns(messages: list[dict[str, Any]], *, ends_on_reply: bool) -> list[dict[str, str]] | str:
    """The messages (after the system prompt) as LLaMA-Factory turns, or why they cannot be."""
    out: list[dict[str, str]] = []
    results: list[str] = []  # consecutive tool results: one observation turn
    for message in [*messages, None]:
        role = message.get("role") if message else None
        if role in ("tool", "function"):
            results.append(content_text(message.get("content")))  # type: ignore[union-attr]
            continue
        if results:
            value = results[0] if len(results) == 1 else json.dumps(results, ensure_ascii=False)
            out.append({"from": "observation", "value": value})
            results = []
        if message is None:
            break
        if role in SYSTEM_ROLES:
            return SYSTEM_NOT_FIRST
        out.append({"from": "human", "value": content_text(message.get("content"))} if role == "user" else reply_turn(message))
    for i, turn in enumerate(out):
        if turn["from"] not in (_ODD, _EVEN)[i % 2]:
            return ROLES_NOT_ALTERNATING
    if not out or (len(out) % 2 == 0) != ends_on_reply:
        return ROLES_NOT_ALTERNATING
    return out


def dataset_info(prefix: str = "curator") -> dict[str, Any]:
    """The dataset_info.json entries for the six files (paths relative to this folder)."""
    columns = {"messages": "conversations", "system": "system", "tools": "tools"}
    info: dict[str, Any] = {}
    for split in SPLITS:
        info[f"{prefix}_{split}"] = {"file_name": FILES["sft"].format(split=split), "formatting": "sharegpt", "columns": columns}
        info[f"{prefix}_preference_{split}"] = {
            "file_name": FILES["preference"].format(split=split), "formatting": "sharegpt", "ranking": True,
            "columns": {**columns, "chosen": "chosen", "rejected": "rejected"},
        }
        info[f"{prefix}_kto_{split}"] = {
            "file_name": FILES["kto"].format(split=split), "formatting": "sharegpt",
            "columns": {**columns, "kto_tag": "kto_tag"},
        }
    return info


class LlamaFactoryWriter(FormatWriter):
    """SFT rows in {split}.jsonl, pairs in preference_{split}.jsonl, KTO rows in kto_{split}.jsonl."""

    name = "llama-factory"
    kind = "sft"  # and preference and unpaired: one folder holds all three, each in its own files
    description = "LLaMA-Factory ShareGPT JSONL (SFT, preference, KTO) with its dataset_info.json"

    def __init__(self, folder: Path, *, card: dict[str, Any] | None = None) -> None:
        super().__init__(folder, card=card)
        folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[tuple[str, str], IO[str]] = {
            (kind, split): open(folder / name.format(split=split), "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            for kind, name in FILES.items()
            for split in SPLITS
        }

    def add(self, split: str, record: ExportRecord) -> int:
        tools = json.dumps(record.tools, sort_keys=True, ensure_ascii=False) if record.tools else ""
        rows: list[tuple[str, dict[str, Any]]] = []
        if record.messages is not None:
            rows += self._sft(record.messages, tools)
        if record.pair is not None:
            rows += self._pair(record, tools)
        for unpaired in record.unpaired:
            rows += self._kto(unpaired.prompt, unpaired.completion, unpaired.label, tools)
        for kind, row in rows:
            self.note_dropped_keys(record)
            self._files[(kind, split)].write(json_line(row))
        self.rows[split] += len(rows)
        return len(rows)

    def _row(self, kind: str, messages: list[dict[str, Any]], tools: str, *, ends_on_reply: bool,
             **extra: Any) -> list[tuple[str, dict[str, Any]]]:
        system, rest = leading_system(messages)
        shaped = turns(rest, ends_on_reply=ends_on_reply)
        if isinstance(shaped, str):
            self.leave_out(shaped)
            return []
        # Every row has system and tools: the files share one schema.
        return [(kind, {"system": system, "conversations": shaped, "tools": tools, **extra})]

    def _sft(self, messages: list[dict[str, Any]], tools: str) -> list[tuple[str, dict[str, Any]]]:
        reason = unsupported(messages)
        if reason:
            self.leave_out(reason)
            return []
        return self._row("sft", messages, tools, ends_on_reply=True)

    def _pair(self, record: ExportRecord, tools: str) -> list[tuple[str, dict[str, Any]]]:
        pair = record.pair
        assert pair is not None
        reason = unsupported([*pair.prompt, pair.chosen, pair.rejected], weights=True)
        if reason:
            self.leave_out(reason)
            return []
        return self._row("preference", pair.prompt, tools, ends_on_reply=False,
                         chosen=reply_turn(pair.chosen), rejected=reply_turn(pair.rejected))

    def _kto(self, prompt: list[dict[str, Any]], completion: dict[str, Any], label: bool,
             tools: str) -> list[tuple[str, dict[str, Any]]]:
        reason = unsupported([*prompt, completion], weights=True)
        if reason:
            self.leave_out(reason)
            return []
        return self._row("kto", [*prompt, completion], tools, ends_on_reply=True, kto_tag=label)

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        text = json.dumps(dataset_info(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (self.folder / INFO_NAME).write_text(text, encoding="utf-8", newline="\n")

    def abort(self) -> None:
        for fh in self._files.values():
            fh.close()
