"""Axolotl's dataset config and its chat_template strategy, checked against its documented schema.

Axolotl cannot be installed here: its releases on PyPI pin exact versions of transformers, trl,
datasets, peft, accelerate and pydantic (0.19.0: transformers==5.16.1, trl==1.9.0,
datasets==4.8.4, pydantic==2.12.5) and pull CUDA-only builds (bitsandbytes, triton, xformers,
flash-linear-attention) besides gradio, wandb and modal. So this module checks what Axolotl
documents (``axolotl/utils/schemas/datasets.py``: ``SFTDataset``; ``prompt_strategies/
chat_template.py``: ``ChatTemplateStrategy``) with a model of those fields and the same
per-message rules, and renders every row with a real tokenizer's chat template:

- a dataset entry has ``path``, ``ds_type``, ``split``, ``type: chat_template``,
  ``field_messages``, ``field_tools``, ``message_property_mappings``, ``message_field_training``
  and ``roles_to_train``; nothing else;
- a message keeps the mapped properties, plus the template's own variables (tool_calls,
  tool_call_id, name) when not null; ``training: false`` removes a turn from the loss, a null
  flag leaves it to ``roles_to_train``; tool arguments are parsed from JSON;
- every row must have a turn to train (a role in roles_to_train, not flagged false, with content
  or tool calls): a row with nothing to train is what issue 11 found.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from compat_kit import exported, jsonl, tokenizer
from pydantic import BaseModel, ConfigDict

pytestmark = pytest.mark.compat

TEMPLATE_VARIABLES = ("tool_calls", "tool_call_id", "name")


class SFTDataset(BaseModel):
    """The fields of Axolotl's SFTDataset that a chat_template dataset uses (0.19.0)."""

    model_config = ConfigDict(extra="forbid")
    path: str
    ds_type: Literal["json"]
    split: str
    type: Literal["chat_template"]
    field_messages: str
    field_tools: str
    message_property_mappings: dict[str, str]
    message_field_training: str
    roles_to_train: list[str]


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chat_template: Literal["tokenizer_default"]
    datasets: list[SFTDataset]
    test_datasets: list[SFTDataset]


def turns(row: dict[str, Any], entry: SFTDataset) -> list[dict[str, Any]]:
    """ChatTemplateStrategy.get_conversation_thread / transform_message, for these files."""
    out = []
    for message in row[entry.field_messages]:
        turn = {key: message[value] for key, value in entry.message_property_mappings.items() if message.get(value) is not None}
        for key in TEMPLATE_VARIABLES:
            if message.get(key) is not None:
                turn[key] = message[key]
        for call in turn.get("tool_calls") or []:
            call["function"]["arguments"] = json.loads(call["function"]["arguments"])
        flag = message.get(entry.message_field_training)
        if flag is not None:
            turn["training"] = flag
        out.append(turn)
    return out


def test_config_snippet_and_every_row(tmp_path_factory: pytest.TempPathFactory) -> None:
    out, manifest = exported(tmp_path_factory)
    folder = Path(out) / "axolotl"
    config = Config.model_validate(yaml.safe_load((folder / "axolotl.yaml").read_text(encoding="utf-8")))
    tok = tokenizer(Path(out))
    rows = 0
    for entry in [*config.datasets, *config.test_datasets]:
        for row in jsonl(Path(out) / entry.path):
            rows += 1
            thread = turns(row, entry)
            trainable = [t for t in thread if t["role"] in entry.roles_to_train and t.get("training") is not False
                         and (t.get("content") or t.get("tool_calls"))]
            assert trainable, row
            encoded = tok.apply_chat_template(thread, tools=row.get(entry.field_tools), tokenize=True, return_dict=True)
            assert len(encoded["input_ids"]) > len(thread)
    assert rows > 200
    # weight 0 is carried as training: false (on whichever side of the split the example fell)
    assert sum(1 for entry in [*config.datasets, *config.test_datasets] for row in jsonl(Path(out) / entry.path)
               for m in row["messages"] if m["training"] is False) >= 1
    assert manifest["left_out_by_format"]["axolotl"].get("empty_reply", 0) >= 1
