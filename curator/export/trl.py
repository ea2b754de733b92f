"""TRL datasets in the conversational forms its trainers read: SFT, DPO (explicit prompt), KTO."""

from __future__ import annotations

from typing import Any

from curator.export.base import ConversationWriter, JsonlWriter
from curator.export.messages import plain_message, plain_messages
from curator.export.records import ExportRecord


class TrlSftWriter(ConversationWriter):
    """SFTTrainer's conversational language modelling: {"messages": [...]} (+ "tools")."""

    name = "trl-sft"
    kind = "sft"
    description = "TRL SFTTrainer conversational JSONL (messages)"



class TrlDpoWriter(JsonlWriter):
    """DPOTrainer's conversational preference with explicit prompt: prompt / chosen / rejected."""

    name = "trl-dpo"
    kind = "preference"
    description = "TRL DPOTrainer conversational preference JSONL (prompt, chosen, rejected)"

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        pair = record.pair
        if pair is None:
            return []
        return [{
            "prompt": plain_messages(pair.prompt),
            "chosen": [plain_message(pair.chosen)],
            "rejected": [plain_message(pair.rejected)],
        }]


class TrlKtoWriter(JsonlWriter):
    """KTOTrainer's conversational unpaired preference: prompt / completion / label."""

    name = "trl-kto"
    kind = "unpaired"
    description = "TRL KTOTrainer conversational unpaired preference JSONL (prompt, completion, label)"

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        return [
            {"prompt": plain_messages(u.prompt), "completion": [plain_message(u.completion)], "label": u.label}
            for u in record.unpaired
        ]
