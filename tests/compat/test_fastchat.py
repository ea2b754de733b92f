"""FastChat's own training code takes every row of the sharegpt export.

``fastchat.train.train_with_template.apply_prompt_template`` is what FastChat's trainer runs on
each row: it maps "from" through {"human", "gpt"} (any other speaker is a KeyError), asserts
that turns alternate human, gpt, ... and sets the row's top-level "system" as the system
message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from compat_kit import exported, jsonl

pytestmark = pytest.mark.compat


def test_every_sharegpt_row_passes_fastchats_prompt_template(tmp_path_factory: pytest.TempPathFactory) -> None:
    from fastchat.train.train_with_template import apply_prompt_template

    out, manifest = exported(tmp_path_factory)
    rows = [row for split in ("train", "test") for row in jsonl(Path(out) / "sharegpt" / f"{split}.jsonl")]
    assert len(rows) > 200
    for row in rows:
        (prompt,), conv = apply_prompt_template([row["conversations"]], "vicuna", systems=[row["system"]])
        assert row["conversations"][-1]["value"] in prompt
        if row["system"]:
            assert conv.system_message == row["system"]
    # what FastChat cannot hold was left out, and said so
    assert manifest["left_out_by_format"]["sharegpt"]["tools"] > 40
