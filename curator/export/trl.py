"""TRL datasets in the conversational forms its trainers read: SFT, DPO (explicit prompt), KTO."""

from __future__ import annotations

from typing import Any

from curator.export.base import ConversationWriter, JsonlWriter
from curator.export.cards import TOOLS, messages
from curator.export.messages import plain_message, plain_messages, unsupported
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
        # Weights mean nothing here (only the completions are trained): they are not a loss.
        reason = unsupported([*pair.prompt, pair.chosen, pair.rejected], weights=True)
        if reason:
            return self.leave_out(reason)
        self.note_dropped_keys(record)
        return [_with_tools({
            "prompt": plain_messages(pair.prompt),
            "chosen": [plain_message(pair.chosen)],
            "rejected": [plain_message(pair.rejected)],
        }, record)]

    def card_features(self) -> list[dict[str, Any]] | None:
        return [messages("prompt"), messages("chosen"), messages("rejected"), TOOLS]


class TrlKtoWriter(JsonlWriter):
    """KTOTrainer's conversational unpaired preference: prompt / completion / label."""

    name = "trl-kto"
    kind = "unpaired"
    description = "TRL KTOTrainer conversational unpaired preference JSONL (prompt, completion, label)"

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        rows = []
        for u in record.unpaired:
            reason = unsupported([*u.prompt, u.completion], weights=True)
            if reason:
                self.leave_out(reason)
                continue
            self.note_dropped_keys(record)
            row = {"prompt": plain_messages(u.prompt), "completion": [plain_message(u.completion)], "label": u.label}
            rows.append(_with_tools(row, record))
        return rows

    def card_features(self) -> list[dict[str, Any]] | None:
        return [messages("prompt"), messages("completion"), {"name": "label", "dtype": "bool"}, TOOLS]


def _with_tools(row: dict[str, Any], record: ExportRecord) -> dict[str, Any]:
    """TRL reads a 'tools' column (the chat template renders it): keep the example's.

    Every row has it (null without tools): train and test load together with one schema.
    """
    row["tools"] = record.tools or None
    return row
