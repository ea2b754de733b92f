"""OpenAI fine-tuning files: chat (SFT) and preference (DPO), as the fine-tuning API accepts them."""

from __future__ import annotations

from typing import Any

from curator.export.base import ConversationWriter, JsonlWriter
from curator.export.records import ExportRecord


class OpenAIChatWriter(ConversationWriter):
    """{"messages": [...], "tools"?: [...]}: approved and corrected negative conversations."""

    name = "openai"
    kind = "sft"
    description = "OpenAI chat fine-tuning (SFT) JSONL"
    plain = False  # OpenAI takes its own message shape as it is (parts, weight)


class OpenAIPreferenceWriter(JsonlWriter):
    """{"input": {"messages", "tools"?}, "preferred_output": [reply], "non_preferred_output": [reply]}."""

    name = "openai-preference"
    kind = "preference"
    description = "OpenAI preference fine-tuning (DPO) JSONL"

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        pair = record.pair
        if pair is None:
            return []
        source: dict[str, Any] = {"messages": pair.prompt}
        if record.tools:
            source["tools"] = record.tools
        return [{"input": source, "preferred_output": [pair.chosen], "non_preferred_output": [pair.rejected]}]
