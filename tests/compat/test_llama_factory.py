"""LLaMA-Factory's documented row rules hold for every row of the llama-factory export.

LLaMA-Factory cannot be installed beside TRL here: llamafactory 0.9.5 requires
datasets<=4.0.0 and trl<=0.24.0 (TRL 1.x needs datasets>=4.7) and torchvision/torchaudio, which
do not import beside the CPU torch build this suite uses. So this module checks its rules as its
code states them (``llamafactory/data/converter.py``: ``SharegptDatasetConverter``;
``data/formatter.py``: ``FunctionFormatter``; ``data/parser.py``: the dataset_info.json columns):

- an optional system turn first, else the ``system`` column; then turns alternate
  (human | observation) and (gpt | function_call); an SFT or KTO conversation has an even number
  of turns, a ranking one an odd number, with ``chosen`` and ``rejected`` gpt/function_call turns;
  a KTO row's ``kto_tag`` is a boolean (any other row is "broken" and skipped);
- a function_call value is JSON ({"name", "arguments"} or a list of them for parallel calls), or
  text followed by that JSON between the template's tool_call_words (``<tool_call>``,
  ``</tool_call>``, the default since 0.9.5);
- ``tools`` is "" or a JSON list;
- dataset_info.json names existing files, sharegpt formatting and the columns the rows have.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from compat_kit import exported, jsonl

pytestmark = pytest.mark.compat

ODD, EVEN = ("human", "observation"), ("gpt", "function_call")


def _function_value(value: str) -> None:
    start, end = value.find("<tool_call>"), value.rfind("</tool_call>")
    body = value[start + len("<tool_call>"):end] if start >= 0 and end > start else value
    calls = json.loads(body)
    for call in calls if isinstance(calls, list) else [calls]:
        assert isinstance(call["name"], str) and "arguments" in call
        json.dumps(call["arguments"])


def _check(row: dict[str, Any], *, ranking: bool, kto: bool) -> None:
    turns = row["conversations"]
    if turns and turns[0]["from"] == "system":
        turns = turns[1:]
    assert isinstance(row["system"], str)
    for i, turn in enumerate(turns):
        assert turn["from"] in (ODD, EVEN)[i % 2], row
        assert isinstance(turn["value"], str)
        if turn["from"] == "function_call":
            _function_value(turn["value"])
    assert len(turns) % 2 == (1 if ranking else 0), row
    if ranking:
        for side in ("chosen", "rejected"):
            assert row[side]["from"] in EVEN
            if row[side]["from"] == "function_call":
                _function_value(row[side]["value"])
    if kto:
        assert isinstance(row["kto_tag"], bool)
    assert row["tools"] == "" or isinstance(json.loads(row["tools"]), list)


def test_every_row_and_the_dataset_info(tmp_path_factory: pytest.TempPathFactory) -> None:
    out, manifest = exported(tmp_path_factory)
    folder = Path(out) / "llama-factory"
    info = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
    counts = {"sft": 0, "ranking": 0, "kto": 0}
    for entry in info.values():
        assert entry["formatting"] == "sharegpt"
        ranking, kto = entry.get("ranking", False), "kto_tag" in entry["columns"]
        for row in jsonl(folder / entry["file_name"]):
            assert set(entry["columns"].values()) <= set(row)
            _check(row, ranking=ranking, kto=kto)
            counts["ranking" if ranking else "kto" if kto else "sft"] += 1
    assert counts["sft"] > 200 and counts["ranking"] > 20 and counts["kto"] > 200
    calls = [t["value"] for split in ("train", "test") for r in jsonl(folder / f"{split}.jsonl")
             for t in r["conversations"] if t["from"] == "function_call"]
    assert any("<tool_call>" in v for v in calls) and any(v.startswith("[") for v in calls)
    assert manifest["counts"]["by_format"]["llama-factory"]["train"]["rows"] > 0
