"""Real data in: what readers must not accept, and what they must not lose (issue 11, items 1, 2, 6, 8, 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import pytest

from curator.formats import codes, open_records
from curator.formats.records import Parsed
from curator.models import Example

DATA = Path(__file__).parent / "data" / "fidelity"


def read(path: Path | str, **options: Any) -> list[Parsed]:
    return list(open_records(path, **options))


def texts(example: Example) -> list[tuple[str, str]]:
    return [(m.role.value, m.text) for m in example.messages]


# --- 1: a pair whose two sides answer different prompts is a problem, in every pair reader ---

@pytest.mark.parametrize(("name", "fmt", "bad_lines", "turn"), [
    ("hh_pairs.jsonl", "hh", [2], 2),
    ("trl_pairs.jsonl", "trl-preference", [2, 3], 2),
    ("openai_preference_pairs.jsonl", "openai-preference", [2], 2),
])
def test_a_pair_whose_prompts_differ_is_a_problem(name: str, fmt: str, bad_lines: list[int], turn: int) -> None:
    parsed = read(DATA / name, format=fmt)
    bad = [p for p in parsed if p.example is None]
    assert [p.line for p in bad] == bad_lines
    for p in bad:
        assert [x.code for x in p.problems] == [codes.PAIR_PROMPT_MISMATCH]
        assert "diverge at turn" in p.problems[0].message
    assert f"diverge at turn {turn}" in bad[0].problems[0].message
    good = [p.example for p in parsed if p.example is not None]
    assert good and all(ex.rejected is not None for ex in good)


def test_hh_misaligned_pair_never_pairs_a_reply_with_another_prompt() -> None:
    good, bad = read(DATA / "hh_pairs.jsonl")
    assert good.example is not None and bad.example is None
    assert texts(good.example) == [("user", "How do I add a logo?"), ("assistant", "Settings > Branding > Upload logo.")]
    assert good.example.rejected is not None and good.example.rejected.text == "You cannot."


def test_a_pair_reader_on_a_hugging_face_dataset_checks_prompts_too(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in (DATA / "trl_pairs.jsonl").read_text().splitlines()]
    path = tmp_path / "pairs.parquet"
    datasets.Dataset.from_list([{k: r[k] for k in ("chosen", "rejected")} for r in rows[:2]]).to_parquet(str(path))
    parsed = read(path)
    assert [p.example is not None for p in parsed] == [True, False]
    assert parsed[1].problems[0].code == codes.PAIR_PROMPT_MISMATCH


# --- 2: datasets' JSON type (messages whose key sets differ) -----------------------------------

TOOL_CHAT = [
    {"role": "system", "content": "You are Tally."},
    {"role": "user", "content": "Where is invoice 1042?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "lookup_invoice", "arguments": "{\"number\": \"1042\"}"}},
        {"id": "c2", "type": "function", "function": {"name": "get_subscription", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"sent\"}"},
    {"role": "tool", "tool_call_id": "c2", "content": "{\"plan\": \"Pro\"}"},
    {"role": "assistant", "content": "Invoice 1042 was sent; you are on Pro."},
]
PLAIN_CHAT = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}]


def json_typed_dataset() -> datasets.Dataset:
    """What Dataset.map makes of messages with differing key sets (datasets' JSON type, >= 4.8)."""
    raw = datasets.Dataset.from_dict({"raw": [json.dumps(TOOL_CHAT), json.dumps(PLAIN_CHAT)]})
    ds = raw.map(lambda row: {"messages": json.loads(row["raw"])}, remove_columns=["raw"])
    assert "Json" in json.dumps(ds.features.to_dict())  # the fixture really uses the JSON type
    return ds


@pytest.mark.parametrize("saved_as", ["save_to_disk", "to_parquet"])
def test_datasets_json_columns_read_through_datasets_decoding(tmp_path: Path, saved_as: str) -> None:
    ds = json_typed_dataset()
    if saved_as == "save_to_disk":
        path = tmp_path / "folder"
        ds.save_to_disk(str(path))
    else:
        path = tmp_path / "chats.parquet"
        ds.to_parquet(str(path))
    parsed = read(path)
    assert [p.problems for p in parsed] == [[], []]
    got = [p.example for p in parsed]
    assert [ex.plain_messages() for ex in got if ex] == [
        Example.create(TOOL_CHAT).plain_messages(), Example.create(PLAIN_CHAT).plain_messages()]


# --- 6: a KTO file is imported as KTO, not as plain SFT ---------------------------------------

def test_kto_rows_keep_their_label() -> None:
    parsed = read(DATA / "kto.jsonl")
    assert open_records(DATA / "kto.jsonl").format == "trl-kto"
    assert [p.example.metadata.get("kto_label") if p.example else None for p in parsed] == [True, False, True, None]
    assert texts(parsed[2].example) == [("user", "Is there a mobile app?"), ("assistant", "Yes, for iOS and Android.")]
    assert parsed[3].problems[0].code == codes.WRONG_TYPE and parsed[3].problems[0].field == "label"


# --- 8: OpenAI SDK response keys ---------------------------------------------------------------

def test_null_sdk_response_keys_are_dropped_with_a_warning_naming_them() -> None:
    logged, clean, refusal, unknown = read(DATA / "sdk_replies.jsonl", format="openai")
    assert logged.example is not None and clean.example is not None
    assert logged.example.id == clean.example.id  # the null keys are not part of the content
    assert codes.RESPONSE_KEYS_DROPPED in logged.example.warnings
    assert logged.example.metadata["dropped_response_keys"] == ["annotations", "audio", "refusal"]
    assert codes.RESPONSE_KEYS_DROPPED not in clean.example.warnings
    assert logged.example.plain_messages()[-1] == {"role": "assistant", "content": "Hello! How can I help?"}
    assert refusal.example is None
    assert (codes.UNKNOWN_KEY, "messages[1].refusal") in [(p.code, p.field) for p in refusal.problems]
    assert "SDK response key" in refusal.problems[0].message
    assert unknown.example is None and unknown.problems[0].code == codes.UNKNOWN_KEY


# --- 9: empty assistant replies ----------------------------------------------------------------

def test_empty_assistant_replies_are_warned_about() -> None:
    empty, empty_early, fine = read(DATA / "empty_replies.jsonl")
    assert codes.EMPTY_REPLY in empty.example.warnings
    assert codes.EMPTY_REPLY in empty_early.example.warnings
    assert codes.EMPTY_REPLY not in fine.example.warnings


def test_an_empty_rejected_reply_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "pair.jsonl"
    path.write_text(json.dumps({"prompt": "Hi", "chosen": "Hello!", "rejected": ""}) + "\n", encoding="utf-8")
    (parsed,) = read(path)
    assert parsed.example is not None and codes.EMPTY_REPLY in parsed.example.warnings
