"""Axolotl's chat_template datasets, and the config snippet that points Axolotl at them."""

from __future__ import annotations

from typing import Any

import yaml

from curator.export.base import ConversationWriter
from curator.export.cards import TOOLS, messages
from curator.export.records import ExportRecord

CONFIG_NAME = "axolotl.yaml"
TRAINING_FIELD = "training"  # Axolotl's per-message flag (message_field_training): false = not trained


def config_snippet(folder: str = "axolotl") -> dict[str, Any]:
    """The datasets / test_datasets part of an Axolotl config for these files (paths relative to OUT_DIR)."""

    def dataset(split: str) -> dict[str, Any]:
        return {
            "path": f"{folder}/{split}.jsonl",
            "ds_type": "json",
            "split": "train",  # a local JSON file loads as one split named train
            "type": "chat_template",
            "field_messages": "messages",
            "field_tools": "tools",
            "message_property_mappings": {"role": "role", "content": "content"},
            "message_field_training": TRAINING_FIELD,
            "roles_to_train": ["assistant"],
        }

    return {"chat_template": "tokenizer_default", "datasets": [dataset("train")], "test_datasets": [dataset("test")]}


class AxolotlWriter(ConversationWriter):
    """{"messages": [{"role", "content"}...]} rows for type: chat_template, and axolotl.yaml beside them.

    OpenAI's ``weight: 0`` (do not train this reply) becomes Axolotl's ``training: false``.
    """

    name = "axolotl"
    kind = "sft"
    description = "Axolotl chat_template JSONL with a config snippet (axolotl.yaml)"
    holds_weights = True

    def finish_row(self, row: dict[str, Any], record: ExportRecord) -> dict[str, Any]:
        for shaped, message in zip(row["messages"], record.messages or [], strict=True):
            # null: Axolotl's roles_to_train decides; every message has the key (one schema)
            shaped[TRAINING_FIELD] = False if message.get("weight") == 0 else None
        return super().finish_row(row, record)

    def card_features(self) -> list[dict[str, Any]] | None:
        return [messages("messages", {"name": TRAINING_FIELD, "dtype": "bool"}), TOOLS]

    def close(self) -> None:
        super().close()
        header = (
            "# Axolotl config snippet written by curator export: merge into your config.\n"
            "# Paths are relative to the export folder; run axolotl from there or make them absolute.\n"
        )
        body = yaml.safe_dump(config_snippet(self.folder.name), sort_keys=True, allow_unicode=True)
        (self.folder / CONFIG_NAME).write_text(header + body, encoding="utf-8", newline="\n")
