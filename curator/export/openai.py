"""OpenAI fine-tuning files: chat (SFT) and preference (DPO), as the fine-tuning API accepts them."""

from __future__ import annotations

from typing import Any

from curator.export.base import ConversationWriter, JsonlWriter
from curator.export.messages import OPENAI_ROW_KEYS, unsupported
from curator.export.records import ExportRecord


class OpenAIChatWriter(ConversationWriter):
    """{"messages": [...], "tools"?: [...]}: approved and corrected negative conversations."""

    name = "openai"
    kind = "sft"
    description = "OpenAI chat fine-tuning (SFT) JSONL"
    plain = False  # OpenAI takes its own message shape as it is (parts, weight)

    def finish_row(self, row: dict[str, Any], record: ExportRecord) -> dict[str, Any]:
        return _with_row_keys(row, record)


class OpenAIPreferenceWriter(JsonlWriter):
    """{"input": {"messages", "tools"?}, "preferred_output": [reply], "non_preferred_output": [reply]}."""

    name = "openai-preference"
    kind = "preference"
    description = "OpenAI preference fine-tuning (DPO) JSONL"

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        pair = record.pair
        if pair is None:
            return []
        reason = unsupported([pair.chosen, pair.rejected], parts=True, weights=True)
        if reason:
            return self.leave_out(reason)
        source: dict[str, Any] = {"messages": pair.prompt}
        if record.tools:
            source["tools"] = record.tools
        _with_row_keys(source, record)
        return [{"input": source, "preferred_output": [pair.chosen], "non_preferred_output": [pair.rejected]}]


def _with_row_keys(row: dict[str, Any], record: ExportRecord) -> dict[str, Any]:
    """OpenAI's own row keys (parallel_tool_calls), kept from the imported record."""
    for key in OPENAI_ROW_KEYS:
        if key in record.metadata:
            row[key] = record.metadata[key]
    return row
